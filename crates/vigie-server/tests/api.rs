//! The API as a client sees it, in process: the router over a temporary store, called with
//! `tower::ServiceExt::oneshot`. Content is invented, in several languages.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::{call, engine, get, harness, harness_with, post_json};
use serde_json::json;
use std::sync::Arc;
use vigie_engine::Engine;
use vigie_server::{AppState, Scope, ServerConfig};

const AD_AR: &str = "رحلة قادمة من زوارة لإيطاليا السعر ٢٩٠٠ دينار واتساب 0912345678";
const RANSOM_SO: &str =
    "Wiilkaaga waa na joogaa, soo dir 5000 dollar ama waan dilaynaa. Lacagta u dir MTCN 7302958146";

#[tokio::test]
async fn item_is_decided_stored_and_idempotent() {
    let h = harness();
    let item = json!({"id": "p-ar-1", "kind": "post", "text": AD_AR, "author": {"id": "acct-1", "country": "LY"}});
    let first = post_json(&h.app, "/v1/items", Some(&h.ingest), &item).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let decision = first.json();
    assert_eq!(decision["id"], "p-ar-1");
    assert!(decision["verdict"].is_string());
    assert!(decision["labels"].is_array());
    assert!(first.headers.get("x-vigie-replayed").is_none());

    // Same id again, even with other content: the stored decision, nothing written.
    let again = json!({"id": "p-ar-1", "text": "Bonjour à tous, belle journée à Tunis"});
    let second = post_json(&h.app, "/v1/items", Some(&h.ingest), &again).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.json(), decision);
    assert_eq!(second.headers["x-vigie-replayed"], "true");
    assert_eq!(h.state.store().queue_depths().unwrap().items, 1);

    let stored = get(&h.app, "/v1/decisions/p-ar-1", Some(&h.ingest)).await;
    assert_eq!(stored.status, StatusCode::OK);
    assert_eq!(stored.json(), decision);

    let admin = post_json(
        &h.app,
        "/v1/items",
        Some(&h.admin),
        &json!({"id": "p-fr-2", "text": "Je vends mon vélo, 80 euros"}),
    )
    .await;
    assert_eq!(admin.status, StatusCode::OK, "admin allows everything");
}

