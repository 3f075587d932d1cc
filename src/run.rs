//! Orchestration of a whole run: read → validate → write, with timings, a summary, and
//! an all-or-nothing publish of the output directory.

use crate::config::{self, Overrides, Settings};
use crate::constraints::{self, ConstraintKind, ConstraintLayer, Controls};
use crate::crs::{self, CrsKind, Reprojector, SourceCrs, WorkingCrs};
use crate::error::{Error, Result};
use crate::export::parcels::Column;
use crate::export::{self, geojson::Coordinates};
use crate::ingest::table::JoinReport;
use crate::ingest::{self, PreparedParcels};
use crate::model::{m2_to_mu, Building, EncodingReport, RawLayer, Reject, M2_PER_HA, M2_PER_KM2};
use crate::model::{FieldDef, FieldKind, Value};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub overrides: Overrides,
    /// Output directory.
    pub out: PathBuf,
    /// Overwrite outputs in a non-empty `out`.
    pub force: bool,
    /// `false` for `landsift check`: validate everything, write nothing.
    pub write: bool,
}

/// The bundled sample district: `data/sample/` under the working directory when run
/// from a checkout, else under the crate's source directory.
pub fn sample_dir() -> PathBuf {
    let local = Path::new("data/sample");
    if local.join("parcels.shp").exists() {
        local.to_path_buf()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
    }
}

/// One input as the summary reports it.
#[derive(Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub layer: String,
    pub features: usize,
    pub encoding: EncodingReport,
    pub crs: String,
}

/// Areas in every unit a bureau reports.
#[derive(Debug, Serialize)]
pub struct Areas {
    pub m2: f64,
    pub mu: f64,
    pub ha: f64,
    pub km2: f64,
}

impl Areas {
    pub fn from_m2(m2: f64) -> Self {
        Areas {
            m2,
            mu: m2_to_mu(m2),
            ha: m2 / M2_PER_HA,
            km2: m2 / M2_PER_KM2,
        }
    }
}

/// `summary.json`: counts, choices and timings of a run.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub landsift_version: &'static str,
    pub command: &'static str,
    pub config: Option<String>,
    pub preset: String,
    pub scheme: &'static str,
    pub invalid_policy: config::InvalidPolicy,
    pub sample_district: bool,
    pub parcels_in: usize,
    pub parcels_out: usize,
    pub parcels_rejected: usize,
    pub parcels_repaired: usize,
    pub rejected_by_reason: BTreeMap<String, usize>,
    pub buildings_in: Option<usize>,
    pub buildings_out: Option<usize>,
    pub buildings_rejected: Option<usize>,
    /// Working CRS, `EPSG:N` (or `LOCAL`).
    pub crs: String,
    pub crs_name: String,
    pub crs_choice: String,
    pub source_crs: String,
    /// Parcels' text encoding (WHATWG name) and how it was chosen.
    pub encoding: String,
    pub encoding_source: crate::model::EncodingSource,
    /// What the GeoJSON coordinates are.
    pub geojson_coordinates: String,
    pub fields_missing: Vec<String>,
    pub values_unparsed: BTreeMap<String, usize>,
    pub parcel_area: Areas,
    pub inputs: BTreeMap<String, InputReport>,
    pub outputs: Vec<String>,
    /// Shapefile field names that had to be shortened (long → short).
    pub shapefile_field_names: BTreeMap<String, String>,
    /// The survey table join, when a table was given.
    pub survey: Option<JoinReport>,
    /// Constraint layers, when given.
    pub constraints: Option<ConstraintsSummary>,
    pub timings_s: BTreeMap<String, f64>,
}

struct Timer {
    start: Instant,
    lap: Instant,
    laps: BTreeMap<String, f64>,
}

impl Timer {
    fn new() -> Self {
        let now = Instant::now();
        Timer {
            start: now,
            lap: now,
            laps: BTreeMap::new(),
        }
    }
    fn lap(&mut self, name: &str) {
        let now = Instant::now();
        *self.laps.entry(name.into()).or_default() += (now - self.lap).as_secs_f64();
        self.lap = now;
    }
    fn finish(mut self) -> BTreeMap<String, f64> {
        self.laps
            .insert("total".into(), self.start.elapsed().as_secs_f64());
        self.laps
    }
}

