//! The deliverables people open at once: per-town statistics (stats.json, stats.csv),
//! checked against the run summary and against themselves.

mod common;
use common::*;
use serde_json::Value;

fn area(t: &Value) -> f64 {
    t["area"]["m2"].as_f64().unwrap()
}

/// Sum of `m2` over a map of tallies.
fn sum(map: &Value) -> (u64, f64) {
    map.as_object()
        .unwrap()
        .values()
        .fold((0, 0.0), |(c, a), t| {
            (c + t["count"].as_u64().unwrap(), a + area(t))
        })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn statistics_add_up_and_match_the_summary() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_ok(&[], &out);
    let stats: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("stats.json")).unwrap()).unwrap();
    let district = &stats["district"];
    let towns = stats["towns"].as_array().unwrap();
    assert_eq!(towns.len(), 3);

    // The district against the summary.
    assert_eq!(district["parcels"]["count"], summary["parcels_out"]);
    assert!(close(
        area(&district["parcels"]),
        summary["parcel_area"]["m2"].as_f64().unwrap()
    ));
    assert_eq!(
        district["low"]["count"].as_u64().unwrap()
            + district["low_excluded"]["count"].as_u64().unwrap(),
        summary["scoring"]["low_parcels"].as_u64().unwrap()
    );
    for (level, key) in [
        ("small", "small_circles"),
        ("middle", "middle_circles"),
        ("large", "large_circles"),
    ] {
        assert_eq!(
            district["circles"][level]["count"], summary["zones"][key],
            "{level}"
        );
    }

    for ts in towns.iter().chain([district]) {
        // Areas by type add up to the total, low-efficiency areas by type to the low total.
        let (n, a) = sum(&ts["by_type"]);
        assert_eq!(n, ts["parcels"]["count"].as_u64().unwrap());
        assert!(
            close(a, area(&ts["parcels"])),
            "{}: {a} vs {}",
            ts["town"],
            area(&ts["parcels"])
        );
        let (n, a) = sum(&ts["low_by_type"]);
        assert_eq!(n, ts["low"]["count"].as_u64().unwrap());
        assert!(close(a, area(&ts["low"])));
        // Every low parcel has at least one reason, and exactly one renewal mode.
        let (n, _) = sum(&ts["low_by_reason"]);
        assert!(n >= ts["low"]["count"].as_u64().unwrap());
        let (n, a) = sum(&ts["low_by_mode"]);
        assert_eq!(
            n,
            ts["low"]["count"].as_u64().unwrap(),
            "{}: modes",
            ts["town"]
        );
        assert!(close(a, area(&ts["low"])));
        // The share is over construction land.
        let share = ts["low_share"].as_f64().unwrap();
        assert!(close(share * area(&ts["construction"]), area(&ts["low"])));
        // Units exact: mu = m² × 3/2000, ha = m² / 10⁴, km² = m² / 10⁶.
        for t in [&ts["parcels"], &ts["low"], &ts["scattered"]] {
            let m2 = area(t);
            assert_eq!(t["area"]["mu"].as_f64().unwrap(), m2 * 3.0 / 2000.0);
            assert_eq!(t["area"]["ha"].as_f64().unwrap(), m2 / 10_000.0);
            assert_eq!(t["area"]["km2"].as_f64().unwrap(), m2 / 1_000_000.0);
        }
        let checks: Vec<&str> = ts["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert!(checks.contains(&"programme_in_large") && checks.contains(&"consent"));
    }

    // The towns add up to the district.
    for key in ["parcels", "low", "scattered"] {
        let n: u64 = towns
            .iter()
            .map(|t| t[key]["count"].as_u64().unwrap())
            .sum();
        let a: f64 = towns.iter().map(|t| area(&t[key])).sum();
        assert_eq!(n, district[key]["count"].as_u64().unwrap(), "{key}");
        assert!(close(a, area(&district[key])), "{key}");
    }
    for map in [
        "by_type",
        "low_by_type",
        "low_by_reason",
        "low_by_mode",
        "circles",
    ] {
        for (k, d) in district[map].as_object().unwrap() {
            let a: f64 = towns.iter().filter_map(|t| t[map].get(k)).map(area).sum();
            assert!(close(a, area(d)), "{map}.{k}");
        }
    }
    // The district's 70 % check passes exactly when every town's programme meets it.
    let programme = &district["checks"][0];
    assert_eq!(programme["id"], "programme_in_large");
    let all_meet = summary["zones"]["towns"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["programme"]["meets_policy"] == true);
    assert_eq!(programme["pass"], all_meet);

    // stats.csv: BOM, header, the same figures (one row per tally and check).
    let csv = std::fs::read_to_string(out.join("stats.csv")).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..5], ["town", "section", "item", "item_zh", "count"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let row = |town: &str, section: &str, item: &str| {
        rows.iter()
            .find(|r| &r[0] == town && &r[1] == section && &r[2] == item)
            .unwrap_or_else(|| panic!("no row {town},{section},{item}"))
    };
    let t0 = towns[0]["town"].as_str().unwrap();
    let r = row(t0, "parcels", "all");
    assert_eq!(
        r[4].parse::<u64>().unwrap(),
        towns[0]["parcels"]["count"].as_u64().unwrap()
    );
    assert!(close(r[5].parse().unwrap(), area(&towns[0]["parcels"])));
    assert_eq!(&row("合计", "by_type", "industrial")[3], "工矿仓储");
    assert_eq!(&row("合计", "by_type", "village")[3], "村庄");
    assert_eq!(
        &row("合计", "check", "programme_in_large")[12],
        if all_meet { "pass" } else { "fail" }
    );
    assert_eq!(&row("合计", "low_by_mode", "综合整治")[3], "综合整治");
    // The Chinese column is Chinese: no rule id, no English word.
    for r in &rows {
        assert!(landsift::criteria::is_chinese(&r[3]), "item_zh '{}'", &r[3]);
    }
    let expected_rows: usize = towns
        .iter()
        .chain([district])
        .map(|t| {
            5 + t["by_type"].as_object().unwrap().len()
                + t["low_by_type"].as_object().unwrap().len()
                + t["low_by_reason"].as_object().unwrap().len()
                + t["low_by_mode"].as_object().unwrap().len()
                + t["circles"].as_object().unwrap().len()
                + t["checks"].as_array().unwrap().len()
        })
        .sum();
    assert_eq!(rows.len(), expected_rows);
}

