//! Middle circles (中圈, 1–3 km²): grown inside each large circle over the renewal units
//! (mass pull 4: a unit's whole area is its mass, other parcels weigh nothing).

use super::circles::{self, Level, Node, Region};
use super::shape::Shaping;
use super::ZoneOptions;

/// The middle circles of each large circle, at most `middle_per_large` each, with the
/// index of their large circle. `unit_of_node` says which nodes are renewal units (the
/// others weigh nothing); no middle circle takes a node holding `excluded` land.
pub(super) fn middle_circles(
    nodes: &[Node],
    unit_of_node: &[Option<u32>],
    excluded: &[bool],
    large: &[Region],
    shaping: &Shaping,
    opts: &ZoneOptions,
) -> Vec<(Region, usize)> {
    let level = Level {
        min_m2: opts.middle_min_km2 * 1e6,
        max_m2: opts.middle_max_km2 * 1e6,
        pull: 2.0,
    };
    if large.is_empty() {
        return Vec::new();
    }
    let unit_nodes: Vec<Node> = nodes
        .iter()
        .zip(unit_of_node)
        .map(|(n, u)| Node {
            mass_m2: if u.is_some() { n.area_m2 } else { 0.0 },
            ..n.clone()
        })
        .collect();
    let mut middle = Vec::new();
    for (li, region) in large.iter().enumerate() {
        let mut inside = vec![false; nodes.len()];
        for &nd in &region.nodes {
            inside[nd as usize] = !excluded[nd as usize];
        }
        let unit_mass: f64 = region
            .nodes
            .iter()
            .map(|&nd| unit_nodes[nd as usize].mass_m2)
            .sum();
        let mut count = 0;
        while count < opts.middle_per_large && unit_mass > 0.0 {
            let Some(m) = circles::grow(&unit_nodes, shaping, &inside, &level) else {
                break;
            };
            if m.mass_m2 <= 0.0
                || (count > 0 && (m.mass_m2 < 0.1 * unit_mass || !m.note.is_empty()))
            {
                break;
            }
            for &nd in &m.nodes {
                inside[nd as usize] = false;
            }
            middle.push((m, li));
            count += 1;
        }
    }
    middle
}
