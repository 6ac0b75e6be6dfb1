//! Hash-list exchange formats: import into and export from a [`Bank`](crate::Bank).
//!
//! | [`Format`] | lines | kinds |
//! | --- | --- | --- |
//! | `te-csv` | ThreatExchange "simple" CSV, no header: `indicator,descriptor_id,added_on,tags` (tags space separated; tab separated files are read too) | one of pdq, md5, sha256 per file |
//! | `hma-csv` | HMA 1.0 serialisation, no header: `indicator,indicator_id,first_descriptor_id,added_on,tags` | one of pdq, md5, sha256 per file |
//! | `pytx-csv` | python-threatexchange `dataset --csv`: header `signal_type,signal_str,collab,category,tags` | per line |
//! | `local-file` | HMA's `local_file` exchange: `<signal_type> <signal>` or a bare signal per line | per line, or one per file |
//! | `hma-json` | HMA 2.0 signal JSON, one object per line: `{"pdq": "…", "note": "…"}` | per key |
//! | `jsonl` | Vigie's entries, one JSON object per line, every field (exact round trip) | per line |
//! | `vpdq-text` | one video: the vPDQ reference text, `frame,quality,pdq_hex,timestamp` per line | vpdq |
//!
//! Formats that do not name the hash kind (`te-csv`, `hma-csv`, bare `local-file` lines) take
//! it from [`ImportOptions::kind`], else from the file name (`pdq.csv`, `video_md5.csv`,
//! `holidays-jpg1-pdq-hashes.csv`...), else from the first indicator when it is 32 hex digits
//! (MD5). 64 hex digits can be PDQ or SHA-256: the kind must then be given. A file named after
//! a signal type that is not a hash (`raw_text.csv`, `url.csv`, `pdq_ocr.csv`,
//! `trend_query.csv`...) is refused with [`ImportError::UnsupportedSignalType`]; with an
//! explicit kind its lines are each reported as not being hashes of that kind. Nothing that
//! is not a valid hash is ever imported.

use crate::bank::{Entry, EntryKind, EntryRecord, EntryValue, NewEntry};
use serde::Serialize;
use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::str::FromStr;
use vigie_core::{Hash256, VpdqFrame};

/// A hash-list format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// ThreatExchange "simple" CSV: `indicator,descriptor_id,added_on,tags`, no header.
    TeCsv,
    /// HMA 1.0 CSV: `indicator,indicator_id,first_descriptor_id,added_on,tags`, no header.
    HmaCsv,
    /// python-threatexchange dataset CSV: header `signal_type,signal_str,collab,category,tags`.
    PytxCsv,
    /// HMA's `local_file` exchange: `<signal_type> <signal>` (or a bare signal) per line.
    LocalFile,
    /// HMA 2.0 signal JSON, one object per line: `{"pdq": "…", "note": "…"}`.
    HmaJson,
    /// Vigie's entries as JSON Lines, every field.
    Jsonl,
    /// One video as vPDQ reference text: `frame,quality,pdq_hex,timestamp` per line.
    VpdqText,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::TeCsv,
        Format::HmaCsv,
        Format::PytxCsv,
        Format::LocalFile,
        Format::HmaJson,
        Format::Jsonl,
        Format::VpdqText,
    ];

    /// The format's name: `te-csv`, `hma-csv`, `pytx-csv`, `local-file`, `hma-json`, `jsonl`,
    /// `vpdq-text`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::TeCsv => "te-csv",
            Format::HmaCsv => "hma-csv",
            Format::PytxCsv => "pytx-csv",
            Format::LocalFile => "local-file",
            Format::HmaJson => "hma-json",
            Format::Jsonl => "jsonl",
            Format::VpdqText => "vpdq-text",
        }
    }

    /// Parses a format's name (as [`as_str`](Self::as_str) writes it).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether the format can hold entries of this kind.
    pub fn carries(self, kind: EntryKind) -> bool {
        match self {
            Format::Jsonl => true,
            Format::VpdqText => kind == EntryKind::Vpdq,
            _ => kind != EntryKind::Vpdq,
        }
    }

    /// Whether a file of this format holds a single kind (which the content does not name).
    pub fn single_kind(self) -> bool {
        matches!(self, Format::TeCsv | Format::HmaCsv | Format::VpdqText)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::parse(s).ok_or_else(|| {
            format!(
                "unknown format {s:?}; the formats are {}",
                Format::ALL.map(Format::as_str).join(", ")
            )
        })
    }
}

/// How to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    /// The format; detected from the content when `None`.
    pub format: Option<Format>,
    /// The hash kind. Formats that do not name it (`te-csv`, `hma-csv`, bare `local-file`
    /// lines) take it from here, else from the file name (`pdq.csv`, `video_md5.csv`,
    /// `holidays-jpg1-pdq-hashes.csv`...), else from the first indicator when it is 32 hex
    /// digits (MD5); 64 hex digits can be PDQ or SHA-256, so the kind must then be given. A
    /// file named after a signal type that is not a hash (`raw_text.csv`, `url.csv`,
    /// `pdq_ocr.csv`, `trend_query.csv`...) is refused unless a kind is given, and then each of
    /// its lines is reported as not a hash of that kind. For formats that name the kind on
    /// each line, lines of another kind are skipped and reported.
    pub kind: Option<EntryKind>,
    /// Source of every imported entry, replacing the one the format gives (the ThreatExchange
    /// ids of `te-csv` and `hma-csv`, the collaboration of `pytx-csv`, the source field of
    /// `jsonl`, or `file:<name>`).
    pub source: Option<String>,
    /// Tags added to every imported entry.
    pub tags: Vec<String>,
}

