//! Ingest: read parcel (and other polygon) layers as they arrive at a bureau, into the
//! model in the metric working CRS. Every record ends up in the model or in the rejects
//! list with its reason.

pub mod dbf;
pub mod gdal;
pub mod geometry;
pub mod location;
pub mod planning;
pub mod programme;
pub mod shapefile;
pub mod table;
pub mod towns;
mod validity;

use crate::crs::{self, Reprojector, SourceCrs, WorkingCrs};
use crate::error::{Error, Result};
use crate::landuse::{normalise_code, Scheme};
use crate::model::{
    Building, Choice, CrsDecl, FieldKind, FieldMap, Parcel, RawFeature, RawLayer, Reject,
    SurveyField, Value,
};
use crate::spatial::planar::{bounds, extent};
use geometry::Checked;
pub use geometry::InvalidPolicy;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Reads a layer by its file type: `.shp` through the `shapefile` crate (with DBF
/// encoding detection), everything else (GeoJSON, GeoPackage, FileGDB) through GDAL.
pub fn read_layer(path: &Path, layer: Option<&str>, encoding: Option<&str>) -> Result<RawLayer> {
    read_layer_fields(path, layer, encoding, None)
}

/// [`read_layer`] keeping the values of the fields named in `keep` only, when given: the
/// others are null in every record (GDAL does not read them; a shapefile's are dropped
/// once read), while the layer's field list stays whole for messages and reports. A
/// buildings layer needs its floors and height fields, not the dozens a survey carries.
pub fn read_layer_fields(
    path: &Path,
    layer: Option<&str>,
    encoding: Option<&str>,
    keep: Option<&[&str]>,
) -> Result<RawLayer> {
    if !path.exists() {
        return Err(Error::input(path, "does not exist"));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut raw = if ext == "shp" {
        shapefile::read_shapefile(path, encoding)?
    } else {
        gdal::read_gdal_fields(path, layer, keep)?
    };
    // NULs are counted in every value read, kept or not.
    strip_nul(&mut raw);
    if let Some(keep) = keep {
        let dropped: Vec<usize> = (0..raw.fields.len())
            .filter(|&i| !keep.contains(&raw.fields[i].name.as_str()))
            .collect();
        if !dropped.is_empty() {
            raw.features.par_iter_mut().for_each(|f| {
                for &i in &dropped {
                    if let Some(v) = f.values.get_mut(i) {
                        *v = Value::Null;
                    }
                }
            });
        }
    }
    Ok(raw)
}

/// Removes NUL characters from text values and field names (a DBF pads with them, a
/// GeoJSON string may hold `\u0000`; GeoPackage and DBF text end at them), counting the
/// values changed.
fn strip_nul(raw: &mut RawLayer) {
    let clean = |s: &mut String| {
        let had = s.contains('\0');
        if had {
            s.retain(|c| c != '\0');
        }
        had
    };
    let mut n = 0;
    for f in &mut raw.fields {
        n += usize::from(clean(&mut f.name));
    }
    n += raw
        .features
        .par_iter_mut()
        .map(|feature| {
            feature
                .values
                .iter_mut()
                .map(|v| match v {
                    Value::Text(s) => usize::from(clean(s)),
                    _ => 0,
                })
                .sum::<usize>()
        })
        .sum::<usize>();
    raw.nul_stripped = n;
}

/// The source CRS of a layer: `--s-srs` when given (it wins, as `ogr2ogr -s_srs`),
/// else what the layer declares; none at all is an error.
pub fn source_crs(raw: &RawLayer, s_srs: Option<&str>) -> Result<SourceCrs> {
    let decl = match (s_srs, &raw.crs) {
        (Some(user), _) => crs::parse_user_crs(user)?,
        (None, Some(decl)) => decl.clone(),
        (None, None) => {
            return Err(Error::crs(
                &raw.source,
                "the layer declares no CRS (no .prj / SRS); state it with --s-srs EPSG:N, a WKT string, or --s-srs local for a grid with no geodetic link",
            ))
        }
    };
    if let (CrsDecl::Local, Some(bbox)) = (&decl, bbox(raw)) {
        if bbox[0] >= -180.0 && bbox[2] <= 180.0 && bbox[1] >= -90.0 && bbox[3] <= 90.0 {
            return Err(Error::crs(
                &raw.source,
                "--s-srs local given, but the coordinates look like lon/lat degrees",
            ));
        }
    }
    crs::identify(&decl, &raw.source)
}

/// The centre of a raw layer's features (the median of their envelope centres; see
/// [`location`]), `None` when it has none.
pub fn centre(raw: &RawLayer) -> Option<geo::Coord<f64>> {
    use geo::BoundingRect;
    let envelopes: Vec<Option<geo::Rect<f64>>> = raw
        .features
        .iter()
        .map(|f| f.geometry.as_ref()?.bounding_rect())
        .collect();
    location::median_centre(&envelopes)
}

/// `[min_x, min_y, max_x, max_y]` of a raw layer's coordinates, `None` when it has none.
pub fn bbox(raw: &RawLayer) -> Option<[f64; 4]> {
    use geo::BoundingRect;
    let rects = raw
        .features
        .iter()
        .filter_map(|f| f.geometry.as_ref()?.bounding_rect())
        .filter(|r| bounds(*r).iter().all(|v| v.is_finite()));
    extent(rects).map(bounds)
}

/// How a parcels layer maps onto the engine's model (the configuration's `scheme`,
/// `[fields]`, `[land_use_recode]` and `invalid`).
#[derive(Debug, Clone)]
pub struct Mapping {
    pub scheme: Scheme,
    pub fields: FieldMap,
    /// Source land-use value → code of the scheme.
    pub recode: BTreeMap<String, String>,
    pub invalid: InvalidPolicy,
}

/// The buildings' floors field when the configuration names none.
pub const DEFAULT_FLOORS: &str = "floors";

/// Names of a buildings layer's floors field met in practice (层数 and its pinyin
/// initials, survey database names), for `landsift init`'s suggestion; a run reads
/// `[buildings] floors` (default [`DEFAULT_FLOORS`]).
pub const FLOORS_FIELDS: &[&str] = &[
    DEFAULT_FLOORS,
    "层数",
    "地上层数",
    "建筑层数",
    "房屋层数",
    "总层数",
    "楼层数",
    "CS",
    "DSCS",
    "JZCS",
    "FWCS",
    "ZCS",
    "FLOOR",
    "STOREYS",
    "LEVELS",
];

/// Names of a buildings layer's height field (metres) met in practice.
pub const HEIGHT_FIELDS: &[&str] = &[
    "height",
    "height_m",
    "高度",
    "建筑高度",
    "房屋高度",
    "GD",
    "JZGD",
    "FWGD",
    "BLDG_HEIGHT",
];

/// Where the buildings' floors come from.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildingFields {
    /// Field with the number of floors (层数).
    pub floors: String,
    /// Field with the height in metres, used when floors are missing.
    pub height: Option<String>,
    /// Metres per storey to turn a height into floors.
    pub storey_height: f64,
}

/// What preparing a parcels layer produced.
#[derive(Debug, Default)]
pub struct PreparedParcels {
    /// Parcels in source record order.
    pub parcels: Vec<Parcel>,
    pub rejects: Vec<Reject>,
    /// Number of parcels whose geometry was repaired.
    pub repaired: usize,
    /// Model fields with no source field (all values unknown).
    pub fields_missing: Vec<String>,
    /// Per model field, how many values could not be read as numbers (kept as unknown).
    pub values_unparsed: BTreeMap<String, usize>,
}

impl PreparedParcels {
    /// Rejected records per reason.
    pub fn rejected_by_reason(&self) -> BTreeMap<String, usize> {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for r in &self.rejects {
            *by.entry(r.reason.clone()).or_default() += 1;
        }
        by
    }
}

/// Every field a run needs that its layers lack, in one error (exit 4): the required
/// engine fields with no source field, each field the configuration or `--field` maps to
/// a name the layer does not have, and buildings with neither their floors nor their
/// height field. A run checks this before validating anything, so that a new mapping
/// takes one attempt, not one per field.
pub fn check_fields(
    parcels: &RawLayer,
    mapping: &Mapping,
    buildings: Option<(&RawLayer, &BuildingFields)>,
) -> Result<()> {
    let mut problems = Vec::new();
    let fields_of = |layer: &RawLayer| {
        layer
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for &field in SurveyField::ALL {
        let (name, src) = (field.name(), mapping.fields.source(field));
        if parcels.field_index(src).is_some() {
            continue;
        }
        if mapping.fields.is_set(field) {
            problems.push(format!(
                "engine field '{name}' is mapped to '{src}', which the parcels layer does not have"
            ));
        } else if field.required() {
            problems.push(format!(
                "has no field '{src}' for the required engine field '{name}'"
            ));
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "the parcels layer's fields are: {}",
            fields_of(parcels)
        ));
    }
    let mut at = parcels.source.clone();
    if let Some((b, bf)) = buildings {
        let before = problems.len();
        let floors = b.field_index(&bf.floors);
        let height = bf.height.as_deref().map(|h| (h, b.field_index(h)));
        let where_ = b.source.display();
        if floors.is_none() && bf.floors != DEFAULT_FLOORS {
            problems.push(format!(
                "buildings {where_} have no floors field '{}' ([buildings] floors)",
                bf.floors
            ));
        }
        if let Some((h, None)) = height {
            problems.push(format!(
                "buildings {where_} have no height field '{h}' ([buildings] height)"
            ));
        }
        let height_found = matches!(height, Some((_, Some(_))));
        if floors.is_none() && !height_found && bf.floors == DEFAULT_FLOORS {
            problems.push(format!(
                "buildings {where_} have no floors field '{}' nor a height field to read floors from ([buildings] floors, height)",
                bf.floors
            ));
        }
        if problems.len() > before {
            problems.push(format!("the buildings' fields are: {}", fields_of(b)));
            if before == 0 {
                at = b.source.clone();
            }
        }
    }
    match problems.len() {
        0 => Ok(()),
        _ => Err(Error::input(
            at,
            format!(
                "fields missing — map them in the config's [fields] and [buildings], or with --field ENGINE=SOURCE (`landsift init` suggests a mapping from the data):\n  - {}",
                problems.join("\n  - ")
            ),
        )),
    }
}

/// Validates and normalises a parcels layer into the model in the working CRS. Each
/// record's geometry and values are freed from `raw` as it is turned into a parcel (the
/// parcel holds what it needs of them), so the two copies are not held at once.
pub fn prepare_parcels(
    raw: &mut RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
    mapping: &Mapping,
) -> Result<PreparedParcels> {
    let mut fields_missing = Vec::new();
    let mut map: Vec<Option<usize>> = Vec::with_capacity(SurveyField::ALL.len());
    for &field in SurveyField::ALL {
        let (name, src) = (field.name(), mapping.fields.source(field));
        let idx = raw.field_index(src);
        if idx.is_none() {
            if field.required() {
                let have: Vec<&str> = raw.fields.iter().map(|f| f.name.as_str()).collect();
                return Err(Error::input(
                    &raw.source,
                    format!(
                        "has no field '{src}' for the required engine field '{name}' (map it in the config's [fields]); its fields are: {}",
                        have.join(", ")
                    ),
                ));
            }
            fields_missing.push(name.to_string());
        }
        map.push(idx);
    }
    let id_field = map[SurveyField::ParcelId.index()];
    let mut checked = check_features(raw, source, working, mapping.invalid, id_field)?;
    reject_outliers(&mut checked);
    reject_unprojectable(&mut checked, working);
    let label = raw.source.display().to_string();
    let mut out = PreparedParcels {
        fields_missing,
        parcels: Vec::with_capacity(raw.features.len()),
        ..Default::default()
    };
    // The source attributes a parcel keeps: those the parcels layer passes through.
    let kept: Vec<usize> = (0..raw.fields.len())
        .filter(|&i| !mapping.fields.feeds_its_namesake(&raw.fields[i].name))
        .collect();
    // Each record's own verdict (geometry, id, land use) in parallel; then, in record
    // order, the duplicate ids and the counts. Blocks of records bound what is held twice;
    // each record gives up its raw geometry and values as it is judged.
    let lu_idx = SurveyField::LandUse.index();
    let judge = |feature: &mut RawFeature, verdict: Checked| {
        feature.geometry = None;
        let mut values = std::mem::take(&mut feature.values);
        let feature = &*feature;
        let mut unparsed = Vec::new();
        let survey: Vec<Value> = SurveyField::ALL
            .iter()
            .zip(&map)
            .map(|(field, idx)| {
                let v = idx.map(|i| &values[i]).unwrap_or(&Value::Null);
                normalise(v, field.kind(), field.name(), &mut unparsed)
            })
            .collect();
        let id = survey[SurveyField::ParcelId.index()]
            .as_text()
            .unwrap_or_default();
        let reject = |reason: &'static str, detail: String| Judged::Reject {
            id: id.clone(),
            reason,
            detail,
        };
        let (geometry, repaired) = match verdict {
            Checked::Valid { geometry, repaired } => (geometry, repaired),
            Checked::Invalid { reason, detail } => return reject(reason, detail),
        };
        if id.is_empty() {
            return reject(
                "missing_id",
                format!(
                    "no value in field '{}'",
                    mapping.fields.source(SurveyField::ParcelId)
                ),
            );
        }
        let raw_code = survey[lu_idx].as_text().unwrap_or_default();
        if raw_code.is_empty() {
            return reject(
                "missing_land_use",
                format!(
                    "no value in field '{}'",
                    mapping.fields.source(SurveyField::LandUse)
                ),
            );
        }
        let code = mapping
            .recode
            .get(raw_code.trim())
            .map(|c| normalise_code(c))
            .unwrap_or_else(|| normalise_code(&raw_code));
        if mapping.scheme.name_of(&code).is_none() {
            return reject(
                "unknown_land_use",
                format!(
                    "land-use code '{raw_code}' is not in the {} scheme",
                    mapping.scheme.name()
                ),
            );
        }
        let mut survey = survey;
        survey[lu_idx] = Value::Text(code);
        use geo::Area;
        Judged::Parcel {
            parcel: Parcel {
                id,
                index: feature.index,
                area_m2: geometry.unsigned_area(),
                geometry,
                attrs: kept
                    .iter()
                    .map(|&i| std::mem::replace(&mut values[i], Value::Null))
                    .collect(),
                survey: survey.into(),
                repaired,
            },
            unparsed,
        }
    };
    // Sized once: no rehash (nor an old table beside the new) as a district's ids go in.
    let mut first_seen: HashMap<String, usize> = HashMap::with_capacity(raw.features.len());
    let mut checked = checked.into_iter();
    for block in raw.features.chunks_mut(JUDGED_BLOCK) {
        let verdicts: Vec<Checked> = checked.by_ref().take(block.len()).collect();
        let judged: Vec<Judged> = block
            .par_iter_mut()
            .zip(verdicts)
            .map(|(feature, verdict)| judge(feature, verdict))
            .collect();
        for (feature, judged) in block.iter().zip(judged) {
            let mut reject = |id: String, reason: &str, detail: String| {
                out.rejects.push(Reject {
                    source: label.clone(),
                    index: feature.index,
                    id,
                    reason: reason.into(),
                    detail,
                })
            };
            let (parcel, unparsed) = match judged {
                Judged::Parcel { parcel, unparsed } => (parcel, unparsed),
                Judged::Reject { id, reason, detail } => {
                    reject(id, reason, detail);
                    continue;
                }
            };
            if let Some(first) = first_seen.get(&parcel.id) {
                let detail = format!("id '{}' already used by record {first}", parcel.id);
                reject(parcel.id, "duplicate_id", detail);
                continue;
            }
            first_seen.insert(parcel.id.clone(), feature.index);
            for name in unparsed {
                *out.values_unparsed.entry(name.to_string()).or_default() += 1;
            }
            if !parcel.repaired.is_empty() {
                out.repaired += 1;
            }
            out.parcels.push(parcel);
        }
    }
    out.parcels.shrink_to_fit();
    Ok(out)
}

