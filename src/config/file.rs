//! The configuration file as written (TOML, serde), and the checks serde cannot make,
//! each reported with its line. The schema is documented in the README ("Configuration").

use crate::constraints::ConstraintKind;
use crate::criteria;
use crate::error::{Error, Result};
use crate::ingest::InvalidPolicy;
use crate::landuse::Scheme;
use crate::model::{Choice, Format, OutputLayer, Range, ShpEncoding, SurveyField};
use crate::quality::GateKind;
use crate::zone::limits;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) scheme: Option<Spanned<String>>,
    pub(super) preset: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) input: FileInput,
    #[serde(default)]
    pub(super) fields: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    pub(super) land_use_recode: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub(super) buildings: FileBuildings,
    /// A criteria file of the city's own, instead of a preset.
    pub(super) criteria: Option<String>,
    pub(super) survey: Option<FileSurvey>,
    /// A planning layer (控制性详细规划 / 国土空间详细规划) whose land-use codes give each
    /// parcel its planned use.
    pub(super) planning: Option<FilePlanning>,
    #[serde(default)]
    pub(super) constraints: Vec<FileConstraint>,
    #[serde(default)]
    pub(super) zones: FileZones,
    #[serde(default)]
    pub(super) output: FileOutput,
    #[serde(default)]
    pub(super) quality: BTreeMap<Spanned<String>, Spanned<GateLimit>>,
    /// What the report and the QGIS sheets say of who issues them and of when.
    #[serde(default)]
    pub(super) report: FileReport,
}

/// `[report]`: texts the report and the print layouts show, each optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileReport {
    /// 编制单位: the bureau that issues the results.
    pub(super) bureau: Option<Spanned<String>>,
    /// 数据日期: the date or version of the data, e.g. "2024-06-30" or "2023年度变更调查".
    pub(super) data_date: Option<Spanned<String>>,
    /// 成果日期: the date of the results, e.g. the meeting's.
    pub(super) date: Option<Spanned<String>>,
}

/// The longest `[report]` text, in characters: each fits one line of a title block.
pub const REPORT_TEXT_MAX: usize = 60;

