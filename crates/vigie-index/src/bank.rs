//! Hash banks: named, labelled lists of hashes, persisted as files, matched from memory.
//!
//! A [`Bank`] (e.g. `ransom-media`, labelled `extortion.ransom`) holds [`Entry`]s: a PDQ,
//! MD5, SHA-256 or vPDQ value with its source, tags, date, an enabled flag and an optional
//! note. A [`BankSet`] is every bank of one directory and answers a query across all of them.
//!
//! On disk (until Vigie has an embedded store), each bank is a directory `DIR/<name>/` with
//! `bank.json` (name, label, description, creation time, next id) and `entries.jsonl` (one
//! entry per line, the same JSON as the JSON Lines export). Every change rewrites the files
//! through a temporary file and a rename, so a crash leaves either the old or the new version.
//! A corrupt line is reported with its file and line number and skipped; the other lines load.
//! `docs/hash-banks.md` documents the layout and the exchange formats for users.

use crate::exchange::{self, ExportError, ExportOptions, ImportError, ImportOptions, ImportReport};
use crate::{EntryId, HammingIndex, RadiusError, VideoIndex, VpdqThresholds};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use vigie_core::{Hash256, Label, VpdqFrame};

/// Longest bank name, in bytes.
pub const MAX_BANK_NAME_LEN: usize = 64;
/// Longest bank description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 4096;
/// Longest entry source, in bytes.
pub const MAX_SOURCE_LEN: usize = 256;
/// Longest tag, in bytes.
pub const MAX_TAG_LEN: usize = 128;
/// Most tags on one entry.
pub const MAX_TAGS: usize = 64;
/// Longest note, in bytes.
pub const MAX_NOTE_LEN: usize = 1024;
/// Longest `added` date, in bytes.
pub const MAX_ADDED_LEN: usize = 64;
/// Most frames in one vPDQ entry.
pub const MAX_VPDQ_FRAMES: usize = 1_000_000;

/// File holding a bank's name, label, description, creation time and next id.
pub const BANK_FILE: &str = "bank.json";
/// File holding a bank's entries, one JSON object per line.
pub const ENTRIES_FILE: &str = "entries.jsonl";
/// Version of the on-disk layout written in `bank.json`.
pub const LAYOUT_VERSION: u32 = 1;

// ---------------------------------------------------------------------------------------------
// Kinds and values
// ---------------------------------------------------------------------------------------------

/// What kind of hash an entry holds. The kind is always explicit: a SHA-256 and a PDQ hash are
/// both 64 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A PDQ image hash (256 bits, 64 hex digits), matched within a Hamming radius.
    Pdq,
    /// An MD5 file digest (32 hex digits), matched exactly.
    Md5,
    /// A SHA-256 file digest (64 hex digits), matched exactly.
    Sha256,
    /// A vPDQ video hash (one PDQ hash per frame), matched frame by frame.
    Vpdq,
}

impl EntryKind {
    /// Every kind.
    pub const ALL: [EntryKind; 4] = [
        EntryKind::Pdq,
        EntryKind::Md5,
        EntryKind::Sha256,
        EntryKind::Vpdq,
    ];

    /// The kind's name: `pdq`, `md5`, `sha256` or `vpdq`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Pdq => "pdq",
            EntryKind::Md5 => "md5",
            EntryKind::Sha256 => "sha256",
            EntryKind::Vpdq => "vpdq",
        }
    }

    /// Parses a kind's name (exactly as [`as_str`](Self::as_str) writes it).
    pub fn parse(name: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntryKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntryKind::parse(s)
            .ok_or_else(|| format!("unknown hash kind {s:?}; the kinds are pdq, md5, sha256, vpdq"))
    }
}

/// Why a string is not a digest of the expected length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// Wrong number of characters.
    #[error("expected {expected} hex digits, found {found} characters")]
    Length {
        /// Hex digits expected.
        expected: usize,
        /// Characters found.
        found: usize,
    },
    /// A character that is not a hex digit.
    #[error("{0:?} is not a hex digit")]
    Digit(char),
}

fn parse_hex<const N: usize>(s: &str) -> Result<[u8; N], HexError> {
    let s = s.trim();
    if s.len() != 2 * N {
        return Err(HexError::Length {
            expected: 2 * N,
            found: s.chars().count(),
        });
    }
    let mut out = [0u8; N];
    let digits: Vec<char> = s.chars().collect();
    for (i, pair) in digits.chunks(2).enumerate() {
        let hi = pair[0].to_digit(16).ok_or(HexError::Digit(pair[0]))?;
        let lo = pair[1].to_digit(16).ok_or(HexError::Digit(pair[1]))?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Ok(out)
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// An MD5 digest; its text form is 32 lowercase hex digits (upper case is accepted on input).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Md5Digest(pub [u8; 16]);

/// A SHA-256 digest; its text form is 64 lowercase hex digits (upper case is accepted on input).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

macro_rules! digest_impls {
    ($t:ident, $n:literal) => {
        impl FromStr for $t {
            type Err = HexError;
            fn from_str(s: &str) -> Result<Self, HexError> {
                parse_hex::<$n>(s).map($t)
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(f, &self.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), "({})"), self)
            }
        }
    };
}
digest_impls!(Md5Digest, 16);
digest_impls!(Sha256Digest, 32);

/// The hash an entry holds.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryValue {
    /// A PDQ image hash.
    Pdq(Hash256),
    /// An MD5 digest.
    Md5(Md5Digest),
    /// A SHA-256 digest.
    Sha256(Sha256Digest),
    /// A vPDQ video hash: its frames, in order.
    Vpdq(Vec<VpdqFrame>),
}

impl EntryValue {
    /// The value's kind.
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryValue::Pdq(_) => EntryKind::Pdq,
            EntryValue::Md5(_) => EntryKind::Md5,
            EntryValue::Sha256(_) => EntryKind::Sha256,
            EntryValue::Vpdq(_) => EntryKind::Vpdq,
        }
    }

    /// Parses a value of the given kind from its text form: hex digits for the digests, the
    /// vPDQ reference text (`frame,quality,pdq_hex,timestamp` lines) for a video.
    pub fn parse(kind: EntryKind, text: &str) -> Result<EntryValue, EntryError> {
        let value_error = |reason: String| EntryError::Value { kind, reason };
        match kind {
            EntryKind::Pdq => text
                .parse::<Hash256>()
                .map(EntryValue::Pdq)
                .map_err(|e| value_error(e.to_string())),
            EntryKind::Md5 => text
                .parse::<Md5Digest>()
                .map(EntryValue::Md5)
                .map_err(|e| value_error(format!("an MD5 digest is 32 hex digits: {e}"))),
            EntryKind::Sha256 => text
                .parse::<Sha256Digest>()
                .map(EntryValue::Sha256)
                .map_err(|e| value_error(format!("a SHA-256 digest is 64 hex digits: {e}"))),
            EntryKind::Vpdq => exchange::vpdq_from_text(text)
                .map(EntryValue::Vpdq)
                .map_err(|issue| value_error(issue.to_string())),
        }
    }

    /// The text form: lowercase hex for the digests, the vPDQ reference text for a video
    /// (one `frame,quality,pdq_hex,timestamp` line per frame, each ending in a newline).
    pub fn to_text(&self) -> String {
        match self {
            EntryValue::Pdq(h) => h.to_string(),
            EntryValue::Md5(d) => d.to_string(),
            EntryValue::Sha256(d) => d.to_string(),
            EntryValue::Vpdq(frames) => exchange::vpdq_to_text(frames),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

/// One hash in a bank.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Id, unique and stable within the bank (never reused after a removal).
    pub id: EntryId,
    /// The hash.
    pub value: EntryValue,
    /// Where it came from, e.g. `threatexchange:descriptor 123`, `ngo:xyz`, `reviewer`.
    pub source: String,
    /// Free tags (no whitespace inside a tag).
    pub tags: Vec<String>,
    /// When it was added, ISO 8601 as given (`2021-05-07T18:07:52+0000`, `2026-11-28`...).
    pub added: String,
    /// Disabled entries never match.
    pub enabled: bool,
    /// Optional free text.
    pub note: Option<String>,
}

impl Entry {
    /// The entry's kind.
    pub fn kind(&self) -> EntryKind {
        self.value.kind()
    }

    /// The entry as one line of JSON (no newline), as in `entries.jsonl` and the JSON Lines
    /// export: `{"id":1,"kind":"pdq","value":"…","source":"…","tags":[…],"added":"…","enabled":true}`
    /// (plus `"note"` when there is one).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("an entry always serialises")
    }
}

