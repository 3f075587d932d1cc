//! The engine's survey fields (the attributes the criteria read) and the mapping from
//! the source layer's field names onto them.

use super::{Choice, FieldKind};
use std::collections::BTreeMap;

/// An engine field of the parcels: the survey attributes the engine reads, normalised.
/// `Parcel::survey` holds one value per field, in [`Choice::ALL`] order (also the order
/// of the output layer's columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SurveyField {
    /// Unique parcel id (宗地代码).
    ParcelId,
    /// Town (镇街) name.
    Town,
    /// Land-use code of the configured scheme (地类编码).
    LandUse,
    /// Floor-area ratio (容积率) as surveyed.
    Far,
    /// Building coverage (建筑密度 / 建筑系数) as surveyed, 0–1.
    BldCov,
    /// Year built (建成年代).
    YrBuilt,
    /// Tax per mu (亩均税收), 万元/亩·年.
    TaxMu,
    /// Output per mu (亩均产值), 万元/亩·年.
    OutMu,
    /// Vacancy (空置率), 0–1.
    Vacancy,
    /// Years idle (闲置年限).
    IdleYrs,
    /// Building danger grade (危房等级 A–D).
    Danger,
    /// Industry policy class of 《产业结构调整指导目录》 (鼓励类/允许类/限制类/淘汰类).
    IndClass,
    /// Industry code (国民经济行业分类 GB/T 4754), e.g. `C1713` or `17`.
    IndCode,
    /// Operating status (经营状态: 在产/停产/半停产/筹建/在建).
    Status,
    /// Planned use (规划用途): a 用地用海 2023 code, or a GB 50137-2011 letter code.
    PlannedUse,
    /// Supporting facilities of a housing area (配套设施: 完善/不完善).
    Facilities,
    /// Firm size group (企业规模: 规上/规下).
    Scale,
    /// Value added per unit energy (单位能耗增加值), 万元/吨标准煤.
    EnergyVa,
    /// R&D spending share of revenue (研发经费投入强度), %.
    RdShare,
    /// Labour productivity (全员劳动生产率), 万元/人·年.
    LabProd,
    /// Owners' consent share (意愿) by land area, 0–1.
    Consent,
    /// Owners' consent share by headcount (权益人数同意比例), 0–1.
    ConsentHeads,
}

impl Choice for SurveyField {
    const ALL: &'static [Self] = &[
        SurveyField::ParcelId,
        SurveyField::Town,
        SurveyField::LandUse,
        SurveyField::Far,
        SurveyField::BldCov,
        SurveyField::YrBuilt,
        SurveyField::TaxMu,
        SurveyField::OutMu,
        SurveyField::Vacancy,
        SurveyField::IdleYrs,
        SurveyField::Danger,
        SurveyField::IndClass,
        SurveyField::IndCode,
        SurveyField::Status,
        SurveyField::PlannedUse,
        SurveyField::Facilities,
        SurveyField::Scale,
        SurveyField::EnergyVa,
        SurveyField::RdShare,
        SurveyField::LabProd,
        SurveyField::Consent,
        SurveyField::ConsentHeads,
    ];

    /// The engine name, as in `[fields]`, criteria files and the output columns.
    fn name(self) -> &'static str {
        match self {
            SurveyField::ParcelId => "parcel_id",
            SurveyField::Town => "town",
            SurveyField::LandUse => "land_use",
            SurveyField::Far => "far",
            SurveyField::BldCov => "bld_cov",
            SurveyField::YrBuilt => "yr_built",
            SurveyField::TaxMu => "tax_mu",
            SurveyField::OutMu => "out_mu",
            SurveyField::Vacancy => "vacancy",
            SurveyField::IdleYrs => "idle_yrs",
            SurveyField::Danger => "danger",
            SurveyField::IndClass => "ind_class",
            SurveyField::IndCode => "ind_code",
            SurveyField::Status => "status",
            SurveyField::PlannedUse => "plan_use",
            SurveyField::Facilities => "facilities",
            SurveyField::Scale => "scale",
            SurveyField::EnergyVa => "energy_va",
            SurveyField::RdShare => "rd_share",
            SurveyField::LabProd => "lab_prod",
            SurveyField::Consent => "consent",
            SurveyField::ConsentHeads => "consent_n",
        }
    }
}

