//! The hash banks in SQLite: [`BankPersistence`] for [`SqliteStore`].
//!
//! Tables `banks` (one row per bank) and `bank_entries` (one row per hash). Every change is one
//! transaction with its audit entry (`bank.created`, `bank.saved`, `bank.deleted`).

use crate::error::SqlContext;
use crate::sqlite::append_audit_in;
use crate::{SqliteStore, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use vigie_index::{
    parse_label, BankError, BankInfo, BankPersistence, Entry, EntryKind, EntryValue, StoredBank,
};

/// The audit log's actor for bank changes.
const ACTOR: &str = "banks";

fn store_err(e: StoreError) -> BankError {
    BankError::Persistence(e.to_string())
}

fn corrupt(what: String) -> BankError {
    BankError::Persistence(format!("the database holds an invalid bank row: {what}"))
}

fn insert_info(connection: &Connection, info: &BankInfo) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT INTO banks (name, label, description, created, next_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO UPDATE SET label = excluded.label,
                 description = excluded.description, created = excluded.created,
                 next_id = excluded.next_id",
            params![
                info.name,
                info.label.as_str(),
                info.description,
                info.created,
                info.next_id
            ],
        )
        .context(|| format!("writing bank {}", info.name))?;
    Ok(())
}

fn exists(connection: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(connection
        .query_row("SELECT 1 FROM banks WHERE name = ?1", [name], |_| Ok(()))
        .optional()
        .context(|| format!("looking up bank {name}"))?
        .is_some())
}

impl SqliteStore {
    /// True once this database has held a hash bank: one is stored, or the audit log records a
    /// bank change (so banks deleted through the API are not imported again from files).
    pub fn has_bank_history(&self) -> crate::Result<bool> {
        self.read(|connection| {
            connection
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM banks)
                         OR EXISTS (SELECT 1 FROM audit_log WHERE action LIKE 'bank.%')",
                    [],
                    |row| row.get(0),
                )
                .context(|| "looking for hash banks".to_string())
        })
    }

    fn load_banks_sql(&self) -> Result<Vec<(BankInfo, Vec<EntryRow>)>, BankError> {
        self.read(|connection| {
            let context = || "reading the hash banks".to_string();
            let mut statement = connection
                .prepare(
                    "SELECT name, label, description, created, next_id FROM banks ORDER BY name",
                )
                .context(context)?;
            let banks = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                })
                .context(context)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .context(context)?;
            let mut entries = connection
                .prepare(
                    "SELECT id, kind, value, source, tags, added, enabled, note
                     FROM bank_entries WHERE bank = ?1 ORDER BY id",
                )
                .context(context)?;
            let mut out = Vec::with_capacity(banks.len());
            for (name, label, description, created, next_id) in banks {
                let rows = entries
                    .query_map([&name], |row| {
                        Ok(EntryRow {
                            id: row.get(0)?,
                            kind: row.get(1)?,
                            value: row.get(2)?,
                            source: row.get(3)?,
                            tags: row.get(4)?,
                            added: row.get(5)?,
                            enabled: row.get(6)?,
                            note: row.get(7)?,
                        })
                    })
                    .context(context)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .context(context)?;
                out.push((
                    RawInfo {
                        name,
                        label,
                        description,
                        created,
                        next_id,
                    },
                    rows,
                ));
            }
            Ok(out)
        })
        .map_err(store_err)?
        .into_iter()
        .map(|(raw, rows)| Ok((raw.into_info()?, rows)))
        .collect()
    }
}

struct RawInfo {
    name: String,
    label: String,
    description: String,
    created: String,
    next_id: i64,
}

impl RawInfo {
    fn into_info(self) -> Result<BankInfo, BankError> {
        let label =
            parse_label(&self.label).map_err(|e| corrupt(format!("bank {}: {e}", self.name)))?;
        let next_id = u32::try_from(self.next_id)
            .map_err(|_| corrupt(format!("bank {}: next_id {}", self.name, self.next_id)))?;
        Ok(BankInfo {
            name: self.name,
            label,
            description: self.description,
            created: self.created,
            next_id,
        })
    }
}

