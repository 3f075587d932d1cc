//! Score: every parcel against the [`Criteria`] of its land type — which hard rules fire
//! (a parcel is low-efficiency when any does), which could not be evaluated, and the
//! composite score and class A–D within its type.
//!
//! The land type comes from the parcel's `land_use` code read in the run's [`Scheme`]
//! (`1001` is industrial in 用地用海 2023 and railway in 三调); a parcel whose code has no
//! type gets no rules and no score. Rules run in parallel per parcel ([`rules`]); classes
//! by rank are a sequential pass per type ([`composite`]), so results do not depend on the
//! number of threads. The formulas are in [`crate::criteria`]'s docs.

pub mod composite;
pub mod rules;

use crate::criteria::{Criteria, FieldRef, MeasuredField, Op, Prefer, Threshold};
use crate::landuse::{normalise_code, LandClass, Scheme};
use crate::measure::Measured;
use crate::model::{Parcel, SurveyField, Value};
use rayon::prelude::*;
use rules::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the measure stage found for one parcel (`None`: not measured).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ParcelFacts {
    /// Floor-area ratio from building footprints.
    pub far_m: Option<f64>,
    /// Building coverage from building footprints.
    pub cov_m: Option<f64>,
    /// Number of buildings on the parcel.
    pub n_bldg: Option<f64>,
}

impl ParcelFacts {
    /// The measured values as the rules read them, one per parcel.
    pub fn of(measured: &Measured) -> Vec<ParcelFacts> {
        measured
            .per_parcel
            .iter()
            .map(|m| ParcelFacts {
                far_m: m.far_known(),
                cov_m: Some(m.coverage),
                n_bldg: Some(m.n_bldg as f64),
            })
            .collect()
    }

    fn get(&self, field: MeasuredField) -> Option<f64> {
        match field {
            MeasuredField::Far => self.far_m,
            MeasuredField::Cov => self.cov_m,
            MeasuredField::NBldg => self.n_bldg,
        }
        .filter(|x| x.is_finite())
    }
}

/// The value that made a rule fire.
#[derive(Debug, Clone, PartialEq)]
pub enum FiredValue {
    Number(f64),
    Text(String),
}

/// One fired rule, with the parcel's value and the rule's threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub rule: String,
    pub value: FiredValue,
    pub op: Op,
    /// The rule's threshold or values; `to_string()` is its text form (`1.0`, `{C,D}`).
    pub threshold: Threshold,
}

/// One parcel's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelScore {
    /// `None`: the land-use code has no low-efficiency type (roads, water, farmland…).
    pub ltype: Option<LandClass>,
    /// Low-efficiency: at least one hard rule fired.
    pub low: bool,
    /// Fired rules, in the criteria file's order.
    pub fired: Vec<Fired>,
    /// Ids of the rules whose value was missing: neither passed nor fired.
    pub not_evaluable: Vec<String>,
    /// Composite score 0–100; `None` when the type has no composite or too little data.
    pub score: Option<f64>,
    /// Class A–D; `None`: not rated.
    pub class: Option<char>,
}

impl ParcelScore {
    /// Fired rule ids joined by `;`, e.g. `IND_FAR;IND_TAX`.
    pub fn reasons_ids(&self) -> String {
        let ids: Vec<&str> = self.fired.iter().map(|f| f.rule.as_str()).collect();
        ids.join(";")
    }

    /// Short Chinese reasons, e.g. `容积率0.62<1.0; 亩均税收6.1<10万元/亩·年`.
    pub fn reasons_zh(&self, criteria: &Criteria) -> String {
        let parts: Vec<String> = self
            .fired
            .iter()
            .map(|f| {
                let rule = criteria.rule(&f.rule);
                let label = rule.map(|r| r.label()).unwrap_or(&f.rule);
                let op = f.op.symbol_zh();
                match (&f.value, &f.threshold) {
                    (FiredValue::Number(v), Threshold::Number { value: t, text }) => {
                        let unit = rule.map(|r| r.unit.as_str()).unwrap_or("");
                        format!("{label}{}{op}{text}{unit}", shown(*v, f.op, *t))
                    }
                    (FiredValue::Number(v), set) => format!("{label}{v}{op}{set}"),
                    (FiredValue::Text(v), th) => format!("{label}{v}{op}{th}"),
                }
            })
            .collect();
        parts.join("; ")
    }

