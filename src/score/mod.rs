//! Score: every parcel against the [`Criteria`] of its land type — which hard rules fire
//! (a parcel is low-efficiency when any does), which could not be evaluated, the
//! composite score and class A–D within its peer group, and the suggested renewal mode.
//!
//! The land type comes from the parcel's `land_use` code read in the run's [`Scheme`]
//! (`1001` is industrial in 用地用海 2023 and railway in 三调); a parcel whose code has no
//! type gets no rules and no score. Rules run in parallel per parcel ([`rules`]); classes
//! are ranked per peer group in a sequential pass ([`composite`]), after which the rules
//! that read the class run, then the renewal modes ([`mode`]) — so results do not depend
//! on the number of threads. The formulas are in [`crate::criteria`]'s docs.

pub mod composite;
pub mod mode;
mod read;
mod reasons;
pub mod rules;

use crate::constraints::{ConstraintKind, Controls};
use crate::criteria::{Criteria, MeasuredField, Op, Threshold};
use crate::landuse::{normalise_code, LandClass, Scheme, UseGroup};
use crate::measure::Measured;
use crate::model::{Parcel, SurveyField, ValueRef};
use rayon::prelude::*;
pub(crate) use read::{Read, Subject};
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

/// The value that made a condition hold.
#[derive(Debug, Clone, PartialEq)]
pub enum FiredValue {
    Number(f64),
    Text(String),
    /// 用途不合理: the current use's group, the planned use's groups (several for a mix),
    /// and the plan's code.
    Conflict {
        current: UseGroup,
        planned: Vec<UseGroup>,
        code: String,
    },
}

/// One condition of a fired rule, with the parcel's value and the threshold it met.
#[derive(Debug, Clone, PartialEq)]
pub struct FiredPart {
    pub value: FiredValue,
    pub op: Op,
    /// The threshold the parcel was judged on (its industry's, where the rule has one)
    /// or the values; `to_string()` is its text form (`1.0`, `{C,D}`).
    pub threshold: Threshold,
    /// The GB/T 4754-2002 class whose threshold applied.
    pub industry: Option<String>,
}

/// One fired rule: one part per condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub rule: String,
    pub parts: Vec<FiredPart>,
}

/// One parcel's result.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelScore {
    /// `None`: the land-use code has no low-efficiency type (roads, water, farmland…).
    pub ltype: Option<LandClass>,
    /// Low-efficiency (初步识别): at least one hard rule fired.
    pub low: bool,
    /// Fired rules, in the criteria file's order.
    pub fired: Vec<Fired>,
    /// Ids of the rules whose value was missing: neither passed nor fired.
    pub not_evaluable: Vec<String>,
    /// Composite score 0–100; `None` when the type has no composite or too little data.
    pub score: Option<f64>,
    /// Class A–D; `None`: not rated.
    pub class: Option<char>,
    /// Excluded from renewal by a constraint layer (red line, basic farmland, outside
    /// the development boundary): still scored, reported apart, never zoned.
    pub excluded: bool,
    /// The renewal mode of a low-efficiency parcel in scope: the `[[mode]]` rule that
    /// matched; `None`: not low, excluded, or no rule matched (待定).
    pub mode: Option<usize>,
}

/// The mode of a low-efficiency parcel that no `[[mode]]` rule matched.
pub const MODE_UNDECIDED: &str = "待定";

impl ParcelScore {
    /// Fired rule ids joined by `;`, e.g. `IND_FAR;IND_TAX`.
    pub fn reasons_ids(&self) -> String {
        let ids: Vec<&str> = self.fired.iter().map(|f| f.rule.as_str()).collect();
        ids.join(";")
    }

    /// The renewal mode in Chinese: for a low-efficiency parcel in scope, of criteria
    /// with `[[mode]]` rules, the matching rule's mode or 待定; else `None`.
    pub fn mode_zh<'c>(&self, criteria: &'c Criteria) -> Option<&'c str> {
        if !self.low || self.excluded || criteria.modes.is_empty() {
            return None;
        }
        Some(
            self.mode
                .map_or(MODE_UNDECIDED, |i| criteria.modes[i].mode.as_str()),
        )
    }
}

/// What the scoring stage reads besides the criteria.
#[derive(Clone, Copy)]
pub struct ScoreInput<'a> {
    pub parcels: &'a [Parcel],
    /// Parallel to `parcels`, when buildings were measured.
    pub facts: Option<&'a [ParcelFacts]>,
    /// Parallel to `parcels`, when constraint layers were given.
    pub controls: Option<&'a [Controls]>,
    /// The constraint layers given (a mode condition on a layer not given never holds).
    pub layers: &'a [ConstraintKind],
    pub scheme: Scheme,
}

/// The low-efficiency type of a parcel's land-use code in `scheme`.
pub fn land_type(parcel: &Parcel, scheme: Scheme) -> Option<LandClass> {
    match parcel.survey_value(SurveyField::LandUse) {
        // Ingest stores the code normalised: no allocation on this per-parcel path
        // (a code from elsewhere, e.g. `701`, is normalised on the slow path).
        ValueRef::Text(code) => scheme
            .land_class(code)
            .or_else(|| scheme.land_class(&normalise_code(code))),
        other => scheme.land_class(&normalise_code(&other.as_text()?)),
    }
}

