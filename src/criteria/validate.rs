//! Turns a criteria file as written into [`Criteria`], collecting every problem with its
//! line.

use super::file::{FileClasses, FileComposite, FileCriteria, FileRule};
use super::types::*;
use crate::error::{Error, Result};
use crate::landuse::LandClass;
use crate::model::{Choice, SurveyField};
use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// Largest indicator weight (weights are relative; published schemes use percentages).
const MAX_WEIGHT: f64 = 1000.0;

/// Largest indicator benchmark (万元/亩 and the like stay far below).
const MAX_BENCHMARK: f64 = 1e9;

/// Validates a parsed criteria file; `text` is its source (for line numbers), `path`
/// names it in errors. Every problem is reported at once, each with its line.
pub(super) fn validate(file: &FileCriteria, text: &str, path: &Path) -> Result<Criteria> {
    let mut v = Validator {
        text,
        problems: Vec::new(),
    };
    let criteria = v.criteria(file, path);
    if v.problems.is_empty() {
        Ok(criteria)
    } else {
        v.problems.sort_by_key(|(line, _)| *line);
        let lines: Vec<String> = v
            .problems
            .iter()
            .map(|(line, m)| format!("line {line}: {m}"))
            .collect();
        Err(Error::config(path, lines.join("\n  ")))
    }
}

/// Builds the [`Criteria`] while collecting every problem with its line; what is built
/// is meaningful only when no problem was found.
struct Validator<'a> {
    text: &'a str,
    problems: Vec<(usize, String)>,
}

fn land_class(name: &str) -> Option<LandClass> {
    [
        LandClass::Industrial,
        LandClass::Commercial,
        LandClass::Residential,
        LandClass::Facility,
    ]
    .into_iter()
    .find(|c| c.name() == name)
}

fn field_names() -> String {
    let mut names: Vec<&str> = SurveyField::ALL.iter().map(|f| f.name()).collect();
    names.extend(MeasuredField::ALL.iter().map(|(n, _)| *n));
    names.join(", ")
}

