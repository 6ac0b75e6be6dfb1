//! Hash banks and matching.
//!
//! [`HammingIndex`] finds every stored 256-bit hash within a Hamming radius of a query (exact,
//! not approximate); [`VideoIndex`] matches vPDQ videos frame by frame as Meta's reference does.
//!
//! A [`Bank`] is a named list of hashes (PDQ, MD5, SHA-256, vPDQ) carrying one of Vigie's labels,
//! stored as files in its own directory; a [`BankSet`] opens every bank of a directory and
//! answers a query across them ([`BankSet::match_pdq`], [`BankSet::match_md5`]...). A set opened
//! with [`BankSet::open_with`] keeps its banks in a [`BankPersistence`] instead (the server's
//! SQLite store). Hash lists
//! are imported and exported in the ThreatExchange, HMA and python-threatexchange formats and
//! in JSON Lines ([`Format`]). `docs/hash-banks.md` documents the files and formats for users.
#![deny(missing_docs)]

mod bank;
mod exchange;
mod hamming;
mod video;

pub use bank::{
    now_rfc3339, parse_label, validate_bank_name, Bank, BankError, BankInfo, BankMatch,
    BankPersistence, BankSet, Entry, EntryError, EntryKind, EntryValue, HexError, LoadProblem,
    Md5Digest, NewEntry, Sha256Digest, StoredBank, VideoScores, BANK_FILE, ENTRIES_FILE,
    LAYOUT_VERSION, MAX_ADDED_LEN, MAX_BANK_NAME_LEN, MAX_DESCRIPTION_LEN, MAX_NOTE_LEN,
    MAX_SOURCE_LEN, MAX_TAGS, MAX_TAG_LEN, MAX_VPDQ_FRAMES,
};
pub use exchange::{
    detect_format, vpdq_from_text, vpdq_to_text, ExportError, ExportOptions, Format, ImportError,
    ImportOptions, ImportReport, LineIssue,
};
pub use hamming::{EntryId, HammingIndex, Match, RadiusError, MAX_RADIUS};
pub use video::{
    compare_videos, VideoIndex, VideoMatch, VpdqMatchMode, VpdqSimilarity, VpdqThresholds,
    PYTX_INDEX_MATCH_THRESHOLD_PERCENT, PYTX_QUERY_MATCH_THRESHOLD_PERCENT,
};
