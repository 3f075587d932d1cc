//! Scoring against the shipped presets: every rule at and around its threshold in both
//! code schemes, reasons as written, modes, composite roles, determinism.

use super::*;
use crate::constraints::Controls;
use crate::criteria::{load_preset, parse, Mark};
use crate::model::Value;
use crate::testing::parcel_with as parcel;
use std::path::Path;

fn national() -> Criteria {
    load_preset("national-default").unwrap()
}

fn one(p: Parcel, scheme: Scheme, c: &Criteria) -> ParcelScore {
    score(&[p], None, scheme, c).remove(0)
}

/// A code of each land type, in each scheme.
fn code(ltype: LandClass, scheme: Scheme) -> &'static str {
    use LandClass::*;
    match (scheme, ltype) {
        (Scheme::Yongdi2023, Industrial) => "1001",
        (Scheme::Yongdi2023, Commercial) => "0901",
        (Scheme::Yongdi2023, Residential) => "0701",
        (Scheme::Yongdi2023, Facility) => "0804",
        (Scheme::Yongdi2023, Village) => "0703",
        (Scheme::Sandiao, Industrial) => "0601",
        (Scheme::Sandiao, Commercial) => "05H1",
        (Scheme::Sandiao, Residential) => "0701",
        (Scheme::Sandiao, Facility) => "08H2",
        (Scheme::Sandiao, Village) => "0702",
    }
}

const SCHEMES: [Scheme; 2] = [Scheme::Yongdi2023, Scheme::Sandiao];

/// Whether `rule` fires on a parcel of `ltype` with these values, in both schemes (they
/// must agree).
fn fires(c: &Criteria, ltype: LandClass, rule: &str, values: &[(&str, Value)]) -> bool {
    let got: Vec<bool> = SCHEMES
        .iter()
        .map(|&scheme| {
            let s = one(parcel("p", code(ltype, scheme), values), scheme, c);
            assert_eq!(s.ltype, Some(ltype), "{scheme:?}");
            s.fired.iter().any(|f| f.rule == rule)
        })
        .collect();
    assert_eq!(got[0], got[1], "{rule} differs between the schemes");
    got[0]
}

fn int(v: i64) -> Value {
    Value::Int(v)
}
fn real(v: f64) -> Value {
    Value::Real(v)
}
fn text(v: &str) -> Value {
    Value::Text(v.into())
}

#[test]
fn idle_land_is_one_year_for_every_supplied_type() {
    let c = national();
    use LandClass::*;
    for t in [Industrial, Commercial, Residential, Facility] {
        assert!(!fires(&c, t, "IDLE", &[("idle_yrs", int(0))]), "{t:?} 0");
        assert!(fires(&c, t, "IDLE", &[("idle_yrs", int(1))]), "{t:?} 1");
        assert!(!fires(&c, t, "IDLE", &[("idle_yrs", real(0.99))]));
    }
    // A commercial parcel idle for eight years is idle land.
    assert!(fires(&c, Commercial, "IDLE", &[("idle_yrs", int(8))]));
    // Rural homesteads are not state land under 《闲置土地处置办法》: the village rule.
    assert!(!fires(&c, Village, "IDLE", &[("idle_yrs", int(5))]));
    assert!(!fires(&c, Village, "VIL_IDLE", &[("idle_yrs", int(1))]));
    assert!(fires(&c, Village, "VIL_IDLE", &[("idle_yrs", int(2))]));
}

#[test]
fn a_closed_factory_is_not_idle_land() {
    let c = national();
    let stopped = [("status", text("停产")), ("idle_yrs", int(0))];
    assert!(fires(&c, LandClass::Industrial, "IND_STOPPED", &stopped));
    assert!(!fires(&c, LandClass::Industrial, "IDLE", &stopped));
    assert!(!fires(
        &c,
        LandClass::Industrial,
        "IND_STOPPED",
        &[("status", text("在产"))]
    ));
}

