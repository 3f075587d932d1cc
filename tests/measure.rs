//! The measure stage on the real Seoul (Songpa) parcels and buildings, checked against
//! FAR and coverage computed independently through GDAL (PROJ reprojection + GEOS
//! intersection), and a timing on a generated district.

mod common;

use common::*;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Geometry, LayerAccess, ToGdal};
use landsift::config::Overrides;
use landsift::ingest::BuildingFields;
use landsift::measure::{measure, MeasureOptions, Measured, MIN_SHARE};
use landsift::model::SurveyField;
use landsift::model::{Building, Parcel};
use landsift::{crs, ingest};
use std::collections::HashMap;

/// Per parcel, what GDAL says: footprint, floor area (plain and under the 8 m rule),
/// buildings counted, of which without floors.
#[derive(Default, Clone, Copy, Debug)]
struct Expected {
    foot: f64,
    floor: f64,
    floor_doubled: f64,
    n: u32,
    no_floors: u32,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()) + 1e-9
}

#[test]
fn seoul_far_and_coverage_match_gdal() {
    let dir = tmp();
    let parcels_path = seoul_with_codes(dir.path());
    let bldg_path = shared("seoul-songpa-parcels-buildings/bldg.geojson");

    // Ours: the crate's own ingest, then measure.
    let mut settings = landsift::config::load(&Overrides::default()).unwrap();
    settings
        .mapping
        .fields
        .set(SurveyField::ParcelId, "고유번호");
    settings.building_fields = BuildingFields {
        floors: "A32".into(),
        height: Some("A31".into()),
        storey_height: 3.5,
    };
    let mut raw_p = ingest::read_layer(&parcels_path, None, None).unwrap();
    let src_p = ingest::source_crs(&raw_p, None).unwrap();
    let working = crs::choose_working(&src_p, ingest::centre(&raw_p));
    let epsg = working.crs.epsg.expect("an EPSG working CRS");
    assert_eq!(epsg, 32652, "Seoul: UTM 52N");
    let prepared =
        ingest::prepare_parcels(&mut raw_p, &src_p, &working, &settings.mapping).unwrap();
    let parcels: Vec<Parcel> = prepared.parcels;
    let mut raw_b = ingest::read_layer(&bldg_path, None, None).unwrap();
    let src_b = ingest::source_crs(&raw_b, None).unwrap();
    let (buildings, rejects) = ingest::prepare_buildings(
        &mut raw_b,
        &src_b,
        &working,
        &settings.building_fields,
        settings.invalid(),
    )
    .unwrap();
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(buildings.len(), 2266);
    let heights: Vec<Option<f64>> = buildings.iter().map(|b| b.height_m).collect();
    assert!(heights.iter().any(Option::is_some), "A31 read as heights");

    let plain = measure(&parcels, &buildings, &MeasureOptions::default());
    let doubled = measure(
        &parcels,
        &buildings,
        &MeasureOptions {
            double_tall_storeys: true,
            heights: Some(heights),
        },
    );

    // GDAL: read both layers, reproject with CoordTransform, intersect with GEOS.
    let mut from = SpatialRef::from_epsg(4326).unwrap();
    let mut to = SpatialRef::from_epsg(epsg).unwrap();
    from.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    to.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let ct = CoordTransform::new(&from, &to).unwrap();

    let ds = gdal::Dataset::open(&bldg_path).unwrap();
    let mut lyr = ds.layer(0).unwrap();
    let (i_floors, i_height) = (
        lyr.defn().field_index("A32").unwrap(),
        lyr.defn().field_index("A31").unwrap(),
    );
    // (geometry, envelope, area, floors, weight under the 8 m rule)
    struct GBldg {
        g: Geometry,
        env: [f64; 4],
        area: f64,
        floors: Option<f64>,
        weight_doubled: Option<f64>,
    }
    let mut gb: Vec<GBldg> = Vec::new();
    for f in lyr.features() {
        let mut g = f.geometry().unwrap().clone();
        g.transform_inplace(&ct).unwrap();
        let e = g.envelope();
        let pos = |v: Option<f64>| v.filter(|x| *x > 0.0);
        let height = pos(f.field_as_double(i_height).unwrap());
        let floors = pos(f.field_as_double(i_floors).unwrap())
            .or_else(|| height.map(|h| (h / 3.5).round().max(1.0)));
        let weight_doubled = floors.map(|fl| match height {
            Some(h) if h / fl > 8.0 => 2.0 * fl,
            _ => fl,
        });
        gb.push(GBldg {
            area: g.area(),
            g,
            env: [e.MinX, e.MinY, e.MaxX, e.MaxY],
            floors,
            weight_doubled,
        });
    }
    assert_eq!(gb.len(), buildings.len());
    for (b, g) in buildings.iter().zip(&gb) {
        assert_eq!(b.floors, g.floors, "building {}", b.index);
    }

    let ds = gdal::Dataset::open(&parcels_path).unwrap();
    let mut lyr = ds.layer(0).unwrap();
    let i_id = lyr.defn().field_index("고유번호").unwrap();
    let mut gp: HashMap<String, Geometry> = HashMap::new();
    for f in lyr.features() {
        let mut g = f.geometry().unwrap().clone();
        g.transform_inplace(&ct).unwrap();
        gp.insert(f.field_as_string(i_id).unwrap().unwrap(), g);
    }

    let mut per_bldg_parcels = vec![0u32; gb.len()];
    let mut largest_share = vec![0.0f64; gb.len()];
    let mut compared = 0;
    for (i, p) in parcels.iter().enumerate() {
        // The repaired parcel is invalid as read, which GEOS refuses: give GDAL our
        // repaired geometry for it (it is only used for the building counts).
        let g = if p.repaired.is_empty() {
            gp[&p.id].clone()
        } else {
            p.geometry.to_gdal().unwrap()
        };
        let e = g.envelope();
        let mut x = Expected::default();
        for (bi, b) in gb.iter().enumerate() {
            if b.env[0] > e.MaxX || b.env[2] < e.MinX || b.env[1] > e.MaxY || b.env[3] < e.MinY {
                continue;
            }
            let a = g.intersection(&b.g).map(|ig| ig.area()).unwrap_or(0.0);
            x.foot += a;
            x.floor += a * b.floors.unwrap_or(0.0);
            x.floor_doubled += a * b.weight_doubled.unwrap_or(0.0);
            if a > MIN_SHARE * b.area {
                x.n += 1;
                x.no_floors += u32::from(b.floors.is_none());
                per_bldg_parcels[bi] += 1;
            }
            largest_share[bi] = largest_share[bi].max(a / b.area);
        }
        if !p.repaired.is_empty() {
            continue;
        }
        let (m, d) = (plain.per_parcel[i], doubled.per_parcel[i]);
        let area = g.area();
        assert!(
            close(p.area_m2, area),
            "{}: area {} vs {area}",
            p.id,
            p.area_m2
        );
        assert!(
            close(m.far, x.floor / area),
            "{}: far {} vs GDAL {}",
            p.id,
            m.far,
            x.floor / area
        );
        assert!(
            close(m.coverage, x.foot / area),
            "{}: coverage {} vs GDAL {}",
            p.id,
            m.coverage,
            x.foot / area
        );
        assert!(
            close(d.far, x.floor_doubled / area),
            "{}: far (8 m rule) {} vs GDAL {}",
            p.id,
            d.far,
            x.floor_doubled / area
        );
        assert_eq!(d.coverage, m.coverage);
        assert_eq!((m.n_bldg, m.floors_missing), (x.n, x.no_floors), "{}", p.id);
        compared += 1;
    }
    assert!(
        compared + 1 >= parcels.len() && compared > 2300,
        "{compared}"
    );

    // Building-side report, consistent with the parcels and with GDAL.
    check_consistent(&plain, &buildings);
    assert_eq!(plain.parcels_per_building, per_bldg_parcels);
    let gdal_orphans: Vec<usize> = (0..gb.len())
        .filter(|&i| per_bldg_parcels[i] == 0)
        .collect();
    assert_eq!(plain.orphans, gdal_orphans);
    let gdal_split = per_bldg_parcels.iter().filter(|&&n| n >= 2).count();
    assert_eq!(plain.split, gdal_split);
    assert!(
        doubled.doubled > 0,
        "some Seoul buildings have storeys over 8 m"
    );
    let split_10 = (0..gb.len())
        .filter(|&i| per_bldg_parcels[i] >= 2 && largest_share[i] < 0.9)
        .count();
    eprintln!("seoul: {split_10} split buildings have under 90 % in their main parcel");
    eprintln!(
        "seoul: {} parcels, {} buildings, {} orphans, {} split, {} doubled, {} overlays, FAR>0 in {}",
        parcels.len(),
        buildings.len(),
        plain.orphans.len(),
        plain.split,
        doubled.doubled,
        plain.overlays,
        plain.per_parcel.iter().filter(|m| m.far > 0.0).count()
    );
}

