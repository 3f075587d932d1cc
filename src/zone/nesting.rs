//! Exact topology of the circles, as GIS staff check it: every child lies within its
//! parent (small in middle or large, middle in large) and no two circles of one level
//! overlap, across town lines too.
//!
//! Each outline is a closing of its own members, so neighbouring outlines may both fill
//! the road between them, and a child's closing may reach past its parent's. Fixed in
//! one pass, level by level from the top, in the zones' order (town, then id): a large
//! circle gives up what an earlier large circle holds; a middle circle gives up what an
//! earlier middle circle holds, then is cut to its large circle; a small circle gives up
//! what an earlier small circle holds, then is cut to its parent (the cut comes last:
//! the overlay's arithmetic leaves the fewest stray nanometres outside the parent). What overlapped
//! is road or gap land both closings filled, so the earlier circle keeping it is a
//! choice of drawing, not of land; first, though, every outline gives up the member
//! parcels of the other circles of its level, so no circle ever loses its own land.
//! Pieces below [`CRUMB_M2`] that the cuts leave are dropped.

use super::{outline, Zone};
use crate::spatial::index::EnvelopeIndex;
use crate::spatial::planar::rects_meet;
use geo::{Area, BooleanOps, BoundingRect, MultiPolygon, Rect};
use rayon::prelude::*;

/// Parts smaller than this (m²) left by a cut are crumbs of the road both closings
/// filled, not land: dropped.
pub const CRUMB_M2: f64 = 1.0;

/// Makes the outlines of all three levels nest exactly and not overlap within a level.
pub fn make_exact(
    large: &mut [Zone],
    middle: &mut [Zone],
    small: &mut [Zone],
    parcels: &[crate::model::Parcel],
) {
    disjoint(large, parcels);
    let parents: Vec<(String, MultiPolygon<f64>)> = large
        .iter()
        .map(|z| (z.id.clone(), z.outline.clone()))
        .collect();
    disjoint(middle, parcels);
    clip_to_parents(middle, &parents);
    let parents: Vec<(String, MultiPolygon<f64>)> = large
        .iter()
        .chain(middle.iter())
        .map(|z| (z.id.clone(), z.outline.clone()))
        .collect();
    disjoint(small, parcels);
    clip_to_parents(small, &parents);
    for zones in [&mut *large, &mut *middle] {
        zones
            .par_iter_mut()
            .for_each(|z| z.area_m2 = z.outline.unsigned_area());
    }
    for zones in [large, middle, small] {
        zones
            .par_iter_mut()
            .for_each(|z| z.compact = outline::polsby_popper(&z.outline));
    }
}

/// Each zone's outline cut to its parent's (each zone on its own: in parallel).
fn clip_to_parents(children: &mut [Zone], parents: &[(String, MultiPolygon<f64>)]) {
    let by_id: std::collections::HashMap<&str, &MultiPolygon<f64>> =
        parents.iter().map(|(id, o)| (id.as_str(), o)).collect();
    children.par_iter_mut().for_each(|z| {
        if let Some(parent) = z.parent_id.as_deref().and_then(|id| by_id.get(id)) {
            z.outline = without_crumbs(z.outline.intersection(*parent));
        }
    });
}

/// Each zone gives up the member parcels of the others, then what the zones before it
/// hold.
fn disjoint(zones: &mut [Zone], parcels: &[crate::model::Parcel]) {
    give_up_others_members(zones, parcels);
    let boxes: Vec<Option<Rect<f64>>> = zones.iter().map(|z| z.outline.bounding_rect()).collect();
    let index = EnvelopeIndex::from_rects(boxes.iter().copied());
    for k in 0..zones.len() {
        let Some(bk) = boxes[k] else { continue };
        let mut shape = zones[k].outline.clone();
        // Earlier zones have their final outlines; those only shrank, so the envelopes
        // indexed before still find every one that can meet this zone.
        for j in index.meeting(bk).into_iter().filter(|&j| j < k) {
            let meets = zones[j]
                .outline
                .bounding_rect()
                .is_some_and(|bj| rects_meet(bj, bk));
            if meets {
                shape = shape.difference(&zones[j].outline);
            }
        }
        zones[k].outline = without_crumbs(shape);
    }
}

/// Each outline minus the member parcels of the other zones of its level it reaches
/// (each zone on its own: in parallel).
fn give_up_others_members(zones: &mut [Zone], parcels: &[crate::model::Parcel]) {
    // Every member parcel of the level, with its zone.
    let members: Vec<(u32, usize)> = zones
        .iter()
        .enumerate()
        .flat_map(|(z, zone)| zone.parcels.iter().map(move |&p| (p, z)))
        .collect();
    let index = EnvelopeIndex::from_rects(
        members
            .iter()
            .map(|&(p, _)| parcels[p as usize].geometry.bounding_rect()),
    );
    zones.par_iter_mut().enumerate().for_each(|(k, zone)| {
        let Some(bk) = zone.outline.bounding_rect() else {
            return;
        };
        let others: Vec<u32> = index
            .meeting(bk)
            .into_iter()
            .map(|m| members[m])
            .filter(|&(_, z)| z != k)
            .map(|(p, _)| p)
            .collect();
        if others.is_empty() {
            return;
        }
        let polys: Vec<geo::Polygon<f64>> = others
            .iter()
            .flat_map(|&p| parcels[p as usize].geometry.0.iter().cloned())
            .map(|p| geo::Orient::orient(&p, geo::orient::Direction::Default))
            .collect();
        let taken = geo::unary_union(polys.iter());
        zone.outline = without_crumbs(zone.outline.difference(&taken));
    });
}

fn without_crumbs(shape: MultiPolygon<f64>) -> MultiPolygon<f64> {
    MultiPolygon::new(
        shape
            .0
            .into_iter()
            .filter(|p| p.unsigned_area() >= CRUMB_M2)
            .collect(),
    )
}
