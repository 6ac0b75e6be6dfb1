//! [`SqliteStore`]: the [`Store`] on one SQLite file.
//!
//! One writer connection behind a mutex (SQLite allows one writer at a time anyway; each write
//! method is one `BEGIN IMMEDIATE` transaction) and a few reader connections, which in WAL mode
//! read committed snapshots without blocking the writer.
//!
//! Decisions are group-committed: concurrent `record_decision` and `record_decisions` calls
//! queue their unit (one item, or one batch); one thread at a time leads and records every
//! waiting unit in one transaction, each unit in its own savepoint (all or nothing per unit,
//! a failing unit fails alone), then one commit and one sync for all. Every caller returns only
//! after that commit. On a 2-core machine this takes 16 concurrent writers from about 500 to
//! about 10,000 items per second (`examples/throughput.rs`).

use crate::audit::{entry_hash, ChainVerifier, GENESIS_HASH};
use crate::error::SqlContext;
use crate::token::{hash_secret, new_secret, scopes_from_column, scopes_to_column};
use crate::*;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, Transaction};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use vigie_core::{ActionType, EntityType, Severity, Verdict};

mod review;

const DAY: i64 = 86_400;

/// The [`Store`] on SQLite: `DIR/vigie.db`, WAL, `synchronous=FULL`.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    group: GroupCommit,
    options: StoreOptions,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("readers", &self.readers.len())
            .field("options", &self.options)
            .field("clock", &self.clock)
            .finish()
    }
}

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "vigie.db";

impl SqliteStore {
    /// Opens (creating) `dir/vigie.db` and runs the migrations, with the system clock.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<SqliteStore> {
        SqliteStore::open_with_clock(dir, options, Arc::new(SystemClock))
    }

    /// [`SqliteStore::open`] with a given clock (tests).
    pub fn open_with_clock(
        dir: &Path,
        options: StoreOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let open_error = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(open_error)?;
        configure(&writer, options.busy_timeout_ms, false).map_err(open_error)?;
        schema::migrate(&mut writer)?;
        let mut readers = Vec::new();
        for _ in 0..options.readers.max(1) {
            let reader = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )
            .map_err(open_error)?;
            configure(&reader, options.busy_timeout_ms, true).map_err(open_error)?;
            readers.push(Mutex::new(reader));
        }
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            group: GroupCommit::default(),
            options,
            clock,
        })
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        self.read(|connection| {
            connection
                .query_row("PRAGMA user_version", [], |row| row.get(0))
                .context(|| "reading schema version".to_string())
        })
    }

    /// Runs `f` on a reader connection (a free one if there is, else waits for one).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        let n_readers = self.readers.len();
        for offset in 0..n_readers {
            if let Ok(connection) = self.readers[(start + offset) % n_readers].try_lock() {
                return f(&connection);
            }
        }
        let connection = lock(&self.readers[start % n_readers]);
        f(&connection)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction on the writer and commits; `f` gets the
    /// time the transaction started.
    pub(crate) fn write<T>(
        &self,
        what: &str,
        f: impl FnOnce(&Transaction<'_>, Timestamp) -> Result<T>,
    ) -> Result<T> {
        let mut connection = lock(&self.writer);
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .context(|| format!("starting transaction for {what}"))?;
        let now = self.clock.now();
        let value = f(&transaction, now)?;
        transaction
            .commit()
            .context(|| format!("committing {what}"))?;
        Ok(value)
    }
}

/// Where a group commit leaves one unit's result.
type Slot = Arc<Mutex<Option<Result<Vec<Recorded>>>>>;

/// Submissions waiting for the next group commit, and whether a thread is committing.
#[derive(Default)]
struct GroupCommit {
    state: Mutex<GroupState>,
    /// Signalled when a leader has filled its group's slots.
    done: Condvar,
}

#[derive(Default)]
struct GroupState {
    pending: Vec<Waiting>,
    leading: bool,
}

/// The leading thread's duty, done even if it panics: give every submission of its group a
/// result (an error if it has none), step down and wake the waiting threads.
struct Leader<'a> {
    group_commit: &'a GroupCommit,
    slots: Vec<Slot>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        for slot in &self.slots {
            let mut slot = lock_plain(slot);
            if slot.is_none() {
                *slot = Some(Err(StoreError::Poisoned));
            }
        }
        lock_plain(&self.group_commit.state).leading = false;
        self.group_commit.done.notify_all();
    }
}

/// A submission waiting for the next group commit.
struct Waiting {
    /// Stored all or nothing: one submission, or a whole batch.
    unit: Vec<(Item, Decision, Source)>,
    slot: Slot,
}

