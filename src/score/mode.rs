//! Renewal modes (再开发方式): for each low-efficiency parcel, the first `[[mode]]` rule
//! of the criteria whose types and conditions all hold — a planner's "what do we do with
//! it" after "is it low-efficiency". A condition whose value is unknown does not hold,
//! and a condition on a constraint layer that was not given holds neither inside nor
//! outside: the parcel falls through to a later rule (the presets end with a catch-all).

use super::rules::{condition, Holds};
use super::{ParcelScore, ScoreInput};
use crate::criteria::{Criteria, ModeCondition, ModeRule};

/// The index of the mode rule that decides a low-efficiency parcel's mode.
pub(crate) fn mode_of(
    input: &ScoreInput<'_>,
    criteria: &Criteria,
    i: usize,
    score: &ParcelScore,
) -> Option<usize> {
    let ltype = score.ltype?;
    let mut subject = super::subject(input, criteria, i);
    subject.class = score.class;
    let met = input.controls.map(|c| c[i].met.as_slice()).unwrap_or(&[]);
    let holds = |rule: &ModeRule| {
        (rule.types.is_empty() || rule.types.contains(&ltype))
            && rule.when.iter().all(|w| match w {
                ModeCondition::Value(c) => matches!(condition(c, &subject), Holds::Yes(_)),
                ModeCondition::Fired { ids, .. } => {
                    score.fired.iter().any(|f| ids.contains(&f.rule))
                }
                ModeCondition::Inside(k) => met.contains(k),
                ModeCondition::Outside(k) => input.layers.contains(k) && !met.contains(k),
            })
    };
    criteria.modes.iter().position(holds)
}

/// The mode of a group of parcels (a renewal unit): the mode that covers the largest
/// low-efficiency area among them; ties go to the earlier mode rule, and 待定 (no rule
/// matched) only wins when nothing else is there. `None` when no member has a mode.
///
/// `members` gives each member's mode (`Some(None)` is 待定) and area.
pub fn dominant_mode(
    members: impl IntoIterator<Item = (Option<usize>, f64)>,
) -> Option<Option<usize>> {
    let mut area: std::collections::BTreeMap<Option<usize>, f64> = Default::default();
    for (mode, a) in members {
        *area.entry(mode).or_default() += a;
    }
    let decided = area
        .iter()
        .filter(|(m, _)| m.is_some())
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(m, _)| *m);
    decided.or_else(|| area.keys().next().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_takes_the_mode_of_its_largest_area() {
        assert_eq!(
            dominant_mode([(Some(2), 100.0), (Some(0), 60.0), (Some(0), 50.0)]),
            Some(Some(0))
        );
        // A tie goes to the earlier rule.
        assert_eq!(
            dominant_mode([(Some(3), 100.0), (Some(1), 100.0)]),
            Some(Some(1))
        );
        // 待定 only when nothing else.
        assert_eq!(
            dominant_mode([(None, 500.0), (Some(4), 1.0)]),
            Some(Some(4))
        );
        assert_eq!(dominant_mode([(None, 500.0)]), Some(None));
        assert_eq!(dominant_mode([]), None);
    }
}
