//! The two land-use code schemes met in Chinese data, which collide (`1001` is
//! industrial in one and railway in the other): a run names its scheme, never guesses.

use serde::{Deserialize, Serialize};

/// A land-use classification scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scheme {
    /// 《国土空间调查、规划、用途管制用地用海分类指南》(2023).
    #[serde(rename = "yongdi2023")]
    Yongdi2023,
    /// 第三次全国国土调查 (三调) DLBM codes.
    #[serde(rename = "sandiao")]
    Sandiao,
}

impl Scheme {
    /// Parses a scheme name as written in configs and on the command line.
    pub fn from_name(name: &str) -> Option<Scheme> {
        match name {
            "yongdi2023" => Some(Scheme::Yongdi2023),
            "sandiao" => Some(Scheme::Sandiao),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Yongdi2023 => "yongdi2023",
            Scheme::Sandiao => "sandiao",
        }
    }

    /// The scheme's codes sorted by code, for binary search (scoring looks a code up
    /// for every parcel).
    fn table(self) -> &'static [(&'static str, &'static str)] {
        static SORTED: std::sync::OnceLock<[Vec<(&str, &str)>; 2]> = std::sync::OnceLock::new();
        let tables = SORTED.get_or_init(|| {
            [YONGDI2023, SANDIAO].map(|t| {
                let mut v = t.to_vec();
                v.sort_unstable();
                v
            })
        });
        match self {
            Scheme::Yongdi2023 => &tables[0],
            Scheme::Sandiao => &tables[1],
        }
    }

    /// The Chinese name of a code, `None` when the scheme has no such code.
    /// Third-level codes of 用地用海 (six digits, e.g. `100101` 一类工业用地) are
    /// accepted under their second-level parent.
    pub fn name_of(self, code: &str) -> Option<&'static str> {
        let table = self.table();
        let find = |c: &str| {
            table
                .binary_search_by(|(k, _)| (*k).cmp(c))
                .ok()
                .map(|i| table[i].1)
        };
        find(code).or_else(|| {
            (self == Scheme::Yongdi2023
                && code.len() == 6
                && code.bytes().all(|b| b.is_ascii_digit()))
            .then(|| find(&code[..4]))
            .flatten()
        })
    }

    /// The code of a land-use name of the scheme, with or without its `用地` suffix
    /// (`工业用地`, `工业`); `None` when the scheme has no such name.
    ///
    /// ```
    /// use landsift::landuse::Scheme;
    /// assert_eq!(Scheme::Yongdi2023.code_of_name("工业用地"), Some("1001"));
    /// assert_eq!(Scheme::Sandiao.code_of_name("工业"), Some("0601"));
    /// assert_eq!(Scheme::Sandiao.code_of_name("商业用地"), None);
    /// ```
    pub fn code_of_name(self, name: &str) -> Option<&'static str> {
        let name = name.trim();
        let bare = name.trim_end_matches("用地");
        if bare.is_empty() {
            return None;
        }
        let table = match self {
            Scheme::Yongdi2023 => YONGDI2023,
            Scheme::Sandiao => SANDIAO,
        };
        table
            .iter()
            .find(|(_, n)| *n == name)
            .or_else(|| {
                table
                    .iter()
                    .find(|(_, n)| n.trim_end_matches("用地") == bare)
            })
            .map(|(code, _)| *code)
    }

    /// The scheme's Chinese name, as people say it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Scheme::Yongdi2023 => "用地用海分类（2023）",
            Scheme::Sandiao => "三调工作分类",
        }
    }

    /// The land type that the low-efficiency criteria group codes into. Rural homesteads
    /// (用地用海 0703 农村宅基地, 三调 0702) are villages (低效村庄用地), not old urban housing.
    pub fn land_class(self, code: &str) -> Option<LandClass> {
        self.name_of(code)?;
        let c4 = &code[..code.len().min(4)];
        let class = match self {
            Scheme::Yongdi2023 => match c4 {
                "1001" | "1101" => LandClass::Industrial,
                "0901" | "0902" | "0903" | "0904" => LandClass::Commercial,
                "0701" => LandClass::Residential,
                "0703" | "0704" => LandClass::Village,
                _ if c4 == "0702" || c4.starts_with("08") => LandClass::Facility,
                _ => return None,
            },
            Scheme::Sandiao => match c4 {
                "0601" | "0508" => LandClass::Industrial,
                "05H1" => LandClass::Commercial,
                "0701" => LandClass::Residential,
                "0702" => LandClass::Village,
                "08H1" | "08H2" | "0809" => LandClass::Facility,
                _ => return None,
            },
        };
        Some(class)
    }

    /// What a code is used for, at the grain at which current and planned use are
    /// compared ([`compatible`]); `None` for a code the scheme does not have.
    pub fn use_group(self, code: &str) -> Option<UseGroup> {
        self.name_of(code)?;
        let c2 = &code[..code.len().min(2)];
        let c4 = &code[..code.len().min(4)];
        Some(match self {
            Scheme::Yongdi2023 => match c2 {
                "07" if c4 == "0703" || c4 == "0704" => UseGroup::Village,
                "07" if c4 == "0702" => UseGroup::Public,
                "07" => UseGroup::Residential,
                "08" => UseGroup::Public,
                "09" => UseGroup::Commercial,
                "10" | "11" => UseGroup::Industrial,
                "12" => UseGroup::Transport,
                "13" => UseGroup::Utilities,
                "14" => UseGroup::Green,
                "15" | "16" => UseGroup::Special,
                _ => UseGroup::NonConstruction,
            },
            Scheme::Sandiao => match c2 {
                "07" if c4 == "0702" => UseGroup::Village,
                "07" => UseGroup::Residential,
                "08" if c4 == "0810" => UseGroup::Green,
                "08" if c4 == "0809" => UseGroup::Utilities,
                "08" => UseGroup::Public,
                "05" if c4 == "0508" => UseGroup::Industrial,
                "05" => UseGroup::Commercial,
                "06" => UseGroup::Industrial,
                "09" => UseGroup::Special,
                "10" if c4 == "1006" => UseGroup::NonConstruction,
                "10" => UseGroup::Transport,
                "11" if c4 == "1109" => UseGroup::Utilities,
                "12" if c4 == "1201" => UseGroup::Special,
                _ => UseGroup::NonConstruction,
            },
        })
    }

    /// Whether a code is construction land (建设用地): the denominator of the shares a
    /// bureau reports (roads and parks in, farmland and water out).
    pub fn is_construction(self, code: &str) -> bool {
        self.use_group(code)
            .is_some_and(|g| g != UseGroup::NonConstruction)
    }
}

