//! `report.html`: one self-contained page (no network, no external files) for planners,
//! Chinese first with English labels: a map of each town drawn by landsift as SVG —
//! low-efficiency parcels by type over the rest of the land, and the three candidate
//! circle levels — then the statistics, the policy checks with pass/fail, the rules used
//! with their sources, the 亩均效益 evaluation and the renewal modes
//! ([`super::report_criteria`]), and the inputs (CRS, encoding, counts, rejects by
//! reason). Its result is a preliminary identification (初步识别): 认定 is the bureau's
//! act, and the page says so.

use super::stats::{type_zh, Check, Stats, Tally, TownStats};
use super::style::{
    level_stroke, xml, EXCLUDED_COLOUR, LEVEL_STROKES, NOT_LOW_COLOUR, TYPE_COLOURS,
};
use super::summary::Summary;
use crate::criteria::Criteria;
use crate::model::Parcel;
use crate::score::ParcelScore;
use crate::zone::{Zone, Zones};
use geo::{BoundingRect, Centroid, MultiPolygon, Rect};
use std::fmt::Write;

/// Width of the largest town's map in CSS pixels (the SVG shrinks to the page).
const MAP_WIDTH: f64 = 960.0;
/// The narrowest town map: a town of one or two parcels gets a small map, not a page.
const MIN_MAP_WIDTH: f64 = 320.0;
/// The tallest town map (CSS pixels): it fits an A4 page with its heading.
const MAX_MAP_HEIGHT: f64 = 900.0;
/// Vertices closer than this (pixels of the map) to the previous one are not drawn.
const MIN_STEP_PX: f64 = 0.8;

/// The most shapes the maps of one report draw (≈ 100 bytes of SVG each), so that the
/// page stays a few megabytes a browser opens at once. Beyond it, detail goes first.
const MAX_DRAWN_SHAPES: usize = 150_000;

/// How much the maps draw: decided once for the district, from [`MAX_DRAWN_SHAPES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Detail {
    /// Large and middle circles only.
    Circles,
    /// Also renewal units.
    Units,
    /// Also low-efficiency parcels.
    LowParcels,
    /// Every parcel.
    All,
}

impl Detail {
    fn choose(input: &ReportInput) -> Detail {
        let low = input.scores.iter().filter(|s| s.low).count();
        Detail::for_counts(input.parcels.len(), low, input.zones.small.len())
    }

    fn for_counts(all: usize, low: usize, units: usize) -> Detail {
        if all + units <= MAX_DRAWN_SHAPES {
            Detail::All
        } else if low + units <= MAX_DRAWN_SHAPES {
            Detail::LowParcels
        } else if units <= MAX_DRAWN_SHAPES {
            Detail::Units
        } else {
            Detail::Circles
        }
    }

    fn note(self) -> &'static str {
        match self {
            Detail::All => "",
            Detail::LowParcels => "宗地较多，图中仅绘低效用地与圈层 (a large district: only low-efficiency parcels and zones are drawn; every parcel is in landsift.gpkg).",
            Detail::Units => "宗地较多，图中仅绘圈层与改造单元 (a large district: only zones are drawn; the parcels are in landsift.gpkg).",
            Detail::Circles => "宗地较多，图中仅绘大圈与中圈 (a large district: only large and middle circles are drawn; the rest is in landsift.gpkg).",
        }
    }
}

/// Everything the report draws from.
pub struct ReportInput<'a> {
    pub parcels: &'a [Parcel],
    pub scores: &'a [ParcelScore],
    pub excluded: &'a [bool],
    pub town: &'a [String],
    pub zones: &'a Zones,
    pub stats: &'a Stats,
    pub criteria: &'a Criteria,
    /// The run's summary (inputs, CRS, encoding, rejects) as `summary.json` holds it.
    pub summary: &'a Summary,
    /// What changed since the last publish.
    pub changes: &'a [crate::changes::Change],
    /// Who issues the report, from what data and of when.
    pub imprint: &'a super::Imprint,
}

/// The page's style: on screen one column up to 1040 px; printed, clean A4 pages — each
/// main section on a new page, a map or chart never split, a table row never split and a
/// long table's header repeated, colours printed as they are, page numbers at the foot.
const CSS: &str = concat!(
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif;margin:0 auto;max-width:1040px;padding:16px 24px;color:#222;line-height:1.45}",
    "h1{font-size:24px;margin:8px 0}h2{font-size:20px;border-bottom:2px solid #333;padding-bottom:4px;margin-top:32px}h3{font-size:16px;margin:20px 0 6px}",
    ".en{color:#666;font-weight:normal;font-size:.85em}table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}",
    ".pass{color:#1a7f37;font-weight:bold}.fail{color:#b2182b;font-weight:bold}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:150px}.card b{display:block;font-size:20px}",
    "svg.map{display:block;max-width:100%;height:auto;border:1px solid #ccc;background:#fbfbfb}svg.chart{display:block;max-width:100%;height:auto}figure{margin:8px 0 16px}figcaption{font-size:12px;color:#555}",
    ".legend span{display:inline-block;margin-right:14px;font-size:13px}.sw{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle;border:1px solid #999}.note{color:#555;font-size:13px}",
    ".issuer{font-size:18px;font-weight:bold;margin:4px 0}table.meta th{background:none;font-weight:normal;color:#444;width:9em}table.meta td,table.meta th{border:none;border-bottom:1px solid #e5e5e5}tr.unset td{color:#b35806}",
    "@page{size:A4;margin:14mm 12mm 16mm;@bottom-center{content:'第 ' counter(page) ' 页 / 共 ' counter(pages) ' 页';font-size:9pt;color:#555}}",
    "@media print{body{max-width:none;padding:0;font-size:10.5pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}",
    "h2{break-before:page;margin-top:0}h2,h3{break-after:avoid}table,.cards{font-size:9pt}tr,figure,svg,.card,.town{break-inside:avoid}thead{display:table-header-group}",
    "table.programme td,table.checks td:nth-child(2){white-space:nowrap}svg.map{box-sizing:border-box}",
    "tr.unset{display:none}.masthead{margin-bottom:6mm}.cards{flex-wrap:nowrap}.card{flex:1 1 0;min-width:0}h2.cont{break-before:auto;margin-top:8mm}}",
);

