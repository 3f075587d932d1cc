//! Town boundaries from a layer (`--towns`): parcels are placed in the town polygon holding
//! them, zones never cross a town line, and a bad layer is a clear error.

mod common;
use common::*;
use geo::{Centroid, Rect};
use landsift_synth::{self as synth, DistrictParams};
use std::path::Path;

/// A GeoJSON layer of named rectangles in EPSG:4547 (named CRS member, so GDAL takes it).
fn write_towns(path: &Path, towns: &[(&str, Rect<f64>)]) {
    let features: Vec<serde_json::Value> = towns
        .iter()
        .map(|(name, r)| {
            let (a, b) = (r.min(), r.max());
            serde_json::json!({
                "type": "Feature",
                "properties": { "XZQMC": name },
                "geometry": { "type": "Polygon", "coordinates": [[
                    [a.x, a.y], [b.x, a.y], [b.x, b.y], [a.x, b.y], [a.x, a.y]
                ]]}
            })
        })
        .collect();
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4547" } },
        "features": features,
    });
    std::fs::write(path, fc.to_string()).unwrap();
}

/// The sample district's towns (names and rectangles), as generated.
fn sample_towns() -> Vec<(String, Rect<f64>)> {
    synth::generate(&DistrictParams::default())
        .towns
        .iter()
        .map(|t| (t.name.clone(), t.extent))
        .collect()
}

#[test]
fn a_boundary_layer_that_agrees_with_the_town_field_changes_nothing() {
    let dir = tmp();
    let towns = sample_towns();
    let layer = dir.path().join("towns.geojson");
    let named: Vec<(&str, Rect<f64>)> = towns.iter().map(|(n, r)| (n.as_str(), *r)).collect();
    write_towns(&layer, &named);
    let plain = run_ok(&[], &dir.path().join("plain"));
    let with = run_ok(
        &["--towns", layer.to_str().unwrap()],
        &dir.path().join("with"),
    );
    let tb = &with["town_boundaries"];
    assert_eq!(tb["boundaries"], 3);
    assert_eq!(tb["field_disagrees"], 0);
    assert_eq!(
        tb["assigned"].as_u64().unwrap() + tb["outside"].as_u64().unwrap(),
        with["parcels_out"].as_u64().unwrap()
    );
    assert!(tb["assigned"].as_u64().unwrap() > 3900);
    assert_eq!(plain["zones"], with["zones"]);
}

#[test]
fn zones_follow_the_boundary_layer_not_the_town_field() {
    let dir = tmp();
    let towns = sample_towns();
    // Split the first town at its middle: the east half becomes a new town, 新城街道.
    let (first, r) = (&towns[0].0, towns[0].1);
    let mid = r.center().x;
    let west = Rect::new(r.min(), geo::coord! { x: mid, y: r.max().y });
    let east = Rect::new(geo::coord! { x: mid, y: r.min().y }, r.max());
    let mut named: Vec<(&str, Rect<f64>)> = vec![(first.as_str(), west), ("新城街道", east)];
    named.extend(towns[1..].iter().map(|(n, r)| (n.as_str(), *r)));
    let layer = dir.path().join("towns.geojson");
    write_towns(&layer, &named);
    let out = dir.path().join("out");
    let s = run_ok(&["--towns", layer.to_str().unwrap()], &out);
    assert!(s["town_boundaries"]["field_disagrees"].as_u64().unwrap() > 100);
    let reported: Vec<&str> = s["zones"]["towns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["town"].as_str().unwrap())
        .collect();
    assert!(reported.contains(&"新城街道"), "{reported:?}");
    // Every parcel in a zone lies (by centroid, away from the split line) on its zone's
    // side: zone ids start with their town's name.
    let parcels = read_back(&out.join("landsift.gpkg"), Some("parcels"));
    let ds = gdal::Dataset::open(out.join("landsift.gpkg")).unwrap();
    let mut layer = ds.layer_by_name("parcels").unwrap();
    use gdal::vector::LayerAccess;
    let xs: Vec<f64> = layer
        .features()
        .map(|f| {
            let g: geo::Geometry<f64> = f.geometry().unwrap().try_into().unwrap();
            g.centroid().unwrap().x()
        })
        .collect();
    let mut checked = 0;
    for (row, x) in parcels.rows.iter().zip(&xs) {
        if (x - mid).abs() < 150.0 || *x > r.max().x {
            continue;
        }
        for key in ["unit_id", "middle_id", "large_id"] {
            if let Some(id) = row[key].as_deref().filter(|v| !v.is_empty()) {
                let want = if *x < mid {
                    first.as_str()
                } else {
                    "新城街道"
                };
                assert!(
                    id.starts_with(want),
                    "{key} {id} at x = {x} (split at {mid})"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} zone memberships checked");
}

#[test]
fn a_boundary_layer_without_names_or_polygons_is_an_input_error() {
    let dir = tmp();
    let towns = sample_towns();
    let no_name = dir.path().join("no_name.geojson");
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4547" } },
        "features": [{ "type": "Feature", "properties": { "code": 1 },
            "geometry": { "type": "Point", "coordinates": [towns[0].1.center().x, towns[0].1.center().y] } }]
    });
    std::fs::write(&no_name, fc.to_string()).unwrap();
    let out = dir.path().join("out");
    let o = landsift(&[
        "run",
        "--towns",
        no_name.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(
        o.stderr.contains("no name field") && o.stderr.contains("code"),
        "{}",
        o.stderr
    );

    let points = dir.path().join("points.geojson");
    let text = fc.to_string().replace("\"code\"", "\"town\"");
    std::fs::write(&points, text).unwrap();
    let o = landsift(&[
        "run",
        "--towns",
        points.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.stderr.contains("not a polygon"), "{}", o.stderr);
}
