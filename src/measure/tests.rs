//! Unit tests of [`super`].

use super::*;
use crate::testing::rect as rect_poly;
use geo::LineString;
use geo::{polygon, Polygon};

fn parcel(i: usize, g: impl Into<MultiPolygon<f64>>) -> Parcel {
    crate::testing::parcel(&format!("P{i}"), i, g)
}

fn bldg(i: usize, g: impl Into<MultiPolygon<f64>>, floors: Option<f64>) -> Building {
    let geometry: MultiPolygon<f64> = g.into();
    Building {
        index: i,
        area_m2: geometry.unsigned_area(),
        geometry,
        floors,
        height_m: None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Two 10 × 10 parcels side by side: [0,10]×[0,10] and [10,20]×[0,10].
fn pair() -> Vec<Parcel> {
    vec![
        parcel(0, rect_poly(0.0, 0.0, 10.0, 10.0)),
        parcel(1, rect_poly(10.0, 0.0, 20.0, 10.0)),
    ]
}

#[test]
fn straddling_building_splits_half_and_half() {
    let b = vec![bldg(0, rect_poly(5.0, 2.0, 15.0, 6.0), Some(3.0))];
    let m = measure(&pair(), &b, &MeasureOptions::default());
    for pm in &m.per_parcel {
        assert!(close(pm.footprint_m2, 20.0), "{pm:?}");
        assert!(close(pm.floor_area_m2, 60.0), "{pm:?}");
        assert!(close(pm.far, 0.6) && close(pm.coverage, 0.2), "{pm:?}");
        assert_eq!((pm.n_bldg, pm.floors_missing), (1, 0));
    }
    assert_eq!(m.split, 1);
    assert!(m.orphans.is_empty());
    assert!(close(m.assigned_m2[0], 40.0));
    assert_eq!(m.parcels_per_building, vec![2]);
    assert!(m.unassigned_area_m2 < 1e-9);
    assert_eq!(m.overlays, 2);
}

#[test]
fn building_with_hole_counts_outer_minus_hole() {
    let holed = |x0: f64, y0: f64, x1: f64, y1: f64, h: [f64; 4]| {
        Polygon::new(
            rect_poly(x0, y0, x1, y1).exterior().clone(),
            vec![rect_poly(h[0], h[1], h[2], h[3]).exterior().clone()],
        )
    };
    // Wholly inside a parcel (fast path): 8×8 − 2×2 = 60 and 4×4 − 2×2 = 12. Across the
    // shared edge (overlay): 4×4 − 2×2 = 12, half in each.
    let b = vec![
        bldg(
            0,
            holed(1.0, 1.0, 9.0, 9.0, [3.0, 3.0, 5.0, 5.0]),
            Some(2.0),
        ),
        bldg(
            1,
            holed(12.0, 0.5, 16.0, 4.5, [13.0, 1.5, 15.0, 3.5]),
            Some(1.0),
        ),
        bldg(
            2,
            holed(8.0, 5.0, 12.0, 9.0, [9.0, 6.0, 11.0, 8.0]),
            Some(1.0),
        ),
    ];
    let m = measure(&pair(), &b, &MeasureOptions::default());
    let (p0, p1) = (m.per_parcel[0], m.per_parcel[1]);
    assert!(close(p0.footprint_m2, 60.0 + 6.0), "{p0:?}");
    assert!(close(p0.floor_area_m2, 120.0 + 6.0), "{p0:?}");
    assert!(close(p1.footprint_m2, 12.0 + 6.0), "{p1:?}");
    assert_eq!((p0.n_bldg, p1.n_bldg), (2, 2));
    assert_eq!(m.split, 1);
}

#[test]
fn building_outside_every_parcel_is_an_orphan() {
    // An L-shaped parcel: the building sits in its notch (bounding boxes overlap), in a
    // parcel's courtyard hole, and far away.
    let l = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 4.0),
        (x: 4.0, y: 4.0), (x: 4.0, y: 10.0), (x: 0.0, y: 10.0)];
    let court = Polygon::new(
        rect_poly(20.0, 0.0, 30.0, 10.0).exterior().clone(),
        vec![rect_poly(23.0, 3.0, 27.0, 7.0).exterior().clone()],
    );
    let parcels = vec![parcel(0, l), parcel(1, court)];
    let b = vec![
        bldg(0, rect_poly(6.0, 6.0, 9.0, 9.0), Some(1.0)),
        bldg(1, rect_poly(24.0, 4.0, 26.0, 6.0), Some(1.0)),
        bldg(2, rect_poly(50.0, 50.0, 52.0, 52.0), Some(1.0)),
        bldg(3, rect_poly(1.0, 1.0, 2.0, 2.0), Some(1.0)),
    ];
    let m = measure(&parcels, &b, &MeasureOptions::default());
    assert_eq!(m.orphans, vec![0, 1, 2]);
    assert!(close(m.unassigned_area_m2, 9.0 + 4.0 + 4.0));
    assert_eq!(m.per_parcel[0].n_bldg, 1);
    assert_eq!(m.per_parcel[1], ParcelMeasure::default());
    assert_eq!(m.overlays, 0, "all decided by the exact fast paths");
}

