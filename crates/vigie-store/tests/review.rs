//! The reviewer console's side of the store: migrating a version-2 database, appeals, reviewed
//! decisions (enforcement), console sessions and settings, item search, linked items and queue
//! summaries. Every text, account, phone number and hash here is invented.

use serde_json::{json, Value};
use std::sync::Arc;
use vigie_core::{Decision, Item, Label, Priority, Verdict};
use vigie_store::{
    CaseStatus, ItemQuery, ManualClock, ReviewDecision, ReviewOutcome, ReviewerSettings, Scope,
    Source, SqliteStore, Store, StoreError, StoreOptions, APPEAL_QUEUE, DB_FILE, SCHEMA_VERSION,
};

/// 2026-06-01T00:00:00Z.
const T0: i64 = 1_780_272_000;
const HOOK: &str = "https://platform.example/hook";

/// An invented smuggling offer in Arabic, with an invented Libyan number.
const ARABIC_OFFER: &str =
    "رحلة مضمونة من زوارة إلى لامبيدوزا، السعر 2000 يورو، اتصل على +218 91 234 5678";
/// The same invented number, written the international-prefix way, in French (`%` on purpose).
const FRENCH_OFFER: &str =
    "Départ de Zouara cette semaine, 50% d'avance, appelez le 00218912345678 ou @sahel_transit";
/// An invented Somali post naming the same town, but no contact: a place links nothing.
const SOMALI_NEWS: &str = "Dad badan ayaa ka baxay Zuwara toddobaadkan, 50 euro ayaa la bixiyay.";
/// An invented Tigrinya plea, with the same photo attached as the Arabic offer.
const TIGRINYA_PLEA: &str = "ሓወይ ኣብ ሊብያ ተታሒዙ ኣሎ፡ ገንዘብ ይሓቱ ኣለዉ። በጃኹም ሓግዙና።";
/// An invented ransom message forwarded by a family, in French.
const FRENCH_RANSOM: &str = "Ils détiennent mon frère à Bani Walid et demandent 3000 euros.";
/// An invented appeal, in Somali: "this was a news report, not an advertisement".
const SOMALI_APPEAL: &str = "Tani waxay ahayd warbixin, ma ahayn xayeysiis.";

/// An invented image's SHA-256 (lower-case, as the platform sent it).
const PHOTO_SHA256: &str = "3f9a1c0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf0abcd";
const OTHER_SHA256: &str = "0000111122223333444455556666777788889999aaaabbbbccccddddeeeeffff";
const PHONE: &str = "+218912345678";

struct Fixture {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    store: SqliteStore,
}

fn open_with(options: StoreOptions) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let store = SqliteStore::open_with_clock(dir.path(), options, clock.clone()).unwrap();
    Fixture { dir, clock, store }
}

fn open() -> Fixture {
    open_with(StoreOptions::default())
}

fn with_webhook() -> StoreOptions {
    StoreOptions {
        webhook_urls: vec![HOOK.into()],
        ..Default::default()
    }
}

/// An item from JSON, as a platform would send it.
fn item(id: &str, text: &str, lang: &str, author: &str, media: Value) -> Item {
    serde_json::from_value(json!({
        "id": id,
        "kind": "post",
        "text": text,
        "lang": lang,
        "author": {"id": author, "country": "LY"},
        "media": media,
    }))
    .unwrap()
}

/// A decision from JSON, as the engine writes it.
fn decision(
    id: &str,
    verdict: &str,
    severity: &str,
    label: &str,
    actions: Value,
    entities: Value,
) -> Decision {
    serde_json::from_value(json!({
        "id": id,
        "verdict": verdict,
        "severity": severity,
        "labels": [{"label": label, "score": 0.9}],
        "actions": actions,
        "reasons": [],
        "entities": entities,
        "lang": "ar",
        "policy_version": "default@3",
        "model_version": "test",
    }))
    .unwrap()
}

fn phone_entity(raw: &str) -> Value {
    json!({"type": "phone", "value": PHONE, "raw": raw, "span": [0, raw.len()], "country": "LY"})
}

fn place_entity(raw: &str) -> Value {
    json!({"type": "place", "value": "Zuwara", "raw": raw, "span": [0, raw.len()],
           "country": "LY", "role": "departure"})
}

/// An item held for review (smuggling, normal priority) with no strike.
fn held(id: &str, author: &str) -> (Item, Decision) {
    (
        item(id, ARABIC_OFFER, "ar", author, json!([])),
        decision(
            id,
            "review",
            "medium",
            "smuggling.advertisement",
            json!([{"type": "queue_review", "priority": "normal"}, {"type": "preserve_evidence"}]),
            json!([phone_entity("+218 91 234 5678")]),
        ),
    )
}

fn record(store: &SqliteStore, (item, decision): &(Item, Decision)) -> Option<i64> {
    let recorded = store
        .record_decision(item, decision, &Source::system())
        .unwrap();
    assert!(recorded.created, "{} was new", item.id);
    recorded.case_id
}

