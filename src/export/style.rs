//! QGIS styles for every layer landsift writes: parcels coloured by low-efficiency type
//! (non-low land pale, excluded land hatched), circles as outlined zones by level with
//! labels (id and area in mu or km²), and Chinese field aliases.
//!
//! One style body per layer (renderer, labels, aliases) goes three ways: a `.qml` beside
//! each Shapefile, the GeoPackage's `layer_styles` table (each layer's default style, as
//! QGIS stores it), and the `landsift.qgs` project. Symbol layers use the `<prop k v>`
//! form that every QGIS 3 reads (Debian 12 ships 3.22).

use crate::model::{Choice, OutputLayer, SurveyField};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Chinese and English title of a layer (layer tree, report).
pub fn title(layer: OutputLayer) -> &'static str {
    match layer {
        OutputLayer::Parcels => "宗地（低效用地初步识别）parcels",
        OutputLayer::SmallCircles => "候选改造单元（小圈）candidate renewal units",
        OutputLayer::MiddleCircles => "候选中圈 candidate middle circles",
        OutputLayer::LargeCircles => "候选大圈 candidate large circles",
        OutputLayer::OrphanBuildings => "未落宗建筑 orphan buildings",
        OutputLayer::Rejects => "未入库记录 rejects",
        OutputLayer::Changes => "变化 changes since the last run",
    }
}

/// Colours of the change types (the `changes` layer).
pub const CHANGE_COLOURS: &[(&str, &str, &str)] = &[
    ("became_low", "新识别为低效", "#d7301f"),
    ("no_longer_low", "不再低效", "#1a9850"),
    ("reasons_changed", "低效原因变化", "#fc8d59"),
    ("added", "新增", "#4575b4"),
    ("removed", "删除", "#7f7f7f"),
    ("geometry_changed", "图形变化", "#984ea3"),
    ("type_changed", "类型变化", "#ffd92f"),
    ("class_changed", "亩均评价等级变化", "#e5c494"),
    ("score_moved", "评分变化", "#b3b3b3"),
    ("grown", "扩大", "#e08214"),
    ("shrunk", "缩小", "#8073ac"),
];

/// Colours of the low-efficiency types (ColorBrewer Set1-like, distinguishable in print).
pub const TYPE_COLOURS: &[(&str, &str, &str)] = &[
    ("industrial", "工矿仓储", "#a6611a"),
    ("commercial", "商服", "#d7191c"),
    ("residential", "居住", "#fdae61"),
    ("facility", "公共设施", "#2c7bb6"),
    ("village", "村庄", "#1b9e77"),
];
/// Land that is not low-efficiency, and land excluded from renewal.
pub const NOT_LOW_COLOUR: &str = "#e8e8e8";
pub const EXCLUDED_COLOUR: &str = "#7fbf7b";
/// Buildings in no parcel: yellow, a hue no parcel fill and no circle uses.
pub const ORPHAN_COLOUR: &str = "#ffe600";

/// How a circle level is drawn: an outline without fill, over a white casing that keeps
/// it legible on every parcel fill. Its colours (black, purple, dark grey) are hues no
/// parcel fill uses, and the levels differ in width and dash as well as in colour, so
/// they stay apart in greyscale print too.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelStroke {
    pub level: &'static str,
    pub zh: &'static str,
    pub colour: &'static str,
    /// Outline width, mm.
    pub width_mm: f64,
    pub dashed: bool,
    /// Width of the white casing under the outline, mm (0: none).
    pub casing_mm: f64,
    /// Label size, points.
    pub label_pt: f64,
}

/// The circle levels, large first.
pub const LEVEL_STROKES: [LevelStroke; 3] = [
    LevelStroke {
        level: "large",
        zh: "候选大圈",
        colour: "#000000",
        width_mm: 1.1,
        dashed: false,
        casing_mm: 2.0,
        label_pt: 11.0,
    },
    LevelStroke {
        level: "middle",
        zh: "候选中圈",
        colour: "#7b3294",
        width_mm: 0.8,
        dashed: true,
        casing_mm: 1.4,
        label_pt: 9.0,
    },
    LevelStroke {
        level: "small",
        zh: "候选改造单元（小圈）",
        colour: "#262626",
        width_mm: 0.5,
        dashed: true,
        casing_mm: 0.9,
        label_pt: 7.0,
    },
];

