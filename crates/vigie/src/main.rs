//! `vigie`: the command-line front end. Parses arguments, builds the [`vigie_engine::Engine`]
//! once, and hands items to it; no detection logic lives here.

mod args;
mod commands;
mod corpus;
mod input;
mod media;
mod summary;

use clap::Parser;
use std::process::ExitCode;

/// Exit code when some input lines were reported and skipped.
const EXIT_PARTIAL: u8 = 1;
/// Exit code for a fatal error (unreadable input, bad data directory).
const EXIT_FATAL: u8 = 2;

fn main() -> ExitCode {
    restore_sigpipe();
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

/// `vigie … | head` ends quietly when the reader goes away, like other Unix tools, instead of
/// panicking in a `println!` (Rust ignores SIGPIPE by default).
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in `main`, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
