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
            Stage::Score => "低效识别 score",
            Stage::Zone => "圈层划定 zones",
            Stage::WriteGeojson => "写出 GeoJSON",
            Stage::WriteShapefile => "写出 Shapefile",
            Stage::WriteGpkg => "写出 GeoPackage",
            Stage::WriteReport => "统计与报告 stats, report",
            Stage::Publish => "发布 publish",
        }
    }
}

/// One line of a run's log: what `--log-format json` prints on stderr, one JSON object
/// a line, and what `run.log` in the output holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LogRecord {
    /// ISO 8601 UTC.
    pub ts: String,
    pub run_id: String,
    /// `start`, `stage_started`, `stage_finished`, `gate`, `warning`, `result`,
    /// `up_to_date`, `error`.
    pub event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<&'static str>,
    /// Seconds since the run started.
    pub elapsed_s: f64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<&'static str, u64>,
    /// A warning's or gate's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
}

impl LogRecord {
    /// A record of `event` at this moment.
    pub fn new(run_id: &str, event: &'static str, elapsed_s: f64) -> Self {
        LogRecord {
            ts: crate::model::time::iso_utc(std::time::SystemTime::now()),
            run_id: run_id.to_string(),
            event,
            stage: None,
            elapsed_s,
            counts: BTreeMap::new(),
            code: None,
            message: None,
            exit_code: None,
        }
    }
}

/// Receives a run's progress. Every method has a default that does nothing.
pub trait Observer: Sync {
    /// A stage begins.
    fn started(&self, _stage: Stage) {}
    /// A stage ended after `seconds`, with what it counted (e.g. `parcels_kept`).
    fn finished(&self, _stage: Stage, _seconds: f64, _counts: &BTreeMap<&'static str, u64>) {}
    /// Every log record, as it happens (`start` first, with the run id).
    fn record(&self, _record: &LogRecord) {}
}

/// An observer that ignores everything (tests, benchmarks, library callers).
pub struct Silent;

impl Observer for Silent {}

/// Times the stages, tells the observer, and keeps the log for `run.log`.
pub(crate) struct Timer<'a> {
    observer: &'a dyn Observer,
    run_id: String,
    start: Instant,
    current: Option<(Stage, Instant)>,
    counts: BTreeMap<&'static str, u64>,
    laps: BTreeMap<String, f64>,
    log: Vec<LogRecord>,
}

impl<'a> Timer<'a> {
    pub(crate) fn new(observer: &'a dyn Observer, run_id: &str) -> Self {
        Timer {
            observer,
            run_id: run_id.to_string(),
            start: Instant::now(),
            current: None,
            counts: BTreeMap::new(),
            laps: BTreeMap::new(),
            log: Vec::new(),
        }
    }

    /// A log record of `event` now (to be filled and passed to [`Timer::log`]).
    pub(crate) fn record(&self, event: &'static str) -> LogRecord {
        LogRecord::new(&self.run_id, event, self.start.elapsed().as_secs_f64())
    }

    /// Logs a record: the observer hears it, `run.log` will hold it.
    pub(crate) fn log(&mut self, record: LogRecord) {
        self.observer.record(&record);
        self.log.push(record);
    }

    /// The log so far, one JSON object a line.
    pub(crate) fn log_text(&self) -> String {
        self.log
            .iter()
            .filter_map(|r| serde_json::to_string(r).ok())
            .map(|l| l + "\n")
            .collect()
    }

    /// Ends the stage in progress (if any) and begins `stage`.
    pub(crate) fn begin(&mut self, stage: Stage) {
        self.end();
        super::memory::at_stage(stage);
        self.current = Some((stage, Instant::now()));
        self.started(stage);
    }

    /// Begins `stage` beside the stage in progress (it runs on another thread): logged
    /// and heard as started now; [`Timer::end_beside`] ends it.
    pub(crate) fn begin_beside(&mut self, stage: Stage) -> Instant {
        self.started(stage);
        Instant::now()
    }

    /// Ends a stage begun with [`Timer::begin_beside`] at `began`: its time is its own
    /// wall time, which overlapped the stages in progress meanwhile.
    pub(crate) fn end_beside(&mut self, stage: Stage, began: Instant) {
        let seconds = began.elapsed().as_secs_f64();
        let message = format!("{seconds:.3} s (beside other stages)");
        self.finished(stage, seconds, BTreeMap::new(), message);
    }

    /// Attaches a count to the stage in progress.
    pub(crate) fn count(&mut self, what: &'static str, n: usize) {
        self.counts.insert(what, n as u64);
    }

    /// Ends the stage in progress.
    pub(crate) fn end(&mut self) {
        if let Some((stage, began)) = self.current.take() {
            let seconds = began.elapsed().as_secs_f64();
            let counts = std::mem::take(&mut self.counts);
            self.finished(stage, seconds, counts, format!("{seconds:.3} s"));
        }
    }

    /// Tells the observer and logs that `stage` started.
    fn started(&mut self, stage: Stage) {
        self.observer.started(stage);
        let mut r = self.record("stage_started");
        r.stage = Some(stage.key());
        self.log(r);
    }

    /// Adds `seconds` to `stage`'s time, tells the observer and logs that it finished.
    fn finished(
        &mut self,
        stage: Stage,
        seconds: f64,
        counts: BTreeMap<&'static str, u64>,
        message: String,
    ) {
        *self.laps.entry(stage.key().into()).or_default() += seconds;
        self.observer.finished(stage, seconds, &counts);
        let mut r = self.record("stage_finished");
        r.stage = Some(stage.key());
        r.counts = counts;
        r.message = Some(message);
        self.log(r);
    }

    /// The timings of every stage so far, and the total.
    pub(crate) fn timings(&mut self) -> BTreeMap<String, f64> {
        self.end();
        let mut laps = self.laps.clone();
        laps.insert("total".into(), self.start.elapsed().as_secs_f64());
        laps
    }
}
