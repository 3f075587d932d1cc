//! Statistics per town and in total (`stats.json`, and `stats.csv` with a UTF-8 BOM so
//! Excel opens the Chinese right): parcels and area by land type, construction land,
//! low-efficiency land (初步识别) by type, by reason and by renewal mode, low-efficiency
//! land inside excluded areas apart, circles by level, scattered land, and the policy
//! checks.
//!
//! Every figure is summed from the parcels and zones themselves, town by town; the
//! total's figures (合计) are the sums of the towns' (the tests hold both to that).
//! Shares of low-efficiency land are over construction land (建设用地), not over all
//! land: farmland, water and forest are never low-efficiency construction land.

use crate::criteria::Criteria;
use crate::landuse::{LandClass, Scheme};
use crate::model::{Areas, Parcel};
use crate::score::ParcelScore;
use crate::zone::report::{LevelReport, TownReport};
use crate::zone::{ZoneOptions, Zones};
use serde::Serialize;
use std::collections::BTreeMap;

/// Parcels counted and their area.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Tally {
    pub count: usize,
    pub area: Areas,
}

impl Tally {
    fn add(&mut self, m2: f64) {
        self.count += 1;
        self.area = Areas::from_m2(self.area.m2 + m2);
    }

    fn merge(&mut self, other: &Tally) {
        self.count += other.count;
        self.area = Areas::from_m2(self.area.m2 + other.area.m2);
    }
}

/// One policy check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub value: f64,
    pub threshold: f64,
    /// `None`: informational, no pass/fail.
    pub pass: Option<bool>,
    pub detail: String,
}

/// The statistics of one town (or the total, 合计).
#[derive(Debug, Clone, Serialize)]
pub struct TownStats {
    pub town: String,
    pub parcels: Tally,
    /// Construction land (建设用地) of the code scheme: the base of the shares.
    pub construction: Tally,
    /// All parcels by land type (`other`: no low-efficiency type: roads, water, farmland…).
    pub by_type: BTreeMap<String, Tally>,
    /// Low-efficiency land in scope (outside every exclusion).
    pub low: Tally,
    /// Low-efficiency area in scope ÷ construction land area.
    pub low_share: f64,
    pub low_by_type: BTreeMap<String, Tally>,
    /// By fired rule id; a parcel counts under every rule that fired on it.
    pub low_by_reason: BTreeMap<String, Tally>,
    /// By renewal mode (Chinese); each parcel counts once, so the counts add up to `low`.
    pub low_by_mode: BTreeMap<String, Tally>,
    /// Low-efficiency land inside excluded areas (生态保护红线, 永久基本农田, outside the
    /// 城镇开发边界): reported, never zoned, not in `low`.
    pub low_excluded: Tally,
    /// Zones by level (`small`, `middle`, `large`): count, and area as the layers give it.
    pub circles: BTreeMap<String, Tally>,
    pub scattered: Tally,
    pub checks: Vec<Check>,
}

/// `stats.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Rule ids → their Chinese names and the land types they apply to, for the reason
    /// rows.
    pub rules: BTreeMap<String, (String, String)>,
    /// The renewal modes in the criteria's order (then 待定), for the mode rows.
    pub modes: Vec<String>,
    /// The total over all towns (合计).
    pub district: TownStats,
    pub towns: Vec<TownStats>,
}

/// The name of the total row: 合计 (a district-level word would be wrong for a city
/// without districts, e.g. Dongguan's towns report to the city).
pub const TOTAL: &str = "合计";

/// Chinese label of a land-type key.
pub fn type_zh(key: &str) -> &'static str {
    LandClass::from_name(key).map_or("其他用地", LandClass::label_zh)
}

fn type_key(t: Option<LandClass>) -> String {
    t.map(LandClass::name).unwrap_or("other").to_string()
}

fn empty(town: &str) -> TownStats {
    TownStats {
        town: town.to_string(),
        parcels: Tally::default(),
        by_type: BTreeMap::new(),
        construction: Tally::default(),
        low: Tally::default(),
        low_share: 0.0,
        low_by_type: BTreeMap::new(),
        low_by_reason: BTreeMap::new(),
        low_by_mode: BTreeMap::new(),
        low_excluded: Tally::default(),
        circles: BTreeMap::new(),
        scattered: Tally::default(),
        checks: Vec::new(),
    }
}

