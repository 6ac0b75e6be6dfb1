//! PDQ: Meta's 256-bit perceptual image hash, bit-exact with the reference.
//!
//! Written from the published description (`pdqhash-2017-10-09.pdf`) and checked against the
//! reference's output on the anchor vectors (`shared/anchors/pdq/lossless/`). The steps, all in
//! `f32` in the reference's order of operations so that every bit agrees:
//!
//! 1. Luminance `Y = 0.299 R + 0.587 G + 0.114 B` per pixel, computed in `f64` and rounded to
//!    `f32`, as the `pdqhash` binding (what HMA and python-threatexchange run) feeds the C++ core;
//!    Meta's C++ tools (and vPDQ) compute it in `f32` ([`Luma::Cpp`]), which can move a
//!    coefficient next to the median across it.
//! 2. A Jarosz filter: two rounds of a box filter along rows then along columns, each window
//!    `ceil(dim / 128)` wide (a tent-like blur that leaves 64 samples per dimension).
//! 3. Decimation to 64×64 at the sample centres `floor((i + 0.5) · dim / 64)`.
//! 4. Quality: the sum of quantised gradients of the 64×64 image, `/ 90`, capped at 100.
//! 5. DCT-II, keeping coefficients 1..=16 in each dimension (16×16).
//! 6. Bit `16 i + j` is set when coefficient `(i, j)` is strictly above the median
//!    (the 128th smallest of the 256).
//!
//! Images under 5 pixels in either dimension hash to zero with quality 0, as in the reference.
//!
//! Only the pixels the decimation reads are finished: the second round of the blur keeps the
//! reference's running sums along every row and column (so the floating-point results are the
//! same) but divides and stores only at the 64 sampled columns and rows.

use std::sync::OnceLock;

use vigie_core::Hash256;

/// Smallest width or height that is hashed; smaller images get a zero hash, quality 0.
pub const MIN_DIM: usize = 5;

/// Quality under which a hash is usually too unreliable to match on (reference guidance).
pub const MIN_USEFUL_QUALITY: u8 = 50;

/// A PDQ hash and its quality (0..=100).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pdq {
    /// The 256-bit hash.
    pub hash: Hash256,
    /// How much detail the image has: 0 (flat) to 100.
    pub quality: u8,
}

/// The 8 dihedral transforms of an image, in the reference's order.
pub const DIHEDRAL_NAMES: [&str; 8] = [
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flipx",
    "flipy",
    "flipplus1",
    "flipminus1",
];

/// The PDQ hashes of an image's 8 dihedral transforms (rotations and flips), computed from one
/// DCT: matching all 8 finds rotated and mirrored copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdqDihedral {
    /// In the order of [`DIHEDRAL_NAMES`]; `hashes[0]` is the plain hash.
    pub hashes: [Hash256; 8],
    /// Quality of the image (the same for every transform).
    pub quality: u8,
}

/// How the luminance is computed: the reference's implementations differ in the last bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Luma {
    /// In `f64`, rounded to `f32`: the PyPI `pdqhash` binding, which python-threatexchange and
    /// HMA use for images (the anchor's lossless vectors).
    #[default]
    Pdqhash,
    /// In `f32`: Meta's C++ tools, among them the vPDQ reference for video frames.
    Cpp,
}

/// PDQ of an RGB24 image (row-major, 3 bytes per pixel), as the `pdqhash` binding computes it.
///
/// # Panics
/// When `rgb` is shorter than `width * height * 3`.
pub fn hash_rgb(width: usize, height: usize, rgb: &[u8]) -> Pdq {
    hash_rgb_with(width, height, rgb, Luma::Pdqhash)
}

/// PDQ of an RGB24 image with the given luminance arithmetic.
///
/// # Panics
/// When `rgb` is shorter than `width * height * 3`.
pub fn hash_rgb_with(width: usize, height: usize, rgb: &[u8], luma: Luma) -> Pdq {
    match dct_rgb(width, height, rgb, luma) {
        Some((dct, quality)) => Pdq {
            hash: bits(&dct),
            quality,
        },
        None => Pdq {
            hash: Hash256::ZERO,
            quality: 0,
        },
    }
}

