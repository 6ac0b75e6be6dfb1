//! `vigie scan`: items in, decisions out, with progress and a summary.

use super::{engine, output, Status};
use crate::args::ScanArgs;
use crate::input::{process_chunk, LineReader, Outcome};
use crate::summary::Summary;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::time::Instant;

pub fn run(args: ScanArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let input_name = args
        .input
        .as_ref()
        .map_or("standard input".to_string(), |p| p.display().to_string());
    let mut reader =
        LineReader::open(args.input.as_deref()).with_context(|| format!("opening {input_name}"))?;
    let mut out = output(args.out.as_deref())?;
    let progress = progress_bar(args.quiet);
    let started = Instant::now();
    let mut summary = Summary::default();
    loop {
        let lines = reader
            .next_chunk()
            .with_context(|| format!("reading {input_name}"))?;
        if lines.is_empty() {
            break;
        }
        let outcomes = process_chunk(&lines, &|item| {
            let decision = engine.evaluate(item);
            let json = serde_json::to_string(&decision).expect("decisions serialise");
            (decision, json)
        });
        for (line, outcome) in lines.iter().zip(outcomes) {
            match outcome {
                Outcome::Done((decision, json)) => {
                    summary.add(&decision);
                    out.write_all(json.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                Outcome::Bad(message) => {
                    summary.bad_lines += 1;
                    progress.suspend(|| {
                        eprintln!(
                            "vigie: {input_name}: line {}: {message}; skipped",
                            line.number
                        )
                    });
                }
                Outcome::Blank => {}
            }
        }
        progress.set_position(summary.items as u64);
    }
    out.flush()?;
    progress.finish_and_clear();
    if !args.quiet {
        if summary.items == 0 && summary.bad_lines == 0 {
            eprintln!("vigie: {input_name} has no items");
        }
        eprintln!("{}", summary.render(started.elapsed()));
        if let Some(path) = &args.out {
            eprintln!("decisions written to {}", path.display());
        }
    }
    Ok(if summary.bad_lines > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {human_pos} items ({per_sec})")
            .expect("valid progress template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
