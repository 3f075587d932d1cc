//! Writing a run's outputs into its staging folder (publishing it is
//! [`crate::publish`]'s job).

use super::{Analysis, Inputs, Model, Stage, Summary, Timer};
use crate::changes::Change;
use crate::config::{OutputSelection, Settings};
use crate::criteria::Criteria;
use crate::crs::{CrsKind, Reprojector};
use crate::error::{Error, Result};
use crate::export::{self, geojson::Coordinates, OutLayer, OutRow};
use crate::model::{Choice, FieldDef, FieldKind, Format, OutputLayer, Value};
use crate::quality::Warning;
use crate::zone::ZoneLevel;
use std::collections::BTreeMap;
use std::path::Path;

/// Refuses a non-empty output folder unless `--force` (whose old content then goes to
/// the history at the publish).
pub(super) fn check_out_dir(out: &Path, force: bool) -> Result<()> {
    if out.exists() && !out.is_dir() {
        return Err(Error::output(out, "exists and is not a directory"));
    }
    let non_empty = out
        .read_dir()
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty && !force {
        return Err(Error::output(
            out,
            "exists and is not empty; pass --force to replace it (its content is kept in the history beside it)",
        ));
    }
    Ok(())
}

/// Everything a run produced, for the writers.
#[derive(Clone, Copy)]
pub(super) struct Results<'a> {
    pub settings: &'a Settings,
    pub criteria: &'a Criteria,
    pub inputs: &'a Inputs,
    pub model: &'a Model,
    pub analysis: &'a Analysis,
    pub summary: &'a Summary,
    /// What changed since the last publish.
    pub changes: &'a [Change],
}

/// What the writers tell the summary.
pub(super) struct Written {
    /// The parcels layer's shortened Shapefile field names (long → short).
    pub shortened: BTreeMap<String, String>,
    /// Text the Shapefiles' encoding could not hold.
    pub warnings: Vec<Warning>,
}

