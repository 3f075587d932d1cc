//! Measure: per-parcel building coverage (建筑密度 / 建筑系数) and floor-area ratio (容积率)
//! from building footprints, as `SPEC.md` §2 and `CRITERIA.md` define them:
//!
//! - coverage = Σ area(footprint ∩ parcel) ÷ parcel area;
//! - FAR = Σ area(footprint ∩ parcel) × floors ÷ parcel area, where, with
//!   [`MeasureOptions::double_tall_storeys`], a building whose storeys are taller than
//!   [`TALL_STOREY_M`] counts its floor area twice (see below).
//!
//! Both areas are planar, in the working CRS; the parcel area is [`Parcel::area_m2`].
//!
//! # How
//!
//! An R-tree (`rstar`) over the buildings' bounding rectangles is bulk-loaded once (as a
//! few trees over spatial halves, quarters… built in parallel, since bulk loading is
//! sequential and costs as much as all the queries together); each parcel (in parallel)
//! queries it with its own bounding rectangle and computes the exact
//! area of footprint ∩ parcel for every candidate. Boolean overlays (geo's
//! [`BooleanOps::intersection`]) are the costly part, so each pair first goes through an
//! exact, cheap classification that needs only robust orientation predicates:
//!
//! 1. one pass over the parcel's edges collects those whose bounding box meets the
//!    building's bounding rectangle R, and casts a ray from one building vertex q;
//! 2. no such edge: R (and so the building) does not meet the parcel boundary, so the
//!    building lies wholly inside (q inside: the intersection is the whole footprint) or
//!    wholly outside (area 0);
//! 3. else, if no building edge meets any collected parcel edge (closed segments, exact
//!    test, touching and collinear overlap included), every ring of either polygon lies
//!    wholly inside or outside the other, and one vertex per ring decides: building inside
//!    parcel, disjoint, or parcel inside building (area = parcel area);
//! 4. only when boundaries touch or cross (or rings mix) does the boolean overlay run.
//!
//! # Determinism
//!
//! Results are bit-identical whatever the number of threads: each parcel sums its
//! candidates in ascending building index (R-tree traversal order is never used), and the
//! per-building totals are reduced sequentially in parcel order.
//!
//! # The 8 m storey rule (an approximation)
//!
//! `CRITERIA.md`: "当建筑物层高超过8米,在计算容积率时该层建筑面积加倍计算" — a storey taller
//! than 8 m counts twice in (industrial) FAR. Footprint surveys carry a building height and
//! a floor count, not the height of each storey, so the rule is applied to the mean storey
//! height: when `height ÷ floors > 8 m`, all floors of that building count twice. A building
//! mixing one tall storey with normal ones is thus over- or under-counted; a single-storey
//! shed (the common industrial case) is exact. When floors were themselves derived from the
//! height (`height ÷ storey_height`, see [`crate::ingest::prepare_buildings`]), the mean
//! storey height is about `storey_height` and the rule never fires. The rule is off by
//! default; the caller decides for which land uses to apply it (e.g. industrial only) by
//! measuring those parcels with the option on.

use crate::model::{Building, Parcel};
use crate::spatial::planar::{crosses_ray, point_in_polygon, rings, segments_meet};
use geo::{Area, BooleanOps, BoundingRect, Coord, Line, MultiPolygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

/// Share of a building's footprint below which its intersection with a parcel is a mere
/// touch (a boundary sliver): such a pair adds its (tiny) area to the sums but does not
/// count in [`ParcelMeasure::n_bldg`], in `floors_missing`, or towards "split"; a building
/// with no share above it in any parcel is an orphan.
pub const MIN_SHARE: f64 = 1e-6;

/// Storey height (m) above which a storey counts twice in FAR (`CRITERIA.md`).
pub const TALL_STOREY_M: f64 = 8.0;

/// Parcels per parallel work unit (results do not depend on it).
const CHUNK: usize = 256;

/// Fewest buildings per R-tree when the index is built as several trees in parallel
/// (small in unit tests, so that they exercise the split index).
const MIN_PER_TREE: usize = if cfg!(test) { 256 } else { 1 << 16 };

use crate::spatial::{build_trees, Entry};

/// Options of the measure stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureOptions {
    /// Count the floor area of buildings whose mean storey height exceeds
    /// [`TALL_STOREY_M`] twice (the industrial FAR rule; see the module docs). Off by
    /// default; needs [`MeasureOptions::heights`], without which it changes nothing.
    pub double_tall_storeys: bool,
    /// Building heights in metres, parallel to the `buildings` slice (same length), used
    /// only by the 8 m rule; `None` entries are unknown heights (see
    /// [`Building::height_m`]).
    pub heights: Option<Vec<Option<f64>>>,
}

