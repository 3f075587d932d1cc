//! Low-efficiency criteria (低效用地识别标准): the criteria file schema, the shipped
//! presets, loading and validation. The scoring engine that applies them is
//! [`crate::score`]; the file format, the compatibility table of current and planned use
//! and the renewal modes are described in `docs/criteria.md`.
//!
//! ```toml
//! name = "my-city"
//! description = "…"
//! [measure]
//! prefer_far = "measured"        # FAR from footprints first (or "surveyed")
//! prefer_cov = "surveyed"        # the surveyed 建筑系数 first (or "measured")
//! double_tall_storeys = false    # a storey taller than 8 m counts twice in FAR (read by measure)
//! [codes]
//! industry = "GB/T 4754-2017"    # the edition of ind_code (or "GB/T 4754-2002")
//!
//! [[rule]]                       # a parcel is low-efficiency if ANY rule of its type fires
//! id = "IND_FAR"                 # unique; no spaces, no ';'
//! type = "industrial"            # a type, a list of types, or "all"
//! name_zh = "工业容积率低于控制指标"
//! field = "far"                  # an engine field, a measured one (far_m, cov_m, n_bldg), or class
//! op = "<"                       # < <= > >= == != (threshold) | in not_in (values) | conflicts (plan_use)
//! threshold = 1.0
//! by_industry = { "17" = 0.8 }   # thresholds by GB/T 4754-2002 class of ind_code
//! unit = ""                      # shown after the threshold in the reasons, e.g. 万元/亩·年
//! label_zh = "容积率"
//! mark = "source"                # "source" (a document states it: cite it) | "default"
//! source = "《工业项目建设用地控制指标》（国土资发〔2008〕24号）表2"
//! # or, instead of field/op/…: all = [{ field = …, op = …, threshold = … }, …]
//!
//! [composite.industrial]         # optional, per type; a type without one gets no score
//! role = "report"                # or "rule" (a [[rule]] of the type reads field = "class")
//! indicators = [{ field = "tax_mu", weight = 45, direction = "higher", benchmark = "mean" }]
//! group_by = "scale"             # peer groups; groups = { "规下" = [indicators] }
//! exempt = { field = "status", op = "in", values = ["筹建", "在建"] }
//! min_weight_share = 0.5         # default 0.5
//! classes = { method = "percentile", A = 0.25, B = 0.70, C = 0.95 }  # or method = "breaks", A = 80, B = 60, C = 40
//!
//! [[mode]]                       # renewal modes, first match wins
//! mode = "收回收储"
//! when = [{ field = "idle_yrs", op = ">=", threshold = 2 }]   # or { fired = [ids] }, { inside = "heritage" }
//! mark = "source"
//! source = "《闲置土地处置办法》（国土资源部令第53号）第十四条"
//! ```
//!
//! # Which value a rule reads
//!
//! A rule or indicator on `far` reads the measured FAR (`far_m`, from building footprints)
//! when the parcel has one and `prefer_far = "measured"` (the default), else the surveyed
//! `far`; `bld_cov` ↔ `cov_m` likewise under `prefer_cov` (default: the survey first). The
//! preference only matters when both exist. A rule on `far_m`, `cov_m` or `n_bldg` reads
//! only the measured value; one on `class`, the composite class (after the ranking).
//!
//! # Hard rules
//!
//! Comparisons are numeric (`==` is exact). `in` / `not_in` compare matching keys
//! ([`vocab::key`]: full-width folded, case ignored, 级/类 dropped, synonyms of the fixed
//! vocabularies); where both sides are numbers they compare as numbers. A rule of several
//! conditions fires when all hold. A missing value makes the rule *not evaluable* for that
//! parcel (unless another condition fails): it neither passes nor fires, and is reported.
//!
//! # Composite score (亩均效益)
//!
//! Each indicator value `v` is normalised to 0–100 against its benchmark `b` (a number, or
//! the peer group's mean × `benchmark_factor`):
//!
//! - `higher` is better: `s = clamp(v / b, 0, 2) / 2 × 100` (0 → 0, `b` → 50, `2b` → 100);
//! - `lower` is better: `s = clamp(2 − v / b, 0, 2) / 2 × 100` (0 → 100, `b` → 50, `2b` → 0).
//!
//! The composite is `Σ wᵢ sᵢ / Σ wᵢ` over the indicators the parcel has a value for. When
//! those carry less than `min_weight_share` of the group's total weight, the parcel gets
//! no score and no class ("not rated"); so does a parcel for which `exempt` holds.
//! Classes, among the scored parcels of a peer group (a type, and a `group_by` value):
//!
//! - `percentile`: rank by score (descending); a parcel whose rank share (its 1-based rank
//!   ÷ the number of scored parcels of the group) is ≤ A is class A, ≤ B → B, ≤ C → C,
//!   else D. Equal scores share the best rank among them (so ties always get the same
//!   class), and the pass is sequential and deterministic. With few parcels the upper
//!   classes can be empty (a parcel alone in its group has share 1: D);
//! - `breaks`: score ≥ A → A, ≥ B → B, ≥ C → C, else D.

mod file;
pub mod industry;
mod types;
mod validate;
pub mod vocab;

pub use validate::is_chinese;

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

/// Whether a citation names a document by its number: a 文号 (`国土资发〔2008〕24号`,
/// `国土资源部令第53号`) or a standard (`JGJ 125-2016`, `GB/T 4754-2017`, `DB3501/T 002—2021`).
///
/// ```
/// use landsift::criteria::cites_document;
/// assert!(cites_document("《闲置土地处置办法》（国土资源部令第53号）第二条"));
/// assert!(cites_document("国办发〔2020〕23号"));
/// assert!(cites_document("《危险房屋鉴定标准》（JGJ 125-2016）"));
/// assert!(!cites_document("CRITERIA.md; seed 002"));
/// assert!(!cites_document("〔2020〕"));
/// ```
pub fn cites_document(source: &str) -> bool {
    let chars: Vec<char> = source.chars().collect();
    let digits_then = |from: usize, end: char| {
        let n = chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        n > 0 && chars.get(from + n) == Some(&end)
    };
    let wenhao = chars
        .iter()
        .enumerate()
        .any(|(i, c)| *c == '〕' && digits_then(i + 1, '号'));
    let ling = source
        .match_indices("令第")
        .any(|(i, m)| digits_then(source[..i + m.len()].chars().count(), '号'));
    let standard = chars.iter().enumerate().any(|(i, c)| {
        // Two or more capitals, an optional "/T", an optional space, digits, a dash, a year.
        if !c.is_ascii_uppercase() || (i > 0 && chars[i - 1].is_ascii_uppercase()) {
            return false;
        }
        let caps = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        let mut j = i + caps;
        while j < chars.len() && (chars[j].is_ascii_digit() || "/T ".contains(chars[j])) {
            j += 1;
        }
        let body: String = chars[i + caps..j].iter().collect();
        let dash = chars.get(j).is_some_and(|d| "-—–".contains(*d));
        let year = chars
            .get(j + 1..j + 5)
            .is_some_and(|y| y.iter().all(char::is_ascii_digit));
        caps >= 2 && body.chars().any(|c| c.is_ascii_digit()) && dash && year
    });
    wenhao || ling || standard
}

#[cfg(test)]
mod tests;
