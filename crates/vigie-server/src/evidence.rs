//! Media kept as evidence: images and videos uploaded with `POST /v1/media` are hashed (PDQ,
//! MD5, SHA-256; MD5 and SHA-256 for video) and kept under `DATA/media/`, named by their SHA-256, so that reviewers see them in
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

/// The content type to serve kept media with, from its first bytes: the image formats Vigie
/// decodes, MP4/QuickTime and WebM video; anything else is not served.
pub fn media_content_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.get(4..8) == Some(b"ftyp") {
        return Some("video/mp4");
    }
    if bytes.starts_with(b"\x1a\x45\xdf\xa3") {
        return Some("video/webm");
    }
    image_content_type(bytes)
}

/// The content type of an image Vigie decodes, from its first bytes.
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

/// POST /v1/media: the bytes of one image or video (any content type). An image is decoded
/// within the limits and hashed (PDQ, MD5, SHA-256); a video (MP4, WebM) gets MD5 and SHA-256
/// (vPDQ needs ffmpeg: `vigie hash --vpdq`). The file is kept; the answer is the attachment to
/// put in an item's `media`.
#[utoipa::path(post, path = "/v1/media", tag = "items",
    request_body(content = String, content_type = "application/octet-stream",
                 description = "The file's bytes: JPEG, PNG, WebP, GIF, BMP, MP4 or WebM"),
    responses(
        (status = 201, description = "`{type, sha256, md5, pdq, quality, format}` (no `pdq`, `quality` for a video)", body = Object),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
        (status = 413, description = "Over the media limit", body = ErrorBody),
        (status = 422, description = "Not an image Vigie can decode, nor an MP4 or WebM video", body = ErrorBody),
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
        let kind = media_content_type(&bytes).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "undecodable_media",
                "not a JPEG, PNG, WebP, GIF or BMP image, nor an MP4 or WebM video",
            )
        })?;
        let digests = vigie_media::digest::digests(&bytes);
        let (media_type, format) = kind.split_once('/').unwrap_or(("image", kind));
        let mut answer = json!({
            "type": media_type,
            "sha256": digests.sha256,
            "md5": digests.md5,
            "format": format,
        });
        if media_type == "image" {
            let pdq = crate::hma::hash_photo(&bytes, limit)?;
            answer["pdq"] = json!(pdq.hash.to_string());
            answer["quality"] = json!(pdq.quality);
        }
        let path = media_path(&st, &digests.sha256)
            .ok_or_else(|| ApiError::internal("SHA-256 is not 64 hex digits"))?;
        if !path.exists() {
            write_atomically(&path, &bytes).map_err(ApiError::internal)?;
        }
        Ok(answer)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

/// Writes a file whole or not at all: a uniquely named temporary file beside it, synced, then
/// renamed (two uploads of the same file at once each write their own).
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or_else(|| std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map(|_| ()).map_err(|e| e.error)
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
        assert_eq!(
            super::media_content_type(b"\0\0\0\x18ftypmp42"),
            Some("video/mp4")
        );
        assert_eq!(
            super::media_content_type(b"\x1a\x45\xdf\xa3\x9f"),
            Some("video/webm")
        );
        assert_eq!(super::media_content_type(b"<svg>"), None);
    }
}
