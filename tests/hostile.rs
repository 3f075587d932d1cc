//! Hostile inputs: damaged, wrong, contradictory and adversarial files and options, each
//! with the outcome a careful GIS professional expects — a documented exit code and a
//! message that names the problem, or a record in the rejects with its reason, or a
//! warning — and never a panic (exit 101) or a hang.

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a case must end with.
enum Expect {
    /// This exit code, and this piece of the message on stderr.
    Fails(i32, &'static str),
    /// Success, with `summary.json` (from `check`'s stdout) satisfying a test.
    Passes(fn(&Value) -> bool, &'static str),
    /// A run that succeeds and writes every output.
    Writes,
}

struct Case {
    name: &'static str,
    args: Vec<String>,
    expect: Expect,
    /// Write stdout to /dev/full (a closed or full pipe).
    full_stdout: bool,
}

fn case(name: &'static str, args: &[&str], expect: Expect) -> Case {
    Case {
        name,
        args: args.iter().map(|a| a.to_string()).collect(),
        expect,
        full_stdout: false,
    }
}

/// Runs the command with a deadline; `None` on a hang.
fn run_with_deadline(args: &[String], full_stdout: bool) -> Option<(i32, String, String)> {
    let stdout = if full_stdout {
        Stdio::from(std::fs::File::create("/dev/full").unwrap())
    } else {
        Stdio::piped()
    };
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("landsift starts");
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let stderr = reader.join().unwrap();
            let stdout = out_reader.join().unwrap();
            return Some((status.code().unwrap_or(-1), stdout, stderr));
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A square parcel `size` metres wide at (x, y) in EPSG:4547 metres.
fn square(x: f64, y: f64, size: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]})
}

fn feature(props: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": props, "geometry": geometry})
}

/// `n` ordinary industrial parcels in a row, 100 m squares 150 m apart.
fn district(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            feature(
                json!({"parcel_id": format!("P{i:03}"), "land_use": "1001", "town": "长安镇", "far": 1.5, "bld_cov": 0.5, "tax_mu": 30.0, "floors": 3}),
                square(480_000.0 + 150.0 * i as f64, 2_540_000.0, 100.0),
            )
        })
        .collect()
}

/// A GeoJSON file with the legacy `crs` member (EPSG:4547) or none (RFC 7946 lon/lat).
fn geojson(dir: &Path, name: &str, features: Vec<Value>, epsg: Option<u32>) -> PathBuf {
    let mut fc = json!({"type": "FeatureCollection", "features": features});
    if let Some(code) = epsg {
        fc["crs"] = json!({"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{code}")}});
    }
    write(dir, name, &fc.to_string())
}

/// The same layer as a Shapefile (UTF-8 DBF with `.cpg`, `.prj`).
fn shapefile(dir: &Path, name: &str, features: Vec<Value>) -> PathBuf {
    let src = geojson(dir, &format!("{name}.src.geojson"), features, Some(4547));
    let dst = dir.join(format!("{name}.shp"));
    ogr2ogr(
        &dst,
        &src,
        &["-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"],
    );
    dst
}

