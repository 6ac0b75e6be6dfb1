//! The routes and their handlers. Each handler names its scope; the engine and the store run
//! on the blocking pool, never on the async executor.

use crate::auth::{Principal, Scope};
use crate::body::{self, read_limited};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Instant;
use utoipa::{IntoParams, ToSchema};
use vigie_core::{limits, Decision, Item, ItemError, Label};
use vigie_store::{CaseStatus, ReviewDecision, ReviewOutcome, Source, StoreError, Submission};

/// Builds the router over `state`.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config().body_limit;
    Router::new()
        .route("/v1/items", post(post_item))
        .route("/v1/items:batch", post(post_batch))
        .route("/v1/search:check", post(post_search_check))
        .route("/v1/reports", post(crate::reports::post_report))
        .route("/v1/decisions/{id}", get(get_decision))
        .route("/v1/cases", get(get_cases))
        .route("/v1/cases/{id}/decision", post(post_case_decision))
        .route("/v1/appeals", post(crate::review::post_appeal))
        .route("/v1/media", post(crate::evidence::post_media))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(get_metrics))
        .route("/openapi.json", get(openapi_json))
        .merge(crate::hma::router())
        .merge(crate::banks::router())
        .merge(crate::webhooks::router())
        .merge(crate::console::router(state.clone()))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Counts every request (route, status, latency) and every error code.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let response = json_errors(next.run(request).await).await;
    let metrics = state.metrics();
    if let Some(ErrorCode(code)) = response.extensions().get::<ErrorCode>() {
        metrics.observe_error(code);
    }
    metrics.observe_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Turns the plain-text rejections of axum's extractors (a bad query string or path, a wrong
/// method...) into the one JSON error shape (the console's HTML error pages stay HTML).
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|kind| kind.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error())
        || html
        || response.extensions().get::<ErrorCode>().is_some()
    {
        return response;
    }
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    };
    let text = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_string(),
    };
    ApiError::new(status, code, text).into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /openapi.json")
}

/// Runs `f` on the blocking pool.
pub(crate) async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// Parses and validates one item: 400 for bad JSON or shape (naming the field), 413 for a
/// field over its documented limit (naming the limit).
pub fn parse_item(value: Value) -> Result<Item, ApiError> {
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "invalid_item",
            "an item must be a JSON object with at least an `id`",
        ));
    }
    let item: Item = serde_json::from_value(value)
        .map_err(|e| ApiError::bad_request("invalid_item", format!("invalid item: {e}")))?;
    item.validate().map_err(item_error)?;
    Ok(item)
}

fn item_error(e: ItemError) -> ApiError {
    match e {
        ItemError::TooLarge { limit, .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "field_too_large",
            e.to_string(),
        )
        .with_limit(limit as u64),
        other => ApiError::bad_request("invalid_item", other.to_string()),
    }
}

/// Maps store errors: unknown records are 404, a closed case 409, the rest 500.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound { .. } => ApiError::not_found(e.to_string()),
        StoreError::CaseClosed { .. } => {
            ApiError::new(StatusCode::CONFLICT, "case_closed", e.to_string())
        }
        StoreError::SameReviewer { .. } => {
            ApiError::new(StatusCode::CONFLICT, "same_reviewer", e.to_string())
        }
        StoreError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()),
        other => ApiError::internal(other),
    }
}

/// Decides `items` (a stored decision is returned as it is: idempotent by id) and stores the
/// new ones, in one transaction, before answering. Returns, per item, the decision and whether
/// it was stored before.
pub(crate) fn decide_all(
    state: &AppState,
    items: Vec<Item>,
    principal: &Principal,
) -> Result<Vec<(Decision, bool)>, ApiError> {
    let store = state.store();
    let mut known: Vec<Option<Decision>> = Vec::with_capacity(items.len());
    let mut fresh = Vec::new();
    for item in &items {
        let stored = store.get_decision(&item.id).map_err(store_error)?;
        if stored.is_none() {
            fresh.push(item.clone());
        }
        known.push(stored);
    }
    let decisions = if fresh.len() > 1 {
        state.engine().evaluate_batch(&fresh)
    } else {
        fresh
            .iter()
            .map(|item| state.engine().evaluate(item))
            .collect()
    };
    let source = Source::token(principal);
    let batch: Vec<Submission<'_>> = fresh
        .iter()
        .zip(&decisions)
        .map(|(item, decision)| Submission {
            item,
            decision,
            source: &source,
        })
        .collect();
    let recorded = if batch.is_empty() {
        Vec::new()
    } else {
        store.record_decisions(&batch).map_err(store_error)?
    };
    let mut recorded = recorded.into_iter();
    let mut out = Vec::with_capacity(items.len());
    for stored in known {
        let entry = match stored {
            Some(decision) => (decision, true),
            None => {
                let r = recorded
                    .next()
                    .ok_or_else(|| ApiError::internal("the store returned too few results"))?;
                (r.decision, !r.created)
            }
        };
        if entry.1 {
            state.metrics().observe_replay();
        } else {
            state.metrics().observe_decision(&entry.0);
        }
        out.push(entry);
    }
    Ok(out)
}

