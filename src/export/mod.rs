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
pub mod xlsx;
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
    std::fs::write(path, buf).map_err(|e| crate::Error::output(path, "cannot write").because(e))?;
    crate::publish::writeback::start_file(path);
    Ok(())
}

/// How many blocks a writer formats in parallel before writing them in order: two per
/// thread, so that every thread stays busy, and at most `max`. The formatted blocks
/// alive at once are what a writer holds beyond the layer; the file is the same
/// whatever the count.
pub(crate) fn blocks_per_wave(max: usize) -> usize {
    (2 * rayon::current_num_threads()).clamp(2, max.max(2))
}

/// A layer ready to write: fields, and rows borrowing their geometry.
///
/// Rows are either held (`rows`) or made on demand (`OutLayer::generated`): the parcels
/// layer of a district has a million rows of sixty values, which held at once would be
/// the largest thing a run keeps in memory; writers ask for one row at a time
/// ([`OutLayer::row`], [`OutLayer::iter`]), in parallel where they format in blocks.
#[derive(Clone)]
pub struct OutLayer<'a> {
    /// Layer name (file stem for Shapefile/GeoJSON, table name in a GeoPackage).
    pub name: String,
    pub fields: Vec<FieldDef>,
    /// The rows, when held; empty for a generated layer.
    pub rows: Vec<OutRow<'a>>,
    generated: Option<Generated<'a>>,
}

/// Rows made on demand: how many, and how to make row `i`.
#[derive(Clone)]
struct Generated<'a> {
    len: usize,
    make: std::sync::Arc<dyn Fn(usize) -> OutRow<'a> + Send + Sync + 'a>,
    /// Row `i`'s geometry alone, for writers that pass over geometry and values apart.
    geometry: Option<std::sync::Arc<GeometryOf<'a>>>,
}

type GeometryOf<'a> = dyn Fn(usize) -> Option<&'a MultiPolygon<f64>> + Send + Sync + 'a;

impl std::fmt::Debug for OutLayer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutLayer")
            .field("name", &self.name)
            .field("fields", &self.fields)
            .field("rows", &self.len())
            .finish()
    }
}

impl<'a> OutLayer<'a> {
    /// One of the run's output layers, under the name [`OutputLayer`] gives it.
    pub fn of(layer: OutputLayer, fields: Vec<FieldDef>, rows: Vec<OutRow<'a>>) -> Self {
        Self::new(layer.as_str(), fields, rows)
    }

    /// A layer of held rows.
    pub fn new(name: &str, fields: Vec<FieldDef>, rows: Vec<OutRow<'a>>) -> Self {
        OutLayer {
            name: name.to_string(),
            fields,
            rows,
            generated: None,
        }
    }

    /// A layer of `len` rows made on demand by `make` (called once per row per writer).
    pub fn generated(
        layer: OutputLayer,
        fields: Vec<FieldDef>,
        len: usize,
        make: impl Fn(usize) -> OutRow<'a> + Send + Sync + 'a,
    ) -> Self {
        OutLayer {
            name: layer.as_str().to_string(),
            fields,
            rows: Vec::new(),
            generated: Some(Generated {
                len,
                make: std::sync::Arc::new(make),
                geometry: None,
            }),
        }
    }

    /// Gives a generated layer a way to reach a row's geometry without making the row.
    pub fn with_geometry(
        mut self,
        geometry: impl Fn(usize) -> Option<&'a MultiPolygon<f64>> + Send + Sync + 'a,
    ) -> Self {
        if let Some(g) = self.generated.as_mut() {
            g.geometry = Some(std::sync::Arc::new(geometry));
        }
        self
    }

    /// Row `i`'s geometry (`i < len()`).
    pub fn geometry(&self, i: usize) -> Option<&'a MultiPolygon<f64>> {
        match &self.generated {
            Some(Generated {
                geometry: Some(g), ..
            }) => g(i),
            Some(g) => (g.make)(i).geometry,
            None => self.rows[i].geometry,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.generated.as_ref().map_or(self.rows.len(), |g| g.len)
    }

    /// Whether the layer has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` (`i < len()`), borrowed when held, made when generated.
    pub fn row(&self, i: usize) -> std::borrow::Cow<'_, OutRow<'a>> {
        match &self.generated {
            Some(g) => std::borrow::Cow::Owned((g.make)(i)),
            None => std::borrow::Cow::Borrowed(&self.rows[i]),
        }
    }

    /// Every row in order.
    pub fn iter(&self) -> impl Iterator<Item = std::borrow::Cow<'_, OutRow<'a>>> + '_ {
        (0..self.len()).map(|i| self.row(i))
    }
}

/// One row of an [`OutLayer`]: geometry (none for attribute-only tables) and one value per field.
#[derive(Debug, Clone)]
pub struct OutRow<'a> {
    pub geometry: Option<&'a MultiPolygon<f64>>,
    pub values: Vec<Value>,
}
