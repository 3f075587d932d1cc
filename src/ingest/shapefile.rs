//! ESRI Shapefile reader: geometry from the `.shp` (through the `shapefile` crate),
//! attributes from the `.dbf` (through [`super::dbf`]), CRS from the `.prj`, the
//! text encoding from the option, the `.cpg`, the DBF header or the bytes.

use super::dbf::{self, DbfTable};
use crate::model::{CrsDecl, EncodingSource, RawFeature, RawLayer};
use crate::{Error, Result};
use encoding_rs::Encoding;
use geo::{Geometry, LineString, MultiPolygon, Polygon};
use shapefile::{Shape, ShapeReader};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// A shapefile as read, with what [`RawLayer`] has no room for.
#[derive(Debug, Clone)]
pub struct ShapefileRead {
    pub layer: RawLayer,
    /// DBF records flagged deleted; they and their shapes are left out of the layer
    /// (a feature's `index` is still its position in the file).
    pub deleted: usize,
}

/// Reads a shapefile into a [`RawLayer`]; see [`read_shapefile_detailed`].
pub fn read_shapefile(path: &Path, encoding: Option<&str>) -> Result<RawLayer> {
    read_shapefile_detailed(path, encoding).map(|r| r.layer)
}

/// Reads a shapefile: `path` is the `.shp`; the `.dbf`, `.shx`, `.prj` and `.cpg`
/// beside it are found whatever the case of their extension.
///
/// `encoding` (a label such as `GBK`, `GB18030`, `UTF-8`, `936`) overrides what the
/// files declare. Geometry is returned as the file holds it, neither validated nor
/// repaired: polygons as `MultiPolygon` (each hole goes with the outer ring before
/// it), null shapes as `None`, points and lines as their geo counterparts.
pub fn read_shapefile_detailed(path: &Path, encoding: Option<&str>) -> Result<ShapefileRead> {
    let explicit = match encoding {
        Some(label) => Some(dbf::encoding_for_label(label).ok_or_else(|| {
            Error::Usage(format!(
                "unknown or unsupported encoding '{label}' (try UTF-8, GBK, GB18030, Big5 or a code page number such as 936)"
            ))
        })?),
        None => None,
    };

    let ext_ok = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if !ext_ok {
        return Err(Error::input(path, "not a .shp file"));
    }
    if !path.is_file() {
        return Err(Error::input(path, "no such file"));
    }
    let dbf_path = sibling(path, "dbf").ok_or_else(|| {
        Error::input(
            path,
            "the .dbf beside it is missing (a shapefile needs .shp and .dbf)",
        )
    })?;

    let declared = match explicit {
        Some(e) => Some((e, EncodingSource::Explicit)),
        None => match sibling(path, "cpg") {
            Some(cpg) => read_cpg(&cpg)?.map(|e| (e, EncodingSource::Cpg)),
            None => None,
        },
    };

    let shapes = read_shapes(path)?;
    let table = dbf::read_dbf(&dbf_path, declared)?;
    if shapes.len() != table.record_count {
        return Err(Error::input(
            path,
            format!(
                "{} shapes in the .shp but {} records in {}",
                shapes.len(),
                table.record_count,
                dbf_path.display()
            ),
        ));
    }

    let crs = match sibling(path, "prj") {
        Some(prj) => {
            let bytes =
                std::fs::read(&prj).map_err(|e| Error::input(&prj, "cannot read").because(e))?;
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim_start_matches('\u{feff}').trim();
            (!text.is_empty()).then(|| CrsDecl::Definition(text.to_string()))
        }
        None => None,
    };

    let DbfTable {
        fields,
        records,
        deleted,
        encoding,
        ..
    } = table;
    let fields = fields
        .into_iter()
        .map(|f| crate::model::FieldDef::new(f.name, f.kind))
        .collect();
    let mut shapes: Vec<Option<Option<Geometry<f64>>>> = shapes.into_iter().map(Some).collect();
    let features = records
        .into_iter()
        .map(|r| RawFeature {
            index: r.index,
            geometry: shapes[r.index].take().expect("each record once"),
            values: r.values,
        })
        .collect();

    let layer_name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(ShapefileRead {
        layer: RawLayer {
            source: path.to_path_buf(),
            layer_name,
            fields,
            features,
            crs,
            encoding,
            deleted,
            nul_stripped: 0,
            released: 0,
        },
        deleted,
    })
}

