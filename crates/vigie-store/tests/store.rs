//! The store's contract, on SQLite in a temporary directory. Item texts are invented.

use std::collections::BTreeSet;
use std::sync::Arc;
use vigie_core::{
    Action, ActionType, Author, Decision, Entity, EntityType, Item, ItemKind, Label, LabelScore,
    Media, Priority, Severity, Verdict,
};
use vigie_store::{
    hmac_sha256_hex, retry_delay, AuditError, CaseStatus, DeliveryStatus, ManualClock,
    RetentionPolicy, Retry, ReviewDecision, ReviewOutcome, Scope, Source, SqliteStore, Store,
    StoreError, StoreOptions, Submission, DB_FILE, SCHEMA_VERSION, TOKEN_PREFIX,
};

/// 2026-06-01T00:00:00Z.
const T0: i64 = 1_780_272_000;
const DAY: i64 = 86_400;

/// An invented smuggling offer in Arabic, with an invented number.
const ARABIC_OFFER: &str =
    "رحلة مضمونة من زوارة إلى لامبيدوزا، السعر 2000 يورو، للحجز واتساب +218 91 000 0001";
/// An invented ransom message forwarded by a family, in French.
const FRENCH_RANSOM: &str = "Ils détiennent mon frère à Bani Walid et demandent 3000 euros \
                             avant vendredi, sinon ils disent qu'ils le frapperont encore.";
/// An invented plea about a relative held for ransom, in Tigrinya.
const TIGRINYA_PLEA: &str = "ሓወይ ኣብ ሊብያ ተታሒዙ ኣሎ፡ ገንዘብ ይሓቱ ኣለዉ። በጃኹም ሓግዙና።";
/// An invented benign news sentence, in French.
const FRENCH_NEWS: &str = "Le HCR rappelle les voies légales de réinstallation depuis le Niger.";

struct Fixture {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    store: SqliteStore,
}

fn open_with(options: StoreOptions) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = SqliteStore::open_with_clock(dir.path(), options, clock.clone()).unwrap();
    Fixture {
        _dir: dir,
        clock,
        store,
    }
}

fn open() -> Fixture {
    open_with(StoreOptions::default())
}

fn item(id: &str, text: &str, lang: &str, author: &str) -> Item {
    Item {
        id: id.to_string(),
        kind: Some(ItemKind::Post),
        text: Some(text.to_string()),
        lang: Some(lang.to_string()),
        author: Some(Author {
            id: Some(author.to_string()),
            country: Some("LY".to_string()),
            ..Author::default()
        }),
        media: vec![Media {
            id: Some("m1".to_string()),
            media_type: Some("image".to_string()),
            path: Some("/tmp/should-not-be-stored.jpg".to_string()),
            md5: Some("0123456789abcdef0123456789abcdef".to_string()),
            ..Media::default()
        }],
        ..Item::default()
    }
}

fn decision(
    id: &str,
    verdict: Verdict,
    severity: Severity,
    label: Label,
    actions: &[ActionType],
) -> Decision {
    Decision {
        id: id.to_string(),
        verdict,
        severity,
        labels: vec![LabelScore { label, score: 0.91 }],
        actions: actions.iter().map(|action| Action::new(*action)).collect(),
        reasons: Vec::new(),
        entities: vec![Entity::new(
            EntityType::Phone,
            "+218910000001".to_string(),
            "+218 91 000 0001".to_string(),
            [0, 16],
        )],
        shadow_actions: Vec::new(),
        shadow_rules: Vec::new(),
        lang: Some("ar".to_string()),
        automated: true,
        policy_version: "default@1".to_string(),
        model_version: "test".to_string(),
        warnings: Vec::new(),
    }
}

fn offer(id: &str, author: &str) -> (Item, Decision) {
    (
        item(id, ARABIC_OFFER, "ar", author),
        decision(
            id,
            Verdict::Action,
            Severity::High,
            Label::SmugglingAdvertisement,
            &[
                ActionType::PreserveEvidence,
                ActionType::Remove,
                ActionType::Strike,
            ],
        ),
    )
}

fn ransom(id: &str, text: &str, lang: &str) -> (Item, Decision) {
    let mut decision = decision(
        id,
        Verdict::Review,
        Severity::Critical,
        Label::ExtortionRansom,
        &[ActionType::QueueReview, ActionType::PreserveEvidence],
    );
    decision.actions[0].priority = Some(Priority::Critical);
    (item(id, text, lang, "family-1"), decision)
}

