//! Reading request bodies under the configured limit, with JSON errors (413 naming the limit,
//! 400 for invalid UTF-8 or JSON).

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// Reads the whole body, or a 413 naming `limit`.
pub async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(limit)),
        Err(e) => Err(ApiError::bad_request(
            "invalid_request",
            format!("could not read the request body: {e}"),
        )),
    }
}

/// 413 for a body over the limit.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is over the body limit of {limit} bytes"),
    )
    .with_limit(limit as u64)
}

/// The body as UTF-8, or a 400 naming the byte offset.
pub fn utf8(bytes: &[u8]) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| {
        ApiError::bad_request(
            "invalid_utf8",
            format!(
                "the body is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Parses a JSON body into `T`, with a 400 that tells syntax from shape errors.
pub fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = utf8(bytes)?;
    serde_json::from_str(text).map_err(|e| {
        let code = if e.is_data() {
            "invalid_request"
        } else {
            "invalid_json"
        };
        ApiError::bad_request(code, format!("invalid JSON body: {e}"))
    })
}
