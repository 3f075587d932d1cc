//! Command-line definitions (clap), a module of the binary only: the library carries no
//! clap. Each value is checked here, where it enters, with the library's own names and
//! ranges ([`Choice`], [`limits`]), and [`InputArgs::into_overrides`] is the one place
//! that turns the arguments into the library's [`Overrides`].

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use landsift::config::init::InitOptions;
use landsift::config::{MappedField, Overrides};
use landsift::constraints::ConstraintKind;
use landsift::ingest::InvalidPolicy;
use landsift::model::{Choice, Format, Metres, Mu, OutputLayer, ShpEncoding};
use landsift::quality::GateKind;
use landsift::zone::limits;
use std::path::PathBuf;

/// landsift: score parcels against low-efficiency land criteria (低效用地初步识别) and
/// write GIS layers. Without --parcels (and without inputs in a config) it runs the
/// bundled sample district.
#[derive(Debug, Parser)]
#[command(name = "landsift", version = landsift::VERSION, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Say nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say every stage as it starts, and the timings.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// How the log on stderr looks: `human` (progress and a closing result) or `json`
    /// (one JSON object a line: run id, event, stage, elapsed, counts, exit code).
    #[arg(long, global = true, value_name = "FORMAT", default_value = "human", value_parser = ["human", "json"])]
    pub log_format: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read and validate the inputs, score every parcel, draw the zones (大中小圈), and write
    /// the deliverables: styled GeoPackage, QGIS project, Shapefiles, GeoJSON, stats, report.
    Run(RunArgs),
    /// Validate inputs and config; write nothing (the summary goes to stdout).
    Check(InputArgs),
    /// Write a commented configuration for your data (landsift.toml): the layers, their
    /// CRS and encoding, the code scheme and a field mapping suggested from names and
    /// values, each with its evidence, and what could not be mapped.
    Init(InitArgs),
    /// Check a published output folder against its manifest.json (every file listed,
    /// with its SHA-256, and nothing else).
    Verify {
        /// The output folder.
        #[arg(value_name = "DIR", default_value = "out")]
        dir: PathBuf,
    },
}

/// A parser that accepts exactly the names of a [`Choice`] (and lists them in `--help`).
fn choice<T: Choice + Send + Sync + Clone>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::ALL.iter().map(|v| v.name()))
        .try_map(|name| T::from_name(&name).ok_or_else(|| format!("unknown name {name}")))
}

fn preset(name: &str) -> Result<String, String> {
    let names = landsift::criteria::preset_names();
    if names.contains(&name) {
        Ok(name.to_string())
    } else {
        Err(format!("one of {}", names.join(", ")))
    }
}

fn gap(text: &str) -> Result<Metres, String> {
    Metres::parse(text, &limits::GAP)
}

fn circle_gap(text: &str) -> Result<Metres, String> {
    Metres::parse(text, &limits::CIRCLE_GAP)
}

fn max_unit_mu(text: &str) -> Result<Mu, String> {
    Mu::parse(text, &limits::MAX_UNIT_MU)
}

fn min_unit_mu(text: &str) -> Result<Mu, String> {
    Mu::parse(text, &limits::MIN_UNIT_MU)
}

fn shp_encoding(s: &str) -> Result<ShpEncoding, String> {
    ShpEncoding::parse(s).ok_or_else(|| {
        format!(
            "'{s}' is not one of {} (936 and CP936 name GBK)",
            ShpEncoding::names()
        )
    })
}

fn gate(s: &str) -> Result<(GateKind, Option<f64>), String> {
    let (name, limit) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=LIMIT (or NAME=off)"))?;
    let g = GateKind::from_name(name.trim())
        .ok_or_else(|| format!("'{name}' is not one of {}", GateKind::names()))?;
    if limit.trim() == "off" {
        return Ok((g, None));
    }
    g.range().parse(limit).map(|v| (g, Some(v)))
}

