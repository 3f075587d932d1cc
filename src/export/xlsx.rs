//! `stats.xlsx`: the statistics as a workbook a planner opens, checks and prints — Chinese
//! headers, areas in 亩 and 公顷 shown to two decimals, shares as percentages, the header
//! rows frozen and repeated on every printed page (A4 landscape, one page wide, the title
//! in the page header, page numbers in the footer).
//!
//! Sheets:
//! - `镇街×类型`: low-efficiency land (初步识别, in scope) per town and type — 宗数, 面积（亩）,
//!   面积（公顷） — with a 合计 row and column, construction land and the share over it;
//! - `规则`: each rule of the criteria with its source document and what it flagged;
//! - `检查`: the policy checks per town and in total, with the result and what it rests on;
//! - `改造计划`: the near-term renewal programme, its units by town in rank order.
//!
//! Cells hold the unrounded figures of `stats.json` (the number format rounds them on
//! screen and paper), so the totals are the sums of what the cells hold, not of their
//! rounded display, and equal `stats.json`'s 合计 exactly. The document's creation date is
//! fixed ([`CREATED`]) and the archive's entries carry no clock time: the same run gives
//! the same bytes.

use super::stats::{type_zh, Check, Stats, Tally, TownStats};
use crate::criteria::{Criteria, Mark};
use crate::landuse::LandClass;
use crate::model::m2_to_mu;
use crate::zone::{Zone, Zones};
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use std::path::Path;

/// The workbook's title (document properties, printed page headers).
pub const TITLE: &str = "低效用地初步识别统计表";

/// The document's creation date (UTC), fixed so that the same run gives the same bytes:
/// the date every entry of the archive carries (the ZIP epoch).
pub const CREATED: (u16, u8, u8) = (1980, 1, 1);

/// Sheet names.
pub const SHEET_TOWNS: &str = "镇街×类型";
pub const SHEET_RULES: &str = "规则";
pub const SHEET_CHECKS: &str = "检查";
pub const SHEET_PROGRAMME: &str = "改造计划";

/// What the workbook is built from.
pub struct XlsxInput<'a> {
    pub stats: &'a Stats,
    pub criteria: &'a Criteria,
    pub zones: &'a Zones,
}

/// Writes `stats.xlsx`.
pub fn write_xlsx(path: &Path, input: &XlsxInput) -> crate::Result<()> {
    let bytes = workbook_bytes(input)
        .map_err(|e| crate::Error::output(path, "cannot build the workbook").because(e))?;
    std::fs::write(path, bytes).map_err(|e| crate::Error::output(path, "cannot write").because(e))
}

/// The workbook, as the bytes of an `.xlsx` file.
pub fn workbook_bytes(input: &XlsxInput) -> Result<Vec<u8>, XlsxError> {
    let (y, m, d) = CREATED;
    let created = ExcelDateTime::from_ymd(y, m, d)?;
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(TITLE)
            .set_subject("低效用地初步识别：分镇街、分类型统计，识别规则，政策检查，近期改造计划")
            .set_author("landsift")
            .set_comment(format!(
                "landsift {}；评价标准 {}",
                crate::VERSION,
                input.criteria.origin
            ))
            .set_creation_datetime(&created),
    );
    let f = Formats::new();
    towns_sheet(wb.add_worksheet(), input.stats, &f)?;
    rules_sheet(wb.add_worksheet(), input, &f)?;
    checks_sheet(wb.add_worksheet(), input, &f)?;
    programme_sheet(wb.add_worksheet(), input, &f)?;
    wb.save_to_buffer()
}

/// The cell formats.
struct Formats {
    head: Format,
    text: Format,
    count: Format,
    area: Format,
    share: Format,
    total_text: Format,
    total_count: Format,
    total_area: Format,
    total_share: Format,
    note: Format,
}