#[test]
fn geopackage_holds_every_layer_with_its_default_style() {
    use gdal::vector::LayerAccess;
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_ok(&[], &out);
    let ds = gdal::Dataset::open(out.join("landsift.gpkg")).unwrap();
    let names: Vec<String> = ds.layers().map(|l| l.name()).collect();
    let expected = [
        ("parcels", summary["parcels_out"].as_u64().unwrap()),
        (
            "small_circles",
            summary["zones"]["small_circles"].as_u64().unwrap(),
        ),
        (
            "middle_circles",
            summary["zones"]["middle_circles"].as_u64().unwrap(),
        ),
        (
            "large_circles",
            summary["zones"]["large_circles"].as_u64().unwrap(),
        ),
        ("rejects", summary["parcels_rejected"].as_u64().unwrap()),
        (
            "orphan_buildings",
            summary["measure"]["orphans"].as_u64().unwrap(),
        ),
        // A first run has nothing to compare with: an empty changes layer.
        ("changes", 0),
    ];
    for (name, count) in expected {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
        let layer = ds.layer_by_name(name).unwrap();
        assert_eq!(layer.feature_count(), count, "{name}");
        let spatial = name != "rejects";
        let epsg = layer.spatial_ref().and_then(|s| s.auth_code().ok());
        assert_eq!(epsg, spatial.then_some(4547), "{name} CRS");
    }
    // Spatial indexes on every spatial layer (GeoPackage R-tree extension).
    let indexed: Vec<String> = {
        let mut rs = ds
            .execute_sql(
                "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'",
                None,
                gdal::vector::sql::Dialect::DEFAULT,
            )
            .unwrap()
            .expect("a result set");
        rs.features()
            .map(|f| f.field_as_string(0).unwrap().unwrap_or_default())
            .collect()
    };
    for (name, _) in expected.iter().filter(|(n, _)| *n != "rejects") {
        assert!(
            indexed.iter().any(|t| t == name),
            "{name} has no spatial index: {indexed:?}"
        );
    }
    // Full-length names and real types.
    let fields = |layer: &str| -> Vec<(String, u32)> {
        ds.layer_by_name(layer)
            .unwrap()
            .defn()
            .fields()
            .map(|f| (f.name(), f.field_type()))
            .collect()
    };
    use gdal::vector::OGRFieldType::*;
    let parcels = fields("parcels");
    for (name, ty) in [
        ("reasons_zh", OFTString),
        ("area_mu", OFTReal),
        ("unit_id", OFTString),
        ("scattered", OFTInteger64),
    ] {
        assert!(
            parcels.contains(&(name.to_string(), ty)),
            "parcels.{name}: {parcels:?}"
        );
    }
    for (long, short) in summary["shapefile_field_names"].as_object().unwrap() {
        assert!(
            parcels.iter().any(|(n, _)| n == long),
            "GPKG keeps {long} (Shapefile: {short})"
        );
    }
    let small = fields("small_circles");
    for (name, ty) in [
        ("zone_id", OFTString),
        ("area_km2", OFTReal),
        ("n_parcels", OFTInteger64),
        ("program", OFTInteger64),
        ("rank", OFTInteger64),
    ] {
        assert!(
            small.contains(&(name.to_string(), ty)),
            "small_circles.{name}: {small:?}"
        );
    }
    // layer_styles: one default QGIS style per layer, on its geometry column.
    let styles = read_back(&out.join("landsift.gpkg"), Some("layer_styles"));
    let mut styled = Vec::new();
    for row in &styles.rows {
        let text = |k: &str| row[k].clone().unwrap_or_default();
        assert_eq!(text("useAsDefault"), "1");
        assert!(text("styleQML").starts_with("<!DOCTYPE qgis"));
        assert_eq!(text("f_table_schema"), "");
        let geom = text("f_geometry_column");
        assert_eq!(geom.is_empty(), text("f_table_name") == "rejects");
        styled.push(text("f_table_name"));
    }
    styled.sort();
    let mut want: Vec<String> = expected.iter().map(|(n, _)| n.to_string()).collect();
    want.sort();
    assert_eq!(styled, want);
}