/// Documentation shape of an item (the full contract is `docs/contract.md`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemDoc {
    /// The platform's id (1-512 bytes); decisions are idempotent by it.
    pub id: String,
    /// `post`, `comment`, `message`, `profile`, `page`, `group`, `search`, `report`, `live_frame`.
    pub kind: Option<String>,
    /// The text (at most 1 MiB).
    pub text: Option<String>,
    /// The reader's interface language (BCP 47).
    pub locale: Option<String>,
    /// `{id, country, strikes}`.
    #[schema(value_type = Object)]
    pub author: Option<Value>,
    /// Media hashes `{id, type, pdq, quality, md5, sha256, vpdq}` (at most 64).
    #[schema(value_type = Vec<Object>)]
    pub media: Option<Vec<Value>>,
    /// Free-form context.
    #[schema(value_type = Object)]
    pub context: Option<Value>,
}

/// Documentation shape of a decision (`docs/contract.md`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DecisionDoc {
    /// The item's id.
    pub id: String,
    /// `allow`, `review` or `action`.
    pub verdict: String,
    /// `none`, `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// `[{label, score}]`.
    #[schema(value_type = Vec<Object>)]
    pub labels: Vec<Value>,
    /// Proposed actions.
    #[schema(value_type = Vec<Object>)]
    pub actions: Vec<Value>,
    /// One reason per rule that fired.
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<Value>,
    /// Extracted entities.
    #[schema(value_type = Vec<Object>)]
    pub entities: Vec<Value>,
    /// The policy version.
    pub policy_version: String,
    /// The model version.
    pub model_version: String,
}

/// POST /v1/items: one item in, its decision out (stored before the answer).
#[utoipa::path(post, path = "/v1/items", tag = "items",
    request_body = ItemDoc,
    responses(
        (status = 200, description = "The decision (the stored one if this id was seen before)", body = DecisionDoc),
        (status = 400, description = "Invalid UTF-8, JSON or item", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
        (status = 413, description = "Body or field over its limit", body = ErrorBody),
        (status = 429, description = "Token over its rate limit", body = ErrorBody),
    ),
    security(("bearer" = ["ingest"])))]
pub async fn post_item(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = state.authorize(&headers, Scope::Ingest).await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let value: Value = body::json(&bytes)?;
    let item = parse_item(value)?;
    let st = state.clone();
    let mut results = blocking(move || decide_all(&st, vec![item], &principal)).await?;
    let (decision, existed) = results
        .pop()
        .ok_or_else(|| ApiError::internal("no decision"))?;
    let mut response = Json(decision).into_response();
    if existed {
        response
            .headers_mut()
            .insert("x-vigie-replayed", header::HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// One entry of a batch answer: a decision or an error, in input order.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchEntry {
    /// Position in the input (0-based).
    pub index: usize,
    /// The item's id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DecisionDoc>)]
    pub decision: Option<Decision>,
    /// Why this item was rejected (the others are processed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<Value>,
}

/// The answer to a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// One entry per input item, in order.
    pub results: Vec<BatchEntry>,
    /// Items decided (or found stored).
    pub decided: usize,
    /// Items rejected.
    pub failed: usize,
}

fn entry_error(err: &ApiError) -> Value {
    let mut value = json!({"code": err.code, "message": err.message});
    if let Some(limit) = err.limit {
        value["limit"] = json!(limit);
    }
    value
}

/// Splits a batch body: a JSON array, or JSON Lines (one item per line, blank lines skipped).
fn split_batch(bytes: &[u8]) -> Result<Vec<Result<Value, ApiError>>, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        let values: Vec<Value> = body::json(bytes)?;
        return Ok(values.into_iter().map(Ok).collect());
    }
    let mut entries = Vec::new();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = body::json::<Value>(line).map_err(|mut e| {
            e.message = format!("line {}: {}", n + 1, e.message);
            e
        });
        entries.push(parsed);
    }
    Ok(entries)
}

