//! The lexicon: multilingual terms with a category and a weight, loaded from TSV data.
//!
//! Format (`data/lexicon/*.tsv`, documented in `data/lexicon/README.md`): a header
//! `term language category weight note`, tab-separated, `#` comments. Terms are normalised
//! when loaded, so they are written as people write them. Arabic-script terms are also indexed
//! by their Arabizi consonant skeleton ([`crate::normalize::arabizi`]), so `7arga` in a post
//! finds the lexicon's `حرقة`.

use crate::matcher::{is_word_char, PhraseMatch, PhraseMatcher};
use crate::normalize::{arabizi, normalize, Normalized};
use crate::DataError;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;
use vigie_core::Span;

/// What a term is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Offering a service or trip.
    Offer,
    /// Looking for a smuggler or a way to cross.
    Seek,
    /// Smuggling or irregular-migration vocabulary (`tahrib`, `harga`, `boza`).
    Activity,
    /// A smuggler, broker, captain, recruiter.
    Actor,
    /// A route label or direction (`Libya to Italy`, `lghorba`).
    Route,
    /// A boat, truck or plane.
    Vessel,
    /// A departure time (`tonight`, `upcoming trip`).
    Schedule,
    /// Price vocabulary (`per person`, `kids free`).
    Price,
    /// Moving the conversation to a private channel (`inbox me`, `WhatsApp only`).
    Contact,
    /// Forged or fraudulently obtained documents.
    Document,
    /// Deceptive job offers.
    Recruitment,
    /// Ransom demands and pleas.
    Ransom,
    /// Threats of harm.
    Threat,
    /// Someone held captive.
    Hostage,
    /// Payment channels and terms (`hawala`, `pay on arrival`).
    Payment,
    /// Safety and success claims (`100% safe`, `guaranteed`).
    SafetyClaim,
    /// Negative evidence: news, NGO, awareness, rescue, courts.
    News,
    /// Negative evidence: someone's own journey, grief, a missing person without ransom.
    Personal,
    /// Negative evidence: lawful travel, work and trade (ferry tickets with passport and visa
    /// required, licensed boat sales, asylum procedures, jobs with the right to work).
    Legal,
}

impl Category {
    /// Every category, in declaration order.
    pub const ALL: [Category; 19] = [
        Category::Offer,
        Category::Seek,
        Category::Activity,
        Category::Actor,
        Category::Route,
        Category::Vessel,
        Category::Schedule,
        Category::Price,
        Category::Contact,
        Category::Document,
        Category::Recruitment,
        Category::Ransom,
        Category::Threat,
        Category::Hostage,
        Category::Payment,
        Category::SafetyClaim,
        Category::News,
        Category::Personal,
        Category::Legal,
    ];

