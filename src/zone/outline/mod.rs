//! Zone outlines (SPEC §4 "outline" and "compact"): the union of a zone's member parcels
//! with road gaps closed — a morphological closing by the road-gap tolerance — cleaned of
//! slivers and pinholes, and the Polsby–Popper compactness of the result.
//!
//! The closing is done on the *union* of the members, not per parcel: one
//! [`geo::unary_union`] over all member polygons, one outward buffer by `gap / 2`, one
//! inward buffer by `gap / 2` (geo's `Buffer`, i.e. i_overlay offsetting):
//! - the **dilation uses mitre joins**, so the zone's outer (convex) corners come back
//!   exactly square (a round dilation would give rounded, chord-approximated corners). The
//!   mitre is limited at interior angles sharper than 60°, so it never reaches further than
//!   `gap` from the members;
//! - the **erosion uses bevel joins**: a mitred erosion is the mitred dilation of the road
//!   space, whose tips at sharp corners of that space bite up to `gap` deep into the members
//!   (measured: 100 m² bites out of parcels beside a courtyard). A bevelled erosion stays
//!   inside the disc erosion, so the closing contains the members; the price is a chamfer
//!   of `gap / 2` × `gap / 2` filled into each reflex corner of the zone (road junctions),
//!   which is what a closing does there anyway (a disc closing fills a fillet).
//!
//! Closing is extensive; should a member still lose area (thicker than 1 mm: thinner
//! `members − closing` pieces are the overlay engine's integer-grid snapping noise), the
//! whole members concerned are united back in. The same snapping leaves micrometre jogs
//! and near-collinear vertices along off-axis edges; vertices within 0.1 mm of the segment
//! joining their neighbours are dropped before the last overlay, which runs with OGC
//! options and so gives valid rings.
//!
//! Clean-up (documented thresholds):
//! - **pinholes**: interior rings with area < [`PINHOLE_FACTOR`] × gap² (with the default
//!   30 m gap: 3,600 m², 0.36 ha, 5.4 mu — a hole the closing did not fill because it is a
//!   little wider than the gap, e.g. a road crossing or a small yard) are filled; larger
//!   holes (courtyards, excluded parcels, water) stay;
//! - **slivers**: parts (exterior rings) with area < gap² that contain no whole member parcel
//!   (tested by the member's interior point) are dropped; they can only be numerical debris.
//!
//! The result is valid (`geo::Validation`), exterior rings counter-clockwise and interior
//! rings clockwise. Everything is sequential, so the same input gives the same coordinates.

use geo::algorithm::buffer::{Buffer, BufferStyle, LineJoin};
use geo::orient::Direction;
use geo::{
    Area, BooleanOps, BoundingRect, Coord, InteriorPoint, Intersects, LineString, MultiPolygon,
    Orient, Point, Polygon, Rect, Simplify,
};

/// Holes smaller than `PINHOLE_FACTOR × gap²` are filled (pinholes). With the default gap of
/// 30 m that is 3,600 m²: a hole that is not at least a 2·gap × 2·gap square.
pub const PINHOLE_FACTOR: f64 = 4.0;

/// Smallest interior angle (radians) at which a mitre join is drawn in full: 60°, where the
/// mitre tip lies exactly `2 × (gap / 2) = gap` from the corner. Sharper corners get a
/// truncated mitre (still outside the disc of radius `gap / 2`, so the dilation covers the
/// disc dilation and the closing stays extensive).
const MITRE_MIN_ANGLE: f64 = std::f64::consts::FRAC_PI_3;

/// Pieces of `members − closing` thinner than this (metres, mean width 2A/P) are float
/// noise of the overlay engine's integer snapping, not shaved corners.
const NOISE_THICKNESS: f64 = 1e-3;

/// Members with more vertices than this are simplified before the closing.
pub const SIMPLIFY_ABOVE: usize = 1_000;

/// The simplification tolerance (metres, Douglas–Peucker): 5 cm.
pub const SIMPLIFY_EPS: f64 = 0.05;

/// Vertices closer than this (metres, 0.1 mm) to the segment joining their neighbours are
/// dropped: the overlay's snapping jogs are micrometres.
const COLLINEAR_EPS: f64 = 1e-4;

