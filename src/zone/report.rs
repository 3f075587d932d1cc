//! The policy report of the zones, per town and for the district (`summary.json` →
//! `zones`): counts and areas per level, capture and concentration of the circles, the
//! programme's share inside large circles (policy ≥ 70 %), unit sizes, contiguous
//! industrial renewal areas (连片工改工 ≥ 500 mu), consent (≥ 80 %).

use super::{graph::Graph, programme, ZoneInput, ZoneLevel, ZoneOptions, Zones};
use crate::landuse::LandClass;
use crate::model::{m2_to_mu, M2_PER_KM2};
use serde::Serialize;

/// One circle level in a town.
#[derive(Debug, Default, Clone, Serialize)]
pub struct LevelReport {
    pub count: usize,
    pub area_km2: f64,
    /// Share of the town's low-efficiency area inside this level's circles.
    pub capture: f64,
    /// Low-efficiency share inside the circles ÷ that of the whole town (> 1: concentrated).
    pub concentration: f64,
    /// Circles whose size is outside the policy range (each carries a note).
    pub out_of_range: usize,
}

/// The renewal programme of a town.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ProgrammeReport {
    pub target_mu: f64,
    pub area_mu: f64,
    pub units: usize,
    pub share_in_large: f64,
    pub share_in_middle: f64,
    /// ≥ 70 % of the programme inside large circles (东府〔2023〕4号).
    pub meets_policy: bool,
    /// Why the programme misses the policy, when it does (also on the town's large circles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<String>,
}

/// The zones of one town.
#[derive(Debug, Default, Clone, Serialize)]
pub struct TownReport {
    pub town: String,
    pub parcels: usize,
    pub area_km2: f64,
    /// Low-efficiency land that may be renewed (not excluded).
    pub low_area_km2: f64,
    pub large: LevelReport,
    pub middle: LevelReport,
    pub small_count: usize,
    pub small_area_mu: f64,
    /// Units above the 300 mu line (one parcel alone exceeds it).
    pub small_above_max: usize,
    pub scattered_parcels: usize,
    pub scattered_mu: f64,
    pub programme: ProgrammeReport,
    /// Areas (mu) of contiguous low-efficiency industrial land of at least 500 mu (连片工改工).
    pub contiguous_industrial_mu: Vec<f64>,
    /// Units whose consent was surveyed, and those at or above the consent line.
    pub units_with_consent: usize,
    pub units_meeting_consent: usize,
    pub notes: Vec<String>,
}

/// 连片工改工 per town: areas (mu, descending) of the contiguous low-efficiency industrial
/// land of at least the policy's size, from one pass over the neighbour graph (whose
/// edges never cross a town line).
pub(super) fn contiguous_industrial(
    graph: &Graph,
    input: &ZoneInput,
    eligible: &[bool],
    town_id: &[u32],
    towns: usize,
    opts: &ZoneOptions,
) -> Vec<Vec<f64>> {
    let industrial: Vec<bool> = (0..eligible.len())
        .map(|p| eligible[p] && input.ltype[p] == Some(LandClass::Industrial))
        .collect();
    let mut per_town = vec![Vec::new(); towns];
    for c in super::graph::components(graph, &industrial) {
        let mu = m2_to_mu(c.iter().map(|&p| input.parcels[p as usize].area_m2).sum());
        if mu >= opts.contiguous_industrial_mu {
            per_town[town_id[c[0] as usize] as usize].push(mu);
        }
    }
    for areas in &mut per_town {
        areas.sort_by(|a, b| b.total_cmp(a));
    }
    per_town
}

/// The whole report.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ZoneReport {
    pub gap_m: f64,
    pub towns: Vec<TownReport>,
    pub large_circles: usize,
    pub middle_circles: usize,
    pub small_circles: usize,
    /// District-wide concentration of the large circles.
    pub large_concentration: f64,
    /// Towns whose programme meets the 70 % rule.
    pub towns_meeting_policy: usize,
}

impl ZoneReport {
    pub(super) fn finish(&mut self, opts: &ZoneOptions) {
        self.gap_m = opts.gap.get();
        self.large_circles = self.towns.iter().map(|t| t.large.count).sum();
        self.middle_circles = self.towns.iter().map(|t| t.middle.count).sum();
        self.small_circles = self.towns.iter().map(|t| t.small_count).sum();
        self.towns_meeting_policy = self
            .towns
            .iter()
            .filter(|t| t.programme.meets_policy)
            .count();
    }
}