    /// The name used in the TSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Offer => "offer",
            Category::Seek => "seek",
            Category::Activity => "activity",
            Category::Actor => "actor",
            Category::Route => "route",
            Category::Vessel => "vessel",
            Category::Schedule => "schedule",
            Category::Price => "price",
            Category::Contact => "contact",
            Category::Document => "document",
            Category::Recruitment => "recruitment",
            Category::Ransom => "ransom",
            Category::Threat => "threat",
            Category::Hostage => "hostage",
            Category::Payment => "payment",
            Category::SafetyClaim => "safety-claim",
            Category::News => "news",
            Category::Personal => "personal",
            Category::Legal => "legal",
        }
    }

    /// Parses a TSV category name.
    pub fn parse(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Position in [`Category::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lexicon entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The term as written in the data file.
    pub term: String,
    /// Its normalised form (what is matched).
    pub normalized: String,
    /// Language tag from the file (`ar`, `ar-Latn`, `fr`, `mul`...).
    pub lang: String,
    /// What it is evidence of.
    pub category: Category,
    /// How specific it is alone, in `[0, 1]`.
    pub weight: f32,
    /// Gloss and source.
    pub note: String,
}

/// A lexicon term found in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LexiconHit {
    /// Index into [`Lexicon::terms`].
    pub term: usize,
    /// Where, in the original text.
    pub span: Span,
    /// Found through the Arabizi skeleton rather than literally.
    pub via_arabizi: bool,
}

/// Most lexicon hits kept per text: enough for any real post, a bound for a flood.
pub const MAX_HITS: usize = 1_000;

/// The compiled lexicon.
#[derive(Debug, Clone)]
pub struct Lexicon {
    terms: Vec<Term>,
    /// Compiled on the first [`Lexicon::find`]: the analyser matches the terms in one
    /// automaton with the places instead.
    matcher: OnceLock<PhraseMatcher>,
    /// Arabizi skeleton (words joined by spaces) → term indices.
    skeletons: HashMap<String, Vec<usize>>,
    max_skeleton_words: usize,
}

impl Lexicon {
    /// Loads TSV files given as `(file name, contents)`. Every line is checked; the first bad
    /// line is an error naming the file, the line and the field.
    pub fn from_tsv(files: &[(&str, &str)]) -> Result<Lexicon, DataError> {
        let mut terms: Vec<Term> = Vec::new();
        let mut seen: HashMap<(String, Category), usize> = HashMap::new();
        for (file, contents) in files {
            for (line_idx, fields) in crate::tsv::records(file, contents, 5)? {
                let at = |message: String| DataError::new(file, line_idx, message);
                let [term, lang, category, weight, note] =
                    [fields[0], fields[1], fields[2], fields[3], fields[4]];
                let category = Category::parse(category).ok_or_else(|| {
                    at(format!(
                        "field `category`: unknown category `{category}` (expected one of: {})",
                        Category::ALL.map(|c| c.as_str()).join(", ")
                    ))
                })?;
                let weight: f32 = weight
                    .parse()
                    .ok()
                    .filter(|w: &f32| (0.0..=1.0).contains(w))
                    .ok_or_else(|| {
                        at(format!(
                            "field `weight`: `{weight}` is not a number in [0, 1]"
                        ))
                    })?;
                let normalized = normalize(term).as_str().trim().to_string();
                if normalized.is_empty() {
                    return Err(at(format!(
                        "field `term`: `{term}` is empty once normalised"
                    )));
                }
                if lang.is_empty() {
                    return Err(at("field `language` is empty".to_string()));
                }
                match seen.get(&(normalized.clone(), category)) {
                    Some(&existing) => {
                        let kept = &mut terms[existing];
                        kept.weight = kept.weight.max(weight);
                    }
                    None => {
                        seen.insert((normalized.clone(), category), terms.len());
                        terms.push(Term {
                            term: term.to_string(),
                            normalized,
                            lang: lang.to_string(),
                            category,
                            weight,
                            note: note.to_string(),
                        });
                    }
                }
            }
        }
        if terms.is_empty() {
            return Err(DataError::new("lexicon", 0, "no terms loaded".to_string()));
        }
        let mut skeletons: HashMap<String, Vec<usize>> = HashMap::new();
        let mut max_skeleton_words = 0;
        for (idx, term) in terms.iter().enumerate() {
            // Arabizi is Arabic written in Latin letters: only Arabic terms get a skeleton
            // (a Pashto or Persian term's skeleton would collide with unrelated Arabizi).
            if term.lang != "ar" && !term.lang.starts_with("ar-") {
                continue;
            }
            if let Some(key) = arabic_skeleton_key(&term.normalized) {
                max_skeleton_words = max_skeleton_words.max(key.split(' ').count());
                skeletons.entry(key).or_default().push(idx);
            }
        }
        Ok(Lexicon {
            terms,
            matcher: OnceLock::new(),
            skeletons,
            max_skeleton_words,
        })
    }

    /// All terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Finds the terms in `text` (at most [`MAX_HITS`]). With `arabizi`, Latin words are also looked up by their
    /// consonant skeleton against Arabic-script terms; without it, only words that carry an
    /// Arabizi digit (`7arga`) are.
    pub fn find(&self, text: &Normalized, arabizi: bool) -> Vec<LexiconHit> {
        let matcher = self
            .matcher
            .get_or_init(|| PhraseMatcher::new(&self.patterns().collect::<Vec<_>>()));
        self.hits(text, matcher.find_all(text.as_str()), arabizi)
    }

    /// The normalised terms, in term order: the patterns [`Lexicon::hits`] expects matches of.
    pub fn patterns(&self) -> impl Iterator<Item = String> + '_ {
        self.terms.iter().map(|t| t.normalized.clone())
    }

    /// The hits for `matches` of [`Lexicon::patterns`] in `text` (as
    /// [`PhraseMatcher::find_all`] orders them), plus the Arabizi skeleton matches.
    pub fn hits(
        &self,
        text: &Normalized,
        matches: impl IntoIterator<Item = PhraseMatch>,
        arabizi: bool,
    ) -> Vec<LexiconHit> {
        let mut hits: Vec<LexiconHit> = matches
            .into_iter()
            .take(MAX_HITS)
            .map(|m| LexiconHit {
                term: m.pattern,
                span: text.original_span(m.start, m.end),
                via_arabizi: false,
            })
            .collect();
        if self.max_skeleton_words > 0 {
            self.find_arabizi(text, arabizi, &mut hits);
        }
        hits
    }

    fn find_arabizi(&self, text: &Normalized, all_latin: bool, hits: &mut Vec<LexiconHit>) {
        let norm = text.as_str();
        let words = latin_words(norm);
        if words.is_empty()
            || (!all_latin
                && !words
                    .iter()
                    .any(|&(s, e)| arabizi::has_arabizi_digit(&norm[s..e])))
        {
            return;
        }
        let skeletons: Vec<String> = words
            .iter()
            .map(|&(s, e)| arabizi::latin_skeleton(&norm[s..e]))
            .collect();
        let eligible: Vec<bool> = words
            .iter()
            .map(|&(s, e)| all_latin || arabizi::has_arabizi_digit(&norm[s..e]))
            .collect();
        let mut key = String::new();
        for first in 0..words.len() {
            key.clear();
            let mut any_eligible = false;
            for last in first..(first + self.max_skeleton_words).min(words.len()) {
                if skeletons[last].is_empty() {
                    break;
                }
                if last > first {
                    key.push(' ');
                }
                key.push_str(&skeletons[last]);
                any_eligible |= eligible[last];
                if !any_eligible || skeletons[first].len() < arabizi::MIN_SKELETON && last == first
                {
                    continue;
                }
                if let Some(terms) = self.skeletons.get(&key) {
                    let span = text.original_span(words[first].0, words[last].1);
                    for &term in terms {
                        let already = hits
                            .iter()
                            .any(|h| h.term == term && overlaps(h.span, span));
                        if !already {
                            hits.push(LexiconHit {
                                term,
                                span,
                                via_arabizi: true,
                            });
                        }
                    }
                }
            }
        }
    }
}

fn overlaps(a: Span, b: Span) -> bool {
    a[0] < b[1] && b[0] < a[1]
}

/// The skeleton key of an Arabic-script term: one skeleton per word, joined by spaces; `None`
/// for non-Arabic terms and for keys too short to be specific.
fn arabic_skeleton_key(normalized: &str) -> Option<String> {
    if !normalized
        .chars()
        .any(|c| ('\u{0620}'..='\u{06FF}').contains(&c))
    {
        return None;
    }
    let parts: Vec<String> = normalized
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(arabizi::arabic_skeleton)
        .collect();
    if parts.iter().any(|p| p.is_empty() || !p.is_ascii()) {
        return None;
    }
    let key = parts.join(" ");
    let consonants = key.chars().filter(|c| *c != ' ').count();
    (consonants >= arabizi::MIN_SKELETON).then_some(key)
}

/// Byte ranges of the words made of ASCII letters, digits and apostrophes.
fn latin_words(norm: &str) -> Vec<(usize, usize)> {
    let bytes = norm.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphanumeric() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'\'') {
                i += 1;
            }
            let word_is_latin = bytes[start..i].iter().any(u8::is_ascii_alphabetic);
            if word_is_latin {
                words.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "term\tlanguage\tcategory\tweight\tnote\n\
        حرقة\tar\tactivity\t0.6\tharga\n\
        رحلة قادمة\tar\tschedule\t0.6\tupcoming trip\n\
        passeur\tfr\tactor\t0.6\tsmuggler\n";

    #[test]
    fn arabizi_finds_arabic_terms() {
        let lexicon = Lexicon::from_tsv(&[("t.tsv", TSV)]).unwrap();
        let text = "ya jma3a 7arga l italia";
        let hits = lexicon.find(&normalize(text), false);
        assert_eq!(hits.len(), 1);
        assert_eq!(lexicon.terms()[hits[0].term].term, "حرقة");
        assert_eq!(&text[hits[0].span[0]..hits[0].span[1]], "7arga");
        assert!(hits[0].via_arabizi);
    }

    #[test]
    fn multiword_arabizi() {
        let lexicon = Lexicon::from_tsv(&[("t.tsv", TSV)]).unwrap();
        let hits = lexicon.find(&normalize("ri7la 9adma lel italia"), false);
        assert_eq!(hits.len(), 1);
        assert_eq!(lexicon.terms()[hits[0].term].term, "رحلة قادمة");
    }

    #[test]
    fn bad_lines_name_file_line_and_field() {
        let bad = "term\tlanguage\tcategory\tweight\tnote\nx\tfr\tsmuggle\t0.5\tn\n";
        let err = Lexicon::from_tsv(&[("fr.tsv", bad)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("fr.tsv:2"), "{err}");
        assert!(err.contains("category"), "{err}");
        let bad = "term\tlanguage\tcategory\tweight\tnote\nx\tfr\toffer\t1.5\tn\n";
        let err = Lexicon::from_tsv(&[("fr.tsv", bad)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("weight"), "{err}");
    }
}
