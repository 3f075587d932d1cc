//! ESRI Shapefile writer: `.shp`/`.shx` (polygon records encoded by the `shapefile`
//! crate, which closes rings and orders them as the specification wants: outer
//! rings clockwise, holes counter-clockwise), `.dbf` (written here), `.cpg`,
//! `.prj`, and `<stem>.fields.csv` mapping long field names to the ≤ 10-byte
//! names a DBF can hold.
//!
//! The `.shp`/`.shx` records are framed here rather than by `shapefile::ShapeWriter`
//! because that writer cannot put a null shape in a polygon file. The DBF is
//! written here rather than by `dbase` to control what GIS tools read back: names
//! counted in bytes of the target encoding, numeric `N` fields (GDAL reads `dbase`'s
//! binary `I` fields as empty), text cut at character boundaries, and the
//! language-driver byte.

use super::OutLayer;
use crate::ingest::dbf::ldid_for_encoding;
use crate::model::{FieldDef, FieldKind, Value};
use crate::{Error, Result};
use encoding_rs::Encoding;
use geo::MultiPolygon;
use shapefile::record::WritableShape;
use shapefile::{Point, PolygonRing};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Longest field name a DBF holds, in bytes (the format's 11 include a NUL).
pub const MAX_NAME_BYTES: usize = 10;
/// Widest text field, in bytes.
pub const MAX_TEXT_BYTES: usize = 254;
/// Width and declared decimals of real fields. GDAL's own defaults for a real
/// field; values are written with as many digits as fit (see [`format_real`]).
pub const REAL_WIDTH: usize = 24;
pub const REAL_DECIMALS: u8 = 15;
/// Narrowest integer field: wide enough for any 32-bit value GDAL reads as Integer.
pub const MIN_INT_WIDTH: usize = 9;

/// DBF rows measured and formatted per parallel task, and blocks formatted before they
/// are written in order, at most (a few MB of records held at once,
/// [`super::blocks_per_wave`]).
const DBF_BLOCK_ROWS: usize = 4096;
const DBF_BLOCKS_PER_WAVE: usize = 16;

const SHP_FILE_CODE: i32 = 9994;
const SHP_VERSION: i32 = 1000;
const SHAPE_NULL: i32 = 0;
const SHAPE_POLYGON: i32 = 5;

/// What the writer does with a character the DBF's encoding cannot hold (GBK has no
/// `²`, no emoji, no CJK extension A/B ideographs such as rare characters of names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmappable {
    /// Refuse the layer, naming the field, the record and the character.
    Refuse,
    /// Write a stand-in: the typographic ones of [`STAND_INS`] (`km²` → `km2`), else
    /// `?` (as ArcGIS and GDAL write); every value or field name that lost a character
    /// so is reported ([`Written::lossy`]).
    Replace,
}

/// Stand-ins for characters GBK cannot hold that keep the meaning (units and common
/// typography); any other such character becomes `?`.
pub const STAND_INS: &[(char, &str)] = &[
    ('²', "2"),
    ('³', "3"),
    ('¹', "1"),
    ('\u{a0}', " "),
    ('•', "·"),
    ('µ', "μ"),
];

/// A value or field name written with `?` for characters the encoding cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Lossy {
    /// The field (its long name).
    pub field: String,
    /// The record (0-based, as ArcGIS's FID and QGIS's feature id count); `None`: the
    /// field name itself.
    pub fid: Option<usize>,
    /// The record's first field (its id: `parcel_id`, `zone_id`), when text.
    pub id: Option<String>,
    /// The value (or name) as it was.
    pub value: String,
}

/// Values and names reported in [`Written::lossy`] at most (the count covers all).
pub const MAX_LOSSY_LISTED: usize = 20;

/// What [`write_shapefile_with`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// `(long, short)` field names, as [`write_shapefile`] returns them.
    pub names: Vec<(String, String)>,
    /// The first [`MAX_LOSSY_LISTED`] values and names that lost characters.
    pub lossy: Vec<Lossy>,
    /// How many values and names lost characters.
    pub lossy_count: usize,
}

/// Writes `layer` as a polygon shapefile at `shp_path` (which must end in `.shp`),
/// with text in `encoding`, and `.prj` holding `prj_wkt` when given (a stale `.prj`
/// is removed otherwise). A character `encoding` cannot hold is refused
/// ([`Unmappable::Refuse`]).
///
/// Returns `(long, short)` field-name pairs, one per field in order (`short ==
/// long` when the name fits), also written to `<stem>.fields.csv`. The output is
/// deterministic: the same input gives the same bytes, except for the DBF header's
/// date of last update (bytes 1–3), which is today's date.
pub fn write_shapefile(
    shp_path: &Path,
    layer: &OutLayer,
    prj_wkt: Option<&str>,
    encoding: &'static Encoding,
) -> Result<Vec<(String, String)>> {
    write_shapefile_with(shp_path, layer, prj_wkt, encoding, Unmappable::Refuse).map(|w| w.names)
}

