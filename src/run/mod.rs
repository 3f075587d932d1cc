//! Orchestration of a whole run: read → CRS → validate → measure → score → zone →
//! write, with timings and a log, a summary, and an atomic publish of the output folder
//! ([`crate::publish`]) with its manifest and what changed since the last one.

mod analyse;
mod memory;
mod progress;
pub mod sample;
mod summary;
mod write;

use progress::Timer;
pub use progress::{LogRecord, Observer, Silent, Stage};

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
    /// Replace a non-empty `out` (its content goes to the history).
    pub force: bool,
    /// `false` for `landsift check`: validate everything, write nothing.
    pub write: bool,
    /// Do nothing when inputs, configuration, criteria and version are those of the
    /// published output (`--if-changed`).
    pub if_changed: bool,
    /// Earlier publishes kept in the history (`--keep`).
    pub keep: usize,
    /// The command line, for the manifest.
    pub command_line: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            overrides: Overrides::default(),
            out: PathBuf::from("out"),
            force: false,
            write: true,
            if_changed: false,
            keep: crate::publish::DEFAULT_KEEP,
            command_line: Vec::new(),
        }
    }
}

/// How a run ended.
#[derive(Debug)]
pub enum Outcome {
    /// It ran (and, for `run`, published); its summary.
    Done(Box<Summary>),
    /// `--if-changed` found nothing changed since the published run: nothing was done.
    UpToDate {
        run_id: String,
        published_run: String,
    },
}

pub use sample::sample_dir;

/// Every input as read, before validation.
pub struct Inputs {
    pub parcels: RawLayer,
    pub buildings: Option<RawLayer>,
    pub constraints: Vec<RawLayer>,
    pub barriers: Option<RawLayer>,
    pub towns: Option<RawLayer>,
    pub planning: Option<RawLayer>,
    /// The planned programme as a layer (a CSV table is read in [`prepare`]).
    pub programme: Option<RawLayer>,
    pub survey: Option<JoinReport>,
}

/// The validated model in the working CRS.
pub struct Model {
    pub source: SourceCrs,
    pub working: WorkingCrs,
    pub parcels: PreparedParcels,
    /// The buildings kept by validation; once measured, only the orphans (see
    /// [`release_buildings`]; the measure keeps the count).
    pub buildings: Option<Vec<Building>>,
    /// Each building's height (m) from the height field, when the measure's 8 m rule
    /// wants it ([`crate::model::Building::height_m`]).
    pub building_heights: Option<Vec<Option<f64>>>,
    pub building_rejects: Vec<Reject>,
    pub constraints: Vec<ConstraintLayer>,
    pub constraint_rejects: Vec<Reject>,
    /// Barrier geometries in the working CRS.
    pub barriers: Vec<geo::Geometry<f64>>,
    /// Barrier records that could not be used (non-finite coordinates, reprojection).
    pub barrier_rejects: Vec<Reject>,
    /// Town boundaries, when a layer was given.
    pub towns: Option<TownBoundaries>,
    /// What the planning layer's overlay did, when one was given.
    pub planning: Option<crate::ingest::planning::PlanningReport>,
    /// The town's planned renewal programme, when one was given.
    pub programme: Option<crate::ingest::programme::Programme>,
}