/// The 8 dihedral PDQ hashes of an RGB24 image.
///
/// # Panics
/// When `rgb` is shorter than `width * height * 3`.
pub fn hash_rgb_dihedral(width: usize, height: usize, rgb: &[u8]) -> PdqDihedral {
    let Some((dct, quality)) = dct_rgb(width, height, rgb, Luma::Pdqhash) else {
        return PdqDihedral {
            hashes: [Hash256::ZERO; 8],
            quality: 0,
        };
    };
    let mut hashes = [Hash256::ZERO; 8];
    for (t, h) in hashes.iter_mut().enumerate() {
        *h = bits(&dihedral(&dct, t));
    }
    PdqDihedral { hashes, quality }
}

type Dct16 = [[f32; 16]; 16];

fn dct_rgb(width: usize, height: usize, rgb: &[u8], luma: Luma) -> Option<(Dct16, u8)> {
    if width < MIN_DIM || height < MIN_DIM {
        return None;
    }
    let n = width * height;
    assert!(
        rgb.len() >= n * 3,
        "RGB buffer too short for {width}x{height}"
    );
    let pixels = rgb[..n * 3].chunks_exact(3);
    let luma: Vec<f32> = match luma {
        Luma::Pdqhash => pixels
            .map(|p| (p[0] as f64 * 0.299 + p[1] as f64 * 0.587 + p[2] as f64 * 0.114) as f32)
            .collect(),
        Luma::Cpp => pixels
            .map(|p| 0.299f32 * p[0] as f32 + 0.587f32 * p[1] as f32 + 0.114f32 * p[2] as f32)
            .collect(),
    };
    Some(dct_luma(width, height, luma))
}

/// The reference's window: `ceil(old / (2 · new))` with new = 64.
fn window(dim: usize) -> usize {
    dim.div_ceil(2 * 64)
}

/// The sample positions of the decimation: `floor((i + 0.5) · dim / 64)`.
fn sample_positions(dim: usize) -> [usize; 64] {
    let mut out = [0usize; 64];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (((i as f64 + 0.5) * dim as f64) / 64.0) as usize;
    }
    out
}

