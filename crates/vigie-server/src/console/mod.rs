//! The reviewer console: server-rendered HTML under `/console`, for people deciding hard cases.
//!
//! - Sign-in with a token holding the `review` scope; the session lives in a `Secure`,
//!   `HttpOnly`, `SameSite=Strict` cookie (only its hash is stored) and every form carries the
//!   session's CSRF token (the sign-in form a double-submit one).
//! - Every piece of content is attacker-controlled: templates are compiled (askama) and escape
//!   everything; no content is ever written into a script; the Content-Security-Policy allows
//!   only this server's own script, style and images, no inline code, no framing.
//! - Media is served from the evidence kept by `POST /v1/media`, blurred and greyscale until
//!   the reviewer reveals it for this case (a reviewer setting can change the default).

mod highlight;
mod pages;

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use vigie_store::{Scope, Session};

pub use highlight::{segments, Mark, Segment};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vigie_session";
/// The sign-in form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "vigie_login";
/// How long a session lasts, in seconds (a reviewer's shift).
pub const SESSION_TTL: i64 = 8 * 3600;

/// What every console response carries.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self'; media-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The console's routes (mounted by the API router).
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/console", get(pages::queues))
        .route("/console/", get(|| async { Redirect::to("/console") }))
        .route("/console/login", get(pages::login_form).post(pages::login))
        .route("/console/logout", post(pages::logout))
        .route("/console/queues/{queue}", get(pages::queue))
        .route("/console/cases/{id}", get(pages::case))
        .route("/console/cases/{id}/decision", post(pages::decide))
        .route("/console/search", get(pages::search))
        .route(
            "/console/settings",
            get(pages::settings).post(pages::save_settings),
        )
        .route("/console/media/{sha256}", get(pages::media))
        .route("/console/static/console.css", get(pages::stylesheet))
        .route("/console/static/console.js", get(pages::script))
        .layer(middleware::from_fn_with_state(state, security_headers))
}

/// Headers on every console response: CSP, no sniffing, no framing, no referrer, no caching.
async fn security_headers(State(_): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// The value of one cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: `Secure; HttpOnly; SameSite=Strict`, scoped to the console.
pub fn set_cookie(name: &str, value: &str, max_age: i64) -> String {
    format!("{name}={value}; Path=/console; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict")
}

/// Why a console request was refused.
#[derive(Debug)]
pub enum Refusal {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignIn,
    /// A form without the session's CSRF token.
    Csrf,
    /// Something else, shown as a page.
    Page(StatusCode, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/console/login").into_response(),
            Refusal::Csrf => pages::error_page(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from the console. Go back, reload the page and try again.",
            ),
            Refusal::Page(status, message) => pages::error_page(status, &message),
        }
    }
}

impl From<crate::ApiError> for Refusal {
    fn from(e: crate::ApiError) -> Refusal {
        Refusal::Page(e.status, e.message)
    }
}

/// The signed-in reviewer: a live session whose token holds the `review` scope.
pub async fn reviewer(state: &AppState, headers: &HeaderMap) -> Result<Session, Refusal> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).map(str::to_string) else {
        return Err(Refusal::SignIn);
    };
    let st = state.clone();
    let session =
        crate::api::blocking(move || st.store().session(&secret).map_err(crate::api::store_error))
            .await?;
    match session {
        Some(session) if session.token.allows(Scope::Review) => Ok(session),
        _ => Err(Refusal::SignIn),
    }
}

/// Checks a form's CSRF token against the session's, in constant time.
pub fn check_csrf(session: &Session, sent: &str) -> Result<(), Refusal> {
    if constant_time_eq(session.csrf.as_bytes(), sent.as_bytes()) {
        Ok(())
    } else {
        Err(Refusal::Csrf)
    }
}

/// Byte equality whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("xvigie_session=a; vigie_session=vgs_b; other=c"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("vgs_b"));
        assert_eq!(cookie(&headers, "missing"), None);
        let set = set_cookie(SESSION_COOKIE, "v", 60);
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/console"] {
            assert!(set.contains(attribute), "{set}");
        }
    }

    #[test]
    fn csrf_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