/// The stroke of a circle level by its name (`large`, `middle`, `small`).
pub fn level_stroke(level: &str) -> &'static LevelStroke {
    match level {
        "large" => &LEVEL_STROKES[0],
        "middle" => &LEVEL_STROKES[1],
        _ => &LEVEL_STROKES[2],
    }
}

/// Renewal units are labelled only from this scale in (1:25,000 and larger): the whole
/// district's hundreds of unit labels would bury the map.
pub const SMALL_LABEL_MAX_SCALE: u32 = 25_000;

/// Chinese aliases of the engine's and zones' fields.
const ALIASES: &[(&str, &str)] = &[
    ("subject", "对象"),
    ("change", "变化"),
    ("change_zh", "变化说明"),
    ("before", "之前"),
    ("after", "之后"),
    ("detail", "说明"),
    ("parcel_id", "宗地编号"),
    ("land_use", "用地代码"),
    ("town", "镇街"),
    ("far", "容积率"),
    ("bld_cov", "建筑系数"),
    ("yr_built", "建成年份"),
    ("tax_mu", "亩均税收"),
    ("out_mu", "亩均产值"),
    ("vacancy", "空置率"),
    ("idle_yrs", "闲置年限"),
    ("danger", "危房等级"),
    ("ind_class", "产业类别"),
    ("ind_code", "行业代码"),
    ("status", "经营状态"),
    ("plan_use", "规划用途"),
    ("facilities", "配套设施"),
    ("scale", "企业规模"),
    ("energy_va", "单位能耗增加值"),
    ("rd_share", "研发经费投入强度"),
    ("lab_prod", "全员劳动生产率"),
    ("consent", "改造意愿"),
    ("area_m2", "面积（平方米）"),
    ("area_mu", "面积（亩）"),
    ("area_ha", "面积（公顷）"),
    ("area_km2", "面积（平方公里）"),
    ("low", "低效用地（初步识别）"),
    ("ltype", "用地类型代码"),
    ("ltype_zh", "用地类型"),
    ("class", "亩均评价等级"),
    ("score", "亩均综合评分"),
    ("reasons", "识别规则"),
    ("reasons_zh", "识别理由"),
    ("reasons_js", "识别理由（JSON）"),
    ("mode", "再开发方式"),
    ("not_eval", "无法评价规则"),
    ("excluded", "不纳入改造"),
    ("excl_why", "不纳入原因"),
    ("controls", "管控要素"),
    ("sh_eco", "生态保护红线内占比"),
    ("sh_farm", "永久基本农田内占比"),
    ("sh_heri", "历史文化保护线内占比"),
    ("sh_indctl", "工业用地控制线内占比"),
    ("sh_devbnd", "城镇开发边界内占比"),
    ("far_m", "实测容积率"),
    ("cov_m", "实测建筑密度"),
    ("n_bldg", "建筑数"),
    ("unit_id", "候选改造单元"),
    ("middle_id", "候选中圈"),
    ("large_id", "候选大圈"),
    ("scattered", "零星低效用地"),
    ("zone_id", "编号"),
    ("level", "层级"),
    ("n_parcels", "宗地数"),
    ("low_share", "低效用地占比"),
    ("dom_type", "主导类型代码"),
    ("dom_zh", "主导类型"),
    ("compact", "紧凑度"),
    ("parent_id", "上级圈层"),
    ("note", "说明"),
    ("program", "近期实施"),
    ("rank", "实施序位"),
    ("source", "来源"),
    ("record", "记录号"),
    ("id", "编号"),
    ("reason", "原因"),
    ("detail", "详情"),
    ("floors", "层数"),
];

/// XML-escapes text for attributes and content.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// `#rrggbb` → QGIS `r,g,b,a`.
fn rgba(hex: &str, alpha: u8) -> String {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0);
    format!("{},{},{},{alpha}", c(0), c(2), c(4))
}

