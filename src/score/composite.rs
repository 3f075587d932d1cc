//! The composite score (亩均效益-style): normalised, weighted indicators, then classes
//! A–D by rank percentile or by fixed breaks. Formulas in [`crate::criteria`]'s docs.

use crate::criteria::{ClassMethod, Classes, Composite, Direction, FieldRef};
use std::cmp::Ordering;

/// Slack for comparing rank shares with the class limits (`7 / 10` against `0.70`).
const SHARE_EPS: f64 = 1e-9;

/// An indicator value normalised to 0–100 against its benchmark (which scores 50).
pub fn normalise(value: f64, direction: Direction, benchmark: f64) -> f64 {
    let r = value / benchmark;
    let s = match direction {
        Direction::Higher => r.clamp(0.0, 2.0),
        Direction::Lower => (2.0 - r).clamp(0.0, 2.0),
    };
    s / 2.0 * 100.0
}

/// `Σ wᵢ sᵢ / Σ wᵢ` over the indicators `value` has a number for; `None` (not rated)
/// when those carry less than `min_weight_share` of the total weight.
pub(crate) fn composite_score(
    comp: &Composite,
    value: impl Fn(FieldRef) -> Option<f64>,
) -> Option<f64> {
    let (mut weighted, mut weight) = (0.0, 0.0);
    for ind in &comp.indicators {
        if let Some(v) = value(ind.field_ref) {
            weighted += ind.weight * normalise(v, ind.direction, ind.benchmark);
            weight += ind.weight;
        }
    }
    let share = weight / comp.total_weight();
    (weight > 0.0 && share >= comp.min_weight_share - SHARE_EPS).then(|| weighted / weight)
}