/// Records judged in parallel at a time by [`prepare_parcels`].
const JUDGED_BLOCK: usize = 1 << 16;

/// One parcel record's verdict before the duplicate-id check.
enum Judged {
    Parcel {
        parcel: Parcel,
        /// Survey fields whose value could not be read as a number.
        unparsed: Vec<&'static str>,
    },
    Reject {
        id: String,
        reason: &'static str,
        detail: String,
    },
}

/// Validates a buildings layer (footprints with floors); buildings need no id. Each
/// record's floors and height are read, and its values freed, before its geometry is
/// taken from `raw` into its building (see [`check_features`]): a district's 3M
/// building records' values are not held beside their checked footprints.
pub fn prepare_buildings(
    raw: &mut RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
    bf: &BuildingFields,
    policy: InvalidPolicy,
) -> Result<(Vec<Building>, Vec<Reject>)> {
    let floors_idx = raw.field_index(&bf.floors);
    let height_idx = bf.height.as_deref().and_then(|h| raw.field_index(h));
    if floors_idx.is_none() && height_idx.is_none() {
        return Err(Error::input(
            &raw.source,
            format!(
                "buildings have no floors field '{}'{}; map it in the config's [buildings]",
                bf.floors,
                bf.height
                    .as_deref()
                    .map(|h| format!(" nor height field '{h}'"))
                    .unwrap_or_default()
            ),
        ));
    }
    let number = |f: &RawFeature, i: Option<usize>| i.and_then(|i| f.values.get(i)?.as_f64());
    // One parallel pass: each record's floors and height are read and its values freed,
    // its geometry taken, checked and made a building (or a reject) at once, so that no
    // array of verdicts or storeys stands beside the buildings (2.6M at a million
    // parcels).
    let label = raw.source.display().to_string();
    let items = raw.features.par_iter_mut().map(|f| {
        let storeys = (number(f, floors_idx), number(f, height_idx));
        f.values = Vec::new();
        (f.geometry.take().map(Cow::Owned), (f.index, storeys))
    });
    let outcomes: Vec<BuildingOutcome> = verdicts_into(
        items,
        source,
        working,
        policy,
        |checked, (index, (floors, height))| match checked {
            Checked::Valid { geometry, .. } => Ok(building(index, geometry, floors, height, bf)),
            Checked::Invalid { reason, detail } => Err(Box::new(Reject {
                source: label.clone(),
                index,
                id: String::new(),
                reason: reason.into(),
                detail,
            })),
        },
    )?;
    let details = outcomes
        .iter()
        .map(|o| o.as_ref().err().map(|r| r.detail.as_str()));
    stop_at_first_invalid(raw, details, policy, None)?;
    let mut rejects = Vec::new();
    // Collected in place (a building is the size of an outcome): no second array.
    let buildings = outcomes
        .into_iter()
        .filter_map(|o| o.map_err(|r| rejects.push(*r)).ok())
        .collect();
    Ok((buildings, rejects))
}

