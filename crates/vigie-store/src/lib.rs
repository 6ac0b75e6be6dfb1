//! Vigie's persistent state, behind the [`Store`] trait.
//!
//! The engine decides; the store remembers. It keeps, for each item, only the fields a decision
//! needs (id, kind, author id, language, media hashes, and the text only while the
//! [`RetentionPolicy`] allows), the decision itself, the review [`Case`]s the decision opened and
//! their history, the training labels reviewers produce, extracted entities (to find other items
//! sharing a phone number), strikes per author, API tokens (hashed), the hash banks (as
//! [`vigie_index::BankPersistence`]), the webhook outbox and an
//! append-only, hash-chained audit log ([`Store::verify_audit`]).
//!
//! [`SqliteStore`] is today's implementation: one SQLite file `vigie.db` in a data directory, WAL
//! mode, `synchronous=FULL`, migrations versioned by `PRAGMA user_version` and run at open. Every
//! write method commits (and, with `synchronous=FULL`, syncs the WAL) before it returns `Ok`, so
//! a caller that answers 2xx only after `Ok` never loses what it acknowledged. Concurrent
//! decisions are group-committed: one transaction and one sync for all the callers waiting at
//! that moment. Methods are synchronous; an async server calls them from a blocking thread pool.
//! Only this crate knows SQL.
//!
//! Time is never read deep inside: write methods take it from the store's [`Clock`]
//! ([`SystemClock`] in production, [`ManualClock`] in tests), and scans over time
//! ([`Store::purge_expired`], [`Store::due_deliveries`]) take `now` as an argument. Timestamps are
//! unix seconds (UTC).
//!
//! ```
//! use vigie_store::{Scope, SqliteStore, Source, Store, StoreOptions};
//! let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(&dir.path().join("vigie-data"), StoreOptions::default())?;
//! let item: vigie_core::Item = serde_json::from_str(r#"{"id": "p-1", "text": "Bonjour"}"#)?;
//! let decision: vigie_core::Decision = serde_json::from_str(
//!     r#"{"id": "p-1", "verdict": "allow", "severity": "none", "labels": [], "actions": [],
//!         "reasons": [], "entities": [], "policy_version": "p1", "model_version": "m1"}"#,
//! )?;
//! // `Ok` means committed and synced: the caller may now acknowledge.
//! assert!(store.record_decision(&item, &decision, &Source::system())?.created);
//! // Idempotent by item id.
//! assert!(!store.record_decision(&item, &decision, &Source::system())?.created);
//!
//! let secret = store.create_token("moderation-console", &[Scope::Review], false)?;
//! let token = store.authenticate(&secret)?.expect("a live token");
//! assert!(token.allows(Scope::Review) && !token.allows(Scope::Ingest));
//! assert_eq!(store.verify_audit()?.entries, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod audit;
mod banks;
mod clock;
mod error;
mod schema;
mod sqlite;
mod token;
mod webhook;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use vigie_core::{Decision, Item, Label, Priority};

pub use audit::{AuditEntry, AuditError, AuditReport};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StoreError;
pub use schema::{migrate_to, SCHEMA_VERSION};
pub use sqlite::{SqliteStore, DB_FILE};
pub use token::{Scope, ScopeError, TOKEN_PREFIX};
pub use webhook::{hmac_sha256_hex, retry_delay, Delivery, DeliveryStatus, Retry};

/// Unix time in seconds (UTC).
pub type Timestamp = i64;

/// The result type of every store method.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who submitted an item: recorded with the decision, and the reason a case gets the
/// trusted-flagger boost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Who acts, as written in the audit log (`token:7`, `cli`, `system`).
    pub actor: String,
    /// The API token that submitted the item, if any.
    pub token_id: Option<i64>,
    /// Whether the submitter is a trusted flagger (DSA Art. 22): cases it opens jump ahead in
    /// review.
    pub trusted_flagger: bool,
}

impl Source {
    /// The engine itself (no token, not a trusted flagger), actor `system`.
    pub fn system() -> Source {
        Source {
            actor: "system".to_string(),
            token_id: None,
            trusted_flagger: false,
        }
    }

    /// A submission made with an API token; actor `token:<id>`.
    pub fn token(token: &TokenInfo) -> Source {
        Source {
            actor: format!("token:{}", token.id),
            token_id: Some(token.id),
            trusted_flagger: token.trusted_flagger,
        }
    }
}