/// How to export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportOptions {
    /// The format.
    pub format: Format,
    /// Only entries of this kind (required for single-kind formats when the bank holds several).
    pub kind: Option<EntryKind>,
    /// Also write disabled entries (only `jsonl` keeps the flag; default true).
    pub include_disabled: bool,
}

impl ExportOptions {
    /// Every entry, in this format.
    pub fn new(format: Format) -> Self {
        ExportOptions {
            format,
            kind: None,
            include_disabled: true,
        }
    }
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineIssue {
    /// The line (1-based; for CSV, the line where the record starts).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for LineIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The format read (`None` for an empty input).
    pub format: Option<Format>,
    /// The kind of every hash, for single-kind formats.
    pub kind: Option<EntryKind>,
    /// Entries added.
    pub added: usize,
    /// Values already in the bank (or earlier in the input), not added again.
    pub duplicates: usize,
    /// Lines skipped, with the reason.
    pub skipped: Vec<LineIssue>,
}

/// Why an import stopped (nothing was added).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input cannot be read.
    #[error("reading {file}: {source}")]
    Io {
        /// The input's name.
        file: String,
        /// The system's error.
        source: io::Error,
    },
    /// The format is not recognised.
    #[error("{file}: unknown hash-list format ({reason}); give the format explicitly")]
    FormatUnknown {
        /// The input's name.
        file: String,
        /// What was seen.
        reason: String,
    },
    /// The file is a list of a signal type that is not a hash a bank holds.
    #[error(
        "{file}: signal type {signal_type:?} is not a hash kind a bank holds (pdq, md5, sha256, \
         vpdq); nothing was imported"
    )]
    UnsupportedSignalType {
        /// The input's name.
        file: String,
        /// The signal type (from the file name).
        signal_type: String,
    },
    /// The hash kind cannot be told.
    #[error(
        "{file}: cannot tell the hash kind ({reason}); give the kind (pdq, md5, sha256) or name \
         the file after it (pdq.csv, video_md5.csv, sha256.csv)"
    )]
    KindUnknown {
        /// The input's name.
        file: String,
        /// Why.
        reason: String,
    },
    /// The format cannot hold this kind.
    #[error("{file}: format {format} cannot hold {kind} hashes")]
    KindNotSupported {
        /// The input's name.
        file: String,
        /// The format.
        format: Format,
        /// The kind.
        kind: EntryKind,
    },
    /// The bank could not be written.
    #[error("{0}")]
    Bank(#[from] crate::BankError),
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing failed.
    #[error("writing {file}: {source}")]
    Io {
        /// The output's name.
        file: String,
        /// The system's error.
        source: io::Error,
    },
    /// A single-kind format, and the selected entries have several kinds.
    #[error("format {format} holds one hash kind and the bank has {}: choose one", kinds_list(.kinds))]
    KindRequired {
        /// The format.
        format: Format,
        /// The kinds present.
        kinds: Vec<EntryKind>,
    },
    /// The format cannot hold this kind.
    #[error("format {format} cannot hold {kind} hashes ({count} selected); choose another kind or jsonl")]
    KindNotSupported {
        /// The format.
        format: Format,
        /// The kind.
        kind: EntryKind,
        /// How many entries of that kind were selected.
        count: usize,
    },
    /// `vpdq-text` holds exactly one video.
    #[error("format vpdq-text holds exactly one video; {count} entries are selected")]
    NotOneVideo {
        /// Entries selected.
        count: usize,
    },
}

