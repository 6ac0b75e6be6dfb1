//! The console's pages: one handler and one compiled template each.

use super::{check_csrf, cookie, reviewer, set_cookie, Mark, Refusal, Segment};
use crate::api::{blocking, store_error};
use crate::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use vigie_core::{Decision, Label};
use vigie_store::{
    CaseStatus, ItemQuery, ItemSummary, ReviewDecision, ReviewOutcome, ReviewerSettings, Session,
};

/// Renders a template, or a plain 500 page naming the failure.
fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("the page could not be rendered: {e}"),
        ),
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

/// A page for a refusal or a failure.
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        message,
    };
    let html = page
        .render()
        .unwrap_or_else(|_| "Vigie console: error".to_string());
    (status, Html(html)).into_response()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `3 d 4 h`, `2 h 5 min`, `12 min`, `40 s`: how long ago.
pub fn age(since: i64, now: i64) -> String {
    let s = (now - since).max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86400, s % 86400 / 3600),
    }
}

/// The first `n` characters, with an ellipsis when cut, direction controls dropped.
fn snippet(text: Option<&str>, n: usize) -> String {
    let Some(text) = text else {
        return "(text no longer kept)".to_string();
    };
    let clean: String = text
        .chars()
        .filter(|c| super::highlight::control_name(*c).is_none())
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = clean.chars().take(n).collect();
    if clean.chars().count() > n {
        out.push('…');
    }
    out
}

// ---- sign-in ----

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    csrf: String,
    error: Option<String>,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator does not fail on the systems Vigie runs on; a failure gives an empty
    // token, which no form can match.
    if getrandom::fill(&mut bytes).is_err() {
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn login_page(error: Option<String>, status: StatusCode) -> Response {
    let csrf = random_hex();
    let page = LoginPage {
        csrf: csrf.clone(),
        error,
    };
    let mut response = render(&page);
    *response.status_mut() = status;
    if let Ok(value) = set_cookie(super::LOGIN_COOKIE, &csrf, 3600).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// GET /console/login.
pub async fn login_form() -> Response {
    login_page(None, StatusCode::OK)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    csrf: String,
}

/// POST /console/login: a token with the `review` scope starts a session.
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, super::LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !super::constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return login_page(
            Some("The sign-in form expired; please try again.".to_string()),
            StatusCode::FORBIDDEN,
        );
    }
    let token = form.token.trim().to_string();
    let st = state.clone();
    let started = blocking(move || {
        let store = st.store();
        let Some(info) = store.authenticate(&token).map_err(store_error)? else {
            return Ok(Err("Unknown or revoked token."));
        };
        if !info.allows(vigie_store::Scope::Review) {
            return Ok(Err(
                "This token has no `review` scope: ask an administrator for a reviewer token.",
            ));
        }
        store
            .create_session(info.id, super::SESSION_TTL)
            .map(Ok)
            .map_err(store_error)
    })
    .await;
    match started {
        Ok(Ok(session)) => {
            let mut response = Redirect::to("/console").into_response();
            let cookies = [
                set_cookie(super::SESSION_COOKIE, &session.secret, super::SESSION_TTL),
                set_cookie(super::LOGIN_COOKIE, "", 0),
            ];
            for value in cookies {
                if let Ok(value) = value.parse() {
                    response.headers_mut().append(header::SET_COOKIE, value);
                }
            }
            response
        }
        Ok(Err(message)) => login_page(Some(message.to_string()), StatusCode::UNAUTHORIZED),
        Err(e) => error_page(e.status, &e.message),
    }
}

/// A form that carries only the CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// POST /console/logout.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    check_csrf(&session, &form.csrf)?;
    if let Some(secret) = cookie(&headers, super::SESSION_COOKIE).map(str::to_string) {
        let st = state.clone();
        blocking(move || st.store().end_session(&secret).map_err(store_error)).await?;
    }
    let mut response = Redirect::to("/console/login").into_response();
    if let Ok(value) = set_cookie(super::SESSION_COOKIE, "", 0).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

// ---- queues ----

struct QueueRow {
    queue: String,
    waiting: u64,
    escalated: u64,
    priority: &'static str,
    oldest: String,
}

#[derive(Template)]
#[template(path = "console/queues.html")]
struct QueuesPage {
    reviewer: String,
    csrf: String,
    queues: Vec<QueueRow>,
    total: u64,
}