/// A building record once checked: the building, or its reject (boxed, so that an
/// outcome is the size of a building).
type BuildingOutcome = Result<Building, Box<Reject>>;

/// A valid footprint with its floors (from the floors field, else height ÷ storey
/// height) and height.
fn building(
    index: usize,
    geometry: geo::MultiPolygon<f64>,
    floors: Option<f64>,
    height: Option<f64>,
    bf: &BuildingFields,
) -> Building {
    use geo::Area;
    let floors = floors.filter(|f| *f > 0.0).or_else(|| {
        height
            .filter(|h| *h > 0.0)
            .map(|h| (h / bf.storey_height).round().max(1.0))
    });
    Building {
        index,
        area_m2: geometry.unsigned_area(),
        geometry,
        floors,
        height_m: height.filter(|h| h.is_finite() && *h > 0.0),
    }
}

/// Validates any other polygon layer (constraint layers, town boundaries): geometry
/// only, in the working CRS; invalid records become rejects.
pub fn prepare_polygons(
    raw: &RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
    policy: InvalidPolicy,
) -> Result<(Vec<geo::MultiPolygon<f64>>, Vec<Reject>)> {
    let checked = check_features_kept(raw, source, working, policy)?;
    let label = raw.source.display().to_string();
    let mut polygons = Vec::new();
    let mut rejects = Vec::new();
    for (feature, verdict) in raw.features.iter().zip(checked) {
        match verdict {
            Checked::Valid { geometry, .. } => polygons.push(geometry),
            Checked::Invalid { reason, detail } => rejects.push(Reject {
                source: label.clone(),
                index: feature.index,
                id: String::new(),
                reason: reason.into(),
                detail,
            }),
        }
    }
    Ok((polygons, rejects))
}

