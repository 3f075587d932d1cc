//! One town's zones: its node graph (each renewal unit one node, every other parcel
//! alone), its large circles ([`super::large`]), the middle circles inside them
//! ([`super::middle`]), and its renewal units with their outlines. Towns are independent
//! (zones never cross a town line), so [`super::delineate`] zones them in parallel.

use super::circles::{Node, Region};
use super::shape::Shaping;
use super::{graph, outline, small, ZoneInput, ZoneOptions};
use crate::model::m2_to_mu;
use geo::{Coord, MultiPolygon, Rect};
use std::collections::{BTreeMap, HashMap};

/// A zone before it is named: members, outline, area and why its range is missed.
pub(super) struct Drawn {
    pub parcels: Vec<u32>,
    pub outline: MultiPolygon<f64>,
    pub area_m2: f64,
    pub note: String,
}

/// The zones drawn in one town.
pub(super) struct TownZones {
    pub large: Vec<Drawn>,
    /// With the index of the parent large circle within the town.
    pub middle: Vec<(Drawn, usize)>,
    pub small: Vec<Drawn>,
    /// Why a large circle was not drawn, when it was not.
    pub notes: Vec<String>,
}

/// What zoning one town needs: the district-wide inputs and the town's members.
pub(super) struct Town<'a> {
    /// The town's parcels, ascending.
    pub members: &'a [u32],
    pub input: &'a ZoneInput<'a>,
    pub opts: &'a ZoneOptions,
    /// The circle graph (`circle_gap`) of the whole district.
    pub graph: &'a graph::Graph,
    pub units: &'a small::Units,
    /// The town's renewal units (indexes into `units.units`), ascending.
    pub town_units: &'a [u32],
    pub geoms: &'a [&'a MultiPolygon<f64>],
    /// Bounding rectangle of each parcel.
    pub rects: &'a [Option<Rect<f64>>],
    pub areas: &'a [f64],
    pub centroids: &'a [Coord<f64>],
    /// What large circles pull, per parcel (the plan, or `eligible`).
    pub mass: &'a [bool],
    /// Block (run of touching parcels) of each parcel, and each block's area.
    pub block_of: &'a [u32],
    pub block_area: &'a [f64],
}

/// The town as a graph of nodes: each renewal unit one node, every other parcel alone.
struct TownGraph {
    pub nodes: Vec<Node>,
    /// The renewal unit a node stands for, `None` for a single parcel.
    pub unit_of_node: Vec<Option<u32>>,
    /// Nodes holding a parcel excluded from renewal.
    pub excluded: Vec<bool>,
    /// The nodes holding parcels of each block.
    pub block_nodes: BTreeMap<u32, Vec<u32>>,
}

impl Town<'_> {
    /// Draws the town's large and middle circles and outlines its renewal units.
    pub fn zone(&self) -> TownZones {
        let tg = self.node_graph();
        let shaping = Shaping {
            nodes: &tg.nodes,
            geoms: self.geoms,
            rects: self.rects,
            areas: self.areas,
            block_of: self.block_of,
            block_area: self.block_area,
            block_nodes: &tg.block_nodes,
            gap: self.opts.circle_gap.get(),
        };
        let (large, notes) =
            super::large::large_circles(&tg.nodes, &tg.excluded, &shaping, self.opts);
        let middle = super::middle::middle_circles(
            &tg.nodes,
            &tg.unit_of_node,
            &tg.excluded,
            &large,
            &shaping,
            self.opts,
        );
        let drawn = |r: &Region| {
            let mut parcels: Vec<u32> = r
                .nodes
                .iter()
                .flat_map(|&nd| tg.nodes[nd as usize].parcels.iter().copied())
                .collect();
            parcels.sort_unstable();
            Drawn {
                parcels,
                area_m2: r.outline_m2,
                outline: r.outline.clone(),
                note: r.note.clone(),
            }
        };
        TownZones {
            large: large.iter().map(drawn).collect(),
            middle: middle.iter().map(|(m, li)| (drawn(m), *li)).collect(),
            small: self.renewal_units(),
            notes,
        }
    }

    fn node_graph(&self) -> TownGraph {
        let (units, areas, centroids) = (self.units, self.areas, self.centroids);
        let key_of = |p: u32| match units.unit_of[p as usize] {
            Some(u) => (1u8, u),
            None => (0u8, p),
        };
        let mut node_of = HashMap::new();
        let mut nodes: Vec<Node> = Vec::new();
        let mut unit_of_node: Vec<Option<u32>> = Vec::new();
        for &p in self.members {
            let key = key_of(p);
            let idx = *node_of.entry(key).or_insert_with(|| {
                nodes.push(Node {
                    parcels: Vec::new(),
                    area_m2: 0.0,
                    mass_m2: 0.0,
                    centroid: Coord::default(),
                    neighbours: Vec::new(),
                });
                unit_of_node.push((key.0 == 1).then_some(key.1));
                (nodes.len() - 1) as u32
            });
            let node = &mut nodes[idx as usize];
            node.parcels.push(p);
            let a = areas[p as usize];
            node.centroid.x += centroids[p as usize].x * a;
            node.centroid.y += centroids[p as usize].y * a;
            node.area_m2 += a;
            if self.mass[p as usize] {
                node.mass_m2 += a;
            }
        }
        for node in nodes.iter_mut().filter(|n| n.area_m2 > 0.0) {
            node.centroid.x /= node.area_m2;
            node.centroid.y /= node.area_m2;
        }
        let neighbour_lists: Vec<Vec<u32>> = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let mut nb: Vec<u32> = node
                    .parcels
                    .iter()
                    .flat_map(|&p| self.graph.neighbours(p as usize).iter().copied())
                    .map(|p| node_of[&key_of(p)])
                    .filter(|&m| m as usize != i)
                    .collect();
                nb.sort_unstable();
                nb.dedup();
                nb
            })
            .collect();
        for (node, nb) in nodes.iter_mut().zip(neighbour_lists) {
            node.neighbours = nb;
        }
        let excluded = nodes
            .iter()
            .map(|n| n.parcels.iter().any(|&p| self.input.excluded[p as usize]))
            .collect();
        let mut block_nodes: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (i, node) in nodes.iter().enumerate() {
            for &p in &node.parcels {
                let list = block_nodes.entry(self.block_of[p as usize]).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        TownGraph {
            nodes,
            unit_of_node,
            excluded,
            block_nodes,
        }
    }

    /// The town's renewal units with their outlines (gaps closed at `gap`).
    fn renewal_units(&self) -> Vec<Drawn> {
        let (units, opts) = (self.units, self.opts);
        self.town_units
            .iter()
            .map(|&ui| (ui as usize, &units.units[ui as usize]))
            .map(|(ui, u)| {
                let member_geoms: Vec<&MultiPolygon<f64>> =
                    u.members.iter().map(|&p| self.geoms[p as usize]).collect();
                let note = if units.oversize.contains(&(ui as u32)) {
                    format!(
                        "{:.0} mu: one parcel alone exceeds {:.0} mu (parcels are never cut)",
                        m2_to_mu(u.area_m2),
                        opts.unit.max_mu.get()
                    )
                } else {
                    String::new()
                };
                Drawn {
                    parcels: u.members.clone(),
                    outline: outline::outline(&member_geoms, opts.gap.get()),
                    area_m2: u.area_m2,
                    note,
                }
            })
            .collect()
    }
}
