//! Run configuration: a TOML file (schema below, documented in README) merged with the
//! command line. Validation reports every problem at once, each with its line.
//!
//! ```toml
//! scheme = "yongdi2023"          # or "sandiao"; the code scheme is never guessed
//! preset = "national-default"    # criteria preset (dongguan, tianjin)
//! [input]
//! parcels = "parcels.shp"        # relative to this file
//! parcels_layer = "DLTB"         # for multi-layer GeoPackage/FileGDB
//! buildings = "buildings.shp"
//! s_srs = "EPSG:4547"            # or "local", or WKT
//! encoding = "GBK"
//! invalid = "repair"             # stop | skip | repair
//! [fields]                       # engine name = source field name
//! parcel_id = "ZDDM"
//! land_use = "DLBM"
//! [land_use_recode]              # source value = code of the scheme
//! "residential" = "0701"
//! [buildings]
//! floors = "floors"
//! ```

use crate::constraints::ConstraintKind;
use crate::error::{Error, Result};
use crate::landuse::Scheme;
use crate::model::FieldKind;
use crate::zone::{Target, ZoneOptions};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The engine's parcel fields, in output order, with their kinds and whether a record
/// without a value is rejected. Source fields are mapped to these names by `[fields]`.
pub const MODEL_FIELDS: &[(&str, FieldKind, bool)] = &[
    ("parcel_id", FieldKind::Text, true),
    ("town", FieldKind::Text, false),
    ("land_use", FieldKind::Text, true),
    ("far", FieldKind::Real, false),
    ("bld_cov", FieldKind::Real, false),
    ("yr_built", FieldKind::Int, false),
    ("tax_mu", FieldKind::Real, false),
    ("out_mu", FieldKind::Real, false),
    ("vacancy", FieldKind::Real, false),
    ("idle_yrs", FieldKind::Real, false),
    ("danger", FieldKind::Text, false),
    ("ind_class", FieldKind::Text, false),
    ("consent", FieldKind::Real, false),
];

/// Position of a model field in [`MODEL_FIELDS`] (and in `Parcel::survey`).
pub fn model_index(name: &str) -> Option<usize> {
    MODEL_FIELDS.iter().position(|(n, _, _)| *n == name)
}

/// Criteria presets shipped with landsift.
/// Name fields tried, in order (case-insensitive), on a town boundary layer without
/// `towns_field`: ours, common English ones, and the 第三次全国国土调查 township layer's.
pub const TOWN_NAME_FIELDS: &[&str] = &["town", "name", "XZQMC", "ZJMC", "镇街", "镇街名称"];

pub const PRESETS: &[&str] = &["national-default", "dongguan", "tianjin"];

/// What to do with invalid geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InvalidPolicy {
    /// Stop the run at the first invalid geometry (exit code 7).
    Stop,
    /// Reject every invalid geometry, repair nothing.
    Skip,
    /// Repair what is unambiguous, reject the rest (default).
    Repair,
}

impl InvalidPolicy {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "stop" => Some(InvalidPolicy::Stop),
            "skip" => Some(InvalidPolicy::Skip),
            "repair" => Some(InvalidPolicy::Repair),
            _ => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    scheme: Option<Spanned<String>>,
    preset: Option<Spanned<String>>,
    #[serde(default)]
    input: FileInput,
    #[serde(default)]
    fields: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    land_use_recode: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    buildings: FileBuildings,
    /// A criteria file of the city's own, instead of a preset.
    criteria: Option<String>,
    survey: Option<FileSurvey>,
    #[serde(default)]
    constraints: Vec<FileConstraint>,
    #[serde(default)]
    zones: FileZones,
    #[serde(default)]
    output: FileOutput,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOutput {
    formats: Option<Vec<Format>>,
    layers: Option<Vec<OutputLayer>>,
}

/// What a run can write (`--format`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `landsift.gpkg`: every layer, styled (the main deliverable).
    Gpkg,
    /// A Shapefile (with `.prj`, `.cpg`, `.qml`, `.fields.csv`) per spatial layer.
    Shp,
    /// An RFC 7946 GeoJSON per spatial layer.
    Geojson,
    /// `landsift.qgs`, the QGIS project (opens the GeoPackage).
    Qgis,
    /// `report.html`.
    Report,
    /// `stats.csv` and `stats.json`.
    Stats,
}