#[test]
fn parcel_without_buildings_measures_zero() {
    let b = vec![bldg(0, rect_poly(1.0, 1.0, 3.0, 3.0), Some(2.0))];
    let m = measure(&pair(), &b, &MeasureOptions::default());
    assert_eq!(m.per_parcel[1], ParcelMeasure::default());
    let m = measure(&pair(), &[], &MeasureOptions::default());
    assert!(m.per_parcel.iter().all(|p| *p == ParcelMeasure::default()));
    assert_eq!(m.per_parcel.len(), 2);
}

#[test]
fn building_without_floors_counts_in_coverage_not_far() {
    let b = vec![
        bldg(0, rect_poly(1.0, 1.0, 3.0, 3.0), None),
        bldg(1, rect_poly(5.0, 5.0, 7.0, 7.0), Some(2.0)),
    ];
    let m = measure(&pair(), &b, &MeasureOptions::default());
    let p = m.per_parcel[0];
    assert_eq!((p.n_bldg, p.floors_missing), (2, 1));
    assert!(close(p.coverage, 0.08) && close(p.far, 0.08), "{p:?}");
}

#[test]
fn boundary_touch_and_parcel_inside_building() {
    // A building sharing the parcels' common edge from one side only, and a small
    // parcel lying wholly under a large building.
    let parcels = vec![
        parcel(0, rect_poly(0.0, 0.0, 10.0, 10.0)),
        parcel(1, rect_poly(10.0, 0.0, 20.0, 10.0)),
        parcel(2, rect_poly(42.0, 42.0, 43.0, 44.0)),
    ];
    let b = vec![
        bldg(0, rect_poly(5.0, 0.0, 10.0, 5.0), Some(1.0)),
        bldg(1, rect_poly(40.0, 40.0, 50.0, 50.0), Some(3.0)),
    ];
    let m = measure(&parcels, &b, &MeasureOptions::default());
    assert!(close(m.per_parcel[0].footprint_m2, 25.0));
    assert_eq!(m.per_parcel[1].n_bldg, 0);
    assert!(m.per_parcel[1].footprint_m2 < 1e-9);
    assert_eq!(m.split, 0);
    let p2 = m.per_parcel[2];
    assert!(close(p2.coverage, 1.0) && close(p2.far, 3.0), "{p2:?}");
}

#[test]
fn tall_storeys_count_twice_only_when_asked() {
    let b = vec![
        bldg(0, rect_poly(1.0, 1.0, 3.0, 3.0), Some(1.0)), // 12 m shed: doubled
        bldg(1, rect_poly(4.0, 1.0, 6.0, 3.0), Some(1.0)), // 7 m: not
        bldg(2, rect_poly(1.0, 5.0, 3.0, 7.0), Some(3.0)), // 30 m / 3: doubled
        bldg(3, rect_poly(4.0, 5.0, 6.0, 7.0), Some(2.0)), // no height: not
        bldg(4, rect_poly(7.0, 5.0, 9.0, 7.0), Some(2.0)), // exactly 8 m: not
    ];
    let heights = Some(vec![Some(12.0), Some(7.0), Some(30.0), None, Some(16.0)]);
    let off = MeasureOptions {
        double_tall_storeys: false,
        heights: heights.clone(),
    };
    let on = MeasureOptions {
        double_tall_storeys: true,
        heights,
    };
    let m_off = measure(&pair(), &b, &off);
    let m_on = measure(&pair(), &b, &on);
    // 4 m² each: floors 1 + 1 + 3 + 2 + 2 = 9 → 36 m²; doubled: 2 + 1 + 6 + 2 + 2 = 13.
    assert!(close(m_off.per_parcel[0].floor_area_m2, 36.0));
    assert!(close(m_on.per_parcel[0].floor_area_m2, 52.0));
    assert_eq!((m_off.doubled, m_on.doubled), (0, 2));
    assert_eq!(m_on.per_parcel[0].coverage, m_off.per_parcel[0].coverage);
    // Without heights the option changes nothing.
    let no_h = MeasureOptions {
        double_tall_storeys: true,
        heights: None,
    };
    assert_eq!(measure(&pair(), &b, &no_h), m_off);
}

