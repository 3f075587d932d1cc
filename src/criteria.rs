//! Low-efficiency criteria (低效用地认定标准): the criteria file schema, the shipped
//! presets, loading and validation. The scoring engine that applies them is
//! [`crate::score`]; where every shipped threshold comes from is `CRITERIA.md`.
//!
//! ```toml
//! name = "my-city"
//! description = "…"
//! [measure]
//! prefer = "measured"            # or "surveyed": which FAR / coverage a rule reads when both exist
//! double_tall_storeys = false    # a storey taller than 8 m counts twice in FAR (read by measure)
//!
//! [[rule]]                       # hard rules; a parcel is low-efficiency if ANY rule of its type fires
//! id = "IND_FAR"                 # unique; no spaces, no ';'
//! type = "industrial"            # industrial | commercial | residential | facility
//! field = "far"                  # an engine field, or a measured one: far_m, cov_m, n_bldg
//! op = "<"                       # < <= > >= == != (with threshold) | in not_in (with values)
//! threshold = 1.0
//! unit = ""                      # shown after the threshold in the reasons, e.g. 万元/亩·年
//! label_zh = "容积率"
//! label_en = "floor-area ratio"
//! mark = "default"               # "source" (a document states it: cite it) | "default"
//! source = "…"                   # required when mark = "source"
//!
//! [composite.industrial]         # optional, per type; a type without one gets no score
//! indicators = [{ field = "tax_mu", weight = 45, direction = "higher", benchmark = 10.0 }]
//! min_weight_share = 0.5         # default 0.5
//! classes = { method = "percentile", A = 0.25, B = 0.70, C = 0.95 }  # or method = "breaks", A = 80, B = 60, C = 40
//! ```
//!
//! # Which value a rule reads
//!
//! A rule or indicator on `far` reads the measured FAR (`far_m`, from building footprints)
//! when the parcel has one and `prefer = "measured"` (the default), else the surveyed
//! `far`; with `prefer = "surveyed"` the other way round. The preference only matters when
//! both exist: a parcel with one of the two is judged on that one. `bld_cov` ↔ `cov_m`
//! likewise. A rule on `far_m`, `cov_m` or `n_bldg` reads only the measured value.
//!
//! # Hard rules
//!
//! Comparisons are numeric (`==` is exact). `in` / `not_in` compare text trimmed and
//! case-insensitively; where both the parcel's value and a listed value are numbers they
//! compare as numbers (`values = ["3"]` matches 3 and 3.0). A missing value makes the rule
//! *not evaluable* for that parcel: it neither passes nor fires, and is reported.
//!
//! # Composite score (亩均效益-style, `CRITERIA.md`)
//!
//! Each indicator value `v` is normalised to 0–100 against its benchmark `b`:
//!
//! - `higher` is better: `s = clamp(v / b, 0, 2) / 2 × 100` (0 → 0, `b` → 50, `2b` → 100);
//! - `lower` is better: `s = clamp(2 − v / b, 0, 2) / 2 × 100` (0 → 100, `b` → 50, `2b` → 0).
//!
//! The composite is `Σ wᵢ sᵢ / Σ wᵢ` over the indicators the parcel has a value for. When
//! those carry less than `min_weight_share` of the type's total weight, the parcel gets no
//! score and no class ("not rated"). Classes, among the scored parcels of a type:
//!
//! - `percentile`: rank by score (descending); a parcel whose rank share (its 1-based rank
//!   ÷ the number of scored parcels of the type) is ≤ A is class A, ≤ B → B, ≤ C → C,
//!   else D. Equal scores share the best rank among them (so ties always get the same
//!   class), and the pass is sequential and deterministic. With few parcels the upper
//!   classes can be empty (a parcel alone in its type has share 1: D);
//! - `breaks`: score ≥ A → A, ≥ B → B, ≥ C → C, else D.

use crate::config::{model_index, MODEL_FIELDS, PRESETS};
use crate::error::{Error, Result};
use crate::landuse::LandClass;
use crate::model::FieldKind;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// The shipped presets' texts, embedded so that the binary works from any directory.
const PRESET_TEXTS: &[(&str, &str)] = &[
    (
        "national-default",
        include_str!("../data/presets/national-default.toml"),
    ),
    ("dongguan", include_str!("../data/presets/dongguan.toml")),
    ("tianjin", include_str!("../data/presets/tianjin.toml")),
];

