//! measure + score on generated Dongguan-like districts (the project's own generator).
//!
//! `cargo bench --bench measure_score` runs 100k parcels; `LANDSIFT_BENCH_1M=1` adds 1M
//! (≈ 2.5M buildings; about 2 GB while generating). Generation and validation are set-up,
//! outside the timed loops. End-to-end comparisons with a peer tool belong to
//! `scripts/bench`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use landsift::config::{self, Overrides};
use landsift::criteria;
use landsift::crs::{self, CrsKind};
use landsift::measure::{self, MeasureOptions};
use landsift::model::CrsDecl;
use landsift::score;
use landsift::synth::{self, DistrictParams};

fn sizes() -> Vec<usize> {
    // `cargo test --all-targets` runs benches once as a smoke test (no `--bench` flag,
    // debug build): a small district keeps that quick.
    if !std::env::args().any(|a| a == "--bench") {
        return vec![5_000];
    }
    let mut s = vec![100_000];
    if std::env::var("LANDSIFT_BENCH_1M").is_ok() {
        s.push(1_000_000);
    }
    s
}

fn bench(c: &mut Criterion) {
    let settings = config::load(&Overrides::default()).unwrap();
    let criteria = criteria::load_preset("national-default").unwrap();
    let mut group = c.benchmark_group("measure_score");
    group.sample_size(10);
    for n in sizes() {
        let district = synth::generate(&DistrictParams {
            defects: false,
            ..DistrictParams::with_parcels(n)
        });
        let raw_p = synth::raw_layer(&district.parcels_layer());
        let raw_b = synth::raw_layer(&district.buildings_layer());
        drop(district);
        let source = crs::identify(&CrsDecl::Epsg(4547), std::path::Path::new("synth")).unwrap();
        assert_eq!(source.kind, CrsKind::Projected);
        let working = crs::choose_working(&source, None);
        let parcels =
            landsift::ingest::prepare_parcels(&raw_p, &source, &working, &settings).unwrap();
        let (buildings, _) =
            landsift::ingest::prepare_buildings(&raw_b, &source, &working, &settings).unwrap();
        drop((raw_p, raw_b));
        let parcels = parcels.parcels;
        group.bench_with_input(BenchmarkId::new("measure", n), &n, |b, _| {
            b.iter(|| measure::measure(&parcels, &buildings, &MeasureOptions::default()))
        });
        let facts = measure::measure(&parcels, &buildings, &MeasureOptions::default()).facts();
        group.bench_with_input(BenchmarkId::new("score", n), &n, |b, _| {
            b.iter(|| score::score(&parcels, Some(&facts), settings.scheme, &criteria))
        });
        group.bench_with_input(BenchmarkId::new("measure+score", n), &n, |b, _| {
            b.iter(|| {
                let facts =
                    measure::measure(&parcels, &buildings, &MeasureOptions::default()).facts();
                score::score(&parcels, Some(&facts), settings.scheme, &criteria)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
