//! Export: write layers for GIS staff (GeoJSON, Shapefile, GeoPackage) and run reports.

use crate::model::{FieldDef, OutputLayer, Value};
use geo::MultiPolygon;

pub mod geojson;
pub mod gpkg;
pub mod guide;
pub mod html_report;
pub mod parcels;
pub mod qgis_layout;
pub mod qgis_project;
pub mod report_charts;
pub mod report_criteria;
pub mod shapefile;
pub mod stats;
pub mod style;
pub mod summary;
pub mod zones;

/// Fields a DBF holds: 255, as dBase IV and every desktop GIS since (its record must
/// also fit in 65,535 bytes). Source attributes beyond are left out of a Shapefile and
/// listed in its `.fields.csv`; the GeoPackage and GeoJSON keep them.
pub const DBF_MAX_FIELDS: usize = 255;

/// Attribute columns a GeoPackage table holds: SQLite's 2,000 columns, less the feature
/// id and the geometry.
pub const GPKG_MAX_FIELDS: usize = 1998;

/// Who issues a run's deliverables, from what data and of when: the report's masthead,
/// the notes of the QGIS print layouts and `说明.txt` (`[report]` in the config, the
/// inputs, the working CRS).
#[derive(Debug, Clone, Default)]
pub struct Imprint {
    /// 编制单位 (`[report] bureau`).
    pub bureau: Option<String>,
    /// 数据日期 (`[report] data_date`).
    pub data_date: Option<String>,
    /// 成果日期 (`[report] date`).
    pub date: Option<String>,
    /// 数据来源: the inputs by file name and what was kept, e.g. `宗地 zd.shp（4,013 宗）`.
    pub source: String,
    /// 坐标系: the working CRS's name and code.
    pub crs: String,
}

/// Writes a CSV file through `csv::Writer` (RFC 4180 quoting where needed, `\n` line
/// ends), with a UTF-8 byte-order mark first when `bom` (Excel then reads Chinese right).
/// `rows` receives the writer; the file is written whole or not at all.
pub fn write_csv(
    path: &std::path::Path,
    bom: bool,
    rows: impl FnOnce(&mut csv::Writer<&mut Vec<u8>>) -> csv::Result<()>,
) -> crate::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    if bom {
        buf.extend_from_slice("\u{feff}".as_bytes());
    }
    let written = {
        let mut w = csv::Writer::from_writer(&mut buf);
        rows(&mut w).and_then(|()| w.flush().map_err(csv::Error::from))
    };
    written.map_err(|e| crate::Error::output(path, "cannot format CSV").because(e))?;
    std::fs::write(path, buf).map_err(|e| crate::Error::output(path, "cannot write").because(e))
}

/// A layer ready to write: fields, and rows borrowing their geometry.
#[derive(Debug, Clone)]
pub struct OutLayer<'a> {
    /// Layer name (file stem for Shapefile/GeoJSON, table name in a GeoPackage).
    pub name: String,
    pub fields: Vec<FieldDef>,
    pub rows: Vec<OutRow<'a>>,
}

impl<'a> OutLayer<'a> {
    /// One of the run's output layers, under the name [`OutputLayer`] gives it.
    pub fn of(layer: OutputLayer, fields: Vec<FieldDef>, rows: Vec<OutRow<'a>>) -> Self {
        OutLayer {
            name: layer.as_str().to_string(),
            fields,
            rows,
        }
    }
}

/// One row of an [`OutLayer`]: geometry (none for attribute-only tables) and one value per field.
#[derive(Debug, Clone)]
pub struct OutRow<'a> {
    pub geometry: Option<&'a MultiPolygon<f64>>,
    pub values: Vec<Value>,
}