impl SqliteStore {
    /// Queues a unit (one submission, or a whole batch) for the next group commit and waits
    /// for its result. One thread at a time leads, committing every waiting unit in one
    /// transaction (one sync); the others wait, and the next leader takes all the units that
    /// arrived meanwhile.
    fn submit(&self, unit: Vec<(Item, Decision, Source)>) -> Result<Vec<Recorded>> {
        let slot: Slot = Arc::new(Mutex::new(None));
        let mut group_state = lock_plain(&self.group.state);
        group_state.pending.push(Waiting {
            unit,
            slot: slot.clone(),
        });
        loop {
            if let Some(result) = lock_plain(&slot).take() {
                return result;
            }
            if !group_state.leading {
                group_state.leading = true;
                let group = std::mem::take(&mut group_state.pending);
                drop(group_state);
                let leader = Leader {
                    group_commit: &self.group,
                    slots: group.iter().map(|waiting| waiting.slot.clone()).collect(),
                };
                let results = {
                    let mut connection = lock(&self.writer);
                    self.commit_group(&mut connection, &group)
                };
                for (waiting, result) in group.iter().zip(results) {
                    *lock_plain(&waiting.slot) = Some(result);
                }
                drop(leader);
                group_state = lock_plain(&self.group.state);
                continue;
            }
            group_state = self
                .group
                .done
                .wait(group_state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// Records `group` in one transaction, each unit in its own savepoint so that a unit that
    /// fails fails alone, whole. If the transaction itself fails, every unit fails.
    fn commit_group(
        &self,
        connection: &mut Connection,
        group: &[Waiting],
    ) -> Vec<Result<Vec<Recorded>>> {
        let n_items: usize = group.iter().map(|waiting| waiting.unit.len()).sum();
        let fail_all = |step: &str, error: rusqlite::Error| -> Vec<Result<Vec<Recorded>>> {
            let message = error.to_string();
            group
                .iter()
                .map(|_| {
                    Err(StoreError::Commit {
                        context: format!("{step} a group of {n_items} decisions"),
                        message: message.clone(),
                    })
                })
                .collect()
        };
        let mut transaction =
            match connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
                Ok(transaction) => transaction,
                Err(error) => return fail_all("starting", error),
            };
        let now = self.clock.now();
        let mut results = Vec::with_capacity(group.len());
        for waiting in group {
            let savepoint = match transaction.savepoint() {
                Ok(savepoint) => savepoint,
                Err(error) => return fail_all("recording", error),
            };
            let recorded: Result<Vec<Recorded>> = waiting
                .unit
                .iter()
                .map(|(item, decision, source)| {
                    let submission = Submission {
                        item,
                        decision,
                        source,
                    };
                    record_in(&savepoint, now, &self.options, &submission)
                })
                .collect();
            match recorded {
                Ok(recorded) => {
                    if let Err(error) = savepoint.commit() {
                        return fail_all("recording", error);
                    }
                    results.push(Ok(recorded));
                }
                // Dropping the savepoint rolls this unit back, and only it.
                Err(error) => results.push(Err(error)),
            }
        }
        match transaction.commit() {
            Ok(()) => results,
            Err(error) => fail_all("committing", error),
        }
    }
}

fn lock_plain<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A poisoned mutex only means a thread panicked while holding it; SQLite rolled the open
/// transaction back when it was dropped, so the connection is still good.
fn lock(mutex: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(
    connection: &Connection,
    busy_timeout_ms: u64,
    read_only: bool,
) -> rusqlite::Result<()> {
    connection.busy_timeout(std::time::Duration::from_millis(busy_timeout_ms))?;
    if !read_only {
        let mode: String =
            connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidParameterName(format!(
                "journal_mode WAL refused (got {mode})"
            )));
        }
    }
    // FULL: in WAL mode the WAL is synced at every commit, so a committed write survives a
    // power cut, not only a crash of the process.
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    if read_only {
        connection.pragma_update(None, "query_only", "ON")?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T, context: impl FnOnce() -> String) -> Result<String> {
    serde_json::to_string(value).map_err(|source| StoreError::Json {
        context: context(),
        source,
    })
}

fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    context: impl FnOnce() -> String,
) -> Result<T> {
    serde_json::from_str(text).map_err(|source| StoreError::Json {
        context: context(),
        source,
    })
}

fn priority_parse(name: &str) -> Result<Priority> {
    Ok(match name {
        "low" => Priority::Low,
        "normal" => Priority::Normal,
        "high" => Priority::High,
        "critical" => Priority::Critical,
        _ => {
            return Err(StoreError::Corrupt {
                column: "cases.priority",
                value: name.to_string(),
            })
        }
    })
}

fn priority_rank(priority: Priority) -> i64 {
    match priority {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Critical => 3,
    }
}

fn priority_raise(priority: Priority) -> Priority {
    match priority {
        Priority::Low => Priority::Normal,
        Priority::Normal => Priority::High,
        Priority::High | Priority::Critical => Priority::Critical,
    }
}

/// Trusted flaggers first within a priority.
fn sort_rank(priority: Priority, trusted_flagger: bool) -> i64 {
    priority_rank(priority) * 2 + i64::from(trusted_flagger)
}

fn severity_priority(severity: Severity) -> Priority {
    match severity {
        Severity::Critical => Priority::Critical,
        Severity::High => Priority::High,
        Severity::Medium => Priority::Normal,
        Severity::Low | Severity::None => Priority::Low,
    }
}

fn label_names(labels: &[Label]) -> Vec<&'static str> {
    labels.iter().map(|label| label.as_str()).collect()
}

fn parse_labels(text: &str, column: &'static str) -> Result<Vec<Label>> {
    let names: Vec<String> = from_json(text, || column.to_string())?;
    names
        .iter()
        .map(|name| {
            Label::parse(name).ok_or_else(|| StoreError::Corrupt {
                column,
                value: name.clone(),
            })
        })
        .collect()
}

fn labels_column(labels: &[Label]) -> String {
    // A list of plain strings always serializes.
    serde_json::to_string(&label_names(labels)).unwrap_or_else(|_| "[]".to_string())
}

/// Media hashes only: no paths, no vPDQ frames, no unknown fields.
fn media_hashes(item: &Item) -> Value {
    Value::Array(
        item.media
            .iter()
            .map(|media| {
                let mut object = serde_json::Map::new();
                if let Some(id) = &media.id {
                    object.insert("id".into(), json!(id));
                }
                if let Some(media_type) = &media.media_type {
                    object.insert("type".into(), json!(media_type));
                }
                if let Some(pdq) = &media.pdq {
                    object.insert("pdq".into(), json!(pdq.to_string()));
                }
                if let Some(quality) = media.quality {
                    object.insert("quality".into(), json!(quality));
                }
                if let Some(md5) = &media.md5 {
                    object.insert("md5".into(), json!(md5));
                }
                if let Some(sha256) = &media.sha256 {
                    object.insert("sha256".into(), json!(sha256));
                }
                if !media.vpdq.is_empty() {
                    object.insert("vpdq_frames".into(), json!(media.vpdq.len()));
                }
                Value::Object(object)
            })
            .collect(),
    )
}

/// Appends one audit entry inside `transaction`.
pub(crate) fn append_audit_in(
    transaction: &Connection,
    at: Timestamp,
    actor: &str,
    action: &str,
    subject: &str,
    details: &Value,
) -> Result<AuditEntry> {
    let context = || format!("appending audit entry {action} {subject}");
    let head: Option<(i64, String)> = transaction
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()
        .context(context)?;
    let (prev_seq, prev_hash) = head.unwrap_or((0, GENESIS_HASH.to_string()));
    let seq = prev_seq + 1;
    let details = to_json(details, context)?;
    let hash = entry_hash(&prev_hash, seq, at, actor, action, subject, &details);
    transaction
        .execute(
            "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![seq, at, actor, action, subject, details, prev_hash, hash],
        )
        .context(context)?;
    transaction
        .execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq, hash],
        )
        .context(context)?;
    Ok(AuditEntry {
        seq,
        at,
        actor: actor.to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        details,
        prev_hash,
        hash,
    })
}

