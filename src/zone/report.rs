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
    /// `plan`: the town's planned programme (given as input), which the 70 % rule is
    /// about; `proposal`: landsift's own, ranked without regard to the circles.
    pub basis: String,
    /// The proposal's target (the plan's own area when there is a plan).
    pub target_mu: f64,
    pub area_mu: f64,
    pub units: usize,
    pub share_in_large: f64,
    pub share_in_middle: f64,
    /// ≥ 70 % of the programme inside large circles (东府〔2023〕4号 (五)).
    pub meets_policy: bool,
    /// Why the programme misses the policy, when it does (also on the town's large circles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<String>,
    /// Units of the programme mostly (over half their area) outside every large circle.
    pub units_outside: Vec<UnitOutside>,
    /// Industrial land in the programme (mu), and how much of it stays industrial (工改工),
    /// changes use (工改居商), or is not known to do either.
    pub industrial_mu: f64,
    pub industrial_stays_mu: f64,
    pub industrial_changes_mu: f64,
    pub industrial_unknown_mu: f64,
    /// 工改工 ÷ (工改工 + 工改居商), over the land whose outcome is known (东府〔2023〕4号
    /// (十四): ≥ 70 %; old villages do not count); `None` when none is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stays_industrial_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meets_industrial_share: Option<bool>,
}

