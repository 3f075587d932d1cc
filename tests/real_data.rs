//! Every dataset in ../shared/data is read, and every record ends up in the output or
//! in the rejects: input count = output + rejected. Outputs are read back through GDAL.

mod common;
use common::*;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::LayerAccess;
use std::collections::HashMap;

const SEOUL_CONFIG: &str =
    "[fields]\nparcel_id = \"고유번호\"\n[buildings]\nfloors = \"A32\"\nheight = \"A31\"\n";

#[test]
fn seoul_parcels_and_buildings_nothing_lost_areas_match_gdal() {
    let dir = tmp();
    let parcels = seoul_with_codes(dir.path());
    let config = write(dir.path(), "seoul.toml", SEOUL_CONFIG);
    let out = dir.path().join("out");
    let s = run_ok(
        &[
            "--config",
            config.to_str().unwrap(),
            "--parcels",
            parcels.to_str().unwrap(),
            "--buildings",
            shared("seoul-songpa-parcels-buildings/bldg.geojson")
                .to_str()
                .unwrap(),
        ],
        &out,
    );
    assert_eq!(s["parcels_in"], 2382);
    let kept = s["parcels_out"].as_u64().unwrap();
    let rejected = s["parcels_rejected"].as_u64().unwrap();
    assert_eq!(kept + rejected, 2382);
    // The one invalid parcel is either repaired (and says so) or rejected with its reason.
    assert_eq!(s["parcels_repaired"].as_u64().unwrap() + rejected, 1);
    assert_eq!(s["buildings_in"], 2266);
    assert_eq!(s["buildings_out"], 2266);
    assert_eq!(s["crs"], "EPSG:32652", "Seoul is outside China: UTM 52N");
    assert_eq!(s["source_crs"], "EPSG:4326");

    // Every format holds the kept parcels; the GPKG and .prj carry the working CRS.
    let gpkg = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let shp = read_back(&out.join("parcels.shp"), None);
    let gj = read_back(&out.join("parcels.geojson"), None);
    for (name, r) in [("gpkg", &gpkg), ("shp", &shp), ("geojson", &gj)] {
        assert_eq!(r.rows.len() as u64, kept, "{name}");
    }
    assert_eq!(gpkg.epsg, Some(32652));
    assert_eq!(shp.epsg, Some(32652));
    let rejects = read_back(&out.join("landsift.gpkg"), Some("rejects"));
    assert_eq!(rejects.rows.len() as u64, rejected);

    // GeoJSON is lon/lat within the input's extent.
    let [x0, y0, x1, y1] = gj.extent.unwrap();
    assert!(
        x0 >= 127.066 && x1 <= 127.108 && y0 >= 37.499 && y1 <= 37.525,
        "{:?}",
        gj.extent
    );

    // area_m2 agrees with GDAL/PROJ's own computation in the same CRS.
    let mut gdal_area: HashMap<String, f64> = HashMap::new();
    let src = gdal::Dataset::open(&parcels).unwrap();
    let mut lyr = src.layer(0).unwrap();
    let mut from = SpatialRef::from_epsg(4326).unwrap();
    let mut to = SpatialRef::from_epsg(32652).unwrap();
    from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let ct = CoordTransform::new(&from, &to).unwrap();
    let id_idx = lyr.defn().field_index("고유번호").unwrap();
    for f in lyr.features() {
        let mut g = f.geometry().unwrap().clone();
        g.transform_inplace(&ct).unwrap();
        gdal_area.insert(f.field_as_string(id_idx).unwrap().unwrap(), g.area());
    }
    let mut compared = 0;
    for row in &gpkg.rows {
        if row["geom_fix"].is_some() {
            continue; // repaired: its area is the repaired polygon's
        }
        let id = row["parcel_id"].clone().unwrap();
        let ours: f64 = row["area_m2"].clone().unwrap().parse().unwrap();
        let theirs = gdal_area[&id];
        assert!(
            ((ours - theirs) / theirs).abs() < 1e-6,
            "{id}: ours {ours} GDAL {theirs}"
        );
        let mu: f64 = row["area_mu"].clone().unwrap().parse().unwrap();
        assert!((mu - ours * 3.0 / 2000.0).abs() < 1e-9 * mu.max(1.0));
        compared += 1;
    }
    assert!(compared as u64 >= kept - 1);
}

