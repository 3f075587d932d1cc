//! Validity of large polygons in O(n log n): `geo`'s `Validation` tests every pair of
//! segments, which takes seconds at 10⁴ vertices and hours at 10⁶. Above
//! [`LARGE`] vertices a polygon is checked here instead:
//!
//! 1. every segment against the segments whose envelopes meet its own (an R-tree):
//!    no two may touch, except neighbours in one ring at their shared vertex;
//! 2. with no boundary contact at all, each hole must lie inside its exterior and outside
//!    the other holes, and no part inside another part — one vertex of each ring decides,
//!    by ray casting over the same R-tree.
//!
//! That proves validity. Anything it cannot prove (a touching ring, a spike, a hole in the
//! wrong place) returns `None`, and `geo` decides: slowly, but only for the rare invalid
//! or unusual large polygon.

use crate::spatial::planar::{on_segment, orient, segments_meet};
use geo::kernels::Orientation;
use geo::{Coord, Line, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Above this many vertices, a polygon is checked here rather than by `geo`.
pub const LARGE: usize = 2_000;

/// A segment's envelope with (ring, position in the ring).
type Seg = GeomWithData<Rectangle<[f64; 2]>, (u32, u32)>;

/// `Some(true)` when `mp` is proven valid; `None` when this test cannot decide.
pub fn proven_valid(mp: &MultiPolygon<f64>) -> Option<bool> {
    // Rings, and which polygon each belongs to (0: its exterior).
    let mut rings: Vec<&[Coord<f64>]> = Vec::new();
    let mut owner: Vec<(usize, bool)> = Vec::new();
    for (pi, p) in mp.0.iter().enumerate() {
        for (k, r) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            let c = &r.0;
            if c.len() < 4 || c.first() != c.last() {
                return None;
            }
            rings.push(c);
            owner.push((pi, k == 0));
        }
    }
    let mut segs = Vec::new();
    for (ri, r) in rings.iter().enumerate() {
        for (i, w) in r.windows(2).enumerate() {
            if w[0] == w[1] {
                return None; // repeated vertex: let geo judge
            }
            segs.push(GeomWithData::new(
                Rectangle::from_corners([w[0].x, w[0].y], [w[1].x, w[1].y]),
                (ri as u32, i as u32),
            ));
        }
    }
    let tree: RTree<Seg> = RTree::bulk_load(segs);
    let line = |(ri, i): (u32, u32)| {
        let r = rings[ri as usize];
        Line::new(r[i as usize], r[i as usize + 1])
    };
    for s in tree.iter() {
        let (ri, i) = s.data;
        let a = line(s.data);
        let n = rings[ri as usize].len() as u32 - 1; // segments in the ring
        for t in tree.locate_in_envelope_intersecting(&rstar::RTreeObject::envelope(s.geom())) {
            let (rj, j) = t.data;
            if (rj, j) <= (ri, i) {
                continue;
            }
            let b = line(t.data);
            let adjacent = ri == rj && (j == i + 1 || (i == 0 && j == n - 1));
            if adjacent {
                // Neighbours share one vertex; they must not fold back over each other.
                let (shared, far) = if j == i + 1 {
                    (a.end, b.end)
                } else {
                    (a.start, b.start)
                };
                let other = if j == i + 1 { a.start } else { a.end };
                if orient(other, shared, far) == Orientation::Collinear
                    && (on_segment(a, far) || on_segment(b, other))
                {
                    return None;
                }
            } else if segments_meet(a, b) {
                return None;
            }
        }
    }
    // No two rings meet: containment decides, one vertex a ring.
    let inside = |q: Coord<f64>, ring: u32| {
        let ray = AABB::from_corners([q.x, q.y], [f64::MAX, q.y]);
        let mut odd = false;
        for t in tree.locate_in_envelope_intersecting(&ray) {
            if t.data.0 == ring {
                let l = line(t.data);
                odd ^= crate::spatial::planar::crosses_ray(l.start, l.end, q);
            }
        }
        odd
    };
    for (ri, r) in rings.iter().enumerate() {
        let (pi, exterior) = owner[ri];
        let q = r[0];
        for (rj, &(pj, ext_j)) in owner.iter().enumerate() {
            if rj == ri {
                continue;
            }
            let within = inside(q, rj as u32);
            match (exterior, ext_j, pi == pj) {
                // A hole inside its own exterior; outside every other hole of it.
                (false, true, true) if !within => return None,
                (false, false, true) if within => return None,
                // An exterior inside another part's exterior must sit in one of its holes:
                // checked below against the whole part.
                _ => {}
            }
        }
        if exterior {
            for (pj, _) in mp.0.iter().enumerate().filter(|(pj, _)| *pj != pi) {
                let rings_of_pj: Vec<u32> = owner
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.0 == pj)
                    .map(|(k, _)| k as u32)
                    .collect();
                let depth = rings_of_pj.iter().filter(|&&k| inside(q, k)).count();
                if depth % 2 == 1 {
                    return None; // inside the area of another part: overlapping parts
                }
            }
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon, Validation};

    /// A star-shaped ring of `n` vertices around (cx, cy).
    fn wavy(n: usize, cx: f64, cy: f64, r: f64) -> LineString<f64> {
        let mut pts: Vec<Coord<f64>> = (0..n)
            .map(|k| {
                let a = std::f64::consts::TAU * k as f64 / n as f64;
                let rr = r * (1.0 + 0.05 * (17.0 * a).sin());
                Coord {
                    x: cx + rr * a.cos(),
                    y: cy + rr * a.sin(),
                }
            })
            .collect();
        pts.push(pts[0]);
        LineString::from(pts)
    }

    #[test]
    fn agrees_with_geo_where_it_decides() {
        let shell = wavy(2100, 0.0, 0.0, 600.0);
        let hole = wavy(100, 100.0, 0.0, 100.0);
        let valid = MultiPolygon::new(vec![Polygon::new(shell.clone(), vec![hole.clone()])]);
        assert!(valid.is_valid());
        assert_eq!(proven_valid(&valid), Some(true));

        // A hole outside its shell, a crossing, overlapping parts, an island in a hole.
        let out = MultiPolygon::new(vec![Polygon::new(
            shell.clone(),
            vec![wavy(500, 2000.0, 0.0, 100.0)],
        )]);
        assert!(!out.is_valid());
        assert_eq!(proven_valid(&out), None);
        let mut pts = shell.0.clone();
        pts.swap(10, 1000);
        let crossed = MultiPolygon::new(vec![Polygon::new(LineString::from(pts), vec![])]);
        assert_eq!(proven_valid(&crossed), None);
        let overlap = MultiPolygon::new(vec![
            Polygon::new(shell.clone(), vec![]),
            Polygon::new(wavy(500, 100.0, 0.0, 50.0), vec![]),
        ]);
        assert!(!overlap.is_valid());
        assert_eq!(proven_valid(&overlap), None);
        let island = MultiPolygon::new(vec![
            Polygon::new(shell, vec![hole]),
            Polygon::new(wavy(300, 100.0, 0.0, 40.0), vec![]),
        ]);
        assert!(island.is_valid());
        assert_eq!(proven_valid(&island), Some(true));
    }
}