/// GET /console: waiting cases per queue, the most urgent first.
pub async fn queues(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    let st = state.clone();
    let summaries = blocking(move || st.store().queue_summaries().map_err(store_error)).await?;
    let now = now();
    let queues: Vec<QueueRow> = summaries
        .into_iter()
        .map(|q| QueueRow {
            queue: q.queue,
            waiting: q.waiting,
            escalated: q.escalated,
            priority: q.top_priority.as_str(),
            oldest: age(q.oldest_opened_at, now),
        })
        .collect();
    Ok(render(&QueuesPage {
        reviewer: session.token.name.clone(),
        csrf: session.csrf.clone(),
        total: queues.iter().map(|q| q.waiting).sum(),
        queues,
    }))
}

struct CaseRow {
    id: i64,
    priority: &'static str,
    status: &'static str,
    age: String,
    snippet: String,
    lang: String,
    trusted: bool,
    appeal: bool,
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    reviewer: String,
    csrf: String,
    queue: String,
    rows: Vec<CaseRow>,
    first_page: bool,
    next: Option<i64>,
}

/// Cases shown on one page of a queue.
const QUEUE_PAGE: usize = 100;

/// The queue page's cursor.
#[derive(Debug, Deserialize)]
pub struct QueueCursor {
    /// The last case of the previous page.
    after: Option<i64>,
}

/// GET /console/queues/{queue}: its waiting cases, the most urgent and oldest first, a page
/// at a time.
pub async fn queue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(queue): Path<String>,
    Query(cursor): Query<QueueCursor>,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    let st = state.clone();
    let name = queue.clone();
    let waiting = blocking(move || {
        st.store()
            .waiting_cases(&name, QUEUE_PAGE + 1, cursor.after)
            .map_err(store_error)
    })
    .await?;
    let now = now();
    let more = waiting.len() > QUEUE_PAGE;
    let rows: Vec<CaseRow> = waiting
        .iter()
        .take(QUEUE_PAGE)
        .map(|(case, item)| CaseRow {
            id: case.id,
            priority: case.priority.as_str(),
            status: case.status.as_str(),
            age: age(case.opened_at, now),
            snippet: snippet(item.text.as_deref(), 160),
            lang: item.lang.clone().unwrap_or_default(),
            trusted: case.trusted_flagger,
            appeal: case.is_appeal(),
        })
        .collect();
    let next = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(render(&QueuePage {
        reviewer: session.token.name.clone(),
        csrf: session.csrf.clone(),
        first_page: cursor.after.is_none(),
        queue,
        rows,
        next,
    }))
}

// ---- a case ----

struct ReasonView {
    rule: String,
    evidence: Vec<String>,
    ground: String,
}

struct MediaView {
    id: String,
    kind: String,
    url: Option<String>,
    video: bool,
    hashes: Vec<String>,
}

struct ItemRow {
    id: String,
    case_id: Option<i64>,
    verdict: String,
    label: String,
    reviewed: bool,
    snippet: String,
    lang: String,
    age: String,
    via: String,
}

fn item_row(item: &ItemSummary, via: &str, now: i64) -> ItemRow {
    ItemRow {
        id: item.id.clone(),
        case_id: item.case_id,
        verdict: item.verdict.clone(),
        label: item
            .label
            .map(|l| l.as_str().to_string())
            .unwrap_or_default(),
        reviewed: item.reviewed,
        snippet: snippet(item.text.as_deref(), 120),
        lang: item.lang.clone().unwrap_or_default(),
        age: age(item.received_at, now),
        via: via.to_string(),
    }
}

struct EventView {
    age: String,
    actor: String,
    event: String,
    labels: String,
    note: String,
}

struct AuditView {
    seq: i64,
    age: String,
    actor: String,
    action: String,
}

struct LabelOption {
    value: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "console/case.html")]
struct CasePage {
    reviewer: String,
    csrf: String,
    case_id: i64,
    queue: String,
    priority: &'static str,
    status: &'static str,
    opened: String,
    trusted: bool,
    appeal_reason: Option<String>,
    appeal_of: Option<i64>,
    original_reviewer: Option<String>,
    same_reviewer: bool,
    closed: bool,
    item_id: String,
    kind: String,
    lang: String,
    author_id: Option<String>,
    strikes: u32,
    received: String,
    segments: Vec<Segment>,
    text_kept: bool,
    verdict: String,
    severity: String,
    automated: bool,
    labels: Vec<(String, String)>,
    actions: Vec<String>,
    reasons: Vec<ReasonView>,
    matches: Vec<String>,
    media: Vec<MediaView>,
    reveal: bool,
    author_items: Vec<ItemRow>,
    linked: Vec<ItemRow>,
    history: Vec<EventView>,
    audit: Vec<AuditView>,
    label_options: Vec<LabelOption>,
}