/// [`write_shapefile`], with the choice of what to do with a character `encoding`
/// cannot hold. The `.cpg` names the encoding as GDAL, QGIS and ArcGIS read it (`936`
/// for GBK, as GDAL writes it, else the encoding's name) and the DBF's language-driver
/// byte matches it (0x4D for GBK).
pub fn write_shapefile_with(
    shp_path: &Path,
    layer: &OutLayer,
    prj_wkt: Option<&str>,
    encoding: &'static Encoding,
    unmappable: Unmappable,
) -> Result<Written> {
    let out_err = |p: &Path, m: String| Error::output(p, m);
    if !encoding.is_ascii_compatible() || encoding.output_encoding() != encoding {
        return Err(out_err(
            shp_path,
            format!("cannot write DBF text in {}", encoding.name()),
        ));
    }
    let ext_ok = shp_path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    let stem = shp_path.file_stem().and_then(|s| s.to_str());
    let Some(stem) = stem.filter(|_| ext_ok) else {
        return Err(out_err(shp_path, "not a .shp path".into()));
    };
    // Held rows are checked before anything is written; made rows (a whole district's
    // parcels) as the DBF pass makes them, not in a pass of their own.
    for (i, row) in layer.rows.iter().enumerate() {
        check_row(shp_path, i, row, layer)?;
    }

    let dbf_path = shp_path.with_extension("dbf");
    let mut lossy = LossyLog::default();
    let names: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
    let fitted: Vec<Cow<str>> = names
        .iter()
        .map(|n| {
            if unmappable == Unmappable::Refuse {
                return Cow::Borrowed(*n);
            }
            let (fit, lost) = fit_text(n, encoding);
            if lost {
                lossy.add(|| Lossy {
                    field: n.to_string(),
                    fid: None,
                    id: None,
                    value: n.to_string(),
                });
            }
            fit
        })
        .collect();
    let fitted: Vec<&str> = fitted.iter().map(|n| n.as_ref()).collect();
    let short = short_field_names(&fitted, encoding)
        .map_err(|m| out_err(&dbf_path, format!("field names: {m}")))?;

    remove_stale_sidecars(shp_path, stem, prj_wkt.is_some())?;
    write_shp_shx(shp_path, layer)?;
    let in_dbf = write_dbf(&dbf_path, layer, &short, encoding, unmappable, &mut lossy)?;
    write_file(
        &shp_path.with_extension("cpg"),
        cpg_label(encoding).as_bytes(),
    )?;
    if let Some(wkt) = prj_wkt {
        write_file(&shp_path.with_extension("prj"), wkt.as_bytes())?;
    }

    // Fields left out of the DBF keep their row here, with no short name.
    let pairs: Vec<(String, String)> = names
        .iter()
        .map(|n| n.to_string())
        .zip(short)
        .enumerate()
        .map(|(i, (long, short))| (long, if i < in_dbf { short } else { String::new() }))
        .collect();
    super::write_csv(&fields_csv_path(shp_path, stem), false, |w| {
        w.write_record(["long", "short"])?;
        for (long, short) in &pairs {
            w.write_record([long, short])?;
        }
        Ok(())
    })?;
    Ok(Written {
        names: pairs,
        lossy: lossy.listed,
        lossy_count: lossy.count,
    })
}

/// What a `.cpg` says for `encoding`: the Windows code page number for GBK (`936`, as
/// GDAL writes it and as ArcGIS 10.x, QGIS and PostGIS's shp2pgsql read it), else the
/// encoding's name (`UTF-8`).
pub fn cpg_label(encoding: &'static Encoding) -> &'static str {
    if encoding == encoding_rs::GBK {
        "936"
    } else {
        encoding.name()
    }
}

/// The values and names that lost characters: the first few, and how many.
#[derive(Default)]
struct LossyLog {
    listed: Vec<Lossy>,
    count: usize,
}

impl LossyLog {
    fn add(&mut self, make: impl FnOnce() -> Lossy) {
        self.count += 1;
        if self.listed.len() < MAX_LOSSY_LISTED {
            self.listed.push(make());
        }
    }
}

/// `s` as `encoding` can hold it: unchanged when it can, else with each character it
/// cannot hold replaced by its [`STAND_INS`] stand-in or `?`; `true` when a `?` was
/// written (a character lost).
pub fn fit_text<'a>(s: &'a str, encoding: &'static Encoding) -> (Cow<'a, str>, bool) {
    if encoding == encoding_rs::UTF_8 || encode_strict(s, encoding).is_ok() {
        return (Cow::Borrowed(s), false);
    }
    let mut out = String::with_capacity(s.len());
    let mut lost = false;
    for c in s.chars() {
        if holds(c, encoding) {
            out.push(c);
        } else if let Some((_, r)) = STAND_INS.iter().find(|(k, _)| *k == c) {
            out.push_str(r);
        } else {
            out.push('?');
            lost = true;
        }
    }
    (Cow::Owned(out), lost)
}

