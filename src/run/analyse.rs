//! The analysis stages on the validated model: constraint overlay, measures from
//! buildings, scoring; and the parcels layer's columns they produce.

use super::{Model, Stage, Timer};
use crate::changes::state::ParcelState;
use crate::config::Settings;
use crate::constraints::{self, Controls};
use crate::criteria::Criteria;
use crate::export::parcels::Column;
use crate::measure::{self, MeasureOptions, Measured};
use crate::model::{FieldDef, FieldKind, SurveyField, Value};
use crate::score::{self, ParcelFacts, ParcelScore, ScoreInput};
use crate::zone::towns::{self, TownAssignment};
use crate::zone::{self, ZoneInput, Zones};

/// What the analysis found, per parcel (parallel to the model's parcels).
pub struct Analysis {
    pub controls: Option<Vec<Controls>>,
    pub measured: Option<Measured>,
    pub scores: Vec<ParcelScore>,
    pub zones: Zones,
    /// Per parcel: excluded from renewal by a constraint layer.
    pub excluded: Vec<bool>,
    /// Each parcel's town, as zoning used it.
    pub town: Vec<String>,
    /// How parcels were placed in towns, when a town boundary layer was given.
    pub towns: Option<TownAssignment>,
}

/// The measure stage: FAR, coverage and building counts from the buildings, when given.
pub(super) fn measure(
    criteria: &Criteria,
    model: &Model,
    timer: &mut Timer<'_>,
) -> Option<Measured> {
    let buildings = model.buildings.as_ref()?;
    timer.begin(Stage::Measure);
    let heights = model
        .building_heights
        .clone()
        .filter(|_| criteria.measure.double_tall_storeys);
    let opts = MeasureOptions {
        double_tall_storeys: criteria.measure.double_tall_storeys,
        heights,
    };
    let measured = measure::measure(&model.parcels.parcels, buildings, &opts);
    timer.count("orphans", measured.orphans.len());
    timer.end();
    Some(measured)
}

/// The stages after the measure: constraint overlay, scoring, zoning.
pub(super) fn analyse(
    settings: &Settings,
    criteria: &Criteria,
    model: &Model,
    measured: Option<Measured>,
    timer: &mut Timer<'_>,
) -> Analysis {
    let parcels = &model.parcels.parcels;
    timer.begin(Stage::Constraints);
    let controls = (!model.constraints.is_empty()).then(|| {
        let geoms: Vec<_> = parcels.iter().map(|p| (&p.geometry, p.area_m2)).collect();
        constraints::overlay(&geoms, &model.constraints)
    });

    timer.begin(Stage::Score);
    let facts = measured.as_ref().map(ParcelFacts::of);
    let layers: Vec<_> = model.constraints.iter().map(|l| l.kind).collect();
    let scores = score::score_with(
        &ScoreInput {
            parcels,
            facts: facts.as_deref(),
            controls: controls.as_deref(),
            layers: &layers,
            scheme: settings.scheme(),
        },
        criteria,
    );
    timer.count("low", scores.iter().filter(|s| s.low).count());

    timer.begin(Stage::Zone);
    let (town, towns) = towns_of(settings, model);
    let excluded: Vec<bool> = scores.iter().map(|s| s.excluded).collect();
    let mut zones = delineate(
        settings,
        model,
        &excluded,
        &scores,
        &town,
        controls.as_deref(),
    );
    zone_modes(&mut zones, parcels, &scores);
    timer.count("large", zones.large.len());
    timer.count("middle", zones.middle.len());
    timer.count("small", zones.small.len());
    timer.end();

    Analysis {
        controls,
        measured,
        scores,
        zones,
        excluded,
        town,
        towns,
    }
}

