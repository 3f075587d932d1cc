//! Orchestration of a whole run: read → CRS → validate → measure → score → write,
//! with timings, a summary, and an all-or-nothing publish of the output directory.

mod analyse;
mod progress;
mod publish;
mod summary;

use progress::Timer;
pub use progress::{Observer, Silent, Stage};

pub use crate::export::summary::{
    ConstraintReport, ConstraintsSummary, InputReport, MeasureReport, Summary,
};
pub use crate::model::Areas;
pub use analyse::Analysis;

use crate::config::{self, Overrides, Settings};
use crate::constraints::ConstraintLayer;
use crate::criteria::{self, Criteria};
use crate::crs::{self, CrsKind, SourceCrs, WorkingCrs};
use crate::error::{Error, Result};
use crate::ingest::{self, table::JoinReport, PreparedParcels};
use crate::model::{Building, RawLayer, Reject, SurveyField, TownBoundaries};
use crate::quality::{self, BuildingFacts, Gate, GateFacts};
use crate::spatial::planar::extent;
use std::path::{Path, PathBuf};

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

/// Every input as read, before validation.
pub struct Inputs {
    pub parcels: RawLayer,
    pub buildings: Option<RawLayer>,
    pub constraints: Vec<RawLayer>,
    pub barriers: Option<RawLayer>,
    pub towns: Option<RawLayer>,
    pub survey: Option<JoinReport>,
}

/// The validated model in the working CRS.
pub struct Model {
    pub source: SourceCrs,
    pub working: WorkingCrs,
    pub parcels: PreparedParcels,
    pub buildings: Option<Vec<Building>>,
    pub building_rejects: Vec<Reject>,
    pub constraints: Vec<ConstraintLayer>,
    pub constraint_rejects: Vec<Reject>,
    /// Barrier geometries in the working CRS.
    pub barriers: Vec<geo::Geometry<f64>>,
    /// Barrier records that could not be used (non-finite coordinates, reprojection).
    pub barrier_rejects: Vec<Reject>,
    /// Town boundaries, when a layer was given.
    pub towns: Option<TownBoundaries>,
}

/// Runs (or, with `write = false`, checks) a whole job and returns its summary;
/// `observer` hears of every stage.
pub fn run(opts: &RunOptions, observer: &dyn Observer) -> Result<Summary> {
    let mut timer = Timer::new(observer);
    let (settings, sample) = resolve_settings(&opts.overrides)?;
    let criteria = criteria_of(&settings)?;
    if opts.write {
        publish::check_out_dir(&opts.out, opts.force)?;
    }
    timer.begin(Stage::Read);
    let inputs = read_inputs(&settings)?;
    timer.count("parcels", inputs.parcels.features.len());
    if let Some(b) = &inputs.buildings {
        timer.count("buildings", b.features.len());
    }
    let model = prepare(&settings, &inputs, &mut timer)?;
    // Gates that validation can judge stop the run before the work; the orphan share
    // waits for the measure.
    let mut facts = gate_facts(&settings, &inputs, &model);
    pass_gates(&facts, &settings)?;
    let measured = analyse::measure(&settings, &criteria, &inputs, &model, &mut timer);
    if let (Some(b), Some(m)) = (facts.buildings.as_mut(), measured.as_ref()) {
        b.orphans = Some(m.orphans.len());
    }
    let gates = pass_gates(&facts, &settings)?;
    let analysis = analyse::analyse(&settings, &criteria, &model, measured, &mut timer);
    let mut summary = summary::build(
        &settings, &criteria, sample, &inputs, &model, &analysis, opts.write,
    );
    summary.quality.gates = gates;
    if opts.write {
        let results = publish::Results {
            settings: &settings,
            criteria: &criteria,
            inputs: &inputs,
            model: &model,
            analysis: &analysis,
            summary: &summary,
        };
        let written = publish::write_outputs(opts, results, &mut timer)?;
        summary.outputs = written.outputs;
        summary.shapefile_field_names = written.shortened;
    }
    summary.timings_s = timer.finish();
    if opts.write {
        publish::write_summary(&opts.out, &summary)?;
    }
    Ok(summary)
}

/// What the quality gates judge, from the validated model.
fn gate_facts(settings: &Settings, inputs: &Inputs, model: &Model) -> GateFacts {
    use geo::BoundingRect;
    use rayon::prelude::*;
    let extent = |rects: Vec<Option<geo::Rect<f64>>>| extent(rects.into_iter().flatten());
    let parcels = &model.parcels;
    GateFacts {
        parcels_layer: inputs.parcels.source.display().to_string(),
        parcels_in: inputs.parcels.features.len(),
        parcels_kept: parcels.parcels.len(),
        rejected_by_reason: parcels.rejected_by_reason(),
        scheme: settings.scheme().name(),
        extent: extent(
            parcels
                .parcels
                .par_iter()
                .map(|p| p.geometry.bounding_rect())
                .collect(),
        ),
        buildings: model
            .buildings
            .as_ref()
            .zip(inputs.buildings.as_ref())
            .map(|(b, raw)| BuildingFacts {
                layer: raw.source.display().to_string(),
                kept: b.len(),
                extent: extent(b.par_iter().map(|b| b.geometry.bounding_rect()).collect()),
                orphans: None,
            }),
    }
}

/// Judges the gates; the first that fails stops the run.
fn pass_gates(facts: &GateFacts, settings: &Settings) -> Result<Vec<Gate>> {
    let gates = quality::judge(facts, &settings.quality);
    match gates.iter().find(|g| !g.passed) {
        Some(g) => Err(Error::QualityGate {
            gate: g.gate.to_string(),
            message: g.message.clone(),
        }),
        None => Ok(gates),
    }
}