/// The file beside `shp` with the same stem and extension `ext` in any case:
/// the lower-case one first, then the upper-case one, then any other spelling.
pub fn sibling(shp: &Path, ext: &str) -> Option<PathBuf> {
    let stem = shp.file_stem()?.to_str()?;
    let dir = match shp.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    for e in [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()] {
        let p = dir.join(format!("{stem}.{e}"));
        if p.is_file() {
            return Some(p);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return false;
            };
            name.len() == stem.len() + 1 + ext.len()
                && name.starts_with(stem)
                && name.as_bytes()[stem.len()] == b'.'
                && name[stem.len() + 1..].eq_ignore_ascii_case(ext)
        })
        .map(|entry| entry.path())
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

/// The encoding a `.cpg` names; `None` for an empty one.
fn read_cpg(cpg: &Path) -> Result<Option<&'static Encoding>> {
    let bytes = std::fs::read(cpg).map_err(|e| Error::input(cpg, "cannot read").because(e))?;
    let text = String::from_utf8_lossy(&bytes);
    let label = text.trim_start_matches('\u{feff}').trim();
    if label.is_empty() {
        return Ok(None);
    }
    dbf::encoding_for_label(label).map(Some).ok_or_else(|| {
        Error::input(
            cpg,
            format!("unknown or unsupported code page '{label}'; pass --encoding to override"),
        )
    })
}

/// Every shape of the `.shp`, in file order, as geo geometries.
fn read_shapes(path: &Path) -> Result<Vec<Option<Geometry<f64>>>> {
    let open = |p: &Path| {
        File::open(p)
            .map(BufReader::new)
            .map_err(|e| Error::input(p, "cannot open").because(e))
    };
    let mut source = open(path)?;
    check_structure(&mut source, path)?;
    let reader = match sibling(path, "shx") {
        Some(shx) => ShapeReader::with_shx(source, open(&shx)?),
        None => ShapeReader::new(source),
    }
    .map_err(|e| Error::input(path, "not a readable shapefile").because(e))?;
    read_shapes_from(reader, path)
}

