//! What `landsift init` finds in a bureau's data: the layers among the inputs and the
//! role of each (parcels, buildings, planning, programme, towns), their CRS and text
//! encoding, the land-use code scheme the values follow, and a field mapping suggested
//! from names and values, each with its evidence, for [`super::init`] to write as a
//! commented configuration. A run never uses this: it reads the mapping the
//! configuration states (README "Configuration"), so a guess is always one a person has
//! seen in the file.
//!
//! Names are matched whole (case, blanks, `_` and `-` ignored, a unit in brackets
//! dropped: `亩均税收（万元/亩）` is `亩均税收`) against the engine field's own name and
//! [`SurveyField::source_names`]; in a Shapefile, a Chinese name cut to the DBF's 10 bytes
//! (`建筑密` in a UTF-8 DBF) is matched when it begins one name only. A name is only taken
//! when the values agree (a `RJL` of text, or a 建筑密度 in per cent, is not). Without a
//! name, only the parcel id (a column of distinct values), the land-use field (values
//! that are codes of a scheme) and the buildings' floors and height (numbers in their
//! range) are guessed from values, and the evidence says so.

mod fields;
mod layers;

pub use fields::guess_scheme;
pub use layers::{find_layers, Found, Layer, Profile, Shape};

use super::MappedField;
use crate::error::{Error, Result};
use crate::ingest::towns::TOWN_NAME_FIELDS;
use crate::ingest::{FLOORS_FIELDS, HEIGHT_FIELDS};
use crate::landuse::{planned_groups, Scheme};
use crate::model::{Choice, EncodingSource, SurveyField};
use crate::quality::group_digits;
use fields::{
    building_field, code_share, describe_values, filled_column, map_field, names_of, names_share,
    norm, plan_field, AGREE,
};
use std::collections::{BTreeMap, BTreeSet};

/// Unit-name fields of a programme layer (the generic `name` and `unit_id` are left out:
/// many layers have them).
const UNIT_FIELDS: &[&str] = &["unit", "单元名称", "单元编号", "DYMC", "DYBH"];
/// Planned-use fields that are not also current land-use names.
const PLAN_ONLY_FIELDS: &[&str] = &["plan_use", "YDDM", "GHYDDM", "YDXZ", "GHYT", "规划用途"];

/// What a layer is for in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Parcels,
    Buildings,
    Planning,
    Programme,
    Towns,
}

impl Role {
    const ALL: [Role; 5] = [
        Role::Parcels,
        Role::Buildings,
        Role::Planning,
        Role::Programme,
        Role::Towns,
    ];

    /// Chinese and English, as the configuration's comments say it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Parcels => "宗地 parcels",
            Role::Buildings => "建筑物 buildings",
            Role::Planning => "控规 planning",
            Role::Programme => "改造计划 programme",
            Role::Towns => "镇街界线 towns",
        }
    }

    /// Words in a file or layer name that say the role.
    fn name_words(self) -> &'static [&'static str] {
        match self {
            Role::Parcels => &[
                "宗地",
                "地块",
                "图斑",
                "地籍",
                "zd",
                "zongdi",
                "parcel",
                "parcels",
                "dk",
                "dltb",
                "cadastre",
                "cadastral",
                "lot",
                "lots",
            ],
            Role::Buildings => &[
                "建筑",
                "房屋",
                "楼",
                "jzw",
                "jianzhu",
                "fw",
                "fangwu",
                "building",
                "buildings",
                "bldg",
                "bldgs",
                "footprint",
                "footprints",
            ],
            Role::Planning => &[
                "控规", "规划", "详规", "kg", "kongui", "konggui", "plan", "planning", "ghyd",
                "zoning",
            ],
            Role::Programme => &[
                "计划",
                "改造计划",
                "单元",
                "programme",
                "program",
                "jh",
                "jihua",
            ],
            Role::Towns => &[
                "镇街",
                "乡镇",
                "街道",
                "行政区",
                "zhenjie",
                "town",
                "towns",
                "xzq",
                "township",
            ],
        }
    }
}

/// How a mapping was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// `--field` said so.
    Forced,
    /// By its name.
    Name,
    /// By its name cut to the DBF's 10 bytes.
    Cut,
    /// By its values alone: check it.
    Values,
}

/// A source field chosen for an engine field, with the evidence.
#[derive(Debug, Clone)]
pub struct Pick {
    pub source: String,
    pub how: How,
    pub evidence: String,
}

