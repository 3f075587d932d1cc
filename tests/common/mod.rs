//! Helpers for integration tests: paths to the shared real data, running the real
//! binary in a temp directory, `ogr2ogr` (GDAL's own VectorTranslate) to derive test
//! inputs, and reading our outputs back through GDAL.
#![allow(dead_code)]

pub mod district;

use gdal::vector::LayerAccess;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file under `../shared/data/` (beside the checkout; CI lays it the same way).
pub fn shared(rel: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    assert!(p.exists(), "shared test data missing: {}", p.display());
    p
}

/// The `landsift` command (package `landsift-cli`), built once per test process in the
/// profile the tests run under. The engine's tests cannot name another package's binary
/// (`CARGO_BIN_EXE_*` covers only their own), so they build it here; `cargo` is the one
/// running the tests (`CARGO`), so the build shares its target directory and lock file.
pub fn binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            // The test executable is target/<profile dir>/deps/<test>-<hash>.
            let exe = std::env::current_exe().expect("the test knows its path");
            let dir = exe
                .parent()
                .and_then(Path::parent)
                .expect("target/<profile>/deps")
                .to_path_buf();
            let profile = match dir.file_name().and_then(|n| n.to_str()) {
                Some("debug") | None => "dev".to_string(),
                Some(other) => other.to_string(),
            };
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "landsift-cli",
                    "--bin",
                    "landsift",
                ])
                .args(["--profile", &profile])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the landsift command failed");
            dir.join("landsift")
        })
        .clone()
}

/// The result of running the binary.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `landsift ARGS` and returns its exit code and output.
pub fn landsift(args: &[&str]) -> Outcome {
    landsift_env(args, &[])
}

/// Runs `landsift ARGS` with extra environment variables.
pub fn landsift_env(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let out = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("landsift runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs landsift and insists it succeeds; returns the parsed `summary.json`.
pub fn run_ok(args: &[&str], out: &Path) -> serde_json::Value {
    let mut all: Vec<&str> = vec!["run"];
    all.extend_from_slice(args);
    let out_s = out.to_str().unwrap();
    all.extend_from_slice(&["--out", out_s, "--force"]);
    let o = landsift(&all);
    assert_eq!(o.code, 0, "landsift {all:?} failed:\n{}", o.stderr);
    summary(out)
}

/// Reads `summary.json` of an output directory.
pub fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    serde_json::from_str(&text).expect("summary is JSON")
}

/// GDAL's `ogr2ogr`, as a library call: `ogr2ogr(dst, src, ["-f", "GPKG", ...])`.
pub fn ogr2ogr(dst: &Path, src: &Path, args: &[&str]) {
    let src_ds = gdal::Dataset::open(src).expect("source opens");
    let cargs: Vec<CString> = args.iter().map(|a| CString::new(*a).unwrap()).collect();
    let mut argv: Vec<*mut std::ffi::c_char> = cargs
        .iter()
        .map(|a| a.as_ptr() as *mut std::ffi::c_char)
        .collect();
    argv.push(std::ptr::null_mut());
    let dst_c = CString::new(dst.to_str().unwrap()).unwrap();
    // SAFETY: argv outlives the options object; the source handle outlives the call;
    // the returned dataset is closed here, which flushes it to disk.
    unsafe {
        let opts = gdal_sys::GDALVectorTranslateOptionsNew(argv.as_mut_ptr(), std::ptr::null_mut());
        assert!(!opts.is_null(), "bad ogr2ogr options {args:?}");
        let mut src_h = src_ds.c_dataset();
        let mut usage: std::ffi::c_int = 0;
        let out = gdal_sys::GDALVectorTranslate(
            dst_c.as_ptr(),
            std::ptr::null_mut(),
            1,
            &mut src_h,
            opts,
            &mut usage,
        );
        gdal_sys::GDALVectorTranslateOptionsFree(opts);
        assert!(!out.is_null() && usage == 0, "ogr2ogr {args:?} failed");
        gdal_sys::GDALClose(out);
    }
}

/// One layer read back through GDAL: field names, rows as `name → value` text.
pub struct Readback {
    pub fields: Vec<(String, gdal::vector::OGRFieldType::Type)>,
    pub rows: Vec<std::collections::BTreeMap<String, Option<String>>>,
    pub areas: Vec<f64>,
    pub epsg: Option<i32>,
    pub extent: Option<[f64; 4]>,
}

/// Reads a layer (by name, or the first) through GDAL.
pub fn read_back(path: &Path, layer: Option<&str>) -> Readback {
    let ds = gdal::Dataset::open(path).expect("output opens in GDAL");
    let mut lyr = match layer {
        Some(n) => ds.layer_by_name(n).expect("layer exists"),
        None => ds.layer(0).expect("a layer"),
    };
    let fields: Vec<(String, u32)> = lyr
        .defn()
        .fields()
        .map(|f| (f.name(), f.field_type()))
        .collect();
    let epsg = lyr.spatial_ref().and_then(|s| {
        let mut s = s;
        if s.auth_code().is_err() {
            s.auto_identify_epsg().ok()?;
        }
        s.auth_code().ok()
    });
    let extent = lyr
        .get_extent()
        .ok()
        .map(|e| [e.MinX, e.MinY, e.MaxX, e.MaxY]);
    let mut rows = Vec::new();
    let mut areas = Vec::new();
    for f in lyr.features() {
        let mut row = std::collections::BTreeMap::new();
        for (i, (name, _)) in fields.iter().enumerate() {
            row.insert(name.clone(), f.field_as_string(i).ok().flatten());
        }
        areas.push(f.geometry().map(|g| g.area()).unwrap_or(0.0));
        rows.push(row);
    }
    Readback {
        fields,
        rows,
        areas,
        epsg,
        extent,
    }
}

/// A fresh temporary directory.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Writes a text file and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The Seoul parcels with a land-use code added from the lot's land category
/// (대 building site → 0701, 도 road → 1207, others → 1401), as a test input.
pub fn seoul_with_codes(dir: &std::path::Path) -> std::path::PathBuf {
    let dst = dir.join("seoul.geojson");
    ogr2ogr(
        &dst,
        &shared("seoul-songpa-parcels-buildings/parcels.geojson"),
        &[
            "-f",
            "GeoJSON",
            "-dialect",
            "SQLite",
            "-nln",
            "parcels",
            "-sql",
            "SELECT *, CASE substr(\"지번\", -1) WHEN '대' THEN '0701' WHEN '도' THEN '1207' ELSE '1401' END AS land_use FROM parcels",
        ],
    );
    dst
}
