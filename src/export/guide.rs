//! `说明.txt`: what is in an output folder and which file to open for what — the report
//! for a meeting, the QGIS project for maps, the tables, the layers for other GIS
//! software, and the records. It lists exactly the files the run wrote (a file it does
//! not know is listed under 其他). UTF-8 with a byte-order mark and CRLF line ends, so
//! that Windows Notepad shows the Chinese right.

use super::Imprint;

/// The guide's file name.
pub const FILE: &str = "说明.txt";

/// A group of files the guide lists under one heading.
struct Group {
    heading: &'static str,
    /// File names (exact) or, ending in `.*`, a stem with any extension; and what the
    /// file is for.
    files: &'static [(&'static str, &'static str)],
}

const GROUPS: &[Group] = &[
    Group {
        heading: "开会、汇报：先打开这个",
        files: &[(
            "report.html",
            "报告：概况、图表、各镇街圈层图、统计、政策核查、识别规则。用浏览器（Edge、Chrome）打开；打印为 A4（浏览器“打印”，可另存为 PDF）",
        )],
    },
    Group {
        heading: "在 QGIS 中查看与出图",
        files: &[
            (
                "landsift.qgs",
                "QGIS 工程：双击用 QGIS（3.22 及以上）打开，图层已配好样式；“项目 → 布局管理器”中有全域与各镇街的 A3 出图布局（标题、图例、比例尺、指北针、日期）",
            ),
            (
                "landsift.gpkg",
                "GeoPackage：全部图层（宗地、大中小圈、未入库记录等）及其默认样式，QGIS 工程所用的数据",
            ),
        ],
    },
    Group {
        heading: "表格",
        files: &[
            (
                "stats.xlsx",
                "统计表（Excel）：各镇街 × 类型的宗数、亩、公顷，规则、核查与改造计划，可直接打印",
            ),
            (
                "stats.csv",
                "统计表（CSV，UTF-8 带 BOM）：供程序与 Excel 读取",
            ),
            ("stats.json", "统计（JSON）：供程序读取"),
            (
                "rejects.csv",
                "未入库记录：每条被剔除的记录及原因（几何无效、编号重复、地类缺失等）",
            ),
            (
                "changes.csv",
                "与上次运行相比的变化：新识别、不再低效、图形变化等",
            ),
        ],
    },
    Group {
        heading: "图层（其他 GIS 软件，如 ArcGIS）",
        files: &[
            (
                "parcels.*",
                "宗地及识别结果（低效与否、类型、理由、所在圈层）；.shp 旁的 .qml 为 QGIS 样式，.fields.csv 为缩短字段名对照",
            ),
            ("small_circles.*", "候选改造单元（小圈）"),
            ("middle_circles.*", "候选中圈"),
            ("large_circles.*", "候选大圈"),
        ],
    },
    Group {
        heading: "运行记录（核查、留档、下次运行比较用）",
        files: &[
            (
                "summary.json",
                "运行摘要：读入与剔除的记录数、编码、坐标系、各镇街圈层与政策核查、警告",
            ),
            (
                "manifest.json",
                "运行清单：运行编号与起止时间、命令、输入与输出文件的校验值（landsift verify 据此核对）",
            ),
            ("run.log", "运行日志（每行一条 JSON）"),
            (
                "parcels_state.csv",
                "各宗地本次的状态：下次运行据此列出变化",
            ),
        ],
    },
];

/// Whether `file` is the pattern's: the same name, or for `stem.*` the same stem (up to
/// the first dot) with any extension.
fn matches(pattern: &str, file: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(stem) => file.split('.').next() == Some(stem) && file.len() > stem.len(),
        None => pattern == file,
    }
}

/// The guide's text for the folder's `files` (their names, this guide's included or
/// not).
pub fn text(files: &[String], imprint: &Imprint) -> String {
    let mut listed = vec![false; files.len()];
    let mut lines: Vec<String> = vec![
        format!(
            "landsift {} 成果说明：这个文件夹里的文件，先打开哪个",
            crate::VERSION
        ),
        String::new(),
    ];
    for (label, value) in [
        ("编制单位", imprint.bureau.as_deref()),
        ("数据日期", imprint.data_date.as_deref()),
        ("成果日期", imprint.date.as_deref()),
        ("数据来源", Some(imprint.source.as_str())),
        ("坐标系", Some(imprint.crs.as_str())),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            lines.push(format!("{label}：{v}"));
        }
    }
    lines
        .push("成果为初步识别结果，低效用地的认定与更新单元的划定以主管部门审定为准。".to_string());
    for g in GROUPS {
        let mut group: Vec<String> = Vec::new();
        for (pattern, what) in g.files {
            let names: Vec<&str> = files
                .iter()
                .enumerate()
                .filter(|(_, f)| matches(pattern, f))
                .map(|(i, f)| {
                    listed[i] = true;
                    f.as_str()
                })
                .collect();
            if names.is_empty() {
                continue;
            }
            let shown = match pattern.strip_suffix(".*") {
                Some(stem) => {
                    let exts: Vec<&str> = names
                        .iter()
                        .map(|n| n.strip_prefix(stem).unwrap_or(n))
                        .collect();
                    format!("{stem}（{}）", exts.join(" "))
                }
                None => names.join(" "),
            };
            group.push(format!("  {shown}\r\n      {what}"));
        }
        if !group.is_empty() {
            lines.push(String::new());
            lines.push(format!("【{}】", g.heading));
            lines.extend(group);
        }
    }
    let others: Vec<&str> = files
        .iter()
        .zip(&listed)
        .filter(|(f, l)| !**l && f.as_str() != FILE)
        .map(|(f, _)| f.as_str())
        .collect();
    if !others.is_empty() {
        lines.push(String::new());
        lines.push("【其他】".to_string());
        lines.extend(others.iter().map(|f| format!("  {f}")));
    }
    let mut out = String::from("\u{feff}");
    for l in lines {
        out.push_str(&l);
        out.push_str("\r\n");
    }
    out
}

/// Writes the guide into `dir` for the folder's `files`.
pub fn write(dir: &std::path::Path, files: &[String], imprint: &Imprint) -> crate::Result<()> {
    let path = dir.join(FILE);
    std::fs::write(&path, text(files, imprint))
        .map_err(|e| crate::Error::output(&path, "cannot write").because(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_what_was_written_and_only_that() {
        let files: Vec<String> = [
            "report.html",
            "landsift.gpkg",
            "parcels.shp",
            "parcels.dbf",
            "parcels.fields.csv",
            "summary.json",
            "notes.md",
        ]
        .map(String::from)
        .to_vec();
        let imprint = Imprint {
            bureau: Some("某区自然资源局".into()),
            source: "宗地 zd.shp（3 宗）".into(),
            ..Default::default()
        };
        let t = text(&files, &imprint);
        assert!(t.starts_with('\u{feff}') && t.contains("\r\n"));
        assert!(t.contains("编制单位：某区自然资源局"));
        assert!(!t.contains("数据日期"));
        assert!(t.contains("  report.html\r\n"));
        assert!(t.contains("  parcels（.shp .dbf .fields.csv）\r\n"));
        assert!(t.contains("【其他】\r\n  notes.md\r\n"));
        // Nothing the folder lacks: no QGIS project, no stats, no circles.
        for absent in ["landsift.qgs", "stats.", "small_circles", "manifest.json"] {
            assert!(!t.contains(absent), "{absent}");
        }
        // The report comes first.
        assert!(t.find("report.html") < t.find("landsift.gpkg"));
        assert!(matches("parcels.*", "parcels.qml") && !matches("parcels.*", "parcels_state.csv"));
    }
}
