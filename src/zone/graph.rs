//! The neighbour graph of parcels: two parcels are neighbours when the distance between
//! their polygons is at most the road-gap tolerance (`SPEC.md` §4: local roads are crossed,
//! arterials are not), when they lie in the same town, and when no hard barrier (arterial
//! road, river, railway) separates them.
//!
//! # How
//!
//! Parcel envelopes go into `rstar` R-trees (a few trees over spatial halves, bulk-loaded in
//! parallel, as in [`crate::measure`]). Each parcel, in parallel, queries them with its
//! envelope grown by the gap and keeps the candidates of higher index in the same town whose
//! envelopes are within the gap (Euclidean envelope distance). The exact test then looks
//! only at the edges of either parcel whose bounding box comes within the gap of the other
//! parcel's envelope: some pair of such edges within the gap (segment-to-segment distance,
//! 0 when they meet: exact orientation predicates) makes them neighbours; failing that, one
//! parcel lying inside the other (overlapping data) does too. This is the polygon-to-polygon
//! distance ≤ gap, computed without building anything per pair. The edges are then sorted,
//! so the graph is the same whatever the number of threads.
//!
//! # Barriers
//!
//! Barrier lines (and polygon rings) are indexed edge by edge in their own R-tree, barrier
//! polygons also by envelope. Let `d` be the distance between neighbours `a` and `b`:
//!
//! - **apart** (`d` > [`CONTACT_EPS`]): the connecting segment `s` joins their two closest
//!   points (chosen deterministically among equal ones). The edge is cut when `s` comes
//!   within [`CONTACT_EPS`] of a barrier line (endpoints included: a railway digitised
//!   along `a`'s boundary separates `a` from what lies across it), or when some part of `s`
//!   runs through the interior of a barrier polygon (a river or road area in the gap; a
//!   segment merely running along the polygon's edge, as between two corner parcels beside
//!   an arterial, does not cut).
//! - **touching** (`d` ≤ [`CONTACT_EPS`]): the connecting segment has no length, so the
//!   contact itself is tested. Their contact is split into pieces — each stretch of shared
//!   boundary (its midpoint) and each point contact — and the edge is cut when **every**
//!   piece is blocked: within [`CONTACT_EPS`] of a barrier line (a line running along the
//!   shared edge), or strictly inside a barrier polygon. A line covering only part of the
//!   shared edge leaves them connected through the rest; a line crossing the shared edge
//!   transversally runs through both parcels and does not, by itself, separate them.
//!
//! A parcel that a barrier runs through lies on both sides of it, and its edges to either
//! side stay: the graph may join the two sides through such a parcel (a railway drawn
//! across a parcel), never through an edge that crosses the barrier.
//!
//! Barrier points are ignored; a geometry collection counts as its members.

use crate::model::Metres;
use crate::spatial::planar::{
    crosses_ray, dot, grow, line_dist2, line_rect, locate, rect_covers, rect_dist2, rect_union,
    rects_meet, seg_closest, seg_dist2, seg_point_dist2, Location,
};
use geo::algorithm::line_intersection::{line_intersection, LineIntersection};
use geo::{BoundingRect, Coord, Geometry, Line, LineString, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Distance (metres) under which two parcels touch, and a point lies on a barrier.
pub const CONTACT_EPS: f64 = 1e-3;

/// Parcels per parallel work unit (results do not depend on it).
const CHUNK: usize = 512;

/// Fewest parcels per R-tree when the index is built as several trees in parallel.
const MIN_PER_TREE: usize = if cfg!(test) { 64 } else { 1 << 16 };

use crate::spatial::{build_trees, Entry};

/// Symmetric neighbour graph in CSR form: the neighbours of `i` are
/// `targets[offsets[i]..offsets[i + 1]]`, ascending, with no self loops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub offsets: Vec<usize>,
    pub targets: Vec<u32>,
}

