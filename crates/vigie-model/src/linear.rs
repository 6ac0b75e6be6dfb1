//! The trainable text model: multinomial logistic regression over hashed character n-grams,
//! word unigrams and bigrams, plus the lexicon categories, entity types, language and item
//! kind as dense features. Class-weighted, trained with Adagrad, deterministic from a seed,
//! calibrated on held-out logits ([`crate::calibration`]).
//!
//! The model file is binary: the magic `VIGIEMDL`, a format version, a JSON metadata block
//! (labels, feature settings, training-data hash, metrics, seed) and the non-zero weights.

use crate::calibration::{softmax, Adjustment};
use std::borrow::Borrow;
use vigie_core::{EntityType, ItemKind, Label};
use vigie_text::lexicon::Category;

/// Hashed feature buckets.
pub const BUCKETS: usize = 1 << 18;
/// Dense features after the hashed ones: 19 lexicon categories, 10 entity types, 24 languages,
/// 9 item kinds, the evidence scorer's 6 scores.
pub const DENSE: usize = 19 + 10 + LANGS.len() + 9 + 6;
/// Total feature width.
pub const WIDTH: usize = BUCKETS + DENSE;
/// Character n-gram lengths, shortest and longest. 2-grams were dropped: on the
/// 15,300-item corpus dev macro-F1 was 0.906 with them and 0.909 without, and without them an
/// item has a third fewer features to hash and score (classify 6% faster).
pub const CHAR_NGRAMS: (usize, usize) = (3, 4);
/// Model file format version (4: character 3-4-grams, one entry per occurrence; 3 read
/// 2-4-grams with log-damped counts).
pub const FORMAT_VERSION: u32 = 4;
const MAGIC: &[u8; 8] = b"VIGIEMDL";

/// Languages with a dense feature.
pub const LANGS: [&str; 24] = [
    "ar", "ar-Latn", "fr", "en", "it", "es", "pt", "de", "nl", "tr", "ti", "am", "so", "ha", "wo",
    "ps", "prs", "fa", "ur", "bn", "pcm", "ckb", "ru", "und",
];

/// What the model reads of one item, already extracted by the text pipeline.
#[derive(Debug, Clone, Default)]
pub struct Example {
    /// Normalised text.
    pub text: String,
    /// Lexicon category strengths, by `Category::index`.
    pub categories: [f32; 19],
    /// Entity counts, by entity type order.
    pub entities: [f32; 10],
    /// Detected language code.
    pub lang: String,
    /// Item kind index (0..9), if known.
    pub kind: Option<usize>,
    /// The evidence scorer's scores (the model learns how far to trust them).
    pub evidence: [f32; 6],
}

/// A sparse feature vector.
pub type Features = Vec<(u32, f32)>;

/// FNV-1a 64 of `bytes`, from the offset basis xor `seed` (one seed per feature kind).
pub(crate) fn fnv(seed: u64, bytes: &[u8]) -> u64 {
    fnv_extend(0xcbf2_9ce4_8422_2325 ^ seed, bytes)
}

/// Continues an FNV-1a 64 hash over more bytes.
fn fnv_extend(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, &b| fnv_step(hash, b))
}

