//! `summary.json`: what a run read, chose, rejected, found and wrote.

use super::{Analysis, Inputs, Model};
use crate::config::Settings;
use crate::constraints::ConstraintKind;
use crate::criteria::Criteria;
use crate::crs::CrsKind;
use crate::ingest::table::JoinReport;
use crate::ingest::InvalidPolicy;
use crate::model::{Areas, EncodingReport, EncodingSource, RawLayer};
use crate::score::{self, Tally};
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
    /// Buildings without floors that count in coverage but not in FAR.
    pub floors_missing: u64,
    /// Buildings whose floor area counted twice (storey taller than 8 m).
    pub doubled_tall_storeys: usize,
    /// Which value FAR/coverage rules read when both exist.
    pub rules_prefer: String,
}

/// The summary's `scoring` section.
#[derive(Debug, Serialize)]
pub struct ScoringReport {
    pub criteria: String,
    pub origin: String,
    pub low_parcels: usize,
    pub low_area: Areas,
    /// Counts and areas by land type and low-efficiency, and per rule.
    pub tally: Tally,
}

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
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
    /// The zones' policy report (大中小圈).
    pub zones: ZoneReport,
    pub outputs: Vec<String>,
    /// Shapefile field names that had to be shortened (long → short).
    pub shapefile_field_names: BTreeMap<String, String>,
    pub timings_s: BTreeMap<String, f64>,
}

pub(super) fn build(
    settings: &Settings,
    criteria: &Criteria,
    sample: bool,
    inputs: &Inputs,
    model: &Model,
    analysis: &Analysis,
    write: bool,
) -> Summary {
    let prepared = &model.parcels;
    let parcels = &prepared.parcels;
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for r in &prepared.rejects {
        *by_reason.entry(r.reason.clone()).or_default() += 1;
    }
    let report = |l: &RawLayer| InputReport {
        path: l.source.display().to_string(),
        layer: l.layer_name.clone(),
        features: l.features.len(),
        encoding: l.encoding.clone(),
        crs: model.source.label(),
    };
    let mut input_reports = BTreeMap::new();
    input_reports.insert("parcels".to_string(), report(&inputs.parcels));
    if let Some(b) = &inputs.buildings {
        input_reports.insert("buildings".to_string(), report(b));
    }
    for (spec, layer) in settings.constraints.iter().zip(&inputs.constraints) {
        input_reports.insert(
            format!("constraint:{}", spec.kind.share_field()),
            report(layer),
        );
    }
    let working = &model.working;
    let geojson_coordinates = if working.crs.kind == CrsKind::Local {
        "local grid coordinates, not reprojected (no geodetic link): not RFC 7946 lon/lat".into()
    } else if let Some(datum) = working.crs.legacy_datum {
        format!("EPSG:4326 lon/lat, approximate ({datum} → WGS84 has no accurate public transformation)")
    } else {
        "EPSG:4326 lon/lat (RFC 7946)".into()
    };
    let low: Vec<usize> = (0..parcels.len())
        .filter(|&i| analysis.scores[i].low)
        .collect();
    Summary {
        landsift_version: env!("CARGO_PKG_VERSION"),
        command: if write { "run" } else { "check" },
        config: settings
            .config_path
            .as_ref()
            .map(|p| p.display().to_string()),
        preset: settings.preset.clone(),
        scheme: settings.scheme().name(),
        invalid_policy: settings.invalid(),
        sample_district: sample,
        parcels_in: inputs.parcels.features.len(),
        parcels_out: parcels.len(),
        parcels_rejected: prepared.rejects.len(),
        parcels_repaired: prepared.repaired,
        rejected_by_reason: by_reason,
        buildings_in: inputs.buildings.as_ref().map(|b| b.features.len()),
        buildings_out: model.buildings.as_ref().map(|b| b.len()),
        buildings_rejected: inputs
            .buildings
            .as_ref()
            .map(|_| model.building_rejects.len()),
        crs: working.crs.label(),
        crs_name: working.crs.name.clone(),
        crs_choice: working.choice.clone(),
        source_crs: model.source.label(),
        encoding: inputs.parcels.encoding.name.clone(),
        encoding_source: inputs.parcels.encoding.source,
        geojson_coordinates,
        fields_missing: prepared.fields_missing.clone(),
        values_unparsed: prepared.values_unparsed.clone(),
        parcel_area: Areas::from_m2(parcels.iter().map(|p| p.area_m2).sum()),
        inputs: input_reports,
        survey: inputs.survey.clone(),
        constraints: constraint_summary(settings, model, analysis),
        measure: analysis.measured.as_ref().map(|m| MeasureReport {
            buildings: m.assigned_m2.len(),
            orphans: m.orphans.len(),
            split: m.split,
            unassigned_area_m2: m.unassigned_area_m2,
            floors_missing: m.per_parcel.iter().map(|p| p.floors_missing as u64).sum(),
            doubled_tall_storeys: m.doubled,
            rules_prefer: format!("{:?}", criteria.measure.prefer).to_lowercase(),
        }),
        scoring: ScoringReport {
            criteria: criteria.name.clone(),
            origin: criteria.origin.clone(),
            low_parcels: low.len(),
            low_area: Areas::from_m2(low.iter().map(|&i| parcels[i].area_m2).sum()),
            tally: score::tally(parcels, &analysis.scores, criteria),
        },
        town_boundaries: analysis.towns.clone(),
        zones: analysis.zones.report.clone(),
        outputs: Vec::new(),
        shapefile_field_names: BTreeMap::new(),
        timings_s: BTreeMap::new(),
    }
}

fn constraint_summary(
    settings: &Settings,
    model: &Model,
    analysis: &Analysis,
) -> Option<ConstraintsSummary> {
    let controls = analysis.controls.as_deref()?;
    let parcels = &model.parcels.parcels;
    let layers = model
        .constraints
        .iter()
        .zip(&settings.constraints)
        .enumerate()
        .map(|(i, (l, spec))| {
            let applied: Vec<usize> = (0..controls.len())
                .filter(|&p| controls[p].shares[i] > 0.0 && controls[p].shares[i] >= l.min_share)
                .collect();
            ConstraintReport {
                kind: l.kind,
                path: spec.path.display().to_string(),
                min_share: l.min_share,
                parcels_applied: applied.len(),
                area: Areas::from_m2(applied.iter().map(|&p| parcels[p].area_m2).sum()),
            }
        })
        .collect();
    Some(ConstraintsSummary {
        layers,
        parcels_excluded: controls.iter().filter(|c| c.excluded).count(),
        parcels_tagged_industrial_only: controls.iter().filter(|c| !c.tags.is_empty()).count(),
        features_rejected: model.constraint_rejects.len(),
    })
}