fn review(outcome: ReviewOutcome, note: &str) -> ReviewDecision {
    ReviewDecision {
        outcome,
        labels: Vec::new(),
        note: Some(note.to_string()),
    }
}

/// The decision a reviewer's confirmation produces: remove and strike, made by a person.
fn reviewed(id: &str) -> Decision {
    let mut decision = decision(
        id,
        "action",
        "high",
        "smuggling.advertisement",
        json!([{"type": "remove"}, {"type": "strike"}, {"type": "preserve_evidence"}]),
        json!([phone_entity("+218 91 234 5678")]),
    );
    decision.automated = false;
    decision.policy_version = "default@3+review".to_string();
    decision
}

fn ids(items: &[vigie_store::ItemSummary]) -> Vec<&str> {
    items.iter().map(|item| item.id.as_str()).collect()
}

fn actions(entries: &[vigie_store::AuditEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.action.as_str()).collect()
}

/// A database as the version-2 build left it, written with that build's schema.
fn version_2_database(dir: &std::path::Path) -> rusqlite::Connection {
    let mut raw = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    assert_eq!(vigie_store::migrate_to(&mut raw, 2).unwrap(), 0);
    let user_version: i64 = raw
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(user_version, 2);
    let decided = serde_json::to_string(&held("v2-ar-1", "acct-v2").1).unwrap();
    let waiting = serde_json::to_string(&held("v2-ar-2", "acct-v2").1).unwrap();
    raw.execute_batch(&format!(
        "INSERT INTO items (id, kind, author_id, lang, text, media, decision, verdict, severity,
                            source, received_at)
         VALUES ('v2-ar-1', 'post', 'acct-v2', 'ar', '{ARABIC_OFFER}', '[]', '{decided}',
                 'review', 'medium', 'system', {T0}),
                ('v2-ar-2', 'post', 'acct-v2', 'ar', NULL, '[]', '{waiting}',
                 'review', 'medium', 'system', {T0} + 60);
         INSERT INTO cases (id, item_id, queue, priority, sort_rank, trusted_flagger, status,
                            opened_at, updated_at)
         VALUES (7, 'v2-ar-1', 'smuggling.advertisement', 'normal', 10, 0, 'closed',
                 {T0}, {T0} + 600),
                (8, 'v2-ar-2', 'smuggling.advertisement', 'high', 20, 1, 'open',
                 {T0} + 60, {T0} + 60);
         INSERT INTO case_history (case_id, at, actor, event, labels, note)
         VALUES (7, {T0}, 'system', 'opened', '[]', NULL),
                (7, {T0} + 600, 'token:3:selam', 'confirm', '[\"smuggling.advertisement\"]',
                 'annonce de passage'),
                (8, {T0} + 60, 'system', 'opened', '[]', NULL);"
    ))
    .unwrap();
    raw
}

