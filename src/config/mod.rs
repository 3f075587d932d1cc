//! Run configuration: a TOML file (schema in README "Configuration", checked in
//! [`file`]) merged with the command line's [`Overrides`] into the [`Settings`] of a run.
//! A value is checked once, where it enters: the binary checks the command line's, the
//! file's are checked here, each problem with its line.
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

mod file;
pub mod init;
pub mod suggest;

pub use file::{MIN_SHARE, STOREY_HEIGHT};

use crate::constraints::ConstraintKind;
use crate::criteria::DEFAULT_PRESET;
use crate::error::{Error, Result};
use crate::ingest::{BuildingFields, InvalidPolicy, Mapping};
use crate::landuse::Scheme;
use crate::model::{Choice, FieldMap, Format, Metres, Mu, OutputLayer, ShpEncoding, SurveyField};
use crate::quality::{GateKind, QualityOptions};
use crate::zone::{limits, Target, ZoneOptions};
use file::FileConfig;
use std::path::{Path, PathBuf};

/// Options given on the command line, already checked by the binary; they win over the
/// config file.
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
    pub planning: Option<PathBuf>,
    pub planning_field: Option<String>,
    pub constraints: Vec<(ConstraintKind, PathBuf)>,
    pub gap: Option<Metres>,
    pub circle_gap: Option<Metres>,
    pub max_unit_mu: Option<Mu>,
    pub min_unit_mu: Option<Mu>,
    pub barriers: Option<PathBuf>,
    pub towns: Option<PathBuf>,
    pub programme: Option<PathBuf>,
    pub formats: Option<Vec<Format>>,
    pub layers: Option<Vec<OutputLayer>>,
    /// The Shapefiles' DBF encoding (`--shp-encoding`).
    pub shp_encoding: Option<ShpEncoding>,
    /// Gate limits (`--gate NAME=LIMIT|off`), checked by the binary; `None`: off.
    pub gates: Vec<(GateKind, Option<f64>)>,
    /// Field mappings (`--field ENGINE=SOURCE`), over the file's `[fields]` and
    /// `[buildings]`; a later one for the same field wins.
    pub fields: Vec<(MappedField, String)>,
}

/// A field a mapping names: an engine field of the parcels (`[fields]`), or the
/// buildings' floors or height field (`[buildings] floors`, `height`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MappedField {
    Survey(SurveyField),
    Floors,
    Height,
}

impl MappedField {
    /// The name as written in `--field NAME=SOURCE`: the engine field's, `floors`, `height`.
    pub fn name(self) -> &'static str {
        match self {
            MappedField::Survey(f) => f.name(),
            MappedField::Floors => "floors",
            MappedField::Height => "height",
        }
    }

    /// ```
    /// use landsift::config::MappedField;
    /// use landsift::model::SurveyField;
    /// assert_eq!(MappedField::from_name("far"), Some(MappedField::Survey(SurveyField::Far)));
    /// assert_eq!(MappedField::from_name("floors"), Some(MappedField::Floors));
    /// assert_eq!(MappedField::from_name("FAR"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<MappedField> {
        match name {
            "floors" => Some(MappedField::Floors),
            "height" => Some(MappedField::Height),
            _ => SurveyField::from_name(name).map(MappedField::Survey),
        }
    }

    /// Every name, for messages.
    pub fn names() -> String {
        format!("{}, floors, height", SurveyField::names())
    }

    /// Parses `ENGINE=SOURCE` (`--field far=容积率`): a known name, a source name that is
    /// not empty.
    ///
    /// ```
    /// use landsift::config::MappedField;
    /// let (f, src) = MappedField::parse_arg("far=容积率").unwrap();
    /// assert_eq!((f.name(), src.as_str()), ("far", "容积率"));
    /// assert!(MappedField::parse_arg("容积率").is_err());
    /// assert!(MappedField::parse_arg("rjl=RJL").unwrap_err().contains("parcel_id"));
    /// ```
    pub fn parse_arg(text: &str) -> std::result::Result<(MappedField, String), String> {
        let (name, source) = text
            .split_once('=')
            .ok_or_else(|| format!("'{text}' is not ENGINE=SOURCE (e.g. far=容积率)"))?;
        let field = MappedField::from_name(name.trim()).ok_or_else(|| {
            format!(
                "'{}' is not an engine field (one of {})",
                name.trim(),
                MappedField::names()
            )
        })?;
        if source.trim().is_empty() {
            return Err(format!("'{text}': the source field name is empty"));
        }
        Ok((field, source.trim().to_string()))
    }
}