#[test]
fn gb18030_shapefile_without_cpg_is_detected_and_overridable() {
    let dir = tmp();
    // The layer has no land-use field: map NAME through a recode (test-only mapping).
    let config = write(
        dir.path(),
        "c.toml",
        "[fields]\nparcel_id = \"ADCODE99\"\nland_use = \"NAME\"\n[land_use_recode]\n\"黑龙江省\" = \"0101\"\n",
    );
    let shp = shared("geotools-chinese-poly/chinese_poly.shp");
    let out = dir.path().join("out");
    // The "parcel" is Heilongjiang province: past the extent gate of a district (exit 9)
    // unless lifted.
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--parcels",
        shp.to_str().unwrap(),
    ];
    let o = landsift(&[&["check"][..], &args].concat());
    assert_eq!(o.code, 9, "{}", o.stderr);
    assert!(o.stderr.contains("extent_km2"), "{}", o.stderr);
    let s = run_ok(&[&args[..], &["--gate", "extent_km2=off"]].concat(), &out);
    assert_eq!(s["parcels_in"], 1);
    assert_eq!(s["parcels_out"], 1);
    assert_eq!(s["encoding_source"], "gb18030_fallback");
    assert_eq!(s["encoding"], "gb18030");
    for (file, layer) in [
        ("parcels.shp", None),
        ("parcels.geojson", None),
        ("landsift.gpkg", Some("parcels")),
    ] {
        let r = read_back(&out.join(file), layer);
        assert_eq!(r.rows[0]["NAME"].as_deref(), Some("黑龙江省"), "{file}");
        assert_eq!(r.rows[0]["land_use"].as_deref(), Some("0101"), "{file}");
    }

    // An explicit wrong encoding is an encoding error naming field and record.
    let o = landsift(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--parcels",
        shp.to_str().unwrap(),
        "--encoding",
        "UTF-8",
    ]);
    assert_eq!(o.code, 6, "{}", o.stderr);
    assert!(
        o.stderr.contains("NAME") && o.stderr.contains("record 0"),
        "{}",
        o.stderr
    );
    // The right one, stated, is used and reported as explicit.
    let o = landsift(&[
        "check",
        "--config",
        config.to_str().unwrap(),
        "--parcels",
        shp.to_str().unwrap(),
        "--encoding",
        "GB18030",
        "--gate",
        "extent_km2=off",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let s: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(s["encoding_source"], "explicit");
}

#[test]
fn shenzhen_without_prj_is_a_crs_error_until_stated_local() {
    let dir = tmp();
    let config = write(
        dir.path(),
        "c.toml",
        "[fields]\nparcel_id = \"OBJECTID\"\nland_use = \"FLOOR\"\n[land_use_recode]\n\"0\" = \"1001\"\n\"5\" = \"1001\"\n",
    );
    let shp = shared("shenzhen-futian-buildings/building.shp");
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--parcels",
        shp.to_str().unwrap(),
    ];
    let mut check = vec!["check"];
    check.extend_from_slice(&args);
    let o = landsift(&check);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(
        o.stderr.contains("--s-srs"),
        "the error says how to fix it: {}",
        o.stderr
    );

    let out = dir.path().join("out");
    let mut with_local = args.to_vec();
    with_local.extend_from_slice(&["--s-srs", "local"]);
    let s = run_ok(&with_local, &out);
    assert_eq!(s["crs"], "LOCAL");
    assert_eq!(s["encoding_source"], "cpg");
    assert!(s["geojson_coordinates"]
        .as_str()
        .unwrap()
        .contains("not reprojected"));
    assert_eq!(s["parcels_in"], 350);
    // FLOOR is null twice: those two have no land use and are rejected, not lost.
    assert_eq!(s["rejected_by_reason"]["missing_land_use"], 2);
    assert_eq!(s["parcels_out"], 348);
    let gj = read_back(&out.join("parcels.geojson"), None);
    assert_eq!(gj.rows.len(), 348);
    let [x0, _, x1, _] = gj.extent.unwrap();
    assert!(x0 > 116_000.0 && x1 < 119_000.0, "local coordinates kept");
    let gpkg = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    assert_eq!(gpkg.epsg, None);
    // The source's `CLASS` clashes (case-insensitively) with the engine's `class`.
    assert!(
        gpkg.fields.iter().any(|(n, _)| n == "src_CLASS"),
        "{:?}",
        gpkg.fields
    );
    assert!(
        !out.join("parcels.prj").exists(),
        "no .prj for a local grid"
    );
    // Areas are the local grid's own square metres, as GDAL computes them on the input.
    let src = read_back(&shp, None);
    let gdal_area: HashMap<String, f64> = src
        .rows
        .iter()
        .zip(&src.areas)
        .map(|(r, a)| (r["OBJECTID"].clone().unwrap(), *a))
        .collect();
    for row in &gpkg.rows {
        let ours: f64 = row["area_m2"].clone().unwrap().parse().unwrap();
        let theirs = gdal_area[row["parcel_id"].as_ref().unwrap()];
        assert!((ours - theirs).abs() / theirs < 1e-9, "{ours} vs {theirs}");
    }
}