impl Graph {
    /// Neighbours of node `i`, ascending.
    pub fn neighbours(&self, i: usize) -> &[u32] {
        &self.targets[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of (undirected) edges.
    pub fn edges(&self) -> usize {
        self.targets.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Builds the graph from undirected pairs `(i, j)`, `i < j`, sorted and without
    /// duplicates, over `n` nodes.
    fn from_sorted_pairs(n: usize, pairs: &[(u32, u32)]) -> Graph {
        let mut offsets = vec![0usize; n + 1];
        for &(i, j) in pairs {
            offsets[i as usize + 1] += 1;
            offsets[j as usize + 1] += 1;
        }
        for k in 0..n {
            offsets[k + 1] += offsets[k];
        }
        let mut cursor = offsets.clone();
        let mut targets = vec![0u32; pairs.len() * 2];
        // In lexicographic order, every (k, i) with k < i comes before every (i, j): each
        // list fills in ascending order.
        for &(i, j) in pairs {
            targets[cursor[i as usize]] = j;
            cursor[i as usize] += 1;
            targets[cursor[j as usize]] = i;
            cursor[j as usize] += 1;
        }
        Graph { offsets, targets }
    }
}

/// Options of [`neighbour_graph`].
#[derive(Debug, Clone, Copy)]
pub struct NeighbourOptions<'a> {
    /// Road-gap tolerance (default: [`ZoneOptions`](crate::zone::ZoneOptions)'s): parcels
    /// within this distance are neighbours.
    pub gap: Metres,
    /// Hard barriers (arterial roads, rivers, railways) as lines or polygons in the working
    /// CRS: no edge crosses one (see the module docs for the exact rule).
    pub barriers: &'a [Geometry<f64>],
    /// Town of each parcel (index into the run's town list); edges only join parcels of the
    /// same town. Empty: one town.
    pub towns: &'a [u32],
}

impl Default for NeighbourOptions<'_> {
    fn default() -> Self {
        NeighbourOptions {
            gap: crate::zone::ZoneOptions::default().gap,
            barriers: &[],
            towns: &[],
        }
    }
}

/// The neighbour graph of `parcels`. See the module docs.
///
/// # Panics
/// When `opts.towns` is neither empty nor parallel to `parcels`, or with more than
/// `u32::MAX` parcels.
pub fn neighbour_graph(parcels: &[&MultiPolygon<f64>], opts: &NeighbourOptions) -> Graph {
    let n = parcels.len();
    assert!(
        u32::try_from(n).is_ok(),
        "neighbour_graph: too many parcels"
    );
    assert!(
        opts.towns.is_empty() || opts.towns.len() == n,
        "neighbour_graph: towns must be parallel to parcels"
    );
    let gap = opts.gap.get();
    let envs: Vec<Option<Rect<f64>>> = parcels.par_iter().map(|p| p.bounding_rect()).collect();
    let entries: Vec<Entry> = envs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let r = r.as_ref()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i as u32,
            ))
        })
        .collect();
    let parts = rayon::current_num_threads().min(entries.len() / MIN_PER_TREE);
    let trees = build_trees(entries, parts);
    let barriers = BarrierIndex::new(opts.barriers);
    let ctx = Ctx {
        parcels,
        envs: &envs,
        towns: opts.towns,
        gap,
        barriers: &barriers,
    };

    let chunks: Vec<Vec<(u32, u32)>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map_init(Scratch::default, |s, c| {
            let mut out = Vec::new();
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                ctx.neighbours_above(i, &trees, s, &mut out);
            }
            out
        })
        .collect();
    let pairs: Vec<(u32, u32)> = chunks.concat();
    Graph::from_sorted_pairs(n, &pairs)
}

