//! Renewal-mode rules (`[[mode]]`).

use super::Validator;
use crate::constraints::ConstraintKind;
use crate::criteria::file::FileMode;
use crate::criteria::types::*;
use crate::model::Choice;
use toml::Spanned;

/// Whether text is written in Chinese: it has a CJK character and no Latin word (three
/// letters in a row); a grade or class letter (`C级`, `D类`) or a unit (`km²`) is
/// Chinese usage.
///
/// ```
/// use landsift::criteria::is_chinese;
/// assert!(is_chinese("产业类别：淘汰类"));
/// assert!(!is_chinese("产业类别restricted"));
/// assert!(!is_chinese("1.0"));
/// assert!(is_chinese("危房（C级、D级）"));
/// assert!(is_chinese("大圈面积 5–10 km²"));
/// assert!(!is_chinese("规则IND_FAR"));
/// ```
pub fn is_chinese(s: &str) -> bool {
    let cjk = s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    let chars: Vec<char> = s.chars().collect();
    let word = chars
        .windows(3)
        .any(|w| w.iter().all(char::is_ascii_alphabetic));
    cjk && !word
}

impl Validator<'_> {
    pub(super) fn mode(&mut self, m: &Spanned<FileMode>, rules: &[Rule]) -> Option<ModeRule> {
        let at = m.span();
        let f = m.get_ref();
        let mode = self
            .required(&f.mode, at.clone(), "[[mode]] mode")
            .and_then(|name| {
                let s = name.get_ref().trim();
                if is_chinese(s) {
                    Some(s.to_string())
                } else {
                    self.problem(
                        name.span(),
                        format!("[[mode]]: mode '{s}' must be written in Chinese (e.g. 综合整治), it is a value of a Chinese field"),
                    );
                    None
                }
            });
        let what = format!("mode {}", mode.as_deref().unwrap_or(""));
        let types = match &f.ltype {
            Some(t) => self.types(t, &what),
            None => Some(Vec::new()),
        };
        let mut when = Vec::new();
        let mut ok = true;
        for c in &f.when {
            let cat = c.span();
            let w = c.get_ref();
            let given = [
                w.field.is_some(),
                w.fired.is_some(),
                w.inside.is_some(),
                w.outside.is_some(),
            ];
            if given.iter().filter(|g| **g).count() != 1 {
                self.problem(
                    cat,
                    format!("{what}: each condition of when is one of {{ field = … }}, {{ fired = [rule ids] }}, {{ inside = \"<layer>\" }}, {{ outside = \"<layer>\" }}"),
                );
                ok = false;
                continue;
            }
            let cond = if let Some(ids) = &w.fired {
                let unknown: Vec<&str> = ids
                    .get_ref()
                    .iter()
                    .filter(|i| !rules.iter().any(|r| r.id == **i))
                    .map(String::as_str)
                    .collect();
                if ids.get_ref().is_empty() || !unknown.is_empty() {
                    self.problem(
                        ids.span(),
                        format!(
                            "{what}: fired names no rule of this file ({})",
                            unknown.join(", ")
                        ),
                    );
                    None
                } else {
                    let names = ids
                        .get_ref()
                        .iter()
                        .filter_map(|i| rules.iter().find(|r| r.id == *i))
                        .map(|r| r.name_zh.clone())
                        .collect();
                    Some(ModeCondition::Fired {
                        ids: ids.get_ref().clone(),
                        names,
                    })
                }
            } else if let Some(layer) = w.inside.as_ref().or(w.outside.as_ref()) {
                match ConstraintKind::from_name(layer.get_ref()) {
                    Some(k) if w.inside.is_some() => Some(ModeCondition::Inside(k)),
                    Some(k) => Some(ModeCondition::Outside(k)),
                    None => {
                        self.problem(
                            layer.span(),
                            format!(
                                "{what}: '{}' is not a constraint layer (one of {})",
                                layer.get_ref(),
                                ConstraintKind::names()
                            ),
                        );
                        None
                    }
                }
            } else {
                self.condition(&w.comparison(), cat, &what)
                    .map(ModeCondition::Value)
            };
            match cond {
                Some(c) => when.push(c),
                None => ok = false,
            }
        }
        let (mark, source) = self.mark(&f.mark, &f.source, at.clone(), &what)?;
        if !ok {
            return None;
        }
        Some(ModeRule {
            mode: mode?,
            types: types?,
            when,
            mark,
            source,
            line: self.line(at),
        })
    }
}
