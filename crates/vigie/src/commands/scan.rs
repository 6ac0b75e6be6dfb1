//! `vigie scan`: items in, decisions out, with progress and a summary.

use super::{engine, input_name, output, stream, Status};
use crate::args::ScanArgs;
use crate::summary::Summary;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

pub fn run(args: ScanArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let mut out = output(args.out.as_deref())?;
    let progress = progress_bar(args.quiet);
    let started = Instant::now();
    let mut summary = Summary::default();
    let media_root = match (&args.media_root, args.input.as_deref()) {
        (Some(root), _) => root.clone(),
        (None, Some(input)) if input != std::path::Path::new("-") => {
            input.parent().map(|p| p.to_path_buf()).unwrap_or_default()
        }
        _ => std::path::PathBuf::new(),
    };
    let bad_lines = stream(
        args.input.as_deref(),
        &mut out,
        &progress,
        |item| {
            // Media given as paths are hashed here, at the edge; the engine sees hashes.
            let (hashed, media_warnings) = crate::media::prepare(item, &media_root);
            let mut decision = engine.evaluate(hashed.as_ref().unwrap_or(item));
            decision.warnings.extend(media_warnings);
            let json = serde_json::to_string(&decision).expect("decisions serialise");
            (decision, json)
        },
        |out, (decision, json)| {
            summary.add(&decision);
            progress.inc(1);
            out.write_all(json.as_bytes())?;
            out.write_all(b"\n")
        },
    )?;
    summary.bad_lines = bad_lines;
    progress.finish_and_clear();
    if !args.quiet {
        if summary.items == 0 && summary.bad_lines == 0 {
            eprintln!("vigie: {} has no items", input_name(args.input.as_deref()));
        }
        eprintln!("{}", summary.render(started.elapsed()));
        let rule_errors = engine.policy().error_count();
        if rule_errors > 0 {
            eprintln!(
                "{rule_errors} policy rule evaluation(s) failed: those items went to review with no enforcement (see their warnings)"
            );
        }
        if let Some(path) = &args.out {
            eprintln!("decisions written to {}", path.display());
        }
    }
    Ok(if bad_lines > 0 {
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
        ProgressStyle::with_template("{spinner} {elapsed_precise} {human_pos} items ({rate})")
            .expect("valid progress template")
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} items/s", state.per_sec());
                },
            ),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