/// What [`Store::record_decision`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The stored decision: the one just given when `created`, else the one stored the first
    /// time this item id was seen.
    pub decision: Decision,
    /// `true` if this call stored the item; `false` if the id was already known (nothing was
    /// written).
    pub created: bool,
    /// The review case the decision opened, if any (when `created` is false, the case opened the
    /// first time).
    pub case_id: Option<i64>,
}

/// One element of a batch for [`Store::record_decisions`].
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// The item as submitted.
    pub item: &'a Item,
    /// The engine's decision for it.
    pub decision: &'a Decision,
    /// Who submitted it.
    pub source: &'a Source,
}

/// How long item contents are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Days the item's text is kept; `0` never stores it. After that [`Store::purge_expired`]
    /// erases it (the decision, ids and media hashes stay).
    pub item_text_days: u32,
    /// Days the whole item (its row, decision and entity links) is kept; `None` keeps it
    /// forever. Items with an open case are kept until the case closes.
    pub item_days: Option<u32>,
}

impl Default for RetentionPolicy {
    /// Text for 30 days, items forever.
    fn default() -> RetentionPolicy {
        RetentionPolicy {
            item_text_days: 30,
            item_days: None,
        }
    }
}

/// Options for [`SqliteStore::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// What to keep and for how long.
    pub retention: RetentionPolicy,
    /// Webhook URLs: each decision that proposes actions, and each case decision, is queued in
    /// the outbox once per URL, in the same transaction.
    pub webhook_urls: Vec<String>,
    /// Reader connections (at least 1).
    pub readers: usize,
    /// How long a connection waits for a lock before `SQLITE_BUSY`, in milliseconds.
    pub busy_timeout_ms: u64,
}

impl Default for StoreOptions {
    /// Default retention, no webhooks, 4 readers, 5 s busy timeout.
    fn default() -> StoreOptions {
        StoreOptions {
            retention: RetentionPolicy::default(),
            webhook_urls: Vec::new(),
            readers: 4,
            busy_timeout_ms: 5_000,
        }
    }
}

/// Where a review case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Waiting for a reviewer.
    Open,
    /// Sent up to a senior reviewer (still waiting).
    Escalated,
    /// Decided.
    Closed,
}

impl CaseStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Escalated => "escalated",
            CaseStatus::Closed => "closed",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<CaseStatus> {
        [CaseStatus::Open, CaseStatus::Escalated, CaseStatus::Closed]
            .into_iter()
            .find(|status| status.as_str() == name)
    }
}

/// What a reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// The automated decision was right. Closes the case.
    Confirm,
    /// The automated decision was wrong. Closes the case; a strike it gave is taken back.
    Overturn,
    /// Needs a senior reviewer: the case stays waiting, status `escalated`, priority raised.
    Escalate,
}

impl ReviewOutcome {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Confirm => "confirm",
            ReviewOutcome::Overturn => "overturn",
            ReviewOutcome::Escalate => "escalate",
        }
    }
}

/// A reviewer's decision on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    /// Confirm, overturn or escalate.
    pub outcome: ReviewOutcome,
    /// The labels the reviewer says are right. Empty means: the decision's labels on confirm,
    /// `benign` on overturn.
    #[serde(default)]
    pub labels: Vec<Label>,
    /// A free note, kept in the history.
    #[serde(default)]
    pub note: Option<String>,
}

/// A review case (one per item at most).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Case id.
    pub id: i64,
    /// The item under review.
    pub item_id: String,
    /// The queue: the decision's top label (`extortion.ransom`...) or `general`.
    pub queue: String,
    /// Priority, after the trusted-flagger boost.
    pub priority: Priority,
    /// Whether a trusted flagger submitted the item.
    pub trusted_flagger: bool,
    /// Where the case is.
    pub status: CaseStatus,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// For an appeal (queue `appeal`): the review case whose decision is appealed, if the
    /// decision went through one (else the automated decision itself is appealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_of: Option<i64>,
    /// For an appeal: the author's grounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_reason: Option<String>,
    /// For an appeal: the reviewer who made the appealed decision; someone else decides the
    /// appeal ([`StoreError::SameReviewer`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_reviewer: Option<String>,
}

