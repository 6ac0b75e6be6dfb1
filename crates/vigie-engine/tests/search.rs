//! Search deterrence on the held-out queries: a floor on precision and recall over the test
//! split of `data/search/queries.jsonl` (178 queries, 17 languages, half hard negatives) and the
//! fresh set in `bench/search/` (300 queries never used for fitting). The figures themselves are
//! measured by `bench/search_quality.py` and reported in the README.

use vigie_engine::{Engine, SearchIntent};

struct Counts {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

fn measure(engine: &Engine, jsonl: &str, test_split_only: bool) -> Counts {
    let mut counts = Counts {
        true_positives: 0,
        false_positives: 0,
        false_negatives: 0,
    };
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        if test_split_only && row["split"] != "test" {
            continue;
        }
        let seeking = row["intent"] == "smuggling_seeking";
        let check = engine.search_check(
            row["id"].as_str().unwrap(),
            row["query"].as_str().unwrap(),
            row["locale"].as_str(),
        );
        let flagged = check.intent == SearchIntent::SmugglingSeeking;
        assert_eq!(flagged, check.interstitial.is_some(), "{line}");
        match (seeking, flagged) {
            (true, true) => counts.true_positives += 1,
            (false, true) => counts.false_positives += 1,
            (true, false) => counts.false_negatives += 1,
            (false, false) => {}
        }
    }
    counts
}

fn assert_floor(name: &str, counts: Counts, precision_floor: f64, recall_floor: f64) {
    let flagged = (counts.true_positives + counts.false_positives) as f64;
    let seeking = (counts.true_positives + counts.false_negatives) as f64;
    let precision = counts.true_positives as f64 / flagged;
    let recall = counts.true_positives as f64 / seeking;
    assert!(
        precision >= precision_floor && recall >= recall_floor,
        "{name}: precision {precision:.3} (floor {precision_floor}), recall {recall:.3} (floor {recall_floor})"
    );
}

#[test]
fn seekers_get_help_and_hard_negatives_are_left_alone() {
    let engine = Engine::embedded().expect("embedded data loads");
    let test = measure(
        &engine,
        include_str!("../../../data/search/queries.jsonl"),
        true,
    );
    assert_floor("test split", test, 0.90, 0.90);
    let fresh = measure(
        &engine,
        include_str!("../../../bench/search/fresh-queries.jsonl"),
        false,
    );
    assert_floor("fresh set", fresh, 0.88, 0.88);
}
