//! What a run tells whoever watches it — the stages as they start and end, with their
//! counts — and the wall-clock timings that go into `summary.json`. The library prints
//! nothing: the command turns these events into a progress bar, timestamped lines or
//! JSON lines ([`Observer`]).

use std::collections::BTreeMap;
use std::time::Instant;

/// The stages of a run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Read,
    Crs,
    Validate,
    Constraints,
    Measure,
    Score,
    Zone,
    WriteGeojson,
    WriteShapefile,
    WriteGpkg,
    WriteReport,
    Publish,
}

impl Stage {
    /// The stage's key in `summary.json` → `timings_s` and in JSON logs.
    pub fn key(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Crs => "crs",
            Stage::Validate => "validate",
            Stage::Constraints => "constraints",
            Stage::Measure => "measure",
            Stage::Score => "score",
            Stage::Zone => "zone",
            Stage::WriteGeojson => "write_geojson",
            Stage::WriteShapefile => "write_shapefile",
            Stage::WriteGpkg => "write_gpkg",
            Stage::WriteReport => "write_report",
            Stage::Publish => "publish",
        }
    }

    /// What people read: Chinese first, then English.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Read => "读取 read",
            Stage::Crs => "坐标系 CRS",
            Stage::Validate => "校验 validate",
            Stage::Constraints => "管控线叠加 constraints",
            Stage::Measure => "建筑测算 measure",
            Stage::Score => "低效认定 score",
            Stage::Zone => "圈层划定 zones",
            Stage::WriteGeojson => "写出 GeoJSON",
            Stage::WriteShapefile => "写出 Shapefile",
            Stage::WriteGpkg => "写出 GeoPackage",
            Stage::WriteReport => "统计与报告 stats, report",
            Stage::Publish => "发布 publish",
        }
    }
}

/// Receives a run's progress. Every method has a default that does nothing.
pub trait Observer: Sync {
    /// A stage begins.
    fn started(&self, _stage: Stage) {}
    /// A stage ended after `seconds`, with what it counted (e.g. `parcels_kept`).
    fn finished(&self, _stage: Stage, _seconds: f64, _counts: &BTreeMap<&'static str, u64>) {}
}

/// An observer that ignores everything (tests, benchmarks, library callers).
pub struct Silent;

impl Observer for Silent {}

/// Times the stages and tells the observer.
pub(crate) struct Timer<'a> {
    observer: &'a dyn Observer,
    start: Instant,
    current: Option<(Stage, Instant)>,
    counts: BTreeMap<&'static str, u64>,
    laps: BTreeMap<String, f64>,
}

impl<'a> Timer<'a> {
    pub(crate) fn new(observer: &'a dyn Observer) -> Self {
        Timer {
            observer,
            start: Instant::now(),
            current: None,
            counts: BTreeMap::new(),
            laps: BTreeMap::new(),
        }
    }

    /// Ends the stage in progress (if any) and begins `stage`.
    pub(crate) fn begin(&mut self, stage: Stage) {
        self.end();
        self.current = Some((stage, Instant::now()));
        self.observer.started(stage);
    }

    /// Attaches a count to the stage in progress.
    pub(crate) fn count(&mut self, what: &'static str, n: usize) {
        self.counts.insert(what, n as u64);
    }

    /// Ends the stage in progress.
    pub(crate) fn end(&mut self) {
        if let Some((stage, began)) = self.current.take() {
            let seconds = began.elapsed().as_secs_f64();
            *self.laps.entry(stage.key().into()).or_default() += seconds;
            self.observer.finished(stage, seconds, &self.counts);
            self.counts.clear();
        }
    }

    /// The timings of every stage, and the total.
    pub(crate) fn finish(mut self) -> BTreeMap<String, f64> {
        self.end();
        self.laps
            .insert("total".into(), self.start.elapsed().as_secs_f64());
        self.laps
    }
}
