//! Bounded image decoding: JPEG, PNG, WebP, GIF (first frame) and BMP to RGB24.
//!
//! JPEG goes through libjpeg-turbo's decoder (the `mozjpeg` crate, built from C source) so that
//! the pixels, and so the PDQ hashes, are those PIL and the reference's users get; other formats
//! and CMYK JPEGs through the `image` crate.
//!
//! Every file is attacker-controlled, so decoding has limits: on the bytes read, on the width,
//! the height and the pixel count, and on the memory the decoder may allocate. A file over a
//! limit, a decompression bomb (a small file that claims a huge image), a truncated or corrupt
//! file each get an [`DecodeError`] that says which; nothing panics.

use std::io::Cursor;
use std::path::Path;

use image::{ImageFormat, ImageReader};

/// Limits on what is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Largest width or height, in pixels.
    pub max_side: u32,
    /// Largest width × height.
    pub max_pixels: u64,
    /// Most memory the decoder may allocate, in bytes.
    pub max_alloc: u64,
}

impl Default for DecodeLimits {
    /// 64 MiB files, 16,384 px sides, 64 megapixels, 1 GiB of decoder memory.
    fn default() -> Self {
        DecodeLimits {
            max_bytes: 64 << 20,
            max_side: 16_384,
            max_pixels: 64_000_000,
            max_alloc: 1 << 30,
        }
    }
}

/// A decoded image: RGB24, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height * 3` bytes.
    pub pixels: Vec<u8>,
    /// The container format (`jpeg`, `png`, `webp`, `gif`, `bmp`).
    pub format: &'static str,
}

/// Why an image could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is larger than [`DecodeLimits::max_bytes`].
    #[error("file is {size} bytes, over the limit of {limit} bytes")]
    TooManyBytes {
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not one of the supported formats.
    #[error("not a supported image (JPEG, PNG, WebP, GIF or BMP)")]
    UnknownFormat,
    /// The header claims dimensions over the limits: refused before decoding (a decompression
    /// bomb is caught here).
    #[error("image is {width}x{height}, over the limit ({limit})")]
    TooLarge {
        /// Width the header claims.
        width: u32,
        /// Height the header claims.
        height: u32,
        /// Which limit: "max side 16384 px", "max 64000000 pixels"...
        limit: String,
    },
    /// The decoder would need more memory than [`DecodeLimits::max_alloc`].
    #[error("decoding needs more memory than the limit of {0} bytes")]
    MemoryLimit(u64),
    /// The data is corrupt or truncated.
    #[error("corrupt or truncated {format} image: {detail}")]
    Corrupt {
        /// The container format.
        format: &'static str,
        /// The decoder's message.
        detail: String,
    },
}

