//! Planar geometry shared by every stage: the R-tree builder ([`index`]) and the exact
//! predicates and distances on segments, rectangles and polygons ([`planar`]). One
//! implementation of each: measure, zoning and town assignment call these, never a copy.

pub mod index;
pub mod planar;

pub use index::{build_trees, Entry};
