//! Media hashing: bounded decoding ([`decode`]), PDQ ([`pdq`], bit-exact with Meta's
//! reference) and exact digests ([`digest`]).
#![deny(missing_docs)]

pub mod decode;
pub mod digest;
pub mod pdq;
pub mod vpdq;

use decode::{DecodeError, DecodeLimits};
use pdq::PdqDihedral;

/// An image file's perceptual hashes and what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHashes {
    /// The container format (`jpeg`, `png`, `webp`, `gif`, `bmp`).
    pub format: &'static str,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// PDQ of the image and of its 7 other rotations and flips (`pdq.hashes[0]` is the plain one).
    pub pdq: PdqDihedral,
}

/// Decode an image's bytes within `limits` and hash it with PDQ: what every front end does
/// with an uploaded or local image. The pixels are dropped before returning.
pub fn hash_image(bytes: &[u8], limits: &DecodeLimits) -> Result<ImageHashes, DecodeError> {
    let image = decode::decode(bytes, limits)?;
    Ok(ImageHashes {
        format: image.format,
        width: image.width,
        height: image.height,
        pdq: pdq::hash_rgb_dihedral(image.width, image.height, &image.pixels),
    })
}