fn kinds_list(kinds: &[EntryKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// vPDQ text
// ---------------------------------------------------------------------------------------------

/// Checks a frame's quality (0..=100) and timestamp (finite, not negative).
pub(crate) fn check_frame(f: &VpdqFrame) -> Result<(), String> {
    if f.quality > 100 {
        return Err(format!("quality {} is over 100", f.quality));
    }
    if !f.timestamp.is_finite() || f.timestamp < 0.0 {
        return Err(format!(
            "timestamp {} is not a time in seconds",
            f.timestamp
        ));
    }
    Ok(())
}

/// Timestamp with 3 decimals (the reference form) when that is exact, else the shortest
/// decimal that reads back to the same number.
fn format_timestamp(t: f64) -> String {
    let three = format!("{t:.3}");
    if three.parse::<f64>() == Ok(t) {
        three
    } else {
        format!("{t}")
    }
}

/// One frame as a reference text line, without newline: `frame,quality,pdq_hex,timestamp`.
pub(crate) fn vpdq_frame_line(f: &VpdqFrame) -> String {
    format!(
        "{},{},{},{}",
        f.frame,
        f.quality,
        f.hash,
        format_timestamp(f.timestamp)
    )
}

/// Parses one `frame,quality,pdq_hex,timestamp` line.
pub(crate) fn parse_vpdq_frame(line: &str) -> Result<VpdqFrame, String> {
    let fields: Vec<&str> = line.trim().split(',').map(str::trim).collect();
    if fields.len() != 4 {
        return Err(format!(
            "a vPDQ frame is frame,quality,pdq_hex,timestamp; found {} fields",
            fields.len()
        ));
    }
    let frame = fields[0]
        .parse::<u32>()
        .map_err(|_| format!("frame number {:?} is not a whole number", fields[0]))?;
    let quality = fields[1]
        .parse::<u8>()
        .map_err(|_| format!("quality {:?} is not 0..=100", fields[1]))?;
    let hash = fields[2]
        .parse::<Hash256>()
        .map_err(|e| format!("frame {frame}: {e}"))?;
    let timestamp = fields[3]
        .parse::<f64>()
        .map_err(|_| format!("timestamp {:?} is not a number", fields[3]))?;
    let f = VpdqFrame {
        frame,
        quality,
        hash,
        timestamp,
    };
    check_frame(&f)?;
    Ok(f)
}

/// Parses vPDQ reference text (Meta's `vpdq` output): one `frame,quality,pdq_hex,timestamp`
/// line per frame; blank lines are ignored. The first bad line is the error.
pub fn vpdq_from_text(text: &str) -> Result<Vec<VpdqFrame>, LineIssue> {
    let mut frames = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        frames.push(parse_vpdq_frame(line).map_err(|reason| LineIssue {
            line: i + 1,
            reason,
        })?);
    }
    Ok(frames)
}

/// Writes frames as vPDQ reference text, one line per frame, each ending in a newline.
/// Timestamps are written with three decimals as the reference does when that is exact, and
/// with as many as needed otherwise, so [`vpdq_from_text`] gives back the same frames.
pub fn vpdq_to_text(frames: &[VpdqFrame]) -> String {
    let mut out = String::with_capacity(frames.len() * 80);
    for f in frames {
        out.push_str(&vpdq_frame_line(f));
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Signal types and detection
// ---------------------------------------------------------------------------------------------

enum Signal {
    Kind(EntryKind),
    NotHash,
    Unknown,
}

/// Classifies a ThreatExchange / python-threatexchange / HMA signal or indicator type name.
fn classify_signal(name: &str) -> Signal {
    match name.trim().to_ascii_lowercase().as_str() {
        "pdq" | "hash_pdq" => Signal::Kind(EntryKind::Pdq),
        "md5" | "video_md5" | "photo_md5" | "hash_md5" | "hash_video_md5" | "hash_photo_md5" => {
            Signal::Kind(EntryKind::Md5)
        }
        "sha256" | "sha-256" | "hash_sha256" => Signal::Kind(EntryKind::Sha256),
        "vpdq" | "video_vpdq" => Signal::Kind(EntryKind::Vpdq),
        "pdq_ocr"
        | "hash_pdq_ocr"
        | "raw_text"
        | "text"
        | "text_string"
        | "url"
        | "uri"
        | "raw_uri"
        | "url_md5"
        | "hash_url_md5"
        | "trend_query"
        | "text_tlsh"
        | "hash_text_tlsh"
        | "tmk"
        | "video_tmk"
        | "video_tmk_pdqf"
        | "hash_tmk"
        | "photodna"
        | "threatexchange_photodna"
        | "tx-extension-clip"
        | "clip"
        | "sha1"
        | "hash_sha1" => Signal::NotHash,
        _ => Signal::Unknown,
    }
}

/// The signal type name written for a kind: `pdq`, `video_md5` (HMA's MD5 type), `sha256`,
/// `vpdq`.
fn signal_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Pdq => "pdq",
        EntryKind::Md5 => "video_md5",
        EntryKind::Sha256 => "sha256",
        EntryKind::Vpdq => "vpdq",
    }
}

enum NameHint {
    Kind(EntryKind),
    NotHash(String),
    None,
}

/// What a file name says about its signal type: the words of the name (split on `.`, `-` and
/// spaces) that are signal type names.
fn hint_from_file_name(name: &str) -> NameHint {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut kinds = Vec::new();
    let mut not_hash = None;
    for word in base.split(['.', '-', ' ']) {
        match classify_signal(word) {
            Signal::Kind(k) if !kinds.contains(&k) => kinds.push(k),
            Signal::NotHash if not_hash.is_none() => not_hash = Some(word.to_ascii_lowercase()),
            _ => {}
        }
    }
    match (kinds.as_slice(), not_hash) {
        ([k], None) => NameHint::Kind(*k),
        ([], Some(sig)) => NameHint::NotHash(sig),
        _ => NameHint::None,
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Splits one CSV line into fields. A field that starts with `"` is quoted up to the next lone
/// `"` (`""` inside stands for one quote), as Python's `csv` module writes it.
fn split_csv(line: &str, delimiter: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c != '"' {
                field.push(c);
            } else if chars.peek() == Some(&'"') {
                chars.next();
                field.push('"');
            } else {
                in_quotes = false;
            }
        } else if c == '"' && at_start {
            in_quotes = true;
            at_start = false;
        } else if c == delimiter {
            fields.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
            at_start = false;
        }
    }
    fields.push(field);
    fields
}

/// One CSV line (with its newline), quoting the fields that need it as Python's `csv` does.
fn csv_line(fields: &[&str]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&f.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(f);
        }
    }
    out.push('\n');
    out
}

