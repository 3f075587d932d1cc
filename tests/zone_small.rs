//! The neighbour graph and the small circles (改造单元) on generated districts: property
//! tests over seeded districts of several sizes and town counts, and a timing at 100k
//! parcels (`cargo test --release --test zone_small -- --ignored --nocapture`;
//! `ZONE_PARCELS=1000000` for a million).

mod common;

use common::district::{inputs, scored, Scored};
use geo::{BoundingRect, Coord, Distance, Euclidean, Geometry, Line, MultiPolygon};
use landsift::model::{m2_to_mu, Metres};
use landsift::zone::graph::{components, neighbour_graph, Graph, NeighbourOptions};
use landsift::zone::small::{small_circles, UnitOptions, Units};
use landsift_synth as synth;
use std::time::Instant;

fn rect_dist(a: geo::Rect<f64>, b: geo::Rect<f64>) -> f64 {
    let dx = (a.min().x - b.max().x).max(b.min().x - a.max().x).max(0.0);
    let dy = (a.min().y - b.max().y).max(b.min().y - a.max().y).max(0.0);
    (dx * dx + dy * dy).sqrt()
}

/// The graph is the polygon distance ≤ gap within a town, symmetric and sorted.
fn check_graph(s: &Scored, geoms: &[&MultiPolygon<f64>], g: &Graph, gap: f64) {
    let n = geoms.len();
    assert_eq!(g.len(), n);
    let envs: Vec<geo::Rect<f64>> = geoms.iter().map(|p| p.bounding_rect().unwrap()).collect();
    let mut by_x: Vec<usize> = (0..n).collect();
    by_x.sort_by(|&a, &b| envs[a].min().x.total_cmp(&envs[b].min().x));
    let mut checked = 0;
    for (k, &i) in by_x.iter().enumerate() {
        let nb = g.neighbours(i);
        assert!(nb.windows(2).all(|w| w[0] < w[1]));
        for &j in nb {
            assert!(g.neighbours(j as usize).contains(&(i as u32)));
            assert_eq!(s.towns[i], s.towns[j as usize], "edge across towns");
        }
        for &j in &by_x[k + 1..] {
            if envs[j].min().x > envs[i].max().x + gap {
                break;
            }
            if rect_dist(envs[i], envs[j]) > gap {
                continue;
            }
            let expected =
                s.towns[i] == s.towns[j] && Euclidean.distance(geoms[i], geoms[j]) <= gap;
            assert_eq!(
                nb.contains(&(j as u32)),
                expected,
                "parcels {i} and {j}: distance {}",
                Euclidean.distance(geoms[i], geoms[j])
            );
            checked += 1;
        }
    }
    assert!(checked > n);
}

/// Units: connected, ≤ 300 mu unless oversize, in one town; every eligible parcel in
/// exactly one unit or scattered.
fn check_units(s: &Scored, g: &Graph, areas: &[f64], eligible: &[bool], u: &Units) {
    let n = eligible.len();
    let mut count = vec![0u32; n];
    let mut include = vec![false; n];
    for (k, unit) in u.units.iter().enumerate() {
        let mu = m2_to_mu(unit.area_m2);
        if u.oversize.contains(&(k as u32)) {
            assert!(unit
                .members
                .iter()
                .any(|&p| m2_to_mu(areas[p as usize]) > 300.0));
        } else {
            assert!(mu <= 300.0 + 1e-6, "unit {k}: {mu} mu");
            assert!(mu >= 15.0 - 1e-6, "unit {k}: {mu} mu");
        }
        let sum: f64 = unit.members.iter().map(|&p| areas[p as usize]).sum();
        assert!((sum - unit.area_m2).abs() <= 1e-9 * sum);
        for &p in &unit.members {
            count[p as usize] += 1;
            include[p as usize] = true;
            assert_eq!(s.towns[p as usize], unit.town, "unit {k} spans two towns");
            assert_eq!(u.unit_of[p as usize], Some(k as u32));
        }
        assert_eq!(components(g, &include).len(), 1, "unit {k} not connected");
        for &p in &unit.members {
            include[p as usize] = false;
        }
    }
    for &p in &u.scattered {
        count[p as usize] += 1;
        assert_eq!(u.unit_of[p as usize], None);
    }
    for p in 0..n {
        if eligible[p] {
            assert_eq!(count[p], 1, "eligible parcel {p}");
        } else {
            assert!(count[p] == 0 || u.absorbed.contains(&(p as u32)));
        }
    }
    let keys: Vec<(u32, u32)> = u.units.iter().map(|x| (x.town, x.members[0])).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "units out of order");
}

