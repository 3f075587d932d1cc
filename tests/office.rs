//! Deliverables for the office: `stats.xlsx` read back with a spreadsheet reader
//! (calamine) against `stats.json`; Shapefiles in GBK for ArcGIS 10.x read back through
//! GDAL; and no two columns of a layer that read alike in QGIS.

mod common;
use calamine::{open_workbook, Data, Reader, Xlsx};
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

fn num(d: Option<&Data>) -> f64 {
    match d {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

fn text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        other => panic!("not text: {other:?}"),
    }
}

/// One file of the `.xlsx` archive, as text.
fn part(xlsx: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

const TYPES: [(&str, &str); 5] = [
    ("industrial", "工矿仓储"),
    ("commercial", "商服"),
    ("residential", "居住"),
    ("facility", "公共设施"),
    ("village", "村庄"),
];

#[test]
fn stats_xlsx_reads_back_with_the_figures_and_totals_of_stats_json() {
    let dir = tmp();
    let out = dir.path().join("out");
    let summary = run_ok(&[], &out);
    assert!(summary["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o == "stats.xlsx"));
    let stats: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("stats.json")).unwrap()).unwrap();
    let xlsx = out.join("stats.xlsx");
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["镇街×类型", "规则", "检查", "改造计划"]);

    // 镇街×类型: two header rows, a row per town, then 合计.
    let r = wb.worksheet_range("镇街×类型").unwrap();
    assert_eq!(text(r.get_value((0, 0))), "镇街");
    for (k, (_, zh)) in TYPES.iter().enumerate() {
        let c = 1 + 3 * k as u32;
        assert_eq!(text(r.get_value((0, c))), format!("低效{zh}用地"));
        assert_eq!(text(r.get_value((1, c))), "宗数");
        assert_eq!(text(r.get_value((1, c + 1))), "面积（亩）");
        assert_eq!(text(r.get_value((1, c + 2))), "面积（公顷）");
    }
    let tc = 1 + 3 * TYPES.len() as u32; // the 合计 columns
    assert_eq!(text(r.get_value((0, tc))), "合计");
    assert_eq!(text(r.get_value((0, tc + 3))), "建设用地面积（亩）");
    assert_eq!(text(r.get_value((0, tc + 4))), "低效用地占建设用地比例");
    let towns = stats["towns"].as_array().unwrap();
    assert_eq!(towns.len(), 3);
    let district = &stats["district"];
    let zero = serde_json::json!({"count": 0, "area": {"mu": 0.0, "ha": 0.0}});
    let rows: Vec<&Value> = towns.iter().chain(std::iter::once(district)).collect();
    // Per type: the sum over the towns' cells, to compare with the 合计 row.
    let mut column_sums = vec![(0.0, 0.0, 0.0); TYPES.len() + 1];
    for (i, t) in rows.iter().enumerate() {
        let row = 2 + i as u32;
        let is_total = i == towns.len();
        assert_eq!(text(r.get_value((row, 0))), t["town"].as_str().unwrap());
        let mut across = (0.0, 0.0, 0.0);
        for (k, (key, _)) in TYPES.iter().enumerate() {
            let c = 1 + 3 * k as u32;
            let want = t["low_by_type"].get(*key).unwrap_or(&zero);
            let got = (
                num(r.get_value((row, c))),
                num(r.get_value((row, c + 1))),
                num(r.get_value((row, c + 2))),
            );
            // The unrounded figures of stats.json, exactly.
            assert_eq!(got.0, want["count"].as_f64().unwrap(), "{row},{c}");
            assert_eq!(got.1, want["area"]["mu"].as_f64().unwrap(), "{row},{c}");
            assert_eq!(got.2, want["area"]["ha"].as_f64().unwrap(), "{row},{c}");
            across = (across.0 + got.0, across.1 + got.1, across.2 + got.2);
            if !is_total {
                let s = &mut column_sums[k];
                *s = (s.0 + got.0, s.1 + got.1, s.2 + got.2);
            } else {
                let s = column_sums[k];
                assert_eq!(s.0, got.0);
                assert!((s.1 - got.1).abs() <= 1e-9 * got.1.max(1.0), "{key}");
                assert!((s.2 - got.2).abs() <= 1e-9 * got.2.max(1.0), "{key}");
            }
        }
        // The 合计 column: the town's low-efficiency land, which its types add up to.
        let total = (
            num(r.get_value((row, tc))),
            num(r.get_value((row, tc + 1))),
            num(r.get_value((row, tc + 2))),
        );
        assert_eq!(total.0, t["low"]["count"].as_f64().unwrap());
        assert_eq!(total.1, t["low"]["area"]["mu"].as_f64().unwrap());
        assert_eq!(total.2, t["low"]["area"]["ha"].as_f64().unwrap());
        assert_eq!(across.0, total.0);
        assert!((across.1 - total.1).abs() <= 1e-9 * total.1, "{row}");
        assert!((across.2 - total.2).abs() <= 1e-9 * total.2, "{row}");
        assert_eq!(
            num(r.get_value((row, tc + 3))),
            t["construction"]["area"]["mu"].as_f64().unwrap()
        );
        assert_eq!(
            num(r.get_value((row, tc + 4))),
            t["low_share"].as_f64().unwrap()
        );
    }
    assert_eq!(text(r.get_value((2 + towns.len() as u32, 0))), "合计");
    // Areas show two decimals, shares a percentage.
    let styles = wb.worksheet_style("镇街×类型").unwrap();
    let format = |row: u32, col: u32| {
        styles
            .get((row, col))
            .and_then(|s| s.number_format.as_ref())
            .map(|n| n.format_code.clone())
            .unwrap_or_default()
    };
    assert_eq!(format(2, 2), "0.00");
    assert_eq!(format(2, tc + 1), "0.00");
    assert_eq!(format(2, tc + 4), "0.0%");

    // 规则: every rule of the run, with its source and what it flagged in total.
    let r = wb.worksheet_range("规则").unwrap();
    assert_eq!(
        (0..9)
            .map(|c| text(r.get_value((0, c))))
            .collect::<Vec<_>>(),
        [
            "编号",
            "规则",
            "适用类型",
            "依据",
            "依据性质",
            "宗数",
            "面积（亩）",
            "面积（公顷）",
            "占低效用地面积比例"
        ]
    );
    let rules = stats["rules"].as_object().unwrap();
    let mut listed = 0;
    for row in 1..r.height() as u32 {
        let Some(Data::String(id)) = r.get_value((row, 0)) else {
            continue;
        };
        let Some(rule) = rules.get(id) else { continue };
        listed += 1;
        assert_eq!(text(r.get_value((row, 1))), rule[0].as_str().unwrap());
        assert!(!text(r.get_value((row, 3))).is_empty(), "{id} has a source");
        let want = district["low_by_reason"].get(id).unwrap_or(&zero);
        assert_eq!(
            num(r.get_value((row, 5))),
            want["count"].as_f64().unwrap(),
            "{id}"
        );
        assert_eq!(
            num(r.get_value((row, 6))),
            want["area"]["mu"].as_f64().unwrap(),
            "{id}"
        );
    }
    assert_eq!(listed, rules.len());

    // 检查: every check of every town and of the total, with its result.
    let r = wb.worksheet_range("检查").unwrap();
    assert_eq!(
        (0..5)
            .map(|c| text(r.get_value((0, c))))
            .collect::<Vec<_>>(),
        ["镇街", "检查", "结果", "数值", "说明"]
    );
    let mut row = 1;
    for t in &rows {
        for c in t["checks"].as_array().unwrap() {
            assert_eq!(text(r.get_value((row, 0))), t["town"].as_str().unwrap());
            assert_eq!(text(r.get_value((row, 1))), c["zh"].as_str().unwrap());
            let result = match c["pass"].as_bool() {
                Some(true) => "通过",
                Some(false) => "未通过",
                None => "列示",
            };
            assert_eq!(text(r.get_value((row, 2))), result);
            assert_eq!(num(r.get_value((row, 3))), c["value"].as_f64().unwrap());
            assert!(!text(r.get_value((row, 4))).is_empty());
            row += 1;
        }
    }
    assert!(row > 10);

    // 改造计划: the units of the near-term programme, as the small-circles layer has them.
    let units = read_back(&out.join("landsift.gpkg"), Some("small_circles"));
    let mut programme: BTreeMap<String, (String, String)> = BTreeMap::new();
    for u in &units.rows {
        if u["program"].as_deref() == Some("1") {
            programme.insert(
                u["zone_id"].clone().unwrap(),
                (u["town"].clone().unwrap(), u["rank"].clone().unwrap()),
            );
        }
    }
    assert!(!programme.is_empty());
    let r = wb.worksheet_range("改造计划").unwrap();
    assert_eq!(text(r.get_value((0, 2))), "改造单元");
    let mut seen = 0;
    for row in 1..r.height() as u32 {
        let Some(Data::String(id)) = r.get_value((row, 2)) else {
            continue;
        };
        let (town, rank) = &programme[id];
        assert_eq!(&text(r.get_value((row, 0))), town);
        assert_eq!(num(r.get_value((row, 1))).to_string(), *rank);
        seen += 1;
    }
    assert_eq!(seen, programme.len());

    // Print setup and frozen headers, as the sheet XML holds them.
    let sheet1 = part(&xlsx, "xl/worksheets/sheet1.xml");
    for want in [
        r#"<pane xSplit="1" ySplit="2" topLeftCell="B3" activePane="bottomRight" state="frozen"/>"#,
        r#"paperSize="9""#,
        r#"orientation="landscape""#,
        r#"fitToHeight="0""#,
        "低效用地初步识别统计表",
        "第 &amp;P 页，共 &amp;N 页",
    ] {
        assert!(sheet1.contains(want), "sheet1 lacks {want}");
    }
    let workbook = part(&xlsx, "xl/workbook.xml");
    assert!(
        workbook.contains("'镇街×类型'!$1:$2"),
        "repeated header rows"
    );
    assert_eq!(workbook.matches("_xlnm.Print_Titles").count(), 4);
    // A fixed creation date: the same run gives the same bytes.
    assert!(part(&xlsx, "docProps/core.xml").contains("1980-01-01T00:00:00Z"));
}

