//! The `landsift` binary: parse the command line, call the library with a console
//! observer, map errors to exit codes (README "Exit codes").

mod cli;
mod console;

use clap::Parser;
use cli::{Cli, Command};
use console::{Console, Verbosity};
use landsift::run::{run, LogRecord, Outcome, RunOptions};
use std::io::Write;
use std::process::ExitCode;

/// mimalloc rather than glibc's allocator: a district's run frees millions of small
/// records (raw layers, building values) between long-lived ones, and glibc's bins
/// then spent ~17 % of the CPU in malloc/free/consolidation (perf, 100k district).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code when standard output cannot be written (the output class).
const EXIT_OUTPUT: u8 = 8;

fn main() -> ExitCode {
    let command_line: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    let console = Console::new(verbosity, cli.log_format == "json");
    landsift::ingest::gdal::quiet();
    let (opts, check) = match cli.command {
        Command::Run(args) => (
            RunOptions {
                overrides: args.input.into_overrides(),
                out: args.out,
                force: args.force,
                write: true,
                if_changed: args.if_changed,
                keep: args.keep,
                command_line,
            },
            false,
        ),
        Command::Check(args) => (
            RunOptions {
                overrides: args.into_overrides(),
                write: false,
                command_line,
                ..RunOptions::default()
            },
            true,
        ),
        Command::Verify { dir } => return verify(&dir, &console),
        Command::Init(args) => return init(args.into_options(), &console),
    };
    match run(&opts, &console) {
        Ok(Outcome::Done(summary)) => {
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
        Ok(Outcome::UpToDate { published_run, .. }) => {
            console.up_to_date(&opts.out, &published_run);
            ExitCode::SUCCESS
        }
        Err(e) => {
            console.stop();
            let code = u8::try_from(e.exit_code()).unwrap_or(1);
            console.error(&e.report(), i32::from(code));
            ExitCode::from(code)
        }
    }
}

/// `landsift verify DIR`: exit 0 when the folder matches its manifest, else 4 with
/// every difference.
fn verify(dir: &std::path::Path, console: &Console) -> ExitCode {
    let problems = landsift::publish::manifest::verify(dir);
    if problems.is_empty() {
        console.say(&format!("landsift: {} matches its manifest", dir.display()));
        ExitCode::SUCCESS
    } else {
        for p in &problems {
            console.say(&format!("landsift: {p}"));
        }
        ExitCode::from(4)
    }
}

/// `landsift init`: the configuration to its file (or standard output), what was found
/// and what needs a person on stderr.
fn init(opts: landsift::config::init::InitOptions, console: &Console) -> ExitCode {
    match landsift::config::init::init(&opts) {
        Ok(written) => {
            if written.path.is_none() {
                let mut stdout = std::io::stdout().lock();
                if let Err(e) = write!(stdout, "{}", written.text).and_then(|()| stdout.flush()) {
                    console.say(&format!("landsift: cannot write to standard output: {e}"));
                    return ExitCode::from(EXIT_OUTPUT);
                }
            }
            for l in written.summary() {
                console.tell(&format!("landsift: {l}"));
            }
            for n in written.notes() {
                console.say(&format!("landsift: 请核对 check: {n}"));
            }
            if let Some(path) = &written.path {
                console.tell(&format!(
                    "landsift: wrote {}; run it with: landsift run --config {}",
                    path.display(),
                    path.display()
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(1);
            console.error(&e.report(), i32::from(code));
            ExitCode::from(code)
        }
    }
}

/// An error as a log record, for `--log-format json`.
pub fn error_record(run_id: &str, message: &str, code: i32) -> LogRecord {
    let mut r = LogRecord::new(run_id, "error", 0.0);
    r.message = Some(message.to_string());
    r.exit_code = Some(code);
    r
}
