//! PDQ hashing from decoded pixels (`hash_rgb`), single-threaded, on a few anchor images of
//! different sizes; and decode + hash of the 1600x1004 photo for comparison.
//!
//! Run: `cargo bench -p vigie-media --bench pdq`. Throughput is reported in pixels. The images come
//! from `shared/anchors/pdq/` next to the workspace; when it is absent, seeded synthetic images of
//! the same sizes are used. The side-by-side comparison with PyPI `pdqhash` is
//! `bench/peers/hash/run.sh`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigie_media::decode::{decode_file, DecodeLimits, RgbImage};
use vigie_media::pdq::{hash_rgb, hash_rgb_dihedral};

fn anchors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/anchors/pdq")
}

/// A seeded noisy gradient (xorshift), for when the anchors are not there.
fn synthetic(width: usize, height: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            for c in 0..3 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let base = (x * 255 / width + y * 255 / height + c * 40) / 2;
                out.push((base + (state % 32) as usize).min(255) as u8);
            }
        }
    }
    out
}

fn load(rel: &str, width: usize, height: usize) -> (Vec<u8>, &'static str) {
    match decode_file(&anchors().join(rel), &DecodeLimits::default()) {
        Ok(RgbImage {
            width: w,
            height: h,
            pixels,
            ..
        }) if (w, h) == (width, height) => (pixels, "anchor"),
        _ => (synthetic(width, height), "synthetic"),
    }
}

fn hashing(c: &mut Criterion) {
    let cases = [
        (
            "images/pdq/data/reg-test-input/dih/bridge-1-original.jpg",
            1600,
            1004,
        ),
        (
            "lossless/pdq__data__reg-test-input__dih__bridge-1-original-512.png",
            512,
            321,
        ),
        (
            "lossless/pdq__data__bridge-mods__square-256x256.png",
            256,
            256,
        ),
        ("lossless/pdq__data__misc-images__wee.png", 34, 42),
    ];
    let mut group = c.benchmark_group("pdq_hash_rgb");
    for (rel, w, h) in cases {
        let (rgb, origin) = load(rel, w, h);
        group.throughput(Throughput::Elements((w * h) as u64));
        group.bench_function(format!("{w}x{h}_{origin}"), |b| {
            b.iter(|| black_box(hash_rgb(w, h, black_box(&rgb))))
        });
        if w == 1600 {
            group.bench_function(format!("{w}x{h}_{origin}_dihedral"), |b| {
                b.iter(|| black_box(hash_rgb_dihedral(w, h, black_box(&rgb))))
            });
        }
    }
    group.finish();

    let photo = anchors().join(cases[0].0);
    if photo.is_file() {
        let mut group = c.benchmark_group("pdq_decode_and_hash");
        group.throughput(Throughput::Elements(1600 * 1004));
        group.bench_function("1600x1004_jpeg", |b| {
            b.iter(|| {
                let im = decode_file(black_box(&photo), &DecodeLimits::default()).unwrap();
                black_box(hash_rgb(im.width, im.height, &im.pixels))
            })
        });
        group.finish();
    }
}

criterion_group!(benches, hashing);
criterion_main!(benches);