impl SurveyField {
    /// The column type of the normalised value.
    pub fn kind(self) -> FieldKind {
        match self {
            SurveyField::ParcelId
            | SurveyField::Town
            | SurveyField::LandUse
            | SurveyField::Danger
            | SurveyField::IndClass
            | SurveyField::IndCode
            | SurveyField::Status
            | SurveyField::PlannedUse
            | SurveyField::Facilities
            | SurveyField::Scale => FieldKind::Text,
            SurveyField::YrBuilt => FieldKind::Int,
            _ => FieldKind::Real,
        }
    }

    /// The Chinese name, as in reasons, field aliases and the report.
    pub fn label_zh(self) -> &'static str {
        match self {
            SurveyField::ParcelId => "宗地编号",
            SurveyField::Town => "镇街",
            SurveyField::LandUse => "现状用途",
            SurveyField::Far => "容积率",
            SurveyField::BldCov => "建筑系数",
            SurveyField::YrBuilt => "建成年份",
            SurveyField::TaxMu => "亩均税收",
            SurveyField::OutMu => "亩均产值",
            SurveyField::Vacancy => "空置率",
            SurveyField::IdleYrs => "闲置年限",
            SurveyField::Danger => "危房等级",
            SurveyField::IndClass => "产业类别",
            SurveyField::IndCode => "行业代码",
            SurveyField::Status => "经营状态",
            SurveyField::PlannedUse => "规划用途",
            SurveyField::Facilities => "配套设施",
            SurveyField::Scale => "企业规模",
            SurveyField::EnergyVa => "单位能耗增加值",
            SurveyField::RdShare => "研发经费投入强度",
            SurveyField::LabProd => "全员劳动生产率",
            SurveyField::Consent => "改造意愿",
            SurveyField::ConsentHeads => "改造意愿（人数）",
        }
    }

    /// Source field names that commonly hold this field, most specific first: Chinese
    /// names, their pinyin initials and the names of common survey databases (the
    /// engine's own name is tried before these). `landsift init` suggests a mapping
    /// from them; a run never guesses (an unmapped field is read under its own name).
    ///
    /// ```
    /// use landsift::model::SurveyField;
    /// assert!(SurveyField::ParcelId.source_names().contains(&"ZDDM"));
    /// assert!(SurveyField::Far.source_names().contains(&"容积率"));
    /// ```
    pub fn source_names(self) -> &'static [&'static str] {
        match self {
            SurveyField::ParcelId => &[
                "宗地代码",
                "宗地编号",
                "宗地号",
                "宗地编码",
                "地块编号",
                "地块编码",
                "地块代码",
                "不动产单元号",
                "图斑编号",
                "ZDDM",
                "ZDBH",
                "ZDH",
                "DKBH",
                "DKDM",
                "BDCDYH",
                "TBBH",
                "PARCELID",
                "PARCEL_NO",
            ],
            SurveyField::Town => &[
                "镇街",
                "镇街名称",
                "所属镇街",
                "镇街道",
                "乡镇",
                "乡镇名称",
                "乡镇街道",
                "街道",
                "镇名",
                "ZJMC",
                "ZJ",
                "XZMC",
                "XZQMC",
                "ZHENJIE",
                "TOWN_NAME",
                "TOWNSHIP",
            ],
            SurveyField::LandUse => &[
                "地类编码",
                "地类代码",
                "用地代码",
                "用地编码",
                "用地分类代码",
                "现状用地代码",
                "现状地类编码",
                "用地用海分类代码",
                "用地用海代码",
                "DLBM",
                "DLDM",
                "XZDLBM",
                "XZYDDM",
                "YDYHDM",
                "YDYHFLDM",
                "YDFLDM",
                "LANDUSE",
                "LU_CODE",
            ],
            SurveyField::Far => &["容积率", "现状容积率", "RJL", "XZRJL", "PLOT_RATIO"],
            SurveyField::BldCov => &[
                "建筑密度",
                "建筑系数",
                "现状建筑密度",
                "覆盖率",
                "JZMD",
                "JZXS",
                "XZJZMD",
                "COVERAGE",
            ],
            SurveyField::YrBuilt => &[
                "建成年份",
                "建成年代",
                "建设年代",
                "建成时间",
                "建造年代",
                "建筑年代",
                "竣工年份",
                "JCNF",
                "JCND",
                "JSND",
                "JZND",
                "YEAR_BUILT",
            ],
            SurveyField::TaxMu => &["亩均税收", "亩均税收万元", "MJSS", "TAX_PER_MU"],
            SurveyField::OutMu => &[
                "亩均产值",
                "亩均营业收入",
                "亩均营收",
                "MJCZ",
                "MJYYSR",
                "OUTPUT_PER_MU",
            ],
            SurveyField::Vacancy => &["空置率", "闲置率", "KZL", "VACANCY_RATE"],
            SurveyField::IdleYrs => &["闲置年限", "闲置年数", "闲置时间", "XZNX", "IDLE_YEARS"],
            SurveyField::Danger => &[
                "危房等级",
                "房屋安全等级",
                "安全等级",
                "危险等级",
                "鉴定等级",
                "WFDJ",
                "AQDJ",
                "FWAQDJ",
            ],
            SurveyField::IndClass => &[
                "产业类别",
                "产业政策类别",
                "产业目录类别",
                "产业分类",
                "CYLB",
                "CYZCLB",
            ],
            SurveyField::IndCode => &[
                "行业代码",
                "行业分类代码",
                "国民经济行业代码",
                "行业编码",
                "HYDM",
                "HYFLDM",
                "INDUSTRY_CODE",
            ],
            SurveyField::Status => &["经营状态", "生产状态", "企业状态", "JYZT", "SCZT"],
            SurveyField::PlannedUse => &[
                "规划用途",
                "规划用地代码",
                "规划用地性质",
                "规划地类",
                "规划用地",
                "GHYT",
                "GHYDDM",
                "GHYDXZ",
                "GHDL",
            ],
            SurveyField::Facilities => &["配套设施", "配套情况", "PTSS"],
            SurveyField::Scale => &["企业规模", "规上规下", "是否规上", "QYGM"],
            SurveyField::EnergyVa => &["单位能耗增加值", "能耗增加值", "DWNHZJZ"],
            SurveyField::RdShare => &["研发经费投入强度", "研发投入强度", "研发强度", "YFTRQD"],
            SurveyField::LabProd => &["全员劳动生产率", "劳动生产率", "QYLDSCL", "LDSCL"],
            SurveyField::Consent => &["改造意愿", "同意比例", "意愿比例", "权利人同意比例", "GZYY"],
            SurveyField::ConsentHeads => &["权益人数同意比例", "人数同意比例", "同意人数比例"],
        }
    }

    /// Whether a record without a value is rejected (else the value is unknown).
    pub fn required(self) -> bool {
        matches!(self, SurveyField::ParcelId | SurveyField::LandUse)
    }

    /// Position in `Parcel::survey`.
    ///
    /// ```
    /// use landsift::model::{Choice, SurveyField};
    /// for (i, f) in SurveyField::ALL.iter().enumerate() {
    ///     assert_eq!(f.index(), i);
    /// }
    /// ```
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which source field feeds each engine field: `[fields]` in the configuration, else the
/// engine field's own name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldMap(BTreeMap<SurveyField, String>);