    /// Machine-readable reasons:
    /// `[{"rule":"IND_FAR","value":0.62,"op":"<","threshold":1.0}]` (values list for
    /// `in` / `not_in`).
    pub fn reasons_json(&self) -> String {
        let items: Vec<serde_json::Value> = self
            .fired
            .iter()
            .map(|f| {
                let value = match &f.value {
                    FiredValue::Number(n) => serde_json::json!(n),
                    FiredValue::Text(t) => serde_json::json!(t),
                };
                let threshold = match &f.threshold {
                    Threshold::Number { value, .. } => serde_json::json!(value),
                    Threshold::Values(v) => serde_json::json!(v),
                };
                serde_json::json!({
                    "rule": f.rule,
                    "value": value,
                    "op": f.op.symbol(),
                    "threshold": threshold,
                })
            })
            .collect();
        serde_json::Value::Array(items).to_string()
    }
}

/// A number with at most 2 decimals, trailing zeros trimmed — with more decimals where
/// rounding would make the shown value contradict the rule (`0.996` is not shown as `1`
/// next to `< 1.0`).
fn shown(v: f64, op: Op, threshold: f64) -> String {
    for decimals in 2..=6 {
        let s = trimmed(v, decimals);
        if s.parse::<f64>().is_ok_and(|r| op.compare(r, threshold)) {
            return s;
        }
    }
    v.to_string()
}

fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A parcel value as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Read<'a> {
    Missing,
    Number(f64),
    /// Trimmed, non-empty.
    Text(&'a str),
}

impl<'a> Read<'a> {
    fn of(value: Option<&'a Value>) -> Read<'a> {
        match value {
            None | Some(Value::Null) => Read::Missing,
            Some(Value::Int(i)) => Read::Number(*i as f64),
            Some(Value::Real(r)) if r.is_finite() => Read::Number(*r),
            Some(Value::Real(_)) => Read::Missing,
            Some(Value::Text(t)) => match t.trim() {
                "" => Read::Missing,
                t => Read::Text(t),
            },
        }
    }

    fn number(self) -> Option<f64> {
        match self {
            Read::Missing => None,
            Read::Number(n) => Some(n),
            Read::Text(t) => t.parse::<f64>().ok().filter(|n| n.is_finite()),
        }
    }
}

/// The value a rule or indicator reads; see "Which value a rule reads" in
/// [`crate::criteria`].
fn read<'a>(
    parcel: &'a Parcel,
    facts: Option<&ParcelFacts>,
    field: FieldRef,
    prefer: Prefer,
) -> Read<'a> {
    let measured = |m: MeasuredField| facts.and_then(|f| f.get(m));
    match field {
        FieldRef::Measured(m) => measured(m).map_or(Read::Missing, Read::Number),
        FieldRef::Survey { field, measured: m } => {
            let surveyed = Read::of(parcel.survey.get(field.index()));
            match (m.and_then(measured), prefer, surveyed) {
                (Some(x), Prefer::Measured, _) | (Some(x), Prefer::Surveyed, Read::Missing) => {
                    Read::Number(x)
                }
                _ => surveyed,
            }
        }
    }
}

/// The low-efficiency type of a parcel's land-use code in `scheme`.
pub fn land_type(parcel: &Parcel, scheme: Scheme) -> Option<LandClass> {
    match parcel.survey.get(SurveyField::LandUse.index())? {
        // Ingest stores the code normalised: no allocation on this per-parcel path
        // (a code from elsewhere, e.g. `701`, is normalised on the slow path).
        Value::Text(code) => scheme
            .land_class(code)
            .or_else(|| scheme.land_class(&normalise_code(code))),
        other => scheme.land_class(&normalise_code(&other.as_text()?)),
    }
}