fn fill_symbol(name: &str, fill: &str, fill_style: &str, outline: &str, width_mm: f64) -> String {
    format!(
        r#"<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0"><prop k="color" v="{fill}"/><prop k="style" v="{fill_style}"/><prop k="outline_color" v="{outline}"/><prop k="outline_style" v="solid"/><prop k="outline_width" v="{width_mm}"/><prop k="outline_width_unit" v="MM"/><prop k="joinstyle" v="miter"/></layer></symbol>"#
    )
}

/// A circle's outline: no fill, a white casing (when the level has one), then the
/// level's outline, solid or dashed.
fn outline_symbol(stroke: &LevelStroke) -> String {
    let line = |colour: &str, style: &str, width: f64| {
        format!(
            r#"<layer class="SimpleFill" enabled="1" locked="0" pass="0"><prop k="color" v="0,0,0,0"/><prop k="style" v="no"/><prop k="outline_color" v="{colour}"/><prop k="outline_style" v="{style}"/><prop k="outline_width" v="{width}"/><prop k="outline_width_unit" v="MM"/><prop k="joinstyle" v="round"/></layer>"#
        )
    };
    let casing = if stroke.casing_mm > 0.0 {
        line(&rgba("#ffffff", 220), "solid", stroke.casing_mm)
    } else {
        String::new()
    };
    format!(
        r#"<symbol type="fill" name="0" alpha="1" clip_to_extent="1" force_rhr="0">{casing}{}</symbol>"#,
        line(
            &rgba(stroke.colour, 255),
            if stroke.dashed { "dash" } else { "solid" },
            stroke.width_mm
        )
    )
}

/// The labels of a layer: a QGIS expression, drawn over the polygon with a white halo;
/// with `max_scale`, only at that scale and larger (zoomed in).
fn labeling(expression: &str, size_pt: f64, colour: &str, max_scale: Option<u32>) -> String {
    // QGIS writes a label's minimum scale (the most zoomed-out one) as `scaleMax`.
    let scale = match max_scale {
        Some(s) => format!(r#"scaleVisibility="1" scaleMin="0" scaleMax="{s}""#),
        None => r#"scaleVisibility="0""#.to_string(),
    };
    format!(
        r#"<labeling type="simple"><settings calloutType="simple"><text-style fieldName="{}" isExpression="1" fontFamily="Noto Sans CJK SC" fontSize="{size_pt}" fontSizeUnit="Point" fontWeight="75" fontItalic="0" textColor="{}" textOpacity="1" multilineHeight="1" namedStyle="Bold"><text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128"/></text-style><text-format multilineAlign="1" wrapChar="" autoWrapLength="0" plussign="0"/><placement placement="1" offsetType="0" dist="0" priority="5" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0"/><rendering obstacle="1" displayAll="0" {scale} upsidedownLabels="0" limitNumLabels="0" drawLabels="1"/></settings></labeling>"#,
        xml(expression),
        rgba(colour, 255)
    )
}

/// What a label adds to tell fields apart whose names or aliases would read alike: a
/// source attribute (the user's own column, passed through), an engine field read from
/// the source (normalised: the value the evaluation used), a field the engine computed.
const FROM_SOURCE: &str = "源数据";
const AS_EVALUATED: &str = "评价用";
const COMPUTED: &str = "测算";

/// `label` with a note: `容积率` → `容积率（源数据）`, `面积（亩）` → `面积（亩，测算）`.
fn noted(label: &str, note: &str) -> String {
    match label.strip_suffix('）') {
        Some(head) => format!("{head}，{note}）"),
        None => format!("{label}（{note}）"),
    }
}

/// The displayed name of each field (QGIS shows the alias where there is one, else the
/// name): `Some(alias)` per field, `None` where the name shows. `fields` are the real
/// names, `long_of` maps a shortened Shapefile name back to its long name.
///
/// Engine fields take their Chinese alias, a source column shortened for a DBF its full
/// name. Where a displayed name would equal another
/// field's name or displayed name — a source column `容积率` beside the engine's `far`
/// (容积率) — every field in the clash is labelled apart by what it is: the source's
/// `容积率（源数据）`, the engine's `容积率（评价用）` (a field read from the source) or
/// `…（测算）` (computed); a clash that remains is numbered. No two fields of a layer
/// then read alike in the attribute table or the expression builder.
pub fn display_aliases(
    fields: &[String],
    long_of: &BTreeMap<String, String>,
) -> Vec<Option<String>> {
    let table: BTreeMap<&str, &str> = ALIASES.iter().copied().collect();
    let long: Vec<&str> = fields
        .iter()
        .map(|f| long_of.get(f).map(String::as_str).unwrap_or(f))
        .collect();
    let engine: Vec<bool> = long.iter().map(|l| table.contains_key(l)).collect();
    // A source column shortened for a DBF shows its full name.
    let mut alias: Vec<Option<String>> = long
        .iter()
        .zip(fields)
        .map(|(l, f)| match table.get(l) {
            Some(zh) => Some(zh.to_string()),
            None => (l != f).then(|| l.to_string()),
        })
        .collect();
    let shown = |alias: &[Option<String>], i: usize| -> String {
        alias[i].clone().unwrap_or_else(|| fields[i].clone())
    };
    // A field clashes when what it shows is another field's name or shown name.
    let clashes = |alias: &[Option<String>]| -> Vec<bool> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for i in 0..fields.len() {
            *seen.entry(shown(alias, i)).or_default() += 1;
        }
        (0..fields.len())
            .map(|i| {
                let s = shown(alias, i);
                seen[&s] > 1 || fields.iter().enumerate().any(|(j, f)| j != i && *f == s)
            })
            .collect()
    };
    let first = clashes(&alias);
    for i in (0..fields.len()).filter(|&i| first[i]) {
        let note = if !engine[i] {
            FROM_SOURCE
        } else if SurveyField::from_name(long[i]).is_some() {
            AS_EVALUATED
        } else {
            COMPUTED
        };
        alias[i] = Some(noted(&shown(&alias, i), note));
    }
    // What still clashes (a source column that was itself named `容积率（源数据）`…) is
    // numbered, the first kept.
    let mut taken: std::collections::BTreeSet<String> = fields.iter().cloned().collect();
    for i in 0..fields.len() {
        let s = shown(&alias, i);
        let own = alias[i].is_none();
        if own || taken.insert(s.clone()) {
            continue;
        }
        let mut k = 2;
        let fresh = loop {
            let c = format!("{s}（{k}）");
            if taken.insert(c.clone()) {
                break c;
            }
            k += 1;
        };
        alias[i] = Some(fresh);
    }
    alias
}