/// Runs (or, with `write = false`, checks) a whole job; `observer` hears of every stage
/// and every log record.
pub fn run(opts: &RunOptions, observer: &dyn Observer) -> Result<Outcome> {
    let run_id = crate::publish::new_run_id();
    let started = std::time::SystemTime::now();
    let mut timer = Timer::new(observer, &run_id);
    let mut start = timer.record("start");
    start.message = Some(opts.command_line.join(" "));
    timer.log(start);
    let (settings, sample) = resolve_settings(&opts.overrides)?;
    let criteria = criteria_of(&settings)?;
    let outdir = crate::publish::OutDir::new(&opts.out);
    let mut lock = None;
    let mut recorded = None;
    if opts.write {
        let roles = input_files(&settings);
        let paths: Vec<PathBuf> = roles.iter().map(|(_, p)| p.clone()).collect();
        crate::publish::check_apart(&opts.out, &paths)?;
        write::check_out_dir(&opts.out, opts.force)?;
        let published = outdir.published();
        let unhashed = Unhashed::of(&settings, &criteria, roles, published.clone());
        if opts.if_changed {
            // The record decides whether the run reads at all: taken first.
            let record = unhashed.hash(true)?;
            if let Some(m) = published
                .as_ref()
                .filter(|m| m.fingerprint == record.fingerprint)
            {
                let mut r = timer.record("up_to_date");
                r.message = Some(format!("inputs unchanged since run {}", m.run_id));
                timer.log(r);
                return Ok(Outcome::UpToDate {
                    run_id,
                    published_run: m.run_id.clone(),
                });
            }
            recorded = Some(Recording::Taken(record));
        } else {
            // Only the manifest needs it: the inputs are hashed on a thread of their own
            // while the run reads them (a million parcels' are ~1 GB, ~2 s of one core)
            // and computes.
            let thread = std::thread::Builder::new()
                .name("record".into())
                .spawn(move || unhashed.hash(false));
            recorded = Some(match thread {
                Ok(thread) => Recording::Beside(thread),
                Err(_) => Recording::Failed,
            });
        }
        lock = Some(outdir.lock(&run_id)?);
    }
    timer.begin(Stage::Read);
    let mut inputs = read_inputs(&settings)?;
    timer.count("parcels", inputs.parcels.features.len());
    if let Some(b) = &inputs.buildings {
        timer.count("buildings", b.features.len());
    }
    let heights = criteria.measure.double_tall_storeys;
    let mut model = prepare(&settings, heights, &mut inputs, &mut timer)?;
    // Gates that validation can judge stop the run before the work; the orphan share
    // waits for the measure.
    let mut facts = gate_facts(&settings, &inputs, &model);
    pass_gates(&facts, &settings)?;
    let measured = analyse::measure(&criteria, &model, &mut timer);
    if let Some(m) = &measured {
        release_buildings(&mut model, &m.orphans);
    }
    if let (Some(b), Some(m)) = (facts.buildings.as_mut(), measured.as_ref()) {
        b.orphans = Some(m.orphans.len());
    }
    let gates = pass_gates(&facts, &settings)?;
    let mut analysis = analyse::analyse(&settings, &criteria, &model, measured, &mut timer);
    // The previous run's state (a million parcels' is ~0.5 GB) is read only now, when it
    // is compared, and freed once compared: the stages before and the writers after
    // never hold it. The folder is locked since before the read.
    let previous = match opts.write {
        true => crate::changes::state::read(&opts.out)?,
        false => None,
    };
    let fared = previous.as_ref().map(|p| {
        crate::changes::zone_ids::stabilise(&mut analysis.zones, &model.parcels.parcels, p)
    });
    let changes = match &previous {
        Some(p) => {
            let n = model.parcels.parcels.len();
            let state = |i| analyse::parcel_state(&model, &analysis, i);
            let mut c = crate::changes::parcel_changes(n, state, p);
            c.extend(crate::changes::zone_changes(
                fared.as_deref().unwrap_or_default(),
                |level, id| analysis.zone_index(level, id),
            ));
            c
        }
        None => Vec::new(),
    };
    let change_summary = opts
        .write
        .then(|| crate::changes::summarise(&changes, previous.as_ref()));
    discard(previous);
    let mut summary = summary::build(
        &settings, &criteria, sample, &inputs, &model, &analysis, opts.write,
    );
    summary.run_id = run_id.clone();
    summary.quality.gates = gates;
    summary.changes = change_summary;
    if let (true, Some(recording)) = (opts.write, recorded) {
        let record = recording.finish(&opts.out)?;
        let staging = outdir.staging(&run_id)?;
        let parts = Parts {
            settings: &settings,
            criteria: &criteria,
            inputs: &inputs,
            model: &model,
            analysis: &analysis,
            changes: &changes,
        };
        let published = publish_run(
            opts, &outdir, &staging, &mut timer, parts, summary, record, started,
        );
        if published.is_err() {
            // A failed run leaves nothing behind.
            let _ = std::fs::remove_dir_all(&staging);
        }
        summary = published?;
    } else {
        summary.timings_s = timer.timings();
    }
    drop(lock);
    discard((inputs, model, analysis, changes));
    Ok(Outcome::Done(Box::new(summary)))
}

