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
