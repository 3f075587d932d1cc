//! Unit tests of [`super`].

use super::*;
use geo::{Contains, Validation, Winding};
use std::time::Instant;

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![crate::testing::rect(x0, y0, x1, y1)])
}

fn poly(coords: &[(f64, f64)]) -> MultiPolygon<f64> {
    MultiPolygon::new(vec![Polygon::new(
        LineString::from(coords.to_vec()),
        vec![],
    )])
}

/// Validity, orientation, containment of every member, and staying inside the members'
/// envelope grown by `gap`.
fn check(out: &MultiPolygon<f64>, members: &[&MultiPolygon<f64>], gap: f64) {
    assert!(out.is_valid(), "invalid: {:?}", out.validation_errors());
    for p in &out.0 {
        assert!(p.exterior().is_ccw(), "exterior not counter-clockwise");
        for h in p.interiors() {
            assert!(h.is_cw(), "hole not clockwise");
        }
    }
    for m in members {
        let lost = m.difference(out).unsigned_area();
        assert!(
            lost <= 1e-6 * m.unsigned_area(),
            "member not contained: lost {lost}"
        );
    }
    let e =
        crate::spatial::planar::extent(members.iter().map(|m| m.bounding_rect().unwrap())).unwrap();
    let o = out.bounding_rect().unwrap();
    let eps = 1e-6;
    assert!(o.min().x >= e.min().x - gap - eps && o.min().y >= e.min().y - gap - eps);
    assert!(o.max().x <= e.max().x + gap + eps && o.max().y <= e.max().y + gap + eps);
}

#[test]
fn two_squares_20m_apart_merge() {
    let a = rect(0.0, 0.0, 100.0, 100.0);
    let b = rect(120.0, 0.0, 220.0, 100.0);
    let m = [&a, &b];
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    assert_eq!(out.0[0].interiors().len(), 0);
    let want = 2.0 * 100.0 * 100.0 + 20.0 * 100.0;
    let got = out.unsigned_area();
    assert!((got - want).abs() < 1e-6 * want, "area {got} vs {want}");
    assert!(out.contains(&Point::new(110.0, 50.0)), "gap not closed");
}

#[test]
fn two_squares_50m_apart_stay_apart() {
    let a = rect(0.0, 0.0, 100.0, 100.0);
    let b = rect(150.0, 0.0, 250.0, 100.0);
    let m = [&a, &b];
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 2);
    let want = 2.0 * 100.0 * 100.0;
    assert!((out.unsigned_area() - want).abs() < 1e-6 * want);
}

/// Four 100 m squares around a road crossing (20 m roads); each square's inner corner is
/// notched by `notch` metres, so the crossing is a courtyard of (20 + 2·notch)².
fn courtyard(notch: f64) -> Vec<MultiPolygon<f64>> {
    let s = 100.0;
    let r = 20.0;
    let n = notch;
    vec![
        // bottom-left, notch at its top-right corner
        poly(&[
            (0.0, 0.0),
            (s, 0.0),
            (s, s - n),
            (s - n, s - n),
            (s - n, s),
            (0.0, s),
            (0.0, 0.0),
        ]),
        // bottom-right, notch at its top-left corner
        poly(&[
            (s + r, 0.0),
            (2.0 * s + r, 0.0),
            (2.0 * s + r, s),
            (s + r + n, s),
            (s + r + n, s - n),
            (s + r, s - n),
            (s + r, 0.0),
        ]),
        // top-right, notch at its bottom-left corner
        poly(&[
            (s + r + n, s + r),
            (2.0 * s + r, s + r),
            (2.0 * s + r, 2.0 * s + r),
            (s + r, 2.0 * s + r),
            (s + r, s + r + n),
            (s + r + n, s + r + n),
            (s + r + n, s + r),
        ]),
        // top-left, notch at its bottom-right corner
        poly(&[
            (0.0, s + r),
            (s - n, s + r),
            (s - n, s + r + n),
            (s, s + r + n),
            (s, 2.0 * s + r),
            (0.0, 2.0 * s + r),
            (0.0, s + r),
        ]),
    ]
}