fn score_one(
    parcel: &Parcel,
    facts: Option<&ParcelFacts>,
    scheme: Scheme,
    criteria: &Criteria,
) -> ParcelScore {
    let mut out = ParcelScore {
        ltype: land_type(parcel, scheme),
        low: false,
        fired: Vec::new(),
        not_evaluable: Vec::new(),
        score: None,
        class: None,
    };
    let Some(ltype) = out.ltype else {
        return out;
    };
    let prefer = criteria.measure.prefer;
    for rule in criteria.rules_for(ltype) {
        match rules::evaluate(rule, read(parcel, facts, rule.field_ref, prefer)) {
            Outcome::Fired(f) => out.fired.push(f),
            Outcome::Passed => {}
            Outcome::NotEvaluable => out.not_evaluable.push(rule.id.clone()),
        }
    }
    out.low = !out.fired.is_empty();
    if let Some(comp) = criteria.composite.get(&ltype) {
        out.score = composite::composite_score(comp, |f| read(parcel, facts, f, prefer).number());
    }
    out
}

/// Scores every parcel; the result is parallel to `parcels`. `measured`, when given,
/// must be parallel to `parcels` too.
pub fn score(
    parcels: &[Parcel],
    measured: Option<&[ParcelFacts]>,
    scheme: Scheme,
    criteria: &Criteria,
) -> Vec<ParcelScore> {
    if let Some(m) = measured {
        assert_eq!(m.len(), parcels.len(), "one ParcelFacts per parcel");
    }
    let mut out: Vec<ParcelScore> = parcels
        .par_iter()
        .enumerate()
        .map(|(i, p)| score_one(p, measured.map(|m| &m[i]), scheme, criteria))
        .collect();
    for (ltype, comp) in &criteria.composite {
        let scored: Vec<(usize, &str, f64)> = out
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ltype == Some(*ltype))
            .filter_map(|(i, s)| s.score.map(|x| (i, parcels[i].id.as_str(), x)))
            .collect();
        for (i, class) in composite::classify(&comp.classes, &scored) {
            out[i].class = Some(class);
        }
    }
    out
}

/// Parcels of one land type (or of none) that are, or are not, low-efficiency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TallyGroup {
    /// `null`: no low-efficiency type.
    pub ltype: Option<LandClass>,
    pub low: bool,
    pub parcels: usize,
    pub area_m2: f64,
    /// Parcels per class `A`–`D` and `not_rated`; empty for a type without a composite.
    pub classes: BTreeMap<String, usize>,
}

/// How often one rule fired, and for how many parcels of its type it could not be
/// evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTally {
    pub rule: String,
    pub ltype: LandClass,
    pub fired: usize,
    pub not_evaluable: usize,
}

/// The scoring figures of a run summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// By type (industrial, commercial, residential, facility, none), low first.
    pub groups: Vec<TallyGroup>,
    /// Every rule of the criteria, in file order.
    pub rules: Vec<RuleTally>,
}

