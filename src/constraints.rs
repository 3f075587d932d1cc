//! Exclusions and controls: the share of each parcel inside the ecological protection
//! red line (生态保护红线), permanent basic farmland (永久基本农田), historic protection
//! lines (历史文化保护线) and the industrial land control line (工业用地控制线).
//! The first three exclude a parcel from renewal; inside the industrial control line a
//! parcel may only be renewed industry-to-industry (工改工).

use crate::model::Choice;
use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Polygon};
use rayon::prelude::*;
use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree, AABB};
use serde::{Deserialize, Serialize};

/// What a constraint layer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// 生态保护红线: excludes.
    #[serde(alias = "eco-redline")]
    EcoRedline,
    /// 永久基本农田: excludes.
    Farmland,
    /// 历史文化保护线: excludes.
    Heritage,
    /// 工业用地控制线: tags 工改工 only.
    #[serde(alias = "industrial-control")]
    IndustrialControl,
}

/// On the command line `eco-redline`; in the configuration file `eco_redline` (serde).
/// Either spelling is accepted in both places.
impl Choice for ConstraintKind {
    const ALL: &'static [Self] = &[
        ConstraintKind::EcoRedline,
        ConstraintKind::Farmland,
        ConstraintKind::Heritage,
        ConstraintKind::IndustrialControl,
    ];

    fn name(self) -> &'static str {
        match self {
            ConstraintKind::EcoRedline => "eco-redline",
            ConstraintKind::Farmland => "farmland",
            ConstraintKind::Heritage => "heritage",
            ConstraintKind::IndustrialControl => "industrial-control",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        let name = name.replace('_', "-");
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}

impl ConstraintKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ConstraintKind::EcoRedline => "生态保护红线",
            ConstraintKind::Farmland => "永久基本农田",
            ConstraintKind::Heritage => "历史文化保护线",
            ConstraintKind::IndustrialControl => "工业用地控制线",
        }
    }

    /// Short field name of the share in the parcels layer (≤ 10 bytes).
    pub fn share_field(self) -> &'static str {
        match self {
            ConstraintKind::EcoRedline => "sh_eco",
            ConstraintKind::Farmland => "sh_farm",
            ConstraintKind::Heritage => "sh_heri",
            ConstraintKind::IndustrialControl => "sh_indctl",
        }
    }

    /// Whether it excludes a parcel from renewal (else it tags it).
    pub fn excludes(self) -> bool {
        self != ConstraintKind::IndustrialControl
    }

    /// Share of a parcel's area inside the layer from which the constraint applies.
    pub fn default_min_share(self) -> f64 {
        if self.excludes() {
            0.1
        } else {
            0.5
        }
    }
}

/// One constraint layer, prepared: its union, indexed.
pub struct ConstraintLayer {
    pub kind: ConstraintKind,
    pub min_share: f64,
    parts: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    polygons: Vec<Polygon<f64>>,
}

impl ConstraintLayer {
    /// Unions the layer's polygons (overlapping features count once) and indexes them.
    pub fn new(kind: ConstraintKind, min_share: f64, polygons: &[MultiPolygon<f64>]) -> Self {
        let all: Vec<&Polygon<f64>> = polygons.iter().flat_map(|m| m.0.iter()).collect();
        let union = geo::unary_union(all);
        let polygons: Vec<Polygon<f64>> = union.0;
        let parts = RTree::bulk_load(
            polygons
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let r = p.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    ))
                })
                .collect(),
        );
        ConstraintLayer {
            kind,
            min_share,
            parts,
            polygons,
        }
    }

    /// Share (0–1) of a parcel's area inside the layer.
    pub fn share(&self, parcel: &MultiPolygon<f64>, parcel_area: f64) -> f64 {
        let Some(r) = parcel.bounding_rect() else {
            return 0.0;
        };
        if parcel_area <= 0.0 {
            return 0.0;
        }
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        let mut hits: Vec<usize> = self
            .parts
            .locate_in_envelope_intersecting(&env)
            .map(|g| g.data)
            .collect();
        hits.sort_unstable(); // a fixed summation order: deterministic floats
        let inside: f64 = hits
            .iter()
            .map(|&i| parcel.intersection(&self.polygons[i]).unsigned_area())
            .sum();
        (inside / parcel_area).clamp(0.0, 1.0)
    }
}

/// Per parcel: its shares, whether it is excluded and why, and its tags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Controls {
    /// One share per constraint layer, in layer order.
    pub shares: Vec<f64>,
    pub excluded: bool,
    /// e.g. `生态保护红线 35%`, empty when not excluded.
    pub why: String,
    /// e.g. `工改工`.
    pub tags: String,
}

/// Overlays every parcel with every constraint layer, in parallel.
pub fn overlay(parcels: &[(&MultiPolygon<f64>, f64)], layers: &[ConstraintLayer]) -> Vec<Controls> {
    parcels
        .par_iter()
        .map(|(geom, area)| {
            let shares: Vec<f64> = layers.iter().map(|l| l.share(geom, *area)).collect();
            let mut why = Vec::new();
            let mut tags = Vec::new();
            for (l, s) in layers.iter().zip(&shares) {
                if *s > 0.0 && *s >= l.min_share {
                    if l.kind.excludes() {
                        why.push(format!("{} {:.0}%", l.kind.label_zh(), s * 100.0));
                    } else if !tags.contains(&"工改工") {
                        tags.push("工改工");
                    }
                }
            }
            Controls {
                excluded: !why.is_empty(),
                why: why.join("; "),
                tags: tags.join(";"),
                shares,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::square as sq;

    #[test]
    fn shares_exclusions_and_tags() {
        // Two overlapping red-line features covering x ∈ [0, 150): overlap counts once.
        let red = ConstraintLayer::new(
            ConstraintKind::EcoRedline,
            0.1,
            &[sq(0.0, 0.0, 100.0), sq(50.0, 0.0, 100.0)],
        );
        let ctl = ConstraintLayer::new(
            ConstraintKind::IndustrialControl,
            0.5,
            &[sq(100.0, 0.0, 300.0)],
        );
        let a = sq(0.0, 0.0, 100.0); // fully inside red
        let b = sq(140.0, 0.0, 100.0); // 10 % red (x 140–150), fully in control
        let c = sq(395.0, 0.0, 10.0); // half in control: tagged (≥ 0.5)
        let d = sq(1000.0, 0.0, 10.0); // outside everything
        let parcels: Vec<(&MultiPolygon<f64>, f64)> = [&a, &b, &c, &d]
            .iter()
            .map(|p| (*p, p.unsigned_area()))
            .collect();
        let out = overlay(&parcels, &[red, ctl]);
        assert!((out[0].shares[0] - 1.0).abs() < 1e-12);
        assert!(out[0].excluded && out[0].why == "生态保护红线 100%");
        assert!((out[1].shares[0] - 0.1).abs() < 1e-9);
        assert!(out[1].excluded, "10 % meets the default threshold");
        assert_eq!(out[1].tags, "工改工");
        assert!((out[2].shares[1] - 0.5).abs() < 1e-9);
        assert_eq!(out[2].tags, "工改工");
        assert!(!out[2].excluded);
        assert_eq!(
            out[3],
            Controls {
                shares: vec![0.0, 0.0],
                ..Default::default()
            }
        );
    }
}