fn fnv_step(hash: u64, byte: u8) -> u64 {
    (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
}

/// The hashed feature bucket of a hash.
fn bucket(hash: u64) -> u32 {
    (hash % BUCKETS as u64) as u32
}

/// The hashed text features of a normalised text, one entry per occurrence (a repeated n-gram
/// appears once per repeat), with the n-gram each bucket came from (for explanations) when
/// `names` is given. Not merging repeats is 7% faster on classify than counting them in a
/// per-item table (the probe's branches were the cost), and dev macro-F1 was 0.909 with
/// log-damped counts, 0.912 without.
pub fn text_features(text: &str, mut names: Option<&mut Vec<(u32, String)>>) -> Features {
    let mut features: Features = Vec::with_capacity(text.len() * 3);
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '\'' && c != '_'))
        .filter(|w| !w.is_empty())
        .take(400)
        .collect();
    let mut buffer = String::new();
    let mut ascii_buffer = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    for word in &words {
        if names.is_none() && word.is_ascii() {
            ascii_char_ngrams(word.as_bytes(), &mut ascii_buffer, &mut features);
            let index = bucket(fnv(2, word.as_bytes()));
            features.push((index, 1.0));
            continue;
        }
        buffer.clear();
        buffer.push(' ');
        buffer.push_str(word);
        buffer.push(' ');
        starts.clear();
        starts.extend(buffer.char_indices().map(|(i, _)| i));
        starts.push(buffer.len());
        let n_chars = starts.len() - 1;
        // Character n-grams from each start, extending one FNV hash char by char.
        let (shortest, longest) = CHAR_NGRAMS;
        for start in 0..n_chars.saturating_sub(shortest - 1) {
            let mut hash = fnv(1, b"");
            for end in start + 1..=(start + longest).min(n_chars) {
                hash = fnv_extend(hash, &buffer.as_bytes()[starts[end - 1]..starts[end]]);
                if end - start < shortest {
                    continue;
                }
                let index = bucket(hash);
                features.push((index, 1.0));
                if let Some(names) = names.as_deref_mut() {
                    let gram = &buffer[starts[start]..starts[end]];
                    names.push((index, format!("chars \"{}\"", gram.trim())));
                }
            }
        }
        let index = bucket(fnv(2, word.as_bytes()));
        features.push((index, 1.0));
        if let Some(names) = names.as_deref_mut() {
            names.push((index, format!("word \"{word}\"")));
        }
    }
    for pair in words.windows(2) {
        // Hash "first second" without building the string.
        let hash = fnv_extend(fnv(3, pair[0].as_bytes()), b" ");
        let index = bucket(fnv_extend(hash, pair[1].as_bytes()));
        features.push((index, 1.0));
        if let Some(names) = names.as_deref_mut() {
            names.push((index, format!("words \"{} {}\"", pair[0], pair[1])));
        }
    }
    // One entry per occurrence, each 1/sqrt(n): repeats add up in the dot product, and the
    // vector has unit length when every n-gram occurs once.
    let value = 1.0 / (features.len().max(1) as f32).sqrt();
    for (_, v) in features.iter_mut() {
        *v = value;
    }
    features
}

/// The character n-grams of an ASCII word (one byte per character), hashed as the general
/// path in [`text_features`] hashes them, without its per-character offsets (8% faster).
fn ascii_char_ngrams(word: &[u8], padded: &mut Vec<u8>, features: &mut Features) {
    const _: () = assert!(CHAR_NGRAMS.0 == 3 && CHAR_NGRAMS.1 == 4);
    padded.clear();
    padded.push(b' ');
    padded.extend_from_slice(word);
    padded.push(b' ');
    for (start, gram) in padded.windows(3).enumerate() {
        let hash = fnv(1, gram);
        features.push((bucket(hash), 1.0));
        if let Some(&fourth) = padded.get(start + 3) {
            features.push((bucket(fnv_step(hash, fourth)), 1.0));
        }
    }
}

/// All features of one example: hashed text features then dense ones.
pub fn features(example: &Example) -> Features {
    let mut features = text_features(&example.text, None);
    push_dense(example, &mut features);
    features
}

fn push_dense(example: &Example, features: &mut Features) {
    let mut offset = BUCKETS as u32;
    for (i, v) in example.categories.iter().enumerate() {
        if *v > 0.0 {
            features.push((offset + i as u32, *v));
        }
    }
    offset += 19;
    for (i, v) in example.entities.iter().enumerate() {
        if *v > 0.0 {
            features.push((offset + i as u32, (1.0 + v).ln()));
        }
    }
    offset += 10;
    if let Some(i) = LANGS.iter().position(|l| *l == example.lang) {
        features.push((offset + i as u32, 1.0));
    }
    offset += LANGS.len() as u32;
    if let Some(kind) = example.kind {
        features.push((offset + kind as u32, 1.0));
    }
    offset += 9;
    for (i, v) in example.evidence.iter().enumerate() {
        if *v > 0.0 {
            features.push((offset + i as u32, *v));
        }
    }
}

/// Names of the dense features, for explanations.
pub fn dense_name(index: usize) -> String {
    let i = index - BUCKETS;
    if i < 19 {
        format!("lexicon {}", Category::ALL[i].as_str())
    } else if i < 29 {
        format!("entity {}", EntityType::ALL[i - 19].as_str())
    } else if i < 29 + LANGS.len() {
        format!("language {}", LANGS[i - 29])
    } else if i < 29 + LANGS.len() + 9 {
        format!("item kind {}", ItemKind::ALL[i - 29 - LANGS.len()].as_str())
    } else {
        format!("evidence score {}", Label::ALL[i - 38 - LANGS.len()])
    }
}

