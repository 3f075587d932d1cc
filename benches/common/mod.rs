//! Set-up shared by the benches: the district sizes to run, and a generated district
//! validated into parcels and buildings (outside the timed loops).

use landsift::config::Settings;
use landsift::crs;
use landsift::model::{Building, CrsDecl, Parcel};
use landsift_synth::{self as synth, DistrictParams};

/// 100k parcels, and 1M with `LANDSIFT_BENCH_1M=1`. `cargo test --all-targets` runs the
/// benches once as a smoke test (no `--bench` flag, debug build): a small district keeps
/// that quick.
pub fn sizes() -> Vec<usize> {
    if !std::env::args().any(|a| a == "--bench") {
        return vec![5_000];
    }
    let mut s = vec![100_000];
    if std::env::var("LANDSIFT_BENCH_1M").is_ok() {
        s.push(1_000_000);
    }
    s
}

/// A generated Dongguan-like district of `n` parcels (no deliberate defects), through
/// validation in its own projected CRS.
pub fn district(n: usize, settings: &Settings) -> (Vec<Parcel>, Vec<Building>) {
    let district = synth::generate(&DistrictParams {
        defects: false,
        ..DistrictParams::with_parcels(n)
    });
    let mut raw_p = synth::raw_layer(&district.parcels_layer());
    let mut raw_b = synth::raw_layer(&district.buildings_layer());
    drop(district);
    let source = crs::identify(&CrsDecl::Epsg(synth::EPSG), std::path::Path::new("synth")).unwrap();
    assert_eq!(source.kind, crs::CrsKind::Projected);
    let working = crs::choose_working(&source, None);
    let parcels =
        landsift::ingest::prepare_parcels(&mut raw_p, &source, &working, &settings.mapping)
            .unwrap()
            .parcels;
    let (buildings, _) = landsift::ingest::prepare_buildings(
        &mut raw_b,
        &source,
        &working,
        &settings.building_fields,
        settings.invalid(),
    )
    .unwrap();
    (parcels, buildings)
}
