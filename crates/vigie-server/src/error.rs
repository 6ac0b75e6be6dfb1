//! The one error shape every endpoint answers with:
//! `{"error": {"code": "payload_too_large", "message": "...", "limit": 1048576}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answered to the client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable code (`unauthorized`, `payload_too_large`...).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The limit that was exceeded, when there is one.
    pub limit: Option<u64>,
    /// Seconds to wait before retrying (429).
    pub retry_after: Option<u64>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: `unauthorized`, `forbidden`, `not_found`, `invalid_json`, `invalid_utf8`,
    /// `invalid_item`, `invalid_request`, `payload_too_large`, `field_too_large`,
    /// `batch_too_large`, `rate_limited`, `unsupported_media`, `internal`.
    pub code: String,
    /// Human-readable explanation, naming the field or limit.
    pub message: String,
    /// The limit that was exceeded (bytes, items, or requests per second).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            limit: None,
            retry_after: None,
        }
    }

    /// Sets the limit that was exceeded.
    pub fn with_limit(mut self, limit: u64) -> ApiError {
        self.limit = Some(limit);
        self
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500; the detail is logged on stderr, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        eprintln!("vigie-server: internal error: {detail}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                limit: self.limit,
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).expect("errors serialise");
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(ErrorCode(self.code));
        response
    }
}

/// Put on error responses so the metrics layer can count errors by code.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);