/// The sample parcels with Chinese columns added (GeoPackage, UTF-8): `容积率`, `镇街` and
/// `建成年份` (the aliases of the engine's `far`, `town`, `yr_built`), a seven-character
/// `建筑物建成年份`, and `权利人名称` whose first value holds 䶮 (CJK extension A, not in
/// GBK).
fn chinese_columns(dir: &Path) -> (std::path::PathBuf, String) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/parcels.shp");
    let first = read_back(&sample, None).rows[0]["parcel_id"]
        .clone()
        .unwrap();
    let dst = dir.join("chinese.gpkg");
    ogr2ogr(
        &dst,
        &sample,
        &[
            "-f",
            "GPKG",
            "-nln",
            "parcels",
            "-dialect",
            "SQLite",
            "-sql",
            &format!(
                "SELECT *, far AS \"容积率\", town AS \"镇街\", yr_built AS \"建成年份\", yr_built AS \"建筑物建成年份\", CASE WHEN parcel_id = '{first}' THEN '刘䶮' ELSE owner END AS \"权利人名称\" FROM parcels"
            ),
        ],
    );
    (dst, first)
}

/// `alias` entries of a QML document: field → alias.
fn qml_aliases(qml: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for part in qml.split("<alias ").skip(1) {
        let attr = |name: &str| {
            let start = part.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = start + part[start..].find('"').unwrap();
            part[start..end].replace("&amp;", "&")
        };
        out.insert(attr("field"), attr("name"));
    }
    out
}

