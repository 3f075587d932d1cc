//! `parcels_state.csv`: what tonight's run found of each parcel, kept in the output so
//! that tomorrow's run can say what changed — the flag, type, class, score and fired rules,
//! the area, a digest of the geometry, and the zones the parcel lies in.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// The file name in an output folder.
pub const FILE: &str = "parcels_state.csv";

/// One parcel's state.
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelState {
    pub parcel_id: String,
    pub town: String,
    pub low: bool,
    pub ltype: String,
    pub class: String,
    pub score: Option<f64>,
    /// Fired rule ids, `;`-separated, in criteria order.
    pub reasons: String,
    pub area_m2: f64,
    /// FNV-1a of the geometry's coordinates (hex): equal digests, equal geometry.
    pub geom: String,
    pub unit_id: String,
    pub middle_id: String,
    pub large_id: String,
}

/// A previous run's state, by parcel id.
#[derive(Debug, Clone, Default)]
pub struct PreviousState {
    pub run_id: Option<String>,
    pub parcels: Vec<ParcelState>,
    pub by_id: HashMap<String, usize>,
}

impl PreviousState {
    pub fn get(&self, id: &str) -> Option<&ParcelState> {
        self.by_id.get(id).map(|&i| &self.parcels[i])
    }
}

/// A digest of a parcel's geometry: FNV-1a over the bits of every coordinate, ring by
/// ring. Repaired geometries are canonical, so equal input gives an equal digest.
///
/// ```
/// use geo::{polygon, MultiPolygon};
/// use landsift::changes::state::geometry_digest;
/// let a = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)]]);
/// let b = MultiPolygon::new(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 2.0)]]);
/// assert_eq!(geometry_digest(&a), geometry_digest(&a.clone()));
/// assert_ne!(geometry_digest(&a), geometry_digest(&b));
/// ```
pub fn geometry_digest(g: &geo::MultiPolygon<f64>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| {
        for b in x.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for p in &g.0 {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            eat(ring.0.len() as u64);
            for c in &ring.0 {
                eat(c.x.to_bits());
                eat(c.y.to_bits());
            }
        }
    }
    format!("{h:016x}")
}

/// Writes the state of every parcel (`state(i)` of parcel `i` of `n`, in parcel order),
/// made in parallel blocks rather than held all at once.
pub fn write(path: &Path, n: usize, state: impl Fn(usize) -> ParcelState + Sync) -> Result<()> {
    use rayon::prelude::*;
    crate::export::write_csv(path, false, |w| {
        w.write_record([
            "parcel_id",
            "town",
            "low",
            "ltype",
            "class",
            "score",
            "reasons",
            "area_m2",
            "geom",
            "unit_id",
            "middle_id",
            "large_id",
        ])?;
        for start in (0..n).step_by(BLOCK) {
            let block: Vec<ParcelState> = (start..n.min(start + BLOCK))
                .into_par_iter()
                .map(&state)
                .collect();
            for s in &block {
                w.write_record([
                    s.parcel_id.as_str(),
                    &s.town,
                    if s.low { "1" } else { "0" },
                    &s.ltype,
                    &s.class,
                    &s.score.map(|x| x.to_string()).unwrap_or_default(),
                    &s.reasons,
                    &s.area_m2.to_string(),
                    &s.geom,
                    &s.unit_id,
                    &s.middle_id,
                    &s.large_id,
                ])?;
            }
        }
        Ok(())
    })
}

/// Parcel states made at a time by [`write`].
const BLOCK: usize = 1 << 16;

/// Reads a previous run's state from its output folder; `None` when it has none (a
/// first run, or an output from before landsift kept one).
pub fn read(dir: &Path) -> Result<Option<PreviousState>> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(None);
    }
    let bad =
        |e: csv::Error| Error::input(&path, "the previous run's state is unreadable").because(e);
    let mut reader = csv::Reader::from_path(&path).map_err(bad)?;
    let mut parcels = Vec::new();
    for rec in reader.records() {
        let r = rec.map_err(bad)?;
        let f = |i: usize| r.get(i).unwrap_or("").to_string();
        parcels.push(ParcelState {
            parcel_id: f(0),
            town: f(1),
            low: r.get(2) == Some("1"),
            ltype: f(3),
            class: f(4),
            score: r.get(5).and_then(|s| s.parse().ok()),
            reasons: f(6),
            area_m2: r.get(7).and_then(|s| s.parse().ok()).unwrap_or(0.0),
            geom: f(8),
            unit_id: f(9),
            middle_id: f(10),
            large_id: f(11),
        });
    }
    let by_id = parcels
        .iter()
        .enumerate()
        .map(|(i, p)| (p.parcel_id.clone(), i))
        .collect();
    Ok(Some(PreviousState {
        run_id: crate::publish::manifest::read(dir).map(|m| m.run_id),
        parcels,
        by_id,
    }))
}
