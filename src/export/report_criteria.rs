//! The report's sections on the criteria: the rules used with their sources (document
//! title and number, or a local default a bureau must confirm), the 亩均效益 evaluation
//! (method, role, classes, and every A/B-class parcel that a rule flagged, with the rule),
//! and the renewal modes (再开发方式) with the rules that decide them.

use super::stats::Stats;
use super::style::xml;
use crate::criteria::{Benchmark, ClassMethod, Composite, Criteria, Direction, Mark, Role};
use crate::landuse::LandClass;
use crate::model::Parcel;
use crate::score::ParcelScore;
use std::fmt::Write;

/// Most A/B-class low-efficiency parcels listed (the parcels layer has them all).
const MAX_LISTED_PARCELS: usize = 50;

/// A source as the report shows it: a document cited, or a default marked as such.
fn source_cell(mark: Mark, source: &str) -> String {
    match mark {
        Mark::Source => xml(source),
        Mark::Default => format!(
            "<b>地方默认值，需本地确认</b> <span class=en>local default</span>{}{}",
            if source.is_empty() { "" } else { "：" },
            xml(source)
        ),
    }
}

/// 识别规则: every rule with its types, conditions, source and how often it fired.
pub fn rules_section(criteria: &Criteria, stats: &Stats, scheme: &str) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<h2>识别规则 <span class=en>Rules used</span></h2><p>{}：{}；用地分类 <span class=en>code scheme</span> {}；行业代码 <span class=en>industry codes</span> {}。任一规则成立即初步识别为低效用地；无法判定的规则既不计为低效也不计为达标。</p>",
        xml(&criteria.name),
        xml(&criteria.description),
        xml(scheme),
        criteria.industry_codes.name()
    );
    h.push_str("<table><tr><th class=l>规则 <span class=en>rule</span></th><th class=l>适用类型 <span class=en>types</span></th><th class=l>条件 <span class=en>condition</span></th><th class=l>依据 <span class=en>source</span></th><th>宗数 <span class=en>parcels</span></th></tr>");
    for r in &criteria.rules {
        let condition = r
            .conditions
            .iter()
            .map(|c| c.describe_zh())
            .collect::<Vec<_>>()
            .join("，且");
        let fired = stats
            .district
            .low_by_reason
            .get(&r.id)
            .map_or(0, |t| t.count);
        let _ = write!(
            h,
            "<tr><td class=l>{} <span class=en>{}</span></td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td><td>{fired}</td></tr>",
            xml(&r.name_zh),
            xml(&r.id),
            xml(&r.types_zh()),
            xml(&condition),
            source_cell(r.mark, &r.source)
        );
    }
    h.push_str("</table>");
    for r in &criteria.rules {
        for c in r.conditions.iter().filter(|c| !c.by_industry.is_empty()) {
            let _ = write!(
                h,
                "<h3>{}：分行业{}下限 <span class=en>per-industry thresholds (GB/T 4754-2002 classes)</span></h3><p class=note>宗地带有行业代码时按其行业取值，否则取一般值 {}{}。</p><table><tr><th class=l>行业大类 <span class=en>class</span></th><th>{} </th></tr>",
                xml(&r.name_zh),
                xml(c.label()),
                c.threshold,
                xml(&c.unit),
                xml(c.label())
            );
            for (class, t) in &c.by_industry {
                let name = crate::criteria::industry::name_2002(class).unwrap_or("");
                let _ = write!(h, "<tr><td class=l>{class} {name}</td><td>{t}</td></tr>");
            }
            h.push_str("</table>");
        }
    }
    h
}