fn audit_from_row(row: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.get(0)?,
        at: row.get(1)?,
        actor: row.get(2)?,
        action: row.get(3)?,
        subject: row.get(4)?,
        details: row.get(5)?,
        prev_hash: row.get(6)?,
        hash: row.get(7)?,
    })
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, subject, details, prev_hash, hash";

fn enqueue_in(
    transaction: &Connection,
    now: Timestamp,
    url: &str,
    event: &str,
    body: &str,
) -> Result<i64> {
    transaction
        .execute(
            "INSERT INTO webhook_outbox (url, event, body, attempts, next_attempt_at, status,
                                         created_at, updated_at)
             VALUES (?1, ?2, ?3, 0, ?4, 'pending', ?4, ?4)",
            params![url, event, body, now],
        )
        .context(|| format!("queueing webhook {event} for {url}"))?;
    Ok(transaction.last_insert_rowid())
}

/// Stores one item and its consequences inside `transaction`.
fn record_in(
    transaction: &Connection,
    now: Timestamp,
    options: &StoreOptions,
    submission: &Submission<'_>,
) -> Result<Recorded> {
    let Submission {
        item,
        decision,
        source,
    } = *submission;
    if decision.id != item.id {
        return Err(StoreError::IdMismatch {
            item_id: item.id.clone(),
            decision_id: decision.id.clone(),
        });
    }
    let context = || format!("recording decision for item {}", item.id);
    let existing: Option<(String, Option<i64>)> = transaction
        .query_row(
            "SELECT decision,
                    (SELECT id FROM cases WHERE cases.item_id = items.id AND kind = 'review')
             FROM items WHERE id = ?1",
            [&item.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .context(context)?;
    if let Some((stored, case_id)) = existing {
        return Ok(Recorded {
            decision: from_json(&stored, || format!("stored decision of item {}", item.id))?,
            created: false,
            case_id,
        });
    }

    let retention = options.retention;
    let text = if retention.item_text_days > 0 {
        item.text.as_deref()
    } else {
        None
    };
    let text_expires_at = text.map(|_| now + i64::from(retention.item_text_days) * DAY);
    let expires_at = retention.item_days.map(|days| now + i64::from(days) * DAY);
    let author_id = item.author.as_ref().and_then(|author| author.id.as_deref());
    let lang = item.lang.as_deref().or(decision.lang.as_deref());
    let has_action = |wanted: ActionType| {
        decision
            .actions
            .iter()
            .any(|action| action.action_type == wanted)
    };
    let strike = has_action(ActionType::Strike) && author_id.is_some();
    let decision_json = to_json(decision, || format!("decision of item {}", item.id))?;
    transaction
        .execute(
            "INSERT INTO items (id, kind, author_id, lang, text, media, decision, verdict,
                                severity, source, token_id, trusted_flagger, struck,
                                received_at, text_expires_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                item.id,
                item.kind.map(|kind| kind.as_str()),
                author_id,
                lang,
                text,
                media_hashes(item).to_string(),
                decision_json,
                decision.verdict.as_str(),
                decision.severity.as_str(),
                source.actor,
                source.token_id,
                source.trusted_flagger,
                strike,
                now,
                text_expires_at,
                expires_at,
            ],
        )
        .context(context)?;

    for entity in &decision.entities {
        if entity.entity_type == EntityType::Price {
            continue;
        }
        transaction
            .execute(
                "INSERT OR IGNORE INTO entities (entity_type, value, item_id, seen_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![entity.entity_type.as_str(), entity.value, item.id, now],
            )
            .context(context)?;
    }

    if let (true, Some(author_id)) = (strike, author_id) {
        add_strike_in(
            transaction,
            now,
            &source.actor,
            author_id,
            &json!({ "item_id": item.id }),
        )?;
    }

    let mut case_id = None;
    if decision.verdict == Verdict::Review || has_action(ActionType::QueueReview) {
        let queue = decision
            .labels
            .first()
            .filter(|top| top.label != Label::Benign)
            .map(|top| top.label.as_str())
            .unwrap_or("general");
        let mut priority = decision
            .actions
            .iter()
            .filter(|action| action.action_type == ActionType::QueueReview)
            .filter_map(|action| action.priority)
            .max()
            .unwrap_or_else(|| severity_priority(decision.severity));
        if source.trusted_flagger {
            priority = priority_raise(priority);
        }
        transaction
            .execute(
                "INSERT INTO cases (item_id, queue, priority, sort_rank, trusted_flagger, status,
                                    opened_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?6)",
                params![
                    item.id,
                    queue,
                    priority.as_str(),
                    sort_rank(priority, source.trusted_flagger),
                    source.trusted_flagger,
                    now
                ],
            )
            .context(context)?;
        let id = transaction.last_insert_rowid();
        transaction
            .execute(
                "INSERT INTO case_history (case_id, at, actor, event) VALUES (?1, ?2, ?3, 'opened')",
                params![id, now, source.actor],
            )
            .context(context)?;
        append_audit_in(
            transaction,
            now,
            &source.actor,
            "case.opened",
            &format!("case:{id}"),
            &json!({
                "item_id": item.id,
                "queue": queue,
                "priority": priority.as_str(),
                "trusted_flagger": source.trusted_flagger,
            }),
        )?;
        case_id = Some(id);
    }

    enqueue_decision_in(transaction, now, options, decision, case_id)?;

    append_audit_in(
        transaction,
        now,
        &source.actor,
        "decision.recorded",
        &item.id,
        &json!({
            "verdict": decision.verdict.as_str(),
            "severity": decision.severity.as_str(),
            "labels": decision.labels.iter().map(|score| score.label.as_str()).collect::<Vec<_>>(),
            "actions": decision.actions.iter().map(|action| action.action_type.as_str()).collect::<Vec<_>>(),
            "policy_version": decision.policy_version,
            "model_version": decision.model_version,
            "case_id": case_id,
        }),
    )?;

    Ok(Recorded {
        decision: decision.clone(),
        created: true,
        case_id,
    })
}

