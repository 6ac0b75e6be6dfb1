//! Vigie's text pipeline: everything that turns a raw text into evidence, and nothing that
//! decides what to do about it.
//!
//! - [`normalize`]: one canonical form with offsets back into the original (NFKC, case,
//!   invisible characters, look-alikes, Arabic folding, Eastern digits, emoji, Arabizi).
//! - [`lang`]: language identification fast enough for every item, covering the languages
//!   no crate covers (Tigrinya, Hausa, Wolof, Pashto, Arabizi).
//! - [`lexicon`] and [`gazetteer`]: terms and places loaded from `data/`, compiled once into
//!   Aho-Corasick automata ([`matcher`]).
//! - [`entities`]: phone numbers, messaging links and handles, payment identifiers, prices and
//!   places, each with its span.
//! - [`Analyzer`]: all of the above, built once and shared across threads.
//!
//! ```
//! use vigie_text::normalize::normalize;
//! let n = normalize("رحلـــة لإيطاليا ٠٩١ ٢٣٤ ٥٦٧٨ 🚤");
//! assert_eq!(n.as_str().trim_end(), "رحله لايطاليا 091 234 5678 emoji_boat");
//! ```
#![deny(missing_docs)]

mod analysis;
pub mod entities;
pub mod gazetteer;
pub mod lang;
pub mod lexicon;
pub mod matcher;
pub mod normalize;
mod tsv;

pub use analysis::{Analysis, Analyzer, Hints};

/// An error in a data file (lexicon, gazetteer): the file, the line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DataError {
    /// The data file.
    pub file: String,
    /// 1-based line number (0 when the problem is the whole file).
    pub line: usize,
    /// What is wrong, naming the field.
    pub message: String,
}

impl DataError {
    /// A new error.
    pub fn new(file: &str, line: usize, message: String) -> DataError {
        DataError {
            file: file.to_string(),
            line,
            message,
        }
    }
}