/// A ThreatExchange file is comma separated, except when its first line is one field with
/// commas but three or more with tabs (`trend_query.csv`).
fn te_delimiter(first_line: &str) -> char {
    if split_csv(first_line, ',').len() == 1 && split_csv(first_line, '\t').len() >= 3 {
        '\t'
    } else {
        ','
    }
}

/// Detects a format from the first non-blank line of a file:
///
/// * `{…}` with a `kind` or `value` key (or not valid JSON): `jsonl`; any other object:
///   `hma-json`;
/// * a header starting `signal_type,`: `pytx-csv`;
/// * 4 comma-separated fields `integer,integer,64 hex,number`: `vpdq-text`;
/// * 3 or 4 comma-separated fields (or 3–4 tab-separated fields): `te-csv`;
/// * 5 comma-separated fields: `hma-csv`;
/// * one field of one or two words (`pdq f8f8…` or a bare hash): `local-file`.
pub fn detect_format(first_line: &str) -> Result<Format, String> {
    let line = first_line.trim_start_matches('\u{feff}').trim();
    if line.starts_with('{') {
        return Ok(
            match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(line) {
                Ok(obj) if !obj.contains_key("kind") && !obj.contains_key("value") => {
                    Format::HmaJson
                }
                _ => Format::Jsonl,
            },
        );
    }
    if line.to_ascii_lowercase().starts_with("signal_type,") {
        return Ok(Format::PytxCsv);
    }
    let fields = split_csv(line, ',');
    match fields.len() {
        1 => {
            let tabs = split_csv(line, '\t').len();
            if tabs == 3 || tabs == 4 {
                return Ok(Format::TeCsv);
            }
            if tabs == 5 {
                return Ok(Format::HmaCsv);
            }
            let words = line.split_whitespace().count();
            if words <= 2 {
                Ok(Format::LocalFile)
            } else {
                Err(format!(
                    "the first line is {words} words without commas, not a hash list"
                ))
            }
        }
        4 if fields[0].trim().parse::<u32>().is_ok()
            && fields[1].trim().parse::<u8>().is_ok()
            && is_hex(fields[2].trim(), 64)
            && fields[3].trim().parse::<f64>().is_ok() =>
        {
            Ok(Format::VpdqText)
        }
        3 | 4 => Ok(Format::TeCsv),
        5 => Ok(Format::HmaCsv),
        n => Err(format!(
            "the first line has {n} comma-separated fields; ThreatExchange CSV has 4, HMA CSV 5"
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// What the bank did with one entry.
pub(crate) enum Outcome {
    Added,
    Duplicate,
    Rejected(String),
}

struct Reader<'a> {
    file: String,
    opts: &'a ImportOptions,
    default_source: String,
    report: ImportReport,
    sink: &'a mut dyn FnMut(NewEntry) -> Outcome,
}

impl Reader<'_> {
    fn skip(&mut self, line: usize, reason: impl Into<String>) {
        self.report.skipped.push(LineIssue {
            line,
            reason: reason.into(),
        });
    }

    fn offer(&mut self, line: usize, mut entry: NewEntry) {
        if let Some(source) = &self.opts.source {
            entry.source = source.clone();
        }
        for tag in &self.opts.tags {
            if !entry.tags.contains(tag) {
                entry.tags.push(tag.clone());
            }
        }
        match (self.sink)(entry) {
            Outcome::Added => self.report.added += 1,
            Outcome::Duplicate => self.report.duplicates += 1,
            Outcome::Rejected(reason) => self.skip(line, reason),
        }
    }

    fn io(&self) -> impl Fn(io::Error) -> ImportError {
        let file = self.file.clone();
        move |source| ImportError::Io {
            file: file.clone(),
            source,
        }
    }

    /// The kind of a single-kind file (see the module documentation).
    fn resolve_kind(
        &self,
        name: &str,
        format: Format,
        first_indicator: &str,
    ) -> Result<EntryKind, ImportError> {
        let checked = |kind: EntryKind| {
            if format.carries(kind) {
                Ok(kind)
            } else {
                Err(ImportError::KindNotSupported {
                    file: self.file.clone(),
                    format,
                    kind,
                })
            }
        };
        if let Some(kind) = self.opts.kind {
            return checked(kind);
        }
        match hint_from_file_name(name) {
            NameHint::Kind(kind) => return checked(kind),
            NameHint::NotHash(signal_type) => {
                return Err(ImportError::UnsupportedSignalType {
                    file: self.file.clone(),
                    signal_type,
                })
            }
            NameHint::None => {}
        }
        let ind = first_indicator.trim();
        let reason = if is_hex(ind, 32) {
            return checked(EntryKind::Md5);
        } else if is_hex(ind, 64) {
            "the hashes are 64 hex digits, which is PDQ or SHA-256".to_string()
        } else {
            let shown: String = ind.chars().take(40).collect();
            format!(
                "the first indicator {shown:?} is not a hash; a text, URL or other signal list?"
            )
        };
        Err(ImportError::KindUnknown {
            file: self.file.clone(),
            reason,
        })
    }

    /// A line's kind from its signal type name; `None` after reporting the line.
    fn line_kind(&mut self, line: usize, signal_type: &str, format: Format) -> Option<EntryKind> {
        let kind = match classify_signal(signal_type) {
            Signal::Kind(k) => k,
            Signal::NotHash => {
                self.skip(
                    line,
                    format!(
                        "signal type {signal_type:?} is not a hash kind a bank holds (pdq, md5, sha256)"
                    ),
                );
                return None;
            }
            Signal::Unknown => {
                self.skip(line, format!("unknown signal type {signal_type:?}"));
                return None;
            }
        };
        if !format.carries(kind) {
            self.skip(
                line,
                format!("{kind} hashes are imported from jsonl or vpdq-text, not {format}"),
            );
            return None;
        }
        if let Some(wanted) = self.opts.kind {
            if wanted != kind {
                self.skip(line, format!("a {kind} hash; only {wanted} is imported"));
                return None;
            }
        }
        Some(kind)
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))
}

fn split_tags(tags: &str) -> Vec<String> {
    tags.split_whitespace().map(str::to_string).collect()
}

/// `threatexchange[:indicator I][ descriptor D]`, the source a ThreatExchange CSV line gets.
fn te_source(indicator_id: &str, descriptor_id: &str) -> String {
    match (indicator_id.is_empty(), descriptor_id.is_empty()) {
        (true, true) => "threatexchange".to_string(),
        (true, false) => format!("threatexchange:descriptor {descriptor_id}"),
        (false, true) => format!("threatexchange:indicator {indicator_id}"),
        (false, false) => {
            format!("threatexchange:indicator {indicator_id} descriptor {descriptor_id}")
        }
    }
}

/// The (indicator id, descriptor id) in a source written by [`te_source`]; empty otherwise.
fn parse_te_source(source: &str) -> (&str, &str) {
    let Some(rest) = source.strip_prefix("threatexchange:") else {
        return ("", "");
    };
    let words: Vec<&str> = rest.split(' ').collect();
    match words.as_slice() {
        ["indicator", i, "descriptor", d] => (i, d),
        ["indicator", i] => (i, ""),
        ["descriptor", d] => ("", d),
        _ => ("", ""),
    }
}

fn check_te_id(what: &str, id: &str) -> Result<(), String> {
    if id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("{what} {id:?} is not a number"))
    }
}