impl Case {
    /// Whether this case is an author's appeal.
    pub fn is_appeal(&self) -> bool {
        self.queue == APPEAL_QUEUE
    }
}

/// The queue appeals wait in.
pub const APPEAL_QUEUE: &str = "appeal";

/// A case with what a reviewer needs to decide it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDetail {
    /// The case.
    pub case: Case,
    /// The stored item fields.
    pub item: StoredItem,
    /// The automated decision under review.
    pub decision: Decision,
    /// What happened to the case, oldest first.
    pub history: Vec<CaseEvent>,
}

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// When.
    pub at: Timestamp,
    /// Who (`system`, a reviewer's name).
    pub actor: String,
    /// `opened`, `confirm`, `overturn`, `escalate`.
    pub event: String,
    /// Labels the reviewer gave, if any.
    pub labels: Vec<Label>,
    /// The reviewer's note, if any.
    pub note: Option<String>,
}

/// The fields of an item the store keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredItem {
    /// The platform's id.
    pub id: String,
    /// Kind (`post`, `search`...), if given.
    pub kind: Option<String>,
    /// Author's account id, if given.
    pub author_id: Option<String>,
    /// Language: the platform's, else the one Vigie detected.
    pub lang: Option<String>,
    /// The text, while the retention policy keeps it.
    pub text: Option<String>,
    /// Media hashes: one object per attachment with `id`, `type`, `pdq`, `quality`, `md5`,
    /// `sha256` when given (never paths, never vPDQ frames).
    pub media: serde_json::Value,
    /// When it was received.
    pub received_at: Timestamp,
    /// Who submitted it (`Source::actor`).
    pub source: String,
}

/// A training example produced by a review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingLabel {
    /// The item.
    pub item_id: String,
    /// The case it came from.
    pub case_id: i64,
    /// The labels the reviewer stands behind.
    pub labels: Vec<Label>,
    /// `confirm` or `overturn`.
    pub outcome: ReviewOutcome,
    /// Who reviewed.
    pub reviewer: String,
    /// When.
    pub at: Timestamp,
}

/// What a token may do. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Token id (shown in listings and audit entries as `token:<id>`).
    pub id: i64,
    /// A name for people (`ngo-watch`, `moderation-console`).
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Whether the holder is a trusted flagger (DSA Art. 22).
    pub trusted_flagger: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was revoked, if it was (listings only: [`Store::authenticate`] never returns a
    /// revoked token).
    pub revoked_at: Option<Timestamp>,
}

impl TokenInfo {
    /// Whether the token may act in `scope` (`admin` allows everything).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes
            .iter()
            .any(|have| *have == Scope::Admin || *have == scope)
    }
}

/// Counts for metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDepths {
    /// Waiting cases (open or escalated) per queue.
    pub cases: BTreeMap<String, u64>,
    /// Webhook deliveries waiting to be sent.
    pub webhooks_pending: u64,
    /// Webhook deliveries given up on (dead letters).
    pub webhooks_dead: u64,
    /// Items stored.
    pub items: u64,
}

/// What [`Store::purge_expired`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeReport {
    /// Items whose text was erased.
    pub texts_erased: u64,
    /// Items deleted whole.
    pub items_deleted: u64,
}

/// A reviewer's console session, as created: the secret goes in an HttpOnly cookie (only its
/// SHA-256 is stored), the CSRF token in every form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The cookie value (`vgs_` + 64 hex digits).
    pub secret: String,
    /// The token each form sends back (64 hex digits).
    pub csrf: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// A live console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The reviewer's token (live: a revoked token ends its sessions).
    pub token: TokenInfo,
    /// The session's CSRF token.
    pub csrf: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// A reviewer's own settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerSettings {
    /// Show graphic media unblurred by default (off by default: reviewer wellbeing).
    pub reveal_media: bool,
}

/// One queue of waiting cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSummary {
    /// The queue (`extortion.ransom`, `appeal`, `general`...).
    pub queue: String,
    /// Cases waiting (open or escalated).
    pub waiting: u64,
    /// Of which escalated.
    pub escalated: u64,
    /// The highest priority waiting.
    pub top_priority: Priority,
    /// When the oldest waiting case was opened.
    pub oldest_opened_at: Timestamp,
}

