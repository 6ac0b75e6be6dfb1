//! `vigie explain`: the features that drove each score.

use super::{model_data, Status};
use crate::args::ExplainArgs;
use crate::input::read_text_arg;
use vigie_core::{Item, ItemKind, Label};
use vigie_engine::Engine;
use vigie_model::linear::{self, LinearModel};

pub fn run(args: ExplainArgs) -> anyhow::Result<Status> {
    let files = model_data(&args.model)?;
    let engine = Engine::from_files(&files)?;
    let text = read_text_arg(&args.text)?;
    let kind = match &args.kind {
        None => None,
        Some(name) => Some(
            ItemKind::ALL
                .into_iter()
                .find(|k| k.as_str() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = ItemKind::ALL.iter().map(|k| k.as_str()).collect();
                    anyhow::anyhow!(
                        "unknown --kind `{name}`: expected one of {}",
                        known.join(", ")
                    )
                })?,
        ),
    };
    let item = Item {
        id: "explain".to_string(),
        kind,
        text: Some(text.trim_end().to_string()),
        ..Item::default()
    };
    let scored = engine.score(&item);
    println!("scorer {}", engine.scorer_version());
    let model = match files.model() {
        Some(bytes) => Some(LinearModel::from_bytes(bytes)?),
        None => None,
    };
    let example = engine.model_example(&item);
    let mut names = Vec::new();
    let mut features = linear::text_features(&example.text, Some(&mut names));
    let dense_start = features.len();
    features.extend(linear::features(&example).into_iter().skip(dense_start));
    // A repeated n-gram is one entry per occurrence: show it once, with its whole weight.
    features.sort_by_key(|(f, _)| *f);
    features.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
    let mut ranked: Vec<Label> = Label::ALL.to_vec();
    ranked.sort_by(|a, b| scored.scores.get(*b).total_cmp(&scored.scores.get(*a)));
    for label in ranked.iter().take(3) {
        let model_p = scored.model.map(|m| m.get(*label));
        println!(
            "\n{label}: {:.3}{}",
            scored.scores.get(*label),
            model_p.map_or(String::new(), |p| format!(" (model {p:.3})"))
        );
        for fact in scored.evidence_for(*label).iter().take(6) {
            println!("  evidence  {fact}");
        }
        if let Some(model) = &model {
            let mut contributions: Vec<(f32, String)> = features
                .iter()
                .map(|(f, v)| {
                    let name = if (*f as usize) >= linear::BUCKETS {
                        linear::dense_name(*f as usize)
                    } else {
                        names
                            .iter()
                            .find(|(i, _)| i == f)
                            .map_or_else(|| format!("feature {f}"), |(_, n)| n.clone())
                    };
                    (model.weight(*f, *label) * v, name)
                })
                .collect();
            contributions.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (c, name) in contributions.iter().take(6).filter(|(c, _)| *c > 0.0) {
                println!("  model     {c:+.3}  {name}");
            }
        }
    }
    Ok(Status::Clean)
}
