//! The reviewer console and the review API over HTTP, in process (the browser suite in
//! `console-tests/` drives the same pages in Chromium). Content is invented.

mod common;

use axum::body::Body;
use axum::http::StatusCode;
use common::{call, get, harness, post_json, send, Harness, Reply};
use serde_json::{json, Value};

const RANSOM_TI: &str =
    "ሓውኻ ኣብ ኢድና ኣሎ። 5000 ዶላር ስደድ ወይ ክንቀትሎ ኢና። Pay the ransom now or he dies, call +218 91 234 5678";
const PAYLOAD: &str = "Pay the ransom or we kill him <script>alert(1)</script> <img src=x onerror=alert(2)> <a href=\"javascript:alert(3)\">x</a>";

/// The value of a cookie set by a reply.
fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The hidden CSRF field of the first form on a page.
fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

async fn form(h: &Harness, uri: &str, cookie: &str, body: &str) -> Reply {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri(uri)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(&h.app, request).await
}

async fn page(h: &Harness, uri: &str, cookie: &str) -> Reply {
    let request = axum::http::Request::builder()
        .uri(uri)
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    send(&h.app, request).await
}

/// Signs in with `token`; returns the session cookie (`vigie_session=...`) and the page's CSRF.
async fn sign_in(h: &Harness, token: &str) -> (String, String) {
    let login = get(&h.app, "/console/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    let pre = set_cookie(&login, "vigie_login").expect("double-submit cookie");
    let pre = pre.split(';').next().unwrap().to_string();
    let csrf = csrf_field(&login.text());
    let reply = form(
        h,
        "/console/login",
        &pre,
        &format!("token={token}&csrf={csrf}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let session = set_cookie(&reply, "vigie_session").expect("session cookie");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(session.contains(attribute), "{session}");
    }
    let cookie = session.split(';').next().unwrap().to_string();
    let home = page(h, "/console", &cookie).await;
    assert_eq!(home.status, StatusCode::OK);
    (cookie, csrf_field(&home.text()))
}

async fn item(h: &Harness, id: &str, text: &str) -> Value {
    let reply = post_json(
        &h.app,
        "/v1/items",
        Some(&h.ingest),
        &json!({"id": id, "kind": "message", "text": text, "author": {"id": "acct-1"}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

fn case_of(h: &Harness, item_id: &str) -> i64 {
    h.state
        .store()
        .list_cases(None, None, 100, None)
        .unwrap()
        .into_iter()
        .find(|c| c.item_id == item_id)
        .expect("a case")
        .id
}

#[tokio::test]
async fn sign_in_needs_a_review_token_and_every_page_is_locked_down() {
    let h = harness();
    let anonymous = get(&h.app, "/console", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers["location"], "/console/login");

    let login = get(&h.app, "/console/login", None).await;
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe"));
    assert_eq!(login.headers["x-frame-options"], "DENY");
    assert_eq!(login.headers["x-content-type-options"], "nosniff");

    // Without the double-submit cookie, and with a token lacking `review`.
    let csrf = csrf_field(&login.text());
    let forged = form(
        &h,
        "/console/login",
        "",
        &format!("token={}&csrf={csrf}", h.review),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&forged, "vigie_session").is_none());
    let pre = set_cookie(&login, "vigie_login").unwrap();
    let pre = pre.split(';').next().unwrap();
    let ingest = form(
        &h,
        "/console/login",
        pre,
        &format!("token={}&csrf={csrf}", h.ingest),
    )
    .await;
    assert_eq!(ingest.status, StatusCode::UNAUTHORIZED);
    assert!(ingest.text().contains("no `review` scope"));

    let (cookie, csrf) = sign_in(&h, &h.review).await;
    // Sign-out needs the CSRF token, then the session is gone.
    let bad = form(&h, "/console/logout", &cookie, "csrf=nope").await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert_eq!(page(&h, "/console", &cookie).await.status, StatusCode::OK);
    let out = form(&h, "/console/logout", &cookie, &format!("csrf={csrf}")).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page(&h, "/console", &cookie).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn attacker_text_is_escaped_and_a_decision_goes_through_the_policy() {
    let h = harness();
    item(&h, "ti-1", RANSOM_TI).await;
    item(&h, "xss-1", PAYLOAD).await;
    let (cookie, csrf) = sign_in(&h, &h.review).await;

    let queues = page(&h, "/console", &cookie).await.text();
    assert!(queues.contains("extortion.ransom"), "{queues}");

    let xss = case_of(&h, "xss-1");
    let html = page(&h, &format!("/console/cases/{xss}"), &cookie)
        .await
        .text();
    assert!(!html.contains("<script>alert"), "raw script in the page");
    assert!(!html.contains("<img src=x"), "raw tag in the page");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;alert(1)")
    );
    assert!(!html.contains("href=\"javascript:"));

    let ti = case_of(&h, "ti-1");
    let html = page(&h, &format!("/console/cases/{ti}"), &cookie)
        .await
        .text();
    assert!(html.contains("dir=\"auto\""));
    assert!(html.contains("entity entity-phone"), "the number is marked");

    // A forged form is refused and changes nothing.
    let forged = form(
        &h,
        &format!("/console/cases/{ti}/decision"),
        &cookie,
        "csrf=0000&outcome=confirm&label=extortion.ransom",
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(h
        .state
        .store()
        .training_labels(None, 10)
        .unwrap()
        .is_empty());

    let done = form(
        &h,
        &format!("/console/cases/{ti}/decision"),
        &cookie,
        &format!("csrf={csrf}&outcome=confirm&label=extortion.ransom&note=ransom+demand"),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let decision = get(&h.app, "/v1/decisions/ti-1", Some(&h.review))
        .await
        .json();
    assert_eq!(decision["automated"], false);
    let actions: Vec<&str> = decision["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"refer_law_enforcement"), "{actions:?}");
    assert!(!actions.contains(&"queue_review"), "{actions:?}");
    let labels = h.state.store().training_labels(None, 10).unwrap();
    assert_eq!(labels[0].item_id, "ti-1");
    assert!(labels[0].reviewer.ends_with(":console"));
}

#[tokio::test]
async fn appeals_through_the_api_go_to_another_reviewer() {
    let h = harness();
    item(&h, "ti-2", RANSOM_TI).await;
    let appeal = |body: Value| {
        let app = h.app.clone();
        let token = h.ingest.clone();
        async move { post_json(&app, "/v1/appeals", Some(&token), &body).await }
    };
    let decide = |case: i64, token: &str, outcome: &str, reason: &str| {
        let app = h.app.clone();
        let (token, body) = (
            token.to_string(),
            json!({"outcome": outcome, "reason": reason}),
        );
        async move {
            post_json(
                &app,
                &format!("/v1/cases/{case}/decision"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let under_review = appeal(json!({"item_id": "ti-2", "reason": "ኣይጸሓፍኩን"})).await;
    assert_eq!(under_review.status, StatusCode::CONFLICT);
    assert_eq!(under_review.error_code(), "conflict");
    assert_eq!(
        appeal(json!({"item_id": "nothing", "reason": "x"}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        appeal(json!({"item_id": "ti-2", "reason": "  "}))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let long = appeal(json!({"item_id": "ti-2", "reason": "x".repeat(10_001)})).await;
    assert_eq!(long.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(long.json()["error"]["limit"], 10_000);
    let search_only = post_json(
        &h.app,
        "/v1/appeals",
        Some(&h.search),
        &json!({"item_id": "ti-2", "reason": "x"}),
    )
    .await;
    assert_eq!(search_only.status, StatusCode::FORBIDDEN);

    let case = case_of(&h, "ti-2");
    let decided = decide(case, &h.review, "confirm", "ransom").await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    let opened = appeal(json!({"item_id": "ti-2", "reason": "ኣይጸሓፍኩን፣ ሕሳበይ ተሰሪቑ"})).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
    let appeal_case = opened.json()["case"].clone();
    assert_eq!(appeal_case["queue"], "appeal");
    assert_eq!(appeal_case["appeal_of"], case);
    let id = appeal_case["id"].as_i64().unwrap();

    let same = decide(id, &h.review, "overturn", "I was wrong").await;
    assert_eq!(same.status, StatusCode::CONFLICT);
    assert_eq!(same.error_code(), "same_reviewer");

    let other = h
        .state
        .store()
        .create_token("second-reviewer", &[vigie_server::Scope::Review], false)
        .unwrap();
    let overturned = decide(id, &other, "overturn", "account was stolen").await;
    assert_eq!(overturned.status, StatusCode::OK, "{}", overturned.text());
    let decision = get(&h.app, "/v1/decisions/ti-2", Some(&h.ingest))
        .await
        .json();
    assert_eq!(decision["verdict"], "allow");
    assert_eq!(decision["labels"][0]["label"], "benign");
    let again = appeal(json!({"item_id": "ti-2", "reason": "again"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn media_is_kept_for_reviewers_only() {
    let h = harness();
    let jpeg = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/anchors/pdq/images/pdq/data/bridge-mods/aaa-orig.jpg"),
    )
    .unwrap();
    let uploaded = call(
        &h.app,
        "POST",
        "/v1/media",
        Some(&h.ingest),
        Some("image/jpeg"),
        jpeg.clone(),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text());
    let media = uploaded.json();
    assert_eq!(media["format"], "jpeg");
    assert_eq!(media["pdq"].as_str().unwrap().len(), 64);
    let sha = media["sha256"].as_str().unwrap().to_string();

    let not_image = call(
        &h.app,
        "POST",
        "/v1/media",
        Some(&h.ingest),
        Some("image/svg+xml"),
        b"<svg onload=alert(1)></svg>".to_vec(),
    )
    .await;
    assert_eq!(not_image.status, StatusCode::UNPROCESSABLE_ENTITY);
    let unauthorised = call(&h.app, "POST", "/v1/media", Some(&h.review), None, jpeg).await;
    assert_eq!(unauthorised.status, StatusCode::FORBIDDEN);

    // A bank holding the image's PDQ: an item carrying it is matched, and the case shows the
    // bank and the distance next to the blurred image.
    let admin = Some(h.admin.as_str());
    let bank = json!({"name": "hostage-images", "label": "extortion.ransom"});
    assert_eq!(
        post_json(&h.app, "/v1/banks", admin, &bank).await.status,
        StatusCode::CREATED
    );
    let entry = json!({"kind": "pdq", "value": media["pdq"], "source": "ngo:invented"});
    let added = post_json(&h.app, "/v1/banks/hostage-images/entries", admin, &entry).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let with_media = json!({"id": "so-media-1", "kind": "post", "text": "Salaan, sawirkan eeg",
                            "media": [media.clone()]});
    let decided = post_json(&h.app, "/v1/items", Some(&h.ingest), &with_media).await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.text());
    assert_eq!(decided.json()["verdict"], "review", "{}", decided.text());

    let uri = format!("/console/media/{sha}");
    assert_eq!(get(&h.app, &uri, None).await.status, StatusCode::SEE_OTHER);
    let (cookie, _) = sign_in(&h, &h.review).await;
    let served = page(&h, &uri, &cookie).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers["content-type"], "image/jpeg");
    assert!(served.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'none'"));
    let case = case_of(&h, "so-media-1");
    let html = page(&h, &format!("/console/cases/{case}"), &cookie)
        .await
        .text();
    assert!(html.contains("Hash matches"), "{html}");
    assert!(html.contains("hash bank hostage-images"), "{html}");
    assert!(html.contains("PDQ distance 0"), "{html}");
    assert!(html.contains(&format!("src=\"/console/media/{sha}\"")));
    assert!(html.contains("class=\"media blurred\""));
    for bad in ["../vigie.db", "ABCDEF", &"0".repeat(64)] {
        let r = page(&h, &format!("/console/media/{bad}"), &cookie).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn a_long_queue_comes_a_page_at_a_time() {
    let h = harness();
    let batch: String = (0..105)
        .map(|n| {
            json!({"id": format!("q-{n}"), "kind": "message",
                   "text": format!("Payez la rançon de {} euros sinon il va mourir", 1000 + n)})
            .to_string()
                + "\n"
        })
        .collect();
    let reply = call(
        &h.app,
        "POST",
        "/v1/items:batch",
        Some(&h.ingest),
        Some("application/x-ndjson"),
        batch,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let (cookie, _) = sign_in(&h, &h.review).await;
    let first = page(&h, "/console/queues/extortion.ransom", &cookie)
        .await
        .text();
    assert_eq!(first.matches("class=\"case-link\"").count(), 100);
    let at = first.find("?after=").expect("a next page link") + 7;
    let after: String = first[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let second = page(
        &h,
        &format!("/console/queues/extortion.ransom?after={after}"),
        &cookie,
    )
    .await
    .text();
    assert_eq!(second.matches("class=\"case-link\"").count(), 5);
    assert!(!second.contains("?after="));
    assert!(!second.contains(&format!("/console/cases/{after}\"")));
}
