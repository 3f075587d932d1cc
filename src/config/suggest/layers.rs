//! The layers among `landsift init`'s inputs, read as a run reads them and profiled:
//! geometry, CRS, encoding, and what each field's values look like.

use super::{group, num, short};
use crate::error::{Error, Result};
use crate::ingest;
use crate::model::{EncodingReport, FieldKind, RawLayer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Files read in a folder (a `.gdb` is a folder).
const VECTOR_EXTENSIONS: &[&str] = &[
    "shp", "gpkg", "geojson", "json", "gdb", "fgb", "gml", "kml", "sqlite",
];
/// Tables in a folder: listed, not read (a survey table goes in `[survey]`).
const TABLE_EXTENSIONS: &[&str] = &["csv", "xlsx", "xls"];
/// Distinct values a profile keeps with their counts.
const KEEP_DISTINCT: usize = 2000;

/// A layer's geometry, as most of its features have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Polygon,
    Line,
    Point,
    None,
}

impl Shape {
    pub fn label(self) -> &'static str {
        match self {
            Shape::Polygon => "polygons",
            Shape::Line => "lines",
            Shape::Point => "points",
            Shape::None => "no geometry",
        }
    }
}

/// What one field's values look like.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub kind: FieldKind,
    /// Records with a value (not null, not blank).
    pub values: usize,
    pub distinct: usize,
    /// Values that read as finite numbers, and their range.
    pub numbers: usize,
    pub min: f64,
    pub max: f64,
    /// The smallest number other than 0 (0 often means "not surveyed").
    pub min_nonzero: f64,
    pub median: f64,
    /// Whether every number is a whole number.
    pub integral: bool,
    /// Every distinct value with its count, most frequent first (then by value), when
    /// there are at most [`KEEP_DISTINCT`].
    pub counts: Vec<(String, usize)>,
    /// The first value, as an example.
    pub first: Option<String>,
}

impl Profile {
    fn of(raw: &RawLayer, i: usize) -> Profile {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut numbers = Vec::new();
        let mut first = None;
        for f in &raw.features {
            let Some(text) = f.values.get(i).and_then(|v| v.as_text()) else {
                continue;
            };
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            if let Some(x) = f.values[i].as_f64().filter(|x| x.is_finite()) {
                numbers.push(x);
            }
            if first.is_none() {
                first = Some(text.to_string());
            }
            *counts.entry(text.to_string()).or_default() += 1;
        }
        numbers.sort_by(f64::total_cmp);
        let values = counts.values().sum();
        let distinct = counts.len();
        let mut counts: Vec<(String, usize)> = if distinct <= KEEP_DISTINCT {
            counts.into_iter().collect()
        } else {
            Vec::new()
        };
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let field = &raw.fields[i];
        Profile {
            name: field.name.clone(),
            kind: field.kind,
            values,
            distinct,
            numbers: numbers.len(),
            min: numbers.first().copied().unwrap_or(f64::NAN),
            max: numbers.last().copied().unwrap_or(f64::NAN),
            min_nonzero: numbers
                .iter()
                .copied()
                .find(|x| *x != 0.0)
                .unwrap_or(f64::NAN),
            median: numbers.get(numbers.len() / 2).copied().unwrap_or(f64::NAN),
            integral: numbers.iter().all(|x| x.fract() == 0.0),
            counts,
            first,
        }
    }

    /// Whether (nearly) every value is a number.
    pub(super) fn numeric(&self) -> bool {
        self.values > 0 && self.numbers as f64 >= 0.95 * self.values as f64
    }

    /// Share of the values for which `test` holds (0 when the values were not kept).
    pub(super) fn share(&self, test: impl Fn(&str) -> bool) -> f64 {
        if self.values == 0 {
            return 0.0;
        }
        let n: usize = self
            .counts
            .iter()
            .filter(|(v, _)| test(v))
            .map(|(_, c)| c)
            .sum();
        n as f64 / self.values as f64
    }

    /// `numbers 0.12–5.8, median 1.35`.
    pub(super) fn range(&self) -> String {
        format!(
            "numbers {}–{}, median {}",
            num(self.min),
            num(self.max),
            num(self.median)
        )
    }

    /// A few values with their counts: `长安镇 ×1,334, 虎门镇 ×1,333`.
    pub(super) fn examples(&self, n: usize) -> String {
        if self.counts.is_empty() {
            return format!("{} distinct values", group(self.distinct));
        }
        let mut s: Vec<String> = self
            .counts
            .iter()
            .take(n)
            .map(|(v, c)| format!("{} ×{}", short(v), group(*c)))
            .collect();
        if self.counts.len() > n {
            s.push(format!("… ({} distinct)", group(self.distinct)));
        }
        s.join(", ")
    }
}

/// One layer found among the inputs, profiled.
#[derive(Debug, Clone)]
pub struct Layer {
    pub path: PathBuf,
    /// The layer's name when its source holds several (GeoPackage, FileGDB).
    pub layer: Option<String>,
    pub name: String,
    pub features: usize,
    pub shape: Shape,
    /// The CRS label (`EPSG:4547`) and what it is, or why there is none.
    pub crs: std::result::Result<(String, String), String>,
    pub encoding: EncodingReport,
    pub shapefile: bool,
    pub fields: Vec<Profile>,
}

