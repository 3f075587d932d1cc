//! The criteria as the engine uses them: rules, operators, thresholds, composite scores.

use crate::constraints::ConstraintKind;
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
    /// The edition of the industry codes (`ind_code`) the parcels carry.
    pub industry_codes: IndustryEdition,
    /// Hard rules in file order (the order of reasons), including the rules that a
    /// composite class feeds (`role = "rule"`), which come last.
    pub rules: Vec<Rule>,
    /// Composite score per land type; a type without one gets no score.
    pub composite: BTreeMap<LandClass, Composite>,
    /// Renewal-mode rules (`[[mode]]`), in file order: the first that matches decides.
    pub modes: Vec<ModeRule>,
}

impl Criteria {
    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The rules of one land type, in file order.
    pub fn rules_for(&self, ltype: LandClass) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.types.contains(&ltype))
    }
}

/// `[measure]`: how the measured FAR and coverage are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureSettings {
    /// Which FAR a rule on `far` reads when both exist (default: measured).
    pub prefer_far: Prefer,
    /// Which coverage a rule on `bld_cov` reads when both exist (default: surveyed: the
    /// surveyed 建筑系数 counts structures and open storage yards that footprints miss).
    pub prefer_cov: Prefer,
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
    /// The parcel's composite class (`class`), known only after the ranking: read by the
    /// rule a composite feeds and by mode rules.
    Class,
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
        if name == "class" {
            return Some(FieldRef::Class);
        }
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
            FieldRef::Class => false,
            FieldRef::Survey { field, .. } => field.kind() != FieldKind::Text,
        }
    }

    /// The survey field it reads, if any.
    pub fn survey_field(self) -> Option<SurveyField> {
        match self {
            FieldRef::Survey { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The Chinese name, for reasons.
    pub fn label_zh(self) -> &'static str {
        match self {
            FieldRef::Class => "亩均效益评价",
            FieldRef::Measured(MeasuredField::Far) => "实测容积率",
            FieldRef::Measured(MeasuredField::Cov) => "实测建筑密度",
            FieldRef::Measured(MeasuredField::NBldg) => "建筑数",
            FieldRef::Survey { field, .. } => field.label_zh(),
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
    /// Current use (`land_use`) incompatible with planned use (`plan_use`): 用途不合理.
    Conflicts,
}

impl Op {
    const ALL: [Op; 9] = [
        Op::Lt,
        Op::Le,
        Op::Gt,
        Op::Ge,
        Op::Eq,
        Op::Ne,
        Op::In,
        Op::NotIn,
        Op::Conflicts,
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
            Op::Conflicts => "conflicts",
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
            Op::Conflicts => "与规划用途不符",
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
            Op::In | Op::NotIn | Op::Conflicts => false,
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
    /// `conflicts`: the compatibility table of current and planned use.
    Compatibility,
}

impl fmt::Display for Threshold {
    /// The text form: the number as written, or `{a,b}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Number { text, .. } => f.write_str(text),
            Threshold::Values(v) => write!(f, "{{{}}}", v.join(",")),
            Threshold::Compatibility => f.write_str("规划用途"),
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

/// One comparison of a rule: a field, an operator, a threshold or values.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The field name as written.
    pub field: String,
    pub field_ref: FieldRef,
    pub op: Op,
    /// The threshold (the general one where `by_industry` gives others), or the values.
    pub threshold: Threshold,
    /// Thresholds by industry class (GB/T 4754-2002 two-digit class → threshold), for
    /// parcels that carry an industry code; others are judged on `threshold`.
    pub by_industry: BTreeMap<String, Threshold>,
    /// Shown after the threshold in the reasons, e.g. `万元/亩·年`.
    pub unit: String,
    /// The field's Chinese name in reasons (default: the engine's name for the field).
    pub label_zh: String,
    pub label_en: String,
    /// `values` as matching keys ([`super::vocab::key`]).
    pub(crate) set: Vec<String>,
}

impl Condition {
    /// Whether a text value is in the condition's `values`, compared as matching keys
    /// (全角/半角, case, a 级/类 suffix and the field's synonyms do not matter; numbers
    /// compare as numbers).
    pub fn set_contains_text(&self, value: &str) -> bool {
        let k = super::vocab::key(self.field_ref.survey_field(), value);
        let n = number(&k);
        self.set
            .iter()
            .any(|t| *t == k || matches!((n, number(t)), (Some(a), Some(b)) if a == b))
    }

    /// Whether a number is in the condition's `values` (listed numbers compare as numbers).
    pub fn set_contains_number(&self, value: f64) -> bool {
        self.set.iter().any(|t| number(t) == Some(value))
    }

    /// The threshold for a parcel of industry class `class` (GB/T 4754-2002), and the
    /// class it came from when the table had one.
    pub fn threshold_for(&self, class: Option<&str>) -> (&Threshold, Option<&str>) {
        match class.and_then(|c| self.by_industry.get_key_value(c)) {
            Some((c, t)) => (t, Some(c.as_str())),
            None => (&self.threshold, None),
        }
    }

    /// The label for reasons: `label_zh`, else the field's Chinese name.
    pub fn label(&self) -> &str {
        if self.label_zh.is_empty() {
            self.field_ref.label_zh()
        } else {
            &self.label_zh
        }
    }

    /// The condition in words, e.g. `容积率<1.0`, `产业类别：淘汰类`.
    pub fn describe_zh(&self) -> String {
        let label = self.label();
        match (&self.threshold, self.op) {
            (_, Op::Conflicts) => "现状用途与规划用途不符".to_string(),
            (Threshold::Values(v), Op::In) => format!(
                "{label}：{}",
                v.iter()
                    .map(|x| super::vocab::display(self.field_ref.survey_field(), x))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            (Threshold::Values(v), _) => format!(
                "{label}不为{}",
                v.iter()
                    .map(|x| super::vocab::display(self.field_ref.survey_field(), x))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            (t, op) => {
                let by = if self.by_industry.is_empty() {
                    String::new()
                } else {
                    "（分行业）".to_string()
                };
                format!("{label}{}{t}{}{by}", op.symbol_zh(), self.unit)
            }
        }
    }
}

fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// One hard rule: fires when every one of its conditions holds (a parcel is
/// low-efficiency when any rule of its type fires).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    /// The land types it applies to.
    pub types: Vec<LandClass>,
    /// All must hold (one for a plain rule).
    pub conditions: Vec<Condition>,
    /// The rule's Chinese title (`name_zh`, else its conditions in words).
    pub name_zh: String,
    pub mark: Mark,
    /// Citation (mark = source) or the basis of a default.
    pub source: String,
    /// Line of the rule's `[[rule]]` header in its file.
    pub line: usize,
}

impl Rule {
    /// The first condition (a plain rule's only one).
    pub fn first(&self) -> &Condition {
        &self.conditions[0]
    }

    /// Whether the rule reads the composite class (it runs after the ranking).
    pub fn reads_class(&self) -> bool {
        self.conditions
            .iter()
            .any(|c| c.field_ref == FieldRef::Class)
    }

    /// The land types as Chinese names, e.g. `工矿仓储、商服`.
    pub fn types_zh(&self) -> String {
        if self.types.len() == LandClass::ALL.len() {
            return "各类建设用地".to_string();
        }
        self.types
            .iter()
            .map(|t| t.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }

    /// The fields it reads, e.g. `yr_built+facilities`.
    pub fn fields(&self) -> String {
        self.conditions
            .iter()
            .map(|c| c.field.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

/// Editions of 国民经济行业分类 (GB/T 4754) that `ind_code` may be written in. The
/// per-industry thresholds of 国土资发〔2008〕24号 use the 2002 classes; codes of the
/// 2017 edition are mapped onto them ([`super::industry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndustryEdition {
    Gbt2002,
    Gbt2017,
}

impl IndustryEdition {
    pub fn name(self) -> &'static str {
        match self {
            IndustryEdition::Gbt2002 => "GB/T 4754-2002",
            IndustryEdition::Gbt2017 => "GB/T 4754-2017",
        }
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
    pub benchmark: Benchmark,
}

/// An indicator's benchmark: a fixed value, or the mean of the peer group (the 亩均
/// schemes benchmark against the county's average).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Benchmark {
    Fixed(f64),
    /// The mean of the indicator over the peer group's parcels that have a value, times
    /// the factor (Huai'an benchmarks at about twice the county average).
    Mean {
        factor: f64,
    },
}

/// How scores become classes A–D.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassMethod {
    /// By rank share within the peer group (A, B, C are cumulative shares, increasing).
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

/// What a composite class does: only reported, or it feeds a hard rule (the rule of
/// that id, which reads `class`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Report,
    Rule(String),
}

/// The composite score of one land type.
#[derive(Debug, Clone, PartialEq)]
pub struct Composite {
    pub indicators: Vec<Indicator>,
    /// Below this share of the total weight available: not rated.
    pub min_weight_share: f64,
    pub classes: Classes,
    pub role: Role,
    /// Peers are ranked within the groups of this field's values (规上/规下), each
    /// group on its own; `None`: one group per land type.
    pub group_by: Option<SurveyField>,
    /// Indicators of a group (by matching key) that is scored differently (规下 firms on
    /// 亩均税收 alone).
    pub groups: BTreeMap<String, Vec<Indicator>>,
    /// Parcels for which this holds are not rated (firms in start-up or construction).
    pub exempt: Option<Condition>,
}

impl Composite {
    /// The indicators of a group (matching key of the `group_by` value).
    pub fn indicators_for(&self, group: Option<&str>) -> &[Indicator] {
        group
            .and_then(|g| self.groups.get(g))
            .unwrap_or(&self.indicators)
    }
}

/// One renewal-mode rule (`[[mode]]`): the parcels of its types for which every
/// condition holds get its mode, unless an earlier rule matched.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeRule {
    /// The mode, in Chinese (拆除重建, 综合整治, 微改造, 功能改变, 收回收储…).
    pub mode: String,
    /// Empty: every type.
    pub types: Vec<LandClass>,
    pub when: Vec<ModeCondition>,
    pub mark: Mark,
    pub source: String,
    pub line: usize,
}

impl ModeRule {
    /// The conditions in words, e.g. `闲置年限≥2年`.
    pub fn describe_zh(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.types.is_empty() && self.types.len() < LandClass::ALL.len() {
            let t: Vec<&str> = self.types.iter().map(|t| t.label_zh()).collect();
            parts.push(format!("类型为{}", t.join("、")));
        }
        parts.extend(self.when.iter().map(ModeCondition::describe_zh));
        if parts.is_empty() {
            "其余低效用地".to_string()
        } else {
            parts.join("且")
        }
    }
}

/// A condition of a mode rule.
#[derive(Debug, Clone, PartialEq)]
pub enum ModeCondition {
    /// A value comparison, as in a hard rule.
    Value(Condition),
    /// One of these hard rules fired: their ids, and their Chinese names (for words).
    Fired {
        ids: Vec<String>,
        names: Vec<String>,
    },
    /// The parcel meets the constraint layer (its share reaches the layer's minimum).
    Inside(ConstraintKind),
    /// The parcel does not meet the constraint layer.
    Outside(ConstraintKind),
}

impl ModeCondition {
    pub fn describe_zh(&self) -> String {
        match self {
            ModeCondition::Value(c) => c.describe_zh(),
            ModeCondition::Fired { names, .. } => format!("符合{}", names.join("或")),
            ModeCondition::Inside(k) => format!("位于{}内", k.label_zh()),
            ModeCondition::Outside(k) => format!("不在{}内", k.label_zh()),
        }
    }
}
