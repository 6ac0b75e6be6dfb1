//! What the lexicon, entity, language and evidence features are worth, and what they cost: the
//! model trained on its hashed text n-grams alone against the model trained on all its
//! features, both fitted on the corpus's train split and scored on dev and on the held-out set
//! (`heldout/` under the corpus; test is not read), and the in-process throughput of each on
//! the dev texts, one thread. Scores are the uncalibrated logits' argmax.
//!
//! Run: `cargo run --release -p vigie-engine --example text_only [CORPUS_DIR]`
//! (default `data/corpus`; about two minutes).

use std::time::Instant;
use vigie_core::{Item, Label};
use vigie_engine::{DataFiles, Engine};
use vigie_model::eval::{evaluate, Scored};
use vigie_model::linear::{self, Features, LinearModel, Settings};
use vigie_model::split::{split_of, Split};

/// One corpus line: the fields this program reads.
#[derive(serde::Deserialize)]
struct Line {
    text: String,
    label: Label,
    family: String,
}

/// Text in, model features out.
type Featurize<'a> = dyn Fn(&str) -> Features + 'a;

/// Every line of the `.jsonl` files of a directory, in file-name order.
fn read_dir(dir: &str) -> Vec<Line> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    let mut lines = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("a corpus file");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            lines.push(serde_json::from_str(line).expect("a corpus line"));
        }
    }
    lines
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/corpus".to_string());
    let (mut train, mut dev) = (Vec::new(), Vec::new());
    for line in read_dir(&dir) {
        match split_of(&line.family) {
            Split::Train => train.push(line),
            Split::Dev => dev.push(line),
            Split::Test => {}
        }
    }
    let heldout = read_dir(&format!("{dir}/heldout"));
    // As `vigie train`: features from the text pipeline with no model loaded.
    let engine = Engine::from_files(&DataFiles::embedded().with_model(None)).expect("data");
    let item = |text: &str| Item {
        text: Some(text.to_string()),
        ..Item::default()
    };
    let full = |text: &str| linear::features(&engine.model_example(&item(text)));
    let text_only = |text: &str| {
        let normalized = vigie_text::normalize::normalize(text);
        linear::text_features(normalized.as_str(), None)
    };
    let settings = Settings::default();
    let variants: [(&str, &Featurize); 2] =
        [("all features", &full), ("text n-grams only", &text_only)];
    let models: Vec<LinearModel> = variants
        .iter()
        .map(|(_, featurize)| {
            let examples: Vec<(Features, Label)> = train
                .iter()
                .map(|l| (featurize(&l.text), l.label))
                .collect();
            LinearModel::train(&examples, settings, &mut |_| {})
        })
        .collect();
    // Throughput: features and logits for every dev text, the two in turn, five rounds, the
    // best round of each kept (the machine is shared and noisy).
    let mut best = [f64::INFINITY; 2];
    for _ in 0..5 {
        for (k, ((_, featurize), model)) in variants.iter().zip(&models).enumerate() {
            let start = Instant::now();
            for l in &dev {
                std::hint::black_box(model.logits(&featurize(&l.text)));
            }
            best[k] = best[k].min(start.elapsed().as_secs_f64());
        }
    }
    for (k, ((name, featurize), model)) in variants.iter().zip(&models).enumerate() {
        let report = |lines: &[Line]| {
            let scored: Vec<Scored> = lines
                .iter()
                .map(|l| Scored {
                    truth: l.label,
                    scores: model.logits(&featurize(&l.text)),
                })
                .collect();
            let r = evaluate(&scored);
            format!(
                "macro-F1 {:.3}, benign FPR {:.3}, ransom recall {:.3}",
                r.macro_f1, r.benign_fpr, r.ransom_recall
            )
        };
        println!("{name}:");
        println!("  dev ({} items): {}", dev.len(), report(&dev));
        println!("  held-out ({} items): {}", heldout.len(), report(&heldout));
        println!(
            "  {:.1} µs per text, {:.0} texts/s",
            best[k] / dev.len() as f64 * 1e6,
            dev.len() as f64 / best[k]
        );
    }
}
