//! Hard rules: every condition of a rule against one parcel — the rule fires when all
//! hold, passes when one does not, and is not evaluable when a value it needs is missing
//! and none of the known ones fails.

use super::read::{Read, Subject};
use super::{Fired, FiredPart, FiredValue};
use crate::criteria::{Condition, Op, Rule, Threshold};
use crate::landuse::{compatible, normalise_code, planned_groups};
use crate::model::SurveyField;

/// What one rule says about one parcel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Fired(Fired),
    Passed,
    /// A value is missing (or not a number where the rule compares numbers).
    NotEvaluable,
}

/// What one condition says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Holds {
    Yes(FiredPart),
    No,
    Unknown,
}

/// Applies `rule` to a parcel.
pub(crate) fn evaluate(rule: &Rule, subject: &Subject<'_>) -> Outcome {
    let mut parts = Vec::with_capacity(rule.conditions.len());
    let mut unknown = false;
    for c in &rule.conditions {
        match condition(c, subject) {
            Holds::Yes(part) => parts.push(part),
            Holds::No => return Outcome::Passed,
            Holds::Unknown => unknown = true,
        }
    }
    if unknown {
        Outcome::NotEvaluable
    } else {
        Outcome::Fired(Fired {
            rule: rule.id.clone(),
            parts,
        })
    }
}

/// Applies one condition to a parcel.
pub(crate) fn condition(c: &Condition, subject: &Subject<'_>) -> Holds {
    if c.op == Op::Conflicts {
        return conflicts(subject);
    }
    let value = subject.read(c.field_ref);
    let (threshold, industry) = c.threshold_for(subject.industry.as_deref());
    let (holds, value) = match threshold {
        Threshold::Values(_) => {
            let (member, value) = match value {
                Read::Missing => return Holds::Unknown,
                Read::Number(n) => (c.set_contains_number(n), FiredValue::Number(n)),
                Read::Text(t) => (c.set_contains_text(t), FiredValue::Text(t.to_string())),
            };
            (member == (c.op == Op::In), value)
        }
        Threshold::Number { value: t, .. } => {
            let Some(n) = value.number() else {
                return Holds::Unknown;
            };
            (c.op.compare(n, *t), FiredValue::Number(n))
        }
        Threshold::Compatibility => return Holds::Unknown,
    };
    if holds {
        Holds::Yes(FiredPart {
            value,
            op: c.op,
            threshold: threshold.clone(),
            industry: industry.map(str::to_string),
        })
    } else {
        Holds::No
    }
}

