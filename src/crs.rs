//! CRS handling: identify what a source declares, pick the metric working CRS that
//! areas are computed in, and reproject with PROJ.
//!
//! Axis order: every transform here is built with `proj::Proj::new_known_crs`, which
//! normalises both ends to the traditional GIS order (lon/lat, easting/northing), the
//! order in which GeoJSON, Shapefile and GeoPackage store coordinates.

use crate::error::{Error, Result};
use crate::model::CrsDecl;
use gdal::spatial_ref::SpatialRef;
use geo::{Coord, Geometry, MapCoords};
use std::path::Path;

/// What kind of coordinates a CRS has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrsKind {
    /// Longitude/latitude in degrees.
    Geographic,
    /// Easting/northing in metres.
    Projected,
    /// An engineering grid with no geodetic link.
    Local,
}

/// A source CRS, identified.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCrs {
    /// EPSG code when the definition matches one.
    pub epsg: Option<u32>,
    /// A definition PROJ accepts: `EPSG:N` or WKT.
    pub definition: String,
    /// Human-readable name, e.g. `CGCS2000 / 3-degree Gauss-Kruger CM 114E`.
    pub name: String,
    pub kind: CrsKind,
    /// Set for Xi'an 1980 and Beijing 1954: PROJ has no accurate public transformation
    /// from these to CGCS2000/WGS84, so lon/lat output is approximate.
    pub legacy_datum: Option<&'static str>,
}

impl SourceCrs {
    /// The label used in reports: `EPSG:N`, `LOCAL`, or the CRS name.
    pub fn label(&self) -> String {
        match (self.kind, self.epsg) {
            (CrsKind::Local, _) => "LOCAL".to_string(),
            (_, Some(code)) => format!("EPSG:{code}"),
            _ => self.name.clone(),
        }
    }

    /// Whether two inputs are in the same CRS.
    pub fn same_as(&self, other: &SourceCrs) -> bool {
        match (self.epsg, other.epsg) {
            (Some(a), Some(b)) => a == b,
            _ => self.kind == other.kind && self.definition == other.definition,
        }
    }
}

/// The metric CRS a run computes areas in, and why it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingCrs {
    pub crs: SourceCrs,
    /// One sentence saying how it was chosen (goes into the run summary).
    pub choice: String,
}

impl WorkingCrs {
    /// OGC WKT1 for GeoPackage and Shapefile `.prj`, `None` for a local grid.
    pub fn wkt(&self) -> Option<String> {
        if self.crs.kind == CrsKind::Local {
            return None;
        }
        spatial_ref(&self.crs).ok()?.to_wkt().ok()
    }

    /// ESRI WKT1 for the Shapefile `.prj` (what ArcGIS and QGIS expect there).
    pub fn esri_wkt(&self) -> Option<String> {
        if self.crs.kind == CrsKind::Local {
            return None;
        }
        let srs = spatial_ref(&self.crs).ok()?;
        srs.morph_to_esri().ok()?;
        srs.to_wkt().ok()
    }
}

fn spatial_ref(crs: &SourceCrs) -> Result<SpatialRef, gdal::errors::GdalError> {
    match crs.epsg {
        Some(code) => SpatialRef::from_epsg(code),
        None => SpatialRef::from_definition(&crs.definition),
    }
}

/// Parses what a user writes after `--s-srs`: `EPSG:N`, `local`, or a WKT/PROJ string.
pub fn parse_user_crs(text: &str) -> Result<CrsDecl> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("local") {
        return Ok(CrsDecl::Local);
    }
    if let Some(code) = t.strip_prefix("EPSG:").or_else(|| t.strip_prefix("epsg:")) {
        return code
            .trim()
            .parse::<u32>()
            .map(CrsDecl::Epsg)
            .map_err(|_| Error::Usage(format!("--s-srs '{text}': EPSG code is not a number")));
    }
    if t.is_empty() {
        return Err(Error::Usage("--s-srs is empty".into()));
    }
    Ok(CrsDecl::Definition(t.to_string()))
}

