//! The command-line and output contract: CRSs, exact areas, rejects with reasons,
//! exit codes, overwrite protection.

mod common;
use common::*;
use std::path::Path;

/// A GeoJSON FeatureCollection with a legacy `crs` member (pre-RFC 7946).
fn legacy_geojson(epsg: u32, features: &[(&str, &str, &str)]) -> String {
    let feats: Vec<String> = features
        .iter()
        .map(|(props, _, ring)| {
            format!(
                "{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[{ring}]}}}}"
            )
        })
        .collect();
    format!(
        "{{\"type\":\"FeatureCollection\",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::{epsg}\"}}}},\"features\":[{}]}}",
        feats.join(",")
    )
}

/// A square ring of side `s` at (x, y).
fn square(x: f64, y: f64, s: f64) -> String {
    format!(
        "[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]",
        x + s,
        x + s,
        y + s,
        y + s
    )
}

#[test]
fn a_known_square_in_epsg_4547_has_exactly_its_area() {
    let dir = tmp();
    let ring = square(480_000.0, 2_540_000.0, 100.0);
    let gj = legacy_geojson(
        4547,
        &[("\"parcel_id\":\"A1\",\"land_use\":\"1001\"", "", &ring)],
    );
    let p = write(dir.path(), "sq.geojson", &gj);
    let out = dir.path().join("out");
    let s = run_ok(&["--parcels", p.to_str().unwrap()], &out);
    assert_eq!(s["crs"], "EPSG:4547");
    let r = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let num = |f: &str| -> f64 { r.rows[0][f].clone().unwrap().parse().unwrap() };
    assert_eq!(num("area_m2"), 10_000.0);
    assert_eq!(num("area_mu"), 15.0);
    assert_eq!(s["parcel_area"]["mu"], 15.0);
    assert_eq!(s["parcel_area"]["ha"], 1.0);
    // GeoJSON out is lon/lat near Dongguan (CM 114E, x < 500 km → west of 114E).
    let [x0, y0, x1, y1] = read_back(&out.join("parcels.geojson"), None)
        .extent
        .unwrap();
    assert!(
        x0 > 113.7 && x1 < 114.0 && y0 > 22.9 && y1 < 23.0,
        "{x0} {y0}"
    );
}

#[test]
fn gpkg_and_filegdb_written_by_gdal_are_read_with_their_crs() {
    let dir = tmp();
    // EPSG:4526 is the zone-prefixed twin of 4547: x carries the zone number 38.
    for (epsg, x, driver, name) in [
        (4547u32, 480_000.0, "GPKG", "p.gpkg"),
        (4526u32, 38_480_000.0, "OpenFileGDB", "p.gdb"),
    ] {
        let ring = square(x, 2_540_000.0, 50.0);
        let gj = legacy_geojson(
            epsg,
            &[("\"ZDDM\":\"441900001\",\"DLBM\":\"0701\"", "", &ring)],
        );
        let src = write(dir.path(), &format!("{epsg}.geojson"), &gj);
        let dst = dir.path().join(name);
        ogr2ogr(&dst, &src, &["-f", driver, "-nln", "zd"]);
        let config = write(
            dir.path(),
            "c.toml",
            "[fields]\nparcel_id = \"ZDDM\"\nland_use = \"DLBM\"\n",
        );
        let o = landsift(&[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--parcels",
            dst.to_str().unwrap(),
        ]);
        assert_eq!(o.code, 0, "{driver}: {}", o.stderr);
        let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(s["crs"], format!("EPSG:{epsg}"), "{driver}");
        assert_eq!(s["parcel_area"]["m2"], 2500.0, "{driver}");
    }
}