impl Validator<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, span: Range<usize>, message: String) {
        let line = self.line(span);
        self.problems.push((line, message));
    }

    /// The number as the file writes it, when that reads back as the same number.
    fn literal(&self, n: &Spanned<f64>) -> String {
        let raw = self.text.get(n.span()).unwrap_or("").trim();
        if raw.parse::<f64>().ok() == Some(*n.get_ref()) {
            raw.to_string()
        } else {
            n.get_ref().to_string()
        }
    }

    fn criteria(&mut self, file: &FileCriteria, path: &Path) -> Criteria {
        let name = match &file.name {
            Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().clone(),
            Some(n) => {
                self.problem(n.span(), "name is empty".into());
                String::new()
            }
            None => {
                self.problem(0..0, "name is missing".into());
                String::new()
            }
        };
        let prefer = match &file.measure.prefer {
            None => Prefer::Measured,
            Some(p) => match p.get_ref().as_str() {
                "measured" => Prefer::Measured,
                "surveyed" => Prefer::Surveyed,
                other => {
                    self.problem(
                        p.span(),
                        format!("[measure] prefer = '{other}' is not one of measured, surveyed"),
                    );
                    Prefer::Measured
                }
            },
        };
        let mut seen = HashSet::new();
        let rules = file
            .rule
            .iter()
            .filter_map(|r| self.rule(r, &mut seen))
            .collect();
        let composite = file
            .composite
            .iter()
            .filter_map(|(k, c)| {
                let ltype = land_class(k.get_ref());
                if ltype.is_none() {
                    self.problem(
                        k.span(),
                        format!(
                            "[composite.{}]: not a land type (industrial, commercial, residential, facility)",
                            k.get_ref()
                        ),
                    );
                }
                // Checked even under an unknown type, so that every problem is reported.
                let c = self.composite(k.get_ref(), c);
                Some((ltype?, c?))
            })
            .collect();
        Criteria {
            name,
            description: file.description.clone(),
            origin: path.display().to_string(),
            digest: String::new(),
            measure: MeasureSettings {
                prefer,
                double_tall_storeys: file.measure.double_tall_storeys,
            },
            rules,
            composite,
        }
    }

    /// A required key of a table: reported at the table's header when missing.
    fn required<'f, T>(
        &mut self,
        value: &'f Option<Spanned<T>>,
        table: Range<usize>,
        what: &str,
    ) -> Option<&'f Spanned<T>> {
        if value.is_none() {
            self.problem(table, format!("{what} is missing"));
        }
        value.as_ref()
    }

    fn rule(&mut self, r: &Spanned<FileRule>, seen: &mut HashSet<String>) -> Option<Rule> {
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
        let ltype = self
            .required(&f.ltype, at.clone(), &format!("{what}: type"))
            .and_then(|t| {
                let c = land_class(t.get_ref());
                if c.is_none() {
                    self.problem(
                        t.span(),
                        format!(
                            "{what}: type '{}' is not one of industrial, commercial, residential, facility",
                            t.get_ref()
                        ),
                    );
                }
                c
            });
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
                            "{what}: op '{}' is not one of <, <=, >, >=, ==, !=, in, not_in",
                            o.get_ref()
                        ),
                    );
                }
                op.map(|op| (o, op))
            });
        let threshold = op.and_then(|(o, op)| self.threshold(f, o, op, &what));
        if let (Some((fl, fref)), Some((o, op))) = (&field, op) {
            if !op.is_set() && !fref.is_numeric() {
                self.problem(
                    o.span(),
                    format!(
                        "{what}: op '{}' needs a numeric field, '{}' is text (use in / not_in)",
                        op,
                        fl.get_ref()
                    ),
                );
            }
        }
        let mark = self
            .required(&f.mark, at.clone(), &format!("{what}: mark"))
            .and_then(|m| match m.get_ref().as_str() {
                "source" => Some((m, Mark::Source)),
                "default" => Some((m, Mark::Default)),
                other => {
                    self.problem(
                        m.span(),
                        format!("{what}: mark '{other}' is not one of source, default"),
                    );
                    None
                }
            });
        let source = f.source.clone().unwrap_or_default();
        if let Some((m, Mark::Source)) = &mark {
            if source.trim().is_empty() {
                self.problem(
                    m.span(),
                    format!("{what}: mark = \"source\" needs the citation in source = \"…\""),
                );
            }
        }
        let (threshold, set) = threshold?;
        Some(Rule {
            id: name,
            ltype: ltype?,
            field: field?.0.get_ref().clone(),
            field_ref: field?.1,
            op: op?.1,
            threshold,
            unit: f.unit.clone(),
            label_zh: f.label_zh.clone(),
            label_en: f.label_en.clone(),
            mark: mark?.1,
            source,
            line: self.line(at),
            set,
        })
    }

    /// The threshold or values an operator needs, checked.
    #[allow(clippy::type_complexity)]
    fn threshold(
        &mut self,
        f: &FileRule,
        o: &Spanned<String>,
        op: Op,
        what: &str,
    ) -> Option<(Threshold, Vec<(String, Option<f64>)>)> {
        if op.is_set() {
            if let Some(t) = &f.threshold {
                self.problem(
                    t.span(),
                    format!("{what}: op '{op}' takes values = [...], not a threshold"),
                );
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
                            format!(
                                "{what}: values must be non-empty strings or numbers, not {other}"
                            ),
                        );
                        return None;
                    }
                }
            }
            let set = out
                .iter()
                .map(|s| {
                    let t = s.trim().to_lowercase();
                    let n = t.parse::<f64>().ok().filter(|n| n.is_finite());
                    (t, n)
                })
                .collect();
            Some((Threshold::Values(out), set))
        } else {
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
            Some((
                Threshold::Number {
                    value: *t.get_ref(),
                    text: self.literal(t),
                },
                Vec::new(),
            ))
        }
    }

    fn composite(&mut self, ltype: &str, c: &Spanned<FileComposite>) -> Option<Composite> {
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
        let mut seen = HashSet::new();
        let mut indicators = Vec::new();
        for ind in &f.indicators {
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
                .and_then(|b| {
                    let x = *b.get_ref();
                    if x.is_finite() && x > 0.0 && x <= MAX_BENCHMARK {
                        Some(x)
                    } else {
                        self.problem(
                            b.span(),
                            format!(
                                "{what}: benchmark {x} must be > 0 and at most {MAX_BENCHMARK:e}"
                            ),
                        );
                        None
                    }
                });
            match (field, weight, direction, benchmark) {
                (Some((field, field_ref)), Some(weight), Some(direction), Some(benchmark)) => {
                    indicators.push(Indicator {
                        field,
                        field_ref,
                        weight,
                        direction,
                        benchmark,
                    })
                }
                _ => ok = false,
            }
        }
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
            .required(&f.classes, at, &format!("{what}: classes"))
            .and_then(|cl| self.classes(cl, &what));
        if ok {
            Some(Composite {
                indicators,
                min_weight_share,
                classes: classes?,
            })
        } else {
            None
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
