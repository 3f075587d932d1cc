//! The neighbour search: candidates from R-trees of envelopes, then the exact
//! polygon-to-polygon distance on the edges near the other parcel (module docs of
//! [`super`]).

use super::barriers::BarrierIndex;
use super::csr::Graph;
use super::CONTACT_EPS;
use crate::model::Metres;
use crate::spatial::planar::{
    dot, grow, line_dist2, line_rect, locate, rect_covers, rect_dist2, rect_union, rects_meet,
    seg_closest, seg_dist2, Location,
};
use crate::spatial::{build_trees, Entry};
use geo::{BoundingRect, Coord, Geometry, Line, MultiPolygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Parcels per parallel work unit (results do not depend on it).
const CHUNK: usize = 512;

/// Fewest parcels per R-tree when the index is built as several trees in parallel.
const MIN_PER_TREE: usize = if cfg!(test) { 64 } else { 1 << 16 };

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
    let [graph] = neighbour_graphs(parcels, &[*opts]);
    graph
}

/// The neighbour graphs of `parcels` under each of `opts`, from one search: each equals
/// [`neighbour_graph`] under its options. The envelopes, their R-trees and the
/// candidates (found within the largest gap) are shared; the exact distance test runs
/// from the smallest gap up and stops at the first gap it passes (within a smaller gap
/// is within every larger one).
///
/// # Panics
/// As [`neighbour_graph`], for any of `opts`.
pub fn neighbour_graphs<const N: usize>(
    parcels: &[&MultiPolygon<f64>],
    opts: &[NeighbourOptions; N],
) -> [Graph; N] {
    let n = parcels.len();
    assert!(
        u32::try_from(n).is_ok(),
        "neighbour_graph: too many parcels"
    );
    for o in opts {
        assert!(
            o.towns.is_empty() || o.towns.len() == n,
            "neighbour_graph: towns must be parallel to parcels"
        );
    }
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
    // Options sharing their barriers (the same slice) share its index.
    let mut indexes: Vec<(&[Geometry<f64>], BarrierIndex)> = Vec::new();
    let mut index_of = Vec::with_capacity(opts.len());
    for o in opts {
        let same = |b: &[Geometry<f64>]| std::ptr::eq(b, o.barriers);
        match indexes.iter().position(|(b, _)| same(b)) {
            Some(k) => index_of.push(k),
            None => {
                index_of.push(indexes.len());
                indexes.push((o.barriers, BarrierIndex::new(o.barriers)));
            }
        }
    }
    let mut by_gap: Vec<usize> = (0..opts.len()).collect();
    by_gap.sort_by(|&a, &b| opts[a].gap.get().total_cmp(&opts[b].gap.get()));
    let ctx = Ctx {
        parcels,
        envs: &envs,
        graphs: opts
            .iter()
            .zip(&index_of)
            .map(|(o, &k)| Spec {
                towns: o.towns,
                gap: o.gap.get(),
                barriers: &indexes[k].1,
            })
            .collect(),
        by_gap,
    };

    let chunks: Vec<Vec<Vec<(u32, u32)>>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map_init(Scratch::default, |s, c| {
            let mut out = vec![Vec::new(); opts.len()];
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                ctx.neighbours_above(i, &trees, s, &mut out);
            }
            out
        })
        .collect();
    std::array::from_fn(|k| {
        let pairs: Vec<(u32, u32)> = chunks.iter().flat_map(|c| c[k].iter().copied()).collect();
        Graph::from_sorted_pairs(n, &pairs)
    })
}

struct Ctx<'a> {
    parcels: &'a [&'a MultiPolygon<f64>],
    envs: &'a [Option<Rect<f64>>],
    graphs: Vec<Spec<'a>>,
    /// The graphs' indexes by ascending gap.
    by_gap: Vec<usize>,
}

/// One graph's rule: same town, within `gap`, no barrier between.
struct Spec<'a> {
    towns: &'a [u32],
    gap: f64,
    barriers: &'a BarrierIndex,
}

/// Per-thread buffers, reused across parcels.
#[derive(Default)]
pub(super) struct Scratch {
    candidates: Vec<u32>,
    ea: Vec<Line<f64>>,
    eb: Vec<Line<f64>>,
    ts: Vec<f64>,
}

impl Ctx<'_> {
    /// Appends `(i, j)` to `out[k]` for every neighbour `j > i` of `i` in graph `k`,
    /// ascending.
    fn neighbours_above(
        &self,
        i: usize,
        trees: &[RTree<Entry>],
        s: &mut Scratch,
        out: &mut [Vec<(u32, u32)>],
    ) {
        let Some(ea) = self.envs[i] else { return };
        let Some(g) = self.by_gap.last().map(|&k| self.graphs[k].gap) else {
            return;
        };
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
            let Some(eb) = self.envs[j] else { continue };
            let d2 = rect_dist2(ea, eb);
            let (a, b) = (self.parcels[i], self.parcels[j]);
            // The exact test's answers so far: within at this gap (and every larger one),
            // not within at that gap (and every smaller one).
            let mut within_at: Option<f64> = None;
            let mut apart_at: Option<f64> = None;
            for &k in &self.by_gap {
                let spec = &self.graphs[k];
                if !spec.towns.is_empty() && spec.towns[i] != spec.towns[j] {
                    continue;
                }
                let g = spec.gap;
                if d2 > g * g {
                    continue;
                }
                let near = if within_at.is_some_and(|w| w <= g) {
                    true
                } else if apart_at.is_some_and(|w| w >= g) {
                    false
                } else if within(a, ea, b, eb, g, s) {
                    within_at = Some(g);
                    true
                } else {
                    apart_at = Some(g);
                    false
                };
                if !near {
                    continue;
                }
                if !spec.barriers.is_empty() && spec.separated(a, ea, b, eb, s) {
                    continue;
                }
                out[k].push((i as u32, j as u32));
            }
        }
        s.candidates = candidates;
    }
}

impl Spec<'_> {
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
pub(super) fn within(
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
pub(super) fn contact_piece(la: Line<f64>, lb: Line<f64>) -> Option<Coord<f64>> {
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