impl Formats {
    fn new() -> Self {
        let cell = Format::new().set_border(FormatBorder::Thin);
        let total = cell
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(0xF2F2F2));
        Formats {
            head: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_background_color(Color::RGB(0xDDEBF7)),
            text: cell.clone().set_align(FormatAlign::VerticalCenter),
            count: cell.clone().set_num_format("0"),
            area: cell.clone().set_num_format("0.00"),
            share: cell.clone().set_num_format("0.0%"),
            total_text: total.clone(),
            total_count: total.clone().set_num_format("0"),
            total_area: total.clone().set_num_format("0.00"),
            total_share: total.set_num_format("0.0%"),
            note: Format::new()
                .set_italic()
                .set_font_color(Color::RGB(0x595959)),
        }
    }
}

/// Print setup shared by every sheet: A4 landscape, one page wide, the header rows
/// `0..=last_head` repeated, the title and sheet in the page header, page numbers below.
fn print_setup(ws: &mut Worksheet, last_head: u32) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_repeat_rows(0, last_head)?;
    ws.set_header(format!("&L&\"-,Bold\"{TITLE}&R&A"));
    ws.set_footer("&Llandsift&C第 &P 页，共 &N 页");
    ws.set_freeze_panes(last_head + 1, 1)?;
    Ok(())
}

/// A header cell over `cols` columns (merged when more than one).
fn head(
    ws: &mut Worksheet,
    f: &Formats,
    (row, col): (u32, u16),
    (rows, cols): (u32, u16),
    text: &str,
) -> Result<(), XlsxError> {
    if rows > 1 || cols > 1 {
        ws.merge_range(row, col, row + rows - 1, col + cols - 1, text, &f.head)?;
    } else {
        ws.write_string_with_format(row, col, text, &f.head)?;
    }
    Ok(())
}