#[test]
fn small_courtyard_pinhole_is_filled() {
    // courtyard 50 × 50 = 2,500 m² < 4 × 30² = 3,600 m²: wider than the gap, so the
    // closing leaves it, and the clean-up fills it.
    let parcels = courtyard(15.0);
    let m: Vec<&MultiPolygon<f64>> = parcels.iter().collect();
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    assert_eq!(out.0[0].interiors().len(), 0, "pinhole left");
    let full = 220.0 * 220.0;
    assert!((out.unsigned_area() - full).abs() < 1e-6 * full);
}

#[test]
fn large_courtyard_stays_a_hole() {
    // courtyard 120 × 120 = 14,400 m² ≥ 3,600 m²: a real hole (less the four bevel
    // chamfers, 15 × 15 / 2 each, that the closing fills into its corners).
    let parcels = courtyard(50.0);
    let m: Vec<&MultiPolygon<f64>> = parcels.iter().collect();
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    assert_eq!(out.0[0].interiors().len(), 1);
    let want = 220.0 * 220.0 - 120.0 * 120.0 + 4.0 * 112.5;
    let got = out.unsigned_area();
    assert!((got - want).abs() < 1e-6 * want, "area {got} vs {want}");
}

#[test]
fn l_shape_keeps_its_corners() {
    // three 100 m squares in an L with 20 m roads between them, wound clockwise on
    // purpose (shapefile convention) to exercise the orientation fix.
    let a = rect(0.0, 0.0, 100.0, 100.0);
    let b = rect(120.0, 0.0, 220.0, 100.0);
    let c = rect(0.0, 120.0, 100.0, 220.0);
    let b = b.orient(Direction::Reversed);
    let m = [&a, &b, &c];
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    assert_eq!(out.0[0].interiors().len(), 0);
    // members + the two 20 × 100 road strips + the bevel chamfer (15 × 15 / 2) that the
    // closing fills into the L's reflex corner at (100, 100).
    let want = 3.0 * 100.0 * 100.0 + 2.0 * 20.0 * 100.0 + 112.5;
    let got = out.unsigned_area();
    assert!((got - want).abs() < 0.01 * want, "area {got} vs {want}");
    let corners = [
        (0.0, 0.0),
        (220.0, 0.0),
        (220.0, 100.0),
        (100.0, 220.0),
        (0.0, 220.0),
        // the reflex corner is chamfered: (100, 115) – (115, 100)
        (100.0, 115.0),
        (115.0, 100.0),
    ];
    for (x, y) in corners {
        let hit = out.0[0]
            .exterior()
            .0
            .iter()
            .any(|c| (c.x - x).abs() < 1e-6 && (c.y - y).abs() < 1e-6);
        assert!(hit, "corner ({x}, {y}) lost: {:?}", out.0[0].exterior());
    }
}

#[test]
fn sharp_corner_is_kept_and_bounded() {
    // a 10° spike whose base faces a square across a 20 m road: the mitre is limited at
    // the spike's tip, yet the tip survives the closing exactly, and nothing grows
    // beyond the envelope + gap.
    let h = 300.0 * 5f64.to_radians().tan();
    let spike = poly(&[(0.0, 0.0), (300.0, h), (0.0, 2.0 * h), (0.0, 0.0)]);
    let sq = rect(-120.0, -50.0, -20.0, 50.0);
    let m = [&spike, &sq];
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    let tip = out.0[0]
        .exterior()
        .0
        .iter()
        .any(|c| (c.x - 300.0).abs() < 1e-6 && (c.y - h).abs() < 1e-6);
    assert!(tip, "tip lost: {:?}", out.0[0].exterior());
}