fn gpkg(dir: &Path, name: &str, features: Vec<Value>) -> PathBuf {
    let src = geojson(dir, &format!("{name}.src.geojson"), features, Some(4547));
    let dst = dir.join(format!("{name}.gpkg"));
    ogr2ogr(&dst, &src, &["-f", "GPKG", "-nln", "zd"]);
    dst
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn rejected(v: &Value, reason: &str) -> u64 {
    v["rejected_by_reason"][reason].as_u64().unwrap_or(0)
}

fn warned(v: &Value, code: &str) -> bool {
    v["warnings"]
        .as_array()
        .is_some_and(|w| w.iter().any(|w| w["code"] == code))
}

/// Every hostile case; the file-system fixtures they need are built in `dir`.
fn cases(dir: &Path) -> Vec<Case> {
    let mut c = Vec::new();
    let good = geojson(dir, "good.geojson", district(10), Some(4547));
    let good_s = s(&good);
    let chk = |extra: &[&str]| -> Vec<String> {
        let mut a = vec!["check".to_string(), "--parcels".into(), good_s.clone()];
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let check_on = |p: &Path, extra: &[&str]| -> Vec<String> {
        let mut a = vec!["check".to_string(), "--parcels".into(), s(p)];
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let push = |c: &mut Vec<Case>, name, args: Vec<String>, expect| {
        c.push(Case {
            name,
            args,
            expect,
            full_stdout: false,
        })
    };

    // ---- Shapefile and DBF --------------------------------------------------------
    let shp = shapefile(dir, "zd", district(10));
    let dbf = shp.with_extension("dbf");
    let dbf_bytes = std::fs::read(&dbf).unwrap();
    let shp_bytes = std::fs::read(&shp).unwrap();
    let copy_set = |name: &str, shp_b: &[u8], dbf_b: &[u8]| -> PathBuf {
        let p = dir.join(format!("{name}.shp"));
        std::fs::write(&p, shp_b).unwrap();
        std::fs::write(p.with_extension("dbf"), dbf_b).unwrap();
        std::fs::copy(shp.with_extension("prj"), p.with_extension("prj")).unwrap();
        std::fs::copy(shp.with_extension("cpg"), p.with_extension("cpg")).unwrap();
        p
    };
    push(
        &mut c,
        "shapefile read back",
        check_on(&shp, &[]),
        Expect::Passes(|v| v["parcels_out"] == 10, "10 parcels"),
    );
    let no_dbf = dir.join("nodbf.shp");
    std::fs::write(&no_dbf, &shp_bytes).unwrap();
    push(
        &mut c,
        "shp without dbf",
        check_on(&no_dbf, &[]),
        Expect::Fails(4, ".dbf beside it is missing"),
    );
    let hl = u16::from_le_bytes([dbf_bytes[8], dbf_bytes[9]]) as usize;
    let rl = u16::from_le_bytes([dbf_bytes[10], dbf_bytes[11]]) as usize;
    let mut fewer = dbf_bytes.clone();
    fewer[4..8].copy_from_slice(&9u32.to_le_bytes());
    fewer.truncate(hl + 9 * rl);
    let p = copy_set("fewer", &shp_bytes, &fewer);
    push(
        &mut c,
        "dbf with fewer records than shapes",
        check_on(&p, &[]),
        Expect::Fails(4, "10 shapes in the .shp but 9 records"),
    );
    let p = copy_set("truncshp", &shp_bytes[..shp_bytes.len() - 20], &dbf_bytes);
    push(
        &mut c,
        "truncated shp",
        check_on(&p, &[]),
        Expect::Fails(4, "damaged .shp"),
    );
    let mut huge = shp_bytes.clone();
    // The first record's point count (offset 100 + 8 + 40).
    huge[148..152].copy_from_slice(&1_000_000_000u32.to_le_bytes());
    let p = copy_set("hugecount", &huge, &dbf_bytes);
    push(
        &mut c,
        "shp record claiming 10^9 points",
        check_on(&p, &[]),
        Expect::Fails(4, "more than its"),
    );
    let p = copy_set(
        "notshp",
        b"this is not a shapefile at all, just text",
        &dbf_bytes,
    );
    push(
        &mut c,
        "text file named .shp",
        check_on(&p, &[]),
        Expect::Fails(4, "damaged .shp"),
    );
    let mut deleted = dbf_bytes.clone();
    deleted[hl] = b'*';
    let p = copy_set("deleted", &shp_bytes, &deleted);
    push(
        &mut c,
        "dbf record flagged deleted",
        check_on(&p, &[]),
        Expect::Passes(
            |v| {
                v["inputs"]["parcels"]["deleted"] == 1
                    && v["parcels_in"] == 9
                    && warned(v, "records_deleted")
            },
            "deleted counted and warned",
        ),
    );
    let mut nul = dbf_bytes.clone();
    let town = nul
        .windows(9)
        .position(|w| w == "长安镇".as_bytes())
        .unwrap();
    // "长\0XY镇": valid UTF-8 with a NUL inside.
    nul[town + 3..town + 6].copy_from_slice(b"\0XY");
    let p = copy_set("nul", &shp_bytes, &nul);
    push(
        &mut c,
        "NUL byte in a DBF text (check)",
        check_on(&p, &[]),
        Expect::Passes(|v| warned(v, "nul_stripped"), "nul stripped and warned"),
    );
    let out_nul = dir.join("out-nul");
    push(
        &mut c,
        "NUL byte in a DBF text (run writes every format)",
        vec![
            "run".into(),
            "-q".into(),
            "--parcels".into(),
            s(&p),
            "--out".into(),
            s(&out_nul),
        ],
        Expect::Writes,
    );
    let p = copy_set("wrongenc", &shp_bytes, &dbf_bytes);
    std::fs::write(p.with_extension("cpg"), "GBK").unwrap();
    push(
        &mut c,
        "UTF-8 DBF declared GBK",
        check_on(&p, &[]),
        Expect::Fails(6, "not valid GBK"),
    );
    push(
        &mut c,
        "unknown --encoding",
        check_on(&shp, &["--encoding", "klingon"]),
        Expect::Fails(2, "unknown or unsupported encoding"),
    );
    let p = copy_set("badcpg", &shp_bytes, &dbf_bytes);
    std::fs::write(p.with_extension("cpg"), "Klingon-1").unwrap();
    push(
        &mut c,
        "unknown code page in .cpg",
        check_on(&p, &[]),
        Expect::Fails(4, "Klingon-1"),
    );
    let p = copy_set("noprj", &shp_bytes, &dbf_bytes);
    std::fs::remove_file(p.with_extension("prj")).unwrap();
    push(
        &mut c,
        "shapefile without .prj",
        check_on(&p, &[]),
        Expect::Fails(5, "declares no CRS"),
    );
    let p = copy_set("badprj", &shp_bytes, &dbf_bytes);
    std::fs::write(p.with_extension("prj"), "PROJCS[garbage").unwrap();
    push(
        &mut c,
        "garbage .prj",
        check_on(&p, &[]),
        Expect::Fails(5, "cannot parse CRS"),
    );
    let wide: Vec<Value> = district(5)
        .into_iter()
        .map(|mut f| {
            for k in 0..300 {
                f["properties"][format!("x{k}")] = json!(k);
            }
            f
        })
        .collect();
    let p = geojson(dir, "wide.geojson", wide, Some(4547));
    push(
        &mut c,
        "300 source attributes",
        check_on(&p, &[]),
        Expect::Passes(
            |v| warned(v, "fields_left_out"),
            "fields left out of the DBF, warned",
        ),
    );
    let out_wide = dir.join("out-wide");
    push(
        &mut c,
        "300 source attributes (run writes a Shapefile)",
        vec![
            "run".into(),
            "-q".into(),
            "--parcels".into(),
            s(&p),
            "--out".into(),
            s(&out_wide),
        ],
        Expect::Writes,
    );

    // ---- Geometry -----------------------------------------------------------------
    let mut d = district(20);
    d.push(feature(json!({"parcel_id": "ZERO", "land_use": "1001"}), json!({"type": "Polygon", "coordinates": [[[480000.0, 2541000.0], [480100.0, 2541000.0], [480200.0, 2541000.0], [480000.0, 2541000.0]]]})));
    d.push(feature(
        json!({"parcel_id": "EMPTY", "land_use": "1001"}),
        json!({"type": "Polygon", "coordinates": [[]]}),
    ));
    d.push(feature(json!({"parcel_id": "BOWTIE", "land_use": "1001"}), json!({"type": "Polygon", "coordinates": [[[480000.0, 2542000.0], [480100.0, 2542100.0], [480100.0, 2542000.0], [480000.0, 2542100.0], [480000.0, 2542000.0]]]})));
    d.push(feature(
        json!({"parcel_id": "ORIGIN", "land_use": "1001"}),
        square(0.0, 0.0, 100.0),
    ));
    d.push(feature(json!({"parcel_id": "SKY", "land_use": "1001"}), json!({"type": "Polygon", "coordinates": [[[480000.0, 2543000.0], [480100.0, 2543000.0], [480100.0, 1e12], [480000.0, 2543000.0]]]})));
    d.push(feature(
        json!({"parcel_id": "PT", "land_use": "1001"}),
        json!({"type": "Point", "coordinates": [480000.0, 2543000.0]}),
    ));
    d.push(feature(
        json!({"parcel_id": "NOGEOM", "land_use": "1001"}),
        Value::Null,
    ));
    d.push(feature(
        json!({"parcel_id": "P000", "land_use": "1001"}),
        square(490_000.0, 2_540_000.0, 50.0),
    ));
    d.push(feature(
        json!({"parcel_id": "", "land_use": "1001"}),
        square(491_000.0, 2_540_000.0, 50.0),
    ));
    d.push(feature(
        json!({"parcel_id": "LU", "land_use": "9999"}),
        square(492_000.0, 2_540_000.0, 50.0),
    ));
    let hostile_geo = geojson(dir, "geo.geojson", d, Some(4547));
    for (name, reason) in [
        ("zero-area parcel", "zero_area"),
        ("empty ring", "empty_geometry"),
        ("bow-tie", "invalid_geometry"),
        ("parcel at (0, 0)", "outside_crs_area"),
        ("point as parcel", "not_polygon"),
        ("duplicate id", "duplicate_id"),
        ("missing id", "missing_id"),
        ("unknown land-use code", "unknown_land_use"),
    ] {
        c.push(Case {
            name,
            args: check_on(&hostile_geo, &[]),
            expect: Expect::Passes(
                match reason {
                    "zero_area" => |v| rejected(v, "zero_area") == 1,
                    "empty_geometry" => |v| rejected(v, "empty_geometry") == 2,
                    "invalid_geometry" => |v| rejected(v, "invalid_geometry") == 1,
                    "outside_crs_area" => |v| rejected(v, "outside_crs_area") == 2,
                    "not_polygon" => |v| rejected(v, "not_polygon") == 1,
                    "duplicate_id" => |v| rejected(v, "duplicate_id") == 1,
                    "missing_id" => |v| rejected(v, "missing_id") == 1,
                    _ => |v| rejected(v, "unknown_land_use") == 1,
                },
                reason,
            ),
            full_stdout: false,
        });
    }
    push(
        &mut c,
        "stray vertices do not move the areas",
        check_on(&hostile_geo, &[]),
        Expect::Passes(
            |v| v["parcel_area"]["m2"] == 200_000.0 && v["crs"] == "EPSG:4547",
            "20 × 10,000 m², EPSG:4547",
        ),
    );
    push(
        &mut c,
        "invalid geometry under --invalid stop",
        check_on(&hostile_geo, &["--invalid", "stop"]),
        Expect::Fails(7, "record 20 (id 'ZERO')"),
    );
    // Lon/lat data with one feature at (0, 0): the working CRS follows the rest.
    let mut ll: Vec<Value> = (0..20)
        .map(|i| {
            let x = 113.75 + 0.002 * i as f64;
            feature(json!({"parcel_id": format!("L{i}"), "land_use": "1001"}), json!({"type": "Polygon", "coordinates": [[[x, 22.95], [x + 0.001, 22.95], [x + 0.001, 22.951], [x, 22.951], [x, 22.95]]]}))
        })
        .collect();
    ll.push(feature(json!({"parcel_id": "NULLISLAND", "land_use": "1001"}), json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [0.001, 0.0], [0.001, 0.001], [0.0, 0.0]]]})));
    let p = geojson(dir, "lonlat.geojson", ll, None);
    push(
        &mut c,
        "lon/lat outlier does not choose the working CRS",
        check_on(&p, &[]),
        Expect::Passes(
            |v| v["crs"] == "EPSG:4547" && rejected(v, "outlier_location") == 1,
            "GK CM 114E, the outlier rejected",
        ),
    );

    // ---- Quality gates -----------------------------------------------------------
    let mut codes = district(10);
    for f in &mut codes {
        f["properties"]["land_use"] = json!("工业");
    }
    let p = geojson(dir, "nocode.geojson", codes, Some(4547));
    push(
        &mut c,
        "no land-use code of the scheme: nothing kept",
        check_on(&p, &[]),
        Expect::Fails(9, "no parcel of"),
    );
    let mut most = district(10);
    for f in most.iter_mut().take(6) {
        f["properties"]["land_use"] = json!("9999");
    }
    let p = geojson(dir, "most.geojson", most, Some(4547));
    push(
        &mut c,
        "most records rejected",
        check_on(&p, &[]),
        Expect::Fails(9, "rejected_share"),
    );
    push(
        &mut c,
        "gate lifted on the command line",
        check_on(&p, &["--gate", "rejected_share=0.7"]),
        Expect::Passes(|v| v["parcels_out"] == 4, "4 kept"),
    );
    let far_apart: Vec<Value> = (0..20)
        .map(|i| {
            let (x, y) = if i % 2 == 0 {
                (400_000.0, 2_400_000.0)
            } else {
                (700_000.0, 2_700_000.0)
            };
            feature(
                json!({"parcel_id": format!("F{i}"), "land_use": "1001"}),
                square(x + 150.0 * i as f64, y, 100.0),
            )
        })
        .collect();
    let p = geojson(dir, "apart.geojson", far_apart, Some(4547));
    push(
        &mut c,
        "an extent no district has",
        check_on(&p, &[]),
        Expect::Fails(9, "extent_km2"),
    );
    let far_buildings: Vec<Value> = (0..10)
        .map(|i| {
            feature(
                json!({"floors": 3}),
                square(380_000.0 + 150.0 * i as f64, 2_540_000.0, 40.0),
            )
        })
        .collect();
    let b = geojson(dir, "farb.geojson", far_buildings, Some(4547));
    push(
        &mut c,
        "buildings of another district",
        chk(&["--buildings", &s(&b)]),
        Expect::Fails(9, "CRS mistake"),
    );
    let half_off: Vec<Value> = (0..10)
        .map(|i| {
            let y = if i < 7 { 2_540_120.0 } else { 2_540_030.0 };
            feature(
                json!({"floors": 3}),
                square(480_030.0 + 150.0 * i as f64, y, 20.0),
            )
        })
        .collect();
    let b = geojson(dir, "halfb.geojson", half_off, Some(4547));
    push(
        &mut c,
        "most buildings in no parcel",
        chk(&["--buildings", &s(&b)]),
        Expect::Fails(9, "orphan_share"),
    );
    let no_floors: Vec<Value> = (0..10)
        .map(|i| {
            feature(
                json!({"floors": if i == 0 { Value::Null } else { json!(0) }}),
                square(480_030.0 + 150.0 * i as f64, 2_540_030.0, 40.0),
            )
        })
        .collect();
    let b = geojson(dir, "nofloors.geojson", no_floors, Some(4547));
    push(
        &mut c,
        "floors unknown: FAR unknown, not 0",
        chk(&["--buildings", &s(&b)]),
        Expect::Passes(
            |v| {
                v["measure"]["parcels_far_unknown"] == 10
                    && v["scoring"]["tally"]["rules"][0]["fired"] == 0
                    && warned(v, "far_unknown")
            },
            "FAR read from the survey, never 0",
        ),
    );
    let b_nofield = geojson(
        dir,
        "bnofield.geojson",
        (0..3)
            .map(|i| {
                feature(
                    json!({"storeys": 3}),
                    square(480_030.0 + 150.0 * i as f64, 2_540_030.0, 40.0),
                )
            })
            .collect(),
        Some(4547),
    );
    push(
        &mut c,
        "buildings without a floors field",
        chk(&["--buildings", &s(&b_nofield)]),
        Expect::Fails(4, "no floors field"),
    );
    let b_crs = geojson(
        dir,
        "bcrs.geojson",
        (0..3)
            .map(|i| {
                feature(
                    json!({"floors": 3}),
                    square(38_480_030.0 + 150.0 * i as f64, 2_540_030.0, 40.0),
                )
            })
            .collect(),
        Some(4526),
    );
    push(
        &mut c,
        "buildings in another CRS",
        chk(&["--buildings", &s(&b_crs)]),
        Expect::Fails(5, "EPSG:4526"),
    );

    // ---- GeoJSON -----------------------------------------------------------------
    let p = write(
        dir,
        "trunc.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,"#,
    );
    push(
        &mut c,
        "truncated GeoJSON",
        check_on(&p, &[]),
        Expect::Fails(4, "GDAL cannot open it"),
    );
    let p = geojson(dir, "emptyfc.geojson", vec![], Some(4547));
    push(
        &mut c,
        "empty FeatureCollection",
        check_on(&p, &[]),
        Expect::Fails(4, "empty"),
    );
    let mut typed = district(10);
    typed[0]["properties"]["far"] = json!([1, 2]);
    typed[1]["properties"]["tax_mu"] = json!(true);
    typed[2]["properties"]["tax_mu"] = json!("n/a");
    typed[3]["properties"]["town"] = json!("长安\u{0}镇");
    let p = geojson(dir, "typed.geojson", typed, Some(4547));
    push(
        &mut c,
        "lists, booleans and text for numbers",
        check_on(&p, &[]),
        Expect::Passes(
            |v| {
                v["values_unparsed"]["far"].as_u64() >= Some(1)
                    && v["values_unparsed"]["tax_mu"].as_u64() >= Some(1)
            },
            "counted as unparsed",
        ),
    );
    let out_typed = dir.join("out-typed");
    push(
        &mut c,
        "odd values reach every writer",
        vec![
            "run".into(),
            "-q".into(),
            "--parcels".into(),
            s(&p),
            "--out".into(),
            s(&out_typed),
        ],
        Expect::Writes,
    );
    let p = write(dir, "notjson.geojson", "\u{feff}<html>not json</html>");
    push(
        &mut c,
        "HTML saved as .geojson",
        check_on(&p, &[]),
        Expect::Fails(4, "GDAL cannot open it"),
    );
    let p = geojson(dir, "nocrs-local.geojson", district(5), None);
    // RFC 7946 says lon/lat: metres there lie outside EPSG:4326, so nothing is kept.
    push(
        &mut c,
        "metres in a GeoJSON without crs",
        check_on(&p, &[]),
        Expect::Fails(9, "outside_crs_area: 5"),
    );

    // ---- GeoPackage --------------------------------------------------------------
    let g = gpkg(dir, "zd", district(2000));
    let mut bytes = std::fs::read(&g).unwrap();
    let mid = bytes.len() / 2 / 4096 * 4096;
    for b in &mut bytes[mid..mid + 4096] {
        *b = 0xA5;
    }
    let corrupt = dir.join("corrupt.gpkg");
    std::fs::write(&corrupt, &bytes).unwrap();
    push(
        &mut c,
        "GeoPackage with a corrupt page",
        check_on(&corrupt, &[]),
        Expect::Fails(4, "corrupt.gpkg"),
    );
    let two = dir.join("two.gpkg");
    ogr2ogr(&two, &good, &["-f", "GPKG", "-nln", "a"]);
    ogr2ogr(&two, &good, &["-f", "GPKG", "-nln", "b", "-update"]);
    push(
        &mut c,
        "GeoPackage with two layers, none named",
        check_on(&two, &[]),
        Expect::Fails(4, "several layers"),
    );
    let cfg = write(dir, "layer.toml", "[input]\nparcels_layer = \"zongdi\"\n");
    push(
        &mut c,
        "GeoPackage layer that does not exist",
        check_on(&two, &["--config", &s(&cfg)]),
        Expect::Fails(4, "has no layer 'zongdi'"),
    );
    let p = write(dir, "fake.gpkg", "SQLite format 3\0 but not really");
    push(
        &mut c,
        "not a GeoPackage",
        check_on(&p, &[]),
        Expect::Fails(4, "GDAL cannot open it"),
    );

    // ---- Survey CSV --------------------------------------------------------------
    let survey = |name: &str, text: &str| write(dir, name, text);
    let p = survey("nokey.csv", "id,tax_mu\nP000,5\n");
    push(
        &mut c,
        "survey without the key column",
        chk(&["--survey", &s(&p)]),
        Expect::Fails(4, "no key column 'parcel_id'"),
    );
    let mut rows = String::from("parcel_id,yr_built\n");
    for i in 0..10 {
        rows.push_str(&format!(
            "P{i:03},{}\n",
            if i == 3 {
                "n/a".to_string()
            } else {
                (1990 + i).to_string()
            }
        ));
    }
    let p = survey("na.csv", &rows);
    push(
        &mut c,
        "integer survey column holding n/a",
        chk(&["--survey", &s(&p)]),
        Expect::Passes(
            |v| {
                v["survey"]["type_errors"]["yr_built"][0]["value"] == "n/a"
                    && warned(v, "survey_type_errors")
            },
            "found by check",
        ),
    );
    let out_na = dir.join("out-na");
    push(
        &mut c,
        "integer survey column holding n/a (run)",
        vec![
            "run".into(),
            "-q".into(),
            "--parcels".into(),
            good_s.clone(),
            "--survey".into(),
            s(&p),
            "--out".into(),
            s(&out_na),
        ],
        Expect::Writes,
    );
    let p = dir.join("binary.csv");
    std::fs::write(&p, [0xFFu8, 0xFE, 0x00, 0x81, 0x30, 0xFF, 0xFF, 0x0A]).unwrap();
    push(
        &mut c,
        "survey that is no text",
        chk(&["--survey", &s(&p)]),
        Expect::Fails(4, "neither valid UTF-8 nor GB18030"),
    );
    let p = survey("ragged.csv", "parcel_id,tax_mu\nP000,5,6\n");
    push(
        &mut c,
        "survey with a ragged row",
        chk(&["--survey", &s(&p)]),
        Expect::Fails(4, "CSV row"),
    );
    let p = survey("dup.csv", "parcel_id,tax_mu\nP000,5\nP000,6\nNOPE,1\n");
    push(
        &mut c,
        "survey with duplicate and unknown keys",
        chk(&["--survey", &s(&p)]),
        Expect::Passes(
            |v| {
                v["survey"]["duplicate_table_keys"][0] == "P000"
                    && v["survey"]["table_keys_without_parcel"][0] == "NOPE"
            },
            "reported",
        ),
    );
    let p = survey("textfar.csv", "parcel_id,far\nP000,high\nP001,2\n");
    push(
        &mut c,
        "survey text replacing a numeric field",
        chk(&["--survey", &s(&p)]),
        Expect::Passes(
            |v| v["survey"]["type_errors"]["far"][0]["value"] == "high",
            "unknown, reported",
        ),
    );
    push(
        &mut c,
        "survey file missing",
        chk(&["--survey", "/nonexistent/survey.csv"]),
        Expect::Fails(4, "survey.csv"),
    );

    // ---- Constraint, barrier and town layers -------------------------------------
    push(
        &mut c,
        "constraint layer missing",
        chk(&["--constraint", "eco-redline=/nonexistent/red.shp"]),
        Expect::Fails(4, "does not exist"),
    );
    push(
        &mut c,
        "unknown constraint kind",
        chk(&["--constraint", "swamp=x.shp"]),
        Expect::Fails(2, "eco-redline, farmland"),
    );
    let red = geojson(
        dir,
        "red.geojson",
        vec![
            feature(
                json!({}),
                json!({"type": "Polygon", "coordinates": [[[480000.0, 2540000.0], [480300.0, 2540300.0], [480300.0, 2540000.0], [480000.0, 2540300.0], [480000.0, 2540000.0]]]}),
            ),
            feature(json!({}), square(480_000.0, 2_540_000.0, 120.0)),
        ],
        Some(4547),
    );
    push(
        &mut c,
        "constraint layer with a bow-tie",
        chk(&["--constraint", &format!("eco-redline={}", s(&red))]),
        Expect::Passes(
            |v| {
                v["constraints"]["features_rejected"] == 1
                    && warned(v, "constraint_features_rejected")
            },
            "rejected, warned",
        ),
    );
    let barrier_shp = shapefile(
        dir,
        "barrier",
        vec![feature(
            json!({"n": 1}),
            json!({"type": "LineString", "coordinates": [[480000.0, 2539000.0], [481000.0, 2541000.0]]}),
        )],
    );
    let mut bb = std::fs::read(&barrier_shp).unwrap();
    // The first coordinate of the first record (100 + 8 + 44 + 4 × parts): NaN.
    bb[156..164].copy_from_slice(&f64::NAN.to_le_bytes());
    std::fs::write(&barrier_shp, &bb).unwrap();
    push(
        &mut c,
        "barrier with a NaN coordinate",
        chk(&["--barriers", &s(&barrier_shp)]),
        Expect::Passes(
            |v| warned(v, "barrier_features_rejected"),
            "rejected, warned",
        ),
    );
    let towns = geojson(
        dir,
        "towns.geojson",
        vec![feature(
            json!({"code": 1}),
            square(479_000.0, 2_539_000.0, 5000.0),
        )],
        Some(4547),
    );
    push(
        &mut c,
        "town layer without a name field",
        chk(&["--towns", &s(&towns)]),
        Expect::Fails(4, "no name field"),
    );
    let towns = geojson(
        dir,
        "townline.geojson",
        vec![feature(
            json!({"town": "长安镇"}),
            json!({"type": "LineString", "coordinates": [[479000.0, 2539000.0], [490000.0, 2545000.0]]}),
        )],
        Some(4547),
    );
    push(
        &mut c,
        "town layer of lines",
        chk(&["--towns", &s(&towns)]),
        Expect::Fails(4, "not a polygon"),
    );

    let plan = geojson(
        dir,
        "plan_nofield.geojson",
        vec![feature(
            json!({"name": "A"}),
            square(479_000.0, 2_539_000.0, 5000.0),
        )],
        Some(4547),
    );
    push(
        &mut c,
        "planning layer without a code field",
        chk(&["--planning", &s(&plan)]),
        Expect::Fails(4, "no planned-use field"),
    );
    let plan = geojson(
        dir,
        "plan_points.geojson",
        vec![feature(
            json!({"YDDM": "0701"}),
            json!({"type": "Point", "coordinates": [479000.0, 2539000.0]}),
        )],
        Some(4547),
    );
    push(
        &mut c,
        "planning layer of points only",
        chk(&["--planning", &s(&plan)]),
        Expect::Fails(4, "no polygon with a planned-use code"),
    );
    let plan = geojson(
        dir,
        "plan_garbage.geojson",
        vec![
            feature(
                json!({"YDDM": "规划中"}),
                square(469_000.0, 2_519_000.0, 20_000.0),
            ),
            feature(json!({"YDDM": null}), square(479_000.0, 2_539_000.0, 50.0)),
        ],
        Some(4547),
    );
    push(
        &mut c,
        "planning layer with unreadable codes",
        chk(&["--planning", &s(&plan)]),
        Expect::Passes(
            |v| {
                v["planning"]["features_rejected"] == 1
                    && v["quality"]["rules_not_evaluated"]
                        .as_array()
                        .is_some_and(|g| g.iter().any(|g| g["rule"] == "USE_CONFLICT"))
            },
            "unreadable codes: the rule cannot judge, and says so",
        ),
    );

    // ---- Configuration -----------------------------------------------------------
    let conf = |name: &str, text: &str| s(&write(dir, name, text));
    for (name, text, says) in [
        (
            "unknown key in the config",
            "[input]\nparcel = \"x\"\n",
            "unknown field",
        ),
        (
            "negative gap in the config",
            "[zones]\ngap = -5\n",
            "line 2: [zones] gap = -5",
        ),
        ("not TOML", "[input\nparcels = \n", "config"),
        (
            "unknown gate in the config",
            "[quality]\nbogus = 1\n",
            "'bogus' is not a gate",
        ),
        (
            "gate limit that is a word",
            "[quality]\norphan_share = \"many\"\n",
            "a number or \"off\"",
        ),
        (
            "unit minimum above the maximum",
            "[zones]\nmin_unit_mu = 400\nmax_unit_mu = 300\n",
            "must be below max_unit_mu",
        ),
        (
            "storey height of 1e-300",
            "[buildings]\nstorey_height = 1e-300\n",
            "storey_height",
        ),
        (
            "unknown scheme",
            "scheme = \"guess\"\n",
            "line 1: scheme 'guess'",
        ),
    ] {
        push(
            &mut c,
            name,
            chk(&[
                "--config",
                &conf(&format!("{name}.toml").replace(' ', "_"), text),
            ]),
            Expect::Fails(3, says),
        );
    }
    push(
        &mut c,
        "config file missing",
        chk(&["--config", "/nonexistent/landsift.toml"]),
        Expect::Fails(3, "cannot read"),
    );
    push(
        &mut c,
        "criteria file missing",
        chk(&["--criteria", "/nonexistent/city.toml"]),
        Expect::Fails(3, "cannot read"),
    );
    let crit = conf("dupcrit.toml", "name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far\"\nop = \"<\"\nthreshold = 1\nmark = \"default\"\n[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far\"\nop = \"<\"\nthreshold = 1\nmark = \"default\"\n");
    push(
        &mut c,
        "criteria with a duplicate rule id",
        chk(&["--criteria", &crit]),
        Expect::Fails(3, "line"),
    );
    let crit = conf("hugeweight.toml", "name = \"x\"\n[composite.industrial]\nindicators = [{ field = \"tax_mu\", weight = 1e308, direction = \"higher\", benchmark = 10 }]\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n");
    push(
        &mut c,
        "criteria weight of 1e308",
        chk(&["--criteria", &crit]),
        Expect::Fails(3, "weight"),
    );

    // ---- Command line ------------------------------------------------------------
    for (name, args, says) in [
        ("--gap nan", vec!["--gap", "nan"], "0 to 200 m"),
        ("--gap -5", vec!["--gap", "-5"], "0 to 200 m"),
        (
            "--circle-gap inf",
            vec!["--circle-gap", "inf"],
            "0 to 1000 m",
        ),
        (
            "--gate bogus",
            vec!["--gate", "bogus=1"],
            "rejected_share, orphan_share, extent_km2",
        ),
        (
            "--gate above its range",
            vec!["--gate", "rejected_share=2"],
            "0 to 1",
        ),
        ("unknown flag", vec!["--frobnicate"], "unexpected argument"),
        ("unknown format", vec!["--format", "kml"], "possible values"),
    ] {
        push(&mut c, name, chk(&args), Expect::Fails(2, says));
    }
    let file_out = write(dir, "a-file", "x");
    push(
        &mut c,
        "--out is a file",
        vec![
            "run".into(),
            "--parcels".into(),
            good_s.clone(),
            "--out".into(),
            s(&file_out),
        ],
        Expect::Fails(8, "not a directory"),
    );
    push(
        &mut c,
        "parcels file missing",
        check_on(Path::new("/nonexistent/zd.shp"), &[]),
        Expect::Fails(4, "does not exist"),
    );
    c.push(Case {
        name: "check > /dev/full",
        args: chk(&["-q"]),
        expect: Expect::Fails(8, "cannot write to standard output"),
        full_stdout: true,
    });
    c.push(case(
        "a valid check still passes",
        &["check", "-q", "--parcels", &good_s],
        Expect::Passes(|v| v["parcels_out"] == 10, "10 kept"),
    ));
    c
}

#[test]
fn hostile_inputs_fail_loudly_and_never_panic_or_hang() {
    let dir = tmp();
    let cases = cases(dir.path());
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let Some((code, stdout, stderr)) = run_with_deadline(&c.args, c.full_stdout) else {
            failures.push(format!("{}: hung (killed after 120 s)", c.name));
            continue;
        };
        if code == 101 || stderr.contains("panicked") {
            failures.push(format!("{}: PANIC\n{stderr}", c.name));
            continue;
        }
        match &c.expect {
            Expect::Fails(want, says) => {
                if code != *want || !stderr.contains(says) {
                    failures.push(format!(
                        "{}: exit {code} (want {want} saying '{says}')\n{stderr}",
                        c.name
                    ));
                }
            }
            Expect::Writes => {
                if code != 0 {
                    failures.push(format!(
                        "{}: exit {code}, want a written run\n{stderr}",
                        c.name
                    ));
                }
            }
            Expect::Passes(test, what) => {
                let ok = code == 0
                    && serde_json::from_str::<Value>(&stdout)
                        .map(|v| test(&v))
                        .unwrap_or(false);
                if !ok {
                    failures.push(format!(
                        "{}: exit {code}, want success with {what}\n{stderr}",
                        c.name
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases went wrong:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