#[test]
fn a_version_2_database_keeps_its_cases_and_accepts_appeals() {
    let dir = tempfile::tempdir().unwrap();
    drop(version_2_database(dir.path()));

    let clock = Arc::new(ManualClock::new(T0 + 3_600));
    let store =
        SqliteStore::open_with_clock(dir.path(), StoreOptions::default(), clock.clone()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);

    // Cases, ids, statuses, priorities and history survive the rebuild of `cases`.
    let decided = store.get_case(7).unwrap().expect("case 7 kept");
    assert_eq!(decided.case.item_id, "v2-ar-1");
    assert_eq!(decided.case.status, CaseStatus::Closed);
    assert_eq!(decided.case.priority, Priority::Normal);
    assert_eq!(
        (decided.case.opened_at, decided.case.updated_at),
        (T0, T0 + 600)
    );
    assert!(!decided.case.is_appeal());
    assert_eq!(decided.case.appeal_of, None);
    let events: Vec<(&str, &str)> = decided
        .history
        .iter()
        .map(|event| (event.actor.as_str(), event.event.as_str()))
        .collect();
    assert_eq!(events, [("system", "opened"), ("token:3:selam", "confirm")]);
    assert_eq!(decided.history[1].labels, [Label::SmugglingAdvertisement]);
    assert_eq!(
        decided.history[1].note.as_deref(),
        Some("annonce de passage")
    );
    assert_eq!(decided.item.text.as_deref(), Some(ARABIC_OFFER));
    let waiting = store.get_case(8).unwrap().expect("case 8 kept");
    assert_eq!(waiting.case.status, CaseStatus::Open);
    assert_eq!(waiting.case.priority, Priority::High);
    assert!(waiting.case.trusted_flagger);
    assert_eq!(waiting.history.len(), 1);
    let open = store
        .list_cases(None, Some(CaseStatus::Open), 10, None)
        .unwrap();
    assert_eq!(open.iter().map(|case| case.id).collect::<Vec<_>>(), [8]);
    assert_eq!(
        store
            .search_items(&ItemQuery::Author("acct-v2".into()), 10)
            .unwrap()[1]
            .case_id,
        Some(7)
    );

    // The decided item can now be appealed, against the reviewer who confirmed it.
    let appeal = store
        .open_appeal("v2-ar-1", "acct-v2", SOMALI_APPEAL)
        .unwrap();
    assert!(
        appeal.id > 8,
        "a new case id, not a reused one: {}",
        appeal.id
    );
    assert_eq!(appeal.queue, APPEAL_QUEUE);
    assert_eq!(appeal.appeal_of, Some(7));
    assert_eq!(appeal.original_reviewer.as_deref(), Some("token:3:selam"));
    // The one still under review cannot.
    assert!(matches!(
        store.open_appeal("v2-ar-2", "acct-v2", SOMALI_APPEAL),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.verify_audit().unwrap().entries, 1);
    drop(store);

    let raw = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let mut check = raw.prepare("PRAGMA foreign_key_check").unwrap();
    let broken: Vec<String> = check
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(broken.is_empty(), "foreign keys broken in {broken:?}");
    let history_rows: i64 = raw
        .query_row("SELECT COUNT(*) FROM case_history", [], |row| row.get(0))
        .unwrap();
    assert_eq!(history_rows, 4, "three migrated events and the appeal's");
}

#[test]
fn a_purged_case_id_is_not_reused_after_migration() {
    let dir = tempfile::tempdir().unwrap();
    let raw = version_2_database(dir.path());
    // The version-2 build purged case 8 (its item expired): AUTOINCREMENT remembers 8.
    raw.execute_batch(
        "DELETE FROM case_history WHERE case_id = 8;
         DELETE FROM cases WHERE id = 8;
         DELETE FROM items WHERE id = 'v2-ar-2';",
    )
    .unwrap();
    let sequence: i64 = raw
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'cases'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(sequence, 8);
    drop(raw);

    let clock = Arc::new(ManualClock::new(T0 + 3_600));
    let store = SqliteStore::open_with_clock(dir.path(), StoreOptions::default(), clock).unwrap();
    let case_id = record(&store, &held("after-migration", "acct-new")).unwrap();
    // Case 8's audit entries (`case:8`) belong to the purged case: a new case must not take
    // its id, or its audit trail (`audit_for("case:8")`) would show the old case's history.
    assert!(case_id > 8, "case id {case_id} reused after migration");
}

#[test]
fn appeals_go_to_another_reviewer() {
    let fixture = open();
    let store = &fixture.store;
    let submission = held("ar-appeal-1", "acct-ahmed-x");
    let case_id = record(store, &submission).unwrap();

    // Not while the case is still waiting.
    let error = store
        .open_appeal("ar-appeal-1", "acct-ahmed-x", SOMALI_APPEAL)
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");

    // Nor while it waits for a senior reviewer; the one who escalated is not the one appealed.
    store
        .decide_case(
            case_id,
            "token:3:selam",
            &review(ReviewOutcome::Escalate, "pas sûre"),
            None,
        )
        .unwrap();
    let error = store
        .open_appeal("ar-appeal-1", "acct-ahmed-x", SOMALI_APPEAL)
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");

    fixture.clock.advance(300);
    store
        .decide_case(
            case_id,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "annonce claire"),
            None,
        )
        .unwrap();

    fixture.clock.advance(3_600);
    let appeal = store
        .open_appeal("ar-appeal-1", "acct-ahmed-x", SOMALI_APPEAL)
        .unwrap();
    assert!(appeal.is_appeal());
    assert_eq!(appeal.queue, APPEAL_QUEUE);
    assert_eq!(appeal.item_id, "ar-appeal-1");
    assert_eq!(appeal.status, CaseStatus::Open);
    assert_eq!(appeal.priority, Priority::High);
    assert_eq!(appeal.appeal_of, Some(case_id));
    assert_eq!(appeal.original_reviewer.as_deref(), Some("token:1:amina"));
    assert_eq!(appeal.appeal_reason.as_deref(), Some(SOMALI_APPEAL));
    assert_eq!(appeal.opened_at, T0 + 3_900);
    let detail = store.get_case(appeal.id).unwrap().unwrap();
    assert_eq!(detail.history.len(), 1);
    assert_eq!(detail.history[0].event, "appealed");
    assert_eq!(detail.history[0].actor, "acct-ahmed-x");
    assert_eq!(detail.history[0].note.as_deref(), Some(SOMALI_APPEAL));
    // The original case is untouched, and appears in the appeal queue listing only as itself.
    assert_eq!(
        store.get_case(case_id).unwrap().unwrap().case.status,
        CaseStatus::Closed
    );
    let listed = store
        .list_cases(Some(APPEAL_QUEUE), None, 10, None)
        .unwrap();
    assert_eq!(
        listed.iter().map(|case| case.id).collect::<Vec<_>>(),
        [appeal.id]
    );

    // The reviewer who confirmed may not decide the appeal; nothing is written.
    let before = store.audit_entries(0, 1_000).unwrap().len();
    let error = store
        .decide_case(
            appeal.id,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "je maintiens"),
            Some(&reviewed("ar-appeal-1")),
        )
        .unwrap_err();
    assert!(
        matches!(&error, StoreError::SameReviewer { id, reviewer }
            if *id == appeal.id && reviewer == "token:1:amina"),
        "{error}"
    );
    let still = store.get_case(appeal.id).unwrap().unwrap();
    assert_eq!(still.case.status, CaseStatus::Open);
    assert_eq!(still.history.len(), 1);
    assert!(
        store
            .get_decision("ar-appeal-1")
            .unwrap()
            .unwrap()
            .automated
    );
    assert_eq!(store.audit_entries(0, 1_000).unwrap().len(), before);
    assert_eq!(store.training_labels(None, 10).unwrap().len(), 1);

    // Someone else may.
    fixture.clock.advance(60);
    let decided = store
        .decide_case(
            appeal.id,
            "token:2:yonas",
            &review(ReviewOutcome::Overturn, "warbixin, ma aha xayeysiis"),
            None,
        )
        .unwrap();
    assert_eq!(decided.case.status, CaseStatus::Closed);
    assert_eq!(decided.history.last().unwrap().actor, "token:2:yonas");
    assert_eq!(decided.history.last().unwrap().event, "overturn");

    // One appeal per item; none for an unknown item.
    let error = store
        .open_appeal("ar-appeal-1", "acct-ahmed-x", "encore")
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    let error = store
        .open_appeal("no-such-item", "acct-ahmed-x", "?")
        .unwrap_err();
    assert!(matches!(error, StoreError::NotFound { .. }), "{error}");

    let trail = store.audit_for(&format!("case:{}", appeal.id), 10).unwrap();
    assert_eq!(actions(&trail), ["appeal.opened", "case.decided"]);
    let opened: Value = serde_json::from_str(&trail[0].details).unwrap();
    assert_eq!(opened["item_id"], "ar-appeal-1");
    assert_eq!(opened["appeal_of"], case_id);
    assert_eq!(opened["original_reviewer"], "token:1:amina");
    assert_eq!(opened["reason"], SOMALI_APPEAL);
    assert_eq!(trail[0].actor, "acct-ahmed-x");
    store.verify_audit().unwrap();
}

