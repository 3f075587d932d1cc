//! Turns a criteria file as written into [`Criteria`], collecting every problem with its
//! line: the file's frame here, rules and their conditions in [`rule`], composite scores
//! in [`composite`], renewal modes in [`mode`].

mod composite;
mod mode;
mod rule;

pub use mode::is_chinese;

use super::file::{FileCriteria, FileTypes};
use super::types::*;
use crate::error::{Error, Result};
use crate::landuse::LandClass;
use crate::model::{Choice, SurveyField};
use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

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

/// The land-type names, for messages.
fn type_names() -> String {
    let mut names: Vec<&str> = LandClass::ALL.iter().map(|c| c.name()).collect();
    names.push("all");
    names.join(", ")
}

fn field_names() -> String {
    let mut names: Vec<&str> = SurveyField::ALL.iter().map(|f| f.name()).collect();
    names.extend(MeasuredField::ALL.iter().map(|(n, _)| *n));
    names.push("class");
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

    fn prefer(&mut self, p: Option<&Spanned<String>>, key: &str, default: Prefer) -> Prefer {
        match p {
            None => default,
            Some(p) => match p.get_ref().as_str() {
                "measured" => Prefer::Measured,
                "surveyed" => Prefer::Surveyed,
                other => {
                    self.problem(
                        p.span(),
                        format!("[measure] {key} = '{other}' is not one of measured, surveyed"),
                    );
                    default
                }
            },
        }
    }

    /// `type = "…"` or a list; `all` is every type.
    fn types(&mut self, t: &Spanned<FileTypes>, what: &str) -> Option<Vec<LandClass>> {
        let names = t.get_ref().names();
        if names.is_empty() {
            self.problem(t.span(), format!("{what}: type is an empty list"));
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        for n in names {
            if n == "all" {
                out.extend(LandClass::ALL);
                continue;
            }
            match LandClass::from_name(n) {
                Some(c) => out.push(c),
                None => {
                    self.problem(
                        t.span(),
                        format!("{what}: type '{n}' is not one of {}", type_names()),
                    );
                    ok = false;
                }
            }
        }
        out.sort();
        out.dedup();
        ok.then_some(out)
    }

    /// `mark` and `source`: a source mark needs its citation.
    fn mark(
        &mut self,
        mark: &Option<Spanned<String>>,
        source: &Option<String>,
        at: Range<usize>,
        what: &str,
    ) -> Option<(Mark, String)> {
        let mark = self
            .required(mark, at, &format!("{what}: mark"))
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
        let source = source.clone().unwrap_or_default();
        if let Some((m, Mark::Source)) = &mark {
            if source.trim().is_empty() {
                self.problem(
                    m.span(),
                    format!("{what}: mark = \"source\" needs the citation in source = \"…\""),
                );
            }
        }
        Some((mark?.1, source))
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
        let m = &file.measure;
        let both = self.prefer(m.prefer.as_ref(), "prefer", Prefer::Measured);
        let both_given = m.prefer.is_some();
        let prefer_far = self.prefer(m.prefer_far.as_ref(), "prefer_far", both);
        let prefer_cov = self.prefer(
            m.prefer_cov.as_ref(),
            "prefer_cov",
            if both_given { both } else { Prefer::Surveyed },
        );
        let industry_codes = match &file.codes.industry {
            None => IndustryEdition::Gbt2017,
            Some(e) => match e.get_ref().replace(' ', "").to_uppercase().as_str() {
                "GB/T4754-2017" | "2017" => IndustryEdition::Gbt2017,
                "GB/T4754-2002" | "2002" => IndustryEdition::Gbt2002,
                other => {
                    self.problem(
                        e.span(),
                        format!(
                            "[codes] industry = '{other}' is not one of GB/T 4754-2017, GB/T 4754-2002"
                        ),
                    );
                    IndustryEdition::Gbt2017
                }
            },
        };
        let mut seen = HashSet::new();
        let rules: Vec<Rule> = file
            .rule
            .iter()
            .filter_map(|r| self.rule(r, &mut seen))
            .collect();
        let composite = file
            .composite
            .iter()
            .filter_map(|(k, c)| {
                let ltype = LandClass::from_name(k.get_ref());
                if ltype.is_none() {
                    self.problem(
                        k.span(),
                        format!(
                            "[composite.{}]: not a land type ({})",
                            k.get_ref(),
                            LandClass::ALL.map(|c| c.name()).join(", ")
                        ),
                    );
                }
                // Checked even under an unknown type, so that every problem is reported.
                let c = self.composite(k.get_ref(), ltype, c, &rules);
                Some((ltype?, c?))
            })
            .collect();
        self.class_rules_have_a_composite(file, &rules, &composite);
        let modes = file
            .mode
            .iter()
            .filter_map(|m| self.mode(m, &rules))
            .collect();
        Criteria {
            name,
            description: file.description.clone(),
            origin: path.display().to_string(),
            digest: String::new(),
            measure: MeasureSettings {
                prefer_far,
                prefer_cov,
                double_tall_storeys: m.double_tall_storeys,
            },
            industry_codes,
            rules,
            composite,
            modes,
        }
    }
}
