//! The circle layers: `small_circles`, `middle_circles`, `large_circles`.

use super::{OutLayer, OutRow};
use crate::criteria::ModeRule;
use crate::model::{m2_to_mu, FieldDef, FieldKind, Value, M2_PER_HA, M2_PER_KM2};
use crate::score::MODE_UNDECIDED;
use crate::zone::{Zone, ZoneLevel};

/// One level's zones as a layer; small circles also carry `program` and `rank`. `modes`
/// names the criteria's renewal modes (a zone's `mode` indexes them).
pub fn zone_layer<'a>(zones: &'a [Zone], level: ZoneLevel, modes: &[ModeRule]) -> OutLayer<'a> {
    let mut fields = vec![
        FieldDef::new("zone_id", FieldKind::Text),
        FieldDef::new("town", FieldKind::Text),
        FieldDef::new("level", FieldKind::Text),
        FieldDef::new("area_m2", FieldKind::Real),
        FieldDef::new("area_mu", FieldKind::Real),
        FieldDef::new("area_ha", FieldKind::Real),
        FieldDef::new("area_km2", FieldKind::Real),
        FieldDef::new("n_parcels", FieldKind::Int),
        FieldDef::new("low_share", FieldKind::Real),
        FieldDef::new("dom_type", FieldKind::Text),
        FieldDef::new("dom_zh", FieldKind::Text),
        FieldDef::new("mode", FieldKind::Text),
        FieldDef::new("compact", FieldKind::Real),
        FieldDef::new("parent_id", FieldKind::Text),
        FieldDef::new("note", FieldKind::Text),
    ];
    let small = level == ZoneLevel::Small;
    if small {
        fields.push(FieldDef::new("program", FieldKind::Int));
        fields.push(FieldDef::new("rank", FieldKind::Int));
    }
    let text = |s: Option<&str>| match s {
        Some(s) if !s.is_empty() => Value::Text(s.to_string()),
        _ => Value::Null,
    };
    let rows = zones
        .iter()
        .map(|z| {
            let mut values = vec![
                Value::Text(z.id.clone()),
                text(Some(&z.town)),
                Value::Text(level.name().into()),
                Value::Real(z.area_m2),
                Value::Real(m2_to_mu(z.area_m2)),
                Value::Real(z.area_m2 / M2_PER_HA),
                Value::Real(z.area_m2 / M2_PER_KM2),
                Value::Int(z.parcels.len() as i64),
                Value::Real(z.low_share),
                text(z.dom_type.map(|t| t.name())),
                text(z.dom_type.map(|t| t.label_zh())),
                text(
                    z.mode
                        .map(|m| m.map_or(MODE_UNDECIDED, |i| modes[i].mode.as_str())),
                ),
                Value::Real(z.compact),
                text(z.parent_id.as_deref()),
                text(Some(&z.note)),
            ];
            if small {
                values.push(Value::Int(z.program as i64));
                values.push(z.rank.map(|r| Value::Int(r as i64)).unwrap_or(Value::Null));
            }
            OutRow {
                geometry: Some(&z.outline),
                values,
            }
        })
        .collect();
    OutLayer::of(level.output_layer(), fields, rows)
}