/// Reads a hash list and offers each entry to `sink`; see [`crate::Bank::import`].
pub(crate) fn read_entries(
    input: impl Read,
    name: &str,
    opts: &ImportOptions,
    sink: &mut dyn FnMut(NewEntry) -> Outcome,
) -> Result<ImportReport, ImportError> {
    let file = if name.is_empty() { "-" } else { name }.to_string();
    let default_source = if file == "-" {
        "import".to_string()
    } else {
        format!("file:{file}")
    };
    let io_error = |source| ImportError::Io {
        file: file.clone(),
        source,
    };
    // Read up to the first non-blank line to detect the format.
    let mut reader = BufReader::new(input);
    let mut head = Vec::new();
    let first_line = loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head).map_err(io_error)? == 0 {
            break None;
        }
        if start == 0 && head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            head.drain(..3);
        }
        let line = String::from_utf8_lossy(&head[start..]);
        if !line.trim().is_empty() {
            break Some(line.trim().to_string());
        }
    };
    let mut r = Reader {
        file,
        opts,
        default_source,
        report: ImportReport::default(),
        sink,
    };
    let Some(first_line) = first_line else {
        r.report.format = opts.format;
        return Ok(r.report);
    };
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(&first_line).map_err(|reason| ImportError::FormatUnknown {
            file: r.file.clone(),
            reason,
        })?,
    };
    r.report.format = Some(format);
    let input = Cursor::new(head).chain(reader);
    match format {
        Format::TeCsv | Format::HmaCsv => {
            read_threatexchange(&mut r, input, name, format, &first_line)?
        }
        Format::PytxCsv => read_pytx(&mut r, input)?,
        Format::LocalFile => read_local_file(&mut r, input, name)?,
        Format::HmaJson => for_each_line(&mut r, input, |r, line, text| {
            read_hma_json_line(r, line, text);
            Ok(())
        })?,
        Format::Jsonl => for_each_line(&mut r, input, |r, line, text| {
            read_jsonl_line(r, line, text);
            Ok(())
        })?,
        Format::VpdqText => read_vpdq(&mut r, input)?,
    }
    Ok(r.report)
}

/// Calls `each` with every non-blank line (number, text without its line ending); a line that
/// is not UTF-8 is reported.
fn for_each_line<'a>(
    r: &mut Reader<'a>,
    mut input: impl BufRead,
    mut each: impl FnMut(&mut Reader<'a>, usize, &str) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(r.io())? == 0 {
            return Ok(());
        }
        line_no += 1;
        match utf8(&buf) {
            Ok(line) if line.trim().is_empty() => {}
            Ok(line) => each(r, line_no, line.trim_end_matches(['\n', '\r']))?,
            Err(reason) => r.skip(line_no, reason),
        }
    }
}

