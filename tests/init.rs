//! `landsift init` on a bureau's own data, and `--field`: the configuration it writes
//! runs as written (`landsift run --config landsift.toml` in the folder it was written
//! in), and what it cannot map it says — in the file, on the console, and in the one
//! message a run stops with.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// Runs `landsift ARGS` with `dir` as the working directory, as a user does.
fn landsift_in(dir: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("landsift runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn sample(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/sample")
        .join(name)
}

/// The sample district as a bureau sends it: a GBK shapefile of 宗地 in CGCS2000 3°
/// Gauss–Krüger zone 38 with the zone prefix (EPSG:4526) and Chinese field names, and
/// 建筑物 with 层数 and 高度 — written by GDAL's ogr2ogr from `data/sample`.
fn bureau_data(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let gbk = |dst: &str, src: &str, sql: &str| {
        ogr2ogr(
            &data.join(dst),
            &sample(src),
            &[
                "-f",
                "ESRI Shapefile",
                "-lco",
                "ENCODING=CP936",
                "-t_srs",
                "EPSG:4526",
                "-dialect",
                "SQLite",
                "-sql",
                sql,
            ],
        )
    };
    gbk(
        "宗地.shp",
        "parcels.shp",
        "SELECT geometry, parcel_id AS \"宗地号\", land_use AS \"地类编码\", lu_name AS \"地类名称\", \
         far AS \"容积率\", bld_cov AS \"建筑密度\", town AS \"镇街\", yr_built AS \"建成年份\", \
         tax_mu AS \"亩均税收\", owner AS \"权利人\" FROM parcels",
    );
    gbk(
        "建筑物.shp",
        "buildings.shp",
        "SELECT geometry, floors AS \"层数\", height_m AS \"高度\", use AS \"用途\" FROM buildings",
    );
    let cpg = std::fs::read_to_string(data.join("宗地.cpg")).unwrap();
    assert!(cpg.contains("936"), "GDAL wrote a GBK code page: {cpg}");
    data
}

