//! What changed since the last successful publish: parcels matched by id (became or no
//! longer low-efficiency, type, class or score changed, added, removed, geometry changed —
//! with the rules that changed), and zones matched by the land they cover
//! ([`zone_ids`]: added, removed, grown, shrunk). Written as `changes.csv`, a `changes`
//! layer in the GeoPackage, a section of the report and counts per town in the summary.

pub mod state;
pub mod zone_ids;

use serde::Serialize;
use state::{ParcelState, PreviousState};
use std::collections::BTreeMap;
use zone_ids::ZoneMatch;

/// A score moves when it changes by at least this many points (of 100).
pub const SCORE_STEP: f64 = 5.0;

/// A matched zone has grown or shrunk when its area changed by more than this share.
pub const AREA_STEP: f64 = 0.05;

/// One change of one parcel or zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// `parcel`, `small_circle`, `middle_circle`, `large_circle`.
    pub subject: &'static str,
    pub id: String,
    pub town: String,
    /// `added`, `removed`, `became_low`, `no_longer_low`, `reasons_changed`,
    /// `type_changed`, `class_changed`, `score_moved`, `geometry_changed`, `grown`,
    /// `shrunk`.
    pub change: &'static str,
    pub before: String,
    pub after: String,
    /// Why, in words: the rules that began or stopped firing, the areas.
    pub detail: String,
    /// Index of the parcel or zone now (for its geometry), `None` when removed.
    #[serde(skip)]
    pub now: Option<usize>,
}

impl Change {
    /// The change in Chinese, for the report and the layer.
    pub fn change_zh(&self) -> &'static str {
        match self.change {
            "added" => "新增",
            "removed" => "删除",
            "became_low" => "新识别为低效",
            "no_longer_low" => "不再低效",
            "reasons_changed" => "低效原因变化",
            "type_changed" => "类型变化",
            "class_changed" => "亩均评价等级变化",
            "score_moved" => "评分变化",
            "geometry_changed" => "图形变化",
            "grown" => "扩大",
            "shrunk" => "缩小",
            _ => "变化",
        }
    }
}

/// The summary's `changes` section.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeSummary {
    /// The run compared with; `None`: no previous run (the first run says so).
    pub previous_run: Option<String>,
    pub first_run: bool,
    pub parcels: BTreeMap<&'static str, usize>,
    pub zones: BTreeMap<&'static str, usize>,
    /// Per town: change → count (parcels and zones together).
    pub by_town: BTreeMap<String, BTreeMap<&'static str, usize>>,
}

fn rules(reasons: &str) -> Vec<&str> {
    reasons.split(';').filter(|r| !r.is_empty()).collect()
}

/// "+IND_TAX −IND_FAR": the rules that began and stopped firing.
fn rule_delta(before: &str, after: &str) -> String {
    let (b, a) = (rules(before), rules(after));
    let mut out: Vec<String> = a
        .iter()
        .filter(|r| !b.contains(r))
        .map(|r| format!("+{r}"))
        .collect();
    out.extend(b.iter().filter(|r| !a.contains(r)).map(|r| format!("−{r}")));
    out.join(" ")
}

/// The changes of the parcels: `now(i)` is tonight's state of parcel `i` of `n`, in
/// parcel order. States are made as they are compared, in parallel: a million parcels'
/// states held at once would be a few hundred MB.
pub fn parcel_changes(
    n: usize,
    now: impl Fn(usize) -> ParcelState + Sync,
    previous: &PreviousState,
) -> Vec<Change> {
    use rayon::prelude::*;
    let judged: Vec<(Option<usize>, Vec<Change>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let p = now(i);
            let before = previous.by_id.get(p.parcel_id.as_str()).copied();
            let mut out = Vec::new();
            parcel_change(&p, i, before.map(|b| &previous.parcels[b]), &mut out);
            (before, out)
        })
        .collect();
    let mut seen = vec![false; previous.parcels.len()];
    let mut out = Vec::new();
    for (before, changes) in judged {
        if let Some(b) = before {
            seen[b] = true;
        }
        out.extend(changes);
    }
    // By id, as the previous state's own duplicates (a hand-edited file) share theirs.
    let was_seen = |b: &ParcelState| {
        previous
            .by_id
            .get(b.parcel_id.as_str())
            .is_some_and(|&k| seen[k])
    };
    for b in previous.parcels.iter().filter(|b| !was_seen(b)) {
        out.push(change(
            b,
            None,
            "removed",
            flag(b),
            String::new(),
            String::new(),
        ));
    }
    out
}

/// One change of parcel `p`.
fn change(
    p: &ParcelState,
    i: Option<usize>,
    what: &'static str,
    before: String,
    after: String,
    detail: String,
) -> Change {
    Change {
        subject: "parcel",
        id: p.parcel_id.clone(),
        town: p.town.clone(),
        change: what,
        before,
        after,
        detail,
        now: i,
    }
}

