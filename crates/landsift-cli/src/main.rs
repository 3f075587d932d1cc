//! The `landsift` binary: parse the command line, call the library with a console
//! observer, map errors to exit codes (README "Exit codes").

mod cli;
mod console;

use clap::Parser;
use cli::{Cli, Command};
use console::{Console, Verbosity};
use landsift::run::{run, RunOptions};
use std::io::Write;
use std::process::ExitCode;

/// Exit code when standard output cannot be written (the output class).
const EXIT_OUTPUT: u8 = 8;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    let console = Console::new(verbosity);
    landsift::ingest::gdal::quiet();
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
    match run(&opts, &console) {
        Ok(summary) => {
            console.result(&summary, (!check).then_some(opts.out.as_path()));
            if check {
                // `check` prints the summary for scripts; a closed or full stdout is an
                // output error, not a panic.
                let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
                let mut stdout = std::io::stdout().lock();
                if let Err(e) = writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
                    console.say(&format!("landsift: cannot write to standard output: {e}"));
                    return ExitCode::from(EXIT_OUTPUT);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            console.stop();
            console.say(&format!("landsift: {}", e.report()));
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