/// What the statistics are built from.
pub struct StatsInput<'a> {
    pub parcels: &'a [Parcel],
    pub scores: &'a [ParcelScore],
    /// Each parcel's town (as zoning used it).
    pub town: &'a [String],
    pub zones: &'a Zones,
    pub criteria: &'a Criteria,
    pub opts: &'a ZoneOptions,
    pub scheme: Scheme,
}

/// The statistics of a run.
pub fn build(input: &StatsInput) -> Stats {
    let StatsInput {
        parcels,
        scores,
        town,
        zones,
        criteria,
        opts,
        scheme,
    } = *input;
    let mut towns: BTreeMap<&str, TownStats> = BTreeMap::new();
    for ((p, s), t) in parcels.iter().zip(scores).zip(town) {
        let ts = towns.entry(t.as_str()).or_insert_with(|| empty(t));
        let a = p.area_m2;
        ts.parcels.add(a);
        let code = p.survey_value(crate::model::SurveyField::LandUse).as_text();
        if code.is_some_and(|c| scheme.is_construction(&crate::landuse::normalise_code(&c))) {
            ts.construction.add(a);
        }
        ts.by_type.entry(type_key(s.ltype)).or_default().add(a);
        if s.low && s.excluded {
            ts.low_excluded.add(a);
        } else if s.low {
            ts.low.add(a);
            ts.low_by_type.entry(type_key(s.ltype)).or_default().add(a);
            for f in &s.fired {
                ts.low_by_reason.entry(f.rule.clone()).or_default().add(a);
            }
            if let Some(m) = s.mode_zh(criteria) {
                ts.low_by_mode.entry(m.to_string()).or_default().add(a);
            }
        }
    }
    for (k, scattered) in zones.scattered.iter().enumerate() {
        if *scattered {
            let ts = towns
                .get_mut(town[k].as_str())
                .expect("every town has parcels");
            ts.scattered.add(parcels[k].area_m2);
        }
    }
    for level in [&zones.small, &zones.middle, &zones.large] {
        for z in level {
            let ts = towns.get_mut(z.town.as_str()).expect("zones lie in towns");
            let t = ts.circles.entry(z.level.name().to_string()).or_default();
            t.add(z.area_m2);
        }
    }
    let mut town_list: Vec<TownStats> = towns.into_values().collect();
    for ts in &mut town_list {
        ts.low_share = share(ts.low.area.m2, ts.construction.area.m2);
        if let Some(r) = zones.report.towns.iter().find(|r| r.town == ts.town) {
            ts.checks = town_checks(r, opts);
        }
    }
    let mut district = empty(TOTAL);
    for ts in &town_list {
        district.parcels.merge(&ts.parcels);
        district.construction.merge(&ts.construction);
        district.low.merge(&ts.low);
        district.low_excluded.merge(&ts.low_excluded);
        district.scattered.merge(&ts.scattered);
        for (into, from) in [
            (&mut district.by_type, &ts.by_type),
            (&mut district.low_by_type, &ts.low_by_type),
            (&mut district.low_by_reason, &ts.low_by_reason),
            (&mut district.low_by_mode, &ts.low_by_mode),
            (&mut district.circles, &ts.circles),
        ] {
            for (k, v) in from {
                into.entry(k.clone()).or_default().merge(v);
            }
        }
    }
    district.low_share = share(district.low.area.m2, district.construction.area.m2);
    district.checks = district_checks(&zones.report.towns, opts);
    let mut modes: Vec<String> = Vec::new();
    for m in &criteria.modes {
        if !modes.contains(&m.mode) {
            modes.push(m.mode.clone());
        }
    }
    if !criteria.modes.is_empty() {
        modes.push(crate::score::MODE_UNDECIDED.to_string());
    }
    Stats {
        rules: criteria
            .rules
            .iter()
            .map(|r| (r.id.clone(), (r.name_zh.clone(), r.types_zh())))
            .collect(),
        modes,
        district,
        towns: town_list,
    }
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

fn town_checks(r: &TownReport, opts: &ZoneOptions) -> Vec<Check> {
    let p = &r.programme;
    vec![
        Check {
            id: "programme_in_large",
            zh: "改造规模落在大圈内占比 ≥ 70%",
            en: "renewal programme inside large circles ≥ 70 %",
            value: p.share_in_large,
            threshold: opts.programme_in_large,
            pass: Some(p.meets_policy),
            detail: format!(
                "{}: {:.0} of {:.0} mu; {}",
                if p.basis == "plan" {
                    "镇街改造计划 (planned programme)"
                } else {
                    "landsift 建议方案，本规则应以镇街改造计划核算 (landsift's proposal: the rule needs the town's plan, --programme)"
                },
                p.area_mu,
                p.target_mu,
                p.shortfall.as_deref().unwrap_or("")
            )
            .trim_end_matches("; ")
            .to_string(),
        },
        size_check(
            "large_size",
            "大圈面积 5–10 km²",
            "large circles of 5–10 km²",
            &r.large,
        ),
        size_check(
            "middle_size",
            "中圈面积 1–3 km²",
            "middle circles of 1–3 km²",
            &r.middle,
        ),
        Check {
            id: "small_size",
            zh: "改造单元 ≤ 300 亩",
            en: "renewal units ≤ 300 mu",
            value: r.small_above_max as f64,
            threshold: 0.0,
            pass: Some(r.small_above_max == 0),
            detail: format!("{} of {} units above", r.small_above_max, r.small_count),
        },
        Check {
            id: "contiguous_industrial",
            zh: "连片工改工 ≥ 500 亩",
            en: "contiguous industrial renewal ≥ 500 mu",
            value: r.contiguous_industrial_mu.len() as f64,
            threshold: opts.contiguous_industrial_mu,
            pass: None,
            detail: r
                .contiguous_industrial_mu
                .iter()
                .map(|mu| format!("{mu:.0} mu"))
                .collect::<Vec<_>>()
                .join(", "),
        },
        Check {
            id: "consent",
            zh: "改造意愿 ≥ 80% 的单元",
            en: "units with owners' consent ≥ 80 %",
            value: r.units_meeting_consent as f64,
            threshold: opts.consent_line,
            pass: None,
            detail: format!(
                "{} of {} surveyed units",
                r.units_meeting_consent, r.units_with_consent
            ),
        },
    ]
}

/// Circles of one level within their size range (each out-of-range one carries a note).
fn size_check(id: &'static str, zh: &'static str, en: &'static str, l: &LevelReport) -> Check {
    let in_range = l.count - l.out_of_range;
    Check {
        id,
        zh,
        en,
        value: in_range as f64,
        threshold: l.count as f64,
        pass: Some(l.count > 0 && l.out_of_range == 0),
        detail: format!("{in_range} of {} in range, {:.2} km²", l.count, l.area_km2),
    }
}

/// The district's checks: the towns' summed (a check passes when it passes in every
/// town; the programme's share is over the district's whole programme).
fn district_checks(towns: &[TownReport], opts: &ZoneOptions) -> Vec<Check> {
    let per_town: Vec<Vec<Check>> = towns.iter().map(|t| town_checks(t, opts)).collect();
    let Some(first) = per_town.first() else {
        return Vec::new();
    };
    let (mut planned, mut in_large) = (0.0, 0.0);
    for t in towns {
        planned += t.programme.area_mu;
        in_large += t.programme.area_mu * t.programme.share_in_large;
    }
    first
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let all: Vec<&Check> = per_town.iter().map(|cs| &cs[i]).collect();
            let pass = c.pass.map(|_| all.iter().all(|x| x.pass == Some(true)));
            let passing = all.iter().filter(|x| x.pass == Some(true)).count();
            let (value, threshold, detail) = match c.id {
                "programme_in_large" => (
                    share(in_large, planned),
                    c.threshold,
                    format!("{passing} of {} towns meet it", all.len()),
                ),
                "contiguous_industrial" | "consent" => (
                    all.iter().map(|x| x.value).sum(),
                    c.threshold,
                    String::new(),
                ),
                _ => (
                    all.iter().map(|x| x.value).sum(),
                    all.iter().map(|x| x.threshold).sum(),
                    format!("{passing} of {} towns pass", all.len()),
                ),
            };
            Check {
                value,
                threshold,
                pass,
                detail,
                ..c.clone()
            }
        })
        .collect()
}