/// Totals that must agree between the parcel and the building sides.
fn check_consistent(m: &Measured, buildings: &[Building]) {
    let n_bldg: u64 = m.per_parcel.iter().map(|p| u64::from(p.n_bldg)).sum();
    let per_b: u64 = m.parcels_per_building.iter().map(|&n| u64::from(n)).sum();
    assert_eq!(n_bldg, per_b);
    let held = m.parcels_per_building.iter().filter(|&&n| n > 0).count();
    assert_eq!(held + m.orphans.len(), buildings.len());
    assert!(n_bldg as usize >= held + m.split);
    let foot: f64 = m.per_parcel.iter().map(|p| p.footprint_m2).sum();
    let assigned: f64 = m.assigned_m2.iter().sum();
    assert!((foot - assigned).abs() <= 1e-9 * foot.max(1.0));
}

/// Timing on a generated district: `cargo test --release --test measure -- --ignored
/// --nocapture` (LANDSIFT_PARCELS to change the size, default 100 000).
#[test]
#[ignore]
fn timing_on_generated_district() {
    use geo::Area;
    let n: usize = std::env::var("LANDSIFT_PARCELS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let t = std::time::Instant::now();
    let d = landsift_synth::generate(&landsift_synth::DistrictParams {
        defects: false,
        ..landsift_synth::DistrictParams::with_parcels(n)
    });
    let parcels: Vec<Parcel> = d
        .parcels
        .into_iter()
        .enumerate()
        .map(|(i, p)| Parcel {
            id: p.id,
            index: i,
            area_m2: p.area_m2,
            geometry: p.geometry,
            attrs: Default::default(),
            survey: Default::default(),
            repaired: String::new(),
        })
        .collect();
    let heights: Vec<Option<f64>> = d.buildings.iter().map(|b| Some(b.height_m)).collect();
    let buildings: Vec<Building> = d
        .buildings
        .into_iter()
        .enumerate()
        .map(|(i, b)| Building {
            index: i,
            area_m2: b.geometry.unsigned_area(),
            geometry: b.geometry,
            floors: Some(b.floors as f64),
            height_m: Some(b.height_m),
        })
        .collect();
    eprintln!(
        "generated {} parcels, {} buildings in {:.2?}",
        parcels.len(),
        buildings.len(),
        t.elapsed()
    );
    let opts = MeasureOptions {
        double_tall_storeys: true,
        heights: Some(heights),
    };
    let mut last = None;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let m = measure(&parcels, &buildings, &opts);
        eprintln!(
            "measure: {:.2?} on {} threads ({} overlays, {} orphans, {} split, {} doubled)",
            t.elapsed(),
            rayon::current_num_threads(),
            m.overlays,
            m.orphans.len(),
            m.split,
            m.doubled
        );
        check_consistent(&m, &buildings);
        last = Some(m);
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| measure(&parcels, &buildings, &opts));
    assert!(last == Some(one), "1 thread and many differ");
}
