//! Town boundary layers (镇街界线): polygons and their names, in the working CRS, for the
//! zoning stage to place parcels in towns ([`crate::zone::towns::assign`]).

use crate::crs::{SourceCrs, WorkingCrs};
use crate::error::{Error, Result};
use crate::model::{RawLayer, TownBoundaries};

/// Name fields tried, in order (case-insensitive), on a town boundary layer without
/// `towns_field`: ours, common English ones, and the 第三次全国国土调查 township layer's.
pub const TOWN_NAME_FIELDS: &[&str] = &["town", "name", "XZQMC", "ZJMC", "镇街", "镇街名称"];

/// Reads a town boundary layer (in the working CRS): polygons and their names (`field`,
/// or the first of [`TOWN_NAME_FIELDS`] the layer has).
pub fn town_boundaries(
    layer: &RawLayer,
    field: Option<&str>,
    source: &SourceCrs,
    working: &WorkingCrs,
) -> Result<TownBoundaries> {
    let found = match field {
        Some(f) => layer.field_index(f).ok_or(f.to_string()),
        None => layer
            .first_field(TOWN_NAME_FIELDS)
            .ok_or(TOWN_NAME_FIELDS.join(", ")),
    };
    let name_i = found.map_err(|wanted| {
        let have: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
        Error::input(
            &layer.source,
            format!(
                "town boundary layer has no name field ({wanted}); its fields: {} (set [zones] towns_field)",
                have.join(", ")
            ),
        )
    })?;
    let (geoms, rejects) = super::prepare_geometries(layer, source, working)?;
    if let Some(r) = rejects.first() {
        // A town line that cannot be placed cannot decide any parcel's town.
        return Err(Error::input(
            &layer.source,
            format!(
                "town boundary record {}: {} ({})",
                r.index, r.detail, r.reason
            ),
        ));
    }
    let mut boundaries = TownBoundaries {
        names: Vec::new(),
        polygons: Vec::new(),
    };
    for (i, g) in geoms {
        let feature = &layer.features[i];
        let polygons = match g {
            geo::Geometry::Polygon(p) => geo::MultiPolygon::new(vec![p]),
            geo::Geometry::MultiPolygon(m) => m,
            other => {
                return Err(Error::input(
                    &layer.source,
                    format!(
                        "town boundary record {} is a {}, not a polygon",
                        feature.index,
                        super::geometry::type_name(&other)
                    ),
                ))
            }
        };
        let name = feature.values[name_i].as_text().unwrap_or_default();
        if name.trim().is_empty() {
            return Err(Error::input(
                &layer.source,
                format!("town boundary record {} has no name", feature.index),
            ));
        }
        boundaries.names.push(name.trim().to_string());
        boundaries.polygons.push(polygons);
    }
    if boundaries.polygons.is_empty() {
        return Err(Error::input(&layer.source, "town boundary layer is empty"));
    }
    Ok(boundaries)
}
