//! GeoJSON (RFC 7946 and the legacy `crs` member), GeoPackage and FileGDB through GDAL.
//!
//! A GDAL `Dataset` is `Send` but not `Sync`: a layer is read on one thread and turned
//! into `geo` types as it is read, except a large GeoPackage table, read in FID ranges on
//! as many threads, each with its own handle on the file, and joined in FID order.

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
    read_gdal_fields(path, layer, None)
}

/// [`read_gdal`] reading the values of the fields named in `keep` only, when given: the
/// others are null in every record (GDAL is told to ignore them, so they are neither
/// fetched nor converted), while the layer's field list stays whole.
pub fn read_gdal_fields(
    path: &Path,
    layer: Option<&str>,
    keep: Option<&[&str]>,
) -> Result<RawLayer> {
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
    let kinds: Vec<ReadAs> = lyr
        .defn()
        .fields()
        .map(|f| match keep {
            Some(keep) if !keep.contains(&f.name().as_str()) => ReadAs::Skip,
            _ => ReadAs::of(f.field_type()),
        })
        .collect();
    // GDAL takes OGR_GEOMETRY, OGR_STYLE and a geometry column's name in this list as
    // the geometry or style: a field so named is read, and skipped, as any other.
    let geometry_names: Vec<String> = lyr.defn().geom_fields().map(|g| g.name()).collect();
    let special = |name: &str| {
        ["OGR_GEOMETRY", "OGR_STYLE"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(name))
            || geometry_names.iter().any(|g| g.eq_ignore_ascii_case(name))
    };
    let ignored: Vec<std::ffi::CString> = fields
        .iter()
        .zip(&kinds)
        .filter(|(f, k)| **k == ReadAs::Skip && !special(&f.name))
        .filter_map(|(f, _)| std::ffi::CString::new(f.name.as_str()).ok())
        .collect();
    ignore_fields(&mut lyr, &ignored);
    let declared = lyr.feature_count();
    let features = match partitions(&ds, &lyr, declared) {
        Some((fid, ranges)) => {
            read_partitions(path, &layer_name, &fid, &ranges, &kinds, &ignored, declared)?
        }
        None => read_features(&mut lyr, &kinds, declared)
            .map_err(|(read, message)| stopped(path, &layer_name, read, declared, &message))?,
    };
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

/// Tells GDAL not to fetch the values of the fields named in `names` (their values read
/// as null). A driver that cannot ignore fields reads them, and [`ReadAs::Skip`] leaves
/// them unconverted all the same.
fn ignore_fields(lyr: &mut gdal::vector::Layer<'_>, names: &[std::ffi::CString]) {
    if names.is_empty() {
        return;
    }
    let mut list: Vec<*const std::ffi::c_char> = names.iter().map(|n| n.as_ptr()).collect();
    list.push(std::ptr::null());
    // SAFETY: the layer handle is alive; `list` is a NULL-terminated array of C strings
    // that outlive the call (GDAL copies the names).
    unsafe {
        gdal_sys::OGR_L_SetIgnoredFields(lyr.c_layer(), list.as_mut_ptr());
        gdal_sys::CPLErrorReset();
    }
}

/// Fewest features a partition of a parallel read holds: below this, opening the
/// source once more costs more than it saves.
const MIN_PARTITION: u64 = 20_000;

/// The error of a read that stopped early: `read` records came before the failure.
fn stopped(path: &Path, layer_name: &str, read: usize, declared: u64, message: &str) -> Error {
    Error::input(
        path,
        format!(
            "layer '{layer_name}': reading stopped after record {read} of {declared}: {message}"
        ),
    )
}

/// Reads a layer's features from where its reading stands to its end, in order,
/// numbering them from 0. GDAL reports a read error (a corrupt page, a truncated file)
/// by ending the iteration and setting its thread's last error: both are checked, so a
/// partial read is an error (`(records read, message)`) and never a smaller layer.
fn read_features(
    lyr: &mut gdal::vector::Layer<'_>,
    kinds: &[ReadAs],
    expected: u64,
) -> std::result::Result<Vec<RawFeature>, (usize, String)> {
    let mut features = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).min(1 << 24));
    // With fields skipped, the wanted values wait in one buffer and each record's values
    // are allocated after the layer's geometry: geometry that outlives the values (a
    // building's footprint) then shares no heap pages with them once they are freed.
    let wanted: Vec<usize> = (0..kinds.len())
        .filter(|&i| kinds[i] != ReadAs::Skip)
        .collect();
    let deferred = wanted.len() < kinds.len();
    let mut pending: Vec<Value> = Vec::new();
    // SAFETY: resets this thread's GDAL error state; no pointers involved.
    unsafe { gdal_sys::CPLErrorReset() };
    for (index, feature) in lyr.features().enumerate() {
        // SAFETY: the feature handle is alive for the whole call.
        let (geometry, values) = unsafe { convert(feature.c_feature(), kinds) };
        // Date and other rare types read through the `gdal` crate.
        let values = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Some(v) => v,
                None => match feature.field(i) {
                    Ok(Some(v)) => to_value(v),
                    _ => Value::Null,
                },
            })
            .collect();
        let values = if deferred {
            let mut values: Vec<Value> = values;
            pending.extend(
                wanted
                    .iter()
                    .map(|&i| std::mem::replace(&mut values[i], Value::Null)),
            );
            Vec::new()
        } else {
            values
        };
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
    if deferred {
        let mut pending = pending.into_iter();
        for f in &mut features {
            let mut values = vec![Value::Null; kinds.len()];
            for (&i, v) in wanted.iter().zip(pending.by_ref()) {
                values[i] = v;
            }
            f.values = values;
        }
    }
    match last_gdal_error() {
        Some(message) => Err((features.len(), message)),
        None => Ok(features),
    }
}