/// Identifies a declared CRS: EPSG code (also for ESRI `.prj` text), kind, legacy datum.
pub fn identify(decl: &CrsDecl, path: &Path) -> Result<SourceCrs> {
    let srs = match decl {
        CrsDecl::Local => {
            return Ok(SourceCrs {
                epsg: None,
                definition: String::new(),
                name: "local engineering grid (no geodetic link)".into(),
                kind: CrsKind::Local,
                legacy_datum: None,
            })
        }
        CrsDecl::Epsg(code) => SpatialRef::from_epsg(*code).map_err(|e| {
            Error::crs(path, format!("EPSG:{code} is not a CRS PROJ knows")).because(e)
        })?,
        CrsDecl::Definition(text) => SpatialRef::from_definition(text).map_err(|e| {
            Error::crs(
                path,
                format!("cannot parse CRS definition '{}': {e}", short(text)),
            )
        })?,
    };
    let kind = if srs.is_local() {
        CrsKind::Local
    } else if srs.is_geographic() {
        CrsKind::Geographic
    } else if srs.is_projected() {
        CrsKind::Projected
    } else {
        return Err(Error::crs(
            path,
            format!(
                "CRS '{}' is neither geographic nor projected",
                srs.name().unwrap_or_default()
            ),
        ));
    };
    if kind == CrsKind::Projected {
        let unit = srs.linear_units();
        if (unit - 1.0).abs() > 1e-9 {
            return Err(Error::crs(
                path,
                format!(
                    "projected CRS '{}' has units of {} m ({}); landsift needs metres",
                    srs.name().unwrap_or_default(),
                    unit,
                    srs.linear_units_name().unwrap_or_default()
                ),
            ));
        }
    }
    let epsg = match decl {
        CrsDecl::Epsg(code) => Some(*code),
        _ => find_epsg(&srs, kind),
    };
    let name = srs.name().unwrap_or_else(|| "unnamed CRS".into());
    let datum = srs
        .get_attr_value("DATUM", 0)
        .ok()
        .flatten()
        .unwrap_or_default();
    let definition = match epsg {
        Some(code) => format!("EPSG:{code}"),
        None => srs.to_wkt().map_err(|e| {
            Error::crs(path, format!("cannot export CRS '{name}' to WKT")).because(e)
        })?,
    };
    Ok(SourceCrs {
        epsg,
        definition,
        legacy_datum: legacy_datum(&name, &datum),
        name,
        kind,
    })
}

fn short(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Xi'an 1980 and Beijing 1954 by datum or CRS name.
fn legacy_datum(name: &str, datum: &str) -> Option<&'static str> {
    let both = format!("{name} {datum}")
        .to_ascii_lowercase()
        .replace('_', " ");
    if both.contains("xian 1980") || both.contains("xi'an 1980") || both.contains("xian80") {
        Some("Xian 1980")
    } else if both.contains("beijing 1954") || both.contains("beijing54") {
        Some("Beijing 1954")
    } else {
        None
    }
}

/// The EPSG code of a parsed CRS: its own authority code, else PROJ's best match
/// (`OSRFindMatches`, which understands ESRI `.prj` names such as
/// `CGCS2000_3_Degree_GK_Zone_38`), else the datum for geographic CRSs, whose ESRI
/// lon/lat axes make PROJ rate the EPSG match low.
fn find_epsg(srs: &SpatialRef, kind: CrsKind) -> Option<u32> {
    if srs.auth_name().as_deref() == Some("EPSG") {
        if let Ok(code) = srs.auth_code() {
            return u32::try_from(code).ok();
        }
    }
    if let Some(code) = best_match(srs) {
        return Some(code);
    }
    if kind == CrsKind::Geographic {
        let datum = srs
            .get_attr_value("DATUM", 0)
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if datum.contains("wgs") && datum.contains("84") {
            return Some(4326);
        }
        if datum.contains("china") && datum.contains("2000") {
            return Some(4490);
        }
    }
    None
}