fn indicator_list(comp: &Composite, group: Option<&str>) -> String {
    comp.indicators_for(group)
        .iter()
        .map(|i| {
            let bench = match i.benchmark {
                Benchmark::Fixed(b) => format!("基准{b}"),
                Benchmark::Mean { factor: 1.0 } => "基准为同组均值".to_string(),
                Benchmark::Mean { factor } => format!("基准为同组均值×{factor}"),
            };
            let dir = match i.direction {
                Direction::Higher => "越高越好",
                Direction::Lower => "越低越好",
            };
            format!(
                "{}（权重{}，{dir}，{bench}）",
                i.field_ref.label_zh(),
                i.weight
            )
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn classes_text(comp: &Composite) -> String {
    let c = &comp.classes;
    match c.method {
        ClassMethod::Percentile => format!(
            "按同组排名：A类前{:.0}%，B类至{:.0}%，C类至{:.0}%，其余为D类",
            c.a * 100.0,
            c.b * 100.0,
            c.c * 100.0
        ),
        ClassMethod::Breaks => format!(
            "按得分：≥{}为A类，≥{}为B类，≥{}为C类，其余为D类",
            c.a, c.b, c.c
        ),
    }
}

/// 亩均效益评价: per land type, the method, the class's role, the counts per class, and
/// the A/B-class parcels a rule flagged, each with the rules that flagged it.
pub fn composite_section(
    criteria: &Criteria,
    parcels: &[Parcel],
    scores: &[ParcelScore],
) -> String {
    if criteria.composite.is_empty() {
        return String::new();
    }
    let mut h =
        String::from("<h2>亩均效益评价 <span class=en>Composite evaluation (亩均效益)</span></h2>");
    for (ltype, comp) in &criteria.composite {
        let _ = write!(
            h,
            "<h3>{} <span class=en>{}</span></h3><ul>",
            ltype.label_zh(),
            ltype.name()
        );
        let _ = write!(
            h,
            "<li>指标 <span class=en>indicators</span>：{}</li>",
            xml(&indicator_list(comp, None))
        );
        if let Some(field) = comp.group_by {
            let _ = write!(
                h,
                "<li>分组 <span class=en>peer groups</span>：按{}分组排名",
                field.label_zh()
            );
            for name in comp.groups.keys() {
                let _ = write!(
                    h,
                    "；{}：{}",
                    xml(name),
                    xml(&indicator_list(comp, Some(name)))
                );
            }
            h.push_str("</li>");
        }
        if let Some(e) = &comp.exempt {
            let _ = write!(
                h,
                "<li>不参评 <span class=en>not rated</span>：{}</li>",
                xml(&e.describe_zh())
            );
        }
        let _ = write!(
            h,
            "<li>分类 <span class=en>classes</span>：{}</li>",
            classes_text(comp)
        );
        let role = match &comp.role {
            Role::Report => {
                "评价等级仅作参考，不参与低效识别 <span class=en>(reported only)</span>".to_string()
            }
            Role::Rule(ids) => format!(
                "评价等级参与低效识别：规则 {} <span class=en>(the class feeds a rule)</span>",
                xml(ids)
            ),
        };
        let _ = write!(h, "<li>作用 <span class=en>role</span>：{role}</li></ul>");
        h.push_str(&class_table(*ltype, scores));
        h.push_str(&good_but_low(*ltype, criteria, parcels, scores));
    }
    h
}

/// Parcels per class, and how many of them are low-efficiency.
fn class_table(ltype: LandClass, scores: &[ParcelScore]) -> String {
    let mut h = String::from("<table><tr><th class=l>等级 <span class=en>class</span></th><th>宗数 <span class=en>parcels</span></th><th>其中低效 <span class=en>low</span></th></tr>");
    for (label, class) in [
        ("A类", Some('A')),
        ("B类", Some('B')),
        ("C类", Some('C')),
        ("D类", Some('D')),
        ("未评价", None),
    ] {
        let of: Vec<&ParcelScore> = scores
            .iter()
            .filter(|s| s.ltype == Some(ltype) && s.class == class)
            .collect();
        let low = of.iter().filter(|s| s.low).count();
        let _ = write!(
            h,
            "<tr><td class=l>{label}</td><td>{}</td><td>{low}</td></tr>",
            of.len()
        );
    }
    h.push_str("</table>");
    h
}

/// The A/B-class parcels a rule flagged: counted by rule, then listed.
fn good_but_low(
    ltype: LandClass,
    criteria: &Criteria,
    parcels: &[Parcel],
    scores: &[ParcelScore],
) -> String {
    let flagged: Vec<usize> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| s.ltype == Some(ltype) && s.low && matches!(s.class, Some('A' | 'B')))
        .map(|(i, _)| i)
        .collect();
    if flagged.is_empty() {
        return "<p>无评价为A、B类而被识别为低效的宗地 <span class=en>(no A/B-class parcel is flagged)</span>。</p>".to_string();
    }
    let mut by_rule: Vec<(String, usize)> = criteria
        .rules
        .iter()
        .map(|r| {
            let n = flagged
                .iter()
                .filter(|&&i| scores[i].fired.iter().any(|f| f.rule == r.id))
                .count();
            (format!("{}（{}）", r.name_zh, r.id), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    by_rule.sort_by_key(|b| std::cmp::Reverse(b.1));
    let mut h = format!(
        "<p>评价为A、B类但被识别为低效的宗地 {} 宗：亩均效益较好，但符合下列识别规则（一宗可符合多条）<span class=en>(A/B-class parcels flagged by a rule)</span>：</p><table><tr><th class=l>规则 <span class=en>rule</span></th><th>宗数 <span class=en>parcels</span></th></tr>",
        flagged.len()
    );
    for (rule, n) in &by_rule {
        let _ = write!(h, "<tr><td class=l>{}</td><td>{n}</td></tr>", xml(rule));
    }
    h.push_str("</table><table><tr><th class=l>宗地 <span class=en>parcel</span></th><th>等级 <span class=en>class</span></th><th>评分 <span class=en>score</span></th><th class=l>识别理由 <span class=en>reasons</span></th></tr>");
    for &i in flagged.iter().take(MAX_LISTED_PARCELS) {
        let s = &scores[i];
        let _ = write!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td>{:.1}</td><td class=l>{}</td></tr>",
            xml(&parcels[i].id),
            s.class.unwrap_or('-'),
            s.score.unwrap_or(f64::NAN),
            xml(&s.reasons_zh(criteria))
        );
    }
    h.push_str("</table>");
    if flagged.len() > MAX_LISTED_PARCELS {
        let _ = write!(
            h,
            "<p class=note>另有 {} 宗见宗地图层（class 为 A 或 B 且 low = 1）。</p>",
            flagged.len() - MAX_LISTED_PARCELS
        );
    }
    h
}

/// 再开发方式: the mode rules in order, and the low-efficiency land per mode.
pub fn modes_section(criteria: &Criteria, stats: &Stats) -> String {
    if criteria.modes.is_empty() {
        return String::new();
    }
    let mut h = String::from("<h2>再开发方式 <span class=en>Renewal modes</span></h2><p>每宗低效用地（管控区外）按下列规则依次判断，取第一条成立的规则；均不成立为“待定”。改造单元取其中低效用地面积最大的方式。方式为建议，实施方案以主管部门批复为准。</p><table><tr><th>顺序 <span class=en>order</span></th><th class=l>再开发方式 <span class=en>mode</span></th><th class=l>条件 <span class=en>when</span></th><th class=l>依据 <span class=en>source</span></th></tr>");
    for (i, m) in criteria.modes.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=l>{}</td><td class=l>{}</td><td class=l>{}</td></tr>",
            i + 1,
            xml(&m.mode),
            xml(&m.describe_zh()),
            source_cell(m.mark, &m.source)
        );
    }
    h.push_str("</table>");
    h.push_str(&mode_table(&stats.district, stats));
    h
}

/// Low-efficiency land per mode of one town (or the total).
pub fn mode_table(ts: &super::stats::TownStats, stats: &Stats) -> String {
    if stats.modes.is_empty() {
        return String::new();
    }
    let mut h = String::from("<table><tr><th class=l>再开发方式 <span class=en>renewal mode</span></th><th>宗数 <span class=en>parcels</span></th><th>亩 <span class=en>mu</span></th><th>占低效用地 <span class=en>share</span></th></tr>");
    for m in &stats.modes {
        let Some(t) = ts.low_by_mode.get(m) else {
            continue;
        };
        let share = if ts.low.area.m2 > 0.0 {
            t.area.m2 / ts.low.area.m2
        } else {
            0.0
        };
        let _ = write!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td>{:.0}</td><td>{:.1}%</td></tr>",
            xml(m),
            t.count,
            t.area.mu,
            share * 100.0
        );
    }
    let _ = write!(
        h,
        "<tr><th class=l>合计 <span class=en>total</span></th><th>{}</th><th>{:.0}</th><th>100%</th></tr></table>",
        ts.low.count, ts.low.area.mu
    );
    h
}
