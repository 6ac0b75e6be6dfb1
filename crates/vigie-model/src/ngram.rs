//! A small character n-gram classifier: hashed character 2- to 4-grams of each word (with its
//! boundaries), sublinear term frequency, L2-normalised, and a logistic regression trained
//! with Adagrad. Deterministic: the same examples and seed give the same weights.
//!
//! It reads spellings the lexicon does not list (`delalay`, `ghachaghbar`, `smugler`) because
//! it scores pieces of words, not whole terms. Today it serves search queries, trained from the
//! lexicon's own terms and the train split of the search query set; the trained model of the
//! model issue will generalise it.

/// Number of hashed feature buckets.
const BUCKETS: usize = 1 << 18;

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct NgramClassifier {
    weights: Vec<f32>,
    bias: f32,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    /// Passes over the examples.
    pub epochs: usize,
    /// Adagrad learning rate.
    pub learning_rate: f32,
    /// L2 penalty per update.
    pub l2: f32,
    /// Shuffle seed.
    pub seed: u64,
}

impl Default for Training {
    fn default() -> Self {
        Training {
            epochs: 25,
            learning_rate: 0.5,
            l2: 1e-6,
            seed: 0x5eed_1234_abcd_0001,
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    crate::linear::fnv(0, bytes)
}

/// The features of an already-normalised text: `(bucket, value)` pairs, L2-normalised.
pub fn features(text: &str) -> Vec<(u32, f32)> {
    let mut counts: Vec<(u32, f32)> = Vec::new();
    let mut buffer = String::new();
    for word in text.split(|c: char| c.is_whitespace() || c.is_ascii_punctuation()) {
        if word.is_empty() {
            continue;
        }
        buffer.clear();
        buffer.push(' ');
        buffer.push_str(word);
        buffer.push(' ');
        let chars: Vec<(usize, char)> = buffer.char_indices().collect();
        for n in 2..=4 {
            if chars.len() < n {
                continue;
            }
            for start in 0..=chars.len() - n {
                let from = chars[start].0;
                let to = chars.get(start + n).map_or(buffer.len(), |c| c.0);
                let bucket = (fnv(&buffer.as_bytes()[from..to]) % BUCKETS as u64) as u32;
                match counts.iter_mut().find(|(b, _)| *b == bucket) {
                    Some((_, c)) => *c += 1.0,
                    None => counts.push((bucket, 1.0)),
                }
            }
        }
    }
    for (_, c) in counts.iter_mut() {
        *c = 1.0 + c.ln();
    }
    let norm = counts.iter().map(|(_, c)| c * c).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, c) in counts.iter_mut() {
            *c /= norm;
        }
    }
    counts
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl NgramClassifier {
    /// Trains on `(normalised text, is positive)` examples, classes weighted to balance.
    pub fn train(examples: &[(String, bool)], settings: Training) -> NgramClassifier {
        let featured: Vec<(Vec<(u32, f32)>, f32)> = examples
            .iter()
            .map(|(text, positive)| (features(text), if *positive { 1.0 } else { 0.0 }))
            .collect();
        let positives = featured.iter().filter(|(_, y)| *y > 0.5).count().max(1) as f32;
        let negatives = (featured.len() as f32 - positives).max(1.0);
        let total = featured.len() as f32;
        let class_weight = [total / (2.0 * negatives), total / (2.0 * positives)];
        let mut weights = vec![0.0f32; BUCKETS];
        let mut squared = vec![1e-8f32; BUCKETS];
        let mut bias = 0.0f32;
        let mut bias_squared = 1e-8f32;
        let mut order: Vec<usize> = (0..featured.len()).collect();
        let mut rng = settings.seed | 1;
        for _ in 0..settings.epochs {
            crate::shuffle(&mut order, &mut rng);
            for &idx in &order {
                let (x, y) = &featured[idx];
                let z = bias + x.iter().map(|(b, v)| weights[*b as usize] * v).sum::<f32>();
                let gradient = (sigmoid(z) - y) * class_weight[usize::from(*y > 0.5)];
                for (b, v) in x {
                    let b = *b as usize;
                    let g = gradient * v + settings.l2 * weights[b];
                    squared[b] += g * g;
                    weights[b] -= settings.learning_rate * g / squared[b].sqrt();
                }
                bias_squared += gradient * gradient;
                bias -= settings.learning_rate * gradient / bias_squared.sqrt();
            }
        }
        NgramClassifier { weights, bias }
    }

    /// The probability that a normalised text is positive.
    pub fn predict(&self, text: &str) -> f32 {
        let x = features(text);
        if x.is_empty() {
            return 0.0;
        }
        sigmoid(
            self.bias
                + x.iter()
                    .map(|(b, v)| self.weights[*b as usize] * v)
                    .sum::<f32>(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_spellings_it_never_saw_whole() {
        let examples: Vec<(String, bool)> = [
            ("delala", true),
            ("semsari", true),
            ("passeur", true),
            ("qachaqbar", true),
            ("smuggler", true),
            ("ferry ticket", false),
            ("visa appointment", false),
            ("football match", false),
            ("weather forecast", false),
            ("film streaming", false),
        ]
        .iter()
        .map(|(t, y)| (t.to_string(), *y))
        .collect();
        let model = NgramClassifier::train(&examples, Training::default());
        assert!(model.predict("delalay") > 0.5);
        assert!(model.predict("smugler") > 0.5);
        assert!(model.predict("ferry tickets") < 0.5);
        // Deterministic.
        let again = NgramClassifier::train(&examples, Training::default());
        assert_eq!(model.predict("semsar"), again.predict("semsar"));
    }
}