/// The zoning stage on the scored parcels.
fn delineate(
    settings: &Settings,
    model: &Model,
    excluded: &[bool],
    scores: &[ParcelScore],
    town: &[String],
    controls: Option<&[crate::constraints::Controls]>,
) -> Zones {
    let parcels = &model.parcels.parcels;
    let low: Vec<bool> = scores.iter().map(|s| s.low).collect();
    let ltype: Vec<_> = scores.iter().map(|s| s.ltype).collect();
    let score: Vec<Option<f64>> = scores.iter().map(|s| s.score).collect();
    let share_of = |field: SurveyField| -> Vec<Option<f64>> {
        parcels
            .iter()
            .map(|p| {
                p.survey_value(field)
                    .as_f64()
                    .map(|c| if c > 1.0 { c / 100.0 } else { c })
            })
            .collect()
    };
    let consent = share_of(SurveyField::Consent);
    let consent_heads = share_of(SurveyField::ConsentHeads);
    let industrial_line: Vec<bool> = match controls {
        Some(c) => c
            .iter()
            .map(|c| {
                c.met
                    .contains(&crate::constraints::ConstraintKind::IndustrialControl)
            })
            .collect(),
        None => vec![false; parcels.len()],
    };
    let plan = model.programme.as_ref().map(|p| zone::PlanInput {
        unit_of: &p.unit_of,
        units: &p.units,
    });
    let stays_industrial: Vec<Option<bool>> = (0..parcels.len())
        .map(|i| {
            let mode = plan
                .and_then(|pl| pl.unit_of[i].map(|u| &pl.units[u as usize]))
                .and_then(|u| u.mode.as_deref());
            (ltype[i] == Some(crate::landuse::LandClass::Industrial))
                .then(|| stays_industrial(industrial_line[i], mode, &parcels[i]))
                .flatten()
        })
        .collect();
    let input = ZoneInput {
        parcels,
        low: &low,
        excluded,
        ltype: &ltype,
        score: &score,
        consent: &consent,
        consent_heads: &consent_heads,
        industrial_line: &industrial_line,
        stays_industrial: &stays_industrial,
        plan,
        town,
        barriers: &model.barriers,
    };
    zone::delineate(&input, &settings.zones)
}

/// Whether an industrial parcel's renewal keeps it industrial (工改工): inside the
/// industrial control line, yes; else a planned 工改工 / 工改居商 mode decides; else its
/// planned use (any industrial part: yes); `None` when nothing says.
fn stays_industrial(
    in_control_line: bool,
    mode: Option<&str>,
    parcel: &crate::model::Parcel,
) -> Option<bool> {
    if in_control_line {
        return Some(true);
    }
    match mode {
        Some(m) if m.contains("工改工") => return Some(true),
        Some(m) if m.contains("工改居") || m.contains("工改商") => return Some(false),
        _ => {}
    }
    let planned = parcel.survey_value(SurveyField::PlannedUse).as_text()?;
    let groups = crate::landuse::planned_groups(&planned)?;
    Some(groups.contains(&crate::landuse::UseGroup::Industrial))
}

/// Each zone's renewal mode: the mode of the largest low-efficiency area among its
/// members in scope ([`score::mode::dominant_mode`]).
fn zone_modes(zones: &mut Zones, parcels: &[crate::model::Parcel], scores: &[ParcelScore]) {
    for z in zones
        .small
        .iter_mut()
        .chain(zones.middle.iter_mut())
        .chain(zones.large.iter_mut())
    {
        z.mode = score::mode::dominant_mode(z.parcels.iter().filter_map(|&p| {
            let s = &scores[p as usize];
            (s.low && !s.excluded).then_some((s.mode, parcels[p as usize].area_m2))
        }));
    }
}

/// Each parcel's town: from the boundary layer when there is one (parcels outside every
/// boundary keep their town field), else the town field.
fn towns_of(settings: &Settings, model: &Model) -> (Vec<String>, Option<TownAssignment>) {
    let parcels = &model.parcels.parcels;
    let mut town: Vec<String> = parcels
        .iter()
        .map(|p| {
            p.survey_value(SurveyField::Town)
                .as_text()
                .unwrap_or_default()
        })
        .collect();
    let Some(boundaries) = &model.towns else {
        return (town, None);
    };
    let mut report = TownAssignment {
        layer: settings
            .towns
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        boundaries: boundaries.names.len(),
        ..TownAssignment::default()
    };
    for (t, found) in town.iter_mut().zip(towns::assign(parcels, boundaries)) {
        match found {
            Some(i) => {
                let name = &boundaries.names[i as usize];
                report.assigned += 1;
                if !t.is_empty() && t != name {
                    report.field_disagrees += 1;
                }
                name.clone_into(t);
            }
            None => report.outside += 1,
        }
    }
    (town, Some(report))
}

