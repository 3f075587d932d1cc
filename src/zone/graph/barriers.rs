//! The barrier index: barrier lines and polygon rings edge by edge, barrier polygons by
//! envelope, and the tests that decide whether a neighbour edge crosses a barrier
//! ("Barriers" in the docs of [`super`]).

use super::CONTACT_EPS;
use crate::spatial::planar::{crosses_ray, dot, grow, line_rect, seg_dist2, seg_point_dist2};
use crate::spatial::Entry;
use geo::algorithm::line_intersection::{line_intersection, LineIntersection};
use geo::{BoundingRect, Coord, Geometry, Line, LineString, Polygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

type BarrierEdge = GeomWithData<rstar::primitives::Line<[f64; 2]>, (u32, bool)>;

/// Barrier edges (of lines and of polygon rings, with the id of their polygon) and barrier
/// polygons by envelope, each in an R-tree.
pub(super) struct BarrierIndex {
    edges: RTree<BarrierEdge>,
    polygons: RTree<Entry>,
}

impl BarrierIndex {
    pub(super) fn new(barriers: &[Geometry<f64>]) -> Self {
        let mut lines: Vec<LineString<f64>> = Vec::new();
        let mut polys: Vec<Polygon<f64>> = Vec::new();
        for g in barriers {
            flatten(g, &mut lines, &mut polys);
        }
        let mut edges: Vec<BarrierEdge> = Vec::new();
        let edge = |l: Line<f64>, data: (u32, bool)| {
            GeomWithData::new(
                rstar::primitives::Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                data,
            )
        };
        for ls in &lines {
            if ls.0.len() == 1 {
                let c = ls.0[0];
                edges.push(edge(Line::new(c, c), (u32::MAX, false)));
            }
            edges.extend(ls.lines().map(|l| edge(l, (u32::MAX, false))));
        }
        let mut envs = Vec::new();
        for (k, p) in polys.iter().enumerate() {
            let Some(r) = p.bounding_rect() else { continue };
            envs.push(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                k as u32,
            ));
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                edges.extend(ring.lines().map(|l| edge(l, (k as u32, true))));
            }
        }
        BarrierIndex {
            edges: RTree::bulk_load(edges),
            polygons: RTree::bulk_load(envs),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.edges.size() == 0
    }

    pub(super) fn any_in(&self, r: &Rect<f64>) -> bool {
        let q = aabb(*r);
        self.edges
            .locate_in_envelope_intersecting(&q)
            .next()
            .is_some()
            || self
                .polygons
                .locate_in_envelope_intersecting(&q)
                .next()
                .is_some()
    }

    /// Whether point `m` is on a barrier line or strictly inside a barrier polygon.
    pub(super) fn blocks_point(&self, m: Coord<f64>) -> bool {
        let q = aabb(grow(Rect::new(m, m), CONTACT_EPS));
        let e2 = CONTACT_EPS * CONTACT_EPS;
        if self
            .edges
            .locate_in_envelope_intersecting(&q)
            .filter(|e| !e.data.1)
            .any(|e| seg_point_dist2(m, to_line(e)) <= e2)
        {
            return true;
        }
        let pq = AABB::from_point([m.x, m.y]);
        self.polygons
            .locate_in_envelope_intersecting(&pq)
            .any(|p| self.strictly_inside(p.data, m, p.geom().upper()[0]))
    }

    /// Whether segment `p`–`q` comes within [`CONTACT_EPS`] of a barrier line or runs
    /// through the interior of a barrier polygon.
    pub(super) fn blocks_segment(&self, p: Coord<f64>, q: Coord<f64>, ts: &mut Vec<f64>) -> bool {
        let seg = Line::new(p, q);
        let r = grow(line_rect(seg), CONTACT_EPS);
        let e2 = CONTACT_EPS * CONTACT_EPS;
        if self
            .edges
            .locate_in_envelope_intersecting(&aabb(r))
            .filter(|e| !e.data.1)
            .any(|e| seg_dist2(seg, to_line(e)) <= e2)
        {
            return true;
        }
        let d = q - p;
        let l2 = dot(d, d);
        for poly in self.polygons.locate_in_envelope_intersecting(&aabb(r)) {
            let id = poly.data;
            // Parameters along the segment where it meets the polygon's boundary: between
            // two of them, the segment is wholly inside or wholly outside.
            ts.clear();
            ts.extend([0.0, 1.0]);
            let param = |c: Coord<f64>| {
                if l2 > 0.0 {
                    (dot(c - p, d) / l2).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            };
            for e in self
                .edges
                .locate_in_envelope_intersecting(&aabb(r))
                .filter(|e| e.data == (id, true))
            {
                match line_intersection(seg, to_line(e)) {
                    Some(LineIntersection::SinglePoint { intersection, .. }) => {
                        ts.push(param(intersection))
                    }
                    Some(LineIntersection::Collinear { intersection }) => {
                        ts.push(param(intersection.start));
                        ts.push(param(intersection.end));
                    }
                    None => {}
                }
            }
            ts.sort_unstable_by(f64::total_cmp);
            let max_x = poly.geom().upper()[0];
            for w in ts.windows(2) {
                if (w[1] - w[0]) * l2.sqrt() <= CONTACT_EPS {
                    continue;
                }
                let m = p + d * ((w[0] + w[1]) / 2.0);
                if self.strictly_inside(id, m, max_x) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether `m` lies inside barrier polygon `id` (whose envelope ends at `max_x`), more
    /// than [`CONTACT_EPS`] from its boundary: crossing parity of a ray towards +x.
    fn strictly_inside(&self, id: u32, m: Coord<f64>, max_x: f64) -> bool {
        let near = aabb(grow(Rect::new(m, m), CONTACT_EPS));
        let e2 = CONTACT_EPS * CONTACT_EPS;
        if self
            .edges
            .locate_in_envelope_intersecting(&near)
            .filter(|e| e.data == (id, true))
            .any(|e| seg_point_dist2(m, to_line(e)) <= e2)
        {
            return false;
        }
        let ray = AABB::from_corners([m.x, m.y], [max_x.max(m.x), m.y]);
        let mut inside = false;
        for e in self
            .edges
            .locate_in_envelope_intersecting(&ray)
            .filter(|e| e.data == (id, true))
        {
            let l = to_line(e);
            if crosses_ray(l.start, l.end, m) {
                inside = !inside;
            }
        }
        inside
    }
}

fn flatten(g: &Geometry<f64>, lines: &mut Vec<LineString<f64>>, polys: &mut Vec<Polygon<f64>>) {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => {}
        Geometry::Line(l) => lines.push(LineString::from(vec![l.start, l.end])),
        Geometry::LineString(ls) => lines.push(ls.clone()),
        Geometry::MultiLineString(m) => lines.extend(m.0.iter().cloned()),
        Geometry::Polygon(p) => polys.push(p.clone()),
        Geometry::MultiPolygon(m) => polys.extend(m.0.iter().cloned()),
        Geometry::Rect(r) => polys.push(r.to_polygon()),
        Geometry::Triangle(t) => polys.push(t.to_polygon()),
        Geometry::GeometryCollection(c) => {
            for g in &c.0 {
                flatten(g, lines, polys);
            }
        }
    }
}

fn to_line(e: &BarrierEdge) -> Line<f64> {
    let (a, b) = (e.geom().from, e.geom().to);
    Line::new(Coord { x: a[0], y: a[1] }, Coord { x: b[0], y: b[1] })
}

fn aabb(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}