/// Frees what a finished run holds on a thread of its own: a million parcels' geometry,
/// attributes and zones are millions of allocations, seconds of one core that change no
/// output. A process that ends first leaves the freeing to the operating system.
fn discard<T: Send + 'static>(held: T) {
    // Should the thread not start, `held` is dropped here, as before.
    let _ = std::thread::Builder::new()
        .name("discard".into())
        .spawn(move || drop(held));
}

/// What a run computed, for its writers.
#[derive(Clone, Copy)]
struct Parts<'a> {
    settings: &'a Settings,
    criteria: &'a Criteria,
    inputs: &'a Inputs,
    model: &'a Model,
    analysis: &'a Analysis,
    changes: &'a [crate::changes::Change],
}

/// Writes the whole output into `staging`, `manifest.json` last, and publishes it.
#[allow(clippy::too_many_arguments)]
fn publish_run(
    opts: &RunOptions,
    outdir: &crate::publish::OutDir,
    staging: &Path,
    timer: &mut Timer<'_>,
    parts: Parts,
    mut summary: Summary,
    record: RunRecord,
    started: std::time::SystemTime,
) -> Result<Summary> {
    use crate::model::time::iso_utc;
    use crate::publish::manifest;
    let results = write::Results {
        settings: parts.settings,
        criteria: parts.criteria,
        inputs: parts.inputs,
        model: parts.model,
        analysis: parts.analysis,
        summary: &summary,
        changes: parts.changes,
    };
    let written = write::write_outputs(staging, results, timer)?;
    let imprint = write::imprint(results);
    timer.begin(Stage::Publish);
    summary.shapefile_field_names = written.shortened;
    summary.warnings.extend(written.warnings);
    // The log of the run so far: its gates, warnings and result.
    for g in &summary.quality.gates {
        let mut r = timer.record("gate");
        r.code = Some(g.gate.to_string());
        r.message = Some(g.message.clone());
        timer.log(r);
    }
    for w in &summary.warnings {
        let mut r = timer.record("warning");
        r.code = Some(w.code.to_string());
        r.counts.insert("count", w.count as u64);
        r.message = Some(w.message.clone());
        timer.log(r);
    }
    let mut r = timer.record("result");
    r.counts.insert("parcels_in", summary.parcels_in as u64);
    r.counts.insert("parcels_kept", summary.parcels_out as u64);
    r.counts
        .insert("parcels_rejected", summary.parcels_rejected as u64);
    r.counts.insert("low", summary.scoring.low_parcels as u64);
    r.counts.insert("large", summary.zones.large_circles as u64);
    r.counts
        .insert("middle", summary.zones.middle_circles as u64);
    r.counts.insert("small", summary.zones.small_circles as u64);
    r.exit_code = Some(0);
    timer.log(r);
    write_text(&staging.join("run.log"), &timer.log_text())?;
    summary.timings_s = timer.timings();
    let listing = || -> Vec<String> {
        let mut files: Vec<String> = std::fs::read_dir(staging)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        files.push("summary.json".into());
        files.push(manifest::FILE.into());
        files.sort();
        files
    };
    // With the deliverables people open, the guide to the folder (every file, itself too).
    let sel = &parts.settings.output;
    if sel.writes(crate::model::Format::Report) || sel.writes(crate::model::Format::Qgis) {
        let mut files = listing();
        files.push(crate::export::guide::FILE.into());
        files.sort();
        crate::export::guide::write(staging, &files, &imprint)?;
    }
    let outputs = listing();
    summary.outputs = outputs;
    write::write_summary(staging, &summary)?;
    let m = manifest::Manifest {
        run_id: summary.run_id.clone(),
        landsift_version: crate::VERSION.into(),
        started: iso_utc(started),
        finished: iso_utc(std::time::SystemTime::now()),
        command_line: opts.command_line.clone(),
        config: record.config,
        criteria: record.criteria,
        settings_sha256: record.settings_sha256,
        inputs: record.inputs,
        fingerprint: record.fingerprint,
        previous_run: outdir.published().map(|m| m.run_id),
        outputs: manifest::record_outputs(staging)?,
        exit_status: 0,
    };
    let text = serde_json::to_string_pretty(&m).unwrap_or_default() + "\n";
    write_text(&staging.join(manifest::FILE), &text)?;
    outdir.publish(staging, opts.keep)?;
    timer.end();
    let mut r = timer.record("published");
    r.message = Some(opts.out.display().to_string());
    timer.log(r);
    Ok(summary)
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::output(path, "cannot write").because(e))
}