/// Default of `min_weight_share` in a `[composite.<type>]` table.
pub const DEFAULT_MIN_WEIGHT_SHARE: f64 = 0.5;

/// A validated criteria file.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    pub name: String,
    pub description: String,
    /// Where it came from: `preset <name>` or the file's path (for the run manifest).
    pub origin: String,
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
    const ALL: [(&'static str, MeasuredField); 3] = [
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
    /// A survey field: index into `Parcel::survey` ([`MODEL_FIELDS`] order), with the
    /// measured value that may stand in for it (`far` ↔ `far_m`, `bld_cov` ↔ `cov_m`).
    Survey {
        index: usize,
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
        let index = model_index(name)?;
        let measured = match name {
            "far" => Some(MeasuredField::Far),
            "bld_cov" => Some(MeasuredField::Cov),
            _ => None,
        };
        Some(FieldRef::Survey { index, measured })
    }

    /// Whether the field holds numbers (comparisons and indicators need one).
    pub fn is_numeric(self) -> bool {
        match self {
            FieldRef::Measured(_) => true,
            FieldRef::Survey { index, .. } => MODEL_FIELDS[index].1 != FieldKind::Text,
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
    set: Vec<(String, Option<f64>)>,
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

/// Loads a shipped preset by name (one of [`crate::config::PRESETS`]).
pub fn load_preset(name: &str) -> Result<Criteria> {
    let (_, text) = PRESET_TEXTS
        .iter()
        .find(|(n, _)| *n == name)
        .ok_or_else(|| {
            Error::config(
                name,
                format!(
                    "no criteria preset '{name}' (one of {})",
                    PRESETS.join(", ")
                ),
            )
        })?;
    let mut c = parse(text, Path::new(&format!("data/presets/{name}.toml")))?;
    c.origin = format!("preset {name}");
    Ok(c)
}

/// Loads a criteria file.
pub fn load_file(path: &Path) -> Result<Criteria> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(path, format!("cannot read: {e}")))?;
    parse(&text, path)
}

/// Parses and validates criteria text; `path` names it in errors. Every problem is
/// reported at once, each with its line.
pub fn parse(text: &str, path: &Path) -> Result<Criteria> {
    let file: FileCriteria = toml::from_str(text)
        .map_err(|e| Error::config(path, e.to_string().trim_end().to_string()))?;
    let mut v = Validator {
        text,
        problems: Vec::new(),
    };
    let criteria = v.criteria(&file, path);
    if v.problems.is_empty() {
        Ok(criteria)
    } else {
        v.problems.sort_by_key(|(line, _)| *line);
        let lines: Vec<String> = v
            .problems
            .iter()
            .map(|(line, m)| format!("line {line}: {m}"))
            .collect();
        Err(Error::config(path, lines.join("\n  ")))
    }
}

// ---- the file as written -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCriteria {
    name: Option<Spanned<String>>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    measure: FileMeasure,
    #[serde(default)]
    rule: Vec<Spanned<FileRule>>,
    #[serde(default)]
    composite: BTreeMap<Spanned<String>, Spanned<FileComposite>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileMeasure {
    prefer: Option<Spanned<String>>,
    #[serde(default)]
    double_tall_storeys: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRule {
    id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    ltype: Option<Spanned<String>>,
    field: Option<Spanned<String>>,
    op: Option<Spanned<String>>,
    threshold: Option<Spanned<f64>>,
    values: Option<Spanned<Vec<toml::Value>>>,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    label_zh: String,
    #[serde(default)]
    label_en: String,
    mark: Option<Spanned<String>>,
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileComposite {
    #[serde(default)]
    indicators: Vec<Spanned<FileIndicator>>,
    min_weight_share: Option<Spanned<f64>>,
    classes: Option<Spanned<FileClasses>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIndicator {
    field: Option<Spanned<String>>,
    weight: Option<Spanned<f64>>,
    direction: Option<Spanned<String>>,
    benchmark: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileClasses {
    method: Option<Spanned<String>>,
    #[serde(rename = "A")]
    a: Option<Spanned<f64>>,
    #[serde(rename = "B")]
    b: Option<Spanned<f64>>,
    #[serde(rename = "C")]
    c: Option<Spanned<f64>>,
}

// ---- validation ------------------------------------------------------------------------

/// Builds the [`Criteria`] while collecting every problem with its line; what is built
/// is meaningful only when no problem was found.
struct Validator<'a> {
    text: &'a str,
    problems: Vec<(usize, String)>,
}

fn land_class(name: &str) -> Option<LandClass> {
    [
        LandClass::Industrial,
        LandClass::Commercial,
        LandClass::Residential,
        LandClass::Facility,
    ]
    .into_iter()
    .find(|c| c.name() == name)
}

fn field_names() -> String {
    let mut names: Vec<&str> = MODEL_FIELDS.iter().map(|f| f.0).collect();
    names.extend(MeasuredField::ALL.iter().map(|(n, _)| *n));
    names.join(", ")
}

impl Validator<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, span: Range<usize>, message: String) {
        let line = self.line(span);
        self.problems.push((line, message));
    }

    /// The number as the file writes it, when that reads back as the same number.
    fn literal(&self, n: &Spanned<f64>) -> String {
        let raw = self.text.get(n.span()).unwrap_or("").trim();
        if raw.parse::<f64>().ok() == Some(*n.get_ref()) {
            raw.to_string()
        } else {
            n.get_ref().to_string()
        }
    }

    fn criteria(&mut self, file: &FileCriteria, path: &Path) -> Criteria {
        let name = match &file.name {
            Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().clone(),
            Some(n) => {
                self.problem(n.span(), "name is empty".into());
                String::new()
            }
            None => {
                self.problem(0..0, "name is missing".into());
                String::new()
            }
        };
        let prefer = match &file.measure.prefer {
            None => Prefer::Measured,
            Some(p) => match p.get_ref().as_str() {
                "measured" => Prefer::Measured,
                "surveyed" => Prefer::Surveyed,
                other => {
                    self.problem(
                        p.span(),
                        format!("[measure] prefer = '{other}' is not one of measured, surveyed"),
                    );
                    Prefer::Measured
                }
            },
        };
        let mut seen = HashSet::new();
        let rules = file
            .rule
            .iter()
            .filter_map(|r| self.rule(r, &mut seen))
            .collect();
        let composite = file
            .composite
            .iter()
            .filter_map(|(k, c)| {
                let ltype = land_class(k.get_ref());
                if ltype.is_none() {
                    self.problem(
                        k.span(),
                        format!(
                            "[composite.{}]: not a land type (industrial, commercial, residential, facility)",
                            k.get_ref()
                        ),
                    );
                }
                // Checked even under an unknown type, so that every problem is reported.
                let c = self.composite(k.get_ref(), c);
                Some((ltype?, c?))
            })
            .collect();
        Criteria {
            name,
            description: file.description.clone(),
            origin: path.display().to_string(),
            measure: MeasureSettings {
                prefer,
                double_tall_storeys: file.measure.double_tall_storeys,
            },
            rules,
            composite,
        }
    }

    /// A required key of a table: reported at the table's header when missing.
    fn required<'f, T>(
        &mut self,
        value: &'f Option<Spanned<T>>,
        table: Range<usize>,
        what: &str,
    ) -> Option<&'f Spanned<T>> {
        if value.is_none() {
            self.problem(table, format!("{what} is missing"));
        }
        value.as_ref()
    }

    fn rule(&mut self, r: &Spanned<FileRule>, seen: &mut HashSet<String>) -> Option<Rule> {
        let at = r.span();
        let f = r.get_ref();
        let id = self.required(&f.id, at.clone(), "[[rule]] id");
        let name = id.map(|i| i.get_ref().clone()).unwrap_or_default();
        let what = if name.is_empty() {
            "rule".to_string()
        } else {
            format!("rule {name}")
        };
        if let Some(id) = id {
            let s = id.get_ref();
            if s.is_empty() || s.contains(';') || s.chars().any(char::is_whitespace) {
                self.problem(
                    id.span(),
                    format!("{what}: id '{s}' must be non-empty, without spaces or ';'"),
                );
            } else if !seen.insert(s.clone()) {
                self.problem(id.span(), format!("{what}: duplicate id '{s}'"));
            }
        }
        let ltype = self
            .required(&f.ltype, at.clone(), &format!("{what}: type"))
            .and_then(|t| {
                let c = land_class(t.get_ref());
                if c.is_none() {
                    self.problem(
                        t.span(),
                        format!(
                            "{what}: type '{}' is not one of industrial, commercial, residential, facility",
                            t.get_ref()
                        ),
                    );
                }
                c
            });
        let field = self
            .required(&f.field, at.clone(), &format!("{what}: field"))
            .and_then(|fl| {
                let r = FieldRef::from_name(fl.get_ref());
                if r.is_none() {
                    self.problem(
                        fl.span(),
                        format!(
                            "{what}: field '{}' is not an engine or measured field (one of {})",
                            fl.get_ref(),
                            field_names()
                        ),
                    );
                }
                r.map(|r| (fl, r))
            });
        let op = self
            .required(&f.op, at.clone(), &format!("{what}: op"))
            .and_then(|o| {
                let op = Op::from_symbol(o.get_ref());
                if op.is_none() {
                    self.problem(
                        o.span(),
                        format!(
                            "{what}: op '{}' is not one of <, <=, >, >=, ==, !=, in, not_in",
                            o.get_ref()
                        ),
                    );
                }
                op.map(|op| (o, op))
            });
        let threshold = op.and_then(|(o, op)| self.threshold(f, o, op, &what));
        if let (Some((fl, fref)), Some((o, op))) = (&field, op) {
            if !op.is_set() && !fref.is_numeric() {
                self.problem(
                    o.span(),
                    format!(
                        "{what}: op '{}' needs a numeric field, '{}' is text (use in / not_in)",
                        op,
                        fl.get_ref()
                    ),
                );
            }
        }
        let mark = self
            .required(&f.mark, at.clone(), &format!("{what}: mark"))
            .and_then(|m| match m.get_ref().as_str() {
                "source" => Some((m, Mark::Source)),
                "default" => Some((m, Mark::Default)),
                other => {
                    self.problem(
                        m.span(),
                        format!("{what}: mark '{other}' is not one of source, default"),
                    );
                    None
                }
            });
        let source = f.source.clone().unwrap_or_default();
        if let Some((m, Mark::Source)) = &mark {
            if source.trim().is_empty() {
                self.problem(
                    m.span(),
                    format!("{what}: mark = \"source\" needs the citation in source = \"…\""),
                );
            }
        }
        let (threshold, set) = threshold?;
        Some(Rule {
            id: name,
            ltype: ltype?,
            field: field?.0.get_ref().clone(),
            field_ref: field?.1,
            op: op?.1,
            threshold,
            unit: f.unit.clone(),
            label_zh: f.label_zh.clone(),
            label_en: f.label_en.clone(),
            mark: mark?.1,
            source,
            line: self.line(at),
            set,
        })
    }

    /// The threshold or values an operator needs, checked.
    #[allow(clippy::type_complexity)]
    fn threshold(
        &mut self,
        f: &FileRule,
        o: &Spanned<String>,
        op: Op,
        what: &str,
    ) -> Option<(Threshold, Vec<(String, Option<f64>)>)> {
        if op.is_set() {
            if let Some(t) = &f.threshold {
                self.problem(
                    t.span(),
                    format!("{what}: op '{op}' takes values = [...], not a threshold"),
                );
            }
            let Some(vals) = &f.values else {
                self.problem(
                    o.span(),
                    format!("{what}: op '{op}' needs values = [...] (missing)"),
                );
                return None;
            };
            if vals.get_ref().is_empty() {
                self.problem(vals.span(), format!("{what}: values is empty"));
                return None;
            }
            let mut out = Vec::new();
            for v in vals.get_ref() {
                match v {
                    toml::Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                    toml::Value::Integer(i) => out.push(i.to_string()),
                    toml::Value::Float(x) if x.is_finite() => out.push(x.to_string()),
                    other => {
                        self.problem(
                            vals.span(),
                            format!(
                                "{what}: values must be non-empty strings or numbers, not {other}"
                            ),
                        );
                        return None;
                    }
                }
            }
            let set = out
                .iter()
                .map(|s| {
                    let t = s.trim().to_lowercase();
                    let n = t.parse::<f64>().ok().filter(|n| n.is_finite());
                    (t, n)
                })
                .collect();
            Some((Threshold::Values(out), set))
        } else {
            if let Some(v) = &f.values {
                self.problem(
                    v.span(),
                    format!("{what}: op '{op}' takes a threshold, not values (use in / not_in)"),
                );
            }
            let Some(t) = &f.threshold else {
                self.problem(
                    o.span(),
                    format!("{what}: op '{op}' needs threshold = <number> (missing)"),
                );
                return None;
            };
            if !t.get_ref().is_finite() {
                self.problem(
                    t.span(),
                    format!("{what}: threshold must be a finite number"),
                );
                return None;
            }
            Some((
                Threshold::Number {
                    value: *t.get_ref(),
                    text: self.literal(t),
                },
                Vec::new(),
            ))
        }
    }

    fn composite(&mut self, ltype: &str, c: &Spanned<FileComposite>) -> Option<Composite> {
        let at = c.span();
        let f = c.get_ref();
        let what = format!("[composite.{ltype}]");
        let mut ok = true;
        if f.indicators.is_empty() {
            self.problem(
                at.clone(),
                format!("{what}: indicators is empty or missing"),
            );
            ok = false;
        }
        let mut seen = HashSet::new();
        let mut indicators = Vec::new();
        for ind in &f.indicators {
            let i = ind.get_ref();
            let iat = ind.span();
            let field = self
                .required(&i.field, iat.clone(), &format!("{what}: indicator field"))
                .and_then(|fl| {
                    let name = fl.get_ref();
                    match FieldRef::from_name(name) {
                        Some(r) if r.is_numeric() => {
                            if !seen.insert(name.clone()) {
                                self.problem(
                                    fl.span(),
                                    format!("{what}: indicator '{name}' is listed twice"),
                                );
                            }
                            Some((name.clone(), r))
                        }
                        Some(_) => {
                            self.problem(
                                fl.span(),
                                format!("{what}: indicator field '{name}' is text, not a number"),
                            );
                            None
                        }
                        None => {
                            self.problem(
                                fl.span(),
                                format!(
                                    "{what}: indicator field '{name}' is not an engine or measured field (one of {})",
                                    field_names()
                                ),
                            );
                            None
                        }
                    }
                });
            let weight = self
                .required(&i.weight, iat.clone(), &format!("{what}: indicator weight"))
                .and_then(|w| {
                    let x = *w.get_ref();
                    if x.is_finite() && x > 0.0 {
                        Some(x)
                    } else {
                        self.problem(w.span(), format!("{what}: weight {x} must be > 0"));
                        None
                    }
                });
            let direction = self
                .required(
                    &i.direction,
                    iat.clone(),
                    &format!("{what}: indicator direction"),
                )
                .and_then(|d| match d.get_ref().as_str() {
                    "higher" => Some(Direction::Higher),
                    "lower" => Some(Direction::Lower),
                    other => {
                        self.problem(
                            d.span(),
                            format!("{what}: direction '{other}' is not one of higher, lower"),
                        );
                        None
                    }
                });
            let benchmark = self
                .required(
                    &i.benchmark,
                    iat.clone(),
                    &format!("{what}: indicator benchmark"),
                )
                .and_then(|b| {
                    let x = *b.get_ref();
                    if x.is_finite() && x > 0.0 {
                        Some(x)
                    } else {
                        self.problem(b.span(), format!("{what}: benchmark {x} must be > 0"));
                        None
                    }
                });
            match (field, weight, direction, benchmark) {
                (Some((field, field_ref)), Some(weight), Some(direction), Some(benchmark)) => {
                    indicators.push(Indicator {
                        field,
                        field_ref,
                        weight,
                        direction,
                        benchmark,
                    })
                }
                _ => ok = false,
            }
        }
        let min_weight_share = match &f.min_weight_share {
            None => DEFAULT_MIN_WEIGHT_SHARE,
            Some(s) => {
                let x = *s.get_ref();
                if !(x > 0.0 && x <= 1.0) {
                    self.problem(
                        s.span(),
                        format!("{what}: min_weight_share {x} must be in (0, 1]"),
                    );
                    ok = false;
                }
                x
            }
        };
        let classes = self
            .required(&f.classes, at, &format!("{what}: classes"))
            .and_then(|cl| self.classes(cl, &what));
        if ok {
            Some(Composite {
                indicators,
                min_weight_share,
                classes: classes?,
            })
        } else {
            None
        }
    }

    fn classes(&mut self, cl: &Spanned<FileClasses>, what: &str) -> Option<Classes> {
        let at = cl.span();
        let f = cl.get_ref();
        let method = self
            .required(&f.method, at.clone(), &format!("{what}: classes method"))
            .and_then(|m| match m.get_ref().as_str() {
                "percentile" => Some(ClassMethod::Percentile),
                "breaks" => Some(ClassMethod::Breaks),
                other => {
                    self.problem(
                        m.span(),
                        format!(
                            "{what}: classes method '{other}' is not one of percentile, breaks"
                        ),
                    );
                    None
                }
            });
        let a = self.required(&f.a, at.clone(), &format!("{what}: classes A"));
        let b = self.required(&f.b, at.clone(), &format!("{what}: classes B"));
        let c = self.required(&f.c, at.clone(), &format!("{what}: classes C"));
        let (method, a, b, c) = (method?, a?, b?, c?);
        let (x, y, z) = (*a.get_ref(), *b.get_ref(), *c.get_ref());
        let ok = match method {
            ClassMethod::Percentile => {
                let fine = 0.0 < x && x < y && y < z && z <= 1.0;
                if !fine {
                    self.problem(
                        a.span(),
                        format!(
                            "{what}: percentile classes need 0 < A < B < C ≤ 1 (increasing rank shares), got A = {x}, B = {y}, C = {z}"
                        ),
                    );
                }
                fine
            }
            ClassMethod::Breaks => {
                let fine = 100.0 >= x && x > y && y > z && z > 0.0;
                if !fine {
                    self.problem(
                        a.span(),
                        format!(
                            "{what}: score breaks need 100 ≥ A > B > C > 0 (A is the best class), got A = {x}, B = {y}, C = {z}"
                        ),
                    );
                }
                fine
            }
        };
        ok.then_some(Classes {
            method,
            a: x,
            b: y,
            c: z,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Criteria> {
        parse(text, Path::new("t.toml"))
    }

    #[test]
    fn every_preset_loads_and_validates() {
        let embedded: Vec<&str> = PRESET_TEXTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            embedded, PRESETS,
            "config::PRESETS and the embedded presets"
        );
        for name in PRESETS {
            let c = load_preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(c.name, *name);
            assert_eq!(c.origin, format!("preset {name}"));
            assert!(!c.rules.is_empty());
            for r in &c.rules {
                assert!(!r.label_zh.is_empty() && !r.label_en.is_empty(), "{}", r.id);
                assert!(!r.source.trim().is_empty(), "{name} {}: no source", r.id);
            }
            // Every type has at least one rule; industrial always has a composite.
            for t in [
                LandClass::Industrial,
                LandClass::Commercial,
                LandClass::Residential,
                LandClass::Facility,
            ] {
                assert!(c.rules_for(t).count() > 0, "{name}: no {} rule", t.name());
            }
            assert!(c.composite.contains_key(&LandClass::Industrial));
        }
        let err = load_preset("shenzhen").unwrap_err().to_string();
        assert!(err.contains("national-default, dongguan, tianjin"), "{err}");
    }

    #[test]
    fn national_default_is_spec_table() {
        let c = load_preset("national-default").unwrap();
        let got: Vec<(String, &str, String, String, String)> = c
            .rules
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.ltype.name(),
                    r.field.clone(),
                    r.op.symbol().to_string(),
                    r.threshold.to_string(),
                )
            })
            .collect();
        let want = [
            ("IND_FAR", "industrial", "far", "<", "1.0"),
            ("IND_COV", "industrial", "bld_cov", "<", "0.30"),
            ("IND_TAX", "industrial", "tax_mu", "<", "10"),
            (
                "IND_CLASS",
                "industrial",
                "ind_class",
                "in",
                "{restricted,obsolete,限制,淘汰}",
            ),
            ("IND_IDLE", "industrial", "idle_yrs", ">=", "2"),
            ("COM_VAC", "commercial", "vacancy", ">", "0.30"),
            ("COM_TAX", "commercial", "tax_mu", "<", "20"),
            ("RES_AGE", "residential", "yr_built", "<", "2000"),
            ("RES_DANGER", "residential", "danger", "in", "{C,D}"),
            ("FAC_IDLE", "facility", "idle_yrs", ">=", "2"),
            ("FAC_DANGER", "facility", "danger", "in", "{C,D}"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(a, b, f, o, t)| {
                (
                    a.to_string(),
                    *b,
                    f.to_string(),
                    o.to_string(),
                    t.to_string(),
                )
            })
            .collect();
        assert_eq!(got, want);
        let marks: Vec<(&str, Mark)> = c.rules.iter().map(|r| (r.id.as_str(), r.mark)).collect();
        use Mark::*;
        assert_eq!(
            marks,
            [
                ("IND_FAR", Default),
                ("IND_COV", Source),
                ("IND_TAX", Default),
                ("IND_CLASS", Default),
                ("IND_IDLE", Source),
                ("COM_VAC", Default),
                ("COM_TAX", Default),
                ("RES_AGE", Source),
                ("RES_DANGER", Source),
                ("FAC_IDLE", Default),
                ("FAC_DANGER", Source),
            ]
        );
        assert!(c
            .rule("IND_COV")
            .unwrap()
            .source
            .contains("国土资发〔2008〕24号"));
        assert!(c.rule("IND_IDLE").unwrap().source.contains("第53号"));
        assert!(c
            .rule("RES_DANGER")
            .unwrap()
            .source
            .contains("JGJ 125-2016"));
        assert_eq!(c.measure.prefer, Prefer::Measured);
        assert!(!c.measure.double_tall_storeys);
        let ind = &c.composite[&LandClass::Industrial];
        let w: Vec<(&str, f64)> = ind
            .indicators
            .iter()
            .map(|i| (i.field.as_str(), i.weight))
            .collect();
        assert_eq!(
            w,
            [
                ("tax_mu", 45.0),
                ("out_mu", 20.0),
                ("far", 20.0),
                ("bld_cov", 15.0)
            ]
        );
        assert_eq!(
            ind.classes,
            Classes {
                method: ClassMethod::Percentile,
                a: 0.25,
                b: 0.70,
                c: 0.95
            }
        );
        let com = &c.composite[&LandClass::Commercial];
        assert_eq!(com.indicators[0].benchmark, 20.0);
        assert_eq!(com.indicators[1].direction, Direction::Lower);
        assert_eq!(com.indicators[1].benchmark, 0.3);
    }

    #[test]
    fn city_presets_differ_where_they_should() {
        let dg = load_preset("dongguan").unwrap();
        assert!(dg.measure.double_tall_storeys);
        assert_eq!(dg.rule("IND_TAX").unwrap().threshold.to_string(), "15");
        assert_eq!(dg.rule("IND_TAX").unwrap().mark, Mark::Default);
        let tj = load_preset("tianjin").unwrap();
        let ind = &tj.composite[&LandClass::Industrial];
        assert_eq!(ind.classes.method, ClassMethod::Breaks);
        let w: Vec<(&str, f64)> = ind
            .indicators
            .iter()
            .map(|i| (i.field.as_str(), i.weight))
            .collect();
        assert_eq!(w, [("tax_mu", 45.0), ("out_mu", 35.0), ("far", 20.0)]);
    }

    #[test]
    fn a_minimal_file_and_its_defaults() {
        let c = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far_m\"\nop = \"<\"\nthreshold = 1\nmark = \"default\"\n").unwrap();
        assert_eq!(c.measure.prefer, Prefer::Measured);
        let r = &c.rules[0];
        assert_eq!(r.field_ref, FieldRef::Measured(MeasuredField::Far));
        assert_eq!(r.threshold.to_string(), "1");
        assert_eq!(r.line, 2);
        assert_eq!(r.label(), "far_m");
        assert!(c.composite.is_empty());
        assert_eq!(
            FieldRef::from_name("bld_cov"),
            Some(FieldRef::Survey {
                index: model_index("bld_cov").unwrap(),
                measured: Some(MeasuredField::Cov)
            })
        );
    }

    #[test]
    fn values_accept_numbers_and_match_case_insensitively() {
        let c = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"residential\"\nfield = \"danger\"\nop = \"in\"\nvalues = [\"c\", \" D \", 3, 2.5]\nmark = \"default\"\n").unwrap();
        let r = &c.rules[0];
        assert_eq!(r.threshold.to_string(), "{c, D ,3,2.5}");
        assert!(r.set_contains_text("C"));
        assert!(r.set_contains_text(" d"));
        assert!(r.set_contains_text("3.0"));
        assert!(!r.set_contains_text("B"));
        assert!(r.set_contains_number(2.5));
        assert!(!r.set_contains_number(2.0));
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let text = "\
name = \"broken\"
[measure]
prefer = \"guess\"

[[rule]]
id = \"R1\"
type = \"industrail\"
field = \"far\"
op = \"<\"
threshold = 1.0
mark = \"default\"

[[rule]]
id = \"R1\"
type = \"industrial\"
field = \"farr\"
op = \"=<\"
threshold = 1.0
mark = \"default\"

[[rule]]
id = \"R3\"
type = \"commercial\"
field = \"vacancy\"
op = \">\"
mark = \"source\"

[[rule]]
id = \"R4\"
type = \"residential\"
field = \"danger\"
op = \"in\"
threshold = 3
mark = \"maybe\"

[[rule]]
id = \"R5\"
type = \"residential\"
field = \"danger\"
op = \"<\"
threshold = 3
mark = \"default\"

[composite.industrial]
indicators = [
  { field = \"tax_mu\", weight = 0, direction = \"higher\", benchmark = 10 },
  { field = \"danger\", weight = 5, direction = \"up\", benchmark = -1 },
]
classes = { method = \"percentile\", A = 0.7, B = 0.25, C = 0.95 }

[composite.warehouse]
indicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]
classes = { method = \"breaks\", A = 40, B = 60, C = 80 }
";
        let err = p(text).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        let msg = err.to_string();
        let want = [
            "line 3: [measure] prefer = 'guess'",
            "line 7: rule R1: type 'industrail'",
            "line 14: rule R1: duplicate id 'R1'",
            "line 16: rule R1: field 'farr'",
            "line 17: rule R1: op '=<'",
            "line 25: rule R3: op '>' needs threshold",
            "line 26: rule R3: mark = \"source\" needs the citation",
            "line 32: rule R4: op 'in' needs values",
            "line 33: rule R4: op 'in' takes values",
            "line 34: rule R4: mark 'maybe'",
            "line 40: rule R5: op '<' needs a numeric field, 'danger' is text",
            "line 46: [composite.industrial]: weight 0 must be > 0",
            "line 47: [composite.industrial]: indicator field 'danger' is text",
            "line 47: [composite.industrial]: direction 'up'",
            "line 47: [composite.industrial]: benchmark -1 must be > 0",
            "line 49: [composite.industrial]: percentile classes need 0 < A < B < C",
            "line 51: [composite.warehouse]: not a land type",
            "line 53: [composite.warehouse]: score breaks need 100 ≥ A > B > C",
        ];
        for w in want {
            assert!(msg.contains(w), "missing '{w}' in\n{msg}");
        }
        assert_eq!(msg.matches("\n  line ").count() + 1, want.len(), "{msg}");
        // Problems are listed in line order.
        let lines: Vec<usize> = msg
            .split("line ")
            .skip(1)
            .map(|s| s.split(':').next().unwrap().parse().unwrap())
            .collect();
        assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    }

    #[test]
    fn missing_keys_are_reported_at_their_table() {
        let err = p("description = \"no name\"\n\n[[rule]]\ntype = \"industrial\"\n\n[composite.commercial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n[composite.facility]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\n").unwrap_err();
        let msg = err.to_string();
        for w in [
            "line 1: name is missing",
            "line 3: [[rule]] id is missing",
            "line 3: rule: field is missing",
            "line 3: rule: op is missing",
            "line 3: rule: mark is missing",
            "line 9: [composite.facility]: classes is missing",
        ] {
            assert!(msg.contains(w), "missing '{w}' in\n{msg}");
        }
        assert!(!msg.contains("composite.commercial"), "{msg}");
    }

    #[test]
    fn breaks_must_decrease_and_unknown_keys_have_a_line() {
        let base = "name = \"x\"\n[composite.industrial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\n";
        let err = p(&format!(
            "{base}classes = {{ method = \"breaks\", A = 40, B = 60, C = 80 }}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 4: [composite.industrial]: score breaks need"),
            "{err}"
        );
        let ok = p(&format!(
            "{base}min_weight_share = 1\nclasses = {{ method = \"breaks\", A = 80, B = 60, C = 40 }}\n"
        ))
        .unwrap();
        assert_eq!(ok.composite[&LandClass::Industrial].min_weight_share, 1.0);
        let err = p("name = \"x\"\n[[rule]]\nid = \"A\"\nthreshhold = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field") && err.contains("line 4"),
            "{err}"
        );
    }
}