/// How a parallel read splits a GeoPackage table: its FID column and inclusive FID
/// ranges, one a worker, in FID order. `None` reads on one thread: another format, a
/// small layer, one thread, or a table whose FIDs cannot be asked for.
///
/// A GeoPackage table is a SQLite rowid table keyed by its FID, and GDAL reads it in
/// FID order with or without a FID filter: the ranges read one after the other give the
/// features in the order one sequential read gives them.
fn partitions(
    ds: &Dataset,
    lyr: &gdal::vector::Layer<'_>,
    declared: u64,
) -> Option<(String, Vec<(i64, i64)>)> {
    let workers = rayon::current_num_threads().min(16) as u64;
    let workers = workers.min(declared / MIN_PARTITION);
    if workers < 2 || ds.driver().short_name() != "GPKG" {
        return None;
    }
    // SAFETY: the layer handle is alive; GDAL returns an empty string for no FID column.
    let fid = unsafe {
        let p = gdal_sys::OGR_L_GetFIDColumn(lyr.c_layer());
        (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    }?;
    if fid.is_empty() || fid.contains('"') || lyr.name().contains('"') {
        return None;
    }
    // One aggregate a subquery: SQLite answers a lone MIN or MAX of the rowid from the
    // B-tree's ends, but scans the whole table for both in one SELECT (a second of one
    // core for a million buildings).
    let sql = format!(
        "SELECT (SELECT MIN(\"{fid}\") FROM \"{t}\"), (SELECT MAX(\"{fid}\") FROM \"{t}\")",
        t = lyr.name()
    );
    let (lo, hi) = {
        let mut rs = ds
            .execute_sql(&sql, None, gdal::vector::sql::Dialect::DEFAULT)
            .ok()??;
        let row = rs.features().next()?;
        let int = |i: usize| match row.field(i) {
            Ok(Some(FieldValue::Integer64Value(v))) => Some(v),
            Ok(Some(FieldValue::IntegerValue(v))) => Some(i64::from(v)),
            _ => None,
        };
        (int(0)?, int(1)?)
    };
    // SAFETY: the SQL may leave an error behind; the reads reset it themselves.
    unsafe { gdal_sys::CPLErrorReset() };
    if hi < lo {
        return None;
    }
    let span = i128::from(hi) - i128::from(lo) + 1;
    let w = i128::from(workers);
    let ranges = (0..w)
        .map(|k| {
            let a = i128::from(lo) + span * k / w;
            let b = i128::from(lo) + span * (k + 1) / w - 1;
            (a as i64, b as i64)
        })
        .filter(|(a, b)| a <= b)
        .collect();
    Some((fid, ranges))
}

/// Reads a GeoPackage table in FID ranges, each on its own thread with its own handle
/// on the file, and joins them in FID order.
fn read_partitions(
    path: &Path,
    layer_name: &str,
    fid: &str,
    ranges: &[(i64, i64)],
    kinds: &[ReadAs],
    ignored: &[std::ffi::CString],
    declared: u64,
) -> Result<Vec<RawFeature>> {
    use rayon::prelude::*;
    type Part = std::result::Result<Vec<RawFeature>, (usize, String)>;
    let parts: Vec<Result<Part>> = ranges
        .par_iter()
        .map(|&(a, b)| {
            let ds = Dataset::open(path)
                .map_err(|e| Error::input(path, "GDAL cannot open it").because(e))?;
            let mut lyr = ds.layer_by_name(layer_name).map_err(|e| {
                Error::input(path, format!("cannot read layer '{layer_name}'")).because(e)
            })?;
            ignore_fields(&mut lyr, ignored);
            lyr.set_attribute_filter(&format!("\"{fid}\" >= {a} AND \"{fid}\" <= {b}"))
                .map_err(|e| {
                    Error::input(path, format!("cannot read layer '{layer_name}'")).because(e)
                })?;
            Ok(read_features(
                &mut lyr,
                kinds,
                declared / ranges.len() as u64,
            ))
        })
        .collect();
    let mut features: Vec<RawFeature> =
        Vec::with_capacity(usize::try_from(declared).unwrap_or(0).min(1 << 24));
    for part in parts {
        match part? {
            Ok(mut p) => features.append(&mut p),
            Err((read, message)) => {
                return Err(stopped(
                    path,
                    layer_name,
                    features.len() + read,
                    declared,
                    &message,
                ))
            }
        }
    }
    for (index, f) in features.iter_mut().enumerate() {
        f.index = index;
    }
    Ok(features)
}

/// How a field's values are read: the common types straight from GDAL, lists by
/// [`list_value`], the rest (dates, times, binary) through the `gdal` crate; not at all
/// (null) for a field the caller does not want.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadAs {
    Int,
    Int64,
    Real,
    Text,
    List,
    Other,
    Skip,
}