/// A deterministic jittered grid of parcels (some with a courtyard hole) and rotated
/// buildings, a few of them across parcel edges or in the roads.
fn grid(n: usize) -> (Vec<Parcel>, Vec<Building>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let size = 50.0;
    // Shared jittered corners so neighbours share edges exactly.
    let mut corner = vec![vec![Coord { x: 0.0, y: 0.0 }; n + 1]; n + 1];
    for (i, row) in corner.iter_mut().enumerate() {
        for (j, c) in row.iter_mut().enumerate() {
            *c = Coord {
                x: i as f64 * size + (rnd() - 0.5) * 6.0,
                y: j as f64 * size + (rnd() - 0.5) * 6.0,
            };
        }
    }
    let mut parcels = Vec::new();
    let mut buildings = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let ring = LineString::from(vec![
                corner[i][j],
                corner[i + 1][j],
                corner[i + 1][j + 1],
                corner[i][j + 1],
                corner[i][j],
            ]);
            let (cx, cy) = (i as f64 * size + 25.0, j as f64 * size + 25.0);
            let holes = if (i * 7 + j) % 11 == 0 {
                vec![rect_poly(cx - 4.0, cy - 4.0, cx + 4.0, cy + 4.0)
                    .exterior()
                    .clone()]
            } else {
                vec![]
            };
            parcels.push(parcel(parcels.len(), Polygon::new(ring, holes)));
            for _ in 0..3 {
                // Centre anywhere in the cell, or across the edge to the east.
                let r = rnd();
                let (bx, by) = if r < 0.03 {
                    (cx - 10_000.0, cy) // far outside: an orphan
                } else if r < 0.18 {
                    (cx + 25.0 + (rnd() - 0.5) * 4.0, cy + (rnd() - 0.5) * 30.0)
                } else {
                    (cx + (rnd() - 0.5) * 36.0, cy + (rnd() - 0.5) * 36.0)
                };
                let (w, h) = (4.0 + rnd() * 8.0, 4.0 + rnd() * 8.0);
                let t = rnd() - 0.5; // rotation via the rational parametrisation
                let (c, s) = ((1.0 - t * t) / (1.0 + t * t), 2.0 * t / (1.0 + t * t));
                let pts: Vec<Coord<f64>> = [(-w, -h), (w, -h), (w, h), (-w, h), (-w, -h)]
                    .iter()
                    .map(|&(dx, dy)| Coord {
                        x: bx + (dx * c - dy * s) / 2.0,
                        y: by + (dx * s + dy * c) / 2.0,
                    })
                    .collect();
                let floors = (rnd() < 0.9).then(|| 1.0 + (rnd() * 12.0).floor());
                buildings.push(bldg(
                    buildings.len(),
                    Polygon::new(LineString::from(pts), vec![]),
                    floors,
                ));
            }
        }
    }
    (parcels, buildings)
}

#[test]
fn one_thread_and_many_are_bit_identical() {
    let (parcels, buildings) = grid(40);
    let heights: Vec<Option<f64>> = buildings
        .iter()
        .enumerate()
        .map(|(i, _)| (i % 3 != 0).then_some(5.0 + (i % 7) as f64 * 4.0))
        .collect();
    let opts = MeasureOptions {
        double_tall_storeys: true,
        heights: Some(heights),
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| measure(&parcels, &buildings, &opts))
    };
    let one = run(1);
    let many = run(4);
    let bits = |m: &Measured| {
        let mut v: Vec<u64> = m
            .per_parcel
            .iter()
            .flat_map(|p| [p.footprint_m2, p.floor_area_m2, p.far, p.coverage])
            .chain(m.assigned_m2.iter().copied())
            .chain([m.unassigned_area_m2])
            .map(f64::to_bits)
            .collect();
        v.extend(
            m.per_parcel
                .iter()
                .map(|p| (p.n_bldg + p.floors_missing) as u64),
        );
        v
    };
    assert_eq!(bits(&one), bits(&many));
    assert_eq!(one, many);
    assert!(one.split > 0 && !one.orphans.is_empty() && one.doubled > 0);
}

#[test]
fn fast_paths_agree_with_the_overlay() {
    let (parcels, buildings) = grid(12);
    let m = measure(&parcels, &buildings, &MeasureOptions::default());
    let rects: Vec<Rect<f64>> = buildings
        .iter()
        .map(|b| b.geometry.bounding_rect().unwrap())
        .collect();
    for (p, pm) in parcels.iter().zip(&m.per_parcel) {
        let (mut foot, mut floor) = (0.0, 0.0);
        let env = p.geometry.bounding_rect().unwrap();
        for (b, r) in buildings.iter().zip(&rects) {
            if r.min().x > env.max().x
                || r.max().x < env.min().x
                || r.min().y > env.max().y
                || r.max().y < env.min().y
            {
                continue;
            }
            let a = b.geometry.intersection(&p.geometry).unsigned_area();
            foot += a;
            floor += a * b.floors.unwrap_or(0.0);
        }
        assert!(
            (pm.footprint_m2 - foot).abs() <= 1e-9 * p.area_m2,
            "{}: {} vs {foot}",
            p.id,
            pm.footprint_m2
        );
        assert!((pm.floor_area_m2 - floor).abs() <= 1e-8 * p.area_m2);
    }
    let total: f64 = buildings.iter().map(|b| b.area_m2).sum();
    let assigned: f64 = m.per_parcel.iter().map(|p| p.footprint_m2).sum();
    assert!((total - assigned - m.unassigned_area_m2).abs() <= 1e-9 * total);
}