/// A hash to add to a bank.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// Id wanted (kept when no other entry of the bank has it; otherwise a new id is given).
    pub id: Option<EntryId>,
    /// The hash.
    pub value: EntryValue,
    /// Where it came from (1 to [`MAX_SOURCE_LEN`] bytes).
    pub source: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// When it was added; `None` means now.
    pub added: Option<String>,
    /// Disabled entries never match.
    pub enabled: bool,
    /// Optional free text.
    pub note: Option<String>,
}

impl NewEntry {
    /// An enabled entry with no tags, no note, added now.
    pub fn new(value: EntryValue, source: impl Into<String>) -> Self {
        NewEntry {
            id: None,
            value,
            source: source.into(),
            tags: Vec::new(),
            added: None,
            enabled: true,
            note: None,
        }
    }
}

/// Why an entry's field is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EntryError {
    /// The value is not a hash of its kind.
    #[error("not a valid {kind} value: {reason}")]
    Value {
        /// The kind expected.
        kind: EntryKind,
        /// What is wrong.
        reason: String,
    },
    /// A field over its length limit.
    #[error("field `{field}` is {len} bytes long; the limit is {limit}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A list field with too many items.
    #[error("field `{field}` has {count} items; the limit is {limit}")]
    TooMany {
        /// The field.
        field: &'static str,
        /// Items found.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Any other problem with a field.
    #[error("field `{field}`: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn check_len(field: &'static str, s: &str, limit: usize) -> Result<(), EntryError> {
    if s.len() > limit {
        return Err(EntryError::TooLong {
            field,
            len: s.len(),
            limit,
        });
    }
    Ok(())
}

fn invalid(field: &'static str, reason: impl Into<String>) -> EntryError {
    EntryError::Invalid {
        field,
        reason: reason.into(),
    }
}

fn validate_source(source: &str) -> Result<(), EntryError> {
    check_len("source", source, MAX_SOURCE_LEN)?;
    if source.trim().is_empty() {
        return Err(invalid("source", "empty"));
    }
    if source.chars().any(char::is_control) {
        return Err(invalid("source", "contains a control character"));
    }
    Ok(())
}

fn validate_tags(tags: &[String]) -> Result<(), EntryError> {
    if tags.len() > MAX_TAGS {
        return Err(EntryError::TooMany {
            field: "tags",
            count: tags.len(),
            limit: MAX_TAGS,
        });
    }
    for tag in tags {
        check_len("tags", tag, MAX_TAG_LEN)?;
        if tag.is_empty() {
            return Err(invalid("tags", "empty tag"));
        }
        if tag.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "tags",
                format!("tag {tag:?} contains whitespace or a control character"),
            ));
        }
    }
    Ok(())
}

/// Checks an `added` date: ISO 8601 beginning with `YYYY-MM-DD`, no whitespace.
pub(crate) fn validate_added(added: &str) -> Result<(), EntryError> {
    check_len("added", added, MAX_ADDED_LEN)?;
    let b = added.as_bytes();
    let date_ok = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if !date_ok {
        return Err(invalid(
            "added",
            format!("{added:?} is not an ISO 8601 date (YYYY-MM-DD…)"),
        ));
    }
    if added.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("added", format!("{added:?} contains whitespace")));
    }
    Ok(())
}

fn validate_note(note: &Option<String>) -> Result<(), EntryError> {
    if let Some(note) = note {
        check_len("note", note, MAX_NOTE_LEN)?;
    }
    Ok(())
}

fn validate_value(value: &EntryValue) -> Result<(), EntryError> {
    if let EntryValue::Vpdq(frames) = value {
        if frames.is_empty() {
            return Err(EntryError::Value {
                kind: EntryKind::Vpdq,
                reason: "a video has at least one frame".into(),
            });
        }
        if frames.len() > MAX_VPDQ_FRAMES {
            return Err(EntryError::TooMany {
                field: "value",
                count: frames.len(),
                limit: MAX_VPDQ_FRAMES,
            });
        }
        for f in frames {
            exchange::check_frame(f).map_err(|reason| EntryError::Value {
                kind: EntryKind::Vpdq,
                reason: format!("frame {}: {reason}", f.frame),
            })?;
        }
    }
    Ok(())
}

fn validate_entry(e: &Entry) -> Result<(), EntryError> {
    validate_value(&e.value)?;
    validate_source(&e.source)?;
    validate_tags(&e.tags)?;
    validate_added(&e.added)?;
    validate_note(&e.note)
}

// --- JSON form of an entry -------------------------------------------------------------------

#[derive(Serialize)]
#[serde(untagged)]
enum ValueOut {
    Text(String),
    Frames(Vec<String>),
}

#[derive(Serialize)]
struct EntryOut<'a> {
    id: EntryId,
    kind: EntryKind,
    value: ValueOut,
    source: &'a str,
    tags: &'a [String],
    added: &'a str,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let value = match &self.value {
            EntryValue::Vpdq(frames) => {
                ValueOut::Frames(frames.iter().map(exchange::vpdq_frame_line).collect())
            }
            other => ValueOut::Text(other.to_text()),
        };
        EntryOut {
            id: self.id,
            kind: self.kind(),
            value,
            source: &self.source,
            tags: &self.tags,
            added: &self.added,
            enabled: self.enabled,
            note: self.note.as_deref(),
        }
        .serialize(s)
    }
}

/// An entry as read from JSON: everything but `kind` and `value` may be missing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryRecord {
    #[serde(default)]
    pub id: Option<EntryId>,
    pub kind: String,
    pub value: serde_json::Value,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub added: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
}