/// Aliases for the fields a layer has ([`display_aliases`]).
fn aliases(fields: &[String], long_of: &BTreeMap<String, String>) -> String {
    let mut out = String::from("<aliases>");
    for (i, (f, a)) in fields
        .iter()
        .zip(display_aliases(fields, long_of))
        .enumerate()
    {
        if let Some(zh) = a {
            let _ = write!(
                out,
                r#"<alias field="{}" index="{i}" name="{}"/>"#,
                xml(f),
                xml(&zh)
            );
        }
    }
    out.push_str("</aliases>");
    out
}

/// The style body of one layer (renderer, labels, aliases), and whether it labels.
/// `fields` are the layer's field names as written; `long_of` maps shortened names to
/// their long names (Shapefile), so expressions use the names the layer really has.
pub fn body(
    style: OutputLayer,
    fields: &[String],
    long_of: &BTreeMap<String, String>,
) -> (String, bool) {
    let name = |long: &str| -> String {
        long_of
            .iter()
            .find(|(_, l)| l.as_str() == long)
            .map(|(s, _)| s.clone())
            .unwrap_or_else(|| long.to_string())
    };
    let q = |long: &str| format!("\"{}\"", name(long));
    let mut out = String::new();
    let labels = match style {
        OutputLayer::Parcels => {
            // Category: excluded, then the low-efficiency type, then "not low".
            let expr = format!(
                "CASE WHEN {} = 1 THEN 'excluded' WHEN {} = 1 THEN {} ELSE 'not_low' END",
                q("excluded"),
                q("low"),
                q("ltype")
            );
            let mut cats = String::new();
            let mut syms = String::new();
            let edge = rgba("#9e9e9e", 255);
            for (i, (key, zh, colour)) in TYPE_COLOURS.iter().enumerate() {
                let _ = write!(
                    cats,
                    r#"<category render="true" symbol="{i}" value="{key}" label="低效{zh} low-efficiency {key}" type="string"/>"#
                );
                syms.push_str(&fill_symbol(
                    &i.to_string(),
                    &rgba(colour, 255),
                    "solid",
                    &edge,
                    0.1,
                ));
            }
            let n = TYPE_COLOURS.len();
            let _ = write!(
                cats,
                r#"<category render="true" symbol="{n}" value="not_low" label="非低效 not low-efficiency" type="string"/><category render="true" symbol="{}" value="excluded" label="不纳入改造 excluded (red line, farmland, outside the development boundary)" type="string"/>"#,
                n + 1
            );
            syms.push_str(&fill_symbol(
                &n.to_string(),
                &rgba(NOT_LOW_COLOUR, 255),
                "solid",
                &edge,
                0.1,
            ));
            syms.push_str(&fill_symbol(
                &(n + 1).to_string(),
                &rgba(EXCLUDED_COLOUR, 255),
                "b_diagonal",
                &rgba(EXCLUDED_COLOUR, 255),
                0.2,
            ));
            let _ = write!(
                out,
                r#"<renderer-v2 type="categorizedSymbol" attr="{}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>"#,
                xml(&expr)
            );
            false
        }
        OutputLayer::SmallCircles | OutputLayer::MiddleCircles | OutputLayer::LargeCircles => {
            let stroke = level_stroke(match style {
                OutputLayer::SmallCircles => "small",
                OutputLayer::MiddleCircles => "middle",
                _ => "large",
            });
            let _ = write!(
                out,
                r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
                outline_symbol(stroke)
            );
            let small = style == OutputLayer::SmallCircles;
            let expr = if small {
                format!(
                    "{} || '\\n' || format_number({}, 0) || ' 亩'",
                    q("zone_id"),
                    q("area_mu")
                )
            } else {
                format!(
                    "{} || '\\n' || format_number({}, 2) || ' km²'",
                    q("zone_id"),
                    q("area_km2")
                )
            };
            out.push_str(&labeling(
                &expr,
                stroke.label_pt,
                stroke.colour,
                small.then_some(SMALL_LABEL_MAX_SCALE),
            ));
            true
        }
        OutputLayer::Changes => {
            let mut cats = String::new();
            let mut syms = String::new();
            for (i, (key, zh, colour)) in CHANGE_COLOURS.iter().enumerate() {
                let _ = write!(
                    cats,
                    r#"<category render="true" symbol="{i}" value="{key}" label="{zh} {key}" type="string"/>"#
                );
                syms.push_str(&fill_symbol(
                    &i.to_string(),
                    &rgba(colour, 120),
                    "solid",
                    &rgba(colour, 255),
                    0.5,
                ));
            }
            let _ = write!(
                out,
                r#"<renderer-v2 type="categorizedSymbol" attr="{}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>"#,
                xml(&name("change"))
            );
            false
        }
        OutputLayer::OrphanBuildings => {
            let _ = write!(
                out,
                r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols></renderer-v2>"#,
                fill_symbol(
                    "0",
                    &rgba(ORPHAN_COLOUR, 220),
                    "solid",
                    &rgba("#4d4d4d", 255),
                    0.2
                )
            );
            false
        }
        OutputLayer::Rejects => false,
    };
    out.push_str(&aliases(fields, long_of));
    (out, labels)
}