/// A geometry with its record's position in its layer.
pub type Positioned = (usize, geo::Geometry<f64>);

/// Any geometry layer in the working CRS, not validated as polygons (barrier lines and
/// polygons, town boundaries): records without geometry are skipped; records with a
/// non-finite coordinate, or that cannot be reprojected, are rejected. Each geometry
/// comes with its position in the layer.
pub fn prepare_geometries(
    raw: &RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
) -> Result<(Vec<Positioned>, Vec<Reject>)> {
    use geo::CoordsIter;
    let proj = (!source.same_as(&working.crs))
        .then(|| Reprojector::new(source, &working.crs))
        .transpose()?;
    let label = raw.source.display().to_string();
    let reject = |f: &RawFeature, reason: &str, detail: String| Reject {
        source: label.clone(),
        index: f.index,
        id: String::new(),
        reason: reason.into(),
        detail,
    };
    let mut out = Vec::with_capacity(raw.features.len());
    let mut rejects = Vec::new();
    for (i, f) in raw.features.iter().enumerate() {
        let Some(g) = &f.geometry else { continue };
        if let Some(c) = g
            .coords_iter()
            .find(|c| !(c.x.is_finite() && c.y.is_finite()))
        {
            rejects.push(reject(
                f,
                "invalid_geometry",
                format!("non-finite coordinate ({}, {})", c.x, c.y),
            ));
            continue;
        }
        match &proj {
            Some(p) => match p.geometry(g) {
                Ok(t) => out.push((i, t)),
                Err(e) => rejects.push(reject(f, "reprojection_failed", e.report())),
            },
            None => out.push((i, g.clone())),
        }
    }
    Ok((out, rejects))
}