impl Layer {
    /// `zd.shp` or `data.gpkg, layer ZD`.
    pub fn describe(&self) -> String {
        match &self.layer {
            Some(l) => format!("{}, layer {l}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    pub(super) fn field(&self, name: &str) -> Option<&Profile> {
        self.fields.iter().find(|p| p.name == name)
    }

    /// Words of the file and layer names, lower-cased (`ZD_2023.shp` → `zd`, `2023`).
    pub(super) fn name_has(&self, words: &[&str]) -> bool {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = format!("{stem} {}", self.layer.as_deref().unwrap_or_default()).to_lowercase();
        let tokens: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric() || c.is_ascii_digit())
            .filter(|t| !t.is_empty())
            .collect();
        words.iter().any(|w| {
            if w.is_ascii() {
                tokens.contains(w)
            } else {
                text.contains(w)
            }
        })
    }
}

/// The layers found among the inputs, and what was not read.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// The inputs as given.
    pub inputs: Vec<PathBuf>,
    pub layers: Vec<Layer>,
    /// Files or layers that could not be read, and why.
    pub skipped: Vec<(String, String)>,
    /// Tables (CSV, Excel) met in a folder: not read.
    pub tables: Vec<PathBuf>,
}

/// Reads every layer among `inputs` (files, or folders whose vector files are read, not
/// their subfolders) and profiles it. `encoding` and `s_srs` are `--encoding` and
/// `--s-srs`, as a run would apply them.
pub fn find_layers(
    inputs: &[PathBuf],
    encoding: Option<&str>,
    s_srs: Option<&str>,
) -> Result<Found> {
    let mut found = Found {
        inputs: inputs.to_vec(),
        ..Found::default()
    };
    let mut sources: Vec<(PathBuf, Option<String>)> = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(Error::input(input, "does not exist"));
        }
        if input.is_dir() && !is_ext(input, &["gdb"]) {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| Error::input(input, "cannot list the folder").because(e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for p in entries {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                if is_ext(&p, VECTOR_EXTENSIONS) {
                    layers_of(&p, &mut sources, &mut found.skipped);
                } else if is_ext(&p, TABLE_EXTENSIONS)
                    && !name.is_some_and(|n| n.ends_with(".fields.csv"))
                {
                    found.tables.push(p);
                }
            }
        } else {
            layers_of(input, &mut sources, &mut found.skipped);
        }
    }
    for (path, layer) in sources {
        let label = match &layer {
            Some(l) => format!("{}, layer {l}", path.display()),
            None => path.display().to_string(),
        };
        match ingest::read_layer(&path, layer.as_deref(), encoding) {
            Ok(raw) => found.layers.push(profile(raw, layer, s_srs)),
            Err(e) => found.skipped.push((label, e.report())),
        }
    }
    Ok(found)
}

pub(super) fn is_ext(p: &Path, exts: &[&str]) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The layers of one file: a Shapefile is one; other sources are asked through GDAL,
/// and only layers with geometry are kept, named when there are several.
fn layers_of(
    path: &Path,
    sources: &mut Vec<(PathBuf, Option<String>)>,
    skipped: &mut Vec<(String, String)>,
) {
    if is_ext(path, &["shp"]) {
        sources.push((path.to_path_buf(), None));
        return;
    }
    let names = match ingest::gdal::spatial_layers(path) {
        Ok(names) => names,
        Err(e) => {
            skipped.push((path.display().to_string(), e.report()));
            return;
        }
    };
    match names.len() {
        0 => skipped.push((path.display().to_string(), "no layer with geometry".into())),
        1 => sources.push((path.to_path_buf(), None)),
        _ => sources.extend(names.into_iter().map(|n| (path.to_path_buf(), Some(n)))),
    }
}

fn profile(raw: RawLayer, layer: Option<String>, s_srs: Option<&str>) -> Layer {
    use geo::Geometry as G;
    let mut shapes = [0usize; 3];
    for f in &raw.features {
        match &f.geometry {
            Some(G::Polygon(_) | G::MultiPolygon(_) | G::Rect(_) | G::Triangle(_)) => {
                shapes[0] += 1
            }
            Some(G::LineString(_) | G::MultiLineString(_) | G::Line(_)) => shapes[1] += 1,
            Some(G::Point(_) | G::MultiPoint(_)) => shapes[2] += 1,
            _ => {}
        }
    }
    let most = shapes.iter().copied().max().unwrap_or(0);
    let shape = if most == 0 {
        Shape::None
    } else if shapes[0] == most {
        Shape::Polygon
    } else if shapes[1] == most {
        Shape::Line
    } else {
        Shape::Point
    };
    let crs = ingest::source_crs(&raw, s_srs)
        .map(|c| (c.label(), c.name.clone()))
        .map_err(|e| e.report());
    Layer {
        shapefile: is_ext(&raw.source, &["shp"]),
        fields: (0..raw.fields.len())
            .map(|i| Profile::of(&raw, i))
            .collect(),
        path: raw.source.clone(),
        layer,
        name: raw.layer_name.clone(),
        features: raw.features.len(),
        shape,
        crs,
        encoding: raw.encoding.clone(),
    }
}