/// A whole `.qml` document for one layer.
pub fn qml(style: OutputLayer, fields: &[String], long_of: &BTreeMap<String, String>) -> String {
    let (body, labels) = body(style, fields, long_of);
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"3.22.16-Białowieża\" styleCategories=\"Symbology|Labeling|Fields\" labelsEnabled=\"{}\">\n{body}\n</qgis>\n",
        u8::from(labels)
    )
}

/// The GeoPackage's `layer_styles` table as QGIS keeps it (empty catalog and schema,
/// table and geometry column names, the QML, `useAsDefault` = 1), one default style per
/// layer; QGIS applies it when the layer is opened.
pub fn layer_styles_table<'a>(layers: &[(OutputLayer, &super::OutLayer)]) -> super::OutLayer<'a> {
    use crate::model::{FieldDef, FieldKind, Value};
    let text = |s: &str| Value::Text(s.to_string());
    let rows = layers
        .iter()
        .map(|&(style, layer)| {
            let fields: Vec<String> = layer.fields.iter().map(|f| f.name.clone()).collect();
            super::OutRow {
                geometry: None,
                values: vec![
                    text(""),
                    text(""),
                    text(&layer.name),
                    text(if style.is_spatial() {
                        super::gpkg::GEOMETRY_COLUMN
                    } else {
                        ""
                    }),
                    text(&format!("landsift {}", layer.name)),
                    text(&qml(style, &fields, &BTreeMap::new())),
                    text(""),
                    Value::Int(1),
                    text(title(style)),
                    text("landsift"),
                    Value::Null,
                    Value::Null,
                ],
            }
        })
        .collect();
    let field = |n: &str, k| FieldDef::new(n, k);
    super::OutLayer::new(
        "layer_styles",
        vec![
            field("f_table_catalog", FieldKind::Text),
            field("f_table_schema", FieldKind::Text),
            field("f_table_name", FieldKind::Text),
            field("f_geometry_column", FieldKind::Text),
            field("styleName", FieldKind::Text),
            field("styleQML", FieldKind::Text),
            field("styleSLD", FieldKind::Text),
            field("useAsDefault", FieldKind::Int),
            field("description", FieldKind::Text),
            field("owner", FieldKind::Text),
            field("ui", FieldKind::Text),
            // QGIS orders styles by it; empty: the run's outputs carry no clock time.
            field("update_time", FieldKind::Text),
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parcel_style_uses_the_layer_s_own_field_names() {
        let fields: Vec<String> = ["parcel_id", "low", "ltype", "excluded"]
            .map(String::from)
            .to_vec();
        let long: BTreeMap<String, String> =
            [("excl_short".to_string(), "excluded".to_string())].into();
        let fields_short: Vec<String> = ["parcel_id", "low", "ltype", "excl_short"]
            .map(String::from)
            .to_vec();
        let (full, labels) = body(OutputLayer::Parcels, &fields, &BTreeMap::new());
        assert!(!labels);
        assert!(full.contains("CASE WHEN &quot;excluded&quot; = 1"));
        assert!(full.contains(r#"<alias field="parcel_id" index="0" name="宗地编号"/>"#));
        let (short, _) = body(OutputLayer::Parcels, &fields_short, &long);
        assert!(short.contains("CASE WHEN &quot;excl_short&quot; = 1"));
        assert!(short.contains(r#"<alias field="excl_short" index="3" name="不纳入改造"/>"#));
    }

    #[test]
    fn aliases_never_read_alike() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // The engine's `far` (容积率) and `area_mu` (面积（亩）) beside source columns of the
        // same names, a source column named like a noted label, and one that clashes
        // with nothing.
        let fields = names(&[
            "parcel_id",
            "far",
            "area_mu",
            "容积率",
            "面积（亩）",
            "容积率（源数据）",
            "镇街名称",
        ]);
        let a = display_aliases(&fields, &BTreeMap::new());
        assert_eq!(a[0].as_deref(), Some("宗地编号"));
        assert_eq!(a[1].as_deref(), Some("容积率（评价用）"));
        assert_eq!(a[2].as_deref(), Some("面积（亩，测算）"));
        assert_eq!(a[3].as_deref(), Some("容积率（源数据）（2）"));
        assert_eq!(a[4].as_deref(), Some("面积（亩，源数据）"));
        assert_eq!(a[5], None);
        assert_eq!(a[6], None);
        let shown: Vec<String> = fields
            .iter()
            .zip(&a)
            .map(|(f, a)| a.clone().unwrap_or_else(|| f.clone()))
            .collect();
        let mut all: Vec<&String> = shown.iter().chain(fields.iter()).collect();
        all.sort();
        // Each field's name and shown label are its own (a name may show as itself).
        let mut distinct = all.clone();
        distinct.dedup();
        assert_eq!(
            all.len() - distinct.len(),
            a.iter().filter(|a| a.is_none()).count()
        );
        // An alias that is another field's name is labelled apart too.
        let fields = names(&["town", "镇街"]);
        let a = display_aliases(&fields, &BTreeMap::new());
        assert_eq!(a[0].as_deref(), Some("镇街（评价用）"));
        assert_eq!(a[1].as_deref(), Some("镇街（源数据）"));
        // Shapefile short names are looked up by their long names.
        let long: BTreeMap<String, String> = [("容积率".to_string(), "容积率".to_string())].into();
        let a = display_aliases(&names(&["far", "容积率"]), &long);
        assert_eq!(a[1].as_deref(), Some("容积率（源数据）"));
        let long: BTreeMap<String, String> = [
            ("建筑物建成".to_string(), "建筑物建成年份".to_string()),
            ("excl_short".to_string(), "excluded".to_string()),
        ]
        .into();
        let a = display_aliases(&names(&["建筑物建成", "excl_short"]), &long);
        assert_eq!(a[0].as_deref(), Some("建筑物建成年份"));
        assert_eq!(a[1].as_deref(), Some("不纳入改造"));
        let body_text = aliases(&names(&["far", "容积率"]), &BTreeMap::new());
        assert!(body_text.contains(r#"<alias field="容积率" index="1" name="容积率（源数据）"/>"#));
    }

    #[test]
    fn circle_styles_label_id_and_area() {
        let fields: Vec<String> = ["zone_id", "area_mu", "area_km2"]
            .map(String::from)
            .to_vec();
        let (small, labels) = body(OutputLayer::SmallCircles, &fields, &BTreeMap::new());
        assert!(
            labels && small.contains("format_number(&quot;area_mu&quot;, 0) || &apos; 亩&apos;")
        );
        let doc = qml(OutputLayer::LargeCircles, &fields, &BTreeMap::new());
        assert!(doc.starts_with("<!DOCTYPE qgis") && doc.contains("labelsEnabled=\"1\""));
        assert!(doc.contains("km²"));
        assert!(doc.contains(r#"<prop k="outline_color" v="0,0,0,255"/>"#));
        // Unit labels only from 1:25,000 in; circle labels at every scale.
        assert!(small.contains(r#"scaleVisibility="1" scaleMin="0" scaleMax="25000""#));
        assert!(doc.contains(r#"scaleVisibility="0""#));
        assert!(small.contains(r#"<prop k="outline_style" v="dash"/>"#));
    }

    /// CIE L*a*b* of an sRGB `#rrggbb` (D65).
    fn lab(hex: &str) -> [f64; 3] {
        let h = hex.trim_start_matches('#');
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&h[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (c(0), c(2), c(4));
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f64| {
            if t > 0.008856 {
                t.cbrt()
            } else {
                7.787 * t + 16.0 / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    fn delta_e(a: &str, b: &str) -> f64 {
        let (a, b) = (lab(a), lab(b));
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    #[test]
    fn circle_outlines_stay_apart_from_every_fill() {
        let mut fills: Vec<(&str, &str)> = TYPE_COLOURS.iter().map(|t| (t.0, t.2)).collect();
        fills.extend([
            ("not_low", NOT_LOW_COLOUR),
            ("excluded", EXCLUDED_COLOUR),
            ("orphan_buildings", ORPHAN_COLOUR),
        ]);
        // The clashes this replaced, by the same measure: large #b2182b on commercial
        // #d7191c (ΔE 22), middle #ef8a62 on residential #fdae61 (21), small #2166ac on
        // facility #2c7bb6 (12).
        for (old, fill) in [
            ("#b2182b", "#d7191c"),
            ("#ef8a62", "#fdae61"),
            ("#2166ac", "#2c7bb6"),
        ] {
            assert!(delta_e(old, fill) < 25.0, "{old} {fill}");
        }
        for s in &LEVEL_STROKES {
            for (name, fill) in &fills {
                let d = delta_e(s.colour, fill);
                assert!(
                    d > 40.0,
                    "{} {} vs {name} {fill}: ΔE {d:.1}",
                    s.level,
                    s.colour
                );
            }
        }
        // The levels differ by more than colour: width, dash or casing.
        for (i, a) in LEVEL_STROKES.iter().enumerate() {
            for b in &LEVEL_STROKES[i + 1..] {
                assert!(
                    a.width_mm != b.width_mm && a.colour != b.colour,
                    "{a:?} {b:?}"
                );
            }
        }
        assert_eq!(level_stroke("middle").level, "middle");
    }
}
