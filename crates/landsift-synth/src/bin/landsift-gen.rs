//! landsift-gen: writes a synthetic Dongguan-like district ([`landsift_synth`]) as
//! shapefiles in EPSG:4547: `parcels.shp` with a GBK DBF (as bureaus send them) and
//! `buildings.shp` with a UTF-8 DBF, each with `.prj` and `.cpg`.
//!
//! `cargo run --release -p landsift-synth --bin landsift-gen -- --out data/sample` regenerates the sample.

use anyhow::Context;
use clap::Parser;
use landsift::export::shapefile::write_shapefile;
use landsift_synth::{self as synth, DistrictParams};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Generate a synthetic district of parcels (with survey attributes) and buildings.
#[derive(Debug, Parser)]
#[command(name = "landsift-gen", version)]
struct Args {
    /// Number of parcels [default: 4000, the sample]
    #[arg(long)]
    parcels: Option<usize>,
    /// Number of towns [default: 3 for the sample, else one per 1,350 parcels]
    #[arg(long)]
    towns: Option<usize>,
    /// Seed; the same seed and counts give the same files
    #[arg(long, default_value_t = DistrictParams::default().seed)]
    seed: u64,
    /// Leave out the deliberate defects (bow-tie, duplicate id, bad land-use codes…)
    #[arg(long)]
    no_defects: bool,
    /// Output directory (created if missing; files in it are overwritten)
    #[arg(long)]
    out: PathBuf,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("landsift-gen: {e:#}");
            let code = e
                .downcast_ref::<landsift::Error>()
                .map_or(1, landsift::Error::exit_code);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut params = match args.parcels {
        Some(n) => DistrictParams::with_parcels(n),
        None => DistrictParams::default(),
    };
    if let Some(t) = args.towns {
        anyhow::ensure!(t > 0, "--towns must be at least 1");
        params.towns = t;
    }
    params.seed = args.seed;
    params.defects = !args.no_defects;

    let district = synth::generate(&params);
    let generated = start.elapsed();

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    {
        // One layer at a time: at a million parcels each layer holds its rows' values.
        let layer = district.parcels_layer();
        write_shapefile(
            &args.out.join("parcels.shp"),
            &layer,
            Some(synth::PRJ_EPSG_4547),
            encoding_rs::GBK,
        )?;
    }
    let layer = district.buildings_layer();
    write_shapefile(
        &args.out.join("buildings.shp"),
        &layer,
        Some(synth::PRJ_EPSG_4547),
        encoding_rs::UTF_8,
    )?;

    println!(
        "landsift-gen: {} parcels in {} towns ({:.2} km² of parcels), {} buildings, {} defects → {} in {:.2} s (generate {:.2} s)",
        district.parcels.len(),
        district.towns.len(),
        district.parcel_area_m2() / landsift::model::M2_PER_KM2,
        district.buildings.len(),
        district.defects.len(),
        args.out.display(),
        start.elapsed().as_secs_f64(),
        generated.as_secs_f64(),
    );
    Ok(())
}