/// A number with thousands separators and `d` decimals.
pub(crate) fn num(x: f64, d: usize) -> String {
    let s = format!("{x:.d$}");
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |r| ("-", r));
    // A value that rounds to zero has no sign: "-0" reads as a negative figure.
    let sign = if s.bytes().all(|b| matches!(b, b'-' | b'0' | b'.')) {
        ""
    } else {
        sign
    };
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Maps working-CRS coordinates into the SVG's pixel space (y down).
struct Frame {
    x0: f64,
    y1: f64,
    /// Width and height of the drawing, CSS pixels.
    width: f64,
    scale: f64,
    height: f64,
}

/// The width (CSS pixels) of each town's map: the largest town gets [`MAP_WIDTH`], the
/// others less as their extent is smaller (by the square root of the ratio, so a town a
/// quarter the size gets half the width), never under [`MIN_MAP_WIDTH`], and none taller
/// than [`MAX_MAP_HEIGHT`]. `extents` are the towns' (width, height) in metres.
fn map_widths(extents: &[(f64, f64)]) -> Vec<f64> {
    let size = |(w, h): (f64, f64)| w.max(h).max(1.0);
    let largest = extents.iter().copied().map(size).fold(1.0, f64::max);
    extents
        .iter()
        .map(|&(w, h)| {
            let width =
                (MAP_WIDTH * (size((w, h)) / largest).sqrt()).clamp(MIN_MAP_WIDTH, MAP_WIDTH);
            let aspect = h.max(1.0) / w.max(1.0);
            width.min(MAX_MAP_HEIGHT / aspect).floor()
        })
        .collect()
}

impl Frame {
    /// `extent` padded, drawn `width` pixels wide.
    fn new(extent: Rect<f64>, width: f64) -> Frame {
        let pad = 0.02 * extent.width().max(extent.height()).max(1.0);
        let (x0, y0) = (extent.min().x - pad, extent.min().y - pad);
        let (x1, y1) = (extent.max().x + pad, extent.max().y + pad);
        let scale = width / (x1 - x0);
        Frame {
            x0,
            y1,
            width,
            scale,
            height: ((y1 - y0) * scale).ceil(),
        }
    }

    fn pt(&self, c: geo::Coord<f64>) -> (f64, f64) {
        ((c.x - self.x0) * self.scale, (self.y1 - c.y) * self.scale)
    }

    /// Path data of a multipolygon (holes by the even–odd rule), one decimal, thinned
    /// to the drawing's resolution: a vertex closer than [`MIN_STEP_PX`] to the last one
    /// drawn adds nothing visible, only bytes. Rings that thin to under three points
    /// (smaller than a pixel or two) are left out.
    fn path(&self, shape: &MultiPolygon<f64>, d: &mut String) {
        let mut pts: Vec<(f64, f64)> = Vec::new();
        for poly in &shape.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                pts.clear();
                for c in ring.coords() {
                    let (x, y) = self.pt(*c);
                    let (x, y) = ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0);
                    let far = pts
                        .last()
                        .is_none_or(|&(a, b)| (x - a).hypot(y - b) >= MIN_STEP_PX);
                    if far {
                        pts.push((x, y));
                    }
                }
                if pts.len() < 3 {
                    continue;
                }
                for (i, (x, y)) in pts.iter().enumerate() {
                    let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
    }
}

/// The extent of a town's parcels.
fn town_extent(members: &[usize], input: &ReportInput) -> Option<Rect<f64>> {
    crate::spatial::planar::extent(
        members
            .iter()
            .filter_map(|&p| input.parcels[p].geometry.bounding_rect()),
    )
}

