//! `vigie classify`: the six label scores and the top label per item, in the shape evaluation
//! tools outside the repository read: `{"id", "scores": {...}, "label"}`.

use super::{engine, output, stream, Status};
use crate::args::ClassifyArgs;
use indicatif::ProgressBar;
use serde_json::{json, Map, Value};
use vigie_core::Label;

pub fn run(args: ClassifyArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let mut out = output(args.out.as_deref())?;
    let bad_lines = stream(
        args.input.as_deref(),
        &mut out,
        &ProgressBar::hidden(),
        |item| {
            let scored = engine.score(item);
            let mut scores = Map::new();
            for label in Label::ALL {
                let score = (scored.scores.get(label) as f64 * 10_000.0).round() / 10_000.0;
                scores.insert(label.as_str().to_string(), json!(score));
            }
            json!({
                "id": item.id,
                "scores": Value::Object(scores),
                "label": scored.scores.top().label.as_str(),
            })
            .to_string()
        },
        |out, line| {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")
        },
    )?;
    Ok(if bad_lines > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}