/// Connected components of the subgraph induced by `include` (parallel to the nodes):
/// each component sorted ascending, components ordered by their smallest member.
///
/// # Panics
/// When `include` is not parallel to the graph's nodes.
pub fn components(graph: &Graph, include: &[bool]) -> Vec<Vec<u32>> {
    assert_eq!(
        include.len(),
        graph.len(),
        "components: include must be parallel to the nodes"
    );
    let mut seen = vec![false; graph.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..graph.len() {
        if !include[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start as u32);
        let mut comp = Vec::new();
        while let Some(v) = stack.pop() {
            comp.push(v);
            for &w in graph.neighbours(v as usize) {
                if include[w as usize] && !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push(w);
                }
            }
        }
        comp.sort_unstable();
        out.push(comp);
    }
    out
}

struct Ctx<'a> {
    parcels: &'a [&'a MultiPolygon<f64>],
    envs: &'a [Option<Rect<f64>>],
    towns: &'a [u32],
    gap: f64,
    barriers: &'a BarrierIndex,
}

/// Per-thread buffers, reused across parcels.
#[derive(Default)]
struct Scratch {
    candidates: Vec<u32>,
    ea: Vec<Line<f64>>,
    eb: Vec<Line<f64>>,
    ts: Vec<f64>,
}

impl Ctx<'_> {
    /// Appends `(i, j)` for every neighbour `j > i` of `i`, ascending.
    fn neighbours_above(
        &self,
        i: usize,
        trees: &[RTree<Entry>],
        s: &mut Scratch,
        out: &mut Vec<(u32, u32)>,
    ) {
        let Some(ea) = self.envs[i] else { return };
        let g = self.gap;
        let query = AABB::from_corners(
            [ea.min().x - g, ea.min().y - g],
            [ea.max().x + g, ea.max().y + g],
        );
        s.candidates.clear();
        for tree in trees {
            s.candidates.extend(
                tree.locate_in_envelope_intersecting(&query)
                    .map(|e| e.data)
                    .filter(|&j| j as usize > i),
            );
        }
        s.candidates.sort_unstable();
        let candidates = std::mem::take(&mut s.candidates);
        for &j in &candidates {
            let j = j as usize;
            if !self.towns.is_empty() && self.towns[i] != self.towns[j] {
                continue;
            }
            let Some(eb) = self.envs[j] else { continue };
            if rect_dist2(ea, eb) > g * g {
                continue;
            }
            let (a, b) = (self.parcels[i], self.parcels[j]);
            if !within(a, ea, b, eb, g, s) {
                continue;
            }
            if !self.barriers.is_empty() && self.separated(a, ea, b, eb, s) {
                continue;
            }
            out.push((i as u32, j as u32));
        }
        s.candidates = candidates;
    }

    /// Whether a barrier separates neighbours `a` and `b` (module docs).
    fn separated(
        &self,
        a: &MultiPolygon<f64>,
        ea: Rect<f64>,
        b: &MultiPolygon<f64>,
        eb: Rect<f64>,
        s: &mut Scratch,
    ) -> bool {
        let joint = grow(rect_union(ea, eb), CONTACT_EPS);
        if !self.barriers.any_in(&joint) {
            return false;
        }
        // Edges near the other parcel: those within the gap hold the closest points.
        let g = self.gap + CONTACT_EPS;
        collect_edges(a, grow(eb, g), &mut s.ea);
        collect_edges(b, grow(ea, g), &mut s.eb);
        let mut best: Option<(f64, Coord<f64>, Coord<f64>)> = None;
        for la in &s.ea {
            for lb in &s.eb {
                let (d2, p, q) = seg_closest(*la, *lb);
                if best.is_none_or(|(bd, _, _)| d2 < bd) {
                    best = Some((d2, p, q));
                }
            }
        }
        let inner = contained_vertex(a, ea, b, eb);
        match best {
            Some((d2, p, q)) if d2 > CONTACT_EPS * CONTACT_EPS && inner.is_none() => {
                self.barriers.blocks_segment(p, q, &mut s.ts)
            }
            _ => {
                // Touching (or overlapping): every piece of the contact must be blocked.
                let mut any = false;
                for la in &s.ea {
                    for lb in &s.eb {
                        if let Some(m) = contact_piece(*la, *lb) {
                            any = true;
                            if !self.barriers.blocks_point(m) {
                                return false;
                            }
                        }
                    }
                }
                if let Some(v) = inner {
                    any = true;
                    if !self.barriers.blocks_point(v) {
                        return false;
                    }
                }
                any
            }
        }
    }
}