/// A planning layer to overlay for the parcels' planned use.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningSpec {
    pub path: PathBuf,
    pub layer: Option<String>,
    /// The planned-use code field; `None`: the first of
    /// [`crate::ingest::planning::PLAN_FIELDS`] the layer has.
    pub field: Option<String>,
}

/// What the report and the QGIS print layouts say of who issues them and of when
/// (`[report]` in the config; each optional, trimmed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportInfo {
    /// 编制单位.
    pub bureau: Option<String>,
    /// 数据日期 (or the data's version).
    pub data_date: Option<String>,
    /// 成果日期.
    pub date: Option<String>,
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

/// The formats and layers a run writes (default: everything); `summary.json` always.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSelection {
    pub formats: Vec<Format>,
    pub layers: Vec<OutputLayer>,
    /// The Shapefiles' DBF encoding (default UTF-8).
    pub shp_encoding: ShpEncoding,
}

impl Default for OutputSelection {
    fn default() -> Self {
        OutputSelection {
            formats: Format::ALL.to_vec(),
            layers: OutputLayer::ALL.to_vec(),
            shp_encoding: ShpEncoding::default(),
        }
    }
}

impl OutputSelection {
    pub fn writes(&self, f: Format) -> bool {
        self.formats.contains(&f)
    }

    pub fn has_layer(&self, layer: OutputLayer) -> bool {
        self.layers.contains(&layer)
    }
}

/// The resolved settings of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub preset: String,
    /// The parcels input; `None` means the bundled sample district.
    pub parcels: Option<PathBuf>,
    pub parcels_layer: Option<String>,
    pub buildings: Option<PathBuf>,
    pub buildings_layer: Option<String>,
    pub s_srs: Option<String>,
    pub encoding: Option<String>,
    /// How the parcels map onto the model: scheme, fields, recoding, invalid policy.
    pub mapping: Mapping,
    pub building_fields: BuildingFields,
    /// The config file, if any (reported in the summary).
    pub config_path: Option<PathBuf>,
    /// A criteria file of the city's own; `None`: the preset.
    pub criteria_file: Option<PathBuf>,
    /// Survey table (CSV) joined to parcels by id, and its key column.
    pub survey: Option<PathBuf>,
    pub survey_key: Option<String>,
    /// The planning layer, when given: each parcel's planned use by overlay.
    pub planning: Option<PlanningSpec>,
    pub constraints: Vec<ConstraintSpec>,
    /// Zoning parameters.
    pub zones: ZoneOptions,
    /// Barrier layer (arterials, rivers, railways) that no neighbour edge crosses.
    pub barriers: Option<PathBuf>,
    pub barriers_layer: Option<String>,
    /// Town boundary layer (镇街 polygons) that no zone crosses; `None`: the parcels'
    /// town field. Its name field: `towns_field`, or the first of
    /// [`crate::ingest::towns::TOWN_NAME_FIELDS`].
    pub towns: Option<PathBuf>,
    pub towns_layer: Option<String>,
    pub towns_field: Option<String>,
    /// The planned renewal programme (planned units as polygons, or a CSV table with a
    /// `parcel_id` column), which the 70 % rule measures; `None`: the engine proposes one.
    pub programme: Option<PathBuf>,
    pub programme_layer: Option<String>,
    /// What to write.
    pub output: OutputSelection,
    /// The quality gates' limits.
    pub quality: QualityOptions,
    /// Who issues the report and of when (`[report]`).
    pub report: ReportInfo,
}