#[test]
fn an_automated_decision_is_appealed_directly() {
    let fixture = open();
    let store = &fixture.store;
    // Removed by the engine alone: no review case.
    let submission = (
        item("ar-auto-1", ARABIC_OFFER, "ar", "acct-auto", json!([])),
        decision(
            "ar-auto-1",
            "action",
            "high",
            "smuggling.advertisement",
            json!([{"type": "remove"}]),
            json!([]),
        ),
    );
    assert_eq!(record(store, &submission), None);
    let appeal = store
        .open_appeal("ar-auto-1", "acct-auto", SOMALI_APPEAL)
        .unwrap();
    assert_eq!(appeal.appeal_of, None);
    assert_eq!(appeal.original_reviewer, None);
    // Any reviewer may decide it.
    let decided = store
        .decide_case(
            appeal.id,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "maintenu"),
            None,
        )
        .unwrap();
    assert_eq!(decided.case.status, CaseStatus::Closed);
    // The item's summary keeps pointing at its review case (none), not the appeal.
    let found = store
        .search_items(&ItemQuery::Author("acct-auto".into()), 10)
        .unwrap();
    assert_eq!(found[0].case_id, None);
}

#[test]
fn a_reviewed_decision_replaces_the_automated_one() {
    let fixture = open_with(with_webhook());
    let store = &fixture.store;

    // Held for review without a strike: the reviewer's decision adds one.
    let case_id = record(store, &held("ar-rev-1", "acct-karim-x")).unwrap();
    assert_eq!(store.strikes("acct-karim-x").unwrap(), 0);
    fixture.clock.advance(120);
    let enforcement = reviewed("ar-rev-1");
    let detail = store
        .decide_case(
            case_id,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "confirmé"),
            Some(&enforcement),
        )
        .unwrap();
    assert_eq!(detail.case.status, CaseStatus::Closed);
    let stored = store.get_decision("ar-rev-1").unwrap().unwrap();
    assert!(!stored.automated);
    assert_eq!(stored, enforcement);
    assert_eq!(stored.verdict, Verdict::Action);
    assert_eq!(store.strikes("acct-karim-x").unwrap(), 1);
    let found = store
        .search_items(&ItemQuery::Author("acct-karim-x".into()), 10)
        .unwrap();
    assert_eq!(
        (found[0].verdict.as_str(), found[0].reviewed),
        ("action", true)
    );
    assert_eq!(found[0].severity, "high");

    // The platform hears of it: a `decision` delivery carrying the reviewed decision.
    let due = store.due_deliveries(T0 + 120, 100).unwrap();
    let reviewed_bodies: Vec<Value> = due
        .iter()
        .filter(|delivery| delivery.event == "decision" && delivery.url == HOOK)
        .map(|delivery| serde_json::from_str::<Value>(&delivery.body).unwrap())
        .filter(|body| body["item_id"] == "ar-rev-1" && body["decision"]["automated"] == false)
        .collect();
    assert_eq!(reviewed_bodies.len(), 1, "{due:?}");
    assert_eq!(reviewed_bodies[0]["case_id"], case_id);
    let sent: Decision = serde_json::from_value(reviewed_bodies[0]["decision"].clone()).unwrap();
    assert_eq!(sent, enforcement);
    assert!(due.iter().any(|delivery| delivery.event == "case_decided"));

    let trail = store.audit_for("ar-rev-1", 10).unwrap();
    assert_eq!(actions(&trail), ["decision.recorded", "decision.reviewed"]);
    let strikes = store.audit_for("acct-karim-x", 10).unwrap();
    assert_eq!(actions(&strikes), ["strike.added"]);
    assert_eq!(strikes[0].actor, "token:1:amina");

    // Already struck by its automated decision: the reviewed strike is not counted twice.
    let mut struck = held("ar-rev-2", "acct-layla-x");
    struck.1.actions = serde_json::from_value(json!([
        {"type": "queue_review", "priority": "high"}, {"type": "strike"}
    ]))
    .unwrap();
    let struck_case = record(store, &struck).unwrap();
    assert_eq!(store.strikes("acct-layla-x").unwrap(), 1);
    store
        .decide_case(
            struck_case,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "confirmé"),
            Some(&reviewed("ar-rev-2")),
        )
        .unwrap();
    assert_eq!(store.strikes("acct-layla-x").unwrap(), 1);
    assert!(!store.get_decision("ar-rev-2").unwrap().unwrap().automated);

    // Escalating with an enforcement changes nothing of the item's decision.
    let escalated = held("ar-rev-3", "acct-omar-x");
    let escalated_case = record(store, &escalated).unwrap();
    let deliveries_before = store.due_deliveries(i64::MAX, 1_000).unwrap().len();
    let detail = store
        .decide_case(
            escalated_case,
            "token:1:amina",
            &review(ReviewOutcome::Escalate, "besoin d'un senior"),
            Some(&reviewed("ar-rev-3")),
        )
        .unwrap();
    assert_eq!(detail.case.status, CaseStatus::Escalated);
    assert_eq!(
        store.get_decision("ar-rev-3").unwrap().unwrap(),
        escalated.1
    );
    assert_eq!(store.strikes("acct-omar-x").unwrap(), 0);
    let after: Vec<_> = store.due_deliveries(i64::MAX, 1_000).unwrap();
    assert_eq!(
        after.len(),
        deliveries_before + 1,
        "only case_decided is queued"
    );
    assert_eq!(after.last().unwrap().event, "case_decided");
    assert!(!actions(&store.audit_for("ar-rev-3", 10).unwrap()).contains(&"decision.reviewed"));
    store.verify_audit().unwrap();
}