/// Runs (or, with `write = false`, checks) a whole job and returns its summary.
pub fn run(opts: &RunOptions) -> Result<Summary> {
    let mut timer = Timer::new();
    let mut settings = config::load(&opts.overrides)?;
    let sample = settings.parcels.is_none();
    if sample {
        let dir = sample_dir();
        settings.parcels = Some(dir.join("parcels.shp"));
        if settings.buildings.is_none() {
            settings.buildings = Some(dir.join("buildings.shp"));
        }
    }
    if opts.write {
        check_out_dir(&opts.out, opts.force)?;
    }
    let parcels_path = settings.parcels.clone().expect("set above");
    let mut raw = ingest::read_layer(
        &parcels_path,
        settings.parcels_layer.as_deref(),
        settings.encoding.as_deref(),
    )?;
    if raw.features.is_empty() {
        return Err(Error::input(&parcels_path, "the parcels layer is empty"));
    }
    let survey = match &settings.survey {
        Some(path) => {
            let table = ingest::table::read_csv(path)?;
            let layer_key = settings.source_field("parcel_id").to_string();
            let table_key = settings
                .survey_key
                .clone()
                .unwrap_or_else(|| layer_key.clone());
            Some(ingest::table::join(
                &mut raw, &layer_key, &table, &table_key,
            )?)
        }
        None => None,
    };
    let raw_constraints = settings
        .constraints
        .iter()
        .map(|c| ingest::read_layer(&c.path, c.layer.as_deref(), settings.encoding.as_deref()))
        .collect::<Result<Vec<_>>>()?;
    let raw_buildings = settings
        .buildings
        .as_ref()
        .map(|p| {
            ingest::read_layer(
                p,
                settings.buildings_layer.as_deref(),
                settings.encoding.as_deref(),
            )
        })
        .transpose()?;
    timer.lap("read");

    let source = ingest::source_crs(&raw, settings.s_srs.as_deref())?;
    let working = crs::choose_working(&source, lonlat_bbox(&raw, &source));
    let same_crs = |layer: &RawLayer| settings_crs(layer, &settings, &source);
    let building_source = raw_buildings.as_ref().map(same_crs).transpose()?;
    let constraint_sources = raw_constraints
        .iter()
        .map(same_crs)
        .collect::<Result<Vec<_>>>()?;
    timer.lap("crs");

    let prepared = ingest::prepare_parcels(&raw, &source, &working, &settings)?;
    let (buildings, building_rejects) = match (&raw_buildings, &building_source) {
        (Some(b), Some(s)) => {
            let (bs, rs) = ingest::prepare_buildings(b, s, &working, &settings)?;
            (Some(bs), rs)
        }
        _ => (None, Vec::new()),
    };
    let mut constraint_layers = Vec::new();
    let mut constraint_rejects = Vec::new();
    for ((spec, layer), src) in settings
        .constraints
        .iter()
        .zip(&raw_constraints)
        .zip(&constraint_sources)
    {
        let (polygons, rejects) = ingest::prepare_polygons(layer, src, &working, settings.invalid)?;
        constraint_layers.push(ConstraintLayer::new(spec.kind, spec.min_share, &polygons));
        constraint_rejects.extend(rejects);
    }
    timer.lap("validate");

    let mut columns = Vec::new();
    let controls = if constraint_layers.is_empty() {
        None
    } else {
        let geoms: Vec<_> = prepared
            .parcels
            .iter()
            .map(|p| (&p.geometry, p.area_m2))
            .collect();
        let controls = constraints::overlay(&geoms, &constraint_layers);
        columns.extend(control_columns(&constraint_layers, &controls));
        Some(controls)
    };
    timer.lap("constraints");

    let mut summary = summarise(
        &settings,
        sample,
        &raw,
        raw_buildings.as_ref(),
        &source,
        &working,
        &prepared,
        buildings.as_deref(),
        &building_rejects,
        opts.write,
    );
    if opts.write {
        let mut rejects = prepared.rejects.clone();
        rejects.extend(building_rejects);
        rejects.extend(constraint_rejects.iter().cloned());
        let (outputs, short_names) = write_outputs(
            opts, &settings, &raw, &working, &prepared, &columns, &rejects, &mut timer,
        )?;
        summary.outputs = outputs;
        summary.shapefile_field_names = short_names;
    }
    summary.survey = survey;
    summary.constraints = constraint_summary(
        &settings,
        &constraint_layers,
        controls.as_deref(),
        &prepared,
        constraint_rejects.len(),
    );
    summary.timings_s = timer.finish();
    if opts.write {
        let path = opts.out.join("summary.json");
        let text = serde_json::to_string_pretty(&summary).expect("summary serialises");
        std::fs::write(&path, text + "\n").map_err(|e| Error::output(&path, e.to_string()))?;
    }
    Ok(summary)
}

