//! Shared by the test files: the router over a temporary store with one token per scope,
//! requests through `tower::ServiceExt::oneshot`, and reading one HTTP/1.1 request, as a
//! webhook receiver does. Each test file uses some of it.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncRead, AsyncReadExt};
use tower::ServiceExt;
use vigie_engine::Engine;
use vigie_server::{AppState, Scope, ServerConfig};

pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| Arc::new(Engine::embedded().expect("embedded engine")))
        .clone()
}

pub struct Harness {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
    pub app: Router,
    pub admin: String,
    pub ingest: String,
    pub search: String,
    pub review: String,
}

pub fn harness() -> Harness {
    harness_with(|_| {}, None)
}

pub fn harness_with(tweak: impl FnOnce(&mut ServerConfig), engine: Option<Arc<Engine>>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig {
        data: dir.path().join("data"),
        rate_per_second: 0.0,
        ..ServerConfig::default()
    };
    tweak(&mut config);
    let state = AppState::with_engine(config, engine.unwrap_or_else(self::engine)).unwrap();
    let store = state.store();
    let admin = store.create_token("ops", &[Scope::Admin], false).unwrap();
    let ingest = store
        .create_token("platform", &[Scope::Ingest], false)
        .unwrap();
    let search = store
        .create_token("search-box", &[Scope::Search], false)
        .unwrap();
    let review = store
        .create_token("console", &[Scope::Review], false)
        .unwrap();
    Harness {
        _dir: dir,
        app: vigie_server::router(state.clone()),
        state,
        admin,
        ingest,
        search,
        review,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(ct) = content_type {
        request = request.header("content-type", ct);
    }
    send(app, request.body(body.into()).unwrap()).await
}

/// Sends one request through the router and reads the whole answer.
pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn post_json(app: &Router, uri: &str, token: Option<&str>, body: &Value) -> Reply {
    call(
        app,
        "POST",
        uri,
        token,
        Some("application/json"),
        serde_json::to_vec(body).unwrap(),
    )
    .await
}

pub async fn get(app: &Router, uri: &str, token: Option<&str>) -> Reply {
    call(app, "GET", uri, token, None, Body::empty()).await
}

/// Reads one request (head up to the blank line, then `Content-Length` bytes of body) and
/// returns `(head, body)`; `None` when the peer closes first.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                let head = text[..end].to_string();
                let body = String::from_utf8_lossy(&data[end + 4..end + 4 + length]).to_string();
                return Some((head, body));
            }
        }
    }
}
