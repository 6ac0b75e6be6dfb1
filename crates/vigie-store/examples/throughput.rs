//! Ingestion throughput: many threads calling `record_decision` (group commit), then one
//! `record_decisions` batch. `cargo run --release -p vigie-store --example throughput`.

use std::time::Instant;
use vigie_core::{Decision, Item};
use vigie_store::{Source, SqliteStore, Store, StoreOptions, Submission};

const THREADS: usize = 16;
const PER_THREAD: usize = 200;

fn pair(id: &str) -> (Item, Decision) {
    let item = serde_json::from_value(serde_json::json!({
        "id": id,
        "kind": "post",
        "text": "Passage de Zuwara vers Lampedusa, départ samedi, 2000 euros",
    }))
    .expect("a valid item");
    let decision = serde_json::from_value(serde_json::json!({
        "id": id, "verdict": "allow", "severity": "none", "labels": [], "actions": [],
        "reasons": [], "entities": [], "policy_version": "p1", "model_version": "m1",
    }))
    .expect("a valid decision");
    (item, decision)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path(), StoreOptions::default())?;
    let n_items = THREADS * PER_THREAD;

    let start = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let store = &store;
            scope.spawn(move || {
                for n in 0..PER_THREAD {
                    let (item, decision) = pair(&format!("t-{thread}-{n}"));
                    store
                        .record_decision(&item, &decision, &Source::system())
                        .expect("recorded");
                }
            });
        }
    });
    let elapsed = start.elapsed();
    println!(
        "{THREADS} threads, {n_items} items one by one: {elapsed:?}, {:.0} items/s",
        n_items as f64 / elapsed.as_secs_f64()
    );

    let pairs: Vec<(Item, Decision)> = (0..n_items).map(|n| pair(&format!("b-{n}"))).collect();
    let source = Source::system();
    let batch: Vec<Submission<'_>> = pairs
        .iter()
        .map(|(item, decision)| Submission {
            item,
            decision,
            source: &source,
        })
        .collect();
    let start = Instant::now();
    store.record_decisions(&batch)?;
    let elapsed = start.elapsed();
    println!(
        "one batch of {n_items} items: {elapsed:?}, {:.0} items/s",
        n_items as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
