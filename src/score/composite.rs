//! The composite score (亩均效益 evaluation): normalised, weighted indicators, ranked
//! within peer groups into classes A–D by rank percentile or by fixed breaks. Formulas
//! in [`crate::criteria`]'s docs.
//!
//! Peers are the parcels of one land type — and, where the composite has `group_by`,
//! of one value of that field (规上 and 规下 firms are ranked apart, each on its own
//! indicators). A benchmark `"mean"` is the peer group's mean. This is one of the few
//! global steps of a run: a group is ranked as a whole, sequentially, so the classes do
//! not depend on the number of threads.

use crate::criteria::{vocab, Benchmark, ClassMethod, Classes, Composite, Direction, Indicator};
use std::cmp::Ordering;
use std::collections::BTreeMap;

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

/// One parcel of the land type, as the ranking sees it.
pub(crate) struct Peer<'a> {
    /// Position in the run's parcels.
    pub pos: usize,
    pub id: &'a str,
    /// The `group_by` value as read (`None`: no group field, or the value is missing).
    pub group: Option<String>,
    /// Not rated: the composite's `exempt` holds.
    pub exempt: bool,
    /// The value of every indicator the composite names (main and groups), by field.
    pub values: BTreeMap<&'a str, f64>,
}

/// The score and class of every peer: `(pos, score, class)`, in the order given.
pub(crate) fn rank(
    comp: &Composite,
    peers: &[Peer<'_>],
) -> Vec<(usize, Option<f64>, Option<char>)> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in peers.iter().enumerate() {
        let key = p
            .group
            .as_deref()
            .map(|g| vocab::key(comp.group_by, g))
            .unwrap_or_default();
        groups.entry(key).or_default().push(i);
    }
    let mut out: Vec<(usize, Option<f64>, Option<char>)> =
        peers.iter().map(|p| (p.pos, None, None)).collect();
    for (key, members) in &groups {
        let indicators = comp.indicators_for(Some(key.as_str()));
        let benchmarks = benchmarks(indicators, peers, members);
        let total: f64 = indicators.iter().map(|i| i.weight).sum();
        let mut scored: Vec<(usize, &str, f64)> = Vec::new();
        for &m in members {
            let p = &peers[m];
            if p.exempt {
                continue;
            }
            let value = |ind: &Indicator| p.values.get(ind.field.as_str()).copied();
            if let Some(s) = score(indicators, &benchmarks, total, comp.min_weight_share, value) {
                out[m].1 = Some(s);
                scored.push((m, p.id, s));
            }
        }
        for (m, class) in classify(&comp.classes, &scored) {
            out[m].2 = Some(class);
        }
    }
    out
}

