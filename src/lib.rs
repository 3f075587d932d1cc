//! landsift: low-efficiency land identification (低效用地初步识别) and renewal-zone
//! delineation (大中小圈) for Chinese planning bureaus.
//!
//! The pipeline, one module per stage: [`ingest`] → [`measure`] → [`score`] → [`zone`]
//! → [`export`], on the base modules [`model`], [`landuse`], [`crs`] and [`spatial`];
//! [`config`] turns a configuration file and the command line into the settings of a
//! run, and [`run`] orchestrates it. The command line itself lives in the `landsift-cli`
//! package: this library knows no flags.

pub mod changes;
pub mod config;
pub mod constraints;
pub mod criteria;
pub mod crs;
pub mod error;
pub mod export;
#[doc(hidden)]
pub mod fuzzing;
pub mod ingest;
pub mod landuse;
pub mod measure;
pub mod model;
pub mod publish;
pub mod quality;
pub mod run;
pub mod score;
pub mod spatial;
#[cfg(test)]
pub(crate) mod testing;

pub mod zone;

pub use error::{Error, Result};

/// The engine's version (the command reports it, and every run's records carry it).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
