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
    let parcels = export::parcels::parcels_layer(
        &model.parcels.parcels,
        &inputs.parcels.fields,
        &settings.mapping.fields,
        &analysis.columns,
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
    let written = write_vector_files(&stage, &spatial, model, sel, timer)?;

    timer.begin(Stage::WriteGpkg);
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
    if sel.writes(Format::Gpkg) {
        write_gpkg_and_project(&stage, &layers, model, sel)?;
    }

    timer.begin(Stage::WriteReport);
    if sel.writes(Format::Stats) || sel.writes(Format::Report) {
        write_stats_and_report(&stage, results, sel)?;
    }

    Ok(written)
}

/// GeoJSON and Shapefile (with its `.qml`) of each spatial layer, the Shapefiles' text
/// in the selected encoding (a character it cannot hold written as a stand-in, and
/// reported).
fn write_vector_files(
    stage: &Path,
    spatial: &[(OutputLayer, &OutLayer)],
    model: &Model,
    sel: &OutputSelection,
    timer: &mut Timer<'_>,
) -> Result<Written> {
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
    timer.begin(Stage::WriteShapefile);
    let mut shortened = BTreeMap::new();
    let mut lossy: Vec<(OutputLayer, export::shapefile::Lossy)> = Vec::new();
    let mut lossy_count = 0;
    if sel.writes(Format::Shp) {
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
    model: &Model,
    sel: &OutputSelection,
) -> Result<()> {
    let working = &model.working;
    let wkt = working.wkt();
    let styles = export::style::layer_styles_table(layers);
    let mut all: Vec<(&OutLayer, bool)> = layers
        .iter()
        .map(|(id, layer)| (*layer, id.is_spatial()))
        .collect();
    all.push((&styles, false));
    export::gpkg::write_gpkg(&stage.join("landsift.gpkg"), &all, wkt.as_deref())?;
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
    let qgs = export::qgis_project::project(
        "landsift",
        "landsift.gpkg",
        &project_layers,
        crs.as_ref(),
        extent(&model.parcels.parcels),
    );
    write_text(&stage.join("landsift.qgs"), &qgs)
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

/// Buildings that stand in no parcel (roads, rivers, outside the parcels layer).
fn orphan_layer<'a>(model: &'a Model, analysis: &Analysis) -> Option<OutLayer<'a>> {
    let buildings = model.buildings.as_ref()?;
    let measured = analysis.measured.as_ref()?;
    let rows = measured
        .orphans
        .iter()
        .map(|&i| {
            let b = &buildings[i];
            OutRow {
                geometry: Some(&b.geometry),
                values: vec![
                    Value::Int(b.index as i64),
                    b.floors.map(Value::Real).unwrap_or(Value::Null),
                    Value::Real(b.area_m2),
                ],
            }
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