/// What one parcel measures.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ParcelMeasure {
    /// Σ area(footprint ∩ parcel), m².
    pub footprint_m2: f64,
    /// Σ area(footprint ∩ parcel) × floors (× 2 under the 8 m rule), m².
    pub floor_area_m2: f64,
    /// Floor-area ratio: floor area ÷ parcel area (0 for a parcel of no area).
    pub far: f64,
    /// Building coverage: footprint ÷ parcel area (0 for a parcel of no area).
    pub coverage: f64,
    /// Buildings with more than [`MIN_SHARE`] of their footprint in the parcel.
    pub n_bldg: u32,
    /// Of those, buildings with no floors: they count in coverage, not in FAR.
    pub floors_missing: u32,
}

impl ParcelMeasure {
    /// The measured FAR; `None` when a building on the parcel has neither floors nor a
    /// height: its floor area is unknown, so the parcel's FAR is too (never 0).
    pub fn far_known(&self) -> Option<f64> {
        (self.floors_missing == 0).then_some(self.far)
    }
}

/// The measure stage's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    /// One per parcel, in the order of the `parcels` slice.
    pub per_parcel: Vec<ParcelMeasure>,
    /// Buildings (indexes into `buildings`, ascending) with no share above
    /// [`MIN_SHARE`] in any parcel: in a road, a river, or outside the parcels layer.
    pub orphans: Vec<usize>,
    /// Buildings with a share above [`MIN_SHARE`] in two or more parcels.
    pub split: usize,
    /// Σ over buildings of the footprint area in no parcel, m² (orphans in full).
    pub unassigned_area_m2: f64,
    /// Per building: footprint area assigned to parcels (Σ over parcels), m². Above the
    /// footprint only where parcels overlap.
    pub assigned_m2: Vec<f64>,
    /// Per building: parcels holding more than [`MIN_SHARE`] of it.
    pub parcels_per_building: Vec<u32>,
    /// Buildings whose floor area was doubled by the 8 m rule.
    pub doubled: usize,
    /// (parcel, building) pairs that needed the boolean overlay (a cost figure).
    pub overlays: usize,
}

