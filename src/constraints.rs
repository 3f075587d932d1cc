//! Exclusions and controls: the share of each parcel inside the ecological protection
//! red line (生态保护红线), permanent basic farmland (永久基本农田), historic protection
//! lines (历史文化保护线), the industrial land control line (工业用地控制线) and the urban
//! development boundary (城镇开发边界).
//!
//! The red line and basic farmland exclude a parcel from renewal; so does lying outside
//! the development boundary (renewal of urban land happens inside it: the parcel is out
//! of scope). Inside a historic protection line renewal is protective (微改造, no
//! demolition: the renewal modes read it); inside the industrial control line a parcel
//! may only be renewed industry-to-industry (工改工).

use crate::model::Choice;
use crate::spatial::index::{areas_inside, EnvelopeIndex};
use geo::{MultiPolygon, Polygon};
use rayon::prelude::*;
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
    /// 历史文化保护线: tags 历史文化保护 (微改造).
    Heritage,
    /// 工业用地控制线: tags 工改工 only.
    #[serde(alias = "industrial-control")]
    IndustrialControl,
    /// 城镇开发边界: a parcel outside it is out of scope (excluded).
    #[serde(alias = "dev-boundary")]
    DevBoundary,
}

/// On the command line `eco-redline`; in the configuration file `eco_redline` (serde).
/// Either spelling is accepted in both places.
impl Choice for ConstraintKind {
    const ALL: &'static [Self] = &[
        ConstraintKind::EcoRedline,
        ConstraintKind::Farmland,
        ConstraintKind::Heritage,
        ConstraintKind::IndustrialControl,
        ConstraintKind::DevBoundary,
    ];

    fn name(self) -> &'static str {
        match self {
            ConstraintKind::EcoRedline => "eco-redline",
            ConstraintKind::Farmland => "farmland",
            ConstraintKind::Heritage => "heritage",
            ConstraintKind::IndustrialControl => "industrial-control",
            ConstraintKind::DevBoundary => "dev-boundary",
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
            ConstraintKind::DevBoundary => "城镇开发边界",
        }
    }

    /// The tag a parcel that meets the layer carries in `controls`; `None` for the
    /// layers that exclude.
    pub fn tag_zh(self) -> Option<&'static str> {
        match self {
            ConstraintKind::Heritage => Some("历史文化保护"),
            ConstraintKind::IndustrialControl => Some("工改工"),
            _ => None,
        }
    }

    /// Short field name of the share in the parcels layer (≤ 10 bytes).
    pub fn share_field(self) -> &'static str {
        match self {
            ConstraintKind::EcoRedline => "sh_eco",
            ConstraintKind::Farmland => "sh_farm",
            ConstraintKind::Heritage => "sh_heri",
            ConstraintKind::IndustrialControl => "sh_indctl",
            ConstraintKind::DevBoundary => "sh_devbnd",
        }
    }

    /// Whether meeting it excludes a parcel from renewal (else it tags it). The
    /// development boundary excludes the parcels that do *not* meet it.
    pub fn excludes(self) -> bool {
        matches!(self, ConstraintKind::EcoRedline | ConstraintKind::Farmland)
    }

    /// Share of a parcel's area inside the layer from which the parcel meets it: 10 %
    /// of a parcel in the red line or farmland excludes it; a parcel meets the other
    /// layers with half its area.
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
    parts: EnvelopeIndex,
    polygons: Vec<Polygon<f64>>,
}

impl ConstraintLayer {
    /// Unions the layer's polygons (overlapping features count once) and indexes them.
    pub fn new(kind: ConstraintKind, min_share: f64, polygons: &[MultiPolygon<f64>]) -> Self {
        let all: Vec<&Polygon<f64>> = polygons.iter().flat_map(|m| m.0.iter()).collect();
        let union = geo::unary_union(all);
        let polygons: Vec<Polygon<f64>> = union.0;
        let parts = EnvelopeIndex::of(&polygons);
        ConstraintLayer {
            kind,
            min_share,
            parts,
            polygons,
        }
    }

