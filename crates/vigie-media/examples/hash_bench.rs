//! The Vigie side of `bench/peers/hash`: PDQ hashing speed on one thread, against PyPI `pdqhash`.
//!
//! ```text
//! cargo run --release -p vigie-media --example hash_bench -- pixels PIXELS_FILE [--reps R] [--warmup W]
//! cargo run --release -p vigie-media --example hash_bench -- files LIST_FILE [--reps R] [--warmup W]
//! ```
//!
//! * `pixels`: PIXELS_FILE is written by `bench/peers/hash/hash_peer.py` (little-endian): u32 image
//!   count, then per image u32 width, u32 height and `width * height * 3` bytes of RGB24, row-major.
//!   Everything is read into memory first; then only [`hash_rgb`] is timed, image by image.
//! * `files`: LIST_FILE holds one image path per line; each timed call is
//!   [`decode_file`] + [`hash_rgb`] (end to end, the file bytes come from the page cache).
//!
//! Each mode makes `W` untimed passes over all the images (default 1), then `R` timed passes
//! (default 3), on the calling thread only. Output, tab-separated on stdout:
//!
//! ```text
//! hash   INDEX  WIDTH  HEIGHT  HEX  QUALITY      (once per image; ERROR message instead of HEX on failure)
//! time   REP    INDEX  NANOSECONDS               (per timed call)
//! ```
//!
//! Timings are printed, never asserted.

use std::hint::black_box;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use vigie_media::decode::{decode_file, DecodeLimits};
use vigie_media::pdq::{hash_rgb, Pdq};

struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

fn read_u32(r: &mut impl Read) -> u32 {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).expect("truncated pixels file");
    u32::from_le_bytes(b)
}

fn read_pixels(path: &str) -> Vec<Image> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut r = std::io::BufReader::with_capacity(1 << 20, file);
    let count = read_u32(&mut r) as usize;
    (0..count)
        .map(|_| {
            let width = read_u32(&mut r) as usize;
            let height = read_u32(&mut r) as usize;
            let mut rgb = vec![0u8; width * height * 3];
            r.read_exact(&mut rgb).expect("truncated pixels file");
            Image { width, height, rgb }
        })
        .collect()
}

fn emit_hash(out: &mut impl Write, i: usize, w: usize, h: usize, p: &Result<Pdq, String>) {
    match p {
        Ok(p) => writeln!(out, "hash\t{i}\t{w}\t{h}\t{}\t{}", p.hash, p.quality),
        Err(e) => writeln!(out, "hash\t{i}\t{w}\t{h}\tERROR {e}\t0"),
    }
    .unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].parse().expect("a number"))
            .unwrap_or(default)
    };
    let (reps, warmup) = (flag("--reps", 3), flag("--warmup", 1));
    let (Some(mode), Some(input)) = (args.first(), args.get(1)) else {
        eprintln!("usage: hash_bench pixels|files FILE [--reps R] [--warmup W]");
        std::process::exit(2);
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut times: Vec<(usize, usize, u128)> = Vec::new();
    match mode.as_str() {
        "pixels" => {
            let images = read_pixels(input);
            for (i, im) in images.iter().enumerate() {
                let p = hash_rgb(im.width, im.height, &im.rgb);
                emit_hash(&mut out, i, im.width, im.height, &Ok(p));
            }
            for pass in 0..warmup + reps {
                for (i, im) in images.iter().enumerate() {
                    let t = Instant::now();
                    let p = hash_rgb(im.width, im.height, black_box(&im.rgb));
                    let ns = t.elapsed().as_nanos();
                    black_box(p);
                    if pass >= warmup {
                        times.push((pass - warmup, i, ns));
                    }
                }
            }
        }
        "files" => {
            let list = std::fs::read_to_string(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            let paths: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
            let limits = DecodeLimits::default();
            let run = |path: &str| -> Result<(usize, usize, Pdq), String> {
                let im = decode_file(Path::new(path), &limits).map_err(|e| e.to_string())?;
                Ok((
                    im.width,
                    im.height,
                    hash_rgb(im.width, im.height, &im.pixels),
                ))
            };
            for (i, path) in paths.iter().enumerate() {
                match run(path) {
                    Ok((w, h, p)) => emit_hash(&mut out, i, w, h, &Ok(p)),
                    Err(e) => emit_hash(&mut out, i, 0, 0, &Err(e)),
                }
            }
            for pass in 0..warmup + reps {
                for (i, path) in paths.iter().enumerate() {
                    let t = Instant::now();
                    let r = run(black_box(path));
                    let ns = t.elapsed().as_nanos();
                    black_box(r.ok());
                    if pass >= warmup {
                        times.push((pass - warmup, i, ns));
                    }
                }
            }
        }
        other => {
            eprintln!("unknown mode {other:?}: pixels or files");
            std::process::exit(2);
        }
    }
    for (rep, i, ns) in times {
        writeln!(out, "time\t{rep}\t{i}\t{ns}").unwrap();
    }
    out.flush().unwrap();
}