/// Land types of the low-efficiency criteria: the five types of 《自然资源部关于开展低效用地
/// 再开发试点工作的通知》(自然资发〔2023〕171号) and the local guidelines that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LandClass {
    /// Industrial and warehousing (低效工业用地).
    Industrial,
    /// Commercial and office (低效商服用地).
    Commercial,
    /// Urban residential (老旧住区).
    Residential,
    /// Public facilities (低效公共设施用地).
    Facility,
    /// Rural homesteads and village collective construction land (低效村庄用地).
    Village,
}

impl LandClass {
    pub const ALL: [LandClass; 5] = [
        LandClass::Industrial,
        LandClass::Commercial,
        LandClass::Residential,
        LandClass::Facility,
        LandClass::Village,
    ];

    /// The name used in criteria files and output fields.
    pub fn name(self) -> &'static str {
        match self {
            LandClass::Industrial => "industrial",
            LandClass::Commercial => "commercial",
            LandClass::Residential => "residential",
            LandClass::Facility => "facility",
            LandClass::Village => "village",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LandClass::Industrial => "工矿仓储",
            LandClass::Commercial => "商服",
            LandClass::Residential => "居住",
            LandClass::Facility => "公共设施",
            LandClass::Village => "村庄",
        }
    }

    pub fn from_name(name: &str) -> Option<LandClass> {
        LandClass::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Use groups for comparing current and planned use (用途不合理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UseGroup {
    Residential,
    Village,
    Public,
    Commercial,
    Industrial,
    Transport,
    Utilities,
    Green,
    Special,
    NonConstruction,
}

impl UseGroup {
    pub fn label_zh(self) -> &'static str {
        match self {
            UseGroup::Residential => "居住",
            UseGroup::Village => "村庄",
            UseGroup::Public => "公共管理与公共服务",
            UseGroup::Commercial => "商业服务业",
            UseGroup::Industrial => "工矿仓储",
            UseGroup::Transport => "交通运输",
            UseGroup::Utilities => "公用设施",
            UseGroup::Green => "绿地与开敞空间",
            UseGroup::Special => "特殊及留白",
            UseGroup::NonConstruction => "非建设用地",
        }
    }
}

/// Whether a current use may stay under a planned use (用途不合理 when not). The table
/// (README "Planned use"): a use is compatible with its own group; housing and commerce
/// mix (商住); public services may stand in residential areas; village housing may stand
/// where the plan keeps housing; industry and warehousing only with industry and
/// warehousing (industry in a planned residential or commercial area is the 退二进三 case);
/// roads, utilities, parks and non-construction land in the plan admit nothing else.
///
/// ```
/// use landsift::landuse::{compatible, UseGroup::*};
/// assert!(compatible(Industrial, Industrial));
/// assert!(!compatible(Industrial, Residential)); // 退二进三
/// assert!(compatible(Commercial, Residential)); // 商住
/// assert!(!compatible(Residential, Green));
/// ```
pub fn compatible(current: UseGroup, planned: UseGroup) -> bool {
    use UseGroup::*;
    current == planned
        || matches!(
            (current, planned),
            (Commercial, Residential)
                | (Residential, Commercial)
                | (Public, Residential)
                | (Village, Residential)
                | (Residential, Village)
                | (Public, Village)
        )
}

/// The use groups of a planned use as a plan writes it: a 用地用海 2023 code (`0701`,
/// `070102`), a GB 50137-2011 letter code of an older 控制性详细规划 (`R2`, `M1`, `B1`), a
/// 用地用海 name (`城镇住宅用地`), or a mix of them (`R2/B1`, `0701+0901`: 混合用地, where
/// any of the parts admits the current use). `None` when a part cannot be read.
///
/// ```
/// use landsift::landuse::{planned_groups, UseGroup::*};
/// assert_eq!(planned_groups("R2"), Some(vec![Residential]));
/// assert_eq!(planned_groups("0901"), Some(vec![Commercial]));
/// assert_eq!(planned_groups("R2/B1"), Some(vec![Residential, Commercial]));
/// assert_eq!(planned_groups("城镇住宅用地"), Some(vec![Residential]));
/// assert_eq!(planned_groups("1001"), Some(vec![Industrial]));
/// assert_eq!(planned_groups("规划中"), None);
/// ```
pub fn planned_groups(raw: &str) -> Option<Vec<UseGroup>> {
    let parts: Vec<&str> = raw
        .split(['/', '+', '、', ',', '，', ';', '；', '|'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.is_empty() {
        return None;
    }
    let mut groups = Vec::new();
    for part in parts {
        let g = gb50137_group(part)
            .or_else(|| Scheme::Yongdi2023.use_group(&normalise_code(part)))
            .or_else(|| yongdi_name_group(part))?;
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    Some(groups)
}

/// The group of a GB 50137-2011 城市用地 code (`R`, `R2`, `M1`, `W`, `A33`, `H14`…).
fn gb50137_group(code: &str) -> Option<UseGroup> {
    let mut chars = code.chars();
    let major = chars.next()?.to_ascii_uppercase();
    let rest = chars.as_str();
    if !rest.chars().all(|c| c.is_ascii_alphanumeric()) || rest.len() > 3 {
        return None;
    }
    Some(match major {
        'R' => UseGroup::Residential,
        'A' => UseGroup::Public,
        'B' => UseGroup::Commercial,
        'M' | 'W' => UseGroup::Industrial,
        'S' => UseGroup::Transport,
        'U' => UseGroup::Utilities,
        'G' => UseGroup::Green,
        // H14 村庄建设用地; H4 特殊用地; the other H and E are outside the city's land.
        'H' if rest == "14" => UseGroup::Village,
        'H' if rest.starts_with('4') => UseGroup::Special,
        'H' | 'E' => UseGroup::NonConstruction,
        _ => return None,
    })
}

/// The group of a 用地用海 2023 name, with or without its `用地` suffix.
fn yongdi_name_group(name: &str) -> Option<UseGroup> {
    let bare = name.trim_end_matches("用地");
    YONGDI2023
        .iter()
        .find(|(_, n)| *n == name || n.trim_end_matches("用地") == bare)
        .and_then(|(code, _)| Scheme::Yongdi2023.use_group(code))
}

/// Normalises a code as read: trims, and restores the leading zero that a numeric
/// DBF/Excel column drops (`701` → `0701`, `70101` → `070101`).
pub fn normalise_code(raw: &str) -> String {
    let t = raw.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if (t.len() == 3 || t.len() == 5) && t.bytes().all(|b| b.is_ascii_digit()) {
        format!("0{t}")
    } else {
        t.to_ascii_uppercase()
    }
}

/// 用地用海分类 (2023), first and second level.
const YONGDI2023: &[(&str, &str)] = &[
    ("01", "耕地"),
    ("0101", "水田"),
    ("0102", "水浇地"),
    ("0103", "旱地"),
    ("02", "园地"),
    ("0201", "果园"),
    ("0202", "茶园"),
    ("0203", "橡胶园地"),
    ("0204", "油料园地"),
    ("0205", "其他园地"),
    ("03", "林地"),
    ("0301", "乔木林地"),
    ("0302", "竹林地"),
    ("0303", "灌木林地"),
    ("0304", "其他林地"),
    ("04", "草地"),
    ("0401", "天然牧草地"),
    ("0402", "人工牧草地"),
    ("0403", "其他草地"),
    ("05", "湿地"),
    ("0501", "森林沼泽"),
    ("0502", "灌丛沼泽"),
    ("0503", "沼泽草地"),
    ("0504", "其他沼泽地"),
    ("0505", "沿海滩涂"),
    ("0506", "内陆滩涂"),
    ("0507", "红树林地"),
    ("06", "农业设施建设用地"),
    ("0601", "乡村道路用地"),
    ("0602", "种植设施建设用地"),
    ("0603", "畜禽养殖设施建设用地"),
    ("0604", "水产养殖设施建设用地"),
    ("07", "居住用地"),
    ("0701", "城镇住宅用地"),
    ("0702", "城镇社区服务设施用地"),
    ("0703", "农村宅基地"),
    ("0704", "农村社区服务设施用地"),
    ("08", "公共管理与公共服务用地"),
    ("0801", "机关团体用地"),
    ("0802", "科研用地"),
    ("0803", "文化用地"),
    ("0804", "教育用地"),
    ("0805", "体育用地"),
    ("0806", "医疗卫生用地"),
    ("0807", "社会福利用地"),
    ("0808", "其他公共管理与公共服务用地"),
    ("0809", "公共管理与公共服务设施用地"),
    ("09", "商业服务业用地"),
    ("0901", "商业用地"),
    ("0902", "商务金融用地"),
    ("0903", "娱乐康体用地"),
    ("0904", "其他商业服务业用地"),
    ("10", "工矿用地"),
    ("1001", "工业用地"),
    ("1002", "采矿用地"),
    ("1003", "盐田"),
    ("11", "仓储用地"),
    ("1101", "物流仓储用地"),
    ("1102", "储备库用地"),
    ("12", "交通运输用地"),
    ("1201", "铁路用地"),
    ("1202", "公路用地"),
    ("1203", "机场用地"),
    ("1204", "港口码头用地"),
    ("1205", "管道运输用地"),
    ("1206", "城市轨道交通用地"),
    ("1207", "城镇道路用地"),
    ("1208", "交通场站用地"),
    ("1209", "其他交通设施用地"),
    ("13", "公用设施用地"),
    ("1301", "供水用地"),
    ("1302", "排水用地"),
    ("1303", "供电用地"),
    ("1304", "供燃气用地"),
    ("1305", "供热用地"),
    ("1306", "通信用地"),
    ("1307", "邮政用地"),
    ("1308", "广播电视设施用地"),
    ("1309", "环卫用地"),
    ("1310", "消防用地"),
    ("1311", "干渠"),
    ("1312", "水工设施用地"),
    ("1313", "其他公用设施用地"),
    ("14", "绿地与开敞空间用地"),
    ("1401", "公园绿地"),
    ("1402", "防护绿地"),
    ("1403", "广场用地"),
    ("15", "特殊用地"),
    ("1501", "军事设施用地"),
    ("1502", "使领馆用地"),
    ("1503", "宗教用地"),
    ("1504", "文物古迹用地"),
    ("1505", "监教场所用地"),
    ("1506", "殡葬用地"),
    ("1507", "其他特殊用地"),
    ("16", "留白用地"),
    ("17", "陆地水域"),
    ("1701", "河流水面"),
    ("1702", "湖泊水面"),
    ("1703", "水库水面"),
    ("1704", "坑塘水面"),
    ("1705", "沟渠"),
    ("1706", "冰川及常年积雪"),
    ("18", "渔业用海"),
    ("19", "工矿通信用海"),
    ("20", "交通运输用海"),
    ("21", "游憩用海"),
    ("22", "特殊用海"),
    ("23", "其他土地"),
    ("2301", "空闲地"),
    ("2302", "田坎"),
    ("2303", "田间道"),
    ("2304", "盐碱地"),
    ("2305", "沙地"),
    ("2306", "裸土地"),
    ("2307", "裸岩石砾地"),
    ("24", "其他海域"),
];

/// 第三次全国国土调查 工作分类 (DLBM).
const SANDIAO: &[(&str, &str)] = &[
    ("00", "湿地"),
    ("0303", "红树林地"),
    ("0304", "森林沼泽"),
    ("0306", "灌丛沼泽"),
    ("0402", "沼泽草地"),
    ("0603", "盐田"),
    ("1105", "沿海滩涂"),
    ("1106", "内陆滩涂"),
    ("1108", "沼泽地"),
    ("01", "耕地"),
    ("0101", "水田"),
    ("0102", "水浇地"),
    ("0103", "旱地"),
    ("02", "种植园用地"),
    ("0201", "果园"),
    ("0202", "茶园"),
    ("0203", "橡胶园"),
    ("0204", "其他园地"),
    ("03", "林地"),
    ("0301", "乔木林地"),
    ("0302", "竹林地"),
    ("0305", "灌木林地"),
    ("0307", "其他林地"),
    ("04", "草地"),
    ("0401", "天然牧草地"),
    ("0403", "人工牧草地"),
    ("0404", "其他草地"),
    ("05", "商业服务业用地"),
    ("05H1", "商业服务业设施用地"),
    ("0508", "物流仓储用地"),
    ("06", "工矿用地"),
    ("0601", "工业用地"),
    ("0602", "采矿用地"),
    ("07", "住宅用地"),
    ("0701", "城镇住宅用地"),
    ("0702", "农村宅基地"),
    ("08", "公共管理与公共服务用地"),
    ("08H1", "机关团体新闻出版用地"),
    ("08H2", "科教文卫用地"),
    ("08H2A", "高教用地"),
    ("0809", "公用设施用地"),
    ("0810", "公园与绿地"),
    ("0810A", "广场用地"),
    ("09", "特殊用地"),
    ("10", "交通运输用地"),
    ("1001", "铁路用地"),
    ("1002", "轨道交通用地"),
    ("1003", "公路用地"),
    ("1004", "城镇村道路用地"),
    ("1005", "交通服务场站用地"),
    ("1006", "农村道路"),
    ("1007", "机场用地"),
    ("1008", "港口码头用地"),
    ("1009", "管道运输用地"),
    ("11", "水域及水利设施用地"),
    ("1101", "河流水面"),
    ("1102", "湖泊水面"),
    ("1103", "水库水面"),
    ("1104", "坑塘水面"),
    ("1104A", "养殖坑塘"),
    ("1107", "沟渠"),
    ("1107A", "干渠"),
    ("1109", "水工建筑用地"),
    ("1110", "冰川及永久积雪"),
    ("12", "其他土地"),
    ("1201", "空闲地"),
    ("1202", "设施农用地"),
    ("1203", "田坎"),
    ("1204", "盐碱地"),
    ("1205", "沙地"),
    ("1206", "裸土地"),
    ("1207", "裸岩石砾地"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_1001_differs_between_schemes() {
        assert_eq!(Scheme::Yongdi2023.name_of("1001"), Some("工业用地"));
        assert_eq!(Scheme::Sandiao.name_of("1001"), Some("铁路用地"));
        assert_eq!(
            Scheme::Yongdi2023.land_class("1001"),
            Some(LandClass::Industrial)
        );
        assert_eq!(Scheme::Sandiao.land_class("1001"), None);
        assert_eq!(
            Scheme::Sandiao.land_class("0601"),
            Some(LandClass::Industrial)
        );
    }

    #[test]
    fn third_level_codes_and_lost_zeros() {
        assert_eq!(Scheme::Yongdi2023.name_of("100101"), Some("工业用地"));
        assert_eq!(Scheme::Yongdi2023.name_of("9999"), None);
        assert_eq!(Scheme::Sandiao.name_of("05h1"), None);
        assert_eq!(normalise_code(" 701 "), "0701");
        assert_eq!(normalise_code("05h1"), "05H1");
        assert_eq!(normalise_code("1001.0"), "1001");
    }

    #[test]
    fn scheme_names_round_trip() {
        for s in [Scheme::Yongdi2023, Scheme::Sandiao] {
            assert_eq!(Scheme::from_name(s.name()), Some(s));
        }
        assert_eq!(Scheme::from_name("guess"), None);
    }
}
