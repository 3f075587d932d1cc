//! Zones: the 大中小圈 of Dongguan's renewal scheme (东府〔2023〕4号) — small circles
//! (renewal units, ≤ 300 mu) from contiguous low-efficiency parcels, large circles
//! (5–10 km²) where low-efficiency land concentrates, middle circles (1–3 km²) inside
//! them, and a ranked near-term renewal programme. Design: `docs/zones.md`.

pub mod circles;
pub mod graph;
mod large;
mod middle;
mod nesting;
mod options;
pub mod outline;
pub mod programme;
mod raster;
pub mod report;
mod shape;
pub mod small;
mod town;
pub mod towns;

pub use options::{limits, Target, ZoneOptions};
use town::{Drawn, Town, TownZones};

use crate::landuse::LandClass;
use crate::model::Parcel;
use geo::{Area, BoundingRect, Centroid, Coord, MultiPolygon, Rect};
use rayon::prelude::*;
use serde::Serialize;

/// Zone levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZoneLevel {
    Small,
    Middle,
    Large,
}

impl ZoneLevel {
    pub fn name(self) -> &'static str {
        match self {
            ZoneLevel::Small => "small",
            ZoneLevel::Middle => "middle",
            ZoneLevel::Large => "large",
        }
    }

    /// The output layer that holds the zones of this level.
    pub fn output_layer(self) -> crate::model::OutputLayer {
        use crate::model::OutputLayer;
        match self {
            ZoneLevel::Small => OutputLayer::SmallCircles,
            ZoneLevel::Middle => OutputLayer::MiddleCircles,
            ZoneLevel::Large => OutputLayer::LargeCircles,
        }
    }
}

/// What zoning needs to know of each parcel (all slices parallel to `parcels`).
pub struct ZoneInput<'a> {
    pub parcels: &'a [Parcel],
    pub low: &'a [bool],
    pub excluded: &'a [bool],
    pub ltype: &'a [Option<LandClass>],
    /// Composite score (lower: less efficient).
    pub score: &'a [Option<f64>],
    /// Owners' consent share 0–1 by land area, when surveyed.
    pub consent: &'a [Option<f64>],
    /// Owners' consent share 0–1 by headcount, when surveyed (东府〔2023〕4号 (十): 80 %
    /// of both the land and the owners). Empty: not surveyed.
    pub consent_heads: &'a [Option<f64>],
    /// Inside the industrial control line (工业用地控制线): industrial renewal only, and
    /// no renewal unit straddles the line. Empty: no line.
    pub industrial_line: &'a [bool],
    /// Industrial land whose renewal keeps it industrial (工改工: planned industrial use,
    /// inside the control line, or a 工改工 mode), `Some(false)` when it changes use
    /// (工改居商), `None` when unknown or not industrial. Empty: all unknown.
    pub stays_industrial: &'a [Option<bool>],
    /// The towns' planned programme, when one was given.
    pub plan: Option<PlanInput<'a>>,
    /// Town name of each parcel.
    pub town: &'a [String],
    /// Hard barriers in the working CRS.
    pub barriers: &'a [geo::Geometry<f64>],
}

/// A planned renewal programme joined to the parcels.
#[derive(Clone, Copy)]
pub struct PlanInput<'a> {
    /// Per parcel: its planned unit.
    pub unit_of: &'a [Option<u32>],
    pub units: &'a [crate::ingest::programme::PlannedUnit],
}

/// One zone of any level.
#[derive(Debug, Clone)]
pub struct Zone {
    pub id: String,
    pub town: String,
    pub level: ZoneLevel,
    /// Member parcels, ascending.
    pub parcels: Vec<u32>,
    pub outline: MultiPolygon<f64>,
    /// Small: Σ member parcel areas (用地面积); middle/large: the outline's area.
    pub area_m2: f64,
    /// Low-efficiency area ÷ member parcel area.
    pub low_share: f64,
    /// Land type with the largest area among the members.
    pub dom_type: Option<LandClass>,
    /// Polsby–Popper of the outline.
    pub compact: f64,
    pub parent_id: Option<String>,
    /// Why the size range is not met, empty when it is.
    pub note: String,
    /// Small circles: in the town's near-term programme, and rank in the town (1 = first).
    pub program: bool,
    pub rank: Option<usize>,
    /// The renewal mode of the largest low-efficiency area among the members: the
    /// criteria's mode rule index (`Some(None)`: 待定); `None`: no member has a mode.
    /// Set after zoning, from the parcels' modes.
    pub mode: Option<Option<usize>>,
}

