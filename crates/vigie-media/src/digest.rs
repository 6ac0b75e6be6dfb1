//! Exact digests of the bytes (MD5 and SHA-256), for exact-match banks.

use md5::Md5;
use sha2::{Digest, Sha256};

/// MD5 and SHA-256 of some bytes, as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// MD5, 32 hex digits.
    pub md5: String,
    /// SHA-256, 64 hex digits.
    pub sha256: String,
}

/// Both digests of `bytes`.
pub fn digests(bytes: &[u8]) -> Digests {
    Digests {
        md5: hex(&Md5::digest(bytes)),
        sha256: hex(&Sha256::digest(bytes)),
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_digests() {
        let d = super::digests(b"abc");
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