/// The SVG map of one town, `width` CSS pixels wide.
fn town_map(
    index: usize,
    name: &str,
    members: &[usize],
    input: &ReportInput,
    detail: Detail,
    width: f64,
) -> String {
    let Some(extent) = town_extent(members, input) else {
        return String::new();
    };
    let frame = Frame::new(extent, width);
    let draw_all = detail == Detail::All;
    // One path per category keeps the page small.
    let mut not_low = String::new();
    let mut excluded = String::new();
    let mut by_type: Vec<String> = vec![String::new(); TYPE_COLOURS.len()];
    for &p in members {
        let s = &input.scores[p];
        let geom = &input.parcels[p].geometry;
        if input.excluded[p] {
            if draw_all {
                frame.path(geom, &mut excluded);
            }
        } else if s.low && detail >= Detail::LowParcels {
            let key = s.ltype.map(|t| t.name()).unwrap_or("other");
            match TYPE_COLOURS.iter().position(|t| t.0 == key) {
                Some(i) => frame.path(geom, &mut by_type[i]),
                None => frame.path(geom, &mut not_low),
            }
        } else if draw_all && !s.low {
            frame.path(geom, &mut not_low);
        }
    }
    let mut svg = format!(
        r#"<svg class="map" id="map-{index}" viewBox="0 0 {width} {}" style="width:{width}px" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{} map"><title>{}</title>"#,
        frame.height,
        xml(name),
        xml(name)
    );
    let _ = write!(
        svg,
        r##"<path fill="{NOT_LOW_COLOUR}" stroke="#fff" stroke-width="0.6" d="{not_low}"/>"##
    );
    let _ = write!(
        svg,
        r##"<path fill="{EXCLUDED_COLOUR}" stroke="#fff" stroke-width="0.6" d="{excluded}"/>"##
    );
    for (i, d) in by_type.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<path fill="{}" stroke="#fff" stroke-width="0.6" d="{d}"/>"##,
            TYPE_COLOURS[i].2
        );
    }
    for (level, zs) in [
        (
            "small",
            if detail >= Detail::Units {
                zones_of(&input.zones.small, name)
            } else {
                Vec::new()
            },
        ),
        ("middle", zones_of(&input.zones.middle, name)),
        ("large", zones_of(&input.zones.large, name)),
    ] {
        let stroke = level_stroke(level);
        let colour = stroke.colour;
        // The QGIS style's outline, 2.5 px a millimetre: a white casing, then the line.
        let width_px = (stroke.width_mm * 2.5).max(1.0);
        let dash = if stroke.dashed {
            format!(
                r#" stroke-dasharray="{} {}""#,
                width_px * 4.0,
                width_px * 2.0
            )
        } else {
            String::new()
        };
        for z in &zs {
            let mut d = String::new();
            frame.path(&z.outline, &mut d);
            let area = if level == "small" {
                format!("{} 亩", num(crate::model::m2_to_mu(z.area_m2), 0))
            } else {
                format!("{} km²", num(z.area_m2 / 1e6, 2))
            };
            if stroke.casing_mm > 0.0 {
                let _ = write!(
                    svg,
                    r##"<path fill="none" stroke="#fff" stroke-opacity="0.85" stroke-width="{}" d="{d}"/>"##,
                    stroke.casing_mm * 2.5
                );
            }
            let _ = write!(
                svg,
                r#"<path fill="none" stroke="{colour}" stroke-width="{width_px}"{dash} stroke-linejoin="round" d="{d}"><title>{} {area}</title></path>"#,
                xml(&z.id)
            );
        }
        if level != "small" {
            for z in &zs {
                if let Some(c) = z.outline.centroid() {
                    let (x, y) = frame.pt(c.0);
                    let _ = write!(
                        svg,
                        r##"<text x="{x:.1}" y="{y:.1}" font-size="{}" text-anchor="middle" fill="{colour}" stroke="#fff" stroke-width="3" paint-order="stroke" font-weight="bold">{}</text>"##,
                        if level == "large" { 16 } else { 13 },
                        xml(z.id.rsplit('-').next().unwrap_or(&z.id))
                    );
                }
            }
        }
    }
    // Scale bar: a round length near a fifth of the map's width.
    let target = frame.width / 5.0 / frame.scale;
    let magnitude = 10f64.powf(target.log10().floor());
    let len_m = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * magnitude)
        .rfind(|&l| l <= target)
        .unwrap_or(magnitude);
    let px = len_m * frame.scale;
    let label = if len_m >= 1000.0 {
        format!("{} km", len_m / 1000.0)
    } else {
        format!("{len_m} m")
    };
    let (bx, by) = (20.0, frame.height - 20.0);
    let _ = write!(
        svg,
        r##"<g><rect x="{bx}" y="{}" width="{px:.1}" height="6" fill="#333"/><text x="{bx}" y="{}" font-size="13">{label}</text><text x="{}" y="40" font-size="20" text-anchor="middle" font-weight="bold">N ↑</text></g></svg>"##,
        by - 6.0,
        by - 10.0,
        frame.width - 30.0
    );
    svg
}

/// Most programme units listed per town (the rest are in the small_circles layer).
const MAX_LISTED_UNITS: usize = 100;

/// The town's near-term renewal programme: its units in rank order.
fn programme_table(town: &str, units: &[Zone], modes: &[crate::criteria::ModeRule]) -> String {
    let mut planned: Vec<&Zone> = units
        .iter()
        .filter(|u| u.town == town && u.program)
        .collect();
    if planned.is_empty() {
        return String::new();
    }
    planned.sort_by_key(|u| u.rank);
    let mut s = String::from("<h3>近期实施候选改造单元 <span class=en>near-term renewal programme (ranked candidates)</span></h3><table class=programme><tr><th>序位 <span class=en>rank</span></th><th class=l>单元 <span class=en>unit</span></th><th>亩 <span class=en>mu</span></th><th class=l>所在圈层 <span class=en>inside</span></th><th class=l>主导类型 <span class=en>main type</span></th><th class=l>再开发方式 <span class=en>mode</span></th><th>低效占比 <span class=en>low share</span></th><th>宗数 <span class=en>parcels</span></th></tr>");
    for u in planned.iter().take(MAX_LISTED_UNITS) {
        let ty = u.dom_type.map(|t| t.name()).unwrap_or("other");
        let mode = u
            .mode
            .map(|m| m.map_or(crate::score::MODE_UNDECIDED, |i| modes[i].mode.as_str()))
            .unwrap_or("—");
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=l>{}</td><td>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{}</td></tr>",
            u.rank.unwrap_or(0),
            xml(&u.id),
            num(crate::model::m2_to_mu(u.area_m2), 0),
            xml(u.parent_id.as_deref().unwrap_or("—")),
            type_zh(ty),
            xml(mode),
            pct(u.low_share),
            u.parcels.len()
        );
    }
    s.push_str("</table>");
    if planned.len() > MAX_LISTED_UNITS {
        let _ = write!(
            s,
            "<p class=note>另有 {} 个单元见 small_circles 图层 (program = 1) — {} more units in the small_circles layer.</p>",
            planned.len() - MAX_LISTED_UNITS,
            planned.len() - MAX_LISTED_UNITS
        );
    }
    s
}