/// The result of zoning.
pub struct Zones {
    pub small: Vec<Zone>,
    pub middle: Vec<Zone>,
    pub large: Vec<Zone>,
    /// Per parcel: index into `small`, `middle`, `large`.
    pub unit_of: Vec<Option<u32>>,
    pub middle_of: Vec<Option<u32>>,
    pub large_of: Vec<Option<u32>>,
    /// Per parcel: low-efficiency land in a group below the unit minimum (零星低效用地).
    pub scattered: Vec<bool>,
    pub report: report::ZoneReport,
}

/// Parcels closer than this (metres) belong to one block: shared boundaries digitised
/// with small gaps still touch; a road, however narrow, separates blocks.
const BLOCK_GAP_M: f64 = 1.0;

/// Delineates every level in every town.
pub fn delineate(input: &ZoneInput, opts: &ZoneOptions) -> Zones {
    let n = input.parcels.len();
    let mut town_names: Vec<&str> = input.town.iter().map(String::as_str).collect();
    town_names.sort_unstable();
    town_names.dedup();
    let town_id: Vec<u32> = input
        .town
        .iter()
        .map(|t| town_names.binary_search(&t.as_str()).expect("listed") as u32)
        .collect();
    let geoms: Vec<&MultiPolygon<f64>> = input.parcels.iter().map(|p| &p.geometry).collect();
    let areas: Vec<f64> = input.parcels.iter().map(|p| p.area_m2).collect();
    let centroids: Vec<Coord<f64>> = input
        .parcels
        .par_iter()
        .map(|p| p.geometry.centroid().map(|c| c.0).unwrap_or_default())
        .collect();
    // Renewal units never straddle the industrial control line: the unit graph has no
    // edge across it (inside, industrial renewal only; outside, any).
    let side: Vec<u32> = town_id
        .iter()
        .enumerate()
        .map(|(p, &t)| t * 2 + u32::from(input.industrial_line.get(p).copied().unwrap_or(false)))
        .collect();
    // Blocks: runs of touching parcels (the fabric between roads), which circles take
    // whole. The three graphs come from one neighbour search.
    let [graph, circle_graph, touching] = graph::neighbour_graphs(
        &geoms,
        &[
            graph::NeighbourOptions {
                gap: opts.gap,
                barriers: input.barriers,
                towns: &side,
            },
            graph::NeighbourOptions {
                gap: opts.circle_gap.max(opts.gap),
                barriers: input.barriers,
                towns: &town_id,
            },
            graph::NeighbourOptions {
                gap: crate::model::Metres::default_of(BLOCK_GAP_M),
                barriers: input.barriers,
                towns: &town_id,
            },
        ],
    );
    let mut block_of = vec![0u32; n];
    let mut block_area = Vec::new();
    for (b, members) in graph::components(&touching, &vec![true; n])
        .iter()
        .enumerate()
    {
        for &p in members {
            block_of[p as usize] = b as u32;
        }
        block_area.push(members.iter().map(|&p| areas[p as usize]).sum());
    }
    drop(touching);
    let eligible: Vec<bool> = (0..n).map(|i| input.low[i] && !input.excluded[i]).collect();
    // What large circles pull: the planned programme when there is one (the circles are
    // drawn to hold the plan), else the low-efficiency land that may be renewed.
    let mass: Vec<bool> = match &input.plan {
        Some(plan) => (0..n)
            .map(|i| plan.unit_of[i].is_some() && !input.excluded[i])
            .collect(),
        None => eligible.clone(),
    };
    let mut town_members: Vec<Vec<u32>> = vec![Vec::new(); town_names.len()];
    for (p, &t) in town_id.iter().enumerate() {
        town_members[t as usize].push(p as u32);
    }
    let absorbable: Vec<bool> = input.excluded.iter().map(|e| !e).collect();
    let units = small::small_circles_guarded(
        &graph,
        &areas,
        &centroids,
        &eligible,
        Some(&absorbable),
        &town_id,
        &opts.unit,
    );

    let mut town_units: Vec<Vec<u32>> = vec![Vec::new(); town_names.len()];
    for (u, unit) in units.units.iter().enumerate() {
        if let Some(list) = town_units.get_mut(unit.town as usize) {
            list.push(u as u32);
        }
    }
    let rects: Vec<Option<Rect<f64>>> = geoms.par_iter().map(|g| g.bounding_rect()).collect();

    // Towns are independent: zone them in parallel, collect in town order.
    let per_town: Vec<TownZones> = in_town_order(town_schedule(&town_members), |t| {
        Town {
            members: &town_members[t as usize],
            input,
            opts,
            graph: &circle_graph,
            units: &units,
            town_units: &town_units[t as usize],
            geoms: &geoms,
            rects: &rects,
            areas: &areas,
            centroids: &centroids,
            mass: &mass,
            block_of: &block_of,
            block_area: &block_area,
        }
        .zone()
    });
    let mut industrial =
        report::contiguous_industrial(&graph, input, &eligible, &town_id, town_names.len(), opts);

    let mut zones = Zones {
        small: Vec::new(),
        middle: Vec::new(),
        large: Vec::new(),
        unit_of: vec![None; n],
        middle_of: vec![None; n],
        large_of: vec![None; n],
        scattered: vec![false; n],
        report: report::ZoneReport::default(),
    };
    for &p in &units.scattered {
        zones.scattered[p as usize] = true;
    }
    let mut firsts = Vec::with_capacity(town_names.len());
    for (t, tz) in per_town.into_iter().enumerate() {
        let name = town_names[t];
        let (li, mi, si) = (zones.large.len(), zones.middle.len(), zones.small.len());
        for (k, region) in tz.large.iter().enumerate() {
            let id = format!("{name}-L{}", k + 1);
            for &p in &region.parcels {
                zones.large_of[p as usize] = Some((li + k) as u32);
            }
            zones
                .large
                .push(make_zone(id, name, ZoneLevel::Large, region, input, None));
        }
        for (k, (region, parent)) in tz.middle.iter().enumerate() {
            let id = format!("{name}-M{}", k + 1);
            for &p in &region.parcels {
                zones.middle_of[p as usize] = Some((mi + k) as u32);
            }
            let parent_id = zones.large[li + parent].id.clone();
            zones.middle.push(make_zone(
                id,
                name,
                ZoneLevel::Middle,
                region,
                input,
                Some(parent_id),
            ));
        }
        for (k, region) in tz.small.iter().enumerate() {
            let id = format!("{name}-S{:03}", k + 1);
            let first = region.parcels[0] as usize;
            let parent = zones.middle_of[first]
                .map(|m| zones.middle[m as usize].id.clone())
                .or_else(|| zones.large_of[first].map(|l| zones.large[l as usize].id.clone()));
            for &p in &region.parcels {
                zones.unit_of[p as usize] = Some((si + k) as u32);
            }
            zones
                .small
                .push(make_zone(id, name, ZoneLevel::Small, region, input, parent));
        }
        let members = &town_members[t];
        let town_low_m2: f64 = members
            .iter()
            .filter(|&&p| eligible[p as usize])
            .map(|&p| areas[p as usize])
            .sum();
        programme::plan(&mut zones.small[si..], input, opts, town_low_m2);
        firsts.push(((li, mi, si), tz.notes));
    }
    nesting::make_exact(
        &mut zones.large,
        &mut zones.middle,
        &mut zones.small,
        input.parcels,
    );
    for (t, (first, notes)) in firsts.into_iter().enumerate() {
        let mut town_report = report::town_report(
            town_names[t],
            &town_members[t],
            input,
            opts,
            &eligible,
            &zones,
            first,
            std::mem::take(&mut industrial[t]),
        );
        town_report.notes.extend(notes);
        // A town whose programme misses the 70 % rule says so on its large circles.
        if let Some(why) = &town_report.programme.shortfall {
            for z in zones.large[first.0..]
                .iter_mut()
                .take(town_report.large.count)
            {
                z.note = match z.note.is_empty() {
                    true => why.clone(),
                    false => format!("{}; {why}", z.note),
                };
            }
        }
        zones.report.towns.push(town_report);
    }
    zones.report.finish(opts);
    let (mut land, mut low, mut all_low, mut all) = (0.0, 0.0, 0.0, 0.0);
    for p in 0..n {
        all += areas[p];
        if eligible[p] {
            all_low += areas[p];
        }
        if zones.large_of[p].is_some() {
            land += areas[p];
            if eligible[p] {
                low += areas[p];
            }
        }
    }
    if land > 0.0 && all_low > 0.0 {
        zones.report.large_concentration = (low / land) / (all_low / all);
    }
    zones
}

