//! `vigie classify`: the six label scores and the top label per item, in the shape evaluation
//! tools outside the repository read: `{"id", "scores": {...}, "label"}`.

use super::{engine, output, Status};
use crate::args::ClassifyArgs;
use crate::input::{process_chunk, LineReader, Outcome};
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::io::Write;
use vigie_core::Label;

pub fn run(args: ClassifyArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let input_name = args
        .input
        .as_ref()
        .map_or("standard input".to_string(), |p| p.display().to_string());
    let mut reader =
        LineReader::open(args.input.as_deref()).with_context(|| format!("opening {input_name}"))?;
    let mut out = output(args.out.as_deref())?;
    let mut bad_lines = 0;
    loop {
        let lines = reader
            .next_chunk()
            .with_context(|| format!("reading {input_name}"))?;
        if lines.is_empty() {
            break;
        }
        let outcomes = process_chunk(&lines, &|item| {
            let scored = engine.score(item);
            let mut scores = Map::new();
            for label in Label::ALL {
                let score = (scored.scores.get(label) as f64 * 10_000.0).round() / 10_000.0;
                scores.insert(label.as_str().to_string(), json!(score));
            }
            let line = json!({
                "id": item.id,
                "scores": Value::Object(scores),
                "label": scored.scores.top().label.as_str(),
            });
            line.to_string()
        });
        for (line, outcome) in lines.iter().zip(outcomes) {
            match outcome {
                Outcome::Done(json) => {
                    out.write_all(json.as_bytes())?;
                    out.write_all(b"\n")?;
                }
                Outcome::Bad(message) => {
                    bad_lines += 1;
                    eprintln!(
                        "vigie: {input_name}: line {}: {message}; skipped",
                        line.number
                    );
                }
                Outcome::Blank => {}
            }
        }
    }
    out.flush()?;
    Ok(if bad_lines > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}
