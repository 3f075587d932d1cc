//! The deliverables people open at once: per-town statistics (stats.json, stats.csv),
//! checked against the run summary and against themselves; the report as a meeting
//! gets it (who issues it and of when, charts, print stylesheet, maps sized to their
//! town), the QGIS project's print layouts, and the guide to the folder (说明.txt).

mod common;
use common::*;
use landsift::publish::manifest;
use serde_json::Value;
use std::path::Path;

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

/// The sample with the report's `[report]` texts set, run into `out`.
fn run_with_imprint(dir: &Path, out: &Path) -> Value {
    let config = write(
        dir,
        "landsift.toml",
        "[report]\nbureau = \"某区自然资源局\"\ndata_date = \"2023年度国土变更调查\"\ndate = \"2024年7月\"\n",
    );
    run_ok(&["--config", config.to_str().unwrap()], out)
}

#[test]
fn report_is_ready_for_a_meeting() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_with_imprint(dir.path(), &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    // Who issues it, from what data, of when, with what version.
    for text in [
        "<p class=issuer>某区自然资源局</p>",
        "2023年度国土变更调查",
        "成果日期",
        "2024年7月",
        "landsift 示例数据（3,996 宗）",
        &format!("landsift {}", summary["landsift_version"].as_str().unwrap()),
        "id=printed",
    ] {
        assert!(html.contains(text), "{text}");
    }
    // No clock time: the same input and configuration give the same file, so the run's
    // date is in manifest.json, not here.
    let manifest = manifest::read(&out).unwrap();
    assert!(!html.contains(&manifest.run_id));
    assert!(
        !html.contains(&manifest.started[..10]),
        "{}",
        manifest.started
    );
    // Charts as inline SVG: low-efficiency land per town by type, and by mode.
    let towns = summary["zones"]["towns"].as_array().unwrap();
    for chart in ["chart-types", "chart-modes"] {
        let at = html.find(&format!("<svg id=\"{chart}\"")).expect(chart);
        let svg = &html[at..at + html[at..].find("</svg>").unwrap()];
        for t in towns {
            assert!(svg.contains(t["town"].as_str().unwrap()), "{chart}");
        }
        assert!(svg.matches("<rect").count() >= towns.len(), "{chart}");
    }
    // The chart's bars are the statistics: each town's total of the types, in mu.
    let stats: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("stats.json")).unwrap()).unwrap();
    for t in stats["towns"].as_array().unwrap() {
        let mu: f64 = t["low_by_type"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v["area"]["mu"].as_f64().unwrap())
            .sum();
        let total = format!(">{}</text>", group(mu.round() as u64));
        assert!(html.contains(&total), "{} {total}", t["town"]);
    }
    // Printed: A4, sections on new pages, nothing split, table headers repeated.
    for css in [
        "@page{size:A4",
        "@media print",
        "break-before:page",
        "break-inside:avoid",
        "thead{display:table-header-group}",
    ] {
        assert!(html.contains(css), "{css}");
    }
    // Every table with a header row has it as its <thead>.
    assert_eq!(html.matches("<table><tr><th").count(), 0);
    assert_eq!(html.matches("<table class=checks><tr>").count(), 0);
    assert!(html.contains("<table class=checks><thead><tr><th class=l>政策要求"));
    // What summary.json knows of each town's programme: industrial share, consent by
    // headcount, units outside the large circles.
    assert_eq!(html.matches("改造计划核查明细").count(), towns.len());
    for t in towns {
        let p = &t["programme"];
        if let Some(share) = p["stays_industrial_share"].as_f64() {
            assert!(html.contains(&format!("{:.1}% <span class=", share * 100.0)));
        }
        assert!(html.contains(&format!("按人数调查 {} 个单元", t["units_with_headcount"])));
        for u in p["units_outside"].as_array().unwrap().iter().take(50) {
            assert!(html.contains(&format!(
                "<tr><td class=l>{}</td>",
                u["unit"].as_str().unwrap()
            )));
        }
    }
}