fn best_match(srs: &SpatialRef) -> Option<u32> {
    let mut count: std::ffi::c_int = 0;
    let mut confidence: *mut std::ffi::c_int = std::ptr::null_mut();
    // SAFETY: GDAL allocates the match array and the confidence list; both are freed
    // below with the matching GDAL/CPL free functions.
    unsafe {
        let matches = gdal_sys::OSRFindMatches(
            srs.to_c_hsrs(),
            std::ptr::null_mut(),
            &mut count,
            &mut confidence,
        );
        let mut found = None;
        if !matches.is_null() {
            for i in 0..count.max(0) as usize {
                let level = *confidence.add(i);
                let m = *matches.add(i);
                if level < 90 {
                    continue;
                }
                let name = gdal_sys::OSRGetAuthorityName(m, std::ptr::null());
                let code = gdal_sys::OSRGetAuthorityCode(m, std::ptr::null());
                if name.is_null() || code.is_null() {
                    continue;
                }
                let name = std::ffi::CStr::from_ptr(name).to_string_lossy();
                let code = std::ffi::CStr::from_ptr(code).to_string_lossy();
                if name == "EPSG" {
                    found = code.parse::<u32>().ok();
                    break;
                }
            }
            gdal_sys::OSRFreeSRSArray(matches);
        }
        if !confidence.is_null() {
            gdal_sys::VSIFree(confidence as *mut std::ffi::c_void);
        }
        found
    }
}

/// Picks the working CRS: the source itself when it is projected or local; for lon/lat
/// input, the CGCS2000 3° Gauss–Krüger zone of the data's central meridian inside China,
/// UTM elsewhere. `lonlat_centre` is the data's centre (the median of its features'
/// centres, so that a stray feature cannot move it).
pub fn choose_working(src: &SourceCrs, lonlat_centre: Option<Coord<f64>>) -> WorkingCrs {
    match src.kind {
        CrsKind::Local => WorkingCrs {
            crs: src.clone(),
            choice: "local grid stated by the user: areas in its own metres, no reprojection"
                .into(),
        },
        CrsKind::Projected => {
            let mut choice = format!("the source's projected CRS ({})", src.name);
            if let Some(datum) = src.legacy_datum {
                choice.push_str(&format!(
                    "; {datum} has no accurate public transformation to CGCS2000/WGS84, so areas stay in the source zone and lon/lat output is approximate"
                ));
            }
            WorkingCrs {
                crs: src.clone(),
                choice,
            }
        }
        CrsKind::Geographic => {
            let c = lonlat_centre.unwrap_or(Coord { x: 114.0, y: 23.0 });
            let (lon, lat) = (c.x, c.y);
            let (epsg, name, why) = if in_china(lon, lat) {
                let cm = (lon / 3.0).round() * 3.0;
                let code = 4534 + ((cm - 75.0) / 3.0) as u32;
                (
                    code,
                    format!("CGCS2000 / 3-degree Gauss-Kruger CM {cm:.0}E"),
                    format!("the CGCS2000 3° Gauss–Krüger zone of the data's central meridian (data centred at {lon:.3}E {lat:.3}N, inside China)"),
                )
            } else {
                let zone = (((lon + 180.0) / 6.0).floor() as u32 % 60) + 1;
                let (code, hemi) = if lat >= 0.0 {
                    (32600 + zone, "N")
                } else {
                    (32700 + zone, "S")
                };
                (
                    code,
                    format!("WGS 84 / UTM zone {zone}{hemi}"),
                    format!(
                        "the UTM zone of the data (centred at {lon:.3}E {lat:.3}N, outside China)"
                    ),
                )
            };
            WorkingCrs {
                crs: SourceCrs {
                    epsg: Some(epsg),
                    definition: format!("EPSG:{epsg}"),
                    name: name.clone(),
                    kind: CrsKind::Projected,
                    legacy_datum: None,
                },
                choice: format!(
                    "EPSG:{epsg} ({name}): lon/lat input projected to {why} for area work"
                ),
            }
        }
    }
}

/// Whether a point lies inside a coarse outline of China (mainland, Hainan, Taiwan and
/// the near-shore seas), good to a few tens of km: enough to choose a projection zone.
pub fn in_china(lon: f64, lat: f64) -> bool {
    use geo::Contains;
    thread_local! {
        static CHINA: geo::Polygon<f64> = geo::Polygon::new(
            CHINA_OUTLINE.iter().map(|&(x, y)| Coord { x, y }).collect::<Vec<_>>().into(),
            vec![],
        );
    }
    CHINA.with(|p| p.contains(&Coord { x: lon, y: lat }))
}