#[test]
fn old_housing_is_built_in_or_before_2000_and_urban_only() {
    for name in crate::criteria::preset_names() {
        let c = load_preset(name).unwrap();
        let res = LandClass::Residential;
        for (year, old) in [(1999, true), (2000, true), (2001, false), (2005, false)] {
            assert_eq!(
                fires(&c, res, "RES_AGE", &[("yr_built", int(year))]),
                old,
                "{name}: built {year}"
            );
        }
        // Unknown year: neither old nor new.
        let s = one(parcel("p", "0701", &[]), Scheme::Yongdi2023, &c);
        assert!(s.not_evaluable.contains(&"RES_AGE".to_string()));
        // 0703 (用地用海) and 0702 (三调) are rural homesteads: a village, never old housing.
        for scheme in SCHEMES {
            let v = code(LandClass::Village, scheme);
            let s = one(parcel("p", v, &[("yr_built", int(1985))]), scheme, &c);
            assert_eq!(s.ltype, Some(LandClass::Village), "{name} {scheme:?} {v}");
            assert!(
                !s.low,
                "{name} {scheme:?}: an old village house alone is not low"
            );
        }
    }
}

#[test]
fn catalogue_classes_are_two_rules_and_match_as_written() {
    let c = national();
    let ind = LandClass::Industrial;
    for v in ["淘汰类", "淘汰", "淘汰類", "obsolete", " Obsolete "] {
        let vals = [("ind_class", text(v))];
        assert!(fires(&c, ind, "IND_OBSOLETE", &vals), "{v}");
        assert!(!fires(&c, ind, "IND_RESTRICTED", &vals), "{v}");
    }
    for v in ["限制类", "限制", "restricted", "限制類"] {
        let vals = [("ind_class", text(v))];
        assert!(fires(&c, ind, "IND_RESTRICTED", &vals), "{v}");
        assert!(!fires(&c, ind, "IND_OBSOLETE", &vals), "{v}");
    }
    for v in ["鼓励类", "允许类", "permitted"] {
        let vals = [("ind_class", text(v))];
        assert!(!fires(&c, ind, "IND_RESTRICTED", &vals) && !fires(&c, ind, "IND_OBSOLETE", &vals));
    }
    assert_eq!(c.rule("IND_OBSOLETE").unwrap().mark, Mark::Source);
    assert_eq!(c.rule("IND_RESTRICTED").unwrap().mark, Mark::Default);
}

#[test]
fn danger_grades_match_as_written() {
    let c = national();
    for (t, rule) in [
        (LandClass::Residential, "RES_DANGER"),
        (LandClass::Facility, "FAC_DANGER"),
        (LandClass::Village, "VIL_DANGER"),
    ] {
        for (v, dangerous) in [
            ("C", true),
            ("C级", true),
            ("c", true),
            ("Ｄ", true),
            ("D級", true),
            ("B", false),
            ("B级", false),
            ("A", false),
        ] {
            assert_eq!(
                fires(&c, t, rule, &[("danger", text(v))]),
                dangerous,
                "{rule} {v}"
            );
        }
    }
}

#[test]
fn industrial_far_per_industry_class_with_the_general_fallback() {
    let c = national();
    let ind = LandClass::Industrial;
    let far = |f: f64, code: Option<&str>| {
        let mut v = vec![("far", real(f))];
        if let Some(code) = code {
            v.push(("ind_code", text(code)));
        }
        fires(&c, ind, "IND_FAR", &v)
    };
    // 纺织业 (17): 0.8.
    assert!(far(0.79, Some("C1713")));
    assert!(!far(0.8, Some("C1713")));
    // 化学原料 (26): 0.6.
    assert!(!far(0.65, Some("2614")));
    assert!(far(0.55, Some("2614")));
    // GB/T 4754-2017 30 is 2002's 31 非金属矿物 (0.7), not 塑料 (1.0).
    assert!(!far(0.75, Some("C3021")));
    // 2017's 2922 塑料 is 2002's 30 (1.0).
    assert!(far(0.95, Some("C2922")));
    // No code, or not a code: the general 1.0.
    assert!(far(0.99, None));
    assert!(!far(1.0, None));
    assert!(far(0.9, Some("纺织")));
    // The reason names the industry whose line applied.
    let s = one(
        parcel(
            "p",
            "1001",
            &[("far", real(0.62)), ("ind_code", text("C1713"))],
        ),
        Scheme::Yongdi2023,
        &c,
    );
    assert_eq!(s.reasons_zh(&c), "容积率0.62<0.8（纺织业17）");
}

