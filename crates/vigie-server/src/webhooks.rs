//! Webhook delivery: the store queues a delivery per configured URL in the same transaction as
//! the decision (the outbox); this worker POSTs them with an HMAC-SHA256 signature, retries with
//! exponential backoff, and gives up after [`MAX_ATTEMPTS`] into the dead-letter table, which
//! `GET /v1/webhooks/dead` lists and `POST /v1/webhooks/dead/{id}/replay` puts back in the queue.
//!
//! Each request carries `Content-Type: application/json`, `X-Vigie-Event`,
//! `X-Vigie-Delivery` (the delivery id: receivers deduplicate by it) and
//! `X-Vigie-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>`.
//! The built-in client speaks plain HTTP/1.1 (`http://` URLs: a local relay or a sidecar
//! terminates TLS); an `https://` URL fails and is retried, then dead-lettered.

use crate::api::{blocking, store_error};
use crate::auth::Scope;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vigie_store::{hmac_sha256_hex, retry_delay, Delivery, Retry};

/// Attempts before a delivery is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 8;
/// How often the worker looks for due deliveries.
pub const POLL: Duration = Duration::from_secs(2);
/// Connect, write and read timeout of one delivery.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The dead-letter routes (`admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/webhooks/dead", get(dead_letters))
        .route("/v1/webhooks/dead/{id}/replay", post(replay))
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How often item texts past their retention are erased.
pub const PURGE_EVERY: i64 = 3_600;

/// Runs the background loop until the task is aborted: webhook deliveries every [`POLL`], and
/// the retention purge (item texts older than `text_retention_days`) every [`PURGE_EVERY`] s.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_purge = 0;
        loop {
            let t = now();
            if t - last_purge >= PURGE_EVERY {
                last_purge = t;
                let st = state.clone();
                match blocking(move || st.store().purge_expired(t).map_err(store_error)).await {
                    Ok(report) if report.texts_erased + report.items_deleted > 0 => eprintln!(
                        "vigie: retention purge erased {} texts, deleted {} items",
                        report.texts_erased, report.items_deleted
                    ),
                    Ok(_) => {}
                    Err(e) => eprintln!("vigie-server: retention purge failed: {e}"),
                }
            }
            deliver_due(&state, t).await;
            tokio::time::sleep(POLL).await;
        }
    })
}

/// One pass: sends every delivery due at `now`; returns how many succeeded.
pub async fn deliver_due(state: &AppState, now: i64) -> usize {
    let st = state.clone();
    let due = match blocking(move || st.store().due_deliveries(now, 100).map_err(store_error)).await
    {
        Ok(due) => due,
        Err(e) => {
            eprintln!("vigie-server: webhook outbox unreadable: {e}");
            return 0;
        }
    };
    let secret = state.config().webhook_secret.clone().unwrap_or_default();
    let mut delivered = 0;
    for delivery in due {
        let outcome = send(&delivery, secret.as_bytes()).await;
        let st = state.clone();
        let id = delivery.id;
        let attempts = delivery.attempts + 1;
        if outcome.is_ok() {
            delivered += 1;
        }
        let result = blocking(move || {
            match outcome {
                Ok(()) => st.store().mark_delivered(id),
                Err(error) => {
                    let retry = match retry_delay(attempts, MAX_ATTEMPTS) {
                        Some(delay) => Retry::At(now + delay),
                        None => Retry::Dead,
                    };
                    st.store().mark_failed(id, &error, retry)
                }
            }
            .map_err(store_error)
        })
        .await;
        if let Err(e) = result {
            eprintln!("vigie-server: webhook delivery {id} not updated: {e}");
        }
    }
    delivered
}

/// POSTs one delivery; `Err` says why it failed.
pub async fn send(delivery: &Delivery, secret: &[u8]) -> Result<(), String> {
    let rest = delivery.url.strip_prefix("http://").ok_or_else(|| {
        format!(
            "unsupported URL {:?}: only http:// is supported",
            delivery.url
        )
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let address = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let signature = hmac_sha256_hex(secret, delivery.body.as_bytes());
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: vigie\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Vigie-Event: {}\r\nX-Vigie-Delivery: {}\r\nX-Vigie-Signature: sha256={signature}\r\nConnection: close\r\n\r\n",
        delivery.body.len(),
        delivery.event.replace(['\r', '\n'], " "),
        delivery.id,
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .map_err(|e| format!("connect {address}: {e}"))?;
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        stream
            .write_all(delivery.body.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut head = Vec::new();
        let mut buf = [0u8; 512];
        while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
            let n = stream
                .read(&mut buf)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&head);
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| "no HTTP status line in the answer".to_string())?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    };
    tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("timed out after {} s", TIMEOUT.as_secs()))?
}

/// GET /v1/webhooks/dead: deliveries given up on.
#[utoipa::path(get, path = "/v1/webhooks/dead", tag = "webhooks",
    responses((status = 200, description = "`{\"dead\": [{id, url, event, body, attempts, last_error, ...}]}`", body = Object),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn dead_letters(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let st = state.clone();
    let dead = blocking(move || st.store().dead_letters(1000).map_err(store_error)).await?;
    Ok(Json(json!({ "dead": dead })))
}

/// POST /v1/webhooks/dead/{id}/replay: back in the queue, due now, attempts reset.
#[utoipa::path(post, path = "/v1/webhooks/dead/{id}/replay", tag = "webhooks",
    params(("id" = i64, Path, description = "The delivery")),
    responses((status = 200, description = "Queued again", body = Object),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody),
              (status = 404, description = "No dead delivery with this id", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn replay(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let not_found = || ApiError::not_found(format!("no dead delivery `{id}`"));
    let delivery: i64 = id.parse().map_err(|_| not_found())?;
    let st = state.clone();
    let replayed =
        blocking(move || st.store().replay_dead_letter(delivery).map_err(store_error)).await?;
    if !replayed {
        return Err(not_found());
    }
    Ok(Json(json!({ "id": delivery, "status": "pending" })))
}
