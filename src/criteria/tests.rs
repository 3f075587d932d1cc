//! The criteria files: the shipped presets against their sources, and validation.

use super::*;
use crate::landuse::LandClass;

fn p(text: &str) -> Result<Criteria> {
    parse(text, Path::new("t.toml"))
}

#[test]
fn every_preset_loads_and_validates() {
    for name in preset_names() {
        let c = load_preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(c.name, *name);
        assert_eq!(c.origin, format!("preset {name}"));
        assert!(!c.rules.is_empty());
        // Every type has a rule; industrial a composite; every preset says what to do.
        for t in LandClass::ALL {
            assert!(c.rules_for(t).count() > 0, "{name}: no {} rule", t.name());
        }
        assert!(c.composite.contains_key(&LandClass::Industrial));
        assert!(!c.modes.is_empty(), "{name}: no renewal modes");
        assert!(
            c.modes.last().unwrap().when.is_empty() && c.modes.last().unwrap().types.is_empty(),
            "{name}: the last mode rule catches the rest"
        );
    }
    let err = load_preset("shenzhen").unwrap_err().to_string();
    assert!(err.contains("national-default, dongguan, tianjin"), "{err}");
}

/// Every rule and mode rule of every preset cites a document by number, or is marked a
/// local default with what it rests on; nothing cites our own notes.
#[test]
fn every_preset_rule_has_a_document_or_is_a_default() {
    for name in preset_names() {
        let c = load_preset(name).unwrap();
        let sources = c
            .rules
            .iter()
            .map(|r| (r.id.clone(), r.mark, &r.source))
            .chain(c.modes.iter().map(|m| (m.mode.clone(), m.mark, &m.source)));
        for (what, mark, source) in sources {
            let at = format!("{name} {what}");
            assert!(!source.trim().is_empty(), "{at}: no source");
            if mark == Mark::Source {
                assert!(
                    cites_document(source),
                    "{at}: '{source}' cites no document number"
                );
            }
            for ours in ["CRITERIA", "SPEC", "seed", ".md"] {
                assert!(!source.contains(ours), "{at}: cites '{ours}'");
            }
            assert!(
                source
                    .chars()
                    .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
                "{at}: the source is for a Chinese reader"
            );
        }
    }
}

#[test]
fn names_and_modes_are_chinese() {
    for name in preset_names() {
        let c = load_preset(name).unwrap();
        for r in &c.rules {
            assert!(is_chinese(&r.name_zh), "{name} {}: '{}'", r.id, r.name_zh);
            for cond in &r.conditions {
                assert!(is_chinese(cond.label()), "{name} {}", r.id);
                assert!(
                    is_chinese(&cond.describe_zh()),
                    "{name} {}: {}",
                    r.id,
                    cond.describe_zh()
                );
            }
        }
        for m in &c.modes {
            assert!(
                is_chinese(&m.mode) && is_chinese(&m.describe_zh()),
                "{name} {}",
                m.mode
            );
        }
        // The description cites documents (`JGJ 125-2016`), so only: it is Chinese text.
        assert!(
            c.description
                .chars()
                .any(|ch| ('\u{4E00}'..='\u{9FFF}').contains(&ch)),
            "{name}"
        );
    }
}