/// 用途不合理: the current use (`land_use`, in the run's scheme) and the planned use
/// (`plan_use`, as a plan writes it) are incompatible.
fn conflicts(subject: &Subject<'_>) -> Holds {
    let text = |r: Read<'_>| match r {
        Read::Text(t) => Some(t.to_string()),
        Read::Number(n) if n.fract() == 0.0 => Some(format!("{n:.0}")),
        _ => None,
    };
    let Some(current) = text(subject.survey(SurveyField::LandUse)).and_then(|code| {
        subject
            .scheme
            .use_group(&code)
            .or_else(|| subject.scheme.use_group(&normalise_code(&code)))
    }) else {
        return Holds::Unknown;
    };
    let Some(raw) = text(subject.survey(SurveyField::PlannedUse)) else {
        return Holds::Unknown;
    };
    let Some(planned) = planned_groups(&raw) else {
        return Holds::Unknown;
    };
    if planned.iter().any(|&p| compatible(current, p)) {
        return Holds::No;
    }
    Holds::Yes(FiredPart {
        value: FiredValue::Conflict {
            current,
            planned,
            code: raw,
        },
        op: Op::Conflicts,
        threshold: Threshold::Compatibility,
        industry: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::{parse, Criteria, IndustryEdition, MeasureSettings, Prefer};
    use crate::landuse::Scheme;
    use crate::model::Value;
    use crate::testing::parcel_with;
    use std::path::Path;

    fn rule(field: &str, op: &str, rhs: &str) -> Criteria {
        let rhs = if op == "in" || op == "not_in" {
            format!("values = {rhs}")
        } else {
            format!("threshold = {rhs}")
        };
        let text = format!(
            "name = \"t\"\n[[rule]]\nid = \"R\"\ntype = \"industrial\"\nfield = \"{field}\"\nop = \"{op}\"\n{rhs}\nmark = \"default\"\n"
        );
        parse(&text, Path::new("t.toml")).unwrap()
    }

    const MEASURE: MeasureSettings = MeasureSettings {
        prefer_far: Prefer::Measured,
        prefer_cov: Prefer::Surveyed,
        double_tall_storeys: false,
    };

    fn fires(c: &Criteria, field: &str, v: Value) -> Option<bool> {
        let p = parcel_with("a", "1001", &[(field, v)]);
        let s = Subject::new(
            &p,
            None,
            Scheme::Yongdi2023,
            MEASURE,
            IndustryEdition::Gbt2017,
        );
        match evaluate(&c.rules[0], &s) {
            Outcome::Fired(_) => Some(true),
            Outcome::Passed => Some(false),
            Outcome::NotEvaluable => None,
        }
    }

    #[test]
    fn each_comparison_below_at_and_above_its_threshold() {
        // (op, fires below, at, above) for threshold 1.0 and values 0.5, 1.0, 1.5.
        let table = [
            ("<", [true, false, false]),
            ("<=", [true, true, false]),
            (">", [false, false, true]),
            (">=", [false, true, true]),
            ("==", [false, true, false]),
            ("!=", [true, false, true]),
        ];
        for (op, want) in table {
            let c = rule("far", op, "1.0");
            for (v, w) in [0.5, 1.0, 1.5].into_iter().zip(want) {
                assert_eq!(fires(&c, "far", Value::Real(v)), Some(w), "{v} {op} 1.0");
            }
            // Numbers carried as text compare as numbers.
            assert_eq!(
                fires(&c, "far", Value::Text("1.5".into())),
                Some(want[2]),
                "'1.5' {op} 1.0"
            );
        }
    }

    #[test]
    fn set_operators_match_keys_and_numbers() {
        let is_in = rule("danger", "in", "[\"C\", \"D\"]");
        let not_in = rule("danger", "not_in", "[\"C\", \"D\"]");
        for (v, member) in [
            ("C", true),
            (" d ", true),
            ("c", true),
            ("C级", true),
            ("Ｄ級", true),
            ("B", false),
            ("B级", false),
        ] {
            let t = || Value::Text(v.into());
            assert_eq!(fires(&is_in, "danger", t()), Some(member), "{v} in");
            assert_eq!(fires(&not_in, "danger", t()), Some(!member), "{v} not_in");
        }
        let obsolete = rule("ind_class", "in", "[\"淘汰类\"]");
        for v in ["淘汰类", "淘汰", "obsolete", "Obsolete", "淘汰類"] {
            assert_eq!(
                fires(&obsolete, "ind_class", Value::Text(v.into())),
                Some(true),
                "{v}"
            );
        }
        for v in ["限制类", "restricted", "允许"] {
            assert_eq!(
                fires(&obsolete, "ind_class", Value::Text(v.into())),
                Some(false),
                "{v}"
            );
        }
        let years = rule("yr_built", "in", "[\"1998\", 1999]");
        assert_eq!(fires(&years, "yr_built", Value::Int(1998)), Some(true));
        assert_eq!(fires(&years, "yr_built", Value::Int(1999)), Some(true));
        assert_eq!(
            fires(&years, "yr_built", Value::Text("1999.0".into())),
            Some(true)
        );
        assert_eq!(fires(&years, "yr_built", Value::Int(2000)), Some(false));
    }

    #[test]
    fn missing_values_are_not_evaluable() {
        let lt = rule("far", "<", "1.0");
        assert_eq!(fires(&lt, "far", Value::Null), None);
        assert_eq!(fires(&lt, "far", Value::Text("n/a".into())), None);
        let is_in = rule("danger", "in", "[\"C\"]");
        assert_eq!(fires(&is_in, "danger", Value::Null), None);
        let not_in = rule("danger", "not_in", "[\"C\"]");
        assert_eq!(
            fires(&not_in, "danger", Value::Null),
            None,
            "missing never fires not_in"
        );
    }

    #[test]
    fn all_conditions_must_hold_and_one_failure_decides() {
        let c = parse(
            "name = \"t\"\n[[rule]]\nid = \"R\"\ntype = \"industrial\"\nall = [\n { field = \"yr_built\", op = \"<=\", threshold = 2005 },\n { field = \"facilities\", op = \"in\", values = [\"不完善\"] },\n]\nmark = \"default\"\n",
            Path::new("t"),
        )
        .unwrap();
        let run = |vals: &[(&str, Value)]| {
            let p = parcel_with("a", "1001", vals);
            let s = Subject::new(
                &p,
                None,
                Scheme::Yongdi2023,
                MEASURE,
                IndustryEdition::Gbt2017,
            );
            evaluate(&c.rules[0], &s)
        };
        let y = |y: i64| ("yr_built", Value::Int(y));
        let f = |f: &str| ("facilities", Value::Text(f.into()));
        assert!(
            matches!(run(&[y(2003), f("不完善")]), Outcome::Fired(ref x) if x.parts.len() == 2)
        );
        assert_eq!(run(&[y(2003), f("完善")]), Outcome::Passed);
        assert_eq!(run(&[y(2006), f("不完善")]), Outcome::Passed);
        assert_eq!(run(&[y(2003)]), Outcome::NotEvaluable);
        // A known failure decides even when another value is missing.
        assert_eq!(run(&[y(2006)]), Outcome::Passed);
    }

    #[test]
    fn per_industry_thresholds_and_the_fallback() {
        let c = parse(
            "name = \"t\"\n[codes]\nindustry = \"GB/T 4754-2017\"\n[[rule]]\nid = \"F\"\ntype = \"industrial\"\nfield = \"far\"\nop = \"<\"\nthreshold = 1.0\nby_industry = { \"17\" = 0.8, \"31\" = 0.7 }\nmark = \"default\"\n",
            Path::new("t"),
        )
        .unwrap();
        let run = |far: f64, code: Option<&str>| {
            let mut vals = vec![("far", Value::Real(far))];
            if let Some(code) = code {
                vals.push(("ind_code", Value::Text(code.into())));
            }
            let p = parcel_with("a", "1001", &vals);
            let s = Subject::new(&p, None, Scheme::Yongdi2023, MEASURE, c.industry_codes);
            evaluate(&c.rules[0], &s)
        };
        // 纺织 (17): 0.8 is the line.
        assert_eq!(run(0.85, Some("C1713")), Outcome::Passed);
        let Outcome::Fired(f) = run(0.75, Some("1713")) else {
            panic!()
        };
        assert_eq!(f.parts[0].industry.as_deref(), Some("17"));
        assert_eq!(f.parts[0].threshold.to_string(), "0.8");
        // 2017's 30 is 2002's 31 (非金属矿物): 0.7.
        assert_eq!(run(0.75, Some("3011")), Outcome::Passed);
        // No code, an unreadable one, or a class without a line: the general 1.0.
        assert!(matches!(run(0.85, None), Outcome::Fired(_)));
        assert!(matches!(run(0.85, Some("纺织")), Outcome::Fired(_)));
        assert!(matches!(run(0.85, Some("C39")), Outcome::Fired(_)));
    }

    #[test]
    fn planned_use_conflicts_both_schemes() {
        let c = parse(
            "name = \"t\"\n[[rule]]\nid = \"U\"\ntype = \"all\"\nfield = \"plan_use\"\nop = \"conflicts\"\nmark = \"default\"\n",
            Path::new("t"),
        )
        .unwrap();
        let run = |scheme: Scheme, current: &str, planned: Option<&str>| {
            let vals: Vec<(&str, Value)> = planned
                .map(|p| vec![("plan_use", Value::Text(p.into()))])
                .unwrap_or_default();
            let p = parcel_with("a", current, &vals);
            let s = Subject::new(&p, None, scheme, MEASURE, IndustryEdition::Gbt2017);
            evaluate(&c.rules[0], &s)
        };
        use Scheme::*;
        // Industry in a planned residential area: 退二进三.
        let Outcome::Fired(f) = run(Yongdi2023, "1001", Some("0701")) else {
            panic!()
        };
        assert!(matches!(f.parts[0].value, FiredValue::Conflict { .. }));
        assert!(matches!(
            run(Sandiao, "0601", Some("R2")),
            Outcome::Fired(_)
        ));
        assert!(matches!(
            run(Sandiao, "0508", Some("B1")),
            Outcome::Fired(_)
        ));
        // Compatible: industry kept industrial, commerce in housing, a 商住 mix.
        assert_eq!(run(Yongdi2023, "1001", Some("M1")), Outcome::Passed);
        assert_eq!(run(Sandiao, "0601", Some("100101")), Outcome::Passed);
        assert_eq!(run(Yongdi2023, "0901", Some("0701")), Outcome::Passed);
        assert_eq!(run(Yongdi2023, "1001", Some("R2/M1")), Outcome::Passed);
        // Housing where the plan has a park.
        assert!(matches!(
            run(Sandiao, "0701", Some("G1")),
            Outcome::Fired(_)
        ));
        // Unknown plan: not evaluable.
        assert_eq!(run(Yongdi2023, "1001", None), Outcome::NotEvaluable);
        assert_eq!(run(Yongdi2023, "1001", Some("待定")), Outcome::NotEvaluable);
    }
}
