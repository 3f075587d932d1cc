//! The criteria engine on the sample district: every preset's rules fire somewhere,
//! reasons survive every format, and results do not depend on the thread count.

mod common;
use common::*;

#[test]
fn every_preset_rule_fires_on_the_sample_district() {
    let dir = tmp();
    for preset in ["national-default", "dongguan", "tianjin"] {
        let out = dir.path().join(preset);
        let s = run_ok(&["--preset", preset], &out);
        assert_eq!(s["scoring"]["criteria"], preset);
        let rules = s["scoring"]["tally"]["rules"].as_array().unwrap();
        assert!(rules.len() >= 10, "{preset}: {} rules", rules.len());
        for r in rules {
            assert!(
                r["fired"].as_u64().unwrap() > 0,
                "{preset}: rule {} never fires on the sample",
                r["rule"]
            );
        }
        // Low-efficiency parcels are a minority, as in a real district.
        let low = s["scoring"]["low_parcels"].as_u64().unwrap();
        let all = s["parcels_out"].as_u64().unwrap();
        assert!(low > 0 && low < all / 2, "{preset}: {low} of {all}");
        // The tally's areas add up to the parcel area.
        let sum: f64 = s["scoring"]["tally"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["area_m2"].as_f64().unwrap())
            .sum();
        assert!((sum - s["parcel_area"]["m2"].as_f64().unwrap()).abs() < 1e-6 * sum);
    }
}

