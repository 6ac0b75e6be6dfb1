//! What the reviewer console reads and writes beyond cases: appeals, queue summaries, item
//! search, linked items, the audit trail of one subject, sessions and reviewer settings.

use super::{
    append_audit_in, case_from_row, finish_case, from_json, limit_param, load_case, sort_rank,
    AUDIT_COLUMNS, CASE_COLUMNS,
};
use crate::error::SqlContext;
use crate::token::{hash_secret, hex};
use crate::{
    AuditEntry, Case, ItemQuery, ItemSummary, LinkedItem, NewSession, QueueSummary,
    ReviewerSettings, Session, StoreError, Timestamp, APPEAL_QUEUE,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};
use vigie_core::{Label, Priority};

/// The prefix of console session cookies.
pub(crate) const SESSION_PREFIX: &str = "vgs_";

/// Entity types that link items (places and prices are shared by unrelated people).
const LINKING_ENTITIES: [&str; 8] = [
    "phone",
    "whatsapp",
    "telegram",
    "viber",
    "handle",
    "money_transfer",
    "iban",
    "crypto",
];

pub(super) fn open_appeal(
    transaction: &Connection,
    now: Timestamp,
    item_id: &str,
    actor: &str,
    reason: &str,
) -> crate::Result<Case> {
    let context = || format!("opening an appeal of item {item_id}");
    let known: Option<String> = transaction
        .query_row("SELECT id FROM items WHERE id = ?1", [item_id], |row| {
            row.get(0)
        })
        .optional()
        .context(context)?;
    if known.is_none() {
        return Err(StoreError::NotFound {
            what: "item",
            id: item_id.to_string(),
        });
    }
    let cases: Vec<(i64, String, String)> = {
        let mut statement = transaction
            .prepare_cached("SELECT id, kind, status FROM cases WHERE item_id = ?1 ORDER BY id")
            .context(context)?;
        let rows = statement
            .query_map([item_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .context(context)?;
        rows.collect::<rusqlite::Result<_>>().context(context)?
    };
    if let Some((id, _, _)) = cases.iter().find(|(_, kind, _)| kind == "appeal") {
        return Err(StoreError::Conflict(format!(
            "item {item_id} was already appealed (case {id})"
        )));
    }
    let review = cases.iter().find(|(_, kind, _)| kind == "review");
    if let Some((id, _, status)) = review.filter(|(_, _, status)| status != "closed") {
        return Err(StoreError::Conflict(format!(
            "item {item_id} is still under review (case {id}, {status}): appeal its decision once it is made"
        )));
    }
    let appeal_of = review.map(|(id, _, _)| *id);
    let original_reviewer: Option<String> = match appeal_of {
        Some(id) => transaction
            .query_row(
                "SELECT actor FROM case_history
                 WHERE case_id = ?1 AND event IN ('confirm', 'overturn')
                 ORDER BY id DESC LIMIT 1",
                [id],
                |row| row.get(0),
            )
            .optional()
            .context(context)?,
        None => None,
    };
    let priority = Priority::High;
    transaction
        .execute(
            "INSERT INTO cases (item_id, kind, queue, priority, sort_rank, trusted_flagger, status,
                                opened_at, updated_at, appeal_of, appeal_reason,
                                original_reviewer)
             VALUES (?1, 'appeal', ?2, ?3, ?4, 0, 'open', ?5, ?5, ?6, ?7, ?8)",
            params![
                item_id,
                APPEAL_QUEUE,
                priority.as_str(),
                sort_rank(priority, false),
                now,
                appeal_of,
                reason,
                original_reviewer
            ],
        )
        .context(context)?;
    let id = transaction.last_insert_rowid();
    transaction
        .execute(
            "INSERT INTO case_history (case_id, at, actor, event, note)
             VALUES (?1, ?2, ?3, 'appealed', ?4)",
            params![id, now, actor, reason],
        )
        .context(context)?;
    append_audit_in(
        transaction,
        now,
        actor,
        "appeal.opened",
        &format!("case:{id}"),
        &json!({
            "item_id": item_id,
            "appeal_of": appeal_of,
            "original_reviewer": original_reviewer,
            "reason": reason,
        }),
    )?;
    load_case(transaction, id)?.ok_or(StoreError::NotFound {
        what: "case",
        id: id.to_string(),
    })
}

pub(super) fn queue_summaries(connection: &Connection) -> crate::Result<Vec<QueueSummary>> {
    let context = || "summarising the review queues".to_string();
    let mut statement = connection
        .prepare_cached(
            "SELECT queue, COUNT(*), SUM(status = 'escalated'),
                    MAX(CASE priority WHEN 'critical' THEN 3 WHEN 'high' THEN 2
                                      WHEN 'normal' THEN 1 ELSE 0 END) AS top,
                    MIN(opened_at) AS oldest
             FROM cases WHERE status IN ('open', 'escalated')
             GROUP BY queue ORDER BY top DESC, oldest ASC",
        )
        .context(context)?;
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })
        .context(context)?;
    let mut out = Vec::new();
    for row in rows {
        let (queue, waiting, escalated, top, oldest) = row.context(context)?;
        let top_priority = match top {
            3 => Priority::Critical,
            2 => Priority::High,
            1 => Priority::Normal,
            _ => Priority::Low,
        };
        out.push(QueueSummary {
            queue,
            waiting: waiting as u64,
            escalated: escalated as u64,
            top_priority,
            oldest_opened_at: oldest,
        });
    }
    Ok(out)
}

