//! Export: write layers for GIS staff (GeoJSON, Shapefile, GeoPackage) and run reports.

use crate::model::{FieldDef, OutputLayer, Value};
use geo::MultiPolygon;

pub mod geojson;
pub mod gpkg;
pub mod html_report;
pub mod parcels;
pub mod qgis_project;
pub mod shapefile;
pub mod stats;
pub mod style;
pub mod zones;

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
