//! Fills `summary.json` ([`Summary`]) from a run's inputs, model and analysis.

use super::{Analysis, Inputs, Model};
use crate::config::Settings;
use crate::criteria::Criteria;
use crate::crs::CrsKind;
use crate::export;
use crate::export::summary::{
    ConstraintReport, ConstraintsSummary, InputReport, MeasureReport, QualityReport, ScoringReport,
    Summary,
};
use crate::model::{Areas, FieldDef, Format, RawLayer};
use crate::quality::{self, Warning};
use crate::score;
use std::collections::BTreeMap;

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
    let by_reason = prepared.rejected_by_reason();
    let report = |l: &RawLayer| InputReport {
        path: l.source.display().to_string(),
        layer: l.layer_name.clone(),
        features: l.records(),
        deleted: l.deleted,
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
    let tally = score::tally(parcels, &analysis.scores, criteria);
    let scheme = settings.scheme();
    let construction_m2: f64 = parcels
        .iter()
        .filter(|p| {
            p.survey_value(crate::model::SurveyField::LandUse)
                .as_text()
                .is_some_and(|c| scheme.is_construction(&crate::landuse::normalise_code(&c)))
        })
        .map(|p| p.area_m2)
        .sum();
    // A planning layer gives the planned use the parcels' fields lack.
    let fields_missing: Vec<String> = prepared
        .fields_missing
        .iter()
        .filter(|f| {
            model.planning.is_none()
                || f.as_str() != crate::model::Choice::name(crate::model::SurveyField::PlannedUse)
        })
        .cloned()
        .collect();
    let rules_not_evaluated = quality::rule_gaps(
        criteria,
        &tally,
        &fields_missing,
        analysis.measured.is_some(),
    );
    let mut summary = Summary {
        run_id: String::new(),
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
        parcels_in: inputs.parcels.records(),
        parcels_out: parcels.len(),
        parcels_rejected: prepared.rejects.len(),
        parcels_repaired: prepared.repaired,
        rejected_by_reason: by_reason,
        buildings_in: inputs.buildings.as_ref().map(|b| b.records()),
        // The model keeps only the orphans once measured; the measure, every building.
        buildings_out: analysis.measured.as_ref().map(|m| m.assigned_m2.len()),
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
        fields_missing,
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
            parcels_far_unknown: m
                .per_parcel
                .iter()
                .filter(|p| p.far_known().is_none())
                .count(),
            doubled_tall_storeys: m.doubled,
            rules_prefer_far: format!("{:?}", criteria.measure.prefer_far).to_lowercase(),
            rules_prefer_cov: format!("{:?}", criteria.measure.prefer_cov).to_lowercase(),
        }),
        scoring: ScoringReport {
            criteria: criteria.name.clone(),
            origin: criteria.origin.clone(),
            low_parcels: low.len(),
            low_excluded_parcels: low.iter().filter(|&&i| analysis.scores[i].excluded).count(),
            construction_area: Areas::from_m2(construction_m2),
            low_share_of_construction: if construction_m2 > 0.0 {
                low.iter()
                    .filter(|&&i| !analysis.scores[i].excluded)
                    .map(|&i| parcels[i].area_m2)
                    .sum::<f64>()
                    / construction_m2
            } else {
                0.0
            },
            low_area: Areas::from_m2(low.iter().map(|&i| parcels[i].area_m2).sum()),
            tally,
        },
        town_boundaries: analysis.towns.clone(),
        planning: model.planning.clone(),
        zones: analysis.zones.report.clone(),
        outputs: Vec::new(),
        shapefile_field_names: BTreeMap::new(),
        quality: QualityReport {
            gates: Vec::new(),
            rules_not_evaluated,
        },
        warnings: Vec::new(),
        changes: None,
        timings_s: BTreeMap::new(),
    };
    summary.warnings = warnings(&summary);
    let columns: Vec<FieldDef> = analysis
        .columns(model, criteria)
        .into_iter()
        .map(|c| c.def)
        .collect();
    summary
        .warnings
        .extend(layout_warnings(settings, inputs, &columns));
    if !model.barrier_rejects.is_empty() {
        let n = model.barrier_rejects.len();
        summary.warnings.push(Warning::new(
            "barrier_features_rejected",
            n,
            format!(
                "障碍要素未用 {} 个 — {} barrier features could not be used (rejects.csv): zones may cross where they lay",
                quality::group_digits(n as i64),
                quality::group_digits(n as i64)
            ),
        ));
    }
    summary
}