/// The CRS of a further input layer, which must be the parcels' CRS.
fn settings_crs(layer: &RawLayer, settings: &Settings, parcels: &SourceCrs) -> Result<SourceCrs> {
    let s = ingest::source_crs(layer, settings.s_srs.as_deref())?;
    if !s.same_as(parcels) {
        return Err(Error::crs(
            &layer.source,
            format!(
                "this layer is in {} but the parcels are in {}: bring the inputs to one CRS (e.g. ogr2ogr -t_srs {})",
                s.label(),
                parcels.label(),
                parcels.label()
            ),
        ));
    }
    Ok(s)
}

/// The data's lon/lat extent when the source is geographic (to choose a projection).
fn lonlat_bbox(raw: &RawLayer, source: &SourceCrs) -> Option<[f64; 4]> {
    (source.kind == CrsKind::Geographic)
        .then(|| ingest::bbox(raw))
        .flatten()
}

/// Refuses a non-empty output directory unless `--force`.
fn check_out_dir(out: &Path, force: bool) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(Error::output(out, "exists and is not a directory"));
    }
    let non_empty = out
        .read_dir()
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty && !force {
        return Err(Error::output(
            out,
            "exists and is not empty; pass --force to overwrite landsift's outputs in it",
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    settings: &Settings,
    sample: bool,
    raw: &RawLayer,
    raw_buildings: Option<&RawLayer>,
    source: &SourceCrs,
    working: &WorkingCrs,
    prepared: &PreparedParcels,
    buildings: Option<&[Building]>,
    building_rejects: &[Reject],
    write: bool,
) -> Summary {
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for r in &prepared.rejects {
        *by_reason.entry(r.reason.clone()).or_default() += 1;
    }
    let mut inputs = BTreeMap::new();
    let report = |l: &RawLayer| InputReport {
        path: l.source.display().to_string(),
        layer: l.layer_name.clone(),
        features: l.features.len(),
        encoding: l.encoding.clone(),
        crs: source.label(),
    };
    inputs.insert("parcels".to_string(), report(raw));
    if let Some(b) = raw_buildings {
        inputs.insert("buildings".to_string(), report(b));
    }
    let geojson_coordinates = if working.crs.kind == CrsKind::Local {
        "local grid coordinates, not reprojected (no geodetic link): not RFC 7946 lon/lat".into()
    } else if let Some(datum) = working.crs.legacy_datum {
        format!("EPSG:4326 lon/lat, approximate ({datum} → WGS84 has no accurate public transformation)")
    } else {
        "EPSG:4326 lon/lat (RFC 7946)".into()
    };
    Summary {
        landsift_version: env!("CARGO_PKG_VERSION"),
        command: if write { "run" } else { "check" },
        config: settings
            .config_path
            .as_ref()
            .map(|p| p.display().to_string()),
        preset: settings.preset.clone(),
        scheme: settings.scheme.name(),
        invalid_policy: settings.invalid,
        sample_district: sample,
        parcels_in: raw.features.len(),
        parcels_out: prepared.parcels.len(),
        parcels_rejected: prepared.rejects.len(),
        parcels_repaired: prepared.repaired,
        rejected_by_reason: by_reason,
        buildings_in: raw_buildings.map(|b| b.features.len()),
        buildings_out: buildings.map(|b| b.len()),
        buildings_rejected: raw_buildings.map(|_| building_rejects.len()),
        crs: working.crs.label(),
        crs_name: working.crs.name.clone(),
        crs_choice: working.choice.clone(),
        source_crs: source.label(),
        encoding: raw.encoding.name.clone(),
        encoding_source: raw.encoding.source,
        geojson_coordinates,
        fields_missing: prepared.fields_missing.clone(),
        values_unparsed: prepared.values_unparsed.clone(),
        parcel_area: Areas::from_m2(prepared.parcels.iter().map(|p| p.area_m2).sum()),
        inputs,
        outputs: Vec::new(),
        shapefile_field_names: BTreeMap::new(),
        survey: None,
        constraints: None,
        timings_s: BTreeMap::new(),
    }
}

/// The parcels layer's columns from the constraint overlay.
fn control_columns(layers: &[ConstraintLayer], controls: &[Controls]) -> Vec<Column> {
    let text = |s: &str| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s.to_string())
        }
    };
    let mut cols = vec![
        Column {
            def: FieldDef::new("excluded", FieldKind::Int),
            values: controls
                .iter()
                .map(|c| Value::Int(c.excluded as i64))
                .collect(),
        },
        Column {
            def: FieldDef::new("excl_why", FieldKind::Text),
            values: controls.iter().map(|c| text(&c.why)).collect(),
        },
        Column {
            def: FieldDef::new("controls", FieldKind::Text),
            values: controls.iter().map(|c| text(&c.tags)).collect(),
        },
    ];
    for (i, l) in layers.iter().enumerate() {
        cols.push(Column {
            def: FieldDef::new(l.kind.share_field(), FieldKind::Real),
            values: controls.iter().map(|c| Value::Real(c.shares[i])).collect(),
        });
    }
    cols
}