/// The outline of a zone: the union of its members with gaps up to `gap` metres closed.
///
/// `gap ≤ 0` (or not finite) gives the plain union, cleaned of zero-area debris.
/// An empty member list gives an empty multipolygon.
pub fn outline(members: &[&MultiPolygon<f64>], gap: f64) -> MultiPolygon<f64> {
    // `unary_union` picks its fill rule from the winding of the first ring it sees, so
    // every ring must be wound the same way: orient exteriors counter-clockwise first.
    // A member of many vertices (a digitised curve, a densified boundary) is simplified
    // first: the overlay engine's cost grows faster than its vertex count, and detail
    // below SIMPLIFY_EPS cannot change a closing of tens of metres. Dilating by that much
    // more keeps the closing around the original.
    let mut simplified = false;
    let polys: Vec<Polygon<f64>> = members
        .iter()
        .flat_map(|m| m.0.iter())
        .filter(|p| p.exterior().0.len() >= 4)
        .map(|p| {
            let n = p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>();
            if n > SIMPLIFY_ABOVE && gap > 0.0 {
                simplified = true;
                p.simplify(SIMPLIFY_EPS).orient(Direction::Default)
            } else {
                p.orient(Direction::Default)
            }
        })
        .filter(|p| p.exterior().0.len() >= 4)
        .collect();
    if polys.is_empty() {
        return MultiPolygon::new(vec![]);
    }
    let union = geo::unary_union(polys.iter());
    let gap = if gap.is_finite() && gap > 0.0 {
        gap
    } else {
        0.0
    };
    if gap <= 0.0 {
        return clean(union, members, gap);
    }
    let half = gap / 2.0;
    let grow = half + if simplified { SIMPLIFY_EPS } else { 0.0 };
    // Dilate with mitres (outer corners stay square; limited at 60°, so never more than
    // `gap` out), erode with bevels: a mitred erosion is the mitred dilation of the
    // complement, whose tips at sharp corners of the road space reach up to `gap` deep into
    // the members (measured: 100 m² bites out of parcels next to a courtyard), while a
    // bevelled one stays inside the disc erosion, so the closing keeps the members. At
    // the zone's reflex corners (road junctions) the bevel leaves a chamfer of `gap / 2`.
    let dilated =
        union.buffer_with_style(BufferStyle::new(grow).line_join(LineJoin::Miter(MITRE_MIN_ANGLE)));
    let eroded = dilated.buffer_with_style(BufferStyle::new(-half).line_join(LineJoin::Bevel));
    // The overlay engine snaps to an integer grid, leaving micrometre jogs and
    // near-collinear vertices along off-axis edges: drop them before the last overlay.
    let eroded = drop_collinear(&eroded, COLLINEAR_EPS);
    // Closing is extensive: whatever the members still lose (thicker than float noise)
    // goes back, by re-uniting the whole members concerned (whole polygons overlap the
    // closed shape, so they merge cleanly; a shaved sliver would only touch it, and the
    // overlay's re-snapping can leave it an island micrometres away).
    let shaved: Vec<Polygon<f64>> = union
        .difference(&eroded)
        .0
        .into_iter()
        .filter(|p| thickness(p) > NOISE_THICKNESS)
        .collect();
    let mut pieces: Vec<Polygon<f64>> = eroded.0;
    if !shaved.is_empty() {
        let boxes: Vec<Rect<f64>> = shaved.iter().filter_map(|p| p.bounding_rect()).collect();
        pieces.extend(
            polys
                .iter()
                .filter(|m| {
                    m.bounding_rect().is_some_and(|r| {
                        boxes
                            .iter()
                            .zip(&shaved)
                            .any(|(b, s)| r.intersects(b) && m.intersects(s))
                    })
                })
                .cloned(),
        );
    }
    // One last overlay, also when nothing went back: geo runs `unary_union` with OGC
    // options, which its buffer does not, so the rings come out OGC-valid.
    let pieces: Vec<Polygon<f64>> = pieces
        .iter()
        .map(|p| p.orient(Direction::Default))
        .collect();
    let closed = geo::unary_union(pieces.iter());
    clean(closed, members, gap)
}

/// Remove ring vertices lying within `eps` of the segment joining their neighbours;
/// rings left with fewer than 3 distinct vertices are dropped.
fn drop_collinear(shape: &MultiPolygon<f64>, eps: f64) -> MultiPolygon<f64> {
    let parts = shape
        .0
        .iter()
        .filter_map(|p| {
            let ext = simplify_ring(p.exterior(), eps)?;
            let holes = p
                .interiors()
                .iter()
                .filter_map(|h| simplify_ring(h, eps))
                .collect();
            Some(Polygon::new(ext, holes))
        })
        .collect();
    MultiPolygon::new(parts)
}

fn simplify_ring(ring: &LineString<f64>, eps: f64) -> Option<LineString<f64>> {
    let c = &ring.0;
    if c.len() < 4 {
        return None;
    }
    // open ring (no repeated closing vertex)
    let open = if c.first() == c.last() {
        &c[..c.len() - 1]
    } else {
        &c[..]
    };
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(open.len());
    for &v in open {
        while out.len() >= 2 && near_segment(out[out.len() - 1], out[out.len() - 2], v, eps) {
            out.pop();
        }
        if out.last() != Some(&v) {
            out.push(v);
        }
    }
    // wrap-around: the last and first vertices are checked against their cyclic neighbours
    loop {
        let n = out.len();
        if n < 3 {
            return None;
        }
        if near_segment(out[n - 1], out[n - 2], out[0], eps) || out[n - 1] == out[0] {
            out.pop();
        } else if near_segment(out[0], out[n - 1], out[1], eps) {
            out.remove(0);
        } else {
            break;
        }
    }
    out.push(out[0]);
    Some(LineString::new(out))
}