fn constraint(s: &str) -> Result<(ConstraintKind, PathBuf), String> {
    let (kind, path) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not KIND=PATH"))?;
    let kind = ConstraintKind::from_name(kind)
        .ok_or_else(|| format!("'{kind}' is not one of {}", ConstraintKind::names()))?;
    Ok((kind, PathBuf::from(path)))
}

fn field(s: &str) -> Result<(MappedField, String), String> {
    MappedField::parse_arg(s)
}

/// `landsift init`'s options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Files or folders holding the layers (Shapefile, GeoPackage, FileGDB, GeoJSON);
    /// default: the current directory.
    #[arg(value_name = "INPUTS")]
    pub inputs: Vec<PathBuf>,
    /// The configuration file to write; `-` for standard output.
    #[arg(short, long, value_name = "FILE", default_value = landsift::config::init::DEFAULT_FILE)]
    pub output: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Map a field as given, ENGINE=SOURCE (e.g. far=容积率, floors=层数); repeatable.
    #[arg(long = "field", value_name = "ENGINE=SOURCE", value_parser = field)]
    pub fields: Vec<(MappedField, String)>,
    /// Text encoding of Shapefile DBFs, when the files do not say it.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// The inputs' CRS, when they do not declare one: EPSG:N, WKT/PROJ, or `local`.
    #[arg(long = "s-srs", value_name = "CRS")]
    pub s_srs: Option<String>,
}

impl InitArgs {
    pub fn into_options(self) -> InitOptions {
        let InitArgs {
            inputs,
            output,
            force,
            fields,
            encoding,
            s_srs,
        } = self;
        InitOptions {
            inputs,
            out: (output.as_os_str() != "-").then_some(output),
            force,
            fields,
            encoding,
            s_srs,
        }
    }
}