/// The code scheme the land-use values follow.
#[derive(Debug, Clone)]
pub struct SchemeGuess {
    pub scheme: Scheme,
    /// Whether the values tell the schemes apart (else the default is assumed).
    pub sure: bool,
    pub evidence: Vec<String>,
}

/// Everything `landsift init` suggests.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub found: Found,
    /// Index into `found.layers`, and why.
    pub parcels: (usize, String),
    pub buildings: Option<(usize, String)>,
    pub planning: Option<(usize, String, Pick)>,
    pub programme: Option<(usize, String)>,
    pub towns: Option<(usize, String, Pick)>,
    /// Layers given no role, and what they look like.
    pub unused_layers: Vec<(usize, String)>,
    pub fields: BTreeMap<SurveyField, Pick>,
    /// Engine fields not mapped, and why.
    pub missing: Vec<(MappedField, String)>,
    pub floors: Option<Pick>,
    pub height: Option<Pick>,
    pub scheme: Option<SchemeGuess>,
    /// Land-use names → codes, when the land-use field holds names.
    pub recode: BTreeMap<String, String>,
    /// Parcel fields that feed no engine field.
    pub unused_fields: Vec<String>,
    /// Encoding to state in `[input]`: when a layer's encoding was guessed and every
    /// Shapefile read has it.
    pub encoding: Option<String>,
    /// Things a person must look at (also said on the console).
    pub notes: Vec<String>,
}

impl Suggestion {
    /// The layers a run reads, parcels first.
    pub fn used(&self) -> Vec<(Role, &Layer)> {
        let l = |i: usize| &self.found.layers[i];
        let mut v = vec![(Role::Parcels, l(self.parcels.0))];
        v.extend(self.buildings.as_ref().map(|b| (Role::Buildings, l(b.0))));
        v.extend(self.planning.as_ref().map(|b| (Role::Planning, l(b.0))));
        v.extend(self.programme.as_ref().map(|b| (Role::Programme, l(b.0))));
        v.extend(self.towns.as_ref().map(|b| (Role::Towns, l(b.0))));
        v
    }

    pub fn parcels(&self) -> &Layer {
        &self.found.layers[self.parcels.0]
    }

    pub fn buildings(&self) -> Option<&Layer> {
        self.buildings.as_ref().map(|b| &self.found.layers[b.0])
    }
}

