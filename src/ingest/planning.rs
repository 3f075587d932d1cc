//! A planning layer (控制性详细规划 / 国土空间详细规划 land-use polygons) joined to the
//! parcels by overlay: each parcel's planned use (`plan_use`) is the code of the plan
//! polygons that cover it — what the 用途不合理 rule compares the current use with.
//!
//! A parcel takes the code covering the largest part of it when that part is at least
//! half the parcel; where no code covers half but the plan covers at least half in all,
//! the parcel straddles plan blocks and takes every code covering at least a fifth of it,
//! as a mix (`R2/B1`: compatible when any part is). A parcel less than half inside the
//! plan keeps its own `plan_use` value (or none). The layer decides over a `plan_use`
//! field where it covers a parcel: the plan is the newer, authoritative source.

use crate::crs::{SourceCrs, WorkingCrs};
use crate::error::{Error, Result};
use crate::model::{Parcel, RawLayer, SurveyField, Value, ValueRef};
use crate::spatial::index::{areas_inside, EnvelopeIndex};
use geo::MultiPolygon;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Planned-use fields tried, in order (case-insensitive), on a planning layer without
/// `field`: ours, the 用地用海 and 控规 names met in practice.
pub const PLAN_FIELDS: &[&str] = &[
    "plan_use",
    "YDYHFLDM",
    "YDDM",
    "GHYDDM",
    "YDXZ",
    "GHYT",
    "DLBM",
    "用地代码",
    "规划用途",
];

/// Share of a parcel one code must cover to be its planned use.
const MAJORITY: f64 = 0.5;
/// Share of a straddling parcel a code must cover to be part of its mix.
const MIX_PART: f64 = 0.2;

/// What the overlay did, for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanningReport {
    pub layer: String,
    pub field: String,
    /// Plan polygons read (features without a code or a polygon are rejected).
    pub features: usize,
    pub features_rejected: usize,
    /// Parcels given one planned use.
    pub parcels_planned: usize,
    /// Parcels across plan blocks, given a mix.
    pub parcels_mixed: usize,
    /// Parcels less than half inside the plan: their own value, if any, stands.
    pub parcels_outside: usize,
    /// Parcels whose `plan_use` field the layer replaced with a different code.
    pub field_replaced: usize,
}

/// The plan's polygons and codes, indexed.
struct Plan {
    codes: Vec<String>,
    polygons: Vec<MultiPolygon<f64>>,
    index: EnvelopeIndex,
}

/// Reads the planning layer (in the working CRS) and sets every parcel's planned use.
pub fn apply(
    layer: &RawLayer,
    field: Option<&str>,
    source: &SourceCrs,
    working: &WorkingCrs,
    parcels: &mut [Parcel],
) -> Result<PlanningReport> {
    let code_i = match field {
        Some(f) => layer.field_index(f).ok_or_else(|| f.to_string()),
        None => layer
            .first_field(PLAN_FIELDS)
            .ok_or_else(|| PLAN_FIELDS.join(", ")),
    }
    .map_err(|wanted| {
        let have: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
        Error::input(
            &layer.source,
            format!(
                "planning layer has no planned-use field ({wanted}); its fields: {} (set [planning] field)",
                have.join(", ")
            ),
        )
    })?;
    let (geoms, rejects) = super::prepare_geometries(layer, source, working)?;
    let mut plan = Plan {
        codes: Vec::new(),
        polygons: Vec::new(),
        index: EnvelopeIndex::of::<MultiPolygon<f64>>(&[]),
    };
    let mut rejected = rejects.len();
    for (i, g) in geoms {
        let code = layer.features[i].values[code_i]
            .as_text()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        let polygons = match g {
            geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
            geo::Geometry::MultiPolygon(m) => m,
            _ => {
                rejected += 1;
                continue;
            }
        };
        match code {
            Some(code) => {
                plan.codes.push(code);
                plan.polygons.push(polygons);
            }
            None => rejected += 1,
        }
    }
    if plan.polygons.is_empty() {
        return Err(Error::input(
            &layer.source,
            "planning layer has no polygon with a planned-use code",
        ));
    }
    plan.index = EnvelopeIndex::of(&plan.polygons);
    let planned: Vec<Planned> = parcels.par_iter().map(|p| plan.of(p)).collect();
    let mut report = PlanningReport {
        layer: layer.source.display().to_string(),
        field: layer.fields[code_i].name.clone(),
        features: plan.polygons.len(),
        features_rejected: rejected,
        ..PlanningReport::default()
    };
    let slot = SurveyField::PlannedUse.index();
    for (p, found) in parcels.iter_mut().zip(planned) {
        let code = match found {
            Planned::One(c) => {
                report.parcels_planned += 1;
                c
            }
            Planned::Mix(c) => {
                report.parcels_mixed += 1;
                c
            }
            Planned::Outside => {
                report.parcels_outside += 1;
                continue;
            }
        };
        if matches!(p.survey.get(slot), ValueRef::Text(old) if old != code) {
            report.field_replaced += 1;
        }
        p.survey.set(slot, Value::Text(code));
    }
    Ok(report)
}