/// Whether the polygons `a` and `b` (with envelopes `ea`, `eb`) are within `gap`.
fn within(
    a: &MultiPolygon<f64>,
    ea: Rect<f64>,
    b: &MultiPolygon<f64>,
    eb: Rect<f64>,
    gap: f64,
    s: &mut Scratch,
) -> bool {
    collect_edges(a, grow(eb, gap), &mut s.ea);
    collect_edges(b, grow(ea, gap), &mut s.eb);
    let g2 = gap * gap;
    for la in &s.ea {
        let ra = line_rect(*la);
        for lb in &s.eb {
            if rect_dist2(ra, line_rect(*lb)) > g2 {
                continue;
            }
            if seg_dist2(*la, *lb) <= g2 {
                return true;
            }
        }
    }
    contained_vertex(a, ea, b, eb).is_some()
}

/// A vertex of one polygon strictly inside the other (only possible for overlapping
/// parcels whose boundaries do not meet, e.g. one inside the other).
fn contained_vertex(
    a: &MultiPolygon<f64>,
    ea: Rect<f64>,
    b: &MultiPolygon<f64>,
    eb: Rect<f64>,
) -> Option<Coord<f64>> {
    let inside_of = |outer: &MultiPolygon<f64>, inner: &MultiPolygon<f64>| {
        let v = inner.0.first()?.exterior().0.first().copied()?;
        (locate(outer, v) == Location::Inside).then_some(v)
    };
    if rect_covers(eb, ea) {
        if let Some(v) = inside_of(b, a) {
            return Some(v);
        }
    }
    if rect_covers(ea, eb) {
        return inside_of(a, b);
    }
    None
}

/// Edges of every ring of `mp` whose bounding box meets `r`.
fn collect_edges(mp: &MultiPolygon<f64>, r: Rect<f64>, out: &mut Vec<Line<f64>>) {
    out.clear();
    for poly in &mp.0 {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            out.extend(ring.lines().filter(|l| rects_meet(line_rect(*l), r)));
        }
    }
}

/// The midpoint of the contact between edges `la` and `lb`, if they touch: the middle of
/// their shared stretch when collinear, else their meeting point.
fn contact_piece(la: Line<f64>, lb: Line<f64>) -> Option<Coord<f64>> {
    let (d2, p, _) = seg_closest(la, lb);
    if d2 > CONTACT_EPS * CONTACT_EPS {
        return None;
    }
    let e2 = CONTACT_EPS * CONTACT_EPS;
    let d = la.end - la.start;
    let l2 = dot(d, d);
    if l2 > e2 && line_dist2(lb.start, la) <= e2 && line_dist2(lb.end, la) <= e2 {
        let t0 = dot(lb.start - la.start, d) / l2;
        let t1 = dot(lb.end - la.start, d) / l2;
        let lo = t0.min(t1).max(0.0);
        let hi = t0.max(t1).min(1.0);
        if (hi - lo) * l2.sqrt() > CONTACT_EPS {
            let t = (lo + hi) / 2.0;
            return Some(la.start + d * t);
        }
    }
    Some(p)
}

// ---------------------------------------------------------------------------------------
// Barriers

type BarrierEdge = GeomWithData<rstar::primitives::Line<[f64; 2]>, (u32, bool)>;

/// Barrier edges (of lines and of polygon rings, with the id of their polygon) and barrier
/// polygons by envelope, each in an R-tree.
struct BarrierIndex {
    edges: RTree<BarrierEdge>,
    polygons: RTree<Entry>,
}