#[test]
fn gbk_shapefile_with_chinese_field_names_runs_as_written() {
    let dir = tmp();
    bureau_data(dir.path());
    let o = landsift_in(dir.path(), &["init", "data"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let config = std::fs::read_to_string(dir.path().join("landsift.toml")).unwrap();
    for want in [
        "parcels = \"data/宗地.shp\"",
        "buildings = \"data/建筑物.shp\"",
        "parcel_id = \"宗地号\"",
        "land_use = \"地类编码\"",
        "far = \"容积率\"",
        "bld_cov = \"建筑密度\"",
        "town = \"镇街\"",
        "yr_built = \"建成年份\"",
        "tax_mu = \"亩均税收\"",
        "floors = \"层数\"",
        "height = \"高度\"",
        "scheme = \"yongdi2023\"",
        // The evidence: the scheme from the values, the CRS and the encoding found.
        "% of 地类编码 values are 用地用海分类（2023） codes",
        "1001 is 工业用地 in 用地用海分类（2023） but 铁路用地 in 三调工作分类",
        "CRS EPSG:4526",
        "encoding GBK, declared by the .cpg file",
        // A value range as evidence of a number field.
        "容积率 numbers 0–6.19",
        // What it could not map, and the source fields left over.
        "ind_class (产业类别): no field named like it",
        "地类名称, 权利人",
    ] {
        assert!(config.contains(want), "missing «{want}» in\n{config}");
    }
    // The encoding is declared by the .cpg: the configuration does not repeat it (it
    // would apply to every layer).
    assert!(!config.contains("\nencoding ="), "{config}");
    assert!(o.stderr.contains("not mapped:"), "{}", o.stderr);

    // An existing file is kept unless --force.
    let o = landsift_in(dir.path(), &["init", "data"]);
    assert_eq!(o.code, 8, "{}", o.stderr);
    assert!(o.stderr.contains("--force"), "{}", o.stderr);
    let o = landsift_in(dir.path(), &["init", "data", "--force"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("landsift.toml")).unwrap(),
        config,
        "the same data gives the same configuration"
    );

    // A field of land-use names (地类名称: 工业用地…) is recoded to the scheme's codes.
    let o = landsift_in(
        dir.path(),
        &["init", "data", "--field", "land_use=地类名称", "-o", "-"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    for want in [
        "land_use = \"地类名称\"",
        "[land_use_recode]",
        "\"工业用地\" = \"1001\"",
        "\"城镇住宅用地\" = \"0701\"",
        "% of 地类名称 values are 用地用海分类（2023） names",
    ] {
        assert!(o.stdout.contains(want), "missing «{want}» in\n{}", o.stdout);
    }

    // It runs as written.
    let o = landsift_in(
        dir.path(),
        &["run", "--config", "landsift.toml", "--out", "out"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = dir.path().join("out");
    let s = summary(&out);
    assert_eq!(s["encoding"], "GBK");
    assert_eq!(s["encoding_source"], "cpg");
    assert_eq!(s["crs"], "EPSG:4526");
    assert_eq!(s["scheme"], "yongdi2023");
    assert_eq!(s["parcels_in"], 4000);
    assert_eq!(s["buildings_in"], 11377);
    // The sample's deliberate defects, and nothing else, are rejected.
    for reason in [
        "duplicate_id",
        "invalid_geometry",
        "missing_land_use",
        "unknown_land_use",
    ] {
        assert_eq!(s["rejected_by_reason"][reason], 1, "{reason}");
    }
    let missing: Vec<&str> = s["fields_missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for mapped in ["town", "far", "bld_cov", "yr_built", "tax_mu"] {
        assert!(!missing.contains(&mapped), "{mapped} in {missing:?}");
    }
    assert!(missing.contains(&"ind_class"), "{missing:?}");
    assert!(s["scoring"]["low_parcels"].as_u64().unwrap() > 100);
    // The values went where the mapping said.
    let input = read_back(&dir.path().join("data/宗地.shp"), None);
    // The first record with an id keeps it (the sample repeats one id).
    let mut want = std::collections::HashMap::new();
    for r in &input.rows {
        want.entry(r["宗地号"].clone().unwrap_or_default())
            .or_insert((r["镇街"].clone(), r["容积率"].clone()));
    }
    let gpkg = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    assert_eq!(gpkg.epsg, Some(4526));
    for row in &gpkg.rows {
        let id = row["parcel_id"].clone().unwrap();
        let (town, far) = &want[&id];
        assert_eq!(&row["town"], town, "{id}");
        let (a, b) = (
            row["far"].as_deref().map(|v| v.parse::<f64>().unwrap()),
            far.as_deref().map(|v| v.parse::<f64>().unwrap()),
        );
        match (a, b) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{id}: {a} {b}"),
            _ => assert_eq!(a, b, "{id}"),
        }
    }
}

#[test]
fn gb18030_shapefile_without_a_land_use_field() {
    // The shared GB18030 shapefile (no .cpg, no code-page byte) holds one province
    // polygon with ADCODE93, ADCODE99 and NAME: no land-use codes at all.
    let dir = tmp();
    let shp = shared("geotools-chinese-poly/chinese_poly.shp");
    let shp = shp.to_str().unwrap();
    let o = landsift_in(dir.path(), &["init", shp]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let config = std::fs::read_to_string(dir.path().join("landsift.toml")).unwrap();
    for want in [
        // Guessed from the bytes, so stated: a run reads it the same way.
        "encoding gb18030, undeclared and not UTF-8: read as GB18030",
        "encoding = \"gb18030\"",
        "CRS EPSG:4326",
        "parcel_id = \"ADCODE93\"",
        "check: by its values only",
        "# land_use = \"…\"",
        "必填 REQUIRED, not found",
    ] {
        assert!(config.contains(want), "missing «{want}» in\n{config}");
    }
    assert!(o.stderr.contains("land_use"), "{}", o.stderr);
    // Run as written, it stops at once naming the field, with the layer's fields.
    let o = landsift_in(dir.path(), &["run", "--config", "landsift.toml"]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(
        o.stderr.contains("required engine field 'land_use'")
            && o.stderr.contains("ADCODE93, ADCODE99, NAME"),
        "{}",
        o.stderr
    );
    assert!(!dir.path().join("out").exists());

    // Told which field holds the land use, init lists its values for recoding; as
    // written the run ends at a quality gate: no parcel holds a code of the scheme.
    let o = landsift_in(
        dir.path(),
        &["init", shp, "--field", "land_use=NAME", "--force"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let config = std::fs::read_to_string(dir.path().join("landsift.toml")).unwrap();
    assert!(config.contains("land_use = \"NAME\""), "{config}");
    assert!(config.contains("# \"黑龙江省\" = \"\""), "{config}");
    let o = landsift_in(dir.path(), &["run", "--config", "landsift.toml"]);
    assert_eq!(o.code, 9, "{}", o.stderr);
    assert!(o.stderr.contains("quality gate"), "{}", o.stderr);
    // A --field naming a field the layer lacks is an input error naming it.
    let o = landsift_in(
        dir.path(),
        &["init", shp, "--field", "land_use=DLBM", "-o", "-"],
    );
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.stderr.contains("'DLBM'"), "{}", o.stderr);
    // An encoding landsift does not know is a usage error before anything is read.
    let o = landsift_in(dir.path(), &["init", shp, "--encoding", "GBKX", "-o", "-"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("GBKX"), "{}", o.stderr);
    // Stated, it is used and written.
    let o = landsift_in(
        dir.path(),
        &["init", shp, "--encoding", "GB18030", "-o", "-"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("encoding = \"GB18030\""), "{}", o.stdout);
}

#[test]
fn seoul_names_the_fields_it_could_not_map() {
    let dir = tmp();
    let seoul = shared("seoul-songpa-parcels-buildings");
    let o = landsift_in(dir.path(), &["init", seoul.to_str().unwrap(), "-o", "-"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let config = &o.stdout;
    for want in [
        "parcels = ",
        "parcels.geojson\"",
        "bldg.geojson\"",
        // By values only, and said so.
        "parcel_id = \"고유번호\"",
        "floors = \"A32\"",
        "height = \"A31\"",
        "by its values only (floors?): numbers 0–34",
        // What it could not map.
        "# land_use = \"…\"",
        "town (镇街): no field named like it",
        "far (容积率): no field named like it",
        "yr_built (建成年份): no field named like it",
        "지번, 용도지역지구, 토지면적, 공시지가",
    ] {
        assert!(config.contains(want), "missing «{want}» in\n{config}");
    }
    assert!(
        o.stderr.contains("not mapped: town, land_use, far"),
        "{}",
        o.stderr
    );
    assert!(
        !dir.path().join("landsift.toml").exists(),
        "-o - writes no file"
    );
    // The configuration as written: a run names the missing land use in one message.
    write(dir.path(), "seoul.toml", config);
    let o = landsift_in(dir.path(), &["check", "--config", "seoul.toml"]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.stderr.contains("'land_use'"), "{}", o.stderr);

    // With a land-use code added (as the real-data tests do), init's configuration
    // runs on the real parcels and buildings.
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let parcels = seoul_with_codes(&data);
    std::fs::copy(seoul.join("bldg.geojson"), data.join("bldg.geojson")).unwrap();
    assert!(parcels.exists());
    let o = landsift_in(dir.path(), &["init", "data"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let config = std::fs::read_to_string(dir.path().join("landsift.toml")).unwrap();
    assert!(config.contains("land_use = \"land_use\""), "{config}");
    // 1401 is a code of 用地用海 only.
    assert!(config.contains("scheme = \"yongdi2023\""), "{config}");
    let o = landsift_in(
        dir.path(),
        &["run", "--config", "landsift.toml", "--out", "out"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let s = summary(&dir.path().join("out"));
    assert_eq!(s["parcels_in"], 2382);
    assert_eq!(s["buildings_in"], 2266);
    assert!(s["measure"]["buildings"].as_u64().unwrap() > 2000);
}

#[test]
fn every_missing_field_is_named_in_one_message() {
    let dir = tmp();
    let parcels = write(
        dir.path(),
        "p.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ZDDM":"A1","lu":"1001","RJL":"x"},"geometry":{"type":"Polygon","coordinates":[[[113.7,22.8],[113.701,22.8],[113.701,22.801],[113.7,22.8]]]}}]}"#,
    );
    let buildings = write(
        dir.path(),
        "b.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"storeys":3},"geometry":{"type":"Polygon","coordinates":[[[113.7002,22.8001],[113.7004,22.8001],[113.7004,22.8003],[113.7002,22.8001]]]}}]}"#,
    );
    let config = write(
        dir.path(),
        "c.toml",
        "[fields]\nparcel_id = \"ZDDM\"\nland_use = \"DLBM\"\nfar = \"容积率\"\ntown = \"镇街\"\n[buildings]\nheight = \"GD\"\n",
    );
    let args = [
        "check",
        "--config",
        config.to_str().unwrap(),
        "--parcels",
        parcels.to_str().unwrap(),
        "--buildings",
        buildings.to_str().unwrap(),
    ];
    let o = landsift(&args);
    assert_eq!(o.code, 4, "{}", o.stderr);
    for want in [
        "'DLBM'",
        "'容积率'",
        "'镇街'",
        "no height field 'GD'",
        "no floors field 'floors'",
        "ZDDM, lu, RJL",
        "storeys",
    ] {
        assert!(o.stderr.contains(want), "missing «{want}» in {}", o.stderr);
    }
    assert_eq!(
        o.stderr.matches("fields missing").count(),
        1,
        "one message: {}",
        o.stderr
    );
    // --field maps them on the command line, over the file.
    let mut fixed = args.to_vec();
    fixed.extend([
        "--field",
        "land_use=lu",
        "--field",
        "far=RJL",
        "--field",
        "town=ZDDM",
        "--field",
        "height=storeys",
    ]);
    let o = landsift(&fixed);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(s["parcels_out"], 1);
    // RJL holds text: its value is unknown, and counted.
    assert_eq!(s["values_unparsed"]["far"], 1);
    // An engine field that does not exist is a usage error naming the choices.
    let mut bad = args.to_vec();
    bad.extend(["--field", "rjl=RJL"]);
    let o = landsift(&bad);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("parcel_id"), "{}", o.stderr);
}

#[test]
fn planning_programme_and_town_layers_are_found_and_run() {
    // The sample's parcels and buildings, with three layers derived from them by
    // ogr2ogr: a 控规 layer (planned use in YDDM), a planned programme (a unit with its
    // name in DYMC, 单元名称, and year in JHND) and the town boundaries (镇街, one polygon
    // a town).
    let dir = tmp();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for stem in ["parcels", "buildings"] {
        for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
            let name = format!("{stem}.{ext}");
            std::fs::copy(sample(&name), data.join(&name)).unwrap();
        }
    }
    let derive = |dst: &str, sql: &str| {
        ogr2ogr(
            &data.join(dst),
            &sample("parcels.shp"),
            &[
                "-f",
                "ESRI Shapefile",
                "-lco",
                "ENCODING=UTF-8",
                "-dialect",
                "SQLite",
                "-sql",
                sql,
            ],
        )
    };
    derive(
        "kongui.shp",
        "SELECT geometry, plan_use AS YDDM FROM parcels WHERE plan_use IS NOT NULL",
    );
    derive(
        "jihua.shp",
        "SELECT ST_Envelope(ST_Collect(geometry)) AS geometry, '虎门-' || substr(parcel_id, 11, 4) AS DYMC, 2026 AS JHND \
         FROM parcels WHERE parcel_id LIKE '441900-HM-0002%' GROUP BY substr(parcel_id, 11, 4)",
    );
    derive(
        "zhenjie.shp",
        "SELECT ST_Envelope(ST_Collect(geometry)) AS geometry, town AS \"镇街\" FROM parcels GROUP BY town",
    );
    let o = landsift_in(dir.path(), &["init", "data", "-o", "cfg/landsift.toml"]);
    assert_eq!(o.code, 8, "the folder of -o must exist: {}", o.stderr);
    std::fs::create_dir_all(dir.path().join("cfg")).unwrap();
    let o = landsift_in(dir.path(), &["init", "data", "-o", "cfg/landsift.toml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let config = std::fs::read_to_string(dir.path().join("cfg/landsift.toml")).unwrap();
    for want in [
        // Paths relative to the configuration's folder.
        "parcels = \"../data/parcels.shp\"",
        "buildings = \"../data/buildings.shp\"",
        "[planning]",
        "path = \"../data/kongui.shp\"",
        "field = \"YDDM\"",
        "programme = \"../data/jihua.shp\"",
        "towns = \"../data/zhenjie.shp\"",
        "towns_field = \"镇街\"",
    ] {
        assert!(config.contains(want), "missing «{want}» in\n{config}");
    }
    let o = landsift_in(dir.path(), &["check", "--config", "cfg/landsift.toml"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(s["planning"]["parcels_planned"].as_u64().unwrap() > 3000);
    assert_eq!(s["town_boundaries"]["boundaries"], 3);
    assert_eq!(s["town_boundaries"]["assigned"], s["parcels_out"]);
    let humen = s["zones"]["towns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["town"] == "虎门镇")
        .unwrap();
    assert_eq!(humen["programme"]["basis"], "plan");
    assert_eq!(humen["programme"]["units"], 1);
}
