//! HMA 2.0 (OpenMediaMatch) compatible routes, with HMA's parameter names and response shapes,
//! so HMA clients can switch without code changes: `GET /m/lookup`, `GET /m/raw_lookup`,
//! `POST /h/hash`, `GET /c/banks`. Tokens are sent the same way (`Authorization: Bearer`).
//!
//! Differences: bank content ids are Vigie's entry ids, unique within a bank (lookups group
//! them by bank, as HMA does); `GET /h/hash?url=` is refused (the server fetches nothing from
//! the network); `enabled_ratio` is always 1.0 (no coin flip).

use crate::api::blocking;
use crate::auth::Scope;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::IntoParams;
use vigie_core::Hash256;
use vigie_index::BankMatch;

/// PDQ match radius, HMA's default threshold.
pub const PDQ_THRESHOLD: u32 = 31;

/// The HMA routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/m/lookup", get(lookup).post(lookup_upload))
        .route("/status", get(status))
        .route("/m/compare", axum::routing::post(compare))
        .route("/m/index/status", get(index_status))
        .route("/m/raw_lookup", get(raw_lookup))
        .route("/h/hash", axum::routing::post(hash_upload).get(hash_url))
        .route("/c/banks", get(list_banks))
}

/// Query of `/m/lookup` and `/m/raw_lookup`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupQuery {
    /// `pdq`, `video_md5` (or `md5`, `sha256`).
    pub signal_type: Option<String>,
    /// The hash, in hex.
    pub signal: Option<String>,
    /// Comma-separated bank names to restrict the lookup to.
    pub banks: Option<String>,
    /// `/m/raw_lookup` only: return `{bank_content_id, distance}` objects.
    pub include_distance: Option<bool>,
    /// Accepted for compatibility (no coin flip here).
    pub seed: Option<String>,
    /// Accepted for compatibility (no coin flip here).
    pub bypass_coinflip: Option<bool>,
    /// Not supported: the server fetches nothing.
    pub url: Option<String>,
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, ApiError> {
    value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_request",
            format!("missing required parameter `{name}`"),
        )
    })
}

/// Looks a signal up in the loaded banks.
fn find(state: &AppState, query: &LookupQuery) -> Result<Vec<BankMatch>, ApiError> {
    if query.url.is_some() {
        return Err(no_url());
    }
    let signal_type = required(&query.signal_type, "signal_type")?;
    let signal = required(&query.signal, "signal")?;
    let engine = state.engine();
    let Some(banks) = engine.banks() else {
        return Ok(Vec::new());
    };
    let invalid = |e: &dyn std::fmt::Display| {
        ApiError::bad_request("invalid_request", format!("invalid signal type: {e}"))
    };
    let matches = match signal_type {
        "pdq" => {
            let hash: Hash256 = signal.parse().map_err(|e| invalid(&e))?;
            banks
                .match_pdq(&hash, PDQ_THRESHOLD)
                .map_err(|e| invalid(&e))?
        }
        "video_md5" | "md5" => banks.match_md5(signal).map_err(|e| invalid(&e))?,
        "sha256" => banks.match_sha256(signal).map_err(|e| invalid(&e))?,
        other => {
            return Err(ApiError::bad_request(
                "invalid_request",
                format!("No such SignalType '{other}'"),
            ))
        }
    };
    let only: Option<Vec<&str>> = query.banks.as_deref().map(|b| {
        b.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    });
    Ok(matches
        .into_iter()
        .filter(|m| {
            only.as_ref()
                .is_none_or(|names| names.contains(&m.bank.as_str()))
        })
        .collect())
}

fn no_url() -> ApiError {
    ApiError::bad_request(
        "unsupported",
        "`url` is not supported: this server fetches nothing; upload the file to POST /h/hash or send the hash",
    )
}

/// GET /m/lookup: matches grouped by bank, `{"BANK": [{"bank_content_id": 1, "distance": "0"}]}`.
#[utoipa::path(get, path = "/m/lookup", tag = "hma", params(LookupQuery),
    responses((status = 200, description = "Matches grouped by bank", body = Object),
              (status = 400, description = "Missing or invalid parameter", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody)),
    security(("bearer" = ["ingest"])))]
pub async fn lookup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LookupQuery>,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Ingest).await?;
    let st = state.clone();
    let matches = blocking(move || find(&st, &query)).await?;
    Ok(Json(grouped(matches)))
}

/// Matches grouped by bank, HMA's lookup shape.
fn grouped(matches: Vec<BankMatch>) -> Value {
    let mut grouped: Map<String, Value> = Map::new();
    for m in matches {
        let list = grouped
            .entry(m.bank.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(json!({"bank_content_id": m.entry, "distance": m.distance.to_string()}));
        }
    }
    Value::Object(grouped)
}