fn zones_of<'a>(zones: &'a [Zone], town: &str) -> Vec<&'a Zone> {
    zones.iter().filter(|z| z.town == town).collect()
}

fn legend() -> String {
    let mut s = String::from(r#"<div class="legend">"#);
    for (key, zh, colour) in TYPE_COLOURS {
        let _ = write!(
            s,
            r#"<span><i class="sw" style="background:{colour}"></i>低效{zh}用地 <span class="en">{key}</span></span>"#
        );
    }
    let _ = write!(
        s,
        r#"<span><i class="sw" style="background:{NOT_LOW_COLOUR}"></i>非低效 <span class="en">not low</span></span><span><i class="sw" style="background:{EXCLUDED_COLOUR}"></i>不纳入改造 <span class="en">excluded</span></span>"#
    );
    for l in &LEVEL_STROKES {
        let _ = write!(
            s,
            r#"<span><i class="sw" style="background:none;border:{}px {} {}"></i>{} <span class="en">{}</span></span>"#,
            if l.width_mm >= 0.6 { 2 } else { 1 },
            if l.dashed { "dashed" } else { "solid" },
            l.colour,
            l.zh,
            l.level
        );
    }
    s.push_str("</div>");
    s
}

fn tally_cells(t: &Tally) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        num(t.count as f64, 0),
        num(t.area.mu, 0),
        num(t.area.ha, 1),
        num(t.area.km2, 3)
    )
}

const TALLY_HEAD: &str = "<th>宗数<br><span class=en>parcels</span></th><th>亩<br><span class=en>mu</span></th><th>公顷<br><span class=en>ha</span></th><th>平方公里<br><span class=en>km²</span></th>";

fn checks_table(checks: &[Check]) -> String {
    let mut s = String::from("<table class=checks><tr><th class=l>政策要求 <span class=en>policy check</span></th><th>结果 <span class=en>result</span></th><th class=l>说明 <span class=en>detail</span></th></tr>");
    for c in checks {
        let (class, mark) = match c.pass {
            Some(true) => ("pass", "✔ 通过 pass"),
            Some(false) => ("fail", "✘ 未通过 fail"),
            None => ("", "— 参考 info"),
        };
        let _ = write!(
            s,
            r#"<tr><td class=l>{} <span class=en>{}</span></td><td class="{class}">{mark}</td><td class=l>{}</td></tr>"#,
            xml(c.zh),
            xml(c.en),
            xml(&c.detail)
        );
    }
    s.push_str("</table>");
    s
}

fn town_tables(ts: &TownStats, stats: &Stats) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<table><tr><th class=l>用地类型 <span class=en>land type</span></th>{TALLY_HEAD}<th>占全部用地 <span class=en>share</span></th><th>其中低效 <span class=en>low, mu</span></th></tr>"
    );
    for (k, t) in &ts.by_type {
        let low = ts.low_by_type.get(k).map(|l| l.area.mu).unwrap_or(0.0);
        let _ = write!(
            s,
            "<tr><td class=l>{} <span class=en>{k}</span></td>{}<td>{}</td><td>{}</td></tr>",
            type_zh(k),
            tally_cells(t),
            pct(t.area.m2 / ts.parcels.area.m2.max(1e-9)),
            num(low, 0)
        );
    }
    let _ = write!(
        s,
        "<tr><th class=l>合计 <span class=en>total</span></th>{}<th>100%</th><th>{}</th></tr><tr><td class=l>其中建设用地 <span class=en>construction land</span></td>{}<td>{}</td><td></td></tr></table>",
        tally_cells(&ts.parcels),
        num(ts.low.area.mu, 0),
        tally_cells(&ts.construction),
        pct(ts.construction.area.m2 / ts.parcels.area.m2.max(1e-9))
    );
    let _ = write!(
        s,
        "<p>低效用地（初步识别）{} 亩，占建设用地 {}；另有管控区内（生态保护红线、永久基本农田、城镇开发边界外）低效用地 {} 宗 {} 亩，不纳入改造 <span class=en>(low-efficiency land inside exclusions, not zoned)</span>。</p>",
        num(ts.low.area.mu, 0),
        pct(ts.low_share),
        num(ts.low_excluded.count as f64, 0),
        num(ts.low_excluded.area.mu, 0)
    );
    let _ = write!(s, "<table><tr><th class=l>识别规则 <span class=en>reason (rule fired)</span></th>{TALLY_HEAD}</tr>");
    for (k, t) in &ts.low_by_reason {
        let label = stats.rules.get(k).map(|r| r.0.as_str()).unwrap_or("");
        let _ = write!(
            s,
            "<tr><td class=l>{} <span class=en>{}</span></td>{}</tr>",
            xml(label),
            xml(k),
            tally_cells(t)
        );
    }
    s.push_str("</table>");
    s.push_str(&super::report_criteria::mode_table(ts, stats));
    let _ = write!(s, "<table><tr><th class=l>候选圈层 <span class=en>candidate zones</span></th><th>个数 <span class=en>count</span></th><th>亩 <span class=en>mu</span></th><th>公顷 <span class=en>ha</span></th><th>平方公里 <span class=en>km²</span></th></tr>");
    for (k, zh) in [
        ("large", "候选大圈"),
        ("middle", "候选中圈"),
        ("small", "候选改造单元（小圈）"),
    ] {
        if let Some(t) = ts.circles.get(k) {
            let _ = write!(
                s,
                "<tr><td class=l>{zh} <span class=en>{k}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                t.count,
                num(t.area.mu, 0),
                num(t.area.ha, 1),
                num(t.area.km2, 3)
            );
        }
    }
    let _ = write!(
        s,
        "<tr><td class=l>零星低效用地 <span class=en>scattered low-efficiency land</span></td><td>{} 宗</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        ts.scattered.count,
        num(ts.scattered.area.mu, 0),
        num(ts.scattered.area.ha, 1),
        num(ts.scattered.area.km2, 3)
    );
    s.push_str(&checks_table(&ts.checks));
    s
}

