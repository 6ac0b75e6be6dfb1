//! `vigie inspect`: what the text pipeline sees in one text.

use super::{engine, Status};
use crate::args::InspectArgs;
use crate::input::read_text_arg;
use serde_json::json;
use vigie_core::{Item, Label};

pub fn run(args: InspectArgs) -> anyhow::Result<Status> {
    let engine = engine(&args.data)?;
    let text = read_text_arg(&args.text)?;
    let text = text.trim_end_matches(['\n', '\r']);
    let analysis = engine.analyze(text, args.country.as_deref());
    let item = Item {
        id: "inspect".to_string(),
        text: Some(text.to_string()),
        ..Item::default()
    };
    let scored = engine.score(&item);
    let lexicon = engine.analyzer().lexicon();
    let hits: Vec<_> = analysis
        .lexicon_hits
        .iter()
        .map(|hit| {
            let term = &lexicon.terms()[hit.term];
            json!({
                "written": &text[hit.span[0]..hit.span[1]],
                "span": hit.span,
                "term": term.term,
                "category": term.category.as_str(),
                "weight": (f64::from(term.weight) * 100.0).round() / 100.0,
                "lang": term.lang,
                "via_arabizi": hit.via_arabizi,
                "note": term.note,
            })
        })
        .collect();
    if args.json {
        let scores: serde_json::Map<String, serde_json::Value> = Label::ALL
            .iter()
            .map(|l| (l.as_str().to_string(), json!(scored.scores.get(*l))))
            .collect();
        let report = json!({
            "normalized": analysis.normalized.as_str(),
            "lang": analysis.language.code,
            "lang_confidence": analysis.language.confidence,
            "lexicon": hits,
            "entities": analysis.entities,
            "scores": scores,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(Status::Clean);
    }
    println!("normalised   {}", analysis.normalized.as_str());
    println!(
        "language     {} (confidence {:.2})",
        analysis.language.code, analysis.language.confidence
    );
    println!("lexicon hits {}", analysis.lexicon_hits.len());
    for hit in &hits {
        println!(
            "  {:<13} {:<24} term {:?} [{}] weight {}{}",
            hit["category"].as_str().unwrap_or(""),
            format!("{:?}", hit["written"].as_str().unwrap_or("")),
            hit["term"].as_str().unwrap_or(""),
            hit["lang"].as_str().unwrap_or(""),
            hit["weight"],
            if hit["via_arabizi"] == json!(true) {
                " (via Arabizi skeleton)"
            } else {
                ""
            }
        );
    }
    println!("entities     {}", analysis.entities.len());
    for entity in &analysis.entities {
        let mut extra = Vec::new();
        if let Some(c) = &entity.country {
            extra.push(format!("country {c}"));
        }
        if let Some(v) = entity.valid {
            extra.push(if v {
                "valid".to_string()
            } else {
                "not a valid range".to_string()
            });
        }
        if let Some(p) = &entity.provider {
            extra.push(p.clone());
        }
        if let Some(r) = &entity.role {
            extra.push(r.clone());
        }
        println!(
            "  {:<14} {:<24} from {:?} at {}..{} {}",
            entity.entity_type.as_str(),
            entity.value,
            entity.raw,
            entity.span[0],
            entity.span[1],
            extra.join(", ")
        );
    }
    println!("scores");
    for label in Label::ALL {
        println!("  {:<24} {:.3}", label.as_str(), scored.scores.get(label));
        for fact in scored.evidence_for(label).iter().take(4) {
            if label != Label::Benign || !fact.is_empty() {
                println!("      {fact}");
            }
        }
    }
    Ok(Status::Clean)
}