/// Reprojects (when the working CRS differs) and checks every feature, in parallel;
/// under `stop` the first invalid record in source order ends the run. Each feature's
/// geometry is taken from `raw` as it is checked (moved into the verdict, or dropped
/// once reprojected), so a layer's geometry is never held twice; its values stay.
fn check_features(
    raw: &mut RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
    policy: InvalidPolicy,
    id_field: Option<usize>,
) -> Result<Vec<Checked>> {
    let geometries = raw
        .features
        .par_iter_mut()
        .map(|f| f.geometry.take().map(Cow::Owned));
    let checked = verdicts(geometries, source, working, policy)?;
    stop_at_invalid(raw, checked, policy, id_field)
}

/// [`check_features`] leaving `raw`'s geometry in place.
fn check_features_kept(
    raw: &RawLayer,
    source: &SourceCrs,
    working: &WorkingCrs,
    policy: InvalidPolicy,
) -> Result<Vec<Checked>> {
    let geometries = raw
        .features
        .par_iter()
        .map(|f| f.geometry.as_ref().map(Cow::Borrowed));
    let checked = verdicts(geometries, source, working, policy)?;
    stop_at_invalid(raw, checked, policy, None)
}

/// Each geometry's verdict, in order: outside the source CRS's area of use, not
/// reprojectable, or [`geometry::check`]'s.
fn verdicts<'a>(
    geometries: impl IndexedParallelIterator<Item = Option<Cow<'a, geo::Geometry<f64>>>>,
    source: &SourceCrs,
    working: &WorkingCrs,
    policy: InvalidPolicy,
) -> Result<Vec<Checked>> {
    let items = geometries.map(|g| (g, ()));
    verdicts_into(items, source, working, policy, |checked, ()| checked)
}

