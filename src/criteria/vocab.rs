//! Text values as the rules compare them. A survey writes one value many ways — `淘汰类`,
//! `淘汰`, `ＯＢＳＯＬＥＴＥ`, `obsolete`; `C级`, `Ｃ`, `c` — so a value and a rule's `values`
//! are compared as *matching keys*: full-width forms folded to half-width, trimmed,
//! lower-cased, a trailing 级/級/类/類 dropped, and, for the fields with a fixed
//! vocabulary, synonyms mapped onto one key. Reasons show the vocabulary's Chinese form
//! (`淘汰类`, `D级`).

use crate::model::SurveyField;

/// (field, Chinese form shown in reasons, keys that mean it). The first key is the
/// canonical one.
const VOCABULARY: &[(SurveyField, &str, &[&str])] = &[
    // 《产业结构调整指导目录》 classes.
    (
        SurveyField::IndClass,
        "淘汰类",
        &["淘汰", "obsolete", "eliminated", "elimination"],
    ),
    (
        SurveyField::IndClass,
        "限制类",
        &["限制", "restricted", "restriction"],
    ),
    (SurveyField::IndClass, "鼓励类", &["鼓励", "encouraged"]),
    (
        SurveyField::IndClass,
        "允许类",
        &["允许", "permitted", "allowed"],
    ),
    // 《危险房屋鉴定标准》 JGJ 125-2016 grades.
    (SurveyField::Danger, "A级", &["a"]),
    (SurveyField::Danger, "B级", &["b"]),
    (SurveyField::Danger, "C级", &["c"]),
    (SurveyField::Danger, "D级", &["d"]),
    // Operating status.
    (
        SurveyField::Status,
        "停产",
        &["停产", "停业", "全停产", "stopped", "closed"],
    ),
    (
        SurveyField::Status,
        "半停产",
        &["半停产", "部分停产", "partly stopped"],
    ),
    (
        SurveyField::Status,
        "在产",
        &["在产", "正常生产", "正常经营", "营业", "operating"],
    ),
    (SurveyField::Status, "筹建", &["筹建", "start-up"]),
    (SurveyField::Status, "在建", &["在建", "under construction"]),
    // Supporting facilities of a housing area.
    (
        SurveyField::Facilities,
        "不完善",
        &["不完善", "不齐全", "缺失", "差", "poor", "incomplete"],
    ),
    (
        SurveyField::Facilities,
        "完善",
        &["完善", "齐全", "good", "complete"],
    ),
    // Firm size group.
    (
        SurveyField::Scale,
        "规上",
        &["规上", "规模以上", "above", "above-size"],
    ),
    (
        SurveyField::Scale,
        "规下",
        &["规下", "规模以下", "below", "below-size"],
    ),
];

/// Suffixes that do not change a value's meaning (`C级` is `C`, `淘汰类` is `淘汰`).
const SUFFIXES: &[char] = &['级', '級', '类', '類'];

/// Folds full-width ASCII forms and the ideographic space to their half-width forms.
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// The value folded, trimmed, lower-cased, without a trailing 级/类.
fn fold(raw: &str) -> String {
    let s: String = raw.chars().map(half_width).collect::<String>();
    let s = s.trim().to_lowercase();
    let stripped = s.trim_end_matches(SUFFIXES).trim_end();
    if stripped.is_empty() {
        s
    } else {
        stripped.to_string()
    }
}

/// The matching key of a value of `field` (any field when `None`).
///
/// ```
/// use landsift::criteria::vocab::key;
/// use landsift::model::SurveyField::{Danger, IndClass};
/// assert_eq!(key(Some(IndClass), "淘汰类"), key(Some(IndClass), " 淘汰 "));
/// assert_eq!(key(Some(IndClass), "obsolete"), key(Some(IndClass), "淘汰"));
/// assert_eq!(key(Some(Danger), "Ｃ级"), key(Some(Danger), "c"));
/// assert_ne!(key(Some(Danger), "C"), key(Some(Danger), "D"));
/// ```
pub fn key(field: Option<SurveyField>, raw: &str) -> String {
    let folded = fold(raw);
    entry(field, &folded)
        .map(|(_, _, keys)| keys[0].to_string())
        .unwrap_or(folded)
}

/// The Chinese form of a value for reasons: the vocabulary's, else the value trimmed.
///
/// ```
/// use landsift::criteria::vocab::display;
/// use landsift::model::SurveyField::{Danger, IndClass};
/// assert_eq!(display(Some(IndClass), "restricted"), "限制类");
/// assert_eq!(display(Some(Danger), "d"), "D级");
/// assert_eq!(display(None, " 其他 "), "其他");
/// ```
pub fn display(field: Option<SurveyField>, raw: &str) -> String {
    match entry(field, &fold(raw)) {
        Some((_, shown, _)) => shown.to_string(),
        None => raw.trim().to_string(),
    }
}

/// Whether `raw` is a word of `field`'s fixed vocabulary (`淘汰类`, `C级`, `停产`…).
///
/// ```
/// use landsift::criteria::vocab::known;
/// use landsift::model::SurveyField::{Danger, IndClass};
/// assert!(known(IndClass, "限制类") && known(Danger, "Ｄ级"));
/// assert!(!known(Danger, "E") && !known(IndClass, "长安镇"));
/// ```
pub fn known(field: SurveyField, raw: &str) -> bool {
    entry(Some(field), &fold(raw)).is_some()
}

/// Whether a field has a fixed vocabulary.
pub fn has_vocabulary(field: SurveyField) -> bool {
    VOCABULARY.iter().any(|(f, _, _)| *f == field)
}

fn entry(
    field: Option<SurveyField>,
    folded: &str,
) -> Option<&'static (SurveyField, &'static str, &'static [&'static str])> {
    let field = field?;
    VOCABULARY
        .iter()
        .find(|(f, _, keys)| *f == field && keys.contains(&folded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_case_and_suffixes_fold() {
        assert_eq!(fold("ＡＢＣ　"), "abc");
        assert_eq!(fold("Ｃ級"), "c");
        assert_eq!(fold("限制類"), "限制");
        // A value that is only a suffix stays itself.
        assert_eq!(fold("类"), "类");
    }

    #[test]
    fn every_vocabulary_key_is_folded_and_unique_per_field() {
        for (f, shown, keys) in VOCABULARY {
            assert_eq!(key(Some(*f), shown), keys[0], "{shown}");
            for k in *keys {
                assert_eq!(fold(k), *k, "{k} is not a folded key");
                let n = VOCABULARY
                    .iter()
                    .filter(|(g, _, ks)| g == f && ks.contains(k))
                    .count();
                assert_eq!(n, 1, "{k} means two things");
            }
        }
    }

    #[test]
    fn fields_without_a_vocabulary_only_fold() {
        assert_eq!(key(Some(SurveyField::Town), "Ｃ"), "c");
        assert_eq!(key(None, "restricted"), "restricted");
        assert_eq!(key(Some(SurveyField::IndClass), "restricted"), "限制");
    }
}
