//! The hash banks kept in SQLite ([`vigie_index::BankPersistence`] on [`SqliteStore`]).

use std::sync::Arc;
use vigie_core::{Hash256, Label, VpdqFrame};
use vigie_index::{BankPersistence, BankSet, Entry, EntryValue, NewEntry, VpdqThresholds};
use vigie_store::{SqliteStore, Store, StoreOptions, DB_FILE, SCHEMA_VERSION};

const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const MD5: &str = "0123456789abcdef0123456789abcdef";

fn frames() -> Vec<VpdqFrame> {
    (0..4)
        .map(|i| VpdqFrame {
            frame: i,
            quality: 100,
            hash: PDQ.parse().unwrap(),
            timestamp: f64::from(i) * 0.5,
        })
        .collect()
}

fn entries(set: &BankSet, bank: &str) -> Vec<Entry> {
    set.bank(bank).unwrap().entries().cloned().collect()
}

#[test]
fn banks_round_trip_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path(), StoreOptions::default()).unwrap());
    let mut set = BankSet::open_with(store.clone()).unwrap();
    assert!(set.is_empty());
    assert!(!store.has_bank_history().unwrap());
    let pdq: Hash256 = PDQ.parse().unwrap();
    let (pdq_id, md5_id, video_id, gone_id) = {
        let bank = set
            .create_bank("ransom-media", Label::ExtortionRansom, "invented test bank")
            .unwrap();
        let mut tagged = NewEntry::new(EntryValue::Pdq(pdq), "test:invented");
        tagged.tags = vec!["a".into(), "b".into()];
        tagged.note = Some("a note".into());
        let pdq_id = bank.add(tagged).unwrap();
        let md5_id = bank
            .add(NewEntry::new(
                EntryValue::parse(vigie_index::EntryKind::Md5, MD5).unwrap(),
                "test:md5",
            ))
            .unwrap();
        let video_id = bank
            .add(NewEntry::new(EntryValue::Vpdq(frames()), "test:video"))
            .unwrap();
        let gone_id = bank
            .add(NewEntry::new(
                EntryValue::parse(vigie_index::EntryKind::Sha256, &"ab".repeat(32)).unwrap(),
                "test:sha",
            ))
            .unwrap();
        (pdq_id, md5_id, video_id, gone_id)
    };
    assert!(set
        .bank_mut("ransom-media")
        .unwrap()
        .remove(gone_id)
        .unwrap());
    assert!(set
        .bank_mut("ransom-media")
        .unwrap()
        .set_enabled(md5_id, false)
        .unwrap());
    set.bank_mut("ransom-media")
        .unwrap()
        .set_description("changed")
        .unwrap();
    set.create_bank("other", Label::SmugglingAdvertisement, "")
        .unwrap();
    set.delete_bank("other").unwrap();
    assert!(set
        .create_bank("ransom-media", Label::SmugglingAdvertisement, "")
        .is_err());
    let before = entries(&set, "ransom-media");
    assert_eq!(before.len(), 3);
    drop(set);
    drop(store);

    // Reopen the database: same banks, same entries, and matching works.
    let store = Arc::new(SqliteStore::open(dir.path(), StoreOptions::default()).unwrap());
    let set = BankSet::open_with(store.clone()).unwrap();
    assert!(set.load_problems().is_empty(), "{:?}", set.load_problems());
    assert_eq!(set.len(), 1);
    let bank = set.bank("ransom-media").unwrap();
    assert_eq!(bank.label(), Label::ExtortionRansom);
    assert_eq!(bank.description(), "changed");
    assert_eq!(entries(&set, "ransom-media"), before);
    assert_eq!(bank.get(pdq_id).unwrap().tags, vec!["a", "b"]);
    assert_eq!(bank.get(pdq_id).unwrap().note.as_deref(), Some("a note"));
    assert!(!bank.get(md5_id).unwrap().enabled);
    assert!(bank.get(gone_id).is_none());

    let hits = set.match_pdq(&pdq, 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].entry, hits[0].distance), (pdq_id, 0));
    assert!(set.match_md5(MD5).unwrap().is_empty(), "disabled");
    let video = set.match_video(&frames(), &VpdqThresholds::default(), 80.0, 80.0);
    assert_eq!(video.len(), 1);
    assert_eq!(video[0].entry, video_id);

    // Ids are never reused after a removal, across a reopen.
    drop(set);
    let mut set = BankSet::open_with(store.clone()).unwrap();
    let next = set
        .bank_mut("ransom-media")
        .unwrap()
        .add(NewEntry::new(
            EntryValue::parse(vigie_index::EntryKind::Sha256, &"cd".repeat(32)).unwrap(),
            "test:sha",
        ))
        .unwrap();
    assert!(next > gone_id);

    // Every change is in the audit chain.
    assert!(store.has_bank_history().unwrap());
    let audit = store.audit_entries(0, 1000).unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"bank.created"));
    assert!(actions.contains(&"bank.saved"));
    assert!(actions.contains(&"bank.deleted"));
    assert_eq!(store.verify_audit().unwrap().entries, audit.len() as u64);

    // The trait's own contract.
    assert!(store.delete_bank("nothing").is_err());
    let stored = store.load_banks().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].entries.len(), 4);
}

#[test]
fn a_version_1_database_gains_the_bank_tables() {
    let dir = tempfile::tempdir().unwrap();
    // A version-1 database, as written by the build before the banks moved in.
    let mut raw = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    assert_eq!(vigie_store::migrate_to(&mut raw, 1).unwrap(), 0);
    raw.execute(
        "INSERT INTO tokens (name, secret_sha256, scopes, created_at) VALUES ('kept', 'x', 'admin', 1)",
        [],
    )
    .unwrap();
    drop(raw);

    let store = Arc::new(SqliteStore::open(dir.path(), StoreOptions::default()).unwrap());
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.list_tokens().unwrap()[0].name, "kept");
    let mut set = BankSet::open_with(store.clone()).unwrap();
    assert!(set.is_empty());
    set.create_bank("after-migration", Label::SmugglingAdvertisement, "")
        .unwrap()
        .add(NewEntry::new(EntryValue::Pdq(PDQ.parse().unwrap()), "test"))
        .unwrap();
    assert_eq!(BankSet::open_with(store.clone()).unwrap().len(), 1);
    assert!(store.verify_audit().unwrap().entries >= 2);
}