/// A row holds one value per field.
fn check_row(path: &Path, i: usize, row: &super::OutRow, layer: &OutLayer) -> Result<()> {
    if row.values.len() == layer.fields.len() {
        return Ok(());
    }
    Err(Error::output(
        path,
        format!(
            "row {i} has {} values for {} fields",
            row.values.len(),
            layer.fields.len()
        ),
    ))
}

/// How a record is named in messages: `FID 12 (parcel_id 4419001)`: its position (0-based,
/// as ArcGIS's FID and QGIS's feature id count) and its first field when that is text.
pub fn record_label(layer: &OutLayer, fid: usize) -> String {
    match record_id(layer, fid) {
        Some(id) => format!("FID {fid} ({} {id})", layer.fields[0].name),
        None => format!("FID {fid}"),
    }
}

fn record_id(layer: &OutLayer, fid: usize) -> Option<String> {
    layer.fields.first().filter(|f| f.kind == FieldKind::Text)?;
    if fid >= layer.len() {
        return None;
    }
    match layer.row(fid).values.first()? {
        Value::Text(t) => Some(t.clone()),
        _ => None,
    }
}

/// Where [`write_shapefile`] puts the field-name mapping: `<stem>.fields.csv`.
pub fn fields_csv_path(shp_path: &Path, stem: &str) -> PathBuf {
    shp_path.with_file_name(format!("{stem}.fields.csv"))
}

/// DBF field names for `names`: at most [`MAX_NAME_BYTES`] bytes in `encoding`,
/// unique ignoring ASCII case, deterministic. Names that already fit (and are not
/// taken by an earlier field) are kept; the others are cut at a character boundary
/// and, where that collides, cut further and suffixed `_1`, `_2`, ...
/// An empty name becomes `FIELD`. `Err` names a character `encoding` cannot hold.
pub fn short_field_names(
    names: &[&str],
    encoding: &'static Encoding,
) -> std::result::Result<Vec<String>, String> {
    let mut taken = std::collections::HashSet::new();
    let mut out: Vec<Option<String>> = vec![None; names.len()];
    // Names that fit keep priority over cut ones.
    for (i, name) in names.iter().enumerate() {
        let bytes = encode_strict(name, encoding)
            .map_err(|c| format!("'{name}' has '{c}', which {} cannot hold", encoding.name()))?;
        if !name.is_empty() && bytes.len() <= MAX_NAME_BYTES && taken.insert(name.to_uppercase()) {
            out[i] = Some(name.to_string());
        }
    }
    for (i, name) in names.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let name = if name.is_empty() { "FIELD" } else { name };
        let cut = cut_str(name, MAX_NAME_BYTES, encoding);
        let chosen = if taken.insert(cut.to_uppercase()) {
            cut.to_string()
        } else {
            let mut k = 1usize;
            loop {
                let suffix = format!("_{k}");
                let base = cut_str(name, MAX_NAME_BYTES - suffix.len(), encoding);
                let candidate = format!("{base}{suffix}");
                if taken.insert(candidate.to_uppercase()) {
                    break candidate;
                }
                k += 1;
            }
        };
        out[i] = Some(chosen);
    }
    Ok(out.into_iter().map(|n| n.expect("every name")).collect())
}

/// `s` in `encoding`, or the first character it cannot hold ([`holds`]).
fn encode_strict<'a>(
    s: &'a str,
    encoding: &'static Encoding,
) -> std::result::Result<Cow<'a, [u8]>, char> {
    let (bytes, _, unmappable) = encoding.encode(s);
    let agreed = encoding != encoding_rs::GBK || s.chars().all(cp936_alike);
    if !unmappable && agreed {
        return Ok(bytes);
    }
    match s.chars().find(|&c| !holds(c, encoding)) {
        Some(c) => Err(c),
        None => Ok(bytes),
    }
}

/// Whether a DBF in `encoding` holds `c` so that desktop GIS read it back.
fn holds(c: char, encoding: &'static Encoding) -> bool {
    let mut buf = [0u8; 4];
    !encoding.encode(c.encode_utf8(&mut buf)).2 && (encoding != encoding_rs::GBK || cp936_alike(c))
}

/// Whether GBK as desktop GIS read it — Windows code page 936, and iconv's CP936 through
/// which GDAL (QGIS) reads a `.cpg` of 936 — gives back `c`. `encoding_rs`'s GBK is
/// WHATWG's, the two-byte part of GB18030-2022, which gives real characters to codes
/// that code page 936 leaves to private use or refuses: CJK extension A (䶮 …), radicals,
/// ideographic description and vertical forms, a few Latin letters; those, and private
/// use itself, are not held.
fn cp936_alike(c: char) -> bool {
    !matches!(
        c as u32,
        0x01F9
            | 0x1E3F
            | 0x2E80..=0x2EFF
            | 0x2FF0..=0x2FFF
            | 0x303E
            | 0x3400..=0x4DBF
            | 0x9FA6..=0x9FFF
            | 0xE000..=0xF8FF
            | 0xFE10..=0xFE1F
    )
}

