//! Exact planar predicates and distances, in the working CRS's metres.
//!
//! Orientation tests use `geo`'s robust kernel (Shewchuk's adaptive predicates), so
//! "which side", "do these segments meet" and "is this point inside" are decided exactly
//! for the coordinates given, whatever their magnitude (Gauss–Krüger northings are in the
//! millions). Distances are ordinary floating point. Each function is checked against
//! `geo`'s own algorithms on random polygons (`tests/planar.rs`); these exist because they
//! sit on hot paths (millions of calls in measure and the neighbour graph) where `geo`'s
//! general algorithms allocate or do more than needed.

use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, Line, LineString, MultiPolygon, Rect};

/// Where a point lies with respect to a polygon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Inside,
    /// On an edge or a vertex of some ring.
    Boundary,
    Outside,
}

/// The orientation of `r` seen from the directed line `p → q` (exact).
///
/// ```
/// use geo::coord;
/// use geo::kernels::Orientation;
/// use landsift::spatial::planar::orient;
/// let (p, q) = (coord! { x: 0.0, y: 0.0 }, coord! { x: 10.0, y: 0.0 });
/// assert_eq!(orient(p, q, coord! { x: 5.0, y: 1.0 }), Orientation::CounterClockwise);
/// assert_eq!(orient(p, q, coord! { x: 5.0, y: -1.0 }), Orientation::Clockwise);
/// assert_eq!(orient(p, q, coord! { x: 20.0, y: 0.0 }), Orientation::Collinear);
/// ```
#[inline]
pub fn orient(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> Orientation {
    <RobustKernel as Kernel<f64>>::orient2d(p, q, r)
}

/// Every ring (exteriors and holes) of a multipolygon.
///
/// ```
/// use geo::polygon;
/// use landsift::spatial::planar::rings;
/// let p = polygon!(
///     exterior: [(x: 0.0, y: 0.0), (x: 9.0, y: 0.0), (x: 9.0, y: 9.0)],
///     interiors: [[(x: 5.0, y: 1.0), (x: 6.0, y: 1.0), (x: 6.0, y: 2.0)]],
/// );
/// assert_eq!(rings(&geo::MultiPolygon::new(vec![p])).count(), 2);
/// ```
pub fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

/// Whether the edge `a → b` crosses the ray from `q` towards +x. Edges are half-open in
/// y, so a ray through a vertex counts it once; exact whenever `q` is not on the edge.
///
/// ```
/// use geo::coord;
/// use landsift::spatial::planar::crosses_ray;
/// let q = coord! { x: 0.0, y: 0.0 };
/// assert!(crosses_ray(coord! { x: 5.0, y: -1.0 }, coord! { x: 5.0, y: 1.0 }, q));
/// assert!(!crosses_ray(coord! { x: -5.0, y: -1.0 }, coord! { x: -5.0, y: 1.0 }, q));
/// // Through a vertex: counted for one of its two edges only.
/// let v = coord! { x: 5.0, y: 0.0 };
/// let n = [coord! { x: 5.0, y: -1.0 }, coord! { x: 5.0, y: 1.0 }]
///     .iter()
///     .filter(|&&w| crosses_ray(w, v, q))
///     .count();
/// assert_eq!(n, 1);
/// ```
#[inline]
pub fn crosses_ray(a: Coord<f64>, b: Coord<f64>, q: Coord<f64>) -> bool {
    if (a.y > q.y) == (b.y > q.y) {
        return false;
    }
    if q.x < a.x.min(b.x) {
        return true;
    }
    if q.x > a.x.max(b.x) {
        return false;
    }
    let o = orient(a, b, q);
    if b.y > a.y {
        o == Orientation::CounterClockwise
    } else {
        o == Orientation::Clockwise
    }
}

/// Even–odd point-in-polygon over all rings of `mp`; exact when `q` is not on the
/// boundary (use [`locate`] where the boundary matters).
///
/// ```
/// use geo::{coord, polygon, MultiPolygon};
/// use landsift::spatial::planar::point_in_polygon;
/// let ring_with_hole = MultiPolygon::new(vec![polygon!(
///     exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)],
///     interiors: [[(x: 4.0, y: 4.0), (x: 6.0, y: 4.0), (x: 6.0, y: 6.0), (x: 4.0, y: 6.0)]],
/// )]);
/// assert!(point_in_polygon(&ring_with_hole, coord! { x: 1.0, y: 1.0 }));
/// assert!(!point_in_polygon(&ring_with_hole, coord! { x: 5.0, y: 5.0 }));
/// assert!(!point_in_polygon(&ring_with_hole, coord! { x: 11.0, y: 5.0 }));
/// ```
pub fn point_in_polygon(mp: &MultiPolygon<f64>, q: Coord<f64>) -> bool {
    let mut odd = false;
    for ring in rings(mp) {
        for w in ring.0.windows(2) {
            odd ^= crosses_ray(w[0], w[1], q);
        }
    }
    odd
}

/// Where `q` lies with respect to `mp` (even–odd over all rings), exactly.
///
/// ```
/// use geo::{coord, polygon, MultiPolygon};
/// use landsift::spatial::planar::{locate, Location};
/// let sq = MultiPolygon::new(vec![polygon![
///     (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)
/// ]]);
/// assert_eq!(locate(&sq, coord! { x: 5.0, y: 5.0 }), Location::Inside);
/// assert_eq!(locate(&sq, coord! { x: 10.0, y: 5.0 }), Location::Boundary);
/// assert_eq!(locate(&sq, coord! { x: 0.0, y: 0.0 }), Location::Boundary);
/// assert_eq!(locate(&sq, coord! { x: 15.0, y: 5.0 }), Location::Outside);
/// ```
pub fn locate(mp: &MultiPolygon<f64>, q: Coord<f64>) -> Location {
    let mut odd = false;
    for ring in rings(mp) {
        for w in ring.0.windows(2) {
            if on_segment(Line::new(w[0], w[1]), q) {
                return Location::Boundary;
            }
            odd ^= crosses_ray(w[0], w[1], q);
        }
    }
    if odd {
        Location::Inside
    } else {
        Location::Outside
    }
}

/// Whether `q` lies on the closed segment `l` (exact).
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::on_segment;
/// let l = Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 3.0, y: 3.0 });
/// assert!(on_segment(l, coord! { x: 1.0, y: 1.0 }));
/// assert!(on_segment(l, coord! { x: 3.0, y: 3.0 }));
/// assert!(!on_segment(l, coord! { x: 4.0, y: 4.0 }));
/// assert!(!on_segment(l, coord! { x: 1.0, y: 1.000001 }));
/// ```
#[inline]
pub fn on_segment(l: Line<f64>, q: Coord<f64>) -> bool {
    in_box(l.start, q, l.end) && orient(l.start, l.end, q) == Orientation::Collinear
}

/// Whether `q` lies in the axis-aligned box spanned by `p` and `r`.
#[inline]
fn in_box(p: Coord<f64>, q: Coord<f64>, r: Coord<f64>) -> bool {
    q.x >= p.x.min(r.x) && q.x <= p.x.max(r.x) && q.y >= p.y.min(r.y) && q.y <= p.y.max(r.y)
}

/// Whether two closed segments share a point (exact).
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::segments_meet;
/// let l = |a: (f64, f64), b: (f64, f64)| Line::new(coord! { x: a.0, y: a.1 }, coord! { x: b.0, y: b.1 });
/// assert!(segments_meet(l((0., 0.), (2., 2.)), l((0., 2.), (2., 0.)))); // crossing
/// assert!(segments_meet(l((0., 0.), (2., 0.)), l((1., 0.), (3., 0.)))); // overlapping
/// assert!(segments_meet(l((0., 0.), (2., 0.)), l((2., 0.), (2., 5.)))); // end to end
/// assert!(!segments_meet(l((0., 0.), (2., 0.)), l((3., 0.), (4., 0.)))); // collinear apart
/// assert!(!segments_meet(l((0., 0.), (2., 2.)), l((0., 1.), (1., 2.)))); // parallel
/// ```
pub fn segments_meet(a: Line<f64>, b: Line<f64>) -> bool {
    if !rects_meet(line_rect(a), line_rect(b)) {
        return false;
    }
    let side = |o: Orientation| match o {
        Orientation::CounterClockwise => 1i8,
        Orientation::Clockwise => -1,
        Orientation::Collinear => 0,
    };
    let o1 = side(orient(a.start, a.end, b.start));
    let o2 = side(orient(a.start, a.end, b.end));
    if o1 * o2 > 0 {
        return false;
    }
    let o3 = side(orient(b.start, b.end, a.start));
    let o4 = side(orient(b.start, b.end, a.end));
    // With the bounding boxes overlapping, collinear segments overlap too.
    o3 * o4 <= 0
}

/// Dot product of two vectors.
#[inline]
pub fn dot(a: Coord<f64>, b: Coord<f64>) -> f64 {
    a.x * b.x + a.y * b.y
}

/// `r` grown by `by` on every side.
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::grow;
/// let r = grow(Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 }), 2.0);
/// assert_eq!(r, Rect::new(coord! { x: -2.0, y: -2.0 }, coord! { x: 3.0, y: 3.0 }));
/// ```
pub fn grow(r: Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new(
        Coord {
            x: r.min().x - by,
            y: r.min().y - by,
        },
        Coord {
            x: r.max().x + by,
            y: r.max().y + by,
        },
    )
}

/// The smallest rectangle holding both.
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::rect_union;
/// let a = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
/// let b = Rect::new(coord! { x: 5.0, y: -1.0 }, coord! { x: 6.0, y: 0.5 });
/// assert_eq!(rect_union(a, b), Rect::new(coord! { x: 0.0, y: -1.0 }, coord! { x: 6.0, y: 1.0 }));
/// ```
pub fn rect_union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

/// The extent of many rectangles; `None` when there are none. The one fold behind every
/// extent the engine reports (layer extents, map frames, the QGIS project's view).
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::extent;
/// let rects = [
///     Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 }),
///     Rect::new(coord! { x: -3.0, y: 2.0 }, coord! { x: -2.0, y: 4.0 }),
/// ];
/// assert_eq!(
///     extent(rects),
///     Some(Rect::new(coord! { x: -3.0, y: 0.0 }, coord! { x: 1.0, y: 4.0 }))
/// );
/// assert_eq!(extent(std::iter::empty()), None);
/// ```
pub fn extent(rects: impl IntoIterator<Item = Rect<f64>>) -> Option<Rect<f64>> {
    rects.into_iter().reduce(rect_union)
}

/// `[xmin, ymin, xmax, ymax]` of a rectangle (as GeoJSON and QGIS write extents).
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::bounds;
/// let r = Rect::new(coord! { x: 3.0, y: 1.0 }, coord! { x: 0.0, y: 2.0 });
/// assert_eq!(bounds(r), [0.0, 1.0, 3.0, 2.0]);
/// ```
pub fn bounds(r: Rect<f64>) -> [f64; 4] {
    [r.min().x, r.min().y, r.max().x, r.max().y]
}

/// The bounding box of a segment.
///
/// ```
/// use geo::{coord, Line, Rect};
/// use landsift::spatial::planar::line_rect;
/// let l = Line::new(coord! { x: 2.0, y: 0.0 }, coord! { x: 0.0, y: 1.0 });
/// assert_eq!(line_rect(l), Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 2.0, y: 1.0 }));
/// ```
#[inline]
pub fn line_rect(l: Line<f64>) -> Rect<f64> {
    Rect::new(l.start, l.end)
}

/// Whether two closed rectangles share a point.
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::rects_meet;
/// let a = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
/// assert!(rects_meet(a, Rect::new(coord! { x: 1.0, y: 1.0 }, coord! { x: 2.0, y: 2.0 })));
/// assert!(!rects_meet(a, Rect::new(coord! { x: 1.5, y: 0.0 }, coord! { x: 2.0, y: 1.0 })));
/// ```
#[inline]
pub fn rects_meet(a: Rect<f64>, b: Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Whether `outer` covers `inner`.
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::rect_covers;
/// let outer = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 4.0, y: 4.0 });
/// assert!(rect_covers(outer, Rect::new(coord! { x: 1.0, y: 1.0 }, coord! { x: 4.0, y: 2.0 })));
/// assert!(!rect_covers(outer, Rect::new(coord! { x: 1.0, y: 1.0 }, coord! { x: 5.0, y: 2.0 })));
/// ```
pub fn rect_covers(outer: Rect<f64>, inner: Rect<f64>) -> bool {
    outer.min().x <= inner.min().x
        && outer.min().y <= inner.min().y
        && outer.max().x >= inner.max().x
        && outer.max().y >= inner.max().y
}

/// Squared distance between two rectangles (0 when they meet).
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::spatial::planar::rect_dist2;
/// let a = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
/// let b = Rect::new(coord! { x: 4.0, y: 5.0 }, coord! { x: 6.0, y: 6.0 });
/// assert_eq!(rect_dist2(a, b), 3.0 * 3.0 + 4.0 * 4.0);
/// ```
pub fn rect_dist2(a: Rect<f64>, b: Rect<f64>) -> f64 {
    let dx = (a.min().x - b.max().x).max(b.min().x - a.max().x).max(0.0);
    let dy = (a.min().y - b.max().y).max(b.min().y - a.max().y).max(0.0);
    dx * dx + dy * dy
}

/// Squared distance from `p` to segment `l`, and the closest point of `l`.
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::seg_point;
/// let l = Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 10.0, y: 0.0 });
/// assert_eq!(seg_point(coord! { x: 4.0, y: 3.0 }, l), (9.0, coord! { x: 4.0, y: 0.0 }));
/// assert_eq!(seg_point(coord! { x: 13.0, y: 4.0 }, l), (25.0, coord! { x: 10.0, y: 0.0 }));
/// ```
pub fn seg_point(p: Coord<f64>, l: Line<f64>) -> (f64, Coord<f64>) {
    let d = l.end - l.start;
    let l2 = dot(d, d);
    let t = if l2 > 0.0 {
        (dot(p - l.start, d) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = l.start + d * t;
    let v = p - c;
    (dot(v, v), c)
}

/// Squared distance from `p` to segment `l`.
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::seg_point_dist2;
/// let l = Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 0.0, y: 10.0 });
/// assert_eq!(seg_point_dist2(coord! { x: 2.0, y: 5.0 }, l), 4.0);
/// ```
pub fn seg_point_dist2(p: Coord<f64>, l: Line<f64>) -> f64 {
    seg_point(p, l).0
}

/// Squared distance from `p` to the infinite line through `l` (to its start when `l` is a
/// point).
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::line_dist2;
/// let l = Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1.0, y: 0.0 });
/// assert_eq!(line_dist2(coord! { x: 50.0, y: 3.0 }, l), 9.0);
/// ```
pub fn line_dist2(p: Coord<f64>, l: Line<f64>) -> f64 {
    let d = l.end - l.start;
    let l2 = dot(d, d);
    let v = p - l.start;
    if l2 == 0.0 {
        return dot(v, v);
    }
    let cross = d.x * v.y - d.y * v.x;
    cross * cross / l2
}

/// Squared distance between two closed segments (0 when they meet).
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::seg_dist2;
/// let a = Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 10.0, y: 0.0 });
/// let b = Line::new(coord! { x: 5.0, y: 2.0 }, coord! { x: 5.0, y: 8.0 });
/// assert_eq!(seg_dist2(a, b), 4.0);
/// let c = Line::new(coord! { x: 5.0, y: -2.0 }, coord! { x: 5.0, y: 8.0 });
/// assert_eq!(seg_dist2(a, c), 0.0);
/// ```
pub fn seg_dist2(a: Line<f64>, b: Line<f64>) -> f64 {
    let d = seg_point_dist2(a.start, b)
        .min(seg_point_dist2(a.end, b))
        .min(seg_point_dist2(b.start, a))
        .min(seg_point_dist2(b.end, a));
    if d > 0.0 && segments_meet(a, b) {
        0.0
    } else {
        d
    }
}

/// Squared distance between two closed segments and a closest pair of points (on `a`, on
/// `b`), chosen deterministically: where they meet, their intersection (the start of a
/// shared stretch); else the first closest endpoint pair in the order a.start, a.end,
/// b.start, b.end.
///
/// ```
/// use geo::{coord, Line};
/// use landsift::spatial::planar::seg_closest;
/// let a = Line::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 10.0, y: 0.0 });
/// let b = Line::new(coord! { x: 12.0, y: 0.0 }, coord! { x: 12.0, y: 5.0 });
/// assert_eq!(seg_closest(a, b), (4.0, coord! { x: 10.0, y: 0.0 }, coord! { x: 12.0, y: 0.0 }));
/// ```
pub fn seg_closest(a: Line<f64>, b: Line<f64>) -> (f64, Coord<f64>, Coord<f64>) {
    use geo::algorithm::line_intersection::{line_intersection, LineIntersection};
    if segments_meet(a, b) {
        let c = match line_intersection(a, b) {
            Some(LineIntersection::SinglePoint { intersection, .. }) => intersection,
            Some(LineIntersection::Collinear { intersection }) => intersection.start,
            None => a.start,
        };
        return (0.0, c, c);
    }
    let mut best = {
        let (d, c) = seg_point(a.start, b);
        (d, a.start, c)
    };
    let (d, c) = seg_point(a.end, b);
    if d < best.0 {
        best = (d, a.end, c);
    }
    let (d, c) = seg_point(b.start, a);
    if d < best.0 {
        best = (d, c, b.start);
    }
    let (d, c) = seg_point(b.end, a);
    if d < best.0 {
        best = (d, c, b.end);
    }
    best
}
