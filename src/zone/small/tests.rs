//! Unit tests of [`super`].

use super::*;
use crate::model::m2_to_mu;
use crate::testing::square as sq;
use crate::zone::graph::{neighbour_graph, NeighbourOptions};
use geo::{Centroid, MultiPolygon};

/// Side of a square of `mu` mu.
fn side(mu: f64) -> f64 {
    (mu * M2_PER_MU).sqrt()
}

struct Case {
    parcels: Vec<MultiPolygon<f64>>,
    towns: Vec<u32>,
    graph: Graph,
    areas: Vec<f64>,
    centroids: Vec<Coord<f64>>,
}

fn case(parcels: Vec<MultiPolygon<f64>>, towns: Vec<u32>) -> Case {
    use geo::Area;
    let refs: Vec<&MultiPolygon<f64>> = parcels.iter().collect();
    let graph = neighbour_graph(
        &refs,
        &NeighbourOptions {
            towns: &towns,
            ..Default::default()
        },
    );
    let areas = parcels.iter().map(|p| p.unsigned_area()).collect();
    let centroids = parcels.iter().map(|p| p.centroid().unwrap().0).collect();
    Case {
        parcels,
        towns,
        graph,
        areas,
        centroids,
    }
}

impl Case {
    fn run(&self, eligible: &[bool], opts: &UnitOptions) -> Units {
        let u = small_circles(
            &self.graph,
            &self.areas,
            &self.centroids,
            eligible,
            &self.towns,
            opts,
        );
        check(self, eligible, opts, &u);
        u
    }
}

