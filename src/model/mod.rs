//! The engine's data model: attribute values, layers as read, parcels, units of area.

mod choice;
mod fields;
mod outputs;
mod row;
pub mod time;
mod units;

pub use choice::Choice;
pub use fields::{FieldMap, SurveyField};
pub use outputs::{Format, OutputLayer, ShpEncoding};
pub use row::{Row, ValueRef};
pub use units::{m2_to_mu, Areas, Metres, Mu, Range, M2_PER_HA, M2_PER_KM2, M2_PER_MU};

use geo::MultiPolygon;
use std::path::PathBuf;

/// One attribute value, as read from a source or computed by the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Value {
    /// The value as text, as a user would type it (`None` for null).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(i.to_string()),
            Value::Real(r) => Some(format_real(*r)),
            Value::Text(s) => Some(s.clone()),
        }
    }

    /// The value as a number, parsing text (`None` for null, empty or non-numeric text).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Null => None,
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            Value::Text(s) => s.trim().parse::<f64>().ok(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Shortest text that reads back as the same f64 (Rust's `Display` is round-trip exact).
pub fn format_real(r: f64) -> String {
    if r.is_finite() && r == r.trunc() && r.abs() < 1e15 {
        format!("{r:.1}")
    } else {
        format!("{r}")
    }
}

/// The type of an attribute column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Int,
    Real,
    /// Text; dates are carried as ISO text (`YYYY-MM-DD`).
    Text,
}

/// One attribute column of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub name: String,
    pub kind: FieldKind,
}

impl FieldDef {
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Self {
        FieldDef {
            name: name.into(),
            kind,
        }
    }
}

/// How a text encoding was chosen for a DBF, reported in the run summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingSource {
    /// `--encoding` or the config's `encoding`.
    Explicit,
    /// The `.cpg` file beside the `.dbf`.
    Cpg,
    /// The DBF header's language-driver byte (offset 29).
    LanguageDriver,
    /// No declaration; every text value is valid UTF-8.
    Utf8Check,
    /// No declaration and not UTF-8: GB18030 (a superset of GBK and GB2312).
    Gb18030Fallback,
    /// The source format defines its encoding (GeoJSON, GeoPackage, FileGDB: UTF-8).
    Format,
}

impl EncodingSource {
    /// How the encoding was chosen, for people.
    pub fn describe(self) -> &'static str {
        match self {
            EncodingSource::Explicit => "set by --encoding or the config",
            EncodingSource::Cpg => "declared by the .cpg file",
            EncodingSource::LanguageDriver => "declared by the DBF language-driver byte",
            EncodingSource::Utf8Check => "undeclared; every text is valid UTF-8",
            EncodingSource::Gb18030Fallback => "undeclared and not UTF-8: read as GB18030",
            EncodingSource::Format => "fixed by the format",
        }
    }
}

/// The encoding a layer's text was decoded with, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EncodingReport {
    /// WHATWG name as `encoding_rs` gives it, e.g. `UTF-8`, `GBK`, `gb18030`.
    pub name: String,
    pub source: EncodingSource,
}

/// A CRS as a source declares it, before the engine resolves it.
#[derive(Debug, Clone, PartialEq)]
pub enum CrsDecl {
    /// An authority code, `EPSG:N`.
    Epsg(u32),
    /// WKT (OGC or ESRI flavour, as in a `.prj`) or a PROJ string.
    Definition(String),
    /// An engineering grid with no geodetic link (`--s-srs local`).
    Local,
}

/// One feature as read from a source, before validation.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// 0-based position of the record in its source.
    pub index: usize,
    /// `None` for a null shape.
    pub geometry: Option<geo::Geometry<f64>>,
    /// One value per field of the layer, in field order.
    pub values: Vec<Value>,
}

/// A layer as read from a source, in the source CRS.
#[derive(Debug, Clone)]
pub struct RawLayer {
    /// The file (or directory, for FileGDB) it came from.
    pub source: PathBuf,
    /// Layer name inside the source (the file stem for a shapefile).
    pub layer_name: String,
    pub fields: Vec<FieldDef>,
    pub features: Vec<RawFeature>,
    /// What the source declares, `None` when it declares nothing.
    pub crs: Option<CrsDecl>,
    pub encoding: EncodingReport,
    /// Records the source flags as deleted (DBF `*`), which are not in `features`.
    pub deleted: usize,
    /// Text values (and field names) from which NUL characters were removed: no output
    /// format can carry them.
    pub nul_stripped: usize,
    /// Records [`RawLayer::release`] dropped from `features` once validated: counted in
    /// [`RawLayer::records`], 0 until then.
    pub released: usize,
}