impl Settings {
    /// The code scheme of the land-use field.
    pub fn scheme(&self) -> Scheme {
        self.mapping.scheme
    }

    /// The invalid-geometry policy.
    pub fn invalid(&self) -> InvalidPolicy {
        self.mapping.invalid
    }

    /// The source field that feeds an engine field.
    pub fn source_field(&self, field: SurveyField) -> &str {
        self.mapping.fields.source(field)
    }
}

/// Checks configuration text as `load` would (every problem, each with its line);
/// `path` names it in errors.
pub fn check_text(text: &str, path: &Path) -> Result<()> {
    FileConfig::parse(text, path).map(|_| ())
}

/// Loads the config (if any) and merges the command line over it.
pub fn load(over: &Overrides) -> Result<Settings> {
    let (file, base, path) = match &over.config {
        Some(path) => {
            let (file, _) = FileConfig::load(path)?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (file, base, Some(path.clone()))
        }
        None => (FileConfig::default(), PathBuf::new(), None),
    };
    let resolve = |p: &Option<String>| p.as_ref().map(|s| base.join(s));
    let mut fields = FieldMap::default();
    for (k, v) in &file.fields {
        // Unknown names were refused by the file's check.
        if let Some(f) = SurveyField::from_name(k.get_ref()) {
            fields.set(f, v.clone());
        }
    }
    let (mut floors, mut height) = (file.buildings.floors.clone(), file.buildings.height.clone());
    for (f, source) in &over.fields {
        match f {
            MappedField::Survey(f) => fields.set(*f, source.clone()),
            MappedField::Floors => floors = Some(source.clone()),
            MappedField::Height => height = Some(source.clone()),
        }
    }
    let output = output_selection(&file, over, path.as_deref())?;
    let zones = zone_options(&file, over, path.as_deref())?;
    let mut quality = QualityOptions::default();
    for (name, limit) in &file.quality {
        // Names and values were checked on load.
        if let Some(g) = GateKind::from_name(name.get_ref()) {
            let limit = match limit.get_ref() {
                file::GateLimit::Limit(v) => Some(*v),
                file::GateLimit::Word(_) => None,
            };
            quality.limits.insert(g, limit);
        }
    }
    for &(g, limit) in &over.gates {
        quality.limits.insert(g, limit);
    }
    let text =
        |v: &Option<toml::Spanned<String>>| v.as_ref().map(|s| s.get_ref().trim().to_string());
    let report = ReportInfo {
        bureau: text(&file.report.bureau),
        data_date: text(&file.report.data_date),
        date: text(&file.report.date),
    };
    Ok(Settings {
        quality,
        output,
        zones,
        report,
        preset: over
            .preset
            .clone()
            .or_else(|| file.preset.as_ref().map(|s| s.get_ref().clone()))
            .unwrap_or_else(|| DEFAULT_PRESET.into()),
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
        mapping: Mapping {
            scheme: file.scheme(),
            fields,
            recode: file
                .land_use_recode
                .iter()
                .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                .collect(),
            invalid: over
                .invalid
                .or_else(|| {
                    file.input
                        .invalid
                        .as_ref()
                        .and_then(|s| InvalidPolicy::from_name(s.get_ref()))
                })
                .unwrap_or(InvalidPolicy::Repair),
        },
        building_fields: BuildingFields {
            floors: floors.unwrap_or_else(|| crate::ingest::DEFAULT_FLOORS.into()),
            height,
            storey_height: file
                .buildings
                .storey_height
                .as_ref()
                .map_or(3.5, |h| *h.get_ref()),
        },
        config_path: path,
        criteria_file: over.criteria.clone().or_else(|| resolve(&file.criteria)),
        survey: over
            .survey
            .clone()
            .or_else(|| file.survey.as_ref().map(|t| base.join(&t.path))),
        survey_key: file.survey.as_ref().and_then(|t| t.key.clone()),
        planning: match (&over.planning, &file.planning) {
            (Some(path), f) => Some(PlanningSpec {
                path: path.clone(),
                layer: None,
                field: over
                    .planning_field
                    .clone()
                    .or_else(|| f.as_ref().and_then(|f| f.field.clone())),
            }),
            (None, Some(f)) => Some(PlanningSpec {
                path: base.join(&f.path),
                layer: f.layer.clone(),
                field: over.planning_field.clone().or_else(|| f.field.clone()),
            }),
            (None, None) => None,
        },
        barriers: over
            .barriers
            .clone()
            .or_else(|| resolve(&file.zones.barriers)),
        barriers_layer: file.zones.barriers_layer.clone(),
        towns: over.towns.clone().or_else(|| resolve(&file.zones.towns)),
        towns_layer: file.zones.towns_layer.clone(),
        programme: over
            .programme
            .clone()
            .or_else(|| resolve(&file.zones.programme)),
        programme_layer: file.zones.programme_layer.clone(),
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
    file: &FileConfig,
    over: &Overrides,
    config: Option<&Path>,
) -> Result<OutputSelection> {
    let all = OutputSelection::default();
    let mut sel = OutputSelection {
        formats: over
            .formats
            .clone()
            .or_else(|| file.output.formats.clone())
            .unwrap_or(all.formats),
        layers: over
            .layers
            .clone()
            .or_else(|| file.output.layers.clone())
            .unwrap_or(all.layers),
        // The file's value was checked on load.
        shp_encoding: over
            .shp_encoding
            .or_else(|| {
                file.output
                    .shp_encoding
                    .as_ref()
                    .and_then(|e| ShpEncoding::parse(e.get_ref()))
            })
            .unwrap_or_default(),
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

/// The zoning options: the command line's values (checked by the binary), else the
/// file's (checked by [`FileConfig::load`]), else the defaults of [`ZoneOptions`].
/// The one check that spans two values, unit minimum below maximum, is made here on the
/// merged values: a usage error when the command line set either, else a config error.
fn zone_options(file: &FileConfig, over: &Overrides, config: Option<&Path>) -> Result<ZoneOptions> {
    let d = ZoneOptions::default();
    let z = &file.zones;
    // Values in the file are in range (checked on load).
    let metres = |v: &Option<toml::Spanned<f64>>, r| {
        v.as_ref()
            .and_then(|v| Metres::within(*v.get_ref(), r).ok())
    };
    let mu = |v: &Option<toml::Spanned<f64>>, r| {
        v.as_ref().and_then(|v| Mu::within(*v.get_ref(), r).ok())
    };
    let opts = ZoneOptions {
        gap: over
            .gap
            .or_else(|| metres(&z.gap, &limits::GAP))
            .unwrap_or(d.gap),
        circle_gap: over
            .circle_gap
            .or_else(|| metres(&z.circle_gap, &limits::CIRCLE_GAP))
            .unwrap_or(d.circle_gap),
        unit: crate::zone::small::UnitOptions {
            max_mu: over
                .max_unit_mu
                .or_else(|| mu(&z.max_unit_mu, &limits::MAX_UNIT_MU))
                .unwrap_or(d.unit.max_mu),
            min_mu: over
                .min_unit_mu
                .or_else(|| mu(&z.min_unit_mu, &limits::MIN_UNIT_MU))
                .unwrap_or(d.unit.min_mu),
            absorb_enclaves: z.absorb_enclaves.unwrap_or(d.unit.absorb_enclaves),
        },
        large_per_town: z.large_per_town.unwrap_or(d.large_per_town),
        middle_per_large: z.middle_per_large.unwrap_or(d.middle_per_large),
        target: match (&z.target_mu, &z.target_share) {
            (Some(mu), _) => Target::Mu(*mu.get_ref()),
            (None, Some(s)) => Target::Share(*s.get_ref()),
            (None, None) => d.target,
        },
        ..d
    };
    if opts.unit.min_mu >= opts.unit.max_mu {
        let message = format!(
            "min_unit_mu = {} must be below max_unit_mu = {}",
            opts.unit.min_mu.get(),
            opts.unit.max_mu.get()
        );
        return Err(
            match (
                over.min_unit_mu.is_some() || over.max_unit_mu.is_some(),
                config,
            ) {
                (false, Some(path)) => Error::config(path, message),
                _ => Error::Usage(message),
            },
        );
    }
    Ok(opts)
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
        assert_eq!(s.scheme(), Scheme::Yongdi2023);
        assert_eq!(s.preset, "national-default");
        assert_eq!(s.invalid(), InvalidPolicy::Repair);
        assert_eq!(s.source_field(SurveyField::LandUse), "land_use");
        assert!(s.parcels.is_none());
    }

    #[test]
    fn mapping_and_relative_paths() {
        let s = load_text(
            "scheme = \"sandiao\"\n[input]\nparcels = \"a/p.shp\"\n[fields]\nparcel_id = \"ZDDM\"\nland_use = \"DLBM\"\n",
        )
        .unwrap();
        assert_eq!(s.scheme(), Scheme::Sandiao);
        assert_eq!(s.source_field(SurveyField::ParcelId), "ZDDM");
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
    fn shp_encoding_from_file_and_command_line() {
        assert_eq!(
            load(&Overrides::default()).unwrap().output.shp_encoding,
            ShpEncoding::Utf8
        );
        let s = load_text("[output]\nshp_encoding = \"cp936\"\n").unwrap();
        assert_eq!(s.output.shp_encoding, ShpEncoding::Gbk);
        let err = load_text("[output]\nformats = [\"shp\"]\nshp_encoding = \"Big5\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 3: [output] shp_encoding = 'Big5' is not one of UTF-8, GBK"),
            "{err}"
        );
        // The command line wins.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[output]\nshp_encoding = \"GBK\"\n").unwrap();
        let s = load(&Overrides {
            config: Some(path),
            shp_encoding: Some(ShpEncoding::Utf8),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.output.shp_encoding, ShpEncoding::Utf8);
    }

    #[test]
    fn report_texts_are_read_trimmed_and_checked() {
        let s = load_text(
            "[report]\nbureau = \" 某区自然资源局 \"\ndata_date = \"2023年度变更调查\"\n",
        )
        .unwrap();
        assert_eq!(s.report.bureau.as_deref(), Some("某区自然资源局"));
        assert_eq!(s.report.data_date.as_deref(), Some("2023年度变更调查"));
        assert_eq!(s.report.date, None);
        assert_eq!(
            load(&Overrides::default()).unwrap().report,
            ReportInfo::default()
        );
        let long = "局".repeat(61);
        let err = load_text(&format!(
            "[report]\nbureau = \"  \"\ndata_date = \"a\\nb\"\ndate = \"{long}\"\n"
        ))
        .unwrap_err()
        .to_string();
        for want in [
            "line 2: [report] bureau is empty",
            "line 3: [report] data_date holds a control character",
            "line 4: [report] date is 61 characters long",
        ] {
            assert!(err.contains(want), "missing '{want}' in {err}");
        }
        let err = load_text("[report]\nname = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn field_arguments_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[fields]\nfar = \"RJL\"\ntown = \"ZJMC\"\n[buildings]\nfloors = \"CS\"\n",
        )
        .unwrap();
        let s = load(&Overrides {
            config: Some(path),
            fields: vec![
                (MappedField::Survey(SurveyField::Far), "容积率".into()),
                (MappedField::Height, "GD".into()),
            ],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s.source_field(SurveyField::Far), "容积率");
        assert_eq!(s.source_field(SurveyField::Town), "ZJMC");
        assert_eq!(s.building_fields.floors, "CS");
        assert_eq!(s.building_fields.height.as_deref(), Some("GD"));
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