impl FieldMap {
    /// Maps `field` to the source field `source`.
    pub fn set(&mut self, field: SurveyField, source: impl Into<String>) {
        self.0.insert(field, source.into());
    }

    /// The source field that feeds `field`.
    ///
    /// ```
    /// use landsift::model::{FieldMap, SurveyField};
    /// let mut map = FieldMap::default();
    /// map.set(SurveyField::ParcelId, "ZDDM");
    /// assert_eq!(map.source(SurveyField::ParcelId), "ZDDM");
    /// assert_eq!(map.source(SurveyField::LandUse), "land_use");
    /// ```
    pub fn source(&self, field: SurveyField) -> &str {
        self.0.get(&field).map_or(field.name(), String::as_str)
    }

    /// Whether `field` is mapped by name (the configuration or `--field`), rather than
    /// looked up under its own name.
    pub fn is_set(&self, field: SurveyField) -> bool {
        self.0.contains_key(&field)
    }

    /// Whether the source field `name` feeds the engine field of the same name: the
    /// parcels layer then carries only its normalised value, and the parcel does not
    /// keep the source value ([`crate::model::Parcel::attrs`]).
    pub fn feeds_its_namesake(&self, name: &str) -> bool {
        SurveyField::from_name(name).is_some_and(|e| self.source(e) == name)
    }
}
