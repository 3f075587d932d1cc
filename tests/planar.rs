//! Differential property tests: the engine's planar predicates ([`landsift::spatial::planar`])
//! against `geo`'s own algorithms on random polygons, points and segments at the
//! magnitudes of real data (Gauss–Krüger metres: eastings ~500 km, northings ~2,500 km).

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{
    BoundingRect, Coord, Distance, Euclidean, Intersects, Line, LineString, MultiPolygon, Point,
    Polygon, Rect,
};
use landsift::spatial::planar::{self, Location};

/// SplitMix64: a seeded generator, so every run sees the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn f(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A small integer grid coordinate: exact collinearities and shared vertices happen.
    fn grid(&mut self, n: u64) -> f64 {
        (self.next() % n) as f64
    }
}

const ORIGIN: Coord<f64> = Coord {
    x: 487_000.0,
    y: 2_523_000.0,
};

/// A simple star-shaped polygon (vertices at increasing angles around a centre), now and
/// then with a star-shaped hole around the same centre, offset to Gauss–Krüger metres.
fn random_polygon(rng: &mut Rng) -> MultiPolygon<f64> {
    let c = Coord {
        x: ORIGIN.x + rng.f(0.0, 500.0),
        y: ORIGIN.y + rng.f(0.0, 500.0),
    };
    let ring = |rng: &mut Rng, r0: f64, r1: f64, n: usize| {
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                let a = std::f64::consts::TAU * (k as f64 + rng.f(0.0, 0.9)) / n as f64;
                let r = rng.f(r0, r1);
                Coord {
                    x: c.x + r * a.cos(),
                    y: c.y + r * a.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        LineString::from(pts)
    };
    let n = 3 + (rng.next() % 12) as usize;
    let exterior = ring(rng, 40.0, 120.0, n);
    // Valid polygons only (geo and the even–odd rule differ on a hole outside its shell):
    // with six or more vertices the exterior keeps a disc of radius > 20 m free.
    let holes = if n >= 6 && rng.next().is_multiple_of(2) {
        let k = 3 + (rng.next() % 5) as usize;
        vec![ring(rng, 5.0, 15.0, k)]
    } else {
        vec![]
    };
    MultiPolygon::new(vec![Polygon::new(exterior, holes)])
}

/// Points to test against a polygon: random ones in its envelope, its vertices and the
/// midpoints of its edges (on or next to the boundary).
fn probe_points(rng: &mut Rng, mp: &MultiPolygon<f64>) -> Vec<Coord<f64>> {
    let r = mp.bounding_rect().unwrap();
    let mut pts: Vec<Coord<f64>> = (0..40)
        .map(|_| Coord {
            x: rng.f(r.min().x - 10.0, r.max().x + 10.0),
            y: rng.f(r.min().y - 10.0, r.max().y + 10.0),
        })
        .collect();
    for ring in planar::rings(mp) {
        for l in ring.lines() {
            pts.push(l.start);
            pts.push(Coord {
                x: (l.start.x + l.end.x) / 2.0,
                y: (l.start.y + l.end.y) / 2.0,
            });
        }
    }
    pts
}

#[test]
fn point_location_agrees_with_geo() {
    let mut rng = Rng(20_261_130);
    let mut seen = [0usize; 3];
    for _ in 0..400 {
        let mp = random_polygon(&mut rng);
        for q in probe_points(&mut rng, &mp) {
            let want = match mp.coordinate_position(&q) {
                CoordPos::Inside => Location::Inside,
                CoordPos::OnBoundary => Location::Boundary,
                CoordPos::Outside => Location::Outside,
            };
            assert_eq!(planar::locate(&mp, q), want, "{q:?} in {mp:?}");
            seen[want as usize] += 1;
            if want != Location::Boundary {
                assert_eq!(
                    planar::point_in_polygon(&mp, q),
                    want == Location::Inside,
                    "{q:?} in {mp:?}"
                );
            }
        }
    }
    // The cases covered every outcome, boundary included.
    assert!(seen.iter().all(|&n| n > 100), "{seen:?}");
}

#[test]
fn segment_predicates_and_distances_agree_with_geo() {
    let mut rng = Rng(7);
    let mut meets = 0;
    for i in 0..20_000 {
        // Half on a small integer grid (collinear, touching and shared endpoints are
        // common there), half at full precision.
        let c = |rng: &mut Rng| {
            if i % 2 == 0 {
                Coord {
                    x: ORIGIN.x + rng.grid(6),
                    y: ORIGIN.y + rng.grid(6),
                }
            } else {
                Coord {
                    x: ORIGIN.x + rng.f(0.0, 50.0),
                    y: ORIGIN.y + rng.f(0.0, 50.0),
                }
            }
        };
        let a = Line::new(c(&mut rng), c(&mut rng));
        let b = Line::new(c(&mut rng), c(&mut rng));
        let meet = planar::segments_meet(a, b);
        assert_eq!(meet, a.intersects(&b), "{a:?} {b:?}");
        meets += usize::from(meet);
        let d = Euclidean.distance(&a, &b);
        let ours = planar::seg_dist2(a, b).sqrt();
        assert!((ours - d).abs() <= 1e-6, "{a:?} {b:?}: {ours} vs {d}");
        let (d2, p, q) = planar::seg_closest(a, b);
        assert!((d2.sqrt() - d).abs() <= 1e-6, "{a:?} {b:?}");
        assert!(Euclidean.distance(&Point(p), &a) <= 1e-6);
        assert!(Euclidean.distance(&Point(q), &b) <= 1e-6);
        let pt = c(&mut rng);
        let dp = Euclidean.distance(&Point(pt), &a);
        assert!((planar::seg_point_dist2(pt, a).sqrt() - dp).abs() <= 1e-6);
        assert_eq!(
            planar::on_segment(a, pt),
            a.intersects(&Point(pt)),
            "{pt:?} on {a:?}"
        );
    }
    assert!(meets > 2_000, "{meets}");
}

#[test]
fn rectangles_and_extents_agree_with_geo() {
    let mut rng = Rng(11);
    for _ in 0..2_000 {
        let polys: Vec<MultiPolygon<f64>> = (0..1 + rng.next() % 6)
            .map(|_| random_polygon(&mut rng))
            .collect();
        let rects: Vec<Rect<f64>> = polys.iter().map(|p| p.bounding_rect().unwrap()).collect();
        let all = MultiPolygon::new(polys.iter().flat_map(|m| m.0.clone()).collect());
        assert_eq!(planar::extent(rects.iter().copied()), all.bounding_rect());
        let (a, b) = (rects[0], *rects.last().unwrap());
        let d = Euclidean.distance(&a.to_polygon(), &b.to_polygon());
        assert!((planar::rect_dist2(a, b).sqrt() - d).abs() <= 1e-6);
        assert_eq!(planar::rects_meet(a, b), a.intersects(&b));
    }
}