/// POST /v1/items:batch: a JSON array or JSON Lines of items; each bad item gets its own error
/// entry and the rest are decided.
#[utoipa::path(post, path = "/v1/items:batch", tag = "items",
    request_body(content = Vec<ItemDoc>, description = "A JSON array of items, or JSON Lines (Content-Type application/x-ndjson)"),
    responses(
        (status = 200, description = "One entry per item, in order", body = BatchResponse),
        (status = 400, description = "Not a JSON array nor JSON Lines", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
        (status = 413, description = "Body over the body limit or more items than the batch limit", body = ErrorBody),
        (status = 429, description = "Token over its rate limit", body = ErrorBody),
    ),
    security(("bearer" = ["ingest"])))]
pub async fn post_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BatchResponse>, ApiError> {
    let principal = state.authorize(&headers, Scope::Ingest).await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let entries = split_batch(&bytes)?;
    let limit = state.config().batch_limit;
    if entries.len() > limit {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "the batch has {} items, over the batch limit of {limit}",
                entries.len()
            ),
        )
        .with_limit(limit as u64));
    }
    let mut results: Vec<BatchEntry> = Vec::with_capacity(entries.len());
    let mut good = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        let id = entry
            .as_ref()
            .ok()
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match entry.and_then(parse_item) {
            Ok(item) => {
                good.push(item);
                results.push(BatchEntry {
                    index,
                    id,
                    decision: None,
                    error: None,
                });
            }
            Err(e) => results.push(BatchEntry {
                index,
                id,
                decision: None,
                error: Some(entry_error(&e)),
            }),
        }
    }
    let st = state.clone();
    let decided = blocking(move || decide_all(&st, good, &principal)).await?;
    let mut decided = decided.into_iter();
    for entry in results.iter_mut().filter(|e| e.error.is_none()) {
        entry.decision = decided.next().map(|(d, _)| d);
    }
    let failed = results.iter().filter(|e| e.error.is_some()).count();
    Ok(Json(BatchResponse {
        decided: results.len() - failed,
        failed,
        results,
    }))
}

/// A search query to check.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchQuery {
    /// Echoed in the answer (default `q`).
    #[serde(default)]
    pub id: Option<String>,
    /// The query as typed.
    pub query: String,
    /// The searcher's interface language (BCP 47).
    #[serde(default)]
    pub locale: Option<String>,
}

/// Documentation shape of a search check (`docs/contract.md`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchCheckDoc {
    /// The query's id.
    pub id: String,
    /// `smuggling_seeking` or `benign`.
    pub intent: String,
    /// Seeking score in [0, 1].
    pub score: f32,
    /// `{template, lang, status, text}` or null.
    #[schema(value_type = Option<Object>)]
    pub interstitial: Option<Value>,
}

/// POST /v1/search:check: a query's intent and the interstitial to show (not stored).
#[utoipa::path(post, path = "/v1/search:check", tag = "search",
    request_body = SearchQuery,
    responses(
        (status = 200, description = "Intent and interstitial", body = SearchCheckDoc),
        (status = 400, description = "Invalid body", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `search` scope", body = ErrorBody),
        (status = 413, description = "Query over 1 MiB", body = ErrorBody),
        (status = 429, description = "Token over its rate limit", body = ErrorBody),
    ),
    security(("bearer" = ["search"])))]
pub async fn post_search_check(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::Search).await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let query: SearchQuery = body::json(&bytes)?;
    if query.query.len() > limits::MAX_TEXT_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "field_too_large",
            format!(
                "field `query` is {} bytes, over the limit of {} bytes",
                query.query.len(),
                limits::MAX_TEXT_BYTES
            ),
        )
        .with_limit(limits::MAX_TEXT_BYTES as u64));
    }
    // ~20 µs of CPU: cheaper on the request's own worker than a hop to the blocking pool.
    let id = query.id.as_deref().unwrap_or("q");
    let check = state
        .engine()
        .search_check(id, &query.query, query.locale.as_deref());
    Ok(Json(check).into_response())
}

/// GET /v1/decisions/{id}: the stored decision for an item id (after a review, the reviewed one).
#[utoipa::path(get, path = "/v1/decisions/{id}", tag = "items",
    params(("id" = String, Path, description = "The item's id")),
    responses(
        (status = 200, description = "The stored decision (a reviewer's, once decided)", body = DecisionDoc),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
        (status = 404, description = "No item with this id", body = ErrorBody),
    ),
    security(("bearer" = ["ingest"])))]