/// A reviewed decision replaces the item's decision: stored, a strike added if it has one and
/// none was given, audited, and queued for the webhooks as an automatic decision is.
fn apply_reviewed_decision(
    transaction: &Connection,
    now: Timestamp,
    options: &StoreOptions,
    reviewer: &str,
    case_id: i64,
    decision: &Decision,
) -> Result<()> {
    let item_id = &decision.id;
    let context = || format!("recording the reviewed decision of item {item_id}");
    let (struck, author_id): (bool, Option<String>) = transaction
        .query_row(
            "SELECT struck, author_id FROM items WHERE id = ?1",
            [item_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .context(context)?
        .ok_or_else(|| StoreError::NotFound {
            what: "item",
            id: item_id.clone(),
        })?;
    transaction
        .execute(
            "UPDATE items SET decision = ?2, verdict = ?3, severity = ?4 WHERE id = ?1",
            params![
                item_id,
                to_json(decision, context)?,
                decision.verdict.as_str(),
                decision.severity.as_str()
            ],
        )
        .context(context)?;
    let strike = decision
        .actions
        .iter()
        .any(|action| action.action_type == ActionType::Strike);
    if let (true, false, Some(author_id)) = (strike, struck, &author_id) {
        transaction
            .execute("UPDATE items SET struck = 1 WHERE id = ?1", [item_id])
            .context(context)?;
        add_strike_in(
            transaction,
            now,
            reviewer,
            author_id,
            &json!({ "item_id": item_id, "case_id": case_id }),
        )?;
    }
    append_audit_in(
        transaction,
        now,
        reviewer,
        "decision.reviewed",
        item_id,
        &json!({
            "case_id": case_id,
            "verdict": decision.verdict.as_str(),
            "labels": decision.labels.iter().map(|score| score.label.as_str()).collect::<Vec<_>>(),
            "actions": decision.actions.iter().map(|action| action.action_type.as_str()).collect::<Vec<_>>(),
            "policy_version": decision.policy_version,
        }),
    )?;
    enqueue_decision_in(transaction, now, options, decision, Some(case_id))
}

/// One more strike for an author, with its audit entry.
fn add_strike_in(
    transaction: &Connection,
    now: Timestamp,
    actor: &str,
    author_id: &str,
    details: &Value,
) -> Result<()> {
    transaction
        .execute(
            "INSERT INTO strikes (author_id, count, updated_at) VALUES (?1, 1, ?2)
             ON CONFLICT (author_id) DO UPDATE SET count = count + 1, updated_at = ?2",
            params![author_id, now],
        )
        .context(|| format!("adding a strike for {author_id}"))?;
    append_audit_in(transaction, now, actor, "strike.added", author_id, details)?;
    Ok(())
}

/// Queues a `decision` event for every webhook URL, if the decision proposes actions: the same
/// event for automatic and reviewed decisions.
fn enqueue_decision_in(
    transaction: &Connection,
    now: Timestamp,
    options: &StoreOptions,
    decision: &Decision,
    case_id: Option<i64>,
) -> Result<()> {
    if decision.actions.is_empty() || options.webhook_urls.is_empty() {
        return Ok(());
    }
    let body = to_json(
        &json!({
            "event": "decision",
            "item_id": decision.id,
            "case_id": case_id,
            "decision": decision,
        }),
        || format!("webhook body for item {}", decision.id),
    )?;
    for url in &options.webhook_urls {
        enqueue_in(transaction, now, url, "decision", &body)?;
    }
    Ok(())
}

const CASE_COLUMNS: &str = "id, item_id, queue, priority, trusted_flagger, status, opened_at, \
                            updated_at, appeal_of, appeal_reason, original_reviewer";

fn case_from_row(row: &Row<'_>) -> rusqlite::Result<(Case, String, String)> {
    // Priority and status are parsed by the caller, which can return a store error.
    Ok((
        Case {
            id: row.get(0)?,
            item_id: row.get(1)?,
            queue: row.get(2)?,
            priority: Priority::Normal,
            trusted_flagger: row.get(4)?,
            status: CaseStatus::Open,
            opened_at: row.get(6)?,
            updated_at: row.get(7)?,
            appeal_of: row.get(8)?,
            appeal_reason: row.get(9)?,
            original_reviewer: row.get(10)?,
        },
        row.get(3)?,
        row.get(5)?,
    ))
}

fn finish_case((mut case, priority, status): (Case, String, String)) -> Result<Case> {
    case.priority = priority_parse(&priority)?;
    case.status = CaseStatus::parse(&status).ok_or(StoreError::Corrupt {
        column: "cases.status",
        value: status,
    })?;
    Ok(case)
}

fn load_case(connection: &Connection, case_id: i64) -> Result<Option<Case>> {
    let row = connection
        .query_row(
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = ?1"),
            [case_id],
            case_from_row,
        )
        .optional()
        .context(|| format!("reading case {case_id}"))?;
    row.map(finish_case).transpose()
}

const ITEM_COLUMNS: &str = "id, kind, author_id, lang, text, media, received_at, source, decision";

fn load_item(connection: &Connection, item_id: &str) -> Result<Option<(StoredItem, String)>> {
    let context = || format!("reading item {item_id}");
    let row = connection
        .query_row(
            &format!("SELECT {ITEM_COLUMNS} FROM items WHERE id = ?1"),
            [item_id],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, Option<String>>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, String>(8)?,
                ))
            },
        )
        .optional()
        .context(context)?;
    let Some((id, kind, author_id, lang, text, media, received_at, source, decision)) = row else {
        return Ok(None);
    };
    let media = from_json(&media, || format!("media of item {item_id}"))?;
    Ok(Some((
        StoredItem {
            id,
            kind,
            author_id,
            lang,
            text,
            media,
            received_at,
            source,
        },
        decision,
    )))
}

fn load_case_detail(connection: &Connection, case_id: i64) -> Result<Option<CaseDetail>> {
    let Some(case) = load_case(connection, case_id)? else {
        return Ok(None);
    };
    let Some((item, decision)) = load_item(connection, &case.item_id)? else {
        return Err(StoreError::NotFound {
            what: "item",
            id: case.item_id.clone(),
        });
    };
    let decision = from_json(&decision, || format!("stored decision of item {}", item.id))?;
    let context = || format!("reading history of case {case_id}");
    let mut statement = connection
        .prepare_cached(
            "SELECT at, actor, event, labels, note FROM case_history WHERE case_id = ?1 ORDER BY id",
        )
        .context(context)?;
    let rows = statement
        .query_map([case_id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
            ))
        })
        .context(context)?;
    let mut history = Vec::new();
    for row in rows {
        let (at, actor, event, labels, note) = row.context(context)?;
        history.push(CaseEvent {
            at,
            actor,
            event,
            labels: parse_labels(&labels, "case_history.labels")?,
            note,
        });
    }
    Ok(Some(CaseDetail {
        case,
        item,
        decision,
        history,
    }))
}

fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<(Delivery, String)> {
    Ok((
        Delivery {
            id: row.get(0)?,
            url: row.get(1)?,
            event: row.get(2)?,
            body: row.get(3)?,
            attempts: row.get(4)?,
            next_attempt_at: row.get(5)?,
            last_error: row.get(6)?,
            status: DeliveryStatus::Pending,
            created_at: row.get(8)?,
        },
        row.get(7)?,
    ))
}

const DELIVERY_COLUMNS: &str =
    "id, url, event, body, attempts, next_attempt_at, last_error, status, created_at";

fn query_deliveries(
    connection: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    what: &str,
) -> Result<Vec<Delivery>> {
    let context = || format!("reading {what}");
    let mut statement = connection.prepare_cached(sql).context(context)?;
    let rows = statement
        .query_map(params, delivery_from_row)
        .context(context)?;
    let mut deliveries = Vec::new();
    for row in rows {
        let (mut delivery, status) = row.context(context)?;
        delivery.status = DeliveryStatus::parse(&status).ok_or(StoreError::Corrupt {
            column: "webhook_outbox.status",
            value: status,
        })?;
        deliveries.push(delivery);
    }
    Ok(deliveries)
}

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<(TokenInfo, String)> {
    Ok((
        TokenInfo {
            id: row.get(0)?,
            name: row.get(1)?,
            scopes: Vec::new(),
            trusted_flagger: row.get(3)?,
            created_at: row.get(4)?,
            revoked_at: row.get(5)?,
        },
        row.get(2)?,
    ))
}

fn finish_token((mut token, scopes): (TokenInfo, String)) -> Result<TokenInfo> {
    token.scopes = scopes_from_column(&scopes)?;
    Ok(token)
}

