//! measure + score on generated Dongguan-like districts (the project's own generator).
//!
//! `cargo bench --bench measure_score` runs 100k parcels; `LANDSIFT_BENCH_1M=1` adds 1M
//! (≈ 2.5M buildings; about 2 GB while generating). Generation and validation are set-up,
//! outside the timed loops. End-to-end comparisons with a peer tool belong to
//! `scripts/bench`.

mod common;

use common::sizes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use landsift::config::{self, Overrides};
use landsift::criteria;
use landsift::measure::{self, MeasureOptions};
use landsift::score::{self, ParcelFacts};

fn bench(c: &mut Criterion) {
    let settings = config::load(&Overrides::default()).unwrap();
    let criteria = criteria::load_preset("national-default").unwrap();
    let mut group = c.benchmark_group("measure_score");
    group.sample_size(10);
    for n in sizes() {
        let (parcels, buildings) = common::district(n, &settings);
        group.bench_with_input(BenchmarkId::new("measure", n), &n, |b, _| {
            b.iter(|| measure::measure(&parcels, &buildings, &MeasureOptions::default()))
        });
        let facts = ParcelFacts::of(&measure::measure(
            &parcels,
            &buildings,
            &MeasureOptions::default(),
        ));
        group.bench_with_input(BenchmarkId::new("score", n), &n, |b, _| {
            b.iter(|| score::score(&parcels, Some(&facts), settings.scheme(), &criteria))
        });
        group.bench_with_input(BenchmarkId::new("measure+score", n), &n, |b, _| {
            b.iter(|| {
                let facts = ParcelFacts::of(&measure::measure(
                    &parcels,
                    &buildings,
                    &MeasureOptions::default(),
                ));
                score::score(&parcels, Some(&facts), settings.scheme(), &criteria)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
