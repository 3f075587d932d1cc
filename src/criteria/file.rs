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
    pub(super) rule: Vec<Spanned<FileRule>>,
    #[serde(default)]
    pub(super) composite: BTreeMap<Spanned<String>, Spanned<FileComposite>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileMeasure {
    pub(super) prefer: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) double_tall_storeys: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRule {
    pub(super) id: Option<Spanned<String>>,
    #[serde(rename = "type")]
    pub(super) ltype: Option<Spanned<String>>,
    pub(super) field: Option<Spanned<String>>,
    pub(super) op: Option<Spanned<String>>,
    pub(super) threshold: Option<Spanned<f64>>,
    pub(super) values: Option<Spanned<Vec<toml::Value>>>,
    #[serde(default)]
    pub(super) unit: String,
    #[serde(default)]
    pub(super) label_zh: String,
    #[serde(default)]
    pub(super) label_en: String,
    pub(super) mark: Option<Spanned<String>>,
    pub(super) source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileComposite {
    #[serde(default)]
    pub(super) indicators: Vec<Spanned<FileIndicator>>,
    pub(super) min_weight_share: Option<Spanned<f64>>,
    pub(super) classes: Option<Spanned<FileClasses>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileIndicator {
    pub(super) field: Option<Spanned<String>>,
    pub(super) weight: Option<Spanned<f64>>,
    pub(super) direction: Option<Spanned<String>>,
    pub(super) benchmark: Option<Spanned<f64>>,
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
