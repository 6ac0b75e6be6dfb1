//! Entity extraction: phone numbers, messaging links and handles, payment identifiers and
//! prices, each with its span in the original text. (Places come from the
//! [`crate::gazetteer`].)
//!
//! Extractors run in a fixed order and later ones skip spans earlier ones claimed: payment
//! identifiers first (a Western Union MTCN is ten digits that would also parse as a phone
//! number), then links and handles, then prices (`1 800 000 FCFA` is not a phone number),
//! then phone numbers (digits, then spelled-out digits).

pub mod links;
pub mod payment;
pub mod phone;
pub mod price;
pub mod spelled;

use crate::normalize::Normalized;
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;
use vigie_core::{Entity, Span};

/// What the extractors know about the item besides its text.
#[derive(Debug, Clone, Default)]
pub struct Priors {
    /// Likely countries for national phone numbers and ambiguous currencies, most likely first
    /// (ISO 3166-1 alpha-2, upper case).
    pub countries: Vec<String>,
    /// How many of `countries` come from strong evidence (the author's country, places named
    /// in the text) rather than from the language.
    pub strong: usize,
}

/// Most entities extracted from one item. A text with more (a page of numbers pasted to
/// flood a pipeline) is cut there and the analysis says so.
pub const MAX_ENTITIES: usize = 256;

/// Runs every extractor over `original` and its normalised form. The second value is `true`
/// when extraction stopped at [`MAX_ENTITIES`].
pub fn extract(original: &str, norm: &Normalized, priors: &Priors) -> (Vec<Entity>, bool) {
    let mut found = Found::default();
    payment::extract(original, norm, &mut found);
    links::extract(original, norm, &mut found);
    price::extract(original, norm, priors, &mut found);
    phone::extract(original, norm, priors, &mut found);
    spelled::extract(original, norm, priors, &mut found);
    let full = found.is_full();
    let mut entities = found.entities;
    entities.sort_by_key(|e| (e.span[0], e.entity_type));
    (entities, full)
}

/// Entities found so far, and the spans they claim.
#[derive(Debug, Default)]
pub struct Found {
    entities: Vec<Entity>,
    claimed: Vec<Span>,
}

impl Found {
    /// `true` if `span` overlaps a span already claimed.
    pub fn is_claimed(&self, span: Span) -> bool {
        self.claimed
            .iter()
            .any(|c| c[0] < span[1] && span[0] < c[1])
    }

    /// Adds an entity and claims its span (nothing once [`MAX_ENTITIES`] are found).
    pub fn push(&mut self, entity: Entity) {
        if !self.is_full() {
            self.claimed.push(entity.span);
            self.entities.push(entity);
        }
    }

    /// Adds an entity without claiming its span (a second view of the same text, such as
    /// the phone number inside a `wa.me` link).
    pub fn push_unclaimed(&mut self, entity: Entity) {
        if !self.is_full() {
            self.entities.push(entity);
        }
    }

    /// `true` once [`MAX_ENTITIES`] entities are found: extractors stop.
    pub fn is_full(&self) -> bool {
        self.entities.len() >= MAX_ENTITIES
    }

    /// The entities found so far.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }
}

/// Raw text of an original span.
fn raw(original: &str, span: Span) -> String {
    original[span[0]..span[1]].to_string()
}

/// A fixed list of keywords, compiled once into an automaton on first use.
pub struct Keywords {
    words: &'static [&'static str],
    automaton: OnceLock<AhoCorasick>,
}

impl Keywords {
    /// A keyword list (already normalised: lowercase, Arabic folded).
    pub const fn new(words: &'static [&'static str]) -> Keywords {
        Keywords {
            words,
            automaton: OnceLock::new(),
        }
    }

    /// `true` if a keyword occurs in `text`.
    pub fn is_in(&self, text: &str) -> bool {
        self.automaton().is_match(text)
    }

    /// Every keyword occurrence as `(keyword index, byte offset)`, leftmost-first.
    pub fn find_all(&self, text: &str) -> Vec<(usize, usize)> {
        self.automaton()
            .find_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect()
    }

    /// The longest streak of keywords separated by at most `gap` bytes of anything else.
    pub fn longest_run(&self, text: &str, gap: usize) -> usize {
        let mut best = 0;
        let mut streak = 0;
        let mut last_end = None;
        for m in self.automaton().find_iter(text) {
            streak = match last_end {
                Some(end) if m.start() >= end && m.start() - end <= gap => streak + 1,
                _ => 1,
            };
            best = best.max(streak);
            last_end = Some(m.end());
        }
        best
    }

    fn automaton(&self) -> &AhoCorasick {
        self.automaton
            .get_or_init(|| AhoCorasick::new(self.words).expect("keyword lists are small"))
    }

    /// `true` if a keyword occurs within `window` bytes around `start..end` of `norm`.
    pub fn near(&self, norm: &str, start: usize, end: usize, window: usize) -> bool {
        let lo = floor_char_boundary(norm, start.saturating_sub(window));
        let hi = ceil_char_boundary(norm, (end + window).min(norm.len()));
        self.is_in(&norm[lo..hi])
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}
