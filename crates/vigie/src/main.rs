//! `vigie`: the command-line front end. Parses arguments, builds the [`vigie_engine::Engine`]
//! once, and hands items to it; no detection logic lives here.

mod args;
mod commands;
mod corpus;
mod input;
mod summary;

use clap::Parser;
use std::process::ExitCode;

/// Exit code when some input lines were reported and skipped.
const EXIT_PARTIAL: u8 = 1;
/// Exit code for a fatal error (unreadable input, bad data directory).
const EXIT_FATAL: u8 = 2;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    match commands::run(cli) {
        Ok(commands::Status::Clean) => ExitCode::SUCCESS,
        Ok(commands::Status::SkippedLines) => ExitCode::from(EXIT_PARTIAL),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("vigie: error: {err:#}");
            ExitCode::from(EXIT_FATAL)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