impl BarrierIndex {
    fn new(barriers: &[Geometry<f64>]) -> Self {
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

    fn is_empty(&self) -> bool {
        self.edges.size() == 0
    }

    fn any_in(&self, r: &Rect<f64>) -> bool {
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
    fn blocks_point(&self, m: Coord<f64>) -> bool {
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
    fn blocks_segment(&self, p: Coord<f64>, q: Coord<f64>, ts: &mut Vec<f64>) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn sq(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y),
            (x: x + size, y: y),
            (x: x + size, y: y + size),
            (x: x, y: y + size)
        ]])
    }

    fn graph(ps: &[MultiPolygon<f64>], opts: &NeighbourOptions) -> Graph {
        let refs: Vec<&MultiPolygon<f64>> = ps.iter().collect();
        neighbour_graph(&refs, opts)
    }

    fn line(pts: &[(f64, f64)]) -> Geometry<f64> {
        Geometry::LineString(LineString::from(pts.to_vec()))
    }

    fn nb(g: &Graph, i: usize) -> Vec<u32> {
        g.neighbours(i).to_vec()
    }

    #[test]
    fn touching_and_gaps() {
        // 0 and 1 touch; 2 is 20 m east of 1; 3 is 40 m east of 2; 4 touches 0 at a corner.
        let ps = vec![
            sq(0.0, 0.0, 100.0),
            sq(100.0, 0.0, 100.0),
            sq(220.0, 0.0, 100.0),
            sq(360.0, 0.0, 100.0),
            sq(-50.0, -50.0, 50.0),
        ];
        let g = graph(&ps, &NeighbourOptions::default());
        assert_eq!(g.len(), 5);
        assert_eq!(nb(&g, 0), vec![1, 4]);
        assert_eq!(nb(&g, 1), vec![0, 2]);
        assert_eq!(nb(&g, 2), vec![1]);
        assert!(nb(&g, 3).is_empty());
        assert_eq!(nb(&g, 4), vec![0]);
        assert_eq!(g.edges(), 3);
        // Exactly at the tolerance counts; a larger gap joins 3.
        let g = graph(
            &ps,
            &NeighbourOptions {
                gap: Metres::new(40.0).unwrap(),
                ..Default::default()
            },
        );
        assert_eq!(nb(&g, 3), vec![2]);
        let g = graph(
            &ps,
            &NeighbourOptions {
                gap: Metres::new(19.999).unwrap(),
                ..Default::default()
            },
        );
        assert!(nb(&g, 2).is_empty());
    }

    #[test]
    fn diagonal_gap_is_euclidean() {
        // Corners 25 m apart in x and y: 35.4 m, beyond 30 although each axis is within.
        let ps = vec![sq(0.0, 0.0, 100.0), sq(125.0, 125.0, 100.0)];
        assert_eq!(graph(&ps, &NeighbourOptions::default()).edges(), 0);
        let ps = vec![sq(0.0, 0.0, 100.0), sq(120.0, 120.0, 100.0)];
        assert_eq!(graph(&ps, &NeighbourOptions::default()).edges(), 1);
    }

    #[test]
    fn towns_are_never_joined() {
        let ps = vec![
            sq(0.0, 0.0, 100.0),
            sq(100.0, 0.0, 100.0),
            sq(200.0, 0.0, 100.0),
        ];
        let towns = [0, 0, 1];
        let g = graph(
            &ps,
            &NeighbourOptions {
                towns: &towns,
                ..Default::default()
            },
        );
        assert_eq!(nb(&g, 1), vec![0]);
        assert!(nb(&g, 2).is_empty());
    }

    #[test]
    fn barrier_line_along_shared_edge_separates() {
        let ps = vec![sq(0.0, 0.0, 100.0), sq(100.0, 0.0, 100.0)];
        let full = [line(&[(100.0, -10.0), (100.0, 110.0)])];
        let g = graph(
            &ps,
            &NeighbourOptions {
                barriers: &full,
                ..Default::default()
            },
        );
        assert_eq!(g.edges(), 0);
        // Covering only part of the shared edge: still connected through the rest.
        let part = [line(&[(100.0, -10.0), (100.0, 60.0)])];
        let g = graph(
            &ps,
            &NeighbourOptions {
                barriers: &part,
                ..Default::default()
            },
        );
        assert_eq!(g.edges(), 1);
        // A line elsewhere changes nothing.
        let far = [line(&[(500.0, 0.0), (500.0, 100.0)])];
        let g = graph(
            &ps,
            &NeighbourOptions {
                barriers: &far,
                ..Default::default()
            },
        );
        assert_eq!(g.edges(), 1);
    }

    #[test]
    fn barrier_in_the_gap_separates() {
        // 20 m apart: a line down the middle of the road cuts; a polygon filling the road
        // cuts; a polygon beside the road that the connecting segment runs along does not.
        let ps = vec![sq(0.0, 0.0, 100.0), sq(120.0, 0.0, 100.0)];
        let mid = [line(&[(110.0, -50.0), (110.0, 150.0)])];
        let opts = |b| NeighbourOptions {
            barriers: b,
            ..Default::default()
        };
        assert_eq!(graph(&ps, &opts(&mid)).edges(), 0);
        let river = [Geometry::Polygon(polygon![
            (x: 105.0, y: -50.0), (x: 115.0, y: -50.0), (x: 115.0, y: 150.0), (x: 105.0, y: 150.0)
        ])];
        assert_eq!(graph(&ps, &opts(&river)).edges(), 0);
        // Corner parcels beside an arterial (south of y = 0): the closest segment runs
        // along the arterial's edge, not through it.
        let arterial = [Geometry::Polygon(polygon![
            (x: -100.0, y: -50.0), (x: 400.0, y: -50.0), (x: 400.0, y: 0.0), (x: -100.0, y: 0.0)
        ])];
        assert_eq!(graph(&ps, &opts(&arterial)).edges(), 1);
        // Touching parcels beside a river polygon they share edges with stay joined.
        let ps2 = vec![sq(0.0, 0.0, 100.0), sq(100.0, 0.0, 100.0)];
        assert_eq!(graph(&ps2, &opts(&arterial)).edges(), 1);
        // A polygon barrier over the shared edge separates touching parcels.
        let over = [Geometry::Polygon(polygon![
            (x: 95.0, y: -50.0), (x: 105.0, y: -50.0), (x: 105.0, y: 150.0), (x: 95.0, y: 150.0)
        ])];
        assert_eq!(graph(&ps2, &opts(&over)).edges(), 0);
    }

    #[test]
    fn holes_and_enclaves() {
        // A courtyard parcel with a hole, an enclave filling it, and a parcel in a hole
        // 40 m from its rim.
        let ring = |x0: f64, y0: f64, x1: f64, y1: f64| {
            LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
        };
        let court = MultiPolygon::new(vec![Polygon::new(
            ring(0.0, 0.0, 300.0, 300.0),
            vec![ring(100.0, 100.0, 200.0, 200.0)],
        )]);
        let enclave = sq(100.0, 100.0, 100.0);
        let big = MultiPolygon::new(vec![Polygon::new(
            ring(1000.0, 0.0, 1300.0, 300.0),
            vec![ring(1050.0, 50.0, 1250.0, 250.0)],
        )]);
        let lone = sq(1100.0, 100.0, 100.0); // 50 m from the hole's rim
        let ps = vec![court, enclave, big, lone];
        let g = graph(&ps, &NeighbourOptions::default());
        assert_eq!(nb(&g, 0), vec![1]);
        assert!(nb(&g, 2).is_empty());
        let g = graph(
            &ps,
            &NeighbourOptions {
                gap: Metres::new(50.0).unwrap(),
                ..Default::default()
            },
        );
        assert_eq!(nb(&g, 2), vec![3]);
    }

    #[test]
    fn components_are_sorted_and_ordered() {
        // A row of 6 touching squares; excluding 2 splits it.
        let ps: Vec<_> = (0..6).map(|i| sq(i as f64 * 100.0, 0.0, 100.0)).collect();
        let g = graph(&ps, &NeighbourOptions::default());
        let include = [true, true, false, true, true, true];
        assert_eq!(components(&g, &include), vec![vec![0, 1], vec![3, 4, 5]]);
        assert_eq!(components(&g, &[false; 6]), Vec::<Vec<u32>>::new());
        assert_eq!(components(&g, &[true; 6]), vec![vec![0, 1, 2, 3, 4, 5]]);
    }

    /// A jittered grid of squares with roads of varying width every few cells.
    fn grid(n: usize) -> Vec<MultiPolygon<f64>> {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut out = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let road = |k: usize| (k / 4) as f64 * 25.0 + (k / 9) as f64 * 20.0;
                let x = i as f64 * 80.0 + road(i);
                let y = j as f64 * 80.0 + road(j);
                let s = 80.0 - rnd() * 10.0;
                out.push(sq(x, y, s));
            }
        }
        out
    }

    #[test]
    fn one_thread_and_many_agree() {
        let ps = grid(30);
        let towns: Vec<u32> = (0..ps.len()).map(|i| (i / 450) as u32).collect();
        let barriers = [line(&[(0.0, 1234.5), (3000.0, 1300.0)])];
        let opts = NeighbourOptions {
            gap: Metres::new(30.0).unwrap(),
            barriers: &barriers,
            towns: &towns,
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| graph(&ps, &opts))
        };
        let one = run(1);
        let many = run(4);
        assert_eq!(one, many);
        // Symmetric, ascending, no self loops; and brute force agrees.
        for i in 0..one.len() {
            let n = one.neighbours(i);
            assert!(n.windows(2).all(|w| w[0] < w[1]));
            for &j in n {
                assert_ne!(j as usize, i);
                assert!(one.neighbours(j as usize).contains(&(i as u32)));
            }
        }
        let plain = graph(&ps, &NeighbourOptions::default());
        let mut s = Scratch::default();
        for i in 0..ps.len() {
            for j in i + 1..ps.len() {
                let (ea, eb) = (
                    ps[i].bounding_rect().unwrap(),
                    ps[j].bounding_rect().unwrap(),
                );
                let ours = plain.neighbours(i).contains(&(j as u32));
                if rect_dist2(ea, eb) > 3600.0 {
                    assert!(!ours);
                    continue;
                }
                use geo::{Distance, Euclidean};
                let d = Euclidean.distance(&ps[i], &ps[j]);
                assert_eq!(ours, d <= 30.0, "{i} {j} {d}");
                assert_eq!(ours, within(&ps[i], ea, &ps[j], eb, 30.0, &mut s));
            }
        }
        assert!(one.edges() < plain.edges());
    }

    #[test]
    fn segment_helpers() {
        let c = |x: f64, y: f64| Coord { x, y };
        let l = |a: Coord<f64>, b: Coord<f64>| Line::new(a, b);
        assert_eq!(
            seg_dist2(l(c(0., 0.), c(2., 2.)), l(c(0., 2.), c(2., 0.))),
            0.0
        );
        assert_eq!(
            seg_dist2(l(c(0., 0.), c(1., 0.)), l(c(0., 3.), c(1., 3.))),
            9.0
        );
        let (d, p, q) = seg_closest(l(c(0., 0.), c(10., 0.)), l(c(5., 2.), c(5., 8.)));
        assert_eq!((d, p, q), (4.0, c(5., 0.), c(5., 2.)));
        assert_eq!(
            contact_piece(l(c(0., 0.), c(10., 0.)), l(c(12., 0.), c(4., 0.))),
            Some(c(7.0, 0.0))
        );
    }
}
