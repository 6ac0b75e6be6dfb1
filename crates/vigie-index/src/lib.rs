//! Hash banks and matching.
//!
//! [`HammingIndex`] finds every stored 256-bit hash within a Hamming radius of a query (exact,
//! not approximate); [`VideoIndex`] matches vPDQ videos frame by frame as Meta's reference does.
#![deny(missing_docs)]

mod hamming;
mod video;

pub use hamming::{EntryId, HammingIndex, Match, RadiusError, MAX_RADIUS};
pub use video::{compare_videos, VideoIndex, VideoMatch, VpdqThresholds};
