//! `vigie eval`: the scorers on a labelled corpus split.

use super::{model_data, Status};
use crate::args::EvalArgs;
use crate::corpus::{self, split_of, Split};
use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use rayon::prelude::*;
use std::collections::BTreeMap;
use vigie_core::Label;
use vigie_engine::Engine;
use vigie_model::eval::{evaluate, pr_svg, Report, Scored};

pub fn run(args: EvalArgs) -> anyhow::Result<Status> {
    // `all`: every item, for a labelled set kept apart from the corpus (a held-out set, a new
    // batch of reviewers' decisions).
    let split =
        match args.split.as_str() {
            "all" => None,
            name => Some(Split::parse(name).with_context(|| {
                format!("--split must be train, dev, test or all, not `{name}`")
            })?),
        };
    let files = model_data(&args.model)?;
    let Some(model) = files.model() else {
        anyhow::bail!("no model: pass --model FILE or train one into data/models/default.vgm");
    };
    if let Some(warning) = split.and_then(|_| fitted_warning(model, &args.split)) {
        eprintln!("{warning}");
    }
    let combined = Engine::from_files(&files).context("loading the data and the model")?;
    let evidence = Engine::from_files(&files.clone().with_model(None))?;
    let (items, _) = corpus::load(&args.data)?;
    let chosen: Vec<_> = items
        .iter()
        .filter(|l| split.is_none_or(|s| split_of(&l.family) == s))
        .collect();
    if chosen.is_empty() {
        anyhow::bail!("the {} split is empty", args.split);
    }
    let rows: Vec<(Scored, Scored, Scored, &str)> = chosen
        .par_iter()
        .map(|l| {
            let scored = combined.score(&l.item);
            let model = scored.model.expect("a model is loaded");
            let ev = evidence.score(&l.item);
            (
                Scored {
                    truth: l.label,
                    scores: scored.scores.0,
                },
                Scored {
                    truth: l.label,
                    scores: model.0,
                },
                Scored {
                    truth: l.label,
                    scores: ev.scores.0,
                },
                l.lang.as_str(),
            )
        })
        .collect();
    let pick = |k: usize| -> Vec<Scored> { rows.iter().map(|r| [r.0, r.1, r.2][k]).collect() };
    let (combined_rows, model_rows, evidence_rows) = (pick(0), pick(1), pick(2));
    let report = evaluate(&combined_rows);
    println!("{} split: {} items", args.split, chosen.len());
    for (name, rows) in [
        ("combined (decisions)", &combined_rows),
        ("model alone", &model_rows),
        ("evidence alone", &evidence_rows),
    ] {
        let r = evaluate(rows);
        println!(
            "  {name:<21} macro-F1 {:.3}  accuracy {:.3}  benign FPR {:.3}  ransom recall {:.3}",
            r.macro_f1, r.accuracy, r.benign_fpr, r.ransom_recall
        );
    }
    println!("\ncombined, per label:\n{}", label_table(&report));
    println!("per language (combined):\n{}", language_table(&rows));
    println!(
        "confusion (rows: truth, columns: predicted):\n{}",
        confusion_table(&report)
    );
    if let Some(path) = &args.curves {
        std::fs::write(
            path,
            pr_svg(
                &combined_rows,
                &format!("Precision-recall, {} split, combined scorer", args.split),
            ),
        )
        .with_context(|| format!("writing {}", path.display()))?;
        println!("precision-recall curves written to {}", path.display());
    }
    Ok(Status::Clean)
}

fn right(n: impl ToString) -> Cell {
    Cell::new(n.to_string()).set_alignment(CellAlignment::Right)
}

fn label_table(r: &Report) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["label", "precision", "recall", "F1", "support"]);
    for label in Label::ALL {
        let m = r.labels[label.index()];
        t.add_row(vec![
            Cell::new(label.as_str()),
            right(format!("{:.3}", m.precision)),
            right(format!("{:.3}", m.recall)),
            right(format!("{:.3}", m.f1)),
            right(m.support),
        ]);
    }
    t
}

fn language_table(rows: &[(Scored, Scored, Scored, &str)]) -> Table {
    let mut by_lang: BTreeMap<&str, Vec<Scored>> = BTreeMap::new();
    for r in rows {
        by_lang.entry(r.3).or_default().push(r.0);
    }
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "language",
        "items",
        "macro-F1",
        "accuracy",
        "benign FPR",
        "ransom recall",
    ]);
    for (lang, scored) in by_lang {
        let r = evaluate(&scored);
        t.add_row(vec![
            Cell::new(lang),
            right(r.n),
            right(format!("{:.3}", r.macro_f1)),
            right(format!("{:.3}", r.accuracy)),
            right(format!("{:.3}", r.benign_fpr)),
            right(format!("{:.3}", r.ransom_recall)),
        ]);
    }
    t
}

fn confusion_table(r: &Report) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let short = ["advert", "seek", "docs", "recruit", "ransom", "benign"];
    let mut header = vec![Cell::new("")];
    header.extend(short.iter().map(|s| Cell::new(*s)));
    t.set_header(header);
    for (k, name) in short.iter().enumerate() {
        let mut row = vec![Cell::new(*name)];
        row.extend(r.confusion[k].iter().map(right));
        t.add_row(row);
    }
    t
}

/// A warning when the model was fitted on the split evaluated: its figures there measure
/// memory, not generalisation. Models name what they were fitted on (`fitted_on` in their
/// metadata: `train` or `train+dev`); older ones were fitted on train.
fn fitted_warning(model: &[u8], name: &str) -> Option<String> {
    let meta = vigie_model::linear::LinearModel::from_bytes(model)
        .ok()?
        .meta;
    let fitted_on = meta["fitted_on"].as_str().unwrap_or("train");
    fitted_on.split('+').any(|part| part == name).then(|| {
        format!(
            "note: this model was fitted on {fitted_on}: its figures on the {name} split are not \
             held out (train with --holdout-dev to measure dev)"
        )
    })
}
