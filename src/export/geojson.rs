//! GeoJSON per RFC 7946: WGS84 lon/lat, no `crs` member, exterior rings counter-clockwise.
//! Written by hand, streaming, so the output is byte-identical run to run.

use super::OutLayer;
use crate::crs::Reprojector;
use crate::error::{Error, Result};
use crate::model::Value;
use geo::{MultiPolygon, Orient};
use std::io::{BufWriter, Write};
use std::path::Path;

/// How coordinates are written.
#[derive(Clone, Copy)]
pub enum Coordinates<'a> {
    /// Reprojected to lon/lat, 7 decimals (≈ 1 cm), as RFC 7946 asks.
    LonLat(&'a Reprojector),
    /// Left in a local grid with no geodetic link, 3 decimals (mm): not RFC 7946
    /// coordinates, and the run summary says so.
    Local,
}

/// Rows formatted per parallel task: large enough that a task's set-up (a PROJ
/// transform of its own) is negligible, small enough to keep both cores busy.
const BLOCK_ROWS: usize = 2048;

/// Blocks formatted before they are written in order, at most: bounds the memory held
/// in formatted text whatever the layer's size ([`super::blocks_per_wave`]).
const BLOCKS_PER_WAVE: usize = 16;

/// Writes a layer as a GeoJSON FeatureCollection.
///
/// Rows are formatted in parallel blocks, each with its own PROJ transform (a PROJ
/// object is not shared between threads), and written in row order, so the file is
/// the same at any thread count.
pub fn write_geojson(path: &Path, layer: &OutLayer, coords: Coordinates) -> Result<()> {
    use rayon::prelude::*;
    let io = |e: std::io::Error| Error::output(path, "cannot write").because(e);
    // Handed to the disk as it is written: the flush at publish finds little to wait for.
    let file = crate::publish::writeback::Streamed::create(path).map_err(io)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
        .map_err(io)?;
    let names: Vec<Vec<u8>> = layer
        .fields
        .iter()
        .map(|f| {
            let mut b = Vec::new();
            push_json_str(&mut b, &f.name);
            b
        })
        .collect();
    let definitions = match coords {
        Coordinates::LonLat(p) => Some(p.definitions()),
        Coordinates::Local => None,
    };
    let n = layer.len();
    let blocks = n.div_ceil(BLOCK_ROWS);
    let per_wave = super::blocks_per_wave(BLOCKS_PER_WAVE);
    for wave in (0..blocks).step_by(per_wave) {
        let formatted: Vec<Result<Vec<u8>>> = (wave..blocks.min(wave + per_wave))
            .into_par_iter()
            .map(|b| {
                let rows = b * BLOCK_ROWS..n.min((b + 1) * BLOCK_ROWS);
                with_transform(definitions, |proj| format_rows(layer, &names, rows, proj)).map_err(
                    |e| match e {
                        Error::Crs { message, .. } => Error::output(path, message),
                        other => other,
                    },
                )
            })
            .collect();
        for block in formatted {
            w.write_all(&block?).map_err(io)?;
        }
    }
    w.write_all(b"\n]}\n").map_err(io)?;
    w.flush().map_err(io)
}

thread_local! {
    /// This thread's transform and what it transforms: a PROJ object cannot move between
    /// threads, and building one costs milliseconds, more than formatting a block.
    static TRANSFORM: std::cell::RefCell<Option<(String, String, Reprojector)>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's transform for `definitions` (`None`: no transform).
fn with_transform<T>(
    definitions: Option<(&str, &str)>,
    f: impl FnOnce(Option<&Reprojector>) -> Result<T>,
) -> Result<T> {
    let Some((from, to)) = definitions else {
        return f(None);
    };
    TRANSFORM.with(|cell| {
        let mut slot = cell.borrow_mut();
        if !matches!(slot.as_ref(), Some((a, b, _)) if a == from && b == to) {
            *slot = Some((
                from.to_string(),
                to.to_string(),
                Reprojector::from_definitions(from, to)?,
            ));
        }
        f(slot.as_ref().map(|(_, _, p)| p))
    })
}

/// The features of `rows`, each preceded by `,\n` but the layer's first.
fn format_rows(
    layer: &OutLayer,
    names: &[Vec<u8>],
    rows: std::ops::Range<usize>,
    proj: Option<&Reprojector>,
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(rows.len() * 512);
    for n in rows {
        let row = layer.row(n);
        if n > 0 {
            buf.extend_from_slice(b",\n");
        }
        buf.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
        for (i, (name, value)) in names.iter().zip(&row.values).enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(name);
            buf.push(b':');
            push_value(&mut buf, value);
        }
        buf.extend_from_slice(b"},\"geometry\":");
        match row.geometry {
            None => buf.extend_from_slice(b"null"),
            Some(mp) => push_geometry(&mut buf, mp, proj)?,
        }
        buf.push(b'}');
    }
    Ok(buf)
}