impl ReadAs {
    fn of(t: OGRFieldType::Type) -> Self {
        match t {
            OGRFieldType::OFTInteger => ReadAs::Int,
            OGRFieldType::OFTInteger64 => ReadAs::Int64,
            OGRFieldType::OFTReal => ReadAs::Real,
            OGRFieldType::OFTString => ReadAs::Text,
            OGRFieldType::OFTIntegerList
            | OGRFieldType::OFTInteger64List
            | OGRFieldType::OFTRealList
            | OGRFieldType::OFTStringList => ReadAs::List,
            _ => ReadAs::Other,
        }
    }
}

/// One feature's geometry and values; `None` for a value of a field read as
/// [`ReadAs::Other`] that is set.
///
/// # Safety
/// `f` must be a live feature handle of a layer whose fields `kinds` describes.
unsafe fn convert(
    f: gdal_sys::OGRFeatureH,
    kinds: &[ReadAs],
) -> (Option<geo::Geometry<f64>>, Vec<Option<Value>>) {
    let values = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let i = i as i32;
            if *kind == ReadAs::Skip || gdal_sys::OGR_F_IsFieldSetAndNotNull(f, i) == 0 {
                return Some(Value::Null);
            }
            Some(match kind {
                ReadAs::Int => Value::Int(i64::from(gdal_sys::OGR_F_GetFieldAsInteger(f, i))),
                ReadAs::Int64 => Value::Int(gdal_sys::OGR_F_GetFieldAsInteger64(f, i)),
                ReadAs::Real => Value::Real(gdal_sys::OGR_F_GetFieldAsDouble(f, i)),
                ReadAs::Text => {
                    let p = gdal_sys::OGR_F_GetFieldAsString(f, i);
                    if p.is_null() {
                        return Some(Value::Null);
                    }
                    let s = std::ffi::CStr::from_ptr(p).to_string_lossy();
                    if s.is_empty() {
                        Value::Null
                    } else {
                        Value::Text(s.into_owned())
                    }
                }
                // gdal 0.19 builds list values from GDAL's pointer without a null check
                // (undefined behaviour for an empty list): lists are read here instead.
                ReadAs::List => list_value(f, i),
                ReadAs::Other => return None,
                ReadAs::Skip => Value::Null,
            })
        })
        .collect();
    let g = gdal_sys::OGR_F_GetGeometryRef(f);
    // A feature without geometry, or with an empty one, has none. A geometry geo cannot
    // hold (e.g. FileGDB curves, Z or M) reads as none and is rejected with the reason
    // `empty_geometry`.
    let geometry = if g.is_null() || gdal_sys::OGR_G_IsEmpty(g) == 1 {
        None
    } else {
        to_geo(g)
    };
    (geometry, values)
}