/// Writes every selected output into the staging folder.
pub(super) fn write_outputs(
    stage: &Path,
    results: Results,
    timer: &mut Timer<'_>,
) -> Result<Written> {
    let (settings, inputs, model, analysis) = (
        results.settings,
        results.inputs,
        results.model,
        results.analysis,
    );
    let stage = stage.to_path_buf();
    let sel = &settings.output;
    timer.begin(Stage::WriteGeojson);
    let columns = analysis.columns(model, results.criteria);
    let parcels = export::parcels::parcels_layer(
        &model.parcels.parcels,
        &inputs.parcels.fields,
        &settings.mapping.fields,
        &columns,
    );
    let z = &analysis.zones;
    let circles = [
        (ZoneLevel::Small, &z.small),
        (ZoneLevel::Middle, &z.middle),
        (ZoneLevel::Large, &z.large),
    ]
    .map(|(level, zones)| {
        (
            level.output_layer(),
            export::zones::zone_layer(zones, level, &results.criteria.modes),
        )
    });
    let spatial: Vec<(OutputLayer, &OutLayer)> = std::iter::once((OutputLayer::Parcels, &parcels))
        .chain(circles.iter().map(|(l, layer)| (*l, layer)))
        .filter(|(l, _)| sel.has_layer(*l))
        .collect();
    // The GeoPackage's layers: the spatial ones, then rejects, orphans and changes.
    let mut rejects = model.parcels.rejects.clone();
    rejects.extend(model.building_rejects.iter().cloned());
    rejects.extend(model.constraint_rejects.iter().cloned());
    rejects.extend(model.barrier_rejects.iter().cloned());
    let rejects_layer = export::parcels::rejects_layer(&rejects);
    let orphans = orphan_layer(model, analysis);
    let mut layers = spatial.clone();
    if sel.has_layer(OutputLayer::Rejects) {
        layers.push((OutputLayer::Rejects, &rejects_layer));
        export::parcels::write_rejects_csv(&stage.join("rejects.csv"), &rejects)?;
    }
    if let Some(o) = orphans
        .as_ref()
        .filter(|_| sel.has_layer(OutputLayer::OrphanBuildings))
    {
        layers.push((OutputLayer::OrphanBuildings, o));
    }
    let changes = results
        .summary
        .changes
        .as_ref()
        .map(|_| changes_layer(model, analysis, results.changes));
    if let Some(c) = changes
        .as_ref()
        .filter(|_| sel.has_layer(OutputLayer::Changes))
    {
        layers.push((OutputLayer::Changes, c));
    }

    // GDAL writes the GeoPackage on one thread (SQLite, one connection), the longest
    // writer of a full run: it runs on a thread of its own beside the GeoJSON,
    // Shapefile and report writers, which share the rest of the machine. The Shapefiles
    // are written on another thread beside the GeoJSON and report writers: each writer
    // formats in parallel and writes its file on its own thread, so one's writing fills
    // the cores the other leaves idle. Each file has one writer, so the outputs do not
    // depend on the overlap.
    std::thread::scope(|scope| {
        let gpkg = sel.writes(Format::Gpkg).then(|| {
            let began = timer.begin_beside(Stage::WriteGpkg);
            let (stage, layers) = (&stage, &layers);
            let thread = scope.spawn(move || write_gpkg_and_project(stage, layers, results));
            (began, thread)
        });
        let shapefiles = sel.writes(Format::Shp).then(|| {
            let began = timer.begin_beside(Stage::WriteShapefile);
            let (stage, spatial) = (&stage, &spatial);
            let thread = scope.spawn(move || write_shapefiles(stage, spatial, model, sel));
            (began, thread)
        });
        let geojson = write_geojson_files(&stage, &spatial, model, sel);
        let report = geojson.is_ok().then(|| {
            timer.begin(Stage::WriteReport);
            let r = match sel.writes(Format::Stats) || sel.writes(Format::Report) {
                true => write_stats_and_report(&stage, results, sel),
                false => Ok(()),
            };
            let r = r.and_then(|()| write_state_and_changes(&stage, results));
            // The waits below are no stage's time but the writers' own.
            timer.end();
            r
        });
        timer.end();
        let (shp, gpkg_file) = (stage.join("parcels.shp"), stage.join("landsift.gpkg"));
        let written = shapefiles.map(|b| join_beside(timer, Stage::WriteShapefile, &shp, b));
        let gpkg = gpkg.map(|b| join_beside(timer, Stage::WriteGpkg, &gpkg_file, b));
        // Errors in the order the writers were listed: GeoJSON, Shapefile, GeoPackage,
        // report.
        geojson?;
        let written = written.transpose()?.unwrap_or_else(|| Written {
            shortened: BTreeMap::new(),
            warnings: Vec::new(),
        });
        gpkg.transpose()?;
        report.transpose()?;
        Ok(written)
    })
}

/// Waits for a writer begun beside the others ([`Timer::begin_beside`] at `began`) and
/// ends its stage; a writer that stopped unexpectedly is an error of its `file`.
fn join_beside<T>(
    timer: &mut Timer<'_>,
    stage: Stage,
    file: &Path,
    (began, thread): (
        std::time::Instant,
        std::thread::ScopedJoinHandle<'_, Result<T>>,
    ),
) -> Result<T> {
    let result = thread
        .join()
        .unwrap_or_else(|_| Err(Error::output(file, "its writer stopped unexpectedly")));
    timer.end_beside(stage, began);
    result
}

/// The parcels' state for the next run's comparison, and what changed since the last.
fn write_state_and_changes(stage: &Path, results: Results) -> Result<()> {
    let (model, analysis) = (results.model, results.analysis);
    crate::changes::state::write(
        &stage.join(crate::changes::state::FILE),
        model.parcels.parcels.len(),
        |i| super::analyse::parcel_state(model, analysis, i),
    )?;
    if let Some(c) = &results.summary.changes {
        crate::changes::write_csv(&stage.join("changes.csv"), results.changes, c)?;
    }
    Ok(())
}

/// The GeoJSON of each spatial layer (longitude/latitude, or the working CRS's
/// coordinates when it is a local one).
fn write_geojson_files(
    stage: &Path,
    spatial: &[(OutputLayer, &OutLayer)],
    model: &Model,
    sel: &OutputSelection,
) -> Result<()> {
    let working = &model.working;
    if sel.writes(Format::Geojson) {
        let to_lonlat;
        let coords = if working.crs.kind == CrsKind::Local {
            Coordinates::Local
        } else {
            to_lonlat = Reprojector::from_definitions(&working.crs.definition, "EPSG:4326")?;
            Coordinates::LonLat(&to_lonlat)
        };
        for (id, layer) in spatial {
            let path = stage.join(format!("{}.geojson", id.as_str()));
            export::geojson::write_geojson(&path, layer, coords)?;
        }
    }
    Ok(())
}