#[test]
fn an_enforcement_for_another_item_is_refused() {
    let fixture = open();
    let store = &fixture.store;
    let case_id = record(store, &held("ar-mis-1", "acct-a")).unwrap();
    let other = held("ar-mis-2", "acct-b");
    record(store, &other);
    // The reviewer decides case of ar-mis-1, but the enforcement is (wrongly) for ar-mis-2.
    let result = store.decide_case(
        case_id,
        "token:1:amina",
        &review(ReviewOutcome::Confirm, "confirmé"),
        Some(&reviewed("ar-mis-2")),
    );
    assert!(
        result.is_err(),
        "an enforcement for another item was accepted"
    );
    assert_eq!(store.get_decision("ar-mis-2").unwrap().unwrap(), other.1);
    assert_eq!(store.strikes("acct-b").unwrap(), 0);
    assert_eq!(
        store.get_case(case_id).unwrap().unwrap().case.status,
        CaseStatus::Open
    );
}

#[test]
fn console_sessions_expire_end_and_die_with_their_token() {
    let fixture = open();
    let store = &fixture.store;
    let secret = store
        .create_token("console-amina", &[Scope::Review], false)
        .unwrap();
    let token = store.authenticate(&secret).unwrap().unwrap();

    let created = store.create_session(token.id, 3_600).unwrap();
    assert!(created.secret.starts_with("vgs_"), "{}", created.secret);
    assert_eq!(created.secret.len(), 4 + 64);
    assert!(created.secret[4..].chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(created.csrf.len(), 64);
    assert!(created.csrf.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(created.csrf, created.secret[4..]);
    assert_eq!(created.expires_at, T0 + 3_600);

    let session = store.session(&created.secret).unwrap().expect("live");
    assert_eq!(session.token, token);
    assert_eq!(session.csrf, created.csrf);
    assert_eq!(session.expires_at, T0 + 3_600);
    // Only the cookie's hash is stored.
    let raw = rusqlite::Connection::open(fixture.dir.path().join(DB_FILE)).unwrap();
    let leaked: i64 = raw
        .query_row(
            "SELECT COUNT(*) FROM sessions WHERE secret_sha256 = ?1 OR secret_sha256 = ?2",
            [&created.secret, &created.secret[4..].to_string()],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);
    drop(raw);

    // Expiry.
    fixture.clock.advance(3_599);
    assert!(store.session(&created.secret).unwrap().is_some());
    fixture.clock.advance(1);
    assert!(store.session(&created.secret).unwrap().is_none());

    // Sign out.
    let second = store.create_session(token.id, 3_600).unwrap();
    assert_ne!(second.secret, created.secret);
    assert_ne!(second.csrf, created.csrf);
    assert!(store.session(&second.secret).unwrap().is_some());
    store.end_session(&second.secret).unwrap();
    assert!(store.session(&second.secret).unwrap().is_none());
    store.end_session(&second.secret).unwrap();
    store.end_session("vgs_not-a-session").unwrap();

    // Revoking the token ends all its sessions.
    let third = store.create_session(token.id, 3_600).unwrap();
    let fourth = store.create_session(token.id, 7_200).unwrap();
    assert!(store.revoke_token(token.id, "admin").unwrap());
    assert!(store.session(&third.secret).unwrap().is_none());
    assert!(store.session(&fourth.secret).unwrap().is_none());

    // Garbage cookies.
    for cookie in [
        String::new(),
        "vgs_".to_string(),
        format!("vgs_{}", "0".repeat(64)),
        secret.clone(),
        third.secret.to_uppercase(),
        format!("{} ", third.secret),
        "' OR 1=1 --".to_string(),
        "vgs_ﺰﻭﺍﺭﺓ".to_string(),
    ] {
        assert!(store.session(&cookie).unwrap().is_none(), "{cookie:?}");
    }
    let audit = store.audit_for(&format!("token:{}", token.id), 20).unwrap();
    assert_eq!(
        actions(&audit)
            .iter()
            .filter(|action| **action == "session.started")
            .count(),
        4
    );
    store.verify_audit().unwrap();
}

#[test]
fn reviewer_settings_default_to_blurred_media_and_persist() {
    let fixture = open();
    let store = &fixture.store;
    store
        .create_token("console-amina", &[Scope::Review], false)
        .unwrap();
    store
        .create_token("console-yonas", &[Scope::Review], false)
        .unwrap();
    let ids: Vec<i64> = store.list_tokens().unwrap().iter().map(|t| t.id).collect();
    let (amina, yonas) = (ids[0], ids[1]);
    assert_eq!(
        store.reviewer_settings(amina).unwrap(),
        ReviewerSettings {
            reveal_media: false
        }
    );
    store
        .set_reviewer_settings(amina, &ReviewerSettings { reveal_media: true })
        .unwrap();
    assert!(store.reviewer_settings(amina).unwrap().reveal_media);
    assert!(!store.reviewer_settings(yonas).unwrap().reveal_media);

    // Kept across a restart.
    let dir = fixture.dir;
    drop(fixture.store);
    let store = SqliteStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert!(store.reviewer_settings(amina).unwrap().reveal_media);
    store
        .set_reviewer_settings(
            amina,
            &ReviewerSettings {
                reveal_media: false,
            },
        )
        .unwrap();
    assert!(!store.reviewer_settings(amina).unwrap().reveal_media);
    let audit = store.audit_for(&format!("token:{amina}"), 10).unwrap();
    assert_eq!(
        actions(&audit),
        ["token.created", "reviewer.settings", "reviewer.settings"]
    );
}

/// Four items, a minute apart: two share a phone written differently, two share a photo, three
/// name the same town.
fn linked_fixture() -> Fixture {
    let fixture = open();
    let store = &fixture.store;
    let ar = (
        item(
            "ar-1",
            ARABIC_OFFER,
            "ar",
            "acct-zuwara",
            json!([{"id": "m1", "type": "image", "sha256": PHOTO_SHA256}]),
        ),
        decision(
            "ar-1",
            "action",
            "high",
            "smuggling.advertisement",
            json!([{"type": "remove"}]),
            json!([phone_entity("+218 91 234 5678"), place_entity("زوارة")]),
        ),
    );
    let fr = (
        item("fr-2", FRENCH_OFFER, "fr", "acct-sahel", json!([])),
        decision(
            "fr-2",
            "action",
            "high",
            "smuggling.advertisement",
            json!([{"type": "remove"}]),
            json!([
                phone_entity("00218912345678"),
                place_entity("Zouara"),
                {"type": "handle", "value": "@sahel_transit", "raw": "@sahel_transit",
                 "span": [60, 74], "provider": "telegram"},
            ]),
        ),
    );
    let so = (
        item(
            "so-3",
            SOMALI_NEWS,
            "so",
            "acct-zuwara",
            json!([{"id": "m1", "type": "image", "sha256": OTHER_SHA256}]),
        ),
        decision(
            "so-3",
            "allow",
            "none",
            "benign",
            json!([]),
            json!([place_entity("Zuwara")]),
        ),
    );
    let ti = (
        item(
            "ti-4",
            TIGRINYA_PLEA,
            "ti",
            "acct-asmara",
            json!([{"id": "p", "type": "image", "sha256": PHOTO_SHA256}]),
        ),
        decision(
            "ti-4",
            "review",
            "critical",
            "extortion.ransom",
            json!([{"type": "queue_review", "priority": "critical"}]),
            json!([]),
        ),
    );
    for submission in [&ar, &fr, &so, &ti] {
        record(store, submission);
        fixture.clock.advance(60);
    }
    fixture
}

#[test]
fn items_are_found_by_phone_entity_hash_author_and_text() {
    let fixture = linked_fixture();
    let store = &fixture.store;
    let search = |query: ItemQuery| -> Vec<String> {
        ids(&store.search_items(&query, 10).unwrap())
            .into_iter()
            .map(str::to_string)
            .collect()
    };

    // However the number is written, newest first.
    for written in [
        "00218 91-234-5678",
        "+218 91 234 5678",
        "+218.91.234.5678",
        PHONE,
    ] {
        assert_eq!(
            search(ItemQuery::Phone(written.into())),
            ["fr-2", "ar-1"],
            "{written}"
        );
    }
    assert!(search(ItemQuery::Phone("+218 91 234 5679".into())).is_empty());
    // A place is not a phone, nor an entity to search by for linking purposes, but the handle is.
    assert_eq!(search(ItemQuery::Entity("@sahel_transit".into())), ["fr-2"]);
    assert_eq!(
        search(ItemQuery::Entity(" sahel_transit ".into())),
        ["fr-2"]
    );
    assert!(search(ItemQuery::Entity("sahel%".into())).is_empty());
    // Hashes: exact, whatever the case typed.
    assert_eq!(
        search(ItemQuery::Hash(PHOTO_SHA256.to_uppercase())),
        ["ti-4", "ar-1"]
    );
    assert_eq!(search(ItemQuery::Hash(OTHER_SHA256.into())), ["so-3"]);
    assert!(search(ItemQuery::Hash(PHOTO_SHA256[..20].into())).is_empty());
    assert!(search(ItemQuery::Hash("%".into())).is_empty());
    // Author.
    assert_eq!(
        search(ItemQuery::Author("acct-zuwara".into())),
        ["so-3", "ar-1"]
    );
    assert!(search(ItemQuery::Author("acct-zuw%".into())).is_empty());
    // Text: `%` and `_` are literal.
    assert_eq!(search(ItemQuery::Text("50%".into())), ["fr-2"]);
    assert_eq!(search(ItemQuery::Text("50".into())), ["so-3", "fr-2"]);
    assert_eq!(search(ItemQuery::Text("%".into())), ["fr-2"]);
    assert_eq!(search(ItemQuery::Text("_".into())), ["fr-2"]);
    assert_eq!(search(ItemQuery::Text("zouara".into())), ["fr-2"]);
    assert_eq!(search(ItemQuery::Text("زوارة".into())), ["ar-1"]);
    assert_eq!(search(ItemQuery::Text("ሊብያ".into())), ["ti-4"]);
    assert_eq!(search(ItemQuery::Text("Bani Walid".into())).len(), 0);

    let found = store
        .search_items(&ItemQuery::Phone(PHONE.into()), 1)
        .unwrap();
    assert_eq!(ids(&found), ["fr-2"], "the limit holds");
    let ti = &store
        .search_items(&ItemQuery::Author("acct-asmara".into()), 10)
        .unwrap()[0];
    assert_eq!(ti.verdict, "review");
    assert_eq!(ti.label, Some(Label::ExtortionRansom));
    assert!(ti.case_id.is_some());
    assert!(!ti.reviewed);
    assert_eq!(ti.lang.as_deref(), Some("ti"));
    assert_eq!(ti.received_at, T0 + 180);
}

#[test]
fn linked_items_share_a_phone_or_a_photo_not_a_place() {
    let fixture = linked_fixture();
    let store = &fixture.store;

    let linked = store.linked_items("ar-1", 10).unwrap();
    let pairs: Vec<(&str, &str)> = linked
        .iter()
        .map(|link| (link.item.id.as_str(), link.via.as_str()))
        .collect();
    assert_eq!(linked.len(), 2, "{pairs:?}");
    assert!(!pairs.iter().any(|(id, _)| *id == "ar-1" || *id == "so-3"));
    let by_phone = linked.iter().find(|link| link.item.id == "fr-2").unwrap();
    assert!(by_phone.via.contains("phone"), "{}", by_phone.via);
    assert!(by_phone.via.contains(PHONE), "{}", by_phone.via);
    let by_photo = linked.iter().find(|link| link.item.id == "ti-4").unwrap();
    assert!(by_photo.via.contains("sha256"), "{}", by_photo.via);
    assert!(
        by_photo.via.contains(&PHOTO_SHA256[..12]),
        "{}",
        by_photo.via
    );

    // From the other side.
    let linked = store.linked_items("ti-4", 10).unwrap();
    assert_eq!(
        linked
            .iter()
            .map(|link| link.item.id.as_str())
            .collect::<Vec<_>>(),
        ["ar-1"]
    );
    // A place alone links nothing; an unknown item has no links.
    assert!(store.linked_items("so-3", 10).unwrap().is_empty());
    assert!(store.linked_items("no-such-item", 10).unwrap().is_empty());
    assert_eq!(store.linked_items("ar-1", 1).unwrap().len(), 1);
}

#[test]
fn queue_summaries_put_the_most_urgent_queue_first() {
    let fixture = open();
    let store = &fixture.store;
    // An old, normal-priority smuggling case.
    let old = record(store, &held("ar-q-1", "acct-q1")).unwrap();
    fixture.clock.advance(600);
    let escalate = record(store, &held("ar-q-2", "acct-q2")).unwrap();
    fixture.clock.advance(600);
    // A closed one counts for nothing.
    let closed = record(store, &held("ar-q-3", "acct-q3")).unwrap();
    store
        .decide_case(
            closed,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "ok"),
            None,
        )
        .unwrap();
    fixture.clock.advance(600);
    // Two ransom cases, newer but critical.
    let ransom = |id: &str| {
        (
            item(id, FRENCH_RANSOM, "fr", "family-1", json!([])),
            decision(
                id,
                "review",
                "critical",
                "extortion.ransom",
                json!([{"type": "queue_review", "priority": "critical"}]),
                json!([]),
            ),
        )
    };
    let first_ransom = record(store, &ransom("fr-q-4")).unwrap();
    fixture.clock.advance(60);
    record(store, &ransom("fr-q-5")).unwrap();
    store
        .decide_case(
            escalate,
            "token:1:amina",
            &review(ReviewOutcome::Escalate, "senior"),
            None,
        )
        .unwrap();

    let summaries = store.queue_summaries().unwrap();
    let queues: Vec<&str> = summaries.iter().map(|q| q.queue.as_str()).collect();
    assert_eq!(queues, ["extortion.ransom", "smuggling.advertisement"]);
    let ransom = &summaries[0];
    assert_eq!((ransom.waiting, ransom.escalated), (2, 0));
    assert_eq!(ransom.top_priority, Priority::Critical);
    assert_eq!(
        ransom.oldest_opened_at,
        store
            .get_case(first_ransom)
            .unwrap()
            .unwrap()
            .case
            .opened_at
    );
    assert_eq!(ransom.oldest_opened_at, T0 + 1_800);
    let smuggling = &summaries[1];
    assert_eq!((smuggling.waiting, smuggling.escalated), (2, 1));
    assert_eq!(
        smuggling.top_priority,
        Priority::High,
        "escalation raised it"
    );
    assert_eq!(
        smuggling.oldest_opened_at,
        store.get_case(old).unwrap().unwrap().case.opened_at
    );
    assert_eq!(smuggling.oldest_opened_at, T0);
    // The same counts as the metrics.
    let depths = store.queue_depths().unwrap();
    assert_eq!(depths.cases.get("extortion.ransom"), Some(&2));
    assert_eq!(depths.cases.get("smuggling.advertisement"), Some(&2));

    // An appeal is a queue of its own, high priority: after the critical one.
    store
        .decide_case(
            old,
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "ok"),
            None,
        )
        .unwrap();
    store
        .open_appeal("ar-q-3", "acct-q3", SOMALI_APPEAL)
        .unwrap();
    let queues: Vec<String> = store
        .queue_summaries()
        .unwrap()
        .into_iter()
        .map(|q| q.queue)
        .collect();
    assert_eq!(queues[0], "extortion.ransom");
    assert!(queues.contains(&APPEAL_QUEUE.to_string()));
    assert_eq!(store.queue_summaries().unwrap().len(), 3);
}