impl RawLayer {
    /// Frees what validation has copied into the model: every feature's geometry and,
    /// with `values`, the records themselves (counted on in [`RawLayer::records`]);
    /// without, the attributes stay, positions kept. A district's raw layers are
    /// otherwise a second copy of all its data held to the end of the run.
    pub fn release(&mut self, values: bool) {
        if values {
            self.released += self.features.len();
            self.features = Vec::new();
            return;
        }
        for f in &mut self.features {
            f.geometry = None;
        }
        self.features.shrink_to_fit();
    }

    /// How many records the layer was read with (deleted DBF records aside), released
    /// or not.
    pub fn records(&self) -> usize {
        self.features.len() + self.released
    }

    /// Index of a field by exact name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The field named like the first of `wanted` the layer has (case-insensitive).
    pub fn first_field(&self, wanted: &[&str]) -> Option<usize> {
        first_named(self.fields.iter().map(|f| f.name.as_str()), wanted)
    }
}

/// The position among `have` of the first of `wanted` found there (case-insensitive,
/// surrounding blanks ignored): the field or column of a name commonly met in practice.
pub fn first_named<'a>(
    have: impl Iterator<Item = &'a str> + Clone,
    wanted: &[&str],
) -> Option<usize> {
    wanted
        .iter()
        .find_map(|w| have.clone().position(|h| h.trim().eq_ignore_ascii_case(w)))
}

/// A validated parcel in the working CRS.
#[derive(Debug, Clone)]
pub struct Parcel {
    /// Unique text id (the mapped `parcel_id`).
    pub id: String,
    /// 0-based record index in the source.
    pub index: usize,
    pub geometry: MultiPolygon<f64>,
    /// Planar area in the working CRS, m².
    pub area_m2: f64,
    /// The source attributes the parcels layer passes through, in source order: every
    /// source field but those feeding the engine field of their own name
    /// ([`FieldMap::feeds_its_namesake`]), whose normalised values are in `survey`.
    pub attrs: Row,
    /// Normalised survey fields, one per [`SurveyField`], in its order.
    pub survey: Row,
    /// What repair did to the geometry, empty when nothing.
    pub repaired: String,
}

impl Parcel {
    /// The normalised value of a survey field.
    pub fn survey_value(&self, field: SurveyField) -> ValueRef<'_> {
        self.survey.get(field.index())
    }
}

/// The Chinese words for a reject reason (the report and the rejects table's readers);
/// the code itself for a reason without them.
///
/// ```
/// assert_eq!(landsift::model::reject_reason_zh("duplicate_id"), "宗地编号重复");
/// assert_eq!(landsift::model::reject_reason_zh("something_new"), "something_new");
/// ```
pub fn reject_reason_zh(reason: &str) -> &str {
    match reason {
        "empty_geometry" => "图形为空",
        "not_polygon" => "非面要素",
        "invalid_geometry" => "图形无效（自相交等）",
        "zero_area" => "面积为零",
        "outside_crs_area" => "位于坐标系适用范围之外",
        "outlier_location" => "远离其余宗地（坐标异常）",
        "reprojection_failed" => "无法转换为经纬度",
        "missing_id" => "缺少宗地编号",
        "duplicate_id" => "宗地编号重复",
        "missing_land_use" => "缺少用地代码",
        "unknown_land_use" => "用地代码不在所选分类中",
        other => other,
    }
}

/// A record that did not make it into the model, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reject {
    /// Source file (or layer) it came from.
    pub source: String,
    /// 0-based record index in that source.
    pub index: usize,
    /// The record's id as read, empty when it has none.
    pub id: String,
    /// Machine-readable reason, e.g. `invalid_geometry`, `duplicate_id`.
    pub reason: String,
    /// Human-readable detail naming the value at fault.
    pub detail: String,
}

/// A validated building footprint in the working CRS.
#[derive(Debug, Clone)]
pub struct Building {
    /// 0-based record index in the source.
    pub index: usize,
    pub geometry: MultiPolygon<f64>,
    /// Footprint area in the working CRS, m².
    pub area_m2: f64,
    /// Floors above ground (层数), from the floors field or height ÷ storey height.
    pub floors: Option<f64>,
    /// Height in metres from the layer's height field, when it has one and the value is
    /// a positive number (see [`crate::measure::MeasureOptions::heights`]).
    pub height_m: Option<f64>,
}

/// Town (镇街) polygons with their names, in the working CRS, from a boundary layer.
#[derive(Debug, Clone)]
pub struct TownBoundaries {
    pub names: Vec<String>,
    pub polygons: Vec<MultiPolygon<f64>>,
}
