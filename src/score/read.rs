//! What a rule or indicator reads from one parcel: a survey value, a measured one, the
//! composite class, the industry class; see "Which value a rule reads" in
//! [`crate::criteria`].

use super::ParcelFacts;
use crate::criteria::{
    industry, FieldRef, IndustryEdition, MeasureSettings, MeasuredField, Prefer,
};
use crate::landuse::Scheme;
use crate::model::{Parcel, SurveyField, ValueRef};

/// A parcel value as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Read<'a> {
    Missing,
    Number(f64),
    /// Trimmed, non-empty.
    Text(&'a str),
}

impl<'a> Read<'a> {
    pub(crate) fn of(value: ValueRef<'a>) -> Read<'a> {
        match value {
            ValueRef::Null => Read::Missing,
            ValueRef::Int(i) => Read::Number(i as f64),
            ValueRef::Real(r) if r.is_finite() => Read::Number(r),
            ValueRef::Real(_) => Read::Missing,
            ValueRef::Text(t) => match t.trim() {
                "" => Read::Missing,
                t => Read::Text(t),
            },
        }
    }

    pub(crate) fn number(self) -> Option<f64> {
        match self {
            Read::Missing => None,
            Read::Number(n) => Some(n),
            Read::Text(t) => t.parse::<f64>().ok().filter(|n| n.is_finite()),
        }
    }
}

/// One parcel as the rules see it.
pub(crate) struct Subject<'a> {
    pub parcel: &'a Parcel,
    pub facts: Option<&'a ParcelFacts>,
    pub scheme: Scheme,
    pub measure: MeasureSettings,
    /// The composite class, once ranked.
    pub class: Option<char>,
    /// The parcel's GB/T 4754-2002 industry class, when its `ind_code` reads as one.
    pub industry: Option<String>,
}

/// The class as text (`"A"`…), for the rules that read it.
const CLASS_TEXT: [&str; 4] = ["A", "B", "C", "D"];

impl<'a> Subject<'a> {
    pub(crate) fn new(
        parcel: &'a Parcel,
        facts: Option<&'a ParcelFacts>,
        scheme: Scheme,
        measure: MeasureSettings,
        codes: IndustryEdition,
    ) -> Self {
        let industry = match Read::of(parcel.survey_value(SurveyField::IndCode)) {
            Read::Text(t) => industry::class_2002(t, codes),
            Read::Number(n) if n.fract() == 0.0 && n >= 0.0 => {
                industry::class_2002(&(n as u64).to_string(), codes)
            }
            _ => None,
        };
        Subject {
            parcel,
            facts,
            scheme,
            measure,
            class: None,
            industry,
        }
    }

    /// The value of a survey field as read.
    pub(crate) fn survey(&self, field: SurveyField) -> Read<'a> {
        Read::of(self.parcel.survey_value(field))
    }

    /// The value a rule or indicator on `field` reads.
    pub(crate) fn read(&self, field: FieldRef) -> Read<'a> {
        let measured = |m: MeasuredField| self.facts.and_then(|f| f.get(m));
        match field {
            FieldRef::Class => match self.class {
                Some(c) => CLASS_TEXT
                    .iter()
                    .find(|t| t.starts_with(c))
                    .map_or(Read::Missing, |t| Read::Text(t)),
                None => Read::Missing,
            },
            FieldRef::Measured(m) => measured(m).map_or(Read::Missing, Read::Number),
            FieldRef::Survey { field, measured: m } => {
                let surveyed = self.survey(field);
                let prefer = match m {
                    Some(MeasuredField::Cov) => self.measure.prefer_cov,
                    _ => self.measure.prefer_far,
                };
                match (m.and_then(measured), prefer, surveyed) {
                    (Some(x), Prefer::Measured, _) | (Some(x), Prefer::Surveyed, Read::Missing) => {
                        Read::Number(x)
                    }
                    _ => surveyed,
                }
            }
        }
    }
}