fn benign(id: &str) -> (Item, Decision) {
    let mut decision = decision(id, Verdict::Allow, Severity::None, Label::Benign, &[]);
    decision.entities.clear();
    (item(id, FRENCH_NEWS, "fr", "ngo-news"), decision)
}

#[test]
fn recording_is_idempotent_by_item_id() {
    let fixture = open();
    let (item, first) = offer("p-1", "acct-7");
    let recorded = fixture
        .store
        .record_decision(&item, &first, &Source::system())
        .unwrap();
    assert!(recorded.created);
    assert_eq!(recorded.decision, first);

    // A resubmission with a different decision gets the stored one back, and writes nothing.
    let mut second = first.clone();
    second.verdict = Verdict::Allow;
    fixture.clock.advance(60);
    let again = fixture
        .store
        .record_decision(&item, &second, &Source::system())
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.decision, first);
    assert_eq!(fixture.store.get_decision("p-1").unwrap(), Some(first));
    assert_eq!(fixture.store.queue_depths().unwrap().items, 1);
    assert_eq!(fixture.store.strikes("acct-7").unwrap(), 1);
    let recorded_entries = fixture
        .store
        .audit_entries(0, 100)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "decision.recorded")
        .count();
    assert_eq!(recorded_entries, 1);
    assert_eq!(fixture.store.get_decision("unknown").unwrap(), None);
}

#[test]
fn stores_only_the_fields_decisions_need() {
    let fixture = open();
    let (item, decision) = offer("p-2", "acct-8");
    fixture
        .store
        .record_decision(&item, &decision, &Source::system())
        .unwrap();
    let stored = fixture.store.get_item("p-2").unwrap().unwrap();
    assert_eq!(stored.kind.as_deref(), Some("post"));
    assert_eq!(stored.author_id.as_deref(), Some("acct-8"));
    assert_eq!(stored.lang.as_deref(), Some("ar"));
    assert_eq!(stored.text.as_deref(), Some(ARABIC_OFFER));
    assert_eq!(stored.received_at, T0);
    assert_eq!(
        stored.media,
        serde_json::json!([{"id": "m1", "type": "image", "md5": "0123456789abcdef0123456789abcdef"}])
    );
    assert!(!stored.media.to_string().contains("should-not-be-stored"));

    // With a text retention of 0 days the text is never written.
    let fixture = open_with(StoreOptions {
        retention: RetentionPolicy {
            item_text_days: 0,
            item_days: None,
        },
        ..StoreOptions::default()
    });
    fixture
        .store
        .record_decision(&item, &decision, &Source::system())
        .unwrap();
    assert_eq!(fixture.store.get_item("p-2").unwrap().unwrap().text, None);
}

#[test]
fn a_decision_for_another_id_is_refused() {
    let fixture = open();
    let (item, _) = offer("p-3", "acct-9");
    let (_, other) = offer("p-4", "acct-9");
    let error = fixture
        .store
        .record_decision(&item, &other, &Source::system())
        .unwrap_err();
    assert!(matches!(error, StoreError::IdMismatch { .. }), "{error}");
    assert_eq!(fixture.store.get_decision("p-3").unwrap(), None);
}

#[test]
fn a_batch_is_one_transaction_and_dedupes_ids() {
    let fixture = open();
    let (item_a, decision_a) = offer("b-1", "acct-1");
    let (item_b, decision_b) = ransom("b-2", TIGRINYA_PLEA, "ti");
    let source = Source::system();
    let batch = [
        Submission {
            item: &item_a,
            decision: &decision_a,
            source: &source,
        },
        Submission {
            item: &item_b,
            decision: &decision_b,
            source: &source,
        },
        Submission {
            item: &item_a,
            decision: &decision_a,
            source: &source,
        },
    ];
    let recorded = fixture.store.record_decisions(&batch).unwrap();
    let created: Vec<bool> = recorded.iter().map(|recorded| recorded.created).collect();
    assert_eq!(created, [true, true, false]);
    assert!(recorded[1].case_id.is_some());
    assert_eq!(fixture.store.queue_depths().unwrap().items, 2);

    // A bad element rolls the whole batch back.
    let (item_c, decision_c) = offer("b-3", "acct-1");
    let (_, wrong) = offer("b-4", "acct-1");
    let bad = [
        Submission {
            item: &item_c,
            decision: &decision_c,
            source: &source,
        },
        Submission {
            item: &item_c,
            decision: &wrong,
            source: &source,
        },
    ];
    assert!(fixture.store.record_decisions(&bad).is_err());
    assert_eq!(fixture.store.get_decision("b-3").unwrap(), None);
    assert!(fixture.store.record_decisions(&[]).unwrap().is_empty());
}

