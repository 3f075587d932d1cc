//! GeoJSON (RFC 7946 and the legacy `crs` member), GeoPackage and FileGDB through GDAL.
//!
//! A GDAL `Dataset` is `Send` but not `Sync`: the layer is read on one thread and turned
//! into `geo` types here; validation then runs in parallel on the model.

use crate::error::{Error, Result};
use crate::model::{
    CrsDecl, EncodingReport, EncodingSource, FieldDef, FieldKind, RawFeature, RawLayer, Value,
};
use gdal::vector::{FieldValue, LayerAccess, OGRFieldType};
use gdal::Dataset;
use std::path::Path;

/// Reads one layer of a GDAL-readable source. `layer` names it; without a name the
/// source must hold exactly one layer with geometry.
pub fn read_gdal(path: &Path, layer: Option<&str>) -> Result<RawLayer> {
    let ds =
        Dataset::open(path).map_err(|e| Error::input(path, "GDAL cannot open it").because(e))?;
    let mut lyr = match layer {
        Some(name) => ds.layer_by_name(name).map_err(|_| {
            Error::input(
                path,
                format!(
                    "has no layer '{name}'; its layers are: {}",
                    layer_names(&ds).join(", ")
                ),
            )
        })?,
        None => pick_layer(&ds, path)?,
    };
    let layer_name = lyr.name();
    let fields: Vec<FieldDef> = lyr
        .defn()
        .fields()
        .map(|f| FieldDef::new(f.name(), kind_of(f.field_type())))
        .collect();
    let crs = lyr
        .spatial_ref()
        .map(|srs| match (srs.auth_name().as_deref(), srs.auth_code()) {
            (Some("EPSG"), Ok(code)) if code > 0 => CrsDecl::Epsg(code as u32),
            _ => CrsDecl::Definition(srs.to_wkt().unwrap_or_default()),
        });
    let list_types: Vec<bool> = lyr
        .defn()
        .fields()
        .map(|f| {
            matches!(
                f.field_type(),
                OGRFieldType::OFTIntegerList
                    | OGRFieldType::OFTInteger64List
                    | OGRFieldType::OFTRealList
                    | OGRFieldType::OFTStringList
            )
        })
        .collect();
    let declared = lyr.feature_count();
    let mut features = Vec::with_capacity(usize::try_from(declared).unwrap_or(0).min(1 << 24));
    // GDAL reports a read error (a corrupt page, a truncated file) by ending the
    // iteration and setting its thread's last error: check both, so a partial read is
    // an error and never a smaller layer.
    // SAFETY: resets this thread's GDAL error state; no pointers involved.
    unsafe { gdal_sys::CPLErrorReset() };
    for (index, feature) in lyr.features().enumerate() {
        let values = (0..fields.len())
            .map(|i| {
                // SAFETY: the feature handle is alive for this call; `i` is a field index.
                let set = unsafe {
                    gdal_sys::OGR_F_IsFieldSetAndNotNull(feature.c_feature(), i as i32) != 0
                };
                if !set {
                    return Value::Null;
                }
                // gdal 0.19 builds list values from GDAL's pointer without a null check
                // (undefined behaviour for an empty list): lists are read here instead.
                if list_types[i] {
                    // SAFETY: as above.
                    return unsafe { list_value(feature.c_feature(), i as i32) };
                }
                match feature.field(i) {
                    Ok(Some(v)) => to_value(v),
                    _ => Value::Null,
                }
            })
            .collect();
        let geometry = feature.geometry().and_then(|g| {
            // SAFETY: reads the handle only to test it for null (a feature without
            // geometry can hand out a geometry wrapping none).
            if unsafe { g.c_geometry() }.is_null() || g.is_empty() {
                return None;
            }
            // A geometry geo cannot hold (e.g. FileGDB curves) reads as none and is
            // rejected with the reason `empty_geometry`.
            geo::Geometry::<f64>::try_from(g).ok()
        });
        features.push(RawFeature {
            index,
            geometry,
            values,
        });
        // Only an error from fetching the next feature may remain when the loop ends,
        // not one from converting this feature.
        // SAFETY: as above.
        unsafe { gdal_sys::CPLErrorReset() };
    }
    if let Some(message) = last_gdal_error() {
        return Err(Error::input(
            path,
            format!(
                "layer '{layer_name}': reading stopped after record {} of {declared}: {message}",
                features.len()
            ),
        ));
    }
    if u64::try_from(features.len()).ok() != Some(declared) {
        return Err(Error::input(
            path,
            format!(
                "layer '{layer_name}' declares {declared} features but {} could be read: the file is damaged or still being written",
                features.len()
            ),
        ));
    }
    Ok(RawLayer {
        source: path.to_path_buf(),
        layer_name,
        fields,
        features,
        released: 0,
        crs,
        encoding: EncodingReport {
            name: "UTF-8".into(),
            source: EncodingSource::Format,
        },
        deleted: 0,
        nul_stripped: 0,
    })
}