/// The invariants every result must meet.
fn check(c: &Case, eligible: &[bool], opts: &UnitOptions, u: &Units) {
    let n = c.parcels.len();
    let mut seen = vec![0u32; n];
    for (k, unit) in u.units.iter().enumerate() {
        assert!(unit.members.windows(2).all(|w| w[0] < w[1]));
        let area: f64 = unit.members.iter().map(|&p| c.areas[p as usize]).sum();
        assert!((area - unit.area_m2).abs() <= 1e-9 * area);
        let over = u.oversize.contains(&(k as u32));
        if over {
            assert!(unit
                .members
                .iter()
                .any(|&p| !fits(c.areas[p as usize], opts.max_mu.get() * M2_PER_MU)));
        } else {
            assert!(
                m2_to_mu(unit.area_m2) <= opts.max_mu.get() + 1e-6,
                "{}",
                m2_to_mu(unit.area_m2)
            );
            assert!(m2_to_mu(unit.area_m2) >= opts.min_mu.get() - 1e-6);
        }
        for &p in &unit.members {
            seen[p as usize] += 1;
            assert_eq!(u.unit_of[p as usize], Some(k as u32));
            assert_eq!(c.towns[p as usize], unit.town);
            assert!(eligible[p as usize] || u.absorbed.contains(&p));
        }
        // Connected in the graph.
        let include: Vec<bool> = (0..n)
            .map(|p| unit.members.binary_search(&(p as u32)).is_ok())
            .collect();
        assert_eq!(
            components(&c.graph, &include).len(),
            1,
            "unit {k} is not connected"
        );
    }
    for &p in &u.scattered {
        seen[p as usize] += 1;
        assert!(eligible[p as usize]);
        assert_eq!(u.unit_of[p as usize], None);
    }
    for p in 0..n {
        if eligible[p] {
            assert_eq!(seen[p], 1, "parcel {p}");
        }
    }
    let keys: Vec<(u32, u32)> = u.units.iter().map(|x| (x.town, x.members[0])).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn a_group_of_1000_mu_splits_into_units_of_at_most_300() {
    // 10 × 10 touching squares of 10 mu.
    let s = side(10.0);
    let parcels: Vec<_> = (0..100)
        .map(|i| sq((i % 10) as f64 * s, (i / 10) as f64 * s, s))
        .collect();
    let c = case(parcels, vec![0; 100]);
    let eligible = vec![true; 100];
    let u = c.run(&eligible, &UnitOptions::default());
    assert!(u.scattered.is_empty() && u.oversize.is_empty());
    assert_eq!(
        u.units.len(),
        4,
        "{:?}",
        u.units
            .iter()
            .map(|x| m2_to_mu(x.area_m2))
            .collect::<Vec<_>>()
    );
    let covered: usize = u.units.iter().map(|x| x.members.len()).sum();
    assert_eq!(covered, 100);
    // Balanced: 250 mu each.
    for unit in &u.units {
        assert!((m2_to_mu(unit.area_m2) - 250.0).abs() < 1e-6);
    }
}

#[test]
fn a_row_of_310_mu_splits_without_scattering() {
    let s = side(10.0);
    let parcels: Vec<_> = (0..31).map(|i| sq(i as f64 * s, 0.0, s)).collect();
    let c = case(parcels, vec![0; 31]);
    let u = c.run(&[true; 31], &UnitOptions::default());
    assert_eq!(u.units.len(), 2);
    assert!(u.scattered.is_empty());
}

#[test]
fn small_groups_are_scattered() {
    // A lone 10 mu square, a touching pair (20 mu), and a 14.9 mu square far away.
    let s = side(10.0);
    let parcels = vec![
        sq(0.0, 0.0, s),
        sq(1000.0, 0.0, s),
        sq(1000.0 + s, 0.0, s),
        sq(3000.0, 0.0, side(14.9)),
        sq(5000.0, 0.0, side(15.0)),
    ];
    let c = case(parcels, vec![0; 5]);
    let u = c.run(&[true; 5], &UnitOptions::default());
    assert_eq!(u.scattered, vec![0, 3]);
    assert_eq!(u.units.len(), 2);
    assert_eq!(u.units[0].members, vec![1, 2]);
    assert_eq!(u.units[1].members, vec![4], "exactly 15 mu is a unit");
}

#[test]
fn a_parcel_above_the_maximum_is_its_own_oversize_unit() {
    let s = side(10.0);
    let big = side(400.0);
    let parcels = vec![sq(0.0, 0.0, big), sq(big, 0.0, s), sq(big, s, s)];
    let c = case(parcels, vec![0; 3]);
    let u = c.run(&[true; 3], &UnitOptions::default());
    assert_eq!(u.units.len(), 2);
    assert_eq!(u.units[0].members, vec![0]);
    assert_eq!(u.oversize, vec![0]);
    assert_eq!(u.units[1].members, vec![1, 2]);
}

#[test]
fn enclaves_absorbed_only_when_asked_and_when_they_fit() {
    // 3 × 3 squares of 10 mu; the centre is not eligible.
    let s = side(10.0);
    let parcels: Vec<_> = (0..9)
        .map(|i| sq((i % 3) as f64 * s, (i / 3) as f64 * s, s))
        .collect();
    let c = case(parcels, vec![0; 9]);
    let mut eligible = vec![true; 9];
    eligible[4] = false;
    let off = c.run(&eligible, &UnitOptions::default());
    assert!(off.absorbed.is_empty());
    assert_eq!(off.unit_of[4], None);
    let on_opts = UnitOptions {
        absorb_enclaves: true,
        ..Default::default()
    };
    let on = c.run(&eligible, &on_opts);
    assert_eq!(on.absorbed, vec![4]);
    assert_eq!(on.units.len(), 1);
    assert_eq!(on.units[0].members, (0..9).collect::<Vec<u32>>());
    assert!((m2_to_mu(on.units[0].area_m2) - 90.0).abs() < 1e-6);
    // Not when the unit would exceed the maximum.
    let tight = UnitOptions {
        max_mu: Mu::within(85.0, &crate::zone::limits::MAX_UNIT_MU).unwrap(),
        absorb_enclaves: true,
        ..Default::default()
    };
    assert!(c.run(&eligible, &tight).absorbed.is_empty());
    // Not when the guard says the parcel is excluded land.
    let guarded = small_circles_guarded(
        &c.graph,
        &c.areas,
        &c.centroids,
        &eligible,
        Some(&[true, true, true, true, false, true, true, true, true]),
        &c.towns,
        &on_opts,
    );
    assert!(guarded.absorbed.is_empty());
    // Not when it also touches a parcel outside the unit: the 3 × 3 block with its
    // centre and a corner not eligible.
    eligible[8] = false;
    assert!(c.run(&eligible, &on_opts).absorbed.is_empty());
}

#[test]
fn towns_split_groups() {
    let s = side(10.0);
    let parcels: Vec<_> = (0..4).map(|i| sq(i as f64 * s, 0.0, s)).collect();
    let c = case(parcels, vec![1, 1, 0, 0]);
    let u = c.run(&[true; 4], &UnitOptions::default());
    assert_eq!(u.units.len(), 2);
    assert_eq!(
        (u.units[0].town, u.units[0].members.clone()),
        (0, vec![2, 3])
    );
    assert_eq!(
        (u.units[1].town, u.units[1].members.clone()),
        (1, vec![0, 1])
    );
}

/// A jittered grid of squares of varied size with roads, in two towns, and a mixed
/// eligibility pattern.
fn random_case(n: usize) -> (Case, Vec<bool>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut parcels = Vec::new();
    let mut towns = Vec::new();
    let mut eligible = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let road = |k: usize| (k / 5) as f64 * 20.0;
            let cell = 90.0;
            let s = cell - rnd() * 20.0;
            parcels.push(sq(i as f64 * cell + road(i), j as f64 * cell + road(j), s));
            towns.push(u32::from(i >= n / 2));
            // Eligibility in blobs: a smooth pattern plus noise.
            let blob = ((i / 7 + j / 6) % 3 != 0) as u8 as f64;
            eligible.push(blob * 0.85 + rnd() * 0.3 > 0.6);
        }
    }
    (case(parcels, towns), eligible)
}

#[test]
fn one_thread_and_many_agree_and_invariants_hold() {
    let (c, eligible) = random_case(50);
    let opts = UnitOptions {
        absorb_enclaves: true,
        ..Default::default()
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| c.run(&eligible, &opts))
    };
    let one = run(1);
    let many = run(4);
    assert_eq!(one, many);
    assert!(one.units.len() > 10);
    assert!(one.units.iter().any(|u| m2_to_mu(u.area_m2) > 200.0));
    let groups = components(&c.graph, &eligible);
    assert!(groups.iter().any(|g| {
        let a: f64 = g.iter().map(|&p| c.areas[p as usize]).sum();
        m2_to_mu(a) > 300.0
    }));
}
