//! Large circles (大圈, 5–10 km²): grown over the town's node graph where low-efficiency
//! land concentrates ([`super::circles::grow`], mass pull 2), a few per town.

use super::circles::{self, Level, Node, Region};
use super::ZoneOptions;
use geo::MultiPolygon;

/// The town's large circles over its `nodes`, at most `large_per_town`, none on a node
/// holding `excluded` land.
pub(super) fn large_circles(
    nodes: &[Node],
    excluded: &[bool],
    geoms: &[&MultiPolygon<f64>],
    opts: &ZoneOptions,
) -> Vec<Region> {
    let town_mass: f64 = nodes.iter().map(|n| n.mass_m2).sum();
    let town_area: f64 = nodes.iter().map(|n| n.area_m2).sum();
    let level = Level {
        min_m2: opts.large_min_km2 * 1e6,
        max_m2: opts.large_max_km2 * 1e6,
        pull: 2.0,
    };
    let mut allowed: Vec<bool> = excluded.iter().map(|e| !e).collect();
    let mut large: Vec<Region> = Vec::new();
    while large.len() < opts.large_per_town && town_mass > 0.0 {
        let Some(region) = circles::grow(nodes, &allowed, &level, geoms, opts.circle_gap.get())
        else {
            break;
        };
        // A further large circle must hold a real part of the town's low land, more
        // densely than the town does (covering the town is not a delineation).
        let town_share = town_mass / town_area.max(1.0);
        let share = region.mass_m2 / region.area_m2.max(1.0);
        if !large.is_empty() && (region.mass_m2 < 0.1 * town_mass || share < 1.2 * town_share) {
            break;
        }
        for &nd in &region.nodes {
            allowed[nd as usize] = false;
        }
        large.push(region);
    }
    large
}
