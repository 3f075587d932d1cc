//! The report's charts, drawn by landsift as inline SVG (the page stays one offline
//! file): low-efficiency area per town by land type, and by renewal mode where the
//! criteria decide one — horizontal stacked bars in 亩, the towns in the statistics'
//! order, each segment with its figure on hover, a round axis, and the legend in HTML.

use super::stats::{type_zh, Stats, TownStats};
use super::style::{xml, TYPE_COLOURS};
use std::fmt::Write;

/// Width of a chart, CSS pixels.
const WIDTH: f64 = 720.0;
/// Left column (town names) and right column (totals), pixels.
const LABEL_W: f64 = 120.0;
const TOTAL_W: f64 = 80.0;
const ROW_H: f64 = 22.0;
const BAR_H: f64 = 14.0;
/// Colour of land without a low-efficiency type, and of an undecided mode.
const OTHER_COLOUR: &str = "#9e9e9e";
/// Colours of the renewal modes, in the criteria's order (ColorBrewer Dark2).
const MODE_COLOURS: &[&str] = &[
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
];

/// One series of a chart: its name and colour.
struct Series {
    name: String,
    colour: String,
}

/// A round step for an axis up to `max`: the smallest 1, 2 or 5 × 10ⁿ that divides it
/// in at most eight.
fn axis_step(max: f64) -> f64 {
    let magnitude = 10f64.powf((max / 8.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|k| k * magnitude)
        .find(|&s| max / s <= 8.0 * (1.0 + 1e-9))
        .unwrap_or(10.0 * magnitude)
}

fn grouped(x: f64) -> String {
    super::html_report::num(x, 0)
}

/// The most bars a chart draws: beyond, the towns with the most land, and the rest
/// summed in one bar.
const MAX_BARS: usize = 40;

/// At most [`MAX_BARS`] rows: the largest by total (in their order), the rest summed
/// into a last row `其余 N 个镇街`.
fn at_most_bars(rows: &[(&str, Vec<f64>)]) -> Vec<(String, Vec<f64>)> {
    let own = |(n, v): &(&str, Vec<f64>)| (n.to_string(), v.clone());
    if rows.len() <= MAX_BARS {
        return rows.iter().map(own).collect();
    }
    let total = |v: &[f64]| v.iter().sum::<f64>();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        total(&rows[b].1)
            .total_cmp(&total(&rows[a].1))
            .then(a.cmp(&b))
    });
    let mut kept = order[..MAX_BARS - 1].to_vec();
    kept.sort_unstable();
    let mut out: Vec<(String, Vec<f64>)> = kept.iter().map(|&i| own(&rows[i])).collect();
    let rest = &order[MAX_BARS - 1..];
    let width = rows.first().map_or(0, |r| r.1.len());
    let mut sum = vec![0.0; width];
    for &i in rest {
        for (s, v) in sum.iter_mut().zip(&rows[i].1) {
            *s += v;
        }
    }
    out.push((format!("其余 {} 个镇街", rest.len()), sum));
    out
}

/// A stacked bar chart: one bar a row, `values[row][series]` in 亩. Empty when every
/// value is zero.
fn stacked_bars(id: &str, caption: &str, rows: &[(&str, Vec<f64>)], series: &[Series]) -> String {
    let rows = at_most_bars(rows);
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<f64>())
        .fold(0.0, f64::max);
    if max <= 0.0 || rows.is_empty() {
        return String::new();
    }
    let step = axis_step(max);
    let top = (max / step).ceil() * step;
    let plot_w = WIDTH - LABEL_W - TOTAL_W;
    let x = |v: f64| LABEL_W + v / top * plot_w;
    let height = rows.len() as f64 * ROW_H + 30.0;
    let mut h = format!(
        r#"<figure class="chart"><svg id="{id}" class="chart" viewBox="0 0 {WIDTH} {height}" style="width:{WIDTH}px" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}"><title>{}</title>"#,
        xml(caption),
        xml(caption)
    );
    // Grid and axis labels.
    let axis_y = rows.len() as f64 * ROW_H + 4.0;
    let mut t = 0.0;
    while t <= top * (1.0 + 1e-9) {
        let _ = write!(
            h,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="0" y2="{axis_y}" stroke="#ddd"/><text x="{0:.1}" y="{1}" font-size="11" text-anchor="middle" fill="#555">{2}</text>"##,
            x(t),
            axis_y + 14.0,
            grouped(t)
        );
        t += step;
    }
    let _ = write!(
        h,
        r##"<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#555">亩</text>"##,
        WIDTH - 4.0,
        axis_y + 14.0
    );
    for (r, (name, values)) in rows.iter().enumerate() {
        let y = r as f64 * ROW_H + (ROW_H - BAR_H) / 2.0;
        let _ = write!(
            h,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#222">{}</text>"##,
            LABEL_W - 6.0,
            y + BAR_H - 3.0,
            xml(name)
        );
        let mut at = 0.0;
        for (v, s) in values.iter().zip(series) {
            if *v <= 0.0 {
                continue;
            }
            let _ = write!(
                h,
                r#"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{BAR_H}" fill="{}"><title>{} {}：{} 亩</title></rect>"#,
                x(at),
                (x(at + v) - x(at)).max(0.5),
                s.colour,
                xml(name),
                xml(&s.name),
                grouped(*v)
            );
            at += v;
        }
        let _ = write!(
            h,
            r##"<text x="{:.1}" y="{}" font-size="12" fill="#222">{}</text>"##,
            x(at) + 4.0,
            y + BAR_H - 3.0,
            grouped(at)
        );
    }
    h.push_str("</svg><div class=\"legend\">");
    // The legend names the series drawn.
    let drawn = |i: usize| rows.iter().any(|(_, v)| v.get(i).is_some_and(|x| *x > 0.0));
    for (_, s) in series.iter().enumerate().filter(|(i, _)| drawn(*i)) {
        let _ = write!(
            h,
            r#"<span><i class="sw" style="background:{}"></i>{}</span>"#,
            s.colour,
            xml(&s.name)
        );
    }
    let _ = write!(
        h,
        "</div><figcaption>{}</figcaption></figure>",
        xml(caption)
    );
    h
}