/// POST /m/lookup: hashes an uploaded file (as `POST /h/hash`) and looks it up:
/// `{"pdq": {"BANK": [{"bank_content_id": 1, "distance": "0"}]}}`.
#[utoipa::path(post, path = "/m/lookup", tag = "hma", params(LookupQuery),
    request_body(content = String, content_type = "multipart/form-data",
                 description = "One file, field `photo` or `video`"),
    responses((status = 200, description = "Matches grouped by signal type, then bank", body = Object),
              (status = 400, description = "No file", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
              (status = 413, description = "File over the media limit", body = ErrorBody),
              (status = 422, description = "The image cannot be decoded", body = ErrorBody)),
    security(("bearer" = ["ingest"])))]
pub async fn lookup_upload(
    State(state): State<AppState>,
    Query(query): Query<LookupQuery>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    state.authorize(request.headers(), Scope::Ingest).await?;
    let hashed = hash_request(&state, request).await?;
    let (signal_type, signal) = hashed
        .as_object()
        .and_then(|m| m.iter().next())
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .ok_or_else(|| ApiError::internal("no hash"))?;
    let query = LookupQuery {
        signal_type: Some(signal_type.clone()),
        signal: Some(signal),
        url: None,
        ..query
    };
    let st = state.clone();
    let matches = blocking(move || find(&st, &query)).await?;
    Ok(Json(json!({ signal_type: grouped(matches) })))
}

/// POST /m/compare: `{"pdq": ["h1", "h2"]}` → `{"pdq": [matches, {"distance": d}]}` (match
/// within distance 31).
#[utoipa::path(post, path = "/m/compare", tag = "hma",
    request_body(content = Object, description = "`{\"pdq\": [\"<64 hex>\", \"<64 hex>\"]}`"),
    responses((status = 200, description = "`{\"pdq\": [true, {\"distance\": 9}]}`", body = Object),
              (status = 400, description = "Not two valid hashes of a known type", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody)),
    security(("bearer" = ["ingest"])))]
pub async fn compare(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Ingest).await?;
    let bytes = crate::body::read_limited(body, state.config().body_limit).await?;
    let request: Map<String, Value> = crate::body::json(&bytes)?;
    let mut out = Map::new();
    for (signal_type, pair) in request {
        let hashes: Vec<&str> = pair
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if hashes.len() != 2 {
            return Err(ApiError::bad_request(
                "invalid_request",
                format!("Comparison hash list length must be exactly 2 ({signal_type})"),
            ));
        }
        let result = match signal_type.as_str() {
            "pdq" => {
                let parse = |h: &str| {
                    h.parse::<Hash256>().map_err(|e| {
                        ApiError::bad_request("invalid_request", format!("Invalid pdq hash: {e}"))
                    })
                };
                let distance = parse(hashes[0])?.distance(&parse(hashes[1])?);
                json!([distance <= PDQ_THRESHOLD, {"distance": distance}])
            }
            "video_md5" | "md5" | "sha256" => {
                let same = hashes[0].eq_ignore_ascii_case(hashes[1]);
                json!([same, {"distance": if same { 0 } else { 1 }}])
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_request",
                    format!("No such SignalType '{other}'"),
                ))
            }
        };
        out.insert(signal_type, result);
    }
    Ok(Json(Value::Object(out)))
}

/// GET /m/index/status: `{"pdq": {"present": true, "built_to": -1, "size": n}, "video_md5": ...}`
/// (Vigie's indexes are built at load and updated in place: always present).
#[utoipa::path(get, path = "/m/index/status", tag = "hma",
    responses((status = 200, description = "Index sizes by signal type", body = Object),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody)),
    security(("bearer" = ["ingest"])))]
pub async fn index_status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Ingest).await?;
    let engine = state.engine();
    let mut pdq = 0;
    let mut md5 = 0;
    if let Some(set) = engine.banks() {
        for bank in set.banks() {
            let counts = bank.kind_counts();
            pdq += counts
                .get(&vigie_index::EntryKind::Pdq)
                .copied()
                .unwrap_or(0);
            md5 += counts
                .get(&vigie_index::EntryKind::Md5)
                .copied()
                .unwrap_or(0);
        }
    }
    Ok(Json(json!({
        "pdq": {"present": true, "built_to": -1, "size": pdq},
        "video_md5": {"present": true, "built_to": -1, "size": md5},
    })))
}

/// GET /status: HMA's readiness answer, `I-AM-ALIVE` (no token).
pub async fn status() -> &'static str {
    "I-AM-ALIVE"
}

/// GET /m/raw_lookup: `{"matches": [id, ...]}`, or with `include_distance=true`
/// `{"matches": [{"bank_content_id": id, "distance": d}]}`.
#[utoipa::path(get, path = "/m/raw_lookup", tag = "hma", params(LookupQuery),
    responses((status = 200, description = "Matching content ids", body = Object),
              (status = 400, description = "Missing or invalid parameter", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody)),
    security(("bearer" = ["ingest"])))]
pub async fn raw_lookup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LookupQuery>,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Ingest).await?;
    let with_distance = query.include_distance.unwrap_or(false);
    let st = state.clone();
    let matches = blocking(move || find(&st, &query)).await?;
    let list: Vec<Value> = matches
        .into_iter()
        .map(|m| {
            if with_distance {
                json!({"bank_content_id": m.entry, "distance": m.distance.to_string()})
            } else {
                json!(m.entry)
            }
        })
        .collect();
    Ok(Json(json!({ "matches": list })))
}