/// Options shared by `run` and `check`.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// TOML configuration (field mapping, code scheme, inputs, preset).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Parcels layer: .shp, .geojson, .gpkg or .gdb.
    #[arg(long, value_name = "PATH")]
    pub parcels: Option<PathBuf>,
    /// Buildings layer (footprints with floors or height).
    #[arg(long, value_name = "PATH")]
    pub buildings: Option<PathBuf>,
    /// Source CRS, overriding what the inputs declare: EPSG:N, WKT/PROJ, or `local`.
    #[arg(long = "s-srs", value_name = "CRS")]
    pub s_srs: Option<String>,
    /// Text encoding of Shapefile DBFs (e.g. GBK, GB18030, UTF-8, 936).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// What to do with invalid geometry.
    #[arg(long, value_name = "POLICY", value_parser = choice::<InvalidPolicy>())]
    pub invalid: Option<InvalidPolicy>,
    /// Criteria preset (default national-default).
    #[arg(long, value_name = "NAME", value_parser = preset)]
    pub preset: Option<String>,
    /// A criteria file (TOML) instead of a preset.
    #[arg(long, value_name = "FILE")]
    pub criteria: Option<PathBuf>,
    /// Survey table (CSV) joined to parcels by id.
    #[arg(long, value_name = "CSV")]
    pub survey: Option<PathBuf>,
    /// A planning layer (控规 land-use polygons): each parcel's planned use by overlay.
    #[arg(long, value_name = "PATH")]
    pub planning: Option<PathBuf>,
    /// The planning layer's planned-use code field (default: plan_use, YDYHFLDM, YDDM, …).
    #[arg(long, value_name = "FIELD")]
    pub planning_field: Option<String>,
    /// A constraint layer, KIND=PATH (eco-redline, farmland, heritage, industrial-control, dev-boundary); repeatable.
    #[arg(long = "constraint", value_name = "KIND=PATH", value_parser = constraint)]
    pub constraints: Vec<(ConstraintKind, PathBuf)>,
    /// Road-gap tolerance in metres, 0–200: parcels this close are neighbours (default 30).
    #[arg(long, value_name = "METRES", value_parser = gap, allow_negative_numbers = true)]
    pub gap: Option<Metres>,
    /// Gap tolerance of large and middle circles in metres, 0–1000 (default 100).
    #[arg(long, value_name = "METRES", value_parser = circle_gap, allow_negative_numbers = true)]
    pub circle_gap: Option<Metres>,
    /// A renewal unit's ceiling in mu, 1–1500 (default 300).
    #[arg(long, value_name = "MU", value_parser = max_unit_mu, allow_negative_numbers = true)]
    pub max_unit_mu: Option<Mu>,
    /// Below this many mu a group is scattered land, 0–1500 (default 15).
    #[arg(long, value_name = "MU", value_parser = min_unit_mu, allow_negative_numbers = true)]
    pub min_unit_mu: Option<Mu>,
    /// Barrier layer (arterial roads, rivers, railways) that no zone crosses.
    #[arg(long, value_name = "PATH")]
    pub barriers: Option<PathBuf>,
    /// Town boundary layer (镇街 polygons with a name field) that no zone crosses;
    /// default: the parcels' town field.
    #[arg(long, value_name = "PATH")]
    pub towns: Option<PathBuf>,
    /// The town's planned renewal programme: a layer of planned units (polygons) or a
    /// CSV table with a parcel_id column (optional: unit, year, mode). The 70 % rule
    /// measures it; without it the engine proposes a programme and says the rule needs
    /// a plan.
    #[arg(long, value_name = "PATH")]
    pub programme: Option<PathBuf>,
    /// Formats to write, comma-separated (default: all; summary.json is always written).
    #[arg(long = "format", value_name = "LIST", value_delimiter = ',', value_parser = choice::<Format>())]
    pub formats: Option<Vec<Format>>,
    /// Layers to write, comma-separated (default: all).
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = choice::<OutputLayer>())]
    pub layers: Option<Vec<OutputLayer>>,
    /// Text encoding of the Shapefiles written: UTF-8 (default) or GBK (code page 936,
    /// for ArcGIS 10.x: Chinese field names keep 5 characters instead of 3).
    #[arg(long, value_name = "NAME", value_parser = shp_encoding)]
    pub shp_encoding: Option<ShpEncoding>,
    /// A quality gate's limit, NAME=LIMIT or NAME=off (rejected_share 0.5, orphan_share
    /// 0.5, extent_km2 50000 by default); repeatable.
    #[arg(long = "gate", value_name = "NAME=LIMIT", value_parser = gate)]
    pub gates: Vec<(GateKind, Option<f64>)>,
    /// Map a field, ENGINE=SOURCE (e.g. far=容积率, land_use=DLBM, floors=层数), over the
    /// config's [fields] and [buildings]; repeatable.
    #[arg(long = "field", value_name = "ENGINE=SOURCE", value_parser = field)]
    pub fields: Vec<(MappedField, String)>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Replace a non-empty output directory (its content is kept in DIR.runs/history).
    #[arg(long)]
    pub force: bool,
    /// Do nothing (exit 0, "up to date") when inputs, configuration, criteria and version
    /// are those of the published output.
    #[arg(long)]
    pub if_changed: bool,
    /// Earlier publishes kept in DIR.runs/history.
    #[arg(long, value_name = "N", default_value_t = landsift::publish::DEFAULT_KEEP)]
    pub keep: usize,
}

impl InputArgs {
    /// The library's overrides. The destructuring names every argument, so one added
    /// without a place in [`Overrides`] does not compile.
    pub fn into_overrides(self) -> Overrides {
        let InputArgs {
            config,
            parcels,
            buildings,
            s_srs,
            encoding,
            invalid,
            preset,
            criteria,
            survey,
            planning,
            planning_field,
            constraints,
            gap,
            circle_gap,
            max_unit_mu,
            min_unit_mu,
            barriers,
            towns,
            programme,
            formats,
            layers,
            shp_encoding,
            gates,
            fields,
        } = self;
        Overrides {
            config,
            parcels,
            buildings,
            s_srs,
            encoding,
            invalid,
            preset,
            criteria,
            survey,
            planning,
            planning_field,
            constraints,
            gap,
            circle_gap,
            max_unit_mu,
            min_unit_mu,
            barriers,
            towns,
            programme,
            formats,
            layers,
            shp_encoding,
            gates,
            fields,
        }
    }
}
