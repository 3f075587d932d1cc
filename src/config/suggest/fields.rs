//! Which source field holds an engine field: by name (whole, or cut to a DBF's 10
//! bytes) when the values agree, else — for the few fields whose values alone tell —
//! by values; and the code scheme the land-use values follow.

use super::{group, num, percent, short, How, Layer, Pick, Profile, SchemeGuess};
use crate::criteria::vocab;
use crate::ingest::{planning::PLAN_FIELDS, FLOORS_FIELDS, HEIGHT_FIELDS};
use crate::landuse::{normalise_code, planned_groups, Scheme};
use crate::model::{Choice, FieldKind, SurveyField};
use std::collections::BTreeSet;

/// Share of a field's values that must agree with what an engine field holds.
pub(super) const AGREE: f64 = 0.6;
/// Names that look like an engine field but hold something else: a total where the
/// engine reads a value per mu.
const NOT_PER_MU: &[(&str, SurveyField)] = &[
    ("税收", SurveyField::TaxMu),
    ("税收总额", SurveyField::TaxMu),
    ("纳税额", SurveyField::TaxMu),
    ("年税收", SurveyField::TaxMu),
    ("SS", SurveyField::TaxMu),
    ("产值", SurveyField::OutMu),
    ("总产值", SurveyField::OutMu),
    ("营业收入", SurveyField::OutMu),
    ("CZ", SurveyField::OutMu),
];

/// `numbers 0–5.8, median 1.35 in 3,998 of 4,000 records` or `text: 长安镇 ×1,334, …`.
pub(super) fn describe_values(p: &Profile) -> String {
    if p.numeric() {
        p.range()
    } else {
        format!("text: {}", p.examples(3))
    }
}

/// Matching form of a field name: a unit in brackets dropped, blanks, `_` and `-`
/// removed, ASCII upper-cased.
pub(super) fn norm(name: &str) -> String {
    let cut = name.split(['(', '（', '[', '【']).next().unwrap_or(name);
    cut.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '\u{3000}'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The engine field's own name, then its common source names.
pub(super) fn names_of(f: SurveyField) -> Vec<&'static str> {
    let mut v = vec![f.name()];
    v.extend_from_slice(f.source_names());
    v
}

/// The engine field that a Chinese name cut short by a DBF begins (`建筑密` → bld_cov),
/// when it begins that field's names only.
fn cut_name_of(name: &str) -> Option<SurveyField> {
    let n = norm(name);
    if n.is_ascii() || n.chars().count() < 3 {
        return None;
    }
    let mut hits = SurveyField::ALL.iter().filter(|f| {
        f.source_names()
            .iter()
            .any(|s| norm(s).starts_with(&n) && norm(s) != n)
    });
    let first = hits.next()?;
    hits.next().is_none().then_some(*first)
}

/// Bytes a field name takes in a DBF of `encoding`: two for each CJK character in the
/// GB and Big5 encodings, as many as UTF-8 has in a UTF-8 one.
fn dbf_bytes(name: &str, encoding: &str) -> usize {
    if encoding.eq_ignore_ascii_case("utf-8") {
        name.len()
    } else {
        name.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
    }
}

