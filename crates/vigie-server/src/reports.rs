//! `POST /v1/reports`: a user report (a family forwarding a ransom message, a user flagging an
//! ad): the reported text and media (multipart upload, or JSON with hashes), the reporter and
//! the reason. It is evaluated as an item of kind `report`, its media hashed (PDQ, MD5,
//! SHA-256), its numbers extracted, and a ransom report gets the family support message in the
//! reporter's language (`locale`).

use crate::api::{blocking, decide_all, parse_item};
use crate::auth::Scope;
use crate::body::{self, read_limited};
use crate::error::{ApiError, ErrorBody};
use crate::hma::{hash_photo, media_too_large, multipart_body, multipart_error};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use vigie_core::{limits, ActionType, Decision, EntityType, Item, ItemKind, Media};

/// A report sent as JSON (the multipart form has the same fields, plus files in `media`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ReportRequest {
    /// The report's id (idempotent by it); derived from its content when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// The reported text (a forwarded message...).
    #[serde(default)]
    pub text: Option<String>,
    /// Who reports (an account id).
    #[serde(default)]
    pub reporter: Option<String>,
    /// Why (`ransom`, `smuggling_ad`, free text).
    #[serde(default)]
    pub reason: Option<String>,
    /// The reporter's language (BCP 47): the support message is written in it.
    #[serde(default)]
    pub locale: Option<String>,
    /// More item fields of the reported content (`author`, `surface`, `created_at`...).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub item: Option<Value>,
    /// Media hashes computed by the platform (`{id, type, pdq, quality, md5, sha256}`).
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub media: Vec<Value>,
}

/// The answer to a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResponse {
    /// The report's id (the stored item's id).
    pub report_id: String,
    /// The decision.
    #[schema(value_type = crate::api::DecisionDoc)]
    pub decision: Decision,
    /// Phone numbers, messaging links, transfer codes, IBANs and crypto addresses found.
    #[schema(value_type = Vec<Object>)]
    pub numbers: Vec<Value>,
    /// The hashes of the uploaded media.
    #[schema(value_type = Vec<Object>)]
    pub media: Vec<Value>,
    /// The `support_family` action with its rendered notice, for a ransom report; else null.
    #[schema(value_type = Option<Object>)]
    pub support_message: Option<Value>,
}

/// POST /v1/reports.
#[utoipa::path(post, path = "/v1/reports", tag = "reports",
    request_body(content = ReportRequest, description = "JSON, or multipart/form-data with the same fields as text parts and files in `media` parts"),
    responses(
        (status = 200, description = "The report's decision, numbers and support message", body = ReportResponse),
        (status = 400, description = "Invalid body", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `report` or `flag` scope", body = ErrorBody),
        (status = 413, description = "Body, field or media file over its limit", body = ErrorBody),
        (status = 422, description = "A media file cannot be decoded (or is a decompression bomb)", body = ErrorBody),
        (status = 429, description = "Token over its rate limit", body = ErrorBody),
    ),
    security(("bearer" = ["report", "flag"])))]
pub async fn post_report(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<ReportResponse>, ApiError> {
    let principal = state
        .authorize_any(request.headers(), &[Scope::Report, Scope::Flag])
        .await?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (report, uploads) = if is_multipart {
        read_multipart(&state, request).await?
    } else {
        let bytes = read_limited(request.into_body(), state.config().body_limit).await?;
        (body::json::<ReportRequest>(&bytes)?, Vec::new())
    };
    let limit = state.config().media_limit;
    let trusted = principal.trusted_flagger.then(|| principal.name.clone());
    let st = state.clone();
    blocking(move || {
        let mut hashed = Vec::with_capacity(uploads.len());
        for (n, upload) in uploads.into_iter().enumerate() {
            hashed.push(hash_upload(n, upload, limit)?);
        }
        let item = build_item(report, hashed, trusted)?;
        let media: Vec<Value> = item
            .media
            .iter()
            .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
            .collect();
        let id = item.id.clone();
        let (decision, _) = decide_all(&st, vec![item], &principal)?
            .pop()
            .ok_or_else(|| ApiError::internal("no decision"))?;
        Ok(Json(respond(id, decision, media)))
    })
    .await
}

/// One uploaded file.
#[derive(Debug)]
pub struct Upload {
    name: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

async fn read_multipart(
    state: &AppState,
    request: Request,
) -> Result<(ReportRequest, Vec<Upload>), ApiError> {
    let mut multipart = multipart_body(request).await?;
    let mut report = ReportRequest::default();
    let mut uploads = Vec::new();
    let text_limit = limits::MAX_TEXT_BYTES;
    let body_limit = state.config().body_limit;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if matches!(
            name.as_str(),
            "media" | "photo" | "image" | "video" | "file"
        ) {
            if uploads.len() >= limits::MAX_MEDIA {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "field_too_large",
                    format!("more than {} media files", limits::MAX_MEDIA),
                )
                .with_limit(limits::MAX_MEDIA as u64));
            }
            let content_type = field
                .content_type()
                .map(str::to_string)
                .or_else(|| (name == "video").then(|| "video/unknown".to_string()));
            let file_name = field.file_name().map(str::to_string);
            let bytes =
                crate::hma::read_field(field, state.config().media_limit, body_limit).await?;
            uploads.push(Upload {
                name: file_name,
                content_type,
                bytes,
            });
            continue;
        }
        let bytes = crate::hma::read_field(field, text_limit, body_limit)
            .await
            .map_err(|e| {
                if e.code != "media_too_large" {
                    return e;
                }
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "field_too_large",
                    format!("field `{name}` is over the limit of {text_limit} bytes"),
                )
                .with_limit(text_limit as u64)
            })?;
        let text = String::from_utf8(bytes).map_err(|_| {
            ApiError::bad_request("invalid_utf8", format!("field `{name}` is not valid UTF-8"))
        })?;
        match name.as_str() {
            "id" => report.id = Some(text),
            "text" => report.text = Some(text),
            "reporter" => report.reporter = Some(text),
            "reason" => report.reason = Some(text),
            "locale" => report.locale = Some(text),
            "item" => {
                report.item = Some(body::json(text.as_bytes())?);
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_request",
                    format!("unknown form field `{other}`: expected id, text, reporter, reason, locale, item, media"),
                ))
            }
        }
    }
    Ok((report, uploads))
}