#[test]
fn surveyed_coverage_is_preferred_over_footprints() {
    let c = national();
    let facts = [ParcelFacts {
        far_m: Some(1.5),
        cov_m: Some(0.2),
        n_bldg: Some(3.0),
    }];
    let run = |vals: &[(&str, Value)]| {
        score(
            &[parcel("p", "1001", vals)],
            Some(&facts),
            Scheme::Yongdi2023,
            &c,
        )
        .remove(0)
    };
    // The survey's 建筑系数 (yards and structures counted) wins over the footprints.
    assert!(!run(&[("bld_cov", real(0.35))])
        .reasons_ids()
        .contains("IND_COV"));
    // Without a surveyed value the footprints stand in.
    assert!(run(&[]).reasons_ids().contains("IND_COV"));
    // FAR: the measured value is preferred.
    assert!(!run(&[("far", real(0.5))]).reasons_ids().contains("IND_FAR"));
}

#[test]
fn commercial_thresholds() {
    let c = national();
    let com = LandClass::Commercial;
    assert!(!fires(&c, com, "COM_VAC", &[("vacancy", real(0.30))]));
    assert!(fires(&c, com, "COM_VAC", &[("vacancy", real(0.31))]));
    assert!(fires(&c, com, "COM_TAX", &[("tax_mu", real(19.9))]));
    assert!(!fires(&c, com, "COM_TAX", &[("tax_mu", real(20.0))]));
    // Zero tax is a value, not unknown.
    assert!(fires(&c, com, "COM_TAX", &[("tax_mu", real(0.0))]));
}

#[test]
fn planned_use_conflicts_are_flagged_with_their_reason() {
    let c = national();
    let ind = LandClass::Industrial;
    for plan in ["0701", "R2", "0901", "B1", "城镇住宅用地"] {
        assert!(
            fires(&c, ind, "USE_CONFLICT", &[("plan_use", text(plan))]),
            "{plan}"
        );
    }
    for plan in ["1001", "M1", "100101", "R2/M1"] {
        assert!(
            !fires(&c, ind, "USE_CONFLICT", &[("plan_use", text(plan))]),
            "{plan}"
        );
    }
    let s = one(
        parcel("p", "0601", &[("plan_use", text("R2"))]),
        Scheme::Sandiao,
        &c,
    );
    assert_eq!(s.reasons_zh(&c), "用途不合理：现状工矿仓储，规划居住（R2）");
    assert_eq!(
        s.reasons_json(&c),
        r#"[{"rule":"USE_CONFLICT","value":"R2","op":"conflicts","threshold":{"current":"工矿仓储","planned":"居住"}}]"#
    );
    // Housing where the plan has a park, in either scheme.
    assert!(fires(
        &c,
        LandClass::Residential,
        "USE_CONFLICT",
        &[("plan_use", text("1401"))]
    ));
}

#[test]
fn code_1001_is_industrial_in_yongdi2023_and_railway_in_sandiao() {
    let c = national();
    let low_far = [("far", Value::Real(0.5))];
    let s = one(parcel("a", "1001", &low_far), Scheme::Yongdi2023, &c);
    assert_eq!(s.ltype, Some(LandClass::Industrial));
    assert_eq!(s.reasons_ids(), "IND_FAR");
    assert!(s.low);
    assert_eq!(
        s.not_evaluable,
        [
            "IDLE",
            "USE_CONFLICT",
            "IND_COV",
            "IND_TAX",
            "IND_OBSOLETE",
            "IND_RESTRICTED",
            "IND_STOPPED"
        ]
    );
    let s = one(parcel("a", "1001", &low_far), Scheme::Sandiao, &c);
    assert_eq!(s.ltype, None, "三调 1001 is railway");
    assert!(!s.low && s.fired.is_empty() && s.not_evaluable.is_empty());
    assert_eq!((s.score, s.class), (None, None));
    // A code that lost its leading zero in a numeric column still reads.
    let s = one(
        parcel("a", "701", &[("yr_built", Value::Int(1995))]),
        Scheme::Yongdi2023,
        &c,
    );
    assert_eq!(s.ltype, Some(LandClass::Residential));
    assert_eq!(s.reasons_ids(), "RES_AGE");
}

