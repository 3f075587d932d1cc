//! The whole zone stage (大中小圈) on generated districts of several shapes — one big
//! town, several towns, towns too small for a large circle, with and without a
//! barrier and exclusions — property tests over seeded districts, the programme and
//! concentration targets, and determinism across thread counts.

mod common;

use common::district::{inputs, scored, Scored};
use geo::{Area, BoundingRect, Coord, Geometry, Line, Validation};
use landsift::model::{m2_to_mu, M2_PER_KM2};
use landsift::zone::graph::{components, neighbour_graph, Graph, NeighbourOptions};
use landsift::zone::{delineate, Zone, ZoneInput, ZoneLevel, ZoneOptions, Zones};

/// The zone stage on a scored district, with optional exclusions and barriers.
fn zone(s: &Scored, excluded: &[bool], barriers: &[Geometry<f64>], opts: &ZoneOptions) -> Zones {
    let ltype: Vec<_> = s.scores.iter().map(|x| x.ltype).collect();
    let score: Vec<_> = s.scores.iter().map(|x| x.score).collect();
    let consent: Vec<Option<f64>> = s
        .parcels
        .iter()
        .map(|p| {
            p.survey_value(landsift::model::SurveyField::Consent)
                .as_f64()
        })
        .collect();
    delineate(
        &ZoneInput {
            parcels: &s.parcels,
            low: &s.low,
            excluded,
            ltype: &ltype,
            score: &score,
            consent: &consent,
            town: &s.town_names,
            barriers,
        },
        opts,
    )
}

/// Exclusions: every parcel whose envelope meets a 300 m square at the south-west of
/// each town's middle (a patch of basic farmland, say).
fn exclusions(s: &Scored) -> Vec<bool> {
    s.parcels
        .iter()
        .zip(&s.towns)
        .map(|(p, &t)| {
            let c = s.extents[t as usize].center();
            let r = p.geometry.bounding_rect().unwrap();
            r.max().x >= c.x - 300.0
                && r.min().x <= c.x
                && r.max().y >= c.y - 300.0
                && r.min().y <= c.y
        })
        .collect()
}

/// Side of a parcel's envelope from the line x = `x`: −1 / +1 when wholly on one side,
/// 0 when the line runs through it.
fn side(s: &Scored, p: u32, x: f64) -> i32 {
    let r = s.parcels[p as usize].geometry.bounding_rect().unwrap();
    if r.max().x < x {
        -1
    } else if r.min().x > x {
        1
    } else {
        0
    }
}

fn connected(g: &Graph, members: &[u32]) -> bool {
    let mut include = vec![false; g.len()];
    for &p in members {
        include[p as usize] = true;
    }
    components(g, &include).len() == 1
}