/// Checks a `.shp`'s record structure before any record is parsed: every record fits in
/// the file, and the part and point counts of a polygon, line or multipoint record fit in
/// the record. A damaged file is an input error naming the record, never a reader that
/// believes a count of 10⁹ points. Leaves `r` at the start.
pub fn check_structure<R: std::io::Read + std::io::Seek>(r: &mut R, path: &Path) -> Result<()> {
    use std::io::SeekFrom;
    let damaged = |what: String| Error::input(path, format!("damaged .shp: {what}"));
    let io = |e: std::io::Error| Error::input(path, "cannot read").because(e);
    let file_len = r.seek(SeekFrom::End(0)).map_err(io)?;
    r.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut header = [0u8; 100];
    r.read_exact(&mut header)
        .map_err(|_| damaged("shorter than its 100-byte header".into()))?;
    if i32::from_be_bytes([header[0], header[1], header[2], header[3]]) != 9994 {
        return Err(damaged("not a shapefile (file code is not 9994)".into()));
    }
    let mut pos = 100u64;
    let mut record = 0usize;
    while pos < file_len {
        let mut rh = [0u8; 12];
        let have = (file_len - pos).min(12) as usize;
        r.read_exact(&mut rh[..have]).map_err(io)?;
        if have < 8 {
            return Err(damaged(format!("record {record} has a truncated header")));
        }
        let content = 2 * u64::from(u32::from_be_bytes([rh[4], rh[5], rh[6], rh[7]]));
        if pos + 8 + content > file_len {
            return Err(damaged(format!(
                "record {record} claims {content} bytes but the file ends {} bytes later",
                file_len - pos - 8
            )));
        }
        let shape_type = (content >= 4).then(|| i32::from_le_bytes([rh[8], rh[9], rh[10], rh[11]]));
        // Polylines, polygons (with Z/M variants): box, parts, points; multipoints: box, points.
        let counts = match shape_type {
            Some(3 | 5 | 13 | 15 | 23 | 25 | 31) => Some(true),
            Some(8 | 18 | 28) => Some(false),
            _ => None,
        };
        if let Some(has_parts) = counts {
            let need = if has_parts { 44 } else { 40 };
            if content < need {
                return Err(damaged(format!(
                    "record {record} is too short for its shape"
                )));
            }
            let mut c = [0u8; 40];
            r.seek(SeekFrom::Start(pos + 12)).map_err(io)?;
            r.read_exact(&mut c[..need as usize - 4]).map_err(io)?;
            let (parts, points) = if has_parts {
                (
                    u64::from(u32::from_le_bytes([c[32], c[33], c[34], c[35]])),
                    u64::from(u32::from_le_bytes([c[36], c[37], c[38], c[39]])),
                )
            } else {
                (
                    0,
                    u64::from(u32::from_le_bytes([c[32], c[33], c[34], c[35]])),
                )
            };
            if need + 4 * parts + 16 * points > content {
                return Err(damaged(format!(
                    "record {record} declares {parts} parts and {points} points, more than its {content} bytes hold"
                )));
            }
            // Each part starts at a point of the record, in order: a start past the
            // points (or negative) would make a reader size a part from garbage.
            if has_parts && parts > 0 {
                let mut starts = vec![0u8; 4 * parts as usize];
                r.read_exact(&mut starts).map_err(io)?;
                let mut previous = -1i64;
                for (k, b) in starts.chunks_exact(4).enumerate() {
                    let start = i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                    let first_ok = k > 0 || start == 0;
                    if !first_ok || start < previous || start >= points.max(1) as i64 {
                        return Err(damaged(format!(
                            "record {record}: part {k} starts at point {start} of {points}"
                        )));
                    }
                    previous = start;
                }
            }
        }
        pos += 8 + content;
        r.seek(SeekFrom::Start(pos)).map_err(io)?;
        record += 1;
    }
    r.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// Every shape of a `.shp` being read, as geometry (`None` for a null shape); `path`
/// only names it in errors.
pub fn read_shapes_from<T: std::io::Read + std::io::Seek>(
    mut reader: ShapeReader<T>,
    path: &Path,
) -> Result<Vec<Option<Geometry<f64>>>> {
    let mut out = Vec::new();
    for (i, shape) in reader.iter_shapes().enumerate() {
        let shape =
            shape.map_err(|e| Error::input(path, format!("cannot read shape {i}")).because(e))?;
        let geometry = to_geometry(shape)
            .map_err(|e| Error::input(path, format!("cannot convert shape {i}")).because(e))?;
        out.push(geometry);
    }
    Ok(out)
}

fn to_geometry(shape: Shape) -> std::result::Result<Option<Geometry<f64>>, shapefile::Error> {
    use shapefile::PolygonRing;
    // Rings as read; used when the first ring is a hole, which the crate's
    // conversion refuses: such a ring then starts a polygon of its own.
    fn rings_to_multi<P: Copy>(rings: Vec<PolygonRing<P>>) -> MultiPolygon<f64>
    where
        geo::Coord<f64>: From<P>,
    {
        let mut polygons: Vec<Polygon<f64>> = Vec::new();
        for ring in rings {
            let is_outer = matches!(ring, PolygonRing::Outer(_)) || polygons.is_empty();
            let line: LineString<f64> = ring
                .into_inner()
                .into_iter()
                .map(geo::Coord::from)
                .collect();
            if is_outer {
                polygons.push(Polygon::new(line, vec![]));
            } else if let Some(last) = polygons.last_mut() {
                last.interiors_push(line);
            }
        }
        MultiPolygon(polygons)
    }
    /// The crate's conversion (holes go with the outer ring before them), unless
    /// the first ring is a hole, which that conversion refuses.
    fn polygon<P>(
        p: shapefile::record::polygon::GenericPolygon<P>,
    ) -> std::result::Result<Geometry<f64>, shapefile::Error>
    where
        P: shapefile::record::traits::ShrinkablePoint
            + shapefile::record::traits::GrowablePoint
            + Copy,
        geo::Coord<f64>: From<P>,
    {
        let multi = if matches!(p.rings().first(), Some(PolygonRing::Inner(_))) {
            rings_to_multi(p.into_inner())
        } else {
            MultiPolygon::try_from(p)?
        };
        Ok(Geometry::MultiPolygon(multi))
    }
    Ok(match shape {
        Shape::NullShape => None,
        Shape::Polygon(p) => Some(polygon(p)?),
        Shape::PolygonM(p) => Some(polygon(p)?),
        Shape::PolygonZ(p) => Some(polygon(p)?),
        other => Some(Geometry::try_from(other)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shapefile::{Point, PolygonRing};

    fn square(x0: f64, y0: f64, s: f64) -> Vec<Point> {
        vec![
            Point::new(x0, y0),
            Point::new(x0, y0 + s),
            Point::new(x0 + s, y0 + s),
            Point::new(x0 + s, y0),
            Point::new(x0, y0),
        ]
    }

    #[test]
    fn polygon_with_hole_and_two_parts() {
        let mut hole = square(1.0, 1.0, 1.0);
        hole.reverse();
        let p = shapefile::Polygon::with_rings(vec![
            PolygonRing::Outer(square(0.0, 0.0, 4.0)),
            PolygonRing::Inner(hole),
            PolygonRing::Outer(square(10.0, 10.0, 1.0)),
        ]);
        let Some(Geometry::MultiPolygon(mp)) = to_geometry(Shape::Polygon(p)).unwrap() else {
            panic!("not a multipolygon");
        };
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
        use geo::Area;
        assert_eq!(mp.unsigned_area(), 16.0 - 1.0 + 1.0);
    }

    #[test]
    fn leading_hole_becomes_a_polygon_and_null_is_none() {
        // Counter-clockwise only ring: the crate calls it an inner ring.
        let mut ccw = square(0.0, 0.0, 2.0);
        ccw.reverse();
        let p = shapefile::Polygon::from(shapefile::Polyline::new(ccw));
        let Some(Geometry::MultiPolygon(mp)) = to_geometry(Shape::Polygon(p)).unwrap() else {
            panic!("not a multipolygon");
        };
        assert_eq!(mp.0.len(), 1);
        assert!(to_geometry(Shape::NullShape).unwrap().is_none());
        assert!(matches!(
            to_geometry(Shape::Point(Point::new(1.0, 2.0))).unwrap(),
            Some(Geometry::Point(_))
        ));
    }

    #[test]
    fn sibling_lookup_any_case() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("a.b.shp");
        std::fs::write(&shp, b"").unwrap();
        std::fs::write(dir.path().join("a.b.DBF"), b"").unwrap();
        std::fs::write(dir.path().join("a.b.Prj"), b"").unwrap();
        std::fs::write(dir.path().join("a.cpg"), b"").unwrap();
        assert_eq!(sibling(&shp, "dbf"), Some(dir.path().join("a.b.DBF")));
        assert_eq!(sibling(&shp, "prj"), Some(dir.path().join("a.b.Prj")));
        assert_eq!(sibling(&shp, "cpg"), None);
    }

    #[test]
    fn option_and_file_errors() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("x.shp");
        assert!(matches!(
            read_shapefile(&shp, Some("klingon")),
            Err(Error::Usage(m)) if m.contains("klingon")
        ));
        assert!(matches!(
            read_shapefile(&shp, None),
            Err(Error::Input { .. })
        ));
        std::fs::write(&shp, b"").unwrap();
        match read_shapefile(&shp, None) {
            Err(Error::Input { message, .. }) => assert!(message.contains(".dbf"), "{message}"),
            other => panic!("{other:?}"),
        }
        let cpg = dir.path().join("x.cpg");
        std::fs::write(&cpg, b"Klingon-1").unwrap();
        assert!(
            matches!(read_cpg(&cpg), Err(Error::Input { message, .. }) if message.contains("Klingon-1"))
        );
    }

    #[test]
    fn a_part_starting_outside_its_points_is_damage() {
        // Found by the fuzzer: part 0 starts at point -482344960, which made the
        // reader size one part at 7.7 GB.
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/shapefile");
        let bytes = std::fs::read(corpus.join("regression-part-start-negative.shp")).unwrap();
        let mut cursor = std::io::Cursor::new(bytes);
        match check_structure(&mut cursor, Path::new("x.shp")) {
            Err(Error::Input { message, .. }) => {
                assert!(
                    message.contains("part 0 starts at point -482344960"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