/// Suggests a configuration for the layers found; `forced` are `--field` mappings.
pub fn suggest(found: Found, forced: &[(MappedField, String)]) -> Result<Suggestion> {
    let polygons: Vec<usize> = (0..found.layers.len())
        .filter(|&i| found.layers[i].shape == Shape::Polygon)
        .collect();
    if polygons.is_empty() {
        let mut what: Vec<String> = found
            .layers
            .iter()
            .map(|l| format!("{} ({})", l.describe(), l.shape.label()))
            .collect();
        what.extend(found.skipped.iter().map(|(p, why)| format!("{p} ({why})")));
        return Err(Error::input(
            found
                .layers
                .first()
                .map(|l| l.path.clone())
                .or_else(|| found.inputs.first().cloned())
                .unwrap_or_default(),
            format!(
                "no polygon layer to take as the parcels among the inputs{}",
                if what.is_empty() {
                    String::new()
                } else {
                    format!(": {}", what.join("; "))
                }
            ),
        ));
    }
    let scores: Vec<(usize, RoleScores)> = polygons
        .iter()
        .map(|&i| (i, role_scores(&found.layers[i])))
        .collect();
    let best_role = |s: &RoleScores| {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| s[r].0 > 0)
            .max_by_key(|r| (s[r].0, std::cmp::Reverse(*r)))
    };
    let mut taken: BTreeSet<usize> = BTreeSet::new();
    let mut pick_role = |role: Role, must: bool| -> Option<(usize, String)> {
        let best = scores
            .iter()
            .filter(|(i, s)| !taken.contains(i) && (best_role(s) == Some(role)))
            .max_by_key(|(i, s)| (s[&role].0, std::cmp::Reverse(*i)))
            .map(|(i, s)| (*i, s[&role].1.clone()))
            .or_else(|| {
                must.then(|| {
                    scores
                        .iter()
                        .filter(|(i, _)| !taken.contains(i))
                        .max_by_key(|(i, s)| (s[&role].0, std::cmp::Reverse(*i)))
                        .map(|(i, s)| {
                            let looks = best_role(s)
                                .map(|r| format!("it looks like {}", r.label()))
                                .unwrap_or_else(|| "neither its fields nor its name say so".into());
                            (
                                *i,
                                format!("check: no layer looks like parcels, and {looks}"),
                            )
                        })
                })
                .flatten()
            });
        if let Some((i, _)) = &best {
            taken.insert(*i);
        }
        best
    };
    let parcels = pick_role(Role::Parcels, true).ok_or_else(|| {
        Error::input(
            &found.layers[polygons[0]].path,
            "no layer to take as parcels",
        )
    })?;
    let buildings = pick_role(Role::Buildings, false);
    let planning = pick_role(Role::Planning, false);
    let programme = pick_role(Role::Programme, false);
    let towns = pick_role(Role::Towns, false);
    let mut notes = Vec::new();
    let unused_layers: Vec<(usize, String)> = (0..found.layers.len())
        .filter(|i| !taken.contains(i))
        .map(|i| {
            let l = &found.layers[i];
            let looks = scores
                .iter()
                .find(|(j, _)| *j == i)
                .and_then(|(_, s)| best_role(s).map(|r| format!("; also looks like {}", r.label())))
                .unwrap_or_default();
            (
                i,
                format!(
                    "{} {}, {} fields{looks}",
                    group(l.features),
                    l.shape.label(),
                    l.fields.len()
                ),
            )
        })
        .collect();

    let p = &found.layers[parcels.0];
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut fields = BTreeMap::new();
    let mut missing = Vec::new();
    for (f, source) in forced {
        if let MappedField::Survey(f) = f {
            let pick = forced_pick(p, source)?;
            used.insert(source.clone());
            fields.insert(*f, pick);
        }
    }
    for &f in SurveyField::ALL {
        if fields.contains_key(&f) {
            continue;
        }
        match map_field(p, f, &used) {
            Ok(pick) => {
                used.insert(pick.source.clone());
                fields.insert(f, pick);
            }
            Err(why) => missing.push((MappedField::Survey(f), why)),
        }
    }
    // The land-use values: codes of a scheme, or names to recode.
    let mut recode = BTreeMap::new();
    let scheme = fields.get(&SurveyField::LandUse).and_then(|pick| {
        let prof = p.field(&pick.source)?;
        let guess = guess_scheme(prof);
        let fit = code_share(prof).max(names_share(prof));
        if fit < 0.95 {
            notes.push(format!(
                "{} % of the values of {} are land-use codes or names: give the others their code in [land_use_recode] (listed there), else their parcels are rejected",
                percent(fit),
                prof.name
            ));
        } else if !guess.sure {
            notes.push(format!(
                "the land-use codes fit both schemes: {} is assumed; check `scheme`",
                guess.scheme.label_zh()
            ));
        }
        if names_share(prof) > code_share(prof) {
            for (v, _) in &prof.counts {
                if let Some(code) = guess.scheme.code_of_name(v) {
                    recode.insert(v.clone(), code.to_string());
                }
            }
        }
        Some(guess)
    });
    for (f, why) in &missing {
        if let MappedField::Survey(s) = f {
            if s.required() {
                notes.push(format!(
                    "no field for the required engine field {} ({}): {why}; map it in [fields] or with --field {}=SOURCE before running",
                    s.name(),
                    s.label_zh(),
                    s.name()
                ));
            }
        }
    }
    let unused_fields = p
        .fields
        .iter()
        .filter(|f| !used.contains(&f.name))
        .map(|f| f.name.clone())
        .collect();

    let (mut floors, mut height) = (None, None);
    let b = buildings.as_ref().map(|(i, _)| &found.layers[*i]);
    for (f, source) in forced {
        let target = match f {
            MappedField::Floors => &mut floors,
            MappedField::Height => &mut height,
            MappedField::Survey(_) => continue,
        };
        let Some(b) = b else {
            return Err(Error::Usage(format!(
                "--field {}={source}: no buildings layer was found among the inputs",
                f.name()
            )));
        };
        *target = Some(forced_pick(b, source)?);
    }
    if let Some(b) = b {
        let mut taken_b: BTreeSet<String> = floors
            .iter()
            .chain(height.iter())
            .map(|p: &Pick| p.source.clone())
            .collect();
        if floors.is_none() {
            floors = building_field(b, true, &taken_b);
            taken_b.extend(floors.iter().map(|p| p.source.clone()));
        }
        if height.is_none() {
            height = building_field(b, false, &taken_b);
        }
        if floors.is_none() && height.is_none() {
            notes.push(format!(
                "the buildings {} have no floors (层数) or height (高度) field that could be told: map one in [buildings] or with --field floors=SOURCE",
                b.describe()
            ));
            missing.push((
                MappedField::Floors,
                "no field named or valued like floors".into(),
            ));
        } else {
            if floors.is_none() {
                missing.push((
                    MappedField::Floors,
                    "none found: floors are read from the height".into(),
                ));
            }
            if height.is_none() {
                missing.push((
                    MappedField::Height,
                    "none found (needed only by the 8 m rule)".into(),
                ));
            }
        }
    }
    let planning = planning.and_then(|(i, why)| {
        let l = &found.layers[i];
        plan_field(l).map(|pick| (i, why, pick))
    });
    let towns = towns.and_then(|(i, why)| {
        let l = &found.layers[i];
        let name = l.fields.iter().find(|f| town_names_unique(l, f))?;
        Some((
            i,
            why,
            Pick {
                source: name.name.clone(),
                how: How::Name,
                evidence: format!("{} names: {}", group(name.distinct), name.examples(4)),
            },
        ))
    });

    let mut s = Suggestion {
        found,
        parcels,
        buildings,
        planning,
        programme,
        towns,
        unused_layers,
        fields,
        missing,
        floors,
        height,
        scheme,
        recode,
        unused_fields,
        encoding: None,
        notes,
    };
    s.encoding = encoding_to_state(&s);
    crs_notes(&mut s);
    Ok(s)
}