/// Builds one town's report: `members` are the town's parcels, its zones those at and
/// after `first` (large, middle, small) in `zones`, `contiguous` its 连片工改工 areas.
#[allow(clippy::too_many_arguments)]
pub(super) fn town_report(
    name: &str,
    members: &[u32],
    input: &ZoneInput,
    opts: &ZoneOptions,
    eligible: &[bool],
    zones: &Zones,
    first: (usize, usize, usize),
    contiguous_industrial_mu: Vec<f64>,
) -> TownReport {
    let area = |p: usize| input.parcels[p].area_m2;
    let members: Vec<usize> = members.iter().map(|&p| p as usize).collect();
    let town_area: f64 = members.iter().map(|&p| area(p)).sum();
    let town_low: f64 = members
        .iter()
        .filter(|&&p| eligible[p])
        .map(|&p| area(p))
        .sum();
    let town_share = if town_area > 0.0 {
        town_low / town_area
    } else {
        0.0
    };

    let level = |of: &[Option<u32>], zs: &[super::Zone], from: usize, range_km2: (f64, f64)| {
        let inside: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&p| of[p].is_some())
            .collect();
        let land: f64 = inside.iter().map(|&p| area(p)).sum();
        let low: f64 = inside
            .iter()
            .filter(|&&p| eligible[p])
            .map(|&p| area(p))
            .sum();
        let mine = &zs[from..];
        LevelReport {
            count: mine.len(),
            area_km2: mine.iter().map(|z| z.area_m2).sum::<f64>() / M2_PER_KM2,
            capture: if town_low > 0.0 { low / town_low } else { 0.0 },
            concentration: if land > 0.0 && town_share > 0.0 {
                (low / land) / town_share
            } else {
                0.0
            },
            out_of_range: mine
                .iter()
                .filter(|z| {
                    let km2 = z.area_m2 / M2_PER_KM2;
                    km2 < range_km2.0 || km2 > range_km2.1
                })
                .count(),
        }
    };
    let large = level(
        &zones.large_of,
        &zones.large,
        first.0,
        (opts.large_min_km2, opts.large_max_km2),
    );
    let middle = level(
        &zones.middle_of,
        &zones.middle,
        first.1,
        (opts.middle_min_km2, opts.middle_max_km2),
    );
    let units = &zones.small[first.2..];

    let programme_units: Vec<&super::Zone> = units.iter().filter(|u| u.program).collect();
    let prog_area: f64 = programme_units.iter().map(|u| u.area_m2).sum();
    let in_level = |of: &[Option<u32>]| -> f64 {
        programme_units
            .iter()
            .filter(|u| of[u.parcels[0] as usize].is_some())
            .map(|u| u.area_m2)
            .sum()
    };
    let share = |x: f64| if prog_area > 0.0 { x / prog_area } else { 0.0 };
    let share_in_large = share(in_level(&zones.large_of));
    let target_mu = match opts.target {
        super::Target::Share(s) => m2_to_mu(s * town_low),
        super::Target::Mu(mu) => mu,
    };
    let mut programme = ProgrammeReport {
        target_mu,
        area_mu: m2_to_mu(prog_area),
        units: programme_units.len(),
        share_in_large,
        share_in_middle: share(in_level(&zones.middle_of)),
        meets_policy: prog_area > 0.0 && share_in_large >= opts.programme_in_large,
        shortfall: None,
    };

    let mut notes: Vec<String> = zones.large[first.0..]
        .iter()
        .chain(&zones.middle[first.1..])
        .filter(|z| !z.note.is_empty())
        .map(|z| format!("{}: {}", z.id, z.note))
        .collect();
    if town_low <= 0.0 {
        notes.push("no low-efficiency land outside exclusions: no circles drawn".into());
    } else if prog_area > 0.0 && !programme.meets_policy {
        let units_in_large: f64 = units
            .iter()
            .filter(|u| zones.large_of[u.parcels[0] as usize].is_some())
            .map(|u| u.area_m2)
            .sum();
        let why = format!(
            "the programme has {:.0} % of its area inside large circles (policy ≥ {:.0} %): the large circles hold {:.0} mu of renewal units against a target of {:.0} mu",
            share_in_large * 100.0,
            opts.programme_in_large * 100.0,
            m2_to_mu(units_in_large),
            target_mu
        );
        notes.push(why.clone());
        programme.shortfall = Some(why);
    }

    let consents: Vec<Option<f64>> = units.iter().map(|u| programme::consent(u, input)).collect();
    let scattered: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&p| zones.scattered[p])
        .collect();
    TownReport {
        town: name.to_string(),
        parcels: members.len(),
        area_km2: town_area / M2_PER_KM2,
        low_area_km2: town_low / M2_PER_KM2,
        large,
        middle,
        small_count: units.len(),
        small_area_mu: m2_to_mu(units.iter().map(|u| u.area_m2).sum()),
        small_above_max: units
            .iter()
            .filter(|u| u.level == ZoneLevel::Small && !u.note.is_empty())
            .count(),
        scattered_parcels: scattered.len(),
        scattered_mu: m2_to_mu(scattered.iter().map(|&p| area(p)).sum()),
        programme,
        contiguous_industrial_mu,
        units_with_consent: consents.iter().filter(|c| c.is_some()).count(),
        units_meeting_consent: consents
            .iter()
            .filter(|c| c.is_some_and(|c| c >= opts.consent_line))
            .count(),
        notes,
    }
}