const TOKEN_COLUMNS: &str = "id, name, scopes, trusted_flagger, created_at, revoked_at";

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn record_decision(
        &self,
        item: &Item,
        decision: &Decision,
        source: &Source,
    ) -> Result<Recorded> {
        let unit = vec![(item.clone(), decision.clone(), source.clone())];
        let mut recorded = self.submit(unit)?;
        recorded.pop().ok_or(StoreError::Poisoned)
    }

    fn record_decisions(&self, batch: &[Submission<'_>]) -> Result<Vec<Recorded>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let unit = batch
            .iter()
            .map(|submission| {
                (
                    submission.item.clone(),
                    submission.decision.clone(),
                    submission.source.clone(),
                )
            })
            .collect();
        self.submit(unit)
    }

    fn get_decision(&self, item_id: &str) -> Result<Option<Decision>> {
        self.read(|connection| {
            let stored: Option<String> = connection
                .query_row(
                    "SELECT decision FROM items WHERE id = ?1",
                    [item_id],
                    |row| row.get(0),
                )
                .optional()
                .context(|| format!("reading decision of item {item_id}"))?;
            stored
                .map(|text| from_json(&text, || format!("stored decision of item {item_id}")))
                .transpose()
        })
    }

    fn get_item(&self, item_id: &str) -> Result<Option<StoredItem>> {
        self.read(|connection| Ok(load_item(connection, item_id)?.map(|(item, _)| item)))
    }

    fn purge_expired(&self, now: Timestamp) -> Result<PurgeReport> {
        self.write("retention purge", |transaction, at| {
            let context = || "purging expired items".to_string();
            let texts_erased = transaction
                .execute(
                    "UPDATE items SET text = NULL
                     WHERE text IS NOT NULL AND text_expires_at <= ?1",
                    [now],
                )
                .context(context)? as u64;
            let expired = "SELECT id FROM items WHERE expires_at <= ?1 AND NOT EXISTS (
                               SELECT 1 FROM cases WHERE cases.item_id = items.id
                               AND cases.status != 'closed')";
            for sql in [
                format!("DELETE FROM entities WHERE item_id IN ({expired})"),
                format!(
                    "DELETE FROM case_history WHERE case_id IN (
                         SELECT id FROM cases WHERE item_id IN ({expired}))"
                ),
                format!("DELETE FROM cases WHERE item_id IN ({expired})"),
            ] {
                transaction.execute(&sql, [now]).context(context)?;
            }
            let items_deleted = transaction
                .execute(
                    "DELETE FROM items WHERE expires_at <= ?1 AND NOT EXISTS (
                         SELECT 1 FROM cases WHERE cases.item_id = items.id
                         AND cases.status != 'closed')",
                    [now],
                )
                .context(context)? as u64;
            if texts_erased > 0 || items_deleted > 0 {
                append_audit_in(
                    transaction,
                    at,
                    "system",
                    "retention.purged",
                    "items",
                    &json!({
                        "now": now,
                        "texts_erased": texts_erased,
                        "items_deleted": items_deleted,
                    }),
                )?;
            }
            Ok(PurgeReport {
                texts_erased,
                items_deleted,
            })
        })
    }

    fn list_cases(
        &self,
        queue: Option<&str>,
        status: Option<CaseStatus>,
        limit: usize,
        after: Option<i64>,
    ) -> Result<Vec<Case>> {
        self.read(|connection| {
            let context = || "listing cases".to_string();
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {CASE_COLUMNS} FROM cases
                     WHERE (?1 IS NULL OR queue = ?1)
                       AND (?2 IS NULL OR status = ?2)
                       AND (?3 IS NULL
                            OR sort_rank < (SELECT sort_rank FROM cases WHERE id = ?3)
                            OR (sort_rank = (SELECT sort_rank FROM cases WHERE id = ?3)
                                AND id > ?3))
                     ORDER BY sort_rank DESC, id ASC
                     LIMIT ?4"
                ))
                .context(context)?;
            let rows = statement
                .query_map(
                    params![
                        queue,
                        status.map(|status| status.as_str()),
                        after,
                        limit_param(limit)
                    ],
                    case_from_row,
                )
                .context(context)?;
            let mut cases = Vec::new();
            for row in rows {
                cases.push(finish_case(row.context(context)?)?);
            }
            Ok(cases)
        })
    }

    fn get_case(&self, case_id: i64) -> Result<Option<CaseDetail>> {
        self.read(|connection| {
            let transaction = connection
                .unchecked_transaction()
                .context(|| format!("reading case {case_id}"))?;
            load_case_detail(&transaction, case_id)
        })
    }

    fn decide_case(
        &self,
        case_id: i64,
        reviewer: &str,
        review: &ReviewDecision,
        enforcement: Option<&Decision>,
    ) -> Result<CaseDetail> {
        self.write(&format!("review of case {case_id}"), |transaction, now| {
            let context = || format!("deciding case {case_id}");
            let Some(detail) = load_case_detail(transaction, case_id)? else {
                return Err(StoreError::NotFound {
                    what: "case",
                    id: case_id.to_string(),
                });
            };
            if detail.case.status == CaseStatus::Closed {
                return Err(StoreError::CaseClosed { id: case_id });
            }
            if let Some(decision) = enforcement.filter(|d| d.id != detail.case.item_id) {
                return Err(StoreError::IdMismatch {
                    item_id: detail.case.item_id.clone(),
                    decision_id: decision.id.clone(),
                });
            }
            if detail.case.original_reviewer.as_deref() == Some(reviewer) {
                return Err(StoreError::SameReviewer {
                    id: case_id,
                    reviewer: reviewer.to_string(),
                });
            }
            let item_id = detail.case.item_id.clone();
            let labels = match (review.outcome, review.labels.is_empty()) {
                (_, false) => review.labels.clone(),
                (ReviewOutcome::Confirm, true) => {
                    let labels: Vec<Label> = detail
                        .decision
                        .labels
                        .iter()
                        .map(|score| score.label)
                        .collect();
                    if labels.is_empty() {
                        vec![Label::Benign]
                    } else {
                        labels
                    }
                }
                (ReviewOutcome::Overturn, true) => vec![Label::Benign],
                (ReviewOutcome::Escalate, true) => Vec::new(),
            };
            let outcome = review.outcome.as_str();
            transaction
                .execute(
                    "INSERT INTO case_history (case_id, at, actor, event, labels, note)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        case_id,
                        now,
                        reviewer,
                        outcome,
                        labels_column(&labels),
                        review.note
                    ],
                )
                .context(context)?;
            match review.outcome {
                ReviewOutcome::Confirm | ReviewOutcome::Overturn => {
                    transaction
                        .execute(
                            "UPDATE cases SET status = 'closed', updated_at = ?2 WHERE id = ?1",
                            params![case_id, now],
                        )
                        .context(context)?;
                    transaction
                        .execute(
                            "INSERT INTO training_labels (item_id, case_id, labels, outcome,
                                                          reviewer, at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            params![
                                item_id,
                                case_id,
                                labels_column(&labels),
                                outcome,
                                reviewer,
                                now
                            ],
                        )
                        .context(context)?;
                }
                ReviewOutcome::Escalate => {
                    let priority = priority_raise(detail.case.priority);
                    transaction
                        .execute(
                            "UPDATE cases SET status = 'escalated', priority = ?2, sort_rank = ?3,
                                              updated_at = ?4
                             WHERE id = ?1",
                            params![
                                case_id,
                                priority.as_str(),
                                sort_rank(priority, detail.case.trusted_flagger),
                                now
                            ],
                        )
                        .context(context)?;
                }
            }
            if review.outcome == ReviewOutcome::Overturn {
                let struck: Option<(bool, Option<String>)> = transaction
                    .query_row(
                        "SELECT struck, author_id FROM items WHERE id = ?1",
                        [&item_id],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()
                    .context(context)?;
                if let Some((true, Some(author_id))) = struck {
                    transaction
                        .execute(
                            "UPDATE strikes SET count = MAX(count - 1, 0), updated_at = ?2
                             WHERE author_id = ?1",
                            params![author_id, now],
                        )
                        .context(context)?;
                    transaction
                        .execute("UPDATE items SET struck = 0 WHERE id = ?1", [&item_id])
                        .context(context)?;
                    append_audit_in(
                        transaction,
                        now,
                        reviewer,
                        "strike.removed",
                        &author_id,
                        &json!({ "item_id": item_id, "case_id": case_id }),
                    )?;
                }
            }
            if let Some(decision) =
                enforcement.filter(|_| review.outcome != ReviewOutcome::Escalate)
            {
                apply_reviewed_decision(
                    transaction,
                    now,
                    &self.options,
                    reviewer,
                    case_id,
                    decision,
                )?;
            }
            append_audit_in(
                transaction,
                now,
                reviewer,
                "case.decided",
                &format!("case:{case_id}"),
                &json!({
                    "item_id": item_id,
                    "outcome": outcome,
                    "labels": label_names(&labels),
                    "note": review.note,
                }),
            )?;
            if !self.options.webhook_urls.is_empty() {
                let body = to_json(
                    &json!({
                        "event": "case_decided",
                        "case_id": case_id,
                        "item_id": item_id,
                        "outcome": outcome,
                        "labels": label_names(&labels),
                        "reviewer": reviewer,
                    }),
                    || format!("webhook body for case {case_id}"),
                )?;
                for url in &self.options.webhook_urls {
                    enqueue_in(transaction, now, url, "case_decided", &body)?;
                }
            }
            load_case_detail(transaction, case_id)?.ok_or(StoreError::NotFound {
                what: "case",
                id: case_id.to_string(),
            })
        })
    }

    fn open_appeal(&self, item_id: &str, actor: &str, reason: &str) -> Result<Case> {
        self.write(&format!("appeal of item {item_id}"), |transaction, now| {
            review::open_appeal(transaction, now, item_id, actor, reason)
        })
    }

    fn queue_summaries(&self) -> Result<Vec<QueueSummary>> {
        self.read(review::queue_summaries)
    }

    fn waiting_cases(
        &self,
        queue: &str,
        limit: usize,
        after: Option<i64>,
    ) -> Result<Vec<(Case, ItemSummary)>> {
        self.read(|connection| review::waiting_cases(connection, queue, limit, after))
    }

    fn search_items(&self, query: &ItemQuery, limit: usize) -> Result<Vec<ItemSummary>> {
        self.read(|connection| review::search_items(connection, query, limit))
    }

    fn linked_items(&self, item_id: &str, limit: usize) -> Result<Vec<LinkedItem>> {
        self.read(|connection| review::linked_items(connection, item_id, limit))
    }

    fn audit_for(&self, subject: &str, limit: usize) -> Result<Vec<AuditEntry>> {
        self.read(|connection| review::audit_for(connection, subject, limit))
    }

    fn create_session(&self, token_id: i64, ttl: i64) -> Result<NewSession> {
        self.write("a console session", |transaction, now| {
            review::create_session(transaction, now, token_id, ttl)
        })
    }

    fn session(&self, secret: &str) -> Result<Option<Session>> {
        let now = self.clock.now();
        self.read(|connection| review::session(connection, now, secret))
    }

    fn end_session(&self, secret: &str) -> Result<()> {
        self.write("the end of a console session", |transaction, _| {
            review::end_session(transaction, secret)
        })
    }

    fn reviewer_settings(&self, token_id: i64) -> Result<ReviewerSettings> {
        self.read(|connection| review::reviewer_settings(connection, token_id))
    }

    fn set_reviewer_settings(&self, token_id: i64, settings: &ReviewerSettings) -> Result<()> {
        self.write("reviewer settings", |transaction, now| {
            review::set_reviewer_settings(transaction, now, token_id, settings)
        })
    }

    fn training_labels(&self, after: Option<i64>, limit: usize) -> Result<Vec<TrainingLabel>> {
        self.read(|connection| {
            let context = || "reading training labels".to_string();
            let mut statement = connection
                .prepare_cached(
                    "SELECT item_id, case_id, labels, outcome, reviewer, at FROM training_labels
                     WHERE id > ?1 ORDER BY id LIMIT ?2",
                )
                .context(context)?;
            let rows = statement
                .query_map(params![after.unwrap_or(0), limit_param(limit)], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, i64>(5)?,
                    ))
                })
                .context(context)?;
            let mut labels = Vec::new();
            for row in rows {
                let (item_id, case_id, names, outcome, reviewer, at) = row.context(context)?;
                let outcome = match outcome.as_str() {
                    "confirm" => ReviewOutcome::Confirm,
                    "overturn" => ReviewOutcome::Overturn,
                    _ => {
                        return Err(StoreError::Corrupt {
                            column: "training_labels.outcome",
                            value: outcome,
                        })
                    }
                };
                labels.push(TrainingLabel {
                    item_id,
                    case_id,
                    labels: parse_labels(&names, "training_labels.labels")?,
                    outcome,
                    reviewer,
                    at,
                });
            }
            Ok(labels)
        })
    }

    fn items_with_entity(
        &self,
        entity_type: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<String>> {
        self.read(|connection| {
            let context = || format!("reading items with {entity_type} {value}");
            let mut statement = connection
                .prepare_cached(
                    "SELECT item_id FROM entities WHERE entity_type = ?1 AND value = ?2
                     ORDER BY seen_at, item_id LIMIT ?3",
                )
                .context(context)?;
            let rows = statement
                .query_map(params![entity_type, value, limit_param(limit)], |row| {
                    row.get(0)
                })
                .context(context)?;
            rows.collect::<rusqlite::Result<Vec<String>>>()
                .context(context)
        })
    }

    fn strikes(&self, author_id: &str) -> Result<u32> {
        self.read(|connection| {
            let count: Option<u32> = connection
                .query_row(
                    "SELECT count FROM strikes WHERE author_id = ?1",
                    [author_id],
                    |row| row.get(0),
                )
                .optional()
                .context(|| format!("reading strikes of {author_id}"))?;
            Ok(count.unwrap_or(0))
        })
    }

    fn create_token(&self, name: &str, scopes: &[Scope], trusted_flagger: bool) -> Result<String> {
        let secret = new_secret()?;
        let hash = hash_secret(&secret);
        self.write(&format!("token {name}"), |transaction, now| {
            transaction
                .execute(
                    "INSERT INTO tokens (name, secret_sha256, scopes, trusted_flagger, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![name, hash, scopes_to_column(scopes), trusted_flagger, now],
                )
                .context(|| format!("creating token {name}"))?;
            let id = transaction.last_insert_rowid();
            append_audit_in(
                transaction,
                now,
                "admin",
                "token.created",
                &format!("token:{id}"),
                &json!({
                    "name": name,
                    "scopes": scopes_to_column(scopes),
                    "trusted_flagger": trusted_flagger,
                }),
            )?;
            Ok(())
        })?;
        Ok(secret)
    }

    fn authenticate(&self, token: &str) -> Result<Option<TokenInfo>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = hash_secret(token);
        self.read(|connection| {
            let row = connection
                .query_row(
                    &format!(
                        "SELECT {TOKEN_COLUMNS} FROM tokens
                         WHERE secret_sha256 = ?1 AND revoked_at IS NULL"
                    ),
                    [&hash],
                    token_from_row,
                )
                .optional()
                .context(|| "authenticating a token".to_string())?;
            row.map(finish_token).transpose()
        })
    }

    fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(|connection| {
            let context = || "listing tokens".to_string();
            let mut statement = connection
                .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY id"))
                .context(context)?;
            let rows = statement.query_map([], token_from_row).context(context)?;
            let mut tokens = Vec::new();
            for row in rows {
                tokens.push(finish_token(row.context(context)?)?);
            }
            Ok(tokens)
        })
    }

    fn revoke_token(&self, token_id: i64, actor: &str) -> Result<bool> {
        self.write(
            &format!("revocation of token {token_id}"),
            |transaction, now| {
                let changed = transaction
                    .execute(
                        "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                        params![token_id, now],
                    )
                    .context(|| format!("revoking token {token_id}"))?;
                if changed == 0 {
                    return Ok(false);
                }
                append_audit_in(
                    transaction,
                    now,
                    actor,
                    "token.revoked",
                    &format!("token:{token_id}"),
                    &json!({}),
                )?;
                Ok(true)
            },
        )
    }

    fn append_audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        details: &Value,
    ) -> Result<AuditEntry> {
        self.write(&format!("audit entry {action}"), |transaction, now| {
            append_audit_in(transaction, now, actor, action, subject, details)
        })
    }

    fn audit_entries(&self, after: i64, limit: usize) -> Result<Vec<AuditEntry>> {
        self.read(|connection| {
            let context = || "reading the audit log".to_string();
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ))
                .context(context)?;
            let rows = statement
                .query_map(params![after, limit_param(limit)], audit_from_row)
                .context(context)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().context(context)
        })
    }

    fn verify_audit(&self) -> Result<AuditReport, AuditError> {
        let report = self.read(|connection| {
            let context = || "verifying the audit log".to_string();
            // One read transaction: the head and the rows come from the same snapshot.
            let transaction = connection.unchecked_transaction().context(context)?;
            let head: Option<(i64, String)> = transaction
                .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()
                .context(context)?;
            let mut statement = transaction
                .prepare(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY seq"
                ))
                .context(context)?;
            let rows = statement.query_map([], audit_from_row).context(context)?;
            let mut verifier = ChainVerifier::new();
            for row in rows {
                if let Err(broken) = verifier.check(&row.context(context)?) {
                    return Ok(Err(broken));
                }
            }
            Ok(verifier.finish(head))
        })?;
        report
    }

    fn enqueue_webhook(&self, url: &str, event: &str, body: &str) -> Result<i64> {
        self.write(&format!("webhook {event}"), |transaction, now| {
            enqueue_in(transaction, now, url, event, body)
        })
    }

    fn due_deliveries(&self, now: Timestamp, limit: usize) -> Result<Vec<Delivery>> {
        self.read(|connection| {
            query_deliveries(
                connection,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_outbox
                     WHERE status = 'pending' AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, id LIMIT ?2"
                ),
                params![now, limit_param(limit)],
                "due webhook deliveries",
            )
        })
    }

    fn mark_delivered(&self, delivery_id: i64) -> Result<()> {
        self.write(&format!("delivery {delivery_id}"), |transaction, now| {
            let changed = transaction
                .execute(
                    "UPDATE webhook_outbox SET status = 'delivered', updated_at = ?2
                     WHERE id = ?1",
                    params![delivery_id, now],
                )
                .context(|| format!("marking delivery {delivery_id} delivered"))?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "delivery",
                    id: delivery_id.to_string(),
                });
            }
            Ok(())
        })
    }

    fn mark_failed(&self, delivery_id: i64, error: &str, retry: Retry) -> Result<()> {
        self.write(
            &format!("failure of delivery {delivery_id}"),
            |transaction, now| {
                let context = || format!("marking delivery {delivery_id} failed");
                let changed = match retry {
                    Retry::At(at) => transaction.execute(
                        "UPDATE webhook_outbox
                     SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
                         status = 'pending', updated_at = ?4
                     WHERE id = ?1 AND status != 'delivered'",
                        params![delivery_id, error, at, now],
                    ),
                    Retry::Dead => transaction.execute(
                        "UPDATE webhook_outbox
                     SET attempts = attempts + 1, last_error = ?2, status = 'dead', updated_at = ?3
                     WHERE id = ?1 AND status != 'delivered'",
                        params![delivery_id, error, now],
                    ),
                }
                .context(context)?;
                if changed == 0 {
                    return Err(StoreError::NotFound {
                        what: "undelivered delivery",
                        id: delivery_id.to_string(),
                    });
                }
                if retry == Retry::Dead {
                    let url: String = transaction
                        .query_row(
                            "SELECT url FROM webhook_outbox WHERE id = ?1",
                            [delivery_id],
                            |row| row.get(0),
                        )
                        .context(context)?;
                    append_audit_in(
                        transaction,
                        now,
                        "system",
                        "webhook.dead",
                        &format!("delivery:{delivery_id}"),
                        &json!({ "url": url, "error": error }),
                    )?;
                }
                Ok(())
            },
        )
    }

    fn dead_letters(&self, limit: usize) -> Result<Vec<Delivery>> {
        self.read(|connection| {
            query_deliveries(
                connection,
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_outbox WHERE status = 'dead'
                     ORDER BY id LIMIT ?1"
                ),
                params![limit_param(limit)],
                "dead letters",
            )
        })
    }

    fn replay_dead_letter(&self, delivery_id: i64) -> Result<bool> {
        self.write(
            &format!("replay of delivery {delivery_id}"),
            |transaction, now| {
                let changed = transaction
                    .execute(
                        "UPDATE webhook_outbox
                     SET status = 'pending', attempts = 0, next_attempt_at = ?2, updated_at = ?2
                     WHERE id = ?1 AND status = 'dead'",
                        params![delivery_id, now],
                    )
                    .context(|| format!("replaying delivery {delivery_id}"))?;
                if changed == 0 {
                    return Ok(false);
                }
                append_audit_in(
                    transaction,
                    now,
                    "admin",
                    "webhook.replayed",
                    &format!("delivery:{delivery_id}"),
                    &json!({}),
                )?;
                Ok(true)
            },
        )
    }

    fn queue_depths(&self) -> Result<QueueDepths> {
        self.read(|connection| {
            let context = || "counting queues".to_string();
            let transaction = connection.unchecked_transaction().context(context)?;
            let mut depths = QueueDepths::default();
            {
                let mut statement = transaction
                    .prepare_cached(
                        "SELECT queue, COUNT(*) FROM cases WHERE status != 'closed' GROUP BY queue",
                    )
                    .context(context)?;
                let rows = statement
                    .query_map([], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?))
                    })
                    .context(context)?;
                for row in rows {
                    let (queue, count) = row.context(context)?;
                    depths.cases.insert(queue, count);
                }
            }
            let count = |sql: &str| -> Result<u64> {
                transaction
                    .query_row(sql, [], |row| row.get(0))
                    .context(context)
            };
            depths.webhooks_pending =
                count("SELECT COUNT(*) FROM webhook_outbox WHERE status = 'pending'")?;
            depths.webhooks_dead =
                count("SELECT COUNT(*) FROM webhook_outbox WHERE status = 'dead'")?;
            depths.items = count("SELECT COUNT(*) FROM items")?;
            Ok(depths)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_syncs_every_commit_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), StoreOptions::default()).unwrap();
        let writer = lock(&store.writer);
        let pragma = |name: &str| -> String {
            writer
                .query_row(&format!("PRAGMA {name}"), [], |row| {
                    row.get::<_, rusqlite::types::Value>(0)
                })
                .map(|value| match value {
                    rusqlite::types::Value::Integer(n) => n.to_string(),
                    rusqlite::types::Value::Text(text) => text,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(pragma("journal_mode"), "wal");
        assert_eq!(pragma("synchronous"), "2", "FULL");
        assert_eq!(pragma("foreign_keys"), "1");
        assert_eq!(pragma("busy_timeout"), "5000");
        drop(writer);
        let reader = lock(&store.readers[0]);
        let query_only: i64 = reader
            .query_row("PRAGMA query_only", [], |row| row.get(0))
            .unwrap();
        assert_eq!(query_only, 1);
    }

    #[test]
    fn priorities_order_cases() {
        assert!(sort_rank(Priority::High, false) > sort_rank(Priority::Normal, true));
        assert!(sort_rank(Priority::Normal, true) > sort_rank(Priority::Normal, false));
        assert_eq!(priority_raise(Priority::Critical), Priority::Critical);
        for priority in [
            Priority::Low,
            Priority::Normal,
            Priority::High,
            Priority::Critical,
        ] {
            assert_eq!(priority_parse(priority.as_str()).unwrap(), priority);
        }
    }
}
