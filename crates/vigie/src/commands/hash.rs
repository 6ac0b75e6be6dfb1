//! `vigie hash`: PDQ / vPDQ / MD5 / SHA-256 of media files, one JSON line each.

use super::{output, Status};
use crate::args::HashArgs;
use crate::media::{self, Content};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use vigie_media::decode::DecodeLimits;
use vigie_media::vpdq::VpdqOptions;
use vigie_media::{digest, pdq};

pub fn run(args: HashArgs) -> anyhow::Result<Status> {
    let limits = DecodeLimits {
        max_bytes: args.max_mib << 20,
        ..DecodeLimits::default()
    };
    let mut out = output(args.out.as_deref())?;
    let progress = progress_bar(args.files.len() as u64);
    let results: Vec<Result<Value, String>> = args
        .files
        .par_iter()
        .map(|path| {
            let r = hash_file(path, &args, &limits);
            progress.inc(1);
            r
        })
        .collect();
    progress.finish_and_clear();
    let mut failed = 0;
    for (path, result) in args.files.iter().zip(results) {
        match result {
            Ok(line) => writeln!(out, "{line}")?,
            Err(e) => {
                failed += 1;
                eprintln!("vigie: {}: {e}", path.display());
            }
        }
    }
    out.flush()?;
    Ok(if failed > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}

/// One file's line.
fn hash_file(path: &Path, args: &HashArgs, limits: &DecodeLimits) -> Result<Value, String> {
    let mut line = json!({"path": path.display().to_string()});
    let map = line.as_object_mut().expect("object");
    if media::is_video(path) && !args.vpdq {
        // Digests only; the frames need --vpdq (and ffmpeg).
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
        let d = digest::digests(&bytes);
        map.insert("type".into(), "video".into());
        map.insert("md5".into(), d.md5.into());
        map.insert("sha256".into(), d.sha256.into());
        return Ok(line);
    }
    let video = VpdqOptions {
        seconds_per_hash: args.seconds_per_hash,
        ..VpdqOptions::default()
    };
    let hashed = media::hash_file(path, limits, &video)?;
    match hashed.content {
        Content::Image(image) => {
            let d = image.pdq;
            map.insert("type".into(), "image".into());
            map.insert("format".into(), image.format.into());
            map.insert("width".into(), image.width.into());
            map.insert("height".into(), image.height.into());
            map.insert("pdq".into(), d.hashes[0].to_string().into());
            map.insert("quality".into(), d.quality.into());
            if args.dihedral {
                let named: serde_json::Map<String, Value> = pdq::DIHEDRAL_NAMES
                    .iter()
                    .zip(d.hashes)
                    .map(|(n, h)| (n.to_string(), h.to_string().into()))
                    .collect();
                map.insert("dihedral".into(), named.into());
            }
        }
        Content::Video { frames } => {
            map.insert("type".into(), "video".into());
            map.insert(
                "frames".into(),
                serde_json::to_value(frames).expect("frames serialise"),
            );
        }
    }
    map.insert("md5".into(), hashed.digests.md5.into());
    map.insert("sha256".into(), hashed.digests.sha256.into());
    Ok(line)
}

/// A bar on stderr when it is a terminal and there is more than a handful of files.
fn progress_bar(files: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if files < 8 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} files ({per_sec}, {eta} left)",
        )
        .expect("valid template"),
    );
    bar
}