#[test]
fn national_default_follows_its_sources() {
    let c = load_preset("national-default").unwrap();
    let got: Vec<(&str, Vec<&str>, String)> = c
        .rules
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.types.iter().map(|t| t.name()).collect(),
                r.conditions
                    .iter()
                    .map(|c| format!("{} {} {}", c.field, c.op, c.threshold))
                    .collect::<Vec<_>>()
                    .join(" & "),
            )
        })
        .collect();
    let supplied = vec!["industrial", "commercial", "residential", "facility"];
    let want: Vec<(&str, Vec<&str>, &str)> = vec![
        ("IDLE", supplied.clone(), "idle_yrs >= 1"),
        (
            "USE_CONFLICT",
            LandClass::ALL.iter().map(|t| t.name()).collect(),
            "plan_use conflicts 规划用途",
        ),
        ("IND_FAR", vec!["industrial"], "far < 1.0"),
        ("IND_COV", vec!["industrial"], "bld_cov < 0.30"),
        ("IND_TAX", vec!["industrial"], "tax_mu < 10"),
        ("IND_OBSOLETE", vec!["industrial"], "ind_class in {淘汰类}"),
        (
            "IND_RESTRICTED",
            vec!["industrial"],
            "ind_class in {限制类}",
        ),
        ("IND_STOPPED", vec!["industrial"], "status in {停产}"),
        ("COM_VAC", vec!["commercial"], "vacancy > 0.30"),
        ("COM_TAX", vec!["commercial"], "tax_mu < 20"),
        ("RES_AGE", vec!["residential"], "yr_built <= 2000"),
        ("RES_DANGER", vec!["residential"], "danger in {C级,D级}"),
        ("FAC_DANGER", vec!["facility"], "danger in {C级,D级}"),
        ("VIL_IDLE", vec!["village"], "idle_yrs >= 2"),
        ("VIL_DANGER", vec!["village"], "danger in {C级,D级}"),
    ];
    let want: Vec<(&str, Vec<&str>, String)> = want
        .into_iter()
        .map(|(a, b, c)| (a, b, c.to_string()))
        .collect();
    assert_eq!(got, want);
    let marks: Vec<(&str, Mark)> = c.rules.iter().map(|r| (r.id.as_str(), r.mark)).collect();
    use Mark::*;
    assert_eq!(
        marks,
        [
            ("IDLE", Source),
            ("USE_CONFLICT", Source),
            ("IND_FAR", Source),
            ("IND_COV", Source),
            ("IND_TAX", Default),
            ("IND_OBSOLETE", Source),
            ("IND_RESTRICTED", Default),
            ("IND_STOPPED", Default),
            ("COM_VAC", Default),
            ("COM_TAX", Default),
            ("RES_AGE", Source),
            ("RES_DANGER", Source),
            ("FAC_DANGER", Source),
            ("VIL_IDLE", Default),
            ("VIL_DANGER", Default),
        ]
    );
    let src = |id: &str| c.rule(id).unwrap().source.clone();
    assert!(src("IDLE").contains("国土资源部令第53号") && src("IDLE").contains("第二条"));
    assert!(src("IND_COV").contains("国土资发〔2008〕24号"));
    assert!(src("IND_OBSOLETE").contains("国土资规〔2016〕147号"));
    assert!(src("RES_AGE").contains("国办发〔2020〕23号"));
    assert!(src("RES_DANGER").contains("JGJ 125-2016"));
    // The control indicators' table, by industry.
    let far = c.rule("IND_FAR").unwrap().first();
    assert_eq!(far.by_industry.len(), 30);
    assert_eq!(far.by_industry["17"].to_string(), "0.8");
    assert_eq!(far.by_industry["25"].to_string(), "0.5");
    assert_eq!(c.industry_codes, IndustryEdition::Gbt2017);
    assert_eq!(c.measure.prefer_far, Prefer::Measured);
    assert_eq!(c.measure.prefer_cov, Prefer::Surveyed);
    assert!(!c.measure.double_tall_storeys);
    // 亩均效益: the published scheme's weights and classes; reported only.
    let ind = &c.composite[&LandClass::Industrial];
    let w: Vec<(&str, f64)> = ind
        .indicators
        .iter()
        .map(|i| (i.field.as_str(), i.weight))
        .collect();
    assert_eq!(
        w,
        [
            ("tax_mu", 45.0),
            ("out_mu", 20.0),
            ("energy_va", 15.0),
            ("rd_share", 15.0),
            ("lab_prod", 5.0)
        ]
    );
    assert!(ind
        .indicators
        .iter()
        .all(|i| i.benchmark == Benchmark::Mean { factor: 1.0 }));
    assert_eq!(ind.role, Role::Report);
    assert_eq!(ind.group_by, Some(crate::model::SurveyField::Scale));
    assert_eq!(ind.groups["规下"].len(), 1);
    assert!(ind.exempt.is_some());
    assert_eq!(
        ind.classes,
        Classes {
            method: ClassMethod::Percentile,
            a: 0.25,
            b: 0.70,
            c: 0.95
        }
    );
    let com = &c.composite[&LandClass::Commercial];
    assert_eq!(com.indicators[0].benchmark, Benchmark::Fixed(20.0));
    assert_eq!(com.indicators[1].direction, Direction::Lower);
    let modes: Vec<&str> = c.modes.iter().map(|m| m.mode.as_str()).collect();
    assert_eq!(
        modes,
        [
            "微改造",
            "收回收储",
            "拆除重建",
            "拆除重建（工改工）",
            "综合整治（工改工）",
            "功能改变",
            "综合整治"
        ]
    );
}