#[tokio::test]
async fn tokens_and_scopes() {
    let h = harness();
    let item = json!({"id": "x", "text": "salaan"});
    let none = post_json(&h.app, "/v1/items", None, &item).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.error_code(), "unauthorized");
    let bogus = post_json(&h.app, "/v1/items", Some("vgt_0000"), &item).await;
    assert_eq!(bogus.status, StatusCode::UNAUTHORIZED);
    let basic = call(&h.app, "GET", "/v1/decisions/x", None, None, Body::empty()).await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);

    let wrong = post_json(&h.app, "/v1/items", Some(&h.search), &item).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.error_code(), "forbidden");
    assert!(wrong.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ingest"));

    for (method, uri, token) in [
        ("POST", "/v1/items:batch", &h.search),
        ("POST", "/v1/search:check", &h.ingest),
        ("GET", "/v1/decisions/x", &h.search),
        ("GET", "/v1/cases", &h.ingest),
        ("POST", "/v1/cases/1/decision", &h.ingest),
        ("GET", "/metrics", &h.review),
        ("GET", "/m/lookup?signal_type=pdq&signal=00", &h.search),
        ("GET", "/m/raw_lookup?signal_type=pdq&signal=00", &h.review),
        ("POST", "/h/hash", &h.search),
        ("GET", "/c/banks", &h.ingest),
    ] {
        let reply = call(
            &h.app,
            method,
            uri,
            Some(token),
            Some("application/json"),
            "{}",
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}");
        let reply = call(&h.app, method, uri, None, Some("application/json"), "{}").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    // A revoked token is unknown.
    let info = h.state.store().authenticate(&h.ingest).unwrap().unwrap();
    assert!(h.state.revoke_token(info.id, "test").unwrap());
    let revoked = post_json(&h.app, "/v1/items", Some(&h.ingest), &item).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx() {
    let h = harness_with(|c| c.body_limit = 4096, None);
    let t = Some(h.ingest.as_str());
    let ct = Some("application/json");
    let malformed = call(&h.app, "POST", "/v1/items", t, ct, "{\"id\": \"a\",").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.error_code(), "invalid_json");

    let wrong_type = call(&h.app, "POST", "/v1/items", t, ct, "{\"id\": 5}").await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_type.error_code(), "invalid_item");

    let bad_kind = call(
        &h.app,
        "POST",
        "/v1/items",
        t,
        ct,
        "{\"id\": \"a\", \"kind\": \"tweet\"}",
    )
    .await;
    assert_eq!(bad_kind.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_kind.text().contains("kind") || bad_kind.text().contains("variant"),
        "{}",
        bad_kind.text()
    );

    let not_object = call(&h.app, "POST", "/v1/items", t, ct, "[1, 2]").await;
    assert_eq!(not_object.status, StatusCode::BAD_REQUEST);

    let no_id = call(&h.app, "POST", "/v1/items", t, ct, "{\"text\": \"ሰላም\"}").await;
    assert_eq!(no_id.status, StatusCode::BAD_REQUEST);

    let mut latin1 = b"{\"id\": \"a\", \"text\": \"caf".to_vec();
    latin1.extend_from_slice(&[0xe9, b'"', b'}']);
    let utf8 = call(&h.app, "POST", "/v1/items", t, ct, latin1).await;
    assert_eq!(utf8.status, StatusCode::BAD_REQUEST);
    assert_eq!(utf8.error_code(), "invalid_utf8");

    let big = json!({"id": "big", "text": "ሰላም ".repeat(2000)});
    let too_large = post_json(&h.app, "/v1/items", t, &big).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.error_code(), "payload_too_large");
    assert_eq!(too_large.json()["error"]["limit"], 4096);

    let long_id = json!({"id": "x".repeat(600)});
    let field = post_json(&h.app, "/v1/items", t, &long_id).await;
    assert_eq!(field.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(field.error_code(), "field_too_large");
    assert_eq!(field.json()["error"]["limit"], 512);

    // The server keeps serving.
    let fine = post_json(
        &h.app,
        "/v1/items",
        t,
        &json!({"id": "ok", "text": "Salaam, sidee tahay?"}),
    )
    .await;
    assert_eq!(fine.status, StatusCode::OK);
    assert_eq!(
        get(&h.app, "/v1/decisions/big", t).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn batch_array_and_json_lines() {
    let h = harness_with(|c| c.batch_limit = 3, None);
    let t = Some(h.ingest.as_str());
    let batch = json!([
        {"id": "b-fr", "text": "Passage garanti vers l'Italie, départ de Sfax, 3000 euros, contactez-nous sur WhatsApp"},
        {"id": 42, "text": "wrong id type"},
        {"id": "b-ti", "text": "ሰላም ኩሉኹም፣ ሎሚ ጽቡቕ መዓልቲ እዩ"},
    ]);
    let reply = post_json(&h.app, "/v1/items:batch", t, &batch).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["decided"], 2);
    assert_eq!(body["failed"], 1);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["decision"]["id"], "b-fr");
    assert_eq!(results[1]["error"]["code"], "invalid_item");
    assert!(results[1].get("decision").is_none());
    assert_eq!(results[2]["decision"]["id"], "b-ti");
    assert_eq!(
        get(&h.app, "/v1/decisions/b-ti", t).await.status,
        StatusCode::OK
    );

    // JSON Lines, with an invalid UTF-8 line and a repeated id.
    let mut lines = b"{\"id\": \"b-so\", \"text\": \"Salaan walaal\"}\n\n".to_vec();
    lines.extend_from_slice(b"{\"id\": \"bad\", \"text\": \"\xff\xfe\"}\n");
    lines.extend_from_slice(b"{\"id\": \"b-fr\", \"text\": \"autre chose\"}\n");
    let reply = call(
        &h.app,
        "POST",
        "/v1/items:batch",
        t,
        Some("application/x-ndjson"),
        lines,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["decision"]["id"], "b-so");
    assert_eq!(results[1]["error"]["code"], "invalid_utf8");
    assert!(results[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 3"));
    assert_eq!(
        results[2]["decision"],
        get(&h.app, "/v1/decisions/b-fr", t).await.json()
    );
    assert_eq!(h.state.store().queue_depths().unwrap().items, 3);

    let four = json!([{"id": "1"}, {"id": "2"}, {"id": "3"}, {"id": "4"}]);
    let reply = post_json(&h.app, "/v1/items:batch", t, &four).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "batch_too_large");
    assert_eq!(reply.json()["error"]["limit"], 3);

    let broken = call(
        &h.app,
        "POST",
        "/v1/items:batch",
        t,
        Some("application/json"),
        "[{\"id\": ",
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rate_limit_per_token() {
    let h = harness_with(
        |c| {
            c.rate_per_second = 0.5;
            c.rate_burst = 2;
        },
        None,
    );
    let item = json!({"id": "r", "text": "Salut"});
    for _ in 0..2 {
        let ok = post_json(&h.app, "/v1/items", Some(&h.ingest), &item).await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    let limited = post_json(&h.app, "/v1/items", Some(&h.ingest), &item).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error_code(), "rate_limited");
    assert!(limited.json()["error"]["limit"].is_number());
    assert!(limited.headers.contains_key("retry-after"));
    // Another token has its own bucket.
    let other = post_json(&h.app, "/v1/items", Some(&h.admin), &item).await;
    assert_eq!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn search_check_answers_intent_and_interstitial() {
    let h = harness();
    let reply = post_json(
        &h.app,
        "/v1/search:check",
        Some(&h.search),
        &json!({"id": "q1", "query": "passeur libye italie prix", "locale": "fr"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let check = reply.json();
    assert_eq!(check["id"], "q1");
    assert!(check["score"].as_f64().unwrap() >= 0.0);
    match check["intent"].as_str().unwrap() {
        "smuggling_seeking" => assert!(check["interstitial"]["text"].is_string()),
        "benign" => assert!(check["interstitial"].is_null()),
        other => panic!("unexpected intent {other}"),
    }
    let benign = post_json(
        &h.app,
        "/v1/search:check",
        Some(&h.search),
        &json!({"query": "recette couscous tunisien"}),
    )
    .await;
    assert_eq!(benign.json()["intent"], "benign");
    assert_eq!(benign.json()["id"], "q");
    assert!(benign.json()["interstitial"].is_null());

    let missing = post_json(
        &h.app,
        "/v1/search:check",
        Some(&h.search),
        &json!({"q": "x"}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.error_code(), "invalid_request");
}

#[tokio::test]
async fn unknown_decision_and_route_are_404() {
    let h = harness();
    let reply = get(&h.app, "/v1/decisions/nope", Some(&h.ingest)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
    let reply = get(&h.app, "/v2/nothing", Some(&h.admin)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_code(), "not_found");
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let h = harness();
    assert_eq!(get(&h.app, "/healthz", None).await.status, StatusCode::OK);
    let ready = get(&h.app, "/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "ready");

    post_json(
        &h.app,
        "/v1/items",
        Some(&h.ingest),
        &json!({"id": "m1", "text": AD_AR}),
    )
    .await;
    post_json(
        &h.app,
        "/v1/items",
        Some(&h.ingest),
        &json!({"id": "m1", "text": AD_AR}),
    )
    .await;
    post_json(&h.app, "/v1/items", None, &json!({"id": "m2"})).await;
    let metrics = get(&h.app, "/metrics", Some(&h.admin)).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.text();
    assert!(
        text.contains(
            "vigie_http_requests_total{method=\"POST\",route=\"/v1/items\",status=\"200\"} 2"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "vigie_http_requests_total{method=\"POST\",route=\"/v1/items\",status=\"401\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("vigie_http_request_duration_seconds_count{route=\"/v1/items\"} 3"),
        "{text}"
    );
    assert!(
        text.contains("vigie_items_total{outcome=\"decided\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vigie_items_total{outcome=\"replayed\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("vigie_decisions_by_verdict_total{verdict="),
        "{text}"
    );
    assert!(
        text.contains("vigie_errors_total{code=\"unauthorized\"} 1"),
        "{text}"
    );
    assert!(text.contains("vigie_items_stored 1"), "{text}");

    let doc = get(&h.app, "/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc = doc.json();
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/items",
        "/v1/items:batch",
        "/v1/search:check",
        "/v1/decisions/{id}",
        "/v1/cases",
        "/v1/cases/{id}/decision",
        "/healthz",
        "/readyz",
        "/metrics",
        "/m/lookup",
        "/m/raw_lookup",
        "/h/hash",
        "/c/banks",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn review_cases_list_and_decide() {
    let h = harness();
    let flagger = h
        .state
        .store()
        .create_token("ngo", &[Scope::Ingest, Scope::Flag], true)
        .unwrap();
    let report = json!({"id": "r-so-1", "kind": "report", "text": RANSOM_SO, "locale": "so"});
    let reply = post_json(&h.app, "/v1/items", Some(&flagger), &report).await;
    assert_eq!(reply.status, StatusCode::OK);
    let decision = reply.json();

    let cases = get(&h.app, "/v1/cases?status=open", Some(&h.review)).await;
    assert_eq!(cases.status, StatusCode::OK, "{}", cases.text());
    let list = cases.json()["cases"].as_array().unwrap().clone();
    assert_ne!(decision["verdict"], "allow", "{decision}");
    assert_eq!(list.len(), 1, "{list:?}");
    let case = &list[0];
    assert_eq!(case["item_id"], "r-so-1");
    assert_eq!(case["trusted_flagger"], true);
    let queue = case["queue"].as_str().unwrap().to_string();
    let by_queue = get(&h.app, &format!("/v1/cases?queue={queue}"), Some(&h.review)).await;
    assert_eq!(by_queue.json()["cases"].as_array().unwrap().len(), 1);
    let other = get(&h.app, "/v1/cases?queue=nothing-here", Some(&h.review)).await;
    assert!(other.json()["cases"].as_array().unwrap().is_empty());
    let bad = get(&h.app, "/v1/cases?status=sleeping", Some(&h.review)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let id = case["id"].as_i64().unwrap();
    let uri = format!("/v1/cases/{id}/decision");
    let no_reason = post_json(
        &h.app,
        &uri,
        Some(&h.review),
        &json!({"outcome": "confirm", "reason": " "}),
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let bad_label = post_json(
        &h.app,
        &uri,
        Some(&h.review),
        &json!({"outcome": "confirm", "labels": ["spam"], "reason": "x"}),
    )
    .await;
    assert_eq!(bad_label.status, StatusCode::BAD_REQUEST);
    let decided = post_json(
        &h.app,
        &uri,
        Some(&h.review),
        &json!({"outcome": "confirm", "labels": ["extortion.ransom"], "reason": "ransom demand with a transfer code"}),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    assert_eq!(decided.json()["case"]["status"], "closed");
    let labels = h.state.store().training_labels(None, 10).unwrap();
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].item_id, "r-so-1");

    let again = post_json(
        &h.app,
        &uri,
        Some(&h.review),
        &json!({"outcome": "overturn", "reason": "second thoughts"}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let missing = post_json(
        &h.app,
        "/v1/cases/99999/decision",
        Some(&h.review),
        &json!({"outcome": "confirm", "reason": "x"}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// A 32×32 24-bit BMP with a diagonal pattern.
fn bmp(width: u32, height: u32, pixels: bool) -> Vec<u8> {
    let row = (width * 3).div_ceil(4) * 4;
    let data_len = if pixels { row * height } else { 16 };
    let mut out = Vec::new();
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(54 + data_len).to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&height.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(&[0; 16]);
    if pixels {
        for y in 0..height {
            for x in 0..row {
                let v = if (x / 3 + y) % 7 < 3 {
                    240u8
                } else {
                    (x * 5 + y * 3) as u8
                };
                out.push(v);
            }
        }
    } else {
        out.extend_from_slice(&[0; 16]);
    }
    out
}

fn multipart(field: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "vigie-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"f.bmp\"\r\nContent-Type: image/bmp\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn hma_compatible_hash_lookup_and_banks() {
    // Hash an image through the API with no banks, then build a bank holding that hash.
    let h = harness();
    let image = bmp(32, 32, true);
    let (ct, body) = multipart("photo", &image);
    let hashed = call(&h.app, "POST", "/h/hash", Some(&h.ingest), Some(&ct), body).await;
    assert_eq!(hashed.status, StatusCode::OK, "{}", hashed.text());
    let pdq = hashed.json()["pdq"].as_str().unwrap().to_string();
    assert_eq!(pdq.len(), 64);
    let empty = get(
        &h.app,
        &format!("/m/lookup?signal_type=pdq&signal={pdq}"),
        Some(&h.ingest),
    )
    .await;
    assert_eq!(empty.json(), json!({}));

    let (ct, body) = multipart("video", b"not really a video");
    let video = call(&h.app, "POST", "/h/hash", Some(&h.ingest), Some(&ct), body).await;
    assert_eq!(video.json()["video_md5"].as_str().unwrap().len(), 32);

    // A decompression bomb (a huge header on a tiny file) and garbage: 4xx, server still up.
    let (ct, body) = multipart("photo", &bmp(60_000, 60_000, false));
    let bomb = call(&h.app, "POST", "/h/hash", Some(&h.ingest), Some(&ct), body).await;
    assert!(bomb.status.is_client_error(), "{}", bomb.status);
    let (ct, body) = multipart("photo", b"\x89PNG garbage");
    let garbage = call(&h.app, "POST", "/h/hash", Some(&h.ingest), Some(&ct), body).await;
    assert!(garbage.status.is_client_error());

    let banks_dir = tempfile::tempdir().unwrap();
    {
        let mut set = vigie_index::BankSet::open(banks_dir.path()).unwrap();
        let bank = set
            .create_bank(
                "ransom-media",
                vigie_core::Label::ExtortionRansom,
                "test bank",
            )
            .unwrap();
        bank.add(vigie_index::NewEntry::new(
            vigie_index::EntryValue::Pdq(pdq.parse().unwrap()),
            "test:invented",
        ))
        .unwrap();
    }
    let banks = vigie_index::BankSet::open(banks_dir.path()).unwrap();
    let engine = Engine::embedded().unwrap().with_banks(Arc::new(banks));
    let h2 = harness_with(|c| c.media_limit = 1 << 20, Some(Arc::new(engine)));
    let t = Some(h2.ingest.as_str());

    let lookup = get(
        &h2.app,
        &format!("/m/lookup?signal_type=pdq&signal={pdq}"),
        t,
    )
    .await;
    assert_eq!(lookup.status, StatusCode::OK, "{}", lookup.text());
    let grouped = lookup.json();
    let hits = grouped["ransom-media"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0]["bank_content_id"].is_number());
    assert_eq!(hits[0]["distance"], "0");
    let filtered = get(
        &h2.app,
        &format!("/m/lookup?signal_type=pdq&signal={pdq}&banks=OTHER"),
        t,
    )
    .await;
    assert_eq!(filtered.json(), json!({}));

    let raw = get(
        &h2.app,
        &format!("/m/raw_lookup?signal_type=pdq&signal={pdq}"),
        t,
    )
    .await;
    let matches = raw.json()["matches"].as_array().unwrap().clone();
    assert_eq!(matches.len(), 1);
    assert!(matches[0].is_number());
    let raw = get(
        &h2.app,
        &format!("/m/raw_lookup?signal_type=pdq&signal={pdq}&include_distance=true"),
        t,
    )
    .await;
    assert_eq!(raw.json()["matches"][0]["distance"], "0");
    let flipped: String = pdq
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                if c == '0' {
                    '1'
                } else {
                    '0'
                }
            } else {
                c
            }
        })
        .collect();
    let compared = post_json(&h2.app, "/m/compare", t, &json!({"pdq": [pdq, flipped]})).await;
    assert_eq!(compared.status, StatusCode::OK, "{}", compared.text());
    assert_eq!(compared.json()["pdq"][0], true);
    assert!(compared.json()["pdq"][1]["distance"].as_u64().unwrap() <= 4);
    let bad = post_json(&h2.app, "/m/compare", t, &json!({"pdq": [pdq]})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let status = get(&h2.app, "/m/index/status", t).await;
    assert_eq!(status.json()["pdq"]["size"], 1);

    let missing = get(&h2.app, "/m/lookup?signal_type=pdq", t).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let bad_hash = get(&h2.app, "/m/lookup?signal_type=pdq&signal=xyz", t).await;
    assert_eq!(bad_hash.status, StatusCode::BAD_REQUEST);
    let bad_type = get(&h2.app, "/m/lookup?signal_type=tmk&signal=00", t).await;
    assert_eq!(bad_type.status, StatusCode::BAD_REQUEST);
    let url = get(&h2.app, "/m/lookup?url=http://127.0.0.1/x.jpg", t).await;
    assert_eq!(url.status, StatusCode::BAD_REQUEST);

    let (ct, body) = multipart("photo", &image);
    let uploaded = call(&h2.app, "POST", "/m/lookup", t, Some(&ct), body).await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.text());
    assert_eq!(uploaded.json()["pdq"]["ransom-media"][0]["distance"], "0");
    let status = get(&h2.app, "/status", None).await;
    assert_eq!(status.text(), "I-AM-ALIVE");

    let banks = get(&h2.app, "/c/banks", Some(&h2.admin)).await;
    assert_eq!(banks.status, StatusCode::OK);
    assert_eq!(banks.json()[0]["name"], "ransom-media");
    assert_eq!(banks.json()[0]["matching_enabled_ratio"], 1.0);

    let (ct, body) = multipart("photo", &vec![0u8; (1 << 20) + 10]);
    let too_big = call(&h2.app, "POST", "/h/hash", t, Some(&ct), body).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_big.json()["error"]["limit"], 1 << 20);

    // An item carrying the hash is matched by the engine.
    let item = json!({"id": "img-1", "media": [{"id": "m1", "type": "image", "pdq": pdq, "quality": 100}]});
    let reply = post_json(&h2.app, "/v1/items", t, &item).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().contains("ransom-media"), "{}", reply.text());
}

#[test]
fn token_creation_for_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let scopes = vigie_server::parse_scopes(&["ingest,search", "admin"]).unwrap();
    assert_eq!(scopes, vec![Scope::Ingest, Scope::Search, Scope::Admin]);
    assert!(vigie_server::parse_scopes(&["root"]).is_err());
    let token = vigie_server::create_token(dir.path(), &scopes, "cli", false).unwrap();
    assert!(token.starts_with("vgt_"));
    assert!(!token.contains('\n'));
    let config = ServerConfig {
        data: dir.path().to_path_buf(),
        ..ServerConfig::default()
    };
    let store = vigie_server::open_store(&config).unwrap();
    let info = store.authenticate(&token).unwrap().unwrap();
    assert_eq!(info.name, "cli");
    drop(store);
    let report = vigie_server::verify_audit(dir.path()).unwrap();
    let _ = format!("{report:?}");
}

#[tokio::test]
async fn serves_on_a_socket_and_shuts_down() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        data: dir.path().join("d"),
        ..ServerConfig::default()
    };
    let state = AppState::with_engine(config, engine()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, vigie_server::router(state))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

const RANSOM_AR: &str = "ابنك عندنا في المخزن، أرسلوا 5000 دولار خلال ثلاثة أيام وإلا سنقتله. الدفع عبر ويسترن يونيون MTCN 7302958146";

#[tokio::test]
async fn reports_json_and_multipart() {
    let h = harness();
    let reporter = h
        .state
        .store()
        .create_token("family-line", &[Scope::Report], false)
        .unwrap();
    let report = json!({"text": RANSOM_AR, "reporter": "u-77", "reason": "ransom", "locale": "fr"});
    let reply = post_json(&h.app, "/v1/reports", Some(&reporter), &report).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    let id = body["report_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("report-"));
    assert_eq!(body["decision"]["id"], id.as_str());
    assert!(
        body["decision"]["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["label"] == "extortion.ransom"),
        "{body}"
    );
    let support = &body["support_message"];
    assert_eq!(support["type"], "support_family", "{body}");
    assert_eq!(support["lang"], "fr");
    assert!(support["notice"]["text"].as_str().unwrap().len() > 20);
    assert!(
        body["numbers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "money_transfer" && n["value"] == "7302958146"),
        "{body}"
    );
    // A retried report is the same report.
    let again = post_json(&h.app, "/v1/reports", Some(&reporter), &report).await;
    assert_eq!(again.json()["report_id"], id.as_str());
    assert_eq!(again.json()["decision"], body["decision"]);

    // Multipart: text parts and an image file.
    let boundary = "b0undary";
    let mut form = Vec::new();
    for (name, value) in [
        ("text", "Salaan, sawirkan eeg"),
        ("reporter", "u-9"),
        ("reason", "other"),
        ("locale", "so"),
    ] {
        form.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    form.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"m.bmp\"\r\nContent-Type: image/bmp\r\n\r\n").as_bytes());
    form.extend_from_slice(&bmp(32, 32, true));
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={boundary}");
    let reply = call(
        &h.app,
        "POST",
        "/v1/reports",
        Some(&reporter),
        Some(&ct),
        form,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["media"][0]["pdq"].as_str().unwrap().len(), 64);
    assert_eq!(body["media"][0]["md5"].as_str().unwrap().len(), 32);
    if !body["support_message"].is_null() {
        assert_eq!(
            body["support_message"]["lang"], "so",
            "the reporter's language"
        );
    }

    // A decompression bomb in a report: 422, and the server goes on.
    let (ct, form) = multipart("media", &bmp(60_000, 60_000, false));
    let bomb = call(
        &h.app,
        "POST",
        "/v1/reports",
        Some(&reporter),
        Some(&ct),
        form,
    )
    .await;
    assert_eq!(
        bomb.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bomb.text()
    );
    assert_eq!(bomb.error_code(), "undecodable_media");

    let wrong = post_json(&h.app, "/v1/reports", Some(&h.ingest), &report).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let none = post_json(&h.app, "/v1/reports", None, &report).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let bad = call(
        &h.app,
        "POST",
        "/v1/reports",
        Some(&reporter),
        Some("application/json"),
        "{\"text\": 3}",
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn banks_create_add_lookup_import_export_remove() {
    let h = harness();
    let admin = Some(h.admin.as_str());
    let created = post_json(&h.app, "/v1/banks", admin, &json!({"name": "ransom-media", "label": "extortion.ransom", "description": "invented test bank"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["name"], "ransom-media");
    let dup = post_json(
        &h.app,
        "/v1/banks",
        admin,
        &json!({"name": "ransom-media", "label": "extortion.ransom"}),
    )
    .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad = post_json(
        &h.app,
        "/v1/banks",
        admin,
        &json!({"name": "x", "label": "spam"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let (ct, body) = multipart("photo", &bmp(32, 32, true));
    let pdq = call(&h.app, "POST", "/h/hash", admin, Some(&ct), body)
        .await
        .json()["pdq"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = "/v1/banks/ransom-media/entries";
    let added = post_json(
        &h.app,
        uri,
        admin,
        &json!({"kind": "pdq", "value": pdq, "source": "ngo:test", "tags": ["invented"]}),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let id = added.json()["id"].as_u64().unwrap();
    let again = post_json(&h.app, uri, admin, &json!({"kind": "pdq", "value": pdq})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    let bad_hash = post_json(&h.app, uri, admin, &json!({"kind": "pdq", "value": "zz"})).await;
    assert_eq!(bad_hash.status, StatusCode::BAD_REQUEST);
    let no_bank = post_json(
        &h.app,
        "/v1/banks/nothing/entries",
        admin,
        &json!({"kind": "md5", "value": "0123456789abcdef0123456789abcdef"}),
    )
    .await;
    assert_eq!(no_bank.status, StatusCode::NOT_FOUND);

    // The next lookup and the next item see the new entry.
    let lookup = get(
        &h.app,
        &format!("/m/lookup?signal_type=pdq&signal={pdq}"),
        Some(&h.ingest),
    )
    .await;
    assert_eq!(lookup.json()["ransom-media"][0]["bank_content_id"], id);
    let listed = get(&h.app, "/v1/banks", admin).await;
    assert_eq!(listed.json()["banks"][0]["size"], 1);

    let other = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let imported = call(
        &h.app,
        "POST",
        "/v1/banks/ransom-media/import?format=local-file&kind=pdq&source=file:test",
        admin,
        Some("text/plain"),
        format!("{other}\nnot-a-hash\n"),
    )
    .await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
    assert_eq!(imported.json()["added"], 1);
    assert_eq!(imported.json()["skipped"].as_array().unwrap().len(), 1);

    let exported = get(&h.app, "/v1/banks/ransom-media/export?format=jsonl", admin).await;
    assert_eq!(exported.status, StatusCode::OK);
    let text = exported.text();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&pdq) && text.contains(other));

    let removed = call(
        &h.app,
        "DELETE",
        &format!("/v1/banks/ransom-media/entries/{id}"),
        admin,
        None,
        Body::empty(),
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let gone = call(
        &h.app,
        "DELETE",
        &format!("/v1/banks/ransom-media/entries/{id}"),
        admin,
        None,
        Body::empty(),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let lookup = get(
        &h.app,
        &format!("/m/lookup?signal_type=pdq&signal={pdq}"),
        Some(&h.ingest),
    )
    .await;
    assert_eq!(lookup.json(), json!({}));

    for (method, uri) in [
        ("GET", "/v1/banks"),
        ("POST", "/v1/banks"),
        ("POST", "/v1/banks/ransom-media/entries"),
        ("DELETE", "/v1/banks/ransom-media/entries/1"),
        ("POST", "/v1/banks/ransom-media/import"),
        ("GET", "/v1/banks/ransom-media/export"),
    ] {
        let reply = call(
            &h.app,
            method,
            uri,
            Some(&h.ingest),
            Some("application/json"),
            "{}",
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri}");
        let reply = call(&h.app, method, uri, None, Some("application/json"), "{}").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
    assert!(h.state.store().verify_audit().is_ok());
}

/// A webhook receiver on 127.0.0.1: answers `status` and records each request (head, body).
async fn receiver(
    status: u16,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            if let Some(request) = common::read_request(&mut stream).await {
                let _ = tx.send(request);
            }
            let reply =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (url, rx)
}

#[tokio::test]
async fn webhooks_signed_retried_dead_lettered_and_replayed() {
    let (good_url, mut received) = receiver(200).await;
    let (bad_url, mut refused) = receiver(503).await;
    let h = harness_with(
        |c| {
            c.webhook_urls = vec![good_url.clone(), bad_url.clone()];
            c.webhook_secret = Some("s3cret-invented".into());
        },
        None,
    );
    let reply = post_json(
        &h.app,
        "/v1/items",
        Some(&h.ingest),
        &json!({"id": "w-1", "text": RANSOM_AR}),
    )
    .await;
    assert!(!reply.json()["actions"].as_array().unwrap().is_empty());
    let now = vigie_server::webhooks::now();
    assert_eq!(vigie_server::webhooks::deliver_due(&h.state, now).await, 1);
    let (head, body) = received.recv().await.unwrap();
    assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");
    let signature = vigie_store::hmac_sha256_hex(b"s3cret-invented", body.as_bytes());
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("x-vigie-signature: sha256={signature}")),
        "{head}"
    );
    assert!(body.contains("w-1"), "{body}");
    refused.recv().await.unwrap();

    // The refusing URL is retried with backoff, then dead-lettered.
    let mut later = now;
    for _ in 0..vigie_server::webhooks::MAX_ATTEMPTS {
        later += 4_000;
        vigie_server::webhooks::deliver_due(&h.state, later).await;
    }
    let dead = get(&h.app, "/v1/webhooks/dead", Some(&h.admin)).await;
    assert_eq!(dead.status, StatusCode::OK);
    let dead = dead.json()["dead"].as_array().unwrap().clone();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["url"], bad_url.as_str());
    let id = dead[0]["id"].as_i64().unwrap();
    let replayed = call(
        &h.app,
        "POST",
        &format!("/v1/webhooks/dead/{id}/replay"),
        Some(&h.admin),
        None,
        Body::empty(),
    )
    .await;
    assert_eq!(replayed.status, StatusCode::OK, "{}", replayed.text());
    let again = call(
        &h.app,
        "POST",
        &format!("/v1/webhooks/dead/{id}/replay"),
        Some(&h.admin),
        None,
        Body::empty(),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(h.state.store().queue_depths().unwrap().webhooks_pending, 1);
    let forbidden = get(&h.app, "/v1/webhooks/dead", Some(&h.ingest)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn extractor_rejections_are_json_too() {
    let h = harness();
    let reply = get(&h.app, "/v1/cases?limit=many", Some(&h.review)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "invalid_request");
    let reply = get(&h.app, "/v1/items", Some(&h.ingest)).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.error_code(), "method_not_allowed");
    let reply = get(
        &h.app,
        "/m/raw_lookup?signal_type=pdq&signal=00&include_distance=maybe",
        Some(&h.ingest),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["error"]["message"].is_string());
}

#[test]
fn serve_runs_the_whole_server() {
    // `serve` as `vigie serve` runs it: its own runtime, a real port, the embedded engine.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = ServerConfig {
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        data: dir.path().join("data"),
        ..ServerConfig::default()
    };
    std::thread::spawn(move || {
        let _ = vigie_server::serve_blocking(config);
    });
    let mut answer = String::new();
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            stream
                .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .unwrap();
            stream.read_to_string(&mut answer).unwrap();
            break;
        }
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"ready\""), "{answer}");
    assert!(dir.path().join("data").join("vigie.db").exists());
}

#[tokio::test]
async fn banks_live_in_the_store_and_survive_a_restart() {
    const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // An existing deployment keeps file banks in DATA/banks.
    {
        let mut set = vigie_index::BankSet::open(data.join("banks")).unwrap();
        set.create_bank(
            "legacy",
            vigie_core::Label::SmugglingAdvertisement,
            "file bank",
        )
        .unwrap()
        .add(vigie_index::NewEntry::new(
            vigie_index::EntryValue::parse(
                vigie_index::EntryKind::Md5,
                "0123456789abcdef0123456789abcdef",
            )
            .unwrap(),
            "test:file",
        ))
        .unwrap();
    }
    let config = ServerConfig {
        data: data.clone(),
        rate_per_second: 0.0,
        ..ServerConfig::default()
    };

    // First start: the file banks are imported into the database.
    let state = AppState::with_engine(config.clone(), engine()).unwrap();
    let admin = state
        .store()
        .create_token("ops", &[Scope::Admin], false)
        .unwrap();
    let ingest = state
        .store()
        .create_token("platform", &[Scope::Ingest], false)
        .unwrap();
    let app = vigie_server::router(state.clone());
    let created = post_json(
        &app,
        "/v1/banks",
        Some(&admin),
        &json!({"name": "ransom-media", "label": "extortion.ransom"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let added = post_json(
        &app,
        "/v1/banks/ransom-media/entries",
        Some(&admin),
        &json!({"kind": "pdq", "value": PDQ, "source": "ngo:test"}),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    drop(app);
    drop(state);

    // The files are no longer read: removing them changes nothing.
    std::fs::remove_dir_all(data.join("banks")).unwrap();

    // Restart on the same data directory: both banks are there and match.
    let state = AppState::open(config.clone()).unwrap();
    let app = vigie_server::router(state.clone());
    let listed = get(&app, "/v1/banks", Some(&admin)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let banks = listed.json()["banks"].as_array().unwrap().clone();
    let names: Vec<&str> = banks.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["legacy", "ransom-media"]);
    assert!(banks.iter().all(|b| b["size"] == 1), "{banks:?}");
    let lookup = get(
        &app,
        &format!("/m/lookup?signal_type=pdq&signal={PDQ}"),
        Some(&ingest),
    )
    .await;
    assert_eq!(lookup.status, StatusCode::OK, "{}", lookup.text());
    assert_eq!(lookup.json()["ransom-media"].as_array().unwrap().len(), 1);

    // A bank deleted from the database is not imported again from files left behind.
    {
        let mut guard = state.bank_set().unwrap();
        guard.as_mut().unwrap().delete_bank("legacy").unwrap();
    }
    drop(app);
    drop(state);
    {
        let mut set = vigie_index::BankSet::open(data.join("banks")).unwrap();
        set.create_bank("stale", vigie_core::Label::SmugglingAdvertisement, "")
            .unwrap();
    }
    let state = AppState::with_engine(config, engine()).unwrap();
    let guard = state.bank_set().unwrap();
    let names: Vec<String> = guard
        .as_ref()
        .unwrap()
        .banks()
        .map(|b| b.name().to_string())
        .collect();
    assert_eq!(names, vec!["ransom-media"]);
}