/// The box filter's four phases for a vector of `len` values with a `win`-wide window: calls
/// `emit(out_index, sum, count)` for each output in order, after `add`/`sub` of inputs.
/// Shared by the row and column passes so both follow the reference's exact order.
#[inline(always)]
fn box_phases(
    len: usize,
    win: usize,
    mut step: impl FnMut(Option<usize>, Option<usize>, Option<(usize, f32)>),
) {
    let half = (win + 2) / 2;
    let phase1 = half - 1;
    let phase2 = win - half + 1;
    let phase3 = len.saturating_sub(win);
    let phase4 = half - 1;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut count = 0usize;
    for _ in 0..phase1 {
        step(Some(ri), None, None);
        count += 1;
        ri += 1;
    }
    for _ in 0..phase2 {
        count += 1;
        step(Some(ri), None, Some((oi, count as f32)));
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase3 {
        step(Some(ri), Some(li), Some((oi, count as f32)));
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase4 {
        count -= 1;
        step(None, Some(li), Some((oi, count as f32)));
        li += 1;
        oi += 1;
    }
}

/// The reference's running sum along one row: `emit(out_index, sum, count)` for each output.
#[inline(always)]
fn box_row(row: &[f32], win: usize, mut emit: impl FnMut(usize, f32, f32)) {
    let mut sum = 0.0f32;
    box_phases(row.len(), win, |add, sub, out| {
        if let Some(a) = add {
            sum += row[a];
        }
        if let Some(s) = sub {
            sum -= row[s];
        }
        if let Some((o, c)) = out {
            emit(o, sum, c);
        }
    });
}

/// One box pass along each row of `input` (rows × cols) into `output`; when `keep` is given,
/// only those columns are divided and stored (into an rows × keep.len() buffer).
fn box_rows(
    input: &[f32],
    output: &mut [f32],
    rows: usize,
    cols: usize,
    win: usize,
    keep: Option<&[usize; 64]>,
) {
    for (r, row) in input.chunks_exact(cols).take(rows).enumerate() {
        match keep {
            None => {
                let out = &mut output[r * cols..(r + 1) * cols];
                box_row(row, win, |o, sum, c| out[o] = sum / c);
            }
            Some(keep) => {
                let out = &mut output[r * 64..(r + 1) * 64];
                let mut next = 0usize;
                box_row(row, win, |o, sum, c| {
                    // Sample positions are non-decreasing; several may hit one column.
                    while next < 64 && keep[next] == o {
                        out[next] = sum / c;
                        next += 1;
                    }
                });
            }
        }
    }
}

/// One box pass down each column of `input` (rows × cols) into `output`, all columns at once
/// (row by row, so it streams through memory and vectorises); the per-column arithmetic is the
/// reference's. When `keep` is given only those rows are divided and stored (64 × cols).
fn box_cols(
    input: &[f32],
    output: &mut [f32],
    rows: usize,
    cols: usize,
    win: usize,
    keep: Option<&[usize; 64]>,
) {
    let mut sums = vec![0.0f32; cols];
    let mut next = 0usize;
    box_phases(rows, win, |add, sub, emit| {
        if let Some(a) = add {
            for (s, v) in sums.iter_mut().zip(&input[a * cols..(a + 1) * cols]) {
                *s += v;
            }
        }
        if let Some(l) = sub {
            for (s, v) in sums.iter_mut().zip(&input[l * cols..(l + 1) * cols]) {
                *s -= v;
            }
        }
        if let Some((o, c)) = emit {
            match keep {
                None => {
                    for (d, s) in output[o * cols..(o + 1) * cols].iter_mut().zip(&sums) {
                        *d = s / c;
                    }
                }
                Some(keep) => {
                    while next < 64 && keep[next] == o {
                        for (d, s) in output[next * cols..(next + 1) * cols].iter_mut().zip(&sums) {
                            *d = s / c;
                        }
                        next += 1;
                    }
                }
            }
        }
    });
}

/// Blur, decimate, measure quality and take the DCT of a luminance image.
fn dct_luma(width: usize, height: usize, mut luma: Vec<f32>) -> (Dct16, u8) {
    let (rows, cols) = (height, width);
    let win_rows = window(cols); // window along each row
    let win_cols = window(rows); // window down each column
    let sample_r = sample_positions(rows);
    let sample_c = sample_positions(cols);

    let mut tmp = vec![0.0f32; rows * cols];
    // Round 1, in full.
    box_rows(&luma, &mut tmp, rows, cols, win_rows, None);
    box_cols(&tmp, &mut luma, rows, cols, win_cols, None);
    // Round 2: rows, stored only at the sampled columns (rows × 64)...
    let mut narrow = vec![0.0f32; rows * 64];
    box_rows(&luma, &mut narrow, rows, cols, win_rows, Some(&sample_c));
    drop(tmp);
    drop(luma);
    // ...then columns of that, stored only at the sampled rows (64 × 64). The reference runs
    // this pass on every column; the sampled ones see exactly the same sums.
    let mut a = vec![0.0f32; 64 * 64];
    box_cols(&narrow, &mut a, rows, 64, win_cols, Some(&sample_r));

    let mut a64 = [[0.0f32; 64]; 64];
    for (i, row) in a64.iter_mut().enumerate() {
        row.copy_from_slice(&a[i * 64..(i + 1) * 64]);
    }
    let quality = quality(&a64);
    (dct64_to_16(&a64), quality)
}

/// The reference's quality heuristic on the 64×64 image.
fn quality(a: &[[f32; 64]; 64]) -> u8 {
    let mut gradient_sum: i32 = 0;
    let step = |u: f32, v: f32| -> i32 { (((u - v) * 100.0) / 255.0) as i32 };
    for pair in a.windows(2) {
        for (u, v) in pair[0].iter().zip(&pair[1]) {
            gradient_sum += step(*u, *v).abs();
        }
    }
    for row in a.iter() {
        for j in 0..63 {
            gradient_sum += step(row[j], row[j + 1]).abs();
        }
    }
    (gradient_sum / 90).min(100) as u8
}

/// Rows 1..=16 of the 64-point DCT-II matrix, scaled by `sqrt(2/64)`, as the reference builds
/// it (the scale in `f32`, the cosine in `f64`, the product rounded to `f32`).
fn dct_matrix() -> &'static [[f32; 64]; 16] {
    static MATRIX: OnceLock<[[f32; 64]; 16]> = OnceLock::new();
    MATRIX.get_or_init(|| {
        let scale = (2.0f64 / 64.0).sqrt() as f32;
        let mut m = [[0.0f32; 64]; 16];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                let angle =
                    (std::f64::consts::PI / 2.0 / 64.0) * (i + 1) as f64 * (2 * j + 1) as f64;
                *v = (scale as f64 * angle.cos()) as f32;
            }
        }
        m
    })
}