/// The order in which towns are zoned: most parcels first (ties by index), so that the
/// parallel loop does not end on one large town while the other cores idle.
fn town_schedule(town_members: &[Vec<u32>]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..town_members.len() as u32).collect();
    order.sort_by_key(|&t| (std::cmp::Reverse(town_members[t as usize].len()), t));
    order
}

/// `zone(t)` for every town of `schedule` (a permutation of `0..n`), run in parallel in
/// schedule order, one town a task, and returned in town order (index `t` holds
/// `zone(t)`), whatever the schedule.
fn in_town_order<T: Send>(schedule: Vec<u32>, zone: impl Fn(u32) -> T + Sync) -> Vec<T> {
    let mut done: Vec<(u32, T)> = schedule
        .into_par_iter()
        .with_max_len(1)
        .map(|t| (t, zone(t)))
        .collect();
    done.sort_unstable_by_key(|d| d.0);
    done.into_iter().map(|d| d.1).collect()
}

fn make_zone(
    id: String,
    town: &str,
    level: ZoneLevel,
    d: &Drawn,
    input: &ZoneInput,
    parent_id: Option<String>,
) -> Zone {
    let member_area: f64 = d
        .parcels
        .iter()
        .map(|&p| input.parcels[p as usize].area_m2)
        .sum();
    let low_area: f64 = d
        .parcels
        .iter()
        .filter(|&&p| input.low[p as usize])
        .map(|&p| input.parcels[p as usize].area_m2)
        .sum();
    let mut by_type: std::collections::BTreeMap<LandClass, f64> = Default::default();
    for &p in &d.parcels {
        if let Some(t) = input.ltype[p as usize] {
            *by_type.entry(t).or_default() += input.parcels[p as usize].area_m2;
        }
    }
    let dom_type = by_type
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(t, _)| *t);
    Zone {
        id,
        town: town.to_string(),
        level,
        parcels: d.parcels.clone(),
        compact: outline::polsby_popper(&d.outline),
        outline: d.outline.clone(),
        area_m2: if level == ZoneLevel::Small {
            d.area_m2
        } else {
            d.outline.unsigned_area()
        },
        low_share: if member_area > 0.0 {
            low_area / member_area
        } else {
            0.0
        },
        dom_type,
        parent_id,
        note: d.note.clone(),
        program: false,
        rank: None,
        mode: None,
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    #[test]
    fn towns_run_largest_first_and_come_back_in_town_order() {
        let members: Vec<Vec<u32>> =
            vec![vec![0], vec![1, 2, 3], vec![], vec![4, 5, 6], vec![7, 8]];
        let schedule = town_schedule(&members);
        assert_eq!(schedule, [1, 3, 4, 0, 2]);
        let got = in_town_order(schedule, |t| (t, members[t as usize].len()));
        assert_eq!(got, [(0, 1), (1, 3), (2, 0), (3, 3), (4, 2)]);
    }
}
