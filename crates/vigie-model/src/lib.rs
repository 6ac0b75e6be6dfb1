//! Scoring: from the text pipeline's evidence to a score per label.
//!
//! Every scorer implements [`Scorer`]; the engine holds one as `Box<dyn Scorer>` and the policy
//! sees only its [`Scored`] output, so the evidence scorer of today and the trained model of
//! tomorrow are interchangeable (or combinable) without touching the engine or the policy.
//!
//! [`ngram::NgramClassifier`] is a small trainable character n-gram model; the evidence scorer
//! uses one for search queries when the engine trains it.
//!
//! [`EvidenceScorer`] follows the brief's conjunction principle: a single word never makes a
//! high score; an offer needs intent *and* route, price or contact; a ransom demand needs a
//! demand *and* a threat, captive or payment.

pub mod calibration;
mod combined;
pub mod eval;
mod evidence;
pub mod linear;
pub mod ngram;
mod signals;
pub mod split;

pub use combined::{example, CombinedScorer};
pub use evidence::EvidenceScorer;
pub use signals::Signals;

use vigie_core::{Item, Label, LabelScores};
use vigie_text::lexicon::Lexicon;
use vigie_text::Analysis;

/// What a scorer sees.
#[derive(Debug, Clone, Copy)]
pub struct ScoreInput<'a> {
    /// The item (kind, surface, author...).
    pub item: &'a Item,
    /// The text pipeline's output for its text.
    pub analysis: &'a Analysis,
    /// The lexicon the analysis was made with (term weights and categories).
    pub lexicon: &'a Lexicon,
}

/// A scorer's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scored {
    /// A score in `[0, 1]` per label.
    pub scores: LabelScores,
    /// Per label (indexed by [`Label::index`]), the facts that raised its score, one short
    /// line each, as they will appear in a statement of reasons.
    pub evidence: [Vec<String>; 6],
    /// The trained model's own probabilities, when a model is loaded.
    pub model: Option<LabelScores>,
    /// The evidence scorer's own scores (the conjunction-gated ones).
    pub evidence_scores: LabelScores,
}

impl Scored {
    /// The facts behind one label's score.
    pub fn evidence_for(&self, label: Label) -> &[String] {
        &self.evidence[label.index()]
    }
}

/// Turns evidence into label scores. Implementations are pure and thread-safe.
pub trait Scorer: Send + Sync {
    /// A version string written into every decision (`evidence-1`, a model file's hash...).
    fn version(&self) -> &str;

    /// Scores one item.
    fn score(&self, input: ScoreInput<'_>) -> Scored;
}

/// Shuffles `order` in place (Fisher-Yates with a xorshift generator whose state is `rng`):
/// deterministic, so the same seed gives the same model bytes.
fn shuffle(order: &mut [usize], rng: &mut u64) {
    for i in (1..order.len()).rev() {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        order.swap(i, (*rng % (i as u64 + 1)) as usize);
    }
}
