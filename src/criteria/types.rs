//! The criteria as the engine uses them: rules, operators, thresholds, composite scores.

use crate::landuse::LandClass;
use crate::model::{Choice, FieldKind, SurveyField};
use std::collections::BTreeMap;
use std::fmt;

/// Default of `min_weight_share` in a `[composite.<type>]` table.
pub const DEFAULT_MIN_WEIGHT_SHARE: f64 = 0.5;

/// A validated criteria file.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    pub name: String,
    pub description: String,
    /// Where it came from: `preset <name>` or the file's path (for the run manifest).
    pub origin: String,
    /// SHA-256 of the criteria text (for the run's manifest).
    pub digest: String,
    pub measure: MeasureSettings,
    /// Hard rules in file order (the order of reasons).
    pub rules: Vec<Rule>,
    /// Composite score per land type; a type without one gets no score.
    pub composite: BTreeMap<LandClass, Composite>,
}

impl Criteria {
    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The rules of one land type, in file order.
    pub fn rules_for(&self, ltype: LandClass) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.ltype == ltype)
    }
}

/// `[measure]`: how the measured FAR and coverage are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureSettings {
    pub prefer: Prefer,
    /// A storey taller than 8 m counts twice in FAR; carried for the measure stage.
    pub double_tall_storeys: bool,
}

/// Which FAR / coverage a rule reads when both a measured and a surveyed value exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    Measured,
    Surveyed,
}

/// A value the measure stage computes from building footprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasuredField {
    /// `far_m`: measured floor-area ratio.
    Far,
    /// `cov_m`: measured building coverage.
    Cov,
    /// `n_bldg`: number of buildings on the parcel.
    NBldg,
}

impl MeasuredField {
    pub(crate) const ALL: [(&'static str, MeasuredField); 3] = [
        ("far_m", MeasuredField::Far),
        ("cov_m", MeasuredField::Cov),
        ("n_bldg", MeasuredField::NBldg),
    ];

    pub fn name(self) -> &'static str {
        match self {
            MeasuredField::Far => "far_m",
            MeasuredField::Cov => "cov_m",
            MeasuredField::NBldg => "n_bldg",
        }
    }
}

/// Where a rule or indicator reads its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRef {
    /// A survey field, with the measured value that may stand in for it (`far` ↔
    /// `far_m`, `bld_cov` ↔ `cov_m`).
    Survey {
        field: SurveyField,
        measured: Option<MeasuredField>,
    },
    /// Only the measured value.
    Measured(MeasuredField),
}

impl FieldRef {
    /// Resolves a field name of a criteria file.
    pub fn from_name(name: &str) -> Option<FieldRef> {
        if let Some(&(_, m)) = MeasuredField::ALL.iter().find(|(n, _)| *n == name) {
            return Some(FieldRef::Measured(m));
        }
        let field = SurveyField::from_name(name)?;
        let measured = match field {
            SurveyField::Far => Some(MeasuredField::Far),
            SurveyField::BldCov => Some(MeasuredField::Cov),
            _ => None,
        };
        Some(FieldRef::Survey { field, measured })
    }

    /// Whether the field holds numbers (comparisons and indicators need one).
    pub fn is_numeric(self) -> bool {
        match self {
            FieldRef::Measured(_) => true,
            FieldRef::Survey { field, .. } => field.kind() != FieldKind::Text,
        }
    }
}

/// A rule's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    In,
    NotIn,
}

impl Op {
    const ALL: [Op; 8] = [
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::Eq,
        Op::Ne,
        Op::In,
        Op::NotIn,
    ];

    /// As written in a criteria file (and in the JSON reasons).
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::In => "in",
            Op::NotIn => "not_in",
        }
    }

    /// As printed in the short Chinese reasons.
    pub fn symbol_zh(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "≤",
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::In => "∈",
            Op::NotIn => "∉",
        }
    }

    pub fn from_symbol(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.symbol() == s)
    }

    /// `in` / `not_in`, which take `values` instead of a `threshold`.
    pub fn is_set(self) -> bool {
        matches!(self, Op::In | Op::NotIn)
    }

    /// `value op threshold` for a comparison operator (false for set operators).
    pub fn compare(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
            Op::In | Op::NotIn => false,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A rule's threshold (comparisons) or list of values (`in` / `not_in`).
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    /// `text` is the number as the criteria file writes it (`1.0`, `10`), for reasons.
    Number { value: f64, text: String },
    /// As written, in file order.
    Values(Vec<String>),
}

impl fmt::Display for Threshold {
    /// The text form: the number as written, or `{a,b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Number { text, .. } => f.write_str(text),
            Threshold::Values(v) => write!(f, "{{{}}}", v.join(",")),
        }
    }
}

/// Whether a published document states a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A document states it; `source` cites it.
    Source,
    /// Common practice; a city must confirm it.
    Default,
}

/// One hard rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub ltype: LandClass,
    /// The field name as written.
    pub field: String,
    pub field_ref: FieldRef,
    pub op: Op,
    pub threshold: Threshold,
    pub unit: String,
    pub label_zh: String,
    pub label_en: String,
    pub mark: Mark,
    /// Citation (mark = source) or the basis of a default; may be empty for a default.
    pub source: String,
    /// Line of the rule's `[[rule]]` header in its file.
    pub line: usize,
    /// `values` prepared for matching: lower-cased trimmed text, and the number it reads as.
    pub(crate) set: Vec<(String, Option<f64>)>,
}

impl Rule {
    /// Whether a text value is in the rule's `values` (trimmed, case-insensitive).
    pub fn set_contains_text(&self, value: &str) -> bool {
        let v = value.trim().to_lowercase();
        let n = v.parse::<f64>().ok().filter(|n| n.is_finite());
        self.set
            .iter()
            .any(|(t, tn)| *t == v || matches!((n, tn), (Some(a), Some(b)) if a == *b))
    }

    /// Whether a number is in the rule's `values` (listed numbers compare as numbers).
    pub fn set_contains_number(&self, value: f64) -> bool {
        self.set.iter().any(|(_, n)| *n == Some(value))
    }

    /// The label for reasons: `label_zh`, else `label_en`, else the field name.
    pub fn label(&self) -> &str {
        [&self.label_zh, &self.label_en, &self.field]
            .into_iter()
            .find(|s| !s.is_empty())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Whether an indicator's high values are good (tax per mu) or bad (vacancy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Higher,
    Lower,
}

/// One weighted indicator of a composite score.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub field: String,
    pub field_ref: FieldRef,
    pub weight: f64,
    pub direction: Direction,
    /// The value that normalises to 50.
    pub benchmark: f64,
}

/// How scores become classes A–D.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassMethod {
    /// By rank share within the type (A, B, C are cumulative shares, increasing).
    Percentile,
    /// By fixed score breaks (A, B, C are minimum scores, decreasing).
    Breaks,
}

/// Class limits; see [`ClassMethod`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classes {
    pub method: ClassMethod,
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

/// The composite score of one land type.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    pub indicators: Vec<Indicator>,
    /// Below this share of the total weight available: not rated.
    pub min_weight_share: f64,
    pub classes: Classes,
}

impl Composite {
    /// Σ of all indicator weights.
    pub fn total_weight(&self) -> f64 {
        self.indicators.iter().map(|i| i.weight).sum()
    }
}
