//! The SQLite schema and its migrations, versioned by `PRAGMA user_version`.

use crate::StoreError;
use rusqlite::{Connection, OptionalExtension};

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 3;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    // 1: everything.
    r#"
CREATE TABLE items (
    id              TEXT PRIMARY KEY,
    kind            TEXT,
    author_id       TEXT,
    lang            TEXT,
    text            TEXT,
    media           TEXT NOT NULL DEFAULT '[]',
    decision        TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    severity        TEXT NOT NULL,
    source          TEXT NOT NULL,
    token_id        INTEGER,
    trusted_flagger INTEGER NOT NULL DEFAULT 0,
    struck          INTEGER NOT NULL DEFAULT 0,
    received_at     INTEGER NOT NULL,
    text_expires_at INTEGER,
    expires_at      INTEGER
);
CREATE INDEX items_text_expiry ON items (text_expires_at) WHERE text IS NOT NULL;
CREATE INDEX items_expiry ON items (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX items_author ON items (author_id);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id         TEXT NOT NULL UNIQUE,
    queue           TEXT NOT NULL,
    priority        TEXT NOT NULL,
    sort_rank       INTEGER NOT NULL,
    trusted_flagger INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL CHECK (status IN ('open', 'escalated', 'closed')),
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX cases_list ON cases (status, queue, sort_rank DESC, id);

CREATE TABLE case_history (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    event   TEXT NOT NULL,
    labels  TEXT NOT NULL DEFAULT '[]',
    note    TEXT
);
CREATE INDEX case_history_case ON case_history (case_id, id);

CREATE TABLE training_labels (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id  TEXT NOT NULL,
    case_id  INTEGER NOT NULL,
    labels   TEXT NOT NULL,
    outcome  TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    at       INTEGER NOT NULL
);

CREATE TABLE entities (
    entity_type TEXT NOT NULL,
    value       TEXT NOT NULL,
    item_id     TEXT NOT NULL,
    seen_at     INTEGER NOT NULL,
    PRIMARY KEY (entity_type, value, item_id)
) WITHOUT ROWID;
CREATE INDEX entities_item ON entities (item_id);

CREATE TABLE strikes (
    author_id  TEXT PRIMARY KEY,
    count      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    secret_sha256   TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    trusted_flagger INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at, id);
"#,
    // 2: the hash banks (before, the server kept them as files).
    r#"
CREATE TABLE banks (
    name        TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created     TEXT NOT NULL,
    next_id     INTEGER NOT NULL
);

CREATE TABLE bank_entries (
    bank    TEXT NOT NULL REFERENCES banks (name),
    id      INTEGER NOT NULL,
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    source  TEXT NOT NULL,
    tags    TEXT NOT NULL DEFAULT '[]',
    added   TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    note    TEXT,
    PRIMARY KEY (bank, id)
) WITHOUT ROWID;
"#,
    // 3: the reviewer console. Appeals are cases too (an item then has two), so `cases` is
    // rebuilt without its UNIQUE (item_id); reviewers' sessions and settings; the audit log by
    // subject.
    r#"
CREATE TABLE cases_v3 (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id           TEXT NOT NULL,
    kind              TEXT NOT NULL DEFAULT 'review' CHECK (kind IN ('review', 'appeal')),
    queue             TEXT NOT NULL,
    priority          TEXT NOT NULL,
    sort_rank         INTEGER NOT NULL,
    trusted_flagger   INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL CHECK (status IN ('open', 'escalated', 'closed')),
    opened_at         INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    appeal_of         INTEGER REFERENCES cases_v3 (id),
    appeal_reason     TEXT,
    original_reviewer TEXT
);
INSERT INTO cases_v3 (id, item_id, queue, priority, sort_rank, trusted_flagger, status,
                      opened_at, updated_at)
    SELECT id, item_id, queue, priority, sort_rank, trusted_flagger, status, opened_at,
           updated_at
    FROM cases;
-- Keep AUTOINCREMENT's promise: the id of a purged case is never given again.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'cases_v3', 0
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'cases_v3');
UPDATE sqlite_sequence
    SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'cases'), 0))
    WHERE name = 'cases_v3';
DROP TABLE cases;
ALTER TABLE cases_v3 RENAME TO cases;
CREATE INDEX cases_list ON cases (status, queue, sort_rank DESC, id);
-- Covers the console's queue summaries (counts, top priority, oldest waiting).
CREATE INDEX cases_waiting ON cases (status, queue, priority, opened_at);
CREATE UNIQUE INDEX cases_one_review ON cases (item_id) WHERE kind = 'review';
CREATE UNIQUE INDEX cases_one_appeal ON cases (item_id) WHERE kind = 'appeal';

CREATE TABLE sessions (
    secret_sha256 TEXT PRIMARY KEY,
    token_id      INTEGER NOT NULL REFERENCES tokens (id),
    csrf          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE reviewer_settings (
    token_id     INTEGER PRIMARY KEY REFERENCES tokens (id),
    reveal_media INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX entities_value ON entities (value);
"#,
];

/// Brings the schema up to [`SCHEMA_VERSION`], one transaction per migration.
pub(crate) fn migrate(connection: &mut Connection) -> Result<i64, StoreError> {
    migrate_to(connection, SCHEMA_VERSION)
}

/// Brings a database up to `target` (at most [`SCHEMA_VERSION`]); returns the version found.
/// Tests use it to make a database as an older build left it.
#[doc(hidden)]
pub fn migrate_to(connection: &mut Connection, target: i64) -> Result<i64, StoreError> {
    let found: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|source| StoreError::Migration { version: 0, source })?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    // A migration may rebuild a table others refer to (SQLite's documented procedure): foreign
    // keys are off meanwhile and checked before each commit.
    let set_foreign_keys = |connection: &Connection, on: bool, version: i64| {
        connection
            .pragma_update(None, "foreign_keys", if on { "ON" } else { "OFF" })
            .map_err(|source| StoreError::Migration { version, source })
    };
    for version in (found + 1)..=target.min(SCHEMA_VERSION) {
        let sql = MIGRATIONS[(version - 1) as usize];
        let run = |connection: &mut Connection| -> rusqlite::Result<()> {
            let transaction =
                connection.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
            transaction.execute_batch(sql)?;
            let broken: Option<String> = transaction
                .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
                .optional()?;
            if let Some(table) = broken {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                    Some(format!("foreign key broken in table {table}")),
                ));
            }
            transaction.pragma_update(None, "user_version", version)?;
            transaction.commit()
        };
        set_foreign_keys(connection, false, version)?;
        let result = run(connection).map_err(|source| StoreError::Migration { version, source });
        set_foreign_keys(connection, true, version)?;
        result?;
    }
    Ok(found)
}
