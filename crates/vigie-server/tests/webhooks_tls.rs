//! `https://` webhooks against a local HTTPS receiver whose certificate comes from a private CA
//! made here (rcgen): delivered and signed when `webhook_ca_file` names the CA, refused with a
//! certificate error when it does not. Content is invented.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::engine;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::UnboundedReceiver;
use tower::ServiceExt;
use vigie_server::{AppState, Scope, ServerConfig};

const SECRET: &str = "tls-s3cret-invented";
const RANSOM_AR: &str = "ابنك عندنا في المخزن، أرسلوا 5000 دولار خلال ثلاثة أيام وإلا سنقتله. الدفع عبر ويسترن يونيون MTCN 7302958146";

/// A private CA (its PEM written to `dir/ca.pem`) and a server certificate it signed for
/// `localhost` and `127.0.0.1`.
struct Pki {
    ca_file: PathBuf,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

fn pki(dir: &std::path::Path) -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Vigie test CA (invented)");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let server_key = rcgen::KeyPair::generate().unwrap();
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let server_cert = params.signed_by(&server_key, &ca).unwrap();
    Pki {
        ca_file,
        server_chain: vec![server_cert.der().clone()],
        server_key: server_key.serialize_der(),
    }
}

/// An HTTPS receiver on 127.0.0.1 presenting `pki`'s server certificate: answers `status` to
/// each request and records it (head, body). Failed handshakes are skipped.
async fn https_receiver(pki: &Pki, status: u16) -> (String, UnboundedReceiver<(String, String)>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            pki.server_chain.clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let Ok(mut stream) = acceptor.accept(tcp).await else {
                continue;
            };
            if let Some(request) = common::read_request(&mut stream).await {
                let _ = tx.send(request);
            }
            let reply = format!(
                "HTTP/1.1 {status} X\r\nLocation: https://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    (url, rx)
}

/// A server state over a temporary store with `url` as its webhook, and one item submitted
/// whose decision proposes actions (so one delivery is queued).
async fn state_with_one_delivery(
    dir: &std::path::Path,
    url: &str,
    ca_file: Option<PathBuf>,
) -> AppState {
    let config = ServerConfig {
        data: dir.join("data"),
        rate_per_second: 0.0,
        webhook_urls: vec![url.to_string()],
        webhook_secret: Some(SECRET.into()),
        webhook_ca_file: ca_file,
        ..ServerConfig::default()
    };
    let state = AppState::with_engine(config, engine()).unwrap();
    let ingest = state
        .store()
        .create_token("platform", &[Scope::Ingest], false)
        .unwrap();
    let request = Request::builder()
        .method("POST")
        .uri("/v1/items")
        .header("authorization", format!("Bearer {ingest}"))
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::to_vec(&json!({"id": "tls-1", "text": RANSOM_AR})).unwrap(),
        ))
        .unwrap();
    let response = vigie_server::router(state.clone())
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let reply: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(!reply["actions"].as_array().unwrap().is_empty(), "{reply}");
    state
}

/// The deliveries still pending (due at any time), with their last errors.
fn pending(state: &AppState) -> Vec<vigie_store::Delivery> {
    state.store().due_deliveries(i64::MAX / 2, 100).unwrap()
}

#[tokio::test]
async fn https_webhook_delivered_and_signed_with_the_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (url, mut received) = https_receiver(&pki, 200).await;
    let state = state_with_one_delivery(dir.path(), &url, Some(pki.ca_file.clone())).await;
    let now = vigie_server::webhooks::now();
    assert_eq!(vigie_server::webhooks::deliver_due(&state, now).await, 1);
    let (head, body) = received.recv().await.unwrap();
    assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");
    let head = head.to_ascii_lowercase();
    let signature = vigie_store::hmac_sha256_hex(SECRET.as_bytes(), body.as_bytes());
    assert!(
        head.contains(&format!("x-vigie-signature: sha256={signature}")),
        "{head}"
    );
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("x-vigie-event: "), "{head}");
    assert!(head.contains("x-vigie-delivery: "), "{head}");
    assert!(body.contains("tls-1"), "{body}");
    assert!(pending(&state).is_empty());
}

#[tokio::test]
async fn https_webhook_without_the_ca_fails_on_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (url, mut received) = https_receiver(&pki, 200).await;
    let state = state_with_one_delivery(dir.path(), &url, None).await;
    let now = vigie_server::webhooks::now();
    assert_eq!(vigie_server::webhooks::deliver_due(&state, now).await, 0);
    let pending = pending(&state);
    assert_eq!(pending.len(), 1, "{pending:?}");
    let error = pending[0].last_error.clone().unwrap_or_default();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    assert_eq!(pending[0].attempts, 1);
    assert!(
        received.try_recv().is_err(),
        "nothing may reach the receiver"
    );
}

#[tokio::test]
async fn https_redirect_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki(dir.path());
    let (url, mut received) = https_receiver(&pki, 302).await;
    let state = state_with_one_delivery(dir.path(), &url, Some(pki.ca_file.clone())).await;
    let now = vigie_server::webhooks::now();
    assert_eq!(vigie_server::webhooks::deliver_due(&state, now).await, 0);
    received.recv().await.unwrap();
    let pending = pending(&state);
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].last_error.as_deref(), Some("HTTP 302"));
}

#[tokio::test]
async fn bad_ca_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = vigie_server::webhooks::tls_config(Some(&missing)).unwrap_err();
    assert!(err.contains("missing.pem"), "{err}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let err = vigie_server::webhooks::tls_config(Some(&empty)).unwrap_err();
    assert!(err.contains("no PEM certificate"), "{err}");
    assert!(vigie_server::webhooks::tls_config(None).is_ok());
}