fn read_threatexchange(
    r: &mut Reader<'_>,
    input: impl BufRead,
    name: &str,
    format: Format,
    first_line: &str,
) -> Result<(), ImportError> {
    let delimiter = te_delimiter(first_line);
    let (want, layout) = match format {
        Format::TeCsv => (4, "indicator,descriptor_id,added_on,tags"),
        _ => (
            5,
            "indicator,indicator_id,first_descriptor_id,added_on,tags",
        ),
    };
    let mut kind = None;
    for_each_line(r, input, |r, line, text| {
        let fields = split_csv(text, delimiter);
        let fields: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        if fields.len() != want && fields.len() != want - 1 {
            r.skip(
                line,
                format!("expected {want} fields ({layout}), found {}", fields.len()),
            );
            return Ok(());
        }
        let kind = match kind {
            Some(k) => k,
            None => *kind.insert(r.resolve_kind(name, format, fields[0])?),
        };
        let (indicator_id, descriptor_id, added, tags) = match format {
            Format::TeCsv => ("", fields[1], fields[2], fields.get(3).copied()),
            _ => (fields[1], fields[2], fields[3], fields.get(4).copied()),
        };
        let value = match EntryValue::parse(kind, fields[0]) {
            Ok(v) => v,
            Err(e) => {
                r.skip(line, e.to_string());
                return Ok(());
            }
        };
        if let Err(reason) = check_te_id("indicator id", indicator_id)
            .and_then(|()| check_te_id("descriptor id", descriptor_id))
        {
            r.skip(line, reason);
            return Ok(());
        }
        let mut entry = NewEntry::new(value, te_source(indicator_id, descriptor_id));
        entry.tags = split_tags(tags.unwrap_or(""));
        entry.added = (!added.is_empty()).then(|| added.to_string());
        r.offer(line, entry);
        Ok(())
    })?;
    r.report.kind = kind;
    Ok(())
}

fn is_negative_category(category: &str) -> bool {
    matches!(
        category.to_ascii_uppercase().as_str(),
        "FALSE_POSITIVE" | "NEGATIVE_CLASS"
    )
}

fn read_pytx(r: &mut Reader<'_>, input: impl BufRead) -> Result<(), ImportError> {
    let mut header_seen = false;
    for_each_line(r, input, |r, line, text| {
        let fields = split_csv(text, ',');
        let fields: Vec<&str> = fields.iter().map(|f| f.trim()).collect();
        if !header_seen && fields[0].eq_ignore_ascii_case("signal_type") {
            header_seen = true;
            return Ok(());
        }
        if fields.len() < 2 || fields.len() > 5 {
            r.skip(
                line,
                format!(
                    "expected 5 fields (signal_type,signal_str,collab,category,tags), found {}",
                    fields.len()
                ),
            );
            return Ok(());
        }
        let Some(kind) = r.line_kind(line, fields[0], Format::PytxCsv) else {
            return Ok(());
        };
        let value = match EntryValue::parse(kind, fields[1]) {
            Ok(v) => v,
            Err(e) => {
                r.skip(line, e.to_string());
                return Ok(());
            }
        };
        let collab = fields.get(2).copied().unwrap_or("");
        let category = fields.get(3).copied().unwrap_or("");
        if is_negative_category(category) {
            r.skip(
                line,
                format!("category {category} is a negative opinion; not imported into a bank"),
            );
            return Ok(());
        }
        let source = if collab.is_empty() {
            r.default_source.clone()
        } else {
            format!("collab:{collab}")
        };
        let mut entry = NewEntry::new(value, source);
        entry.tags = split_tags(fields.get(4).copied().unwrap_or(""));
        if !category.is_empty() {
            entry.tags.push(format!("category:{category}"));
        }
        r.offer(line, entry);
        Ok(())
    })
}

fn read_local_file(r: &mut Reader<'_>, input: impl BufRead, name: &str) -> Result<(), ImportError> {
    let mut bare_kind = None;
    for_each_line(r, input, |r, line, text| {
        let text = text.trim();
        let (kind, signal) = match text.split_once(char::is_whitespace) {
            Some((signal_type, signal)) => {
                match r.line_kind(line, signal_type, Format::LocalFile) {
                    Some(k) => (k, signal.trim()),
                    None => return Ok(()),
                }
            }
            None => {
                let kind = match bare_kind {
                    Some(k) => k,
                    None => *bare_kind.insert(r.resolve_kind(name, Format::LocalFile, text)?),
                };
                (kind, text)
            }
        };
        match EntryValue::parse(kind, signal) {
            Ok(value) => {
                let entry = NewEntry::new(value, r.default_source.clone());
                r.offer(line, entry);
            }
            Err(e) => r.skip(line, e.to_string()),
        }
        Ok(())
    })?;
    r.report.kind = bare_kind;
    Ok(())
}

