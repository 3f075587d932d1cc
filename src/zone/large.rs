//! Large circles (大圈, 5–10 km²): grown over the town's node graph where low-efficiency
//! land concentrates ([`super::circles::grow`], mass pull 2), a few per town.

use super::circles::{self, Level, Node, Region};
use super::shape::Shaping;
use super::ZoneOptions;
use crate::model::m2_to_mu;

/// The town's large circles over its `nodes`, at most `large_per_town`, none on a node
/// holding `excluded` land, and why no (further) circle was drawn where the land is not
/// concentrated enough for one.
pub(super) fn large_circles(
    nodes: &[Node],
    excluded: &[bool],
    shaping: &Shaping,
    opts: &ZoneOptions,
) -> (Vec<Region>, Vec<String>) {
    let town_mass: f64 = nodes.iter().map(|n| n.mass_m2).sum();
    let town_area: f64 = nodes.iter().map(|n| n.area_m2).sum();
    let level = Level {
        min_m2: opts.large_min_km2 * 1e6,
        max_m2: opts.large_max_km2 * 1e6,
        pull: 2.0,
    };
    let mut allowed: Vec<bool> = excluded.iter().map(|e| !e).collect();
    let mut large: Vec<Region> = Vec::new();
    let mut notes = Vec::new();
    while large.len() < opts.large_per_town && town_mass > 0.0 {
        let Some(region) = circles::grow(nodes, shaping, &allowed, &level) else {
            break;
        };
        // A large circle must hold low-efficiency land more densely than its town does
        // (covering the town is not a delineation) and make up a real part of its own
        // area; a further one must also hold a real part of the town's low land.
        let town_share = town_mass / town_area.max(1.0);
        let share = region.mass_m2 / region.area_m2.max(1.0);
        let weak = share < MIN_CONCENTRATION * town_share || share < MIN_SHARE;
        if weak || (!large.is_empty() && region.mass_m2 < 0.1 * town_mass) {
            if large.is_empty() {
                notes.push(format!(
                    "no large circle: the most concentrated area found ({:.2} km²) holds {:.0} mu of low-efficiency land, {:.1} % of its land against {:.1} % in the town (a large circle needs at least {:.0} % and {:.1} times the town's share)",
                    region.outline_m2 / 1e6,
                    m2_to_mu(region.mass_m2),
                    share * 100.0,
                    town_share * 100.0,
                    MIN_SHARE * 100.0,
                    MIN_CONCENTRATION
                ));
            }
            break;
        }
        for &nd in &region.nodes {
            allowed[nd as usize] = false;
        }
        large.push(region);
    }
    (large, notes)
}

/// Least low-efficiency share of a large circle's land ÷ the town's.
const MIN_CONCENTRATION: f64 = 1.2;

/// Least low-efficiency share of a large circle's land: below it the circle is drawn
/// around scattered land (on real data, 41 mu in 4.76 km², 0.5 %).
const MIN_SHARE: f64 = 0.05;
