//! A town's planned renewal programme (改造规模 / 近期实施计划): the units it intends to
//! renew, which the 70 % rule of 东府〔2023〕4号 (五) measures against the large circles.
//!
//! Two forms are read:
//! - a **CSV table** with a `parcel_id` column (also `宗地编号`, `宗地号`, `ZDDM`), and
//!   optionally `unit` (单元名称), `year` (计划年度) and `mode` (改造方式): each row
//!   puts one parcel in the plan; rows without a unit form one unit per parcel. An id
//!   that is not among the parcels read is an error (a plan that names land the run does
//!   not have cannot be measured), unless the parcel was rejected, which is counted;
//! - a **polygon layer** of planned units (any format landsift reads) with optional
//!   unit, year and mode fields of the same names: a parcel belongs to the unit covering
//!   the largest part of it when that part is at least half the parcel.

use super::table;
use crate::crs::{SourceCrs, WorkingCrs};
use crate::error::{Error, Result};
use crate::model::{first_named, Parcel, RawLayer, Reject};
use crate::spatial::index::{areas_inside, EnvelopeIndex};
use geo::MultiPolygon;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Column names of the parcel id in a programme table (case-insensitive).
pub const ID_COLUMNS: &[&str] = &[
    "parcel_id",
    "宗地编号",
    "宗地号",
    "宗地代码",
    "ZDDM",
    "ZDBH",
];
/// Column or field names of the unit's name.
pub const UNIT_COLUMNS: &[&str] = &[
    "unit",
    "unit_id",
    "单元名称",
    "单元编号",
    "DYMC",
    "DYBH",
    "name",
];
/// Column or field names of the planned year.
pub const YEAR_COLUMNS: &[&str] = &["year", "planned_year", "计划年度", "实施年度", "JHND"];
/// Column or field names of the renewal mode.
pub const MODE_COLUMNS: &[&str] = &["mode", "改造方式", "改造类型", "GZFS"];

/// Share of a parcel a planned unit polygon must cover for the parcel to be in it.
const MAJORITY: f64 = 0.5;

/// One planned unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedUnit {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

/// The programme joined to the parcels.
#[derive(Debug, Clone, Default)]
pub struct Programme {
    pub units: Vec<PlannedUnit>,
    /// Per parcel (in the parcels' order): its planned unit.
    pub unit_of: Vec<Option<u32>>,
    pub report: ProgrammeInput,
}

/// What reading the programme did, for the run summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProgrammeInput {
    pub path: String,
    /// `table` or `layer`.
    pub form: String,
    pub units: usize,
    pub parcels: usize,
    /// Table rows naming a parcel that was rejected at ingest (not measured).
    pub rows_rejected_parcels: usize,
    /// Layer features without a polygon.
    pub features_rejected: usize,
}

/// The first column of `names` the header has (case-insensitive).
fn find(columns: &[String], names: &[&str]) -> Option<usize> {
    first_named(columns.iter().map(String::as_str), names)
}

