//! Whether a result can be credible, and what a reader must know about it.
//!
//! **Quality gates** stop a run that finished but whose result cannot be right — nothing
//! kept, most records rejected, buildings that miss the parcels (almost always a CRS
//! mistake), an extent no district has — with exit code 9 and nothing published. Each
//! gate has a documented default limit, which the configuration (`[quality]`) or the
//! command line (`--gate NAME=LIMIT|off`) may change; "no parcel kept" cannot be turned
//! off. **Warnings** say what a reader of the result must know: rules that could not be
//! judged, buildings in no parcel, repairs, unreadable values. Both go into
//! `summary.json`, the console and the report.

use crate::criteria::{Condition, Criteria, FieldRef, Op};
use crate::landuse::LandClass;
use crate::model::{m2_to_mu, Choice, Range, SurveyField, M2_PER_KM2};
use crate::score::Tally;
use geo::Rect;
use serde::Serialize;
use std::collections::BTreeMap;

/// A gate that can be set (`[quality]` key and `--gate` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GateKind {
    /// Largest share of parcel records rejected (default 0.5).
    RejectedShare,
    /// Largest share of buildings in no parcel (default 0.5).
    OrphanShare,
    /// Largest extent of the kept parcels, km² (default 50,000: larger than every
    /// prefecture-level city but a handful; a province runs as town shards).
    ExtentKm2,
}

impl Choice for GateKind {
    const ALL: &'static [Self] = &[
        GateKind::RejectedShare,
        GateKind::OrphanShare,
        GateKind::ExtentKm2,
    ];

    fn name(self) -> &'static str {
        match self {
            GateKind::RejectedShare => "rejected_share",
            GateKind::OrphanShare => "orphan_share",
            GateKind::ExtentKm2 => "extent_km2",
        }
    }
}

impl GateKind {
    /// The valid limits of the gate.
    pub fn range(self) -> Range {
        match self {
            GateKind::RejectedShare => Range {
                name: "rejected_share",
                min: 0.0,
                max: 1.0,
                unit: "(a share)",
            },
            GateKind::OrphanShare => Range {
                name: "orphan_share",
                min: 0.0,
                max: 1.0,
                unit: "(a share)",
            },
            GateKind::ExtentKm2 => Range {
                name: "extent_km2",
                min: 1.0,
                max: 1e7,
                unit: "km²",
            },
        }
    }

    /// The documented default limit.
    pub fn default_limit(self) -> f64 {
        match self {
            GateKind::RejectedShare | GateKind::OrphanShare => 0.5,
            GateKind::ExtentKm2 => 50_000.0,
        }
    }
}

/// The limits of the gates; `None`: the gate is off.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityOptions {
    pub limits: BTreeMap<GateKind, Option<f64>>,
}

impl Default for QualityOptions {
    fn default() -> Self {
        QualityOptions {
            limits: GateKind::ALL
                .iter()
                .map(|&g| (g, Some(g.default_limit())))
                .collect(),
        }
    }
}

impl QualityOptions {
    fn limit(&self, g: GateKind) -> Option<f64> {
        self.limits
            .get(&g)
            .copied()
            .unwrap_or(Some(g.default_limit()))
    }
}

/// One gate's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    /// `parcels_kept`, `rejected_share`, `buildings_overlap`, `orphan_share`, `extent_km2`.
    pub gate: &'static str,
    pub value: f64,
    /// `None` when the gate is off (it is still reported).
    pub limit: Option<f64>,
    pub passed: bool,
    /// What it found, Chinese then English.
    pub message: String,
}

/// A buildings layer as the gates see it.
#[derive(Debug, Clone)]
pub struct BuildingFacts {
    pub layer: String,
    pub kept: usize,
    pub extent: Option<Rect<f64>>,
    /// Buildings in no parcel, once measured.
    pub orphans: Option<usize>,
}

