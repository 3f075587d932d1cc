//! Town boundaries (镇街): which town each parcel lies in, from a boundary layer, so that
//! no zone crosses a town line even where the parcels' town field is missing or wrong.
//!
//! The boundary layer is read by [`crate::ingest::towns`]. A parcel belongs to the boundary polygon holding its interior point (a point always
//! inside the parcel, unlike the centroid of an L-shaped one). Point-in-polygon is a ray
//! cast against an R-tree of each boundary's edges, so a town line of thousands of
//! vertices costs O(log V) per parcel, not O(V). Parcels outside every boundary keep
//! their town field; both counts, and the parcels whose field disagrees with the layer,
//! go into `summary.json` (`town_boundaries`).

use crate::model::{Parcel, TownBoundaries};
use crate::spatial::planar::crosses_ray;
use geo::{Coord, InteriorPoint, MultiPolygon};
use rayon::prelude::*;
use rstar::{primitives::GeomWithData, RTree, AABB};
use serde::Serialize;

/// How the parcels' towns were found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TownAssignment {
    /// The boundary layer.
    pub layer: String,
    pub boundaries: usize,
    /// Parcels placed in a town by the layer.
    pub assigned: usize,
    /// Parcels outside every boundary, which keep their town field.
    pub outside: usize,
    /// Parcels whose town field names another town than the layer does.
    pub field_disagrees: usize,
}

type Edge = GeomWithData<rstar::primitives::Line<[f64; 2]>, ()>;

/// Edges of every ring of one town, indexed for ray casting.
struct Town {
    edges: RTree<Edge>,
}

impl Town {
    fn new(shape: &MultiPolygon<f64>) -> Self {
        let edges = shape
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(|ring| ring.lines())
            .map(|l| {
                GeomWithData::new(
                    rstar::primitives::Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                    (),
                )
            })
            .collect();
        Town {
            edges: RTree::bulk_load(edges),
        }
    }

    /// Even–odd rule: the ray from `p` towards +x crosses the rings an odd number of
    /// times (exact: [`crosses_ray`]).
    fn contains(&self, p: Coord<f64>, max_x: f64) -> bool {
        let ray = AABB::from_corners([p.x, p.y], [max_x + 1.0, p.y]);
        let mut inside = false;
        for e in self.edges.locate_in_envelope_intersecting(&ray) {
            let (a, b) = (e.geom().from, e.geom().to);
            let (a, b) = (Coord { x: a[0], y: a[1] }, Coord { x: b[0], y: b[1] });
            if crosses_ray(a, b, p) {
                inside = !inside;
            }
        }
        inside
    }
}

/// The index (into `b.names`) of the town holding each parcel, `None` outside all.
/// Where boundaries overlap, the first in layer order wins. Candidate towns come from an
/// R-tree of their envelopes, so the cost per parcel does not grow with the town count.
pub fn assign(parcels: &[Parcel], b: &TownBoundaries) -> Vec<Option<u32>> {
    use geo::BoundingRect;
    use rstar::primitives::Rectangle;
    let towns: Vec<Town> = b.polygons.par_iter().map(Town::new).collect();
    let envelopes: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>> = RTree::bulk_load(
        b.polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = p.bounding_rect()?;
                let rect = Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                Some(GeomWithData::new(rect, i as u32))
            })
            .collect(),
    );
    parcels
        .par_iter()
        .map(|parcel| {
            let p = parcel.geometry.interior_point()?.0;
            envelopes
                .locate_all_at_point(&[p.x, p.y])
                .filter(|e| towns[e.data as usize].contains(p, e.geom().upper()[0]))
                .map(|e| e.data)
                .min()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::square;
    use geo::{polygon, MultiPolygon};

    fn parcel(x: f64, y: f64) -> Parcel {
        crate::testing::parcel(&format!("{x},{y}"), 0, square(x, y, 10.0))
    }

    #[test]
    fn parcels_fall_in_the_town_holding_their_interior_point() {
        // Town A: a square with a hole (a lake, say); town B: an L east of it.
        let a = MultiPolygon::new(vec![polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 100.0, y: 0.0), (x: 100.0, y: 100.0), (x: 0.0, y: 100.0)],
            interiors: [[(x: 40.0, y: 40.0), (x: 60.0, y: 40.0), (x: 60.0, y: 60.0), (x: 40.0, y: 60.0)]],
        )]);
        let b = MultiPolygon::new(vec![polygon![
            (x: 100.0, y: 0.0), (x: 200.0, y: 0.0), (x: 200.0, y: 200.0),
            (x: 150.0, y: 200.0), (x: 150.0, y: 50.0), (x: 100.0, y: 50.0)
        ]]);
        let boundaries = TownBoundaries {
            names: vec!["A".into(), "B".into()],
            polygons: vec![a, b],
        };
        let parcels = [
            parcel(5.0, 5.0),     // A
            parcel(45.0, 45.0),   // in A's hole: outside
            parcel(120.0, 10.0),  // B
            parcel(120.0, 80.0),  // in the notch of B's L: outside
            parcel(160.0, 150.0), // B's upper arm
            parcel(95.0, 20.0),   // straddles A|B: interior point decides
            parcel(500.0, 5.0),   // far away
        ];
        let got = assign(&parcels, &boundaries);
        assert_eq!(got[..5], [Some(0), None, Some(1), None, Some(1)]);
        assert!(got[5].is_some());
        assert_eq!(got[6], None);
    }
}