/// Every property of one district's zones.
fn check(
    s: &Scored,
    z: &Zones,
    excluded: &[bool],
    barrier_x: Option<f64>,
    graphs: (&Graph, &Graph),
    opts: &ZoneOptions,
) {
    assert_eq!(excluded.len(), s.parcels.len());
    let mut ids: Vec<&str> = Vec::new();
    let levels: [(&[Zone], ZoneLevel, &Graph, f64, f64); 3] = [
        (&z.small, ZoneLevel::Small, graphs.0, 0.0, f64::MAX),
        (
            &z.middle,
            ZoneLevel::Middle,
            graphs.1,
            opts.middle_min_km2,
            opts.middle_max_km2,
        ),
        (
            &z.large,
            ZoneLevel::Large,
            graphs.1,
            opts.large_min_km2,
            opts.large_max_km2,
        ),
    ];
    for (zs, level, graph, min_km2, max_km2) in levels {
        for zone in zs {
            ids.push(&zone.id);
            assert_eq!(zone.level, level);
            assert!(!zone.parcels.is_empty());
            assert!(zone.parcels.windows(2).all(|w| w[0] < w[1]));
            assert!(
                connected(graph, &zone.parcels),
                "{} not contiguous",
                zone.id
            );
            for &p in &zone.parcels {
                assert_eq!(
                    s.town_names[p as usize], zone.town,
                    "{} crosses a town line",
                    zone.id
                );
                assert!(
                    !excluded[p as usize],
                    "{} takes excluded parcel {p}",
                    zone.id
                );
            }
            if let Some(x) = barrier_x {
                let sides: Vec<i32> = zone.parcels.iter().map(|&p| side(s, p, x)).collect();
                if sides.contains(&-1) && sides.contains(&1) {
                    assert!(sides.contains(&0), "{} crosses the barrier", zone.id);
                }
            }
            // Outline: valid, and it covers the members (road gaps closed, nothing lost).
            assert!(zone.outline.is_valid(), "{}: invalid outline", zone.id);
            let members: f64 = zone
                .parcels
                .iter()
                .map(|&p| s.parcels[p as usize].area_m2)
                .sum();
            let outline = zone.outline.unsigned_area();
            assert!(
                outline >= 0.98 * members,
                "{}: outline {outline} < members {members}",
                zone.id
            );
            assert!(zone.compact > 0.0 && zone.compact <= 1.0 + 1e-9);
            // Size: a unit by its members, a circle by its outline; out of range → a note.
            match level {
                ZoneLevel::Small => {
                    assert!((zone.area_m2 - members).abs() <= 1e-6 * members);
                    assert!(
                        m2_to_mu(zone.area_m2) <= opts.unit.max_mu.get() + 1e-9
                            || !zone.note.is_empty(),
                        "{}: {} mu",
                        zone.id,
                        m2_to_mu(zone.area_m2)
                    );
                }
                _ => {
                    assert!((zone.area_m2 - outline).abs() <= 1e-6 * outline);
                    let km2 = zone.area_m2 / M2_PER_KM2;
                    assert!(
                        (min_km2..=max_km2).contains(&km2) || !zone.note.is_empty(),
                        "{}: {km2} km² without a note",
                        zone.id
                    );
                }
            }
        }
    }
    // Ids unique in the run.
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "zone ids repeat");

    // Nesting: a unit lies in one middle circle or none, and in one large or none; its
    // parent is its middle circle, else its large circle. A middle circle lies in its
    // parent large circle.
    for (k, unit) in z.small.iter().enumerate() {
        let first = unit.parcels[0] as usize;
        for &p in &unit.parcels {
            assert_eq!(z.unit_of[p as usize], Some(k as u32));
            assert_eq!(
                z.middle_of[p as usize], z.middle_of[first],
                "{} split by a middle circle",
                unit.id
            );
            assert_eq!(
                z.large_of[p as usize], z.large_of[first],
                "{} split by a large circle",
                unit.id
            );
        }
        let parent = z.middle_of[first]
            .map(|m| z.middle[m as usize].id.clone())
            .or_else(|| z.large_of[first].map(|l| z.large[l as usize].id.clone()));
        assert_eq!(unit.parent_id, parent, "{}", unit.id);
        if z.middle_of[first].is_some() {
            assert!(
                z.large_of[first].is_some(),
                "{} in a middle but no large circle",
                unit.id
            );
        }
    }
    for (k, middle) in z.middle.iter().enumerate() {
        let parent = middle
            .parent_id
            .as_deref()
            .expect("a middle circle has a parent");
        let l = z.large.iter().position(|x| x.id == parent).unwrap() as u32;
        for &p in &middle.parcels {
            assert_eq!(z.middle_of[p as usize], Some(k as u32));
            assert_eq!(
                z.large_of[p as usize],
                Some(l),
                "{} leaves {parent}",
                middle.id
            );
        }
    }
    for large in &z.large {
        assert_eq!(large.parent_id, None);
    }

    // Every eligible parcel in exactly one unit or scattered; nothing else scattered.
    for (p, &excl) in excluded.iter().enumerate() {
        let eligible = s.low[p] && !excl;
        if eligible {
            assert!(
                z.unit_of[p].is_some() != z.scattered[p],
                "eligible parcel {p}"
            );
        } else {
            assert!(!z.scattered[p]);
        }
    }
}

/// The neighbour graphs the zone stage uses: units at `gap`, circles at `circle_gap`.
fn graphs(s: &Scored, barriers: &[Geometry<f64>], opts: &ZoneOptions) -> (Graph, Graph) {
    let (geoms, _, _) = inputs(s);
    let g = |gap| {
        neighbour_graph(
            &geoms,
            &NeighbourOptions {
                gap,
                barriers,
                towns: &s.towns,
            },
        )
    };
    (g(opts.gap), g(opts.circle_gap.max(opts.gap)))
}

#[test]
fn generated_districts_zones_hold_their_properties() {
    // Shapes: (parcels, towns) — one big town; several ordinary towns; small towns
    // (≈ 10 km², barely room for a large circle); many tiny towns (none).
    let shapes = [(2700, 1), (4000, 3), (2400, 4), (1800, 6)];
    let (mut large, mut middle, mut small, mut noted) = (0, 0, 0, 0);
    for k in 0..8u64 {
        let (parcels, towns) = shapes[k as usize % shapes.len()];
        let s = scored(500 + k * 104_729, parcels, towns);
        let with_extras = k % 2 == 1;
        let excluded = if with_extras {
            exclusions(&s)
        } else {
            vec![false; s.parcels.len()]
        };
        // A north–south barrier (a river, say) through the first town's middle.
        let barrier_x = with_extras.then(|| s.extents[0].center().x + 137.0);
        let barriers: Vec<Geometry<f64>> = barrier_x
            .map(|x| {
                let (y0, y1) = (s.extents[0].min().y - 500.0, s.extents[0].max().y + 500.0);
                vec![Geometry::Line(Line::new(
                    Coord { x, y: y0 },
                    Coord { x, y: y1 },
                ))]
            })
            .unwrap_or_default();
        let mut opts = ZoneOptions::default();
        opts.unit.absorb_enclaves = k % 3 == 0;
        let z = zone(&s, &excluded, &barriers, &opts);
        let (g, cg) = graphs(&s, &barriers, &opts);
        check(&s, &z, &excluded, barrier_x, (&g, &cg), &opts);
        large += z.large.len();
        middle += z.middle.len();
        small += z.small.len();
        noted += z
            .large
            .iter()
            .chain(&z.middle)
            .filter(|x| !x.note.is_empty())
            .count();
    }
    eprintln!("8 districts: {large} large, {middle} middle, {small} small circles; {noted} circles with a note");
    assert!(large >= 8 && middle >= 8 && small > 200);
    assert!(noted > 0, "the tiny towns should carry notes");
}