/// What the manifest records of a run's inputs, taken before the run reads them.
struct RunRecord {
    config: Option<crate::publish::manifest::Named>,
    criteria: crate::publish::manifest::Named,
    settings_sha256: String,
    inputs: Vec<crate::publish::manifest::InputFile>,
    fingerprint: String,
}

/// Every input file of a run, with its role.
fn input_files(settings: &Settings) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = Vec::new();
    let mut add = |role: &str, p: &Option<PathBuf>| {
        if let Some(p) = p {
            v.push((role.to_string(), p.clone()));
        }
    };
    add("parcels", &settings.parcels);
    add("buildings", &settings.buildings);
    add("survey", &settings.survey);
    add("barriers", &settings.barriers);
    add("towns", &settings.towns);
    add("programme", &settings.programme);
    add(
        "planning",
        &settings.planning.as_ref().map(|p| p.path.clone()),
    );
    add("config", &settings.config_path);
    add("criteria", &settings.criteria_file);
    for c in &settings.constraints {
        v.push((
            format!("constraint:{}", c.kind.share_field()),
            c.path.clone(),
        ));
    }
    v
}

/// What the manifest records of a run before its input files are hashed.
struct Unhashed {
    config_name: Option<String>,
    criteria: crate::publish::manifest::Named,
    settings_sha256: String,
    roles: Vec<(String, PathBuf)>,
    published: Option<crate::publish::manifest::Manifest>,
}

impl Unhashed {
    fn of(
        settings: &Settings,
        criteria: &Criteria,
        roles: Vec<(String, PathBuf)>,
        published: Option<crate::publish::manifest::Manifest>,
    ) -> Unhashed {
        Unhashed {
            config_name: settings
                .config_path
                .as_ref()
                .map(|p| p.display().to_string()),
            criteria: crate::publish::manifest::Named {
                name: criteria.origin.clone(),
                sha256: criteria.digest.clone(),
            },
            settings_sha256: crate::publish::manifest::sha256_hex(
                format!("{settings:?}").as_bytes(),
            ),
            roles,
            published,
        }
    }

    /// Records the inputs (hashing what changed since the published manifest, in
    /// parallel or on this thread alone) and the run's fingerprint.
    fn hash(self, parallel: bool) -> Result<RunRecord> {
        use crate::publish::manifest::{self, Named};
        let published = self.published.as_ref();
        let inputs = manifest::record_inputs(&self.roles, published, parallel)?;
        let config = self.config_name.map(|name| Named {
            name,
            sha256: inputs
                .iter()
                .find(|i| i.role == "config")
                .map(|i| i.sha256.clone())
                .unwrap_or_default(),
        });
        let fingerprint = manifest::fingerprint(
            crate::VERSION,
            config.as_ref(),
            &self.criteria,
            &self.settings_sha256,
            &inputs,
        );
        Ok(RunRecord {
            config,
            criteria: self.criteria,
            settings_sha256: self.settings_sha256,
            inputs,
            fingerprint,
        })
    }
}

/// The run's record: taken before the read, or being taken beside it.
enum Recording {
    Taken(RunRecord),
    Beside(std::thread::JoinHandle<Result<RunRecord>>),
    /// The thread could not start.
    Failed,
}

impl Recording {
    /// The record; a thread that stopped is an error of the output `out` (it gets no
    /// manifest).
    fn finish(self, out: &Path) -> Result<RunRecord> {
        let failed = || Error::output(out, "the inputs' record (their digests) could not be taken");
        match self {
            Recording::Taken(record) => Ok(record),
            Recording::Beside(thread) => thread.join().unwrap_or_else(|_| Err(failed())),
            Recording::Failed => Err(failed()),
        }
    }
}

/// Frees the buildings once measured: past the measure only their count (the measure's
/// per-building arrays hold it) and the orphans (their own layer) are read, so only the
/// orphans stay, in building order (a million parcels' 2.6M buildings are ~0.6 GB).
fn release_buildings(model: &mut Model, orphans: &[usize]) {
    model.building_heights = None;
    if let Some(buildings) = model.buildings.as_mut() {
        let mut orphans = orphans.iter().peekable();
        let mut i = 0;
        buildings.retain(|_| {
            let keep = orphans.next_if_eq(&&i).is_some();
            i += 1;
            keep
        });
        buildings.shrink_to_fit();
    }
}