/// The layers a run can write (`--layers`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum OutputLayer {
    Parcels,
    SmallCircles,
    MiddleCircles,
    LargeCircles,
    /// The rejects table (GeoPackage) and `rejects.csv`.
    Rejects,
    OrphanBuildings,
}

impl OutputLayer {
    pub fn name(self) -> &'static str {
        match self {
            OutputLayer::Parcels => "parcels",
            OutputLayer::SmallCircles => "small_circles",
            OutputLayer::MiddleCircles => "middle_circles",
            OutputLayer::LargeCircles => "large_circles",
            OutputLayer::Rejects => "rejects",
            OutputLayer::OrphanBuildings => "orphan_buildings",
        }
    }
}

/// The formats and layers a run writes (default: everything); `summary.json` always.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSelection {
    pub formats: Vec<Format>,
    pub layers: Vec<OutputLayer>,
}

impl Default for OutputSelection {
    fn default() -> Self {
        use clap::ValueEnum;
        OutputSelection {
            formats: Format::value_variants().to_vec(),
            layers: OutputLayer::value_variants().to_vec(),
        }
    }
}

impl OutputSelection {
    pub fn writes(&self, f: Format) -> bool {
        self.formats.contains(&f)
    }

    /// Whether the layer named `name` (as in the outputs) is written.
    pub fn has_layer(&self, name: &str) -> bool {
        self.layers.iter().any(|l| l.name() == name)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileZones {
    gap: Option<Spanned<f64>>,
    circle_gap: Option<f64>,
    max_unit_mu: Option<f64>,
    min_unit_mu: Option<f64>,
    absorb_enclaves: Option<bool>,
    large_per_town: Option<usize>,
    middle_per_large: Option<usize>,
    target_share: Option<Spanned<f64>>,
    target_mu: Option<f64>,
    barriers: Option<String>,
    barriers_layer: Option<String>,
    towns: Option<String>,
    towns_layer: Option<String>,
    towns_field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSurvey {
    path: String,
    /// Key column of the table; default: the parcels' id field.
    key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConstraint {
    kind: ConstraintKind,
    path: String,
    layer: Option<String>,
    min_share: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInput {
    parcels: Option<String>,
    parcels_layer: Option<String>,
    buildings: Option<String>,
    buildings_layer: Option<String>,
    s_srs: Option<Spanned<String>>,
    encoding: Option<String>,
    invalid: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBuildings {
    floors: Option<String>,
    height: Option<String>,
    storey_height: Option<f64>,
}

/// Options given on the command line; they win over the config file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub parcels: Option<PathBuf>,
    pub buildings: Option<PathBuf>,
    pub s_srs: Option<String>,
    pub encoding: Option<String>,
    pub invalid: Option<InvalidPolicy>,
    pub preset: Option<String>,
    pub criteria: Option<PathBuf>,
    pub survey: Option<PathBuf>,
    pub constraints: Vec<(ConstraintKind, PathBuf)>,
    pub gap: Option<f64>,
    pub barriers: Option<PathBuf>,
    pub towns: Option<PathBuf>,
    pub formats: Option<Vec<Format>>,
    pub layers: Option<Vec<OutputLayer>>,
}

/// A constraint layer to overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintSpec {
    pub kind: ConstraintKind,
    pub path: PathBuf,
    pub layer: Option<String>,
    /// Share of a parcel inside the layer from which the constraint applies.
    pub min_share: f64,
}

/// Where the buildings' floors come from.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingFields {
    /// Field with the number of floors (层数).
    pub floors: String,
    /// Field with the height in metres, used when floors are missing.
    pub height: Option<String>,
    /// Metres per storey to turn a height into floors.
    pub storey_height: f64,
}

/// The resolved settings of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub scheme: Scheme,
    pub preset: String,
    /// The parcels input; `None` means the bundled sample district.
    pub parcels: Option<PathBuf>,
    pub parcels_layer: Option<String>,
    pub buildings: Option<PathBuf>,
    pub buildings_layer: Option<String>,
    pub s_srs: Option<String>,
    pub encoding: Option<String>,
    pub invalid: InvalidPolicy,
    /// Model field name → source field name, for every model field.
    pub fields: BTreeMap<String, String>,
    /// Source land-use value → scheme code.
    pub recode: BTreeMap<String, String>,
    pub building_fields: BuildingFields,
    /// The config file, if any (reported in the summary).
    pub config_path: Option<PathBuf>,
    /// A criteria file of the city's own; `None`: the preset.
    pub criteria_file: Option<PathBuf>,
    /// Survey table (CSV) joined to parcels by id, and its key column.
    pub survey: Option<PathBuf>,
    pub survey_key: Option<String>,
    pub constraints: Vec<ConstraintSpec>,
    /// Zoning parameters.
    pub zones: ZoneOptions,
    /// Barrier layer (arterials, rivers, railways) that no neighbour edge crosses.
    pub barriers: Option<PathBuf>,
    pub barriers_layer: Option<String>,
    /// Town boundary layer (镇街 polygons) that no zone crosses; `None`: the parcels'
    /// town field. Its name field: `towns_field`, or the first of [`TOWN_NAME_FIELDS`].
    pub towns: Option<PathBuf>,
    pub towns_layer: Option<String>,
    pub towns_field: Option<String>,
    /// What to write.
    pub output: OutputSelection,
}

impl Settings {
    /// The source field that feeds a model field.
    pub fn source_field<'a>(&'a self, model: &'a str) -> &'a str {
        self.fields.get(model).map(String::as_str).unwrap_or(model)
    }
}

/// Loads the config (if any) and merges the command line over it.
pub fn load(over: &Overrides) -> Result<Settings> {
    let (file, base, path) = match &over.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::config(path, format!("cannot read: {e}")))?;
            let file: FileConfig = toml::from_str(&text)
                .map_err(|e| Error::config(path, format!("{}", e).trim_end().to_string()))?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            validate(&file, &text, path)?;
            (file, base, Some(path.clone()))
        }
        None => (FileConfig::default(), PathBuf::new(), None),
    };
    let resolve = |p: &Option<String>| p.as_ref().map(|s| base.join(s));
    let mut fields: BTreeMap<String, String> = MODEL_FIELDS
        .iter()
        .map(|(n, _, _)| (n.to_string(), n.to_string()))
        .collect();
    for (k, v) in &file.fields {
        fields.insert(k.get_ref().clone(), v.clone());
    }
    let scheme = file
        .scheme
        .as_ref()
        .and_then(|s| Scheme::from_name(s.get_ref()))
        .unwrap_or(Scheme::Yongdi2023);
    let output = output_selection(&file.output, over, path.as_deref())?;
    Ok(Settings {
        output,
        scheme,
        preset: over
            .preset
            .clone()
            .or_else(|| file.preset.as_ref().map(|s| s.get_ref().clone()))
            .unwrap_or_else(|| "national-default".into()),
        parcels: over
            .parcels
            .clone()
            .or_else(|| resolve(&file.input.parcels)),
        parcels_layer: file.input.parcels_layer.clone(),
        buildings: over
            .buildings
            .clone()
            .or_else(|| resolve(&file.input.buildings)),
        buildings_layer: file.input.buildings_layer.clone(),
        s_srs: over
            .s_srs
            .clone()
            .or_else(|| file.input.s_srs.as_ref().map(|s| s.get_ref().clone())),
        encoding: over.encoding.clone().or(file.input.encoding.clone()),
        invalid: over
            .invalid
            .or_else(|| {
                file.input
                    .invalid
                    .as_ref()
                    .and_then(|s| InvalidPolicy::from_name(s.get_ref()))
            })
            .unwrap_or(InvalidPolicy::Repair),
        fields,
        recode: file
            .land_use_recode
            .iter()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect(),
        building_fields: BuildingFields {
            floors: file
                .buildings
                .floors
                .clone()
                .unwrap_or_else(|| "floors".into()),
            height: file.buildings.height.clone(),
            storey_height: file.buildings.storey_height.unwrap_or(3.5),
        },
        config_path: path,
        criteria_file: over.criteria.clone().or_else(|| resolve(&file.criteria)),
        survey: over
            .survey
            .clone()
            .or_else(|| file.survey.as_ref().map(|t| base.join(&t.path))),
        survey_key: file.survey.as_ref().and_then(|t| t.key.clone()),
        zones: zone_options(&file.zones, over.gap),
        barriers: over
            .barriers
            .clone()
            .or_else(|| resolve(&file.zones.barriers)),
        barriers_layer: file.zones.barriers_layer.clone(),
        towns: over.towns.clone().or_else(|| resolve(&file.zones.towns)),
        towns_layer: file.zones.towns_layer.clone(),
        towns_field: file.zones.towns_field.clone(),
        constraints: if over.constraints.is_empty() {
            file.constraints
                .iter()
                .map(|c| ConstraintSpec {
                    kind: c.kind,
                    path: base.join(&c.path),
                    layer: c.layer.clone(),
                    min_share: c
                        .min_share
                        .as_ref()
                        .map(|s| *s.get_ref())
                        .unwrap_or_else(|| c.kind.default_min_share()),
                })
                .collect()
        } else {
            over.constraints
                .iter()
                .map(|(kind, path)| ConstraintSpec {
                    kind: *kind,
                    path: path.clone(),
                    layer: None,
                    min_share: kind.default_min_share(),
                })
                .collect()
        },
    })
}