/// Reads a programme table (CSV) and joins it to the parcels by id.
pub fn from_table(path: &Path, parcels: &[Parcel], rejects: &[Reject]) -> Result<Programme> {
    let t = table::read_csv(path)?;
    let id_col = find(&t.columns, ID_COLUMNS).ok_or_else(|| {
        Error::input(
            path,
            format!(
                "programme table has no parcel id column ({}); its columns: {}",
                ID_COLUMNS.join(", "),
                t.columns.join(", ")
            ),
        )
    })?;
    let (unit_col, year_col, mode_col) = (
        find(&t.columns, UNIT_COLUMNS),
        find(&t.columns, YEAR_COLUMNS),
        find(&t.columns, MODE_COLUMNS),
    );
    let index: HashMap<&str, usize> = parcels
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let rejected: std::collections::HashSet<&str> = rejects.iter().map(|r| r.id.as_str()).collect();
    let cell = |row: &[String], c: Option<usize>| {
        c.and_then(|c| row.get(c))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut out = Programme {
        unit_of: vec![None; parcels.len()],
        report: ProgrammeInput {
            path: path.display().to_string(),
            form: "table".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut by_name: BTreeMap<String, u32> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (r, row) in t.rows.iter().enumerate() {
        let line = r + 2; // 1-based, after the header
        let Some(id) = cell(row, Some(id_col)) else {
            return Err(Error::input(
                path,
                format!("programme table, line {line}: empty parcel id"),
            ));
        };
        let Some(&p) = index.get(id.as_str()) else {
            if rejected.contains(id.as_str()) {
                out.report.rows_rejected_parcels += 1;
            } else {
                unknown.push(format!("{id} (line {line})"));
            }
            continue;
        };
        let name = cell(row, unit_col).unwrap_or_else(|| id.clone());
        let u = *by_name.entry(name.clone()).or_insert_with(|| {
            out.units.push(PlannedUnit {
                name,
                year: cell(row, year_col),
                mode: cell(row, mode_col),
            });
            (out.units.len() - 1) as u32
        });
        match out.unit_of[p] {
            Some(other) if other != u => {
                return Err(Error::input(
                    path,
                    format!(
                        "programme table, line {line}: parcel {id} is already in unit {}",
                        out.units[other as usize].name
                    ),
                ))
            }
            _ => out.unit_of[p] = Some(u),
        }
    }
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(10).map(String::as_str).collect();
        return Err(Error::input(
            path,
            format!(
                "programme table names {} parcel id(s) not among the parcels read: {}{}",
                unknown.len(),
                shown.join(", "),
                if unknown.len() > 10 { ", …" } else { "" }
            ),
        ));
    }
    finish(out, path)
}

/// Reads a programme layer (planned unit polygons, in the working CRS) and gives each
/// parcel the unit covering most of it (at least half).
pub fn from_layer(
    layer: &RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
    parcels: &[Parcel],
) -> Result<Programme> {
    let (unit_f, year_f, mode_f) = (
        layer.first_field(UNIT_COLUMNS),
        layer.first_field(YEAR_COLUMNS),
        layer.first_field(MODE_COLUMNS),
    );
    let (geoms, rejects) = super::prepare_geometries(layer, source, working)?;
    let mut polygons: Vec<MultiPolygon<f64>> = Vec::new();
    let mut units: Vec<PlannedUnit> = Vec::new();
    let mut rejected = rejects.len();
    let text = |i: usize, f: Option<usize>| {
        f.and_then(|f| layer.features[i].values[f].as_text())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    for (i, g) in geoms {
        let mp = match g {
            geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
            geo::Geometry::MultiPolygon(m) => m,
            _ => {
                rejected += 1;
                continue;
            }
        };
        units.push(PlannedUnit {
            name: text(i, unit_f).unwrap_or_else(|| format!("规划单元{}", i + 1)),
            year: text(i, year_f),
            mode: text(i, mode_f),
        });
        polygons.push(mp);
    }
    if polygons.is_empty() {
        return Err(Error::input(
            &layer.source,
            "programme layer has no polygon (planned units are areas)",
        ));
    }
    let index = EnvelopeIndex::of(&polygons);
    let unit_of: Vec<Option<u32>> = parcels
        .par_iter()
        .map(|p| {
            areas_inside(&p.geometry, &polygons, &index)
                .into_iter()
                .filter(|(_, a)| p.area_m2 > 0.0 && *a >= MAJORITY * p.area_m2)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(u, _)| u as u32)
        })
        .collect();
    let out = Programme {
        units,
        unit_of,
        report: ProgrammeInput {
            path: layer.source.display().to_string(),
            form: "layer".into(),
            features_rejected: rejected,
            ..Default::default()
        },
    };
    finish(out, &layer.source)
}

fn finish(mut out: Programme, path: &Path) -> Result<Programme> {
    out.report.parcels = out.unit_of.iter().filter(|u| u.is_some()).count();
    out.report.units = out.units.len();
    if out.report.parcels == 0 {
        return Err(Error::input(
            path,
            "the programme covers none of the parcels read (another district, or another CRS?)",
        ));
    }
    Ok(out)
}
