//! Webhook delivery: the store queues a delivery per configured URL in the same transaction as
//! the decision (the outbox); this worker POSTs them with an HMAC-SHA256 signature, retries with
//! exponential backoff, and gives up after [`MAX_ATTEMPTS`] into the dead-letter table, which
//! `GET /v1/webhooks/dead` lists and `POST /v1/webhooks/dead/{id}/replay` puts back in the queue.
//!
//! Each request carries `Content-Type: application/json`, `X-Vigie-Event`,
//! `X-Vigie-Delivery` (the delivery id: receivers deduplicate by it) and
//! `X-Vigie-Signature: sha256=<hex HMAC-SHA256 of the body with the shared secret>`.
//! The client (hyper, HTTP/1.1, one connection per delivery, [`TIMEOUT`] for the whole exchange)
//! speaks `http://` and `https://`; redirects are not followed, and any answer but a 2xx is a
//! failure whose error names the status (`HTTP 503`), or the connect, TLS or time-out problem.
//! TLS is rustls (ring): server certificates are checked against Mozilla's root certificates,
//! embedded at build time (`webpki-roots`; nothing is fetched and the system store is not
//! read), plus the PEM file `webhook_ca_file` (`VIGIE_WEBHOOK_CA_FILE`, `--webhook-ca-file`)
//! for receivers behind a private CA: see [`tls_config`].

use crate::api::{blocking, store_error};
use crate::auth::Scope;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::Full;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
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
    if let Err(e) = tls_config(state.config().webhook_ca_file.as_deref()) {
        eprintln!("vigie-server: https:// webhooks will fail: {e}");
    }
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
    if due.is_empty() {
        return 0;
    }
    let secret = state.config().webhook_secret.clone().unwrap_or_default();
    let tls = tls_config(state.config().webhook_ca_file.as_deref());
    let mut delivered = 0;
    for delivery in due {
        let outcome = match &tls {
            Ok(tls) => send_with(&delivery, secret.as_bytes(), tls).await,
            // A bad CA file fails the https:// deliveries only.
            Err(_) if delivery.url.starts_with("http://") => {
                send(&delivery, secret.as_bytes()).await
            }
            Err(e) => Err(e.clone()),
        };
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

/// The TLS client configuration for `https://` webhooks: Mozilla's root certificates (embedded,
/// from `webpki-roots`), plus the certificates of the PEM file `ca_file` when one is given (for
/// receivers behind a private CA). `Err` names the file and the problem.
pub fn tls_config(ca_file: Option<&std::path::Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = ca_file {
        let shown = path.display();
        let pem = std::fs::read(path).map_err(|e| format!("webhook CA file {shown}: {e}"))?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| format!("webhook CA file {shown}: {e}"))?;
            roots
                .add(cert)
                .map_err(|e| format!("webhook CA file {shown}: {e}"))?;
            added += 1;
        }
        if added == 0 {
            return Err(format!(
                "webhook CA file {shown}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// POSTs one delivery, trusting Mozilla's roots for `https://` URLs; `Err` says why it failed.
pub async fn send(delivery: &Delivery, secret: &[u8]) -> Result<(), String> {
    send_with(delivery, secret, &tls_config(None)?).await
}

/// POSTs one delivery (`http://` or `https://`, HTTP/1.1, redirects not followed) within
/// [`TIMEOUT`]; a 2xx answer is success, anything else an `Err` saying why (the status, the
/// TLS, connect or write error, the time-out).
pub async fn send_with(
    delivery: &Delivery,
    secret: &[u8],
    tls: &Arc<rustls::ClientConfig>,
) -> Result<(), String> {
    let uri: hyper::Uri = delivery
        .url
        .parse()
        .map_err(|e| format!("invalid URL {:?}: {e}", delivery.url))?;
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => {
            return Err(format!(
                "unsupported URL {:?}: only http:// and https:// are supported",
                delivery.url
            ))
        }
    };
    let authority = uri
        .authority()
        .ok_or_else(|| format!("invalid URL {:?}: no host", delivery.url))?
        .clone();
    // `[::1]` in a URL, `::1` for the resolver and the certificate check.
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let path = uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|p| !p.is_empty())
        .unwrap_or("/");
    let signature = hmac_sha256_hex(secret, delivery.body.as_bytes());
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, authority.as_str())
        .header(hyper::header::USER_AGENT, "vigie")
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("X-Vigie-Event", delivery.event.replace(['\r', '\n'], " "))
        .header("X-Vigie-Delivery", delivery.id.to_string())
        .header("X-Vigie-Signature", format!("sha256={signature}"))
        .header(hyper::header::CONNECTION, "close")
        .body(Full::new(Bytes::from(delivery.body.clone())))
        .map_err(|e| format!("request: {e}"))?;
    let exchange = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("connect {host}:{port}: {e}"))?;
        if https {
            let name = rustls::pki_types::ServerName::try_from(host.clone())
                .map_err(|e| format!("invalid TLS server name {host:?}: {e}"))?;
            let stream = tokio_rustls::TlsConnector::from(tls.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS handshake with {host}:{port}: {e}"))?;
            exchange(stream, request).await
        } else {
            exchange(tcp, request).await
        }
    };
    let status = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("timed out after {} s", TIMEOUT.as_secs()))??;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}

/// One HTTP/1.1 request over an open connection; the answer's status.
async fn exchange<S>(
    stream: S,
    request: hyper::Request<Full<Bytes>>,
) -> Result<hyper::StatusCode, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
    // Drives the connection while the request is in flight; ended when this function returns
    // or is dropped (time-out).
    struct AbortOnDrop(tokio::task::JoinHandle<Result<(), hyper::Error>>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let _driver = AbortOnDrop(tokio::spawn(connection));
    sender
        .send_request(request)
        .await
        .map(|response| response.status())
        .map_err(|e| format!("HTTP: {e}"))
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
