//! Command-line definitions (clap); the binary maps them onto [`crate::run`].

use crate::config::InvalidPolicy;
use crate::constraints::ConstraintKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// landsift: score parcels against low-efficiency land criteria (低效用地认定) and
/// write GIS layers. Without --parcels (and without inputs in a config) it runs the
/// bundled sample district.
#[derive(Debug, Parser)]
#[command(name = "landsift", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read and validate the inputs, score every parcel, draw the zones (大中小圈), and write
    /// the deliverables: styled GeoPackage, QGIS project, Shapefiles, GeoJSON, stats, report.
    Run(RunArgs),
    /// Validate inputs and config; write nothing (the summary goes to stdout).
    Check(InputArgs),
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
    #[arg(long, value_enum, value_name = "POLICY")]
    pub invalid: Option<InvalidPolicy>,
    /// Criteria preset: national-default, dongguan, tianjin.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// A criteria file (TOML) instead of a preset.
    #[arg(long, value_name = "FILE")]
    pub criteria: Option<PathBuf>,
    /// Survey table (CSV) joined to parcels by id.
    #[arg(long, value_name = "CSV")]
    pub survey: Option<PathBuf>,
    /// A constraint layer, KIND=PATH (eco-redline, farmland, heritage, industrial-control); repeatable.
    #[arg(long = "constraint", value_name = "KIND=PATH", value_parser = parse_constraint)]
    pub constraints: Vec<(ConstraintKind, PathBuf)>,
    /// Road-gap tolerance in metres: parcels this close are neighbours (default 30).
    #[arg(long, value_name = "METRES")]
    pub gap: Option<f64>,
    /// Barrier layer (arterial roads, rivers, railways) that no zone crosses.
    #[arg(long, value_name = "PATH")]
    pub barriers: Option<PathBuf>,
    /// Town boundary layer (镇街 polygons with a name field) that no zone crosses;
    /// default: the parcels' town field.
    #[arg(long, value_name = "PATH")]
    pub towns: Option<PathBuf>,
    /// Formats to write, comma-separated: gpkg, shp, geojson, qgis, report, stats
    /// (default: all; summary.json is always written).
    #[arg(long = "format", value_name = "LIST", value_delimiter = ',')]
    pub formats: Option<Vec<crate::config::Format>>,
    /// Layers to write, comma-separated: parcels, small_circles, middle_circles,
    /// large_circles, rejects, orphan_buildings (default: all).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub layers: Option<Vec<crate::config::OutputLayer>>,
}

fn parse_constraint(s: &str) -> Result<(ConstraintKind, PathBuf), String> {
    use clap::ValueEnum;
    let (kind, path) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not KIND=PATH"))?;
    let kind = ConstraintKind::from_str(kind, true).map_err(|_| {
        format!("'{kind}' is not one of eco-redline, farmland, heritage, industrial-control")
    })?;
    Ok((kind, PathBuf::from(path)))
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Overwrite outputs in a non-empty output directory.
    #[arg(long)]
    pub force: bool,
}

impl InputArgs {
    /// The command-line part of the settings.
    pub fn overrides(&self) -> crate::config::Overrides {
        crate::config::Overrides {
            config: self.config.clone(),
            parcels: self.parcels.clone(),
            buildings: self.buildings.clone(),
            s_srs: self.s_srs.clone(),
            encoding: self.encoding.clone(),
            invalid: self.invalid,
            preset: self.preset.clone(),
            criteria: self.criteria.clone(),
            survey: self.survey.clone(),
            constraints: self.constraints.clone(),
            gap: self.gap,
            barriers: self.barriers.clone(),
            towns: self.towns.clone(),
            formats: self.formats.clone(),
            layers: self.layers.clone(),
        }
    }
}