/// The settings, with the bundled sample district filled in when no parcels are named.
fn resolve_settings(over: &Overrides) -> Result<(Settings, bool)> {
    let mut settings = config::load(over)?;
    let sample = settings.parcels.is_none();
    if sample {
        let dir = sample_dir();
        settings.parcels = Some(dir.join("parcels.shp"));
        if settings.buildings.is_none() {
            settings.buildings = Some(dir.join("buildings.shp"));
        }
    }
    Ok((settings, sample))
}

/// Reads every input layer, and joins the survey table onto the parcels.
fn read_inputs(settings: &Settings) -> Result<Inputs> {
    let path = settings.parcels.clone().expect("resolved");
    let encoding = settings.encoding.as_deref();
    let mut parcels = ingest::read_layer(&path, settings.parcels_layer.as_deref(), encoding)?;
    if parcels.features.is_empty() {
        return Err(Error::input(&path, "the parcels layer is empty"));
    }
    let survey = match &settings.survey {
        Some(table_path) => {
            let table = ingest::table::read_csv(table_path)?;
            let layer_key = settings.source_field(SurveyField::ParcelId).to_string();
            let table_key = settings
                .survey_key
                .clone()
                .unwrap_or_else(|| layer_key.clone());
            Some(ingest::table::join(
                &mut parcels,
                &layer_key,
                &table,
                &table_key,
            )?)
        }
        None => None,
    };
    let buildings = settings
        .buildings
        .as_ref()
        .map(|p| ingest::read_layer(p, settings.buildings_layer.as_deref(), encoding))
        .transpose()?;
    let constraints = settings
        .constraints
        .iter()
        .map(|c| ingest::read_layer(&c.path, c.layer.as_deref(), encoding))
        .collect::<Result<Vec<_>>>()?;
    let barriers = settings
        .barriers
        .as_ref()
        .map(|p| ingest::read_layer(p, settings.barriers_layer.as_deref(), encoding))
        .transpose()?;
    let towns = settings
        .towns
        .as_ref()
        .map(|p| ingest::read_layer(p, settings.towns_layer.as_deref(), encoding))
        .transpose()?;
    Ok(Inputs {
        parcels,
        buildings,
        constraints,
        barriers,
        towns,
        survey,
    })
}

/// Resolves the CRS of every input and validates them into the model.
fn prepare(settings: &Settings, inputs: &Inputs, timer: &mut Timer<'_>) -> Result<Model> {
    let source = ingest::source_crs(&inputs.parcels, settings.s_srs.as_deref())?;
    let centre = (source.kind == CrsKind::Geographic)
        .then(|| ingest::centre(&inputs.parcels))
        .flatten();
    let working = crs::choose_working(&source, centre);
    timer.begin(Stage::Crs);
    let same_crs = |layer: &RawLayer| same_crs_as_parcels(layer, settings, &source);
    let building_source = inputs.buildings.as_ref().map(same_crs).transpose()?;
    let constraint_sources = inputs
        .constraints
        .iter()
        .map(same_crs)
        .collect::<Result<Vec<_>>>()?;

    timer.begin(Stage::Validate);
    let parcels = ingest::prepare_parcels(&inputs.parcels, &source, &working, &settings.mapping)?;
    let (buildings, building_rejects) = match (&inputs.buildings, &building_source) {
        (Some(b), Some(s)) => {
            let (bs, rs) = ingest::prepare_buildings(
                b,
                s,
                &working,
                &settings.building_fields,
                settings.invalid(),
            )?;
            (Some(bs), rs)
        }
        _ => (None, Vec::new()),
    };
    let mut constraints = Vec::new();
    let mut constraint_rejects = Vec::new();
    for ((spec, layer), src) in settings
        .constraints
        .iter()
        .zip(&inputs.constraints)
        .zip(&constraint_sources)
    {
        let (polygons, rejects) =
            ingest::prepare_polygons(layer, src, &working, settings.invalid())?;
        constraints.push(ConstraintLayer::new(spec.kind, spec.min_share, &polygons));
        constraint_rejects.extend(rejects);
    }
    let (barriers, barrier_rejects) = match &inputs.barriers {
        Some(layer) => {
            let src = same_crs_as_parcels(layer, settings, &source)?;
            let (geoms, rejects) = ingest::prepare_geometries(layer, &src, &working)?;
            (geoms.into_iter().map(|(_, g)| g).collect(), rejects)
        }
        None => (Vec::new(), Vec::new()),
    };
    let towns = inputs
        .towns
        .as_ref()
        .map(|layer| {
            let src = same_crs_as_parcels(layer, settings, &source)?;
            ingest::towns::town_boundaries(layer, settings.towns_field.as_deref(), &src, &working)
        })
        .transpose()?;
    timer.count("parcels_kept", parcels.parcels.len());
    timer.count("parcels_rejected", parcels.rejects.len());
    Ok(Model {
        barriers,
        barrier_rejects,
        towns,
        source,
        working,
        parcels,
        buildings,
        building_rejects,
        constraints,
        constraint_rejects,
    })
}

/// The CRS of a further input layer, which must be the parcels' CRS.
fn same_crs_as_parcels(
    layer: &RawLayer,
    settings: &Settings,
    parcels: &SourceCrs,
) -> Result<SourceCrs> {
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

/// The criteria a run uses (for reports).
pub fn criteria_of(settings: &Settings) -> Result<Criteria> {
    match &settings.criteria_file {
        Some(path) => criteria::load_file(path),
        None => criteria::load_preset(&settings.preset),
    }
}
