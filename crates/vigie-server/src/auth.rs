//! Bearer tokens and scopes: every endpoint names the scope it needs; `admin` allows everything.

use crate::error::ApiError;
use axum::http::{header, HeaderMap, StatusCode};

pub use vigie_store::Scope;

/// The caller, once its token is known: the store's token record.
pub type Principal = vigie_store::TokenInfo;

/// The bearer token in the `Authorization` header, or a 401.
pub fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("missing Authorization: Bearer <token> header"))?;
    let value = value
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not ASCII"))?;
    let (kind, token) = value
        .split_once(' ')
        .ok_or_else(|| unauthorized("the Authorization header must be `Bearer <token>`"))?;
    if !kind.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ));
    }
    Ok(token.trim())
}

/// 401.
pub fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// 403 naming the scopes that would do.
pub fn forbidden(scopes: &[Scope]) -> ApiError {
    let names: Vec<String> = scopes.iter().map(|s| format!("`{}`", s.as_str())).collect();
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!(
            "this endpoint needs the {} scope (or `admin`)",
            names.join(" or ")
        ),
    )
}
