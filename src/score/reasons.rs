//! Reasons in words: the Chinese text of the parcels layer (`reasons_zh`: every fired
//! rule with the parcel's value and the threshold it met) and the machine-readable JSON
//! (`reasons_js`).

use super::{Fired, FiredPart, FiredValue, ParcelScore};
use crate::criteria::{vocab, Condition, Criteria, FieldRef, Op, Threshold};

impl ParcelScore {
    /// Short Chinese reasons, e.g. `容积率0.62<0.8（行业17）；产业类别：淘汰类`: rules
    /// joined by `；`, the conditions of one rule by `且`.
    pub fn reasons_zh(&self, criteria: &Criteria) -> String {
        let rules: Vec<String> = self.fired.iter().map(|f| fired_zh(f, criteria)).collect();
        rules.join("；")
    }

    /// Machine-readable reasons: for a one-condition rule
    /// `{"rule":"IND_FAR","value":0.62,"op":"<","threshold":1.0}` (`"industry"` when an
    /// industry's threshold applied; a values list for `in` / `not_in`); for a rule of
    /// several conditions `{"rule":…,"all":[{"field":…,"value":…,"op":…,"threshold":…}]}`.
    pub fn reasons_json(&self, criteria: &Criteria) -> String {
        let items: Vec<serde_json::Value> = self
            .fired
            .iter()
            .map(|f| {
                let rule = criteria.rule(&f.rule);
                if let [part] = f.parts.as_slice() {
                    let mut o = serde_json::Map::new();
                    o.insert("rule".into(), serde_json::json!(f.rule));
                    part_json(part, &mut o);
                    serde_json::Value::Object(o)
                } else {
                    let all: Vec<serde_json::Value> = f
                        .parts
                        .iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let field = rule
                                .and_then(|r| r.conditions.get(i))
                                .map_or("", |c| c.field.as_str());
                            let mut o = serde_json::Map::new();
                            o.insert("field".into(), serde_json::json!(field));
                            part_json(p, &mut o);
                            serde_json::Value::Object(o)
                        })
                        .collect();
                    serde_json::json!({ "rule": f.rule, "all": all })
                }
            })
            .collect();
        serde_json::Value::Array(items).to_string()
    }
}

fn part_json(p: &FiredPart, o: &mut serde_json::Map<String, serde_json::Value>) {
    let value = match &p.value {
        FiredValue::Number(n) => serde_json::json!(n),
        FiredValue::Text(t) => serde_json::json!(t),
        FiredValue::Conflict { code, .. } => serde_json::json!(code),
    };
    o.insert("value".into(), value);
    o.insert("op".into(), serde_json::json!(p.op.symbol()));
    let threshold = match &p.threshold {
        Threshold::Number { value, .. } => serde_json::json!(value),
        Threshold::Values(v) => serde_json::json!(v),
        Threshold::Compatibility => match &p.value {
            FiredValue::Conflict {
                current, planned, ..
            } => serde_json::json!({
                "current": current.label_zh(),
                "planned": planned.iter().map(|g| g.label_zh()).collect::<Vec<_>>().join("、"),
            }),
            _ => serde_json::Value::Null,
        },
    };
    o.insert("threshold".into(), threshold);
    if let Some(c) = &p.industry {
        o.insert("industry".into(), serde_json::json!(c));
    }
}

/// One fired rule in words.
fn fired_zh(f: &Fired, criteria: &Criteria) -> String {
    let rule = criteria.rule(&f.rule);
    let parts: Vec<String> = f
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| part_zh(p, rule.and_then(|r| r.conditions.get(i))))
        .collect();
    parts.join("且")
}

fn part_zh(p: &FiredPart, c: Option<&Condition>) -> String {
    let label = c.map_or("", Condition::label);
    let field = c.and_then(|c| c.field_ref.survey_field());
    let unit = c.map_or("", |c| c.unit.as_str());
    match (&p.value, &p.threshold) {
        (
            FiredValue::Conflict {
                current,
                planned,
                code,
            },
            _,
        ) => format!(
            "用途不合理：现状{}，规划{}（{code}）",
            current.label_zh(),
            planned
                .iter()
                .map(|g| g.label_zh())
                .collect::<Vec<_>>()
                .join("、")
        ),
        (FiredValue::Number(v), Threshold::Number { value: t, text }) => {
            let industry = p
                .industry
                .as_ref()
                .map(|c| {
                    format!(
                        "（{}{c}）",
                        crate::criteria::industry::name_2002(c).unwrap_or("行业")
                    )
                })
                .unwrap_or_default();
            format!(
                "{label}{}{}{text}{unit}{industry}",
                shown(*v, p.op, *t),
                p.op.symbol_zh()
            )
        }
        (FiredValue::Number(n), _) => listed(p, label, field, c, &trimmed(*n, 2)),
        (FiredValue::Text(t), _) => listed(p, label, field, c, t),
    }
}

/// The reason of a value compared with a list (or a number shown as one): the value
/// in the words of its field, and whether it was out of the list.
fn listed(
    p: &FiredPart,
    label: &str,
    field: Option<crate::model::SurveyField>,
    c: Option<&Condition>,
    text: &str,
) -> String {
    let shown = if c.is_some_and(|c| c.field_ref == FieldRef::Class) {
        format!("{}类", text.trim())
    } else {
        vocab::display(field, text)
    };
    if p.op == Op::NotIn {
        format!("{label}：{shown}（不在所列之内）")
    } else {
        format!("{label}：{shown}")
    }
}

/// A number with at most 2 decimals, trailing zeros trimmed — with more decimals where
/// rounding would make the shown value contradict the rule (`0.996` is not shown as `1`
/// next to `< 1.0`).
pub(super) fn shown(v: f64, op: Op, threshold: f64) -> String {
    for decimals in 2..=6 {
        let s = trimmed(v, decimals);
        if s.parse::<f64>().is_ok_and(|r| op.compare(r, threshold)) {
            return s;
        }
    }
    v.to_string()
}

fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_never_contradict_the_rule() {
        assert_eq!(shown(0.62, Op::Lt, 1.0), "0.62");
        assert_eq!(shown(0.123456, Op::Lt, 1.0), "0.12");
        assert_eq!(shown(0.996, Op::Lt, 1.0), "0.996");
        assert_eq!(shown(2.0, Op::Ge, 2.0), "2");
        assert_eq!(shown(0.3004, Op::Gt, 0.3), "0.3004");
        assert_eq!(shown(-0.001, Op::Lt, 1.0), "0");
    }
}