/// Most change rows the report lists (`changes.csv` has them all).
const CHANGE_ROWS: usize = 300;

/// What changed since the last publish: counts per town, then the changes themselves.
fn changes_section(
    s: &crate::changes::ChangeSummary,
    changes: &[crate::changes::Change],
) -> String {
    let mut h = String::from("<h2>变化 <span class=en>Changes since the last run</span></h2>");
    if s.first_run {
        h.push_str("<p>首次运行，无可比较的上次结果 <span class=en>(first run: no previous run to compare with)</span>.</p>");
        return h;
    }
    let _ = write!(
        h,
        "<p>与上次发布 {} 比较 <span class=en>(compared with the last publish)</span>.</p>",
        xml(s.previous_run.as_deref().unwrap_or("—"))
    );
    if changes.is_empty() {
        h.push_str("<p>无变化 <span class=en>(nothing changed)</span>.</p>");
        return h;
    }
    h.push_str("<table><tr><th class=l>镇街 <span class=en>town</span></th><th class=l>变化 <span class=en>change</span></th><th>数量 <span class=en>count</span></th></tr>");
    for (town, counts) in &s.by_town {
        for (change, n) in counts {
            let zh = changes
                .iter()
                .find(|c| c.change == *change)
                .map_or("", |c| c.change_zh());
            let _ = write!(
                h,
                "<tr><td class=l>{}</td><td class=l>{zh} <span class=en>{change}</span></td><td>{}</td></tr>",
                xml(town),
                num(*n as f64, 0)
            );
        }
    }
    h.push_str("</table><table><tr><th class=l>对象 <span class=en>subject</span></th><th class=l>编号 <span class=en>id</span></th><th class=l>镇街 <span class=en>town</span></th><th class=l>变化 <span class=en>change</span></th><th class=l>之前 <span class=en>before</span></th><th class=l>之后 <span class=en>after</span></th><th class=l>说明 <span class=en>detail</span></th></tr>");
    for c in changes.iter().take(CHANGE_ROWS) {
        let _ = write!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td></tr>",
            xml(c.subject),
            xml(&c.id),
            xml(&c.town),
            xml(c.change_zh()),
            xml(&c.before),
            xml(&c.after),
            xml(&c.detail)
        );
    }
    h.push_str("</table>");
    if changes.len() > CHANGE_ROWS {
        let _ = write!(
            h,
            "<p class=note>另有 {} 项变化见 changes.csv <span class=en>({} more changes in changes.csv)</span>.</p>",
            changes.len() - CHANGE_ROWS,
            changes.len() - CHANGE_ROWS
        );
    }
    h
}

/// The data-quality section: every gate judged, every rule that could not judge some
/// parcels of its type (with how many and why), and the run's warnings.
fn data_quality(s: &Summary) -> String {
    let mut h = String::from(
        "<h2>数据质量 <span class=en>Data quality</span></h2><h3>质量门槛 <span class=en>Quality gates</span></h3><table><tr><th class=l>门槛 <span class=en>gate</span></th><th>数值 <span class=en>value</span></th><th>限值 <span class=en>limit</span></th><th class=l>结果 <span class=en>result</span></th><th class=l>说明 <span class=en>detail</span></th></tr>",
    );
    for g in &s.quality.gates {
        let _ = write!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td class=l><span class={}>{}</span></td><td class=l>{}</td></tr>",
            xml(g.gate),
            num(g.value, if g.value.fract() == 0.0 { 0 } else { 3 }),
            g.limit.map_or("—".into(), |l| num(l, if l.fract() == 0.0 { 0 } else { 3 })),
            if g.passed { "pass" } else { "fail" },
            if g.passed { "通过 pass" } else { "未通过 fail" },
            xml(&g.message)
        );
    }
    h.push_str("</table>");
    let gaps = &s.quality.rules_not_evaluated;
    if gaps.is_empty() {
        h.push_str("<p>每条规则均可判定每一宗 <span class=en>every rule could judge every parcel of its type</span>.</p>");
    } else {
        h.push_str("<h3>无法判定的规则 <span class=en>Rules that could not judge every parcel</span></h3><table><tr><th class=l>规则 <span class=en>rule</span></th><th class=l>类型 <span class=en>type</span></th><th>该类宗数 <span class=en>parcels</span></th><th>无法判定 <span class=en>not judged</span></th><th class=l>原因 <span class=en>why</span></th></tr>");
        for g in gaps {
            let _ = write!(
                h,
                "<tr><td class=l>{} <span class=en>{}</span></td><td class=l>{}</td><td>{}</td><td>{}</td><td class=l>{}</td></tr>",
                xml(&g.label_zh),
                xml(&g.rule),
                g.types.iter().map(|t| t.label_zh()).collect::<Vec<_>>().join("、"),
                num(g.parcels as f64, 0),
                num(g.not_evaluated as f64, 0),
                xml(&g.why)
            );
        }
        h.push_str("</table><p class=note>无法判定的宗地既不计为低效也不计为达标 (a parcel a rule cannot judge is neither flagged nor passed by it).</p>");
    }
    if !s.warnings.is_empty() {
        h.push_str("<h3>警告 <span class=en>Warnings</span></h3><ul>");
        for w in &s.warnings {
            let _ = write!(h, "<li>{}</li>", xml(&w.message));
        }
        h.push_str("</ul>");
    }
    h
}