fn push_json_str(buf: &mut Vec<u8>, s: &str) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

fn push_value(buf: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => buf.extend_from_slice(b"null"),
        Value::Int(i) => {
            let _ = serde_json::to_writer(&mut *buf, i);
        }
        Value::Real(r) if r.is_finite() => {
            let _ = serde_json::to_writer(&mut *buf, r);
        }
        Value::Real(_) => buf.extend_from_slice(b"null"),
        Value::Text(s) => push_json_str(buf, s),
    }
}

fn push_geometry(
    buf: &mut Vec<u8>,
    mp: &MultiPolygon<f64>,
    proj: Option<&Reprojector>,
) -> Result<()> {
    let mp = mp.orient(geo::orient::Direction::Default);
    let decimals = if proj.is_some() { 7 } else { 3 };
    buf.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (i, poly) in mp.0.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'[');
        for (j, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            if j > 0 {
                buf.push(b',');
            }
            buf.push(b'[');
            for (k, c) in ring.0.iter().enumerate() {
                if k > 0 {
                    buf.push(b',');
                }
                let c = match proj {
                    Some(p) => p.coord(*c)?,
                    None => *c,
                };
                buf.push(b'[');
                push_number(buf, c.x, decimals);
                buf.push(b',');
                push_number(buf, c.y, decimals);
                buf.push(b']');
            }
            buf.push(b']');
        }
        buf.push(b']');
    }
    buf.extend_from_slice(b"]}");
    Ok(())
}

/// Fixed decimals with trailing zeros trimmed: short and deterministic. The same text
/// as `format!("{x:.decimals$}")` trimmed, without its cost: the scaled value is
/// rounded in integers where that rounding is certainly the exact one (away from a
/// half and from the limits of exact integers); elsewhere `format!` decides.
fn push_number(buf: &mut Vec<u8>, x: f64, decimals: usize) {
    const POW10: [i64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];
    if decimals < POW10.len() {
        let scale = POW10[decimals];
        let v = x * scale as f64;
        let frac = (v - v.trunc()).abs();
        if v.abs() < 1e12 && (frac - 0.5).abs() > 1e-3 {
            let r = v.round() as i64;
            if r == 0 {
                buf.push(b'0');
                return;
            }
            if r < 0 {
                buf.push(b'-');
            }
            let r = r.unsigned_abs();
            let (int, mut fr) = (r / scale as u64, r % scale as u64);
            let mut digits = decimals;
            while digits > 0 && fr % 10 == 0 {
                fr /= 10;
                digits -= 1;
            }
            let mut itoa = itoa::Buffer::new();
            buf.extend_from_slice(itoa.format(int).as_bytes());
            if digits > 0 {
                buf.push(b'.');
                let text = itoa.format(fr);
                buf.extend(std::iter::repeat_n(b'0', digits - text.len()));
                buf.extend_from_slice(text.as_bytes());
            }
            return;
        }
    }
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    buf.extend_from_slice(if s == "-0" { b"0" } else { s.as_bytes() });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(x: f64, decimals: usize) -> String {
        let mut b = Vec::new();
        push_number(&mut b, x, decimals);
        String::from_utf8(b).unwrap()
    }

    /// What the writer wrote before its integer fast path: `format!`, trimmed.
    fn formatted(x: f64, decimals: usize) -> String {
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            &s
        };
        if s == "-0" {
            "0".into()
        } else {
            s.into()
        }
    }

    #[test]
    fn numbers_are_trimmed() {
        assert_eq!(number(114.25, 7), "114.25");
        assert_eq!(number(-0.00000001, 7), "0");
        assert_eq!(number(23.123456789, 7), "23.1234568");
        assert_eq!(number(-0.00000006, 7), "-0.0000001");
        assert_eq!(number(38_500_123.000_5, 3), "38500123.001");
        assert_eq!(number(-12.0, 3), "-12");
        assert_eq!(number(1e300, 3), formatted(1e300, 3));
        assert_eq!(number(0.5e-7, 7), formatted(0.5e-7, 7));
    }

    #[test]
    fn the_fast_path_writes_what_format_writes() {
        // lon/lat and projected coordinates, ties and near-ties included
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            let (v, d) = match i % 4 {
                0 => (100.0 + 20.0 * unit, 7),
                1 => (-180.0 + 360.0 * unit, 7),
                2 => (38_000_000.0 + 1e6 * unit, 3),
                _ => ((unit * 1e7).round() / 1e7 + 0.5e-7, 7),
            };
            assert_eq!(number(v, d), formatted(v, d), "{v:e} at {d}");
        }
    }
}