    /// Share (0–1) of a parcel's area inside the layer.
    pub fn share(&self, parcel: &MultiPolygon<f64>, parcel_area: f64) -> f64 {
        if parcel_area <= 0.0 {
            return 0.0;
        }
        // Parts ascending: a fixed summation order, deterministic floats.
        let inside: f64 = areas_inside(parcel, &self.polygons, &self.parts)
            .iter()
            .map(|(_, a)| a)
            .sum();
        // `+ 0.0`: an empty sum is -0.0, which would print as "-0".
        (inside / parcel_area + 0.0).clamp(0.0, 1.0)
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
    /// The layers the parcel meets (its share reaches the layer's minimum).
    pub met: Vec<ConstraintKind>,
    /// Outside the development boundary (a boundary layer was given and the parcel does
    /// not meet it): out of scope.
    pub out_of_scope: bool,
}

/// Overlays every parcel with every constraint layer, in parallel.
pub fn overlay(parcels: &[(&MultiPolygon<f64>, f64)], layers: &[ConstraintLayer]) -> Vec<Controls> {
    parcels
        .par_iter()
        .map(|(geom, area)| {
            let shares: Vec<f64> = layers.iter().map(|l| l.share(geom, *area)).collect();
            let mut why = Vec::new();
            let mut tags: Vec<&str> = Vec::new();
            let mut met = Vec::new();
            let mut out_of_scope = false;
            for (l, s) in layers.iter().zip(&shares) {
                let meets = *s > 0.0 && *s >= l.min_share;
                if meets && !met.contains(&l.kind) {
                    met.push(l.kind);
                }
                if l.kind == ConstraintKind::DevBoundary {
                    if !meets && !out_of_scope {
                        out_of_scope = true;
                        why.push(format!("城镇开发边界外（界内{:.0}%）", s * 100.0));
                    }
                } else if meets && l.kind.excludes() {
                    why.push(format!("{} {:.0}%", l.kind.label_zh(), s * 100.0));
                } else if let Some(tag) = l.kind.tag_zh().filter(|t| meets && !tags.contains(t)) {
                    tags.push(tag);
                }
            }
            Controls {
                excluded: !why.is_empty(),
                why: why.join("; "),
                tags: tags.join(";"),
                shares,
                met,
                out_of_scope,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::square as sq;
    use geo::Area;

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
        assert_eq!(out[0].met, [ConstraintKind::EcoRedline]);
        assert_eq!(
            out[1].met,
            [
                ConstraintKind::EcoRedline,
                ConstraintKind::IndustrialControl
            ]
        );
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

    #[test]
    fn heritage_tags_and_the_development_boundary_limits_the_scope() {
        let heritage = ConstraintLayer::new(ConstraintKind::Heritage, 0.5, &[sq(0.0, 0.0, 100.0)]);
        let boundary =
            ConstraintLayer::new(ConstraintKind::DevBoundary, 0.5, &[sq(0.0, 0.0, 200.0)]);
        let a = sq(10.0, 10.0, 50.0); // inside both
        let b = sq(150.0, 150.0, 100.0); // a quarter inside the boundary: out of scope
        let c = sq(500.0, 500.0, 10.0); // outside
        let parcels: Vec<(&MultiPolygon<f64>, f64)> = [&a, &b, &c]
            .iter()
            .map(|p| (*p, p.unsigned_area()))
            .collect();
        let out = overlay(&parcels, &[heritage, boundary]);
        assert_eq!(out[0].tags, "历史文化保护");
        assert!(!out[0].excluded, "heritage does not exclude");
        assert_eq!(
            out[0].met,
            [ConstraintKind::Heritage, ConstraintKind::DevBoundary]
        );
        assert!(out[1].excluded && out[1].out_of_scope);
        assert_eq!(out[1].why, "城镇开发边界外（界内25%）");
        assert!(out[2].out_of_scope, "{:?}", out[2]);
        assert_eq!(out[2].why, "城镇开发边界外（界内0%）");
    }
}