#[test]
fn tip_facing_an_edge_is_not_bridged() {
    // closing bridges gaps between fronts, not between a point and a front: a spike's
    // tip 20 m from a square stays a separate part (as a disc closing would).
    let h = 300.0 * 5f64.to_radians().tan();
    let spike = poly(&[(0.0, h), (300.0, 0.0), (300.0, 2.0 * h), (0.0, h)]);
    let sq = rect(-120.0, -50.0, -20.0, 50.0);
    let m = [&spike, &sq];
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 2);
}

#[test]
fn rotated_grid_stays_clean() {
    // 10 × 10 parcels of 100 m with 20 m roads, rotated 30° (edges off the axes, so the
    // eroded shape and the members differ by float noise): the outline is still one
    // clean square — a handful of vertices, no holes, no slivers.
    let (s, c) = 30f64.to_radians().sin_cos();
    let parcels: Vec<MultiPolygon<f64>> = grid(10, 100.0, 20.0)
        .into_iter()
        .map(|mut p| {
            p.0.iter_mut().for_each(|q| {
                q.exterior_mut(|r| {
                    r.0.iter_mut().for_each(|k| {
                        let (x, y) = (k.x, k.y);
                        k.x = 500_000.0 + c * x - s * y;
                        k.y = 2_540_000.0 + s * x + c * y;
                    })
                })
            });
            p
        })
        .collect();
    let m: Vec<&MultiPolygon<f64>> = parcels.iter().collect();
    let out = outline(&m, 30.0);
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    assert_eq!(out.0[0].interiors().len(), 0);
    let nv = out.0[0].exterior().0.len();
    println!("rotated grid outline: {nv} vertices");
    assert!(nv <= 12, "{nv} vertices: {:?}", out.0[0].exterior());
    let want = 1180.0 * 1180.0;
    assert!((out.unsigned_area() - want).abs() < 1e-6 * want);
}

#[test]
fn no_gap_is_plain_union_and_empty_is_empty() {
    let a = rect(0.0, 0.0, 100.0, 100.0);
    let b = rect(120.0, 0.0, 220.0, 100.0);
    let m = [&a, &b];
    let out = outline(&m, 0.0);
    check(&out, &m, 0.0);
    assert_eq!(out.0.len(), 2);
    assert!(outline(&[], 30.0).0.is_empty());
    assert_eq!(polsby_popper(&MultiPolygon::new(vec![])), 0.0);
}

#[test]
fn polsby_popper_values() {
    let sq = rect(0.0, 0.0, 10.0, 10.0);
    let pp = polsby_popper(&sq);
    assert!((pp - std::f64::consts::FRAC_PI_4).abs() < 1e-9, "{pp}");
    let snake = rect(0.0, 0.0, 100.0, 1.0);
    let ps = polsby_popper(&snake);
    // 4π·100 / 202² ≈ 0.0308
    assert!(ps < 0.05, "{ps}");
    let disc = Point::new(0.0, 0.0).buffer(100.0);
    assert!(polsby_popper(&disc) > 0.99);
}

fn grid(n: usize, size: f64, road: f64) -> Vec<MultiPolygon<f64>> {
    let mut v = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let x = i as f64 * (size + road);
            let y = j as f64 * (size + road);
            v.push(rect(x, y, x + size, y + size));
        }
    }
    v
}