/// Measures every parcel against the buildings. See the module docs.
///
/// # Panics
/// When `opts.heights` is given with a length other than `buildings.len()`, or with more
/// than `u32::MAX` buildings.
pub fn measure(parcels: &[Parcel], buildings: &[Building], opts: &MeasureOptions) -> Measured {
    assert!(
        u32::try_from(buildings.len()).is_ok(),
        "measure: too many buildings"
    );
    if let Some(h) = &opts.heights {
        assert_eq!(
            h.len(),
            buildings.len(),
            "measure: heights must be parallel to buildings"
        );
    }

    // Floors per building, doubled under the 8 m rule; `None` when unknown.
    let weights: Vec<Option<f64>> = buildings
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let floors = b.floors.filter(|f| f.is_finite() && *f > 0.0)?;
            let height = opts
                .heights
                .as_ref()
                .filter(|_| opts.double_tall_storeys)
                .and_then(|h| h[i])
                .filter(|h| h.is_finite() && *h > 0.0);
            let tall = height.is_some_and(|h| h / floors > TALL_STOREY_M);
            Some(if tall { 2.0 * floors } else { floors })
        })
        .collect();
    let doubled = buildings
        .iter()
        .zip(&weights)
        .filter(|(b, w)| matches!((b.floors, w), (Some(f), Some(w)) if *w != f))
        .count();

    // The index's leaves carry each building's bounding rectangle: the queries read it
    // from there (no second array of 2.6M rectangles beside the trees).
    let entries: Vec<Entry> = buildings
        .par_iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let r = b.geometry.bounding_rect()?;
            let (lo, hi) = (r.min(), r.max());
            Some(GeomWithData::new(
                Rectangle::from_corners([lo.x, lo.y], [hi.x, hi.y]),
                i as u32,
            ))
        })
        .collect();
    let parts = rayon::current_num_threads().min(entries.len() / MIN_PER_TREE);
    let trees = build_trees(entries, parts);
    let ctx = Ctx {
        trees: &trees,
        buildings,
        weights: &weights,
    };

    let chunks: Vec<ChunkOut> = parcels
        .par_chunks(CHUNK)
        .map_init(Scratch::default, |s, chunk| {
            let mut out = ChunkOut {
                measures: Vec::with_capacity(chunk.len()),
                pairs: Vec::with_capacity(chunk.len() * 3),
                overlays: 0,
            };
            for p in chunk {
                let m = ctx.parcel(p, s, &mut out.pairs, &mut out.overlays);
                out.measures.push(m);
            }
            out
        })
        .collect();

    // Sequential, in parcel order: the per-building sums do not depend on scheduling.
    let mut assigned_m2 = vec![0.0f64; buildings.len()];
    let mut parcels_per_building = vec![0u32; buildings.len()];
    let mut per_parcel = Vec::with_capacity(parcels.len());
    let mut overlays = 0;
    for c in chunks {
        per_parcel.extend(c.measures);
        overlays += c.overlays;
        for (bi, area) in c.pairs {
            let bi = bi as usize;
            assigned_m2[bi] += area;
            if counts(area, &buildings[bi]) {
                parcels_per_building[bi] += 1;
            }
        }
    }
    let orphans: Vec<usize> = (0..buildings.len())
        .filter(|&i| parcels_per_building[i] == 0)
        .collect();
    let split = parcels_per_building.iter().filter(|&&n| n >= 2).count();
    let unassigned_area_m2 = buildings
        .iter()
        .zip(&assigned_m2)
        .map(|(b, a)| (b.area_m2 - a).max(0.0))
        .sum();
    Measured {
        per_parcel,
        orphans,
        split,
        unassigned_area_m2,
        assigned_m2,
        parcels_per_building,
        doubled,
        overlays,
    }
}

/// Whether an intersection area is a real share of the building (not a boundary touch).
fn counts(area: f64, b: &Building) -> bool {
    area > MIN_SHARE * b.area_m2
}

struct Ctx<'a> {
    trees: &'a [RTree<Entry>],
    buildings: &'a [Building],
    weights: &'a [Option<f64>],
}

struct ChunkOut {
    measures: Vec<ParcelMeasure>,
    /// (building, area of building ∩ parcel) for every positive area, in parcel order.
    pairs: Vec<(u32, f64)>,
    overlays: usize,
}

/// Per-thread buffers, reused across parcels.
#[derive(Default)]
struct Scratch {
    /// Buildings whose rectangle meets the parcel's, with that rectangle.
    candidates: Vec<(u32, Rect<f64>)>,
    edges: Vec<Edge>,
}

/// A parcel edge near a building, with the index of its ring in the parcel.
#[derive(Clone, Copy)]
struct Edge {
    a: Coord<f64>,
    b: Coord<f64>,
    ring: u32,
}

