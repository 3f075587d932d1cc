//! Geometry checks and the `--invalid` policy.
//!
//! `repair` fixes only what has one reading: rings collapsed to fewer than three
//! distinct points (no area, so dropping them changes nothing), and self-intersections
//! whose valid form keeps the polygon's area (within [`AREA_TOLERANCE`]) — a spike or
//! a loop digitised twice. A bow-tie has two readings (two triangles, or nothing: its
//! signed area cancels), so it is rejected, never guessed.

use crate::model::Choice;
use geo::{Area, Geometry, MakeValid, MultiPolygon, Polygon, Validation};

/// What to do with invalid geometry (`--invalid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InvalidPolicy {
    /// Stop the run at the first invalid geometry (exit code 7).
    Stop,
    /// Reject every invalid geometry, repair nothing.
    Skip,
    /// Repair what is unambiguous, reject the rest (default).
    Repair,
}

impl Choice for InvalidPolicy {
    const ALL: &'static [Self] = &[
        InvalidPolicy::Stop,
        InvalidPolicy::Skip,
        InvalidPolicy::Repair,
    ];

    fn name(self) -> &'static str {
        match self {
            InvalidPolicy::Stop => "stop",
            InvalidPolicy::Skip => "skip",
            InvalidPolicy::Repair => "repair",
        }
    }
}

/// Largest relative change of area a self-intersection repair may make.
pub const AREA_TOLERANCE: f64 = 0.01;

/// The verdict on one feature's geometry.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// Valid, possibly after repair; `repaired` says what was done (empty: nothing).
    Valid {
        geometry: MultiPolygon<f64>,
        repaired: String,
    },
    /// Not usable; `reason` is machine-readable, `detail` says why.
    Invalid {
        reason: &'static str,
        detail: String,
    },
}

fn invalid(reason: &'static str, detail: impl Into<String>) -> Checked {
    Checked::Invalid {
        reason,
        detail: detail.into(),
    }
}

/// Checks one geometry under a policy. Under `stop` the caller stops at the first
/// `Invalid`; `skip` repairs nothing.
pub fn check(geometry: Option<&Geometry<f64>>, policy: InvalidPolicy) -> Checked {
    let mp = match geometry {
        None => return invalid("empty_geometry", "the record has no geometry"),
        Some(Geometry::Polygon(p)) => MultiPolygon(vec![p.clone()]),
        Some(Geometry::MultiPolygon(mp)) => mp.clone(),
        Some(Geometry::Rect(r)) => MultiPolygon(vec![r.to_polygon()]),
        Some(Geometry::Triangle(t)) => MultiPolygon(vec![t.to_polygon()]),
        Some(other) => return not_polygon(other),
    };
    check_polygons(mp, policy)
}

/// [`check`] of a geometry given up by its owner: a polygon's rings move into the
/// verdict instead of being copied, so a layer's geometry is not held twice.
pub fn check_owned(geometry: Option<Geometry<f64>>, policy: InvalidPolicy) -> Checked {
    let mp = match geometry {
        None => return invalid("empty_geometry", "the record has no geometry"),
        Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Some(Geometry::MultiPolygon(mp)) => mp,
        Some(Geometry::Rect(r)) => MultiPolygon(vec![r.to_polygon()]),
        Some(Geometry::Triangle(t)) => MultiPolygon(vec![t.to_polygon()]),
        Some(other) => return not_polygon(&other),
    };
    check_polygons(mp, policy)
}

fn not_polygon(other: &Geometry<f64>) -> Checked {
    invalid(
        "not_polygon",
        format!("geometry is a {}, not a polygon", type_name(other)),
    )
}

/// The checks of [`check`] once the geometry is a multipolygon.
fn check_polygons(mp: MultiPolygon<f64>, policy: InvalidPolicy) -> Checked {
    if mp.0.is_empty() || mp.0.iter().all(|p| p.exterior().0.is_empty()) {
        return invalid("empty_geometry", "the polygon has no coordinates");
    }
    if let Some(c) =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|r| r.0.iter())
            .find(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return invalid(
            "invalid_geometry",
            format!("non-finite coordinate ({}, {})", c.x, c.y),
        );
    }
    // Validity first: it is the common case, and counting collapsed rings allocates.
    // A ring of fewer than four coordinates (an empty one among them) has fewer than
    // three distinct points, though `geo` calls an empty polygon valid.
    let short_ring = rings_of(&mp).any(|r| r.0.len() < 4);
    let verdict = if !short_ring && is_valid(&mp) {
        Checked::Valid {
            geometry: mp,
            repaired: String::new(),
        }
    } else {
        let collapsed = count_collapsed(&mp);
        let problem = describe(&mp);
        if policy != InvalidPolicy::Repair {
            return invalid("invalid_geometry", problem);
        }
        repair(mp, collapsed, &problem)
    };
    // A polygon of no area has no land to judge.
    match verdict {
        Checked::Valid { ref geometry, .. } if geometry.unsigned_area() <= 0.0 => invalid(
            "zero_area",
            "the polygon encloses no area (all its points on one line)",
        ),
        other => other,
    }
}

