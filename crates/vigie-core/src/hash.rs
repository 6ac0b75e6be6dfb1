//! 256-bit perceptual hashes (PDQ) in the exchange format platforms use.

use std::fmt;
use std::str::FromStr;

/// A 256-bit hash, as PDQ produces it.
///
/// Bit `k` (0..256) is bit `k % 64` of `words[k / 64]`. For PDQ, bit `k = 16 * i + j` is the
/// sign of DCT coefficient row `i`, column `j`. The text form is 64 lowercase hex digits, the
/// 256-bit number most-significant first (Meta's reference, ThreatExchange and HMA all use it):
/// the first four digits are bits 255..240, the last four bits 15..0.
///
/// ```
/// use vigie_core::Hash256;
/// let h: Hash256 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22".parse().unwrap();
/// assert_eq!(h.to_string(), "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22");
/// assert_eq!(h.distance(&h), 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Hash256 {
    /// The bits, least-significant word first.
    pub words: [u64; 4],
}

impl Hash256 {
    /// All bits zero.
    pub const ZERO: Hash256 = Hash256 { words: [0; 4] };

    /// Bit `k` (0..256).
    pub fn bit(&self, k: usize) -> bool {
        self.words[k / 64] >> (k % 64) & 1 == 1
    }

    /// Set bit `k` (0..256).
    pub fn set_bit(&mut self, k: usize) {
        self.words[k / 64] |= 1 << (k % 64);
    }

    /// Flip bit `k` (0..256).
    pub fn flip_bit(&mut self, k: usize) {
        self.words[k / 64] ^= 1 << (k % 64);
    }

    /// Hamming distance: the number of differing bits (0..=256).
    #[inline]
    pub fn distance(&self, other: &Hash256) -> u32 {
        (self.words[0] ^ other.words[0]).count_ones()
            + (self.words[1] ^ other.words[1]).count_ones()
            + (self.words[2] ^ other.words[2]).count_ones()
            + (self.words[3] ^ other.words[3]).count_ones()
    }

    /// Number of bits set.
    pub fn count_ones(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// The 32 bytes, most-significant first (the order of the hex form).
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, w) in self.words.iter().rev().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// From 32 bytes, most-significant first.
    pub fn from_be_bytes(bytes: &[u8; 32]) -> Hash256 {
        let mut words = [0u64; 4];
        for (i, w) in words.iter_mut().rev().enumerate() {
            *w = u64::from_be_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        }
        Hash256 { words }
    }
}

/// One hashed video frame (vPDQ): the frame's index in the decoded stream, its PDQ hash and
/// quality, and its time in seconds. The text form of a frame in Meta's reference is the line
/// `frame,quality,pdq_hex,timestamp` (timestamp with three decimals).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VpdqFrame {
    /// Index of the frame in the decoded stream (0-based).
    pub frame: u32,
    /// PDQ quality, 0..=100.
    pub quality: u8,
    /// PDQ hash of the frame.
    #[serde(rename = "pdq")]
    pub hash: Hash256,
    /// Presentation time in seconds.
    pub timestamp: f64,
}

/// Why a string is not a 256-bit hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    /// Not 64 characters long.
    #[error("a PDQ hash is 64 hex digits; this one has {0} characters")]
    Length(usize),
    /// A character that is not a hex digit.
    #[error("a PDQ hash is 64 hex digits; {0:?} is not one")]
    Digit(char),
}

impl FromStr for Hash256 {
    type Err = HashParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() != 64 {
            return Err(HashParseError::Length(s.chars().count()));
        }
        let mut words = [0u64; 4];
        for (i, c) in s.chars().enumerate() {
            let d = c.to_digit(16).ok_or(HashParseError::Digit(c))? as u64;
            let bit = 255 - i * 4 - 3; // lowest bit of this digit
            words[bit / 64] |= d << (bit % 64);
        }
        Ok(Hash256 { words })
    }
}

impl fmt::Display for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:016x}{:016x}{:016x}{:016x}",
            self.words[3], self.words[2], self.words[1], self.words[0]
        )
    }
}

impl fmt::Debug for Hash256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash256({self})")
    }
}

impl serde::Serialize for Hash256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Hash256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_bit_order() {
        let mut h = Hash256::ZERO;
        h.set_bit(0);
        assert!(h.to_string().ends_with("0001"));
        let mut h = Hash256::ZERO;
        h.set_bit(255);
        assert!(h.to_string().starts_with('8'));
        let s = "e6cf059c2c3a0fb3c8c53a1d3b91c9e6c3f0d4bb4de1b4f28e48d42f8e34c666";
        let h: Hash256 = s.parse().unwrap();
        assert_eq!(h.to_string(), s);
        assert_eq!(Hash256::from_be_bytes(&h.to_be_bytes()), h);
    }

    #[test]
    fn bad_hex_is_named() {
        assert_eq!("abc".parse::<Hash256>(), Err(HashParseError::Length(3)));
        let bad = "g".repeat(64);
        assert_eq!(bad.parse::<Hash256>(), Err(HashParseError::Digit('g')));
    }
}