#[test]
fn waiting_cases_come_a_page_at_a_time_in_review_order() {
    let fixture = open();
    let store = &fixture.store;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(record(store, &held(&format!("ar-w-{n}"), "acct-w")).unwrap());
        fixture.clock.advance(10);
    }
    // Escalating raises the priority: that case comes first. A closed one is gone.
    store
        .decide_case(
            ids[4],
            "token:1:amina",
            &review(ReviewOutcome::Escalate, "senior"),
            None,
        )
        .unwrap();
    store
        .decide_case(
            ids[2],
            "token:1:amina",
            &review(ReviewOutcome::Confirm, "ok"),
            None,
        )
        .unwrap();
    let queue = store.get_case(ids[0]).unwrap().unwrap().case.queue;
    let first = store.waiting_cases(&queue, 3, None).unwrap();
    let first_ids: Vec<i64> = first.iter().map(|(case, _)| case.id).collect();
    assert_eq!(first_ids, [ids[4], ids[0], ids[1]]);
    assert_eq!(first[1].1.id, "ar-w-0");
    assert_eq!(first[1].1.text.as_deref(), Some(ARABIC_OFFER));
    let rest = store.waiting_cases(&queue, 10, Some(ids[1])).unwrap();
    let rest_ids: Vec<i64> = rest.iter().map(|(case, _)| case.id).collect();
    assert_eq!(rest_ids, [ids[3], ids[5], ids[6]]);
    assert!(store
        .waiting_cases("no-such-queue", 10, None)
        .unwrap()
        .is_empty());
}
