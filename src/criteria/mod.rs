//! Low-efficiency criteria (低效用地认定标准): the criteria file schema, the shipped
//! presets, loading and validation. The scoring engine that applies them is
//! [`crate::score`]; where every shipped threshold comes from is `CRITERIA.md`.
//!
//! ```toml
//! name = "my-city"
//! description = "…"
//! [measure]
//! prefer = "measured"            # or "surveyed": which FAR / coverage a rule reads when both exist
//! double_tall_storeys = false    # a storey taller than 8 m counts twice in FAR (read by measure)
//!
//! [[rule]]                       # hard rules; a parcel is low-efficiency if ANY rule of its type fires
//! id = "IND_FAR"                 # unique; no spaces, no ';'
//! type = "industrial"            # industrial | commercial | residential | facility
//! field = "far"                  # an engine field, or a measured one: far_m, cov_m, n_bldg
//! op = "<"                       # < <= > >= == != (with threshold) | in not_in (with values)
//! threshold = 1.0
//! unit = ""                      # shown after the threshold in the reasons, e.g. 万元/亩·年
//! label_zh = "容积率"
//! label_en = "floor-area ratio"
//! mark = "default"               # "source" (a document states it: cite it) | "default"
//! source = "…"                   # required when mark = "source"
//!
//! [composite.industrial]         # optional, per type; a type without one gets no score
//! indicators = [{ field = "tax_mu", weight = 45, direction = "higher", benchmark = 10.0 }]
//! min_weight_share = 0.5         # default 0.5
//! classes = { method = "percentile", A = 0.25, B = 0.70, C = 0.95 }  # or method = "breaks", A = 80, B = 60, C = 40
//! ```
//!
//! # Which value a rule reads
//!
//! A rule or indicator on `far` reads the measured FAR (`far_m`, from building footprints)
//! when the parcel has one and `prefer = "measured"` (the default), else the surveyed
//! `far`; with `prefer = "surveyed"` the other way round. The preference only matters when
//! both exist: a parcel with one of the two is judged on that one. `bld_cov` ↔ `cov_m`
//! likewise. A rule on `far_m`, `cov_m` or `n_bldg` reads only the measured value.
//!
//! # Hard rules
//!
//! Comparisons are numeric (`==` is exact). `in` / `not_in` compare text trimmed and
//! case-insensitively; where both the parcel's value and a listed value are numbers they
//! compare as numbers (`values = ["3"]` matches 3 and 3.0). A missing value makes the rule
//! *not evaluable* for that parcel: it neither passes nor fires, and is reported.
//!
//! # Composite score (亩均效益-style, `CRITERIA.md`)
//!
//! Each indicator value `v` is normalised to 0–100 against its benchmark `b`:
//!
//! - `higher` is better: `s = clamp(v / b, 0, 2) / 2 × 100` (0 → 0, `b` → 50, `2b` → 100);
//! - `lower` is better: `s = clamp(2 − v / b, 0, 2) / 2 × 100` (0 → 100, `b` → 50, `2b` → 0).
//!
//! The composite is `Σ wᵢ sᵢ / Σ wᵢ` over the indicators the parcel has a value for. When
//! those carry less than `min_weight_share` of the type's total weight, the parcel gets no
//! score and no class ("not rated"). Classes, among the scored parcels of a type:
//!
//! - `percentile`: rank by score (descending); a parcel whose rank share (its 1-based rank
//!   ÷ the number of scored parcels of the type) is ≤ A is class A, ≤ B → B, ≤ C → C,
//!   else D. Equal scores share the best rank among them (so ties always get the same
//!   class), and the pass is sequential and deterministic. With few parcels the upper
//!   classes can be empty (a parcel alone in its type has share 1: D);
//! - `breaks`: score ≥ A → A, ≥ B → B, ≥ C → C, else D.

mod file;
mod types;
mod validate;

pub use types::*;

use crate::error::{Error, Result};
use std::path::Path;