/// Asserts that no two fields read alike: each shown name (alias, else name) is no other
/// field's name or shown name.
fn assert_distinct(what: &str, fields: &[String], aliases: &HashMap<String, String>) {
    let shown: Vec<&String> = fields.iter().map(|f| aliases.get(f).unwrap_or(f)).collect();
    for (i, s) in shown.iter().enumerate() {
        for (j, f) in fields.iter().enumerate() {
            if i != j {
                assert!(
                    *s != shown[j] && *s != f,
                    "{what}: '{}' shows as '{s}', as '{}' does",
                    fields[i],
                    f
                );
            }
        }
    }
}

#[test]
fn gbk_shapefile_keeps_five_character_names_and_reads_back_in_gdal() {
    let dir = tmp();
    let (input, first) = chinese_columns(dir.path());
    let out = dir.path().join("out");
    let summary = run_ok(
        &[
            "--parcels",
            input.to_str().unwrap(),
            "--shp-encoding",
            "GBK",
        ],
        &out,
    );

    // The code page as GDAL writes it for GBK, and the matching language driver.
    assert_eq!(
        std::fs::read_to_string(out.join("parcels.cpg")).unwrap(),
        "936"
    );
    for layer in ["parcels", "small_circles", "large_circles"] {
        let dbf = std::fs::read(out.join(format!("{layer}.dbf"))).unwrap();
        assert_eq!(dbf[29], 0x4D, "{layer}: LDID of code page 936");
    }

    // GDAL reads the DBF as GBK: five-character Chinese names, the same values.
    let shp = read_back(&out.join("parcels.shp"), None);
    let names: Vec<&str> = shp.fields.iter().map(|(n, _)| n.as_str()).collect();
    for want in ["容积率", "镇街", "建成年份", "建筑物建成", "权利人名称"] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    let csv = std::fs::read_to_string(out.join("parcels.fields.csv")).unwrap();
    assert!(csv.contains("\n建筑物建成年份,建筑物建成\n"), "{csv}");
    assert_eq!(
        summary["shapefile_field_names"]["建筑物建成年份"],
        "建筑物建成"
    );
    let gpkg = read_back(&input, None);
    let mut by_id: HashMap<String, Vec<&BTreeMap<String, Option<String>>>> = HashMap::new();
    for r in &gpkg.rows {
        by_id
            .entry(r["parcel_id"].clone().unwrap())
            .or_default()
            .push(r);
    }
    let mut compared = 0;
    let mut replaced = 0;
    for row in &shp.rows {
        let id = row["parcel_id"].clone().unwrap();
        let [src] = by_id[&id].as_slice() else {
            continue;
        };
        assert_eq!(row["镇街"], src["town"], "{id}");
        assert_eq!(row["town"], src["town"], "{id}");
        let owner = src["权利人名称"].clone().map(|o| o.replace('䶮', "?"));
        assert_eq!(row["权利人名称"], owner, "{id}");
        assert_eq!(row["建筑物建成"], src["yr_built"], "{id}");
        // GDAL's text of a GeoPackage real has 15 significant digits.
        let far = |v: &Option<String>| v.as_deref().map(|s| s.parse::<f64>().unwrap());
        match (far(&row["容积率"]), far(&src["far"])) {
            (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{id}"),
            (a, b) => assert_eq!(a, b, "{id}"),
        }
        if id == first {
            assert_eq!(row["权利人名称"].as_deref(), Some("刘?"));
            replaced += 1;
        }
        compared += 1;
    }
    assert!(compared > 3900, "{compared}");
    assert_eq!(replaced, 1);
    // Chinese values of the engine, too (town names, types, reasons).
    assert!(shp
        .rows
        .iter()
        .any(|r| r["ltype_zh"].as_deref() == Some("工矿仓储")));

    // The replacement is no silent loss: the run says where, and the GeoPackage keeps it.
    let w = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "shapefile_text_replaced")
        .expect("a warning for the replaced character");
    assert_eq!(w["count"], 1);
    let message = w["message"].as_str().unwrap();
    assert!(
        message.contains("parcels.权利人名称 FID ")
            && message.contains(&format!(" ({first}): '刘䶮'")),
        "{message}"
    );
    let kept = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    assert!(kept
        .rows
        .iter()
        .any(|r| r["权利人名称"].as_deref() == Some("刘䶮")));

    // No column header shows twice: the GeoPackage's default style and the .qml beside
    // the Shapefile label source and engine columns apart.
    let styles = read_back(&out.join("landsift.gpkg"), Some("layer_styles"));
    let qml = styles
        .rows
        .iter()
        .find(|r| r["f_table_name"].as_deref() == Some("parcels"))
        .and_then(|r| r["styleQML"].clone())
        .unwrap();
    let aliases = qml_aliases(&qml);
    let fields: Vec<String> = kept.fields.iter().map(|(n, _)| n.clone()).collect();
    assert_distinct("landsift.gpkg parcels", &fields, &aliases);
    for (field, alias) in [
        ("far", "容积率（评价用）"),
        ("容积率", "容积率（源数据）"),
        ("town", "镇街（评价用）"),
        ("镇街", "镇街（源数据）"),
        ("yr_built", "建成年份（评价用）"),
        ("建成年份", "建成年份（源数据）"),
        ("low", "低效用地（初步识别）"),
    ] {
        assert_eq!(
            aliases.get(field).map(String::as_str),
            Some(alias),
            "{field}"
        );
    }
    let qml = std::fs::read_to_string(out.join("parcels.qml")).unwrap();
    let shp_fields: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let aliases = qml_aliases(&qml);
    assert_distinct("parcels.shp", &shp_fields, &aliases);
    // A name shortened for the DBF shows in full.
    assert_eq!(aliases["建筑物建成"], "建筑物建成年份");
}

#[test]
fn shp_encoding_names_what_it_accepts() {
    let o = landsift(&["check", "--shp-encoding", "Big5"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("UTF-8, GBK"), "{}", o.stderr);
}
