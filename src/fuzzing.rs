//! Entry points for the fuzz targets (`fuzz/`) and for the test that replays their
//! corpus (`tests/fuzz_corpus.rs`): each takes arbitrary bytes, runs one reader or parser
//! and what follows it on success, and must return — an error is a fine outcome, a
//! panic or a hang is a bug.

use crate::ingest::{self, geometry, InvalidPolicy};
use std::io::Cursor;
use std::path::Path;

/// A DBF table: header, field descriptors, records, encoding detection.
pub fn dbf(data: &[u8]) {
    let path = Path::new("fuzz.dbf");
    let _ = ingest::dbf::read_dbf_from(Cursor::new(data), path, None);
    let gbk = Some((encoding_rs::GBK, crate::model::EncodingSource::Explicit));
    let _ = ingest::dbf::read_dbf_from(Cursor::new(data), path, gbk);
}

/// A `.shp` without its `.shx`: every shape read, converted and checked as a parcel.
pub fn shapefile(data: &[u8]) {
    let mut cursor = Cursor::new(data);
    if ingest::shapefile::check_structure(&mut cursor, Path::new("fuzz.shp")).is_err() {
        return;
    }
    let Ok(reader) = shapefile::ShapeReader::new(cursor) else {
        return;
    };
    if let Ok(shapes) = ingest::shapefile::read_shapes_from(reader, Path::new("fuzz.shp")) {
        for g in shapes.iter().take(256) {
            let _ = geometry::check(g.as_ref(), InvalidPolicy::Repair);
        }
    }
}

/// A configuration file (TOML) with every check a run makes.
pub fn config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::config::check_text(text, Path::new("fuzz.toml"));
    }
}

/// A criteria file (TOML) with every check a run makes.
pub fn criteria(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::criteria::parse(text, Path::new("fuzz-criteria.toml"));
    }
}

/// A GeoJSON layer read through GDAL, and its features checked as parcels.
pub fn geojson(data: &[u8]) {
    // One in-memory file per thread (the replay test runs in parallel).
    let path = format!(
        "/vsimem/landsift-fuzz-{:?}.geojson",
        std::thread::current().id()
    );
    // GDAL reads a buffer it does not own: `create_mem_file` hands GDAL a Rust
    // allocation to free, which for an empty input is a dangling pointer.
    let mut buffer = data.to_vec();
    let Ok(file) = gdal::vsi::create_mem_file_from_ref(&path, &mut buffer) else {
        return;
    };
    if let Ok(layer) = ingest::gdal::read_gdal(Path::new(&path), None) {
        for f in layer.features.iter().take(256) {
            let _ = geometry::check(f.geometry.as_ref(), InvalidPolicy::Repair);
        }
    }
    drop(file);
}

/// A fuzz target's entry point.
pub type Target = fn(&[u8]);

/// The fuzz targets by name (the corpus folders under `fuzz/corpus/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("dbf", dbf),
    ("shapefile", shapefile),
    ("config", config),
    ("criteria", criteria),
    ("geojson", geojson),
];
