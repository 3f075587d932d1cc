//! Stable zone ids across runs. Zones are drawn afresh every night; a circle that still
//! covers mostly the same land keeps its id, so that a plan, a report or a colleague's note
//! that names `长安镇-L1` still means the same place tomorrow.
//!
//! A new zone and a previous one of the same level and town *match* when the land they
//! share (the current area of the parcels in both) is more than half of each. Matches are
//! taken by shared area, largest first; each zone matches at most once. A zone without a
//! match gets a new number, after every number its town and level have used before.

use super::state::PreviousState;
use crate::model::Parcel;
use crate::zone::{Zone, ZoneLevel, Zones};
use std::collections::{BTreeMap, HashMap};

/// How a zone fared against the previous run.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneMatch {
    pub level: ZoneLevel,
    /// The zone's id now (`None`: removed).
    pub id: Option<String>,
    /// Its previous id (`None`: added).
    pub previous: Option<String>,
    pub town: String,
    /// Its area now and before (member parcels' current area; m²).
    pub area_m2: f64,
    pub previous_area_m2: f64,
}

/// The previous id of each parcel at a level.
fn previous_id(p: &super::state::ParcelState, level: ZoneLevel) -> &str {
    match level {
        ZoneLevel::Small => &p.unit_id,
        ZoneLevel::Middle => &p.middle_id,
        ZoneLevel::Large => &p.large_id,
    }
}

/// The number at the end of an id (`长安镇-S017` → 17).
fn number(id: &str) -> u32 {
    id.rsplit(['S', 'M', 'L'])
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Renames the zones to their previous ids where they match, numbers the others after
/// the previous ones, and updates the parent ids; returns how each zone fared.
pub fn stabilise(
    zones: &mut Zones,
    parcels: &[Parcel],
    previous: &PreviousState,
) -> Vec<ZoneMatch> {
    let mut fared = Vec::new();
    let mut renamed: HashMap<String, String> = HashMap::new();
    for level in [ZoneLevel::Large, ZoneLevel::Middle, ZoneLevel::Small] {
        let list: &mut Vec<Zone> = match level {
            ZoneLevel::Small => &mut zones.small,
            ZoneLevel::Middle => &mut zones.middle,
            ZoneLevel::Large => &mut zones.large,
        };
        // Previous zones of this level: id → (town, area now of their parcels that still
        // exist, area then).
        let mut before: BTreeMap<String, (String, f64)> = BTreeMap::new();
        for p in &previous.parcels {
            let id = previous_id(p, level);
            if !id.is_empty() {
                let e = before
                    .entry(id.to_string())
                    .or_insert((p.town.clone(), 0.0));
                e.1 += p.area_m2;
            }
        }
        // Shared area of every (new zone, previous zone) pair.
        let mut shared: BTreeMap<(usize, String), f64> = BTreeMap::new();
        let mut area_now = vec![0.0; list.len()];
        for (zi, z) in list.iter().enumerate() {
            for &pi in &z.parcels {
                let parcel = &parcels[pi as usize];
                area_now[zi] += parcel.area_m2;
                if let Some(prev) = previous.get(&parcel.id) {
                    let id = previous_id(prev, level);
                    if !id.is_empty() {
                        *shared.entry((zi, id.to_string())).or_default() += parcel.area_m2;
                    }
                }
            }
        }
        let mut pairs: Vec<(f64, usize, String)> = shared
            .into_iter()
            .filter(|((zi, id), s)| {
                let town_ok = before.get(id).is_some_and(|(t, _)| *t == list[*zi].town);
                let then = before.get(id).map_or(0.0, |b| b.1);
                town_ok && *s > 0.5 * area_now[*zi] && *s > 0.5 * then
            })
            .map(|((zi, id), s)| (s, zi, id))
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut new_of_old: BTreeMap<String, usize> = BTreeMap::new();
        let mut old_of_new: Vec<Option<String>> = vec![None; list.len()];
        for (_, zi, id) in pairs {
            if old_of_new[zi].is_none() && !new_of_old.contains_key(&id) {
                new_of_old.insert(id.clone(), zi);
                old_of_new[zi] = Some(id);
            }
        }
        // Numbers already used per town: matched ids keep theirs, new ones come after.
        let mut next: BTreeMap<String, u32> = BTreeMap::new();
        for (id, (town, _)) in &before {
            let n = next.entry(town.clone()).or_insert(0);
            *n = (*n).max(number(id));
        }
        let tag = match level {
            ZoneLevel::Small => "S",
            ZoneLevel::Middle => "M",
            ZoneLevel::Large => "L",
        };
        for (zi, z) in list.iter_mut().enumerate() {
            let new_id = match &old_of_new[zi] {
                Some(old) => old.clone(),
                None => {
                    let n = next.entry(z.town.clone()).or_insert(0);
                    *n += 1;
                    if level == ZoneLevel::Small {
                        format!("{}-{tag}{:03}", z.town, n)
                    } else {
                        format!("{}-{tag}{}", z.town, n)
                    }
                }
            };
            renamed.insert(z.id.clone(), new_id.clone());
            fared.push(ZoneMatch {
                level,
                id: Some(new_id.clone()),
                previous: old_of_new[zi].clone(),
                town: z.town.clone(),
                area_m2: area_now[zi],
                previous_area_m2: old_of_new[zi]
                    .as_ref()
                    .and_then(|o| before.get(o))
                    .map_or(0.0, |b| b.1),
            });
            z.id = new_id;
        }
        for (id, (town, then)) in &before {
            if !new_of_old.contains_key(id) {
                fared.push(ZoneMatch {
                    level,
                    id: None,
                    previous: Some(id.clone()),
                    town: town.clone(),
                    area_m2: 0.0,
                    previous_area_m2: *then,
                });
            }
        }
    }
    // Parents were renamed before their children (large, middle, small).
    for z in zones
        .middle
        .iter_mut()
        .chain(zones.small.iter_mut())
        .chain(zones.large.iter_mut())
    {
        if let Some(p) = z.parent_id.as_mut() {
            if let Some(n) = renamed.get(p.as_str()) {
                *p = n.clone();
            }
        }
    }
    // Notes that name zones name them by their new ids.
    for t in &mut zones.report.towns {
        for note in &mut t.notes {
            if let Some((id, rest)) = note.split_once(": ") {
                if let Some(n) = renamed.get(id) {
                    *note = format!("{n}: {rest}");
                }
            }
        }
    }
    fared
}
