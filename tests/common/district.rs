//! Generated districts through ingest and scoring, for the zone tests.

use geo::{Centroid, Coord, MultiPolygon};
use landsift::config::{self, Overrides};
use landsift::model::SurveyField;
use landsift::model::{CrsDecl, Parcel};
use landsift::score::ParcelScore;
use landsift::{criteria, crs, ingest, score};
use landsift_synth::{self as synth, DistrictParams};

/// A generated district, scored: parcels, their scores and low-efficiency flags, and
/// town indexes (towns sorted by name).
pub struct Scored {
    pub parcels: Vec<Parcel>,
    pub scores: Vec<ParcelScore>,
    pub low: Vec<bool>,
    pub towns: Vec<u32>,
    /// Each parcel's town name.
    pub town_names: Vec<String>,
    /// The towns' rectangles (between the centre lines of their boundary arterials).
    pub extents: Vec<geo::Rect<f64>>,
}

pub fn scored(seed: u64, parcels: usize, towns: usize) -> Scored {
    let district = synth::generate(&DistrictParams {
        seed,
        parcels,
        towns,
        defects: false,
        ..DistrictParams::default()
    });
    let mut raw = synth::raw_layer(&district.parcels_layer());
    let extents = district.towns.iter().map(|t| t.extent).collect();
    drop(district);
    let settings = config::load(&Overrides::default()).unwrap();
    let source = crs::identify(&CrsDecl::Epsg(4547), std::path::Path::new("synth")).unwrap();
    let working = crs::choose_working(&source, None);
    let prepared = ingest::prepare_parcels(&mut raw, &source, &working, &settings.mapping).unwrap();
    assert!(prepared.rejects.is_empty(), "{:?}", prepared.rejects);
    let parcels = prepared.parcels;
    let criteria = criteria::load_preset("national-default").unwrap();
    let scores = score::score(&parcels, None, settings.scheme(), &criteria);
    let low = scores.iter().map(|s| s.low).collect();
    let town_names: Vec<String> = parcels
        .iter()
        .map(|p| {
            p.survey_value(SurveyField::Town)
                .as_text()
                .unwrap_or_default()
        })
        .collect();
    let mut sorted = town_names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), towns.max(1));
    let towns = town_names
        .iter()
        .map(|t| sorted.binary_search(t).unwrap() as u32)
        .collect();
    Scored {
        parcels,
        scores,
        low,
        towns,
        town_names,
        extents,
    }
}

/// Parcel geometries, areas and centroids, as the zone stage takes them.
pub fn inputs(s: &Scored) -> (Vec<&MultiPolygon<f64>>, Vec<f64>, Vec<Coord<f64>>) {
    let geoms = s.parcels.iter().map(|p| &p.geometry).collect();
    let areas = s.parcels.iter().map(|p| p.area_m2).collect();
    let centroids = s
        .parcels
        .iter()
        .map(|p| p.geometry.centroid().unwrap().0)
        .collect();
    (geoms, areas, centroids)
}