#[test]
fn decisions_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let (item, decision) = ransom("r-1", FRENCH_RANSOM, "fr");
    {
        let store =
            SqliteStore::open_with_clock(dir.path(), StoreOptions::default(), clock.clone())
                .unwrap();
        store
            .record_decision(&item, &decision, &Source::system())
            .unwrap();
    }
    let store = SqliteStore::open_with_clock(dir.path(), StoreOptions::default(), clock).unwrap();
    assert_eq!(store.path(), dir.path().join(DB_FILE));
    assert_eq!(store.get_decision("r-1").unwrap(), Some(decision.clone()));
    let again = store
        .record_decision(&item, &decision, &Source::system())
        .unwrap();
    assert!(!again.created);
    assert_eq!(store.list_cases(None, None, 10, None).unwrap().len(), 1);
    assert_eq!(store.verify_audit().unwrap().entries, 2);
}

#[test]
fn migrations_run_on_fresh_and_existing_databases() {
    // Fresh: the directory does not exist yet.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("vigie-data");
    let store = SqliteStore::open(&data, StoreOptions::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let empty = store.verify_audit().unwrap();
    assert_eq!((empty.entries, empty.head_hash), (0, "0".repeat(64)));
    drop(store);
    let raw = rusqlite::Connection::open(data.join(DB_FILE)).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(raw);
    // Reopening an up-to-date database changes nothing.
    let store = SqliteStore::open(&data, StoreOptions::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);

    // An existing version-0 database (a file with other tables) is migrated in place.
    let dir = tempfile::tempdir().unwrap();
    let raw = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    raw.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept');")
        .unwrap();
    drop(raw);
    let store = SqliteStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);
    let raw = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let note: String = raw
        .query_row("SELECT body FROM notes", [], |row| row.get(0))
        .unwrap();
    assert_eq!(note, "kept");

    // A database from a newer build is refused, not downgraded.
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(raw);
    let error = SqliteStore::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert!(
        matches!(error, StoreError::SchemaTooNew { found, .. } if found == SCHEMA_VERSION + 1),
        "{error}"
    );
}