fn hash_upload(n: usize, upload: Upload, limit: usize) -> Result<Media, ApiError> {
    if upload.bytes.len() > limit {
        return Err(media_too_large(limit));
    }
    let digests = vigie_media::digest::digests(&upload.bytes);
    let is_video = upload
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("video/"));
    let mut media = Media {
        id: Some(
            upload
                .name
                .clone()
                .unwrap_or_else(|| format!("upload-{}", n + 1)),
        ),
        media_type: Some(if is_video { "video" } else { "image" }.to_string()),
        md5: Some(digests.md5),
        sha256: Some(digests.sha256),
        ..Media::default()
    };
    if !is_video {
        let pdq = hash_photo(&upload.bytes, limit).map_err(|mut e| {
            e.message = format!("media file {}: {}", n + 1, e.message);
            e
        })?;
        media.pdq = Some(pdq.hash);
        media.quality = Some(pdq.quality);
    }
    Ok(media)
}

fn build_item(
    report: ReportRequest,
    uploads: Vec<Media>,
    trusted_flagger: Option<String>,
) -> Result<Item, ApiError> {
    let mut value = match report.item.clone() {
        Some(Value::Object(map)) => Value::Object(map),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_request",
                "`item` must be a JSON object",
            ))
        }
        None => Value::Object(Map::new()),
    };
    let object = value.as_object_mut().expect("an object");
    if let Some(text) = &report.text {
        object.insert("text".into(), json!(text));
    }
    if !report.media.is_empty() {
        object.insert("media".into(), Value::Array(report.media.clone()));
    }
    let id = match report
        .id
        .clone()
        .or_else(|| object.get("id").and_then(Value::as_str).map(str::to_string))
    {
        Some(id) => id,
        None => derived_id(&report, &uploads),
    };
    object.insert("id".into(), json!(id));
    let mut item = parse_item(value)?;
    item.kind = Some(ItemKind::Report);
    if let Some(locale) = report.locale {
        item.locale = Some(locale);
    }
    item.media.extend(uploads);
    if item.media.len() > limits::MAX_MEDIA {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "field_too_large",
            format!("more than {} media", limits::MAX_MEDIA),
        )
        .with_limit(limits::MAX_MEDIA as u64));
    }
    let context = item.context.get_or_insert_with(Map::new);
    if let Some(reporter) = report.reporter {
        context.insert("reported_by".into(), json!(reporter));
    }
    if let Some(reason) = report.reason {
        context.insert("report_reason".into(), json!(reason));
    }
    if let Some(flagger) = trusted_flagger {
        context.insert("flagger".into(), json!(flagger));
    }
    Ok(item)
}

/// A retried report (same reporter, reason, text and files) gets the same id.
fn derived_id(report: &ReportRequest, uploads: &[Media]) -> String {
    let mut hasher = Sha256::new();
    for part in [&report.reporter, &report.reason, &report.text] {
        hasher.update(part.as_deref().unwrap_or("").as_bytes());
        hasher.update([0]);
    }
    for media in uploads {
        hasher.update(media.sha256.as_deref().unwrap_or("").as_bytes());
    }
    for media in &report.media {
        hasher.update(media.to_string().as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("report-{hex}")
}

fn respond(report_id: String, decision: Decision, media: Vec<Value>) -> ReportResponse {
    let numbers = decision
        .entities
        .iter()
        .filter(|e| {
            matches!(
                e.entity_type,
                EntityType::Phone
                    | EntityType::Whatsapp
                    | EntityType::Telegram
                    | EntityType::Viber
                    | EntityType::MoneyTransfer
                    | EntityType::Iban
                    | EntityType::Crypto
            )
        })
        .map(|e| serde_json::to_value(e).unwrap_or(Value::Null))
        .collect();
    let support_message = decision
        .actions
        .iter()
        .find(|a| a.action_type == ActionType::SupportFamily)
        .map(|a| serde_json::to_value(a).unwrap_or(Value::Null));
    ReportResponse {
        report_id,
        decision,
        numbers,
        media,
        support_message,
    }
}