/// Classes for the scored parcels of one type: `(position, parcel id, score)` in, and
/// `(position, class)` out, in descending score then ascending id order. For
/// percentiles, equal scores share the best rank among them, so ties get the same class
/// whatever the input order.
pub(crate) fn classify(classes: &Classes, scored: &[(usize, &str, f64)]) -> Vec<(usize, char)> {
    let mut order: Vec<&(usize, &str, f64)> = scored.iter().collect();
    order.sort_by(|x, y| {
        y.2.total_cmp(&x.2)
            .then_with(|| x.1.cmp(y.1))
            .then_with(|| x.0.cmp(&y.0))
    });
    let by_limit = |x: f64, limit: f64, ascending: bool| -> bool {
        if ascending {
            x <= limit + SHARE_EPS
        } else {
            x >= limit
        }
    };
    let n = order.len() as f64;
    let mut rank = 0;
    let mut out = Vec::with_capacity(order.len());
    for (i, &&(pos, _, score)) in order.iter().enumerate() {
        if i == 0 || order[i - 1].2.total_cmp(&score) != Ordering::Equal {
            rank = i;
        }
        let (x, ascending) = match classes.method {
            ClassMethod::Percentile => ((rank + 1) as f64 / n, true),
            ClassMethod::Breaks => (score, false),
        };
        let class = if by_limit(x, classes.a, ascending) {
            'A'
        } else if by_limit(x, classes.b, ascending) {
            'B'
        } else if by_limit(x, classes.c, ascending) {
            'C'
        } else {
            'D'
        };
        out.push((pos, class));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::{parse, Criteria, MeasuredField};
    use crate::landuse::LandClass;
    use std::path::Path;

    #[test]
    fn normalisation_of_both_directions() {
        let h = |v| normalise(v, Direction::Higher, 10.0);
        assert_eq!(
            [h(-5.0), h(0.0), h(5.0), h(10.0), h(20.0), h(40.0)],
            [0.0, 0.0, 25.0, 50.0, 100.0, 100.0]
        );
        let l = |v| normalise(v, Direction::Lower, 0.3);
        assert_eq!([l(0.0), l(0.3), l(0.6), l(0.9)], [100.0, 50.0, 0.0, 0.0]);
        assert!((l(0.15) - 75.0).abs() < 1e-12);
    }

    fn criteria(share: f64, classes: &str) -> Criteria {
        let text = format!(
            "name = \"t\"\n[composite.industrial]\nindicators = [\n  {{ field = \"far_m\", weight = 3, direction = \"higher\", benchmark = 1 }},\n  {{ field = \"cov_m\", weight = 1, direction = \"lower\", benchmark = 0.5 }},\n]\nmin_weight_share = {share}\nclasses = {classes}\n"
        );
        parse(&text, Path::new("t.toml")).unwrap()
    }

    #[test]
    fn weighted_over_what_is_evaluable_and_not_rated_below_the_share() {
        let c = criteria(0.75, "{ method = \"breaks\", A = 80, B = 60, C = 40 }");
        let comp = &c.composite[&LandClass::Industrial];
        let values = |far: Option<f64>, cov: Option<f64>| {
            move |f: FieldRef| match f {
                FieldRef::Measured(MeasuredField::Far) => far,
                FieldRef::Measured(MeasuredField::Cov) => cov,
                _ => None,
            }
        };
        // far 1.5 → 75, cov 0.25 → 75; far 2 → 100, cov 0.5 → 50: (3·100 + 50) / 4.
        assert_eq!(
            composite_score(comp, values(Some(1.5), Some(0.25))),
            Some(75.0)
        );
        assert_eq!(
            composite_score(comp, values(Some(2.0), Some(0.5))),
            Some(87.5)
        );
        // Only far (3/4 of the weight, exactly the minimum share): its score alone.
        assert_eq!(composite_score(comp, values(Some(0.5), None)), Some(25.0));
        // Only cov (1/4 < 3/4): not rated; nothing at all: not rated.
        assert_eq!(composite_score(comp, values(None, Some(0.1))), None);
        assert_eq!(composite_score(comp, values(None, None)), None);
    }

    #[test]
    fn percentile_classes_with_ties_whatever_the_input_order() {
        let c = criteria(
            0.5,
            "{ method = \"percentile\", A = 0.25, B = 0.70, C = 0.95 }",
        );
        let classes = &c.composite[&LandClass::Industrial].classes;
        // 20 parcels: shares 1/20 … 20/20; two tied pairs straddling limits.
        let mut scored: Vec<(usize, String, f64)> = (0..20)
            .map(|i| (i, format!("P{i:02}"), 100.0 - i as f64))
            .collect();
        scored[5].2 = scored[4].2; // P04 and P05 tie at rank 5 (share 0.25): both A
        scored[14].2 = scored[13].2; // P13, P14 tie at rank 14 (0.70): both B
        let run = |s: &[(usize, String, f64)]| {
            let v: Vec<(usize, &str, f64)> =
                s.iter().map(|(i, id, x)| (*i, id.as_str(), *x)).collect();
            let mut out = classify(classes, &v);
            out.sort();
            out.into_iter().map(|(_, c)| c).collect::<String>()
        };
        let want = "AAAAAABBBBBBBBBCCCCD";
        assert_eq!(run(&scored), want);
        let mut reversed = scored.clone();
        reversed.reverse();
        assert_eq!(run(&reversed), want);
        // One parcel alone is the top and the bottom: share 1 → D.
        assert_eq!(run(&scored[..1]), "D");
    }

    #[test]
    fn breaks_classes_at_their_limits() {
        let c = criteria(0.5, "{ method = \"breaks\", A = 80, B = 60, C = 40 }");
        let classes = &c.composite[&LandClass::Industrial].classes;
        let scores = [100.0, 80.0, 79.99, 60.0, 40.0, 39.9, 0.0];
        let v: Vec<(usize, &str, f64)> = scores
            .iter()
            .enumerate()
            .map(|(i, s)| (i, "x", *s))
            .collect();
        let mut out = classify(classes, &v);
        out.sort();
        let got: String = out.into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, "AABBCDD");
    }
}
