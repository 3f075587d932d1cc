//! Small circles (小圈, 改造单元): renewal units of at most 300 mu built from contiguous
//! low-efficiency parcels that no constraint excludes (`SPEC.md` §4).
//!
//! # How
//!
//! 1. **Groups**: connected components of the eligible parcels in the neighbour graph
//!    ([`super::graph`], which already respects towns and barriers).
//! 2. A group of at most `max_mu` is one unit when it reaches `min_mu`; below, all its
//!    parcels are scattered low-efficiency land (零星低效用地).
//! 3. A larger group is split, without cutting parcels, by **seeded region growing** aimed
//!    at balanced units: with `k = ⌈area ÷ max⌉`, the target is `area ÷ k`. The seed is the
//!    unassigned parcel farthest from the group's (area-weighted) centroid, so units peel
//!    off the group's rim inwards; the unit then grows best-first — always the frontier
//!    parcel whose centroid is nearest the unit's current centroid (compact) among those
//!    that keep it ≤ `max_mu` — until adding the next one would take it farther past the
//!    target than stopping leaves it short, or nothing fits. Repeat until every parcel is
//!    assigned. A seed parcel larger than `max_mu` alone is its own unit, reported in
//!    [`Units::oversize`] (parcels are never cut).
//! 4. **Clean-up**: a unit below `min_mu` (a pocket left between units) merges into the
//!    adjacent unit with the nearest centroid whose sum stays ≤ `max_mu`, smallest units
//!    first, until nothing changes; one that cannot merge stays apart and, being below the
//!    minimum, its parcels are reported as scattered.
//! 5. Optionally (**absorb enclaves**), a non-eligible parcel all of whose neighbours (at
//!    least one) lie in one unit joins it when the unit stays ≤ `max_mu`, in parcel order,
//!    repeated until nothing changes (enclaves of enclaves); reported in [`Units::absorbed`].
//!    Excluded land should never be absorbed: [`small_circles_guarded`] takes the parcels
//!    that may be.
//!
//! Every unit is connected in the graph (it grows along edges and merges only with an
//! adjacent unit) and lies in one town. Sizes compare with a relative tolerance of 1e-9
//! (a unit of exactly 300 mu fits whatever the summation order).
//!
//! Cost: components are linear; growing scans the unit's frontier at each step, so a
//! group costs about (parcels × frontier of a unit), near-linear for parcels of realistic
//! size. Groups are split in parallel and collected in order; ties are broken by parcel
//! index and nothing depends on hash or thread order, so the result is the same whatever
//! the number of threads.

use super::graph::{components, Graph};
use crate::model::{Mu, M2_PER_MU};
use geo::Coord;
use rayon::prelude::*;

/// Relative tolerance of size comparisons.
const REL_TOL: f64 = 1e-9;

const NONE: u32 = u32::MAX;

/// Options of [`small_circles`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitOptions {
    /// Largest unit (policy: 300 mu).
    pub max_mu: Mu,
    /// Smallest unit; smaller groups are scattered land (default 15 mu).
    pub min_mu: Mu,
    /// Absorb non-eligible enclaves wholly surrounded by one unit (default off).
    pub absorb_enclaves: bool,
}

impl Default for UnitOptions {
    fn default() -> Self {
        UnitOptions {
            max_mu: Mu::default_of(300.0),
            min_mu: Mu::default_of(15.0),
            absorb_enclaves: false,
        }
    }
}

/// One renewal unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Parcel indexes, ascending.
    pub members: Vec<u32>,
    /// Σ member parcel areas, m² (the unit's 用地面积).
    pub area_m2: f64,
    pub town: u32,
}

/// The small circles of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Units {
    /// Ordered by town, then by smallest member.
    pub units: Vec<Unit>,
    /// Per parcel: its unit (index into `units`).
    pub unit_of: Vec<Option<u32>>,
    /// Eligible parcels in no unit, ascending: groups (or pockets of a split group that
    /// could not merge) below `min_mu` — 零星低效用地.
    pub scattered: Vec<u32>,
    /// Non-eligible enclave parcels absorbed into units, ascending.
    pub absorbed: Vec<u32>,
    /// Units (indexes into `units`, ascending) above `max_mu` because one parcel alone
    /// exceeds it.
    pub oversize: Vec<u32>,
}

