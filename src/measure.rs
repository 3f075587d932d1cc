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

use crate::model::{Building, Parcel, RawLayer};
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
    /// only by the 8 m rule; `None` entries are unknown heights. See [`heights_from_layer`].
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

impl Measured {
    /// The measured values as the scoring stage reads them, one per parcel.
    pub fn facts(&self) -> Vec<crate::score::ParcelFacts> {
        self.per_parcel
            .iter()
            .map(|m| crate::score::ParcelFacts {
                far_m: Some(m.far),
                cov_m: Some(m.coverage),
                n_bldg: Some(m.n_bldg as f64),
            })
            .collect()
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

    let rects: Vec<Option<Rect<f64>>> = buildings
        .par_iter()
        .map(|b| b.geometry.bounding_rect())
        .collect();
    let entries: Vec<Entry> = rects
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let r = r.as_ref()?;
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
        rects: &rects,
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

/// Heights (metres) of prepared buildings, read from `field` of the raw layer they were
/// prepared from (matched by [`Building::index`]); non-positive or unreadable values are
/// unknown. `None` when the layer has no such field. Feed it to [`MeasureOptions::heights`].
pub fn heights_from_layer(
    raw: &RawLayer,
    buildings: &[Building],
    field: &str,
) -> Option<Vec<Option<f64>>> {
    let fi = raw.field_index(field)?;
    let feature = |index: usize| {
        raw.features
            .get(index)
            .filter(|f| f.index == index)
            .or_else(|| {
                let pos = raw
                    .features
                    .binary_search_by_key(&index, |f| f.index)
                    .ok()?;
                raw.features.get(pos)
            })
    };
    Some(
        buildings
            .iter()
            .map(|b| {
                feature(b.index)?.values[fi]
                    .as_f64()
                    .filter(|h| h.is_finite() && *h > 0.0)
            })
            .collect(),
    )
}

/// Whether an intersection area is a real share of the building (not a boundary touch).
fn counts(area: f64, b: &Building) -> bool {
    area > MIN_SHARE * b.area_m2
}

struct Ctx<'a> {
    trees: &'a [RTree<Entry>],
    buildings: &'a [Building],
    rects: &'a [Option<Rect<f64>>],
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
    candidates: Vec<u32>,
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
            s.candidates
                .extend(tree.locate_in_envelope_intersecting(&query).map(|e| e.data));
        }
        s.candidates.sort_unstable();
        let n_rings: usize = p.geometry.0.iter().map(|q| 1 + q.interiors().len()).sum();
        for &bi in &s.candidates {
            let b = &self.buildings[bi as usize];
            let Some(rect) = self.rects[bi as usize] else {
                continue;
            };
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
mod tests {
    use super::*;
    use geo::LineString;
    use geo::{polygon, Polygon};

    fn rect_poly(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
        polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
    }

    fn parcel(i: usize, g: impl Into<MultiPolygon<f64>>) -> Parcel {
        let geometry: MultiPolygon<f64> = g.into();
        Parcel {
            id: format!("P{i}"),
            index: i,
            area_m2: geometry.unsigned_area(),
            geometry,
            attrs: vec![],
            survey: vec![],
            repaired: String::new(),
        }
    }

    fn bldg(i: usize, g: impl Into<MultiPolygon<f64>>, floors: Option<f64>) -> Building {
        let geometry: MultiPolygon<f64> = g.into();
        Building {
            index: i,
            area_m2: geometry.unsigned_area(),
            geometry,
            floors,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    /// Two 10 × 10 parcels side by side: [0,10]×[0,10] and [10,20]×[0,10].
    fn pair() -> Vec<Parcel> {
        vec![
            parcel(0, rect_poly(0.0, 0.0, 10.0, 10.0)),
            parcel(1, rect_poly(10.0, 0.0, 20.0, 10.0)),
        ]
    }

    #[test]
    fn straddling_building_splits_half_and_half() {
        let b = vec![bldg(0, rect_poly(5.0, 2.0, 15.0, 6.0), Some(3.0))];
        let m = measure(&pair(), &b, &MeasureOptions::default());
        for pm in &m.per_parcel {
            assert!(close(pm.footprint_m2, 20.0), "{pm:?}");
            assert!(close(pm.floor_area_m2, 60.0), "{pm:?}");
            assert!(close(pm.far, 0.6) && close(pm.coverage, 0.2), "{pm:?}");
            assert_eq!((pm.n_bldg, pm.floors_missing), (1, 0));
        }
        assert_eq!(m.split, 1);
        assert!(m.orphans.is_empty());
        assert!(close(m.assigned_m2[0], 40.0));
        assert_eq!(m.parcels_per_building, vec![2]);
        assert!(m.unassigned_area_m2 < 1e-9);
        assert_eq!(m.overlays, 2);
    }

    #[test]
    fn building_with_hole_counts_outer_minus_hole() {
        let holed = |x0: f64, y0: f64, x1: f64, y1: f64, h: [f64; 4]| {
            Polygon::new(
                rect_poly(x0, y0, x1, y1).exterior().clone(),
                vec![rect_poly(h[0], h[1], h[2], h[3]).exterior().clone()],
            )
        };
        // Wholly inside a parcel (fast path): 8×8 − 2×2 = 60 and 4×4 − 2×2 = 12. Across the
        // shared edge (overlay): 4×4 − 2×2 = 12, half in each.
        let b = vec![
            bldg(
                0,
                holed(1.0, 1.0, 9.0, 9.0, [3.0, 3.0, 5.0, 5.0]),
                Some(2.0),
            ),
            bldg(
                1,
                holed(12.0, 0.5, 16.0, 4.5, [13.0, 1.5, 15.0, 3.5]),
                Some(1.0),
            ),
            bldg(
                2,
                holed(8.0, 5.0, 12.0, 9.0, [9.0, 6.0, 11.0, 8.0]),
                Some(1.0),
            ),
        ];
        let m = measure(&pair(), &b, &MeasureOptions::default());
        let (p0, p1) = (m.per_parcel[0], m.per_parcel[1]);
        assert!(close(p0.footprint_m2, 60.0 + 6.0), "{p0:?}");
        assert!(close(p0.floor_area_m2, 120.0 + 6.0), "{p0:?}");
        assert!(close(p1.footprint_m2, 12.0 + 6.0), "{p1:?}");
        assert_eq!((p0.n_bldg, p1.n_bldg), (2, 2));
        assert_eq!(m.split, 1);
    }

    #[test]
    fn building_outside_every_parcel_is_an_orphan() {
        // An L-shaped parcel: the building sits in its notch (bounding boxes overlap), in a
        // parcel's courtyard hole, and far away.
        let l = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 4.0),
            (x: 4.0, y: 4.0), (x: 4.0, y: 10.0), (x: 0.0, y: 10.0)];
        let court = Polygon::new(
            rect_poly(20.0, 0.0, 30.0, 10.0).exterior().clone(),
            vec![rect_poly(23.0, 3.0, 27.0, 7.0).exterior().clone()],
        );
        let parcels = vec![parcel(0, l), parcel(1, court)];
        let b = vec![
            bldg(0, rect_poly(6.0, 6.0, 9.0, 9.0), Some(1.0)),
            bldg(1, rect_poly(24.0, 4.0, 26.0, 6.0), Some(1.0)),
            bldg(2, rect_poly(50.0, 50.0, 52.0, 52.0), Some(1.0)),
            bldg(3, rect_poly(1.0, 1.0, 2.0, 2.0), Some(1.0)),
        ];
        let m = measure(&parcels, &b, &MeasureOptions::default());
        assert_eq!(m.orphans, vec![0, 1, 2]);
        assert!(close(m.unassigned_area_m2, 9.0 + 4.0 + 4.0));
        assert_eq!(m.per_parcel[0].n_bldg, 1);
        assert_eq!(m.per_parcel[1], ParcelMeasure::default());
        assert_eq!(m.overlays, 0, "all decided by the exact fast paths");
    }

    #[test]
    fn parcel_without_buildings_measures_zero() {
        let b = vec![bldg(0, rect_poly(1.0, 1.0, 3.0, 3.0), Some(2.0))];
        let m = measure(&pair(), &b, &MeasureOptions::default());
        assert_eq!(m.per_parcel[1], ParcelMeasure::default());
        let m = measure(&pair(), &[], &MeasureOptions::default());
        assert!(m.per_parcel.iter().all(|p| *p == ParcelMeasure::default()));
        assert_eq!(m.per_parcel.len(), 2);
    }

    #[test]
    fn building_without_floors_counts_in_coverage_not_far() {
        let b = vec![
            bldg(0, rect_poly(1.0, 1.0, 3.0, 3.0), None),
            bldg(1, rect_poly(5.0, 5.0, 7.0, 7.0), Some(2.0)),
        ];
        let m = measure(&pair(), &b, &MeasureOptions::default());
        let p = m.per_parcel[0];
        assert_eq!((p.n_bldg, p.floors_missing), (2, 1));
        assert!(close(p.coverage, 0.08) && close(p.far, 0.08), "{p:?}");
    }

    #[test]
    fn boundary_touch_and_parcel_inside_building() {
        // A building sharing the parcels' common edge from one side only, and a small
        // parcel lying wholly under a large building.
        let parcels = vec![
            parcel(0, rect_poly(0.0, 0.0, 10.0, 10.0)),
            parcel(1, rect_poly(10.0, 0.0, 20.0, 10.0)),
            parcel(2, rect_poly(42.0, 42.0, 43.0, 44.0)),
        ];
        let b = vec![
            bldg(0, rect_poly(5.0, 0.0, 10.0, 5.0), Some(1.0)),
            bldg(1, rect_poly(40.0, 40.0, 50.0, 50.0), Some(3.0)),
        ];
        let m = measure(&parcels, &b, &MeasureOptions::default());
        assert!(close(m.per_parcel[0].footprint_m2, 25.0));
        assert_eq!(m.per_parcel[1].n_bldg, 0);
        assert!(m.per_parcel[1].footprint_m2 < 1e-9);
        assert_eq!(m.split, 0);
        let p2 = m.per_parcel[2];
        assert!(close(p2.coverage, 1.0) && close(p2.far, 3.0), "{p2:?}");
    }

    #[test]
    fn tall_storeys_count_twice_only_when_asked() {
        let b = vec![
            bldg(0, rect_poly(1.0, 1.0, 3.0, 3.0), Some(1.0)), // 12 m shed: doubled
            bldg(1, rect_poly(4.0, 1.0, 6.0, 3.0), Some(1.0)), // 7 m: not
            bldg(2, rect_poly(1.0, 5.0, 3.0, 7.0), Some(3.0)), // 30 m / 3: doubled
            bldg(3, rect_poly(4.0, 5.0, 6.0, 7.0), Some(2.0)), // no height: not
            bldg(4, rect_poly(7.0, 5.0, 9.0, 7.0), Some(2.0)), // exactly 8 m: not
        ];
        let heights = Some(vec![Some(12.0), Some(7.0), Some(30.0), None, Some(16.0)]);
        let off = MeasureOptions {
            double_tall_storeys: false,
            heights: heights.clone(),
        };
        let on = MeasureOptions {
            double_tall_storeys: true,
            heights,
        };
        let m_off = measure(&pair(), &b, &off);
        let m_on = measure(&pair(), &b, &on);
        // 4 m² each: floors 1 + 1 + 3 + 2 + 2 = 9 → 36 m²; doubled: 2 + 1 + 6 + 2 + 2 = 13.
        assert!(close(m_off.per_parcel[0].floor_area_m2, 36.0));
        assert!(close(m_on.per_parcel[0].floor_area_m2, 52.0));
        assert_eq!((m_off.doubled, m_on.doubled), (0, 2));
        assert_eq!(m_on.per_parcel[0].coverage, m_off.per_parcel[0].coverage);
        // Without heights the option changes nothing.
        let no_h = MeasureOptions {
            double_tall_storeys: true,
            heights: None,
        };
        assert_eq!(measure(&pair(), &b, &no_h), m_off);
    }

    /// A deterministic jittered grid of parcels (some with a courtyard hole) and rotated
    /// buildings, a few of them across parcel edges or in the roads.
    fn grid(n: usize) -> (Vec<Parcel>, Vec<Building>) {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            ((state >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let size = 50.0;
        // Shared jittered corners so neighbours share edges exactly.
        let mut corner = vec![vec![Coord { x: 0.0, y: 0.0 }; n + 1]; n + 1];
        for (i, row) in corner.iter_mut().enumerate() {
            for (j, c) in row.iter_mut().enumerate() {
                *c = Coord {
                    x: i as f64 * size + (rnd() - 0.5) * 6.0,
                    y: j as f64 * size + (rnd() - 0.5) * 6.0,
                };
            }
        }
        let mut parcels = Vec::new();
        let mut buildings = Vec::new();
        for i in 0..n {
            for j in 0..n {
                let ring = LineString::from(vec![
                    corner[i][j],
                    corner[i + 1][j],
                    corner[i + 1][j + 1],
                    corner[i][j + 1],
                    corner[i][j],
                ]);
                let (cx, cy) = (i as f64 * size + 25.0, j as f64 * size + 25.0);
                let holes = if (i * 7 + j) % 11 == 0 {
                    vec![rect_poly(cx - 4.0, cy - 4.0, cx + 4.0, cy + 4.0)
                        .exterior()
                        .clone()]
                } else {
                    vec![]
                };
                parcels.push(parcel(parcels.len(), Polygon::new(ring, holes)));
                for _ in 0..3 {
                    // Centre anywhere in the cell, or across the edge to the east.
                    let r = rnd();
                    let (bx, by) = if r < 0.03 {
                        (cx - 10_000.0, cy) // far outside: an orphan
                    } else if r < 0.18 {
                        (cx + 25.0 + (rnd() - 0.5) * 4.0, cy + (rnd() - 0.5) * 30.0)
                    } else {
                        (cx + (rnd() - 0.5) * 36.0, cy + (rnd() - 0.5) * 36.0)
                    };
                    let (w, h) = (4.0 + rnd() * 8.0, 4.0 + rnd() * 8.0);
                    let t = rnd() - 0.5; // rotation via the rational parametrisation
                    let (c, s) = ((1.0 - t * t) / (1.0 + t * t), 2.0 * t / (1.0 + t * t));
                    let pts: Vec<Coord<f64>> = [(-w, -h), (w, -h), (w, h), (-w, h), (-w, -h)]
                        .iter()
                        .map(|&(dx, dy)| Coord {
                            x: bx + (dx * c - dy * s) / 2.0,
                            y: by + (dx * s + dy * c) / 2.0,
                        })
                        .collect();
                    let floors = (rnd() < 0.9).then(|| 1.0 + (rnd() * 12.0).floor());
                    buildings.push(bldg(
                        buildings.len(),
                        Polygon::new(LineString::from(pts), vec![]),
                        floors,
                    ));
                }
            }
        }
        (parcels, buildings)
    }

    #[test]
    fn one_thread_and_many_are_bit_identical() {
        let (parcels, buildings) = grid(40);
        let heights: Vec<Option<f64>> = buildings
            .iter()
            .enumerate()
            .map(|(i, _)| (i % 3 != 0).then_some(5.0 + (i % 7) as f64 * 4.0))
            .collect();
        let opts = MeasureOptions {
            double_tall_storeys: true,
            heights: Some(heights),
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| measure(&parcels, &buildings, &opts))
        };
        let one = run(1);
        let many = run(4);
        let bits = |m: &Measured| {
            let mut v: Vec<u64> = m
                .per_parcel
                .iter()
                .flat_map(|p| [p.footprint_m2, p.floor_area_m2, p.far, p.coverage])
                .chain(m.assigned_m2.iter().copied())
                .chain([m.unassigned_area_m2])
                .map(f64::to_bits)
                .collect();
            v.extend(
                m.per_parcel
                    .iter()
                    .map(|p| (p.n_bldg + p.floors_missing) as u64),
            );
            v
        };
        assert_eq!(bits(&one), bits(&many));
        assert_eq!(one, many);
        assert!(one.split > 0 && !one.orphans.is_empty() && one.doubled > 0);
    }

    #[test]
    fn fast_paths_agree_with_the_overlay() {
        let (parcels, buildings) = grid(12);
        let m = measure(&parcels, &buildings, &MeasureOptions::default());
        let rects: Vec<Rect<f64>> = buildings
            .iter()
            .map(|b| b.geometry.bounding_rect().unwrap())
            .collect();
        for (p, pm) in parcels.iter().zip(&m.per_parcel) {
            let (mut foot, mut floor) = (0.0, 0.0);
            let env = p.geometry.bounding_rect().unwrap();
            for (b, r) in buildings.iter().zip(&rects) {
                if r.min().x > env.max().x
                    || r.max().x < env.min().x
                    || r.min().y > env.max().y
                    || r.max().y < env.min().y
                {
                    continue;
                }
                let a = b.geometry.intersection(&p.geometry).unsigned_area();
                foot += a;
                floor += a * b.floors.unwrap_or(0.0);
            }
            assert!(
                (pm.footprint_m2 - foot).abs() <= 1e-9 * p.area_m2,
                "{}: {} vs {foot}",
                p.id,
                pm.footprint_m2
            );
            assert!((pm.floor_area_m2 - floor).abs() <= 1e-8 * p.area_m2);
        }
        let total: f64 = buildings.iter().map(|b| b.area_m2).sum();
        let assigned: f64 = m.per_parcel.iter().map(|p| p.footprint_m2).sum();
        assert!((total - assigned - m.unassigned_area_m2).abs() <= 1e-9 * total);
    }
}