/// The summary's columns; the top label and whether a person decided are read from the stored
/// decision by SQLite, without parsing the whole decision here.
const SUMMARY_COLUMNS: &str = "items.id, items.kind, items.author_id, items.lang, items.text, \
     items.verdict, items.severity, \
     json_extract(items.decision, '$.labels[0].label'), \
     json_extract(items.decision, '$.automated'), items.received_at, \
     (SELECT id FROM cases WHERE cases.item_id = items.id AND kind = 'review')";

fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<(ItemSummary, Option<String>)> {
    summary_at(row, 0)
}

/// The [`SUMMARY_COLUMNS`] starting at column `at`, with the top label's name.
fn summary_at(row: &Row<'_>, at: usize) -> rusqlite::Result<(ItemSummary, Option<String>)> {
    // A decision without the field was made by the engine (`automated` defaults to true).
    let automated: Option<bool> = row.get(at + 8)?;
    Ok((
        ItemSummary {
            id: row.get(at)?,
            kind: row.get(at + 1)?,
            author_id: row.get(at + 2)?,
            lang: row.get(at + 3)?,
            text: row.get(at + 4)?,
            verdict: row.get(at + 5)?,
            severity: row.get(at + 6)?,
            label: None,
            reviewed: automated == Some(false),
            received_at: row.get(at + 9)?,
            case_id: row.get(at + 10)?,
        },
        row.get(at + 7)?,
    ))
}

fn finish_summary(
    (mut summary, label): (ItemSummary, Option<String>),
) -> crate::Result<ItemSummary> {
    summary.label = match label {
        Some(name) => Some(Label::parse(&name).ok_or(StoreError::Corrupt {
            column: "items.decision",
            value: name,
        })?),
        None => None,
    };
    Ok(summary)
}

fn summaries(
    connection: &Connection,
    sql_where: &str,
    params: impl rusqlite::Params,
    limit: usize,
    what: &str,
) -> crate::Result<Vec<ItemSummary>> {
    let context = || what.to_string();
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM items WHERE {sql_where}
             ORDER BY items.received_at DESC, items.id LIMIT {}",
            limit_param(limit)
        ))
        .context(context)?;
    let rows = statement
        .query_map(params, summary_from_row)
        .context(context)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(finish_summary(row.context(context)?)?);
    }
    Ok(out)
}

pub(super) fn waiting_cases(
    connection: &Connection,
    queue: &str,
    limit: usize,
    after: Option<i64>,
) -> crate::Result<Vec<(Case, ItemSummary)>> {
    let context = || format!("listing the waiting cases of queue {queue}");
    let case_columns: Vec<String> = CASE_COLUMNS
        .split(',')
        .map(|column| format!("cases.{}", column.trim()))
        .collect();
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {}, {SUMMARY_COLUMNS} FROM cases JOIN items ON items.id = cases.item_id
             WHERE cases.queue = ?1 AND cases.status IN ('open', 'escalated')
               AND (?2 IS NULL
                    OR cases.sort_rank < (SELECT sort_rank FROM cases WHERE id = ?2)
                    OR (cases.sort_rank = (SELECT sort_rank FROM cases WHERE id = ?2)
                        AND cases.id > ?2))
             ORDER BY cases.sort_rank DESC, cases.id ASC
             LIMIT ?3",
            case_columns.join(", ")
        ))
        .context(context)?;
    let width = case_columns.len();
    let rows = statement
        .query_map(params![queue, after, limit_param(limit)], |row| {
            let case = case_from_row(row)?;
            let summary = summary_at(row, width)?;
            Ok((case, summary))
        })
        .context(context)?;
    let mut out = Vec::new();
    for row in rows {
        let (case, summary) = row.context(context)?;
        out.push((finish_case(case)?, finish_summary(summary)?));
    }
    Ok(out)
}

