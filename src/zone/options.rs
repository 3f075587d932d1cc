//! Zoning parameters: their defaults (from the policy, SPEC §4) and the valid range of
//! each one a user can set, checked where a value enters (command line or file alike).

use super::small;
use crate::model::Metres;
use serde::{Deserialize, Serialize};

/// The valid range of every zoning option a user sets.
pub mod limits {
    use crate::model::Range;

    /// `--gap` / `[zones] gap`: a road-gap tolerance from touching (0) to an arterial
    /// and its verges (200 m); wider joins whole districts into one unit.
    pub const GAP: Range = Range {
        name: "gap",
        min: 0.0,
        max: 200.0,
        unit: "m",
    };
    /// `--circle-gap` / `[zones] circle_gap`: large and middle circles span arterials.
    pub const CIRCLE_GAP: Range = Range {
        name: "circle_gap",
        min: 0.0,
        max: 1000.0,
        unit: "m",
    };
    /// `--max-unit-mu` / `[zones] max_unit_mu`: a renewal unit's ceiling (policy: 300
    /// mu); at most the smallest middle circle (1 km² = 1500 mu).
    pub const MAX_UNIT_MU: Range = Range {
        name: "max_unit_mu",
        min: 1.0,
        max: 1500.0,
        unit: "mu",
    };
    /// `--min-unit-mu` / `[zones] min_unit_mu`: below it, scattered land; it must stay
    /// below `max_unit_mu`.
    pub const MIN_UNIT_MU: Range = Range {
        name: "min_unit_mu",
        min: 0.0,
        max: 1500.0,
        unit: "mu",
    };
    /// `[zones] target_share`: the town's renewal scale as a share of its low-efficiency
    /// area.
    pub const TARGET_SHARE: Range = Range {
        name: "target_share",
        min: 0.0,
        max: 1.0,
        unit: "(a share)",
    };
    /// `[zones] target_mu`: the town's renewal scale in mu (up to 1,000 km²).
    pub const TARGET_MU: Range = Range {
        name: "target_mu",
        min: 0.0,
        max: 1.5e6,
        unit: "mu",
    };
}

/// The renewal scale a town plans (改造规模), which the 70 % rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A share of the town's low-efficiency area.
    Share(f64),
    /// A fixed area in mu.
    Mu(f64),
}

/// Zoning parameters (defaults from the policy, SPEC §4).
#[derive(Debug, Clone)]
pub struct ZoneOptions {
    /// Road-gap tolerance, metres: parcels this close are neighbours in a renewal unit;
    /// unit outlines close gaps this wide (local roads are crossed, arterials are not).
    pub gap: Metres,
    /// Tolerance for middle and large circles, metres: a 5–10 km² circle spans several
    /// blocks between arterial roads, so circles cross arterials (but never a barrier
    /// or a town line); their outlines close gaps this wide.
    pub circle_gap: Metres,
    pub unit: small::UnitOptions,
    pub large_min_km2: f64,
    pub large_max_km2: f64,
    pub middle_min_km2: f64,
    pub middle_max_km2: f64,
    pub large_per_town: usize,
    pub middle_per_large: usize,
    pub target: Target,
    /// Share of the renewal programme that must lie in large circles (policy: 70 %).
    pub programme_in_large: f64,
    /// Consent line for a unit to proceed (policy: 80 %, by land area and by headcount).
    pub consent_line: f64,
    /// Least share of a town's industrial renewal that stays industrial (工改工 ÷
    /// (工改工 + 工改居商); 东府〔2023〕4号 (十四): 70 %).
    pub stays_industrial_line: f64,
    /// Contiguous industrial renewal area (连片工改工), mu (policy: 500).
    pub contiguous_industrial_mu: f64,
}

impl Default for ZoneOptions {
    fn default() -> Self {
        ZoneOptions {
            gap: Metres::default_of(30.0),
            circle_gap: Metres::default_of(100.0),
            unit: small::UnitOptions::default(),
            large_min_km2: 5.0,
            large_max_km2: 10.0,
            middle_min_km2: 1.0,
            middle_max_km2: 3.0,
            large_per_town: 2,
            middle_per_large: 3,
            target: Target::Share(0.3),
            programme_in_large: 0.7,
            consent_line: 0.8,
            stays_industrial_line: 0.7,
            contiguous_industrial_mu: 500.0,
        }
    }
}