/// Evidence marks for the stored text: lexicon terms, places and entities, from a fresh
/// analysis of the text (the engine that decided wrote only facts, not offsets).
fn marks(state: &AppState, text: &str) -> Vec<Mark> {
    let engine = state.engine();
    let analysis = engine.analyze(text, None);
    let lexicon = engine.analyzer().lexicon();
    let mut marks = Vec::new();
    for hit in &analysis.lexicon_hits {
        let Some(term) = lexicon.terms().get(hit.term) else {
            continue;
        };
        marks.push(Mark {
            span: hit.span,
            class: format!("term term-{}", term.category.as_str()),
            title: format!("{}: {} ({})", term.category.as_str(), term.term, term.lang),
        });
    }
    for entity in &analysis.entities {
        marks.push(Mark {
            span: entity.span,
            class: format!("entity entity-{}", entity.entity_type.as_str()),
            title: format!("{}: {}", entity.entity_type.as_str(), entity.value),
        });
    }
    marks
}

fn media_views(state: &AppState, media: &serde_json::Value) -> Vec<MediaView> {
    let mut out = Vec::new();
    for (n, m) in media.as_array().into_iter().flatten().enumerate() {
        let field = |name: &str| m.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let sha256 = field("sha256");
        let url = sha256
            .as_deref()
            .filter(|sha| {
                crate::evidence::media_path(state, sha).is_some_and(|path| path.is_file())
            })
            .map(|sha| format!("/console/media/{sha}"));
        let mut hashes = Vec::new();
        for name in ["pdq", "md5", "sha256"] {
            if let Some(value) = field(name) {
                hashes.push(format!("{name} {value}"));
            }
        }
        let kind = field("type").unwrap_or_else(|| "media".to_string());
        out.push(MediaView {
            id: field("id").unwrap_or_else(|| format!("m{}", n + 1)),
            video: kind == "video",
            kind,
            url,
            hashes,
        });
    }
    out
}

fn reasons(decision: &Decision) -> (Vec<ReasonView>, Vec<String>) {
    let mut matches = Vec::new();
    let views = decision
        .reasons
        .iter()
        .map(|r| {
            for line in &r.evidence {
                if line.contains("hash bank") && !matches.contains(line) {
                    matches.push(line.clone());
                }
            }
            ReasonView {
                rule: r.rule.clone(),
                evidence: r.evidence.clone(),
                ground: r.ground.clone().unwrap_or_default(),
            }
        })
        .collect();
    (views, matches)
}