/// Helsinki OSM polygons with an id and a land-use code derived in SQL.
fn helsinki(dir: &std::path::Path) -> std::path::PathBuf {
    let dst = dir.join("helsinki.gpkg");
    ogr2ogr(
        &dst,
        &shared("helsinki-osm/helsinki_polygons.gpkg"),
        &[
            "-f",
            "GPKG",
            "-nln",
            "parcels",
            "-dialect",
            "SQLite",
            "-sql",
            "SELECT *, coalesce(osm_id, osm_way_id) AS pid, CASE WHEN building IS NOT NULL THEN '0701' ELSE '1401' END AS lu FROM multipolygons",
        ],
    );
    dst
}

#[test]
fn helsinki_invalid_geometries_follow_the_policy() {
    let dir = tmp();
    let gpkg = helsinki(dir.path());
    let config = write(
        dir.path(),
        "c.toml",
        "[fields]\nparcel_id = \"pid\"\nland_use = \"lu\"\n",
    );
    let base = [
        "--config",
        config.to_str().unwrap(),
        "--parcels",
        gpkg.to_str().unwrap(),
    ];

    let repaired = run_ok(&base, &dir.path().join("repair"));
    assert_eq!(repaired["parcels_in"], 1095);
    // Repairs are deterministic: a rerun on one thread gives the same bytes.
    let again = dir.path().join("repair-again");
    let mut args = vec!["run"];
    args.extend_from_slice(&base);
    args.extend_from_slice(&["--out", again.to_str().unwrap(), "--format", "geojson,shp"]);
    let o = landsift_env(&args, &[("RAYON_NUM_THREADS", "1")]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for f in ["parcels.geojson", "parcels.shp", "small_circles.geojson"] {
        assert!(
            std::fs::read(dir.path().join("repair").join(f)).unwrap()
                == std::fs::read(again.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let kept = repaired["parcels_out"].as_u64().unwrap();
    let rejected = repaired["parcels_rejected"].as_u64().unwrap();
    assert_eq!(kept + rejected, 1095);
    assert!(repaired["parcels_repaired"].as_u64().unwrap() > 0);
    let csv = std::fs::read_to_string(dir.path().join("repair/rejects.csv")).unwrap();
    assert_eq!(
        csv.lines().count() as u64,
        rejected + 1,
        "one line per reject + header"
    );

    let mut skip = base.to_vec();
    skip.extend_from_slice(&["--invalid", "skip"]);
    let skipped = run_ok(&skip, &dir.path().join("skip"));
    assert_eq!(
        skipped["parcels_out"].as_u64().unwrap() + skipped["parcels_rejected"].as_u64().unwrap(),
        1095
    );
    assert!(
        skipped["rejected_by_reason"]["invalid_geometry"]
            .as_u64()
            .unwrap()
            >= 50
    );
    assert_eq!(skipped["parcels_repaired"], 0);
    assert!(skipped["parcels_out"].as_u64().unwrap() < kept);

    let mut stop = vec!["check"];
    stop.extend_from_slice(&base);
    stop.extend_from_slice(&["--invalid", "stop"]);
    let o = landsift(&stop);
    assert_eq!(o.code, 7, "{}", o.stderr);
    assert!(o.stderr.contains("record"), "{}", o.stderr);
}

#[test]
fn gbk_shapefile_in_cgcs2000_gk_round_trips_chinese_text() {
    // Derived: the Seoul parcels moved to Dongguan, projected to EPSG:4547, given
    // Chinese town names and land-use codes, written by GDAL as a GBK (CP936) shapefile.
    let dir = tmp();
    let src = seoul_with_codes(dir.path());
    let shp = dir.path().join("gbk.shp");
    ogr2ogr(
        &shp,
        &src,
        &[
            "-f",
            "ESRI Shapefile",
            "-lco",
            "ENCODING=CP936",
            "-s_srs",
            "EPSG:4326",
            "-t_srs",
            "EPSG:4547",
            "-dialect",
            "SQLite",
            "-sql",
            "SELECT ST_Translate(geometry, -13.3, -14.5, 0) AS geometry, \"고유번호\" AS ZDDM, land_use AS DLBM, CASE WHEN CAST(substr(\"고유번호\", 12, 4) AS INTEGER) % 2 = 0 THEN '长安镇' ELSE '虎门镇' END AS town, '东莞市某某五金制品有限公司' AS owner FROM parcels",
        ],
    );
    let cpg = std::fs::read_to_string(dir.path().join("gbk.cpg")).unwrap();
    assert!(cpg.contains("936"), "GDAL wrote a GBK code page: {cpg}");
    let config = write(
        dir.path(),
        "c.toml",
        "[fields]\nparcel_id = \"ZDDM\"\nland_use = \"DLBM\"\n",
    );
    let out = dir.path().join("out");
    let s = run_ok(
        &[
            "--config",
            config.to_str().unwrap(),
            "--parcels",
            shp.to_str().unwrap(),
        ],
        &out,
    );
    assert_eq!(s["encoding"], "GBK");
    assert_eq!(s["encoding_source"], "cpg");
    assert_eq!(s["crs"], "EPSG:4547");
    let cpg_out = std::fs::read_to_string(out.join("parcels.cpg")).unwrap();
    assert_eq!(cpg_out.trim(), "UTF-8");
    let input = read_back(&shp, None);
    let mut want: HashMap<String, (String, String)> = HashMap::new();
    for r in &input.rows {
        want.insert(
            r["ZDDM"].clone().unwrap(),
            (r["town"].clone().unwrap(), r["owner"].clone().unwrap()),
        );
    }
    assert!(want.values().any(|(t, _)| t == "长安镇"));
    for (file, layer) in [
        ("parcels.shp", None),
        ("parcels.geojson", None),
        ("landsift.gpkg", Some("parcels")),
    ] {
        let r = read_back(&out.join(file), layer);
        assert_eq!(r.rows.len() as u64, s["parcels_out"].as_u64().unwrap());
        for row in &r.rows {
            let id = row["parcel_id"].clone().unwrap();
            let (town, owner) = &want[&id];
            assert_eq!(row["town"].as_ref(), Some(town), "{file} {id}");
            assert_eq!(row["owner"].as_ref(), Some(owner), "{file} {id}");
        }
    }
}