#[test]
fn reasons_are_chinese_and_exact() {
    let c = national();
    let p = parcel(
        "ZD001",
        "1001",
        &[
            ("far", Value::Real(0.62)),
            ("bld_cov", Value::Real(0.45)),
            ("tax_mu", Value::Real(6.1)),
            ("ind_class", Value::Text(" obsolete ".into())),
            ("out_mu", Value::Real(150.0)),
        ],
    );
    let s = one(p, Scheme::Yongdi2023, &c);
    assert_eq!(s.reasons_ids(), "IND_FAR;IND_TAX;IND_OBSOLETE");
    assert_eq!(
        s.reasons_zh(&c),
        "容积率0.62<1.0；亩均税收6.1<10万元/亩·年；产业类别：淘汰类"
    );
    assert!(crate::criteria::is_chinese(&s.reasons_zh(&c)));
    assert_eq!(
        s.reasons_json(&c),
        r#"[{"rule":"IND_FAR","value":0.62,"op":"<","threshold":1.0},{"rule":"IND_TAX","value":6.1,"op":"<","threshold":10.0},{"rule":"IND_OBSOLETE","value":"obsolete","op":"in","threshold":["淘汰类"]}]"#
    );
    let p = parcel(
        "ZD002",
        "0701",
        &[
            ("yr_built", Value::Int(1988)),
            ("danger", Value::Text("d".into())),
        ],
    );
    let s = one(p, Scheme::Yongdi2023, &c);
    assert_eq!(s.reasons_zh(&c), "建成年份1988≤2000年；危房等级：D级");
    assert_eq!((s.score, s.class), (None, None), "no residential composite");
    let none = one(parcel("ZD003", "0701", &[]), Scheme::Yongdi2023, &c);
    assert_eq!(
        (
            none.reasons_ids(),
            none.reasons_zh(&c),
            none.reasons_json(&c)
        ),
        (String::new(), String::new(), "[]".to_string())
    );
}

#[test]
fn and_rules_fire_only_when_every_condition_holds() {
    // Pu'er's extension: built by end-2005, only with poor facilities and strong demand.
    let c = parse(
        "name = \"t\"\n[[rule]]\nid = \"RES_2005\"\ntype = \"residential\"\nall = [\n { field = \"yr_built\", op = \"<=\", threshold = 2005, unit = \"年\" },\n { field = \"facilities\", op = \"in\", values = [\"不完善\"] },\n { field = \"consent\", op = \">=\", threshold = 0.8 },\n]\nmark = \"source\"\nsource = \"普政办发〔2022〕120号\"\n",
        Path::new("t"),
    )
    .unwrap();
    let res = LandClass::Residential;
    let y = |v| ("yr_built", int(v));
    let f = |v: &str| ("facilities", text(v));
    let w = |v| ("consent", real(v));
    assert!(fires(&c, res, "RES_2005", &[y(2004), f("不完善"), w(0.9)]));
    assert!(!fires(&c, res, "RES_2005", &[y(2006), f("不完善"), w(0.9)]));
    assert!(!fires(&c, res, "RES_2005", &[y(2004), f("完善"), w(0.9)]));
    assert!(!fires(&c, res, "RES_2005", &[y(2004), f("不完善"), w(0.5)]));
    let s = one(
        parcel("p", "0701", &[y(2004), f("缺失"), w(0.9)]),
        Scheme::Yongdi2023,
        &c,
    );
    assert_eq!(
        s.reasons_zh(&c),
        "建成年份2004≤2005年且配套设施：不完善且改造意愿0.9≥0.8"
    );
    assert!(s.reasons_json(&c).starts_with(
        r#"[{"rule":"RES_2005","all":[{"field":"yr_built","value":2004.0,"op":"<=","threshold":2005.0}"#
    ));
}

fn controls(met: &[ConstraintKind], excluded: bool) -> Controls {
    Controls {
        shares: Vec::new(),
        excluded,
        why: String::new(),
        tags: String::new(),
        met: met.to_vec(),
        out_of_scope: false,
    }
}