/// GET /console/cases/{id}: everything a reviewer needs to decide.
pub async fn case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    let st = state.clone();
    let token_id = session.token.id;
    let loaded = blocking(move || {
        let store = st.store();
        let Some(detail) = store.get_case(id).map_err(store_error)? else {
            return Ok(None);
        };
        let author = detail.item.author_id.clone();
        let (strikes, author_items) = match &author {
            Some(author) => (
                store.strikes(author).map_err(store_error)?,
                store
                    .search_items(&ItemQuery::Author(author.clone()), 20)
                    .map_err(store_error)?,
            ),
            None => (0, Vec::new()),
        };
        let linked = store
            .linked_items(&detail.item.id, 30)
            .map_err(store_error)?;
        let audit = store
            .audit_for(&format!("case:{id}"), 100)
            .map_err(store_error)?;
        let settings = store.reviewer_settings(token_id).map_err(store_error)?;
        Ok(Some((
            detail,
            strikes,
            author_items,
            linked,
            audit,
            settings,
        )))
    })
    .await?;
    let Some((detail, strikes, author_items, linked, audit, settings)) = loaded else {
        return Err(Refusal::Page(
            StatusCode::NOT_FOUND,
            format!("There is no case {id}."),
        ));
    };
    let now = now();
    let me = crate::review::reviewer_name(&session.token);
    let text = detail.item.text.clone();
    let segments = match &text {
        Some(text) => super::segments(text, &marks(&state, text)),
        None => Vec::new(),
    };
    let (reason_views, matches) = reasons(&detail.decision);
    let top = detail.decision.labels.first().map(|l| l.label);
    let label_options = Label::ALL
        .iter()
        .map(|l| LabelOption {
            value: l.as_str(),
            selected: Some(*l) == top,
        })
        .collect();
    let item_id = detail.item.id.clone();
    let page = CasePage {
        reviewer: session.token.name.clone(),
        csrf: session.csrf.clone(),
        case_id: detail.case.id,
        queue: detail.case.queue.clone(),
        priority: detail.case.priority.as_str(),
        status: detail.case.status.as_str(),
        opened: age(detail.case.opened_at, now),
        trusted: detail.case.trusted_flagger,
        appeal_reason: detail.case.appeal_reason.clone(),
        appeal_of: detail.case.appeal_of,
        original_reviewer: detail.case.original_reviewer.clone(),
        same_reviewer: detail.case.original_reviewer.as_deref() == Some(me.as_str()),
        closed: detail.case.status == CaseStatus::Closed,
        item_id: item_id.clone(),
        kind: detail.item.kind.clone().unwrap_or_default(),
        lang: detail.item.lang.clone().unwrap_or_default(),
        author_id: detail.item.author_id.clone(),
        strikes,
        received: age(detail.item.received_at, now),
        segments,
        text_kept: text.is_some(),
        verdict: detail.decision.verdict.as_str().to_string(),
        severity: detail.decision.severity.as_str().to_string(),
        automated: detail.decision.automated,
        labels: detail
            .decision
            .labels
            .iter()
            .map(|l| (l.label.as_str().to_string(), format!("{:.2}", l.score)))
            .collect(),
        actions: detail
            .decision
            .actions
            .iter()
            .map(|a| a.action_type.as_str().to_string())
            .collect(),
        reasons: reason_views,
        matches,
        media: media_views(&state, &detail.item.media),
        reveal: settings.reveal_media,
        author_items: author_items
            .iter()
            .filter(|i| i.id != item_id)
            .map(|i| item_row(i, "", now))
            .collect(),
        linked: linked
            .iter()
            .map(|l| item_row(&l.item, &l.via, now))
            .collect(),
        history: detail
            .history
            .iter()
            .map(|e| EventView {
                age: age(e.at, now),
                actor: e.actor.clone(),
                event: e.event.clone(),
                labels: e
                    .labels
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                note: e.note.clone().unwrap_or_default(),
            })
            .collect(),
        audit: audit
            .iter()
            .map(|a| AuditView {
                seq: a.seq,
                age: age(a.at, now),
                actor: a.actor.clone(),
                action: a.action.clone(),
            })
            .collect(),
        label_options,
    };
    Ok(render(&page))
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    outcome: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    note: String,
}

/// POST /console/cases/{id}/decision: confirm (with a label), overturn or escalate; then the
/// next waiting case of the same queue.
pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    check_csrf(&session, &form.csrf)?;
    let bad = |message: String| Refusal::Page(StatusCode::BAD_REQUEST, message);
    let outcome = match form.outcome.as_str() {
        "confirm" => ReviewOutcome::Confirm,
        "overturn" => ReviewOutcome::Overturn,
        "escalate" => ReviewOutcome::Escalate,
        other => {
            return Err(bad(format!(
                "Unknown decision `{other}`: confirm, overturn or escalate."
            )))
        }
    };
    let labels = match (outcome, form.label.trim()) {
        (ReviewOutcome::Confirm, "") | (ReviewOutcome::Overturn | ReviewOutcome::Escalate, _) => {
            Vec::new()
        }
        (ReviewOutcome::Confirm, name) => {
            vec![Label::parse(name).ok_or_else(|| bad(format!("Unknown label `{name}`.")))?]
        }
    };
    let note = form.note.trim();
    let review = ReviewDecision {
        outcome,
        labels,
        note: (!note.is_empty()).then(|| note.to_string()),
    };
    let reviewer = crate::review::reviewer_name(&session.token);
    let detail = crate::review::decide(&state, id, reviewer, review)
        .await
        .map_err(Refusal::from)?;
    let st = state.clone();
    let queue = detail.case.queue.clone();
    let me = crate::review::reviewer_name(&session.token);
    let next = blocking(move || {
        let waiting = st
            .store()
            .waiting_cases(&queue, 20, None)
            .map_err(store_error)?;
        Ok(waiting
            .into_iter()
            .find(|(case, _)| case.original_reviewer.as_deref() != Some(me.as_str()))
            .map(|(case, _)| case.id))
    })
    .await?;
    let to = match next {
        Some(next) => format!("/console/cases/{next}"),
        None => format!("/console/queues/{}", percent_encode(&detail.case.queue)),
    };
    Ok(Redirect::to(&to).into_response())
}

