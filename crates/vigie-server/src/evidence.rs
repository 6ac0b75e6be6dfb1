//! Media kept as evidence: images uploaded with `POST /v1/media` are hashed (PDQ, MD5,
//! SHA-256) and kept under `DATA/media/`, named by their SHA-256, so that reviewers see them in
//! the console without their browser ever fetching anything from the platform or the
//! smugglers' hosts. Items refer to them by `sha256`.

use crate::api::blocking;
use crate::auth::Scope;
use crate::body::read_limited;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Where a file with this SHA-256 is kept, if the name is a SHA-256 (64 lower-case hex digits).
pub fn media_path(state: &AppState, sha256: &str) -> Option<PathBuf> {
    let valid = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    valid.then(|| {
        state
            .config()
            .data
            .join("media")
            .join(&sha256[..2])
            .join(sha256)
    })
}

/// The content type to serve a kept image with, from its first bytes (only the image formats
/// Vigie decodes; anything else is not served).
pub fn image_content_type(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 6] = [
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"BM", "image/bmp"),
        (b"RIFF", "image/webp"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, kind)| {
            bytes.starts_with(magic) && (*kind != "image/webp" || bytes.get(8..12) == Some(b"WEBP"))
        })
        .map(|(_, kind)| *kind)
}

/// POST /v1/media: the bytes of one image (any content type). The image is decoded within the
/// limits, hashed and kept; the answer is the attachment to put in an item's `media`.
#[utoipa::path(post, path = "/v1/media", tag = "items",
    request_body(content = String, content_type = "application/octet-stream",
                 description = "The image's bytes (JPEG, PNG, WebP, GIF, BMP)"),
    responses(
        (status = 201, description = "`{type, sha256, md5, pdq, quality, format}`", body = Object),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
        (status = 413, description = "Over the media limit", body = ErrorBody),
        (status = 422, description = "Not an image Vigie can decode", body = ErrorBody),
    ),
    security(("bearer" = ["ingest"])))]
pub async fn post_media(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    state.authorize(&headers, Scope::Ingest).await?;
    let limit = state.config().media_limit;
    let bytes = read_limited(body, limit)
        .await
        .map_err(|e| match e.status {
            StatusCode::PAYLOAD_TOO_LARGE => crate::hma::media_too_large(limit),
            _ => e,
        })?;
    let st = state.clone();
    let answer = blocking(move || {
        let pdq = crate::hma::hash_photo(&bytes, limit)?;
        let format = image_content_type(&bytes).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "undecodable_media",
                "not a JPEG, PNG, WebP, GIF or BMP image",
            )
        })?;
        let digests = vigie_media::digest::digests(&bytes);
        let path = media_path(&st, &digests.sha256)
            .ok_or_else(|| ApiError::internal("SHA-256 is not 64 hex digits"))?;
        if !path.exists() {
            write_atomically(&path, &bytes).map_err(ApiError::internal)?;
        }
        Ok(json!({
            "type": "image",
            "sha256": digests.sha256,
            "md5": digests.md5,
            "pdq": pdq.hash.to_string(),
            "quality": pdq.quality,
            "format": format.trim_start_matches("image/"),
        }))
    })
    .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Writes a file whole or not at all (temporary file, sync, rename).
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::image_content_type;

    #[test]
    fn only_known_image_signatures_are_served() {
        assert_eq!(
            image_content_type(b"\xff\xd8\xff\xe0...."),
            Some("image/jpeg")
        );
        assert_eq!(
            image_content_type(b"RIFF\0\0\0\0WEBPVP8 "),
            Some("image/webp")
        );
        assert_eq!(image_content_type(b"RIFF\0\0\0\0AVI LIST"), None);
        assert_eq!(image_content_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_content_type(b"<html>"), None);
    }
}
