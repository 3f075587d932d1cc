//! The print layouts of `landsift.qgs`: one sheet for the whole area and one per town,
//! each A3 landscape at a round scale, ready to print or export from QGIS's layout
//! manager: title, the map, north arrow, legend (Chinese labels, the map's content
//! only), scale bar, and the notes a map handed to a meeting carries — scale, CRS, data
//! source and date, the issuing bureau, landsift's version with the preliminary status
//! of the result, and the date it is printed (a QGIS expression, so the project stays
//! the same file for the same input).

use super::style::{self, xml, TYPE_COLOURS};
use super::Imprint;
use crate::model::OutputLayer;
use std::fmt::Write;

/// Page size (mm): ISO A3 landscape.
const PAGE: (f64, f64) = (420.0, 297.0);
/// The map frame on the page: x, y, width, height (mm).
const MAP: (f64, f64, f64, f64) = (10.0, 22.0, 305.0, 265.0);
/// The panel right of the map: x and width (mm).
const PANEL: (f64, f64) = (320.0, 90.0);
/// The font of every text on the sheets.
const FONT: &str = "Noto Sans CJK SC";

/// One sheet: the whole area or a town.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The layout's name in QGIS's layout manager.
    pub name: String,
    /// What the title names: `全域` or the town.
    pub place: String,
    /// What the map must show `[xmin, ymin, xmax, ymax]`, working CRS (metres).
    pub extent: [f64; 4],
}

/// The map's scale (1:N) and extent: `extent` padded, centred in the map frame at the
/// next round scale (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ; not below 1:500).
pub fn fit(extent: [f64; 4]) -> (f64, [f64; 4]) {
    let [x0, y0, x1, y1] = extent;
    let (w, h) = ((x1 - x0).max(1.0), (y1 - y0).max(1.0));
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    // Metres of ground per mm of paper, with 4 % to spare on each side.
    let needed = (w * 1.08 / MAP.2).max(h * 1.08 / MAP.3) * 1000.0;
    let scale = round_scale(needed.max(500.0));
    let (half_w, half_h) = (scale * MAP.2 / 2000.0, scale * MAP.3 / 2000.0);
    (scale, [cx - half_w, cy - half_h, cx + half_w, cy + half_h])
}