/// [`verdicts`], each verdict handed with its item's `extra` to `finish` in the same
/// parallel pass: what a layer keeps of a record is made as the record is checked,
/// without an array of verdicts beside the result.
fn verdicts_into<'a, E: Send, T: Send>(
    items: impl IndexedParallelIterator<Item = (Option<Cow<'a, geo::Geometry<f64>>>, E)>,
    source: &SourceCrs,
    working: &WorkingCrs,
    policy: InvalidPolicy,
    finish: impl Fn(Checked, E) -> T + Sync + Send,
) -> Result<Vec<T>> {
    let needs_transform = !source.same_as(&working.crs);
    if needs_transform {
        // Fail early, with the CRS in the message, if PROJ cannot build the transform.
        Reprojector::new(source, &working.crs)?;
    }
    let area = location::area_of_use(source);
    Ok(items
        .map_init(
            || {
                needs_transform
                    .then(|| Reprojector::new(source, &working.crs).ok())
                    .flatten()
            },
            |proj, (g, extra)| {
                let checked = verdict(proj.as_ref(), g, area.as_ref(), source, policy);
                finish(checked, extra)
            },
        )
        .collect())
}

/// One geometry's verdict (see [`verdicts`]); `proj` is the reprojector to the working
/// CRS, when it differs.
fn verdict(
    proj: Option<&Reprojector>,
    g: Option<Cow<'_, geo::Geometry<f64>>>,
    area: Option<&geo::Rect<f64>>,
    source: &SourceCrs,
    policy: InvalidPolicy,
) -> Checked {
    use geo::BoundingRect;
    if let (Some(a), Some(r)) = (area, g.as_ref().and_then(|g| g.bounding_rect())) {
        if location::outside(a, &r) {
            return Checked::Invalid {
                reason: "outside_crs_area",
                detail: format!(
                    "its centre ({:.1}, {:.1}) lies outside the area of use of {} (widened by {}°): coordinates that CRS cannot mean",
                    r.center().x,
                    r.center().y,
                    source.label(),
                    location::AREA_MARGIN_DEG
                ),
            };
        }
    }
    match (proj, g) {
        // The source geometry goes as soon as it is reprojected.
        (Some(p), Some(g)) => match p.geometry(&g) {
            Ok(t) => {
                drop(g);
                geometry::check_owned(Some(t), policy)
            }
            Err(e) => Checked::Invalid {
                reason: "reprojection_failed",
                detail: e.report(),
            },
        },
        (_, Some(Cow::Owned(g))) => geometry::check_owned(Some(g), policy),
        (_, Some(Cow::Borrowed(g))) => geometry::check(Some(g), policy),
        (_, None) => geometry::check(None, policy),
    }
}

