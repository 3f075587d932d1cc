//! The writers on a generated district's parcels layer (the project's own generator):
//! GeoJSON (reprojected to lon/lat, parallel blocks), Shapefile (UTF-8 DBF) and the
//! GeoPackage through GDAL. The layer is the run's own (rows made on demand from the
//! parcels); generation and validation are set-up, outside the timed loops.
//!
//! `cargo bench --bench writers` runs 100k parcels; `LANDSIFT_BENCH_1M=1` adds 1M.

mod common;

use common::sizes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use landsift::config::{self, Overrides};
use landsift::crs::Reprojector;
use landsift::export::{self, geojson::Coordinates};

fn bench(c: &mut Criterion) {
    let settings = config::load(&Overrides::default()).unwrap();
    let mut group = c.benchmark_group("writers");
    group.sample_size(10);
    let dir = tempfile::tempdir().unwrap();
    for n in sizes() {
        let (parcels, _) = common::district(n, &settings);
        let layer = export::parcels::parcels_layer(&parcels, &[], &settings.mapping.fields, &[]);
        let epsg = format!("EPSG:{}", landsift_synth::EPSG);
        let to_lonlat = Reprojector::from_definitions(&epsg, "EPSG:4326").unwrap();
        group.bench_with_input(BenchmarkId::new("geojson", n), &n, |b, _| {
            let path = dir.path().join("parcels.geojson");
            b.iter(|| {
                export::geojson::write_geojson(&path, &layer, Coordinates::LonLat(&to_lonlat))
                    .unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("shapefile", n), &n, |b, _| {
            let path = dir.path().join("parcels.shp");
            b.iter(|| {
                export::shapefile::write_shapefile(&path, &layer, None, encoding_rs::UTF_8).unwrap()
            })
        });
        group.bench_with_input(BenchmarkId::new("gpkg", n), &n, |b, _| {
            let path = dir.path().join("parcels.gpkg");
            b.iter(|| export::gpkg::write_gpkg(&path, &[(&layer, true)], None).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