pub async fn get_decision(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Decision>, ApiError> {
    state
        .authorize_any(&headers, &[Scope::Ingest, Scope::Review])
        .await?;
    let st = state.clone();
    let found = blocking(move || {
        st.store()
            .get_decision(&id)
            .map_err(store_error)?
            .ok_or_else(|| ApiError::not_found(format!("no decision for item `{id}`")))
    })
    .await?;
    Ok(Json(found))
}

/// Filters for the case list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseFilter {
    /// Queue: the decision's top label (`extortion.ransom`...) or `general`.
    pub queue: Option<String>,
    /// `open`, `escalated` or `closed`.
    pub status: Option<String>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
    /// The id of the last case of the previous page.
    pub after: Option<i64>,
}

/// GET /v1/cases: review cases, highest priority first, trusted flaggers first within a
/// priority, then oldest first.
#[utoipa::path(get, path = "/v1/cases", tag = "review",
    params(CaseFilter),
    responses(
        (status = 200, description = "`{\"cases\": [{id, item_id, queue, priority, trusted_flagger, status, opened_at, updated_at}]}`", body = Object),
        (status = 400, description = "Unknown status", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `review` scope", body = ErrorBody),
    ),
    security(("bearer" = ["review"])))]
pub async fn get_cases(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<CaseFilter>,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Review).await?;
    let status = match filter.status.as_deref() {
        None => None,
        Some(name) => Some(CaseStatus::parse(name).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_request",
                format!("unknown status `{name}`: expected open, escalated or closed"),
            )
        })?),
    };
    let st = state.clone();
    let cases = blocking(move || {
        st.store()
            .list_cases(
                filter.queue.as_deref(),
                status,
                filter.limit.unwrap_or(100).clamp(1, 1000),
                filter.after,
            )
            .map_err(store_error)
    })
    .await?;
    Ok(Json(json!({ "cases": cases })))
}

/// A reviewer's decision on a case.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `confirm`, `overturn` or `escalate`.
    #[schema(value_type = String)]
    pub outcome: ReviewOutcome,
    /// The labels the reviewer stands behind (recorded as training labels); empty means the
    /// decision's labels on confirm, `benign` on overturn.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub labels: Vec<Label>,
    /// Why (required; kept in the case history and the audit log).
    pub reason: String,
}

/// POST /v1/cases/{id}/decision: a reviewer decides; the labels are kept for retraining, and a
/// confirm or overturn replaces the item's decision with the policy's reviewed one (queued for
/// the webhooks like an automatic decision).
#[utoipa::path(post, path = "/v1/cases/{id}/decision", tag = "review",
    params(("id" = i64, Path, description = "The case id")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "The case with its item, decision and history", body = Object),
        (status = 400, description = "Invalid body (unknown outcome or label, empty reason)", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `review` scope", body = ErrorBody),
        (status = 404, description = "No such case", body = ErrorBody),
        (status = 409, description = "The case is already closed, or is an appeal of this reviewer's own decision", body = ErrorBody),
    ),
    security(("bearer" = ["review"])))]
pub async fn post_case_decision(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let principal = state.authorize(&headers, Scope::Review).await?;
    let case_id: i64 = id
        .parse()
        .map_err(|_| ApiError::not_found(format!("no case `{id}`")))?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let review: ReviewBody = body::json(&bytes)?;
    if review.reason.trim().is_empty() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "`reason` must not be empty",
        ));
    }
    let decision = ReviewDecision {
        outcome: review.outcome,
        labels: review.labels,
        note: Some(review.reason),
    };
    let reviewer = crate::review::reviewer_name(&principal);
    let detail = crate::review::decide(&state, case_id, reviewer, decision).await?;
    Ok(Json(
        serde_json::to_value(detail).map_err(ApiError::internal)?,
    ))
}

/// GET /healthz: the process is up (no token).
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "Alive", body = Object)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// GET /readyz: the store answers (no token).
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "Ready", body = Object),
              (status = 503, description = "The store does not answer", body = ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let st = state.clone();
    blocking(move || {
        st.store().queue_depths().map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                format!("store not ready: {e}"),
            )
        })
    })
    .await?;
    Ok(Json(json!({
        "status": "ready",
        "policy_version": state.engine().policy().version(),
        "model_version": state.engine().model_version(),
    })))
}

/// GET /metrics: Prometheus text exposition (`admin` scope).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn get_metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let st = state.clone();
    let depths = blocking(move || st.store().queue_depths().map_err(store_error)).await?;
    let queues: Vec<(String, u64)> = depths.cases.into_iter().collect();
    let text = state.metrics().render(
        &queues,
        Some(depths.webhooks_pending),
        depths.webhooks_dead,
        depths.items,
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// GET /openapi.json: this API's OpenAPI 3.1 document, generated from the code.
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document_json(),
    )
        .into_response()
}