/// What the gates judge.
#[derive(Debug, Clone)]
pub struct GateFacts {
    pub parcels_layer: String,
    pub parcels_in: usize,
    pub parcels_kept: usize,
    pub rejected_by_reason: BTreeMap<String, usize>,
    /// The code scheme, named when nothing fits it.
    pub scheme: &'static str,
    /// The kept parcels' extent in the working CRS (metres).
    pub extent: Option<Rect<f64>>,
    pub buildings: Option<BuildingFacts>,
}

/// Judges every gate the facts allow (the orphan share only once measured).
pub fn judge(f: &GateFacts, opts: &QualityOptions) -> Vec<Gate> {
    let mut gates = Vec::new();
    let reasons = top_reasons(&f.rejected_by_reason);
    gates.push(Gate {
        gate: "parcels_kept",
        value: f.parcels_kept as f64,
        limit: Some(1.0),
        passed: f.parcels_kept > 0,
        message: if f.parcels_kept > 0 {
            let n = group_digits(f.parcels_kept as i64);
            format!("保留 {n} 宗 — {n} parcels kept")
        } else {
            format!(
                "没有一宗地通过校验 — no parcel of {} kept: all {} records were rejected ({reasons}); check the field mapping and the code scheme ({})",
                f.parcels_layer, f.parcels_in, f.scheme
            )
        },
    });
    if f.parcels_in > 0 {
        let share = (f.parcels_in - f.parcels_kept) as f64 / f.parcels_in as f64;
        let limit = opts.limit(GateKind::RejectedShare);
        gates.push(Gate {
            gate: "rejected_share",
            value: share,
            limit,
            passed: limit.is_none_or(|l| share <= l),
            message: format!(
                "未入库 {:.1} % — {} of {} parcel records rejected ({:.1} %{}){}",
                share * 100.0,
                f.parcels_in - f.parcels_kept,
                f.parcels_in,
                share * 100.0,
                limit.map_or(String::new(), |l| format!("; limit {:.0} %", l * 100.0)),
                if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {reasons}")
                }
            ),
        });
    }
    if let Some(e) = f.extent {
        let km2 = e.width() * e.height() / M2_PER_KM2;
        let limit = opts.limit(GateKind::ExtentKm2);
        gates.push(Gate {
            gate: "extent_km2",
            value: km2,
            limit,
            passed: limit.is_none_or(|l| km2 <= l),
            message: format!(
                "范围 {km2:.1} km² — the kept parcels span {:.1} × {:.1} km ({km2:.1} km²{}){}",
                e.width() / 1000.0,
                e.height() / 1000.0,
                limit.map_or(String::new(), |l| format!("; limit {l} km²")),
                if limit.is_some_and(|l| km2 > l) {
                    ": no district is that large, so some coordinates are wrong (a stray vertex, a unit or CRS mix-up)"
                } else {
                    ""
                }
            ),
        });
    }
    if let Some(b) = &f.buildings {
        if let (Some(pe), Some(be)) = (f.extent, b.extent) {
            let apart = !crate::spatial::planar::rects_meet(pe, be);
            gates.push(Gate {
                gate: "buildings_overlap",
                value: f64::from(u8::from(!apart)),
                limit: Some(1.0),
                passed: !apart,
                message: if apart {
                    format!(
                        "建筑与宗地不相交 — the buildings of {} lie wholly outside the parcels of {} (their extents do not meet): almost always a CRS mistake (a wrong .prj, --s-srs, or a zone-prefixed easting); reproject one layer to the other's CRS",
                        b.layer, f.parcels_layer
                    )
                } else {
                    "建筑与宗地范围相交 — building and parcel extents meet".into()
                },
            });
        }
        if let Some(orphans) = b.orphans.filter(|_| b.kept > 0) {
            let share = orphans as f64 / b.kept as f64;
            let limit = opts.limit(GateKind::OrphanShare);
            gates.push(Gate {
                gate: "orphan_share",
                value: share,
                limit,
                passed: limit.is_none_or(|l| share <= l),
                message: format!(
                    "未落宗建筑 {:.1} % — {orphans} of {} buildings of {} stand in no parcel ({:.1} %{}){}",
                    share * 100.0,
                    b.kept,
                    b.layer,
                    share * 100.0,
                    limit.map_or(String::new(), |l| format!("; limit {:.0} %", l * 100.0)),
                    if limit.is_some_and(|l| share > l) {
                        ": when most buildings miss the parcels the layers do not belong together (another district, or a CRS mistake) and every measured FAR would be wrong"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    gates
}

/// The three commonest reject reasons with their counts.
fn top_reasons(by: &BTreeMap<String, usize>) -> String {
    let mut v: Vec<(&String, &usize)> = by.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.iter()
        .take(3)
        .map(|(r, n)| format!("{r}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A rule that could not judge some parcels of its types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleGap {
    pub rule: String,
    pub label_zh: String,
    pub types: Vec<LandClass>,
    /// The fields the rule reads (`a+b` for a rule of several conditions).
    pub field: String,
    /// Parcels of the rule's types.
    pub parcels: usize,
    /// Of those, parcels it could not judge (value unknown).
    pub not_evaluated: usize,
    /// Why: the field is missing from the data, or its values are unknown.
    pub why: String,
}

impl RuleGap {
    /// Missing field, or unknown on most parcels of its type: worth a console warning.
    pub fn serious(&self) -> bool {
        self.parcels > 0 && 2 * self.not_evaluated >= self.parcels
    }
}

/// Every rule that could not judge some parcels of its type, in criteria order.
pub fn rule_gaps(
    criteria: &Criteria,
    tally: &Tally,
    fields_missing: &[String],
    measured: bool,
) -> Vec<RuleGap> {
    let mut per_type: BTreeMap<LandClass, usize> = BTreeMap::new();
    for g in &tally.groups {
        if let Some(t) = g.ltype {
            *per_type.entry(t).or_default() += g.parcels;
        }
    }
    criteria
        .rules
        .iter()
        .zip(&tally.rules)
        .filter(|(_, t)| t.not_evaluable > 0)
        .map(|(r, t)| {
            let parcels = r
                .types
                .iter()
                .map(|ty| per_type.get(ty).copied().unwrap_or(0))
                .sum();
            let why: Vec<String> = r
                .conditions
                .iter()
                .map(|c| gap_reason(c, fields_missing, measured))
                .collect();
            RuleGap {
                rule: r.id.clone(),
                label_zh: r.name_zh.clone(),
                types: r.types.clone(),
                field: r.fields(),
                parcels,
                not_evaluated: t.not_evaluable,
                why: dedup(why).join("; "),
            }
        })
        .collect()
}

/// Why one condition could not judge a parcel.
fn gap_reason(c: &Condition, fields_missing: &[String], measured: bool) -> String {
    let missing = |f: SurveyField| fields_missing.iter().any(|m| m == f.name());
    match c.field_ref {
        FieldRef::Measured(_) if !measured => {
            "measured from buildings, but no buildings layer was given".to_string()
        }
        FieldRef::Survey { field, measured: m } if missing(field) && (m.is_none() || !measured) => {
            format!(
                "the data has no field for '{}' (map it in [fields] or join a survey table)",
                field.name()
            )
        }
        FieldRef::Class => "the composite class is unknown on them (not rated)".to_string(),
        _ if c.op == Op::Conflicts && missing(SurveyField::PlannedUse) => {
            "the data has no planned use (map plan_use in [fields], or give a planning layer)"
                .to_string()
        }
        _ => format!("{} is unknown on them", c.field),
    }
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
    v
}

/// Something a reader of the result must know.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// Stable key for machines: `rule_not_evaluated`, `orphan_buildings`, …
    pub code: &'static str,
    /// How many records or parcels it concerns.
    pub count: usize,
    /// Chinese, then English.
    pub message: String,
}

impl Warning {
    pub fn new(code: &'static str, count: usize, message: String) -> Self {
        Warning {
            code,
            count,
            message,
        }
    }
}

/// Warnings for rule gaps worth a reader's attention (field missing, or unknown on most
/// parcels of the type); the report lists every gap.
pub fn rule_warnings(gaps: &[RuleGap]) -> Vec<Warning> {
    gaps.iter()
        .filter(|g| g.serious())
        .map(|g| {
            Warning::new(
                "rule_not_evaluated",
                g.not_evaluated,
                format!(
                    "规则「{}」无法判定 {} 宗 — rule {} could not judge {} of {} {} parcels: {}",
                    g.label_zh,
                    group_digits(g.not_evaluated as i64),
                    g.rule,
                    group_digits(g.not_evaluated as i64),
                    group_digits(g.parcels as i64),
                    g.types
                        .iter()
                        .map(|t| t.name())
                        .collect::<Vec<_>>()
                        .join("/"),
                    g.why
                ),
            )
        })
        .collect()
}

/// An area in mu with no decimals and thousands separators, for messages.
pub fn mu_text(m2: f64) -> String {
    group_digits(m2_to_mu(m2).round() as i64)
}

/// An integer with thousands separators (`12,345`).
///
/// ```
/// assert_eq!(landsift::quality::group_digits(1234567), "1,234,567");
/// assert_eq!(landsift::quality::group_digits(-12), "-12");
/// ```
pub fn group_digits(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;

    fn facts(by: &BTreeMap<String, usize>) -> GateFacts {
        GateFacts {
            parcels_layer: "zd.shp".into(),
            parcels_in: 100,
            parcels_kept: 90,
            rejected_by_reason: by.clone(),
            scheme: "yongdi2023",
            extent: Some(Rect::new(
                coord! { x: 0.0, y: 0.0 },
                coord! { x: 10_000.0, y: 10_000.0 },
            )),
            buildings: None,
        }
    }

    #[test]
    fn gates_pass_and_fail_at_their_limits() {
        let by = BTreeMap::from([("unknown_land_use".to_string(), 10)]);
        let opts = QualityOptions::default();
        let ok = judge(&facts(&by), &opts);
        assert!(ok.iter().all(|g| g.passed), "{ok:?}");

        let mut f = facts(&by);
        f.parcels_kept = 0;
        let g = judge(&f, &opts);
        assert!(!g[0].passed && g[0].message.contains("unknown_land_use: 10"));

        f.parcels_kept = 49;
        let g = judge(&f, &opts);
        let rej = g.iter().find(|g| g.gate == "rejected_share").unwrap();
        assert!(!rej.passed);
        let mut off = opts.clone();
        off.limits.insert(GateKind::RejectedShare, None);
        assert!(judge(&f, &off).iter().all(|g| g.passed));

        let mut f = facts(&by);
        f.extent = Some(Rect::new(
            coord! { x: 0.0, y: 0.0 },
            coord! { x: 300_000.0, y: 1e12 },
        ));
        let g = judge(&f, &opts);
        assert!(!g.iter().find(|g| g.gate == "extent_km2").unwrap().passed);
    }

    #[test]
    fn buildings_apart_or_mostly_orphaned_fail() {
        let by = BTreeMap::new();
        let mut f = facts(&by);
        f.buildings = Some(BuildingFacts {
            layer: "jzw.shp".into(),
            kept: 100,
            extent: Some(Rect::new(
                coord! { x: 500_000.0, y: 0.0 },
                coord! { x: 501_000.0, y: 1_000.0 },
            )),
            orphans: Some(100),
        });
        let g = judge(&f, &QualityOptions::default());
        let apart = g.iter().find(|g| g.gate == "buildings_overlap").unwrap();
        assert!(!apart.passed && apart.message.contains("CRS mistake"));
        assert!(!g.iter().find(|g| g.gate == "orphan_share").unwrap().passed);
    }
}