#[test]
fn review_cases_open_list_and_decide() {
    let fixture = open();
    let store = &fixture.store;
    // An ordinary review case, then a critical ransom case, then one from a trusted flagger.
    let (item_a, mut decision_a) = offer("c-1", "acct-1");
    decision_a.verdict = Verdict::Review;
    decision_a.actions = vec![Action::new(ActionType::QueueReview)];
    decision_a.severity = Severity::Medium;
    let case_a = store
        .record_decision(&item_a, &decision_a, &Source::system())
        .unwrap()
        .case_id
        .unwrap();
    let (item_b, decision_b) = ransom("c-2", FRENCH_RANSOM, "fr");
    let case_b = store
        .record_decision(&item_b, &decision_b, &Source::system())
        .unwrap()
        .case_id
        .unwrap();
    let flagger = Source {
        actor: "token:5".to_string(),
        token_id: Some(5),
        trusted_flagger: true,
    };
    let (item_c, mut decision_c) = offer("c-3", "acct-2");
    decision_c.verdict = Verdict::Review;
    decision_c.actions = vec![Action::new(ActionType::QueueReview)];
    decision_c.severity = Severity::Medium;
    let case_c = store
        .record_decision(&item_c, &decision_c, &flagger)
        .unwrap()
        .case_id
        .unwrap();
    // No case for an allowed item.
    let (item_d, decision_d) = benign("c-4");
    assert_eq!(
        store
            .record_decision(&item_d, &decision_d, &Source::system())
            .unwrap()
            .case_id,
        None
    );

    let listed = store
        .list_cases(None, Some(CaseStatus::Open), 10, None)
        .unwrap();
    let order: Vec<i64> = listed.iter().map(|case| case.id).collect();
    assert_eq!(order, [case_b, case_c, case_a]);
    assert_eq!(listed[0].queue, "extortion.ransom");
    assert_eq!(listed[0].priority, Priority::Critical);
    assert_eq!(listed[1].priority, Priority::High, "trusted-flagger boost");
    assert!(listed[1].trusted_flagger);
    assert_eq!(listed[2].priority, Priority::Normal);
    assert_eq!(listed[2].queue, "smuggling.advertisement");

    // Paging.
    let first = store.list_cases(None, None, 2, None).unwrap();
    let rest = store.list_cases(None, None, 2, Some(first[1].id)).unwrap();
    assert_eq!(
        rest.iter().map(|case| case.id).collect::<Vec<_>>(),
        [case_a]
    );
    let ransom_only = store
        .list_cases(Some("extortion.ransom"), None, 10, None)
        .unwrap();
    assert_eq!(ransom_only.len(), 1);

    let depths = store.queue_depths().unwrap();
    assert_eq!(depths.cases.get("smuggling.advertisement"), Some(&2));
    assert_eq!(depths.cases.get("extortion.ransom"), Some(&1));

    // Confirm the ransom case.
    fixture.clock.advance(300);
    let detail = store
        .decide_case(
            case_b,
            "reviewer-amina",
            &ReviewDecision {
                outcome: ReviewOutcome::Confirm,
                labels: Vec::new(),
                note: Some("لغة تهديد واضحة، تم التحويل".to_string()),
            },
            None,
        )
        .unwrap();
    assert_eq!(detail.case.status, CaseStatus::Closed);
    assert_eq!(detail.case.updated_at, T0 + 300);
    assert_eq!(detail.item.text.as_deref(), Some(FRENCH_RANSOM));
    assert_eq!(detail.decision, decision_b);
    let events: Vec<&str> = detail
        .history
        .iter()
        .map(|event| event.event.as_str())
        .collect();
    assert_eq!(events, ["opened", "confirm"]);
    assert_eq!(detail.history[1].actor, "reviewer-amina");
    assert_eq!(detail.history[1].labels, [Label::ExtortionRansom]);
    let error = store
        .decide_case(
            case_b,
            "reviewer-amina",
            &ReviewDecision {
                outcome: ReviewOutcome::Overturn,
                labels: Vec::new(),
                note: None,
            },
            None,
        )
        .unwrap_err();
    assert!(matches!(error, StoreError::CaseClosed { id } if id == case_b));

    // Escalate, then overturn the flagged case.
    let escalated = store
        .decide_case(
            case_c,
            "reviewer-yonas",
            &ReviewDecision {
                outcome: ReviewOutcome::Escalate,
                labels: Vec::new(),
                note: Some("unclear".to_string()),
            },
            None,
        )
        .unwrap();
    assert_eq!(escalated.case.status, CaseStatus::Escalated);
    assert_eq!(escalated.case.priority, Priority::Critical);
    store
        .decide_case(
            case_c,
            "senior-lea",
            &ReviewDecision {
                outcome: ReviewOutcome::Overturn,
                labels: vec![Label::Benign],
                note: Some("Annonce de covoiturage légale".to_string()),
            },
            None,
        )
        .unwrap();
    let detail = store.get_case(case_c).unwrap().unwrap();
    let events: Vec<&str> = detail
        .history
        .iter()
        .map(|event| event.event.as_str())
        .collect();
    assert_eq!(events, ["opened", "escalate", "overturn"]);
    assert_eq!(store.get_case(9_999).unwrap(), None);
    assert!(matches!(
        store.decide_case(
            9_999,
            "x",
            &ReviewDecision {
                outcome: ReviewOutcome::Confirm,
                labels: Vec::new(),
                note: None
            },
            None
        ),
        Err(StoreError::NotFound { what: "case", .. })
    ));

    let labels = store.training_labels(None, 10).unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0].item_id, "c-2");
    assert_eq!(labels[0].labels, [Label::ExtortionRansom]);
    assert_eq!(labels[0].outcome, ReviewOutcome::Confirm);
    assert_eq!(labels[0].reviewer, "reviewer-amina");
    assert_eq!(labels[1].item_id, "c-3");
    assert_eq!(labels[1].labels, [Label::Benign]);
    assert_eq!(labels[1].outcome, ReviewOutcome::Overturn);
    let depths = store.queue_depths().unwrap();
    assert_eq!(depths.cases.get("extortion.ransom"), None);
    assert_eq!(depths.cases.get("smuggling.advertisement"), Some(&1));
    store.verify_audit().unwrap();
}

