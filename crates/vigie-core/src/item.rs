//! The input item.

use crate::limits;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What kind of content an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A post on a page, profile or group.
    Post,
    /// A comment or reply.
    Comment,
    /// A message (chat, direct message).
    Message,
    /// A profile (name, bio).
    Profile,
    /// A page (name, description).
    Page,
    /// A group (name, description, rules).
    Group,
    /// A search query typed by a user.
    Search,
    /// A user report, e.g. a family forwarding a ransom message from an encrypted chat.
    Report,
    /// A frame of a live video (its text comes from OCR or captions).
    LiveFrame,
}

impl ItemKind {
    /// Every kind, in declaration order.
    pub const ALL: [ItemKind; 9] = [
        ItemKind::Post,
        ItemKind::Comment,
        ItemKind::Message,
        ItemKind::Profile,
        ItemKind::Page,
        ItemKind::Group,
        ItemKind::Search,
        ItemKind::Report,
        ItemKind::LiveFrame,
    ];

    /// The wire name, e.g. `live_frame`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Post => "post",
            ItemKind::Comment => "comment",
            ItemKind::Message => "message",
            ItemKind::Profile => "profile",
            ItemKind::Page => "page",
            ItemKind::Group => "group",
            ItemKind::Search => "search",
            ItemKind::Report => "report",
            ItemKind::LiveFrame => "live_frame",
        }
    }
}

/// The author of an item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Author {
    /// The platform's account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// ISO 3166-1 alpha-2 country the platform believes the author is in (a prior for phone
    /// numbers and notices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Strikes the platform has already recorded against the author (warnings given): the
    /// policy escalates from a warning to a suspension (DSA Art. 23).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strikes: Option<u32>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A media attachment: a local file to hash, or the hashes a platform already computed.
///
/// A platform that hashes its own media sends `pdq` (with `quality`), `md5`, `sha256` or `vpdq`
/// frames; the engine matches them against its hash banks. A `path` is hashed by the front end
/// (the CLI, the server) before the engine sees the item: the engine does no I/O.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// The attachment's id within the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `image` or `video`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// A local path to the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// PDQ hash of the image (64 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pdq: Option<crate::Hash256>,
    /// PDQ quality, 0..=100 (under 50 the hash is unreliable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// MD5 of the file's bytes (32 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// SHA-256 of the file's bytes (64 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// vPDQ of a video: hashed frames.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpdq: Vec<crate::VpdqFrame>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One piece of content to evaluate. Only `id` is required; unknown fields are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// The platform's id for the item; echoed in the decision.
    pub id: String,
    /// What kind of content this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ItemKind>,
    /// Where it appeared: `page`, `group`, `profile`, `marketplace`, `chat`... (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// RFC 3339 timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
    /// The text (at most [`limits::MAX_TEXT_BYTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The language the platform believes the text is in (BCP 47); Vigie detects its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// The reader's interface language (BCP 47): notices are written in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Attached media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
    /// Free-form context: group, reporter, flagger...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why an item was rejected. Each variant names the field and, where there is one, the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ItemError {
    /// The JSON did not parse or did not match the item shape (serde's message names the field).
    #[error("invalid item: {0}")]
    Json(String),
    /// A field is larger than its documented limit.
    #[error("field `{field}` is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The field's name.
        field: &'static str,
        /// Its size in bytes (or count, for lists).
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// `id` is empty.
    #[error("field `id` is empty")]
    EmptyId,
}

impl Item {
    /// Parses one JSON item and checks the limits in [`limits`].
    pub fn from_json(json: &str) -> Result<Item, ItemError> {
        let item: Item = serde_json::from_str(json).map_err(|e| ItemError::Json(e.to_string()))?;
        item.validate()?;
        Ok(item)
    }

    /// Checks the documented limits.
    pub fn validate(&self) -> Result<(), ItemError> {
        if self.id.is_empty() {
            return Err(ItemError::EmptyId);
        }
        if self.id.len() > limits::MAX_ID_BYTES {
            return Err(ItemError::TooLarge {
                field: "id",
                size: self.id.len(),
                limit: limits::MAX_ID_BYTES,
            });
        }
        if let Some(text) = &self.text {
            if text.len() > limits::MAX_TEXT_BYTES {
                return Err(ItemError::TooLarge {
                    field: "text",
                    size: text.len(),
                    limit: limits::MAX_TEXT_BYTES,
                });
            }
        }
        if self.media.len() > limits::MAX_MEDIA {
            return Err(ItemError::TooLarge {
                field: "media",
                size: self.media.len(),
                limit: limits::MAX_MEDIA,
            });
        }
        Ok(())
    }

    /// The text, or `""` when the item has none.
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    /// The author's country, upper-cased, if given.
    pub fn author_country(&self) -> Option<&str> {
        self.author.as_ref()?.country.as_deref()
    }
}