/// The changes of parcel `i` (state `p`) against its previous state `b`, if it had one.
fn parcel_change(p: &ParcelState, i: usize, b: Option<&ParcelState>, out: &mut Vec<Change>) {
    let Some(b) = b else {
        out.push(change(
            p,
            Some(i),
            "added",
            String::new(),
            flag(p),
            reasons_text(p),
        ));
        return;
    };
    match (b.low, p.low) {
        (was, now) if was != now => out.push(change(
            p,
            Some(i),
            if now { "became_low" } else { "no_longer_low" },
            flag(b),
            flag(p),
            rule_delta(&b.reasons, &p.reasons),
        )),
        (true, true) if b.reasons != p.reasons => out.push(change(
            p,
            Some(i),
            "reasons_changed",
            b.reasons.clone(),
            p.reasons.clone(),
            rule_delta(&b.reasons, &p.reasons),
        )),
        _ => {}
    }
    if b.ltype != p.ltype {
        out.push(change(
            p,
            Some(i),
            "type_changed",
            b.ltype.clone(),
            p.ltype.clone(),
            "the land-use code changed".into(),
        ));
    }
    // Classes are ranks within the type: a class that moved only because other
    // parcels' scores moved is not this parcel's change, and is not listed.
    let own_score_moved = match (b.score, p.score) {
        (Some(x), Some(y)) => (y - x).abs() >= SCORE_STEP,
        (x, y) => x.is_some() != y.is_some(),
    };
    if b.class != p.class && (own_score_moved || b.ltype != p.ltype) {
        out.push(change(
            p,
            Some(i),
            "class_changed",
            b.class.clone(),
            p.class.clone(),
            String::new(),
        ));
    }
    if let (Some(x), Some(y)) = (b.score, p.score) {
        if (y - x).abs() >= SCORE_STEP {
            out.push(change(
                p,
                Some(i),
                "score_moved",
                format!("{x:.1}"),
                format!("{y:.1}"),
                format!("{:+.1}", y - x),
            ));
        }
    }
    if b.geom != p.geom {
        out.push(change(
            p,
            Some(i),
            "geometry_changed",
            format!("{:.1} m²", b.area_m2),
            format!("{:.1} m²", p.area_m2),
            format!("area {:+.1} m²", p.area_m2 - b.area_m2),
        ));
    }
}

fn flag(p: &ParcelState) -> String {
    if p.low {
        format!("low ({})", p.reasons)
    } else {
        "not low".into()
    }
}

fn reasons_text(p: &ParcelState) -> String {
    if p.low {
        format!("low: {}", p.reasons)
    } else {
        String::new()
    }
}

/// The changes of the zones (unchanged ones are not listed); `now_index` finds a zone's
/// position in its level's list by id.
pub fn zone_changes(
    fared: &[ZoneMatch],
    now_index: impl Fn(crate::zone::ZoneLevel, &str) -> Option<usize>,
) -> Vec<Change> {
    let mut out = Vec::new();
    for z in fared {
        let subject = match z.level {
            crate::zone::ZoneLevel::Small => "small_circle",
            crate::zone::ZoneLevel::Middle => "middle_circle",
            crate::zone::ZoneLevel::Large => "large_circle",
        };
        let mu = |m2: f64| format!("{:.1} 亩", crate::model::m2_to_mu(m2));
        let (what, id) = match (&z.id, &z.previous) {
            (Some(id), None) => ("added", id.clone()),
            (None, Some(old)) => ("removed", old.clone()),
            (Some(id), Some(_)) => {
                let then = z.previous_area_m2.max(1e-9);
                let rel = (z.area_m2 - z.previous_area_m2) / then;
                if rel > AREA_STEP {
                    ("grown", id.clone())
                } else if rel < -AREA_STEP {
                    ("shrunk", id.clone())
                } else {
                    continue;
                }
            }
            (None, None) => continue,
        };
        out.push(Change {
            subject,
            now: z.id.as_deref().and_then(|id| now_index(z.level, id)),
            id,
            town: z.town.clone(),
            change: what,
            before: if z.previous.is_some() {
                mu(z.previous_area_m2)
            } else {
                String::new()
            },
            after: if z.id.is_some() {
                mu(z.area_m2)
            } else {
                String::new()
            },
            detail: String::new(),
        });
    }
    out
}

/// Counts of the changes, per subject kind and per town.
pub fn summarise(changes: &[Change], previous: Option<&PreviousState>) -> ChangeSummary {
    let mut s = ChangeSummary {
        previous_run: previous.and_then(|p| p.run_id.clone()),
        first_run: previous.is_none(),
        ..Default::default()
    };
    for c in changes {
        let bucket = if c.subject == "parcel" {
            &mut s.parcels
        } else {
            &mut s.zones
        };
        *bucket.entry(c.change).or_default() += 1;
        *s.by_town
            .entry(c.town.clone())
            .or_default()
            .entry(c.change)
            .or_default() += 1;
    }
    s
}

/// The columns of `changes.csv` and of the changes layer.
pub const COLUMNS: [&str; 8] = [
    "subject",
    "id",
    "town",
    "change",
    "change_zh",
    "before",
    "after",
    "detail",
];

/// `changes.csv` (UTF-8 with BOM): one row per change.
pub fn write_csv(
    path: &std::path::Path,
    changes: &[Change],
    summary: &ChangeSummary,
) -> crate::Result<()> {
    crate::export::write_csv(path, true, |w| {
        w.write_record(COLUMNS)?;
        if summary.first_run {
            w.write_record([
                "run",
                "",
                "",
                "first_run",
                "首次运行",
                "",
                "",
                "no previous run to compare with",
            ])?;
        }
        for c in changes {
            w.write_record([
                c.subject,
                c.id.as_str(),
                &c.town,
                c.change,
                c.change_zh(),
                &c.before,
                &c.after,
                &c.detail,
            ])?;
        }
        Ok(())
    })
}