#[test]
fn large_circle_grid_timing_and_determinism() {
    // 40 × 40 parcels of 100 m with 20 m roads: a 4.78 km × 4.78 km "large circle"
    // with real-world-sized coordinates (Dongguan CGCS2000 / 3° GK metres).
    let n = 40;
    let mut parcels = grid(n, 100.0, 20.0);
    for p in parcels.iter_mut() {
        p.0.iter_mut().for_each(|q| {
            q.exterior_mut(|r| {
                r.0.iter_mut().for_each(|c| {
                    c.x += 38_500_000.0;
                    c.y += 2_540_000.0;
                })
            })
        });
    }
    let m: Vec<&MultiPolygon<f64>> = parcels.iter().collect();
    let t0 = Instant::now();
    let out = outline(&m, 30.0);
    let dt = t0.elapsed();
    let side = n as f64 * 120.0 - 20.0;
    println!(
        "outline of {} parcels: {:.1} ms, {} parts, {} vertices, area {:.0} m² (want {:.0})",
        m.len(),
        dt.as_secs_f64() * 1e3,
        out.0.len(),
        out.0[0].exterior().0.len(),
        out.unsigned_area(),
        side * side
    );
    check(&out, &m, 30.0);
    assert_eq!(out.0.len(), 1);
    assert_eq!(out.0[0].interiors().len(), 0);
    assert!((out.unsigned_area() - side * side).abs() < 1e-6 * side * side);
    let again = outline(&m, 30.0);
    assert_eq!(out, again, "not deterministic");
}

/// A generated unit (seed-found) of two parts, one with a small courtyard: filling the
/// courtyard must not drop its own part (its interior point fell in the filled hole).
#[test]
fn filling_a_pinhole_keeps_its_own_part() {
    let data: Vec<Vec<Vec<(f64, f64)>>> = vec![
        vec![vec![
            (480566.78200582654, 2521407.701987384),
            (480762.2339450881, 2521410.520163662),
            (480763.3622744953, 2521549.61346737),
            (480565.33709145227, 2521549.1322749015),
            (480566.78200582654, 2521407.701987384),
        ]],
        vec![vec![
            (480778.370424399, 2521413.1392172147),
            (480934.40443044674, 2521414.7810978037),
            (480979.0942902744, 2521413.1116479617),
            (480980.3902733037, 2521550.470021525),
            (480776.67909625464, 2521550.161237711),
            (480778.370424399, 2521413.1392172147),
        ]],
        vec![
            vec![
                (480863.21422684356, 2521569.0708039543),
                (480986.0153821261, 2521568.8048009756),
                (480985.98289130296, 2521781.215769176),
                (480863.29475617915, 2521780.2523180153),
                (480863.21422684356, 2521569.0708039543),
            ],
            vec![
                (480908.2497132108, 2521638.8020199575),
                (480908.2497132108, 2521711.7603448355),
                (480944.4500572206, 2521711.7603448355),
                (480944.4500572206, 2521638.8020199575),
                (480908.2497132108, 2521638.8020199575),
            ],
        ],
        vec![vec![
            (481109.96928525454, 2521567.6982935616),
            (481207.1619915701, 2521570.1666011577),
            (481206.78200961265, 2521781.955638254),
            (481112.1699351019, 2521782.947626627),
            (481109.96928525454, 2521567.6982935616),
        ]],
        vec![vec![
            (481207.1619915701, 2521570.1666011577),
            (481311.92290096486, 2521566.6656748583),
            (481309.7691115361, 2521783.256307013),
            (481206.78200961265, 2521781.955638254),
            (481207.1619915701, 2521570.1666011577),
        ]],
        vec![vec![
            (480977.40465196344, 2521804.660699894),
            (481098.86248586315, 2521806.025876484),
            (481099.9041956173, 2521993.88992794),
            (480976.88851992914, 2521990.501017604),
            (480977.40465196344, 2521804.660699894),
        ]],
    ];
    let ms: Vec<MultiPolygon<f64>> = data
        .iter()
        .map(|rings| {
            let mut it = rings.iter().map(|r| LineString::from(r.clone()));
            let ext = it.next().unwrap();
            MultiPolygon::new(vec![Polygon::new(ext, it.collect())])
        })
        .collect();
    let refs: Vec<&MultiPolygon<f64>> = ms.iter().collect();
    let out = outline(&refs, 30.0);
    check(&out, &refs, 30.0);
    assert_eq!(out.0.len(), 2);
    assert!(out.0.iter().all(|p| p.interiors().is_empty()));
}