fn subject<'a>(input: &ScoreInput<'a>, criteria: &Criteria, i: usize) -> Subject<'a> {
    Subject::new(
        &input.parcels[i],
        input.facts.map(|f| &f[i]),
        input.scheme,
        criteria.measure,
        criteria.industry_codes,
    )
}

/// The rules that do not read the class.
fn score_one(input: &ScoreInput<'_>, criteria: &Criteria, i: usize) -> ParcelScore {
    let parcel = &input.parcels[i];
    let mut out = ParcelScore {
        ltype: land_type(parcel, input.scheme),
        low: false,
        fired: Vec::new(),
        not_evaluable: Vec::new(),
        score: None,
        class: None,
        excluded: input.controls.is_some_and(|c| c[i].excluded),
        mode: None,
    };
    let Some(ltype) = out.ltype else {
        return out;
    };
    let s = subject(input, criteria, i);
    for rule in criteria.rules_for(ltype).filter(|r| !r.reads_class()) {
        match rules::evaluate(rule, &s) {
            Outcome::Fired(f) => out.fired.push(f),
            Outcome::Passed => {}
            Outcome::NotEvaluable => out.not_evaluable.push(rule.id.clone()),
        }
    }
    out
}

/// Scores every parcel without constraint layers; the result is parallel to `parcels`.
/// `measured`, when given, must be parallel to `parcels` too.
pub fn score(
    parcels: &[Parcel],
    measured: Option<&[ParcelFacts]>,
    scheme: Scheme,
    criteria: &Criteria,
) -> Vec<ParcelScore> {
    score_with(
        &ScoreInput {
            parcels,
            facts: measured,
            controls: None,
            layers: &[],
            scheme,
        },
        criteria,
    )
}

/// Scores every parcel; the result is parallel to `input.parcels`.
pub fn score_with(input: &ScoreInput<'_>, criteria: &Criteria) -> Vec<ParcelScore> {
    let n = input.parcels.len();
    if let Some(m) = input.facts {
        assert_eq!(m.len(), n, "one ParcelFacts per parcel");
    }
    if let Some(c) = input.controls {
        assert_eq!(c.len(), n, "one Controls per parcel");
    }
    let mut out: Vec<ParcelScore> = (0..n)
        .into_par_iter()
        .map(|i| score_one(input, criteria, i))
        .collect();
    for (ltype, comp) in &criteria.composite {
        let peers: Vec<composite::Peer> = out
            .iter()
            .enumerate()
            .filter(|(_, s)| s.ltype == Some(*ltype))
            .map(|(i, _)| peer(input, criteria, comp, i))
            .collect();
        for (i, score, class) in composite::rank(comp, &peers) {
            out[i].score = score;
            out[i].class = class;
        }
    }
    class_rules(input, criteria, &mut out);
    out.par_iter_mut().enumerate().for_each(|(i, s)| {
        s.low = !s.fired.is_empty();
        if s.low && !s.excluded {
            s.mode = mode::mode_of(input, criteria, i, s);
        }
    });
    out
}

/// One parcel as the ranking of its type sees it.
fn peer<'a>(
    input: &ScoreInput<'a>,
    criteria: &Criteria,
    comp: &'a crate::criteria::Composite,
    i: usize,
) -> composite::Peer<'a> {
    let s = subject(input, criteria, i);
    let group = comp.group_by.and_then(|f| match s.survey(f) {
        Read::Text(t) => Some(t.to_string()),
        Read::Number(n) => Some(n.to_string()),
        Read::Missing => None,
    });
    let exempt = comp
        .exempt
        .as_ref()
        .is_some_and(|c| matches!(rules::condition(c, &s), rules::Holds::Yes(_)));
    let mut values = BTreeMap::new();
    for ind in comp.indicators.iter().chain(comp.groups.values().flatten()) {
        if let Some(v) = s.read(ind.field_ref).number() {
            values.insert(ind.field.as_str(), v);
        }
    }
    composite::Peer {
        pos: i,
        id: input.parcels[i].id.as_str(),
        group,
        exempt,
        values,
    }
}

/// The rules that read the composite class, once it is known; fired rules keep the
/// criteria file's order.
fn class_rules(input: &ScoreInput<'_>, criteria: &Criteria, out: &mut [ParcelScore]) {
    if !criteria.rules.iter().any(|r| r.reads_class()) {
        return;
    }
    let order = |id: &str| criteria.rules.iter().position(|r| r.id == id);
    out.par_iter_mut().enumerate().for_each(|(i, s)| {
        let Some(ltype) = s.ltype else {
            return;
        };
        let mut subject = subject(input, criteria, i);
        subject.class = s.class;
        let mut added = false;
        for rule in criteria.rules_for(ltype).filter(|r| r.reads_class()) {
            match rules::evaluate(rule, &subject) {
                Outcome::Fired(f) => {
                    s.fired.push(f);
                    added = true;
                }
                Outcome::Passed => {}
                Outcome::NotEvaluable => s.not_evaluable.push(rule.id.clone()),
            }
        }
        if added {
            s.fired.sort_by_key(|f| order(&f.rule));
        }
        s.not_evaluable.sort_by_key(|id| order(id));
    });
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

/// How often one rule fired, and for how many parcels of its types it could not be
/// evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTally {
    pub rule: String,
    pub types: Vec<LandClass>,
    pub fired: usize,
    pub not_evaluable: usize,
}

/// The scoring figures of a run summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// By type (industrial, commercial, residential, facility, village, none), low first.
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
                    types: r.types.clone(),
                    fired,
                    not_evaluable,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