#[test]
fn programme_meets_the_policy_in_dongguan_like_districts() {
    // Ordinary towns of 20–25 km² (the generator's default density), as in the sample.
    let (mut low_in, mut land_in, mut low_all, mut land_all) = (0.0, 0.0, 0.0, 0.0);
    for seed in [20_240_601u64, 7, 8] {
        let s = scored(seed, 4000, 3);
        let excluded = vec![false; s.parcels.len()];
        let opts = ZoneOptions::default();
        let z = zone(&s, &excluded, &[], &opts);
        for town in &z.report.towns {
            let p = &town.programme;
            let reached = p.area_mu >= p.target_mu - 1e-6;
            let explained = !z.large.is_empty()
                && z.large
                    .iter()
                    .filter(|l| l.town == town.town)
                    .all(|l| !l.note.is_empty())
                && p.shortfall.is_some();
            assert!(
                (reached && p.meets_policy) || explained,
                "seed {seed}, {}: programme {:.0}/{:.0} mu, {:.0} % in large circles, no note",
                town.town,
                p.area_mu,
                p.target_mu,
                p.share_in_large * 100.0
            );
            assert!(town.large.count >= 1 && town.large.count <= opts.large_per_town);
        }
        for (p, parcel) in s.parcels.iter().enumerate() {
            land_all += parcel.area_m2;
            if s.low[p] {
                low_all += parcel.area_m2;
            }
            if z.large_of[p].is_some() {
                land_in += parcel.area_m2;
                if s.low[p] {
                    low_in += parcel.area_m2;
                }
            }
        }
        assert!(
            z.report.large_concentration >= 1.2,
            "seed {seed}: {}",
            z.report.large_concentration
        );
    }
    let concentration = (low_in / land_in) / (low_all / land_all);
    eprintln!("large circles' concentration over three districts: {concentration:.2}");
    assert!(concentration >= 1.2);
}

#[test]
fn one_thread_and_many_give_the_same_zones() {
    let s = scored(31_337, 3000, 2);
    let excluded = exclusions(&s);
    let run = |threads: usize| {
        let z = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| zone(&s, &excluded, &[], &ZoneOptions::default()));
        let zones: Vec<String> = z
            .small
            .iter()
            .chain(&z.middle)
            .chain(&z.large)
            .map(|x| format!("{x:?}"))
            .collect();
        (zones, z.unit_of, z.middle_of, z.large_of, z.scattered)
    };
    assert!(run(1) == run(4), "zones differ between 1 and 4 threads");
}

/// The programme and concentration targets at scale: `cargo test --release --test
/// zone_circles -- --ignored --nocapture` (100k parcels, 75 towns; `ZONE_PARCELS` for more).
#[test]
#[ignore = "large: run with --release -- --ignored --nocapture"]
fn programme_meets_the_policy_at_100k() {
    let n: usize = std::env::var("ZONE_PARCELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let towns = n.div_ceil(landsift_synth::PARCELS_PER_TOWN);
    let s = scored(20_240_601, n, towns);
    let opts = ZoneOptions::default();
    let z = zone(&s, &vec![false; s.parcels.len()], &[], &opts);
    let (mut met, mut explained) = (0, 0);
    for town in &z.report.towns {
        let p = &town.programme;
        if p.meets_policy && p.area_mu >= p.target_mu - 1e-6 {
            met += 1;
        } else {
            let notes = z
                .large
                .iter()
                .filter(|l| l.town == town.town)
                .all(|l| !l.note.is_empty());
            assert!(
                p.shortfall.is_some() && (notes || town.large.count == 0),
                "{}: programme {:.0}/{:.0} mu, {:.0} % in large circles, no note",
                town.town,
                p.area_mu,
                p.target_mu,
                p.share_in_large * 100.0
            );
            explained += 1;
        }
    }
    eprintln!(
        "{n} parcels, {} towns: {met} meet the 70 % rule, {explained} say why; {} large, {} middle, {} small circles; concentration {:.2}",
        z.report.towns.len(),
        z.large.len(),
        z.middle.len(),
        z.small.len(),
        z.report.large_concentration
    );
    assert!(z.report.large_concentration >= 1.2);
}