/// The preset a run uses when it names none.
pub const DEFAULT_PRESET: &str = "national-default";

/// The shipped presets, by name, with their texts — embedded so that the binary works
/// from any directory. The one list of presets: the command line, the configuration
/// check and the documentation read their names from here.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "national-default",
        include_str!("../../data/presets/national-default.toml"),
    ),
    ("dongguan", include_str!("../../data/presets/dongguan.toml")),
    ("tianjin", include_str!("../../data/presets/tianjin.toml")),
];

/// The shipped presets' names.
///
/// ```
/// assert_eq!(landsift::criteria::preset_names()[0], landsift::criteria::DEFAULT_PRESET);
/// ```
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|(name, _)| *name).collect()
}

/// Loads a shipped preset by name (one of [`PRESETS`]).
pub fn load_preset(name: &str) -> Result<Criteria> {
    let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
        Error::config(
            name,
            format!(
                "no criteria preset '{name}' (one of {})",
                preset_names().join(", ")
            ),
        )
    })?;
    let mut c = parse(text, Path::new(&format!("data/presets/{name}.toml")))?;
    c.origin = format!("preset {name}");
    Ok(c)
}

/// Loads a criteria file.
pub fn load_file(path: &Path) -> Result<Criteria> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::config(path, "cannot read").because(e))?;
    parse(&text, path)
}

/// Parses and validates criteria text; `path` names it in errors. Every problem is
/// reported at once, each with its line.
pub fn parse(text: &str, path: &Path) -> Result<Criteria> {
    let file: file::FileCriteria = toml::from_str(text)
        .map_err(|e| Error::config(path, e.to_string().trim_end().to_string()))?;
    let mut c = validate::validate(&file, text, path)?;
    c.digest = crate::publish::manifest::sha256_hex(text.as_bytes());
    Ok(c)
}