/// A GDAL geometry as a `geo` one, for the types `gdal`'s own conversion takes
/// (2D points, lines, polygons, their collections), with a line's vertices copied in one
/// call; `None` for any other type, as there.
///
/// # Safety
/// `g` must be a live, non-null geometry handle.
unsafe fn to_geo(g: gdal_sys::OGRGeometryH) -> Option<geo::Geometry<f64>> {
    use gdal_sys::OGRwkbGeometryType as T;
    let parts = |g: gdal_sys::OGRGeometryH| {
        (0..gdal_sys::OGR_G_GetGeometryCount(g).max(0)).map(move |n| {
            let part = gdal_sys::OGR_G_GetGeometryRef(g, n);
            if part.is_null() {
                None
            } else {
                to_geo(part)
            }
        })
    };
    Some(match gdal_sys::OGR_G_GetGeometryType(g) {
        T::wkbPoint => {
            let (mut x, mut y, mut z) = (0.0, 0.0, 0.0);
            gdal_sys::OGR_G_GetPoint(g, 0, &mut x, &mut y, &mut z);
            geo::Geometry::Point(geo::Point::new(x, y))
        }
        T::wkbLineString => geo::Geometry::LineString(line(g)),
        T::wkbPolygon => {
            let mut rings = parts(g).map(|r| match r? {
                geo::Geometry::LineString(l) => Some(l),
                _ => None,
            });
            let exterior = rings.next().flatten()?;
            let holes = rings.collect::<Option<Vec<_>>>()?;
            geo::Geometry::Polygon(geo::Polygon::new(exterior, holes))
        }
        // A part of another type than the collection's makes the geometry unreadable.
        T::wkbMultiPoint => geo::Geometry::MultiPoint(geo::MultiPoint(typed(parts(g))?)),
        T::wkbMultiLineString => {
            geo::Geometry::MultiLineString(geo::MultiLineString(typed(parts(g))?))
        }
        T::wkbMultiPolygon => geo::Geometry::MultiPolygon(geo::MultiPolygon(typed(parts(g))?)),
        T::wkbGeometryCollection => geo::Geometry::GeometryCollection(geo::GeometryCollection(
            parts(g).collect::<Option<_>>()?,
        )),
        _ => return None,
    })
}

/// The parts of a multi-geometry as the one type `P` they must all be, `None` when a
/// part is unreadable or of another type.
fn typed<P: TryFrom<geo::Geometry<f64>>>(
    parts: impl Iterator<Item = Option<geo::Geometry<f64>>>,
) -> Option<Vec<P>> {
    parts.map(|p| P::try_from(p?).ok()).collect()
}

