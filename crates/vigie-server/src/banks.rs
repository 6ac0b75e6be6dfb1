//! `/v1/banks`: list, create, add and remove entries, import and export hash lists (`admin`).
//!
//! Banks live in the store's database (file banks of `--banks DIR` or `DATA/banks` are imported
//! once, at start). A change is one transaction, then the engine is rebuilt with the new banks
//! and swapped in: lookups and items see the change from the next request on.

use crate::api::blocking;
use crate::auth::Scope;
use crate::body::{self, read_limited};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use vigie_index::{
    Bank, BankError, BankSet, EntryKind, EntryValue, ExportOptions, Format, ImportOptions, NewEntry,
};

/// The bank routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/banks", get(list).post(create))
        .route("/v1/banks/{name}/entries", post(add_entry))
        .route("/v1/banks/{name}/entries/{id}", delete(remove_entry))
        .route("/v1/banks/{name}/import", post(import))
        .route("/v1/banks/{name}/export", get(export))
}

fn bank_json(bank: &Bank) -> Value {
    let kinds: serde_json::Map<String, Value> = bank
        .kind_counts()
        .into_iter()
        .map(|(kind, n)| (kind.as_str().to_string(), json!(n)))
        .collect();
    json!({
        "name": bank.name(),
        "label": bank.label().as_str(),
        "description": bank.description(),
        "created": bank.created(),
        "size": bank.len(),
        "kinds": kinds,
    })
}

fn bank_error(e: BankError) -> ApiError {
    match e {
        BankError::NoSuchBank(_) | BankError::NoSuchEntry { .. } => {
            ApiError::not_found(e.to_string())
        }
        BankError::AlreadyExists(_) | BankError::Duplicate { .. } => {
            ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
        }
        BankError::InvalidName { .. }
        | BankError::InvalidLabel { .. }
        | BankError::DescriptionTooLong { .. }
        | BankError::Entry { .. } => ApiError::bad_request("invalid_request", e.to_string()),
        other => ApiError::internal(other),
    }
}

/// Runs a change on the writable bank set, then swaps in an engine with the new banks.
fn change<T>(
    state: &AppState,
    f: impl FnOnce(&mut BankSet) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut guard = state.bank_set().map_err(ApiError::internal)?;
    let set = guard.as_mut().expect("bank_set opens the set");
    let out = f(set)?;
    state.reload_banks(set).map_err(ApiError::internal)?;
    Ok(out)
}

/// GET /v1/banks.
#[utoipa::path(get, path = "/v1/banks", tag = "banks",
    responses((status = 200, description = "`{\"banks\": [{name, label, description, created, size, kinds}]}`", body = Object),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let engine = state.engine();
    let banks: Vec<Value> = engine
        .banks()
        .map(|set| set.banks().map(bank_json).collect())
        .unwrap_or_default();
    Ok(Json(json!({ "banks": banks })))
}

/// A new bank.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBank {
    /// Lower-case letters, digits, `-` and `_` (`ransom-media`).
    pub name: String,
    /// The label a match raises (`extortion.ransom`...).
    pub label: String,
    /// What it holds and where it comes from.
    #[serde(default)]
    pub description: String,
}