#[cfg(test)]
mod tests {
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
            for r in &c.rules {
                assert!(!r.label_zh.is_empty() && !r.label_en.is_empty(), "{}", r.id);
                assert!(!r.source.trim().is_empty(), "{name} {}: no source", r.id);
            }
            // Every type has at least one rule; industrial always has a composite.
            for t in [
                LandClass::Industrial,
                LandClass::Commercial,
                LandClass::Residential,
                LandClass::Facility,
            ] {
                assert!(c.rules_for(t).count() > 0, "{name}: no {} rule", t.name());
            }
            assert!(c.composite.contains_key(&LandClass::Industrial));
        }
        let err = load_preset("shenzhen").unwrap_err().to_string();
        assert!(err.contains("national-default, dongguan, tianjin"), "{err}");
    }

    #[test]
    fn national_default_is_spec_table() {
        let c = load_preset("national-default").unwrap();
        let got: Vec<(String, &str, String, String, String)> = c
            .rules
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    r.ltype.name(),
                    r.field.clone(),
                    r.op.symbol().to_string(),
                    r.threshold.to_string(),
                )
            })
            .collect();
        let want = [
            ("IND_FAR", "industrial", "far", "<", "1.0"),
            ("IND_COV", "industrial", "bld_cov", "<", "0.30"),
            ("IND_TAX", "industrial", "tax_mu", "<", "10"),
            (
                "IND_CLASS",
                "industrial",
                "ind_class",
                "in",
                "{restricted,obsolete,限制,淘汰}",
            ),
            ("IND_IDLE", "industrial", "idle_yrs", ">=", "2"),
            ("COM_VAC", "commercial", "vacancy", ">", "0.30"),
            ("COM_TAX", "commercial", "tax_mu", "<", "20"),
            ("RES_AGE", "residential", "yr_built", "<", "2000"),
            ("RES_DANGER", "residential", "danger", "in", "{C,D}"),
            ("FAC_IDLE", "facility", "idle_yrs", ">=", "2"),
            ("FAC_DANGER", "facility", "danger", "in", "{C,D}"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(a, b, f, o, t)| {
                (
                    a.to_string(),
                    *b,
                    f.to_string(),
                    o.to_string(),
                    t.to_string(),
                )
            })
            .collect();
        assert_eq!(got, want);
        let marks: Vec<(&str, Mark)> = c.rules.iter().map(|r| (r.id.as_str(), r.mark)).collect();
        use Mark::*;
        assert_eq!(
            marks,
            [
                ("IND_FAR", Default),
                ("IND_COV", Source),
                ("IND_TAX", Default),
                ("IND_CLASS", Default),
                ("IND_IDLE", Source),
                ("COM_VAC", Default),
                ("COM_TAX", Default),
                ("RES_AGE", Source),
                ("RES_DANGER", Source),
                ("FAC_IDLE", Default),
                ("FAC_DANGER", Source),
            ]
        );
        assert!(c
            .rule("IND_COV")
            .unwrap()
            .source
            .contains("国土资发〔2008〕24号"));
        assert!(c.rule("IND_IDLE").unwrap().source.contains("第53号"));
        assert!(c
            .rule("RES_DANGER")
            .unwrap()
            .source
            .contains("JGJ 125-2016"));
        assert_eq!(c.measure.prefer, Prefer::Measured);
        assert!(!c.measure.double_tall_storeys);
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
                ("far", 20.0),
                ("bld_cov", 15.0)
            ]
        );
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
        assert_eq!(com.indicators[0].benchmark, 20.0);
        assert_eq!(com.indicators[1].direction, Direction::Lower);
        assert_eq!(com.indicators[1].benchmark, 0.3);
    }

    #[test]
    fn city_presets_differ_where_they_should() {
        let dg = load_preset("dongguan").unwrap();
        assert!(dg.measure.double_tall_storeys);
        assert_eq!(dg.rule("IND_TAX").unwrap().threshold.to_string(), "15");
        assert_eq!(dg.rule("IND_TAX").unwrap().mark, Mark::Default);
        let tj = load_preset("tianjin").unwrap();
        let ind = &tj.composite[&LandClass::Industrial];
        assert_eq!(ind.classes.method, ClassMethod::Breaks);
        let w: Vec<(&str, f64)> = ind
            .indicators
            .iter()
            .map(|i| (i.field.as_str(), i.weight))
            .collect();
        assert_eq!(w, [("tax_mu", 45.0), ("out_mu", 35.0), ("far", 20.0)]);
    }

    #[test]
    fn a_minimal_file_and_its_defaults() {
        let c = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"industrial\"\nfield = \"far_m\"\nop = \"<\"\nthreshold = 1\nmark = \"default\"\n").unwrap();
        assert_eq!(c.measure.prefer, Prefer::Measured);
        let r = &c.rules[0];
        assert_eq!(r.field_ref, FieldRef::Measured(MeasuredField::Far));
        assert_eq!(r.threshold.to_string(), "1");
        assert_eq!(r.line, 2);
        assert_eq!(r.label(), "far_m");
        assert!(c.composite.is_empty());
        assert_eq!(
            FieldRef::from_name("bld_cov"),
            Some(FieldRef::Survey {
                field: crate::model::SurveyField::BldCov,
                measured: Some(MeasuredField::Cov)
            })
        );
    }

    #[test]
    fn values_accept_numbers_and_match_case_insensitively() {
        let c = p("name = \"x\"\n[[rule]]\nid = \"A\"\ntype = \"residential\"\nfield = \"danger\"\nop = \"in\"\nvalues = [\"c\", \" D \", 3, 2.5]\nmark = \"default\"\n").unwrap();
        let r = &c.rules[0];
        assert_eq!(r.threshold.to_string(), "{c, D ,3,2.5}");
        assert!(r.set_contains_text("C"));
        assert!(r.set_contains_text(" d"));
        assert!(r.set_contains_text("3.0"));
        assert!(!r.set_contains_text("B"));
        assert!(r.set_contains_number(2.5));
        assert!(!r.set_contains_number(2.0));
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
            "line 47: [composite.industrial]: benchmark -1 must be > 0",
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
}