#[test]
fn generated_districts_graph_and_units_hold_their_properties() {
    let mut totals = (0, 0, 0, 0);
    for k in 0..20u64 {
        let parcels = 1500 + (k as usize * 397) % 1501;
        let towns = 1 + (k as usize % 4);
        let s = scored(1000 + k * 7919, parcels, towns);
        let (geoms, areas, centroids) = inputs(&s);
        let g = neighbour_graph(
            &geoms,
            &NeighbourOptions {
                gap: Metres::new(30.0).unwrap(),
                barriers: &[],
                towns: &s.towns,
            },
        );
        if k % 4 == 0 {
            check_graph(&s, &geoms, &g, 30.0);
        }
        let opts = UnitOptions {
            absorb_enclaves: k % 2 == 1,
            ..UnitOptions::default()
        };
        let u = small_circles(&g, &areas, &centroids, &s.low, &s.towns, &opts);
        check_units(&s, &g, &areas, &s.low, &u);
        // Splitting happened somewhere: a group above 300 mu.
        totals.0 += u.units.len();
        totals.1 += u.scattered.len();
        totals.2 += components(&g, &s.low)
            .iter()
            .filter(|c| m2_to_mu(c.iter().map(|&p| areas[p as usize]).sum()) > 300.0)
            .count();
        totals.3 += u.absorbed.len();
    }
    let (units, scattered, big_groups, absorbed) = totals;
    eprintln!(
        "20 districts: {units} units, {scattered} scattered parcels, {big_groups} groups above 300 mu split, {absorbed} enclaves absorbed"
    );
    assert!(units > 100 && scattered > 0 && big_groups > 0);
}

#[test]
fn barriers_cut_the_graph_and_units_stay_on_their_side() {
    for seed in [11u64, 12, 13] {
        let s = scored(seed, 2400, 2);
        let (geoms, areas, centroids) = inputs(&s);
        // A north–south line through the middle of the district, and a river polygon
        // 15 m wide across it east–west.
        let envs: Vec<geo::Rect<f64>> = geoms.iter().map(|p| p.bounding_rect().unwrap()).collect();
        let (x0, x1) = envs.iter().fold((f64::MAX, f64::MIN), |(a, b), r| {
            (a.min(r.min().x), b.max(r.max().x))
        });
        let (y0, y1) = envs.iter().fold((f64::MAX, f64::MIN), |(a, b), r| {
            (a.min(r.min().y), b.max(r.max().y))
        });
        let opts = |b| NeighbourOptions {
            gap: Metres::new(30.0).unwrap(),
            barriers: b,
            towns: &s.towns,
        };
        let free = neighbour_graph(&geoms, &opts(&[]));
        // Along a north–south local road: the x (from 30 % to 70 % across) with the most
        // edges between parcels wholly on either side of it.
        let edges: Vec<(usize, usize)> = (0..geoms.len())
            .flat_map(|i| free.neighbours(i).iter().map(move |&j| (i, j as usize)))
            .filter(|&(i, j)| i < j)
            .collect();
        let xm = (0..2000)
            .map(|k| x0 + (x1 - x0) * (0.3 + 0.4 * k as f64 / 2000.0))
            .max_by_key(|&x| {
                edges
                    .iter()
                    .filter(|&&(i, j)| {
                        let (a, b) = (envs[i], envs[j]);
                        (a.max().x < x && b.min().x > x) || (b.max().x < x && a.min().x > x)
                    })
                    .count()
            })
            .unwrap();
        let ym = y0 + (y1 - y0) * 0.52;
        let barriers = vec![
            Geometry::Line(Line::new(
                Coord {
                    x: xm,
                    y: y0 - 100.0,
                },
                Coord {
                    x: xm,
                    y: y1 + 100.0,
                },
            )),
            Geometry::Rect(geo::Rect::new(
                Coord {
                    x: x0 - 100.0,
                    y: ym,
                },
                Coord {
                    x: x1 + 100.0,
                    y: ym + 15.0,
                },
            )),
        ];
        let cut = neighbour_graph(&geoms, &opts(&barriers));
        // Side of a parcel: −1 / +1 when wholly on one side, 0 when the barrier runs through.
        let side = |r: &geo::Rect<f64>, lo: f64, hi: f64, x: bool| {
            let (a, b) = if x {
                (r.min().x, r.max().x)
            } else {
                (r.min().y, r.max().y)
            };
            if b < lo {
                -1
            } else if a > hi {
                1
            } else {
                0
            }
        };
        let mut removed = 0;
        for i in 0..geoms.len() {
            for &j in free.neighbours(i) {
                let j = j as usize;
                let across_line = side(&envs[i], xm, xm, true) * side(&envs[j], xm, xm, true) < 0;
                let across_river =
                    side(&envs[i], ym, ym + 15.0, false) * side(&envs[j], ym, ym + 15.0, false) < 0;
                let kept = cut.neighbours(i).contains(&(j as u32));
                if across_line || across_river {
                    assert!(!kept, "edge {i}–{j} crosses a barrier");
                    removed += 1;
                }
            }
            // The cut graph is a subgraph of the free one.
            for &j in cut.neighbours(i) {
                assert!(free.neighbours(i).contains(&j));
            }
        }
        assert!(removed > 0, "the barriers cut nothing");
        assert!(cut.edges() < free.edges());
        let u = small_circles(
            &cut,
            &areas,
            &centroids,
            &s.low,
            &s.towns,
            &UnitOptions::default(),
        );
        check_units(&s, &cut, &areas, &s.low, &u);
        // A unit holds parcels on both sides of the line only through a parcel the line
        // runs through (which lies on both sides itself).
        for unit in &u.units {
            let sides: Vec<i32> = unit
                .members
                .iter()
                .map(|&p| side(&envs[p as usize], xm, xm, true))
                .collect();
            if sides.contains(&-1) && sides.contains(&1) {
                assert!(sides.contains(&0), "a unit crosses the line");
            }
        }
    }
}