/// Whether `p` lies within `eps` of the segment `a`–`b`.
fn near_segment(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>, eps: f64) -> bool {
    let ab = b - a;
    let ap = p - a;
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 {
        ((ap.x * ab.x + ap.y * ab.y) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let d = ap - ab * t;
    d.x * d.x + d.y * d.y <= eps * eps
}

/// Mean thickness 2A/P of a polygon (P over all its rings): ~ its width for a sliver.
fn thickness(p: &Polygon<f64>) -> f64 {
    let perim = std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(ring_length)
        .fold(0.0, |acc, l| acc + l);
    if perim > 0.0 {
        2.0 * p.unsigned_area() / perim
    } else {
        0.0
    }
}

/// Fill pinholes, drop slivers, orient (exteriors counter-clockwise).
fn clean(shape: MultiPolygon<f64>, members: &[&MultiPolygon<f64>], gap: f64) -> MultiPolygon<f64> {
    let hole_min = PINHOLE_FACTOR * gap * gap;
    let part_min = gap * gap;
    // Filled pinholes, with the index (in `parts`) of the part they were cut from.
    let mut filled: Vec<(Rect<f64>, Polygon<f64>, usize)> = Vec::new();
    let mut parts: Vec<Polygon<f64>> = Vec::with_capacity(shape.0.len());
    for poly in shape.0 {
        let (ext, holes) = poly.into_inner();
        let ext_area = ring_area(&ext);
        if ext_area <= 0.0 {
            continue;
        }
        let mut kept = Vec::with_capacity(holes.len());
        for hole in holes {
            let a = ring_area(&hole);
            if a <= 0.0 {
                continue;
            }
            if a < hole_min {
                let hp = Polygon::new(hole, vec![]);
                if let Some(r) = hp.bounding_rect() {
                    filled.push((r, hp, parts.len()));
                }
            } else {
                kept.push(hole);
            }
        }
        let p = Polygon::new(ext, kept);
        if p.unsigned_area() < part_min && !contains_a_member(&p, members) {
            filled.retain(|f| f.2 != parts.len());
            continue;
        }
        parts.push(p);
    }
    // A part lying inside another part's filled pinhole is now covered by that part. (A
    // part's own filled holes are skipped: its interior point may now lie in one.)
    if !filled.is_empty() && parts.len() > 1 {
        parts = parts
            .into_iter()
            .enumerate()
            .filter(|(k, p)| {
                p.interior_point().is_some_and(|ip| {
                    !filled
                        .iter()
                        .any(|(r, h, owner)| owner != k && r.intersects(&ip) && h.intersects(&ip))
                })
            })
            .map(|(_, p)| p)
            .collect();
    }
    MultiPolygon::new(parts).orient(Direction::Default)
}

/// Whether `part` holds a whole member parcel (one of its polygons, by interior point).
fn contains_a_member(part: &Polygon<f64>, members: &[&MultiPolygon<f64>]) -> bool {
    let Some(bb) = part.bounding_rect() else {
        return false;
    };
    members.iter().flat_map(|m| m.0.iter()).any(|mp| {
        mp.bounding_rect().is_some_and(|r| r.intersects(&bb))
            && mp
                .interior_point()
                .is_some_and(|ip: Point<f64>| part.intersects(&ip))
    })
}

/// Unsigned area of a closed ring (shoelace, sequential).
fn ring_area(ring: &LineString<f64>) -> f64 {
    let c = &ring.0;
    if c.len() < 4 {
        return 0.0;
    }
    let o = c[0];
    let mut s = 0.0;
    for w in c.windows(2) {
        let (a, b): (Coord<f64>, Coord<f64>) = (w[0] - o, w[1] - o);
        s += a.x * b.y - b.x * a.y;
    }
    (s / 2.0).abs()
}

/// Length of a ring or line (sequential sum).
fn ring_length(ring: &LineString<f64>) -> f64 {
    ring.0
        .windows(2)
        .map(|w| (w[1].x - w[0].x).hypot(w[1].y - w[0].y))
        .fold(0.0, |acc, l| acc + l)
}

/// Polsby–Popper compactness 4πA/P² (1 for a disc, → 0 for a snake); 0 for empty.
///
/// A is the total area, P the total boundary length (exterior and interior rings of all
/// parts).
pub fn polsby_popper(shape: &MultiPolygon<f64>) -> f64 {
    let area = shape.unsigned_area();
    let perim = shape
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(ring_length)
        .fold(0.0, |acc, l| acc + l);
    if !(area > 0.0 && perim > 0.0) {
        return 0.0;
    }
    (4.0 * std::f64::consts::PI * area / (perim * perim)).min(1.0)
}

#[cfg(test)]
mod tests;