/// The whole page.
pub fn render(input: &ReportInput) -> String {
    let stats = input.stats;
    let d = &stats.district;
    let f = input.summary;
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>低效用地初步识别与更新候选圈层报告 — landsift</title><style>{CSS}</style></head><body>\n"
    );
    h.push_str(&masthead(input.imprint));
    let passing = d
        .checks
        .first()
        .map(|c| c.detail.clone())
        .unwrap_or_default();
    let _ = write!(
        h,
        "<div class=cards><div class=card>宗地 <span class=en>parcels</span><b>{}</b>{} km²</div><div class=card>低效用地（初步识别）<span class=en>low-efficiency</span><b>{} 亩</b>占建设用地 {}</div><div class=card>候选大圈/中圈/改造单元 <span class=en>candidate circles</span><b>{} / {} / {}</b>large / middle / small</div><div class=card>改造规模 ≥70% 在大圈 <span class=en>70 % rule</span><b>{}</b>{}</div></div>",
        num(d.parcels.count as f64, 0),
        num(d.parcels.area.km2, 2),
        num(d.low.area.mu, 0),
        pct(d.low_share),
        d.circles.get("large").map_or(0, |t| t.count),
        d.circles.get("middle").map_or(0, |t| t.count),
        d.circles.get("small").map_or(0, |t| t.count),
        d.checks.first().map_or("—".into(), |c| pct(c.value)),
        xml(&passing)
    );

    let charts = [
        super::report_charts::by_type_chart(stats),
        super::report_charts::by_mode_chart(stats),
    ];
    if charts.iter().any(|c| !c.is_empty()) {
        let _ = write!(
            h,
            "<section class=charts><h3>低效用地分布 <span class=en>Low-efficiency land per town</span></h3>{}</section>",
            charts.concat()
        );
    }

    // Maps first: what a planner looks at.
    let mut members: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (p, t) in input.town.iter().enumerate() {
        members.entry(t.as_str()).or_default().push(p);
    }
    // Each town's map sized to the town: the largest full width, a town of a few
    // parcels small.
    let extents: Vec<(f64, f64)> = stats
        .towns
        .iter()
        .map(|ts| {
            members
                .get(ts.town.as_str())
                .and_then(|m| town_extent(m, input))
                .map_or((0.0, 0.0), |e| (e.width(), e.height()))
        })
        .collect();
    let widths = map_widths(&extents);
    let detail = Detail::choose(input);
    let _ = write!(
        h,
        "<h2>各镇街圈层图 <span class=en>Town maps</span></h2>{}",
        legend()
    );
    if detail != Detail::All {
        let _ = write!(h, "<p class=note>{}</p>", detail.note());
    }
    for (i, ts) in stats.towns.iter().enumerate() {
        let _ = write!(
            h,
            "<div class=town><h3>{} <span class=en>{} 宗 parcels, 低效用地 {} 亩，占建设用地 {}</span></h3>",
            xml(&ts.town),
            num(ts.parcels.count as f64, 0),
            num(ts.low.area.mu, 0),
            pct(ts.low_share)
        );
        if let Some(m) = members.get(ts.town.as_str()) {
            let width = widths.get(i).copied().unwrap_or(MAP_WIDTH);
            h.push_str(&town_map(i, &ts.town, m, input, detail, width));
        }
        h.push_str("</div>");
    }

    let _ = write!(h, "<h2>政策核查 <span class=en>Policy checks</span> — 合计 <span class=en>all towns</span></h2>{}", checks_table(&d.checks));
    let _ = write!(
        h,
        "<h2 class=cont>统计 <span class=en>Statistics</span> — 合计 <span class=en>all towns</span></h2>{}",
        town_tables(d, stats)
    );
    for ts in &stats.towns {
        let _ = write!(
            h,
            "<h2>{} <span class=en>town statistics</span></h2>{}{}",
            xml(&ts.town),
            town_tables(ts, stats),
            programme_table(&ts.town, &input.zones.small, &input.criteria.modes)
                + &input
                    .zones
                    .report
                    .towns
                    .iter()
                    .find(|r| r.town == ts.town)
                    .map(programme_details)
                    .unwrap_or_default()
        );
    }

    if let Some(c) = &f.changes {
        h.push_str(&changes_section(c, input.changes));
    }
    h.push_str(&data_quality(f));
    h.push_str(&super::report_criteria::rules_section(
        input.criteria,
        stats,
        f.scheme,
    ));
    h.push_str(&super::report_criteria::composite_section(
        input.criteria,
        input.parcels,
        input.scores,
    ));
    h.push_str(&super::report_criteria::modes_section(
        input.criteria,
        stats,
    ));

    let _ = write!(
        h,
        "<h2>输入数据 <span class=en>Inputs</span></h2><table><tr><td class=l>坐标系 <span class=en>working CRS</span></td><td class=l>{} {}</td></tr><tr><td class=l>源坐标系 <span class=en>source CRS</span></td><td class=l>{}</td></tr><tr><td class=l>编码 <span class=en>encoding</span></td><td class=l>{}</td></tr><tr><td class=l>宗地 <span class=en>parcels in / out</span></td><td class=l>{} / {}</td></tr><tr><td class=l>建筑 <span class=en>buildings</span></td><td class=l>{}</td></tr></table>",
        xml(&f.crs),
        xml(&f.crs_name),
        xml(&f.source_crs),
        xml(&f.encoding),
        f.parcels_in,
        f.parcels_out,
        f.buildings_in.map_or("—".into(), |b| b.to_string())
    );
    if let Some(p) = &f.planning {
        let _ = write!(
            h,
            "<p>规划图层 <span class=en>planning layer</span>：{}（字段 {}）；规划用途取自图层 {} 宗，跨规划地块取混合用途 {} 宗，图层外 {} 宗（保留调查值）；替换调查值 {} 宗。</p>",
            xml(&p.layer),
            xml(&p.field),
            p.parcels_planned,
            p.parcels_mixed,
            p.parcels_outside,
            p.field_replaced
        );
    }
    let _ = write!(h, "<table><tr><th class=l>未入库原因 <span class=en>reject reason</span></th><th>记录数 <span class=en>records</span></th></tr>");
    for (reason, n) in &f.rejected_by_reason {
        let _ = write!(
            h,
            "<tr><td class=l>{} <span class=en>{}</span></td><td>{n}</td></tr>",
            xml(crate::model::reject_reason_zh(reason)),
            xml(reason)
        );
    }
    h.push_str("</table><p class=note>详见 rejects.csv 与 landsift.gpkg 的 rejects 表 (see rejects.csv and the rejects table).</p>");
    // Records each map's rendered size on the element (read by the browser test), and
    // fills in the date the page is printed (the file itself holds no clock time).
    h.push_str("<script>window.addEventListener('load',function(){document.querySelectorAll('svg.map').forEach(function(m){var r=m.getBoundingClientRect();m.setAttribute('data-rendered',Math.round(r.width)+'x'+Math.round(r.height));});});(function(){var d=new Date(),p=function(n){return(n<10?'0':'')+n;},e=document.getElementById('printed');if(e){e.textContent=d.getFullYear()+'-'+p(d.getMonth()+1)+'-'+p(d.getDate());}})();</script>\n</body></html>\n");
    with_table_heads(&h)
}