#[test]
fn report_is_one_offline_page_with_a_map_per_town() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_ok(&[], &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["src=\"", "href=\"http", "url(http", "@import", "<link"] {
        assert!(
            !html.contains(external),
            "report.html refers outside itself: {external}"
        );
    }
    let towns = summary["zones"]["towns"].as_array().unwrap();
    assert_eq!(html.matches("<svg class=\"map\"").count(), towns.len());
    for t in towns {
        let name = t["town"].as_str().unwrap();
        assert!(html.contains(&format!("<h3>{name} ")), "{name}");
    }
    for text in [
        "政策核查",
        "Policy checks",
        "识别规则",
        "初步识别",
        "亩均效益评价",
        "再开发方式",
        "rejects.csv",
        "✔ 通过 pass",
        "EPSG:4547",
        "GBK",
    ] {
        assert!(html.contains(text), "{text}");
    }
    // Every large circle is drawn and labelled.
    assert_eq!(
        html.matches(">L1</text>").count() + html.matches(">L2</text>").count(),
        summary["zones"]["large_circles"].as_u64().unwrap() as usize
    );
    // Each town's programme is listed in rank order, its first unit first.
    let units = read_back(&out.join("small_circles.geojson"), None);
    let firsts: Vec<String> = units
        .rows
        .iter()
        .filter(|r| r["rank"].as_deref() == Some("1"))
        .map(|r| r["zone_id"].clone().unwrap())
        .collect();
    assert_eq!(firsts.len(), towns.len());
    for id in firsts {
        assert!(
            html.contains(&format!("<tr><td>1</td><td class=l>{id}</td>")),
            "{id}"
        );
    }
    // Sample outputs name each file at the top of the output directory.
    for f in [
        "landsift.qgs",
        "report.html",
        "stats.csv",
        "stats.json",
        "landsift.gpkg",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn format_and_layers_choose_what_is_written() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_ok(
        &[
            "--format",
            "gpkg,stats",
            "--layers",
            "parcels,large_circles",
        ],
        &out,
    );
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // The chosen formats, and what every run writes: its summary, manifest, log, the
    // parcels' state and the change report.
    assert_eq!(
        files,
        [
            "changes.csv",
            "landsift.gpkg",
            "manifest.json",
            "parcels_state.csv",
            "run.log",
            "stats.csv",
            "stats.json",
            "stats.xlsx",
            "summary.json"
        ]
    );
    let listed: Vec<&str> = summary["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listed, files);
    let ds = gdal::Dataset::open(out.join("landsift.gpkg")).unwrap();
    let mut layers: Vec<String> = {
        use gdal::vector::LayerAccess;
        ds.layers().map(|l| l.name()).collect()
    };
    layers.sort();
    assert_eq!(layers, ["large_circles", "layer_styles", "parcels"]);

    let o = landsift(&[
        "run",
        "--format",
        "qgis,report",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(o.stderr.contains("qgis needs gpkg"), "{}", o.stderr);
    let o = landsift(&[
        "run",
        "--layers",
        "roads",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
}
