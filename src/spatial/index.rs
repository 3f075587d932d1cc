//! R-trees of envelopes, built in parallel.

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

/// An indexed envelope with the index of the feature it bounds.
pub type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// Bulk-loads `parts` R-trees over spatial halves (split at the median centre, x and y in
/// turn), in parallel. Each entry is in exactly one tree, so the union of the trees'
/// answers is the one tree's answer, whatever `parts` (and so the thread count) is.
pub fn build_trees(entries: Vec<Entry>, parts: usize) -> Vec<RTree<Entry>> {
    split(entries, parts, 0)
}

fn split(mut entries: Vec<Entry>, parts: usize, depth: usize) -> Vec<RTree<Entry>> {
    if parts <= 1 || entries.len() < 2 {
        return vec![RTree::bulk_load(entries)];
    }
    let left_parts = parts / 2;
    let mid = entries.len() * left_parts / parts;
    let axis = depth % 2;
    let centre = |e: &Entry| {
        let env = e.geom();
        env.lower()[axis] + env.upper()[axis]
    };
    entries.select_nth_unstable_by(mid, |a, b| centre(a).total_cmp(&centre(b)));
    let right = entries.split_off(mid);
    let (mut a, b) = rayon::join(
        || split(entries, left_parts, depth + 1),
        || split(right, parts - left_parts, depth + 1),
    );
    a.extend(b);
    a
}

/// The R-tree entry of `rect` for feature `i`.
pub fn entry(rect: geo::Rect<f64>, i: u32) -> Entry {
    GeomWithData::new(
        Rectangle::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]),
        i,
    )
}

/// The search envelope of `rect`.
pub fn aabb(rect: geo::Rect<f64>) -> rstar::AABB<[f64; 2]> {
    rstar::AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y])
}

/// The envelopes of a list of features (polygons of a layer, zones of a level), for
/// "which features may meet this rectangle"; features without an envelope (empty) are
/// never found.
///
/// ```
/// use geo::{polygon, BoundingRect};
/// use landsift::spatial::index::EnvelopeIndex;
/// let a = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
/// let b = polygon![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 6.0)];
/// let index = EnvelopeIndex::of(&[a.clone(), b]);
/// assert_eq!(index.meeting(a.bounding_rect().unwrap()), vec![0]);
/// ```
pub struct EnvelopeIndex(RTree<Entry>);

impl EnvelopeIndex {
    /// Indexes `features` by their envelopes, under their positions in the slice.
    pub fn of<G: geo::BoundingRect<f64>>(features: &[G]) -> Self
    where
        G::Output: Into<Option<geo::Rect<f64>>>,
    {
        Self::from_rects(features.iter().map(|g| g.bounding_rect().into()))
    }

    /// Indexes rectangles under their positions (`None`: nothing to find).
    pub fn from_rects(rects: impl Iterator<Item = Option<geo::Rect<f64>>>) -> Self {
        let entries = rects
            .enumerate()
            .filter_map(|(i, r)| Some(entry(r?, i as u32)))
            .collect();
        EnvelopeIndex(RTree::bulk_load(entries))
    }

    /// The features whose envelopes meet `rect`, ascending (a fixed order: sums over
    /// them are deterministic).
    pub fn meeting(&self, rect: geo::Rect<f64>) -> Vec<usize> {
        let mut hits: Vec<usize> = self
            .0
            .locate_in_envelope_intersecting(&aabb(rect))
            .map(|e| e.data as usize)
            .collect();
        hits.sort_unstable();
        hits
    }
}

/// The area of `shape` inside each of the `parts` whose envelopes meet it, as
/// (part, m²) with a positive area, parts ascending.
pub fn areas_inside<G: geo::BooleanOps<Scalar = f64>>(
    shape: &geo::MultiPolygon<f64>,
    parts: &[G],
    index: &EnvelopeIndex,
) -> Vec<(usize, f64)> {
    use geo::{Area, BooleanOps, BoundingRect};
    let Some(r) = shape.bounding_rect() else {
        return Vec::new();
    };
    index
        .meeting(r)
        .into_iter()
        .map(|i| (i, shape.intersection(&parts[i]).unsigned_area()))
        .filter(|(_, a)| *a > 0.0)
        .collect()
}