/// Validity, in O(n log n) for large polygons ([`super::validity`]).
fn is_valid(mp: &MultiPolygon<f64>) -> bool {
    let vertices: usize = rings_of(mp).map(|r| r.0.len()).sum();
    if vertices > super::validity::LARGE && super::validity::proven_valid(mp) == Some(true) {
        return true;
    }
    mp.is_valid()
}

fn rings_of(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &geo::LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

fn repair(mp: MultiPolygon<f64>, collapsed: usize, problem: &str) -> Checked {
    let mut notes = Vec::new();
    let cleaned = drop_collapsed(mp);
    if cleaned.0.is_empty() {
        return invalid("invalid_geometry", problem.to_string());
    }
    if collapsed > 0 {
        notes.push(format!(
            "dropped {collapsed} ring(s) with fewer than 3 distinct points"
        ));
    }
    if cleaned.is_valid() {
        return Checked::Valid {
            geometry: cleaned,
            repaired: notes.join("; "),
        };
    }
    let before = ring_area(&cleaned);
    let fixed = match cleaned.make_valid() {
        Ok(f) if !f.0.is_empty() && f.is_valid() => f,
        _ => return invalid("invalid_geometry", problem.to_string()),
    };
    let after = fixed.unsigned_area();
    let change = if after > 0.0 {
        (after - before).abs() / after
    } else {
        f64::INFINITY
    };
    if change > AREA_TOLERANCE {
        return invalid(
            "invalid_geometry",
            format!(
                "{problem}; ambiguous: a repair would change the ring area from {before:.3} to {after:.3}"
            ),
        );
    }
    notes.push(format!(
        "self-intersection made valid (area change {:.4} %)",
        change * 100.0
    ));
    Checked::Valid {
        geometry: normalise(fixed),
        repaired: notes.join("; "),
    }
}

/// A repaired geometry in one canonical form, so that reruns give the same bytes
/// whatever order the repair produced: exteriors counter-clockwise and holes clockwise,
/// every ring starting at its lowest vertex (by x, then y), holes and parts ordered by
/// that vertex.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use landsift::ingest::geometry::normalise;
/// let a = MultiPolygon::new(vec![polygon![(x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0), (x: 1.0, y: 0.0)]]);
/// let b = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]]);
/// assert_eq!(normalise(a), normalise(b.clone()));
/// assert_eq!(normalise(b.clone()).0[0].exterior().0[0], geo::coord! { x: 0.0, y: 0.0 });
/// ```
pub fn normalise(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::orient::{Direction, Orient};
    let key = |c: &geo::Coord<f64>| (c.x, c.y);
    let lowest =
        |a: &geo::Coord<f64>, b: &geo::Coord<f64>| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y));
    let rotate = |ring: &geo::LineString<f64>| -> geo::LineString<f64> {
        let mut pts: Vec<geo::Coord<f64>> = ring.0.clone();
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if let Some(start) = pts
            .iter()
            .enumerate()
            .min_by(|a, b| lowest(a.1, b.1).then(a.0.cmp(&b.0)))
            .map(|(i, _)| i)
        {
            pts.rotate_left(start);
        }
        if let Some(&first) = pts.first() {
            pts.push(first);
        }
        geo::LineString::from(pts)
    };
    let first = |p: &Polygon<f64>| p.exterior().0.first().map(key).unwrap_or_default();
    let mut polys: Vec<Polygon<f64>> = mp
        .orient(Direction::Default)
        .0
        .into_iter()
        .map(|p| {
            let mut holes: Vec<geo::LineString<f64>> = p.interiors().iter().map(rotate).collect();
            holes.sort_by(|a, b| match (a.0.first(), b.0.first()) {
                (Some(x), Some(y)) => lowest(x, y),
                _ => std::cmp::Ordering::Equal,
            });
            Polygon::new(rotate(p.exterior()), holes)
        })
        .collect();
    polys.sort_by(|a, b| {
        let (x, y) = (first(a), first(b));
        x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1))
    });
    MultiPolygon(polys)
}

/// Area as the rings describe it: |exterior| − Σ|holes|, per part.
fn ring_area(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter()
        .map(|p| {
            p.exterior().signed_area_abs()
                - p.interiors()
                    .iter()
                    .map(|r| r.signed_area_abs())
                    .sum::<f64>()
        })
        .sum()
}

trait RingArea {
    fn signed_area_abs(&self) -> f64;
}

impl RingArea for geo::LineString<f64> {
    fn signed_area_abs(&self) -> f64 {
        Polygon::new(self.clone(), vec![]).signed_area().abs()
    }
}

fn distinct_points(ring: &geo::LineString<f64>) -> usize {
    let mut pts: Vec<(u64, u64)> = ring
        .0
        .iter()
        .map(|c| (c.x.to_bits(), c.y.to_bits()))
        .collect();
    pts.sort_unstable();
    pts.dedup();
    pts.len()
}