#[test]
fn city_presets_differ_where_they_should() {
    let dg = load_preset("dongguan").unwrap();
    assert!(dg.measure.double_tall_storeys);
    assert_eq!(
        dg.rule("IND_TAX").unwrap().first().threshold.to_string(),
        "15"
    );
    assert_eq!(dg.rule("IND_TAX").unwrap().mark, Mark::Default);
    assert!(dg.rule("IND_MJ_D").unwrap().reads_class());
    assert_eq!(
        dg.composite[&LandClass::Industrial].role,
        Role::Rule("IND_MJ_D".into())
    );
    assert!(dg
        .modes
        .iter()
        .any(|m| m.mode == "微改造" && m.types == [LandClass::Village]));
    let tj = load_preset("tianjin").unwrap();
    let ind = &tj.composite[&LandClass::Industrial];
    assert_eq!(ind.classes.a, 0.20);
    assert_eq!(
        tj.composite[&LandClass::Commercial].classes.method,
        ClassMethod::Breaks
    );
    let w: Vec<(&str, f64)> = ind
        .indicators
        .iter()
        .map(|i| (i.field.as_str(), i.weight))
        .collect();
    assert_eq!(w, [("tax_mu", 45.0), ("out_mu", 35.0), ("energy_va", 20.0)]);
    assert!(ind
        .indicators
        .iter()
        .all(|i| i.benchmark == Benchmark::Mean { factor: 2.0 }));
}

#[test]
fn a_minimal_file_and_its_defaults() {
    let c = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far_m\"\nop = \"<\"\nthreshold = 1\nmark = \"default\"\n").unwrap();
    assert_eq!(c.measure.prefer_far, Prefer::Measured);
    assert_eq!(c.measure.prefer_cov, Prefer::Surveyed);
    let r = &c.rules[0];
    assert_eq!(r.first().field_ref, FieldRef::Measured(MeasuredField::Far));
    assert_eq!(r.first().threshold.to_string(), "1");
    assert_eq!(r.line, 2);
    assert_eq!(r.first().label(), "实测容积率");
    assert_eq!(r.name_zh, "实测容积率<1");
    assert_eq!(r.types, [LandClass::Industrial]);
    assert!(c.composite.is_empty() && c.modes.is_empty());
    assert_eq!(
        FieldRef::from_name("bld_cov"),
        Some(FieldRef::Survey {
            field: crate::model::SurveyField::BldCov,
            measured: Some(MeasuredField::Cov)
        })
    );
    // `prefer` alone still sets both.
    let c = p("name = \"x\"\n[measure]\nprefer = \"measured\"\n").unwrap();
    assert_eq!(c.measure.prefer_cov, Prefer::Measured);
    let all = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"all\"\nfield = \"idle_yrs\"\nop = \">=\"\nthreshold = 1\nmark = \"default\"\n").unwrap();
    assert_eq!(all.rules[0].types, LandClass::ALL);
}