/// Coarse outline, lon/lat, counter-clockwise from the Ussuri confluence.
const CHINA_OUTLINE: &[(f64, f64)] = &[
    (134.8, 48.4),
    (133.1, 45.1),
    (131.9, 45.3),
    (131.0, 44.0),
    (131.3, 42.9),
    (130.6, 42.4),
    (129.6, 42.4),
    (128.1, 41.5),
    (126.5, 41.6),
    (124.3, 39.8),
    (123.0, 37.5),
    (123.0, 31.0),
    (123.5, 25.5),
    (122.3, 21.5),
    (117.0, 20.5),
    (111.0, 17.5),
    (108.3, 18.0),
    (108.0, 21.5),
    (106.7, 22.0),
    (105.5, 23.2),
    (103.0, 22.5),
    (101.7, 21.2),
    (100.0, 21.5),
    (98.7, 24.0),
    (97.5, 24.8),
    (98.7, 27.5),
    (97.0, 28.2),
    (92.0, 27.8),
    (88.9, 27.3),
    (86.0, 28.0),
    (81.0, 30.2),
    (78.5, 32.6),
    (79.0, 35.6),
    (77.8, 35.5),
    (74.5, 37.1),
    (73.5, 39.5),
    (75.0, 40.5),
    (80.2, 42.2),
    (80.8, 45.0),
    (82.5, 45.5),
    (83.0, 47.2),
    (85.5, 47.1),
    (87.8, 49.1),
    (90.7, 45.5),
    (96.0, 42.7),
    (100.0, 42.6),
    (105.0, 41.6),
    (111.0, 43.5),
    (111.9, 45.1),
    (116.5, 46.5),
    (117.8, 49.5),
    (120.0, 52.5),
    (122.5, 53.4),
    (125.5, 53.0),
    (127.5, 49.8),
    (130.6, 48.9),
    (134.8, 48.4),
];

/// A coordinate transformation between two CRSs, in traditional GIS axis order.
pub struct Reprojector {
    proj: proj::Proj,
    from: String,
    to: String,
}

impl Reprojector {
    /// A transform from one CRS to another; `to` is usually the working CRS or `EPSG:4326`.
    pub fn new(from: &SourceCrs, to: &SourceCrs) -> Result<Self> {
        Self::from_definitions(&from.definition, &to.definition)
    }

    /// A transform between two PROJ definitions (`EPSG:N` or WKT).
    pub fn from_definitions(from: &str, to: &str) -> Result<Self> {
        let proj = proj::Proj::new_known_crs(from, to, None).map_err(|e| {
            Error::crs(
                from,
                format!("PROJ cannot transform {} to {to}: {e}", short(from)),
            )
        })?;
        Ok(Reprojector {
            proj,
            from: from.into(),
            to: to.into(),
        })
    }

    /// The source and target definitions, to build the same transform again (a PROJ
    /// object is not shared between threads: each parallel task makes its own).
    pub fn definitions(&self) -> (&str, &str) {
        (&self.from, &self.to)
    }

    /// Transforms one coordinate.
    pub fn coord(&self, c: Coord<f64>) -> Result<Coord<f64>> {
        let (x, y) = self.proj.convert((c.x, c.y)).map_err(|e| {
            Error::crs(
                &self.from,
                format!(
                    "cannot transform ({}, {}) from {} to {}: {e}",
                    c.x,
                    c.y,
                    short(&self.from),
                    self.to
                ),
            )
        })?;
        Ok(Coord { x, y })
    }

    /// Transforms a whole geometry.
    pub fn geometry(&self, g: &Geometry<f64>) -> Result<Geometry<f64>> {
        g.try_map_coords(|c| self.coord(c))
    }