/// A parcel's planned use by overlay.
#[derive(Debug, Clone, PartialEq)]
enum Planned {
    One(String),
    Mix(String),
    Outside,
}

impl Plan {
    fn of(&self, parcel: &Parcel) -> Planned {
        if parcel.area_m2 <= 0.0 {
            return Planned::Outside;
        }
        // Share per code (a code may come in several polygons).
        let mut by_code: BTreeMap<&str, f64> = BTreeMap::new();
        for (i, a) in areas_inside(&parcel.geometry, &self.polygons, &self.index) {
            *by_code.entry(self.codes[i].as_str()).or_default() += a / parcel.area_m2;
        }
        let total: f64 = by_code.values().sum();
        let best = by_code
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)));
        match best {
            Some((code, share)) if *share >= MAJORITY => Planned::One(code.to_string()),
            Some(_) if total >= MAJORITY => {
                let mut parts: Vec<(&str, f64)> = by_code
                    .into_iter()
                    .filter(|(_, s)| *s >= MIX_PART)
                    .collect();
                parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
                let codes: Vec<&str> = parts.iter().map(|(c, _)| *c).collect();
                if codes.is_empty() {
                    Planned::Outside
                } else {
                    Planned::Mix(codes.join("/"))
                }
            }
            _ => Planned::Outside,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{parcel, square};

    fn plan(blocks: &[(&str, MultiPolygon<f64>)]) -> Plan {
        let polygons: Vec<MultiPolygon<f64>> = blocks.iter().map(|b| b.1.clone()).collect();
        let index = EnvelopeIndex::of(&polygons);
        Plan {
            codes: blocks.iter().map(|b| b.0.to_string()).collect(),
            polygons,
            index,
        }
    }

    #[test]
    fn majority_mix_and_outside() {
        // R2 over x 0–100, B1 over x 100–140, M1 over x 140–230 (all y 0–100).
        let p = plan(&[
            ("R2", crate::testing::rect(0.0, 0.0, 100.0, 100.0).into()),
            ("B1", crate::testing::rect(100.0, 0.0, 140.0, 100.0).into()),
            ("M1", crate::testing::rect(140.0, 0.0, 230.0, 100.0).into()),
        ]);
        let of = |x: f64, size: f64| p.of(&parcel("p", 0, square(x, 0.0, size)));
        assert_eq!(of(10.0, 50.0), Planned::One("R2".into()));
        // 60 % in R2: its code.
        assert_eq!(of(40.0, 100.0), Planned::One("R2".into()));
        // Across three blocks (30 %, 40 %, 30 %), none over half: the mix, largest first.
        let across = p.of(&parcel(
            "p",
            0,
            MultiPolygon::new(vec![crate::testing::rect(70.0, 0.0, 170.0, 10.0)]),
        ));
        assert_eq!(across, Planned::Mix("B1/M1/R2".into()));
        // Mostly outside the plan.
        assert_eq!(of(220.0, 50.0), Planned::Outside);
        assert_eq!(of(1000.0, 10.0), Planned::Outside);
    }
}