#[test]
fn reasons_round_trip_through_every_format() {
    let dir = tmp();
    let out = dir.path().join("out");
    run_ok(&[], &out);
    let gpkg = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let shp = read_back(&out.join("parcels.shp"), None);
    let gj = read_back(&out.join("parcels.geojson"), None);
    let key =
        |r: &std::collections::BTreeMap<String, Option<String>>| r["parcel_id"].clone().unwrap();
    let by_id: std::collections::HashMap<String, _> =
        gpkg.rows.iter().map(|r| (key(r), r)).collect();
    let mut checked = 0;
    for (name, other) in [("shp", &shp), ("geojson", &gj)] {
        assert_eq!(other.rows.len(), gpkg.rows.len(), "{name}");
        for row in &other.rows {
            let g = by_id[&key(row)];
            for f in [
                "low",
                "ltype",
                "class",
                "reasons",
                "reasons_zh",
                "excluded",
                "n_bldg",
            ] {
                assert_eq!(row[f], g[f], "{name} {f} of {}", key(row));
            }
            if g["low"].as_deref() == Some("1") {
                assert!(g["reasons"].is_some(), "a low parcel names its rules");
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
    // Chinese reasons are intact, and match the machine-readable ids.
    let low = gpkg
        .rows
        .iter()
        .find(|r| r["reasons"].as_deref() == Some("IND_FAR"))
        .expect("a parcel failing only IND_FAR");
    let zh = low["reasons_zh"].clone().unwrap();
    assert!(zh.starts_with("容积率") && zh.contains('<'), "{zh}");
    let js: serde_json::Value =
        serde_json::from_str(low["reasons_js"].as_deref().unwrap()).unwrap();
    assert_eq!(js[0]["rule"], "IND_FAR");
    // The line of the parcel's industry (国土资发〔2008〕24号 表2), or the general 1.0.
    let line = js[0]["threshold"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&line), "{line}");
    assert_eq!(js[0].get("industry").is_some(), zh.contains('（'), "{zh}");
    // FAR rules read the measured value when buildings are given.
    let far_m: f64 = low["far_m"].clone().unwrap().parse().unwrap();
    let value = js[0]["value"].as_f64().unwrap();
    assert!(
        far_m < line && (value - far_m).abs() < 1e-12,
        "{value} vs {far_m}"
    );
    // The sample's plan turns some industry to housing or commerce: 用途不合理, and
    // those parcels' mode says what to do.
    let conflicts: Vec<_> = gpkg
        .rows
        .iter()
        .filter(|r| {
            r["reasons"]
                .as_deref()
                .is_some_and(|x| x.split(';').any(|i| i == "USE_CONFLICT"))
        })
        .collect();
    assert!(!conflicts.is_empty());
    for r in &conflicts {
        let zh = r["reasons_zh"].as_deref().unwrap();
        assert!(zh.contains("用途不合理：现状工矿仓储，规划"), "{zh}");
        assert!(r["mode"].is_some());
    }
    assert!(conflicts
        .iter()
        .any(|r| r["mode"].as_deref() == Some("功能改变")));
    // Every low parcel has a mode, in Chinese; no other parcel has one.
    for r in &gpkg.rows {
        let low = r["low"].as_deref() == Some("1");
        assert_eq!(r["mode"].is_some(), low, "{:?}", r["parcel_id"]);
        if let Some(m) = r["mode"].as_deref() {
            assert!(landsift::criteria::is_chinese(m), "{m}");
        }
    }
}

#[test]
fn one_thread_and_all_threads_give_identical_files() {
    let dir = tmp();
    let one = dir.path().join("one");
    let all = dir.path().join("all");
    for (out, threads) in [(&one, "1"), (&all, "4")] {
        let o = landsift_env(
            &["run", "--out", out.to_str().unwrap()],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    for f in [
        "parcels.geojson",
        "parcels.shp",
        "parcels.dbf",
        "rejects.csv",
    ] {
        assert!(
            std::fs::read(one.join(f)).unwrap() == std::fs::read(all.join(f)).unwrap(),
            "{f} differs between 1 and 4 threads"
        );
    }
}

#[test]
fn constraint_layers_exclude_and_tag_parcels() {
    // A red line over the south-west corner of the sample and an industrial control
    // line over its middle, as GeoJSON in EPSG:4547.
    let dir = tmp();
    let poly = |x0: f64, y0: f64, x1: f64, y1: f64| {
        format!(
            "{{\"type\":\"FeatureCollection\",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::4547\"}}}},\"features\":[{{\"type\":\"Feature\",\"properties\":{{}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}]}}"
        )
    };
    let red = write(
        dir.path(),
        "red.geojson",
        &poly(470_000.0, 2_520_000.0, 471_000.0, 2_521_000.0),
    );
    let ctl = write(
        dir.path(),
        "ctl.geojson",
        &poly(474_000.0, 2_520_000.0, 476_000.0, 2_523_000.0),
    );
    let out = dir.path().join("out");
    let s = run_ok(
        &[
            "--constraint",
            &format!("eco-redline={}", red.display()),
            "--constraint",
            &format!("industrial-control={}", ctl.display()),
        ],
        &out,
    );
    let c = &s["constraints"];
    let excluded = c["parcels_excluded"].as_u64().unwrap();
    assert!(excluded > 0, "{c}");
    assert!(
        c["parcels_tagged_industrial_only"].as_u64().unwrap() > 0,
        "{c}"
    );
    let r = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let ex: Vec<_> = r
        .rows
        .iter()
        .filter(|row| row["excluded"].as_deref() == Some("1"))
        .collect();
    assert_eq!(ex.len() as u64, excluded);
    for row in ex {
        assert!(row["excl_why"]
            .as_deref()
            .unwrap()
            .starts_with("生态保护红线"));
        let share: f64 = row["sh_eco"].clone().unwrap().parse().unwrap();
        assert!(share >= 0.1);
    }
}

#[test]
fn a_development_boundary_limits_the_scope_and_reports_what_lies_outside() {
    // A 城镇开发边界 over the western two thirds of the sample (EPSG:4547).
    let dir = tmp();
    let boundary = write(
        dir.path(),
        "boundary.geojson",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::4547\"}},\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[469000,2519000],[480000,2519000],[480000,2527000],[469000,2527000],[469000,2519000]]]}}]}",
    );
    let out = dir.path().join("out");
    let s = run_ok(
        &[
            "--constraint",
            &format!("dev-boundary={}", boundary.display()),
        ],
        &out,
    );
    let r = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let outside: Vec<_> = r
        .rows
        .iter()
        .filter(|row| {
            row["excl_why"]
                .as_deref()
                .is_some_and(|w| w.starts_with("城镇开发边界外"))
        })
        .collect();
    assert!(!outside.is_empty() && outside.len() < r.rows.len());
    let mut low_outside = 0;
    for row in &outside {
        assert_eq!(row["excluded"].as_deref(), Some("1"));
        assert!(
            row["unit_id"].is_none(),
            "a parcel outside the boundary is never zoned"
        );
        assert!(row["mode"].is_none());
        if row["low"].as_deref() == Some("1") {
            low_outside += 1;
        }
    }
    assert!(low_outside > 0);
    // Scored all the same, and reported apart.
    assert_eq!(
        s["scoring"]["low_excluded_parcels"].as_u64().unwrap(),
        low_outside
    );
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("stats.json")).unwrap()).unwrap();
    assert_eq!(
        stats["district"]["low_excluded"]["count"].as_u64().unwrap(),
        low_outside
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("城镇开发边界外"),
        "the report names the scope"
    );
}

#[test]
fn a_planning_layer_gives_the_planned_use_by_overlay() {
    // The plan: housing over the sample's west (x < 475 000), industry over the rest, as
    // a 控规 layer would carry it (EPSG:4547, code field YDDM).
    let dir = tmp();
    let block = |code: &str, x0: f64, x1: f64| {
        format!(
            "{{\"type\":\"Feature\",\"properties\":{{\"YDDM\":\"{code}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{x0},2519000],[{x1},2519000],[{x1},2527000],[{x0},2527000],[{x0},2519000]]]}}}}"
        )
    };
    let plan = write(
        dir.path(),
        "plan.geojson",
        &format!(
            "{{\"type\":\"FeatureCollection\",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":\"urn:ogc:def:crs:EPSG::4547\"}}}},\"features\":[{},{}]}}",
            block("0701", 469_000.0, 475_000.0),
            block("M1", 475_000.0, 486_000.0)
        ),
    );
    let out = dir.path().join("out");
    let s = run_ok(&["--planning", plan.to_str().unwrap()], &out);
    let p = &s["planning"];
    assert_eq!(p["field"], "YDDM");
    assert_eq!(p["features"], 2);
    let n = |k: &str| p[k].as_u64().unwrap();
    assert_eq!(
        n("parcels_planned") + n("parcels_mixed") + n("parcels_outside"),
        s["parcels_out"].as_u64().unwrap()
    );
    assert!(
        n("parcels_planned") > 3000 && n("field_replaced") > 0,
        "{p}"
    );
    let r = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let (mut west, mut east) = (0, 0);
    for row in &r.rows {
        let industrial = row["ltype"].as_deref() == Some("industrial");
        let conflict = row["reasons"]
            .as_deref()
            .is_some_and(|x| x.split(';').any(|i| i == "USE_CONFLICT"));
        match row["plan_use"].as_deref() {
            Some("0701") if industrial => {
                assert!(conflict, "{:?}", row["parcel_id"]);
                assert!(row["reasons_zh"]
                    .as_deref()
                    .unwrap()
                    .contains("规划居住（0701）"));
                west += 1;
            }
            Some("M1") if industrial => {
                assert!(
                    !conflict,
                    "industry planned industrial: {:?}",
                    row["parcel_id"]
                );
                east += 1;
            }
            _ => {}
        }
    }
    assert!(west > 50 && east > 50, "{west} {east}");
    // A field that is not there is named.
    let o = landsift(&[
        "run",
        "--out",
        dir.path().join("bad").to_str().unwrap(),
        "--planning",
        plan.to_str().unwrap(),
        "--planning-field",
        "GHYT",
    ]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("GHYT") && o.stderr.contains("YDDM"),
        "{}",
        o.stderr
    );
}