/// The smallest round scale at least `s`.
fn round_scale(s: f64) -> f64 {
    let magnitude = 10f64.powf(s.log10().floor());
    [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|k| k * magnitude)
        .find(|&v| v >= s * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// A segment of the scale bar: a round length (1, 2, 5 × 10ⁿ m) near 15 mm of paper.
fn bar_segment_m(scale: f64) -> f64 {
    let target = scale * 15.0 / 1000.0;
    let magnitude = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * magnitude)
        .rfind(|&l| l <= target * (1.0 + 1e-9))
        .unwrap_or(magnitude)
}

/// `1:25,000`.
pub fn scale_text(scale: f64) -> String {
    format!("1:{}", super::html_report::num(scale, 0))
}

/// XML attribute text, line breaks kept.
fn attr(s: &str) -> String {
    xml(s).replace('\n', "&#10;")
}

/// The attributes every layout item has, then its own.
fn item_attrs(kind: u32, id: &str, uuid: &str, rect: (f64, f64, f64, f64), z: u32) -> String {
    let (x, y, w, h) = rect;
    format!(
        r#"type="{kind}" id="{}" uuid="{uuid}" templateUuid="{uuid}" position="{x},{y},mm" positionOnPage="{x},{y},mm" size="{w},{h},mm" referencePoint="0" itemRotation="0" zValue="{z}" visibility="1" positionLock="false" groupUuid="" opacity="1" blendMode="0" excludeFromExports="0" frameJoinStyle="miter" outlineWidthM="0.3,mm""#,
        attr(id)
    )
}

const FRAME: &str = r#"<FrameColor alpha="255" red="0" green="0" blue="0"/><BackgroundColor alpha="255" red="255" green="255" blue="255"/>"#;

/// A text item: `size` in points, `bold`, horizontal alignment (Qt: 1 left, 4 centre),
/// vertical (32 top, 64 bottom, 128 centre).
#[allow(clippy::too_many_arguments)]
fn label(
    id: &str,
    uuid: &str,
    rect: (f64, f64, f64, f64),
    text: &str,
    size: u32,
    bold: bool,
    halign: u32,
    valign: u32,
) -> String {
    format!(
        r#"<LayoutItem {} frame="false" background="false" labelText="{}" htmlState="0" marginX="0" marginY="0" halign="{halign}" valign="{valign}">{FRAME}<LabelFont description="{FONT},{size},-1,5,{},0,0,0,0,0" style=""/><FontColor alpha="255" red="0" green="0" blue="0"/></LayoutItem>"#,
        item_attrs(65641, id, uuid, rect, 3),
        attr(text),
        if bold { 75 } else { 50 }
    )
}

/// The legend's entries: the layers it shows, with short Chinese titles, and the
/// parcels' categories with Chinese labels.
fn legend_tree(layers: &[OutputLayer], gpkg: &str) -> String {
    let mut tree = String::from("<layer-tree-group><customproperties/>");
    let shown = [
        OutputLayer::LargeCircles,
        OutputLayer::MiddleCircles,
        OutputLayer::SmallCircles,
        OutputLayer::Parcels,
        OutputLayer::OrphanBuildings,
    ];
    for layer in shown.into_iter().filter(|l| layers.contains(l)) {
        let name = layer.as_str();
        let mut props = Vec::new();
        let title = match layer {
            OutputLayer::LargeCircles => style::level_stroke("large").zh,
            OutputLayer::MiddleCircles => style::level_stroke("middle").zh,
            OutputLayer::SmallCircles => style::level_stroke("small").zh,
            OutputLayer::OrphanBuildings => "未落宗建筑",
            _ => "宗地",
        };
        props.push(("legend/title-label".to_string(), title.to_string()));
        if layer == OutputLayer::Parcels {
            // The categories in the style's order: the types, not low, excluded.
            let mut labels: Vec<String> = TYPE_COLOURS
                .iter()
                .map(|(_, zh, _)| format!("低效{zh}用地"))
                .collect();
            labels.push("非低效用地".into());
            labels.push("不纳入改造（管控区内）".into());
            for (i, l) in labels.into_iter().enumerate() {
                props.push((format!("legend/label-{i}"), l));
            }
        }
        let options: String = props
            .iter()
            .map(|(k, v)| {
                format!(
                    r#"<Option name="{}" type="QString" value="{}"/>"#,
                    attr(k),
                    attr(v)
                )
            })
            .collect();
        let _ = write!(
            tree,
            r#"<layer-tree-layer id="landsift_{name}" name="{}" source="./{}|layername={name}" providerKey="ogr" checked="Qt::Checked" expanded="1"><customproperties><Option type="Map">{options}</Option></customproperties></layer-tree-layer>"#,
            attr(style::title(layer)),
            attr(gpkg)
        );
    }
    tree.push_str("</layer-tree-group>");
    tree
}

fn legend_styles() -> String {
    let font = |size: u32, weight: u32| {
        format!(r#"<styleFont description="{FONT},{size},-1,5,{weight},0,0,0,0,0" style=""/>"#)
    };
    format!(
        r#"<styles><style name="title" marginBottom="3.5" alignment="1">{}</style><style name="group" marginTop="3" alignment="1">{}</style><style name="subgroup" marginTop="3" alignment="1">{}</style><style name="symbol" marginTop="2.5" alignment="1">{}</style><style name="symbolLabel" marginTop="2" marginLeft="2" alignment="1">{}</style></styles>"#,
        font(12, 75),
        font(10, 75),
        font(10, 75),
        font(9, 50),
        font(9, 50)
    )
}

/// One sheet's `<Layout>`; `n` numbers its items' ids.
fn sheet(n: usize, s: &Sheet, notes: &Imprint, layers: &[OutputLayer], gpkg: &str) -> String {
    let uuid = |item: u32| format!("{{6c616e64-7369-4674-8000-{n:06x}{item:06x}}}");
    let (scale, extent) = fit(s.extent);
    let [x0, y0, x1, y1] = extent;
    let map_uuid = uuid(2);
    let mut h = format!(
        r#"<Layout name="{}" units="mm" printResolution="300" worldFileMap=""><PageCollection><LayoutItem {} frame="false" background="true">{FRAME}</LayoutItem><GuideCollection visible="1"/></PageCollection>"#,
        attr(&s.name),
        item_attrs(65638, "", &uuid(1), (0.0, 0.0, PAGE.0, PAGE.1), 0)
    );
    // The map, framed.
    let _ = write!(
        h,
        r#"<LayoutItem {} frame="true" background="true" keepLayerSet="false" drawCanvasItems="true" mapRotation="0" followPreset="false" followPresetName="" labelMargin="0,mm" mapFlags="0" isTemporal="0">{FRAME}<Extent xmin="{x0}" ymin="{y0}" xmax="{x1}" ymax="{y1}"/><LayerSet/><AtlasMap atlasDriven="0" scalingMode="2" margin="0.1"/></LayoutItem>"#,
        item_attrs(65639, "map", &map_uuid, MAP, 1)
    );
    h.push_str(&label(
        "title",
        &uuid(3),
        (MAP.0, 6.0, PAGE.0 - 2.0 * MAP.0, 13.0),
        &format!("{}低效用地初步识别与更新候选圈层图", s.place),
        20,
        true,
        4,
        128,
    ));
    let (px, pw) = PANEL;
    // North arrow: QGIS's own, turning with the map.
    let _ = write!(
        h,
        r#"<LayoutItem {} frame="false" background="false" file=":/images/north_arrows/layout_default_north_arrow.svg" mode="0" resizeMode="0" anchorPoint="0" pictureRotation="0" pictureWidth="16" pictureHeight="22" northMode="0" northOffset="0" mapUuid="{map_uuid}" svgFillColor="0,0,0,255" svgBorderColor="0,0,0,255" svgBorderWidth="0.2">{FRAME}</LayoutItem>"#,
        item_attrs(
            65640,
            "north_arrow",
            &uuid(4),
            (px + pw / 2.0 - 8.0, MAP.1, 16.0, 22.0),
            4
        )
    );
    h.push_str(&label(
        "north_label",
        &uuid(9),
        (px + pw / 2.0 - 8.0, MAP.1 + 22.0, 16.0, 6.0),
        "N",
        12,
        true,
        4,
        32,
    ));
    let _ = write!(
        h,
        r##"<LayoutItem {} frame="false" background="false" title="图例" map_uuid="{map_uuid}" resizeToContents="1" legendFilterByMap="1" legendFilterByAtlas="0" symbolWidth="8" symbolHeight="4.5" columnCount="1" columnSpace="2" boxSpace="2" lineSpacing="1" wrapChar="" splitLayer="0" equalColumnWidth="0" titleAlignment="1" symbolAlignment="1" fontColor="#000000" rasterBorder="1" rasterBorderWidth="0" rasterBorderColor="0,0,0,255">{FRAME}{}{}</LayoutItem>"##,
        item_attrs(65642, "legend", &uuid(5), (px, MAP.1 + 32.0, pw, 150.0), 5),
        legend_styles(),
        legend_tree(layers, gpkg)
    );
    // Scale bar: four round segments.
    let seg = bar_segment_m(scale);
    let (units, per_unit, unit_label) = if seg >= 1000.0 {
        ("kilometers", 1000.0, "km")
    } else {
        ("meters", 1.0, "m")
    };
    let _ = write!(
        h,
        r#"<LayoutItem {} frame="false" background="false" style="Single Box" unitType="{units}" unitLabel="{unit_label}" numUnitsPerSegment="{}" numMapUnitsPerScaleBarUnit="{per_unit}" numSegments="4" numSegmentsLeft="0" numSubdivisions="1" subdivisionsHeight="1.5" segmentSizeMode="0" minBarWidth="10" maxBarWidth="80" segmentMillimeters="{}" height="2.5" labelBarSpace="2" boxContentSpace="1" alignment="0" labelVerticalPlacement="0" labelHorizontalPlacement="0" outlineWidth="0.3" lineJoinStyle="miter" lineCapStyle="square" mapUuid="{map_uuid}">{FRAME}<text-style fontFamily="{FONT}" fontSize="8" fontSizeUnit="Point" fontWeight="50" fontItalic="0" textColor="0,0,0,255" textOpacity="1" namedStyle="Regular" multilineHeight="1"/><strokeColor alpha="255" red="0" green="0" blue="0"/><fillColor alpha="255" red="0" green="0" blue="0"/><fillColor2 alpha="255" red="255" green="255" blue="255"/></LayoutItem>"#,
        item_attrs(65646, "scalebar", &uuid(6), (px, 222.0, pw, 12.0), 6),
        seg / per_unit,
        seg * 1000.0 / scale
    );
    let mut lines = vec![
        format!("比例尺 {}", scale_text(scale)),
        format!("坐标系：{}", notes.crs),
        format!("数据来源：{}", notes.source),
    ];
    if let Some(d) = &notes.data_date {
        lines.push(format!("数据日期：{d}"));
    }
    if let Some(b) = &notes.bureau {
        lines.push(format!("编制单位：{b}"));
    }
    if let Some(d) = &notes.date {
        lines.push(format!("成果日期：{d}"));
    }
    lines.push(format!(
        "landsift {} 初步识别成果，低效用地认定以主管部门审定为准",
        crate::VERSION
    ));
    h.push_str(&label(
        "notes",
        &uuid(7),
        (px, 238.0, pw, 40.0),
        &lines.join("\n"),
        7,
        false,
        1,
        64,
    ));
    // The date of the print, evaluated by QGIS when the sheet is drawn.
    h.push_str(&label(
        "date",
        &uuid(8),
        (px, 279.0, pw, 6.0),
        "打印日期：[% format_date(now(), 'yyyy-MM-dd') %]",
        7,
        false,
        1,
        64,
    ));
    h.push_str("</Layout>");
    h
}

/// The project's `<Layouts>`: one per sheet. `layers` are the project's layers, `gpkg`
/// the GeoPackage's file name (beside the project).
pub fn layouts(sheets: &[Sheet], notes: &Imprint, layers: &[OutputLayer], gpkg: &str) -> String {
    let mut h = String::from("<Layouts>");
    for (n, s) in sheets.iter().enumerate() {
        h.push_str(&sheet(n, s, notes, layers, gpkg));
    }
    h.push_str("</Layouts>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_fit_at_a_round_scale() {
        // 20 km × 10 km: 20 000 m × 1.08 / 305 mm ≈ 70.8 m/mm → 1:80,000.
        let (scale, [x0, y0, x1, y1]) = fit([0.0, 0.0, 20_000.0, 10_000.0]);
        assert_eq!(scale, 80_000.0);
        assert!((x1 - x0 - 80.0 * 305.0).abs() < 1e-6 && (y1 - y0 - 80.0 * 265.0).abs() < 1e-6);
        assert!(x0 < 0.0 && x1 > 20_000.0 && y0 < 0.0 && y1 > 10_000.0);
        // A town of one small parcel: 1:500, not a sheet of empty paper at 1:1.
        assert_eq!(fit([0.0, 0.0, 30.0, 20.0]).0, 500.0);
        assert_eq!(round_scale(25_000.0), 25_000.0);
        assert_eq!(round_scale(25_001.0), 30_000.0);
        assert_eq!(scale_text(80_000.0), "1:80,000");
        // Segments of 1, 2 or 5 × 10ⁿ m near 15 mm: 1:80,000 → 1 km (12.5 mm).
        assert_eq!(bar_segment_m(80_000.0), 1000.0);
        assert_eq!(bar_segment_m(10_000.0), 100.0);
    }

    #[test]
    fn a_sheet_has_its_title_map_legend_scale_bar_north_arrow_and_date() {
        let sheets = [Sheet {
            name: "全域".into(),
            place: "全域".into(),
            extent: [470_000.0, 2_520_000.0, 480_000.0, 2_526_000.0],
        }];
        let notes = Imprint {
            bureau: Some("某区自然资源局".into()),
            source: "宗地 zd.shp（12 宗）".into(),
            crs: "CGCS2000 (EPSG:4547)".into(),
            ..Default::default()
        };
        let x = layouts(
            &sheets,
            &notes,
            &[OutputLayer::Parcels, OutputLayer::LargeCircles],
            "landsift.gpkg",
        );
        for want in [
            r#"<Layout name="全域""#,
            r#"type="65639" id="map""#,
            r#"type="65642" id="legend""#,
            r#"type="65646" id="scalebar""#,
            r#"type="65640" id="north_arrow""#,
            r#"id="north_label""#,
            r#"id="title""#,
            "全域低效用地初步识别与更新候选圈层图",
            "编制单位：某区自然资源局&#10;",
            "format_date(now(), &apos;yyyy-MM-dd&apos;)",
            r#"<Option name="legend/label-0" type="QString" value="低效工矿仓储用地"/>"#,
            r#"id="landsift_large_circles""#,
        ] {
            assert!(x.contains(want), "{want} missing");
        }
        // Only the layers the project has are in the legend; no data date was given.
        assert!(!x.contains("landsift_small_circles") && !x.contains("数据日期"));
        // Every item's map reference is the map's uuid.
        let map_uuid = "{6c616e64-7369-4674-8000-000000000002}";
        assert_eq!(x.matches(&format!("apUuid=\"{map_uuid}\"")).count(), 2);
        assert_eq!(x.matches(&format!("map_uuid=\"{map_uuid}\"")).count(), 1);
    }
}
