//! The `landsift` binary: parse the command line, call the library, map errors to
//! exit codes (README "Exit codes").

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use landsift::run::{run, RunOptions, Summary};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (opts, check) = match cli.command {
        Command::Run(args) => (
            RunOptions {
                overrides: args.input.into_overrides(),
                out: args.out,
                force: args.force,
                write: true,
            },
            false,
        ),
        Command::Check(args) => (
            RunOptions {
                overrides: args.into_overrides(),
                out: Default::default(),
                force: false,
                write: false,
            },
            true,
        ),
    };
    match run(&opts) {
        Ok(summary) => {
            report(&summary);
            if check {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).expect("summary serialises")
                );
            } else {
                eprintln!("outputs in {}", opts.out.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("landsift: {}", e.report());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// A few lines for people; machines read `summary.json`.
fn report(s: &Summary) {
    eprintln!(
        "parcels: {} read, {} kept, {} rejected{}",
        s.parcels_in,
        s.parcels_out,
        s.parcels_rejected,
        if s.rejected_by_reason.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                s.rejected_by_reason
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if let (Some(i), Some(o)) = (s.buildings_in, s.buildings_out) {
        eprintln!("buildings: {i} read, {o} kept");
    }
    eprintln!("encoding: {} ({:?})", s.encoding, s.encoding_source);
    eprintln!("working CRS: {}", s.crs_choice);
    eprintln!(
        "parcel area: {:.2} km² = {:.1} ha = {:.0} mu",
        s.parcel_area.km2, s.parcel_area.ha, s.parcel_area.mu
    );
}
