//! GeoPackage through GDAL: one file, several layers; attribute-only tables (rejects)
//! as layers without geometry.

use super::OutLayer;
use crate::error::{Error, Result};
use crate::model::{FieldKind, Value};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::{Dataset, DriverManager};
use std::path::Path;

/// Name of the geometry column of every spatial layer (GDAL's default, named here because
/// `layer_styles` refers to it).
pub const GEOMETRY_COLUMN: &str = "geom";

/// Writes layers into a new GeoPackage, each with a flag saying whether it has
/// geometry (an empty spatial layer is still spatial). `srs_wkt` is the working CRS
/// (`None`: a local grid, written without SRS).
pub fn write_gpkg(path: &Path, layers: &[(&OutLayer, bool)], srs_wkt: Option<&str>) -> Result<()> {
    let err = |e: gdal::errors::GdalError| Error::output(path, "GDAL cannot write it").because(e);
    if path.exists() {
        std::fs::remove_file(path)
            .map_err(|e| Error::output(path, "cannot remove the old file").because(e))?;
    }
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(err)?;
    let mut ds: Dataset = driver.create_vector_only(path).map_err(err)?;
    let srs = srs_wkt.map(SpatialRef::from_wkt).transpose().map_err(err)?;
    for (layer, spatial) in layers {
        write_layer(&mut ds, layer, *spatial, srs.as_ref()).map_err(err)?;
    }
    Ok(())
}

fn write_layer(
    ds: &mut Dataset,
    layer: &OutLayer,
    spatial: bool,
    srs: Option<&SpatialRef>,
) -> std::result::Result<(), gdal::errors::GdalError> {
    let mut txn = ds.start_transaction()?;
    let lyr = txn.create_layer(LayerOptions {
        name: &layer.name,
        srs: if spatial { srs } else { None },
        ty: if spatial {
            OGRwkbGeometryType::wkbMultiPolygon
        } else {
            OGRwkbGeometryType::wkbNone
        },
        options: Some(&[&format!("GEOMETRY_NAME={GEOMETRY_COLUMN}")]),
    })?;
    // A table holds at most GPKG_MAX_FIELDS attributes: the ones beyond (source
    // attributes, which come last) are left out, and the run says so.
    let n = layer.fields.len().min(super::GPKG_MAX_FIELDS);
    for f in &layer.fields[..n] {
        let ty = match f.kind {
            FieldKind::Int => OGRFieldType::OFTInteger64,
            FieldKind::Real => OGRFieldType::OFTReal,
            FieldKind::Text => OGRFieldType::OFTString,
        };
        FieldDefn::new(&f.name, ty)?.add_to_layer(&lyr)?;
    }
    let mut wkb = Vec::new();
    for row in layer.iter() {
        let mut feature = Feature::new(lyr.defn())?;
        if let Some(mp) = row.geometry {
            wkb.clear();
            push_wkb(&mut wkb, mp);
            feature.set_geometry(Geometry::from_wkb(&wkb)?)?;
        }
        for (i, v) in row.values.iter().take(n).enumerate() {
            match v {
                Value::Null => feature.set_field_null(i)?,
                Value::Int(x) => feature.set_field_integer64(i, *x)?,
                Value::Real(x) => feature.set_field_double(i, *x)?,
                Value::Text(s) => feature.set_field_string(i, s)?,
            }
        }
        feature.create(&lyr)?;
    }
    txn.commit()
}

/// Appends the little-endian WKB of a multipolygon: GDAL parses it in one call, where
/// building its geometry ring by ring through the API costs a call per vertex.
fn push_wkb(out: &mut Vec<u8>, mp: &geo::MultiPolygon<f64>) {
    const LITTLE_ENDIAN: u8 = 1;
    const WKB_POLYGON: u32 = 3;
    const WKB_MULTI_POLYGON: u32 = 6;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.push(LITTLE_ENDIAN);
    out.extend_from_slice(&WKB_MULTI_POLYGON.to_le_bytes());
    out.extend_from_slice(&count(mp.0.len()));
    for poly in &mp.0 {
        out.push(LITTLE_ENDIAN);
        out.extend_from_slice(&WKB_POLYGON.to_le_bytes());
        out.extend_from_slice(&count(1 + poly.interiors().len()));
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            out.extend_from_slice(&count(ring.0.len()));
            for c in &ring.0 {
                out.extend_from_slice(&c.x.to_le_bytes());
                out.extend_from_slice(&c.y.to_le_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::vector::ToGdal;

    #[test]
    fn wkb_is_the_geometry_gdal_builds() {
        let square = |x0: f64, hole: bool| {
            let ring = |pts: &[(f64, f64)]| geo::LineString::from(pts.to_vec());
            geo::Polygon::new(
                ring(&[
                    (x0, 0.0),
                    (x0 + 10.0, 0.0),
                    (x0 + 10.0, 10.0),
                    (x0, 10.0),
                    (x0, 0.0),
                ]),
                if hole {
                    vec![ring(&[
                        (x0 + 2.0, 2.0),
                        (x0 + 2.0, 4.0),
                        (x0 + 4.0, 4.0),
                        (x0 + 2.0, 2.0),
                    ])]
                } else {
                    vec![]
                },
            )
        };
        let mp = geo::MultiPolygon::new(vec![square(0.0, true), square(20.5, false)]);
        let mut wkb = Vec::new();
        push_wkb(&mut wkb, &mp);
        let parsed = Geometry::from_wkb(&wkb).unwrap();
        assert_eq!(parsed.wkt().unwrap(), mp.to_gdal().unwrap().wkt().unwrap());
        assert_eq!(parsed.wkb().unwrap(), wkb);
    }
}