/// `+218 91-234.5678` and `00218912345678` → `+218912345678`.
fn phone_digits(raw: &str) -> String {
    let kept: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    match kept.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => kept,
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn search_items(
    connection: &Connection,
    query: &ItemQuery,
    limit: usize,
) -> crate::Result<Vec<ItemSummary>> {
    let by_entity = "items.id IN (SELECT item_id FROM entities WHERE value = ?1)";
    match query {
        ItemQuery::Phone(raw) => summaries(
            connection,
            by_entity,
            [phone_digits(raw)],
            limit,
            "searching items by phone number",
        ),
        ItemQuery::Entity(value) => {
            let value = value.trim();
            summaries(
                connection,
                "items.id IN (SELECT item_id FROM entities WHERE value IN (?1, ?2))",
                [
                    value.to_string(),
                    format!("@{}", value.trim_start_matches('@')),
                ],
                limit,
                "searching items by entity",
            )
        }
        ItemQuery::Hash(hash) => summaries(
            connection,
            "items.media LIKE ?1 ESCAPE '\\'",
            [format!(
                "%\"{}\"%",
                like_literal(&hash.trim().to_ascii_lowercase())
            )],
            limit,
            "searching items by media hash",
        ),
        ItemQuery::Author(author) => summaries(
            connection,
            "items.author_id = ?1",
            [author.trim()],
            limit,
            "searching items by author",
        ),
        ItemQuery::Text(words) => summaries(
            connection,
            "items.text LIKE ?1 ESCAPE '\\'",
            [format!("%{}%", like_literal(words.trim()))],
            limit,
            "searching items by text",
        ),
    }
}

pub(super) fn linked_items(
    connection: &Connection,
    item_id: &str,
    limit: usize,
) -> crate::Result<Vec<LinkedItem>> {
    let context = || format!("finding items linked to {item_id}");
    let mut out: Vec<LinkedItem> = Vec::new();
    let entities: Vec<(String, String)> = {
        let mut statement = connection
            .prepare_cached(
                "SELECT entity_type, value FROM entities WHERE item_id = ?1
                 ORDER BY entity_type, value",
            )
            .context(context)?;
        let rows = statement
            .query_map([item_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .context(context)?;
        rows.collect::<rusqlite::Result<_>>().context(context)?
    };
    for (entity_type, value) in entities {
        if !LINKING_ENTITIES.contains(&entity_type.as_str()) {
            continue;
        }
        let found = summaries(
            connection,
            "items.id IN (SELECT item_id FROM entities WHERE entity_type = ?1 AND value = ?2)
             AND items.id != ?3",
            params![entity_type, value, item_id],
            limit,
            &context(),
        )?;
        push_linked(&mut out, &format!("{entity_type} {value}"), found, limit);
    }
    let media: Option<String> = connection
        .query_row("SELECT media FROM items WHERE id = ?1", [item_id], |row| {
            row.get(0)
        })
        .optional()
        .context(context)?;
    let media: Value = match media {
        Some(text) => from_json(&text, || format!("media of item {item_id}"))?,
        None => Value::Array(Vec::new()),
    };
    for attachment in media.as_array().into_iter().flatten() {
        let kind = attachment
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("media");
        for field in ["sha256", "md5", "pdq"] {
            let Some(hash) = attachment.get(field).and_then(Value::as_str) else {
                continue;
            };
            let found = summaries(
                connection,
                "items.media LIKE ?1 ESCAPE '\\' AND items.id != ?2",
                params![format!("%\"{}\"%", like_literal(hash)), item_id],
                limit,
                &context(),
            )?;
            let short: String = hash.chars().take(12).collect();
            push_linked(&mut out, &format!("{kind} {field} {short}…"), found, limit);
        }
    }
    Ok(out)
}

/// Adds items not already listed (an item linked twice is shown once, by its first link).
fn push_linked(out: &mut Vec<LinkedItem>, via: &str, found: Vec<ItemSummary>, limit: usize) {
    for item in found {
        if out.len() >= limit {
            return;
        }
        if out.iter().any(|linked| linked.item.id == item.id) {
            continue;
        }
        out.push(LinkedItem {
            via: via.to_string(),
            item,
        });
    }
}

pub(super) fn audit_for(
    connection: &Connection,
    subject: &str,
    limit: usize,
) -> crate::Result<Vec<AuditEntry>> {
    let context = || format!("reading the audit log of {subject}");
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE subject = ?1 ORDER BY seq LIMIT ?2"
        ))
        .context(context)?;
    let rows = statement
        .query_map(params![subject, limit_param(limit)], super::audit_from_row)
        .context(context)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().context(context)
}

pub(super) fn create_session(
    transaction: &Connection,
    now: Timestamp,
    token_id: i64,
    ttl: i64,
) -> crate::Result<NewSession> {
    let context = || format!("starting a session for token {token_id}");
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|error| StoreError::Random(error.to_string()))?;
    let secret = format!("{SESSION_PREFIX}{}", hex(&bytes[..32]));
    let csrf = hex(&bytes[32..]);
    let expires_at = now + ttl.max(1);
    transaction
        .execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
        .context(context)?;
    transaction
        .execute(
            "INSERT INTO sessions (secret_sha256, token_id, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash_secret(&secret), token_id, csrf, now, expires_at],
        )
        .context(context)?;
    append_audit_in(
        transaction,
        now,
        &format!("token:{token_id}"),
        "session.started",
        &format!("token:{token_id}"),
        &json!({ "expires_at": expires_at }),
    )?;
    Ok(NewSession {
        secret,
        csrf,
        expires_at,
    })
}

