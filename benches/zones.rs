//! The zone stage (大中小圈: neighbour graphs, renewal units, large and middle circles,
//! outlines, programme, report) on generated Dongguan-like districts scored from their
//! buildings.
//!
//! `cargo bench --bench zones` runs 100k parcels; `LANDSIFT_BENCH_1M=1` adds 1M.
//! Generation, validation, measure and score are set-up, outside the timed loop.

mod common;

use common::sizes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use landsift::config::{self, Overrides};
use landsift::measure::{self, MeasureOptions};
use landsift::model::SurveyField;
use landsift::score::ParcelFacts;
use landsift::zone::{self, ZoneInput, ZoneOptions};
use landsift::{criteria, score};

fn bench(c: &mut Criterion) {
    let settings = config::load(&Overrides::default()).unwrap();
    let criteria = criteria::load_preset("dongguan").unwrap();
    let mut group = c.benchmark_group("zones");
    group.sample_size(10);
    for n in sizes() {
        let (parcels, buildings) = common::district(n, &settings);
        let facts = ParcelFacts::of(&measure::measure(
            &parcels,
            &buildings,
            &MeasureOptions::default(),
        ));
        drop(buildings);
        let scores = score::score(&parcels, Some(&facts), settings.scheme(), &criteria);
        let town: Vec<String> = parcels
            .iter()
            .map(|p| {
                p.survey_value(SurveyField::Town)
                    .as_text()
                    .unwrap_or_default()
            })
            .collect();
        let consent: Vec<Option<f64>> = parcels
            .iter()
            .map(|p| p.survey_value(SurveyField::Consent).as_f64())
            .collect();
        let low: Vec<bool> = scores.iter().map(|s| s.low).collect();
        let excluded = vec![false; parcels.len()];
        let ltype: Vec<_> = scores.iter().map(|s| s.ltype).collect();
        let score: Vec<_> = scores.iter().map(|s| s.score).collect();
        let input = ZoneInput {
            parcels: &parcels,
            low: &low,
            excluded: &excluded,
            ltype: &ltype,
            score: &score,
            consent: &consent,
            consent_heads: &[],
            industrial_line: &[],
            stays_industrial: &[],
            plan: None,
            town: &town,
            barriers: &[],
        };
        let opts = ZoneOptions::default();
        group.bench_with_input(BenchmarkId::new("delineate", n), &n, |b, _| {
            b.iter(|| zone::delineate(&input, &opts))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
