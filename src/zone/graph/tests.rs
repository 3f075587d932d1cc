//! Tests of the neighbour graph: gaps, towns, barriers, holes, thread-count independence.

use super::neighbours::{contact_piece, within, Scratch};
use super::*;
use crate::model::Metres;
use crate::spatial::planar::{rect_dist2, seg_closest, seg_dist2};
use crate::testing::square as sq;
use geo::polygon;
use geo::{BoundingRect, Coord, Geometry, Line, LineString, MultiPolygon, Polygon};

fn graph(ps: &[MultiPolygon<f64>], opts: &NeighbourOptions) -> Graph {
    let refs: Vec<&MultiPolygon<f64>> = ps.iter().collect();
    neighbour_graph(&refs, opts)
}

fn line(pts: &[(f64, f64)]) -> Geometry<f64> {
    Geometry::LineString(LineString::from(pts.to_vec()))
}

fn nb(g: &Graph, i: usize) -> Vec<u32> {
    g.neighbours(i).to_vec()
}

#[test]
fn touching_and_gaps() {
    // 0 and 1 touch; 2 is 20 m east of 1; 3 is 40 m east of 2; 4 touches 0 at a corner.
    let ps = vec![
        sq(0.0, 0.0, 100.0),
        sq(100.0, 0.0, 100.0),
        sq(220.0, 0.0, 100.0),
        sq(360.0, 0.0, 100.0),
        sq(-50.0, -50.0, 50.0),
    ];
    let g = graph(&ps, &NeighbourOptions::default());
    assert_eq!(g.len(), 5);
    assert_eq!(nb(&g, 0), vec![1, 4]);
    assert_eq!(nb(&g, 1), vec![0, 2]);
    assert_eq!(nb(&g, 2), vec![1]);
    assert!(nb(&g, 3).is_empty());
    assert_eq!(nb(&g, 4), vec![0]);
    assert_eq!(g.edges(), 3);
    // Exactly at the tolerance counts; a larger gap joins 3.
    let g = graph(
        &ps,
        &NeighbourOptions {
            gap: Metres::new(40.0).unwrap(),
            ..Default::default()
        },
    );
    assert_eq!(nb(&g, 3), vec![2]);
    let g = graph(
        &ps,
        &NeighbourOptions {
            gap: Metres::new(19.999).unwrap(),
            ..Default::default()
        },
    );
    assert!(nb(&g, 2).is_empty());
}

#[test]
fn diagonal_gap_is_euclidean() {
    // Corners 25 m apart in x and y: 35.4 m, beyond 30 although each axis is within.
    let ps = vec![sq(0.0, 0.0, 100.0), sq(125.0, 125.0, 100.0)];
    assert_eq!(graph(&ps, &NeighbourOptions::default()).edges(), 0);
    let ps = vec![sq(0.0, 0.0, 100.0), sq(120.0, 120.0, 100.0)];
    assert_eq!(graph(&ps, &NeighbourOptions::default()).edges(), 1);
}

#[test]
fn towns_are_never_joined() {
    let ps = vec![
        sq(0.0, 0.0, 100.0),
        sq(100.0, 0.0, 100.0),
        sq(200.0, 0.0, 100.0),
    ];
    let towns = [0, 0, 1];
    let g = graph(
        &ps,
        &NeighbourOptions {
            towns: &towns,
            ..Default::default()
        },
    );
    assert_eq!(nb(&g, 1), vec![0]);
    assert!(nb(&g, 2).is_empty());
}

#[test]
fn barrier_line_along_shared_edge_separates() {
    let ps = vec![sq(0.0, 0.0, 100.0), sq(100.0, 0.0, 100.0)];
    let full = [line(&[(100.0, -10.0), (100.0, 110.0)])];
    let g = graph(
        &ps,
        &NeighbourOptions {
            barriers: &full,
            ..Default::default()
        },
    );
    assert_eq!(g.edges(), 0);
    // Covering only part of the shared edge: still connected through the rest.
    let part = [line(&[(100.0, -10.0), (100.0, 60.0)])];
    let g = graph(
        &ps,
        &NeighbourOptions {
            barriers: &part,
            ..Default::default()
        },
    );
    assert_eq!(g.edges(), 1);
    // A line elsewhere changes nothing.
    let far = [line(&[(500.0, 0.0), (500.0, 100.0)])];
    let g = graph(
        &ps,
        &NeighbourOptions {
            barriers: &far,
            ..Default::default()
        },
    );
    assert_eq!(g.edges(), 1);
}