/// The Shapefile (with its `.qml`) of each spatial layer, its text in the selected
/// encoding (a character it cannot hold written as a stand-in, and reported).
fn write_shapefiles(
    stage: &Path,
    spatial: &[(OutputLayer, &OutLayer)],
    model: &Model,
    sel: &OutputSelection,
) -> Result<Written> {
    let working = &model.working;
    let mut shortened = BTreeMap::new();
    let mut lossy: Vec<(OutputLayer, export::shapefile::Lossy)> = Vec::new();
    let mut lossy_count = 0;
    for &(id, layer) in spatial {
        let written = export::shapefile::write_shapefile_with(
            &stage.join(format!("{}.shp", id.as_str())),
            layer,
            working.esri_wkt().as_deref(),
            sel.shp_encoding.encoding(),
            export::shapefile::Unmappable::Replace,
        )?;
        lossy_count += written.lossy_count;
        lossy.extend(written.lossy.into_iter().map(|l| (id, l)));
        let names = written.names;
        // Its QGIS style beside it, in the Shapefile's own (short) field names.
        let short: Vec<String> = names.iter().map(|(_, s)| s.clone()).collect();
        let long_of: BTreeMap<String, String> = names
            .iter()
            .filter(|(l, s)| l != s)
            .map(|(l, s)| (s.clone(), l.clone()))
            .collect();
        write_text(
            &stage.join(format!("{}.qml", id.as_str())),
            &export::style::qml(id, &short, &long_of),
        )?;
        if id == OutputLayer::Parcels {
            shortened = names.into_iter().filter(|(l, s)| l != s).collect();
        }
    }
    let warnings = if lossy_count > 0 {
        vec![lossy_warning(sel, &lossy, lossy_count)]
    } else {
        Vec::new()
    };
    Ok(Written {
        shortened,
        warnings,
    })
}

/// The warning for Shapefile text that lost characters to `?`: how many, and the first
/// few by layer, field and record.
fn lossy_warning(
    sel: &OutputSelection,
    lossy: &[(OutputLayer, export::shapefile::Lossy)],
    count: usize,
) -> Warning {
    const SHOWN: usize = 5;
    let enc = sel.shp_encoding.name();
    let shown: Vec<String> = lossy
        .iter()
        .take(SHOWN)
        .map(|(layer, l)| {
            let at = match (l.fid, &l.id) {
                (None, _) => "field name".to_string(),
                (Some(fid), None) => format!("FID {fid}"),
                (Some(fid), Some(id)) => format!("FID {fid} ({id})"),
            };
            format!("{}.{} {at}: '{}'", layer.as_str(), l.field, l.value)
        })
        .collect();
    let more = if count > shown.len() {
        format!("; … {} more", count - shown.len())
    } else {
        String::new()
    };
    let n = crate::quality::group_digits(count as i64);
    Warning::new(
        "shapefile_text_replaced",
        count,
        format!(
            "Shapefile（{enc}）中 {n} 处文字含 {enc} 无法表示的字符，已写为 ?（GeoPackage、GeoJSON 保留原文）— {n} values or field names hold characters {enc} cannot encode, written as ? in the Shapefiles (the GeoPackage and GeoJSON keep them; --shp-encoding UTF-8 holds every character): {}{more}",
            shown.join("; ")
        ),
    )
}