/// `unit_id`, `middle_id`, `large_id` (empty outside) and `scattered` (0/1).
fn zone_columns<'a>(zones: &'a Zones) -> Vec<Column<'a>> {
    let ids = |of: &'a [Option<u32>], zs: &'a [zone::Zone]| {
        move |i: usize| {
            of[i]
                .map(|z| Value::Text(zs[z as usize].id.clone()))
                .unwrap_or(Value::Null)
        }
    };
    vec![
        column(
            "unit_id",
            FieldKind::Text,
            ids(&zones.unit_of, &zones.small),
        ),
        column(
            "middle_id",
            FieldKind::Text,
            ids(&zones.middle_of, &zones.middle),
        ),
        column(
            "large_id",
            FieldKind::Text,
            ids(&zones.large_of, &zones.large),
        ),
        column(
            "scattered",
            FieldKind::Int,
            per(&zones.scattered, |&s| Value::Int(s as i64)),
        ),
    ]
}

fn text(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::Text(s.to_string())
    }
}

fn column<'a>(
    name: &str,
    kind: FieldKind,
    value: impl Fn(usize) -> Value + Send + Sync + 'a,
) -> Column<'a> {
    Column::new(FieldDef::new(name, kind), value)
}

/// A column's value from each parcel's item in `items` (parallel to the parcels).
fn per<'a, T: Sync>(
    items: &'a [T],
    f: impl Fn(&'a T) -> Value + Send + Sync + 'a,
) -> impl Fn(usize) -> Value + Send + Sync + 'a {
    move |i| f(&items[i])
}

/// `low`, `ltype` (key) and `ltype_zh`, `class`, `score`, `reasons` (rule ids, fits a
/// DBF), `reasons_zh` (the Chinese text), `reasons_js` (rule, value, operator, threshold
/// as JSON), `not_eval` (rules whose value was missing: neither passed nor fired), and
/// `mode` (the renewal mode of a low-efficiency parcel in scope).
fn score_columns<'a>(scores: &'a [ParcelScore], criteria: &'a Criteria) -> Vec<Column<'a>> {
    vec![
        column(
            "low",
            FieldKind::Int,
            per(scores, |s| Value::Int(s.low as i64)),
        ),
        column(
            "ltype",
            FieldKind::Text,
            per(scores, |s| {
                s.ltype.map(|t| text(t.name())).unwrap_or(Value::Null)
            }),
        ),
        column(
            "ltype_zh",
            FieldKind::Text,
            per(scores, |s| {
                s.ltype.map(|t| text(t.label_zh())).unwrap_or(Value::Null)
            }),
        ),
        column(
            "class",
            FieldKind::Text,
            per(scores, |s| {
                s.class
                    .map(|c| Value::Text(c.to_string()))
                    .unwrap_or(Value::Null)
            }),
        ),
        column(
            "score",
            FieldKind::Real,
            per(scores, |s| s.score.map(Value::Real).unwrap_or(Value::Null)),
        ),
        column(
            "reasons",
            FieldKind::Text,
            per(scores, |s| text(&s.reasons_ids())),
        ),
        column(
            "reasons_zh",
            FieldKind::Text,
            per(scores, |s| text(&s.reasons_zh(criteria))),
        ),
        column(
            "reasons_js",
            FieldKind::Text,
            per(scores, |s| {
                if s.fired.is_empty() {
                    Value::Null
                } else {
                    text(&s.reasons_json(criteria))
                }
            }),
        ),
        column(
            "not_eval",
            FieldKind::Text,
            per(scores, |s| text(&s.not_evaluable.join(";"))),
        ),
        column(
            "mode",
            FieldKind::Text,
            per(scores, |s| s.mode_zh(criteria).map_or(Value::Null, text)),
        ),
    ]
}