/// The longest prefix of `s` (whole characters) that takes at most `max` bytes in
/// `encoding` (which must hold every character of `s`).
fn cut_str<'a>(s: &'a str, max: usize, encoding: &'static Encoding) -> &'a str {
    let mut used = 0usize;
    let mut buf = [0u8; 4];
    for (i, c) in s.char_indices() {
        let n = if encoding == encoding_rs::UTF_8 {
            c.len_utf8()
        } else {
            encoding.encode(c.encode_utf8(&mut buf)).0.len()
        };
        if used + n > max {
            return &s[..i];
        }
        used += n;
    }
    s
}

/// `s` encoded, cut to at most `max` bytes at a character boundary.
fn encode_cut<'a>(
    s: &'a str,
    max: usize,
    encoding: &'static Encoding,
) -> std::result::Result<Cow<'a, [u8]>, char> {
    let bytes = encode_strict(s, encoding)?;
    if bytes.len() <= max {
        return Ok(bytes);
    }
    Ok(match bytes {
        Cow::Borrowed(b) => Cow::Borrowed(&b[..cut_str(s, max, encoding).len()]),
        Cow::Owned(_) => Cow::Owned(encoding.encode(cut_str(s, max, encoding)).0.into_owned()),
    })
}

/// A text cell's bytes: `text` in `encoding` (with [`fit_text`]'s stand-ins first when
/// replacing), cut to [`MAX_TEXT_BYTES`] at a character boundary; and whether a
/// character was lost to `?`. `Err`: a character `encoding` cannot hold (refusing).
fn text_cell<'t>(
    text: &'t str,
    encoding: &'static Encoding,
    unmappable: Unmappable,
) -> std::result::Result<(Cow<'t, [u8]>, bool), char> {
    match encode_cut(text, MAX_TEXT_BYTES, encoding) {
        Ok(bytes) => Ok((bytes, false)),
        Err(c) if unmappable == Unmappable::Refuse => Err(c),
        Err(_) => {
            let (fit, lost) = fit_text(text, encoding);
            let bytes = encode_cut(&fit, MAX_TEXT_BYTES, encoding)?.into_owned();
            Ok((Cow::Owned(bytes), lost))
        }
    }
}

/// `format!("{r}")` of a finite real (the shortest text that reads back as `r`, never
/// in exponent notation), through `ryu` where its text is the same but for a trailing
/// ".0": a million parcels' DBF holds twenty million reals. The two differ where two
/// shortest texts are equally near (`ryu` rounds the tie to even, `Display` up), which
/// needs a real whose exact decimal has at most 18 significant digits. r = m·2⁻ᵏ (m
/// odd) has the digits of m·5ᵏ, at least 0.69·k of them: `ryu` is used only when k ≥ 26
/// (19 digits or more), which computed values (areas, ratios below 10⁸) are; integral
/// and short dyadic values (12.0, 0.25) take `Display`.
fn shortest(r: f64) -> String {
    if fraction_bits(r) < 26 {
        return format!("{r}");
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(r);
    if text.contains('e') {
        return format!("{r}");
    }
    text.strip_suffix(".0").unwrap_or(text).to_string()
}

/// k of a finite r = m·2⁻ᵏ with m odd (0 for zero and integers).
fn fraction_bits(r: f64) -> i32 {
    let bits = r.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = bits & ((1 << 52) - 1);
    let (m, e2) = match exp {
        0 => (mantissa, -1074),
        _ => (mantissa | (1 << 52), exp - 1075),
    };
    if m == 0 {
        return 0;
    }
    (-(e2 + m.trailing_zeros() as i32)).max(0)
}

/// A real as DBF numeric text of at most [`REAL_WIDTH`] characters: the shortest
/// text that reads back as the same f64 when it fits, else fixed-point with as
/// many decimals as fit when that keeps at least 10 significant digits, else
/// exponent notation (shortest round-trip, always fits). `None` for NaN/infinity.
pub fn format_real(r: f64) -> Option<String> {
    if !r.is_finite() {
        return None;
    }
    let r = if r == 0.0 { 0.0 } else { r };
    let s = shortest(r);
    if s.len() <= REAL_WIDTH {
        return Some(s);
    }
    let int_len = format!("{:.0}", r.trunc()).len();
    if int_len + 2 <= REAL_WIDTH {
        let mut decimals = REAL_WIDTH - int_len - 1;
        let mut s = format!("{r:.decimals$}");
        while s.len() > REAL_WIDTH && decimals > 0 {
            decimals -= 1;
            s = format!("{r:.decimals$}");
        }
        let significant = s
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&b| b == b'0')
            .count();
        if s.len() <= REAL_WIDTH && significant >= 10 {
            return Some(s);
        }
    }
    Some(format!("{r:e}"))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::output(path, "cannot write").because(e))
}

