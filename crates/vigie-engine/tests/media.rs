//! Media against hash banks: an item whose image matches a bank gets the bank's label, the
//! bank's rule and the match as evidence.

use std::sync::Arc;

use vigie_core::{Hash256, Item, Label, Media, Verdict};
use vigie_engine::Engine;
use vigie_index::{BankSet, EntryValue, NewEntry};

/// An invented hostage-photo hash (any 256 bits do) and a near copy of it.
const RANSOM_PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const AD_MD5: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn banks(dir: &std::path::Path) -> Arc<BankSet> {
    let mut set = BankSet::open(dir).unwrap();
    let bank = set
        .create_bank("ransom-media", Label::ExtortionRansom, "test")
        .unwrap();
    let pdq: Hash256 = RANSOM_PDQ.parse().unwrap();
    bank.add(NewEntry::new(EntryValue::Pdq(pdq), "ngo:invented"))
        .unwrap();
    let ads = set
        .create_bank("smuggling-ads", Label::SmugglingAdvertisement, "test")
        .unwrap();
    ads.add(NewEntry::new(
        EntryValue::parse(vigie_index::EntryKind::Md5, AD_MD5).unwrap(),
        "reviewer",
    ))
    .unwrap();
    // Reopen: what is on disk is what matches.
    Arc::new(BankSet::open(dir).unwrap())
}

fn near(hex: &str, bits: usize) -> Hash256 {
    let mut h: Hash256 = hex.parse().unwrap();
    for k in 0..bits {
        h.flip_bit(k * 7);
    }
    h
}

fn item(id: &str, text: &str, media: Media) -> Item {
    Item {
        id: id.into(),
        text: Some(text.into()),
        media: vec![media],
        ..Item::default()
    }
}

#[test]
fn an_image_matching_the_ransom_bank_gets_its_label_rule_and_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::embedded().unwrap().with_banks(banks(dir.path()));
    // Somali caption, nothing alarming in the text itself: the image is what matters.
    let media = Media {
        id: Some("m1".into()),
        pdq: Some(near(RANSOM_PDQ, 12)),
        quality: Some(100),
        ..Media::default()
    };
    let d = engine.evaluate(&item("p-1", "Sawirkan eeg", media));
    assert_eq!(d.verdict, Verdict::Review);
    assert!(d
        .labels
        .iter()
        .any(|l| l.label == Label::ExtortionRansom && l.score >= 0.9));
    let reason = d
        .reasons
        .iter()
        .find(|r| r.rule == "media_matches_ransom_bank")
        .expect("bank rule");
    assert!(
        reason
            .evidence
            .iter()
            .any(|e| e.contains("ransom-media") && e.contains("PDQ distance 12")),
        "{:?}",
        reason.evidence
    );
    assert!(d
        .actions
        .iter()
        .any(|a| a.action_type.as_str() == "refer_law_enforcement"));
}

#[test]
fn beyond_the_threshold_or_at_low_quality_there_is_no_match() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::embedded().unwrap().with_banks(banks(dir.path()));
    let far = Media {
        pdq: Some(near(RANSOM_PDQ, 32)),
        quality: Some(100),
        ..Media::default()
    };
    let d = engine.evaluate(&item("p-2", "Sawirkan eeg", far));
    assert!(d
        .reasons
        .iter()
        .all(|r| !r.rule.starts_with("media_matches")));
    let blurry = Media {
        pdq: Some(near(RANSOM_PDQ, 0)),
        quality: Some(20),
        ..Media::default()
    };
    let d = engine.evaluate(&item("p-3", "Sawirkan eeg", blurry));
    assert!(d
        .reasons
        .iter()
        .all(|r| !r.rule.starts_with("media_matches")));
    assert!(
        d.warnings.iter().any(|w| w.contains("quality 20")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn a_known_ad_image_is_removed_but_in_news_it_goes_to_review() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::embedded().unwrap().with_banks(banks(dir.path()));
    let ad = || Media {
        md5: Some(AD_MD5.to_uppercase()),
        ..Media::default()
    };
    let d = engine.evaluate(&item("p-4", "Départ bientôt, contactez-nous", ad()));
    assert_eq!(d.verdict, Verdict::Action, "{:?}", d.reasons);
    assert!(d
        .reasons
        .iter()
        .any(|r| r.rule == "media_matches_smuggling_ad_bank"));
    let news = "Reportage : une enquête de notre rédaction montre comment les passeurs publient leurs annonces sur les réseaux sociaux, selon un rapport de l'OIM publié hier.";
    let d = engine.evaluate(&item("p-5", news, ad()));
    assert!(
        d.actions.iter().all(|a| a.action_type.as_str() != "remove"),
        "{:?}",
        d.reasons
    );
}

#[test]
fn media_without_banks_or_hashes_is_said_not_matched() {
    let engine = Engine::embedded().unwrap();
    let d = engine.evaluate(&item(
        "p-6",
        "salam",
        Media {
            pdq: Some(Hash256::ZERO),
            ..Media::default()
        },
    ));
    assert!(
        d.warnings.iter().any(|w| w.contains("no hash banks")),
        "{:?}",
        d.warnings
    );
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::embedded().unwrap().with_banks(banks(dir.path()));
    let d = engine.evaluate(&item(
        "p-7",
        "salam",
        Media {
            id: Some("m9".into()),
            ..Media::default()
        },
    ));
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("media m9 has no hash")),
        "{:?}",
        d.warnings
    );
}