/// Delineates the small circles. `areas` (m²), `centroids`, `eligible` (low-efficiency and
/// not excluded) and `towns` are parallel to the graph's nodes. See the module docs.
/// With `absorb_enclaves`, any non-eligible parcel may be absorbed; see
/// [`small_circles_guarded`] to keep excluded land out.
///
/// # Panics
/// When a slice is not parallel to the graph's nodes.
pub fn small_circles(
    graph: &Graph,
    areas: &[f64],
    centroids: &[Coord<f64>],
    eligible: &[bool],
    towns: &[u32],
    opts: &UnitOptions,
) -> Units {
    small_circles_guarded(graph, areas, centroids, eligible, None, towns, opts)
}

/// [`small_circles`] where only parcels with `absorbable[i]` (e.g. not excluded by a
/// constraint) may be absorbed as enclaves; `None`: every non-eligible parcel may.
///
/// # Panics
/// When a slice is not parallel to the graph's nodes.
pub fn small_circles_guarded(
    graph: &Graph,
    areas: &[f64],
    centroids: &[Coord<f64>],
    eligible: &[bool],
    absorbable: Option<&[bool]>,
    towns: &[u32],
    opts: &UnitOptions,
) -> Units {
    let n = graph.len();
    assert!(
        areas.len() == n
            && centroids.len() == n
            && eligible.len() == n
            && towns.len() == n
            && absorbable.is_none_or(|a| a.len() == n),
        "small_circles: every slice must be parallel to the graph's nodes"
    );
    let max_m2 = opts.max_mu.get() * M2_PER_MU;
    let min_m2 = opts.min_mu.get() * M2_PER_MU;
    let ctx = Ctx {
        graph,
        areas,
        centroids,
        eligible,
        max_m2,
        min_m2,
    };
    let groups = components(graph, eligible);
    let outs: Vec<GroupOut> = groups.par_iter().map(|g| ctx.group(g)).collect();

    let mut units: Vec<(Unit, bool)> = Vec::new();
    let mut scattered = Vec::new();
    for out in outs {
        for (members, oversize) in out.units {
            let area_m2 = members.iter().map(|&p| areas[p as usize]).sum();
            let town = towns[members[0] as usize];
            units.push((
                Unit {
                    members,
                    area_m2,
                    town,
                },
                oversize,
            ));
        }
        scattered.extend(out.scattered);
    }
    scattered.sort_unstable();
    units.sort_by_key(|(u, _)| (u.town, u.members[0]));
    let oversize: Vec<u32> = units
        .iter()
        .enumerate()
        .filter(|(_, (_, o))| *o)
        .map(|(k, _)| k as u32)
        .collect();
    let mut units: Vec<Unit> = units.into_iter().map(|(u, _)| u).collect();
    let mut unit_of = vec![None; n];
    for (k, u) in units.iter().enumerate() {
        for &p in &u.members {
            unit_of[p as usize] = Some(k as u32);
        }
    }

    let mut absorbed = Vec::new();
    if opts.absorb_enclaves {
        let mut touched = vec![false; units.len()];
        loop {
            let mut changed = false;
            for p in 0..n {
                if eligible[p]
                    || unit_of[p].is_some()
                    || absorbable.is_some_and(|a| !a[p])
                    || graph.neighbours(p).is_empty()
                {
                    continue;
                }
                let nb = graph.neighbours(p);
                let Some(u) = unit_of[nb[0] as usize] else {
                    continue;
                };
                if nb.iter().any(|&q| unit_of[q as usize] != Some(u)) {
                    continue;
                }
                let unit = &mut units[u as usize];
                if !fits(unit.area_m2 + areas[p], max_m2) {
                    continue;
                }
                unit.members.push(p as u32);
                unit.area_m2 += areas[p];
                unit_of[p] = Some(u);
                touched[u as usize] = true;
                absorbed.push(p as u32);
                changed = true;
            }
            if !changed {
                break;
            }
        }
        absorbed.sort_unstable();
        for (unit, _) in units.iter_mut().zip(&touched).filter(|(_, t)| **t) {
            unit.members.sort_unstable();
            unit.area_m2 = unit.members.iter().map(|&p| areas[p as usize]).sum();
        }
    }

    Units {
        units,
        unit_of,
        scattered,
        absorbed,
        oversize,
    }
}

