//! Composite scores (`[composite.<type>]`): indicators, peer groups, classes and role.

use super::{field_names, Validator};
use crate::criteria::file::{FileClasses, FileComposite, FileCriteria, FileIndicator};
use crate::criteria::types::*;
use crate::criteria::vocab;
use crate::landuse::LandClass;
use crate::model::{Choice, FieldKind, SurveyField};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use toml::Spanned;

/// Largest indicator weight (weights are relative; published schemes use percentages).
const MAX_WEIGHT: f64 = 1000.0;

/// Largest indicator benchmark (万元/亩 and the like stay far below).
const MAX_BENCHMARK: f64 = 1e9;

impl Validator<'_> {
    pub(super) fn composite(
        &mut self,
        ltype: &str,
        class: Option<LandClass>,
        c: &Spanned<FileComposite>,
        rules: &[Rule],
    ) -> Option<Composite> {
        let at = c.span();
        let f = c.get_ref();
        let what = format!("[composite.{ltype}]");
        let mut ok = true;
        if f.indicators.is_empty() {
            self.problem(
                at.clone(),
                format!("{what}: indicators is empty or missing"),
            );
            ok = false;
        }
        let indicators = self.indicators(&f.indicators, &what);
        let group_by =
            f.group_by
                .as_ref()
                .and_then(|g| match SurveyField::from_name(g.get_ref()) {
                    Some(field) if field.kind() == FieldKind::Text => Some(field),
                    _ => {
                        self.problem(
                            g.span(),
                            format!(
                            "{what}: group_by '{}' is not a text field of the survey (e.g. scale)",
                            g.get_ref()
                        ),
                        );
                        ok = false;
                        None
                    }
                });
        let mut groups = BTreeMap::new();
        for (name, list) in &f.groups {
            if f.group_by.is_none() {
                self.problem(
                    name.span(),
                    format!("{what}: groups needs group_by (the field whose values they name)"),
                );
                ok = false;
            }
            if list.is_empty() {
                self.problem(
                    name.span(),
                    format!("{what}: group '{}' has no indicators", name.get_ref()),
                );
                ok = false;
            }
            let inds = self.indicators(list, &format!("{what} group '{}'", name.get_ref()));
            match inds {
                Some(i) => {
                    groups.insert(vocab::key(group_by, name.get_ref()), i);
                }
                None => ok = false,
            }
        }
        let exempt = f.exempt.as_ref().and_then(|e| {
            let c = self.condition(e.get_ref(), e.span(), &format!("{what} exempt"));
            if c.is_none() {
                ok = false;
            }
            c
        });
        let min_weight_share = match &f.min_weight_share {
            None => DEFAULT_MIN_WEIGHT_SHARE,
            Some(s) => {
                let x = *s.get_ref();
                if !(x > 0.0 && x <= 1.0) {
                    self.problem(
                        s.span(),
                        format!("{what}: min_weight_share {x} must be in (0, 1]"),
                    );
                    ok = false;
                }
                x
            }
        };
        let classes = self
            .required(&f.classes, at.clone(), &format!("{what}: classes"))
            .and_then(|cl| self.classes(cl, &what));
        let role = self.role(f, class, at, &what, rules);
        if ok {
            Some(Composite {
                indicators: indicators?,
                min_weight_share,
                classes: classes?,
                role: role?,
                group_by,
                groups,
                exempt,
            })
        } else {
            None
        }
    }

    /// `role = "report"` (default) or `"rule"`, which needs a hard rule of the type that
    /// reads `class`.
    fn role(
        &mut self,
        f: &FileComposite,
        class: Option<LandClass>,
        at: Range<usize>,
        what: &str,
        rules: &[Rule],
    ) -> Option<Role> {
        let readers: Vec<String> = rules
            .iter()
            .filter(|r| r.reads_class() && class.is_some_and(|c| r.types.contains(&c)))
            .map(|r| r.id.clone())
            .collect();
        let role = f.role.as_ref().map(|r| (r.get_ref().as_str(), r.span()));
        match role {
            None | Some(("report", _)) if readers.is_empty() => Some(Role::Report),
            None | Some(("report", _)) => {
                let span = role.map_or(at, |(_, s)| s);
                self.problem(
                    span,
                    format!(
                        "{what}: rule {} reads the class, so role = \"rule\" (the class makes parcels low-efficiency)",
                        readers.join(", ")
                    ),
                );
                None
            }
            Some(("rule", span)) => {
                if readers.is_empty() {
                    self.problem(
                        span,
                        format!(
                            "{what}: role = \"rule\" needs a [[rule]] of this type on field = \"class\" (e.g. values = [\"D\"])"
                        ),
                    );
                    return None;
                }
                Some(Role::Rule(readers.join(",")))
            }
            Some((other, span)) => {
                self.problem(
                    span,
                    format!("{what}: role '{other}' is not one of report, rule"),
                );
                None
            }
        }
    }

    /// A hard rule on `class` of a type without a composite can never fire.
    pub(super) fn class_rules_have_a_composite(
        &mut self,
        file: &FileCriteria,
        rules: &[Rule],
        composite: &BTreeMap<LandClass, Composite>,
    ) {
        for (r, fr) in rules.iter().zip(&file.rule) {
            if !r.reads_class() {
                continue;
            }
            let missing: Vec<&str> = r
                .types
                .iter()
                .filter(|t| !composite.contains_key(t))
                .map(|t| t.name())
                .collect();
            if !missing.is_empty() {
                self.problem(
                    fr.span(),
                    format!(
                        "rule {}: reads class, but {} has no [composite.…] to rank it",
                        r.id,
                        missing.join(", ")
                    ),
                );
            }
        }
    }

    fn indicators(
        &mut self,
        list: &[Spanned<FileIndicator>],
        what: &str,
    ) -> Option<Vec<Indicator>> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut ok = true;
        for ind in list {
            match self.indicator(ind, what, &mut seen) {
                Some(i) => out.push(i),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn indicator(
        &mut self,
        ind: &Spanned<FileIndicator>,
        what: &str,
        seen: &mut HashSet<String>,
    ) -> Option<Indicator> {
        let i = ind.get_ref();
        let iat = ind.span();
        let field = self
            .required(&i.field, iat.clone(), &format!("{what}: indicator field"))
            .and_then(|fl| {
                let name = fl.get_ref();
                match FieldRef::from_name(name) {
                    Some(r) if r.is_numeric() => {
                        if !seen.insert(name.clone()) {
                            self.problem(
                                fl.span(),
                                format!("{what}: indicator '{name}' is listed twice"),
                            );
                        }
                        Some((name.clone(), r))
                    }
                    Some(_) => {
                        self.problem(
                            fl.span(),
                            format!("{what}: indicator field '{name}' is text, not a number"),
                        );
                        None
                    }
                    None => {
                        self.problem(
                            fl.span(),
                            format!(
                                "{what}: indicator field '{name}' is not an engine or measured field (one of {})",
                                field_names()
                            ),
                        );
                        None
                    }
                }
            });
        let weight = self
            .required(&i.weight, iat.clone(), &format!("{what}: indicator weight"))
            .and_then(|w| {
                let x = *w.get_ref();
                // Weights are relative (the schemes use percentages): a bound keeps
                // their sum, and the score, finite.
                if x.is_finite() && x > 0.0 && x <= MAX_WEIGHT {
                    Some(x)
                } else {
                    self.problem(
                        w.span(),
                        format!("{what}: weight {x} must be > 0 and at most {MAX_WEIGHT}"),
                    );
                    None
                }
            });
        let direction = self
            .required(
                &i.direction,
                iat.clone(),
                &format!("{what}: indicator direction"),
            )
            .and_then(|d| match d.get_ref().as_str() {
                "higher" => Some(Direction::Higher),
                "lower" => Some(Direction::Lower),
                other => {
                    self.problem(
                        d.span(),
                        format!("{what}: direction '{other}' is not one of higher, lower"),
                    );
                    None
                }
            });
        let benchmark = self
            .required(
                &i.benchmark,
                iat.clone(),
                &format!("{what}: indicator benchmark"),
            )
            .and_then(|b| self.benchmark(b, i.benchmark_factor.as_ref(), what));
        if let (Some(f), Some(Benchmark::Fixed(_))) = (&i.benchmark_factor, benchmark) {
            self.problem(
                f.span(),
                format!("{what}: benchmark_factor goes with benchmark = \"mean\""),
            );
            return None;
        }
        let (field, field_ref) = field?;
        Some(Indicator {
            field,
            field_ref,
            weight: weight?,
            direction: direction?,
            benchmark: benchmark?,
        })
    }

    fn benchmark(
        &mut self,
        b: &Spanned<toml::Value>,
        factor: Option<&Spanned<f64>>,
        what: &str,
    ) -> Option<Benchmark> {
        let fixed = |x: f64| x.is_finite() && x > 0.0 && x <= MAX_BENCHMARK;
        match b.get_ref() {
            toml::Value::Float(x) if fixed(*x) => Some(Benchmark::Fixed(*x)),
            toml::Value::Integer(i) if fixed(*i as f64) => Some(Benchmark::Fixed(*i as f64)),
            toml::Value::String(s) if s == "mean" => {
                let span = factor.map_or(b.span(), |f| f.span());
                let factor = factor.map_or(1.0, |f| *f.get_ref());
                if factor.is_finite() && factor > 0.0 && factor <= 100.0 {
                    Some(Benchmark::Mean { factor })
                } else {
                    self.problem(
                        span,
                        format!("{what}: benchmark_factor {factor} must be > 0 and at most 100"),
                    );
                    None
                }
            }
            other => {
                self.problem(
                    b.span(),
                    format!(
                        "{what}: benchmark {other} must be a number > 0 and at most {MAX_BENCHMARK:e}, or \"mean\""
                    ),
                );
                None
            }
        }
    }

    fn classes(&mut self, cl: &Spanned<FileClasses>, what: &str) -> Option<Classes> {
        let at = cl.span();
        let f = cl.get_ref();
        let method = self
            .required(&f.method, at.clone(), &format!("{what}: classes method"))
            .and_then(|m| match m.get_ref().as_str() {
                "percentile" => Some(ClassMethod::Percentile),
                "breaks" => Some(ClassMethod::Breaks),
                other => {
                    self.problem(
                        m.span(),
                        format!(
                            "{what}: classes method '{other}' is not one of percentile, breaks"
                        ),
                    );
                    None
                }
            });
        let a = self.required(&f.a, at.clone(), &format!("{what}: classes A"));
        let b = self.required(&f.b, at.clone(), &format!("{what}: classes B"));
        let c = self.required(&f.c, at.clone(), &format!("{what}: classes C"));
        let (method, a, b, c) = (method?, a?, b?, c?);
        let (x, y, z) = (*a.get_ref(), *b.get_ref(), *c.get_ref());
        let ok = match method {
            ClassMethod::Percentile => {
                let fine = 0.0 < x && x < y && y < z && z <= 1.0;
                if !fine {
                    self.problem(
                        a.span(),
                        format!(
                            "{what}: percentile classes need 0 < A < B < C ≤ 1 (increasing rank shares), got A = {x}, B = {y}, C = {z}"
                        ),
                    );
                }
                fine
            }
            ClassMethod::Breaks => {
                let fine = 100.0 >= x && x > y && y > z && z > 0.0;
                if !fine {
                    self.problem(
                        a.span(),
                        format!(
                            "{what}: score breaks need 100 ≥ A > B > C > 0 (A is the best class), got A = {x}, B = {y}, C = {z}"
                        ),
                    );
                }
                fine
            }
        };
        ok.then_some(Classes {
            method,
            a: x,
            b: y,
            c: z,
        })
    }
}