impl EntryRecord {
    /// The value, checked against the kind.
    pub(crate) fn value(&self) -> Result<EntryValue, EntryError> {
        let kind = EntryKind::parse(&self.kind).ok_or_else(|| {
            invalid(
                "kind",
                format!(
                    "unknown kind {:?}; the kinds are pdq, md5, sha256, vpdq",
                    self.kind
                ),
            )
        })?;
        match (&self.value, kind) {
            (serde_json::Value::String(s), _) => EntryValue::parse(kind, s),
            (serde_json::Value::Array(items), EntryKind::Vpdq) => {
                let mut frames = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let frame = match item {
                        serde_json::Value::String(line) => exchange::parse_vpdq_frame(line),
                        obj @ serde_json::Value::Object(_) => {
                            VpdqFrame::deserialize(obj).map_err(|e| e.to_string())
                        }
                        _ => Err("a frame is a \"frame,quality,pdq_hex,timestamp\" string".into()),
                    }
                    .map_err(|reason| EntryError::Value {
                        kind,
                        reason: format!("frame #{i}: {reason}"),
                    })?;
                    frames.push(frame);
                }
                Ok(EntryValue::Vpdq(frames))
            }
            (_, EntryKind::Vpdq) => Err(invalid(
                "value",
                "a vpdq value is an array of \"frame,quality,pdq_hex,timestamp\" strings",
            )),
            (_, _) => Err(invalid("value", format!("a {kind} value is a hex string"))),
        }
    }
}

/// Reads one stored line (all fields required but `note`, `tags` and `enabled`).
fn entry_from_stored_line(line: &str) -> Result<Entry, String> {
    let record: EntryRecord = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let value = record.value().map_err(|e| e.to_string())?;
    let missing = |field: &str| format!("missing field `{field}`");
    let entry = Entry {
        id: record.id.ok_or_else(|| missing("id"))?,
        value,
        source: record.source.ok_or_else(|| missing("source"))?,
        tags: record.tags,
        added: record.added.ok_or_else(|| missing("added"))?,
        enabled: record.enabled.unwrap_or(true),
        note: record.note,
    };
    validate_entry(&entry).map_err(|e| e.to_string())?;
    Ok(entry)
}

// ---------------------------------------------------------------------------------------------
// Errors and problems
// ---------------------------------------------------------------------------------------------

/// Why a bank operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// A bank name outside the rules.
    #[error("invalid bank name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A label that is not one of Vigie's six.
    #[error("unknown label {label:?}; a bank's label is one of: {}", label_names())]
    InvalidLabel {
        /// The label given.
        label: String,
    },
    /// A bank description over [`MAX_DESCRIPTION_LEN`].
    #[error("bank description is {len} bytes long; the limit is {limit}")]
    DescriptionTooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// Creating a bank that exists.
    #[error("bank {0:?} already exists")]
    AlreadyExists(String),
    /// No bank of that name.
    #[error("no bank named {0:?}")]
    NoSuchBank(String),
    /// No entry of that id.
    #[error("bank {bank:?} has no entry {id}")]
    NoSuchEntry {
        /// The bank.
        bank: String,
        /// The id asked for.
        id: EntryId,
    },
    /// The bank already holds this kind and value.
    #[error("bank {bank:?} already holds this {kind} value as entry {existing}")]
    Duplicate {
        /// The bank.
        bank: String,
        /// The kind.
        kind: EntryKind,
        /// The entry holding it.
        existing: EntryId,
    },
    /// An invalid entry.
    #[error("bank {bank:?}: {source}")]
    Entry {
        /// The bank.
        bank: String,
        /// What is wrong with the entry.
        source: EntryError,
    },
    /// A file that cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// A `bank.json` that cannot be understood.
    #[error("{}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The [`BankPersistence`] (a database) failed.
    #[error("bank storage: {0}")]
    Persistence(String),
}

fn label_names() -> String {
    Label::ALL.map(Label::as_str).join(", ")
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BankError + '_ {
    move |source| BankError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A line or bank that could not be loaded, and was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadProblem {
    /// The file.
    pub file: PathBuf,
    /// The line (1-based), when the problem is one line.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// Parses one of Vigie's six label names (`extortion.ransom`, `smuggling.advertisement`...).
pub fn parse_label(name: &str) -> Result<Label, BankError> {
    Label::parse(name).ok_or_else(|| BankError::InvalidLabel {
        label: name.to_string(),
    })
}

/// Checks a bank name: 1 to [`MAX_BANK_NAME_LEN`] characters among `a-z 0-9 - _`, starting
/// with a letter or digit.
pub fn validate_bank_name(name: &str) -> Result<(), BankError> {
    let fail = |reason: &str| {
        Err(BankError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return fail("empty");
    }
    if name.len() > MAX_BANK_NAME_LEN {
        return Err(BankError::InvalidName {
            name: name.to_string(),
            reason: format!(
                "{} characters long; the limit is {MAX_BANK_NAME_LEN}",
                name.len()
            ),
        });
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        return fail("only lowercase letters a-z, digits, '-' and '_' are allowed");
    }
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return fail("must start with a letter or a digit");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Matches
// ---------------------------------------------------------------------------------------------

/// How much of two videos match (vPDQ).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VideoScores {
    /// Percentage of the query's frames that match a frame of the stored video.
    pub query_match_percent: f64,
    /// Percentage of the stored video's frames that match a frame of the query.
    pub compared_match_percent: f64,
}

/// One bank entry that matches a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BankMatch {
    /// The bank's name.
    pub bank: String,
    /// The bank's label.
    pub label: Label,
    /// The entry's id in its bank.
    pub entry: EntryId,
    /// The entry's kind.
    pub kind: EntryKind,
    /// Hamming distance for PDQ; 0 for exact (MD5, SHA-256) and video matches.
    pub distance: u32,
    /// The entry's source.
    pub source: String,
    /// The entry's tags.
    pub tags: Vec<String>,
    /// Match percentages, for a video match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoScores>,
}

fn sort_matches(matches: &mut [BankMatch]) {
    matches.sort_by(|a, b| {
        a.distance
            .cmp(&b.distance)
            .then_with(|| {
                let score = |m: &BankMatch| {
                    m.video
                        .map(|v| (v.query_match_percent, v.compared_match_percent))
                        .unwrap_or((0.0, 0.0))
                };
                let (aq, ac) = score(a);
                let (bq, bc) = score(b);
                bq.total_cmp(&aq).then(bc.total_cmp(&ac))
            })
            .then_with(|| a.bank.cmp(&b.bank))
            .then_with(|| a.entry.cmp(&b.entry))
    });
}

// ---------------------------------------------------------------------------------------------
// Bank
// ---------------------------------------------------------------------------------------------

/// `bank.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BankMeta {
    layout: u32,
    name: String,
    label: String,
    #[serde(default)]
    description: String,
    created: String,
    next_id: EntryId,
}

/// A bank's metadata, as kept by a [`BankPersistence`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankInfo {
    /// The bank's name.
    pub name: String,
    /// The label its matches carry.
    pub label: Label,
    /// Free description.
    pub description: String,
    /// When it was created (RFC 3339).
    pub created: String,
    /// The next id to give (ids are never reused).
    pub next_id: EntryId,
}

/// A bank as read back from a [`BankPersistence`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBank {
    /// Its metadata.
    pub info: BankInfo,
    /// Its entries, in any order.
    pub entries: Vec<Entry>,
}

/// Where a [`BankSet`] opened with [`BankSet::open_with`] keeps its banks (the server keeps
/// them in its database). Banks opened with [`BankSet::open`] use their directory's files.
///
/// Every method is one durable change: when it returns `Ok`, the change is stored.
pub trait BankPersistence: Send + Sync + fmt::Debug {
    /// Every stored bank, with its entries.
    fn load_banks(&self) -> Result<Vec<StoredBank>, BankError>;
    /// Stores a new, empty bank; [`BankError::AlreadyExists`] when one has that name.
    fn create_bank(&self, info: &BankInfo) -> Result<(), BankError>;
    /// Replaces a bank's metadata and entries with these.
    fn save_bank(&self, info: &BankInfo, entries: &[&Entry]) -> Result<(), BankError>;
    /// Deletes a bank and its entries; [`BankError::NoSuchBank`] when there is none.
    fn delete_bank(&self, name: &str) -> Result<(), BankError>;
}