#[test]
fn entities_link_items_and_strikes_count_per_author() {
    let fixture = open();
    let store = &fixture.store;
    for (id, author) in [("e-1", "acct-1"), ("e-2", "acct-1"), ("e-3", "acct-2")] {
        let (item, decision) = offer(id, author);
        store
            .record_decision(&item, &decision, &Source::system())
            .unwrap();
        fixture.clock.advance(1);
    }
    assert_eq!(
        store
            .items_with_entity("phone", "+218910000001", 10)
            .unwrap(),
        ["e-1", "e-2", "e-3"]
    );
    assert_eq!(
        store
            .items_with_entity("phone", "+218910000001", 2)
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .items_with_entity("phone", "+33600000000", 10)
        .unwrap()
        .is_empty());
    assert_eq!(store.strikes("acct-1").unwrap(), 2);
    assert_eq!(store.strikes("acct-2").unwrap(), 1);
    assert_eq!(store.strikes("nobody").unwrap(), 0);

    // An overturned review takes back the strike its decision gave.
    let (item, mut decision) = offer("e-4", "acct-2");
    decision.actions.push(Action::new(ActionType::QueueReview));
    let case_id = store
        .record_decision(&item, &decision, &Source::system())
        .unwrap()
        .case_id
        .unwrap();
    assert_eq!(store.strikes("acct-2").unwrap(), 2);
    store
        .decide_case(
            case_id,
            "reviewer-amina",
            &ReviewDecision {
                outcome: ReviewOutcome::Overturn,
                labels: Vec::new(),
                note: None,
            },
            None,
        )
        .unwrap();
    assert_eq!(store.strikes("acct-2").unwrap(), 1);
    assert!(store
        .audit_entries(0, 100)
        .unwrap()
        .iter()
        .any(|entry| entry.action == "strike.removed" && entry.subject == "acct-2"));
}

#[test]
fn tokens_are_stored_hashed_and_scoped() {
    let fixture = open();
    let store = &fixture.store;
    let secret = store
        .create_token("ngo-watch", &[Scope::Flag, Scope::Report], true)
        .unwrap();
    assert!(secret.starts_with(TOKEN_PREFIX));
    assert_eq!(secret.len(), TOKEN_PREFIX.len() + 64);
    let admin = store.create_token("ops", &[Scope::Admin], false).unwrap();
    assert_ne!(secret, admin);

    let info = store.authenticate(&secret).unwrap().unwrap();
    assert_eq!(info.name, "ngo-watch");
    assert_eq!(info.scopes, [Scope::Report, Scope::Flag]);
    assert!(info.trusted_flagger);
    assert!(info.allows(Scope::Flag));
    assert!(!info.allows(Scope::Review));
    assert_eq!(Source::token(&info).actor, format!("token:{}", info.id));
    let admin_info = store.authenticate(&admin).unwrap().unwrap();
    assert!(Scope::ALL.iter().all(|scope| admin_info.allows(*scope)));

    // Wrong tokens.
    assert_eq!(store.authenticate("").unwrap(), None);
    assert_eq!(store.authenticate("vgt_0000").unwrap(), None);
    let mut tampered = secret.clone();
    tampered.pop();
    tampered.push(if secret.ends_with('0') { '1' } else { '0' });
    assert_eq!(store.authenticate(&tampered).unwrap(), None);

    // The secret is nowhere in the database.
    let raw = rusqlite::Connection::open(store.path()).unwrap();
    let found: i64 = raw
        .query_row(
            "SELECT COUNT(*) FROM tokens WHERE secret_sha256 = ?1 OR name = ?1",
            [&secret],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(found, 0);

    // Revocation.
    assert!(store.revoke_token(info.id, "token:2").unwrap());
    assert!(!store.revoke_token(info.id, "token:2").unwrap());
    assert_eq!(store.authenticate(&secret).unwrap(), None);
    let listed = store.list_tokens().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].revoked_at, Some(T0));
    assert_eq!(listed[1].revoked_at, None);

    // Scope names.
    assert_eq!("review".parse::<Scope>().unwrap(), Scope::Review);
    let error = "moderate".parse::<Scope>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown scope \"moderate\": expected one of ingest, search, report, review, flag, admin"
    );
    store.verify_audit().unwrap();
}

fn populated() -> Fixture {
    let fixture = open();
    for (item, decision) in [
        offer("a-1", "acct-1"),
        ransom("a-2", TIGRINYA_PLEA, "ti"),
        benign("a-3"),
    ] {
        fixture
            .store
            .record_decision(&item, &decision, &Source::system())
            .unwrap();
        fixture.clock.advance(10);
    }
    fixture
}