/// `landsift.gpkg` with every layer and their styles (`layer_styles`), and the QGIS
/// project that opens it.
fn write_gpkg_and_project(
    stage: &Path,
    layers: &[(OutputLayer, &OutLayer)],
    results: Results,
) -> Result<()> {
    let (model, sel) = (results.model, &results.settings.output);
    let working = &model.working;
    let wkt = working.wkt();
    let styles = export::style::layer_styles_table(layers);
    let mut all: Vec<(&OutLayer, bool)> = layers
        .iter()
        .map(|(id, layer)| (*layer, id.is_spatial()))
        .collect();
    all.push((&styles, false));
    export::gpkg::write_gpkg(&stage.join("landsift.gpkg"), &all, wkt.as_deref())?;
    crate::publish::writeback::start_file(&stage.join("landsift.gpkg"));
    if !sel.writes(Format::Qgis) {
        return Ok(());
    }
    let project_layers: Vec<export::qgis_project::ProjectLayer> = layers
        .iter()
        .map(|(id, l)| export::qgis_project::ProjectLayer {
            layer: *id,
            fields: l.fields.iter().map(|f| f.name.clone()).collect(),
        })
        .collect();
    let crs = wkt.as_deref().map(|wkt| export::qgis_project::ProjectCrs {
        authid: working.crs.epsg.map(|c| format!("EPSG:{c}")),
        wkt,
        name: &working.crs.name,
        geographic: working.crs.kind == CrsKind::Geographic,
    });
    let ids: Vec<OutputLayer> = layers.iter().map(|(id, _)| *id).collect();
    let layouts =
        export::qgis_layout::layouts(&sheets(results), &imprint(results), &ids, "landsift.gpkg");
    let qgs = export::qgis_project::project(
        "landsift",
        "landsift.gpkg",
        &project_layers,
        crs.as_ref(),
        extent(&model.parcels.parcels),
        &layouts,
    );
    write_text(&stage.join("landsift.qgs"), &qgs)
}

/// The most towns that get a print layout each: a district's towns and streets (镇街)
/// are a few dozen; a town field with hundreds of values (villages, blocks) would bury
/// the layout manager, and gets the whole-area sheet only.
const MAX_TOWN_SHEETS: usize = 60;

/// The print layouts: the whole area, then each town (by name) when there are several
/// (and not more than [`MAX_TOWN_SHEETS`]).
fn sheets(r: Results) -> Vec<export::qgis_layout::Sheet> {
    use export::qgis_layout::Sheet;
    use geo::BoundingRect;
    let parcels = &r.model.parcels.parcels;
    let Some(all) = extent(parcels) else {
        return Vec::new();
    };
    let mut sheets = vec![Sheet {
        name: "全域 whole area".into(),
        place: "全域".into(),
        extent: all,
    }];
    let mut towns: BTreeMap<&str, Vec<geo::Rect<f64>>> = BTreeMap::new();
    for (p, t) in parcels.iter().zip(&r.analysis.town) {
        if let Some(b) = p.geometry.bounding_rect() {
            towns.entry(t.as_str()).or_default().push(b);
        }
    }
    if (2..=MAX_TOWN_SHEETS).contains(&towns.len()) {
        for (town, rects) in towns {
            let place = if town.is_empty() {
                "未注明镇街"
            } else {
                town
            };
            if let Some(e) = crate::spatial::planar::extent(rects) {
                sheets.push(Sheet {
                    name: format!("镇街 {place}"),
                    place: place.to_string(),
                    extent: crate::spatial::planar::bounds(e),
                });
            }
        }
    }
    sheets
}

/// Who issues the deliverables, from what and of when.
pub(super) fn imprint(r: Results) -> export::Imprint {
    let report = &r.settings.report;
    export::Imprint {
        bureau: report.bureau.clone(),
        data_date: report.data_date.clone(),
        date: report.date.clone(),
        source: data_source(r),
        crs: match r.model.working.crs.epsg {
            Some(code) => format!("{}（EPSG:{code}）", r.model.working.crs.name),
            None => r.model.working.crs.name.clone(),
        },
    }
}

/// The inputs as a map's or a report's source line: file names (never a folder of the
/// machine that ran it) and what was kept of them.
pub(super) fn data_source(r: Results) -> String {
    let name = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
    };
    let count = |n: usize| export::html_report::num(n as f64, 0);
    let kept = count(r.summary.parcels_out);
    let mut parts = vec![match name(&r.settings.parcels) {
        Some(n) if !r.summary.sample_district => format!("宗地 {n}（{kept} 宗）"),
        _ => format!("landsift 示例数据（{kept} 宗）"),
    }];
    if let (Some(n), Some(b)) = (name(&r.settings.buildings), r.summary.buildings_out) {
        parts.push(format!("建筑 {n}（{} 栋）", count(b)));
    }
    if let Some(n) = name(&r.settings.survey) {
        parts.push(format!("调查表 {n}"));
    }
    parts.join("；")
}