/// What the outputs cannot hold: NUL characters, and source attributes beyond what a
/// DBF or a GeoPackage table holds — found here, before anything is written.
/// `columns`: the fields the analysis adds to the parcels layer.
fn layout_warnings(settings: &Settings, inputs: &Inputs, columns: &[FieldDef]) -> Vec<Warning> {
    let mut w = Vec::new();
    let n = |x: usize| quality::group_digits(x as i64);
    let nul: usize = std::iter::once(&inputs.parcels)
        .chain(&inputs.buildings)
        .chain(&inputs.constraints)
        .map(|l| l.nul_stripped)
        .sum();
    if nul > 0 {
        w.push(Warning::new(
            "nul_stripped",
            nul,
            format!(
                "已清除空字符 {} 处 — NUL characters were removed from {} text values or field names (no output format can carry them)",
                n(nul),
                n(nul)
            ),
        ));
    }
    let (fields, _) =
        export::parcels::parcels_fields(&inputs.parcels.fields, &settings.mapping.fields, columns);
    for (format, limit, file) in [
        (Format::Shp, export::DBF_MAX_FIELDS, "parcels.shp"),
        (Format::Gpkg, export::GPKG_MAX_FIELDS, "landsift.gpkg"),
    ] {
        if settings.output.writes(format) && fields.len() > limit {
            let left = fields.len() - limit;
            w.push(Warning::new(
                "fields_left_out",
                left,
                format!(
                    "字段过多 — the parcels layer has {} fields and {file} holds {limit}: its last {} source attributes are left out there (parcels.fields.csv lists the Shapefile's; GeoJSON keeps them all)",
                    n(fields.len()),
                    n(left)
                ),
            ));
        }
    }
    if let Some(j) = &inputs.survey {
        let bad: usize = j.type_errors.values().map(Vec::len).sum();
        if bad > 0 {
            w.push(Warning::new(
                "survey_type_errors",
                bad,
                format!(
                    "调查表数值错误 {} 格 — {} cells of the survey table are not numbers in numeric columns and count as unknown (survey.type_errors)",
                    n(bad),
                    n(bad)
                ),
            ));
        }
        if j.parcels_without_row > 0 {
            w.push(Warning::new(
                "survey_unmatched",
                j.parcels_without_row,
                format!(
                    "调查表未匹配 {} 宗 — {} parcels have no row in the survey table",
                    n(j.parcels_without_row),
                    n(j.parcels_without_row)
                ),
            ));
        }
    }
    w
}

/// What a reader must know of this result, in the order the console prints it.
fn warnings(s: &Summary) -> Vec<Warning> {
    let mut w = quality::rule_warnings(&s.quality.rules_not_evaluated);
    let n = |x: usize| quality::group_digits(x as i64);
    if let Some(m) = &s.measure {
        if m.orphans > 0 {
            w.push(Warning::new(
                "orphan_buildings",
                m.orphans,
                format!(
                    "未落宗建筑 {} 栋 — {} buildings stand in no parcel (layer orphan_buildings)",
                    n(m.orphans),
                    n(m.orphans)
                ),
            ));
        }
        if m.parcels_far_unknown > 0 {
            w.push(Warning::new(
                "far_unknown",
                m.parcels_far_unknown,
                format!(
                    "测算容积率未知 {} 宗 — the measured FAR of {} parcels is unknown: a building on them has neither floors nor height; their FAR rules read the surveyed FAR where there is one, else cannot judge",
                    n(m.parcels_far_unknown),
                    n(m.parcels_far_unknown)
                ),
            ));
        }
    }
    for (name, input) in &s.inputs {
        if input.deleted > 0 {
            w.push(Warning::new(
                "records_deleted",
                input.deleted,
                format!(
                    "已删除记录 {} 条 — {} records of the {name} layer are flagged deleted in its DBF and were not read",
                    n(input.deleted),
                    n(input.deleted)
                ),
            ));
        }
    }
    if s.parcels_repaired > 0 {
        w.push(Warning::new(
            "geometry_repaired",
            s.parcels_repaired,
            format!(
                "几何已修复 {} 宗 — {} parcel geometries were repaired (field geom_fix says how)",
                n(s.parcels_repaired),
                n(s.parcels_repaired)
            ),
        ));
    }
    for (field, count) in &s.values_unparsed {
        w.push(Warning::new(
            "values_unparsed",
            *count,
            format!(
                "无法解读的数值 {} 个 — {} values of '{field}' are not numbers and count as unknown",
                n(*count),
                n(*count)
            ),
        ));
    }
    if let Some(b) = s.buildings_rejected.filter(|&b| b > 0) {
        w.push(Warning::new(
            "buildings_rejected",
            b,
            format!(
                "建筑未入库 {} 栋 — {} building records were rejected (rejects.csv)",
                n(b),
                n(b)
            ),
        ));
    }
    if let Some(c) = s.constraints.as_ref().filter(|c| c.features_rejected > 0) {
        w.push(Warning::new(
            "constraint_features_rejected",
            c.features_rejected,
            format!(
                "管控线要素未入库 {} 个 — {} constraint-layer features were rejected (rejects.csv)",
                n(c.features_rejected),
                n(c.features_rejected)
            ),
        ));
    }
    w
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