/// A line's vertices (x, y), copied by GDAL in one call.
///
/// # Safety
/// `g` must be a live line (or ring) handle.
unsafe fn line(g: gdal_sys::OGRGeometryH) -> geo::LineString<f64> {
    let n = usize::try_from(gdal_sys::OGR_G_GetPointCount(g)).unwrap_or(0);
    let mut coords = vec![geo::Coord { x: 0.0, y: 0.0 }; n];
    if n > 0 {
        let stride = std::mem::size_of::<geo::Coord<f64>>() as i32;
        let base = coords.as_mut_ptr();
        // SAFETY: `coords` holds `n` coordinates, each `stride` bytes apart; GDAL
        // writes at most the line's `n` points into x and y and nothing into z.
        let got = gdal_sys::OGR_G_GetPoints(
            g,
            std::ptr::addr_of_mut!((*base).x).cast(),
            stride,
            std::ptr::addr_of_mut!((*base).y).cast(),
            stride,
            std::ptr::null_mut(),
            0,
        );
        coords.truncate(usize::try_from(got).unwrap_or(0));
    }
    geo::LineString(coords)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn read_on(threads: usize, path: &Path) -> RawLayer {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| read_gdal(path, None).unwrap())
    }

    /// A GeoPackage large enough to be read in FID ranges, with gaps in its FIDs (deleted
    /// rows), null geometries and values, reads as one thread reads it: same records,
    /// same order, same values.
    #[test]
    fn a_geopackage_read_in_fid_ranges_equals_one_read() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("p.geojson");
        let n = 60_000;
        let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for i in 0..n {
            let (x, y) = ((i % 300) as f64 * 10.0, (i / 300) as f64 * 10.0);
            let geometry = if i % 1000 == 7 {
                "null".to_string()
            } else {
                format!(
                    "{{\"type\":\"Polygon\",\"coordinates\":[[[{x},{y}],[{},{y}],[{},{}],[{x},{y}]]]}}",
                    x + 9.5,
                    x + 9.5,
                    y + 9.25
                )
            };
            let name = if i % 11 == 0 {
                "null".into()
            } else {
                format!("\"P{i}\"")
            };
            text.push_str(&format!(
                "{}{{\"type\":\"Feature\",\"properties\":{{\"name\":{name},\"n\":{i},\"r\":{}}},\"geometry\":{geometry}}}\n",
                if i > 0 { "," } else { "" },
                i as f64 / 8.0
            ));
        }
        text.push_str("]}\n");
        std::fs::write(&json, text).unwrap();
        let gpkg = dir.path().join("p.gpkg");
        let ok = Command::new("ogr2ogr")
            .args(["-f", "GPKG", "-nln", "p"])
            .arg(&gpkg)
            .arg(&json)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ogr2ogr");
        {
            let ds = gdal::Dataset::open_ex(
                &gpkg,
                gdal::DatasetOptions {
                    open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE
                        | gdal::GdalOpenFlags::GDAL_OF_VECTOR,
                    ..Default::default()
                },
            )
            .unwrap();
            ds.execute_sql(
                "DELETE FROM p WHERE fid % 7 = 0 OR (fid > 20000 AND fid < 26000)",
                None,
                gdal::vector::sql::Dialect::DEFAULT,
            )
            .unwrap();
        }
        let one = read_on(1, &gpkg);
        let ds = Dataset::open(&gpkg).unwrap();
        let lyr = ds.layer(0).unwrap();
        let declared = lyr.feature_count();
        assert_eq!(declared, one.features.len() as u64);
        assert!(declared > 2 * MIN_PARTITION, "{declared}");
        let (_, ranges) = partitions(&ds, &lyr, declared).expect("split on 2+ threads");
        assert!(ranges.len() >= 2, "{ranges:?}");
        let many = read_on(4, &gpkg);
        assert_eq!(one.features.len(), many.features.len());
        for (a, b) in one.features.iter().zip(&many.features) {
            assert_eq!(a.index, b.index);
            assert_eq!(a.geometry, b.geometry, "record {}", a.index);
            assert_eq!(a.values, b.values, "record {}", a.index);
        }
        // The records are those left, in FID order (FID 1 is record 0, `i` = FID − 1),
        // with their values and shapes.
        let f = &many.features[1];
        assert_eq!(f.values[0], Value::Text("P1".into()));
        assert_eq!(f.values[1], Value::Int(1));
        assert_eq!(f.values[2], Value::Real(0.125));
        assert!(many.features.iter().any(|f| f.geometry.is_none()));
        assert!(many.features.iter().any(|f| f.values[0].is_null()));
        match &f.geometry {
            Some(geo::Geometry::Polygon(p)) => {
                assert_eq!(p.exterior().0.len(), 4);
                assert_eq!(p.exterior().0[2], geo::coord! { x: 19.5, y: 9.25 });
            }
            other => panic!("{other:?}"),
        }
        // Keeping one field, on one thread or in FID ranges: the same records and
        // geometry, that field's values, the others null, the field list whole.
        for threads in [1, 4] {
            let kept = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| read_gdal_fields(&gpkg, None, Some(&["r"])).unwrap());
            assert_eq!(kept.fields, one.fields);
            assert_eq!(kept.features.len(), one.features.len());
            for (a, b) in one.features.iter().zip(&kept.features) {
                assert_eq!(a.index, b.index);
                assert_eq!(a.geometry, b.geometry, "record {}", a.index);
                assert_eq!(
                    b.values,
                    vec![Value::Null, Value::Null, a.values[2].clone()],
                    "record {}",
                    a.index
                );
            }
            assert!(kept.features.iter().any(|f| f.values[2] != Value::Null));
        }
    }
}