pub(super) fn map_field(
    layer: &Layer,
    f: SurveyField,
    used: &BTreeSet<String>,
) -> std::result::Result<Pick, String> {
    let n = layer.features;
    let mut refused = Vec::new();
    let mut tried: BTreeSet<&str> = BTreeSet::new();
    for name in names_of(f) {
        let wanted = norm(name);
        for prof in layer.fields.iter().filter(|p| norm(&p.name) == wanted) {
            if used.contains(&prof.name) || !tried.insert(&prof.name) {
                continue;
            }
            match agrees(f, prof, n) {
                Ok(evidence) => {
                    return Ok(Pick {
                        source: prof.name.clone(),
                        how: How::Name,
                        evidence,
                    })
                }
                Err(why) => refused.push(format!("{} is named like it but {why}", prof.name)),
            }
        }
    }
    if layer.shapefile {
        let cut = layer.fields.iter().filter(|p| {
            !used.contains(&p.name)
                && dbf_bytes(&p.name, &layer.encoding.name) >= 9
                && cut_name_of(&p.name) == Some(f)
        });
        for prof in cut {
            // A whole name that only begins an engine field's (权利人, 权利人同意比例) is
            // no evidence: nothing is said when the values disagree.
            if let Ok(evidence) = agrees(f, prof, n) {
                return Ok(Pick {
                    source: prof.name.clone(),
                    how: How::Cut,
                    evidence: format!("{} cut to the DBF's 10 bytes?; {evidence}", f.label_zh()),
                });
            }
        }
    }
    let by_values = match f {
        SurveyField::ParcelId => id_by_values(layer, used),
        SurveyField::LandUse => codes_by_values(layer, used),
        _ => None,
    };
    if let Some(pick) = by_values {
        return Ok(pick);
    }
    for (name, g) in NOT_PER_MU {
        if *g == f {
            if let Some(p) = layer.fields.iter().find(|p| norm(&p.name) == norm(name)) {
                refused.push(format!(
                    "{} looks like a total, not per mu (万元/亩·年): divide by the area in mu, e.g. in a survey table",
                    p.name
                ));
            }
        }
    }
    if refused.is_empty() {
        let examples: Vec<&str> = f.source_names().iter().take(3).copied().collect();
        Err(format!(
            "no field named like it (e.g. {})",
            examples.join(", ")
        ))
    } else {
        Err(refused.join("; "))
    }
}

/// Whether a field's values are what engine field `f` holds: the evidence, or why not.
fn agrees(f: SurveyField, p: &Profile, n: usize) -> std::result::Result<String, String> {
    if p.values == 0 {
        return Err("it is empty in every record".into());
    }
    let filled = if p.values == n {
        String::new()
    } else {
        format!(" in {} of {} records", group(p.values), group(n))
    };
    let numeric = |lo: f64, hi: f64, what: &str| {
        if !p.numeric() {
            Err(format!("holds text ({})", p.examples(3)))
        } else if p.min < lo || p.max > hi {
            Err(format!("its {} are outside {what}", p.range()))
        } else {
            Ok(format!("{}{filled}", p.range()))
        }
    };
    let share_ = |lo: f64| {
        let r = numeric(0.0, 1.0, "a share 0–1");
        if r.is_err() && p.numeric() && p.min >= 0.0 && p.max <= 100.0 && p.max > 1.0 {
            Err(format!(
                "its numbers run to {}: per cent? the engine reads a share 0–1",
                num(p.max)
            ))
        } else {
            let _ = lo;
            r
        }
    };
    let words = |test: &dyn Fn(&str) -> bool, what: &str| {
        let share = p.share(test);
        if share >= AGREE {
            Ok(format!(
                "{} % of values are {what}: {}{filled}",
                percent(share),
                p.examples(4)
            ))
        } else {
            Err(format!(
                "only {} % of its values are {what} ({})",
                percent(share),
                p.examples(3)
            ))
        }
    };
    match f {
        SurveyField::ParcelId => {
            if p.kind == FieldKind::Real && !p.integral {
                Err("holds decimal numbers".into())
            } else if (p.distinct as f64) < 0.95 * p.values as f64 {
                Err(format!(
                    "has only {} distinct values in {} records",
                    group(p.distinct),
                    group(p.values)
                ))
            } else {
                Ok(format!(
                    "{} distinct values{filled}, e.g. {}",
                    group(p.distinct),
                    short(p.first.as_deref().unwrap_or("…"))
                ))
            }
        }
        SurveyField::LandUse => {
            let codes = code_share(p);
            let names = names_share(p);
            if codes >= 0.5 {
                Ok(format!(
                    "{} % of values are land-use codes: {}{filled}",
                    percent(codes),
                    p.examples(4)
                ))
            } else if names >= 0.5 {
                Ok(format!(
                    "{} % of values are land-use names, recoded below: {}{filled}",
                    percent(names),
                    p.examples(4)
                ))
            } else {
                Err(format!(
                    "only {} % of its values are land-use codes ({})",
                    percent(codes),
                    p.examples(3)
                ))
            }
        }
        SurveyField::Town => {
            if p.numeric() {
                Err(format!("holds numbers ({})", p.examples(3)))
            } else if p.distinct > 200 || (p.values > 10 && p.distinct * 2 > p.values) {
                Err(format!(
                    "has {} distinct values: not town names",
                    group(p.distinct)
                ))
            } else {
                Ok(format!("{} towns: {}{filled}", p.distinct, p.examples(4)))
            }
        }
        SurveyField::Far => numeric(0.0, 50.0, "0–50"),
        SurveyField::BldCov
        | SurveyField::Vacancy
        | SurveyField::Consent
        | SurveyField::ConsentHeads => share_(0.0),
        SurveyField::YrBuilt => {
            if !p.numeric() || !p.integral {
                Err(format!("does not hold years ({})", p.examples(3)))
            } else if p.min < 0.0 || p.min_nonzero < 1800.0 || p.max > 2100.0 {
                Err(format!("its {} are not years", p.range()))
            } else {
                Ok(format!(
                    "years {}–{}{}{filled}",
                    num(p.min_nonzero),
                    num(p.max),
                    if p.min == 0.0 { " (0: unknown)" } else { "" }
                ))
            }
        }
        SurveyField::IdleYrs => numeric(0.0, 100.0, "0–100 years"),
        SurveyField::RdShare => numeric(0.0, 100.0, "0–100 %"),
        SurveyField::TaxMu | SurveyField::OutMu | SurveyField::EnergyVa | SurveyField::LabProd => {
            numeric(-1e12, 1e12, "numbers")
        }
        SurveyField::Danger => words(&|v| vocab::known(f, v), "危房等级 grades A–D"),
        SurveyField::IndClass => words(&|v| vocab::known(f, v), "产业目录 classes"),
        SurveyField::Status => words(&|v| vocab::known(f, v), "经营状态 words"),
        SurveyField::Facilities => words(&|v| vocab::known(f, v), "配套 words"),
        SurveyField::Scale => words(&|v| vocab::known(f, v), "规上/规下"),
        SurveyField::IndCode => words(&is_industry_code, "GB/T 4754 industry codes"),
        SurveyField::PlannedUse => words(&|v| planned_groups(v).is_some(), "planned-use codes"),
    }
}