/// An item in a list (search results, an author's history, linked items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemSummary {
    /// The platform's id.
    pub id: String,
    /// Kind, if given.
    pub kind: Option<String>,
    /// Author's account id, if given.
    pub author_id: Option<String>,
    /// Language.
    pub lang: Option<String>,
    /// The text, while retention keeps it.
    pub text: Option<String>,
    /// `allow`, `review` or `action` (the current decision).
    pub verdict: String,
    /// The current decision's severity.
    pub severity: String,
    /// The current decision's top label.
    pub label: Option<Label>,
    /// Whether a person made the current decision.
    pub reviewed: bool,
    /// When it was received.
    pub received_at: Timestamp,
    /// Its review case, if any.
    pub case_id: Option<i64>,
}

/// What to search items by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemQuery {
    /// A phone number (spaces, dashes, dots and a leading `00` are ignored) in any entity.
    Phone(String),
    /// A handle, link, transfer code, IBAN or wallet, as extracted.
    Entity(String),
    /// A media hash (PDQ, MD5 or SHA-256 hex), exactly.
    Hash(String),
    /// An author id.
    Author(String),
    /// Words in the text (while retention keeps it), case-insensitive for ASCII.
    Text(String),
}

/// An item linked to another by something they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedItem {
    /// What they share (`phone +218912345678`, `image sha256 3f…`).
    pub via: String,
    /// The other item.
    pub item: ItemSummary,
}

/// Vigie's persistent state. Every write commits before returning, and writes its audit entries
/// in the same transaction. Implementations are shared between threads.
pub trait Store: Send + Sync {
    /// Stores an item's decision, idempotent by item id, in one transaction: a known id returns
    /// the stored decision with `created: false` and writes nothing. A new item also gets its
    /// entities indexed, a strike for its author if the decision has a `strike` action, a case
    /// if the verdict is `review` or an action is `queue_review`, webhook deliveries if the
    /// decision proposes actions, and an audit entry.
    fn record_decision(
        &self,
        item: &Item,
        decision: &Decision,
        source: &Source,
    ) -> Result<Recorded>;