/// Whether an area fits under a maximum (with the relative tolerance).
fn fits(area: f64, max: f64) -> bool {
    area <= max * (1.0 + REL_TOL)
}

/// Whether an area reaches a minimum (with the relative tolerance).
fn reaches(area: f64, min: f64) -> bool {
    area >= min * (1.0 - REL_TOL)
}

struct Ctx<'a> {
    graph: &'a Graph,
    areas: &'a [f64],
    centroids: &'a [Coord<f64>],
    eligible: &'a [bool],
    max_m2: f64,
    min_m2: f64,
}

/// What one group gives: units (global members ascending, oversize flag) and scattered
/// parcels.
#[derive(Default)]
struct GroupOut {
    units: Vec<(Vec<u32>, bool)>,
    scattered: Vec<u32>,
}

/// A unit while it grows, over local indexes.
struct Growing {
    members: Vec<u32>,
    area: f64,
    /// Σ area × centroid, relative to the group's centroid.
    sx: f64,
    sy: f64,
    oversize: bool,
    alive: bool,
}

impl Growing {
    fn centre(&self) -> Coord<f64> {
        if self.area > 0.0 {
            Coord {
                x: self.sx / self.area,
                y: self.sy / self.area,
            }
        } else {
            Coord { x: 0.0, y: 0.0 }
        }
    }
}

fn dist2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (a.x - b.x, a.y - b.y);
    dx * dx + dy * dy
}