#[test]
fn barrier_in_the_gap_separates() {
    // 20 m apart: a line down the middle of the road cuts; a polygon filling the road
    // cuts; a polygon beside the road that the connecting segment runs along does not.
    let ps = vec![sq(0.0, 0.0, 100.0), sq(120.0, 0.0, 100.0)];
    let mid = [line(&[(110.0, -50.0), (110.0, 150.0)])];
    let opts = |b| NeighbourOptions {
        barriers: b,
        ..Default::default()
    };
    assert_eq!(graph(&ps, &opts(&mid)).edges(), 0);
    let river = [Geometry::Polygon(polygon![
        (x: 105.0, y: -50.0), (x: 115.0, y: -50.0), (x: 115.0, y: 150.0), (x: 105.0, y: 150.0)
    ])];
    assert_eq!(graph(&ps, &opts(&river)).edges(), 0);
    // Corner parcels beside an arterial (south of y = 0): the closest segment runs
    // along the arterial's edge, not through it.
    let arterial = [Geometry::Polygon(polygon![
        (x: -100.0, y: -50.0), (x: 400.0, y: -50.0), (x: 400.0, y: 0.0), (x: -100.0, y: 0.0)
    ])];
    assert_eq!(graph(&ps, &opts(&arterial)).edges(), 1);
    // Touching parcels beside a river polygon they share edges with stay joined.
    let ps2 = vec![sq(0.0, 0.0, 100.0), sq(100.0, 0.0, 100.0)];
    assert_eq!(graph(&ps2, &opts(&arterial)).edges(), 1);
    // A polygon barrier over the shared edge separates touching parcels.
    let over = [Geometry::Polygon(polygon![
        (x: 95.0, y: -50.0), (x: 105.0, y: -50.0), (x: 105.0, y: 150.0), (x: 95.0, y: 150.0)
    ])];
    assert_eq!(graph(&ps2, &opts(&over)).edges(), 0);
}

#[test]
fn holes_and_enclaves() {
    // A courtyard parcel with a hole, an enclave filling it, and a parcel in a hole
    // 40 m from its rim.
    let ring = |x0: f64, y0: f64, x1: f64, y1: f64| {
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    };
    let court = MultiPolygon::new(vec![Polygon::new(
        ring(0.0, 0.0, 300.0, 300.0),
        vec![ring(100.0, 100.0, 200.0, 200.0)],
    )]);
    let enclave = sq(100.0, 100.0, 100.0);
    let big = MultiPolygon::new(vec![Polygon::new(
        ring(1000.0, 0.0, 1300.0, 300.0),
        vec![ring(1050.0, 50.0, 1250.0, 250.0)],
    )]);
    let lone = sq(1100.0, 100.0, 100.0); // 50 m from the hole's rim
    let ps = vec![court, enclave, big, lone];
    let g = graph(&ps, &NeighbourOptions::default());
    assert_eq!(nb(&g, 0), vec![1]);
    assert!(nb(&g, 2).is_empty());
    let g = graph(
        &ps,
        &NeighbourOptions {
            gap: Metres::new(50.0).unwrap(),
            ..Default::default()
        },
    );
    assert_eq!(nb(&g, 2), vec![3]);
}

#[test]
fn components_are_sorted_and_ordered() {
    // A row of 6 touching squares; excluding 2 splits it.
    let ps: Vec<_> = (0..6).map(|i| sq(i as f64 * 100.0, 0.0, 100.0)).collect();
    let g = graph(&ps, &NeighbourOptions::default());
    let include = [true, true, false, true, true, true];
    assert_eq!(components(&g, &include), vec![vec![0, 1], vec![3, 4, 5]]);
    assert_eq!(components(&g, &[false; 6]), Vec::<Vec<u32>>::new());
    assert_eq!(components(&g, &[true; 6]), vec![vec![0, 1, 2, 3, 4, 5]]);
}

/// A jittered grid of squares with roads of varying width every few cells.
fn grid(n: usize) -> Vec<MultiPolygon<f64>> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let road = |k: usize| (k / 4) as f64 * 25.0 + (k / 9) as f64 * 20.0;
            let x = i as f64 * 80.0 + road(i);
            let y = j as f64 * 80.0 + road(j);
            let s = 80.0 - rnd() * 10.0;
            out.push(sq(x, y, s));
        }
    }
    out
}