/// A programme unit outside the large circles.
#[derive(Debug, Default, Clone, Serialize)]
pub struct UnitOutside {
    pub unit: String,
    pub area_mu: f64,
    /// Share of its area inside a large circle.
    pub inside_large: f64,
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
    /// Units whose consent by land area was surveyed, those whose consent by headcount
    /// was, and those at or above the consent line (by area, and by headcount where
    /// surveyed: 东府〔2023〕4号 (十) asks 80 % of both).
    pub units_with_consent: usize,
    pub units_with_headcount: usize,
    pub units_meeting_consent: usize,
    /// Contiguous industrial renewal line (连片工改工), mu, beside the areas above.
    pub contiguous_industrial_line_mu: f64,
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

/// The town's programme as (unit name, parcels): the planned units' parcels in the town
/// when there is a plan, else the proposed renewal units.
fn programme_units(
    members: &[usize],
    input: &ZoneInput,
    units: &[super::Zone],
) -> Vec<(String, Vec<usize>)> {
    match &input.plan {
        Some(plan) => {
            let mut by_unit: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
            for &p in members {
                if let Some(u) = plan.unit_of[p] {
                    by_unit.entry(u).or_default().push(p);
                }
            }
            by_unit
                .into_iter()
                .map(|(u, ps)| (plan.units[u as usize].name.clone(), ps))
                .collect()
        }
        None => units
            .iter()
            .filter(|u| u.program)
            .map(|u| {
                (
                    u.id.clone(),
                    u.parcels.iter().map(|&p| p as usize).collect(),
                )
            })
            .collect(),
    }
}

/// The zones of town `name`, which start at `from` and are listed together.
fn of_town<'z>(zones: &'z [super::Zone], from: usize, name: &str) -> &'z [super::Zone] {
    let rest = &zones[from.min(zones.len())..];
    let len = rest.iter().take_while(|z| z.town == name).count();
    &rest[..len]
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
        let mine = of_town(zs, from, name);
        LevelReport {
            count: mine.len(),
            area_km2: mine.iter().map(|z| z.area_m2).sum::<f64>() / M2_PER_KM2,
            // `+ 0.0`: an empty sum is -0.0, which would print as "-0".
            capture: if town_low > 0.0 {
                low / town_low + 0.0
            } else {
                0.0
            },
            concentration: if land > 0.0 && town_share > 0.0 {
                (low / land) / town_share + 0.0
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
    let units = of_town(&zones.small, first.2, name);

    let prog = programme_units(&members, input, units);
    let prog_area: f64 = prog
        .iter()
        .map(|(_, ps)| ps.iter().map(|&p| area(p)).sum::<f64>())
        .sum();
    let in_level = |of: &[Option<u32>]| -> f64 {
        prog.iter()
            .flat_map(|(_, ps)| ps.iter())
            .filter(|&&p| of[p].is_some())
            .map(|&p| area(p))
            .sum()
    };
    let share = |x: f64| {
        if prog_area > 0.0 {
            x / prog_area + 0.0
        } else {
            0.0
        }
    };
    let share_in_large = share(in_level(&zones.large_of));
    let target_mu = match (&input.plan, opts.target) {
        (Some(_), _) => m2_to_mu(prog_area),
        (None, super::Target::Share(s)) => m2_to_mu(s * town_low),
        (None, super::Target::Mu(mu)) => mu,
    };
    let units_outside: Vec<UnitOutside> = prog
        .iter()
        .filter_map(|(name, ps)| {
            let total: f64 = ps.iter().map(|&p| area(p)).sum();
            let inside: f64 = ps
                .iter()
                .filter(|&&p| zones.large_of[p].is_some())
                .map(|&p| area(p))
                .sum();
            (total > 0.0 && inside < 0.5 * total).then(|| UnitOutside {
                unit: name.clone(),
                area_mu: m2_to_mu(total),
                inside_large: inside / total + 0.0,
            })
        })
        .collect();
    let (mut ind, mut stays, mut changes) = (0.0, 0.0, 0.0);
    for &p in prog.iter().flat_map(|(_, ps)| ps.iter()) {
        if input.ltype[p] == Some(LandClass::Industrial) {
            ind += area(p);
            match input.stays_industrial.get(p).copied().flatten() {
                Some(true) => stays += area(p),
                Some(false) => changes += area(p),
                None => {}
            }
        }
    }
    let stays_share = (stays + changes > 0.0).then(|| stays / (stays + changes));
    let mut programme = ProgrammeReport {
        basis: if input.plan.is_some() {
            "plan"
        } else {
            "proposal"
        }
        .into(),
        target_mu,
        area_mu: m2_to_mu(prog_area),
        units: prog.len(),
        share_in_large,
        share_in_middle: share(in_level(&zones.middle_of)),
        meets_policy: prog_area > 0.0 && share_in_large >= opts.programme_in_large,
        shortfall: None,
        units_outside,
        industrial_mu: m2_to_mu(ind),
        industrial_stays_mu: m2_to_mu(stays),
        industrial_changes_mu: m2_to_mu(changes),
        industrial_unknown_mu: m2_to_mu(ind - stays - changes),
        stays_industrial_share: stays_share,
        meets_industrial_share: stays_share.map(|s| s >= opts.stays_industrial_line),
    };

    let mut notes: Vec<String> = of_town(&zones.large, first.0, name)
        .iter()
        .chain(of_town(&zones.middle, first.1, name))
        .filter(|z| !z.note.is_empty())
        .map(|z| format!("{}: {}", z.id, z.note))
        .collect();
    if input.plan.is_none() && town_low > 0.0 {
        notes.push(format!(
            "the 70 % rule (东府〔2023〕4号 (五)) is about the town's planned renewal scale: without a planned programme (--programme) it is measured on landsift's proposal, ranked by consent, efficiency and size ({:.0} % inside large circles)",
            share_in_large * 100.0
        ));
    }
    if input.plan.is_some() && prog_area <= 0.0 {
        notes.push("the planned programme has no land in this town".into());
    }
    if town_low <= 0.0 && input.plan.is_none() {
        notes.push("no low-efficiency land outside exclusions: no circles drawn".into());
    } else if prog_area > 0.0 && !programme.meets_policy {
        let outside_mu: f64 = programme.units_outside.iter().map(|u| u.area_mu).sum();
        let why = format!(
            "the {} has {:.0} % of its area inside large circles (policy ≥ {:.0} %): {} of its units ({:.0} mu) lie mostly outside them",
            if input.plan.is_some() { "planned programme" } else { "proposed programme" },
            share_in_large * 100.0,
            opts.programme_in_large * 100.0,
            programme.units_outside.len(),
            outside_mu
        );
        notes.push(why.clone());
        programme.shortfall = Some(why);
    }

    let consents: Vec<Option<f64>> = units.iter().map(|u| programme::consent(u, input)).collect();
    let headcounts = units
        .iter()
        .filter(|u| programme::consent_heads(u, input).is_some())
        .count();
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
        units_with_headcount: headcounts,
        units_meeting_consent: units
            .iter()
            .filter(|u| programme::meets_consent(u, input, opts.consent_line) == Some(true))
            .count(),
        contiguous_industrial_line_mu: opts.contiguous_industrial_mu,
        notes,
    }
}