/// Every table's first row, when it is a header row, as the table's `<thead>`: a table
/// that runs over a printed page repeats its header on the next.
fn with_table_heads(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 4096);
    let mut rest = html;
    while let Some(at) = rest.find("<table") {
        let Some(open_end) = rest[at..].find('>').map(|i| at + i + 1) else {
            break;
        };
        out.push_str(&rest[..open_end]);
        rest = &rest[open_end..];
        let head = rest
            .strip_prefix("<tr>")
            .and_then(|r| r.find("</tr>").map(|end| &rest[..4 + end + 5]))
            .filter(|row| !row.contains("<td"));
        if let Some(row) = head {
            out.push_str("<thead>");
            out.push_str(row);
            out.push_str("</thead>");
            rest = &rest[row.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// The report's head: its title, who issues it, from what data and of when, and what it
/// is. The date it is printed is filled in by the page (the same run gives the same
/// file); the run's own time is in `manifest.json`. A `[report]` text not set shows how
/// to set it on screen, and nothing on paper.
fn masthead(m: &super::Imprint) -> String {
    let mut h = String::from("<header class=masthead>");
    if let Some(b) = &m.bureau {
        let _ = write!(h, "<p class=issuer>{}</p>", xml(b));
    }
    h.push_str("<h1>低效用地初步识别与更新候选圈层报告 <span class=en>Low-efficiency land (preliminary identification) and candidate renewal zones (大中小圈)</span></h1><table class=meta>");
    let row = |h: &mut String, zh: &str, en: &str, value: Option<&str>, key: &str| match value {
        Some(v) => {
            let _ = write!(
                h,
                "<tr><th class=l>{zh} <span class=en>{en}</span></th><td class=l>{}</td></tr>",
                xml(v)
            );
        }
        None => {
            let _ = write!(
                h,
                "<tr class=unset><th class=l>{zh} <span class=en>{en}</span></th><td class=l>未设置：在配置文件中写 <code>[report] {key} = \"…\"</code> <span class=en>(not set)</span></td></tr>"
            );
        }
    };
    row(
        &mut h,
        "编制单位",
        "issued by",
        m.bureau.as_deref(),
        "bureau",
    );
    row(
        &mut h,
        "数据日期",
        "data as of",
        m.data_date.as_deref(),
        "data_date",
    );
    if let Some(d) = &m.date {
        row(&mut h, "成果日期", "date", Some(d), "date");
    }
    row(&mut h, "数据来源", "data", Some(&m.source), "");
    row(&mut h, "坐标系", "CRS", Some(&m.crs), "");
    let _ = write!(
        h,
        "<tr><th class=l>软件版本 <span class=en>software</span></th><td class=l>landsift {}（运行时间与输入文件校验值见 manifest.json <span class=en>run time and input checksums: manifest.json</span>）</td></tr><tr><th class=l>打印日期 <span class=en>printed</span></th><td class=l><span id=printed></span></td></tr></table>",
        crate::VERSION
    );
    h.push_str("<p class=note>本报告为依据所列规则对调查数据的初步识别结果，低效用地的认定与更新单元的划定以主管部门审定为准 <span class=en>(a preliminary identification: designation is the bureau's decision)</span>。</p></header>");
    h
}

/// Most programme units outside the large circles listed per town (summary.json has all).
const MAX_LISTED_OUTSIDE: usize = 50;

/// A town's programme beyond its checks: where it stands against the industrial share
/// (工改工), the owners' consent by area and by headcount, and the units outside the
/// large circles.
fn programme_details(r: &crate::zone::report::TownReport) -> String {
    let p = &r.programme;
    let mut s =
        String::from("<h3>改造计划核查明细 <span class=en>programme details</span></h3><table>");
    let _ = write!(
        s,
        "<tr><td class=l>计划来源 <span class=en>basis</span></td><td class=l>{}</td></tr><tr><td class=l>计划规模 <span class=en>programme</span></td><td class=l>{} 个单元，{} 亩；落在大圈内 {}，中圈内 {}</td></tr>",
        if p.basis == "plan" {
            "镇街改造计划 <span class=en>the town's planned programme</span>"
        } else {
            "landsift 建议方案 <span class=en>landsift's proposal</span>"
        },
        p.units,
        num(p.area_mu, 0),
        pct(p.share_in_large),
        pct(p.share_in_middle)
    );
    let _ = write!(
        s,
        "<tr><td class=l>计划内工业用地 <span class=en>industrial land</span></td><td class=l>{} 亩：工改工 {} 亩，工改居商 {} 亩，去向未明 {} 亩</td></tr>",
        num(p.industrial_mu, 0),
        num(p.industrial_stays_mu, 0),
        num(p.industrial_changes_mu, 0),
        num(p.industrial_unknown_mu, 0)
    );
    let share = match (p.stays_industrial_share, p.meets_industrial_share) {
        (Some(v), Some(true)) => format!("{} <span class=pass>✔ 通过 pass</span>", pct(v)),
        (Some(v), Some(false)) => format!("{} <span class=fail>✘ 未通过 fail</span>", pct(v)),
        (Some(v), None) => pct(v),
        (None, _) => {
            "— 无去向已知的工业用地 <span class=en>(no industrial land of known outcome)</span>"
                .into()
        }
    };
    let _ = write!(
        s,
        "<tr><td class=l>工改工占比 ≥ 70% <span class=en>share staying industrial</span></td><td class=l>{share}</td></tr><tr><td class=l>改造意愿 <span class=en>owners' consent</span></td><td class=l>按面积调查 {} 个单元，按人数调查 {} 个单元；达到意愿要求（面积与人数均 ≥ 80%）{} 个</td></tr></table>",
        r.units_with_consent,
        r.units_with_headcount,
        r.units_meeting_consent
    );
    if p.units_outside.is_empty() {
        return s;
    }
    let _ = write!(
        s,
        "<table><tr><th class=l>大圈外的计划单元 <span class=en>units outside the large circles</span></th><th>亩 <span class=en>mu</span></th><th>在大圈内占比 <span class=en>inside large</span></th></tr>"
    );
    for u in p.units_outside.iter().take(MAX_LISTED_OUTSIDE) {
        let _ = write!(
            s,
            "<tr><td class=l>{}</td><td>{}</td><td>{}</td></tr>",
            xml(&u.unit),
            num(u.area_mu, 0),
            pct(u.inside_large)
        );
    }
    s.push_str("</table>");
    if p.units_outside.len() > MAX_LISTED_OUTSIDE {
        let more = p.units_outside.len() - MAX_LISTED_OUTSIDE;
        let _ = write!(
            s,
            "<p class=note>另有 {more} 个单元见 summary.json 的 zones.towns[].programme.units_outside ({more} more in summary.json).</p>"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_drops_before_the_page_grows_too_big() {
        assert_eq!(Detail::for_counts(4_000, 1_000, 300), Detail::All);
        assert_eq!(
            Detail::for_counts(1_000_000, 100_000, 30_000),
            Detail::LowParcels
        );
        assert_eq!(
            Detail::for_counts(1_000_000, 270_000, 57_000),
            Detail::Units
        );
        assert_eq!(
            Detail::for_counts(9_000_000, 2_000_000, 500_000),
            Detail::Circles
        );
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(num(1234567.891, 1), "1,234,567.9");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(-12345.0, 0), "-12,345");
        assert_eq!(num(-0.0001, 0), "0");
        assert_eq!(num(-0.04, 1), "0.0");
        assert_eq!(num(-0.06, 1), "-0.1");
        assert_eq!(pct(0.7), "70.0%");
    }

    #[test]
    fn frame_flips_y_and_fits_the_width() {
        let f = Frame::new(
            Rect::new(
                geo::coord! { x: 0.0, y: 0.0 },
                geo::coord! { x: 100.0, y: 50.0 },
            ),
            MAP_WIDTH,
        );
        let (x0, y0) = f.pt(geo::coord! { x: 0.0, y: 0.0 });
        let (x1, y1) = f.pt(geo::coord! { x: 100.0, y: 50.0 });
        assert!(x0 > 0.0 && x1 < MAP_WIDTH && y0 > y1);
        assert!((f.height - (54.0 * f.scale)).abs() < 1.0);
    }
}
