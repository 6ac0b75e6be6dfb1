//! Human review, shared by the API and the console: a reviewer's decision becomes the policy's
//! reviewed decision (same actions, same webhook path as automatic ones), and authors' appeals
//! open cases that another reviewer decides.

use crate::api::{blocking, store_error};
use crate::auth::{Principal, Scope};
use crate::body::{self, read_limited};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use vigie_core::{Item, Label};
use vigie_store::{CaseDetail, ReviewDecision, ReviewOutcome, StoredItem};

/// How a reviewer is named in case histories and the audit log: `token:<id>:<name>`.
pub fn reviewer_name(principal: &Principal) -> String {
    format!("token:{}:{}", principal.id, principal.name)
}

/// The item as the store kept it, enough to decide again: id, kind, author, language, text
/// (while retention keeps it) and media hashes.
pub fn item_from_stored(stored: &StoredItem) -> Item {
    let value = json!({
        "id": stored.id,
        "kind": stored.kind,
        "author": {"id": stored.author_id},
        "lang": stored.lang,
        "text": stored.text,
        "media": stored.media,
    });
    serde_json::from_value(value).unwrap_or_else(|_| Item {
        id: stored.id.clone(),
        text: stored.text.clone(),
        ..Item::default()
    })
}

/// Records a reviewer's decision on a case. A confirm or overturn also replaces the item's
/// decision with the one the policy's `[[reviewed]]` entries give for the labels the reviewer
/// stands behind, in the same transaction.
pub async fn decide(
    state: &AppState,
    case_id: i64,
    reviewer: String,
    review: ReviewDecision,
) -> Result<CaseDetail, ApiError> {
    let state = state.clone();
    blocking(move || {
        let store = state.store();
        let detail = store
            .get_case(case_id)
            .map_err(store_error)?
            .ok_or_else(|| ApiError::not_found(format!("no case {case_id}")))?;
        let enforcement = match review.outcome {
            ReviewOutcome::Escalate => None,
            outcome => {
                let labels = reviewed_labels(&detail, outcome, &review.labels);
                let item = item_from_stored(&detail.item);
                let input = vigie_engine::ReviewInput {
                    labels: &labels,
                    prior_actions: &detail.decision.actions,
                    reviewer: &reviewer,
                    outcome: outcome.as_str(),
                    note: review.note.as_deref(),
                    notice_lang: detail.decision.lang.as_deref().unwrap_or("en"),
                };
                Some(
                    state
                        .engine()
                        .review_decision(&item, &detail.decision, input),
                )
            }
        };
        store
            .decide_case(case_id, &reviewer, &review, enforcement.as_ref())
            .map_err(store_error)
    })
    .await
}

/// The labels a review stands behind: those given; else, on confirm, the decision's (an appeal
/// upheld keeps the decision's labels), and `benign` on overturn.
fn reviewed_labels(detail: &CaseDetail, outcome: ReviewOutcome, given: &[Label]) -> Vec<Label> {
    if !given.is_empty() {
        return given.to_vec();
    }
    match outcome {
        ReviewOutcome::Confirm => {
            let labels: Vec<Label> = detail.decision.labels.iter().map(|s| s.label).collect();
            if labels.is_empty() {
                vec![Label::Benign]
            } else {
                labels
            }
        }
        _ => vec![Label::Benign],
    }
}

/// An author's appeal, sent by the platform.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    /// The item whose decision is appealed.
    pub item_id: String,
    /// The author's grounds, as they wrote them (at most 10,000 bytes).
    pub reason: String,
}

/// Most bytes of an appeal's grounds.
pub const APPEAL_REASON_LIMIT: usize = 10_000;

/// POST /v1/appeals: an author appeals a decision; a case opens in the `appeal` queue, linked
/// to the decision's review case, for a different reviewer.
#[utoipa::path(post, path = "/v1/appeals", tag = "review",
    request_body = AppealBody,
    responses(
        (status = 201, description = "`{case}`: the appeal case", body = Object),
        (status = 400, description = "Invalid body, empty reason", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Token lacks the `ingest` or `report` scope", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "The item is still under review, or was already appealed", body = ErrorBody),
        (status = 413, description = "Reason over 10,000 bytes", body = ErrorBody),
    ),
    security(("bearer" = ["ingest", "report"])))]
pub async fn post_appeal(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let principal = state
        .authorize_any(&headers, &[Scope::Ingest, Scope::Report])
        .await?;
    let bytes = read_limited(body, state.config().body_limit).await?;
    let appeal: AppealBody = body::json(&bytes)?;
    if appeal.reason.trim().is_empty() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "`reason` must not be empty: the reviewer reads the author's grounds",
        ));
    }
    if appeal.reason.len() > APPEAL_REASON_LIMIT {
        return Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "field_too_large",
            format!(
                "`reason` is {} bytes, over the limit of {APPEAL_REASON_LIMIT}",
                appeal.reason.len()
            ),
        )
        .with_limit(APPEAL_REASON_LIMIT as u64));
    }
    let actor = format!("token:{}", principal.id);
    let st = state.clone();
    let case = blocking(move || {
        st.store()
            .open_appeal(&appeal.item_id, &actor, &appeal.reason)
            .map_err(store_error)
    })
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({ "case": case })),
    ))
}
