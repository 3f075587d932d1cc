//! `summary.json`: what a run read, chose, rejected, found and wrote — the document
//! machines read, and the one the report's inputs section shows.

use crate::changes::ChangeSummary;
use crate::constraints::ConstraintKind;
use crate::ingest::table::JoinReport;
use crate::ingest::InvalidPolicy;
use crate::model::{Areas, EncodingReport, EncodingSource};
use crate::quality::{Gate, RuleGap, Warning};
use crate::score::Tally;
use crate::zone::report::ZoneReport;
use crate::zone::towns::TownAssignment;
use serde::Serialize;
use std::collections::BTreeMap;

/// One input as the summary reports it.
#[derive(Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub layer: String,
    pub features: usize,
    /// Records the source flags as deleted (DBF `*`), left out.
    pub deleted: usize,
    pub encoding: EncodingReport,
    pub crs: String,
}

/// Per constraint layer: the parcels it applies to and their area.
#[derive(Debug, Serialize)]
pub struct ConstraintReport {
    pub kind: ConstraintKind,
    pub path: String,
    pub min_share: f64,
    pub parcels_applied: usize,
    pub area: Areas,
}

/// The summary's `constraints` section.
#[derive(Debug, Default, Serialize)]
pub struct ConstraintsSummary {
    pub layers: Vec<ConstraintReport>,
    pub parcels_excluded: usize,
    pub parcels_tagged_industrial_only: usize,
    pub features_rejected: usize,
}

/// The summary's `measure` section (when buildings were given).
#[derive(Debug, Serialize)]
pub struct MeasureReport {
    pub buildings: usize,
    /// Buildings in no parcel (written as the `orphan_buildings` layer).
    pub orphans: usize,
    /// Buildings shared by two or more parcels (their footprint is split exactly).
    pub split: usize,
    pub unassigned_area_m2: f64,
    /// Buildings without floors or height: they count in coverage, and make their
    /// parcel's measured FAR unknown.
    pub floors_missing: u64,
    /// Parcels whose measured FAR is unknown for that reason (the rules then read the
    /// surveyed FAR where there is one).
    pub parcels_far_unknown: usize,
    /// Buildings whose floor area counted twice (storey taller than 8 m).
    pub doubled_tall_storeys: usize,
    /// Which value FAR rules read when both exist (`measured` / `surveyed`).
    pub rules_prefer_far: String,
    /// Which value coverage rules read when both exist.
    pub rules_prefer_cov: String,
}

/// The summary's `scoring` section.
#[derive(Debug, Serialize)]
pub struct ScoringReport {
    pub criteria: String,
    pub origin: String,
    /// Low-efficiency parcels (初步识别), inside exclusions included.
    pub low_parcels: usize,
    /// Of those, inside an exclusion (red line, farmland, outside the development
    /// boundary): reported, not zoned.
    pub low_excluded_parcels: usize,
    pub low_area: Areas,
    /// Construction land (建设用地) of the code scheme: the base of the shares.
    pub construction_area: Areas,
    /// Low-efficiency area outside exclusions ÷ construction land (the report's share).
    pub low_share_of_construction: f64,
    /// Counts and areas by land type and low-efficiency, and per rule.
    pub tally: Tally,
}

/// The summary's `quality` section: every gate judged, and every rule that could not
/// judge some parcels of its type.
#[derive(Debug, Default, Serialize)]
pub struct QualityReport {
    pub gates: Vec<Gate>,
    pub rules_not_evaluated: Vec<RuleGap>,
}

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The run's id (also in `manifest.json` and every line of `run.log`).
    pub run_id: String,
    pub landsift_version: &'static str,
    pub command: &'static str,
    pub config: Option<String>,
    pub preset: String,
    pub scheme: &'static str,
    pub invalid_policy: InvalidPolicy,
    pub sample_district: bool,
    pub parcels_in: usize,
    pub parcels_out: usize,
    pub parcels_rejected: usize,
    pub parcels_repaired: usize,
    pub rejected_by_reason: BTreeMap<String, usize>,
    pub buildings_in: Option<usize>,
    pub buildings_out: Option<usize>,
    pub buildings_rejected: Option<usize>,
    /// Working CRS, `EPSG:N` (or `LOCAL`).
    pub crs: String,
    pub crs_name: String,
    pub crs_choice: String,
    pub source_crs: String,
    /// Parcels' text encoding (WHATWG name) and how it was chosen.
    pub encoding: String,
    pub encoding_source: EncodingSource,
    /// What the GeoJSON coordinates are.
    pub geojson_coordinates: String,
    pub fields_missing: Vec<String>,
    pub values_unparsed: BTreeMap<String, usize>,
    pub parcel_area: Areas,
    pub inputs: BTreeMap<String, InputReport>,
    pub survey: Option<JoinReport>,
    pub constraints: Option<ConstraintsSummary>,
    pub measure: Option<MeasureReport>,
    pub scoring: ScoringReport,
    /// How parcels were placed in towns, when a town boundary layer was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub town_boundaries: Option<TownAssignment>,
    /// How the planning layer gave parcels their planned use, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planning: Option<crate::ingest::planning::PlanningReport>,
    /// The zones' policy report (大中小圈).
    pub zones: ZoneReport,
    pub outputs: Vec<String>,
    /// Shapefile field names that had to be shortened (long → short).
    pub shapefile_field_names: BTreeMap<String, String>,
    /// Quality gates and rules that could not judge every parcel (README "Quality gates").
    pub quality: QualityReport,
    /// What a reader of the result must know, also printed at the end of the run.
    pub warnings: Vec<Warning>,
    /// What changed since the last publish (`run` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeSummary>,
    pub timings_s: BTreeMap<String, f64>,
}