#[test]
fn mixed_crs_across_inputs_is_an_error() {
    let dir = tmp();
    let p = write(
        dir.path(),
        "p.geojson",
        &legacy_geojson(
            4547,
            &[(
                "\"parcel_id\":\"A\",\"land_use\":\"1001\"",
                "",
                &square(480_000.0, 2_540_000.0, 10.0),
            )],
        ),
    );
    let b = write(
        dir.path(),
        "b.geojson",
        &legacy_geojson(
            4526,
            &[("\"floors\":3", "", &square(38_480_000.0, 2_540_000.0, 5.0))],
        ),
    );
    let o = landsift(&[
        "check",
        "--parcels",
        p.to_str().unwrap(),
        "--buildings",
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr.contains("EPSG:4526") && o.stderr.contains("EPSG:4547"),
        "{}",
        o.stderr
    );
}

fn dirty_layer(dir: &Path) -> std::path::PathBuf {
    let sq = |i: usize| square(480_000.0 + 200.0 * i as f64, 2_540_000.0, 100.0);
    let bowtie =
        "[[480000,2541000],[480100,2541100],[480100,2541000],[480000,2541100],[480000,2541000]]";
    let feats = [
        (
            "\"parcel_id\":\"P1\",\"land_use\":\"1001\",\"yr_built\":0,\"danger\":\"\"",
            sq(0),
        ),
        (
            "\"parcel_id\":\"P2\",\"land_use\":\"0701\",\"yr_built\":1995,\"danger\":\"C\"",
            sq(1),
        ),
        ("\"parcel_id\":\"P1\",\"land_use\":\"0901\"", sq(2)),
        ("\"parcel_id\":\"P4\",\"land_use\":\"9999\"", sq(3)),
        ("\"parcel_id\":\"P5\",\"land_use\":\"\"", sq(4)),
        ("\"parcel_id\":\"\",\"land_use\":\"1001\"", sq(5)),
        (
            "\"parcel_id\":\"P7\",\"land_use\":\"1001\"",
            bowtie.to_string(),
        ),
        (
            "\"parcel_id\":\"P8\",\"land_use\":\"701\",\"far\":\"n/a\"",
            sq(7),
        ),
    ];
    let feats: Vec<(&str, &str, &str)> = feats.iter().map(|(p, r)| (*p, "", r.as_str())).collect();
    write(dir, "dirty.geojson", &legacy_geojson(4547, &feats))
}

#[test]
fn every_record_is_kept_or_rejected_with_its_reason() {
    let dir = tmp();
    let p = dirty_layer(dir.path());
    let out = dir.path().join("out");
    // Five of eight records rejected: past the default gate (50 %), so the run fails,
    // and publishes nothing, unless the gate is lifted.
    let o = landsift(&[
        "run",
        "--parcels",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 9, "{}", o.stderr);
    assert!(
        o.stderr.contains("rejected_share") && o.stderr.contains("5 of 8"),
        "{}",
        o.stderr
    );
    assert!(!out.exists(), "a failed gate publishes nothing");
    let s = run_ok(
        &[
            "--parcels",
            p.to_str().unwrap(),
            "--gate",
            "rejected_share=off",
        ],
        &out,
    );
    assert_eq!(s["parcels_in"], 8);
    assert_eq!(s["parcels_out"], 3, "P1, P2, P8 (0701 restored from 701)");
    let by = &s["rejected_by_reason"];
    assert_eq!(by["duplicate_id"], 1);
    assert_eq!(by["unknown_land_use"], 1);
    assert_eq!(by["missing_land_use"], 1);
    assert_eq!(by["missing_id"], 1);
    assert_eq!(by["invalid_geometry"], 1);
    assert_eq!(s["values_unparsed"]["far"], 1);

    let csv = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let csv = csv.trim_start_matches('\u{feff}');
    assert!(csv.starts_with("source,record,id,reason,detail\n"));
    assert!(
        csv.contains(",2,P1,duplicate_id,id 'P1' already used by record 0"),
        "{csv}"
    );
    assert!(
        csv.contains(",3,P4,unknown_land_use,land-use code '9999' is not in the yongdi2023 scheme"),
        "{csv}"
    );

    // yr_built = 0 and danger = "" mean unknown: kept, as nulls.
    let r = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let p1 = r
        .rows
        .iter()
        .find(|r| r["parcel_id"].as_deref() == Some("P1"))
        .unwrap();
    assert_eq!(p1["yr_built"], None);
    assert_eq!(p1["danger"], None);
    let p8 = r
        .rows
        .iter()
        .find(|r| r["parcel_id"].as_deref() == Some("P8"))
        .unwrap();
    assert_eq!(p8["land_use"].as_deref(), Some("0701"));
    let rejects = read_back(&out.join("landsift.gpkg"), Some("rejects"));
    assert_eq!(rejects.rows.len(), 5);
}

/// One command line and what it must end with: its exit code and a piece of its message.
struct Case {
    what: &'static str,
    args: Vec<String>,
    code: i32,
    says: &'static str,
}

/// Runs every case and reports every failure at once.
fn run_cases(cases: &[Case]) {
    let mut failed = Vec::new();
    for c in cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let o = landsift(&args);
        if o.code != c.code || !o.stderr.contains(c.says) {
            failed.push(format!(
                "{}: landsift {args:?} → exit {} (want {}, saying '{}'):\n{}",
                c.what, o.code, c.code, c.says, o.stderr
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

fn case(what: &'static str, args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        what,
        args: args.iter().map(|a| a.to_string()).collect(),
        code,
        says,
    }
}

#[test]
fn exit_codes_name_the_failure_class() {
    let dir = tmp();
    let empty = write(dir.path(), "empty.geojson", &legacy_geojson(4547, &[]));
    let p = dirty_layer(dir.path());
    let cfg = |name: &str, text: &str| write(dir.path(), name, text);
    let dlbm = cfg("c.toml", "[fields]\nland_use = \"DLBM\"\n");
    let bad = cfg("bad.toml", "scheme = \"guess\"\n");
    let (empty, p, dlbm, bad) = (
        empty.to_str().unwrap(),
        p.to_str().unwrap(),
        dlbm.to_str().unwrap(),
        bad.to_str().unwrap(),
    );
    let mut cases = vec![
        case("empty layer", &["check", "--parcels", empty], 4, "empty"),
        case(
            "missing required field",
            &["check", "--config", dlbm, "--parcels", p],
            4,
            "'DLBM'",
        ),
        case(
            "bad config",
            &["check", "--config", bad, "--parcels", p],
            3,
            "line 1",
        ),
        case(
            "missing file",
            &["check", "--parcels", "/nonexistent/x.shp"],
            4,
            "/nonexistent/x.shp",
        ),
        case(
            "invalid geometry under stop",
            &["check", "--parcels", p, "--invalid", "stop"],
            7,
            "record 6",
        ),
        case(
            "unknown policy",
            &["run", "--invalid", "maybe"],
            2,
            "stop, skip, repair",
        ),
    ];
    // Zone options out of range: a usage error (2) on the command line, a config error
    // (3) with its line in a file, both naming the valid range.
    for (flag, key, value, range) in [
        ("--gap", "gap", "-5", "0 to 200 m"),
        ("--gap", "gap", "nan", "0 to 200 m"),
        ("--gap", "gap", "inf", "0 to 200 m"),
        ("--circle-gap", "circle_gap", "-1", "0 to 1000 m"),
        ("--max-unit-mu", "max_unit_mu", "0", "1 to 1500 mu"),
        ("--min-unit-mu", "min_unit_mu", "1e9", "0 to 1500 mu"),
    ] {
        cases.push(Case {
            what: "zone option out of range on the command line",
            args: ["check", "--parcels", p, flag, value]
                .iter()
                .map(|a| a.to_string())
                .collect(),
            code: 2,
            says: range,
        });
        // TOML spells NaN and infinity `nan` and `inf`, as the command line does.
        let file = cfg(
            &format!("{key}-{value}.toml"),
            &format!("# a comment\n[zones]\n{key} = {value}\n"),
        );
        cases.push(Case {
            what: "zone option out of range in the config",
            args: ["check", "--parcels", p, "--config", file.to_str().unwrap()]
                .iter()
                .map(|a| a.to_string())
                .collect(),
            code: 3,
            says: range,
        });
    }
    cases.push(case(
        "unit minimum above the maximum",
        &["check", "--parcels", p, "--min-unit-mu", "400"],
        2,
        "min_unit_mu = 400 must be below max_unit_mu = 300",
    ));
    run_cases(&cases);
    // The config's error names the line of the value.
    let file = cfg("gap.toml", "# a comment\n[zones]\ngap = -5\n");
    let o = landsift(&["check", "--parcels", p, "--config", file.to_str().unwrap()]);
    assert!(
        o.stderr.contains("line 3: [zones] gap = -5"),
        "{}",
        o.stderr
    );

    // A non-empty output directory is refused without --force → 8, and left alone.
    let out = dir.path().join("busy");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let out_s = out.to_str().unwrap();
    let o = landsift(&["run", "--parcels", p, "--out", out_s]);
    assert_eq!(o.code, 8, "{}", o.stderr);
    assert!(!out.join("parcels.geojson").exists());
    let o = landsift(&[
        "run",
        "--parcels",
        p,
        "--out",
        out_s,
        "--force",
        "--gate",
        "rejected_share=0.7",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // --force replaces the whole folder; what was there is kept in the history.
    assert!(!out.join("keep.txt").exists());
    let history: Vec<_> = std::fs::read_dir(dir.path().join("busy.runs/history"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(history.len(), 1);
    assert!(history[0].path().join("keep.txt").exists());
}

#[test]
fn the_code_scheme_is_named_never_guessed() {
    // 1001 is industrial in 用地用海 and railway in 三调; 0601 exists only in 三调 as
    // industrial (in 用地用海 it is 乡村道路用地).
    let dir = tmp();
    let gj = legacy_geojson(
        4547,
        &[
            (
                "\"parcel_id\":\"A\",\"land_use\":\"1001\"",
                "",
                &square(480_000.0, 2_540_000.0, 10.0),
            ),
            (
                "\"parcel_id\":\"B\",\"land_use\":\"05H1\"",
                "",
                &square(480_100.0, 2_540_000.0, 10.0),
            ),
        ],
    );
    let p = write(dir.path(), "p.geojson", &gj);
    let o = landsift(&["check", "--parcels", p.to_str().unwrap()]);
    let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(s["scheme"], "yongdi2023");
    assert_eq!(
        s["rejected_by_reason"]["unknown_land_use"], 1,
        "05H1 is a 三调 code"
    );
    let cfg = write(dir.path(), "c.toml", "scheme = \"sandiao\"\n");
    let o = landsift(&[
        "check",
        "--config",
        cfg.to_str().unwrap(),
        "--parcels",
        p.to_str().unwrap(),
    ]);
    let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(s["scheme"], "sandiao");
    assert_eq!(s["parcels_out"], 2);
}

#[test]
fn check_reports_every_problem_of_a_criteria_file_with_its_line() {
    let dir = tmp();
    let bad = write(
        dir.path(),
        "city.toml",
        r#"name = "city"
description = "test"

[[rule]]
id = "IND_FAR"
type = "industrial"
field = "far"
op = "<<"
threshold = 1.0
unit = ""
label_zh = "容积率"
label_en = "FAR"
mark = "source"
source = ""

[[rule]]
id = "IND_FAR"
type = "factory"
field = "far"
op = "<"
threshold = 1.0
unit = ""
label_zh = "容积率"
label_en = "FAR"
mark = "default"
source = "default"
"#,
    );
    let o = landsift(&["check", "--criteria", bad.to_str().unwrap()]);
    assert_eq!(o.code, 3, "{}", o.stderr);
    for want in ["line 8", "line 13", "line 17", "line 18"] {
        assert!(o.stderr.contains(want), "missing {want}: {}", o.stderr);
    }
    // The shipped presets all pass the same check.
    for preset in ["national-default", "dongguan", "tianjin"] {
        let o = landsift(&["check", "--preset", preset]);
        assert_eq!(o.code, 0, "{preset}: {}", o.stderr);
    }
    // An unknown preset on the command line is a usage error (exit 2) naming the
    // presets; in a config file it is a config error (exit 3) with its line.
    let o = landsift(&["check", "--preset", "atlantis"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("national-default, dongguan, tianjin"),
        "{}",
        o.stderr
    );
    let cfg = write(dir.path(), "c.toml", "preset = \"atlantis\"\n");
    let o = landsift(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(
        o.stderr.contains("line 1: preset 'atlantis'"),
        "{}",
        o.stderr
    );
}

/// A run reads only a buildings layer's floors and height fields (#14): the same
/// footprints with twenty more text fields, long values and the two fields in other
/// places, as a GeoPackage (GDAL skips the fields) and a Shapefile (they are dropped
/// once read), measure exactly as the two fields alone — and from those fields: floors
/// where given, else the height ÷ the storey height.
#[test]
fn buildings_with_many_other_fields_measure_as_their_floors_and_height_alone() {
    let dir = tmp();
    let parcels: Vec<(String, String)> = (0..3)
        .map(|i| {
            (
                format!("\"parcel_id\":\"P{i}\",\"land_use\":\"1001\""),
                square(480_000.0 + 150.0 * f64::from(i), 2_540_000.0, 100.0),
            )
        })
        .collect();
    let p: Vec<(&str, &str, &str)> = parcels
        .iter()
        .map(|(props, ring)| (props.as_str(), "", ring.as_str()))
        .collect();
    let p = write(dir.path(), "p.geojson", &legacy_geojson(4547, &p));
    // (x, y, floors, height): 3 floors; no floors, 14 m = 4 storeys of 3.5 m; 5 floors
    // over a 40 m height (floors win); neither (unknown); one in no parcel.
    let buildings: [(f64, f64, Option<i32>, Option<f64>); 5] = [
        (480_010.0, 2_540_010.0, Some(3), None),
        (480_050.0, 2_540_050.0, None, Some(14.0)),
        (480_160.0, 2_540_010.0, Some(5), Some(40.0)),
        (480_310.0, 2_540_010.0, None, None),
        (481_000.0, 2_541_000.0, Some(2), Some(7.0)),
    ];
    let json = |v: Option<String>| v.unwrap_or_else(|| "null".into());
    let layer = |extra: bool| -> String {
        let features: Vec<(String, String)> = buildings
            .iter()
            .enumerate()
            .map(|(k, &(x, y, floors, height))| {
                let mut props = Vec::new();
                if extra {
                    props.push(format!("\"bldg_id\":\"B{k:06}\""));
                    for j in 0..20 {
                        props.push(format!("\"x{j:02}\":\"{}\"", "值".repeat(j * 7 + k)));
                    }
                }
                props.push(format!("\"层数\":{}", json(floors.map(|f| f.to_string()))));
                if extra {
                    props.push("\"use\":\"住宅\"".into());
                }
                props.push(format!("\"高度\":{}", json(height.map(|h| h.to_string()))));
                if extra {
                    props.push(format!("\"note\":\"{}\"", "long text ".repeat(50)));
                }
                (props.join(","), square(x, y, 20.0))
            })
            .collect();
        let f: Vec<(&str, &str, &str)> = features
            .iter()
            .map(|(props, ring)| (props.as_str(), "", ring.as_str()))
            .collect();
        legacy_geojson(4547, &f)
    };
    let convert = |name: &str, extra: bool, driver: &str, ext: &str| {
        let src = write(dir.path(), &format!("{name}.geojson"), &layer(extra));
        let dst = dir.path().join(format!("{name}.{ext}"));
        let mut args = vec!["-f", driver];
        if driver == "ESRI Shapefile" {
            args.extend(["-lco", "ENCODING=UTF-8"]);
        }
        ogr2ogr(&dst, &src, &args);
        dst
    };
    let narrow = convert("narrow", false, "GPKG", "gpkg");
    let wide = convert("wide", true, "GPKG", "gpkg");
    let wide_shp = convert("wide_shp", true, "ESRI Shapefile", "shp");
    let config = write(
        dir.path(),
        "c.toml",
        "[buildings]\nfloors = \"层数\"\nheight = \"高度\"\nstorey_height = 3.5\n",
    );
    let run = |b: &Path, name: &str| {
        let out = dir.path().join(name);
        let s = run_ok(
            &[
                "--config",
                config.to_str().unwrap(),
                "--parcels",
                p.to_str().unwrap(),
                "--buildings",
                b.to_str().unwrap(),
                "--format",
                "geojson",
            ],
            &out,
        );
        (out, s)
    };
    let (out_narrow, s_narrow) = run(&narrow, "out_narrow");
    // The floor area: 400 m² × 3 + 400 m² × 4 on P0, 400 m² × 5 on P1; P2's building has
    // neither field, so its FAR is unknown.
    let far = |out: &Path| -> Vec<Option<String>> {
        read_back(&out.join("parcels.geojson"), None)
            .rows
            .iter()
            .map(|r| r["far_m"].clone())
            .collect()
    };
    let fars = far(&out_narrow);
    assert_eq!(fars.len(), 3, "{fars:?}");
    let num = |v: &Option<String>| v.as_deref().map(|t| t.parse::<f64>().unwrap());
    assert!((num(&fars[0]).unwrap() - 0.28).abs() < 1e-9, "{fars:?}");
    assert!((num(&fars[1]).unwrap() - 0.2).abs() < 1e-9, "{fars:?}");
    assert_eq!(num(&fars[2]), None, "{fars:?}");
    assert_eq!(s_narrow["buildings_in"], 5);
    assert_eq!(s_narrow["buildings_out"], 5);
    for (b, name) in [(&wide, "out_wide"), (&wide_shp, "out_wide_shp")] {
        let (out, s) = run(b, name);
        for key in [
            "buildings_in",
            "buildings_out",
            "buildings_rejected",
            "measure",
        ] {
            assert_eq!(s[key], s_narrow[key], "{name}: {key}");
        }
        let mut files: Vec<String> = std::fs::read_dir(&out_narrow)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|f| !["manifest.json", "run.log", "summary.json"].contains(&f.as_str()))
            .collect();
        files.sort();
        assert!(files.iter().any(|f| f == "parcels.geojson"), "{files:?}");
        for f in &files {
            let (a, b) = (
                std::fs::read(out_narrow.join(f)).unwrap(),
                std::fs::read(out.join(f)).unwrap(),
            );
            assert!(a == b, "{name}: {f} differs from the two-field layer's");
        }
    }
}
