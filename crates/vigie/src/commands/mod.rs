//! One module per subcommand; each builds the engine and streams items through it.

mod audit;
mod backtest;
mod bank;
mod classify;
mod eval;
mod explain;
mod hash;
mod inspect;
mod policy;
mod sample;
mod scan;
mod search_check;
mod token;
mod train;

use crate::args::{Cli, Command, DataArgs};
use crate::input::{process_raw_chunk, LineReader, Outcome};
use anyhow::Context;
use indicatif::ProgressBar;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use vigie_core::Item;
use vigie_engine::{DataFiles, Engine};

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
        Command::Policy(command) => policy::run(command),
        Command::Backtest(args) => backtest::run(args),
        Command::SearchCheck(args) => search_check::run(args),
        Command::Train(args) => train::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Hash(args) => hash::run(args),
        Command::Bank(command) => bank::run(command),
        Command::Token(command) => token::run(command),
        Command::Serve(args) => vigie_server::run_serve(&args).map(|()| Status::Clean),
        Command::Audit(command) => audit::run(command),
        Command::Sample(args) => sample::run(args),
    }
}

/// The data files for the model commands: `--data-dir` or embedded, with `--model` (or the
/// data's own model; `None` in `model` keeps it).
fn model_data(args: &crate::args::ModelArgs) -> anyhow::Result<DataFiles> {
    let files = match &args.data_dir {
        Some(dir) => DataFiles::from_dir(dir)
            .with_context(|| format!("reading the data directory {}", dir.display()))?,
        None => DataFiles::embedded(),
    };
    Ok(match &args.model {
        Some(path) => files.with_model(Some(
            std::fs::read(path).with_context(|| format!("reading the model {}", path.display()))?,
        )),
        None => files,
    })
}

/// The data files from `--data DIR` or the embedded defaults.
fn data_files(data: &DataArgs) -> anyhow::Result<DataFiles> {
    match &data.data {
        Some(dir) => DataFiles::from_dir(dir)
            .with_context(|| format!("reading the data directory {}", dir.display())),
        None => Ok(DataFiles::embedded()),
    }
}

/// The engine with the policy directory `policy` instead of the data's own.
fn engine_with_policy(data: &DataArgs, policy: &Path) -> anyhow::Result<Engine> {
    let files = data_files(data)?
        .with_policy_dir(policy)
        .with_context(|| format!("reading the policy directory {}", policy.display()))?;
    Engine::from_files(&files).with_context(|| format!("loading the policy {}", policy.display()))
}

/// Builds the engine from `--data DIR` or the embedded defaults.
fn engine(data: &DataArgs) -> anyhow::Result<Engine> {
    let engine = match &data.data {
        Some(dir) => Engine::from_dir(dir)
            .with_context(|| format!("loading the data directory {}", dir.display()))?,
        None => Engine::embedded().context("loading the embedded data")?,
    };
    Ok(match &data.banks {
        Some(dir) => engine.with_banks(std::sync::Arc::new(bank::open_existing(dir)?)),
        None => engine,
    })
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

/// Streams the items of `input` through `process` on all cores and hands each result, in input
/// order, to `emit` with the output. Bad lines are reported on stderr (above the progress bar)
/// and skipped. Returns the number of bad lines.
fn stream<T: Send>(
    input: Option<&Path>,
    out: &mut dyn Write,
    progress: &ProgressBar,
    process: impl Fn(&Item) -> T + Sync,
    emit: impl FnMut(&mut dyn Write, T) -> io::Result<()>,
) -> anyhow::Result<usize> {
    stream_lines(
        input,
        out,
        progress,
        |text| {
            Item::from_json(text)
                .map(|item| process(&item))
                .map_err(|e| e.to_string())
        },
        emit,
    )
}

/// The same for any JSON Lines input: `process` parses and processes one line.
fn stream_lines<T: Send>(
    input: Option<&Path>,
    out: &mut dyn Write,
    progress: &ProgressBar,
    process: impl Fn(&str) -> Result<T, String> + Sync,
    mut emit: impl FnMut(&mut dyn Write, T) -> io::Result<()>,
) -> anyhow::Result<usize> {
    let name = input_name(input);
    let mut reader = LineReader::open(input).with_context(|| format!("opening {name}"))?;
    let mut bad_lines = 0;
    loop {
        let lines = reader
            .next_chunk()
            .with_context(|| format!("reading {name}"))?;
        if lines.is_empty() {
            break;
        }
        for (line, outcome) in lines.iter().zip(process_raw_chunk(&lines, &process)) {
            match outcome {
                Outcome::Done(result) => emit(out, result)?,
                Outcome::Bad(message) => {
                    bad_lines += 1;
                    progress.suspend(|| {
                        eprintln!("vigie: {name}: line {}: {message}; skipped", line.number)
                    });
                }
                Outcome::Blank => {}
            }
        }
    }
    out.flush()?;
    Ok(bad_lines)
}

/// How the input is named in messages.
fn input_name(input: Option<&Path>) -> String {
    match input {
        Some(p) if p != Path::new("-") => p.display().to_string(),
        _ => "standard input".to_string(),
    }
}