fn read_hma_json_line(r: &mut Reader<'_>, line_no: usize, line: &str) {
    let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(line) {
        Ok(obj) => obj,
        Err(e) => {
            r.skip(line_no, format!("not a JSON object: {e}"));
            return;
        }
    };
    let note = match obj.get("note") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => {
            r.skip(line_no, "`note` is not a string");
            return;
        }
    };
    let mut found = false;
    for (key, value) in &obj {
        if key == "note" {
            continue;
        }
        if matches!(classify_signal(key), Signal::Unknown) {
            r.skip(line_no, format!("unknown key {key:?}"));
            continue;
        }
        found = true;
        let Some(kind) = r.line_kind(line_no, key, Format::HmaJson) else {
            continue;
        };
        let Some(text) = value.as_str() else {
            r.skip(line_no, format!("the {key} signal is not a string"));
            continue;
        };
        match EntryValue::parse(kind, text) {
            Ok(value) => {
                let mut entry = NewEntry::new(value, r.default_source.clone());
                entry.note = note.clone();
                r.offer(line_no, entry);
            }
            Err(e) => r.skip(line_no, e.to_string()),
        }
    }
    if !found && obj.keys().all(|k| k == "note") {
        r.skip(line_no, "no signal in the object");
    }
}

fn read_jsonl_line(r: &mut Reader<'_>, line_no: usize, line: &str) {
    let record: EntryRecord = match serde_json::from_str(line) {
        Ok(rec) => rec,
        Err(e) => {
            r.skip(line_no, format!("not a Vigie entry: {e}"));
            return;
        }
    };
    let value = match record.value() {
        Ok(v) => v,
        Err(e) => {
            r.skip(line_no, e.to_string());
            return;
        }
    };
    if let Some(wanted) = r.opts.kind {
        if value.kind() != wanted {
            r.skip(
                line_no,
                format!("a {} hash; only {wanted} is imported", value.kind()),
            );
            return;
        }
    }
    let entry = NewEntry {
        id: record.id,
        value,
        source: record.source.unwrap_or_else(|| r.default_source.clone()),
        tags: record.tags,
        added: record.added,
        enabled: record.enabled.unwrap_or(true),
        note: record.note,
    };
    r.offer(line_no, entry);
}

