//! PDQ against Meta's reference on the anchor vectors in `shared/anchors/pdq/`.

use std::path::{Path, PathBuf};

use vigie_core::Hash256;
use vigie_media::decode::{decode_file, DecodeLimits};
use vigie_media::pdq;

fn anchors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/anchors/pdq")
}

fn tsv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn every_lossless_vector_is_reproduced_exactly() {
    let dir = anchors().join("lossless");
    let rows = tsv(&dir.join("lossless.tsv"));
    assert_eq!(rows.len(), 33);
    let mut failures = Vec::new();
    for row in &rows {
        let img = decode_file(&dir.join(&row[0]), &DecodeLimits::default()).unwrap();
        assert_eq!(
            (img.width.to_string(), img.height.to_string()),
            (row[1].clone(), row[2].clone()),
            "{}",
            row[0]
        );
        let expected: Hash256 = row[3].parse().unwrap();
        let quality: u8 = row[4].parse().unwrap();
        let got = pdq::hash_rgb(img.width, img.height, &img.pixels);
        if got.hash != expected || got.quality != quality {
            failures.push(format!(
                "{}: distance {} quality {} vs {}",
                row[0],
                got.hash.distance(&expected),
                got.quality,
                quality
            ));
        }
        let dihedral = pdq::hash_rgb_dihedral(img.width, img.height, &img.pixels);
        assert_eq!(dihedral.hashes[0], got.hash);
        for (k, want) in row[5].split(',').enumerate() {
            let want: Hash256 = want.parse().unwrap();
            if dihedral.hashes[k] != want {
                failures.push(format!(
                    "{} {}: distance {}",
                    row[0],
                    pdq::DIHEDRAL_NAMES[k],
                    dihedral.hashes[k].distance(&want)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// JPEG decoders differ in their last bits (IDCT rounding, chroma upsampling), so a JPEG's PDQ
/// depends on the decoder. The anchor gives the pixels libjpeg-turbo decodes (through PIL) and
/// their hash; this prints each image's distance, asserts the reference's own tolerance (<= 10
/// bits at quality >= 80) and the exactness reached here.
#[test]
fn jpeg_hashes_are_within_the_reference_tolerance() {
    use sha2::{Digest, Sha256};
    let root = anchors();
    let rows = tsv(&root.join("jpeg-pixels.tsv"));
    assert_eq!(rows.len(), 37);
    let (mut same_pixels, mut exact, mut worst) = (0, 0, 0u32);
    for row in &rows {
        let path = root.join("images").join(&row[0]);
        let img = decode_file(&path, &DecodeLimits::default()).unwrap();
        let digest: String = Sha256::digest(&img.pixels)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let expected: Hash256 = row[4].parse().unwrap();
        let quality: u8 = row[5].parse().unwrap();
        let got = pdq::hash_rgb(img.width, img.height, &img.pixels);
        let distance = got.hash.distance(&expected);
        println!(
            "{:>3} bits  q {:>3}/{:<3} pixels {}  {}",
            distance,
            got.quality,
            quality,
            if digest == row[3] { "same" } else { "differ" },
            row[0]
        );
        if digest == row[3] {
            same_pixels += 1;
            assert_eq!(
                (got.hash, got.quality),
                (expected, quality),
                "same pixels must give the same hash: {}",
                row[0]
            );
        }
        if distance == 0 {
            exact += 1;
        }
        if quality >= 80 {
            assert!(
                distance <= 10,
                "{}: {distance} bits from the reference",
                row[0]
            );
            worst = worst.max(distance);
        }
    }
    println!(
        "{same_pixels}/{} same pixels, {exact} exact hashes, worst {worst} bits at quality >= 80",
        rows.len()
    );
    // libjpeg-turbo's decoder gives PIL's pixels for every RGB and greyscale JPEG; the CMYK one
    // goes through the `image` crate (PIL converts CMYK its own way) and still hashes the same.
    assert!(
        same_pixels >= 36,
        "only {same_pixels} of 37 JPEGs decode to the reference's pixels"
    );
    assert_eq!(exact, 37, "JPEG hashes not all exact");
    assert_eq!(worst, 0);
}

/// End to end, file to hash, on every anchor image: the hash `pdqhash` gives after PIL decodes the
/// file and converts it to RGB (`generated/pdqhash-0.2.8.tsv`, what python-threatexchange and
/// HMA compute), against Vigie's own decoders.
#[test]
fn every_anchor_image_hashes_as_pil_and_pdqhash_do() {
    let root = anchors();
    let rows = tsv(&root.join("generated/pdqhash-0.2.8.tsv"));
    let mut failures = Vec::new();
    for row in &rows {
        let path = root.join("images").join(&row[0]);
        let img = match decode_file(&path, &DecodeLimits::default()) {
            Ok(img) => img,
            Err(e) => {
                failures.push(format!("{}: {e}", row[0]));
                continue;
            }
        };
        let expected: Hash256 = row[5].parse().unwrap();
        let quality: u8 = row[6].parse().unwrap();
        let got = pdq::hash_rgb(img.width, img.height, &img.pixels);
        if (got.hash, got.quality) != (expected, quality) {
            failures.push(format!(
                "{} ({}): distance {}, quality {} vs {quality}",
                row[0],
                row[1],
                got.hash.distance(&expected),
                got.quality
            ));
        }
    }
    println!(
        "{} of {} images exact",
        rows.len() - failures.len(),
        rows.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
