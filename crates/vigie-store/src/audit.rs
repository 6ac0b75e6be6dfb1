//! The hash-chained audit log: entries, hashing and verification.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's fields, each
//! length-prefixed so that no two different entries hash the same bytes. The first entry's
//! `prev_hash` is 64 zeros. `audit_head` keeps the last seq and hash, so deleting the newest
//! entries is detected too. An UPDATE or DELETE trigger refuses edits; verification catches
//! whoever drops the trigger. Someone able to rewrite the whole file can forge a whole new
//! chain: publishing the head hash elsewhere from time to time (a log, a webhook) anchors it.

use crate::{StoreError, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub(crate) const GENESIS_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who (`system`, `token:3`, a reviewer).
    pub actor: String,
    /// What (`decision.recorded`, `case.decided`, `token.created`...).
    pub action: String,
    /// On what (an item id, `case:12`, `token:3`).
    pub subject: String,
    /// Details, as the JSON text that was hashed.
    pub details: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// What a successful [`crate::Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: u64,
    /// The last entry's hash (the genesis hash for an empty log).
    pub head_hash: String,
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The chain is broken at this entry.
    #[error("audit log broken at seq {seq}: {reason}")]
    Broken {
        /// The first entry that does not verify.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
    /// The log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The hash of an entry given its predecessor's.
pub(crate) fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: Timestamp,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> String {
    let mut hasher = Sha256::new();
    let seq = seq.to_string();
    let at = at.to_string();
    for field in [prev_hash, &seq, &at, actor, action, subject, details] {
        hasher.update((field.len() as u64).to_le_bytes());
        hasher.update(field.as_bytes());
    }
    crate::token::hex(&hasher.finalize())
}

/// Checks entries in seq order; `expected_head` is the stored head (seq, hash), if any.
pub(crate) struct ChainVerifier {
    prev_seq: i64,
    prev_hash: String,
    entries: u64,
}

impl ChainVerifier {
    pub(crate) fn new() -> ChainVerifier {
        ChainVerifier {
            prev_seq: 0,
            prev_hash: GENESIS_HASH.to_string(),
            entries: 0,
        }
    }

    pub(crate) fn check(&mut self, entry: &AuditEntry) -> Result<(), AuditError> {
        let broken = |reason: String| AuditError::Broken {
            seq: entry.seq,
            reason,
        };
        if entry.seq != self.prev_seq + 1 {
            return Err(broken(format!(
                "expected seq {} next: entries {}..{} are missing",
                self.prev_seq + 1,
                self.prev_seq + 1,
                entry.seq - 1
            )));
        }
        if entry.prev_hash != self.prev_hash {
            return Err(broken(
                "prev_hash does not match the previous entry's hash (an entry before it was \
                 edited or removed)"
                    .to_string(),
            ));
        }
        let recomputed = entry_hash(
            &entry.prev_hash,
            entry.seq,
            entry.at,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.details,
        );
        if recomputed != entry.hash {
            return Err(broken(
                "hash does not match the entry's contents (the entry was edited)".to_string(),
            ));
        }
        self.prev_seq = entry.seq;
        self.prev_hash = entry.hash.clone();
        self.entries += 1;
        Ok(())
    }

    pub(crate) fn finish(self, head: Option<(i64, String)>) -> Result<AuditReport, AuditError> {
        if let Some((head_seq, head_hash)) = head {
            if head_seq != self.prev_seq || head_hash != self.prev_hash {
                return Err(AuditError::Broken {
                    seq: head_seq,
                    reason: format!(
                        "the log ends at seq {} but its head records seq {head_seq}: the newest \
                         entries were removed or edited",
                        self.prev_seq
                    ),
                });
            }
        } else if self.entries > 0 {
            return Err(AuditError::Broken {
                seq: self.prev_seq,
                reason: "the log's head record is missing".to_string(),
            });
        }
        Ok(AuditReport {
            entries: self.entries,
            head_hash: self.prev_hash,
        })
    }
}