/// The message of this thread's last GDAL error of class failure or worse, if any.
fn last_gdal_error() -> Option<String> {
    // SAFETY: reads this thread's GDAL error state; the message is copied before any
    // other GDAL call can change it.
    unsafe {
        let class = gdal_sys::CPLGetLastErrorType();
        if class < gdal_sys::CPLErr::CE_Failure {
            return None;
        }
        let msg = gdal_sys::CPLGetLastErrorMsg();
        Some(if msg.is_null() {
            "unknown GDAL error".to_string()
        } else {
            std::ffi::CStr::from_ptr(msg).to_string_lossy().into_owned()
        })
    }
}

/// The names of a source's layers with geometry, in the source's order.
pub fn spatial_layers(path: &Path) -> Result<Vec<String>> {
    let ds =
        Dataset::open(path).map_err(|e| Error::input(path, "GDAL cannot open it").because(e))?;
    Ok(ds
        .layers()
        .filter(|l| l.defn().geom_fields().count() > 0)
        .map(|l| l.name())
        .collect())
}

fn layer_names(ds: &Dataset) -> Vec<String> {
    ds.layers().map(|l| l.name()).collect()
}

/// The only layer with geometry, or an error listing the choices.
fn pick_layer<'a>(ds: &'a Dataset, path: &Path) -> Result<gdal::vector::Layer<'a>> {
    let spatial: Vec<usize> = (0..ds.layer_count())
        .filter(|&i| {
            ds.layer(i)
                .map(|l| l.defn().geom_fields().count() > 0)
                .unwrap_or(false)
        })
        .collect();
    match spatial.as_slice() {
        [i] => ds
            .layer(*i)
            .map_err(|e| Error::input(path, format!("cannot read layer {i}")).because(e)),
        [] => Err(Error::input(path, "holds no layer with geometry")),
        _ => Err(Error::input(
            path,
            format!(
                "holds several layers ({}); name one with parcels_layer / buildings_layer in the config",
                layer_names(ds).join(", ")
            ),
        )),
    }
}

fn kind_of(t: OGRFieldType::Type) -> FieldKind {
    match t {
        OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => FieldKind::Int,
        OGRFieldType::OFTReal => FieldKind::Real,
        _ => FieldKind::Text,
    }
}

/// A list field of a feature as comma-separated text; an empty list is null.
///
/// # Safety
/// `f` must be a live feature handle and `i` one of its list-typed fields.
unsafe fn list_value(f: gdal_sys::OGRFeatureH, i: i32) -> Value {
    let defn = gdal_sys::OGR_F_GetFieldDefnRef(f, i);
    let mut len: i32 = 0;
    // The number of items when GDAL gave a pointer to some.
    let items = |ptr: *const std::ffi::c_void, len: i32| -> Option<usize> {
        (!ptr.is_null() && len > 0).then_some(len as usize)
    };
    let text = match gdal_sys::OGR_Fld_GetType(defn) {
        OGRFieldType::OFTIntegerList => {
            let p = gdal_sys::OGR_F_GetFieldAsIntegerList(f, i, &mut len);
            items(p.cast(), len).map(|n| join(std::slice::from_raw_parts(p, n)))
        }
        OGRFieldType::OFTInteger64List => {
            let p = gdal_sys::OGR_F_GetFieldAsInteger64List(f, i, &mut len);
            items(p.cast(), len).map(|n| join(std::slice::from_raw_parts(p, n)))
        }
        OGRFieldType::OFTRealList => {
            let p = gdal_sys::OGR_F_GetFieldAsDoubleList(f, i, &mut len);
            items(p.cast(), len).map(|n| join(std::slice::from_raw_parts(p, n)))
        }
        _ => {
            // A NULL-terminated array of C strings.
            let mut p = gdal_sys::OGR_F_GetFieldAsStringList(f, i);
            let mut items = Vec::new();
            while !p.is_null() && !(*p).is_null() {
                items.push(std::ffi::CStr::from_ptr(*p).to_string_lossy().into_owned());
                p = p.add(1);
            }
            (!items.is_empty()).then(|| items.join(","))
        }
    };
    text.map_or(Value::Null, Value::Text)
}

fn join<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn list<T: std::fmt::Display>(v: &[T]) -> Value {
    Value::Text(
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Silences GDAL's own printing of errors to stderr: landsift reports every read error
/// itself (naming file, layer and record), and the last error stays readable.
pub fn quiet() {
    gdal::config::set_error_handler(|_, _, _| {});
}

fn to_value(v: FieldValue) -> Value {
    match v {
        FieldValue::IntegerValue(i) => Value::Int(i as i64),
        FieldValue::Integer64Value(i) => Value::Int(i),
        FieldValue::RealValue(r) => Value::Real(r),
        FieldValue::StringValue(s) if s.is_empty() => Value::Null,
        FieldValue::StringValue(s) => Value::Text(s),
        // chrono's Debug forms are ISO 8601 (`2024-01-31`, `2024-01-31T08:00:00+08:00`).
        FieldValue::DateValue(d) => Value::Text(format!("{d:?}")),
        FieldValue::DateTimeValue(d) => Value::Text(format!("{d:?}")),
        // Lists (GeoJSON arrays) are kept as text, comma-separated: an engine field that
        // expects a number counts them as unparsed.
        FieldValue::IntegerListValue(v) => list(&v),
        FieldValue::Integer64ListValue(v) => list(&v),
        FieldValue::RealListValue(v) => list(&v),
        FieldValue::StringListValue(v) => list(&v),
    }
}