/// The output selection: the command line's, else the file's, else everything; the QGIS
/// project opens the GeoPackage, so it cannot come without it.
fn output_selection(
    file: &FileOutput,
    over: &Overrides,
    config: Option<&Path>,
) -> Result<OutputSelection> {
    let all = OutputSelection::default();
    let mut sel = OutputSelection {
        formats: over
            .formats
            .clone()
            .or_else(|| file.formats.clone())
            .unwrap_or(all.formats),
        layers: over
            .layers
            .clone()
            .or_else(|| file.layers.clone())
            .unwrap_or(all.layers),
    };
    sel.formats.sort_unstable();
    sel.formats.dedup();
    sel.layers.sort_unstable();
    sel.layers.dedup();
    if sel.writes(Format::Qgis) && !sel.writes(Format::Gpkg) {
        let at = config.map_or_else(|| PathBuf::from("--format"), Path::to_path_buf);
        return Err(Error::config(
            at,
            "format qgis needs gpkg: the QGIS project opens the GeoPackage's layers",
        ));
    }
    Ok(sel)
}

fn zone_options(z: &FileZones, gap: Option<f64>) -> ZoneOptions {
    let d = ZoneOptions::default();
    ZoneOptions {
        gap: gap
            .or(z.gap.as_ref().map(|g| *g.get_ref()))
            .unwrap_or(d.gap),
        circle_gap: z.circle_gap.unwrap_or(d.circle_gap),
        unit: crate::zone::small::UnitOptions {
            max_mu: z.max_unit_mu.unwrap_or(d.unit.max_mu),
            min_mu: z.min_unit_mu.unwrap_or(d.unit.min_mu),
            absorb_enclaves: z.absorb_enclaves.unwrap_or(d.unit.absorb_enclaves),
        },
        large_per_town: z.large_per_town.unwrap_or(d.large_per_town),
        middle_per_large: z.middle_per_large.unwrap_or(d.middle_per_large),
        target: match (z.target_mu, &z.target_share) {
            (Some(mu), _) => Target::Mu(mu),
            (None, Some(s)) => Target::Share(*s.get_ref()),
            (None, None) => d.target,
        },
        ..d
    }
}

