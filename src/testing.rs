//! Fixtures shared by the unit tests (integration tests have `tests/common`).

use crate::model::{Choice, Parcel, Row, SurveyField, Value};
use geo::{polygon, Area, MultiPolygon, Polygon};

/// An axis-aligned rectangle, counter-clockwise from `(x0, y0)`.
pub fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

/// A square of side `size` with its south-west corner at `(x, y)`, as one part.
pub fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![rect(x, y, x + size, y + size)])
}

/// A parcel with this geometry (its area measured), no attributes and every survey
/// field unknown.
pub fn parcel(id: &str, index: usize, geometry: impl Into<MultiPolygon<f64>>) -> Parcel {
    let geometry: MultiPolygon<f64> = geometry.into();
    Parcel {
        id: id.to_string(),
        index,
        area_m2: geometry.unsigned_area(),
        geometry,
        attrs: Row::default(),
        survey: vec![Value::Null; SurveyField::ALL.len()].into(),
        repaired: String::new(),
    }
}

/// A parcel without geometry (area 1000 m²) with this land-use code and these survey
/// values, by engine field name; every other field unknown.
pub fn parcel_with(id: &str, land_use: &str, values: &[(&str, Value)]) -> Parcel {
    let mut p = parcel(id, 0, MultiPolygon::new(vec![]));
    p.area_m2 = 1000.0;
    p.survey
        .set(SurveyField::ParcelId.index(), Value::Text(id.into()));
    p.survey
        .set(SurveyField::LandUse.index(), Value::Text(land_use.into()));
    for (name, v) in values {
        let f = SurveyField::from_name(name).unwrap_or_else(|| panic!("no field {name}"));
        p.survey.set(f.index(), v.clone());
    }
    p
}
