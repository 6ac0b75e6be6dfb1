//! `vigie sample --uncertain N`: the items the scorer is least sure about, to label next.

use super::{model_data, Status};
use crate::args::SampleArgs;
use crate::input::{process_raw_chunk, LineReader, Outcome};
use anyhow::Context;
use serde_json::json;
use vigie_core::{Item, Label};
use vigie_engine::Engine;

pub fn run(args: SampleArgs) -> anyhow::Result<Status> {
    let engine = Engine::from_files(&model_data(&args.model)?)?;
    let mut reader = LineReader::open(args.input.as_deref()).context("opening the items")?;
    let mut scored: Vec<(f32, serde_json::Value)> = Vec::new();
    let mut bad = 0;
    loop {
        let lines = reader.next_chunk()?;
        if lines.is_empty() {
            break;
        }
        let outcomes = process_raw_chunk(&lines, &|text| {
            let item = Item::from_json(text).map_err(|e| e.to_string())?;
            let s = engine.score(&item).scores;
            let mut sorted: Vec<f32> = s.0.to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let margin = sorted[0] - sorted[1];
            let scores: serde_json::Map<String, serde_json::Value> = Label::ALL
                .iter()
                .map(|l| {
                    (
                        l.as_str().to_string(),
                        json!((f64::from(s.get(*l)) * 1000.0).round() / 1000.0),
                    )
                })
                .collect();
            Ok((
                margin,
                json!({"id": item.id, "text": item.text(), "margin": (f64::from(margin) * 1000.0).round() / 1000.0, "label": s.top().label, "scores": scores}),
            ))
        });
        for (line, outcome) in lines.iter().zip(outcomes) {
            match outcome {
                Outcome::Done(row) => scored.push(row),
                Outcome::Bad(message) => {
                    bad += 1;
                    eprintln!("vigie: line {}: {message}; skipped", line.number);
                }
                Outcome::Blank => {}
            }
        }
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, row) in scored.iter().take(args.uncertain) {
        println!("{row}");
    }
    Ok(if bad > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}