/// Removes sidecars of an earlier shapefile of the same name that this write would
/// leave stale: spatial indexes, a `.prj` when none is written, and other-case
/// spellings of the files written.
fn remove_stale_sidecars(shp_path: &Path, stem: &str, writes_prj: bool) -> Result<()> {
    let dir = match shp_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let written = ["shp", "shx", "dbf", "cpg", "prj"];
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(ext) = name
            .strip_prefix(stem)
            .and_then(|rest| rest.strip_prefix('.'))
        else {
            continue;
        };
        let lower = ext.to_ascii_lowercase();
        let stale = match lower.as_str() {
            "qix" | "sbn" | "sbx" => true,
            "prj" => !writes_prj || ext != lower,
            e if written.contains(&e) => ext != lower,
            _ => false,
        };
        if stale {
            let p = entry.path();
            std::fs::remove_file(&p)
                .map_err(|e| Error::output(&p, "cannot remove stale file").because(e))?;
        }
    }
    Ok(())
}

/// The shapefile polygon for a multipolygon; `None` (a null shape) when it has no
/// non-empty outer ring. Empty rings are left out.
fn to_shp_polygon(mp: &MultiPolygon<f64>) -> Option<shapefile::Polygon> {
    let ring = |ls: &geo::LineString<f64>| -> Vec<Point> {
        ls.0.iter().map(|c| Point::new(c.x, c.y)).collect()
    };
    let mut rings = Vec::new();
    for polygon in &mp.0 {
        if polygon.exterior().0.is_empty() {
            continue;
        }
        rings.push(PolygonRing::Outer(ring(polygon.exterior())));
        for hole in polygon.interiors() {
            if !hole.0.is_empty() {
                rings.push(PolygonRing::Inner(ring(hole)));
            }
        }
    }
    (!rings.is_empty()).then(|| shapefile::Polygon::with_rings(rings))
}

fn shp_header(out: &mut impl Write, file_len_words: i32, bbox: [f64; 4]) -> std::io::Result<()> {
    out.write_all(&SHP_FILE_CODE.to_be_bytes())?;
    out.write_all(&[0u8; 20])?;
    out.write_all(&file_len_words.to_be_bytes())?;
    out.write_all(&SHP_VERSION.to_le_bytes())?;
    out.write_all(&SHAPE_POLYGON.to_le_bytes())?;
    for v in bbox {
        out.write_all(&v.to_le_bytes())?;
    }
    out.write_all(&[0u8; 32]) // z and m ranges
}

fn write_shp_shx(shp_path: &Path, layer: &OutLayer) -> Result<()> {
    let shx_path = shp_path.with_extension("shx");
    let create = |p: &Path| {
        File::create(p)
            .map(|f| BufWriter::with_capacity(1 << 20, f))
            .map_err(|e| Error::output(p, "cannot create").because(e))
    };
    let mut shp = create(shp_path)?;
    let mut shx = create(&shx_path)?;
    let shp_err = |e: std::io::Error| Error::output(shp_path, "cannot write").because(e);
    let shx_err = |e: std::io::Error| Error::output(&shx_path, "cannot write").because(e);

    shp_header(&mut shp, 0, [0.0; 4]).map_err(shp_err)?;
    shp_header(&mut shx, 0, [0.0; 4]).map_err(shx_err)?;
    let mut offset_words: i64 = 50;
    let mut bbox: Option<[f64; 4]> = None;
    for i in 0..layer.len() {
        let polygon = layer.geometry(i).and_then(to_shp_polygon);
        let content_bytes = 4 + polygon.as_ref().map_or(0, |p| p.size_in_bytes());
        let content_words = (content_bytes / 2) as i64;
        let record_number = i32::try_from(i + 1).ok();
        let fits = offset_words + 4 + content_words <= i32::MAX as i64;
        let (Some(record_number), true) = (record_number, fits) else {
            return Err(Error::output(
                shp_path,
                "larger than a shapefile can be (2 GB)",
            ));
        };
        shx.write_all(&(offset_words as i32).to_be_bytes())
            .and_then(|_| shx.write_all(&(content_words as i32).to_be_bytes()))
            .map_err(shx_err)?;
        shp.write_all(&record_number.to_be_bytes())
            .and_then(|_| shp.write_all(&(content_words as i32).to_be_bytes()))
            .map_err(shp_err)?;
        match &polygon {
            None => shp.write_all(&SHAPE_NULL.to_le_bytes()).map_err(shp_err)?,
            Some(p) => {
                shp.write_all(&SHAPE_POLYGON.to_le_bytes())
                    .map_err(shp_err)?;
                p.write_to(&mut shp).map_err(|e| {
                    Error::output(shp_path, format!("cannot write shape {i}")).because(e)
                })?;
                let [x0, x1] = shapefile::record::EsriShape::x_range(p);
                let [y0, y1] = shapefile::record::EsriShape::y_range(p);
                bbox = Some(match bbox {
                    None => [x0, y0, x1, y1],
                    Some(b) => [b[0].min(x0), b[1].min(y0), b[2].max(x1), b[3].max(y1)],
                });
            }
        }
        offset_words += 4 + content_words;
    }
    let bbox = bbox.unwrap_or([0.0; 4]);
    shp.seek(SeekFrom::Start(0))
        .and_then(|_| shp_header(&mut shp, offset_words as i32, bbox))
        .and_then(|_| shp.flush())
        .map_err(shp_err)?;
    let shx_words = 50 + 4 * layer.len() as i64;
    shx.seek(SeekFrom::Start(0))
        .and_then(|_| shp_header(&mut shx, shx_words as i32, bbox))
        .and_then(|_| shx.flush())
        .map_err(shx_err)?;
    crate::publish::writeback::start_file(shp_path);
    crate::publish::writeback::start_file(&shx_path);
    Ok(())
}