#[test]
fn the_audit_chain_verifies() {
    let fixture = populated();
    let entries = fixture.store.audit_entries(0, 100).unwrap();
    let actions: Vec<&str> = entries.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "strike.added",
            "decision.recorded",
            "case.opened",
            "decision.recorded",
            "decision.recorded"
        ]
    );
    assert_eq!(entries[0].seq, 1);
    assert_eq!(entries[0].prev_hash, "0".repeat(64));
    for pair in entries.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    let report = fixture.store.verify_audit().unwrap();
    assert_eq!(report.entries, 5);
    assert_eq!(report.head_hash, entries[4].hash);
    let custom = fixture
        .store
        .append_audit(
            "token:1",
            "config.changed",
            "webhooks",
            &serde_json::json!({"urls": 2}),
        )
        .unwrap();
    assert_eq!(custom.seq, 6);
    assert_eq!(fixture.store.verify_audit().unwrap().entries, 6);
    assert_eq!(fixture.store.audit_entries(4, 1).unwrap()[0].seq, 5);

    // The triggers refuse edits through SQL.
    let raw = rusqlite::Connection::open(fixture.store.path()).unwrap();
    assert!(raw
        .execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1", [])
        .is_err());
    assert!(raw
        .execute("DELETE FROM audit_log WHERE seq = 1", [])
        .is_err());
}

fn raw_without_triggers(store: &SqliteStore) -> rusqlite::Connection {
    let raw = rusqlite::Connection::open(store.path()).unwrap();
    raw.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    raw
}

#[test]
fn an_edited_audit_entry_is_named() {
    let fixture = populated();
    let raw = raw_without_triggers(&fixture.store);
    raw.execute(
        "UPDATE audit_log SET details = replace(details, 'critical', 'low') WHERE seq = 3",
        [],
    )
    .unwrap();
    match fixture.store.verify_audit() {
        Err(AuditError::Broken { seq, reason }) => {
            assert_eq!(seq, 3);
            assert!(reason.contains("edited"), "{reason}");
        }
        other => panic!("expected a broken chain, got {other:?}"),
    }
    // Recomputing the edited entry's own hash is caught by the next entry.
    let raw = rusqlite::Connection::open(fixture.store.path()).unwrap();
    let (prev_hash, at, actor, action, subject, details): (
        String,
        i64,
        String,
        String,
        String,
        String,
    ) = raw
        .query_row(
            "SELECT prev_hash, at, actor, action, subject, details FROM audit_log WHERE seq = 3",
            [],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            },
        )
        .unwrap();
    let forged = forge_hash(&prev_hash, 3, at, &actor, &action, &subject, &details);
    raw.execute("UPDATE audit_log SET hash = ?1 WHERE seq = 3", [&forged])
        .unwrap();
    match fixture.store.verify_audit() {
        Err(AuditError::Broken { seq, .. }) => assert_eq!(seq, 4),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

/// The documented hash: SHA-256 over length-prefixed fields.
fn forge_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for field in [
        prev_hash,
        &seq.to_string(),
        &at.to_string(),
        actor,
        action,
        subject,
        details,
    ] {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn a_deleted_audit_entry_is_detected() {
    let fixture = populated();
    let raw = raw_without_triggers(&fixture.store);
    raw.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    match fixture.store.verify_audit() {
        Err(AuditError::Broken { seq, reason }) => {
            assert_eq!(seq, 3);
            assert!(reason.contains("missing"), "{reason}");
        }
        other => panic!("expected a broken chain, got {other:?}"),
    }

    // Deleting the newest entry is caught by the head record.
    let fixture = populated();
    let raw = raw_without_triggers(&fixture.store);
    raw.execute("DELETE FROM audit_log WHERE seq = 5", [])
        .unwrap();
    match fixture.store.verify_audit() {
        Err(AuditError::Broken { seq, .. }) => assert_eq!(seq, 5),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn the_webhook_outbox_retries_and_replays_dead_letters() {
    let fixture = open_with(StoreOptions {
        webhook_urls: vec![
            "https://hooks.example.invalid/vigie".to_string(),
            "https://backup.example.invalid/vigie".to_string(),
        ],
        ..StoreOptions::default()
    });
    let store = &fixture.store;
    // A decision with actions is queued once per URL; an allowed one without actions is not.
    let (item, decision) = offer("w-1", "acct-1");
    store
        .record_decision(&item, &decision, &Source::system())
        .unwrap();
    let (item, decision) = benign("w-2");
    store
        .record_decision(&item, &decision, &Source::system())
        .unwrap();
    let due = store.due_deliveries(T0, 10).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].url, "https://hooks.example.invalid/vigie");
    assert_eq!(due[0].event, "decision");
    assert_eq!(due[0].status, DeliveryStatus::Pending);
    let body: serde_json::Value = serde_json::from_str(&due[0].body).unwrap();
    assert_eq!(body["item_id"], "w-1");
    assert_eq!(body["decision"]["verdict"], "action");
    assert_eq!(store.queue_depths().unwrap().webhooks_pending, 2);

    // The first is delivered; the second fails, is retried later, then given up on.
    store.mark_delivered(due[0].id).unwrap();
    let failing = due[1].id;
    store
        .mark_failed(failing, "HTTP 503", Retry::At(T0 + 30))
        .unwrap();
    assert!(store.due_deliveries(T0 + 29, 10).unwrap().is_empty());
    let retried = store.due_deliveries(T0 + 30, 10).unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 1);
    assert_eq!(retried[0].last_error.as_deref(), Some("HTTP 503"));
    store
        .mark_failed(failing, "connection refused", Retry::Dead)
        .unwrap();
    assert!(store.due_deliveries(T0 + 10_000, 10).unwrap().is_empty());
    let dead = store.dead_letters(10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].status, DeliveryStatus::Dead);
    assert_eq!(dead[0].attempts, 2);
    let depths = store.queue_depths().unwrap();
    assert_eq!((depths.webhooks_pending, depths.webhooks_dead), (0, 1));

    // Replay puts it back, due now, attempts reset.
    fixture.clock.advance(3_600);
    assert!(store.replay_dead_letter(failing).unwrap());
    assert!(!store.replay_dead_letter(failing).unwrap());
    assert!(store.dead_letters(10).unwrap().is_empty());
    let replayed = store.due_deliveries(T0 + 3_600, 10).unwrap();
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].attempts, 0);
    assert_eq!(replayed[0].body, due[1].body);
    store.mark_delivered(failing).unwrap();
    assert!(matches!(
        store.mark_delivered(12_345),
        Err(StoreError::NotFound { .. })
    ));
    assert!(
        store.mark_failed(failing, "late", Retry::Dead).is_err(),
        "a delivered delivery cannot die"
    );

    // The caller's own events and case decisions go through the same outbox.
    let id = store
        .enqueue_webhook("https://hooks.example.invalid/other", "export", "{}")
        .unwrap();
    assert_eq!(store.due_deliveries(T0 + 3_600, 10).unwrap()[0].id, id);
    store.verify_audit().unwrap();
}