/// Percent-encodes a path segment (queue names are label names, but be safe).
fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---- search ----

/// The search form.
#[derive(Debug, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    by: String,
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "console/search.html")]
struct SearchPage {
    reviewer: String,
    csrf: String,
    by: String,
    q: String,
    searched: bool,
    results: Vec<ItemRow>,
}

/// What the search form can look for.
const SEARCH_KINDS: [&str; 5] = ["phone", "handle", "hash", "author", "text"];

/// GET /console/search?by=phone|handle|hash|author|text&q=…
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(form): Query<SearchForm>,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    let q = form.q.trim().to_string();
    let by = if SEARCH_KINDS.contains(&form.by.as_str()) {
        form.by.clone()
    } else {
        "text".to_string()
    };
    let query = match by.as_str() {
        "phone" => ItemQuery::Phone(q.clone()),
        "handle" => ItemQuery::Entity(q.clone()),
        "hash" => ItemQuery::Hash(q.clone()),
        "author" => ItemQuery::Author(q.clone()),
        _ => ItemQuery::Text(q.clone()),
    };
    let searched = !q.is_empty();
    let st = state.clone();
    let found = if searched {
        blocking(move || st.store().search_items(&query, 100).map_err(store_error)).await?
    } else {
        Vec::new()
    };
    let now = now();
    Ok(render(&SearchPage {
        reviewer: session.token.name.clone(),
        csrf: session.csrf.clone(),
        by,
        q,
        searched,
        results: found.iter().map(|i| item_row(i, "", now)).collect(),
    }))
}

// ---- settings ----

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    reviewer: String,
    csrf: String,
    reveal_media: bool,
    saved: bool,
}

/// GET /console/settings.
pub async fn settings(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    let st = state.clone();
    let id = session.token.id;
    let settings = blocking(move || st.store().reviewer_settings(id).map_err(store_error)).await?;
    Ok(render(&SettingsPage {
        reviewer: session.token.name.clone(),
        csrf: session.csrf.clone(),
        reveal_media: settings.reveal_media,
        saved: false,
    }))
}

/// The settings form (an unchecked box is absent).
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    csrf: String,
    #[serde(default)]
    reveal_media: Option<String>,
}

/// POST /console/settings.
pub async fn save_settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Refusal> {
    let session = reviewer(&state, &headers).await?;
    check_csrf(&session, &form.csrf)?;
    let settings = ReviewerSettings {
        reveal_media: form.reveal_media.is_some(),
    };
    let st = state.clone();
    let id = session.token.id;
    blocking(move || {
        st.store()
            .set_reviewer_settings(id, &settings)
            .map_err(store_error)
    })
    .await?;
    Ok(render(&SettingsPage {
        reviewer: session.token.name.clone(),
        csrf: session.csrf.clone(),
        reveal_media: settings.reveal_media,
        saved: true,
    }))
}

// ---- media and static files ----

/// GET /console/media/{sha256}: a kept image or video, to signed-in reviewers only.
pub async fn media(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(sha256): Path<String>,
) -> Result<Response, Refusal> {
    let _session: Session = reviewer(&state, &headers).await?;
    let missing = || Refusal::Page(StatusCode::NOT_FOUND, "No such media is kept.".to_string());
    let path = crate::evidence::media_path(&state, &sha256).ok_or_else(missing)?;
    let bytes = blocking(move || Ok(std::fs::read(&path).ok()))
        .await?
        .ok_or_else(missing)?;
    let content_type = crate::evidence::media_content_type(&bytes).ok_or_else(missing)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=600"),
            (header::CONTENT_DISPOSITION, "inline"),
        ],
        bytes,
    )
        .into_response())
}

/// GET /console/static/console.css.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/console.css"),
    )
        .into_response()
}

/// GET /console/static/console.js.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/console.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(100, 140), "40 s");
        assert_eq!(age(0, 3 * 3600 + 12 * 60), "3 h 12 min");
        assert_eq!(age(0, 2 * 86400 + 5 * 3600), "2 d 5 h");
        assert_eq!(age(50, 10), "0 s");
    }

    #[test]
    fn snippets_cut_on_characters_and_drop_controls() {
        assert_eq!(snippet(Some("ሰላም ዓለም"), 3), "ሰላም…");
        assert_eq!(snippet(Some("a\u{202E}b\nc"), 10), "ab c");
        assert_eq!(snippet(None, 3), "(text no longer kept)");
    }
}