/// POST /h/hash: multipart upload of one file whose field name is the content type (`photo`
/// or `video`); answers `{"pdq": "..."}` for a photo, `{"video_md5": "..."}` for a video.
#[utoipa::path(post, path = "/h/hash", tag = "hma",
    request_body(content = String, content_type = "multipart/form-data",
                 description = "One file, field `photo` or `video`"),
    responses((status = 200, description = "`{signal_type: hash}`", body = Object),
              (status = 400, description = "No file, or a file that cannot be decoded", body = ErrorBody),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `ingest` scope", body = ErrorBody),
              (status = 413, description = "File over the media limit", body = ErrorBody)),
    security(("bearer" = ["ingest"])))]
pub async fn hash_upload(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    state.authorize(request.headers(), Scope::Ingest).await?;
    Ok(Json(hash_request(&state, request).await?))
}

/// Hashes the one file of a multipart body: `{"pdq": ...}` or `{"video_md5": ...}`.
async fn hash_request(state: &AppState, request: Request) -> Result<Value, ApiError> {
    let mut multipart = multipart_body(request).await?;
    let limit = state.config().media_limit;
    let body_limit = state.config().body_limit;
    let field = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_request",
                "upload one file, field `photo` or `video`",
            )
        })?;
    let content_type = field.name().unwrap_or_default().to_string();
    let bytes = read_field(field, limit, body_limit).await?;
    blocking(move || match content_type.as_str() {
        "photo" => {
            let pdq = hash_photo(&bytes, limit)?;
            Ok(json!({ "pdq": pdq.hash.to_string() }))
        }
        "video" => Ok(json!({ "video_md5": vigie_media::digest::digests(&bytes).md5 })),
        other => Err(ApiError::bad_request(
            "invalid_request",
            format!("unknown content type `{other}`: the file's field must be `photo` or `video`"),
        )),
    })
    .await
}

/// The multipart body (after the token was checked), or a 400.
pub async fn multipart_body(request: Request) -> Result<Multipart, ApiError> {
    Multipart::from_request(request, &()).await.map_err(|e| {
        ApiError::bad_request(
            "invalid_multipart",
            format!("expected a multipart/form-data body: {}", e.body_text()),
        )
    })
}

/// Reads one multipart field under `limit` bytes (413 naming the limit).
pub async fn read_field(
    mut field: axum::extract::multipart::Field<'_>,
    limit: usize,
    body_limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
        if bytes.len() + chunk.len() > limit {
            return Err(media_too_large(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// 413 for an uploaded file over the media limit.
pub fn media_too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "media_too_large",
        format!("the uploaded file is over the media limit of {limit} bytes"),
    )
    .with_limit(limit as u64)
}

/// Multipart errors: 413 naming the body limit when it was hit, 400 otherwise.
pub fn multipart_error(e: axum::extract::multipart::MultipartError, body_limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        crate::body::too_large(body_limit)
    } else {
        ApiError::bad_request("invalid_multipart", e.body_text())
    }
}

/// Decodes an image (bounded: bytes, sides, pixels, decoder memory; a decompression bomb is
/// refused on its header) and hashes it with PDQ.
pub fn hash_photo(bytes: &[u8], limit: usize) -> Result<vigie_media::pdq::Pdq, ApiError> {
    let limits = vigie_media::decode::DecodeLimits {
        max_bytes: limit as u64,
        max_alloc: 256 << 20,
        ..vigie_media::decode::DecodeLimits::default()
    };
    let image = vigie_media::hash_image(bytes, &limits).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "undecodable_media",
            format!("cannot decode the image: {e}"),
        )
    })?;
    Ok(vigie_media::pdq::Pdq {
        hash: image.pdq.hashes[0],
        quality: image.pdq.quality,
    })
}

/// GET /h/hash?url=: refused, the server fetches nothing.
pub async fn hash_url(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Ingest).await?;
    Err(no_url())
}

/// GET /c/banks: `[{"name": "...", "matching_enabled_ratio": 1.0, ...}]`.
#[utoipa::path(get, path = "/c/banks", tag = "hma",
    responses((status = 200, description = "The banks", body = Vec<Object>),
              (status = 401, description = "No or unknown token", body = ErrorBody),
              (status = 403, description = "Token lacks the `admin` scope", body = ErrorBody)),
    security(("bearer" = ["admin"])))]
pub async fn list_banks(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    state.authorize(&headers, Scope::Admin).await?;
    let banks: Vec<Value> = state
        .engine()
        .banks()
        .map(|set| {
            set.banks()
                .map(|b| {
                    json!({
                        "name": b.name(),
                        "matching_enabled_ratio": 1.0,
                        "label": b.label().as_str(),
                        "description": b.description(),
                        "size": b.len(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Json(Value::Array(banks)))
}
