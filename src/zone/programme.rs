//! The near-term renewal programme (改造规模) of a town.
//!
//! With a planned programme ([`super::PlanInput`]), a renewal unit is in it when most of
//! its area is planned: the plan decides, and the 70 % rule measures the plan.
//!
//! Without one, landsift proposes a programme: its renewal units ranked and taken in
//! rank order until the town's target scale is reached. Rank: units whose owners'
//! consent reaches the line first (they can proceed), then the least efficient (lowest
//! mean composite score), then the larger, then by id. Being inside a circle plays no
//! part, so the share of the proposal inside large circles is a measurement that can
//! miss the 70 % rule, not something the ranking builds in.

use super::{Target, Zone, ZoneInput, ZoneOptions};
use crate::model::M2_PER_MU;
use std::cmp::Ordering;

/// Area-weighted consent (by land area) of a unit's parcels; `None` when none was
/// surveyed.
pub fn consent(zone: &Zone, input: &ZoneInput) -> Option<f64> {
    weighted(zone, input, input.consent)
}

/// Area-weighted consent by headcount of a unit's parcels (each parcel's share of its
/// owners, weighted by its area: the owners of each parcel are not counted in the
/// survey); `None` when none was surveyed.
pub fn consent_heads(zone: &Zone, input: &ZoneInput) -> Option<f64> {
    weighted(zone, input, input.consent_heads)
}

/// Whether a unit meets the consent line: by area, and by headcount too where that was
/// surveyed (`None`: consent unknown).
pub fn meets_consent(zone: &Zone, input: &ZoneInput, line: f64) -> Option<bool> {
    let area = consent(zone, input)?;
    Some(area >= line && consent_heads(zone, input).is_none_or(|h| h >= line))
}

fn weighted(zone: &Zone, input: &ZoneInput, values: &[Option<f64>]) -> Option<f64> {
    let (mut sum, mut area) = (0.0, 0.0);
    for &p in &zone.parcels {
        if let Some(c) = values.get(p as usize).copied().flatten() {
            let a = input.parcels[p as usize].area_m2;
            sum += c * a;
            area += a;
        }
    }
    (area > 0.0).then(|| sum / area)
}

fn mean_score(zone: &Zone, input: &ZoneInput) -> Option<f64> {
    let scores: Vec<f64> = zone
        .parcels
        .iter()
        .filter_map(|&p| input.score[p as usize])
        .collect();
    (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
}

/// Ranks a town's units and marks its programme: the planned units when there is a
/// plan, else the proposal taken in rank order up to the target.
pub fn plan(units: &mut [Zone], input: &ZoneInput, opts: &ZoneOptions, town_low_m2: f64) {
    let target_m2 = match opts.target {
        Target::Share(s) => s * town_low_m2,
        Target::Mu(mu) => mu * M2_PER_MU,
    };
    let keys: Vec<(u8, Option<f64>, f64)> = units
        .iter()
        .map(|u| {
            let consent_rank = match meets_consent(u, input, opts.consent_line) {
                Some(true) => 0,
                None => 1,
                Some(false) => 2,
            };
            (consent_rank, mean_score(u, input), u.area_m2)
        })
        .collect();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        ka.0.cmp(&kb.0)
            .then(match (ka.1, kb.1) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then(kb.2.total_cmp(&ka.2))
            .then(units[a].id.cmp(&units[b].id))
    });
    let mut planned = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        units[i].rank = Some(rank + 1);
        units[i].program = match &input.plan {
            Some(plan) => {
                let inside: f64 = units[i]
                    .parcels
                    .iter()
                    .filter(|&&p| plan.unit_of[p as usize].is_some())
                    .map(|&p| input.parcels[p as usize].area_m2)
                    .sum();
                inside >= 0.5 * units[i].area_m2
            }
            None => {
                let take = planned < target_m2;
                if take {
                    planned += units[i].area_m2;
                }
                take
            }
        };
    }
}