/// Read and decode an image file.
pub fn decode_file(path: &Path, limits: &DecodeLimits) -> Result<RgbImage, DecodeError> {
    let io = |source| DecodeError::Io {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > limits.max_bytes {
        return Err(DecodeError::TooManyBytes {
            size,
            limit: limits.max_bytes,
        });
    }
    decode(&std::fs::read(path).map_err(io)?, limits)
}

/// Decode an image from its bytes.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, DecodeError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(DecodeError::TooManyBytes {
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| DecodeError::UnknownFormat)?;
    let name = match format {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        ImageFormat::WebP => "webp",
        ImageFormat::Gif => "gif",
        ImageFormat::Bmp => "bmp",
        _ => return Err(DecodeError::UnknownFormat),
    };
    let corrupt = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => DecodeError::MemoryLimit(limits.max_alloc),
        other => DecodeError::Corrupt {
            format: name,
            detail: other.to_string(),
        },
    };
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(DecodeError::Corrupt {
            format: name,
            detail: "no end-of-image marker after the last scan: the file is truncated".into(),
        });
    }
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader().into_dimensions().map_err(corrupt)?;
    if width > limits.max_side || height > limits.max_side {
        let limit = format!("max side {} px", limits.max_side);
        return Err(DecodeError::TooLarge {
            width,
            height,
            limit,
        });
    }
    if width as u64 * height as u64 > limits.max_pixels {
        let limit = format!("max {} pixels", limits.max_pixels);
        return Err(DecodeError::TooLarge {
            width,
            height,
            limit,
        });
    }
    if format == ImageFormat::Jpeg {
        if let Some(pixels) = decode_libjpeg(bytes) {
            return Ok(RgbImage {
                width: width as usize,
                height: height as usize,
                pixels,
                format: name,
            });
        }
    }
    let mut reader = reader();
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l);
    let img = match reader.decode().map_err(corrupt)? {
        // 16-bit grey: PIL (and so python-threatexchange and HMA) clips each value to 255 when
        // it converts to RGB, where `image` would scale; clip too, so the hashes agree.
        image::DynamicImage::ImageLuma16(g) => {
            let (w, h) = g.dimensions();
            let px = g
                .into_raw()
                .into_iter()
                .flat_map(|v| [v.min(255) as u8; 3])
                .collect();
            image::RgbImage::from_raw(w, h, px).expect("3 bytes per pixel")
        }
        other => other.into_rgb8(),
    };
    Ok(RgbImage {
        width: img.width() as usize,
        height: img.height() as usize,
        pixels: img.into_raw(),
        format: name,
    })
}

/// Decode a JPEG with libjpeg-turbo's decoder (integer IDCT, fancy upsampling): bit for bit the
/// pixels PIL and most platforms get, hence PDQ hashes equal to the reference's. `None` for what
/// it does not turn into RGB (CMYK and YCCK files) or fails on; the `image` crate's decoder then
/// takes over. libjpeg reports fatal errors by unwinding, which is caught here.
fn decode_libjpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    std::panic::catch_unwind(|| {
        let d = mozjpeg::Decompress::new_mem(bytes).ok()?;
        if matches!(
            d.color_space(),
            mozjpeg::ColorSpace::JCS_CMYK | mozjpeg::ColorSpace::JCS_YCCK
        ) {
            return None;
        }
        let mut started = d.rgb().ok()?;
        let pixels: Vec<u8> = started.read_scanlines::<u8>().ok()?;
        started.finish().ok()?;
        Some(pixels)
    })
    .ok()
    .flatten()
}

/// A JPEG is complete when an end-of-image marker (`FF D9`) follows its last start-of-scan
/// (`FF DA`). Entropy-coded data stuffs every `FF` with `00`, so neither marker can appear
/// inside a scan; an embedded thumbnail's markers come before the main image's scans. The
/// decoder would otherwise fill a truncated image with grey and hash it without a word.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_scan = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_scan {
        Some(pos) => bytes[pos..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_jpeg_is_refused() {
        // SOI, SOS, some data, no EOI.
        let truncated = [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x12, 0x34];
        assert!(!jpeg_is_complete(&truncated));
        let complete = [
            0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x12, 0xFF, 0x00, 0xFF, 0xD9,
        ];
        assert!(jpeg_is_complete(&complete));
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        // A valid 1x1 PNG whose header is edited to claim 100,000 x 100,000 pixels.
        let mut png = Vec::new();
        let img = image::RgbImage::new(1, 1);
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        match decode(&png, &DecodeLimits::default()) {
            Err(DecodeError::TooLarge {
                width: 100_000,
                height: 100_000,
                ..
            }) => {}
            Err(DecodeError::Corrupt { .. }) => {} // the edited header's CRC no longer matches
            other => panic!("{other:?}"),
        }
        let limits = DecodeLimits {
            max_side: 100_000,
            max_pixels: 1 << 40,
            ..DecodeLimits::default()
        };
        assert!(decode(&png, &limits).is_err());
    }

    #[test]
    fn unknown_bytes_are_not_an_image() {
        assert!(matches!(
            decode(b"hello world, not an image", &DecodeLimits::default()),
            Err(DecodeError::UnknownFormat)
        ));
    }
}
