//! The contract as documented: every JSON example in `docs/contract.md` parses into the Rust
//! types and writes back without losing a field.

use serde_json::Value;
use vigie_core::{Decision, Entity, Item, ItemError, Label};

const CONTRACT: &str = include_str!("../../../docs/contract.md");

fn json_blocks() -> Vec<&'static str> {
    CONTRACT
        .split("```json")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().trim())
        .collect()
}

/// Parses as `T`, writes back, and checks that no field was lost or changed.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(json: &str) -> T {
    let value: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let original: Value = serde_json::from_str(json).unwrap();
    let written: Value = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    assert_eq!(original, written, "round trip changed the JSON");
    value
}

#[test]
fn documented_examples_round_trip() {
    let blocks = json_blocks();
    assert_eq!(blocks.len(), 6, "the contract has six JSON examples");
    let item: Item = round_trip(blocks[0]);
    assert_eq!(item.id, "p-123");
    assert_eq!(item.author_country(), Some("LY"));
    assert!(
        item.extra.contains_key("x_platform_score"),
        "unknown fields are kept"
    );
    let decision: Decision = round_trip(blocks[1]);
    assert_eq!(decision.labels[0].label, Label::SmugglingAdvertisement);
    assert!(!decision.reasons.is_empty());
    let action: vigie_core::Action = round_trip(blocks[2]);
    let _: Entity = round_trip(blocks[3]);
    assert_eq!(action.notice.unwrap().lang, "fr");
    let classify: Value = serde_json::from_str(blocks[4]).unwrap();
    assert_eq!(classify["scores"].as_object().unwrap().len(), 6);
    let search: Value = serde_json::from_str(blocks[5]).unwrap();
    assert_eq!(search["intent"], "smuggling_seeking");
}

#[test]
fn only_id_is_required() {
    let item = Item::from_json(r#"{"id": "x"}"#).unwrap();
    assert_eq!(item.text(), "");
    let err = Item::from_json(r#"{"text": "no id"}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `id`"), "{err}");
    assert_eq!(
        Item::from_json(r#"{"id": ""}"#).unwrap_err(),
        ItemError::EmptyId
    );
}

#[test]
fn unknown_kind_names_the_allowed_ones() {
    let err = Item::from_json(r#"{"id": "x", "kind": "tweet"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `tweet`"), "{err}");
    assert!(err.contains("live_frame"), "{err}");
}

#[test]
fn unknown_fields_are_kept_everywhere() {
    let json = r#"{"id":"x","author":{"id":"a","verified":true},"media":[{"id":"m","type":"video","path":"v.mp4","duration_s":12}],"context":{"k":1},"y":[1,2]}"#;
    let item: Item = round_trip(json);
    assert_eq!(item.author.unwrap().extra["verified"], Value::Bool(true));
}

#[test]
fn limits_name_the_field_and_the_limit() {
    let text = "x".repeat(vigie_core::limits::MAX_TEXT_BYTES + 1);
    let err = Item::from_json(&format!(r#"{{"id": "x", "text": "{text}"}}"#)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `text` is 1048577 bytes, over the limit of 1048576 bytes"
    );
    let id = "i".repeat(600);
    let err = Item::from_json(&format!(r#"{{"id": "{id}"}}"#)).unwrap_err();
    assert!(
        err.to_string().starts_with("field `id` is 600 bytes"),
        "{err}"
    );
}

#[test]
fn labels_have_exactly_six_wire_names() {
    let names: Vec<&str> = Label::ALL.iter().map(|l| l.as_str()).collect();
    assert_eq!(
        names,
        [
            "smuggling.advertisement",
            "smuggling.solicitation",
            "smuggling.documents",
            "trafficking.recruitment",
            "extortion.ransom",
            "benign"
        ]
    );
    for label in Label::ALL {
        let json = serde_json::to_string(&label).unwrap();
        assert_eq!(json, format!("\"{}\"", label.as_str()));
        assert_eq!(Label::parse(label.as_str()), Some(label));
    }
}