#[test]
fn webhook_signatures_and_backoff() {
    // RFC 4231, test case 2.
    assert_eq!(
        hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    let delays: Vec<Option<i64>> = (0..=8).map(|attempts| retry_delay(attempts, 8)).collect();
    assert_eq!(
        delays,
        [
            Some(30),
            Some(30),
            Some(60),
            Some(120),
            Some(240),
            Some(480),
            Some(960),
            Some(1_920),
            None
        ]
    );
    assert_eq!(retry_delay(20, 30), Some(3_600));
}

#[test]
fn retention_erases_texts_then_items() {
    let fixture = open_with(StoreOptions {
        retention: RetentionPolicy {
            item_text_days: 7,
            item_days: Some(30),
        },
        ..StoreOptions::default()
    });
    let store = &fixture.store;
    let (item, decision) = offer("t-1", "acct-1");
    store
        .record_decision(&item, &decision, &Source::system())
        .unwrap();
    let (item, decision) = ransom("t-2", TIGRINYA_PLEA, "ti");
    let case_id = store
        .record_decision(&item, &decision, &Source::system())
        .unwrap()
        .case_id
        .unwrap();

    let report = store.purge_expired(T0 + 7 * DAY - 1).unwrap();
    assert_eq!((report.texts_erased, report.items_deleted), (0, 0));
    let report = store.purge_expired(T0 + 7 * DAY).unwrap();
    assert_eq!((report.texts_erased, report.items_deleted), (2, 0));
    let stored = store.get_item("t-1").unwrap().unwrap();
    assert_eq!(stored.text, None);
    assert_eq!(stored.author_id.as_deref(), Some("acct-1"));
    assert!(store.get_decision("t-1").unwrap().is_some());

    // After 30 days the item goes, but not the one whose case still waits.
    let report = store.purge_expired(T0 + 30 * DAY).unwrap();
    assert_eq!((report.texts_erased, report.items_deleted), (0, 1));
    assert_eq!(store.get_decision("t-1").unwrap(), None);
    assert!(store
        .items_with_entity("phone", "+218910000001", 10)
        .unwrap()
        .iter()
        .all(|id| id != "t-1"));
    assert!(store.get_case(case_id).unwrap().is_some());
    store
        .decide_case(
            case_id,
            "reviewer-yonas",
            &ReviewDecision {
                outcome: ReviewOutcome::Confirm,
                labels: Vec::new(),
                note: None,
            },
            None,
        )
        .unwrap();
    let report = store.purge_expired(T0 + 31 * DAY).unwrap();
    assert_eq!(report.items_deleted, 1);
    assert_eq!(store.get_case(case_id).unwrap(), None);
    assert_eq!(store.queue_depths().unwrap().items, 0);
    assert!(store
        .audit_entries(0, 100)
        .unwrap()
        .iter()
        .any(|entry| entry.action == "retention.purged"));
    store.verify_audit().unwrap();
}

#[test]
fn concurrent_writers_lose_and_duplicate_nothing() {
    let fixture = open();
    // The server shares the store as a trait object.
    let store: Arc<dyn Store> = Arc::new(fixture.store);
    const THREADS: usize = 8;
    const PER_THREAD: usize = 40;
    let created: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|thread| {
                let store = store.clone();
                scope.spawn(move || {
                    // Half the ids are the thread's own, half are shared by every thread.
                    let pairs: Vec<(Item, Decision)> = (0..PER_THREAD)
                        .map(|n| {
                            let id = if n % 2 == 0 {
                                format!("own-{thread}-{n}")
                            } else {
                                format!("shared-{n}")
                            };
                            if n % 3 == 0 {
                                ransom(&id, FRENCH_RANSOM, "fr")
                            } else {
                                offer(&id, &format!("acct-{thread}"))
                            }
                        })
                        .collect();
                    let source = Source::system();
                    let mut created = Vec::new();
                    if thread % 4 == 0 {
                        // Some threads send batches, others one item at a time.
                        for chunk in pairs.chunks(5) {
                            let batch: Vec<Submission<'_>> = chunk
                                .iter()
                                .map(|(item, decision)| Submission {
                                    item,
                                    decision,
                                    source: &source,
                                })
                                .collect();
                            let recorded = store.record_decisions(&batch).unwrap();
                            for ((item, decision), recorded) in chunk.iter().zip(recorded) {
                                assert_eq!(&recorded.decision, decision);
                                if recorded.created {
                                    created.push(item.id.clone());
                                }
                            }
                        }
                    } else {
                        for (item, decision) in &pairs {
                            let recorded = store.record_decision(item, decision, &source).unwrap();
                            assert_eq!(&recorded.decision, decision);
                            if recorded.created {
                                created.push(item.id.clone());
                            }
                            // Readers run alongside the writers and see what was acknowledged.
                            assert!(store.get_decision(&item.id).unwrap().is_some());
                        }
                    }
                    created
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    let all: Vec<String> = created.into_iter().flatten().collect();
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), distinct.len(), "an id was created twice");
    let expected = THREADS * PER_THREAD / 2 + PER_THREAD / 2;
    assert_eq!(distinct.len(), expected);
    assert_eq!(store.queue_depths().unwrap().items, expected as u64);
    let report = store.verify_audit().unwrap();
    let entries = store.audit_entries(0, 100_000).unwrap();
    let recorded = entries
        .iter()
        .filter(|entry| entry.action == "decision.recorded")
        .count();
    assert_eq!(recorded, expected);
    assert_eq!(report.entries as usize, entries.len());
    // Every shared ransom id opened exactly one case.
    let cases = store.list_cases(None, None, 10_000, None).unwrap();
    let case_items: BTreeSet<&str> = cases.iter().map(|case| case.item_id.as_str()).collect();
    assert_eq!(case_items.len(), cases.len());
}

#[test]
fn a_failing_batch_fails_alone_in_its_group() {
    let fixture = open();
    let store = &fixture.store;
    std::thread::scope(|scope| {
        for thread in 0..4 {
            scope.spawn(move || {
                for n in 0..30 {
                    if thread % 2 == 0 {
                        let (item, decision) = offer(&format!("good-{thread}-{n}"), "acct-1");
                        assert!(
                            store
                                .record_decision(&item, &decision, &Source::system())
                                .unwrap()
                                .created
                        );
                    } else {
                        let (item, decision) = offer(&format!("bad-{thread}-{n}"), "acct-2");
                        let (_, wrong) = offer("someone-else", "acct-2");
                        let source = Source::system();
                        let batch = [
                            Submission {
                                item: &item,
                                decision: &decision,
                                source: &source,
                            },
                            Submission {
                                item: &item,
                                decision: &wrong,
                                source: &source,
                            },
                        ];
                        let error = store.record_decisions(&batch).unwrap_err();
                        assert!(matches!(error, StoreError::IdMismatch { .. }), "{error}");
                    }
                }
            });
        }
    });
    assert_eq!(store.queue_depths().unwrap().items, 60);
    assert_eq!(store.strikes("acct-2").unwrap(), 0);
    assert_eq!(store.strikes("acct-1").unwrap(), 60);
    assert_eq!(store.verify_audit().unwrap().entries, 120);
}