#[test]
fn renewal_modes_follow_the_rules_in_order() {
    use ConstraintKind::*;
    let c = national();
    let layers = [Heritage, IndustrialControl, EcoRedline];
    let cases: Vec<(Parcel, Controls, Option<&str>)> = vec![
        // Old housing in a heritage area: protective renewal.
        (
            parcel("h", "0701", &[("yr_built", int(1980))]),
            controls(&[Heritage], false),
            Some("微改造"),
        ),
        // Idle two years: taken back.
        (
            parcel("i", "0901", &[("idle_yrs", int(2))]),
            controls(&[], false),
            Some("收回收储"),
        ),
        // Idle one year: idle land, not yet recoverable.
        (
            parcel("i1", "0901", &[("idle_yrs", int(1))]),
            controls(&[], false),
            Some("综合整治"),
        ),
        // A whole dangerous building.
        (
            parcel("d", "0804", &[("danger", text("D级"))]),
            controls(&[], false),
            Some("拆除重建"),
        ),
        // Inside the industrial control line, under-built: industry rebuilt.
        (
            parcel("f", "1001", &[("far", real(0.4))]),
            controls(&[IndustrialControl], false),
            Some("拆除重建（工改工）"),
        ),
        (
            parcel("t", "1001", &[("tax_mu", real(2.0))]),
            controls(&[IndustrialControl], false),
            Some("综合整治（工改工）"),
        ),
        // Industry the plan turns to housing.
        (
            parcel("u", "1001", &[("plan_use", text("R2"))]),
            controls(&[], false),
            Some("功能改变"),
        ),
        (
            parcel("o", "0701", &[("yr_built", int(1990))]),
            controls(&[], false),
            Some("综合整治"),
        ),
        // Not low: no mode; excluded: no mode.
        (
            parcel("n", "0701", &[("yr_built", int(2010))]),
            controls(&[], false),
            None,
        ),
        (
            parcel("x", "0701", &[("yr_built", int(1990))]),
            controls(&[EcoRedline], true),
            None,
        ),
    ];
    let parcels: Vec<Parcel> = cases.iter().map(|c| c.0.clone()).collect();
    let ctl: Vec<Controls> = cases.iter().map(|c| c.1.clone()).collect();
    let scores = score_with(
        &ScoreInput {
            parcels: &parcels,
            facts: None,
            controls: Some(&ctl),
            layers: &layers,
            scheme: Scheme::Yongdi2023,
        },
        &c,
    );
    for ((p, _, want), s) in cases.iter().zip(&scores) {
        assert_eq!(s.mode_zh(&c), *want, "{}", p.id);
    }
    assert!(scores[9].low && scores[9].excluded);
}

#[test]
fn a_composite_role_of_rule_flags_class_d_and_reports_it() {
    let c = load_preset("dongguan").unwrap();
    assert!(matches!(
        c.composite[&LandClass::Industrial].role,
        crate::criteria::Role::Rule(ref ids) if ids == "IND_MJ_D"
    ));
    // 40 firms, tax 1..40 (all above the 15 line but one group): the bottom 5 % is D.
    let parcels: Vec<Parcel> = (1..=40)
        .map(|i| {
            parcel(
                &format!("P{i:02}"),
                "1001",
                &[
                    ("tax_mu", real(15.0 + i as f64)),
                    ("out_mu", real(100.0 + i as f64)),
                    ("far", real(2.0)),
                    ("bld_cov", real(0.5)),
                    ("scale", text("规上")),
                ],
            )
        })
        .collect();
    let s = score(&parcels, None, Scheme::Yongdi2023, &c);
    let d: Vec<&str> = parcels
        .iter()
        .zip(&s)
        .filter(|(_, s)| s.class == Some('D'))
        .map(|(p, _)| p.id.as_str())
        .collect();
    assert_eq!(d, ["P01", "P02"]);
    for (p, s) in parcels.iter().zip(&s) {
        assert_eq!(s.low, s.class == Some('D'), "{}", p.id);
        if s.low {
            assert_eq!(s.reasons_ids(), "IND_MJ_D");
            assert_eq!(s.reasons_zh(&c), "亩均效益评价：D类");
        }
    }
    // National default: the class is only reported.
    let n = score(&parcels, None, Scheme::Yongdi2023, &national());
    assert!(n.iter().all(|s| !s.low) && n.iter().any(|s| s.class == Some('D')));
}