#[test]
fn values_become_matching_keys() {
    let c = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"residential\"\nfield = \"danger\"\nop = \"in\"\nvalues = [\"c级\", \" D \", 3, 2.5]\nmark = \"default\"\n").unwrap();
    let r = r_first(&c);
    assert_eq!(r.threshold.to_string(), "{c级, D ,3,2.5}");
    assert!(r.set_contains_text("C"));
    assert!(r.set_contains_text("Ｃ級"));
    assert!(r.set_contains_text(" d"));
    assert!(r.set_contains_text("3.0"));
    assert!(!r.set_contains_text("B"));
    assert!(r.set_contains_number(2.5));
    assert!(!r.set_contains_number(2.0));
}

fn r_first(c: &Criteria) -> &Condition {
    c.rules[0].first()
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let text = "\
name = \"broken\"
[measure]
prefer = \"guess\"

[[rule]]
id = \"R1\"
type = \"industrail\"
field = \"far\"
op = \"<\"
threshold = 1.0
mark = \"default\"

[[rule]]
id = \"R1\"
type = \"industrial\"
field = \"farr\"
op = \"=<\"
threshold = 1.0
mark = \"default\"

[[rule]]
id = \"R3\"
type = \"commercial\"
field = \"vacancy\"
op = \">\"
mark = \"source\"

[[rule]]
id = \"R4\"
type = \"residential\"
field = \"danger\"
op = \"in\"
threshold = 3
mark = \"maybe\"

[[rule]]
id = \"R5\"
type = \"residential\"
field = \"danger\"
op = \"<\"
threshold = 3
mark = \"default\"

[composite.industrial]
indicators = [
  { field = \"tax_mu\", weight = 0, direction = \"higher\", benchmark = 10 },
  { field = \"danger\", weight = 5, direction = \"up\", benchmark = -1 },
]
classes = { method = \"percentile\", A = 0.7, B = 0.25, C = 0.95 }

[composite.warehouse]
indicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]
classes = { method = \"breaks\", A = 40, B = 60, C = 80 }
";
    let err = p(text).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    let msg = err.to_string();
    let want = [
        "line 3: [measure] prefer = 'guess'",
        "line 7: rule R1: type 'industrail'",
        "line 14: rule R1: duplicate id 'R1'",
        "line 16: rule R1: field 'farr'",
        "line 17: rule R1: op '=<'",
        "line 25: rule R3: op '>' needs threshold",
        "line 26: rule R3: mark = \"source\" needs the citation",
        "line 32: rule R4: op 'in' needs values",
        "line 33: rule R4: op 'in' takes values",
        "line 34: rule R4: mark 'maybe'",
        "line 40: rule R5: op '<' needs a numeric field, 'danger' is text",
        "line 46: [composite.industrial]: weight 0 must be > 0",
        "line 47: [composite.industrial]: indicator field 'danger' is text",
        "line 47: [composite.industrial]: direction 'up'",
        "line 47: [composite.industrial]: benchmark -1 must be a number > 0",
        "line 49: [composite.industrial]: percentile classes need 0 < A < B < C",
        "line 51: [composite.warehouse]: not a land type",
        "line 53: [composite.warehouse]: score breaks need 100 ≥ A > B > C",
    ];
    for w in want {
        assert!(msg.contains(w), "missing '{w}' in\n{msg}");
    }
    assert_eq!(msg.matches("\n  line ").count() + 1, want.len(), "{msg}");
    // Problems are listed in line order.
    let lines: Vec<usize> = msg
        .split("line ")
        .skip(1)
        .map(|s| s.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
}

#[test]
fn compound_rules_roles_and_modes_are_checked() {
    let cases: &[(&str, &str)] = &[
        (
            "[[rule]]\nid = \"A\"\ntype = \"residential\"\nfield = \"yr_built\"\nop = \"<\"\nthreshold = 1\nall = [{ field = \"danger\", op = \"in\", values = [\"D\"] }]\nmark = \"default\"\n",
            "either field/op/… or all",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = \"residential\"\nall = []\nmark = \"default\"\n",
            "all is empty",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = []\nfield = \"far\"\nop = \"<\"\nthreshold = 1\nmark = \"default\"\n",
            "type is an empty list",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far\"\nop = \"conflicts\"\nmark = \"default\"\n",
            "its field is plan_use",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far\"\nop = \"<\"\nthreshold = 1\nby_industry = { \"C17\" = 0.8 }\nmark = \"default\"\n",
            "two-digit GB/T 4754-2002 classes",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"class\"\nop = \"in\"\nvalues = [\"E\"]\nmark = \"default\"\n",
            "class 'e' is not one of A, B, C, D",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"class\"\nop = \"in\"\nvalues = [\"D\"]\nmark = \"default\"\n",
            "reads class, but industrial has no [composite",
        ),
        (
            "[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"class\"\nop = \"in\"\nvalues = [\"D\"]\nmark = \"default\"\n[composite.industrial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n",
            "reads the class, so role = \"rule\"",
        ),
        (
            "[composite.industrial]\nrole = \"rule\"\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = \"median\" }]\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n",
            "role = \"rule\" needs a [[rule]]",
        ),
        (
            "[composite.industrial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = \"median\" }]\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n",
            "or \"mean\"",
        ),
        (
            "[composite.industrial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\ngroups = { \"规下\" = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }] }\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n",
            "groups needs group_by",
        ),
        (
            "[[mode]]\nmode = \"rebuild\"\nmark = \"default\"\nsource = \"x\"\n",
            "must be written in Chinese",
        ),
        (
            "[[mode]]\nmode = \"拆除重建\"\nwhen = [{ fired = [\"NOPE\"] }]\nmark = \"default\"\n",
            "fired names no rule of this file (NOPE)",
        ),
        (
            "[[mode]]\nmode = \"拆除重建\"\nwhen = [{ inside = \"castle\" }]\nmark = \"default\"\n",
            "'castle' is not a constraint layer",
        ),
        (
            "[[mode]]\nmode = \"拆除重建\"\nwhen = [{ inside = \"heritage\", fired = [\"A\"] }]\nmark = \"default\"\n",
            "each condition of when is one of",
        ),
        (
            "[codes]\nindustry = \"GB/T 4754-2011\"\n",
            "[codes] industry = 'GB/T4754-2011'",
        ),
    ];
    for (body, want) in cases {
        let err = p(&format!("name = \"x\"\n{body}")).unwrap_err().to_string();
        assert!(err.contains(want), "{body}\n→ {err}");
    }
}

#[test]
fn missing_keys_are_reported_at_their_table() {
    let err = p("description = \"no name\"\n\n[[rule]]\ntype = \"industrial\"\n\n[composite.commercial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\nclasses = { method = \"breaks\", A = 80, B = 60, C = 40 }\n[composite.facility]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\n").unwrap_err();
    let msg = err.to_string();
    for w in [
        "line 1: name is missing",
        "line 3: [[rule]] id is missing",
        "line 3: rule: field is missing",
        "line 3: rule: op is missing",
        "line 3: rule: mark is missing",
        "line 9: [composite.facility]: classes is missing",
    ] {
        assert!(msg.contains(w), "missing '{w}' in\n{msg}");
    }
    assert!(!msg.contains("composite.commercial"), "{msg}");
}

#[test]
fn breaks_must_decrease_and_unknown_keys_have_a_line() {
    let base = "name = \"x\"\n[composite.industrial]\nindicators = [{ field = \"tax_mu\", weight = 1, direction = \"higher\", benchmark = 1 }]\n";
    let err = p(&format!(
        "{base}classes = {{ method = \"breaks\", A = 40, B = 60, C = 80 }}\n"
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 4: [composite.industrial]: score breaks need"),
        "{err}"
    );
    let ok = p(&format!(
        "{base}min_weight_share = 1\nclasses = {{ method = \"breaks\", A = 80, B = 60, C = 40 }}\n"
    ))
    .unwrap();
    assert_eq!(ok.composite[&LandClass::Industrial].min_weight_share, 1.0);
    let err = p("name = \"x\"\n[[rule]]\nid = \"A\"\nthreshhold = 1\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown field") && err.contains("line 4"),
        "{err}"
    );
}