/// `stats.csv`: one row per figure, UTF-8 with BOM.
pub fn write_csv(path: &std::path::Path, stats: &Stats) -> crate::Result<()> {
    type W<'a> = csv::Writer<&'a mut Vec<u8>>;
    fn tally(
        w: &mut W,
        town: &str,
        (section, item, zh): (&str, &str, &str),
        t: &Tally,
        share: Option<f64>,
    ) -> csv::Result<()> {
        w.write_record([
            town,
            section,
            item,
            zh,
            &t.count.to_string(),
            &t.area.m2.to_string(),
            &t.area.mu.to_string(),
            &t.area.ha.to_string(),
            &t.area.km2.to_string(),
            &share.map(|s| s.to_string()).unwrap_or_default(),
            "",
            "",
            "",
        ])
    }
    super::write_csv(path, true, |w| {
        w.write_record([
            "town",
            "section",
            "item",
            "item_zh",
            "count",
            "area_m2",
            "area_mu",
            "area_ha",
            "area_km2",
            "share",
            "value",
            "threshold",
            "pass",
        ])?;
        for ts in std::iter::once(&stats.district).chain(&stats.towns) {
            let town = ts.town.as_str();
            tally(w, town, ("parcels", "all", "全部宗地"), &ts.parcels, None)?;
            let c = share(ts.construction.area.m2, ts.parcels.area.m2);
            tally(
                w,
                town,
                ("construction", "all", "建设用地"),
                &ts.construction,
                Some(c),
            )?;
            for (k, t) in &ts.by_type {
                let s = share(t.area.m2, ts.parcels.area.m2);
                tally(w, town, ("by_type", k, type_zh(k)), t, Some(s))?;
            }
            let low = ("low", "all", "低效用地（初步识别，占建设用地）");
            tally(w, town, low, &ts.low, Some(ts.low_share))?;
            let excluded = ("low_excluded", "all", "管控区内低效用地（不纳入改造）");
            tally(w, town, excluded, &ts.low_excluded, None)?;
            for (k, t) in &ts.low_by_type {
                let s = share(t.area.m2, ts.low.area.m2);
                tally(w, town, ("low_by_type", k, type_zh(k)), t, Some(s))?;
            }
            for (k, t) in &ts.low_by_reason {
                let zh = stats.rules.get(k).map(|r| r.0.as_str()).unwrap_or("");
                let s = share(t.area.m2, ts.low.area.m2);
                tally(w, town, ("low_by_reason", k, zh), t, Some(s))?;
            }
            for m in &stats.modes {
                if let Some(t) = ts.low_by_mode.get(m) {
                    let s = share(t.area.m2, ts.low.area.m2);
                    tally(w, town, ("low_by_mode", m, m), t, Some(s))?;
                }
            }
            for (k, zh) in [
                ("large", "候选大圈"),
                ("middle", "候选中圈"),
                ("small", "候选改造单元（小圈）"),
            ] {
                if let Some(t) = ts.circles.get(k) {
                    tally(w, town, ("circles", k, zh), t, None)?;
                }
            }
            let scattered = ("scattered", "all", "零星低效用地");
            tally(w, town, scattered, &ts.scattered, None)?;
            for c in &ts.checks {
                let pass = match c.pass {
                    Some(true) => "pass",
                    Some(false) => "fail",
                    None => "",
                };
                w.write_record([
                    town,
                    "check",
                    c.id,
                    c.zh,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    &c.value.to_string(),
                    &c.threshold.to_string(),
                    pass,
                ])?;
            }
        }
        Ok(())
    })
}

/// `stats.json`.
pub fn write_json(path: &std::path::Path, stats: &Stats) -> crate::Result<()> {
    let text = serde_json::to_string_pretty(stats).expect("stats serialise");
    std::fs::write(path, text + "\n")
        .map_err(|e| crate::Error::output(path, "cannot write").because(e))
}