/// Per constraint kind: the parcels it applies to and their area.
#[derive(Debug, Serialize)]
pub struct ConstraintReport {
    pub kind: ConstraintKind,
    pub path: String,
    pub min_share: f64,
    pub parcels_applied: usize,
    pub area: Areas,
}

/// The summary's `constraints` section.
#[derive(Debug, Default, Serialize)]
pub struct ConstraintsSummary {
    pub layers: Vec<ConstraintReport>,
    pub parcels_excluded: usize,
    pub parcels_tagged_industrial_only: usize,
    pub features_rejected: usize,
}

fn constraint_summary(
    settings: &Settings,
    layers: &[ConstraintLayer],
    controls: Option<&[Controls]>,
    prepared: &PreparedParcels,
    rejected: usize,
) -> Option<ConstraintsSummary> {
    let controls = controls?;
    let layers = layers
        .iter()
        .zip(&settings.constraints)
        .enumerate()
        .map(|(i, (l, spec))| {
            let applied: Vec<usize> = controls
                .iter()
                .enumerate()
                .filter(|(_, c)| c.shares[i] > 0.0 && c.shares[i] >= l.min_share)
                .map(|(p, _)| p)
                .collect();
            ConstraintReport {
                kind: l.kind,
                path: spec.path.display().to_string(),
                min_share: l.min_share,
                parcels_applied: applied.len(),
                area: Areas::from_m2(applied.iter().map(|&p| prepared.parcels[p].area_m2).sum()),
            }
        })
        .collect();
    Some(ConstraintsSummary {
        layers,
        parcels_excluded: controls.iter().filter(|c| c.excluded).count(),
        parcels_tagged_industrial_only: controls.iter().filter(|c| !c.tags.is_empty()).count(),
        features_rejected: rejected,
    })
}

/// Writes every output into a staging directory inside `out`, then moves the files
/// into place, so a failed run never leaves a half-written set beside a good one.
fn write_outputs(
    opts: &RunOptions,
    settings: &Settings,
    raw: &RawLayer,
    working: &WorkingCrs,
    prepared: &PreparedParcels,
    columns: &[Column],
    rejects: &[Reject],
    timer: &mut Timer,
) -> Result<(Vec<String>, BTreeMap<String, String>)> {
    let out = &opts.out;
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e.to_string()))?;
    let stage = out.join(".landsift-staging");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| Error::output(&stage, e.to_string()))?;
    }
    std::fs::create_dir_all(&stage).map_err(|e| Error::output(&stage, e.to_string()))?;

    let parcels = export::parcels::parcels_layer(&prepared.parcels, &raw.fields, settings, columns);
    let rejects_layer = export::parcels::rejects_layer(rejects);

    let coords_proj;
    let coords = if working.crs.kind == CrsKind::Local {
        Coordinates::Local
    } else {
        coords_proj = Reprojector::from_definitions(&working.crs.definition, "EPSG:4326")?;
        Coordinates::LonLat(&coords_proj)
    };
    export::geojson::write_geojson(&stage.join("parcels.geojson"), &parcels, coords)?;
    timer.lap("write_geojson");

    let names = export::shapefile::write_shapefile(
        &stage.join("parcels.shp"),
        &parcels,
        working.esri_wkt().as_deref(),
        encoding_rs::UTF_8,
    )?;
    let shortened: BTreeMap<String, String> = names.into_iter().filter(|(l, s)| l != s).collect();
    timer.lap("write_shapefile");

    export::gpkg::write_gpkg(
        &stage.join("landsift.gpkg"),
        &[(&parcels, true), (&rejects_layer, false)],
        working.wkt().as_deref(),
    )?;
    timer.lap("write_gpkg");

    export::parcels::write_rejects_csv(&stage.join("rejects.csv"), rejects)?;

    let mut outputs = Vec::new();
    let entries = std::fs::read_dir(&stage).map_err(|e| Error::output(&stage, e.to_string()))?;
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    names.sort();
    for from in names {
        let name = from.file_name().expect("entries have names").to_owned();
        let to = out.join(&name);
        std::fs::rename(&from, &to).map_err(|e| Error::output(&to, e.to_string()))?;
        outputs.push(name.to_string_lossy().into_owned());
    }
    std::fs::remove_dir(&stage).map_err(|e| Error::output(&stage, e.to_string()))?;
    outputs.push("summary.json".into());
    timer.lap("publish");
    Ok((outputs, shortened))
}