struct EntryRow {
    id: i64,
    kind: String,
    value: String,
    source: String,
    tags: String,
    added: String,
    enabled: bool,
    note: Option<String>,
}

impl EntryRow {
    fn into_entry(self, bank: &str) -> Result<Entry, BankError> {
        let what = |reason: String| corrupt(format!("bank {bank} entry {}: {reason}", self.id));
        let id = u32::try_from(self.id).map_err(|_| what("id out of range".into()))?;
        let kind =
            EntryKind::parse(&self.kind).ok_or_else(|| what(format!("kind {:?}", self.kind)))?;
        let value = EntryValue::parse(kind, &self.value).map_err(|e| what(e.to_string()))?;
        let tags: Vec<String> =
            serde_json::from_str(&self.tags).map_err(|e| what(e.to_string()))?;
        Ok(Entry {
            id,
            value,
            source: self.source,
            tags,
            added: self.added,
            enabled: self.enabled,
            note: self.note,
        })
    }
}

impl BankPersistence for SqliteStore {
    fn load_banks(&self) -> Result<Vec<StoredBank>, BankError> {
        let mut out = Vec::new();
        for (info, rows) in self.load_banks_sql()? {
            let entries = rows
                .into_iter()
                .map(|row| row.into_entry(&info.name))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(StoredBank { info, entries });
        }
        Ok(out)
    }

    fn create_bank(&self, info: &BankInfo) -> Result<(), BankError> {
        let created = self
            .write(
                &format!("creation of bank {}", info.name),
                |transaction, now| {
                    if exists(transaction, &info.name)? {
                        return Ok(false);
                    }
                    insert_info(transaction, info)?;
                    append_audit_in(
                        transaction,
                        now,
                        ACTOR,
                        "bank.created",
                        &format!("bank:{}", info.name),
                        &json!({"label": info.label.as_str(), "description": info.description}),
                    )?;
                    Ok(true)
                },
            )
            .map_err(store_err)?;
        if !created {
            return Err(BankError::AlreadyExists(info.name.clone()));
        }
        Ok(())
    }

    fn save_bank(&self, info: &BankInfo, entries: &[&Entry]) -> Result<(), BankError> {
        self.write(&format!("bank {}", info.name), |transaction, now| {
            let context = || format!("writing the entries of bank {}", info.name);
            insert_info(transaction, info)?;
            transaction
                .execute("DELETE FROM bank_entries WHERE bank = ?1", [&info.name])
                .context(context)?;
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO bank_entries
                     (bank, id, kind, value, source, tags, added, enabled, note)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .context(context)?;
            for entry in entries {
                let tags = serde_json::to_string(&entry.tags).expect("tags serialise");
                insert
                    .execute(params![
                        info.name,
                        entry.id,
                        entry.kind().as_str(),
                        entry.value.to_text(),
                        entry.source,
                        tags,
                        entry.added,
                        entry.enabled,
                        entry.note,
                    ])
                    .context(context)?;
            }
            append_audit_in(
                transaction,
                now,
                ACTOR,
                "bank.saved",
                &format!("bank:{}", info.name),
                &json!({
                    "label": info.label.as_str(),
                    "entries": entries.len(),
                    "next_id": info.next_id,
                }),
            )?;
            Ok(())
        })
        .map_err(store_err)
    }

    fn delete_bank(&self, name: &str) -> Result<(), BankError> {
        let deleted = self
            .write(&format!("deletion of bank {name}"), |transaction, now| {
                let context = || format!("deleting bank {name}");
                let entries = transaction
                    .execute("DELETE FROM bank_entries WHERE bank = ?1", [name])
                    .context(context)?;
                let banks = transaction
                    .execute("DELETE FROM banks WHERE name = ?1", [name])
                    .context(context)?;
                if banks == 0 {
                    return Ok(false);
                }
                append_audit_in(
                    transaction,
                    now,
                    ACTOR,
                    "bank.deleted",
                    &format!("bank:{name}"),
                    &json!({"entries": entries}),
                )?;
                Ok(true)
            })
            .map_err(store_err)?;
        if !deleted {
            return Err(BankError::NoSuchBank(name.to_string()));
        }
        Ok(())
    }
}