/// Key for duplicate detection of the hash kinds (a video is keyed by a fingerprint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey {
    Pdq(Hash256),
    Md5(Md5Digest),
    Sha256(Sha256Digest),
}

fn value_key(v: &EntryValue) -> Option<ValueKey> {
    match v {
        EntryValue::Pdq(h) => Some(ValueKey::Pdq(*h)),
        EntryValue::Md5(d) => Some(ValueKey::Md5(*d)),
        EntryValue::Sha256(d) => Some(ValueKey::Sha256(*d)),
        EntryValue::Vpdq(_) => None,
    }
}

fn video_fingerprint(frames: &[VpdqFrame]) -> u64 {
    let mut h = DefaultHasher::new();
    for f in frames {
        (f.frame, f.quality, f.hash, f.timestamp.to_bits()).hash(&mut h);
    }
    h.finish()
}

/// A named, labelled list of hashes, kept in memory with its indexes and persisted in its own
/// directory: `bank.json` (name, label, description, creation time, next id) and
/// `entries.jsonl` (one entry per line). Every change rewrites the changed files through a
/// temporary file and a rename. `docs/hash-banks.md` describes the layout for users.
#[derive(Debug)]
pub struct Bank {
    dir: PathBuf,
    meta: BankMeta,
    label: Label,
    entries: BTreeMap<EntryId, Entry>,
    by_value: HashMap<ValueKey, EntryId>,
    videos_by_fingerprint: HashMap<u64, Vec<EntryId>>,
    pdq: HammingIndex,
    video: VideoIndex,
    problems: Vec<LoadProblem>,
    backup_pending: bool,
    /// Where changes are written; `None` means the files in `dir`.
    backend: Option<Arc<dyn BankPersistence>>,
}

/// Outcome of adding one entry in memory.
pub(crate) enum AddOutcome {
    Added(EntryId),
    Duplicate(EntryId),
}