fn count_collapsed(mp: &MultiPolygon<f64>) -> usize {
    mp.0.iter()
        .map(|p| {
            usize::from(distinct_points(p.exterior()) < 3)
                + p.interiors()
                    .iter()
                    .filter(|r| distinct_points(r) < 3)
                    .count()
        })
        .sum()
}

fn drop_collapsed(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.into_iter()
            .filter(|p| distinct_points(p.exterior()) >= 3)
            .map(|p| {
                let (ext, holes) = p.into_inner();
                let holes = holes
                    .into_iter()
                    .filter(|r| distinct_points(r) >= 3)
                    .collect();
                Polygon::new(ext, holes)
            })
            .collect(),
    )
}

/// A short human-readable account of what is wrong.
fn describe(mp: &MultiPolygon<f64>) -> String {
    let mut out: Vec<String> = Vec::new();
    for (i, p) in mp.0.iter().enumerate() {
        let n = distinct_points(p.exterior());
        if n < 3 {
            out.push(format!(
                "part {i}: exterior ring with {n} distinct point(s)"
            ));
        }
        for (j, r) in p.interiors().iter().enumerate() {
            let n = distinct_points(r);
            if n < 3 {
                out.push(format!("part {i}: hole {j} with {n} distinct point(s)"));
            }
        }
    }
    if out.is_empty() {
        out = mp
            .validation_errors()
            .iter()
            .take(3)
            .map(|e| e.to_string())
            .collect();
    }
    if out.is_empty() {
        "invalid geometry".into()
    } else {
        out.join("; ")
    }
}

pub fn type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => "Polygon",
        Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, wkt};

    fn square() -> Polygon<f64> {
        polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: 10.)]
    }

    #[test]
    fn valid_polygon_passes_untouched() {
        let g = Geometry::Polygon(square());
        match check(Some(&g), InvalidPolicy::Repair) {
            Checked::Valid { geometry, repaired } => {
                assert_eq!(geometry.unsigned_area(), 100.0);
                assert!(repaired.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bowtie_is_rejected_under_every_policy() {
        let g = Geometry::Polygon(wkt!(POLYGON((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.))));
        for policy in [
            InvalidPolicy::Repair,
            InvalidPolicy::Skip,
            InvalidPolicy::Stop,
        ] {
            match check(Some(&g), policy) {
                Checked::Invalid { reason, detail } => {
                    assert_eq!(reason, "invalid_geometry");
                    assert!(!detail.is_empty());
                }
                other => panic!("{policy:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn collapsed_hole_is_dropped_under_repair_rejected_under_skip() {
        let p = Polygon::new(
            square().exterior().clone(),
            vec![geo::LineString::from(vec![(2., 2.), (3., 3.), (2., 2.)])],
        );
        let g = Geometry::Polygon(p);
        match check(Some(&g), InvalidPolicy::Repair) {
            Checked::Valid { geometry, repaired } => {
                assert_eq!(geometry.unsigned_area(), 100.0);
                assert!(repaired.contains("fewer than 3"), "{repaired}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check(Some(&g), InvalidPolicy::Skip),
            Checked::Invalid { .. }
        ));
    }

    #[test]
    fn two_point_exterior_is_rejected() {
        let g = Geometry::Polygon(Polygon::new(
            geo::LineString::from(vec![(0., 0.), (5., 5.), (0., 0.)]),
            vec![],
        ));
        match check(Some(&g), InvalidPolicy::Repair) {
            Checked::Invalid { reason, detail } => {
                assert_eq!(reason, "invalid_geometry");
                assert!(detail.contains("2 distinct"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn small_spike_self_intersection_is_repaired() {
        // A square whose top edge makes a tiny loop: the ring crosses itself but the
        // area it encloses is clear.
        let g = Geometry::Polygon(
            wkt!(POLYGON((0. 0., 100. 0., 100. 100., 50. 100., 50.5 100.5, 50.5 99.5, 50. 100., 0. 100., 0. 0.))),
        );
        match check(Some(&g), InvalidPolicy::Skip) {
            Checked::Invalid { .. } => {}
            other => panic!("skip must not repair: {other:?}"),
        }
        match check(Some(&g), InvalidPolicy::Repair) {
            Checked::Valid { geometry, repaired } => {
                assert!(geometry.is_valid());
                assert!((geometry.unsigned_area() - 10_000.0).abs() < 100.0);
                assert!(repaired.contains("self-intersection"), "{repaired}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_and_non_polygons_are_rejected() {
        assert!(matches!(
            check(None, InvalidPolicy::Repair),
            Checked::Invalid {
                reason: "empty_geometry",
                ..
            }
        ));
        let line = Geometry::LineString(geo::LineString::from(vec![(0., 0.), (1., 1.)]));
        assert!(matches!(
            check(Some(&line), InvalidPolicy::Repair),
            Checked::Invalid {
                reason: "not_polygon",
                ..
            }
        ));
    }
}
