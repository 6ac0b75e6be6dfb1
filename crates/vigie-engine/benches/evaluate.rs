//! Per-item cost of the pipeline stages on the example batch (100 invented items in 17
//! languages): normalise, analyse (normalise + language + lexicon + gazetteer + entities),
//! and evaluate (analyse + score + policy), single-threaded.
//!
//! Also the policy alone on prepared signals (30 CEL rules), and `search-check` per query.
//!
//! Run: `cargo bench -p vigie-engine --bench evaluate`. Throughput is reported per item.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use vigie_core::Item;
use vigie_engine::Engine;

fn items() -> Vec<Item> {
    let batch = include_str!("../../../examples/batch.jsonl");
    batch
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Item::from_json(l).expect("example items parse"))
        .collect()
}

fn stages(c: &mut Criterion) {
    let engine = Engine::embedded().expect("embedded data loads");
    let items = items();
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Elements(items.len() as u64));
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for item in &items {
                black_box(vigie_text::normalize::normalize(item.text()));
            }
        })
    });
    let normalized: Vec<_> = items
        .iter()
        .map(|i| vigie_text::normalize::normalize(i.text()))
        .collect();
    let languages = vigie_text::lang::LanguageIdentifier::new();
    group.bench_function("language", |b| {
        b.iter(|| {
            for (item, norm) in items.iter().zip(&normalized) {
                black_box(languages.identify(item.text(), norm.as_str(), None));
            }
        })
    });
    group.bench_function("lexicon", |b| {
        let lexicon = engine.analyzer().lexicon();
        b.iter(|| {
            for norm in &normalized {
                black_box(lexicon.find(norm, false));
            }
        })
    });
    group.bench_function("gazetteer", |b| {
        let gazetteer = engine.analyzer().gazetteer();
        b.iter(|| {
            for norm in &normalized {
                black_box(gazetteer.find(norm));
            }
        })
    });
    group.bench_function("entities", |b| {
        let priors = vigie_text::entities::Priors {
            countries: vec!["LY".to_string()],
            strong: 1,
        };
        b.iter(|| {
            for (item, norm) in items.iter().zip(&normalized) {
                black_box(vigie_text::entities::extract(item.text(), norm, &priors));
            }
        })
    });
    group.bench_function("analyze", |b| {
        b.iter(|| {
            for item in &items {
                black_box(engine.analyze(item.text(), item.author_country()));
            }
        })
    });
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            for item in &items {
                black_box(engine.evaluate(item));
            }
        })
    });
    let contexts: Vec<_> = items.iter().map(|i| engine.policy_context(i)).collect();
    group.bench_function("policy", |b| {
        b.iter(|| {
            for context in &contexts {
                black_box(engine.apply_policy(context));
            }
        })
    });
    group.bench_function("parse_evaluate_serialize", |b| {
        let lines: Vec<String> = items
            .iter()
            .map(|i| serde_json::to_string(i).unwrap())
            .collect();
        b.iter(|| {
            for line in &lines {
                let item = Item::from_json(line).unwrap();
                black_box(serde_json::to_string(&engine.evaluate(&item)).unwrap());
            }
        })
    });
    group.finish();
}

/// `search-check` per query, on the search query set (train and test splits).
fn search(c: &mut Criterion) {
    let engine = Engine::embedded().expect("embedded data loads");
    let queries: Vec<(String, String, String)> = include_str!("../../../data/search/queries.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["id"].as_str().unwrap().to_string(),
                v["query"].as_str().unwrap().to_string(),
                v["locale"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut group = c.benchmark_group("search");
    group.throughput(Throughput::Elements(queries.len() as u64));
    group.bench_function("search_check", |b| {
        b.iter(|| {
            for (id, query, locale) in &queries {
                black_box(engine.search_check(id, query, Some(locale)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, stages, search);
criterion_main!(benches);