impl Bank {
    /// Creates a new, empty bank in directory `dir`, which must not exist. In a [`BankSet`] the
    /// directory is `DIR/<name>`, and [`BankSet::open`] only loads a bank whose directory has
    /// its name.
    ///
    /// The directory is written under a temporary name and renamed, so a half-created bank is
    /// never seen.
    pub fn create(
        dir: impl AsRef<Path>,
        name: &str,
        label: Label,
        description: &str,
    ) -> Result<Bank, BankError> {
        let dir = dir.as_ref().to_path_buf();
        validate_bank_name(name)?;
        if description.len() > MAX_DESCRIPTION_LEN {
            return Err(BankError::DescriptionTooLong {
                len: description.len(),
                limit: MAX_DESCRIPTION_LEN,
            });
        }
        if dir.exists() {
            return Err(BankError::AlreadyExists(name.to_string()));
        }
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_err(parent))?;
        let tmp = parent.join(format!(".{name}.creating-{}", unique_suffix()));
        fs::create_dir(&tmp).map_err(io_err(&tmp))?;
        let meta = BankMeta {
            layout: LAYOUT_VERSION,
            name: name.to_string(),
            label: label.as_str().to_string(),
            description: description.to_string(),
            created: now_rfc3339(),
            next_id: 1,
        };
        let result = (|| {
            write_meta(&tmp, &meta)?;
            write_atomic(&tmp.join(ENTRIES_FILE), |_| Ok(()))?;
            fs::rename(&tmp, &dir).map_err(io_err(&dir))?;
            sync_dir(parent);
            Ok(())
        })();
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e);
        }
        Ok(Bank::empty(dir, meta, label))
    }

    fn empty(dir: PathBuf, meta: BankMeta, label: Label) -> Bank {
        Bank {
            dir,
            meta,
            label,
            entries: BTreeMap::new(),
            by_value: HashMap::new(),
            videos_by_fingerprint: HashMap::new(),
            pdq: HammingIndex::new(),
            video: VideoIndex::new(),
            problems: Vec::new(),
            backup_pending: false,
            backend: None,
        }
    }

    /// Builds a bank read back from a persistence: an entry that is invalid or repeats an id or
    /// a value is skipped and listed in [`load_problems`](Self::load_problems).
    fn from_stored(stored: StoredBank, backend: Arc<dyn BankPersistence>) -> Bank {
        let StoredBank { info, mut entries } = stored;
        let meta = BankMeta {
            layout: LAYOUT_VERSION,
            name: info.name,
            label: info.label.as_str().to_string(),
            description: info.description,
            created: info.created,
            next_id: info.next_id,
        };
        let place = PathBuf::from(format!("bank {}", meta.name));
        let mut bank = Bank::empty(PathBuf::new(), meta, info.label);
        bank.backend = Some(backend);
        entries.sort_by_key(|e| e.id);
        let mut pdq = Vec::new();
        for entry in entries {
            let problem = |reason: String| LoadProblem {
                file: place.clone(),
                line: None,
                reason: format!("entry {}: {reason}", entry.id),
            };
            if let Err(e) = validate_entry(&entry) {
                bank.problems.push(problem(e.to_string()));
                continue;
            }
            if bank.entries.contains_key(&entry.id) {
                bank.problems.push(problem("id appears twice".into()));
                continue;
            }
            if let Some(existing) = bank.find_id(&entry.value) {
                let reason = format!("same {} value as entry {existing}", entry.kind());
                bank.problems.push(problem(reason));
                continue;
            }
            if let (true, EntryValue::Pdq(h)) = (entry.enabled, &entry.value) {
                pdq.push((entry.id, *h));
            }
            bank.insert_mem(entry, false);
        }
        bank.pdq = HammingIndex::build(pdq);
        bank
    }

    /// The bank's metadata.
    pub fn info(&self) -> BankInfo {
        BankInfo {
            name: self.meta.name.clone(),
            label: self.label,
            description: self.meta.description.clone(),
            created: self.meta.created.clone(),
            next_id: self.meta.next_id,
        }
    }

    /// Writes the metadata only (the whole bank when it lives in a [`BankPersistence`]).
    fn write_meta(&self) -> Result<(), BankError> {
        match &self.backend {
            Some(backend) => {
                let entries: Vec<&Entry> = self.entries.values().collect();
                backend.save_bank(&self.info(), &entries)
            }
            None => write_meta(&self.dir, &self.meta),
        }
    }

    /// Opens the bank in `dir` and builds its indexes.
    ///
    /// An unreadable `bank.json` is an error. A line of `entries.jsonl` that cannot be read
    /// (bad JSON, bad value, duplicate id or value) is skipped and listed in
    /// [`load_problems`](Self::load_problems) with its line number; the other lines load.
    /// Before the first change is written, the original `entries.jsonl` is copied to
    /// `entries.jsonl.corrupt-<unix seconds>` so the skipped lines are never lost.
    pub fn open(dir: impl AsRef<Path>) -> Result<Bank, BankError> {
        let dir = dir.as_ref().to_path_buf();
        let meta_path = dir.join(BANK_FILE);
        let text = fs::read_to_string(&meta_path).map_err(io_err(&meta_path))?;
        let corrupt = |reason: String| BankError::Corrupt {
            path: meta_path.clone(),
            reason,
        };
        let meta: BankMeta = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if meta.layout != LAYOUT_VERSION {
            return Err(corrupt(format!(
                "layout version {} is not supported (this Vigie reads {LAYOUT_VERSION})",
                meta.layout
            )));
        }
        validate_bank_name(&meta.name).map_err(|e| corrupt(e.to_string()))?;
        let label = parse_label(&meta.label).map_err(|e| corrupt(e.to_string()))?;
        let mut bank = Bank::empty(dir, meta, label);

        let entries_path = bank.dir.join(ENTRIES_FILE);
        let file = match fs::File::open(&entries_path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(&entries_path)(e)),
        };
        let mut pdq = Vec::new();
        if let Some(file) = file {
            let mut reader = BufReader::new(file);
            let mut buf = Vec::new();
            let mut line_no = 0usize;
            loop {
                buf.clear();
                let n = reader
                    .read_until(b'\n', &mut buf)
                    .map_err(io_err(&entries_path))?;
                if n == 0 {
                    break;
                }
                line_no += 1;
                let problem = |reason: String| LoadProblem {
                    file: entries_path.clone(),
                    line: Some(line_no),
                    reason,
                };
                let line = match std::str::from_utf8(&buf) {
                    Ok(l) => l.trim(),
                    Err(e) => {
                        bank.problems.push(problem(format!("not UTF-8: {e}")));
                        continue;
                    }
                };
                if line.is_empty() {
                    continue;
                }
                let entry = match entry_from_stored_line(line) {
                    Ok(e) => e,
                    Err(reason) => {
                        bank.problems.push(problem(reason));
                        continue;
                    }
                };
                if bank.entries.contains_key(&entry.id) {
                    bank.problems
                        .push(problem(format!("id {} appears twice", entry.id)));
                    continue;
                }
                if let Some(existing) = bank.find_id(&entry.value) {
                    bank.problems.push(problem(format!(
                        "same {} value as entry {existing}",
                        entry.kind()
                    )));
                    continue;
                }
                if let (true, EntryValue::Pdq(h)) = (entry.enabled, &entry.value) {
                    pdq.push((entry.id, *h));
                }
                bank.insert_mem(entry, false);
            }
        }
        bank.pdq = HammingIndex::build(pdq);
        bank.backup_pending = !bank.problems.is_empty();
        Ok(bank)
    }

    /// The bank's name.
    pub fn name(&self) -> &str {
        &self.meta.name
    }

    /// The bank's label.
    pub fn label(&self) -> Label {
        self.label
    }

    /// The bank's description.
    pub fn description(&self) -> &str {
        &self.meta.description
    }

    /// When the bank was created (RFC 3339, UTC).
    pub fn created(&self) -> &str {
        &self.meta.created
    }

    /// The bank's directory (empty for a bank kept by a [`BankPersistence`]).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of entries (enabled or not).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the bank holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of entries of each kind present.
    pub fn kind_counts(&self) -> BTreeMap<EntryKind, usize> {
        let mut counts = BTreeMap::new();
        for e in self.entries.values() {
            *counts.entry(e.kind()).or_insert(0) += 1;
        }
        counts
    }

    /// Every entry, by id.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The entry with this id.
    pub fn get(&self, id: EntryId) -> Option<&Entry> {
        self.entries.get(&id)
    }

    /// The entry holding exactly this value (enabled or not).
    pub fn find(&self, value: &EntryValue) -> Option<&Entry> {
        self.find_id(value).and_then(|id| self.entries.get(&id))
    }

    /// Lines and files skipped when the bank was opened.
    pub fn load_problems(&self) -> &[LoadProblem] {
        &self.problems
    }

    fn find_id(&self, value: &EntryValue) -> Option<EntryId> {
        match value {
            EntryValue::Vpdq(frames) => self
                .videos_by_fingerprint
                .get(&video_fingerprint(frames))?
                .iter()
                .copied()
                .find(|id| self.entries.get(id).map(|e| &e.value) == Some(value)),
            other => value_key(other).and_then(|k| self.by_value.get(&k).copied()),
        }
    }

    // --- in-memory changes -------------------------------------------------------------------

    /// Adds to memory and the indexes (`index_pdq`: also into the PDQ index, false while
    /// opening, which builds it at once).
    fn insert_mem(&mut self, entry: Entry, index_pdq: bool) {
        let id = entry.id;
        match &entry.value {
            EntryValue::Vpdq(frames) => {
                self.videos_by_fingerprint
                    .entry(video_fingerprint(frames))
                    .or_default()
                    .push(id);
                if entry.enabled {
                    self.video.insert(id, frames);
                }
            }
            other => {
                let key = value_key(other).expect("a hash value");
                self.by_value.insert(key, id);
                if let (true, true, EntryValue::Pdq(h)) = (index_pdq, entry.enabled, other) {
                    self.pdq.insert(id, *h);
                }
            }
        }
        if id >= self.meta.next_id {
            self.meta.next_id = id.saturating_add(1);
        }
        self.entries.insert(id, entry);
    }

    fn remove_mem(&mut self, id: EntryId) -> Option<Entry> {
        let entry = self.entries.remove(&id)?;
        match &entry.value {
            EntryValue::Vpdq(frames) => {
                let fp = video_fingerprint(frames);
                if let Some(ids) = self.videos_by_fingerprint.get_mut(&fp) {
                    ids.retain(|&i| i != id);
                    if ids.is_empty() {
                        self.videos_by_fingerprint.remove(&fp);
                    }
                }
                self.video.remove(id);
            }
            other => {
                self.by_value
                    .remove(&value_key(other).expect("a hash value"));
                self.pdq.remove(id);
            }
        }
        Some(entry)
    }

    fn set_enabled_mem(&mut self, id: EntryId, enabled: bool) {
        let Some(entry) = self.entries.get_mut(&id) else {
            return;
        };
        if entry.enabled == enabled {
            return;
        }
        entry.enabled = enabled;
        match (&entry.value, enabled) {
            (EntryValue::Pdq(h), true) => self.pdq.insert(id, *h),
            (EntryValue::Pdq(_), false) => {
                self.pdq.remove(id);
            }
            (EntryValue::Vpdq(frames), true) => {
                self.video.insert(id, frames);
            }
            (EntryValue::Vpdq(_), false) => {
                self.video.remove(id);
            }
            _ => {}
        }
    }

    /// Validates and adds one entry in memory (not persisted).
    pub(crate) fn add_mem(&mut self, new: NewEntry) -> Result<AddOutcome, EntryError> {
        validate_value(&new.value)?;
        validate_source(&new.source)?;
        validate_tags(&new.tags)?;
        validate_note(&new.note)?;
        let added = match new.added {
            Some(a) if !a.trim().is_empty() => a.trim().to_string(),
            _ => now_rfc3339(),
        };
        validate_added(&added)?;
        if let Some(existing) = self.find_id(&new.value) {
            return Ok(AddOutcome::Duplicate(existing));
        }
        let id = match new.id {
            Some(id) if !self.entries.contains_key(&id) && id != EntryId::MAX => id,
            _ => self.fresh_id()?,
        };
        self.insert_mem(
            Entry {
                id,
                value: new.value,
                source: new.source,
                tags: new.tags,
                added,
                enabled: new.enabled,
                note: new.note,
            },
            true,
        );
        Ok(AddOutcome::Added(id))
    }

    fn fresh_id(&self) -> Result<EntryId, EntryError> {
        let mut id = self.meta.next_id.max(1);
        while self.entries.contains_key(&id) {
            id = id
                .checked_add(1)
                .ok_or_else(|| invalid("id", "no id left"))?;
        }
        if id == EntryId::MAX {
            return Err(invalid("id", "no id left"));
        }
        Ok(id)
    }

    // --- persisted changes -------------------------------------------------------------------

    /// Adds an entry and writes the bank. A value already in the bank (same kind and value,
    /// enabled or not) is refused with [`BankError::Duplicate`].
    pub fn add(&mut self, entry: NewEntry) -> Result<EntryId, BankError> {
        let kind = entry.value.kind();
        let next_id = self.meta.next_id;
        match self.add_mem(entry).map_err(|source| BankError::Entry {
            bank: self.name().to_string(),
            source,
        })? {
            AddOutcome::Duplicate(existing) => Err(BankError::Duplicate {
                bank: self.name().to_string(),
                kind,
                existing,
            }),
            AddOutcome::Added(id) => {
                if let Err(e) = self.persist() {
                    self.remove_mem(id);
                    self.meta.next_id = next_id;
                    return Err(e);
                }
                Ok(id)
            }
        }
    }

    /// Removes an entry and writes the bank; false when there was none with that id. Its id is
    /// not reused.
    pub fn remove(&mut self, id: EntryId) -> Result<bool, BankError> {
        let Some(entry) = self.remove_mem(id) else {
            return Ok(false);
        };
        if let Err(e) = self.persist() {
            self.insert_mem(entry, true);
            return Err(e);
        }
        Ok(true)
    }

    /// Enables or disables an entry and writes the bank; false when there was none with that id.
    pub fn set_enabled(&mut self, id: EntryId, enabled: bool) -> Result<bool, BankError> {
        let Some(before) = self.entries.get(&id).map(|e| e.enabled) else {
            return Ok(false);
        };
        if before == enabled {
            return Ok(true);
        }
        self.set_enabled_mem(id, enabled);
        if let Err(e) = self.persist() {
            self.set_enabled_mem(id, before);
            return Err(e);
        }
        Ok(true)
    }

    /// Changes the bank's label and writes it.
    pub fn set_label(&mut self, label: Label) -> Result<(), BankError> {
        let before = std::mem::replace(&mut self.meta.label, label.as_str().to_string());
        let before_label = std::mem::replace(&mut self.label, label);
        if let Err(e) = self.write_meta() {
            self.meta.label = before;
            self.label = before_label;
            return Err(e);
        }
        Ok(())
    }

    /// Changes the bank's description and writes it.
    pub fn set_description(&mut self, description: &str) -> Result<(), BankError> {
        if description.len() > MAX_DESCRIPTION_LEN {
            return Err(BankError::DescriptionTooLong {
                len: description.len(),
                limit: MAX_DESCRIPTION_LEN,
            });
        }
        let before = std::mem::replace(&mut self.meta.description, description.to_string());
        if let Err(e) = self.write_meta() {
            self.meta.description = before;
            return Err(e);
        }
        Ok(())
    }

    /// Writes `bank.json` and `entries.jsonl` (each through a temporary file and a rename).
    fn persist(&mut self) -> Result<(), BankError> {
        if self.backend.is_some() {
            return self.write_meta();
        }
        let entries_path = self.dir.join(ENTRIES_FILE);
        if self.backup_pending {
            let backup = self.dir.join(format!(
                "{ENTRIES_FILE}.corrupt-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0)
            ));
            fs::copy(&entries_path, &backup).map_err(io_err(&backup))?;
            self.backup_pending = false;
        }
        // bank.json first: an id is never given twice even if the second write fails.
        write_meta(&self.dir, &self.meta)?;
        write_atomic(&entries_path, |w| {
            for e in self.entries.values() {
                w.write_all(e.to_json_line().as_bytes())?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
    }

    // --- import and export -------------------------------------------------------------------

    /// Imports a hash list read from `input` and writes the bank once at the end.
    ///
    /// `name` is the file name (used in messages, and to tell the hash kind of formats that do
    /// not carry it: `pdq.csv`, `video_md5.csv`...; give `-` for standard input). The format is
    /// detected from the content unless [`ImportOptions::format`] is set. A bad line is skipped
    /// and reported with its number; a value already in the bank is counted as a duplicate.
    /// Nothing is added if writing fails.
    pub fn import(
        &mut self,
        input: impl Read,
        name: &str,
        opts: &ImportOptions,
    ) -> Result<ImportReport, ImportError> {
        let next_id = self.meta.next_id;
        let mut added = Vec::new();
        let result =
            exchange::read_entries(input, name, opts, &mut |new| match self.add_mem(new) {
                Ok(AddOutcome::Added(id)) => {
                    added.push(id);
                    exchange::Outcome::Added
                }
                Ok(AddOutcome::Duplicate(_)) => exchange::Outcome::Duplicate,
                Err(e) => exchange::Outcome::Rejected(e.to_string()),
            });
        let result = result.and_then(|report| {
            if report.added > 0 {
                self.persist().map_err(ImportError::Bank)?;
            }
            Ok(report)
        });
        if result.is_err() {
            for id in added {
                self.remove_mem(id);
            }
            self.meta.next_id = next_id;
        }
        result
    }

    /// Imports a file; see [`import`](Self::import).
    pub fn import_file(
        &mut self,
        path: impl AsRef<Path>,
        opts: &ImportOptions,
    ) -> Result<ImportReport, ImportError> {
        let path = path.as_ref();
        let file = fs::File::open(path).map_err(|source| ImportError::Io {
            file: path.display().to_string(),
            source,
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        self.import(file, &name, opts)
    }

    /// Writes the bank's entries (by id) in a format; returns how many were written.
    pub fn export(&self, out: impl Write, opts: &ExportOptions) -> Result<usize, ExportError> {
        exchange::write_entries(out, self.entries.values(), opts)
    }

    /// Exports to a file, written through a temporary file and a rename.
    pub fn export_file(
        &self,
        path: impl AsRef<Path>,
        opts: &ExportOptions,
    ) -> Result<usize, ExportError> {
        let path = path.as_ref();
        let mut count = 0;
        let mut inner = None;
        let written = write_atomic(path, |w| {
            match self.export(w, opts) {
                Ok(n) => count = n,
                Err(e) => {
                    inner = Some(e);
                    return Err(io::Error::other("export failed"));
                }
            }
            Ok(())
        });
        if let Some(e) = inner {
            return Err(e);
        }
        written.map_err(|e| ExportError::Io {
            file: path.display().to_string(),
            source: match e {
                BankError::Io { source, .. } => source,
                other => io::Error::other(other.to_string()),
            },
        })?;
        Ok(count)
    }

    // --- matching ----------------------------------------------------------------------------

    fn bank_match(&self, id: EntryId, distance: u32, video: Option<VideoScores>) -> BankMatch {
        let e = &self.entries[&id];
        BankMatch {
            bank: self.meta.name.clone(),
            label: self.label,
            entry: id,
            kind: e.kind(),
            distance,
            source: e.source.clone(),
            tags: e.tags.clone(),
            video,
        }
    }

    /// Enabled PDQ entries within `radius` bits of `query`, nearest first.
    pub fn match_pdq(&self, query: &Hash256, radius: u32) -> Result<Vec<BankMatch>, RadiusError> {
        self.match_pdq_any(std::slice::from_ref(query), radius)
    }

    /// Like [`match_pdq`](Self::match_pdq) for several queries (e.g. the 8 dihedral variants of
    /// one image): each entry once, at its smallest distance.
    pub fn match_pdq_any(
        &self,
        queries: &[Hash256],
        radius: u32,
    ) -> Result<Vec<BankMatch>, RadiusError> {
        let hits = self.pdq.search_any(queries, radius)?;
        let mut out: Vec<BankMatch> = hits
            .into_iter()
            .filter(|m| self.entries.get(&m.id).is_some_and(|e| e.enabled))
            .map(|m| self.bank_match(m.id, m.distance, None))
            .collect();
        sort_matches(&mut out);
        Ok(out)
    }

    /// The enabled MD5 entry equal to `digest` (hex), if any.
    pub fn match_md5(&self, digest: &str) -> Result<Vec<BankMatch>, EntryError> {
        let d = parse_digest::<Md5Digest>(EntryKind::Md5, digest)?;
        Ok(self.match_md5_digest(&d))
    }

    /// The enabled MD5 entry equal to `digest`, if any.
    pub fn match_md5_digest(&self, digest: &Md5Digest) -> Vec<BankMatch> {
        self.match_exact(ValueKey::Md5(*digest))
    }

    /// The enabled SHA-256 entry equal to `digest` (hex), if any.
    pub fn match_sha256(&self, digest: &str) -> Result<Vec<BankMatch>, EntryError> {
        let d = parse_digest::<Sha256Digest>(EntryKind::Sha256, digest)?;
        Ok(self.match_sha256_digest(&d))
    }

    /// The enabled SHA-256 entry equal to `digest`, if any.
    pub fn match_sha256_digest(&self, digest: &Sha256Digest) -> Vec<BankMatch> {
        self.match_exact(ValueKey::Sha256(*digest))
    }

    fn match_exact(&self, key: ValueKey) -> Vec<BankMatch> {
        self.by_value
            .get(&key)
            .filter(|id| self.entries.get(id).is_some_and(|e| e.enabled))
            .map(|&id| vec![self.bank_match(id, 0, None)])
            .unwrap_or_default()
    }

    /// Enabled videos with at least one frame matching the query (frames compared with
    /// `thresholds`: [`VpdqThresholds::default`] follows python-threatexchange and HMA), whose
    /// query match percentage is at least `min_query_percent` and compared match percentage at
    /// least `min_compared_percent` (python-threatexchange uses 80 and 0:
    /// [`PYTX_QUERY_MATCH_THRESHOLD_PERCENT`](crate::PYTX_QUERY_MATCH_THRESHOLD_PERCENT),
    /// [`PYTX_INDEX_MATCH_THRESHOLD_PERCENT`](crate::PYTX_INDEX_MATCH_THRESHOLD_PERCENT)),
    /// best first.
    pub fn match_video(
        &self,
        query: &[VpdqFrame],
        thresholds: &VpdqThresholds,
        min_query_percent: f64,
        min_compared_percent: f64,
    ) -> Vec<BankMatch> {
        let mut out: Vec<BankMatch> = self
            .video
            .search_with_minimums(query, thresholds, min_query_percent, min_compared_percent)
            .into_iter()
            .filter(|m| self.entries.get(&m.video).is_some_and(|e| e.enabled))
            .map(|m| {
                let scores = VideoScores {
                    query_match_percent: m.query_match_percent,
                    compared_match_percent: m.compared_match_percent,
                };
                self.bank_match(m.video, 0, Some(scores))
            })
            .collect();
        sort_matches(&mut out);
        out
    }
}

fn parse_digest<T: FromStr<Err = HexError>>(kind: EntryKind, s: &str) -> Result<T, EntryError> {
    s.parse::<T>().map_err(|e| EntryError::Value {
        kind,
        reason: e.to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// BankSet
// ---------------------------------------------------------------------------------------------

/// Every bank of one directory (`DIR/<bank name>/`), answering queries across all of them.
#[derive(Debug)]
pub struct BankSet {
    dir: PathBuf,
    banks: BTreeMap<String, Bank>,
    problems: Vec<LoadProblem>,
    /// Where the banks live; `None` means the files in `dir`.
    backend: Option<Arc<dyn BankPersistence>>,
}

impl BankSet {
    /// Opens every bank in `dir` (created if missing) and builds their indexes.
    ///
    /// Subdirectories whose name starts with `.` are ignored. A subdirectory that is not a
    /// readable bank, and every line skipped inside a bank, is listed in
    /// [`load_problems`](Self::load_problems); the other banks and lines load.
    pub fn open(dir: impl AsRef<Path>) -> Result<BankSet, BankError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let mut set = BankSet {
            dir: dir.clone(),
            banks: BTreeMap::new(),
            problems: Vec::new(),
            backend: None,
        };
        let mut subdirs = Vec::new();
        for item in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let item = item.map_err(io_err(&dir))?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !path.is_dir() {
                continue;
            }
            subdirs.push((name, path));
        }
        subdirs.sort();
        for (name, path) in subdirs {
            if !path.join(BANK_FILE).exists() {
                set.problems.push(LoadProblem {
                    file: path,
                    line: None,
                    reason: format!("not a bank (no {BANK_FILE}); ignored"),
                });
                continue;
            }
            match Bank::open(&path) {
                Ok(bank) if bank.name() != name => set.problems.push(LoadProblem {
                    file: path.join(BANK_FILE),
                    line: None,
                    reason: format!(
                        "names bank {:?} but its directory is {name:?}; not loaded",
                        bank.name()
                    ),
                }),
                Ok(bank) => {
                    set.problems.extend(bank.load_problems().iter().cloned());
                    set.banks.insert(name, bank);
                }
                Err(e) => set.problems.push(LoadProblem {
                    file: path.join(BANK_FILE),
                    line: None,
                    reason: format!("bank not loaded: {e}"),
                }),
            }
        }
        Ok(set)
    }

    /// Opens every bank kept by `persistence` (a database) and builds their indexes; changes
    /// are written back to it. [`dir`](Self::dir) is empty. A stored bank whose name or
    /// entries are invalid is skipped and listed in [`load_problems`](Self::load_problems).
    pub fn open_with(persistence: Arc<dyn BankPersistence>) -> Result<BankSet, BankError> {
        let mut set = BankSet {
            dir: PathBuf::new(),
            banks: BTreeMap::new(),
            problems: Vec::new(),
            backend: Some(persistence.clone()),
        };
        for stored in persistence.load_banks()? {
            let name = stored.info.name.clone();
            if let Err(e) = validate_bank_name(&name) {
                set.problems.push(LoadProblem {
                    file: PathBuf::from(format!("bank {name}")),
                    line: None,
                    reason: format!("bank not loaded: {e}"),
                });
                continue;
            }
            let bank = Bank::from_stored(stored, persistence.clone());
            set.problems.extend(bank.load_problems().iter().cloned());
            set.banks.insert(name, bank);
        }
        Ok(set)
    }

    /// Opens the same banks again, from their files or their [`BankPersistence`].
    pub fn reopen(&self) -> Result<BankSet, BankError> {
        match &self.backend {
            Some(backend) => BankSet::open_with(backend.clone()),
            None => BankSet::open(&self.dir),
        }
    }

    /// The directory (empty for a set opened with [`open_with`](Self::open_with)).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Banks and lines skipped when the set was opened.
    pub fn load_problems(&self) -> &[LoadProblem] {
        &self.problems
    }

    /// Creates an empty bank `DIR/<name>/`.
    pub fn create_bank(
        &mut self,
        name: &str,
        label: Label,
        description: &str,
    ) -> Result<&mut Bank, BankError> {
        validate_bank_name(name)?;
        if self.banks.contains_key(name) {
            return Err(BankError::AlreadyExists(name.to_string()));
        }
        let bank = match &self.backend {
            Some(backend) => {
                if description.len() > MAX_DESCRIPTION_LEN {
                    return Err(BankError::DescriptionTooLong {
                        len: description.len(),
                        limit: MAX_DESCRIPTION_LEN,
                    });
                }
                let meta = BankMeta {
                    layout: LAYOUT_VERSION,
                    name: name.to_string(),
                    label: label.as_str().to_string(),
                    description: description.to_string(),
                    created: now_rfc3339(),
                    next_id: 1,
                };
                let mut bank = Bank::empty(PathBuf::new(), meta, label);
                backend.create_bank(&bank.info())?;
                bank.backend = Some(backend.clone());
                bank
            }
            None => Bank::create(self.dir.join(name), name, label, description)?,
        };
        Ok(self.banks.entry(name.to_string()).or_insert(bank))
    }

    /// Deletes a bank and its directory.
    pub fn delete_bank(&mut self, name: &str) -> Result<(), BankError> {
        let bank = self
            .banks
            .get(name)
            .ok_or_else(|| BankError::NoSuchBank(name.to_string()))?;
        if let Some(backend) = &self.backend {
            backend.delete_bank(name)?;
            self.banks.remove(name);
            return Ok(());
        }
        // Rename first so that a half-deleted bank is never opened.
        let trash = self
            .dir
            .join(format!(".{name}.deleting-{}", unique_suffix()));
        fs::rename(bank.dir(), &trash).map_err(io_err(bank.dir()))?;
        self.banks.remove(name);
        fs::remove_dir_all(&trash).map_err(io_err(&trash))
    }

    /// The bank of that name.
    pub fn bank(&self, name: &str) -> Option<&Bank> {
        self.banks.get(name)
    }

    /// The bank of that name, to change it.
    pub fn bank_mut(&mut self, name: &str) -> Option<&mut Bank> {
        self.banks.get_mut(name)
    }

    /// The bank of that name, to change it, or [`BankError::NoSuchBank`].
    pub fn require_mut(&mut self, name: &str) -> Result<&mut Bank, BankError> {
        self.banks
            .get_mut(name)
            .ok_or_else(|| BankError::NoSuchBank(name.to_string()))
    }

    /// Every bank, by name.
    pub fn banks(&self) -> impl Iterator<Item = &Bank> {
        self.banks.values()
    }

    /// Number of banks.
    pub fn len(&self) -> usize {
        self.banks.len()
    }

    /// True when there is no bank.
    pub fn is_empty(&self) -> bool {
        self.banks.is_empty()
    }

    fn collect(&self, mut per_bank: impl FnMut(&Bank) -> Vec<BankMatch>) -> Vec<BankMatch> {
        let mut out: Vec<BankMatch> = self.banks.values().flat_map(&mut per_bank).collect();
        sort_matches(&mut out);
        out
    }

    /// Enabled PDQ entries of every bank within `radius` of `query`, nearest first (ties by
    /// bank, then entry id).
    pub fn match_pdq(&self, query: &Hash256, radius: u32) -> Result<Vec<BankMatch>, RadiusError> {
        self.match_pdq_any(std::slice::from_ref(query), radius)
    }

    /// Like [`match_pdq`](Self::match_pdq) for several queries (e.g. the 8 dihedral variants):
    /// each entry once, at its smallest distance.
    pub fn match_pdq_any(
        &self,
        queries: &[Hash256],
        radius: u32,
    ) -> Result<Vec<BankMatch>, RadiusError> {
        if radius > crate::MAX_RADIUS {
            return Err(RadiusError(radius));
        }
        let mut err = None;
        let out = self.collect(|b| match b.match_pdq_any(queries, radius) {
            Ok(m) => m,
            Err(e) => {
                err = Some(e);
                Vec::new()
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Enabled MD5 entries of every bank equal to `digest` (hex).
    pub fn match_md5(&self, digest: &str) -> Result<Vec<BankMatch>, EntryError> {
        let d = parse_digest::<Md5Digest>(EntryKind::Md5, digest)?;
        Ok(self.match_md5_digest(&d))
    }

    /// Enabled MD5 entries of every bank equal to `digest`.
    pub fn match_md5_digest(&self, digest: &Md5Digest) -> Vec<BankMatch> {
        self.collect(|b| b.match_md5_digest(digest))
    }

    /// Enabled SHA-256 entries of every bank equal to `digest` (hex).
    pub fn match_sha256(&self, digest: &str) -> Result<Vec<BankMatch>, EntryError> {
        let d = parse_digest::<Sha256Digest>(EntryKind::Sha256, digest)?;
        Ok(self.match_sha256_digest(&d))
    }

    /// Enabled SHA-256 entries of every bank equal to `digest`.
    pub fn match_sha256_digest(&self, digest: &Sha256Digest) -> Vec<BankMatch> {
        self.collect(|b| b.match_sha256_digest(digest))
    }

    /// Enabled videos of every bank that match the query; see [`Bank::match_video`]. Best
    /// first (highest query, then compared match percentage), then by bank and entry id.
    pub fn match_video(
        &self,
        query: &[VpdqFrame],
        thresholds: &VpdqThresholds,
        min_query_percent: f64,
        min_compared_percent: f64,
    ) -> Vec<BankMatch> {
        self.collect(|b| b.match_video(query, thresholds, min_query_percent, min_compared_percent))
    }
}

// ---------------------------------------------------------------------------------------------
// Files and time
// ---------------------------------------------------------------------------------------------

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn write_meta(dir: &Path, meta: &BankMeta) -> Result<(), BankError> {
    let mut text = serde_json::to_string_pretty(meta).expect("bank.json serialises");
    text.push('\n');
    write_atomic(&dir.join(BANK_FILE), |w| w.write_all(text.as_bytes()))
}

/// Writes `path` through a temporary file in the same directory, synced, then renamed over it.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), BankError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp-{}", unique_suffix()));
    let result = (|| {
        let file = fs::File::create(&tmp)?;
        let mut w = io::BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(source) = result {
        let _ = fs::remove_file(&tmp);
        return Err(BankError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    sync_dir(dir);
    Ok(())
}

fn sync_dir(dir: &Path) {
    // Makes the rename durable where the platform allows opening a directory; best effort.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The current time as RFC 3339 in UTC, to the second: `2026-11-28T10:00:00Z`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    rfc3339_from_unix(secs)
}

/// Unix seconds as RFC 3339 in UTC.
fn rfc3339_from_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_764_324_000), "2025-11-28T10:00:00Z");
        assert!(validate_added(&now_rfc3339()).is_ok());
    }

    #[test]
    fn digests_parse_and_print() {
        let d: Md5Digest = "D41D8CD98F00B204E9800998ECF8427E".parse().unwrap();
        assert_eq!(d.to_string(), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            "abc".parse::<Md5Digest>(),
            Err(HexError::Length {
                expected: 32,
                found: 3
            })
        );
        assert!(matches!(
            "zz".repeat(32).parse::<Sha256Digest>(),
            Err(HexError::Digit('z'))
        ));
    }
}