/// Training settings (recorded in the model file).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// Passes over the training examples.
    pub epochs: usize,
    /// Adagrad learning rate.
    pub learning_rate: f32,
    /// L2 penalty.
    pub l2: f32,
    /// Shuffle seed.
    pub seed: u64,
    /// Runs averaged into the model, each shuffled from its own seed (`seed`, `seed + 7919`,
    /// ...). The mean of linear models is one linear model: scoring costs what one run costs.
    pub runs: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            // The best dev macro-F1 on data/corpus among 12, 20, 30, 40, 60, 80 and 120 (40 and
            // 120 again on the 10,800-item corpus: no better).
            epochs: 80,
            // On the 10,800-item corpus, dev macro-F1 by rate: 0.05: 0.888, 0.1: 0.888,
            // 0.2: 0.902, 0.3: 0.892, 0.4: 0.893, 0.8: 0.875 (0.2 also ahead with seed 7).
            learning_rate: 0.2,
            // Chosen on dev among 1e-6, 5e-6, 1e-5, 2e-5, 1e-4 and 1e-3 (with 8 runs).
            l2: 1e-5,
            seed: 42,
            // One run's dev macro-F1 moves by 0.02-0.03 from seed to seed; the mean of 8 runs
            // is steadier and scored 0.02-0.04 higher on dev than one (4: +0.01, 16: no more).
            runs: 8,
        }
    }
}

/// A trained model: weights per label and a calibration temperature.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    /// `WIDTH × 6` weights, feature-major.
    weights: Vec<f32>,
    bias: [f32; 6],
    /// Temperature dividing the logits (fitted on held-out logits).
    pub temperature: f32,
    /// Added to the benign logit (chosen on held-out logits to keep the benign false-positive
    /// rate low).
    pub benign_bias: f32,
    /// Metadata written with the weights.
    pub meta: serde_json::Value,
}

/// A model file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Not a Vigie model (bad magic).
    #[error("not a Vigie model file (it does not start with VIGIEMDL)")]
    NotAModel,
    /// A model written by another format version.
    #[error("model format version {found}, this build reads version {expected}: retrain with `vigie train`")]
    Version {
        /// The file's version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// Truncated or corrupt.
    #[error("corrupt model file: {0}")]
    Corrupt(String),
}

impl LinearModel {
    /// Trains on `(features, label)` pairs, classes weighted to balance: the mean of
    /// `settings.runs` runs. `progress` is called after each epoch of each run with the number
    /// of epochs done so far (`settings.epochs × settings.runs` in all). The examples may be
    /// owned or borrowed (a fold's subset of a larger set).
    pub fn train<E: Borrow<(Features, Label)>>(
        examples: &[E],
        settings: Settings,
        progress: &mut dyn FnMut(usize),
    ) -> LinearModel {
        // The generic part stays this thin: the loops below are compiled here, with this
        // crate's optimisation level, not in each caller's.
        let examples: Vec<&(Features, Label)> = examples.iter().map(Borrow::borrow).collect();
        Self::train_refs(&examples, settings, progress)
    }

    fn train_refs(
        examples: &[&(Features, Label)],
        settings: Settings,
        progress: &mut dyn FnMut(usize),
    ) -> LinearModel {
        let runs = settings.runs.max(1);
        let mut weights = vec![0.0f32; WIDTH * 6];
        let mut bias = [0.0f32; 6];
        for run in 0..runs {
            let seed = settings.seed.wrapping_add(run as u64 * 7919);
            let (w, b) = Self::train_run(examples, settings, seed, &mut |epoch| {
                progress(run * settings.epochs + epoch)
            });
            for (mean, x) in weights.iter_mut().zip(&w) {
                *mean += x;
            }
            for k in 0..6 {
                bias[k] += b[k];
            }
        }
        let scale = 1.0 / runs as f32;
        for w in weights.iter_mut() {
            *w *= scale;
        }
        for b in bias.iter_mut() {
            *b *= scale;
        }
        LinearModel {
            weights,
            bias,
            temperature: 1.0,
            benign_bias: 0.0,
            meta: serde_json::Value::Null,
        }
    }