/// Under `stop`, the first invalid record in source order as the run's error.
fn stop_at_invalid(
    raw: &RawLayer,
    checked: Vec<Checked>,
    policy: InvalidPolicy,
    id_field: Option<usize>,
) -> Result<Vec<Checked>> {
    let details = checked.iter().map(|c| match c {
        Checked::Invalid { detail, .. } => Some(detail.as_str()),
        Checked::Valid { .. } => None,
    });
    stop_at_first_invalid(raw, details, policy, id_field)?;
    Ok(checked)
}

/// Under `stop`, the first invalid record in source order as the run's error;
/// `details` holds each record's problem in the layer's order (`None`: valid).
fn stop_at_first_invalid<'d>(
    raw: &RawLayer,
    details: impl IntoIterator<Item = Option<&'d str>>,
    policy: InvalidPolicy,
    id_field: Option<usize>,
) -> Result<()> {
    if policy != InvalidPolicy::Stop {
        return Ok(());
    }
    let first = raw
        .features
        .iter()
        .zip(details)
        .find_map(|(f, detail)| Some((f, detail?)));
    match first {
        Some((f, detail)) => Err(Error::InvalidGeometry {
            path: raw.source.clone(),
            record: f.index,
            id: id_field
                .and_then(|i| f.values[i].as_text())
                .unwrap_or_default(),
            detail: detail.to_string(),
        }),
        None => Ok(()),
    }
}

