//! Where a layer's features lie, judged robustly: one stray feature must not choose the
//! working CRS, stretch the district's extent or land in the outputs.
//!
//! - The layer's **centre** is the median of its features' envelope centres (x and y
//!   apart), which a few stray features cannot move.
//! - A feature is an **outlier** when its envelope reaches farther from that centre than
//!   ten times the distance within which 90 % of the features lie (and at least
//!   [`MIN_REACH_M`]): a parcel at (0, 0) beside a district at 2,500 km northing, or one
//!   vertex at y = 10¹² that stretches its parcel across the planet.
//! - A feature whose centre lies outside the **area of use** of the layer's CRS (as PROJ
//!   states it, widened by [`AREA_MARGIN_DEG`]) has coordinates the CRS cannot mean.

use crate::crs::{CrsKind, Reprojector, SourceCrs};
use geo::{BoundingRect, Coord, Rect};

/// How far beyond the 90 % radius a feature may reach before it is an outlier.
pub const OUTLIER_FACTOR: f64 = 10.0;

/// The least reach (metres) ever called an outlier: a compact district's legitimate
/// enclave 20 km away stays.
pub const MIN_REACH_M: f64 = 25_000.0;

/// Degrees by which a CRS's area of use is widened (data are often kept in a
/// neighbouring Gauss–Krüger zone).
pub const AREA_MARGIN_DEG: f64 = 2.0;

/// The median of the envelope centres, `None` without a finite envelope.
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::ingest::location::median_centre;
/// let r = |x: f64, y: f64| Some(Rect::new(coord! { x: x, y: y }, coord! { x: x + 1.0, y: y + 1.0 }));
/// // One stray feature at (0, 0) does not move the centre of three at ~(100, 200).
/// let c = median_centre(&[r(100.0, 200.0), r(0.0, 0.0), r(101.0, 201.0), r(102.0, 202.0)]);
/// assert_eq!(c, Some(coord! { x: 100.5, y: 200.5 }));
/// ```
pub fn median_centre(envelopes: &[Option<Rect<f64>>]) -> Option<Coord<f64>> {
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = envelopes
        .iter()
        .flatten()
        .map(|r| r.center())
        .filter(|c| c.x.is_finite() && c.y.is_finite())
        .map(|c| (c.x, c.y))
        .unzip();
    Some(Coord {
        x: median(&mut xs)?,
        y: median(&mut ys)?,
    })
}

/// The lower median (an element of the data, so the result is exactly reproducible).
fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mid = (v.len() - 1) / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// How far an envelope reaches from `c`: the largest coordinate distance of its corners.
fn reach(r: &Rect<f64>, c: Coord<f64>) -> f64 {
    let dx = (r.min().x - c.x).abs().max((r.max().x - c.x).abs());
    let dy = (r.min().y - c.y).abs().max((r.max().y - c.y).abs());
    dx.max(dy)
}

/// The outlier verdict per envelope (`None` envelopes are not outliers: they are judged
/// elsewhere), and the reach beyond which a feature is one. Metres of a projected CRS.
///
/// ```
/// use geo::{coord, Rect};
/// use landsift::ingest::location::outliers;
/// let r = |x: f64, y: f64| Some(Rect::new(coord! { x: x, y: y }, coord! { x: x + 50.0, y: y + 50.0 }));
/// let mut envs: Vec<_> = (0..100).map(|i| r(480_000.0 + 100.0 * i as f64, 2_520_000.0)).collect();
/// envs.push(r(0.0, 0.0));
/// let (flags, limit) = outliers(&envs);
/// assert_eq!(flags.iter().filter(|&&f| f).count(), 1);
/// assert!(flags[100] && limit >= 25_000.0);
/// ```
pub fn outliers(envelopes: &[Option<Rect<f64>>]) -> (Vec<bool>, f64) {
    let Some(c) = median_centre(envelopes) else {
        return (vec![false; envelopes.len()], f64::INFINITY);
    };
    let mut reaches: Vec<f64> = envelopes.iter().flatten().map(|r| reach(r, c)).collect();
    let limit = if reaches.is_empty() {
        f64::INFINITY
    } else {
        let k = ((reaches.len() as f64 * 0.9).ceil() as usize).clamp(1, reaches.len()) - 1;
        let (_, p90, _) = reaches.select_nth_unstable_by(k, f64::total_cmp);
        (OUTLIER_FACTOR * *p90).max(MIN_REACH_M)
    };
    let flags = envelopes
        .iter()
        // A NaN reach (a non-finite coordinate) is an outlier too.
        .map(|r| {
            r.as_ref().is_some_and(|r| {
                use std::cmp::Ordering::{Equal, Less};
                !matches!(reach(r, c).partial_cmp(&limit), Some(Less | Equal))
            })
        })
        .collect();
    (flags, limit)
}

/// The area of use of a CRS in its own coordinates (widened by [`AREA_MARGIN_DEG`]),
/// `None` for a local grid, a CRS PROJ states no area for, or one whose area cannot be
/// expressed in its coordinates.
pub fn area_of_use(src: &SourceCrs) -> Option<Rect<f64>> {
    if src.kind == CrsKind::Local {
        return None;
    }
    let crs = proj::Proj::new(&src.definition).ok()?;
    let area = crs.area_of_use().ok()?.0?;
    if area.west > area.east {
        return None; // crosses the antimeridian: no simple box
    }
    let m = AREA_MARGIN_DEG;
    let (w, s) = ((area.west - m).max(-180.0), (area.south - m).max(-90.0));
    let (e, n) = ((area.east + m).min(180.0), (area.north + m).min(90.0));
    let lonlat = Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n });
    if src.kind == CrsKind::Geographic {
        return Some(lonlat);
    }
    // The widened box's boundary, densified, in the CRS's coordinates.
    let to = Reprojector::from_definitions("EPSG:4326", &src.definition).ok()?;
    let steps = 32;
    let points = (0..=steps).flat_map(|i| {
        let t = i as f64 / steps as f64;
        let (x, y) = (w + (e - w) * t, s + (n - s) * t);
        [
            Coord { x, y: s },
            Coord { x, y: n },
            Coord { x: w, y },
            Coord { x: e, y },
        ]
    });
    let projected: Vec<Coord<f64>> = points
        .filter_map(|p| to.coord(p).ok())
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect();
    geo::MultiPoint::from(projected).bounding_rect()
}

/// Whether a feature with envelope `r` lies outside an area of use: its centre does.
pub fn outside(area: &Rect<f64>, r: &Rect<f64>) -> bool {
    let c = r.center();
    !(c.x >= area.min().x && c.x <= area.max().x && c.y >= area.min().y && c.y <= area.max().y)
}
