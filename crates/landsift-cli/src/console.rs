//! What people see on the terminal: progress per stage on standard error — a spinner on
//! a terminal, timestamped lines otherwise — and, at the end, the result in Chinese and
//! English with every warning. Machines read `summary.json`.

use indicatif::{ProgressBar, ProgressStyle};
use landsift::model::time::iso_utc;
use landsift::quality::group_digits;
use landsift::run::{LogRecord, Observer, Stage, Summary};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors only (`-q`).
    Quiet,
    Normal,
    /// Every stage as it starts, and the timings (`-v`).
    Verbose,
}

/// The console observer.
pub struct Console {
    verbosity: Verbosity,
    terminal: bool,
    /// `--log-format json`: JSON lines instead of progress and a closing result.
    json: bool,
    spinner: Mutex<Option<ProgressBar>>,
    /// The run's id (from its `start` record), for an error line.
    run_id: Mutex<String>,
}

impl Console {
    pub fn new(verbosity: Verbosity, json: bool) -> Self {
        Console {
            verbosity,
            terminal: std::io::stderr().is_terminal() && !json,
            json,
            spinner: Mutex::new(None),
            run_id: Mutex::new(String::new()),
        }
    }

    /// A run's failure: the message (human), or an `error` record (JSON).
    pub fn error(&self, message: &str, code: i32) {
        if self.json {
            let id = self.run_id.lock().map(|s| s.clone()).unwrap_or_default();
            let r = crate::error_record(&id, message, code);
            self.say(&serde_json::to_string(&r).unwrap_or_default());
        } else {
            self.say(&format!("landsift: {message}"));
        }
    }

    /// `--if-changed` found nothing to do.
    pub fn up_to_date(&self, out: &std::path::Path, published_run: &str) {
        if !self.json && self.verbosity > Verbosity::Quiet {
            self.say(&format!(
                "最新 up to date — {} already holds run {published_run} of these inputs; nothing done",
                out.display()
            ));
        }
    }

    /// A line on standard error; a closed or full stderr is not worth failing a run for.
    /// A line on stderr unless `-q`.
    pub fn tell(&self, line: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.say(line);
        }
    }

    pub fn say(&self, line: &str) {
        if let Some(bar) = self.spinner.lock().ok().and_then(|s| s.clone()) {
            bar.suspend(|| {
                let _ = writeln!(std::io::stderr(), "{line}");
            });
        } else {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    fn stamp(&self) -> String {
        if self.terminal {
            String::new()
        } else {
            format!("{} ", iso_utc(SystemTime::now()))
        }
    }

    /// Clears any spinner (before an error message).
    pub fn stop(&self) {
        if let Some(bar) = self.spinner.lock().ok().and_then(|mut s| s.take()) {
            bar.finish_and_clear();
        }
    }

    /// The closing result of a run or check.
    pub fn result(&self, s: &Summary, out: Option<&std::path::Path>) {
        self.stop();
        if self.verbosity == Verbosity::Quiet || self.json {
            return;
        }
        let n = |x: usize| group_digits(x as i64);
        let total = s.timings_s.get("total").copied().unwrap_or(0.0);
        let mut lines = vec![match out {
            Some(dir) => format!(
                "完成 done in {total:.1} s — 输出 outputs in {}",
                dir.display()
            ),
            None => format!("检查完成 check done in {total:.1} s — nothing written"),
        }];
        let reasons: Vec<String> = s
            .rejected_by_reason
            .iter()
            .map(|(r, k)| format!("{r} {}", n(*k)))
            .collect();
        lines.push(format!(
            "  宗地 parcels: 读入 read {} · 入库 kept {} · 未入库 rejected {}{}",
            n(s.parcels_in),
            n(s.parcels_out),
            n(s.parcels_rejected),
            if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join(", "))
            }
        ));
        if let (Some(i), Some(o)) = (s.buildings_in, s.buildings_out) {
            lines.push(format!(
                "  建筑 buildings: 读入 read {} · 入库 kept {}",
                n(i),
                n(o)
            ));
        }
        let share = 100.0 * s.scoring.low_share_of_construction;
        let excluded = match s.scoring.low_excluded_parcels {
            0 => String::new(),
            e => format!(
                "；管控区内 {} 宗不纳入改造 ({} inside exclusions)",
                n(e),
                n(e)
            ),
        };
        lines.push(format!(
            "  低效用地（初步识别） low-efficiency: {} 宗 parcels · {} 亩 mu，占建设用地 {share:.1}% of construction land{excluded}",
            n(s.scoring.low_parcels),
            group_digits(s.scoring.low_area.mu.round() as i64),
        ));
        lines.push(format!(
            "  圈层（候选） circles: 大圈 large {} · 中圈 middle {} · 小圈 small {}",
            n(s.zones.large_circles),
            n(s.zones.middle_circles),
            n(s.zones.small_circles)
        ));
        lines.push(format!(
            "  坐标系 CRS: {} ({}); 编码 encoding: {} ({})",
            s.crs,
            s.crs_choice,
            s.encoding,
            s.encoding_source.describe()
        ));
        lines.push(format!(
            "  面积 area: {:.2} km² = {} 亩 mu",
            s.parcel_area.km2,
            group_digits(s.parcel_area.mu.round() as i64)
        ));
        if s.warnings.is_empty() {
            lines.push("  警告 warnings: none".into());
        } else {
            lines.push(format!("  警告 warnings ({}):", s.warnings.len()));
            for w in &s.warnings {
                lines.push(format!("    - {}", w.message));
            }
        }
        if self.verbosity == Verbosity::Verbose {
            let t: Vec<String> = s
                .timings_s
                .iter()
                .map(|(k, v)| format!("{k} {v:.2}"))
                .collect();
            lines.push(format!("  用时 timings (s): {}", t.join(", ")));
        }
        self.say(&lines.join("\n"));
    }
}

fn counts_text(counts: &BTreeMap<&'static str, u64>) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{k} {}", group_digits(*v as i64)))
        .collect::<Vec<_>>()
        .join(" · ")
}

impl Observer for Console {
    fn record(&self, record: &LogRecord) {
        if record.event == "start" {
            if let Ok(mut id) = self.run_id.lock() {
                *id = record.run_id.clone();
            }
        }
        if self.json {
            self.say(&serde_json::to_string(record).unwrap_or_default());
        }
    }

    fn started(&self, stage: Stage) {
        if self.verbosity == Verbosity::Quiet || self.json {
            return;
        }
        if self.terminal {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message(stage.label());
            bar.enable_steady_tick(Duration::from_millis(120));
            if let Ok(mut s) = self.spinner.lock() {
                if let Some(old) = s.replace(bar) {
                    old.finish_and_clear();
                }
            }
        } else if self.verbosity == Verbosity::Verbose {
            self.say(&format!("{}landsift: {} …", self.stamp(), stage.label()));
        }
    }

    fn finished(&self, stage: Stage, seconds: f64, counts: &BTreeMap<&'static str, u64>) {
        if self.verbosity == Verbosity::Quiet || self.json {
            return;
        }
        self.stop();
        let counts = counts_text(counts);
        // Stages that took no time and counted nothing are not worth a line.
        if seconds < 0.005 && counts.is_empty() && self.verbosity < Verbosity::Verbose {
            return;
        }
        self.say(&format!(
            "{}landsift: {} {seconds:.2} s{}",
            self.stamp(),
            stage.label(),
            if counts.is_empty() {
                String::new()
            } else {
                format!(" — {counts}")
            }
        ));
    }
}