    /// One run of Adagrad over the examples, shuffled from `seed`.
    fn train_run(
        examples: &[&(Features, Label)],
        settings: Settings,
        seed: u64,
        progress: &mut dyn FnMut(usize),
    ) -> (Vec<f32>, [f32; 6]) {
        let mut counts = [0usize; 6];
        for (_, label) in examples.iter().copied() {
            counts[label.index()] += 1;
        }
        let total = examples.len().max(1) as f32;
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&c| {
                if c == 0 {
                    0.0
                } else {
                    total / (6.0 * c as f32)
                }
            })
            .collect();
        let mut weights = vec![0.0f32; WIDTH * 6];
        let mut squared = vec![1e-8f32; WIDTH * 6];
        let mut bias = [0.0f32; 6];
        let mut bias_squared = [1e-8f32; 6];
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for epoch in 0..settings.epochs {
            crate::shuffle(&mut order, &mut rng);
            for &idx in &order {
                let (x, label) = examples[idx];
                let mut p = bias;
                for (f, v) in x {
                    let row = &weights[*f as usize * 6..*f as usize * 6 + 6];
                    for k in 0..6 {
                        p[k] += row[k] * v;
                    }
                }
                softmax(&mut p);
                let cw = class_weight[label.index()];
                for k in 0..6 {
                    let gradient = (p[k] - if k == label.index() { 1.0 } else { 0.0 }) * cw;
                    if gradient.abs() < 1e-7 {
                        continue;
                    }
                    for (f, v) in x {
                        let at = *f as usize * 6 + k;
                        let g = gradient * v + settings.l2 * weights[at];
                        squared[at] += g * g;
                        weights[at] -= settings.learning_rate * g / squared[at].sqrt();
                    }
                    bias_squared[k] += gradient * gradient;
                    bias[k] -= settings.learning_rate * gradient / bias_squared[k].sqrt();
                }
            }
            progress(epoch + 1);
        }
        (weights, bias)
    }

    /// Raw logits.
    pub fn logits(&self, x: &Features) -> [f32; 6] {
        let mut l = self.bias;
        for (f, v) in x {
            let f = *f as usize;
            if f >= WIDTH {
                continue;
            }
            let row = &self.weights[f * 6..f * 6 + 6];
            for k in 0..6 {
                l[k] += row[k] * v;
            }
        }
        l
    }

    /// Calibrated probabilities per label (in `Label::ALL` order).
    pub fn predict(&self, x: &Features) -> [f32; 6] {
        let mut shift = [0.0; 6];
        shift[Label::Benign.index()] = self.benign_bias;
        Adjustment {
            shift,
            temperature: self.temperature,
        }
        .probabilities(self.logits(x))
    }

    /// Applies a calibration fitted on held-out logits: its shifts join the biases (benign's
    /// as the benign bias) and its temperature replaces the model's.
    pub fn apply(&mut self, adjustment: &Adjustment) {
        for (k, shift) in adjustment.shift.iter().enumerate() {
            if k == Label::Benign.index() {
                self.benign_bias = *shift;
            } else {
                self.bias[k] += shift;
            }
        }
        self.temperature = adjustment.temperature;
    }

    /// The weight of one feature for one label.
    pub fn weight(&self, feature: u32, label: Label) -> f32 {
        self.weights[feature as usize * 6 + label.index()]
    }

    /// Writes the model: magic, version, metadata, then the non-zero rows.
    pub fn to_bytes(&self) -> Vec<u8> {
        let meta = serde_json::to_vec(&self.meta).expect("metadata serialises");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&self.temperature.to_le_bytes());
        out.extend_from_slice(&self.benign_bias.to_le_bytes());
        for b in self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        let rows: Vec<usize> = (0..WIDTH)
            .filter(|f| self.weights[f * 6..f * 6 + 6].iter().any(|w| *w != 0.0))
            .collect();
        out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
        for f in rows {
            out.extend_from_slice(&(f as u32).to_le_bytes());
            for w in &self.weights[f * 6..f * 6 + 6] {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        out
    }

    /// Reads a model written by [`LinearModel::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<LinearModel, ModelError> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], ModelError> {
            let slice = bytes
                .get(at..at + n)
                .ok_or_else(|| ModelError::Corrupt(format!("truncated at byte {at}")))?;
            at += n;
            Ok(slice)
        };
        if take(8)? != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let u32_at = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let f32_at = |b: &[u8]| f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let version = u32_at(take(4)?);
        if version != FORMAT_VERSION {
            return Err(ModelError::Version {
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let meta_len = u32_at(take(4)?) as usize;
        let meta: serde_json::Value = serde_json::from_slice(take(meta_len)?)
            .map_err(|e| ModelError::Corrupt(format!("metadata: {e}")))?;
        let temperature = f32_at(take(4)?);
        let benign_bias = f32_at(take(4)?);
        let mut bias = [0.0f32; 6];
        for b in bias.iter_mut() {
            *b = f32_at(take(4)?);
        }
        let rows = u32_at(take(4)?) as usize;
        let mut weights = vec![0.0f32; WIDTH * 6];
        for _ in 0..rows {
            let f = u32_at(take(4)?) as usize;
            if f >= WIDTH {
                return Err(ModelError::Corrupt(format!("feature {f} out of range")));
            }
            for k in 0..6 {
                weights[f * 6 + k] = f32_at(take(4)?);
            }
        }
        if at != bytes.len() {
            return Err(ModelError::Corrupt(format!(
                "{} trailing bytes",
                bytes.len() - at
            )));
        }
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(ModelError::Corrupt("bad temperature".to_string()));
        }
        Ok(LinearModel {
            weights,
            bias,
            temperature,
            benign_bias,
            meta,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(text: &str) -> Features {
        features(&Example {
            text: text.to_string(),
            ..Example::default()
        })
    }

    fn toy() -> Vec<(Features, Label)> {
        [
            (
                "boat to italy price 1000 contact whatsapp",
                Label::SmugglingAdvertisement,
            ),
            (
                "trip tonight zodiac places left call me",
                Label::SmugglingAdvertisement,
            ),
            (
                "i am looking for a smuggler to italy",
                Label::SmugglingSolicitation,
            ),
            (
                "who knows a connection man agadez",
                Label::SmugglingSolicitation,
            ),
            (
                "fake passport schengen visa for sale",
                Label::SmugglingDocuments,
            ),
            (
                "housemaid job dubai free visa pay later",
                Label::TraffickingRecruitment,
            ),
            (
                "send the money or he dies we hold your son",
                Label::ExtortionRansom,
            ),
            ("coastguard rescued forty people news", Label::Benign),
            ("football match tonight great pass", Label::Benign),
        ]
        .iter()
        .map(|(t, l)| (example(t), *l))
        .collect()
    }

    #[test]
    fn training_is_deterministic_and_the_file_round_trips() {
        let a = LinearModel::train(&toy(), Settings::default(), &mut |_| {});
        let b = LinearModel::train(&toy(), Settings::default(), &mut |_| {});
        assert_eq!(a.to_bytes(), b.to_bytes());
        let back = LinearModel::from_bytes(&a.to_bytes()).unwrap();
        let x = example("looking for smuggler");
        assert_eq!(a.predict(&x), back.predict(&x));
        let p = a.predict(&example("send money or he dies"));
        assert_eq!(
            Label::ALL[p
                .iter()
                .enumerate()
                .max_by(|x, y| x.1.total_cmp(y.1))
                .unwrap()
                .0],
            Label::ExtortionRansom
        );
    }

    #[test]
    fn ascii_words_hash_as_the_general_path_does() {
        // Explanations (with names) take the general path for every word; scoring takes the
        // ASCII fast path for ASCII words. Both must give the same buckets, in the same order.
        for text in [
            "passeur fiable 3000 euros, wa.me/33612345678",
            "bateau pour lampedusa ce soir, place garantie",
            "rihla l italia b 7 alaf, 3ayet 3la had nemra",
            "sifir safari ya kwenda ulaya",
            "a ab abc abcd",
            "x",
        ] {
            let mut names = Vec::new();
            let general = text_features(text, Some(&mut names));
            assert_eq!(text_features(text, None), general, "{text}");
            assert_eq!(names.len(), general.len());
        }
    }

    #[test]
    fn bad_files_are_named() {
        assert_eq!(
            LinearModel::from_bytes(b"PK\x03\x04...."),
            Err(ModelError::NotAModel)
        );
        let mut bytes = LinearModel::train(&toy(), Settings::default(), &mut |_| {}).to_bytes();
        bytes[8] = 9;
        assert!(matches!(
            LinearModel::from_bytes(&bytes),
            Err(ModelError::Version { found: 9, .. })
        ));
        let bytes = LinearModel::train(&toy(), Settings::default(), &mut |_| {}).to_bytes();
        assert!(matches!(
            LinearModel::from_bytes(&bytes[..bytes.len() - 3]),
            Err(ModelError::Corrupt(_))
        ));
    }
}