impl Ctx<'_> {
    fn parcel(
        &self,
        p: &Parcel,
        s: &mut Scratch,
        pairs: &mut Vec<(u32, f64)>,
        overlays: &mut usize,
    ) -> ParcelMeasure {
        let mut m = ParcelMeasure::default();
        let Some(env) = p.geometry.bounding_rect() else {
            return m;
        };
        s.candidates.clear();
        let query = AABB::from_corners([env.min().x, env.min().y], [env.max().x, env.max().y]);
        for tree in self.trees {
            s.candidates.extend(
                tree.locate_in_envelope_intersecting(&query)
                    .map(|e| (e.data, Rect::new(e.geom().lower(), e.geom().upper()))),
            );
        }
        s.candidates.sort_unstable_by_key(|c| c.0);
        let n_rings: usize = p.geometry.0.iter().map(|q| 1 + q.interiors().len()).sum();
        for &(bi, rect) in &s.candidates {
            let b = &self.buildings[bi as usize];
            let area = match classify(&p.geometry, n_rings, &b.geometry, rect, &mut s.edges) {
                Relation::BuildingInside => b.area_m2,
                Relation::Disjoint => 0.0,
                Relation::ParcelInside => p.area_m2,
                Relation::Crossing => {
                    *overlays += 1;
                    b.geometry.intersection(&p.geometry).unsigned_area()
                }
            };
            if area <= 0.0 {
                continue;
            }
            pairs.push((bi, area));
            m.footprint_m2 += area;
            let w = self.weights[bi as usize];
            if let Some(w) = w {
                m.floor_area_m2 += area * w;
            }
            if counts(area, b) {
                m.n_bldg += 1;
                if w.is_none() {
                    m.floors_missing += 1;
                }
            }
        }
        if p.area_m2 > 0.0 {
            m.far = m.floor_area_m2 / p.area_m2;
            m.coverage = m.footprint_m2 / p.area_m2;
        }
        m
    }
}

/// How a building footprint and a parcel relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// Footprint ⊆ parcel: the intersection is the whole footprint.
    BuildingInside,
    /// Interiors disjoint: no intersection area.
    Disjoint,
    /// Parcel ⊆ footprint: the intersection is the whole parcel.
    ParcelInside,
    /// Boundaries touch or cross: only an overlay tells.
    Crossing,
}

/// Classifies footprint vs parcel exactly, without an overlay where it can (module docs).
fn classify(
    parcel: &MultiPolygon<f64>,
    parcel_rings: usize,
    bldg: &MultiPolygon<f64>,
    r: Rect<f64>,
    edges: &mut Vec<Edge>,
) -> Relation {
    let Some(q) = bldg.0.first().and_then(|p| p.exterior().0.first()).copied() else {
        return Relation::Disjoint;
    };
    let (lo, hi) = (r.min(), r.max());
    edges.clear();
    let mut q_inside = false;
    for (ri, ring) in rings(parcel).enumerate() {
        for w in ring.0.windows(2) {
            let (a, b) = (w[0], w[1]);
            q_inside ^= crosses_ray(a, b, q);
            if a.x.max(b.x) >= lo.x
                && a.x.min(b.x) <= hi.x
                && a.y.max(b.y) >= lo.y
                && a.y.min(b.y) <= hi.y
            {
                edges.push(Edge {
                    a,
                    b,
                    ring: ri as u32,
                });
            }
        }
    }
    if edges.is_empty() {
        // R ∩ ∂parcel = ∅ and R is connected: it lies wholly on q's side.
        return if q_inside {
            Relation::BuildingInside
        } else {
            Relation::Disjoint
        };
    }
    for ring in rings(bldg) {
        for w in ring.0.windows(2) {
            let (c, d) = (w[0], w[1]);
            if edges
                .iter()
                .any(|e| segments_meet(Line::new(c, d), Line::new(e.a, e.b)))
            {
                return Relation::Crossing;
            }
        }
    }
    // Boundaries are disjoint: every ring lies wholly inside or outside the other polygon.
    let mut b_in = 0usize;
    let mut b_out = 0usize;
    for (i, ring) in rings(bldg).enumerate() {
        let Some(&v) = ring.0.first() else { continue };
        let isin = if i == 0 {
            q_inside
        } else {
            point_in_polygon(parcel, v)
        };
        if isin {
            b_in += 1;
        } else {
            b_out += 1;
        }
    }
    // Parcel rings that meet no edge near R lie outside R, hence outside the footprint.
    let mut p_in = 0usize;
    let mut last = u32::MAX;
    for e in edges.iter() {
        if e.ring != last {
            last = e.ring;
            if point_in_polygon(bldg, e.a) {
                p_in += 1;
            }
        }
    }
    match (b_in, b_out, p_in) {
        (_, 0, 0) => Relation::BuildingInside,
        (0, _, 0) => Relation::Disjoint,
        (0, _, n) if n == parcel_rings => Relation::ParcelInside,
        _ => Relation::Crossing,
    }
}

#[cfg(test)]
mod tests;