/// `B = D · A · Dᵀ`, summing in the reference's order (k = 0..64, one product at a time).
fn dct64_to_16(a: &[[f32; 64]; 64]) -> Dct16 {
    let d = dct_matrix();
    let mut t = [[0.0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut sum = 0.0f32;
            for k in 0..64 {
                sum += d[i][k] * a[k][j];
            }
            t[i][j] = sum;
        }
    }
    let mut b = [[0.0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut sum = 0.0f32;
            for k in 0..64 {
                sum += t[i][k] * d[j][k];
            }
            b[i][j] = sum;
        }
    }
    b
}

/// The DCT of a rotated or flipped image, from the DCT of the original: transposes and sign
/// changes of odd frequencies (the order of [`DIHEDRAL_NAMES`]).
fn dihedral(a: &Dct16, transform: usize) -> Dct16 {
    let mut b = [[0.0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let v = a[i][j];
            let odd_i = i & 1 == 1;
            let odd_j = j & 1 == 1;
            let odd_sum = (i + j) & 1 == 1;
            let (transpose, negate) = match transform {
                0 => (false, false),
                1 => (true, !odd_j),
                2 => (false, odd_sum),
                3 => (true, !odd_i),
                4 => (false, !odd_i),
                5 => (false, !odd_j),
                6 => (true, false),
                _ => (true, odd_sum),
            };
            let v = if negate { -v } else { v };
            if transpose {
                b[j][i] = v;
            } else {
                b[i][j] = v;
            }
        }
    }
    b
}

/// Bit `16 i + j` set when coefficient `(i, j)` is strictly above the lower median.
fn bits(dct: &Dct16) -> Hash256 {
    let mut sorted: Vec<f32> = dct.iter().flatten().copied().collect();
    sorted.sort_unstable_by(f32::total_cmp);
    let median = sorted[127];
    let mut hash = Hash256::ZERO;
    for (i, row) in dct.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v > median {
                hash.set_bit(i * 16 + j);
            }
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_images_hash_to_zero() {
        let p = hash_rgb(4, 4, &[200; 48]);
        assert_eq!(
            p,
            Pdq {
                hash: Hash256::ZERO,
                quality: 0
            }
        );
    }

    #[test]
    fn flat_image_has_quality_zero() {
        let p = hash_rgb(100, 80, &vec![128; 100 * 80 * 3]);
        assert_eq!(p.quality, 0);
    }

    #[test]
    fn box_filter_of_window_one_is_identity() {
        let input: Vec<f32> = (0..25).map(|v| v as f32 * 1.5).collect();
        let mut out = vec![0.0; 25];
        box_rows(&input, &mut out, 5, 5, 1, None);
        assert_eq!(input, out);
        box_cols(&input, &mut out, 5, 5, 1, None);
        assert_eq!(input, out);
    }

    #[test]
    fn box_filter_follows_the_reference_phases() {
        // Window 3 over 0..6: half 2 -> outputs averaged over 2,3,3,3,3,2 values.
        let input: Vec<f32> = (0..6).map(|v| v as f32).collect();
        let mut out = vec![0.0; 6];
        box_rows(&input, &mut out, 1, 6, 3, None);
        assert_eq!(out, vec![0.5, 1.0, 2.0, 3.0, 4.0, 4.5]);
    }
}
