//! The neighbour graph of parcels: two parcels are neighbours when the distance between
//! their polygons is at most the road-gap tolerance (`SPEC.md` §4: local roads are crossed,
//! arterials are not), when they lie in the same town, and when no hard barrier (arterial
//! road, river, railway) separates them.
//!
//! # How
//!
//! Parcel envelopes go into `rstar` R-trees (a few trees over spatial halves, bulk-loaded in
//! parallel, as in [`crate::measure`]). Each parcel, in parallel, queries them with its
//! envelope grown by the gap and keeps the candidates of higher index in the same town whose
//! envelopes are within the gap (Euclidean envelope distance). The exact test then looks
//! only at the edges of either parcel whose bounding box comes within the gap of the other
//! parcel's envelope: some pair of such edges within the gap (segment-to-segment distance,
//! 0 when they meet: exact orientation predicates) makes them neighbours; failing that, one
//! parcel lying inside the other (overlapping data) does too. This is the polygon-to-polygon
//! distance ≤ gap, computed without building anything per pair. The edges are then sorted,
//! so the graph is the same whatever the number of threads.
//!
//! # Barriers
//!
//! Barrier lines (and polygon rings) are indexed edge by edge in their own R-tree, barrier
//! polygons also by envelope. Let `d` be the distance between neighbours `a` and `b`:
//!
//! - **apart** (`d` > [`CONTACT_EPS`]): the connecting segment `s` joins their two closest
//!   points (chosen deterministically among equal ones). The edge is cut when `s` comes
//!   within [`CONTACT_EPS`] of a barrier line (endpoints included: a railway digitised
//!   along `a`'s boundary separates `a` from what lies across it), or when some part of `s`
//!   runs through the interior of a barrier polygon (a river or road area in the gap; a
//!   segment merely running along the polygon's edge, as between two corner parcels beside
//!   an arterial, does not cut).
//! - **touching** (`d` ≤ [`CONTACT_EPS`]): the connecting segment has no length, so the
//!   contact itself is tested. Their contact is split into pieces — each stretch of shared
//!   boundary (its midpoint) and each point contact — and the edge is cut when **every**
//!   piece is blocked: within [`CONTACT_EPS`] of a barrier line (a line running along the
//!   shared edge), or strictly inside a barrier polygon. A line covering only part of the
//!   shared edge leaves them connected through the rest; a line crossing the shared edge
//!   transversally runs through both parcels and does not, by itself, separate them.
//!
//! A parcel that a barrier runs through lies on both sides of it, and its edges to either
//! side stay: the graph may join the two sides through such a parcel (a railway drawn
//! across a parcel), never through an edge that crosses the barrier.
//!
//! Barrier points are ignored; a geometry collection counts as its members.

mod barriers;
mod csr;
mod neighbours;
#[cfg(test)]
mod tests;

pub use csr::{components, Graph};
pub use neighbours::{neighbour_graph, neighbour_graphs, NeighbourOptions};

/// Distance (metres) under which two parcels touch, and a point lies on a barrier.
pub const CONTACT_EPS: f64 = 1e-3;