/// What the quality gates judge, from the validated model.
fn gate_facts(settings: &Settings, inputs: &Inputs, model: &Model) -> GateFacts {
    use geo::BoundingRect;
    use rayon::prelude::*;
    let extent = |rects: Vec<Option<geo::Rect<f64>>>| extent(rects.into_iter().flatten());
    let parcels = &model.parcels;
    GateFacts {
        parcels_layer: inputs.parcels.source.display().to_string(),
        parcels_in: inputs.parcels.records(),
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
        let dir = sample_dir()?;
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
    // Of the buildings' attributes a run reads the floors and the height only.
    let bf = &settings.building_fields;
    let building_fields: Vec<&str> = std::iter::once(bf.floors.as_str())
        .chain(bf.height.as_deref())
        .collect();
    let buildings = settings
        .buildings
        .as_ref()
        .map(|p| {
            ingest::read_layer_fields(
                p,
                settings.buildings_layer.as_deref(),
                encoding,
                Some(&building_fields),
            )
        })
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
    let planning = settings
        .planning
        .as_ref()
        .map(|p| ingest::read_layer(&p.path, p.layer.as_deref(), encoding))
        .transpose()?;
    let programme = settings
        .programme
        .as_ref()
        .filter(|p| !is_csv(p))
        .map(|p| ingest::read_layer(p, settings.programme_layer.as_deref(), encoding))
        .transpose()?;
    Ok(Inputs {
        parcels,
        buildings,
        constraints,
        barriers,
        towns,
        planning,
        programme,
        survey,
    })
}

fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Resolves the CRS of every input and validates them into the model; with `heights`,
/// reads the buildings' heights for the measure.
fn prepare(
    settings: &Settings,
    heights: bool,
    inputs: &mut Inputs,
    timer: &mut Timer<'_>,
) -> Result<Model> {
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
    ingest::check_fields(
        &inputs.parcels,
        &settings.mapping,
        inputs
            .buildings
            .as_ref()
            .map(|b| (b, &settings.building_fields)),
    )?;
    let mut parcels =
        ingest::prepare_parcels(&mut inputs.parcels, &source, &working, &settings.mapping)?;
    // The model now holds the parcels' geometry and attributes: the raw copy goes, and
    // its pages before the buildings are validated.
    inputs.parcels.release(true);
    memory::return_free_memory();
    let planning = match (&inputs.planning, &settings.planning) {
        (Some(layer), Some(spec)) => {
            let src = same_crs_as_parcels(layer, settings, &source)?;
            Some(ingest::planning::apply(
                layer,
                spec.field.as_deref(),
                &src,
                &working,
                &mut parcels.parcels,
            )?)
        }
        _ => None,
    };
    let (buildings, building_rejects) = match (inputs.buildings.as_mut(), &building_source) {
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
    // The footprints are in the model, the heights read: the raw layer goes.
    let building_heights = match (
        &inputs.buildings,
        &buildings,
        &settings.building_fields.height,
    ) {
        (Some(raw), Some(bs), Some(h)) if heights && raw.field_index(h).is_some() => {
            Some(bs.iter().map(|b| b.height_m).collect())
        }
        _ => None,
    };
    if let Some(b) = inputs.buildings.as_mut() {
        b.release(true);
    }
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
    let programme = match (&settings.programme, &inputs.programme) {
        (Some(path), None) => Some(ingest::programme::from_table(
            path,
            &parcels.parcels,
            &parcels.rejects,
        )?),
        (Some(_), Some(layer)) => {
            let src = same_crs_as_parcels(layer, settings, &source)?;
            Some(ingest::programme::from_layer(
                layer,
                &src,
                &working,
                &parcels.parcels,
            )?)
        }
        _ => None,
    };
    timer.count("parcels_kept", parcels.parcels.len());
    timer.count("parcels_rejected", parcels.rejects.len());
    Ok(Model {
        barriers,
        barrier_rejects,
        towns,
        planning,
        programme,
        source,
        working,
        parcels,
        buildings,
        building_heights,
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
