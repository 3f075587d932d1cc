//! The bundled sample district: the README's first command runs on it; it exercises the
//! GBK path and every reject reason; two runs give byte-identical data files.

mod common;
use common::*;

#[test]
fn sample_district_runs_with_nothing_lost() {
    let dir = tmp();
    let out = dir.path().join("out");
    let s = run_ok(&[], &out);
    assert_eq!(s["sample_district"], true);
    assert_eq!(s["encoding"], "GBK");
    assert_eq!(s["encoding_source"], "cpg");
    assert_eq!(s["crs"], "EPSG:4547");
    let n_in = s["parcels_in"].as_u64().unwrap();
    let n_out = s["parcels_out"].as_u64().unwrap();
    assert_eq!(n_in, n_out + s["parcels_rejected"].as_u64().unwrap());
    // The generator's deliberate defects, each rejected with its reason.
    for reason in [
        "duplicate_id",
        "invalid_geometry",
        "missing_land_use",
        "unknown_land_use",
    ] {
        assert_eq!(s["rejected_by_reason"][reason], 1, "{reason}");
    }
    assert!(s["buildings_in"].as_u64().unwrap() > 1000);
    let gpkg = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    assert_eq!(gpkg.rows.len() as u64, n_out);
    assert_eq!(gpkg.epsg, Some(4547));
    // Chinese town names survive GBK → UTF-8 shapefile / GPKG / GeoJSON.
    for r in [
        read_back(&out.join("parcels.shp"), None),
        read_back(&out.join("parcels.geojson"), None),
        gpkg,
    ] {
        let towns: std::collections::BTreeSet<String> = r
            .rows
            .iter()
            .filter_map(|row| row["town"].clone())
            .collect();
        assert!(
            towns.contains("长安镇") && towns.contains("虎门镇"),
            "{towns:?}"
        );
    }
    // Areas: the summary's total equals the sum over the layer, and mu/ha/km² agree.
    let total: f64 = s["parcel_area"]["m2"].as_f64().unwrap();
    assert!((s["parcel_area"]["mu"].as_f64().unwrap() - total * 3.0 / 2000.0).abs() < 1e-6);
    assert!((s["parcel_area"]["km2"].as_f64().unwrap() - total / 1e6).abs() < 1e-12);
}

#[test]
fn two_runs_give_byte_identical_data_files() {
    // The second run on one thread: parallelism must not change a byte.
    let dir = tmp();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    run_ok(&[], &a);
    let o = landsift_env(
        &["run", "--out", b.to_str().unwrap()],
        &[("RAYON_NUM_THREADS", "1")],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut files = vec![
        "parcels.dbf".to_string(),
        "parcels.prj".into(),
        "parcels.cpg".into(),
        "rejects.csv".into(),
        "stats.csv".into(),
        "stats.json".into(),
        "stats.xlsx".into(),
        "report.html".into(),
        "landsift.qgs".into(),
        "说明.txt".into(),
    ];
    for layer in [
        "parcels",
        "small_circles",
        "middle_circles",
        "large_circles",
    ] {
        for ext in ["geojson", "shp", "shx", "qml"] {
            files.push(format!("{layer}.{ext}"));
        }
    }
    for f in &files {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs between two runs");
    }
}

#[test]
fn readme_opens_with_the_two_commands() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block: Vec<&str> = readme
        .split("```")
        .nth(1)
        .expect("a fenced code block")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(block, ["./scripts/sample", "./scripts/test"]);
    for cmd in block {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(cmd);
        assert!(path.exists(), "{cmd} exists");
    }
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.contains("README.md"),
        ".ci/run runs the README's commands"
    );
}

#[test]
fn a_copied_binary_runs_the_sample_in_an_empty_directory() {
    // The sample travels inside the binary: a copy in a folder of its own, run there,
    // needs no checkout (no data/sample, no CARGO_MANIFEST_DIR).
    let dir = tmp();
    let exe = dir.path().join("landsift");
    std::fs::copy(binary(), &exe).unwrap();
    let o = std::process::Command::new(&exe)
        .args(["run", "--out", "out"])
        .current_dir(dir.path())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let out = dir.path().join("out");
    let s = summary(&out);
    assert_eq!(s["sample_district"], true);
    assert_eq!(s["parcels_in"], 4000);
    assert_eq!(s["buildings_in"], 11377);
    let source = s["inputs"]["parcels"]["path"].as_str().unwrap();
    assert!(
        !source.contains(env!("CARGO_MANIFEST_DIR")),
        "read from the checkout: {source}"
    );
    for f in [
        "landsift.gpkg",
        "landsift.qgs",
        "report.html",
        "parcels.shp",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // The same data as data/sample: the same layers and statistics, byte for byte.
    let checkout = tmp();
    let d = checkout.path().join("out");
    let sample = |f: &str| format!("{}/data/sample/{f}", env!("CARGO_MANIFEST_DIR"));
    run_ok(
        &[
            "--parcels",
            &sample("parcels.shp"),
            "--buildings",
            &sample("buildings.shp"),
        ],
        &d,
    );
    for f in [
        "parcels.geojson",
        "parcels.shp",
        "large_circles.geojson",
        "stats.json",
    ] {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(d.join(f)).unwrap(),
            "{f} differs from a run in the checkout"
        );
    }
}