/// A gate's limit as written: a number, or `"off"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum GateLimit {
    Limit(f64),
    Word(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileOutput {
    pub(super) formats: Option<Vec<Format>>,
    pub(super) layers: Option<Vec<OutputLayer>>,
    /// The Shapefiles' DBF encoding: `UTF-8` (default) or `GBK`.
    pub(super) shp_encoding: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileZones {
    pub(super) gap: Option<Spanned<f64>>,
    pub(super) circle_gap: Option<Spanned<f64>>,
    pub(super) max_unit_mu: Option<Spanned<f64>>,
    pub(super) min_unit_mu: Option<Spanned<f64>>,
    pub(super) absorb_enclaves: Option<bool>,
    pub(super) large_per_town: Option<usize>,
    pub(super) middle_per_large: Option<usize>,
    pub(super) target_share: Option<Spanned<f64>>,
    pub(super) target_mu: Option<Spanned<f64>>,
    pub(super) barriers: Option<String>,
    pub(super) barriers_layer: Option<String>,
    pub(super) towns: Option<String>,
    pub(super) towns_layer: Option<String>,
    pub(super) towns_field: Option<String>,
    /// The town's planned renewal programme: a layer of planned units (polygons) or a
    /// CSV table with a `parcel_id` column.
    pub(super) programme: Option<String>,
    pub(super) programme_layer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSurvey {
    pub(super) path: String,
    /// Key column of the table; default: the parcels' id field.
    pub(super) key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FilePlanning {
    pub(super) path: String,
    pub(super) layer: Option<String>,
    /// The planned-use code field; default: the first of the common names found.
    pub(super) field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConstraint {
    pub(super) kind: ConstraintKind,
    pub(super) path: String,
    pub(super) layer: Option<String>,
    pub(super) min_share: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileInput {
    pub(super) parcels: Option<String>,
    pub(super) parcels_layer: Option<String>,
    pub(super) buildings: Option<String>,
    pub(super) buildings_layer: Option<String>,
    pub(super) s_srs: Option<Spanned<String>>,
    pub(super) encoding: Option<String>,
    pub(super) invalid: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileBuildings {
    pub(super) floors: Option<String>,
    pub(super) height: Option<String>,
    pub(super) storey_height: Option<Spanned<f64>>,
}

/// `[buildings] storey_height`: metres per storey, to turn a height into floors.
pub const STOREY_HEIGHT: Range = Range {
    name: "storey_height",
    min: 2.0,
    max: 15.0,
    unit: "m",
};

/// `min_share` of a constraint layer.
pub const MIN_SHARE: Range = Range {
    name: "min_share",
    min: 0.0,
    max: 1.0,
    unit: "(a share)",
};

impl FileConfig {
    /// Reads and checks a configuration file: serde's errors, then every problem serde
    /// cannot see, all at once, each with its line.
    pub(super) fn load(path: &Path) -> Result<(FileConfig, String)> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(path, "cannot read").because(e))?;
        let file = FileConfig::parse(&text, path)?;
        Ok((file, text))
    }

    /// Parses and checks configuration text; `path` names it in errors.
    pub(super) fn parse(text: &str, path: &Path) -> Result<FileConfig> {
        let file: FileConfig = toml::from_str(text)
            .map_err(|e| Error::config(path, format!("{}", e).trim_end().to_string()))?;
        let problems = file.problems(text);
        if problems.is_empty() {
            Ok(file)
        } else {
            Err(Error::config(path, problems.join("\n  ")))
        }
    }

    /// The scheme named in the file (checked), else the default.
    pub(super) fn scheme(&self) -> Scheme {
        self.scheme
            .as_ref()
            .and_then(|s| Scheme::from_name(s.get_ref()))
            .unwrap_or(Scheme::Yongdi2023)
    }

    fn problems(&self, text: &str) -> Vec<String> {
        let line = |span: std::ops::Range<usize>| {
            text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        };
        let mut problems = Vec::new();
        let mut ranged = |value: &Option<Spanned<f64>>, range: &Range, table: &str| {
            if let Some(v) = value {
                if let Err(e) = range.check(*v.get_ref()) {
                    problems.push(format!("line {}: {table}{e}", line(v.span())));
                }
            }
        };
        ranged(&self.zones.gap, &limits::GAP, "[zones] ");
        ranged(&self.zones.circle_gap, &limits::CIRCLE_GAP, "[zones] ");
        ranged(&self.zones.max_unit_mu, &limits::MAX_UNIT_MU, "[zones] ");
        ranged(&self.zones.min_unit_mu, &limits::MIN_UNIT_MU, "[zones] ");
        ranged(&self.zones.target_share, &limits::TARGET_SHARE, "[zones] ");
        ranged(&self.zones.target_mu, &limits::TARGET_MU, "[zones] ");
        ranged(
            &self.buildings.storey_height,
            &STOREY_HEIGHT,
            "[buildings] ",
        );
        for c in &self.constraints {
            ranged(&c.min_share, &MIN_SHARE, "[[constraints]] ");
        }
        if let Some(s) = &self.scheme {
            if Scheme::from_name(s.get_ref()).is_none() {
                problems.push(format!(
                    "line {}: scheme '{}' is not one of yongdi2023, sandiao",
                    line(s.span()),
                    s.get_ref()
                ));
            }
        }
        if let Some(p) = &self.preset {
            if !criteria::preset_names().contains(&p.get_ref().as_str()) {
                problems.push(format!(
                    "line {}: preset '{}' is not one of {}",
                    line(p.span()),
                    p.get_ref(),
                    criteria::preset_names().join(", ")
                ));
            }
        }
        if let Some(v) = &self.input.invalid {
            if InvalidPolicy::from_name(v.get_ref()).is_none() {
                problems.push(format!(
                    "line {}: invalid = '{}' is not one of {}",
                    line(v.span()),
                    v.get_ref(),
                    InvalidPolicy::names()
                ));
            }
        }
        if let Some(v) = &self.output.shp_encoding {
            if ShpEncoding::parse(v.get_ref()).is_none() {
                problems.push(format!(
                    "line {}: [output] shp_encoding = '{}' is not one of {} (936 and CP936 name GBK)",
                    line(v.span()),
                    v.get_ref(),
                    ShpEncoding::names()
                ));
            }
        }
        if let Some(v) = &self.input.s_srs {
            if let Err(e) = crate::crs::parse_user_crs(v.get_ref()) {
                problems.push(format!("line {}: s_srs: {e}", line(v.span())));
            }
        }
        for k in self.fields.keys() {
            if SurveyField::from_name(k.get_ref()).is_none() {
                problems.push(format!(
                    "line {}: [fields] '{}' is not an engine field (one of {})",
                    line(k.span()),
                    k.get_ref(),
                    SurveyField::names()
                ));
            }
        }
        let scheme = self.scheme();
        for (from, to) in &self.land_use_recode {
            let code = crate::landuse::normalise_code(to.get_ref());
            if scheme.name_of(&code).is_none() {
                problems.push(format!(
                    "line {}: [land_use_recode] '{}' → '{}': no such code in {}",
                    line(to.span()),
                    from,
                    to.get_ref(),
                    scheme.name()
                ));
            }
        }
        for (name, limit) in &self.quality {
            let at = line(name.span());
            match GateKind::from_name(name.get_ref()) {
                None => problems.push(format!(
                    "line {at}: [quality] '{}' is not a gate (one of {})",
                    name.get_ref(),
                    GateKind::names()
                )),
                Some(g) => match limit.get_ref() {
                    GateLimit::Limit(v) => {
                        if let Err(e) = g.range().check(*v) {
                            problems.push(format!("line {at}: [quality] {e}"));
                        }
                    }
                    GateLimit::Word(w) if w == "off" => {}
                    GateLimit::Word(w) => problems.push(format!(
                        "line {at}: [quality] {} = '{w}': a number or \"off\"",
                        name.get_ref()
                    )),
                },
            }
        }
        for (key, value) in [
            ("bureau", &self.report.bureau),
            ("data_date", &self.report.data_date),
            ("date", &self.report.date),
        ] {
            let Some(v) = value else { continue };
            let text = v.get_ref().trim();
            let why = if text.is_empty() {
                Some("is empty".to_string())
            } else if text.chars().any(char::is_control) {
                Some("holds a control character (a line break or tab)".to_string())
            } else if text.chars().count() > REPORT_TEXT_MAX {
                Some(format!(
                    "is {} characters long; at most {REPORT_TEXT_MAX} fit a title block",
                    text.chars().count()
                ))
            } else {
                None
            };
            if let Some(why) = why {
                problems.push(format!("line {}: [report] {key} {why}", line(v.span())));
            }
        }
        if let (Some(min), Some(max)) = (&self.zones.min_unit_mu, &self.zones.max_unit_mu) {
            if min.get_ref() >= max.get_ref() {
                problems.push(format!(
                    "line {}: [zones] min_unit_mu = {} must be below max_unit_mu = {}",
                    line(min.span()),
                    min.get_ref(),
                    max.get_ref()
                ));
            }
        }
        // In file order, as a reader goes through it.
        problems.sort_by_key(|p| {
            p.strip_prefix("line ")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        });
        problems
    }
}
