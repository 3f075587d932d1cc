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
    assert_eq!(js[0]["threshold"], 1.0);
    // FAR rules read the measured value when buildings are given.
    let far_m: f64 = low["far_m"].clone().unwrap().parse().unwrap();
    let value = js[0]["value"].as_f64().unwrap();
    assert!(
        far_m < 1.0 && (value - far_m).abs() < 1e-12,
        "{value} vs {far_m}"
    );
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