/// `excluded` (always), `excl_why`, `controls` (工改工), and the share inside each
/// constraint layer.
fn control_columns<'a>(model: &'a Model, controls: Option<&'a [Controls]>) -> Vec<Column<'a>> {
    let Some(controls) = controls else {
        return vec![
            column("excluded", FieldKind::Int, |_| Value::Int(0)),
            column("excl_why", FieldKind::Text, |_| Value::Null),
        ];
    };
    let mut cols = vec![
        column(
            "excluded",
            FieldKind::Int,
            per(controls, |c| Value::Int(c.excluded as i64)),
        ),
        column("excl_why", FieldKind::Text, per(controls, |c| text(&c.why))),
        column(
            "controls",
            FieldKind::Text,
            per(controls, |c| text(&c.tags)),
        ),
    ];
    for (k, l) in model.constraints.iter().enumerate() {
        cols.push(column(
            l.kind.share_field(),
            FieldKind::Real,
            per(controls, move |c| Value::Real(c.shares[k])),
        ));
    }
    cols
}

/// `far_m`, `cov_m` (measured, unrounded) and `n_bldg`; null without buildings.
fn measure_columns(measured: Option<&Measured>) -> Vec<Column<'_>> {
    let get = |name: &str, kind: FieldKind, f: fn(&measure::ParcelMeasure) -> Value| match measured
    {
        Some(m) => column(name, kind, per(&m.per_parcel, f)),
        None => column(name, kind, |_| Value::Null),
    };
    vec![
        get("far_m", FieldKind::Real, |m| {
            m.far_known().map_or(Value::Null, Value::Real)
        }),
        get("cov_m", FieldKind::Real, |m| Value::Real(m.coverage)),
        get("n_bldg", FieldKind::Int, |m| Value::Int(m.n_bldg as i64)),
    ]
}

impl Analysis {
    /// The columns the analysis adds to the parcels layer, in order: score, controls,
    /// measures, zone ids. Each parcel's value is made from the scores, controls,
    /// measures and zones when a row is written, so none is held per parcel; the zone
    /// ids are the zones' ids when called (stable ids once renamed).
    pub fn columns<'a>(&'a self, model: &'a Model, criteria: &'a Criteria) -> Vec<Column<'a>> {
        let mut columns = score_columns(&self.scores, criteria);
        columns.extend(control_columns(model, self.controls.as_deref()));
        columns.extend(measure_columns(self.measured.as_ref()));
        columns.extend(zone_columns(&self.zones));
        columns
    }

    /// The position of a zone of `level` by its id.
    pub(super) fn zone_index(&self, level: zone::ZoneLevel, id: &str) -> Option<usize> {
        let list = match level {
            zone::ZoneLevel::Small => &self.zones.small,
            zone::ZoneLevel::Middle => &self.zones.middle,
            zone::ZoneLevel::Large => &self.zones.large,
        };
        list.iter().position(|z| z.id == id)
    }
}

/// Tonight's state of parcel `i`, for tomorrow's change report.
pub(super) fn parcel_state(model: &Model, analysis: &Analysis, i: usize) -> ParcelState {
    let p = &model.parcels.parcels[i];
    let s = &analysis.scores[i];
    let z = &analysis.zones;
    let zone_id = |of: &[Option<u32>], zs: &[zone::Zone]| {
        of[i].map(|z| zs[z as usize].id.clone()).unwrap_or_default()
    };
    ParcelState {
        parcel_id: p.id.clone(),
        town: analysis.town[i].clone(),
        low: s.low,
        ltype: s.ltype.map(|t| t.name().to_string()).unwrap_or_default(),
        class: s.class.map(String::from).unwrap_or_default(),
        score: s.score,
        reasons: s.reasons_ids(),
        area_m2: p.area_m2,
        geom: crate::changes::state::geometry_digest(&p.geometry),
        unit_id: zone_id(&z.unit_of, &z.small),
        middle_id: zone_id(&z.middle_of, &z.middle),
        large_id: zone_id(&z.large_of, &z.large),
    }
}
