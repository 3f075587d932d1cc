//! Hard rules and their conditions.

use super::{field_names, Validator};
use crate::criteria::file::{FileCondition, FileRule};
use crate::criteria::types::*;
use crate::criteria::vocab;
use crate::model::SurveyField;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use toml::Spanned;

/// The classes a composite gives.
const CLASSES: [&str; 4] = ["a", "b", "c", "d"];

impl Validator<'_> {
    pub(super) fn rule(
        &mut self,
        r: &Spanned<FileRule>,
        seen: &mut HashSet<String>,
    ) -> Option<Rule> {
        let at = r.span();
        let f = r.get_ref();
        let id = self.required(&f.id, at.clone(), "[[rule]] id");
        let name = id.map(|i| i.get_ref().clone()).unwrap_or_default();
        let what = if name.is_empty() {
            "rule".to_string()
        } else {
            format!("rule {name}")
        };
        if let Some(id) = id {
            let s = id.get_ref();
            if s.is_empty() || s.contains(';') || s.chars().any(char::is_whitespace) {
                self.problem(
                    id.span(),
                    format!("{what}: id '{s}' must be non-empty, without spaces or ';'"),
                );
            } else if !seen.insert(s.clone()) {
                self.problem(id.span(), format!("{what}: duplicate id '{s}'"));
            }
        }
        let types = self
            .required(&f.ltype, at.clone(), &format!("{what}: type"))
            .and_then(|t| self.types(t, &what));
        let conditions = match &f.all {
            Some(all) => {
                let own = f.field.is_some()
                    || f.op.is_some()
                    || f.threshold.is_some()
                    || f.values.is_some()
                    || f.by_industry.is_some();
                if own {
                    self.problem(
                        all.span(),
                        format!("{what}: give either field/op/… or all = [...], not both"),
                    );
                }
                if all.get_ref().is_empty() {
                    self.problem(all.span(), format!("{what}: all is empty"));
                }
                let conds: Vec<Option<Condition>> = all
                    .get_ref()
                    .iter()
                    .map(|c| self.condition(c.get_ref(), c.span(), &what))
                    .collect();
                conds.into_iter().collect::<Option<Vec<_>>>()
            }
            None => self
                .condition(&f.own_condition(), at.clone(), &what)
                .map(|c| vec![c]),
        };
        let name_zh = match &f.name_zh {
            Some(n) if n.get_ref().trim().is_empty() => {
                self.problem(n.span(), format!("{what}: name_zh is empty"));
                None
            }
            Some(n) => Some(n.get_ref().trim().to_string()),
            None => None,
        };
        let (mark, source) = self.mark(&f.mark, &f.source, at.clone(), &what)?;
        let conditions = conditions.filter(|c| !c.is_empty())?;
        let name_zh = name_zh.unwrap_or_else(|| {
            conditions
                .iter()
                .map(Condition::describe_zh)
                .collect::<Vec<_>>()
                .join("且")
        });
        Some(Rule {
            id: name,
            types: types?,
            conditions,
            name_zh,
            mark,
            source,
            line: self.line(at),
        })
    }

    /// One comparison; problems are reported at its keys, or at `at` when one is missing.
    pub(super) fn condition(
        &mut self,
        f: &FileCondition,
        at: Range<usize>,
        what: &str,
    ) -> Option<Condition> {
        let field = self
            .required(&f.field, at.clone(), &format!("{what}: field"))
            .and_then(|fl| {
                let r = FieldRef::from_name(fl.get_ref());
                if r.is_none() {
                    self.problem(
                        fl.span(),
                        format!(
                            "{what}: field '{}' is not an engine or measured field (one of {})",
                            fl.get_ref(),
                            field_names()
                        ),
                    );
                }
                r.map(|r| (fl, r))
            });
        let op = self
            .required(&f.op, at.clone(), &format!("{what}: op"))
            .and_then(|o| {
                let op = Op::from_symbol(o.get_ref());
                if op.is_none() {
                    self.problem(
                        o.span(),
                        format!(
                            "{what}: op '{}' is not one of <, <=, >, >=, ==, !=, in, not_in, conflicts",
                            o.get_ref()
                        ),
                    );
                }
                op.map(|op| (o, op))
            });
        let fref = field.as_ref().map(|(_, r)| *r);
        let threshold = op.and_then(|(o, op)| self.threshold(f, o, op, fref, what));
        let mut ok = true;
        if let (Some((fl, fref)), Some((o, op))) = (&field, op) {
            if op == Op::Conflicts {
                if fref.survey_field() != Some(SurveyField::PlannedUse) {
                    self.problem(
                        o.span(),
                        format!(
                            "{what}: op 'conflicts' compares the current use with the planned use: its field is plan_use, not '{}'",
                            fl.get_ref()
                        ),
                    );
                    ok = false;
                }
            } else if !op.is_set() && !fref.is_numeric() {
                self.problem(
                    o.span(),
                    format!(
                        "{what}: op '{}' needs a numeric field, '{}' is text (use in / not_in)",
                        op,
                        fl.get_ref()
                    ),
                );
                ok = false;
            }
            if *fref == FieldRef::Class {
                if let Some((Threshold::Values(_), set, _)) = &threshold {
                    if let Some(bad) = set.iter().find(|k| !CLASSES.contains(&k.as_str())) {
                        self.problem(
                            o.span(),
                            format!("{what}: class '{bad}' is not one of A, B, C, D"),
                        );
                        ok = false;
                    }
                }
            }
        }
        let (threshold, set, by_industry) = threshold?;
        let (field, field_ref) = field?;
        if !ok {
            return None;
        }
        Some(Condition {
            field: field.get_ref().clone(),
            field_ref,
            op: op?.1,
            threshold,
            by_industry,
            unit: f.unit.clone(),
            label_zh: f.label_zh.clone(),
            label_en: f.label_en.clone(),
            set,
        })
    }

    /// The threshold or values an operator needs, checked, and the per-industry table.
    #[allow(clippy::type_complexity)]
    fn threshold(
        &mut self,
        f: &FileCondition,
        o: &Spanned<String>,
        op: Op,
        field: Option<FieldRef>,
        what: &str,
    ) -> Option<(Threshold, Vec<String>, BTreeMap<String, Threshold>)> {
        if op != Op::Conflicts && !op.is_set() {
            return self.comparison(f, o, op, what);
        }
        if let Some(t) = &f.threshold {
            let takes = if op.is_set() {
                "values = [...]"
            } else {
                "nothing"
            };
            self.problem(
                t.span(),
                format!("{what}: op '{op}' takes {takes}, not a threshold"),
            );
        }
        if let Some(b) = &f.by_industry {
            self.problem(
                b.span(),
                format!("{what}: by_industry goes with a comparison (<, <=, >, >=), not '{op}'"),
            );
        }
        if op == Op::Conflicts {
            if let Some(v) = &f.values {
                self.problem(
                    v.span(),
                    format!(
                        "{what}: op 'conflicts' takes no values (it reads the compatibility table)"
                    ),
                );
            }
            return Some((Threshold::Compatibility, Vec::new(), BTreeMap::new()));
        }
        let Some(vals) = &f.values else {
            self.problem(
                o.span(),
                format!("{what}: op '{op}' needs values = [...] (missing)"),
            );
            return None;
        };
        if vals.get_ref().is_empty() {
            self.problem(vals.span(), format!("{what}: values is empty"));
            return None;
        }
        let mut out = Vec::new();
        for v in vals.get_ref() {
            match v {
                toml::Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                toml::Value::Integer(i) => out.push(i.to_string()),
                toml::Value::Float(x) if x.is_finite() => out.push(x.to_string()),
                other => {
                    self.problem(
                        vals.span(),
                        format!("{what}: values must be non-empty strings or numbers, not {other}"),
                    );
                    return None;
                }
            }
        }
        let survey = field.and_then(FieldRef::survey_field);
        let set = out.iter().map(|s| vocab::key(survey, s)).collect();
        Some((Threshold::Values(out), set, BTreeMap::new()))
    }

    #[allow(clippy::type_complexity)]
    fn comparison(
        &mut self,
        f: &FileCondition,
        o: &Spanned<String>,
        op: Op,
        what: &str,
    ) -> Option<(Threshold, Vec<String>, BTreeMap<String, Threshold>)> {
        if let Some(v) = &f.values {
            self.problem(
                v.span(),
                format!("{what}: op '{op}' takes a threshold, not values (use in / not_in)"),
            );
        }
        let Some(t) = &f.threshold else {
            self.problem(
                o.span(),
                format!("{what}: op '{op}' needs threshold = <number> (missing)"),
            );
            return None;
        };
        if !t.get_ref().is_finite() {
            self.problem(
                t.span(),
                format!("{what}: threshold must be a finite number"),
            );
            return None;
        }
        let mut by_industry = BTreeMap::new();
        if let Some(table) = &f.by_industry {
            for (class, x) in table.get_ref() {
                let two_digits = class.len() == 2 && class.bytes().all(|b| b.is_ascii_digit());
                if !two_digits || !x.is_finite() {
                    self.problem(
                        table.span(),
                        format!(
                            "{what}: by_industry needs two-digit GB/T 4754-2002 classes and finite thresholds, not \"{class}\" = {x}"
                        ),
                    );
                    return None;
                }
                by_industry.insert(
                    class.clone(),
                    Threshold::Number {
                        value: *x,
                        text: if x.fract() == 0.0 {
                            format!("{x:.1}")
                        } else {
                            x.to_string()
                        },
                    },
                );
            }
        }
        Some((
            Threshold::Number {
                value: *t.get_ref(),
                text: self.literal(t),
            },
            Vec::new(),
            by_industry,
        ))
    }
}