/// `stats.csv`, `stats.json`, `stats.xlsx` and `report.html`, as selected.
fn write_stats_and_report(stage: &Path, r: Results, sel: &OutputSelection) -> Result<()> {
    let (model, analysis, summary) = (r.model, r.analysis, r.summary);
    let stats = export::stats::build(&export::stats::StatsInput {
        parcels: &model.parcels.parcels,
        scores: &analysis.scores,
        town: &analysis.town,
        zones: &analysis.zones,
        criteria: r.criteria,
        opts: &r.settings.zones,
        scheme: r.settings.scheme(),
    });
    if sel.writes(Format::Stats) {
        export::stats::write_csv(&stage.join("stats.csv"), &stats)?;
        export::stats::write_json(&stage.join("stats.json"), &stats)?;
        export::xlsx::write_xlsx(
            &stage.join("stats.xlsx"),
            &export::xlsx::XlsxInput {
                stats: &stats,
                criteria: r.criteria,
                zones: &analysis.zones,
            },
        )?;
    }
    if !sel.writes(Format::Report) {
        return Ok(());
    }
    let html = export::html_report::render(&export::html_report::ReportInput {
        parcels: &model.parcels.parcels,
        scores: &analysis.scores,
        excluded: &analysis.excluded,
        town: &analysis.town,
        zones: &analysis.zones,
        stats: &stats,
        criteria: r.criteria,
        summary,
        changes: r.changes,
        imprint: &imprint(r),
    });
    write_text(&stage.join("report.html"), &html)
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::output(path, "cannot write").because(e))
}

/// The parcels' extent `[xmin, ymin, xmax, ymax]`, `None` without parcels.
fn extent(parcels: &[crate::model::Parcel]) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let rects = parcels.iter().filter_map(|p| p.geometry.bounding_rect());
    crate::spatial::planar::extent(rects).map(crate::spatial::planar::bounds)
}

/// What changed since the last publish, with the geometry each change concerns now
/// (none for what was removed).
fn changes_layer<'a>(model: &'a Model, analysis: &'a Analysis, changes: &[Change]) -> OutLayer<'a> {
    let text = |s: &str| {
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s.to_string())
        }
    };
    let z = &analysis.zones;
    let rows = changes
        .iter()
        .map(|c| OutRow {
            geometry: c.now.and_then(|i| match c.subject {
                "parcel" => model.parcels.parcels.get(i).map(|p| &p.geometry),
                "small_circle" => z.small.get(i).map(|z| &z.outline),
                "middle_circle" => z.middle.get(i).map(|z| &z.outline),
                "large_circle" => z.large.get(i).map(|z| &z.outline),
                _ => None,
            }),
            values: vec![
                text(c.subject),
                text(&c.id),
                text(&c.town),
                text(c.change),
                text(c.change_zh()),
                text(&c.before),
                text(&c.after),
                text(&c.detail),
            ],
        })
        .collect();
    let field = |n: &str| FieldDef::new(n, FieldKind::Text);
    OutLayer::of(
        OutputLayer::Changes,
        crate::changes::COLUMNS.into_iter().map(field).collect(),
        rows,
    )
}

/// Buildings that stand in no parcel (roads, rivers, outside the parcels layer): once
/// measured, the model holds only those ([`super::release_buildings`]).
fn orphan_layer<'a>(model: &'a Model, analysis: &Analysis) -> Option<OutLayer<'a>> {
    let buildings = model.buildings.as_ref()?;
    let measured = analysis.measured.as_ref()?;
    debug_assert_eq!(buildings.len(), measured.orphans.len());
    let rows = buildings
        .iter()
        .map(|b| OutRow {
            geometry: Some(&b.geometry),
            values: vec![
                Value::Int(b.index as i64),
                b.floors.map(Value::Real).unwrap_or(Value::Null),
                Value::Real(b.area_m2),
            ],
        })
        .collect();
    Some(OutLayer::of(
        OutputLayer::OrphanBuildings,
        vec![
            FieldDef::new("record", FieldKind::Int),
            FieldDef::new("floors", FieldKind::Real),
            FieldDef::new("area_m2", FieldKind::Real),
        ],
        rows,
    ))
}

/// Writes `summary.json`.
pub(super) fn write_summary(dir: &Path, summary: &Summary) -> Result<()> {
    let path = dir.join("summary.json");
    let text = serde_json::to_string_pretty(summary).expect("summary serialises");
    std::fs::write(&path, text + "\n").map_err(|e| Error::output(&path, "cannot write").because(e))
}