/// `n` with thousands separators.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn project_has_print_layouts_for_the_area_and_each_town() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_with_imprint(dir.path(), &out);
    let qgs = std::fs::read_to_string(out.join("landsift.qgs")).unwrap();
    let towns = summary["zones"]["towns"].as_array().unwrap();
    assert_eq!(qgs.matches("<Layout name=").count(), 1 + towns.len());
    assert!(qgs.contains("<Layout name=\"全域 whole area\""));
    for t in towns {
        let name = t["town"].as_str().unwrap();
        assert!(
            qgs.contains(&format!("<Layout name=\"镇街 {name}\"")),
            "{name}"
        );
        assert!(qgs.contains(&format!(
            "labelText=\"{name}低效用地初步识别与更新候选圈层图\""
        )));
    }
    for text in [
        "编制单位：某区自然资源局",
        "数据日期：2023年度国土变更调查",
        "比例尺 1:",
        "EPSG:4547",
        "format_date(now(), &apos;yyyy-MM-dd&apos;)",
    ] {
        assert!(qgs.contains(text), "{text}");
    }
    // Each layout's items: map, title, legend, scale bar, north arrow, notes, date.
    for id in [
        "map",
        "title",
        "legend",
        "scalebar",
        "north_arrow",
        "north_label",
        "notes",
        "date",
    ] {
        assert_eq!(
            qgs.matches(&format!(" id=\"{id}\" ")).count(),
            1 + towns.len(),
            "{id}"
        );
    }
    // Renewal-unit labels only from 1:25,000 in; the circles drawn as outlines only.
    assert!(qgs.contains("scaleVisibility=\"1\" scaleMin=\"0\" scaleMax=\"25000\""));
    assert!(
        !qgs.contains("178,24,43"),
        "the old large-circle red is gone"
    );
}

#[test]
fn guide_lists_the_files_written_and_what_to_open_them_for() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_with_imprint(dir.path(), &out);
    let guide = std::fs::read_to_string(out.join("说明.txt")).unwrap();
    assert!(guide.starts_with('\u{feff}') && guide.contains("\r\n"));
    assert!(guide.contains("编制单位：某区自然资源局"));
    let report = guide.find("  report.html\r\n").expect("report.html listed");
    let project = guide
        .find("  landsift.qgs\r\n")
        .expect("landsift.qgs listed");
    assert!(report < project, "the report first");
    // Every file of the folder is listed, by name or under its layer; and nothing else.
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in &files {
        let stem = f.split('.').next().unwrap();
        let ext = &f[stem.len()..];
        let by_name = guide.contains(&format!("  {f}\r\n"));
        let by_layer = guide
            .lines()
            .any(|l| l.starts_with(&format!("  {stem}（")) && l.contains(ext));
        assert!(
            by_name || by_layer || f == "说明.txt",
            "{f} not in the guide"
        );
    }
    for absent in ["stats.xlsx", "report.pdf", "changes.csv"] {
        if !files.iter().any(|f| f == absent) {
            assert!(!guide.contains(absent), "{absent} listed but not written");
        }
    }
    // It is an output like any other: in the summary and the manifest.
    assert!(summary["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "说明.txt"));
    assert!(manifest::verify(&out).is_empty());
    // Without a report or a QGIS project (a run for scripts), no guide.
    let bare = dir.path().join("bare");
    run_ok(&["--format", "geojson,stats"], &bare);
    assert!(!bare.join("说明.txt").exists());
}

#[test]
fn a_town_of_two_parcels_gets_a_small_map() {
    let dir = tmp();
    let parcels = dir.path().join("zd.gpkg");
    ogr2ogr(
        &parcels,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/parcels.shp"),
        &[
            "-f",
            "GPKG",
            "-nln",
            "zd",
            "-dialect",
            "SQLite",
            "-sql",
            "SELECT *, CASE WHEN rowid IN (5, 6) THEN '小镇' ELSE town END AS town2 FROM parcels",
        ],
    );
    let config = write(
        dir.path(),
        "landsift.toml",
        "[input]\nparcels = \"zd.gpkg\"\n[fields]\ntown = \"town2\"\n",
    );
    let out = dir.path().join("out");
    let summary = run_ok(&["--config", config.to_str().unwrap()], &out);
    let small = summary["zones"]["towns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["town"] == "小镇")
        .expect("the town of two parcels");
    assert_eq!(small["parcels"], 2);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let widths: Vec<(String, f64)> = html
        .split("<svg class=\"map\"")
        .skip(1)
        .map(|svg| {
            let title = svg
                .split("<title>")
                .nth(1)
                .unwrap()
                .split("</title>")
                .next()
                .unwrap();
            let w = svg
                .split("style=\"width:")
                .nth(1)
                .unwrap()
                .split("px")
                .next()
                .unwrap();
            (title.to_string(), w.parse().unwrap())
        })
        .collect();
    assert_eq!(widths.len(), 4);
    for (town, w) in &widths {
        if town == "小镇" {
            assert_eq!(*w, 320.0, "the small town's map: {widths:?}");
        } else {
            assert!(*w >= 700.0, "{town}: {widths:?}");
        }
    }
    // Its QGIS sheet is at a large scale (a few hundred metres across), not 1:1.
    let qgs = std::fs::read_to_string(out.join("landsift.qgs")).unwrap();
    let sheet = &qgs[qgs.find("<Layout name=\"镇街 小镇\"").unwrap()..];
    let notes = sheet.split("比例尺 1:").nth(1).unwrap();
    let scale: f64 = notes
        .split('&')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!((500.0..=5000.0).contains(&scale), "1:{scale}");
}
