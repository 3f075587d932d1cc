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

/// Writes a layer as a GeoJSON FeatureCollection.
pub fn write_geojson(path: &Path, layer: &OutLayer, coords: Coordinates) -> Result<()> {
    let io = |e: std::io::Error| Error::output(path, "cannot write").because(e);
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w = BufWriter::new(file);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")
        .map_err(io)?;
    let names: Vec<String> = layer
        .fields
        .iter()
        .map(|f| serde_json::to_string(&f.name).expect("strings serialise"))
        .collect();
    let mut buf = String::new();
    for (n, row) in layer.rows.iter().enumerate() {
        buf.clear();
        if n > 0 {
            buf.push_str(",\n");
        }
        buf.push_str("{\"type\":\"Feature\",\"properties\":{");
        for (i, (name, value)) in names.iter().zip(&row.values).enumerate() {
            if i > 0 {
                buf.push(',');
            }
            buf.push_str(name);
            buf.push(':');
            push_value(&mut buf, value);
        }
        buf.push_str("},\"geometry\":");
        match row.geometry {
            None => buf.push_str("null"),
            Some(mp) => push_geometry(&mut buf, mp, &coords).map_err(|e| match e {
                Error::Crs { message, .. } => Error::output(path, message),
                other => other,
            })?,
        }
        buf.push('}');
        w.write_all(buf.as_bytes()).map_err(io)?;
    }
    w.write_all(b"\n]}\n").map_err(io)?;
    w.flush().map_err(io)
}

fn push_value(buf: &mut String, v: &Value) {
    match v {
        Value::Null => buf.push_str("null"),
        Value::Int(i) => buf.push_str(&i.to_string()),
        Value::Real(r) if r.is_finite() => {
            buf.push_str(&serde_json::to_string(r).expect("finite floats serialise"))
        }
        Value::Real(_) => buf.push_str("null"),
        Value::Text(s) => buf.push_str(&serde_json::to_string(s).expect("strings serialise")),
    }
}

fn push_geometry(buf: &mut String, mp: &MultiPolygon<f64>, coords: &Coordinates) -> Result<()> {
    let mp = mp.orient(geo::orient::Direction::Default);
    let decimals = match coords {
        Coordinates::LonLat(_) => 7,
        Coordinates::Local => 3,
    };
    buf.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
    for (i, poly) in mp.0.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        buf.push('[');
        for (j, ring) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            if j > 0 {
                buf.push(',');
            }
            buf.push('[');
            for (k, c) in ring.0.iter().enumerate() {
                if k > 0 {
                    buf.push(',');
                }
                let c = match coords {
                    Coordinates::LonLat(p) => p.coord(*c)?,
                    Coordinates::Local => *c,
                };
                buf.push('[');
                push_number(buf, c.x, decimals);
                buf.push(',');
                push_number(buf, c.y, decimals);
                buf.push(']');
            }
            buf.push(']');
        }
        buf.push(']');
    }
    buf.push_str("]}");
    Ok(())
}

/// Fixed decimals with trailing zeros trimmed: short and deterministic.
fn push_number(buf: &mut String, x: f64, decimals: usize) {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    buf.push_str(if s == "-0" { "0" } else { s });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_trimmed() {
        let mut b = String::new();
        push_number(&mut b, 114.25, 7);
        b.push(' ');
        push_number(&mut b, -0.00000001, 7);
        b.push(' ');
        push_number(&mut b, 23.123456789, 7);
        assert_eq!(b, "114.25 0 23.1234568");
    }
}
