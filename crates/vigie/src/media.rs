//! Media files at the edge: read, decode and hash them (the engine only sees hashes).

use std::path::{Path, PathBuf};

use vigie_core::{Item, VpdqFrame};
use vigie_media::decode::{DecodeError, DecodeLimits};
use vigie_media::digest::{digests, Digests};
use vigie_media::vpdq::{self, VpdqOptions};
use vigie_media::{hash_image, ImageHashes};

/// File extensions read as video (hashed with vPDQ through ffmpeg).
const VIDEO_EXTENSIONS: [&str; 10] = [
    "mp4", "m4v", "mov", "webm", "mkv", "avi", "3gp", "mpg", "mpeg", "ts",
];

/// What hashing one file gave.
pub struct Hashed {
    /// MD5 and SHA-256 of the bytes.
    pub digests: Digests,
    /// What the content is.
    pub content: Content,
}

/// An image's or a video's perceptual hashes.
pub enum Content {
    /// An image: its format, size and 8 dihedral PDQ hashes.
    Image(Box<ImageHashes>),
    /// A video's hashed frames.
    Video { frames: Vec<VpdqFrame> },
}

/// True when the path looks like a video (by its extension).
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Read and hash one file: an image (PDQ with its dihedral variants) or, when it looks like a
/// video, its vPDQ frames; both with their digests.
pub fn hash_file(
    path: &Path,
    limits: &DecodeLimits,
    video: &VpdqOptions,
) -> Result<Hashed, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if is_video(path) {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        let frames = vpdq::hash_video(path, video).map_err(|e| e.to_string())?;
        return Ok(Hashed {
            digests: digests(&bytes),
            content: Content::Video { frames },
        });
    }
    if size > limits.max_bytes {
        return Err(DecodeError::TooManyBytes {
            size,
            limit: limits.max_bytes,
        }
        .to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let image = hash_image(&bytes, limits).map_err(|e| e.to_string())?;
    Ok(Hashed {
        digests: digests(&bytes),
        content: Content::Image(Box::new(image)),
    })
}

/// Hash the media of an item that come as local paths without hashes, resolving relative paths
/// against `root`. Returns the item with its hashes filled in (unchanged when there was nothing
/// to hash) and one warning per file that could not be hashed.
pub fn prepare(item: &Item, root: &Path) -> (Option<Item>, Vec<String>) {
    let todo = |m: &vigie_core::Media| {
        m.path.is_some()
            && m.pdq.is_none()
            && m.md5.is_none()
            && m.sha256.is_none()
            && m.vpdq.is_empty()
    };
    if !item.media.iter().any(todo) {
        return (None, Vec::new());
    }
    let mut item = item.clone();
    let mut warnings = Vec::new();
    let limits = DecodeLimits::default();
    let video = VpdqOptions::default();
    for (i, media) in item.media.iter_mut().enumerate() {
        if !todo(media) {
            continue;
        }
        let path = media.path.as_deref().expect("checked");
        let full: PathBuf = if Path::new(path).is_absolute() {
            path.into()
        } else {
            root.join(path)
        };
        let name = media.id.clone().unwrap_or_else(|| format!("#{i}"));
        match hash_file(&full, &limits, &video) {
            Ok(h) => {
                media.md5 = Some(h.digests.md5);
                media.sha256 = Some(h.digests.sha256);
                match h.content {
                    Content::Image(image) => {
                        media.pdq = Some(image.pdq.hashes[0]);
                        media.quality = Some(image.pdq.quality);
                    }
                    Content::Video { frames } => media.vpdq = frames,
                }
            }
            Err(e) => warnings.push(format!("media {name} ({path}) not hashed: {e}")),
        }
    }
    (Some(item), warnings)
}
