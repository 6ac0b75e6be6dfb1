//! `vigie classify`: the six label scores and the top label per item, in the shape evaluation
//! tools outside the repository read: `{"id", "scores": {...}, "label"}`.

use super::{engine, output, stream, Status};
use crate::args::ClassifyArgs;
use indicatif::ProgressBar;
use serde::ser::{Serialize, SerializeMap, Serializer};
use vigie_core::Label;

/// One output line, serialised directly (no intermediate `serde_json::Value`).
#[derive(serde::Serialize)]
struct Line<'a> {
    id: &'a str,
    scores: Scores,
    label: &'static str,
}

/// The six scores rounded to 4 decimals, keyed by label, in `Label::ALL` order.
struct Scores([f64; 6]);

impl Serialize for Scores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(6))?;
        for (label, score) in Label::ALL.iter().zip(self.0) {
            map.serialize_entry(label.as_str(), &score)?;
        }
        map.end()
    }
}

pub fn run(args: ClassifyArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let mut out = output(args.out.as_deref())?;
    let bad_lines = stream(
        args.input.as_deref(),
        &mut out,
        &ProgressBar::hidden(),
        |item| {
            let scored = engine.score(item);
            let line = Line {
                id: &item.id,
                scores: Scores(
                    Label::ALL.map(|l| (scored.scores.get(l) as f64 * 10_000.0).round() / 10_000.0),
                ),
                label: scored.scores.top().label.as_str(),
            };
            serde_json::to_string(&line).expect("a classify line serialises")
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