/// The low-efficiency types as columns: every land class, then `other` where some
/// low-efficiency land has no class.
fn type_columns(stats: &Stats) -> Vec<String> {
    let mut keys: Vec<String> = LandClass::ALL
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    for k in stats.district.low_by_type.keys() {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys
}

/// `镇街×类型`: one row per town and the total; per type 宗数, 亩, 公顷; the 合计 of the
/// types; construction land and the low-efficiency share over it.
fn towns_sheet(ws: &mut Worksheet, stats: &Stats, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(SHEET_TOWNS)?;
    let types = type_columns(stats);
    head(ws, f, (0, 0), (2, 1), "镇街")?;
    let mut col: u16 = 1;
    let groups = types
        .iter()
        .map(|k| format!("低效{}用地", type_zh(k)))
        .chain(std::iter::once("合计".to_string()));
    for title in groups {
        head(ws, f, (0, col), (1, 3), &title)?;
        head(ws, f, (1, col), (1, 1), "宗数")?;
        head(ws, f, (1, col + 1), (1, 1), "面积（亩）")?;
        head(ws, f, (1, col + 2), (1, 1), "面积（公顷）")?;
        col += 3;
    }
    head(ws, f, (0, col), (2, 1), "建设用地面积（亩）")?;
    head(ws, f, (0, col + 1), (2, 1), "低效用地占建设用地比例")?;
    ws.set_row_height(0, 30)?;
    ws.set_row_height(1, 30)?;

    let empty = Tally::default();
    let rows = stats.towns.iter().chain(std::iter::once(&stats.district));
    for (r, ts) in (2u32..).zip(rows) {
        let total = std::ptr::eq(ts, &stats.district);
        let (text, count, area, share) = if total {
            (&f.total_text, &f.total_count, &f.total_area, &f.total_share)
        } else {
            (&f.text, &f.count, &f.area, &f.share)
        };
        ws.write_string_with_format(r, 0, &ts.town, text)?;
        let tallies = types
            .iter()
            .map(|k| ts.low_by_type.get(k).unwrap_or(&empty))
            .chain(std::iter::once(&ts.low));
        for (c, t) in (1u16..).step_by(3).zip(tallies) {
            ws.write_number_with_format(r, c, t.count as f64, count)?;
            ws.write_number_with_format(r, c + 1, t.area.mu, area)?;
            ws.write_number_with_format(r, c + 2, t.area.ha, area)?;
        }
        ws.write_number_with_format(r, col, ts.construction.area.mu, area)?;
        ws.write_number_with_format(r, col + 1, ts.low_share, share)?;
    }
    let notes_at = 3 + stats.towns.len() as u32;
    for (r, note) in (notes_at..).zip([
        "注：低效用地为依据所列规则的初步识别结果，不含生态保护红线、永久基本农田内及城镇开发边界外的用地（另见 stats.csv 的 low_excluded 行）。",
        "面积单位：亩（1 亩 = 2000/3 平方米）、公顷；单元格保存未取整数值，显示保留两位小数；合计为各镇街未取整数值之和，与 stats.json 一致。",
    ]) {
        ws.write_string_with_format(r, 0, note, &f.note)?;
    }
    ws.set_column_width(0, 14)?;
    for c in 1..col {
        ws.set_column_width(c, if (c - 1) % 3 == 0 { 7 } else { 11 })?;
    }
    ws.set_column_width(col, 12)?;
    ws.set_column_width(col + 1, 12)?;
    print_setup(ws, 1)
}

/// `规则`: every rule in the criteria's order, its source, and the low-efficiency land it
/// flagged in total (a parcel counts under each rule that fired on it).
fn rules_sheet(ws: &mut Worksheet, input: &XlsxInput, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(SHEET_RULES)?;
    let heads = [
        ("编号", 16.0),
        ("规则", 36.0),
        ("适用类型", 14.0),
        ("依据", 44.0),
        ("依据性质", 12.0),
        ("宗数", 8.0),
        ("面积（亩）", 12.0),
        ("面积（公顷）", 12.0),
        ("占低效用地面积比例", 12.0),
    ];
    for (c, (h, w)) in (0u16..).zip(heads) {
        head(ws, f, (0, c), (1, 1), h)?;
        ws.set_column_width(c, w)?;
    }
    let d = &input.stats.district;
    let empty = Tally::default();
    let wrap = f.text.clone().set_text_wrap();
    for (r, rule) in (1u32..).zip(&input.criteria.rules) {
        let t = d.low_by_reason.get(&rule.id).unwrap_or(&empty);
        ws.write_string_with_format(r, 0, &rule.id, &f.text)?;
        ws.write_string_with_format(r, 1, &rule.name_zh, &wrap)?;
        ws.write_string_with_format(r, 2, rule.types_zh(), &wrap)?;
        ws.write_string_with_format(r, 3, &rule.source, &wrap)?;
        let mark = match rule.mark {
            Mark::Source => "文件规定",
            Mark::Default => "地方默认值（待确认）",
        };
        ws.write_string_with_format(r, 4, mark, &wrap)?;
        ws.write_number_with_format(r, 5, t.count as f64, &f.count)?;
        ws.write_number_with_format(r, 6, t.area.mu, &f.area)?;
        ws.write_number_with_format(r, 7, t.area.ha, &f.area)?;
        ws.write_number_with_format(r, 8, share(t.area.m2, d.low.area.m2), &f.share)?;
    }
    let at = 2 + input.criteria.rules.len() as u32;
    ws.write_string_with_format(
        at,
        0,
        format!(
            "注：评价标准 {}；一宗地同时触发多条规则时在每条规则下各计一次，各行之和可大于低效用地总量（{} 宗）。",
            input.criteria.origin, d.low.count
        ),
        &f.note,
    )?;
    print_setup(ws, 0)
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// `检查`: the policy checks of each town, then the total's.
fn checks_sheet(ws: &mut Worksheet, input: &XlsxInput, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(SHEET_CHECKS)?;
    let heads = [
        ("镇街", 14.0),
        ("检查", 28.0),
        ("结果", 10.0),
        ("数值", 10.0),
        ("说明", 80.0),
    ];
    for (c, (h, w)) in (0u16..).zip(heads) {
        head(ws, f, (0, c), (1, 1), h)?;
        ws.set_column_width(c, w)?;
    }
    let stats = input.stats;
    let wrap = f.text.clone().set_text_wrap();
    let pass = f.text.clone().set_font_color(Color::RGB(0x1A7F37));
    let fail = f
        .text
        .clone()
        .set_font_color(Color::RGB(0xC00000))
        .set_bold();
    let mut r = 1u32;
    for ts in stats.towns.iter().chain(std::iter::once(&stats.district)) {
        for c in &ts.checks {
            let (result, format) = match c.pass {
                Some(true) => ("通过", &pass),
                Some(false) => ("未通过", &fail),
                None => ("列示", &f.text),
            };
            ws.write_string_with_format(r, 0, &ts.town, &f.text)?;
            ws.write_string_with_format(r, 1, c.zh, &wrap)?;
            ws.write_string_with_format(r, 2, result, format)?;
            let number = if c.id == "programme_in_large" {
                &f.share
            } else {
                &f.count
            };
            ws.write_number_with_format(r, 3, c.value, number)?;
            let total = std::ptr::eq(ts, &stats.district);
            ws.write_string_with_format(r, 4, check_note(c, ts, total, input), &wrap)?;
            r += 1;
        }
    }
    ws.write_string_with_format(
        r + 1,
        0,
        "注：合计行的检查在每个镇街均通过时为通过；“列示”项不判定通过与否，供审查参考。",
        &f.note,
    )?;
    print_setup(ws, 0)
}

/// What a check's value and standard mean, in Chinese.
fn check_note(c: &Check, ts: &TownStats, total: bool, input: &XlsxInput) -> String {
    let report = input.zones.report.towns.iter().find(|t| t.town == ts.town);
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let towns_passing = || {
        let all: Vec<bool> = input
            .stats
            .towns
            .iter()
            .filter_map(|t| t.checks.iter().find(|x| x.id == c.id))
            .map(|x| x.pass == Some(true))
            .collect();
        format!(
            "{} 个镇街中 {} 个通过",
            all.len(),
            all.iter().filter(|p| **p).count()
        )
    };
    match c.id {
        "programme_in_large" => match (total, report) {
            (false, Some(t)) => {
                let p = &t.programme;
                let basis = if p.basis == "plan" {
                    "镇街改造计划"
                } else {
                    "landsift 建议方案（本规则应以镇街改造计划核算，见 --programme）"
                };
                format!(
                    "{basis}：改造规模 {:.0} 亩（目标 {:.0} 亩），{} 位于大圈内，要求不低于 {}",
                    p.area_mu,
                    p.target_mu,
                    pct(p.share_in_large),
                    pct(c.threshold)
                )
            }
            _ => format!(
                "全部改造规模中 {} 位于大圈内；{}",
                pct(c.value),
                towns_passing()
            ),
        },
        "large_size" | "middle_size" => {
            let range = if c.id == "large_size" {
                "5–10 km²"
            } else {
                "1–3 km²"
            };
            let mut s = format!(
                "{:.0} 个中 {:.0} 个面积在 {range} 之内",
                c.threshold, c.value
            );
            if total {
                s.push_str(&format!("；{}", towns_passing()));
            }
            s
        }
        "small_size" => match (total, report) {
            (false, Some(t)) => format!(
                "{} 个改造单元中 {:.0} 个超过面积上限（一宗地本身即超过上限时无法再分）",
                t.small_count, c.value
            ),
            _ => format!(
                "超过面积上限的改造单元共 {:.0} 个；{}",
                c.value,
                towns_passing()
            ),
        },
        "contiguous_industrial" => {
            let mut s = format!(
                "连片低效工业用地达 {:.0} 亩以上的 {:.0} 片",
                c.threshold, c.value
            );
            if let (false, Some(t)) = (total, report) {
                if !t.contiguous_industrial_mu.is_empty() {
                    let areas: Vec<String> = t
                        .contiguous_industrial_mu
                        .iter()
                        .map(|a| format!("{a:.0}"))
                        .collect();
                    s.push_str(&format!("：{} 亩", areas.join("、")));
                }
            }
            s
        }
        "consent" => match (total, report) {
            (false, Some(t)) => format!(
                "已调查改造意愿的 {} 个单元中 {:.0} 个达到 {}（按面积；有人数调查的另按人数）",
                t.units_with_consent,
                c.value,
                pct(c.threshold)
            ),
            _ => format!(
                "改造意愿达到 {} 的单元共 {:.0} 个",
                pct(c.threshold),
                c.value
            ),
        },
        _ => c.detail.clone(),
    }
}

/// `改造计划`: the units of each town's near-term programme in rank order.
fn programme_sheet(ws: &mut Worksheet, input: &XlsxInput, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(SHEET_PROGRAMME)?;
    let heads = [
        ("镇街", 14.0),
        ("序位", 6.0),
        ("改造单元", 18.0),
        ("面积（亩）", 11.0),
        ("面积（公顷）", 11.0),
        ("所在中圈/大圈", 18.0),
        ("主导类型", 12.0),
        ("再开发方式", 12.0),
        ("低效用地占比", 10.0),
        ("宗数", 7.0),
        ("方案来源", 16.0),
    ];
    for (c, (h, w)) in (0u16..).zip(heads) {
        head(ws, f, (0, c), (1, 1), h)?;
        ws.set_column_width(c, w)?;
    }
    let mut units: Vec<&Zone> = input.zones.small.iter().filter(|u| u.program).collect();
    units.sort_by(|a, b| (&a.town, a.rank).cmp(&(&b.town, b.rank)));
    let modes = &input.criteria.modes;
    let mut r = 1u32;
    for u in &units {
        let basis = input
            .zones
            .report
            .towns
            .iter()
            .find(|t| t.town == u.town)
            .map_or("", |t| {
                if t.programme.basis == "plan" {
                    "镇街改造计划"
                } else {
                    "landsift 建议方案"
                }
            });
        let mode = u
            .mode
            .map(|m| m.map_or(crate::score::MODE_UNDECIDED, |i| modes[i].mode.as_str()))
            .unwrap_or("—");
        let ty = u.dom_type.map(|t| t.name()).unwrap_or("other");
        ws.write_string_with_format(r, 0, &u.town, &f.text)?;
        ws.write_number_with_format(r, 1, u.rank.unwrap_or(0) as f64, &f.count)?;
        ws.write_string_with_format(r, 2, &u.id, &f.text)?;
        ws.write_number_with_format(r, 3, m2_to_mu(u.area_m2), &f.area)?;
        ws.write_number_with_format(r, 4, u.area_m2 / crate::model::M2_PER_HA, &f.area)?;
        ws.write_string_with_format(r, 5, u.parent_id.as_deref().unwrap_or("—"), &f.text)?;
        ws.write_string_with_format(r, 6, type_zh(ty), &f.text)?;
        ws.write_string_with_format(r, 7, mode, &f.text)?;
        ws.write_number_with_format(r, 8, u.low_share, &f.share)?;
        ws.write_number_with_format(r, 9, u.parcels.len() as f64, &f.count)?;
        ws.write_string_with_format(r, 10, basis, &f.text)?;
        r += 1;
    }
    let note = if units.is_empty() {
        "无近期实施的改造单元。"
    } else {
        "注：改造单元为候选（小圈），序位 1 为镇街内最先实施；面积为单元内宗地面积之和；全部单元见 small_circles 图层（program = 1）。"
    };
    ws.write_string_with_format(r + 1, 0, note, &f.note)?;
    print_setup(ws, 0)
}