pub(super) fn session(
    connection: &Connection,
    now: Timestamp,
    secret: &str,
) -> crate::Result<Option<Session>> {
    if !secret.starts_with(SESSION_PREFIX) {
        return Ok(None);
    }
    let context = || "reading a session".to_string();
    let row = connection
        .query_row(
            "SELECT tokens.id, tokens.name, tokens.scopes, tokens.trusted_flagger,
                    tokens.created_at, tokens.revoked_at, sessions.csrf, sessions.expires_at
             FROM sessions JOIN tokens ON tokens.id = sessions.token_id
             WHERE sessions.secret_sha256 = ?1 AND sessions.expires_at > ?2
               AND tokens.revoked_at IS NULL",
            params![hash_secret(secret), now],
            |row| Ok((super::token_from_row(row)?, row.get(6)?, row.get(7)?)),
        )
        .optional()
        .context(context)?;
    let Some((token, csrf, expires_at)) = row else {
        return Ok(None);
    };
    Ok(Some(Session {
        token: super::finish_token(token)?,
        csrf,
        expires_at,
    }))
}

pub(super) fn end_session(transaction: &Connection, secret: &str) -> crate::Result<()> {
    transaction
        .execute(
            "DELETE FROM sessions WHERE secret_sha256 = ?1",
            [hash_secret(secret)],
        )
        .context(|| "ending a session".to_string())?;
    Ok(())
}

pub(super) fn reviewer_settings(
    connection: &Connection,
    token_id: i64,
) -> crate::Result<ReviewerSettings> {
    let reveal: Option<bool> = connection
        .query_row(
            "SELECT reveal_media FROM reviewer_settings WHERE token_id = ?1",
            [token_id],
            |row| row.get(0),
        )
        .optional()
        .context(|| format!("reading settings of token {token_id}"))?;
    Ok(ReviewerSettings {
        reveal_media: reveal.unwrap_or(false),
    })
}

pub(super) fn set_reviewer_settings(
    transaction: &Connection,
    now: Timestamp,
    token_id: i64,
    settings: &ReviewerSettings,
) -> crate::Result<()> {
    transaction
        .execute(
            "INSERT INTO reviewer_settings (token_id, reveal_media) VALUES (?1, ?2)
             ON CONFLICT (token_id) DO UPDATE SET reveal_media = ?2",
            params![token_id, settings.reveal_media],
        )
        .context(|| format!("saving settings of token {token_id}"))?;
    append_audit_in(
        transaction,
        now,
        &format!("token:{token_id}"),
        "reviewer.settings",
        &format!("token:{token_id}"),
        &json!({ "reveal_media": settings.reveal_media }),
    )?;
    Ok(())
}