/// How one column is laid out in the DBF.
struct Column {
    dbf_type: u8,
    width: usize,
    decimals: u8,
}

/// A value as the text of a DBF cell of `field`'s kind (`None`: blank).
fn cell_text<'v>(
    v: &'v Value,
    field: &FieldDef,
) -> std::result::Result<Option<Cow<'v, str>>, String> {
    Ok(match (field.kind, v) {
        (_, Value::Null) => None,
        (FieldKind::Text, Value::Text(s)) => Some(Cow::Borrowed(s.as_str())),
        (FieldKind::Text, other) => other.as_text().map(Cow::Owned),
        (FieldKind::Int, Value::Int(i)) => Some(Cow::Owned(i.to_string())),
        (FieldKind::Int, other) => match other.as_f64() {
            Some(r) if r.fract() == 0.0 && r.abs() < 9.0e18 => {
                Some(Cow::Owned((r as i64).to_string()))
            }
            _ => {
                return Err(format!(
                    "'{}' is not an integer",
                    other.as_text().unwrap_or_default()
                ))
            }
        },
        (FieldKind::Real, other) => match other.as_f64() {
            Some(r) => format_real(r).map(Cow::Owned),
            None => {
                return Err(format!(
                    "'{}' is not a number",
                    other.as_text().unwrap_or_default()
                ))
            }
        },
    })
}

