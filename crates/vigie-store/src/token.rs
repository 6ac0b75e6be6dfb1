//! API token scopes, secrets and their hashes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Every token secret starts with this, so a leaked one is easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "vgt_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Submit items for decisions.
    Ingest,
    /// Search stored items, decisions and entities.
    Search,
    /// Read reports and metrics.
    Report,
    /// Work review queues: read and decide cases.
    Review,
    /// Flag content (users, trusted flaggers).
    Flag,
    /// Everything, including token management.
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 6] = [
        Scope::Ingest,
        Scope::Search,
        Scope::Report,
        Scope::Review,
        Scope::Flag,
        Scope::Admin,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Search => "search",
            Scope::Report => "report",
            Scope::Review => "review",
            Scope::Flag => "flag",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not one of [`Scope::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope {name:?}: expected one of ingest, search, report, review, flag, admin")]
pub struct ScopeError {
    /// The name given.
    pub name: String,
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(name: &str) -> Result<Scope, ScopeError> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == name.trim())
            .ok_or_else(|| ScopeError {
                name: name.to_string(),
            })
    }
}

/// A new secret: the prefix and 32 random bytes in hex.
pub(crate) fn new_secret() -> Result<String, crate::StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| crate::StoreError::Random(error.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex(&bytes)))
}

/// The stored form of a secret: SHA-256 in hex.
pub(crate) fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[(byte >> 4) as usize] as char);
        out.push(DIGITS[(byte & 0xf) as usize] as char);
    }
    out
}

/// Scopes as stored: comma-separated names.
pub(crate) fn scopes_to_column(scopes: &[Scope]) -> String {
    let mut sorted = scopes.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses the stored column.
pub(crate) fn scopes_from_column(column: &str) -> Result<Vec<Scope>, crate::StoreError> {
    column
        .split(',')
        .filter(|name| !name.is_empty())
        .map(|name| {
            name.parse().map_err(|_| crate::StoreError::Corrupt {
                column: "tokens.scopes",
                value: column.to_string(),
            })
        })
        .collect()
}