/// POST /v1/banks.
#[utoipa::path(post, path = "/v1/banks", tag = "banks", request_body = NewBank,
    responses((status = 201, description = "The bank", body = Object),
              (status = 400, description = "Invalid name or label", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody),
              (status = 409, description = "A bank of that name exists", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = state.authorize(&headers, Scope::Admin).await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let new: NewBank = body::json(&bytes)?;
    let st = state.clone();
    let bank = blocking(move || {
        let label = vigie_index::parse_label(&new.label).map_err(bank_error)?;
        let bank = change(&st, |set| {
            let bank = set
                .create_bank(&new.name, label, &new.description)
                .map_err(bank_error)?;
            Ok(bank_json(bank))
        })?;
        audit(&st, &principal, "bank.create", &new.name, &bank);
        Ok(bank)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(bank)).into_response())
}

/// An entry to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBankEntry {
    /// `pdq`, `md5` or `sha256`.
    pub kind: String,
    /// The hash, in hex.
    pub value: String,
    /// Where it comes from (`ngo:x`, `te:123`).
    #[serde(default)]
    pub source: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// POST /v1/banks/{name}/entries.
#[utoipa::path(post, path = "/v1/banks/{name}/entries", tag = "banks",
    params(("name" = String, Path, description = "The bank")),
    request_body = NewBankEntry,
    responses((status = 201, description = "`{\"id\": n}`", body = Object),
              (status = 400, description = "Invalid kind or hash", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody),
              (status = 404, description = "No such bank", body = ErrorBody),
              (status = 409, description = "The hash is already in the bank", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn add_entry(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = state.authorize(&headers, Scope::Admin).await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let new: NewBankEntry = body::json(&bytes)?;
    let st = state.clone();
    let id = blocking(move || {
        let kind = EntryKind::parse(&new.kind).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_request",
                format!("unknown kind `{}`: expected pdq, md5 or sha256", new.kind),
            )
        })?;
        if kind == EntryKind::Vpdq {
            return Err(ApiError::bad_request(
                "invalid_request",
                "vPDQ entries are added by import (vpdq-text or jsonl)",
            ));
        }
        let value = EntryValue::parse(kind, &new.value)
            .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
        let mut entry = NewEntry::new(
            value,
            new.source
                .clone()
                .unwrap_or_else(|| format!("api:{}", principal.name)),
        );
        entry.tags = new.tags.clone();
        entry.note = new.note.clone();
        let id = change(&st, |set| {
            set.require_mut(&name)
                .map_err(bank_error)?
                .add(entry)
                .map_err(bank_error)
        })?;
        audit(
            &st,
            &principal,
            "bank.add",
            &format!("{name}/{id}"),
            &json!({"kind": new.kind, "value": new.value}),
        );
        Ok(id)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

/// DELETE /v1/banks/{name}/entries/{id}.
#[utoipa::path(delete, path = "/v1/banks/{name}/entries/{id}", tag = "banks",
    params(("name" = String, Path, description = "The bank"), ("id" = u32, Path, description = "The entry")),
    responses((status = 204, description = "Removed"),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody),
              (status = 404, description = "No such bank or entry", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn remove_entry(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let principal = state.authorize(&headers, Scope::Admin).await?;
    let entry: u32 = id
        .parse()
        .map_err(|_| ApiError::not_found(format!("no entry `{id}` in bank `{name}`")))?;
    let st = state.clone();
    blocking(move || {
        let removed = change(&st, |set| {
            set.require_mut(&name)
                .map_err(bank_error)?
                .remove(entry)
                .map_err(bank_error)
        })?;
        if !removed {
            return Err(ApiError::not_found(format!(
                "no entry {entry} in bank `{name}`"
            )));
        }
        audit(
            &st,
            &principal,
            "bank.remove",
            &format!("{name}/{entry}"),
            &json!({}),
        );
        Ok(StatusCode::NO_CONTENT)
    })
    .await
}

/// Import and export options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FormatQuery {
    /// `te-csv`, `hma-csv`, `pytx-csv`, `local-file`, `hma-json`, `jsonl`, `vpdq-text`
    /// (detected on import when absent; `jsonl` on export).
    pub format: Option<String>,
    /// `pdq`, `md5`, `sha256`, `vpdq`, for formats that do not name it.
    pub kind: Option<String>,
    /// Source given to every imported entry.
    pub source: Option<String>,
}

fn parse_format(query: &FormatQuery) -> Result<(Option<Format>, Option<EntryKind>), ApiError> {
    let format = match query.format.as_deref() {
        None => None,
        Some(name) => Some(Format::parse(name).ok_or_else(|| {
            ApiError::bad_request("invalid_request", format!("unknown format `{name}`"))
        })?),
    };
    let kind = match query.kind.as_deref() {
        None => None,
        Some(name) => Some(EntryKind::parse(name).ok_or_else(|| {
            ApiError::bad_request("invalid_request", format!("unknown kind `{name}`"))
        })?),
    };
    Ok((format, kind))
}

/// POST /v1/banks/{name}/import: the body is a hash list (ThreatExchange or HMA CSV,
/// python-threatexchange CSV, HMA JSON, JSON Lines, vPDQ text).
#[utoipa::path(post, path = "/v1/banks/{name}/import", tag = "banks",
    params(("name" = String, Path, description = "The bank"), FormatQuery),
    request_body(content = String, content_type = "text/plain", description = "The hash list"),
    responses((status = 200, description = "`{format, kind, added, duplicates, skipped: [{line, reason}]}`", body = Object),
              (status = 400, description = "Unknown format or unreadable list", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody),
              (status = 404, description = "No such bank", body = ErrorBody),
              (status = 413, description = "Body over the body limit", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<FormatQuery>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let principal = state.authorize(&headers, Scope::Admin).await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    body::utf8(&bytes)?;
    let (format, kind) = parse_format(&query)?;
    let options = ImportOptions {
        format,
        kind,
        source: query.source.clone(),
        ..ImportOptions::default()
    };
    let st = state.clone();
    blocking(move || {
        let report = change(&st, |set| {
            set.require_mut(&name)
                .map_err(bank_error)?
                .import(&bytes[..], "request body", &options)
                .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))
        })?;
        let report = serde_json::to_value(&report).map_err(ApiError::internal)?;
        audit(
            &st,
            &principal,
            "bank.import",
            &name,
            &json!({"added": report["added"]}),
        );
        Ok(Json(report))
    })
    .await
}

/// GET /v1/banks/{name}/export.
#[utoipa::path(get, path = "/v1/banks/{name}/export", tag = "banks",
    params(("name" = String, Path, description = "The bank"), FormatQuery),
    responses((status = 200, description = "The hash list", body = String, content_type = "text/plain"),
              (status = 400, description = "Unknown format, or a single-kind format over a mixed bank", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody),
              (status = 404, description = "No such bank", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(query): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let (format, kind) = parse_format(&query)?;
    let st = state.clone();
    let text = blocking(move || {
        let engine = st.engine();
        let bank = engine
            .banks()
            .and_then(|set| set.bank(&name))
            .ok_or_else(|| ApiError::not_found(format!("no bank `{name}`")))?;
        let mut options = ExportOptions::new(format.unwrap_or(Format::Jsonl));
        options.kind = kind;
        let mut out = Vec::new();
        bank.export(&mut out, &options)
            .map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
        Ok(out)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

fn audit(
    state: &AppState,
    principal: &crate::Principal,
    action: &str,
    subject: &str,
    details: &Value,
) {
    let actor = format!("token:{}", principal.id);
    if let Err(e) = state.store().append_audit(&actor, action, subject, details) {
        eprintln!("vigie-server: audit entry for {action} {subject} not written: {e}");
    }
}