/// Low-efficiency area per town by land type (亩).
pub fn by_type_chart(stats: &Stats) -> String {
    let mut keys: Vec<(String, String, String)> = TYPE_COLOURS
        .iter()
        .map(|(k, zh, c)| (k.to_string(), format!("低效{zh}用地"), c.to_string()))
        .collect();
    let other = |t: &&TownStats| {
        t.low_by_type
            .keys()
            .any(|k| !TYPE_COLOURS.iter().any(|c| c.0 == k))
    };
    if stats.towns.iter().any(|t| other(&t)) {
        keys.push((
            "other".into(),
            format!("低效{}", type_zh("other")),
            OTHER_COLOUR.into(),
        ));
    }
    let known: Vec<&str> = TYPE_COLOURS.iter().map(|c| c.0).collect();
    let rows: Vec<(&str, Vec<f64>)> = stats
        .towns
        .iter()
        .map(|t| {
            let values = keys
                .iter()
                .map(|(k, _, _)| {
                    if k == "other" {
                        t.low_by_type
                            .iter()
                            .filter(|(k, _)| !known.contains(&k.as_str()))
                            .map(|(_, v)| v.area.mu)
                            .sum()
                    } else {
                        t.low_by_type.get(k).map_or(0.0, |v| v.area.mu)
                    }
                })
                .collect();
            (t.town.as_str(), values)
        })
        .collect();
    let series: Vec<Series> = keys
        .into_iter()
        .map(|(_, name, colour)| Series { name, colour })
        .collect();
    stacked_bars(
        "chart-types",
        "各镇街低效用地面积（按用地类型，亩） low-efficiency land per town by type (mu)",
        &rows,
        &series,
    )
}

/// Low-efficiency area per town by renewal mode (亩); empty when the criteria decide no
/// mode, or no low-efficiency land has one.
pub fn by_mode_chart(stats: &Stats) -> String {
    let decided = stats.towns.iter().any(|t| {
        t.low_by_mode
            .keys()
            .any(|m| m != crate::score::MODE_UNDECIDED)
    });
    if stats.modes.is_empty() || !decided {
        return String::new();
    }
    let mut colours = MODE_COLOURS.iter().cycle();
    let series: Vec<Series> = stats
        .modes
        .iter()
        .map(|m| Series {
            name: m.clone(),
            colour: if m == crate::score::MODE_UNDECIDED {
                OTHER_COLOUR.to_string()
            } else {
                colours.next().copied().unwrap_or(OTHER_COLOUR).to_string()
            },
        })
        .collect();
    let rows: Vec<(&str, Vec<f64>)> = stats
        .towns
        .iter()
        .map(|t| {
            let values = stats
                .modes
                .iter()
                .map(|m| t.low_by_mode.get(m).map_or(0.0, |v| v.area.mu))
                .collect();
            (t.town.as_str(), values)
        })
        .collect();
    stacked_bars(
        "chart-modes",
        "各镇街低效用地再开发方式（亩） renewal modes of low-efficiency land per town (mu)",
        &rows,
        &series,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(axis_step(1234.0), 200.0);
        assert_eq!(axis_step(95.0), 20.0);
        assert_eq!(axis_step(10_000.0), 2000.0);
        assert_eq!(axis_step(400.0), 50.0);
        assert_eq!(grouped(12345.6), "12,346");
    }

    #[test]
    fn bars_stack_their_segments_and_total() {
        let series = [
            Series {
                name: "甲".into(),
                colour: "#111111".into(),
            },
            Series {
                name: "乙".into(),
                colour: "#222222".into(),
            },
        ];
        let svg = stacked_bars(
            "c",
            "图",
            &[("一镇", vec![300.0, 100.0]), ("二镇", vec![0.0, 50.0])],
            &series,
        );
        // Three segments (a zero draws nothing), totals at the bars' ends.
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("<title>一镇 甲：300 亩</title>"));
        assert!(svg.contains(">400</text>") && svg.contains(">50</text>"));
        // The first segment starts at the axis; 300 of a 400 axis is ¾ of the plot.
        let plot = WIDTH - LABEL_W - TOTAL_W;
        assert!(svg.contains(&format!(
            r#"<rect x="{LABEL_W:.1}" y="4.0" width="{:.1}""#,
            plot * 0.75
        )));
        assert!(stacked_bars("c", "图", &[("一镇", vec![0.0, 0.0])], &series).is_empty());
        // Hundreds of towns: the largest 39 bars, then the rest in one.
        let names: Vec<String> = (0..100).map(|i| format!("镇{i}")).collect();
        let many: Vec<(&str, Vec<f64>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), vec![i as f64, 1.0]))
            .collect();
        let bars = at_most_bars(&many);
        assert_eq!(bars.len(), MAX_BARS);
        assert_eq!(bars[0].0, "镇61");
        assert_eq!(bars[MAX_BARS - 1].0, "其余 61 个镇街");
        assert_eq!(
            bars[MAX_BARS - 1].1,
            vec![(0..61).sum::<i32>() as f64, 61.0]
        );
        // A series drawn nowhere is not in the legend.
        let one = stacked_bars("c", "图", &[("一镇", vec![0.0, 50.0])], &series);
        assert!(one.contains(">乙</span>") && !one.contains(">甲</span>"));
    }
}