    /// [`Store::record_decision`] for many items in one transaction (group commit: one sync for
    /// the whole batch); results in the batch's order. All or nothing: on `Err` nothing of the
    /// batch was stored. A repeated id within the batch is stored once.
    fn record_decisions(&self, batch: &[Submission<'_>]) -> Result<Vec<Recorded>>;

    /// The stored decision for an item id.
    fn get_decision(&self, item_id: &str) -> Result<Option<Decision>>;

    /// The stored item fields.
    fn get_item(&self, item_id: &str) -> Result<Option<StoredItem>>;

    /// Erases texts past their retention and deletes items past theirs (not those with a
    /// waiting case).
    fn purge_expired(&self, now: Timestamp) -> Result<PurgeReport>;

    /// Cases, highest priority first (trusted flaggers first within a priority), then oldest
    /// first; `after` is the id of the last case of the previous page.
    fn list_cases(
        &self,
        queue: Option<&str>,
        status: Option<CaseStatus>,
        limit: usize,
        after: Option<i64>,
    ) -> Result<Vec<Case>>;

    /// A case with its item, decision and history.
    fn get_case(&self, case_id: i64) -> Result<Option<CaseDetail>>;

    /// Records a reviewer's decision: history, a training label (confirm, overturn), closes the
    /// case (confirm, overturn) or escalates it. Deciding a closed case is
    /// [`StoreError::CaseClosed`]; an appeal decided by the reviewer of the appealed decision is
    /// [`StoreError::SameReviewer`]. `enforcement`, the decision the review produces
    /// (`automated: false`), replaces the item's decision in the same transaction, adds a strike
    /// if it has one, and is queued for the webhooks like an automatic decision.
    fn decide_case(
        &self,
        case_id: i64,
        reviewer: &str,
        review: &ReviewDecision,
        enforcement: Option<&Decision>,
    ) -> Result<CaseDetail>;

    /// Opens an appeal of an item's decision (queue [`APPEAL_QUEUE`], priority high), linked to
    /// the review case that made it, if any; its reviewer may not decide the appeal. An item
    /// still under review, or already appealed, is [`StoreError::Conflict`].
    fn open_appeal(&self, item_id: &str, actor: &str, reason: &str) -> Result<Case>;

    /// Waiting cases per queue, the most urgent queue first (highest priority, then oldest).
    fn queue_summaries(&self) -> Result<Vec<QueueSummary>>;

    /// The waiting cases (open or escalated) of a queue with their items, in review order
    /// (priority, trusted flaggers first, then oldest); `after` is the id of the last case of
    /// the previous page.
    fn waiting_cases(
        &self,
        queue: &str,
        limit: usize,
        after: Option<i64>,
    ) -> Result<Vec<(Case, ItemSummary)>>;

    /// Items matching a query, newest first.
    fn search_items(&self, query: &ItemQuery, limit: usize) -> Result<Vec<ItemSummary>>;

    /// Other items sharing a phone number, handle, payment identifier or media hash with this
    /// one.
    fn linked_items(&self, item_id: &str, limit: usize) -> Result<Vec<LinkedItem>>;

    /// Audit entries about one subject (`case:7`, an item id, an author id), in order.
    fn audit_for(&self, subject: &str, limit: usize) -> Result<Vec<AuditEntry>>;

    /// Starts a console session for a token; `ttl` seconds long.
    fn create_session(&self, token_id: i64, ttl: i64) -> Result<NewSession>;

    /// The live session for a cookie value, if it is known, not expired, and its token live.
    fn session(&self, secret: &str) -> Result<Option<Session>>;

    /// Ends a session (sign out); ending an unknown one is not an error.
    fn end_session(&self, secret: &str) -> Result<()>;

    /// A reviewer's settings (defaults if never set).
    fn reviewer_settings(&self, token_id: i64) -> Result<ReviewerSettings>;

    /// Saves a reviewer's settings.
    fn set_reviewer_settings(&self, token_id: i64, settings: &ReviewerSettings) -> Result<()>;

    /// Training labels produced by reviews, oldest first, after row `after` (exclusive).
    fn training_labels(&self, after: Option<i64>, limit: usize) -> Result<Vec<TrainingLabel>>;

    /// Ids of the items in which an entity (`phone`, `+218912345678`) was found, oldest first.
    fn items_with_entity(
        &self,
        entity_type: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<String>>;

    /// Strikes recorded against an author.
    fn strikes(&self, author_id: &str) -> Result<u32>;

    /// Creates a token and returns its secret (`vgt_` + 64 hex digits), shown once: only its
    /// SHA-256 is stored.
    fn create_token(&self, name: &str, scopes: &[Scope], trusted_flagger: bool) -> Result<String>;

    /// The token's rights, or `None` if it is unknown or revoked.
    fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>>;

    /// All tokens, revoked ones included, by id.
    fn list_tokens(&self) -> Result<Vec<TokenInfo>>;

    /// Revokes a token; `false` if there was no such live token.
    fn revoke_token(&self, token_id: i64, actor: &str) -> Result<bool>;

    /// Appends an audit entry of the caller's own (a configuration change, an export...).
    fn append_audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        details: &serde_json::Value,
    ) -> Result<AuditEntry>;

    /// Audit entries with `seq > after`, in order.
    fn audit_entries(&self, after: i64, limit: usize) -> Result<Vec<AuditEntry>>;

    /// Recomputes the whole chain; the first broken entry is named by its `seq`.
    fn verify_audit(&self) -> Result<AuditReport, AuditError>;

    /// Queues a webhook delivery of the caller's own (due now).
    fn enqueue_webhook(&self, url: &str, event: &str, body: &str) -> Result<i64>;

    /// Pending deliveries due at `now`, oldest first.
    fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>>;

    /// A delivery succeeded (2xx).
    fn mark_delivered(&self, delivery_id: i64) -> Result<()>;

    /// A delivery failed: retry at a time, or give up (dead letter).
    fn mark_failed(&self, delivery_id: i64, error: &str, retry: Retry) -> Result<()>;

    /// Deliveries given up on, oldest first.
    fn dead_letters(&self, limit: usize) -> Result<Vec<Delivery>>;

    /// Puts a dead letter back in the queue, due now, attempts reset; `false` if it was not
    /// dead.
    fn replay_dead_letter(&self, delivery_id: i64) -> Result<bool>;

    /// Counts for metrics.
    fn queue_depths(&self) -> Result<QueueDepths>;
}
