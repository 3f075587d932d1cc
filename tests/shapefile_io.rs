//! Shapefile reading (real Chinese fixtures) and writing, read back through GDAL as
//! the independent reader and through our own reader.

use encoding_rs::Encoding;
use gdal::vector::{LayerAccess, OGRFieldType};
use geo::{Area, Coord, LineString, MultiPolygon, Polygon};
use landsift::export::shapefile::{write_shapefile, write_shapefile_with, Unmappable};
use landsift::export::{OutLayer, OutRow};
use landsift::ingest::shapefile::{read_shapefile, read_shapefile_detailed};
use landsift::model::{CrsDecl, EncodingSource, FieldDef, FieldKind, Value};
use landsift::Error;
use std::path::{Path, PathBuf};

fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel)
}

fn chinese_poly() -> PathBuf {
    shared("geotools-chinese-poly/chinese_poly.shp")
}

fn value<'a>(layer: &'a landsift::model::RawLayer, feature: usize, field: &str) -> &'a Value {
    let i = layer
        .field_index(field)
        .unwrap_or_else(|| panic!("no field {field}"));
    &layer.features[feature].values[i]
}

#[test]
fn gb18030_dbf_without_declaration_falls_back_to_gb18030() {
    let layer = read_shapefile(&chinese_poly(), None).unwrap();
    assert_eq!(layer.encoding.source, EncodingSource::Gb18030Fallback);
    assert_eq!(layer.encoding.name, "gb18030");
    assert_eq!(layer.layer_name, "chinese_poly");
    assert_eq!(layer.features.len(), 1);
    assert_eq!(value(&layer, 0, "NAME"), &Value::Text("黑龙江省".into()));
    assert_eq!(value(&layer, 0, "ADCODE93"), &Value::Int(230000));
    assert_eq!(value(&layer, 0, "ADCODE99"), &Value::Int(230000));
    let kinds: Vec<_> = layer.fields.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FieldKind::Int, FieldKind::Int, FieldKind::Text]);
    assert!(matches!(
        &layer.features[0].geometry,
        Some(geo::Geometry::MultiPolygon(mp)) if !mp.0.is_empty()
    ));
    match &layer.crs {
        Some(CrsDecl::Definition(wkt)) => {
            assert!(wkt.starts_with("GEOGCS[\"GCS_WGS_1984\""));
            assert!(wkt.ends_with("]]"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn explicit_encoding_wins_and_is_strict() {
    let layer = read_shapefile(&chinese_poly(), Some("GB18030")).unwrap();
    assert_eq!(layer.encoding.source, EncodingSource::Explicit);
    assert_eq!(value(&layer, 0, "NAME"), &Value::Text("黑龙江省".into()));

    match read_shapefile(&chinese_poly(), Some("UTF-8")) {
        Err(Error::Encoding {
            field,
            record,
            encoding,
            bytes,
            ..
        }) => {
            assert_eq!(field, "NAME");
            assert_eq!(record, 0);
            assert_eq!(encoding, "UTF-8");
            assert_eq!(bytes, "BA DA C1 FA BD AD CA A1");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read_shapefile(&chinese_poly(), Some("no-such-code-page")),
        Err(Error::Usage(m)) if m.contains("no-such-code-page")
    ));
}

#[test]
fn cpg_and_upper_case_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let src = chinese_poly();
    for (ext, to) in [
        ("shp", "shp"),
        ("shx", "SHX"),
        ("dbf", "DBF"),
        ("prj", "PRJ"),
    ] {
        std::fs::copy(src.with_extension(ext), dir.path().join(format!("p.{to}"))).unwrap();
    }
    std::fs::write(dir.path().join("p.CPG"), "ANSI 936\r\n").unwrap();
    let layer = read_shapefile(&dir.path().join("p.shp"), None).unwrap();
    assert_eq!(layer.encoding.source, EncodingSource::Cpg);
    assert_eq!(layer.encoding.name, "GBK");
    assert_eq!(value(&layer, 0, "NAME"), &Value::Text("黑龙江省".into()));
    assert!(layer.crs.is_some());

    std::fs::write(dir.path().join("p.CPG"), "Martian").unwrap();
    match read_shapefile(&dir.path().join("p.shp"), None) {
        Err(Error::Input { path, message, .. }) => {
            assert!(path.ends_with("p.CPG"));
            assert!(message.contains("Martian"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn shenzhen_buildings_utf8_cpg_no_prj() {
    let path = shared("shenzhen-futian-buildings/building.shp");
    let read = read_shapefile_detailed(&path, None).unwrap();
    let layer = read.layer;
    assert_eq!(read.deleted, 0);
    assert_eq!(layer.features.len(), 350);
    assert_eq!(layer.encoding.source, EncodingSource::Cpg);
    assert_eq!(layer.encoding.name, "UTF-8");
    assert!(layer.crs.is_none());
    assert_eq!(layer.field_index("OBJECTID"), Some(0));
    assert_eq!(layer.fields[0].kind, FieldKind::Int);
    let class = layer.field_index("CLASS").unwrap();
    assert_eq!(layer.fields[class].kind, FieldKind::Real);
    assert_eq!(
        value(&layer, 0, "UPDATE_"),
        &Value::Text("2010-01-15".into())
    );
    // Chinese names are decoded, and they really are Chinese.
    let names: Vec<&str> = layer
        .features
        .iter()
        .filter_map(|f| match &f.values[layer.field_index("NAME").unwrap()] {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert!(!names.is_empty());
    assert!(names.iter().any(|n| n.contains("大厦")), "{names:?}");
    for (i, f) in layer.features.iter().enumerate() {
        assert_eq!(f.index, i);
        assert!(matches!(f.geometry, Some(geo::Geometry::MultiPolygon(_))));
    }
    // Same values as GDAL reads (GDAL honours the .cpg too).
    let ds = gdal::Dataset::open(&path).unwrap();
    let mut gl = ds.layer(0).unwrap();
    let name_idx = layer.field_index("NAME").unwrap();
    for (i, feature) in gl.features().enumerate() {
        let ours = match &layer.features[i].values[name_idx] {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        };
        assert_eq!(
            feature.field_as_string(name_idx).unwrap(),
            ours,
            "record {i}"
        );
        let area_ours = match &layer.features[i].geometry {
            Some(geo::Geometry::MultiPolygon(mp)) => mp.unsigned_area(),
            _ => unreachable!(),
        };
        let area_gdal = feature.geometry().unwrap().area();
        assert!(((area_ours - area_gdal) / area_gdal).abs() < 1e-9);
    }
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    LineString(points.iter().map(|&(x, y)| Coord { x, y }).collect())
}

/// A parcel with a hole (rings given in the "wrong" orientation for a shapefile,
/// so the writer has to fix them) and a two-part parcel, in GK-like coordinates.
fn geometries() -> (MultiPolygon<f64>, MultiPolygon<f64>) {
    let (x0, y0) = (38_500_000.0, 2_500_000.0);
    let with_hole = MultiPolygon(vec![Polygon::new(
        ring(&[
            (x0, y0),
            (x0 + 100.0, y0),
            (x0 + 100.0, y0 + 80.5),
            (x0, y0 + 80.5),
            (x0, y0),
        ]),
        vec![ring(&[
            (x0 + 10.0, y0 + 10.0),
            (x0 + 10.0, y0 + 30.0),
            (x0 + 40.25, y0 + 30.0),
            (x0 + 40.25, y0 + 10.0),
            (x0 + 10.0, y0 + 10.0),
        ])],
    )]);
    let two_parts = MultiPolygon(vec![
        Polygon::new(
            ring(&[
                (x0 + 200.0, y0),
                (x0 + 200.0, y0 + 50.0),
                (x0 + 260.0, y0 + 50.0),
                (x0 + 200.0, y0),
            ]),
            vec![],
        ),
        Polygon::new(
            ring(&[
                (x0 + 300.0, y0),
                (x0 + 333.3, y0),
                (x0 + 333.3, y0 + 12.125),
                (x0 + 300.0, y0 + 12.125),
                (x0 + 300.0, y0),
            ]),
            vec![],
        ),
    ]);
    (with_hole, two_parts)
}

const CGCS2000_GK38: &str = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_38",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",38500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",114.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

const LONG_FIELD: &str = "宗地代码名称很长字段";

fn long_text() -> String {
    format!("A{}", "地".repeat(130))
}

fn out_layer<'a>(g0: &'a MultiPolygon<f64>, g1: &'a MultiPolygon<f64>) -> OutLayer<'a> {
    OutLayer::new(
        "parcels",
        vec![
            FieldDef::new(LONG_FIELD, FieldKind::Text),
            FieldDef::new("NAME", FieldKind::Text),
            FieldDef::new("LONGTEXT", FieldKind::Text),
            FieldDef::new("COUNT", FieldKind::Int),
            FieldDef::new("AREA_M2", FieldKind::Real),
            FieldDef::new("RATIO", FieldKind::Real),
        ],
        vec![
            OutRow {
                geometry: Some(g0),
                values: vec![
                    Value::Text("440304001001GB00001".into()),
                    Value::Text("福田区桑达大厦".into()),
                    Value::Text(long_text()),
                    Value::Int(42),
                    Value::Real(12345678.123456),
                    Value::Real(0.000123),
                ],
            },
            OutRow {
                geometry: Some(g1),
                values: vec![
                    Value::Text("440304001001GB00002".into()),
                    Value::Null,
                    Value::Text("短".into()),
                    Value::Int(-7),
                    Value::Real(1.5),
                    Value::Null,
                ],
            },
            OutRow {
                geometry: None,
                values: vec![
                    Value::Null,
                    Value::Text("空地, \"无图形\"".into()),
                    Value::Null,
                    Value::Null,
                    Value::Null,
                    Value::Real(-0.5),
                ],
            },
        ],
    )
}

/// The long text as it must read back: cut to ≤ 254 bytes at a character boundary.
fn long_text_cut(encoding: &'static Encoding) -> String {
    // "A" + 3 bytes a character (UTF-8) or 2 (GBK).
    let per_char = if encoding == encoding_rs::UTF_8 { 3 } else { 2 };
    format!("A{}", "地".repeat((254 - 1) / per_char))
}

fn round_trip(encoding: &'static Encoding, short_long: &str) {
    let (g0, g1) = geometries();
    let layer = out_layer(&g0, &g1);
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("parcels.shp");
    let wkt = CGCS2000_GK38;
    let pairs = write_shapefile(&shp, &layer, Some(wkt), encoding).unwrap();

    let shorts = [short_long, "NAME", "LONGTEXT", "COUNT", "AREA_M2", "RATIO"];
    let expected_pairs: Vec<(String, String)> = layer
        .fields
        .iter()
        .zip(shorts)
        .map(|(f, s)| (f.name.clone(), s.to_string()))
        .collect();
    assert_eq!(pairs, expected_pairs);
    let csv = std::fs::read_to_string(dir.path().join("parcels.fields.csv")).unwrap();
    let mut expected_csv = String::from("long,short\n");
    for (l, s) in &expected_pairs {
        expected_csv.push_str(&format!("{l},{s}\n"));
    }
    assert_eq!(csv, expected_csv);
    // GBK as its code page number, as GDAL writes it and ArcGIS 10.x reads it.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("parcels.cpg")).unwrap(),
        if encoding == encoding_rs::GBK {
            "936"
        } else {
            encoding.name()
        }
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("parcels.prj")).unwrap(),
        wkt
    );
    let dbf = std::fs::read(dir.path().join("parcels.dbf")).unwrap();
    let ldid = if encoding == encoding_rs::UTF_8 {
        0
    } else {
        0x4D
    };
    assert_eq!(dbf[29], ldid);

    let long_cut = long_text_cut(encoding);
    let expected: Vec<Vec<Value>> = vec![
        vec![
            Value::Text("440304001001GB00001".into()),
            Value::Text("福田区桑达大厦".into()),
            Value::Text(long_cut.clone()),
            Value::Int(42),
            Value::Real(12345678.123456),
            Value::Real(0.000123),
        ],
        vec![
            Value::Text("440304001001GB00002".into()),
            Value::Null,
            Value::Text("短".into()),
            Value::Int(-7),
            Value::Real(1.5),
            Value::Null,
        ],
        vec![
            Value::Null,
            Value::Text("空地, \"无图形\"".into()),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Real(-0.5),
        ],
    ];
    let areas = [Some(g0.unsigned_area()), Some(g1.unsigned_area()), None];
    let close = |a: f64, b: f64| ((a - b) / b).abs() < 1e-9;

    // Our reader.
    let back = read_shapefile(&shp, None).unwrap();
    assert_eq!(back.encoding.source, EncodingSource::Cpg);
    assert_eq!(back.encoding.name, encoding.name());
    assert_eq!(back.crs, Some(CrsDecl::Definition(wkt.into())));
    let names: Vec<&str> = back.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, shorts);
    let kinds: Vec<FieldKind> = back.fields.iter().map(|f| f.kind).collect();
    let want_kinds: Vec<FieldKind> = layer.fields.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, want_kinds);
    assert_eq!(back.features.len(), 3);
    for (i, f) in back.features.iter().enumerate() {
        assert_eq!(f.values, expected[i], "row {i}");
        match (&f.geometry, areas[i]) {
            (Some(geo::Geometry::MultiPolygon(mp)), Some(a)) => {
                assert!(close(mp.unsigned_area(), a))
            }
            (None, None) => {}
            other => panic!("row {i}: {other:?}"),
        }
    }
    let Some(geo::Geometry::MultiPolygon(mp0)) = &back.features[0].geometry else {
        unreachable!()
    };
    assert_eq!((mp0.0.len(), mp0.0[0].interiors().len()), (1, 1));
    let Some(geo::Geometry::MultiPolygon(mp1)) = &back.features[1].geometry else {
        unreachable!()
    };
    assert_eq!(mp1.0.len(), 2);

    // Ring orientation in the file: outer clockwise, hole counter-clockwise (the
    // crate classifies rings by orientation alone).
    let mut reader = shapefile::ShapeReader::from_path(&shp).unwrap();
    let first = reader.read_nth_shape(0).unwrap().unwrap();
    let shapefile::Shape::Polygon(p) = first else {
        panic!("not a polygon")
    };
    assert!(matches!(p.rings()[0], shapefile::PolygonRing::Outer(_)));
    assert!(matches!(p.rings()[1], shapefile::PolygonRing::Inner(_)));
    assert!(matches!(
        reader.read_nth_shape(2).unwrap().unwrap(),
        shapefile::Shape::NullShape
    ));

    // GDAL.
    let ds = gdal::Dataset::open(&shp).unwrap();
    let mut gl = ds.layer(0).unwrap();
    assert_eq!(gl.feature_count(), 3);
    assert!(gl.spatial_ref().is_some());
    let defn: Vec<(String, u32)> = gl
        .defn()
        .fields()
        .map(|f| (f.name(), f.field_type()))
        .collect();
    let gdal_names: Vec<&str> = defn.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(gdal_names, shorts);
    for ((_, ty), kind) in defn.iter().zip(&want_kinds) {
        let ok = match kind {
            FieldKind::Text => *ty == OGRFieldType::OFTString,
            FieldKind::Int => *ty == OGRFieldType::OFTInteger || *ty == OGRFieldType::OFTInteger64,
            FieldKind::Real => *ty == OGRFieldType::OFTReal,
        };
        assert!(ok, "{kind:?} read by GDAL as type {ty}");
    }
    for (i, feature) in gl.features().enumerate() {
        for (j, want) in expected[i].iter().enumerate() {
            let got = match want_kinds[j] {
                FieldKind::Text => feature.field_as_string(j).unwrap().map(Value::Text),
                FieldKind::Int => feature.field_as_integer64(j).unwrap().map(Value::Int),
                FieldKind::Real => feature.field_as_double(j).unwrap().map(Value::Real),
            }
            .unwrap_or(Value::Null);
            assert_eq!(&got, want, "GDAL row {i} field {j}");
        }
        // gdal 0.19 wraps a null pointer for a null shape.
        let geometry = feature
            .geometry()
            .filter(|g| !unsafe { g.c_geometry() }.is_null());
        match (geometry, areas[i]) {
            (Some(g), Some(a)) => assert!(close(g.area(), a), "row {i}"),
            (None, None) => {}
            (g, a) => panic!("row {i}: {:?} vs {a:?}", g.map(|g| g.wkt())),
        }
    }
}

#[test]
fn round_trip_utf8() {
    round_trip(encoding_rs::UTF_8, "宗地代");
}

#[test]
fn round_trip_gbk() {
    round_trip(encoding_rs::GBK, "宗地代码名");
}

#[test]
fn writing_is_deterministic_and_clears_stale_prj() {
    let (g0, g1) = geometries();
    let layer = out_layer(&g0, &g1);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    write_shapefile(&a.join("x.shp"), &layer, Some("WKT"), encoding_rs::GBK).unwrap();
    write_shapefile(&b.join("x.shp"), &layer, Some("WKT"), encoding_rs::GBK).unwrap();
    for ext in ["shp", "shx", "dbf", "cpg", "prj", "fields.csv"] {
        let mut x = std::fs::read(a.join(format!("x.{ext}"))).unwrap();
        let mut y = std::fs::read(b.join(format!("x.{ext}"))).unwrap();
        if ext == "dbf" && x[1..4] != y[1..4] {
            // The header date: the day changed between the two writes.
            x[1..4].fill(0);
            y[1..4].fill(0);
        }
        assert!(x == y, ".{ext} differs");
    }
    write_shapefile(&a.join("x.shp"), &layer, None, encoding_rs::GBK).unwrap();
    assert!(!a.join("x.prj").exists());
}

#[test]
fn writing_refuses_what_the_encoding_cannot_hold() {
    let (g0, g1) = geometries();
    let mut layer = out_layer(&g0, &g1);
    layer.rows[1].values[1] = Value::Text("表情😀".into());
    let dir = tempfile::tempdir().unwrap();
    match write_shapefile(&dir.path().join("x.shp"), &layer, None, encoding_rs::GBK) {
        Err(Error::Output { message, .. }) => {
            assert!(
                message.contains("field 'NAME' of FID 1 (")
                    && message.contains("440304001001GB00002)")
                    && message.contains("U+1F600"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    // GB18030 holds every character.
    write_shapefile(
        &dir.path().join("x.shp"),
        &layer,
        None,
        encoding_rs::GB18030,
    )
    .unwrap();
    let back = read_shapefile(&dir.path().join("x.shp"), None).unwrap();
    assert_eq!(back.encoding.name, "gb18030");
    assert_eq!(back.features[1].values[1], Value::Text("表情😀".into()));
}

#[test]
fn replacing_writes_stand_ins_and_reports_what_was_lost() {
    let (g0, g1) = geometries();
    let mut layer = out_layer(&g0, &g1);
    layer.rows[0].values[1] = Value::Text("面积 2.5 km²".into());
    layer.rows[1].values[1] = Value::Text("刘䶮😀".into());
    layer.fields[2].name = "备注²".into();
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("x.shp");
    let written =
        write_shapefile_with(&shp, &layer, None, encoding_rs::GBK, Unmappable::Replace).unwrap();
    // km² keeps its meaning as km2 and is not reported; 䶮 and 😀 are.
    assert_eq!(written.lossy_count, 1);
    let lost = &written.lossy[0];
    assert_eq!(
        (
            lost.field.as_str(),
            lost.fid,
            lost.id.as_deref(),
            lost.value.as_str()
        ),
        ("NAME", Some(1), Some("440304001001GB00002"), "刘䶮😀")
    );
    assert_eq!(written.names[2], ("备注²".to_string(), "备注2".to_string()));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("x.cpg")).unwrap(),
        "936"
    );
    let back = read_shapefile(&shp, None).unwrap();
    assert_eq!(back.encoding.name, "GBK");
    assert_eq!(
        back.features[0].values[1],
        Value::Text("面积 2.5 km2".into())
    );
    assert_eq!(back.features[1].values[1], Value::Text("刘??".into()));
    // UTF-8 holds everything: nothing replaced.
    let written =
        write_shapefile_with(&shp, &layer, None, encoding_rs::UTF_8, Unmappable::Replace).unwrap();
    assert_eq!(written.lossy_count, 0);
    let back = read_shapefile(&shp, None).unwrap();
    assert_eq!(back.features[1].values[1], Value::Text("刘䶮😀".into()));
}

/// Every character the GBK writer keeps reads back the same through GDAL (iconv's
/// CP936, as the `.cpg` of 936 says), and those it replaces include the GB18030-only ones.
#[test]
fn every_character_kept_in_gbk_reads_back_through_gdal() {
    use landsift::export::shapefile::fit_text;
    let (mut kept, mut replaced) = (Vec::new(), Vec::new());
    for c in (0x80u32..0x10000).filter_map(char::from_u32) {
        let s = c.to_string();
        match fit_text(&s, encoding_rs::GBK) {
            (std::borrow::Cow::Borrowed(_), _) => kept.push(c),
            _ => replaced.push(c),
        }
    }
    assert!(kept.len() > 21_000, "{}", kept.len());
    for c in ['䶮', '㑇', '\u{e000}', '\u{fe10}', '²'] {
        assert!(replaced.contains(&c), "{c} is replaced");
    }
    let rows: Vec<OutRow> = kept
        .chunks(120)
        .map(|chunk| OutRow {
            geometry: None,
            values: vec![Value::Text(chunk.iter().collect())],
        })
        .collect();
    let layer = OutLayer::new("chars", vec![FieldDef::new("TEXT", FieldKind::Text)], rows);
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("chars.shp");
    let written =
        write_shapefile_with(&shp, &layer, None, encoding_rs::GBK, Unmappable::Replace).unwrap();
    assert_eq!(written.lossy_count, 0);
    let ds = gdal::Dataset::open(&shp).unwrap();
    let mut gl = ds.layer(0).unwrap();
    let mut n = 0;
    for (feature, row) in gl.features().zip(&layer.rows) {
        let Value::Text(want) = &row.values[0] else {
            unreachable!()
        };
        let got = feature.field_as_string(0).unwrap().unwrap_or_default();
        if &got != want {
            let bad: Vec<String> = want
                .chars()
                .zip(got.chars())
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("U+{:04X}→U+{:04X}", a as u32, b as u32))
                .take(10)
                .collect();
            panic!("GDAL reads other characters: {bad:?}");
        }
        n += 1;
    }
    assert_eq!(n, layer.rows.len());
}

#[test]
fn invalid_gbk_bytes_name_field_and_record() {
    let (g0, g1) = geometries();
    let mut layer = out_layer(&g0, &g1);
    layer.rows[1].values[1] = Value::Text("XQXQ".into());
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("bad.shp");
    write_shapefile(&shp, &layer, None, encoding_rs::GBK).unwrap();
    // Replace the value with a lead byte followed by a byte no GBK sequence has.
    let dbf_path = dir.path().join("bad.dbf");
    let mut dbf = std::fs::read(&dbf_path).unwrap();
    let at = dbf.windows(4).position(|w| w == b"XQXQ").unwrap();
    dbf[at..at + 4].copy_from_slice(&[b'a', 0x81, 0x7F, b'b']);
    std::fs::write(&dbf_path, &dbf).unwrap();

    match read_shapefile(&shp, Some("GBK")) {
        Err(Error::Encoding {
            path,
            field,
            record,
            encoding,
            bytes,
        }) => {
            assert_eq!(path, dbf_path);
            assert_eq!(field, "NAME");
            assert_eq!(record, 1);
            assert_eq!(encoding, "GBK");
            assert_eq!(bytes, "61 81 7F 62");
        }
        other => panic!("{other:?}"),
    }
    // Declared by the .cpg, by the language driver (0x4D), or by nothing
    // (GB18030 fallback): just as strict.
    assert!(matches!(
        read_shapefile(&shp, None),
        Err(Error::Encoding { record: 1, .. })
    ));
    std::fs::remove_file(dir.path().join("bad.cpg")).unwrap();
    assert!(matches!(
        read_shapefile(&shp, None),
        Err(Error::Encoding { record: 1, ref encoding, .. }) if encoding == "GBK"
    ));
    dbf[29] = 0;
    std::fs::write(&dbf_path, &dbf).unwrap();
    assert!(matches!(
        read_shapefile(&shp, None),
        Err(Error::Encoding { record: 1, ref encoding, .. }) if encoding == "gb18030"
    ));
}

#[test]
fn shape_and_record_counts_must_agree() {
    let (g0, g1) = geometries();
    let layer = out_layer(&g0, &g1);
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("m.shp");
    write_shapefile(&shp, &layer, None, encoding_rs::UTF_8).unwrap();
    let mut fewer = layer.clone();
    fewer.rows.truncate(2);
    let other = dir.path().join("other.shp");
    write_shapefile(&other, &fewer, None, encoding_rs::UTF_8).unwrap();
    std::fs::copy(dir.path().join("other.dbf"), dir.path().join("m.dbf")).unwrap();
    match read_shapefile(&shp, None) {
        Err(Error::Input { message, .. }) => {
            assert!(
                message.contains("3 shapes") && message.contains("2 records"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}