/// Each indicator's benchmark for a group: fixed, or the mean over its rated members
/// (summed in member order: deterministic); `None` when the group has no value for it.
fn benchmarks(indicators: &[Indicator], peers: &[Peer<'_>], members: &[usize]) -> Vec<Option<f64>> {
    indicators
        .iter()
        .map(|ind| match ind.benchmark {
            Benchmark::Fixed(b) => Some(b),
            Benchmark::Mean { factor } => {
                let (mut sum, mut n) = (0.0, 0usize);
                for &m in members {
                    let p = &peers[m];
                    if let (false, Some(v)) = (p.exempt, p.values.get(ind.field.as_str())) {
                        sum += v;
                        n += 1;
                    }
                }
                let mean = sum / n as f64 * factor;
                (n > 0 && mean.is_finite() && mean > 0.0).then_some(mean)
            }
        })
        .collect()
}

/// `Σ wᵢ sᵢ / Σ wᵢ` over the indicators `value` has a number (and the group a
/// benchmark) for; `None` (not rated) when those carry less than `min_share` of `total`.
pub(crate) fn score(
    indicators: &[Indicator],
    benchmarks: &[Option<f64>],
    total: f64,
    min_share: f64,
    value: impl Fn(&Indicator) -> Option<f64>,
) -> Option<f64> {
    let (mut weighted, mut weight) = (0.0, 0.0);
    for (ind, b) in indicators.iter().zip(benchmarks) {
        if let (Some(v), Some(b)) = (value(ind), b) {
            weighted += ind.weight * normalise(v, ind.direction, *b);
            weight += ind.weight;
        }
    }
    let share = weight / total;
    (weight > 0.0 && share >= min_share - SHARE_EPS).then(|| weighted / weight)
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
    use crate::criteria::{parse, Criteria};
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
        let bench = [Some(1.0), Some(0.5)];
        let run = |far: Option<f64>, cov: Option<f64>| {
            score(&comp.indicators, &bench, 4.0, comp.min_weight_share, |i| {
                if i.field == "far_m" {
                    far
                } else {
                    cov
                }
            })
        };
        // far 1.5 → 75, cov 0.25 → 75; far 2 → 100, cov 0.5 → 50: (3·100 + 50) / 4.
        assert_eq!(run(Some(1.5), Some(0.25)), Some(75.0));
        assert_eq!(run(Some(2.0), Some(0.5)), Some(87.5));
        // Only far (3/4 of the weight, exactly the minimum share): its score alone.
        assert_eq!(run(Some(0.5), None), Some(25.0));
        // Only cov (1/4 < 3/4): not rated; nothing at all: not rated.
        assert_eq!(run(None, Some(0.1)), None);
        assert_eq!(run(None, None), None);
    }

    fn peer<'a>(
        pos: usize,
        id: &'a str,
        group: Option<&str>,
        tax: Option<f64>,
        out: Option<f64>,
    ) -> Peer<'a> {
        let mut values = BTreeMap::new();
        if let Some(t) = tax {
            values.insert("tax_mu", t);
        }
        if let Some(o) = out {
            values.insert("out_mu", o);
        }
        Peer {
            pos,
            id,
            group: group.map(str::to_string),
            exempt: false,
            values,
        }
    }

    #[test]
    fn peer_groups_rank_apart_on_their_own_indicators_against_their_mean() {
        let c = parse(
            "name = \"t\"\n[composite.industrial]\nindicators = [\n { field = \"tax_mu\", weight = 45, direction = \"higher\", benchmark = \"mean\" },\n { field = \"out_mu\", weight = 20, direction = \"higher\", benchmark = \"mean\" },\n]\ngroup_by = \"scale\"\ngroups = { \"规下\" = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = \"mean\" }] }\nexempt = { field = \"status\", op = \"in\", values = [\"筹建\"] }\nclasses = { method = \"breaks\", A = 60, B = 50, C = 40 }\n",
            Path::new("t"),
        )
        .unwrap();
        let comp = &c.composite[&LandClass::Industrial];
        let peers = [
            // 规上: tax mean 20, out mean 100.
            peer(0, "a", Some("规上"), Some(30.0), Some(100.0)),
            peer(1, "b", Some("规模以上"), Some(10.0), Some(100.0)),
            // 规下, on tax alone; its mean is 2: 3 → 75 (A), 1 → 25 (D).
            peer(2, "c", Some("规下"), Some(3.0), Some(0.0)),
            peer(3, "d", Some("below"), Some(1.0), None),
        ];
        let out = rank(comp, &peers);
        // a: tax 30/20 → 75, out → 50: (45·75 + 20·50)/65 = 67.3 (A).
        let a = (45.0 * 75.0 + 20.0 * 50.0) / 65.0;
        assert!((out[0].1.unwrap() - a).abs() < 1e-9);
        assert_eq!(out[0].2, Some('A'));
        // b: tax 10/20 → 25, out 50: (45·25 + 1000)/65 = 32.7 (D).
        assert_eq!(out[1].2, Some('D'));
        assert_eq!((out[2].1, out[2].2), (Some(75.0), Some('A')));
        assert_eq!((out[3].1, out[3].2), (Some(25.0), Some('D')));
        // An exempt firm is not rated and does not move its group's mean.
        let mut with_exempt: Vec<Peer> = peers.into_iter().collect();
        let mut e = peer(4, "e", Some("规下"), Some(100.0), None);
        e.exempt = true;
        with_exempt.push(e);
        let again = rank(comp, &with_exempt);
        assert_eq!(&again[..4], &out[..]);
        assert_eq!((again[4].1, again[4].2), (None, None));
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