/// A `--field` mapping: the field must be there.
fn forced_pick(layer: &Layer, source: &str) -> Result<Pick> {
    let prof = layer.field(source).ok_or_else(|| {
        Error::input(
            &layer.path,
            format!(
                "--field names '{source}', which this layer does not have; its fields are: {}",
                layer
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    Ok(Pick {
        source: source.to_string(),
        how: How::Forced,
        evidence: format!("--field; {}", describe_values(prof)),
    })
}

/// Whether `f` names each feature of a small layer with a name of its own: a town
/// boundary layer's name field.
fn town_names_unique(l: &Layer, f: &Profile) -> bool {
    TOWN_NAME_FIELDS
        .iter()
        .chain(SurveyField::Town.source_names())
        .any(|n| norm(n) == norm(&f.name))
        && !f.numeric()
        && f.values == l.features
        && f.distinct == f.values
        && l.features <= 500
}

/// How much each role fits a polygon layer, and why.
type RoleScores = BTreeMap<Role, (i32, String)>;

/// How much each role fits a polygon layer, and why.
fn role_scores(l: &Layer) -> RoleScores {
    let mut out = BTreeMap::new();
    let named = |names: &[&str]| {
        l.fields
            .iter()
            .find(|p| names.iter().any(|n| norm(n) == norm(&p.name)))
    };
    // Codes first; names (工业用地) where no field holds codes.
    let best = |share: fn(&Profile) -> f64, what: &'static str| {
        l.fields
            .iter()
            .filter(|p| filled_column(p, l.features))
            .map(|p| (share(p), p))
            .filter(|(s, _)| *s >= AGREE)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(s, p)| (s, p, what))
    };
    let codes = best(code_share, "land-use codes").or_else(|| best(names_share, "land-use names"));
    let id = named(&names_of(SurveyField::ParcelId));
    let engine_hits: Vec<&str> = SurveyField::ALL
        .iter()
        .filter(|f| !matches!(f, SurveyField::ParcelId | SurveyField::LandUse))
        .filter(|f| named(&names_of(**f)).is_some())
        .map(|f| f.name())
        .collect();
    let mut say = |role: Role, parts: Vec<(i32, String)>| {
        let score = parts.iter().map(|(s, _)| s).sum();
        let why: Vec<String> = parts
            .into_iter()
            .filter(|(s, _)| *s > 0)
            .map(|(_, w)| w)
            .collect();
        out.insert(role, (score, why.join("; ")));
    };
    let by_name = |role: Role| {
        let hit = l.name_has(role.name_words());
        (
            if hit { 2 } else { 0 },
            format!("its name says {}", role.label()),
        )
    };
    let has_codes = codes.is_some();
    say(
        Role::Parcels,
        vec![
            (
                if has_codes { 3 } else { 0 },
                codes
                    .map(|(s, p, what)| format!("{} % of {} are {what}", percent(s), p.name))
                    .unwrap_or_default(),
            ),
            (
                if id.is_some() { 2 } else { 0 },
                id.map(|p| format!("an id field {}", p.name))
                    .unwrap_or_default(),
            ),
            (
                engine_hits.len().min(5) as i32,
                format!("fields named like {}", engine_hits.join(", ")),
            ),
            by_name(Role::Parcels),
        ],
    );
    let floors = named(FLOORS_FIELDS).filter(|p| p.numeric());
    let height = named(HEIGHT_FIELDS).filter(|p| p.numeric());
    say(
        Role::Buildings,
        vec![
            (
                if floors.is_some() { 3 } else { 0 },
                floors
                    .map(|p| format!("a floors field {}", p.name))
                    .unwrap_or_default(),
            ),
            (
                if height.is_some() { 2 } else { 0 },
                height
                    .map(|p| format!("a height field {}", p.name))
                    .unwrap_or_default(),
            ),
            by_name(Role::Buildings),
            (if has_codes { -3 } else { 0 }, String::new()),
        ],
    );
    let plan =
        named(PLAN_ONLY_FIELDS).filter(|p| p.share(|v| planned_groups(v).is_some()) >= AGREE);
    say(
        Role::Planning,
        vec![
            (
                if plan.is_some() { 3 } else { 0 },
                plan.map(|p| format!("planned-use codes in {}", p.name))
                    .unwrap_or_default(),
            ),
            by_name(Role::Planning),
            (if id.is_some() { -2 } else { 0 }, String::new()),
        ],
    );
    let unit = named(UNIT_FIELDS);
    say(
        Role::Programme,
        vec![
            (
                if unit.is_some() { 3 } else { 0 },
                unit.map(|p| format!("a unit field {}", p.name))
                    .unwrap_or_default(),
            ),
            by_name(Role::Programme),
            (if has_codes { -2 } else { 0 }, String::new()),
        ],
    );
    let town = l.fields.iter().find(|f| town_names_unique(l, f));
    say(
        Role::Towns,
        vec![
            (
                if town.is_some() { 3 } else { 0 },
                town.map(|p| format!("one name each in {}", p.name))
                    .unwrap_or_default(),
            ),
            by_name(Role::Towns),
            (if has_codes { -2 } else { 0 }, String::new()),
        ],
    );
    out
}

/// The encoding to state in the configuration: only when a Shapefile's was guessed
/// (no `.cpg`, no language-driver byte) and every Shapefile a run reads has it — the
/// configuration's encoding applies to all.
fn encoding_to_state(s: &Suggestion) -> Option<String> {
    let shapefiles: Vec<&Layer> = s
        .used()
        .into_iter()
        .map(|(_, l)| l)
        .filter(|l| l.shapefile)
        .collect();
    let guessed = shapefiles.iter().any(|l| {
        matches!(
            l.encoding.source,
            EncodingSource::Gb18030Fallback | EncodingSource::Utf8Check | EncodingSource::Explicit
        )
    });
    let first = shapefiles.first()?;
    let same = shapefiles
        .iter()
        .all(|l| l.encoding.name.eq_ignore_ascii_case(&first.encoding.name));
    (guessed && same).then(|| first.encoding.name.clone())
}

/// Notes on CRSs a run would refuse: none declared, or different across layers.
fn crs_notes(s: &mut Suggestion) {
    let mut notes = Vec::new();
    let used = s.used();
    let parcels_crs = &used[0].1.crs;
    for (role, l) in &used {
        match (&l.crs, parcels_crs) {
            (Err(why), _) => notes.push(format!(
                "{} {}: {why}",
                role.label(),
                l.describe()
            )),
            (Ok((a, _)), Ok((b, _))) if a != b => notes.push(format!(
                "{} {} are in {a} but the parcels in {b}: a run stops (exit 5); bring them to one CRS, e.g. ogr2ogr -t_srs {b}",
                role.label(),
                l.describe()
            )),
            _ => {}
        }
    }
    s.notes.extend(notes);
}

/// `4,000`.
pub fn group(n: usize) -> String {
    group_digits(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A share as a whole percentage that says 100 only when it is all, 0 only when none.
pub fn percent(share: f64) -> String {
    let p = (share * 100.0).round();
    let p = if share < 1.0 && p >= 100.0 {
        99.0
    } else if share > 0.0 && p <= 0.0 {
        1.0
    } else {
        p
    };
    format!("{p:.0}")
}

/// A number as people write it: whole numbers without decimals, others to 2 places.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A value shortened for a comment.
fn short(v: &str) -> String {
    let v: String = v.chars().filter(|c| !c.is_control()).collect();
    if v.chars().count() > 24 {
        format!("{}…", v.chars().take(24).collect::<String>())
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_say_all_and_none_only_when_true() {
        assert_eq!(percent(0.9996), "99");
        assert_eq!(percent(1.0), "100");
        assert_eq!(percent(0.0004), "1");
        assert_eq!(percent(0.0), "0");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(2.0), "2");
    }
}