/// Counts and areas by type and low-efficiency, and fired counts per rule.
pub fn tally(parcels: &[Parcel], scores: &[ParcelScore], criteria: &Criteria) -> Tally {
    let mut groups: BTreeMap<(bool, Option<LandClass>, bool), TallyGroup> = BTreeMap::new();
    let mut per_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (p, s) in parcels.iter().zip(scores) {
        let g = groups
            .entry((s.ltype.is_none(), s.ltype, !s.low))
            .or_insert_with(|| TallyGroup {
                ltype: s.ltype,
                low: s.low,
                parcels: 0,
                area_m2: 0.0,
                classes: BTreeMap::new(),
            });
        g.parcels += 1;
        g.area_m2 += p.area_m2;
        if s.ltype.is_some_and(|t| criteria.composite.contains_key(&t)) {
            let key = s.class.map_or("not_rated".to_string(), String::from);
            *g.classes.entry(key).or_default() += 1;
        }
        for f in &s.fired {
            per_rule.entry(&f.rule).or_default().0 += 1;
        }
        for id in &s.not_evaluable {
            per_rule.entry(id).or_default().1 += 1;
        }
    }
    Tally {
        groups: groups.into_values().collect(),
        rules: criteria
            .rules
            .iter()
            .map(|r| {
                let (fired, not_evaluable) =
                    per_rule.get(r.id.as_str()).copied().unwrap_or_default();
                RuleTally {
                    rule: r.id.clone(),
                    ltype: r.ltype,
                    fired,
                    not_evaluable,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::{load_preset, parse};
    use crate::model::Choice;
    use geo::MultiPolygon;
    use std::path::Path;

    fn parcel(id: &str, land_use: &str, values: &[(&str, Value)]) -> Parcel {
        let mut survey = vec![Value::Null; SurveyField::ALL.len()];
        survey[SurveyField::ParcelId.index()] = Value::Text(id.into());
        survey[SurveyField::LandUse.index()] = Value::Text(land_use.into());
        for (name, v) in values {
            survey[SurveyField::from_name(name).unwrap().index()] = v.clone();
        }
        Parcel {
            id: id.into(),
            index: 0,
            geometry: MultiPolygon::new(vec![]),
            area_m2: 1000.0,
            attrs: Vec::new(),
            survey,
            repaired: String::new(),
        }
    }

    fn national() -> Criteria {
        load_preset("national-default").unwrap()
    }

    fn one(p: Parcel, scheme: Scheme, c: &Criteria) -> ParcelScore {
        score(&[p], None, scheme, c).remove(0)
    }

    #[test]
    fn code_1001_is_industrial_in_yongdi2023_and_railway_in_sandiao() {
        let c = national();
        let low_far = [("far", Value::Real(0.5))];
        let s = one(parcel("a", "1001", &low_far), Scheme::Yongdi2023, &c);
        assert_eq!(s.ltype, Some(LandClass::Industrial));
        assert_eq!(s.reasons_ids(), "IND_FAR");
        assert!(s.low);
        assert_eq!(
            s.not_evaluable,
            ["IND_COV", "IND_TAX", "IND_CLASS", "IND_IDLE"]
        );

        let s = one(parcel("a", "1001", &low_far), Scheme::Sandiao, &c);
        assert_eq!(s.ltype, None, "三调 1001 is railway");
        assert!(!s.low && s.fired.is_empty() && s.not_evaluable.is_empty());
        assert_eq!((s.score, s.class), (None, None));

        let s = one(parcel("a", "0601", &low_far), Scheme::Sandiao, &c);
        assert_eq!(s.ltype, Some(LandClass::Industrial));
        assert_eq!(s.reasons_ids(), "IND_FAR");
        // A code that lost its leading zero in a numeric column still reads.
        let s = one(
            parcel("a", "701", &[("yr_built", Value::Int(1995))]),
            Scheme::Yongdi2023,
            &c,
        );
        assert_eq!(s.ltype, Some(LandClass::Residential));
        assert_eq!(s.reasons_ids(), "RES_AGE");
    }

    #[test]
    fn reasons_are_exact() {
        let c = national();
        let p = parcel(
            "ZD001",
            "1001",
            &[
                ("far", Value::Real(0.62)),
                ("bld_cov", Value::Real(0.45)),
                ("tax_mu", Value::Real(6.1)),
                ("ind_class", Value::Text(" obsolete ".into())),
                ("out_mu", Value::Real(150.0)),
            ],
        );
        let s = one(p, Scheme::Yongdi2023, &c);
        assert_eq!(s.reasons_ids(), "IND_FAR;IND_TAX;IND_CLASS");
        assert_eq!(
            s.reasons_zh(&c),
            "容积率0.62<1.0; 亩均税收6.1<10万元/亩·年; 产业类别obsolete∈{restricted,obsolete,限制,淘汰}"
        );
        assert_eq!(
            s.reasons_json(),
            r#"[{"rule":"IND_FAR","value":0.62,"op":"<","threshold":1.0},{"rule":"IND_TAX","value":6.1,"op":"<","threshold":10.0},{"rule":"IND_CLASS","value":"obsolete","op":"in","threshold":["restricted","obsolete","限制","淘汰"]}]"#
        );
        assert_eq!(s.not_evaluable, ["IND_IDLE"]);
        // tax 6.1/10 → 30.5, out 150/200 → 37.5, far 0.62 → 31, cov 0.45/0.3 → 75.
        let want = (45.0 * 30.5 + 20.0 * 37.5 + 20.0 * 31.0 + 15.0 * 75.0) / 100.0;
        assert!((s.score.unwrap() - want).abs() < 1e-9, "{:?}", s.score);
        // Alone in its type: rank share 1 → D.
        assert_eq!(s.class, Some('D'));

        let p = parcel(
            "ZD002",
            "0701",
            &[
                ("yr_built", Value::Int(1988)),
                ("danger", Value::Text("d".into())),
            ],
        );
        let s = one(p, Scheme::Yongdi2023, &c);
        assert_eq!(s.reasons_zh(&c), "建成年代1988<2000年; 危房等级d∈{C,D}");
        assert_eq!((s.score, s.class), (None, None), "no residential composite");
        let none = one(parcel("ZD003", "0701", &[]), Scheme::Yongdi2023, &c);
        assert_eq!(
            (none.reasons_ids(), none.reasons_zh(&c), none.reasons_json()),
            (String::new(), String::new(), "[]".to_string())
        );
    }

    #[test]
    fn shown_values_never_contradict_the_rule() {
        assert_eq!(shown(0.62, Op::Lt, 1.0), "0.62");
        assert_eq!(shown(0.123456, Op::Lt, 1.0), "0.12");
        assert_eq!(shown(0.996, Op::Lt, 1.0), "0.996");
        assert_eq!(shown(2.0, Op::Ge, 2.0), "2");
        assert_eq!(shown(0.3004, Op::Gt, 0.3), "0.3004");
        assert_eq!(shown(-0.001, Op::Lt, 1.0), "0");
    }

    #[test]
    fn measured_values_stand_in_for_surveyed_ones_as_preferred() {
        let text = |prefer: &str| {
            format!("name = \"t\"\n[measure]\nprefer = \"{prefer}\"\n[[rule]]\nid = \"F\"\ntype = \"industrial\"\nfield = \"far\"\nop = \"<\"\nthreshold = 1.0\nmark = \"default\"\n[[rule]]\nid = \"N\"\ntype = \"industrial\"\nfield = \"n_bldg\"\nop = \"==\"\nthreshold = 0\nmark = \"default\"\n")
        };
        let measured = parse(&text("measured"), Path::new("t")).unwrap();
        let surveyed = parse(&text("surveyed"), Path::new("t")).unwrap();
        let p = || parcel("a", "1001", &[("far", Value::Real(1.5))]);
        let facts = [ParcelFacts {
            far_m: Some(0.5),
            cov_m: None,
            n_bldg: Some(0.0),
        }];
        let run = |c: &Criteria, parcel: Parcel, f: Option<&[ParcelFacts]>| {
            score(&[parcel], f, Scheme::Yongdi2023, c).remove(0)
        };
        let s = run(&measured, p(), Some(&facts));
        assert_eq!(
            s.reasons_json(),
            r#"[{"rule":"F","value":0.5,"op":"<","threshold":1.0},{"rule":"N","value":0.0,"op":"==","threshold":0.0}]"#
        );
        assert_eq!(run(&surveyed, p(), Some(&facts)).reasons_ids(), "N");
        // Without measurement: the survey; N (measured only) is not evaluable.
        let s = run(&measured, p(), None);
        assert_eq!(
            (s.reasons_ids(), s.not_evaluable.clone()),
            (String::new(), vec!["N".to_string()])
        );
        // Surveyed preferred but missing: the measured value stands in.
        let s = run(&surveyed, parcel("a", "1001", &[]), Some(&facts));
        assert_eq!(s.reasons_ids(), "F;N");
    }

    /// A deterministic mixed district: every type, missing values, tied scores.
    fn district(n: usize) -> Vec<Parcel> {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let codes = [
            "1001", "1101", "0901", "0902", "0701", "0801", "1207", "0101",
        ];
        (0..n)
            .map(|i| {
                let code = codes[(next() % codes.len() as u64) as usize];
                let v = |r: u64, scale: f64| -> Value {
                    if r.is_multiple_of(5) {
                        Value::Null
                    } else {
                        // Coarse steps so that equal scores (ties) occur.
                        Value::Real(((r >> 8) % 20) as f64 * scale)
                    }
                };
                let vals = [
                    ("far", v(next(), 0.1)),
                    ("bld_cov", v(next(), 0.03)),
                    ("tax_mu", v(next(), 1.5)),
                    ("out_mu", v(next(), 20.0)),
                    ("vacancy", v(next(), 0.05)),
                    ("idle_yrs", v(next(), 0.25)),
                    ("yr_built", Value::Int(1980 + (next() % 40) as i64)),
                    (
                        "danger",
                        Value::Text(["A", "B", "c", "D", ""][(next() % 5) as usize].into()),
                    ),
                    (
                        "ind_class",
                        Value::Text(
                            ["允许", "限制", "淘汰", "Obsolete"][(next() % 4) as usize].into(),
                        ),
                    ),
                ];
                let mut p = parcel(&format!("P{:05}", n - i), code, &vals);
                p.area_m2 = 500.0 + (next() % 5000) as f64;
                p
            })
            .collect()
    }

    #[test]
    fn same_results_with_one_thread_and_with_all() {
        let parcels = district(3000);
        let facts: Vec<ParcelFacts> = (0..parcels.len())
            .map(|i| ParcelFacts {
                far_m: i.is_multiple_of(3).then_some((i % 17) as f64 / 10.0),
                cov_m: i.is_multiple_of(4).then_some((i % 9) as f64 / 10.0),
                n_bldg: Some((i % 5) as f64),
            })
            .collect();
        for name in crate::criteria::preset_names() {
            let c = load_preset(name).unwrap();
            let run = || score(&parcels, Some(&facts), Scheme::Yongdi2023, &c);
            let one = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap()
                .install(run);
            let all = run();
            assert_eq!(one, all, "{name}");
            let classes: std::collections::BTreeSet<char> =
                all.iter().filter_map(|s| s.class).collect();
            assert_eq!(classes.len(), 4, "{name}: all four classes occur");
            assert!(
                all.iter().any(|s| s.ltype.is_some() && s.score.is_none()),
                "{name}: some not rated"
            );
        }
    }

    #[test]
    fn tally_counts_areas_and_rules() {
        let c = national();
        let parcels = vec![
            parcel("a", "1001", &[("far", Value::Real(0.5))]),
            parcel(
                "b",
                "1001",
                &[("far", Value::Real(1.5)), ("tax_mu", Value::Real(30.0))],
            ),
            parcel("c", "1207", &[]),
            parcel("d", "0701", &[("danger", Value::Text("C".into()))]),
        ];
        let scores = score(&parcels, None, Scheme::Yongdi2023, &c);
        let t = tally(&parcels, &scores, &c);
        let groups: Vec<(Option<LandClass>, bool, usize, f64)> = t
            .groups
            .iter()
            .map(|g| (g.ltype, g.low, g.parcels, g.area_m2))
            .collect();
        assert_eq!(
            groups,
            [
                (Some(LandClass::Industrial), true, 1, 1000.0),
                (Some(LandClass::Industrial), false, 1, 1000.0),
                (Some(LandClass::Residential), true, 1, 1000.0),
                (None, false, 1, 1000.0),
            ]
        );
        // a: far only (20 % of the weight) → not rated; b: far + tax (65 %) → rated.
        assert_eq!(
            t.groups[0].classes,
            BTreeMap::from([("not_rated".to_string(), 1)])
        );
        assert_eq!(t.groups[1].classes, BTreeMap::from([("D".to_string(), 1)]));
        assert!(t.groups[2].classes.is_empty());
        let far = &t.rules[0];
        assert_eq!(
            (far.rule.as_str(), far.fired, far.not_evaluable),
            ("IND_FAR", 1, 0)
        );
        let tax = t.rules.iter().find(|r| r.rule == "IND_TAX").unwrap();
        assert_eq!((tax.fired, tax.not_evaluable), (0, 1));
        assert_eq!(t.rules.len(), c.rules.len());
        let json = serde_json::to_string(&t.groups[3]).unwrap();
        assert!(json.starts_with(r#"{"ltype":null,"low":false"#), "{json}");
    }
}