fn write_dbf(
    dbf_path: &Path,
    layer: &OutLayer,
    short: &[String],
    encoding: &'static Encoding,
    unmappable: Unmappable,
    lossy: &mut LossyLog,
) -> Result<usize> {
    let err = |m: String| Error::output(dbf_path, m);
    let value_err = |i: usize, f: &FieldDef, m: String| {
        Error::output(
            dbf_path,
            format!("field '{}' of {}: {m}", f.name, record_label(layer, i)),
        )
    };
    let unencodable = |c: char| {
        format!(
            "'{c}' (U+{:04X}) cannot be written in {}; write UTF-8 or GB18030 instead",
            c as u32,
            encoding.name()
        )
    };
    // First pass: column layout.
    let mut columns: Vec<Column> = layer
        .fields
        .iter()
        .map(|f| match f.kind {
            FieldKind::Int => Column {
                dbf_type: b'N',
                width: MIN_INT_WIDTH,
                decimals: 0,
            },
            FieldKind::Real => Column {
                dbf_type: b'N',
                width: REAL_WIDTH,
                decimals: REAL_DECIMALS,
            },
            FieldKind::Text => Column {
                dbf_type: b'C',
                width: 1,
                decimals: 0,
            },
        })
        .collect();
    // Blocks of rows measured in parallel; widths, lost characters and the first error
    // merged in row order, so the file and messages are the same at any thread count.
    use rayon::prelude::*;
    let n_rows = layer.len();
    let blocks = n_rows.div_ceil(DBF_BLOCK_ROWS);
    let block_rows = |b: usize| b * DBF_BLOCK_ROWS..n_rows.min((b + 1) * DBF_BLOCK_ROWS);
    let measured: Vec<Result<(Vec<usize>, LossyLog)>> = (0..blocks)
        .into_par_iter()
        .map(|b| {
            let mut widths: Vec<usize> = columns.iter().map(|c| c.width).collect();
            let mut lost_here = LossyLog::default();
            for i in block_rows(b) {
                let row = layer.row(i);
                check_row(dbf_path, i, &row, layer)?;
                for ((v, f), width) in row.values.iter().zip(&layer.fields).zip(&mut widths) {
                    let text = cell_text(v, f).map_err(|m| value_err(i, f, m))?;
                    let Some(text) = text else { continue };
                    let len = match f.kind {
                        FieldKind::Text => {
                            let (bytes, lost) = text_cell(&text, encoding, unmappable)
                                .map_err(|c| value_err(i, f, unencodable(c)))?;
                            if lost {
                                lost_here.add(|| Lossy {
                                    field: f.name.clone(),
                                    fid: Some(i),
                                    id: record_id(layer, i),
                                    value: text.to_string(),
                                });
                            }
                            bytes.len()
                        }
                        _ => text.len(),
                    };
                    *width = (*width).max(len);
                }
            }
            Ok((widths, lost_here))
        })
        .collect();
    for block in measured {
        let (widths, lost_here) = block?;
        for (col, w) in columns.iter_mut().zip(widths) {
            col.width = col.width.max(w);
        }
        lossy.count += lost_here.count;
        for l in lost_here.listed {
            if lossy.listed.len() < MAX_LOSSY_LISTED {
                lossy.listed.push(l);
            }
        }
    }

    // A DBF holds at most 255 fields and 65,535 bytes a record: the fields that do not
    // fit (source attributes, which come last) are left out, and the caller says so.
    let mut n_fields = columns.len().min(super::DBF_MAX_FIELDS);
    while n_fields > 0
        && 1 + columns[..n_fields].iter().map(|c| c.width).sum::<usize>() > u16::MAX as usize
    {
        n_fields -= 1;
    }
    columns.truncate(n_fields);
    let fields = &layer.fields[..n_fields];
    let header_len = 32 + 32 * n_fields + 1;
    let record_len = 1 + columns.iter().map(|c| c.width).sum::<usize>();
    let record_count = u32::try_from(layer.len())
        .map_err(|_| err(format!("{} rows do not fit in a DBF", layer.len())))?;

    // Handed to the disk as it is written: the flush at publish finds little to wait for.
    let file = crate::publish::writeback::Streamed::create(dbf_path)
        .map_err(|e| err("cannot create".into()).because(e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let io = |e: std::io::Error| Error::output(dbf_path, "cannot write").because(e);

    let mut header = [0u8; 32];
    header[0] = 0x03;
    let (y, m, d) = crate::model::time::today();
    header[1] = (y.saturating_sub(1900)).min(255) as u8;
    header[2] = m;
    header[3] = d;
    header[4..8].copy_from_slice(&record_count.to_le_bytes());
    header[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
    header[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
    header[29] = ldid_for_encoding(encoding);
    out.write_all(&header).map_err(io)?;
    for (name, col) in short.iter().zip(&columns) {
        let mut d = [0u8; 32];
        let bytes = encoding.encode(name).0;
        d[..bytes.len()].copy_from_slice(&bytes);
        d[11] = col.dbf_type;
        d[16] = (col.width & 0xFF) as u8;
        d[17] = if col.dbf_type == b'C' {
            (col.width >> 8) as u8
        } else {
            col.decimals
        };
        out.write_all(&d).map_err(io)?;
    }
    out.write_all(&[0x0D]).map_err(io)?;

    // Records formatted in parallel blocks, written in order, a few blocks at a time.
    let format_block = |b: usize| -> Result<Vec<u8>> {
        let rows = block_rows(b);
        let mut record = Vec::with_capacity(record_len * rows.len());
        for i in rows {
            let row = layer.row(i);
            record.push(b' ');
            for ((v, f), col) in row.values.iter().zip(fields).zip(&columns) {
                let start = record.len();
                let text = cell_text(v, f).map_err(|m| value_err(i, f, m))?;
                if let Some(text) = text {
                    if f.kind == FieldKind::Text {
                        let (bytes, _) = text_cell(&text, encoding, unmappable)
                            .map_err(|c| value_err(i, f, unencodable(c)))?;
                        record.extend_from_slice(&bytes);
                        record.resize(start + col.width, b' ');
                    } else {
                        // Numbers right-aligned.
                        record.resize(start + col.width - text.len(), b' ');
                        record.extend_from_slice(text.as_bytes());
                    }
                } else {
                    record.resize(start + col.width, b' ');
                }
            }
        }
        Ok(record)
    };
    let per_wave = super::blocks_per_wave(DBF_BLOCKS_PER_WAVE);
    for wave in (0..blocks).step_by(per_wave) {
        let formatted: Vec<Result<Vec<u8>>> = (wave..blocks.min(wave + per_wave))
            .into_par_iter()
            .map(format_block)
            .collect();
        for block in formatted {
            out.write_all(&block?).map_err(io)?;
        }
    }
    out.write_all(&[0x1A]).map_err(io)?;
    out.flush().map_err(io)?;
    Ok(n_fields)
}

#[cfg(test)]
mod tests {
    #[test]
    fn shortest_is_the_display_text_of_every_real() {
        // Values as parcels carry them (areas, ratios, money, tiny shares, integral
        // values, huge ones) and arbitrary bit patterns.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![0.0, 1.0, -1.0, 0.1, 1e15, 1e16, 1e17, 1e-5, 1e-7, 123456.0];
        // Reals with few fraction bits, where ties between shortest texts live.
        for k in [0, 1, 2, 3, 10, 14, 20, 25, 26, 27, 30] {
            for e in [0, 3, 10, 23, 30, 40, 46, 49, 52, 55] {
                let base = 2f64.powi(e);
                for i in 0..2000u64 {
                    values.push(base + (i * 0x9e37 % 4096) as f64 / 2f64.powi(k));
                }
            }
        }
        for _ in 0..200_000 {
            let u = next();
            let unit = (u >> 11) as f64 / (1u64 << 53) as f64;
            let scale = 10f64.powi((u % 40) as i32 - 20);
            values.push(unit * scale);
            values.push((unit * 1e6).round() / 100.0);
            let bits = f64::from_bits(next());
            if bits.is_finite() {
                values.push(bits);
            }
        }
        for v in values {
            assert_eq!(super::shortest(v), format!("{v}"), "{v:e}");
        }
        assert_eq!(super::fraction_bits(0.25), 2);
        assert_eq!(super::fraction_bits(12.0), 0);
        assert_eq!(super::fraction_bits(0.0), 0);
        assert_eq!(super::fraction_bits(f64::from_bits(1)), 1074); // the least subnormal
    }

    use super::*;

    #[test]
    fn short_names() {
        let names = [
            "宗地代码名称很长字段",
            "宗地代码名称很长字段二",
            "AREA",
            "area",
            "ABCDEFGHIJKLMN",
            "ABCDEFGHIJ",
            "",
            "ok",
        ];
        let utf8 = short_field_names(&names, encoding_rs::UTF_8).unwrap();
        assert_eq!(
            utf8,
            [
                "宗地代",
                "宗地_1",
                "AREA",
                "area_1",
                "ABCDEFGH_1",
                "ABCDEFGHIJ",
                "FIELD",
                "ok"
            ]
        );
        let gbk = short_field_names(&names, encoding_rs::GBK).unwrap();
        assert_eq!(gbk[0], "宗地代码名");
        assert_eq!(gbk[1], "宗地代码_1");
        for n in utf8 {
            assert!(n.len() <= MAX_NAME_BYTES);
        }
        assert!(short_field_names(&["a😀"], encoding_rs::GBK)
            .unwrap_err()
            .contains('😀'));
        // Deterministic.
        assert_eq!(short_field_names(&names, encoding_rs::GBK).unwrap(), gbk);
    }

    #[test]
    fn stand_ins_for_what_gbk_cannot_hold() {
        let gbk = encoding_rs::GBK;
        assert_eq!(
            fit_text("长安镇 2.5 km²", gbk),
            (Cow::Owned("长安镇 2.5 km2".into()), false)
        );
        assert_eq!(fit_text("刘䶮", gbk), (Cow::Owned("刘?".into()), true));
        assert!(matches!(
            fit_text("容积率≥1.0", gbk),
            (Cow::Borrowed(_), false)
        ));
        assert!(matches!(
            fit_text("刘䶮 km²", encoding_rs::UTF_8),
            (Cow::Borrowed(_), false)
        ));
        for (c, r) in STAND_INS {
            assert!(!holds(*c, gbk), "{c} needs a stand-in");
            let (fit, lost) = fit_text(r, gbk);
            assert!(!lost && fit == *r, "{c}'s stand-in {r} is GBK");
        }
        assert_eq!(cpg_label(gbk), "936");
        assert_eq!(cpg_label(encoding_rs::UTF_8), "UTF-8");
    }

    #[test]
    fn cut_at_character_boundary() {
        let s = "地".repeat(100); // 300 bytes UTF-8, 200 GBK
        let u = encode_cut(&s, MAX_TEXT_BYTES, encoding_rs::UTF_8).unwrap();
        assert_eq!(u.len(), 252);
        assert!(std::str::from_utf8(&u).is_ok());
        let g = encode_cut(&s, 199, encoding_rs::GBK).unwrap();
        assert_eq!(g.len(), 198);
    }

    #[test]
    fn reals_fit_and_round_trip() {
        for r in [
            12345678.123456,
            0.000123,
            1.2e7,
            -98765432.12345678,
            1.0 / 3.0,
            1.234_567_890_123_456_7e-9,
            1e-300,
            -1.797_693_134_862_315_7e308,
            4.9e-324,
            0.0,
            -0.0,
            123.0,
        ] {
            let s = format_real(r).unwrap();
            assert!(s.len() <= REAL_WIDTH, "{r}: {s}");
            let back: f64 = s.parse().unwrap();
            let rel = if r == 0.0 {
                back.abs()
            } else {
                ((back - r) / r).abs()
            };
            assert!(rel < 1e-10, "{r}: {s}");
        }
        assert_eq!(format_real(12345678.123456).unwrap(), "12345678.123456");
        assert_eq!(format_real(0.000123).unwrap(), "0.000123");
        assert!(format_real(f64::NAN).is_none());
    }
}