    /// Transforms a multipolygon.
    pub fn multi_polygon(&self, g: &geo::MultiPolygon<f64>) -> Result<geo::MultiPolygon<f64>> {
        g.try_map_coords(|c| self.coord(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("test")
    }

    #[test]
    fn china_outline_separates_dongguan_from_seoul() {
        assert!(in_china(113.75, 23.0)); // Dongguan
        assert!(in_china(117.2, 39.1)); // Tianjin
        assert!(in_china(87.6, 43.8)); // Urumqi
        assert!(!in_china(127.08, 37.5)); // Seoul
        assert!(!in_china(24.94, 60.17)); // Helsinki
        assert!(!in_china(139.7, 35.7)); // Tokyo
    }

    #[test]
    fn esri_prj_of_gk_zones_is_identified_with_and_without_prefix() {
        for code in [4526u32, 4547, 4513, 4554] {
            let srs = SpatialRef::from_epsg(code).unwrap();
            srs.morph_to_esri().unwrap();
            let esri = srs.to_wkt().unwrap();
            let got = identify(&CrsDecl::Definition(esri), p()).unwrap();
            assert_eq!(got.epsg, Some(code), "{}", got.name);
            assert_eq!(got.kind, CrsKind::Projected);
        }
    }

    #[test]
    fn esri_geographic_prj_is_wgs84() {
        let prj = r#"GEOGCS["GCS_WGS_1984", DATUM["D_WGS_1984", SPHEROID["WGS_1984", 6378137.0, 298.257223563]], PRIMEM["Greenwich", 0.0], UNIT["degree", 0.017453292519943295], AXIS["Lon", EAST], AXIS["Lat", NORTH]]"#;
        let got = identify(&CrsDecl::Definition(prj.into()), p()).unwrap();
        assert_eq!(got.epsg, Some(4326));
        assert_eq!(got.kind, CrsKind::Geographic);
    }

    #[test]
    fn working_crs_for_lonlat_is_gk_in_china_utm_elsewhere() {
        let wgs = identify(&CrsDecl::Epsg(4326), p()).unwrap();
        let dg = choose_working(&wgs, Some(Coord { x: 113.75, y: 23.0 }));
        assert_eq!(dg.crs.epsg, Some(4547));
        let tj = choose_working(&wgs, Some(Coord { x: 117.2, y: 39.1 }));
        assert_eq!(tj.crs.epsg, Some(4548));
        let seoul = choose_working(
            &wgs,
            Some(Coord {
                x: 127.08500000000001,
                y: 37.510000000000005,
            }),
        );
        assert_eq!(seoul.crs.epsg, Some(32652));
        let cgcs = identify(&CrsDecl::Epsg(4490), p()).unwrap();
        assert_eq!(
            choose_working(
                &cgcs,
                Some(Coord {
                    x: 113.75,
                    y: 22.95
                })
            )
            .crs
            .epsg,
            Some(4547)
        );
    }

    #[test]
    fn legacy_datums_are_flagged() {
        let xian = identify(&CrsDecl::Epsg(2383), p()).unwrap();
        assert_eq!(xian.legacy_datum, Some("Xian 1980"));
        let w = choose_working(&xian, None);
        assert!(w.choice.contains("approximate"));
    }

    #[test]
    fn user_crs_forms() {
        assert_eq!(parse_user_crs("EPSG:4547").unwrap(), CrsDecl::Epsg(4547));
        assert_eq!(parse_user_crs("local").unwrap(), CrsDecl::Local);
        assert!(matches!(
            parse_user_crs("+proj=utm +zone=50 +datum=WGS84").unwrap(),
            CrsDecl::Definition(_)
        ));
        assert!(parse_user_crs("EPSG:abc").is_err());
    }

    #[test]
    fn reprojection_keeps_lon_lat_order() {
        let r = Reprojector::from_definitions("EPSG:4326", "EPSG:4547").unwrap();
        let c = r.coord(Coord { x: 114.0, y: 23.0 }).unwrap();
        assert!((c.x - 500_000.0).abs() < 1e-6, "{c:?}");
        assert!(c.y > 2_500_000.0 && c.y < 2_600_000.0);
        let back = Reprojector::from_definitions("EPSG:4547", "EPSG:4326").unwrap();
        let ll = back.coord(c).unwrap();
        assert!((ll.x - 114.0).abs() < 1e-9 && (ll.y - 23.0).abs() < 1e-9);
    }
}
