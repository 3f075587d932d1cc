//! Industry codes (国民经济行业分类, GB/T 4754) as the per-industry thresholds read them.
//!
//! 《工业项目建设用地控制指标》(国土资发〔2008〕24号) sets its FAR minimums per two-digit
//! class of GB/T 4754-2002. Surveys since 2017 write GB/T 4754-2017 codes, which renumber
//! the manufacturing classes from 29 on; [`class_2002`] maps a code of either edition onto
//! its 2002 class. A code is read as written in practice: `C1713`, `c17`, `1713`, `17`,
//! full-width digits; a leading section letter is dropped.

use super::IndustryEdition;

/// GB/T 4754-2017 two-digit manufacturing classes → GB/T 4754-2002 classes, where the
/// two editions differ. 29 (橡胶和塑料制品业) splits by its three-digit class; 43
/// (金属制品、机械和设备修理业) has no 2002 counterpart.
const FROM_2017: &[(&str, &str)] = &[
    ("291", "29"), // 橡胶制品业
    ("292", "30"), // 塑料制品业
    ("30", "31"),  // 非金属矿物制品业
    ("31", "32"),  // 黑色金属冶炼和压延加工业
    ("32", "33"),  // 有色金属冶炼和压延加工业
    ("33", "34"),  // 金属制品业
    ("34", "35"),  // 通用设备制造业
    ("35", "36"),  // 专用设备制造业
    ("36", "37"),  // 汽车制造业 → 交通运输设备制造业
    ("37", "37"),  // 铁路、船舶、航空航天和其他运输设备制造业 → 交通运输设备制造业
    ("38", "39"),  // 电气机械和器材制造业
    ("39", "40"),  // 计算机、通信和其他电子设备制造业
    ("40", "41"),  // 仪器仪表制造业
    ("41", "42"),  // 其他制造业 → 工艺品及其他制造业
    ("42", "43"),  // 废弃资源综合利用业
];

/// GB/T 4754-2002 manufacturing classes, by two-digit code.
const NAMES_2002: &[(&str, &str)] = &[
    ("13", "农副食品加工业"),
    ("14", "食品制造业"),
    ("15", "饮料制造业"),
    ("16", "烟草制品业"),
    ("17", "纺织业"),
    ("18", "纺织服装、鞋、帽制造业"),
    ("19", "皮革、毛皮、羽毛(绒)及其制品业"),
    ("20", "木材加工及木、竹、藤、棕、草制品业"),
    ("21", "家具制造业"),
    ("22", "造纸及纸制品业"),
    ("23", "印刷业和记录媒介的复制"),
    ("24", "文教体育用品制造业"),
    ("25", "石油加工、炼焦及核燃料加工业"),
    ("26", "化学原料及化学制品制造业"),
    ("27", "医药制造业"),
    ("28", "化学纤维制造业"),
    ("29", "橡胶制品业"),
    ("30", "塑料制品业"),
    ("31", "非金属矿物制品业"),
    ("32", "黑色金属冶炼及压延加工业"),
    ("33", "有色金属冶炼及压延加工业"),
    ("34", "金属制品业"),
    ("35", "通用设备制造业"),
    ("36", "专用设备制造业"),
    ("37", "交通运输设备制造业"),
    ("39", "电气机械及器材制造业"),
    ("40", "通信设备、计算机及其他电子设备制造业"),
    ("41", "仪器仪表及文化、办公用机械制造业"),
    ("42", "工艺品及其他制造业"),
    ("43", "废弃资源和废旧材料回收加工业"),
];

/// The name of a GB/T 4754-2002 manufacturing class.
///
/// ```
/// assert_eq!(landsift::criteria::industry::name_2002("17"), Some("纺织业"));
/// assert_eq!(landsift::criteria::industry::name_2002("59"), None);
/// ```
pub fn name_2002(class: &str) -> Option<&'static str> {
    NAMES_2002
        .iter()
        .find(|(c, _)| *c == class)
        .map(|(_, n)| *n)
}

/// Two-digit classes the 2017 edition renumbered without a one-to-one 2002 class.
const UNMAPPED_2017: &[&str] = &["29", "43"];

/// The digits of a code as written: full-width folded, a leading section letter dropped.
/// `None` when it is not a code (fewer than two digits, or other characters).
fn digits(raw: &str) -> Option<String> {
    let s: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .collect();
    let s = s.strip_suffix(".0").unwrap_or(&s);
    let s = match s.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => &s[1..],
        _ => s,
    };
    (s.len() >= 2 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string())
}

/// The GB/T 4754-2002 two-digit class of an industry code written in `edition`.
///
/// ```
/// use landsift::criteria::{industry::class_2002, IndustryEdition::*};
/// assert_eq!(class_2002("C1713", Gbt2002).as_deref(), Some("17"));
/// assert_eq!(class_2002("30", Gbt2002).as_deref(), Some("30")); // 塑料制品业
/// assert_eq!(class_2002("30", Gbt2017).as_deref(), Some("31")); // 非金属矿物制品业
/// assert_eq!(class_2002("C2922", Gbt2017).as_deref(), Some("30")); // 塑料
/// assert_eq!(class_2002("29", Gbt2017), None); // 橡胶 or 塑料: cannot tell
/// assert_eq!(class_2002("n/a", Gbt2017), None);
/// ```
pub fn class_2002(raw: &str, edition: IndustryEdition) -> Option<String> {
    let d = digits(raw)?;
    let two = &d[..2];
    match edition {
        IndustryEdition::Gbt2002 => Some(two.to_string()),
        IndustryEdition::Gbt2017 => {
            if let Some((_, c)) = FROM_2017
                .iter()
                .filter(|(k, _)| d.starts_with(k))
                .max_by_key(|(k, _)| k.len())
            {
                return Some(c.to_string());
            }
            (!UNMAPPED_2017.contains(&two)).then(|| two.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IndustryEdition::*;

    #[test]
    fn codes_as_written() {
        for raw in [
            "C1713",
            "c17",
            "1713",
            "17",
            "１７",
            "Ｃ１７",
            " 17 ",
            "17.0",
        ] {
            assert_eq!(class_2002(raw, Gbt2002).as_deref(), Some("17"), "{raw}");
        }
        for raw in ["", "1", "C", "17a", "纺织", "-17"] {
            assert_eq!(class_2002(raw, Gbt2002), None, "{raw}");
        }
    }

    #[test]
    fn the_2017_edition_maps_onto_2002_classes() {
        let table = [
            ("13", Some("13")),
            ("28", Some("28")),
            ("2911", Some("29")),
            ("2921", Some("30")),
            ("29", None),
            ("3011", Some("31")),
            ("31", Some("32")),
            ("32", Some("33")),
            ("33", Some("34")),
            ("36", Some("37")),
            ("37", Some("37")),
            ("38", Some("39")),
            ("39", Some("40")),
            ("40", Some("41")),
            ("41", Some("42")),
            ("42", Some("43")),
            ("43", None),
            ("59", Some("59")),
        ];
        for (code, want) in table {
            assert_eq!(class_2002(code, Gbt2017).as_deref(), want, "{code}");
        }
    }
}