/// Turns features far outside the rest of the layer into rejects (see [`location`]).
fn reject_outliers(checked: &mut [Checked]) {
    use geo::BoundingRect;
    let envelopes: Vec<Option<geo::Rect<f64>>> = checked
        .par_iter()
        .map(|c| match c {
            Checked::Valid { geometry, .. } => geometry.bounding_rect(),
            Checked::Invalid { .. } => None,
        })
        .collect();
    let (flags, limit) = location::outliers(&envelopes);
    let Some(centre) = location::median_centre(&envelopes) else {
        return;
    };
    for ((c, outlier), r) in checked.iter_mut().zip(flags).zip(&envelopes) {
        if let (true, Some(r)) = (outlier, r) {
            *c = Checked::Invalid {
                reason: "outlier_location",
                detail: format!(
                    "it reaches {:.0} km from the layer's centre ({:.1}, {:.1}), beyond the {:.0} km that ten times the reach of 90 % of the layer allows: a stray feature or coordinate",
                    (r.max().x - centre.x)
                        .abs()
                        .max((r.min().x - centre.x).abs())
                        .max((r.max().y - centre.y).abs())
                        .max((r.min().y - centre.y).abs())
                        / 1000.0,
                    centre.x,
                    centre.y,
                    limit / 1000.0
                ),
            };
        }
    }
}

/// Turns parcels that cannot be expressed in lon/lat (EPSG:4326, as the GeoJSON output
/// needs) into rejects, so that no writer meets them at the end of a run. The corners of
/// the layer's extent decide for all when they project (the usual case); else each
/// parcel's envelope is tried.
fn reject_unprojectable(checked: &mut [Checked], working: &WorkingCrs) {
    use geo::BoundingRect;
    if working.crs.kind == crs::CrsKind::Local {
        return;
    }
    let Ok(to) = Reprojector::from_definitions(&working.crs.definition, "EPSG:4326") else {
        return; // the writer reports a CRS PROJ cannot invert, once
    };
    let corners_project = |r: &geo::Rect<f64>| {
        let (lo, hi) = (r.min(), r.max());
        [
            lo,
            hi,
            geo::Coord { x: lo.x, y: hi.y },
            geo::Coord { x: hi.x, y: lo.y },
            r.center(),
        ]
        .into_iter()
        .all(|c| {
            to.coord(c)
                .is_ok_and(|p| p.x.is_finite() && p.y.is_finite())
        })
    };
    let envelope = |c: &Checked| match c {
        Checked::Valid { geometry, .. } => geometry.bounding_rect(),
        Checked::Invalid { .. } => None,
    };
    let all = extent(checked.iter().filter_map(envelope));
    if all.is_none_or(|r| corners_project(&r)) {
        return;
    }
    for c in checked.iter_mut() {
        if let Some(r) = envelope(c).filter(|r| !corners_project(r)) {
            *c = Checked::Invalid {
                reason: "reprojection_failed",
                detail: format!(
                    "its envelope ({:.1}, {:.1})–({:.1}, {:.1}) cannot be expressed in lon/lat (EPSG:4326) for the GeoJSON output",
                    r.min().x,
                    r.min().y,
                    r.max().x,
                    r.max().y
                ),
            };
        }
    }
}

/// Normalises one survey value: text trimmed, numbers parsed; empty and unreadable
/// values mean *unknown*, and so does a 0 in `yr_built` (a surveyor's 0 there is not the
/// year 0). Elsewhere 0 is a value: 0 years idle, no tax, an empty plot's FAR.
fn normalise(
    v: &Value,
    kind: FieldKind,
    name: &'static str,
    unparsed: &mut Vec<&'static str>,
) -> Value {
    match kind {
        FieldKind::Text => match v {
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 1e15 => {
                Value::Text(format!("{}", *r as i64))
            }
            _ => match v.as_text() {
                Some(s) if !s.trim().is_empty() => Value::Text(s.trim().to_string()),
                _ => Value::Null,
            },
        },
        FieldKind::Int | FieldKind::Real => {
            let n = match v {
                Value::Null => return Value::Null,
                Value::Text(s) if s.trim().is_empty() => return Value::Null,
                other => other.as_f64(),
            };
            match n {
                None => {
                    unparsed.push(name);
                    Value::Null
                }
                Some(x) if !x.is_finite() => Value::Null,
                Some(x) if x == 0.0 && name == SurveyField::YrBuilt.name() => Value::Null,
                Some(x) if kind == FieldKind::Int => Value::Int(x.round() as i64),
                Some(x) => Value::Real(x),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_building_outcome_is_the_size_of_a_building() {
        // prepare_buildings collects its outcomes into buildings in place only when
        // the two are the same size.
        assert_eq!(
            std::mem::size_of::<BuildingOutcome>(),
            std::mem::size_of::<Building>()
        );
    }
}
