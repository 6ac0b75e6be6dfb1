//! One module per subcommand; each builds the engine and streams items through it.

mod classify;
mod inspect;
mod scan;

use crate::args::{Cli, Command, DataArgs};
use anyhow::Context;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use vigie_engine::Engine;

/// How a command ended, when it did not fail outright.
pub enum Status {
    /// Every input line was processed.
    Clean,
    /// Some lines were reported and skipped.
    SkippedLines,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Classify(args) => classify::run(args),
        Command::Inspect(args) => inspect::run(args),
    }
}

/// Builds the engine from `--data DIR` or the embedded defaults.
fn engine(data: &DataArgs) -> anyhow::Result<Engine> {
    match &data.data {
        Some(dir) => Engine::from_dir(dir)
            .with_context(|| format!("loading the data directory {}", dir.display())),
        None => Engine::embedded().context("loading the embedded data"),
    }
}

/// Standard output, or a file.
fn output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}