/// Checks the values serde cannot; every problem is reported, each with its line.
fn validate(file: &FileConfig, text: &str, path: &Path) -> Result<()> {
    let line = |span: std::ops::Range<usize>| {
        text.as_bytes()[..span.start.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let mut problems = Vec::new();
    if let Some(s) = &file.scheme {
        if Scheme::from_name(s.get_ref()).is_none() {
            problems.push(format!(
                "line {}: scheme '{}' is not one of yongdi2023, sandiao",
                line(s.span()),
                s.get_ref()
            ));
        }
    }
    if let Some(p) = &file.preset {
        if !PRESETS.contains(&p.get_ref().as_str()) {
            problems.push(format!(
                "line {}: preset '{}' is not one of {}",
                line(p.span()),
                p.get_ref(),
                PRESETS.join(", ")
            ));
        }
    }
    if let Some(v) = &file.input.invalid {
        if InvalidPolicy::from_name(v.get_ref()).is_none() {
            problems.push(format!(
                "line {}: invalid = '{}' is not one of stop, skip, repair",
                line(v.span()),
                v.get_ref()
            ));
        }
    }
    if let Some(v) = &file.input.s_srs {
        if let Err(e) = crate::crs::parse_user_crs(v.get_ref()) {
            problems.push(format!("line {}: s_srs: {e}", line(v.span())));
        }
    }
    for k in file.fields.keys() {
        if model_index(k.get_ref()).is_none() {
            let names: Vec<&str> = MODEL_FIELDS.iter().map(|f| f.0).collect();
            problems.push(format!(
                "line {}: [fields] '{}' is not an engine field (one of {})",
                line(k.span()),
                k.get_ref(),
                names.join(", ")
            ));
        }
    }
    let scheme = file
        .scheme
        .as_ref()
        .and_then(|s| Scheme::from_name(s.get_ref()))
        .unwrap_or(Scheme::Yongdi2023);
    for (from, to) in &file.land_use_recode {
        let code = crate::landuse::normalise_code(to.get_ref());
        if scheme.name_of(&code).is_none() {
            problems.push(format!(
                "line {}: [land_use_recode] '{}' → '{}': no such code in {}",
                line(to.span()),
                from,
                to.get_ref(),
                scheme.name()
            ));
        }
    }
    for c in &file.constraints {
        if let Some(m) = &c.min_share {
            if !(0.0..=1.0).contains(m.get_ref()) {
                problems.push(format!(
                    "line {}: [[constraints]] min_share = {} must be between 0 and 1",
                    line(m.span()),
                    m.get_ref()
                ));
            }
        }
    }
    if let Some(g) = &file.zones.gap {
        if !(g.get_ref().is_finite() && *g.get_ref() >= 0.0) {
            problems.push(format!(
                "line {}: [zones] gap = {} must be a distance in metres ≥ 0",
                line(g.span()),
                g.get_ref()
            ));
        }
    }
    if let Some(t) = &file.zones.target_share {
        if !(0.0..=1.0).contains(t.get_ref()) {
            problems.push(format!(
                "line {}: [zones] target_share = {} must be between 0 and 1",
                line(t.span()),
                t.get_ref()
            ));
        }
    }
    if let Some(h) = file.buildings.storey_height {
        if !(h.is_finite() && h > 0.0) {
            problems.push(format!(
                "[buildings] storey_height = {h} must be a positive number of metres"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::config(path, problems.join("\n  ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, text).unwrap();
        load(&Overrides {
            config: Some(path),
            ..Default::default()
        })
    }

    #[test]
    fn defaults_without_config() {
        let s = load(&Overrides::default()).unwrap();
        assert_eq!(s.scheme, Scheme::Yongdi2023);
        assert_eq!(s.preset, "national-default");
        assert_eq!(s.invalid, InvalidPolicy::Repair);
        assert_eq!(s.source_field("land_use"), "land_use");
        assert!(s.parcels.is_none());
    }

    #[test]
    fn mapping_and_relative_paths() {
        let s = load_text(
            "scheme = \"sandiao\"\n[input]\nparcels = \"a/p.shp\"\n[fields]\nparcel_id = \"ZDDM\"\nland_use = \"DLBM\"\n",
        )
        .unwrap();
        assert_eq!(s.scheme, Scheme::Sandiao);
        assert_eq!(s.source_field("parcel_id"), "ZDDM");
        assert!(s.parcels.unwrap().ends_with("a/p.shp"));
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let err = load_text(
            "scheme = \"guess\"\npreset = \"x\"\n[input]\ninvalid = \"maybe\"\n[fields]\nzddm = \"ZDDM\"\n[land_use_recode]\nres = \"9999\"\n",
        )
        .unwrap_err();
        let msg = err.to_string();
        for want in [
            "line 1: scheme 'guess'",
            "line 2: preset 'x'",
            "line 4: invalid = 'maybe'",
            "line 6: [fields] 'zddm'",
            "line 8: [land_use_recode]",
        ] {
            assert!(msg.contains(want), "missing '{want}' in {msg}");
        }
        assert_eq!(err.exit_code(), 3);
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let err = load_text("[input]\nparcel = \"x\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("unknown field") && msg.contains("line 2"),
            "{msg}"
        );
    }
}