fn read_vpdq(r: &mut Reader<'_>, input: impl BufRead) -> Result<(), ImportError> {
    if let Some(kind) = r.opts.kind.filter(|&k| k != EntryKind::Vpdq) {
        return Err(ImportError::KindNotSupported {
            file: r.file.clone(),
            format: Format::VpdqText,
            kind,
        });
    }
    r.report.kind = Some(EntryKind::Vpdq);
    let mut frames = Vec::new();
    let mut first = None;
    for_each_line(r, input, |r, line, text| {
        match parse_vpdq_frame(text) {
            Ok(frame) => {
                first.get_or_insert(line);
                frames.push(frame);
            }
            Err(reason) => r.skip(line, reason),
        }
        Ok(())
    })?;
    if let Some(line) = first {
        let entry = NewEntry::new(EntryValue::Vpdq(frames), r.default_source.clone());
        r.offer(line, entry);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// Splits the `category:<NAME>` tag (written by the `pytx-csv` import) from the other tags.
fn category_and_tags(tags: &[String]) -> (&str, String) {
    let mut category = "";
    let mut rest = Vec::new();
    for tag in tags {
        match tag.strip_prefix("category:") {
            Some(c) if category.is_empty() => category = c,
            _ => rest.push(tag.as_str()),
        }
    }
    (category, rest.join(" "))
}

/// Writes entries in a format; see [`crate::Bank::export`].
pub(crate) fn write_entries<'a>(
    out: impl Write,
    entries: impl Iterator<Item = &'a Entry>,
    opts: &ExportOptions,
) -> Result<usize, ExportError> {
    let format = opts.format;
    let selected: Vec<&Entry> = entries
        .filter(|e| opts.include_disabled || e.enabled)
        .filter(|e| opts.kind.is_none_or(|k| e.kind() == k))
        .collect();
    let mut kinds: Vec<EntryKind> = selected.iter().map(|e| e.kind()).collect();
    kinds.sort();
    kinds.dedup();
    for &kind in &kinds {
        if !format.carries(kind) {
            return Err(ExportError::KindNotSupported {
                format,
                kind,
                count: selected.iter().filter(|e| e.kind() == kind).count(),
            });
        }
    }
    if format.single_kind() && kinds.len() > 1 {
        return Err(ExportError::KindRequired { format, kinds });
    }
    if format == Format::VpdqText && selected.len() != 1 {
        return Err(ExportError::NotOneVideo {
            count: selected.len(),
        });
    }
    write_selected(out, &selected, format).map_err(|source| ExportError::Io {
        file: "output".to_string(),
        source,
    })?;
    Ok(selected.len())
}

fn write_selected(out: impl Write, selected: &[&Entry], format: Format) -> io::Result<()> {
    match format {
        Format::TeCsv | Format::HmaCsv => {
            let mut w = io::BufWriter::new(out);
            for e in selected {
                let (indicator_id, descriptor_id) = parse_te_source(&e.source);
                let value = e.value.to_text();
                let tags = e.tags.join(" ");
                let record: Vec<&str> = if format == Format::TeCsv {
                    vec![&value, descriptor_id, &e.added, &tags]
                } else {
                    vec![&value, indicator_id, descriptor_id, &e.added, &tags]
                };
                w.write_all(csv_line(&record).as_bytes())?;
            }
            w.flush()
        }
        Format::PytxCsv => {
            let mut w = io::BufWriter::new(out);
            w.write_all(b"signal_type,signal_str,collab,category,tags\n")?;
            for e in selected {
                let collab = e.source.strip_prefix("collab:").unwrap_or("");
                let (category, tags) = category_and_tags(&e.tags);
                let line = csv_line(&[
                    signal_name(e.kind()),
                    &e.value.to_text(),
                    collab,
                    category,
                    &tags,
                ]);
                w.write_all(line.as_bytes())?;
            }
            w.flush()
        }
        Format::LocalFile => {
            let mut w = io::BufWriter::new(out);
            for e in selected {
                writeln!(w, "{} {}", signal_name(e.kind()), e.value.to_text())?;
            }
            w.flush()
        }
        Format::HmaJson => {
            let mut w = io::BufWriter::new(out);
            for e in selected {
                let mut obj = serde_json::Map::new();
                obj.insert(
                    signal_name(e.kind()).to_string(),
                    serde_json::Value::String(e.value.to_text()),
                );
                if let Some(note) = &e.note {
                    obj.insert("note".into(), serde_json::Value::String(note.clone()));
                }
                serde_json::to_writer(&mut w, &obj)?;
                w.write_all(b"\n")?;
            }
            w.flush()
        }
        Format::Jsonl => {
            let mut w = io::BufWriter::new(out);
            for e in selected {
                w.write_all(e.to_json_line().as_bytes())?;
                w.write_all(b"\n")?;
            }
            w.flush()
        }
        Format::VpdqText => {
            let mut w = io::BufWriter::new(out);
            for e in selected {
                if let EntryValue::Vpdq(frames) = &e.value {
                    w.write_all(vpdq_to_text(frames).as_bytes())?;
                }
            }
            w.flush()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        let pdq = "acecf3355e3125c8e24e2f30e0d4ec4f8482b878b3c34cdbdf063278db275992";
        assert_eq!(
            detect_format(&format!("{pdq},1,2020-07-31T18:47:52+0000,a b")),
            Ok(Format::TeCsv)
        );
        assert_eq!(
            detect_format(&format!("{pdq},1,0,2020-07-31T18:47:52+0000,a b")),
            Ok(Format::HmaCsv)
        );
        assert_eq!(
            detect_format(&format!("0,100,{pdq},0.000")),
            Ok(Format::VpdqText)
        );
        assert_eq!(detect_format(&format!("pdq {pdq}")), Ok(Format::LocalFile));
        assert_eq!(detect_format(pdq), Ok(Format::LocalFile));
        assert_eq!(
            detect_format("signal_type,signal_str,collab,category,tags"),
            Ok(Format::PytxCsv)
        );
        assert_eq!(
            detect_format(&format!(r#"{{"pdq": "{pdq}"}}"#)),
            Ok(Format::HmaJson)
        );
        assert_eq!(
            detect_format(&format!(r#"{{"kind": "pdq", "value": "{pdq}"}}"#)),
            Ok(Format::Jsonl)
        );
        assert_eq!(
            detect_format("\"{\"\"and\"\":1}\"\t32\t2020-07-31T19:54:39+0000\tx y"),
            Ok(Format::TeCsv)
        );
        assert!(detect_format("This is sample data, and more.").is_err());
    }

    #[test]
    fn file_names() {
        let kind = |n: &str| match hint_from_file_name(n) {
            NameHint::Kind(k) => Some(k.as_str().to_string()),
            NameHint::NotHash(s) => Some(format!("not:{s}")),
            NameHint::None => None,
        };
        assert_eq!(kind("pdq.csv").as_deref(), Some("pdq"));
        assert_eq!(kind("holidays-jpg1-pdq-hashes.csv").as_deref(), Some("pdq"));
        assert_eq!(kind("video_md5.csv").as_deref(), Some("md5"));
        assert_eq!(kind("dir/photo_md5.csv").as_deref(), Some("md5"));
        assert_eq!(kind("simple.pdq.te").as_deref(), Some("pdq"));
        assert_eq!(kind("pdq_ocr.csv").as_deref(), Some("not:pdq_ocr"));
        assert_eq!(kind("raw_text.csv").as_deref(), Some("not:raw_text"));
        assert_eq!(kind("list.csv"), None);
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(split_csv("a,b,,c", ','), ["a", "b", "", "c"]);
        assert_eq!(
            split_csv("\"x, \"\"y\"\"\",1,2", ','),
            ["x, \"y\"", "1", "2"]
        );
        assert_eq!(split_csv("\"unterminated,1", ','), ["unterminated,1"]);
        let fields = ["x, \"y\"", "plain", "", "two words"];
        let line = csv_line(&fields);
        assert_eq!(line, "\"x, \"\"y\"\"\",plain,,two words\n");
        assert_eq!(split_csv(line.trim_end(), ','), fields);
    }

    #[test]
    fn te_sources_round_trip() {
        for (i, d) in [("", ""), ("", "12"), ("7", ""), ("7", "0012")] {
            assert_eq!(parse_te_source(&te_source(i, d)), (i, d));
        }
        assert_eq!(parse_te_source("reviewer"), ("", ""));
    }

    #[test]
    fn timestamps_round_trip() {
        for t in [0.0, 0.033, 3.967, 1.0 / 30.0, 12_345.678_9] {
            let s = format_timestamp(t);
            assert_eq!(s.parse::<f64>(), Ok(t), "{s}");
        }
        assert_eq!(format_timestamp(0.067), "0.067");
    }
}