#[test]
fn one_thread_and_many_give_the_same_units() {
    let s = scored(4242, 3000, 3);
    let (geoms, areas, centroids) = inputs(&s);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let g = neighbour_graph(
                    &geoms,
                    &NeighbourOptions {
                        gap: Metres::new(30.0).unwrap(),
                        barriers: &[],
                        towns: &s.towns,
                    },
                );
                let opts = UnitOptions {
                    absorb_enclaves: true,
                    ..UnitOptions::default()
                };
                let u = small_circles(&g, &areas, &centroids, &s.low, &s.towns, &opts);
                (g, u)
            })
    };
    assert_eq!(run(1), run(4));
}

#[test]
#[ignore = "timing: run with --release -- --ignored --nocapture"]
fn timing_graph_and_units_at_100k() {
    let n: usize = std::env::var("ZONE_PARCELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let s = scored(20_240_601, n, n.div_ceil(synth::PARCELS_PER_TOWN));
    let (geoms, areas, centroids) = inputs(&s);
    let setup = t.elapsed();
    let t = Instant::now();
    let g = neighbour_graph(
        &geoms,
        &NeighbourOptions {
            gap: Metres::new(30.0).unwrap(),
            barriers: &[],
            towns: &s.towns,
        },
    );
    let t_graph = t.elapsed();
    let t = Instant::now();
    let u = small_circles(
        &g,
        &areas,
        &centroids,
        &s.low,
        &s.towns,
        &UnitOptions::default(),
    );
    let t_units = t.elapsed();
    // With barriers: every town's boundary arterial centre lines.
    let barriers: Vec<Geometry<f64>> = s
        .extents
        .iter()
        .map(|r| Geometry::LineString(r.to_polygon().exterior().clone()))
        .collect();
    let t = Instant::now();
    let gb = neighbour_graph(
        &geoms,
        &NeighbourOptions {
            gap: Metres::new(30.0).unwrap(),
            barriers: &barriers,
            towns: &s.towns,
        },
    );
    let t_barriers = t.elapsed();
    assert_eq!(
        gb, g,
        "arterials are wider than the gap: the barriers change nothing"
    );
    let low = s.low.iter().filter(|&&l| l).count();
    println!(
        "{n} parcels ({low} low, {} threads; set-up {setup:.1?}): graph {t_graph:.2?} ({} edges), \
         with {} barrier lines {t_barriers:.2?}; units {t_units:.2?} ({} units, {} scattered, {} oversize)",
        rayon::current_num_threads(),
        g.edges(),
        barriers.len(),
        u.units.len(),
        u.scattered.len(),
        u.oversize.len()
    );
}