/// `C1713`, `1713`, `17`: a GB/T 4754 code, with or without its section letter.
fn is_industry_code(v: &str) -> bool {
    let v = v.trim();
    let digits = v
        .strip_prefix(|c: char| c.is_ascii_uppercase())
        .unwrap_or(v);
    (2..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_code_of(scheme: Scheme, v: &str) -> bool {
    scheme.name_of(&normalise_code(v)).is_some()
}

/// Share of values that are codes of either scheme.
pub(super) fn code_share(p: &Profile) -> f64 {
    p.share(|v| is_code_of(Scheme::Yongdi2023, v) || is_code_of(Scheme::Sandiao, v))
}

/// Share of values that are land-use names of either scheme (`工业用地`).
pub(super) fn names_share(p: &Profile) -> f64 {
    if p.numeric() {
        return 0.0;
    }
    p.share(|v| {
        Scheme::Yongdi2023.code_of_name(v).is_some() || Scheme::Sandiao.code_of_name(v).is_some()
    })
}

/// An id column found by its values alone: distinct, filled, not decimals. Names that
/// say "id" or "code" first, row numbers an export adds (OBJECTID, FID) last.
fn id_by_values(layer: &Layer, used: &BTreeSet<String>) -> Option<Pick> {
    let n = layer.features;
    let rank = |p: &Profile| {
        let up = p.name.to_uppercase();
        if ["OBJECTID", "FID", "OID", "OBJECTID_1"].contains(&up.as_str()) {
            2
        } else if ["ID", "DM", "BH", "CODE", "编号", "代码", "号", "BM"]
            .iter()
            .any(|w| up.contains(w))
        {
            0
        } else {
            1
        }
    };
    let mut candidates: Vec<&Profile> = layer
        .fields
        .iter()
        .filter(|p| {
            !used.contains(&p.name)
                && p.values > 0
                && p.values as f64 >= 0.95 * n as f64
                && p.distinct as f64 >= 0.99 * p.values as f64
                && (p.kind != FieldKind::Real || p.integral)
                && !(p.numeric() && p.values > 1 && p.max - p.min < 1.0)
        })
        .collect();
    candidates.sort_by_key(|p| rank(p));
    let p = candidates.first()?;
    Some(Pick {
        source: p.name.clone(),
        how: How::Values,
        evidence: format!(
            "by its values only: {} distinct values in {} records, e.g. {}",
            group(p.distinct),
            group(n),
            short(p.first.as_deref().unwrap_or("…"))
        ),
    })
}

/// The land-use field found by its values alone: the field whose values are most
/// often codes of a scheme (at least [`AGREE`] of them).
fn codes_by_values(layer: &Layer, used: &BTreeSet<String>) -> Option<Pick> {
    let best = layer
        .fields
        .iter()
        .filter(|p| !used.contains(&p.name) && filled_column(p, layer.features))
        .map(|p| (code_share(p), p))
        .filter(|(s, _)| *s >= AGREE)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(Pick {
        source: best.1.name.clone(),
        how: How::Values,
        evidence: format!(
            "by its values only: {} % are land-use codes: {}",
            percent(best.0),
            best.1.examples(4)
        ),
    })
}

/// Whether a column can hold a value of every record by its values alone: filled in
/// most records, more than one value (unless the layer has one record), no decimals.
/// (A sparse column of heights holds `18` and `13`, which are 用地用海 codes.)
pub(super) fn filled_column(p: &Profile, features: usize) -> bool {
    p.values as f64 >= 0.8 * features as f64 && (p.distinct >= 2 || features == 1) && p.integral
}

/// Which scheme the land-use values (codes, or names) follow, with the evidence.
pub fn guess_scheme(p: &Profile) -> SchemeGuess {
    let schemes = [Scheme::Yongdi2023, Scheme::Sandiao];
    let names = names_share(p) > code_share(p);
    let fits = |s: Scheme, v: &str| {
        if names {
            s.code_of_name(v).is_some()
        } else {
            is_code_of(s, v)
        }
    };
    let what = if names { "names" } else { "codes" };
    let share = schemes.map(|s| p.share(|v| fits(s, v)));
    // Values only one scheme has: they tell the schemes apart.
    let only = |s: Scheme, other: Scheme| -> Vec<&(String, usize)> {
        p.counts
            .iter()
            .filter(|(v, _)| fits(s, v) && !fits(other, v))
            .collect()
    };
    let only_y = only(Scheme::Yongdi2023, Scheme::Sandiao);
    let only_s = only(Scheme::Sandiao, Scheme::Yongdi2023);
    let count = |v: &[&(String, usize)]| v.iter().map(|(_, c)| c).sum::<usize>();
    let (ny, ns) = (count(&only_y), count(&only_s));
    let (scheme, sure) = match ny.cmp(&ns) {
        std::cmp::Ordering::Greater => (Scheme::Yongdi2023, true),
        std::cmp::Ordering::Less => (Scheme::Sandiao, true),
        std::cmp::Ordering::Equal => (Scheme::Yongdi2023, false),
    };
    let mut evidence = vec![format!(
        "{} % of {} values are {} {what}, {} % are {} {what}",
        percent(share[0]),
        p.name,
        Scheme::Yongdi2023.label_zh(),
        percent(share[1]),
        Scheme::Sandiao.label_zh()
    )];
    let list = |v: &[&(String, usize)], s: Scheme| {
        v.iter()
            .take(5)
            .map(|(code, c)| {
                let name = if names {
                    s.code_of_name(code).unwrap_or_default().to_string()
                } else {
                    s.name_of(&normalise_code(code))
                        .unwrap_or_default()
                        .to_string()
                };
                format!("{code} {name} ×{}", group(*c))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (v, n, s) in [
        (&only_y, ny, Scheme::Yongdi2023),
        (&only_s, ns, Scheme::Sandiao),
    ] {
        if n > 0 {
            evidence.push(format!(
                "{} records hold {what} only {} has: {}",
                group(n),
                s.label_zh(),
                list(v, s)
            ));
        }
    }
    if !names {
        // The codes both schemes have, with other meanings (1001: 工业 / 铁路).
        let clash: Vec<String> = p
            .counts
            .iter()
            .filter_map(|(v, c)| {
                let code = normalise_code(v);
                let (a, b) = (
                    Scheme::Yongdi2023.name_of(&code)?,
                    Scheme::Sandiao.name_of(&code)?,
                );
                (a != b).then(|| {
                    format!(
                        "{code} is {a} in {} but {b} in {} (×{})",
                        Scheme::Yongdi2023.label_zh(),
                        Scheme::Sandiao.label_zh(),
                        group(*c)
                    )
                })
            })
            .take(3)
            .collect();
        if !clash.is_empty() {
            evidence.push(format!("the choice matters: {}", clash.join("; ")));
        }
    }
    if !sure {
        evidence.push(format!(
            "no value is a {} of one scheme only: {} assumed (the default)",
            what.trim_end_matches('s'),
            Scheme::Yongdi2023.label_zh()
        ));
    }
    SchemeGuess {
        scheme,
        sure,
        evidence,
    }
}

/// A buildings field: floors (层数) or height (高度) by name, else by values.
pub(super) fn building_field(
    layer: &Layer,
    floors: bool,
    taken: &BTreeSet<String>,
) -> Option<Pick> {
    let (names, what) = if floors {
        (FLOORS_FIELDS, "floors")
    } else {
        (HEIGHT_FIELDS, "height")
    };
    let agrees = |p: &Profile| {
        p.numeric()
            && p.min >= 0.0
            && if floors {
                p.max <= 200.0 && (1.0..=60.0).contains(&p.median)
            } else {
                p.max <= 1000.0 && (2.0..=300.0).contains(&p.median)
            }
    };
    let free = |p: &&Profile| !taken.contains(&p.name);
    for name in names {
        if let Some(p) = layer
            .fields
            .iter()
            .filter(free)
            .find(|p| norm(&p.name) == norm(name))
        {
            if agrees(p) {
                return Some(Pick {
                    source: p.name.clone(),
                    how: How::Name,
                    evidence: p.range(),
                });
            }
        }
    }
    // By values: whole numbers of floors; heights in metres, decimals preferred.
    let mut candidates: Vec<&Profile> = layer
        .fields
        .iter()
        .filter(free)
        .filter(|p| agrees(p) && (!floors || p.integral))
        .collect();
    if !floors {
        candidates.sort_by_key(|p| p.integral);
    }
    let p = candidates.first()?;
    Some(Pick {
        source: p.name.clone(),
        how: How::Values,
        evidence: format!("by its values only ({what}?): {}", p.range()),
    })
}

/// A planning layer's planned-use field.
pub(super) fn plan_field(layer: &Layer) -> Option<Pick> {
    PLAN_FIELDS.iter().find_map(|name| {
        let p = layer
            .fields
            .iter()
            .find(|p| p.name.trim().eq_ignore_ascii_case(name))?;
        let share = p.share(|v| planned_groups(v).is_some());
        (share >= AGREE).then(|| Pick {
            source: p.name.clone(),
            how: How::Name,
            evidence: format!(
                "{} % of values are planned-use codes: {}",
                percent(share),
                p.examples(4)
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_whole_without_case_blanks_or_units() {
        assert_eq!(norm("亩均税收（万元/亩）"), norm("亩均税收"));
        assert_eq!(norm("parcel_id"), norm("PARCEL ID"));
        assert_eq!(cut_name_of("建筑密"), Some(SurveyField::BldCov));
        assert_eq!(cut_name_of("建成年"), Some(SurveyField::YrBuilt));
        // Two letters say nothing; an ASCII name is never taken as cut.
        assert_eq!(cut_name_of("容积"), None);
        assert_eq!(cut_name_of("JZM"), None);
    }

    #[test]
    fn industry_codes() {
        for c in ["C1713", "1713", "17", "C29"] {
            assert!(is_industry_code(c), "{c}");
        }
        for c in ["长安镇", "C", "17135", "c1713"] {
            assert!(!is_industry_code(c), "{c}");
        }
    }
}