impl Ctx<'_> {
    fn group(&self, members: &[u32]) -> GroupOut {
        let area_of = |k: usize| self.areas[members[k] as usize];
        let total: f64 = (0..members.len()).map(area_of).sum();
        let mut out = GroupOut::default();
        if fits(total, self.max_m2) {
            if reaches(total, self.min_m2) {
                out.units.push((members.to_vec(), false));
            } else {
                out.scattered.extend_from_slice(members);
            }
            return out;
        }
        let n = members.len();
        // Local adjacency (CSR): eligible neighbours are all in this group.
        let mut offsets = Vec::with_capacity(n + 1);
        let mut adj: Vec<u32> = Vec::new();
        offsets.push(0);
        for &p in members {
            for &q in self.graph.neighbours(p as usize) {
                if self.eligible[q as usize] {
                    let k = members
                        .binary_search(&q)
                        .expect("a component holds its neighbours");
                    adj.push(k as u32);
                }
            }
            offsets.push(adj.len());
        }
        let nbrs = |k: usize| &adj[offsets[k]..offsets[k + 1]];
        // Centroids relative to the group's area-weighted centroid.
        let (mut gx, mut gy) = (0.0, 0.0);
        for (k, &p) in members.iter().enumerate() {
            let c = self.centroids[p as usize];
            gx += c.x * area_of(k);
            gy += c.y * area_of(k);
        }
        let g = Coord {
            x: gx / total,
            y: gy / total,
        };
        let cen: Vec<Coord<f64>> = members
            .iter()
            .map(|&p| self.centroids[p as usize] - g)
            .collect();
        let mut order: Vec<u32> = (0..n as u32).collect();
        let zero = Coord { x: 0.0, y: 0.0 };
        order.sort_by(|&a, &b| {
            dist2(cen[b as usize], zero)
                .total_cmp(&dist2(cen[a as usize], zero))
                .then(a.cmp(&b))
        });
        let k_units = (total / self.max_m2).ceil().max(1.0);
        let target = total / k_units;

        let mut unit_of = vec![NONE; n];
        let mut units: Vec<Growing> = Vec::new();
        let mut frontier: Vec<u32> = Vec::new();
        let mut mark = vec![NONE; n];
        for &seed in &order {
            let seed = seed as usize;
            if unit_of[seed] != NONE {
                continue;
            }
            let u = units.len() as u32;
            let a = area_of(seed);
            let mut unit = Growing {
                members: vec![seed as u32],
                area: a,
                sx: cen[seed].x * a,
                sy: cen[seed].y * a,
                oversize: !fits(a, self.max_m2),
                alive: true,
            };
            unit_of[seed] = u;
            if unit.oversize {
                units.push(unit);
                continue;
            }
            frontier.clear();
            let push_nbrs = |k: usize, frontier: &mut Vec<u32>, mark: &mut [u32], uo: &[u32]| {
                for &j in nbrs(k) {
                    if uo[j as usize] == NONE && mark[j as usize] != u {
                        mark[j as usize] = u;
                        frontier.push(j);
                    }
                }
            };
            mark[seed] = u;
            push_nbrs(seed, &mut frontier, &mut mark, &unit_of);
            loop {
                // Parcels that no longer fit never will: the unit only grows.
                let area = unit.area;
                frontier.retain(|&j| fits(area + area_of(j as usize), self.max_m2));
                let c = unit.centre();
                let best = frontier
                    .iter()
                    .enumerate()
                    .min_by(|(_, &x), (_, &y)| {
                        dist2(cen[x as usize], c)
                            .total_cmp(&dist2(cen[y as usize], c))
                            .then(x.cmp(&y))
                    })
                    .map(|(pos, &j)| (pos, j as usize));
                let Some((pos, j)) = best else { break };
                let a = area_of(j);
                if unit.area + a > target && unit.area + a - target > target - unit.area {
                    break;
                }
                frontier.swap_remove(pos);
                unit.members.push(j as u32);
                unit.area += a;
                unit.sx += cen[j].x * a;
                unit.sy += cen[j].y * a;
                unit_of[j] = u;
                push_nbrs(j, &mut frontier, &mut mark, &unit_of);
            }
            units.push(unit);
        }

        // Clean-up: pockets below the minimum merge into an adjacent unit when they fit.
        loop {
            let mut small: Vec<u32> = (0..units.len() as u32)
                .filter(|&u| {
                    let x = &units[u as usize];
                    x.alive && !x.oversize && !reaches(x.area, self.min_m2)
                })
                .collect();
            small.sort_by(|&a, &b| {
                units[a as usize]
                    .area
                    .total_cmp(&units[b as usize].area)
                    .then(a.cmp(&b))
            });
            let mut changed = false;
            for u in small {
                let x = &units[u as usize];
                if !x.alive || reaches(x.area, self.min_m2) {
                    continue;
                }
                let mut adjacent: Vec<u32> = x
                    .members
                    .iter()
                    .flat_map(|&k| nbrs(k as usize).iter().map(|&j| unit_of[j as usize]))
                    .filter(|&v| v != u)
                    .collect();
                adjacent.sort_unstable();
                adjacent.dedup();
                let c = x.centre();
                let best = adjacent
                    .into_iter()
                    .filter(|&v| {
                        let y = &units[v as usize];
                        !y.oversize && fits(x.area + y.area, self.max_m2)
                    })
                    .min_by(|&a, &b| {
                        dist2(units[a as usize].centre(), c)
                            .total_cmp(&dist2(units[b as usize].centre(), c))
                            .then(a.cmp(&b))
                    });
                let Some(v) = best else { continue };
                let moved = std::mem::take(&mut units[u as usize].members);
                let (area, sx, sy) = {
                    let x = &mut units[u as usize];
                    x.alive = false;
                    (x.area, x.sx, x.sy)
                };
                for &k in &moved {
                    unit_of[k as usize] = v;
                }
                let y = &mut units[v as usize];
                y.members.extend(moved);
                y.area += area;
                y.sx += sx;
                y.sy += sy;
                changed = true;
            }
            if !changed {
                break;
            }
        }

        for unit in units.into_iter().filter(|u| u.alive) {
            let mut global: Vec<u32> = unit.members.iter().map(|&k| members[k as usize]).collect();
            global.sort_unstable();
            if unit.oversize || reaches(unit.area, self.min_m2) {
                out.units.push((global, unit.oversize));
            } else {
                out.scattered.extend(global);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
