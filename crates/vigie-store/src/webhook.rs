//! The webhook outbox's types, retry schedule and body signature.

use crate::Timestamp;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// One queued webhook delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Outbox row id.
    pub id: i64,
    /// Where to POST.
    pub url: String,
    /// What happened: `decision`, `case_decided`, or the caller's own.
    pub event: String,
    /// The JSON body, exactly as it must be sent (and signed).
    pub body: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Timestamp,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Pending, delivered or dead.
    pub status: DeliveryStatus,
    /// When it was queued.
    pub created_at: Timestamp,
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Acknowledged with a 2xx.
    Delivered,
    /// Given up on: a dead letter, replayable.
    Dead,
}

impl DeliveryStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Dead,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Try again at this time.
    At(Timestamp),
    /// Give up: the delivery becomes a dead letter.
    Dead,
}

/// Exponential backoff: the delay before attempt `attempts + 1` after `attempts` failures
/// (30 s, 1 min, 2 min... capped at 1 h), or `None` once `attempts >= max_attempts`.
pub fn retry_delay(attempts: u32, max_attempts: u32) -> Option<i64> {
    if attempts >= max_attempts {
        return None;
    }
    let exponent = attempts.saturating_sub(1).min(16);
    Some((30i64 << exponent).min(3_600))
}

/// HMAC-SHA-256 of `body` under `secret`, lower-case hex: the webhook signature header's value.
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    crate::token::hex(&mac.finalize().into_bytes())
}
