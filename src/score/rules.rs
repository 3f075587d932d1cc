//! Hard rules: one rule against one parcel value — fired, passed, or not evaluable.

use super::{Fired, FiredValue, Read};
use crate::criteria::{Rule, Threshold};

/// What one rule says about one parcel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Fired(Fired),
    Passed,
    /// The value is missing (or not a number where the rule compares numbers).
    NotEvaluable,
}

/// Applies `rule` to the parcel's value.
pub(crate) fn evaluate(rule: &Rule, value: Read<'_>) -> Outcome {
    let (fires, value) = match &rule.threshold {
        Threshold::Values(_) => {
            let (member, value) = match value {
                Read::Missing => return Outcome::NotEvaluable,
                Read::Number(n) => (rule.set_contains_number(n), FiredValue::Number(n)),
                Read::Text(t) => (rule.set_contains_text(t), FiredValue::Text(t.to_string())),
            };
            (member == (rule.op == crate::criteria::Op::In), value)
        }
        Threshold::Number { value: t, .. } => {
            let n = match value {
                Read::Missing => return Outcome::NotEvaluable,
                Read::Number(n) => n,
                Read::Text(s) => match s.parse::<f64>() {
                    Ok(n) if n.is_finite() => n,
                    _ => return Outcome::NotEvaluable,
                },
            };
            (rule.op.compare(n, *t), FiredValue::Number(n))
        }
    };
    if fires {
        Outcome::Fired(Fired {
            rule: rule.id.clone(),
            value,
            op: rule.op,
            threshold: rule.threshold.clone(),
        })
    } else {
        Outcome::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::{parse, Criteria};
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

    fn fires(c: &Criteria, v: Read<'_>) -> Option<bool> {
        match evaluate(&c.rules[0], v) {
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
                assert_eq!(fires(&c, Read::Number(v)), Some(w), "{v} {op} 1.0");
            }
            // Numbers carried as text compare as numbers.
            assert_eq!(
                fires(&c, Read::Text("1.5")),
                Some(want[2]),
                "'1.5' {op} 1.0"
            );
        }
    }

    #[test]
    fn set_operators_trim_ignore_case_and_read_numbers() {
        let is_in = rule("danger", "in", "[\"C\", \"D\"]");
        let not_in = rule("danger", "not_in", "[\"C\", \"D\"]");
        for (v, member) in [("C", true), (" d ", true), ("c", true), ("B", false)] {
            assert_eq!(fires(&is_in, Read::Text(v)), Some(member), "{v} in");
            assert_eq!(fires(&not_in, Read::Text(v)), Some(!member), "{v} not_in");
        }
        let years = rule("yr_built", "in", "[\"1998\", 1999]");
        assert_eq!(fires(&years, Read::Number(1998.0)), Some(true));
        assert_eq!(fires(&years, Read::Number(1999.0)), Some(true));
        assert_eq!(fires(&years, Read::Text("1999.0")), Some(true));
        assert_eq!(fires(&years, Read::Number(2000.0)), Some(false));
    }

    #[test]
    fn missing_values_are_not_evaluable() {
        let lt = rule("far", "<", "1.0");
        assert_eq!(fires(&lt, Read::Missing), None);
        assert_eq!(fires(&lt, Read::Text("n/a")), None);
        let is_in = rule("danger", "in", "[\"C\"]");
        assert_eq!(fires(&is_in, Read::Missing), None);
        let not_in = rule("danger", "not_in", "[\"C\"]");
        assert_eq!(
            fires(&not_in, Read::Missing),
            None,
            "missing never fires not_in"
        );
    }

    #[test]
    fn fired_records_value_op_and_threshold() {
        let c = rule("tax_mu", "<", "10");
        let Outcome::Fired(f) = evaluate(&c.rules[0], Read::Number(6.1)) else {
            panic!("should fire")
        };
        assert_eq!(f.rule, "R");
        assert_eq!(f.value, FiredValue::Number(6.1));
        assert_eq!(f.op.symbol(), "<");
        assert_eq!(f.threshold.to_string(), "10");
    }
}
