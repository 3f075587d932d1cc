//! A criteria file as written (TOML, serde): the schema before validation.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCriteria {
    pub(super) name: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) measure: FileMeasure,
    #[serde(default)]
    pub(super) codes: FileCodes,
    #[serde(default)]
    pub(super) rule: Vec<Spanned<FileRule>>,
    #[serde(default)]
    pub(super) composite: BTreeMap<Spanned<String>, Spanned<FileComposite>>,
    #[serde(default)]
    pub(super) mode: Vec<Spanned<FileMode>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileMeasure {
    /// Both preferences at once (older files).
    pub(super) prefer: Option<Spanned<String>>,
    pub(super) prefer_far: Option<Spanned<String>>,
    pub(super) prefer_cov: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) double_tall_storeys: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCodes {
    /// The edition of `ind_code`: `GB/T 4754-2017` (default) or `GB/T 4754-2002`.
    pub(super) industry: Option<Spanned<String>>,
}

/// `type = "industrial"` or `type = ["industrial", "commercial"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum FileTypes {
    One(String),
    Many(Vec<String>),
}

impl FileTypes {
    pub(super) fn names(&self) -> Vec<&str> {
        match self {
            FileTypes::One(s) => vec![s.as_str()],
            FileTypes::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A comparison: a rule's own keys, an entry of its `all`, a composite's `exempt`, a
/// mode's `when`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCondition {
    pub(super) field: Option<Spanned<String>>,
    pub(super) op: Option<Spanned<String>>,
    pub(super) threshold: Option<Spanned<f64>>,
    pub(super) values: Option<Spanned<Vec<toml::Value>>>,
    pub(super) by_industry: Option<Spanned<BTreeMap<String, f64>>>,
    #[serde(default)]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) label_zh: String,
    #[serde(default)]
    pub(super) label_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRule {
    pub(super) id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub(super) ltype: Option<Spanned<FileTypes>>,
    pub(super) field: Option<Spanned<String>>,
    pub(super) op: Option<Spanned<String>>,
    pub(super) threshold: Option<Spanned<f64>>,
    pub(super) values: Option<Spanned<Vec<toml::Value>>>,
    pub(super) by_industry: Option<Spanned<BTreeMap<String, f64>>>,
    #[serde(default)]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) label_zh: String,
    #[serde(default)]
    pub(super) label_en: String,
    /// Conditions that must all hold, instead of `field`/`op`/….
    pub(super) all: Option<Spanned<Vec<Spanned<FileCondition>>>>,
    pub(super) name_zh: Option<Spanned<String>>,
    pub(super) mark: Option<Spanned<String>>,
    pub(super) source: Option<String>,
}

impl FileRule {
    /// The rule's own comparison keys, as a condition.
    pub(super) fn own_condition(&self) -> FileCondition {
        FileCondition {
            field: self.field.clone(),
            op: self.op.clone(),
            threshold: self.threshold.clone(),
            values: self.values.clone(),
            by_industry: self.by_industry.clone(),
            unit: self.unit.clone(),
            label_zh: self.label_zh.clone(),
            label_en: self.label_en.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileComposite {
    #[serde(default)]
    pub(super) indicators: Vec<Spanned<FileIndicator>>,
    pub(super) min_weight_share: Option<Spanned<f64>>,
    pub(super) classes: Option<Spanned<FileClasses>>,
    /// `report` (default) or `rule` (a `[[rule]]` of the type reads `class`).
    pub(super) role: Option<Spanned<String>>,
    pub(super) group_by: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) groups: BTreeMap<Spanned<String>, Vec<Spanned<FileIndicator>>>,
    pub(super) exempt: Option<Spanned<FileCondition>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileIndicator {
    pub(super) field: Option<Spanned<String>>,
    pub(super) weight: Option<Spanned<f64>>,
    pub(super) direction: Option<Spanned<String>>,
    /// A number, or `"mean"` (the peer group's mean).
    pub(super) benchmark: Option<Spanned<toml::Value>>,
    pub(super) benchmark_factor: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileClasses {
    pub(super) method: Option<Spanned<String>>,
    #[serde(rename = "A")]
    pub(super) a: Option<Spanned<f64>>,
    #[serde(rename = "B")]
    pub(super) b: Option<Spanned<f64>>,
    #[serde(rename = "C")]
    pub(super) c: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileMode {
    pub(super) mode: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub(super) ltype: Option<Spanned<FileTypes>>,
    #[serde(default)]
    pub(super) when: Vec<Spanned<FileModeCondition>>,
    pub(super) mark: Option<Spanned<String>>,
    pub(super) source: Option<String>,
}

/// One condition of a mode: a comparison, `fired = [rule ids]`, `inside = "<layer>"` or
/// `outside = "<layer>"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileModeCondition {
    pub(super) field: Option<Spanned<String>>,
    pub(super) op: Option<Spanned<String>>,
    pub(super) threshold: Option<Spanned<f64>>,
    pub(super) values: Option<Spanned<Vec<toml::Value>>>,
    #[serde(default)]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) label_zh: String,
    pub(super) fired: Option<Spanned<Vec<String>>>,
    pub(super) inside: Option<Spanned<String>>,
    pub(super) outside: Option<Spanned<String>>,
}

impl FileModeCondition {
    pub(super) fn comparison(&self) -> FileCondition {
        FileCondition {
            field: self.field.clone(),
            op: self.op.clone(),
            threshold: self.threshold.clone(),
            values: self.values.clone(),
            by_industry: None,
            unit: self.unit.clone(),
            label_zh: self.label_zh.clone(),
            label_en: String::new(),
        }
    }
}
