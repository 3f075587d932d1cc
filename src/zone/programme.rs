//! The near-term renewal programme (改造规模) of a town: its renewal units ranked, and
//! taken in rank order until the town's target scale is reached.
//!
//! Rank: units inside a middle circle first (the policy steers resources to near-term
//! middle circles), then inside a large circle, then the rest; within each tier, units
//! whose owners' consent reaches the line first (they can proceed), then the least
//! efficient (lowest mean composite score), then the larger, then by id.

use super::{Target, Zone, ZoneInput, ZoneOptions};
use crate::model::M2_PER_MU;
use std::cmp::Ordering;

/// Area-weighted consent of a unit's parcels; `None` when none was surveyed.
pub fn consent(zone: &Zone, input: &ZoneInput) -> Option<f64> {
    let (mut sum, mut area) = (0.0, 0.0);
    for &p in &zone.parcels {
        if let Some(c) = input.consent[p as usize] {
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

/// Ranks a town's units and marks its programme.
pub fn plan(
    units: &mut [Zone],
    input: &ZoneInput,
    opts: &ZoneOptions,
    town_low_m2: f64,
    middle_of: &[Option<u32>],
    large_of: &[Option<u32>],
) {
    let target_m2 = match opts.target {
        Target::Share(s) => s * town_low_m2,
        Target::Mu(mu) => mu * M2_PER_MU,
    };
    let keys: Vec<(u8, u8, Option<f64>, f64)> = units
        .iter()
        .map(|u| {
            let first = u.parcels[0] as usize;
            let tier = if middle_of[first].is_some() {
                0
            } else if large_of[first].is_some() {
                1
            } else {
                2
            };
            let consent_rank = match consent(u, input) {
                Some(c) if c >= opts.consent_line => 0,
                None => 1,
                Some(_) => 2,
            };
            (tier, consent_rank, mean_score(u, input), u.area_m2)
        })
        .collect();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        ka.0.cmp(&kb.0)
            .then(ka.1.cmp(&kb.1))
            .then(match (ka.2, kb.2) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then(kb.3.total_cmp(&ka.3))
            .then(units[a].id.cmp(&units[b].id))
    });
    let mut planned = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        units[i].rank = Some(rank + 1);
        if planned < target_m2 {
            units[i].program = true;
            planned += units[i].area_m2;
        }
    }
}