#[test]
fn one_thread_and_many_agree() {
    let ps = grid(30);
    let towns: Vec<u32> = (0..ps.len()).map(|i| (i / 450) as u32).collect();
    let barriers = [line(&[(0.0, 1234.5), (3000.0, 1300.0)])];
    let opts = NeighbourOptions {
        gap: Metres::new(30.0).unwrap(),
        barriers: &barriers,
        towns: &towns,
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| graph(&ps, &opts))
    };
    let one = run(1);
    let many = run(4);
    assert_eq!(one, many);
    // Symmetric, ascending, no self loops; and brute force agrees.
    for i in 0..one.len() {
        let n = one.neighbours(i);
        assert!(n.windows(2).all(|w| w[0] < w[1]));
        for &j in n {
            assert_ne!(j as usize, i);
            assert!(one.neighbours(j as usize).contains(&(i as u32)));
        }
    }
    let plain = graph(&ps, &NeighbourOptions::default());
    let mut s = Scratch::default();
    for i in 0..ps.len() {
        for j in i + 1..ps.len() {
            let (ea, eb) = (
                ps[i].bounding_rect().unwrap(),
                ps[j].bounding_rect().unwrap(),
            );
            let ours = plain.neighbours(i).contains(&(j as u32));
            if rect_dist2(ea, eb) > 3600.0 {
                assert!(!ours);
                continue;
            }
            use geo::{Distance, Euclidean};
            let d = Euclidean.distance(&ps[i], &ps[j]);
            assert_eq!(ours, d <= 30.0, "{i} {j} {d}");
            assert_eq!(ours, within(&ps[i], ea, &ps[j], eb, 30.0, &mut s));
        }
    }
    assert!(one.edges() < plain.edges());
}

#[test]
fn graphs_from_one_search_equal_each_searched_alone() {
    // Roads of 25 and 45 m, touching parcels, two town partitions (one finer), a barrier
    // shared by two graphs and another of its own; gaps in no particular order, one
    // repeated; on one thread and on four.
    let ps = grid(24);
    let towns: Vec<u32> = (0..ps.len()).map(|i| (i / 300) as u32).collect();
    let sides: Vec<u32> = (0..ps.len()).map(|i| (i / 150) as u32).collect();
    let shared = [line(&[(0.0, 1234.5), (3000.0, 1300.0)])];
    let own = [line(&[(700.0, 0.0), (760.0, 3000.0)])];
    let m = |g: f64| Metres::new(g).unwrap();
    let opts = [
        NeighbourOptions {
            gap: m(30.0),
            barriers: &shared,
            towns: &sides,
        },
        NeighbourOptions {
            gap: m(100.0),
            barriers: &shared,
            towns: &towns,
        },
        NeighbourOptions {
            gap: m(1.0),
            barriers: &[],
            towns: &towns,
        },
        NeighbourOptions {
            gap: m(30.0),
            barriers: &own,
            towns: &[],
        },
        NeighbourOptions {
            gap: m(50.0),
            barriers: &[],
            towns: &[],
        },
    ];
    let refs: Vec<&MultiPolygon<f64>> = ps.iter().collect();
    let alone: Vec<Graph> = opts.iter().map(|o| neighbour_graph(&refs, o)).collect();
    for threads in [1, 4] {
        let together = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| neighbour_graphs(&refs, &opts));
        assert_eq!(together.to_vec(), alone, "{threads} threads");
    }
    // The options make different graphs (the test would not see a mix-up otherwise).
    for (a, b) in [(0, 1), (0, 3), (1, 4), (2, 4), (3, 4)] {
        assert_ne!(alone[a], alone[b], "{a} {b}");
    }
    let none: [Graph; 0] = neighbour_graphs(&refs, &[]);
    assert!(none.is_empty());
}

#[test]
fn segment_helpers() {
    let c = |x: f64, y: f64| Coord { x, y };
    let l = |a: Coord<f64>, b: Coord<f64>| Line::new(a, b);
    assert_eq!(
        seg_dist2(l(c(0., 0.), c(2., 2.)), l(c(0., 2.), c(2., 0.))),
        0.0
    );
    assert_eq!(
        seg_dist2(l(c(0., 0.), c(1., 0.)), l(c(0., 3.), c(1., 3.))),
        9.0
    );
    let (d, p, q) = seg_closest(l(c(0., 0.), c(10., 0.)), l(c(5., 2.), c(5., 8.)));
    assert_eq!((d, p, q), (4.0, c(5., 0.), c(5., 2.)));
    assert_eq!(
        contact_piece(l(c(0., 0.), c(10., 0.)), l(c(12., 0.), c(4., 0.))),
        Some(c(7.0, 0.0))
    );
}