/// A deterministic mixed district: every type, missing values, tied scores.
fn district(n: usize) -> Vec<Parcel> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let codes = [
        "1001", "1101", "0901", "0902", "0701", "0703", "0801", "1207", "0101",
    ];
    (0..n)
        .map(|i| {
            let code = codes[(next() % codes.len() as u64) as usize];
            let v = |r: u64, scale: f64| -> Value {
                if r.is_multiple_of(5) {
                    Value::Null
                } else {
                    // Coarse steps so that equal scores (ties) occur.
                    Value::Real(((r >> 8) % 20) as f64 * scale)
                }
            };
            let vals = [
                ("far", v(next(), 0.1)),
                ("bld_cov", v(next(), 0.03)),
                ("tax_mu", v(next(), 1.5)),
                ("out_mu", v(next(), 20.0)),
                ("energy_va", v(next(), 0.1)),
                ("vacancy", v(next(), 0.05)),
                ("idle_yrs", v(next(), 0.25)),
                ("yr_built", Value::Int(1980 + (next() % 40) as i64)),
                (
                    "danger",
                    Value::Text(["A", "B", "c", "D", ""][(next() % 5) as usize].into()),
                ),
                (
                    "ind_class",
                    Value::Text(["允许", "限制", "淘汰", "Obsolete"][(next() % 4) as usize].into()),
                ),
                (
                    "scale",
                    Value::Text(["规上", "规下", ""][(next() % 3) as usize].into()),
                ),
                (
                    "ind_code",
                    Value::Text(["C1713", "2614", "", "C3921"][(next() % 4) as usize].into()),
                ),
            ];
            let mut p = parcel(&format!("P{:05}", n - i), code, &vals);
            p.area_m2 = 500.0 + (next() % 5000) as f64;
            p
        })
        .collect()
}

#[test]
fn same_results_with_one_thread_and_with_all() {
    let parcels = district(3000);
    let facts: Vec<ParcelFacts> = (0..parcels.len())
        .map(|i| ParcelFacts {
            far_m: i.is_multiple_of(3).then_some((i % 17) as f64 / 10.0),
            cov_m: i.is_multiple_of(4).then_some((i % 9) as f64 / 10.0),
            n_bldg: Some((i % 5) as f64),
        })
        .collect();
    for name in crate::criteria::preset_names() {
        let c = load_preset(name).unwrap();
        let run = || score(&parcels, Some(&facts), Scheme::Yongdi2023, &c);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(run);
        let all = run();
        assert_eq!(one, all, "{name}");
        let classes: std::collections::BTreeSet<char> =
            all.iter().filter_map(|s| s.class).collect();
        assert_eq!(classes.len(), 4, "{name}: all four classes occur");
        assert!(
            all.iter().any(|s| s.ltype.is_some() && s.score.is_none()),
            "{name}: some not rated"
        );
        assert!(all
            .iter()
            .filter(|s| s.low)
            .all(|s| s.mode.is_some() || s.excluded));
    }
}

#[test]
fn tally_counts_areas_and_rules() {
    let c = national();
    let parcels = vec![
        parcel("a", "1001", &[("far", Value::Real(0.5))]),
        parcel(
            "b",
            "1001",
            &[
                ("far", Value::Real(1.5)),
                ("tax_mu", Value::Real(30.0)),
                ("out_mu", Value::Real(99.0)),
            ],
        ),
        parcel("c", "1207", &[]),
        parcel("d", "0701", &[("danger", Value::Text("C".into()))]),
    ];
    let scores = score(&parcels, None, Scheme::Yongdi2023, &c);
    let t = tally(&parcels, &scores, &c);
    let groups: Vec<(Option<LandClass>, bool, usize, f64)> = t
        .groups
        .iter()
        .map(|g| (g.ltype, g.low, g.parcels, g.area_m2))
        .collect();
    assert_eq!(
        groups,
        [
            (Some(LandClass::Industrial), true, 1, 1000.0),
            (Some(LandClass::Industrial), false, 1, 1000.0),
            (Some(LandClass::Residential), true, 1, 1000.0),
            (None, false, 1, 1000.0),
        ]
    );
    // a: nothing of the composite → not rated; b: tax + output (65 %) → rated, alone: D.
    assert_eq!(
        t.groups[0].classes,
        BTreeMap::from([("not_rated".to_string(), 1)])
    );
    assert_eq!(t.groups[1].classes, BTreeMap::from([("D".to_string(), 1)]));
    assert!(t.groups[2].classes.is_empty());
    let far = t.rules.iter().find(|r| r.rule == "IND_FAR").unwrap();
    assert_eq!((far.fired, far.not_evaluable), (1, 0));
    let tax = t.rules.iter().find(|r| r.rule == "IND_TAX").unwrap();
    assert_eq!((tax.fired, tax.not_evaluable), (0, 1));
    assert_eq!(t.rules.len(), c.rules.len());
    let json = serde_json::to_string(&t.groups[3]).unwrap();
    assert!(json.starts_with(r#"{"ltype":null,"low":false"#), "{json}");
}
