//! Word-boundary-aware phrase matching over normalised text (Aho-Corasick).
//!
//! Patterns are normalised with the same [`crate::normalize`] as the text, compiled once into
//! one automaton, and a match counts only at word boundaries. Arabic-script patterns also match
//! after a proclitic (`و`, `ب`, `ل`, `ال`, `لل`, `وال`...: `لإيطاليا` finds `ايطاليا`) and
//! before a short suffix (`مهربين` finds `مهرب`), because Arabic writes those attached.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Proclitics an Arabic-script word may carry before a pattern (already normalised).
const ARABIC_PREFIXES: &[&str] = &[
    "و", "ف", "ب", "ل", "ك", "ال", "وال", "بال", "فال", "كال", "لل", "ولل", "فلل", "وب", "ول",
    "فب", "فل", "عال", "عل", "ع", "س", "وس", "يا",
];

/// Suffixes an Arabic-script word may carry after a pattern of at least three letters.
const ARABIC_SUFFIXES: &[&str] = &[
    "ه", "ها", "هم", "ك", "كم", "ي", "نا", "ات", "ين", "ون", "يه", "وا", "و", "يين",
];

/// One match in normalised text: `pattern` is the index given at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhraseMatch {
    /// Index of the pattern in the list given to [`PhraseMatcher::new`].
    pub pattern: usize,
    /// Byte offset of the match in the normalised text.
    pub start: usize,
    /// End byte offset (exclusive) in the normalised text.
    pub end: usize,
}

/// A compiled set of normalised phrases.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    automaton: AhoCorasick,
    arabic: Vec<bool>,
}

impl PhraseMatcher {
    /// Compiles already-normalised, non-empty patterns.
    pub fn new(patterns: &[String]) -> PhraseMatcher {
        // A DFA is fastest but grows with the pattern set (3,500 lexicon terms make a 43 MB
        // DFA that is no faster than the 1 MB contiguous NFA, measured in the `lexicon`
        // bench); the gazetteer's few hundred forms are 2.4 times faster as a DFA.
        let kind = if patterns.len() <= 1_000 {
            AhoCorasickKind::DFA
        } else {
            AhoCorasickKind::ContiguousNFA
        };
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(patterns)
            .expect("phrase patterns are small enough for an Aho-Corasick automaton");
        let arabic = patterns
            .iter()
            .map(|p| p.chars().next().is_some_and(is_arabic_letter))
            .collect();
        PhraseMatcher { automaton, arabic }
    }

    /// Every boundary-respecting match, overlapping ones included, in order of end position.
    pub fn find_all(&self, text: &str) -> Vec<PhraseMatch> {
        let mut found = Vec::new();
        for m in self.automaton.find_overlapping_iter(text) {
            let pattern = m.pattern().as_usize();
            let (start, end) = (m.start(), m.end());
            let ok = if self.arabic[pattern] {
                arabic_boundary_ok(text, start, end)
            } else {
                latin_boundary_ok(text, start, end)
            };
            if ok {
                found.push(PhraseMatch {
                    pattern,
                    start,
                    end,
                });
            }
        }
        found
    }
}

/// A word character for boundary purposes (letters, digits, `_` as in `emoji_boat`), with
/// fast paths for ASCII, Arabic and Ge'ez (Unicode's general lookup is slow).
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_';
    }
    match c {
        '\u{0620}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{066E}'..='\u{06D3}' => true,
        '\u{06F0}'..='\u{06FF}' | '\u{1200}'..='\u{135A}' => true,
        '\u{00C0}'..='\u{024F}' => c != '\u{00D7}' && c != '\u{00F7}',
        '\u{0600}'..='\u{061F}' | '\u{064B}'..='\u{065F}' | '\u{2000}'..='\u{206F}' => false,
        _ => c.is_alphanumeric(),
    }
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06FA}'..='\u{06FF}')
}

fn latin_boundary_ok(text: &str, start: usize, end: usize) -> bool {
    let matched = &text[start..end];
    let first_is_word = matched.chars().next().is_some_and(is_word_char);
    let last_is_word = matched.chars().next_back().is_some_and(is_word_char);
    let before_ok = !first_is_word || !text[..start].chars().next_back().is_some_and(is_word_char);
    let after_ok = !last_is_word || !text[end..].chars().next().is_some_and(is_word_char);
    before_ok && after_ok
}

fn arabic_boundary_ok(text: &str, start: usize, end: usize) -> bool {
    // The part of the word before the match must be empty or a proclitic.
    let word_start = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(start, |(i, _)| i);
    let prefix = &text[word_start..start];
    if !prefix.is_empty() && !ARABIC_PREFIXES.contains(&prefix) {
        return false;
    }
    let word_end = text[end..]
        .char_indices()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    let suffix = &text[end..word_end];
    if suffix.is_empty() {
        return true;
    }
    text[start..end].chars().count() >= 3 && ARABIC_SUFFIXES.contains(&suffix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn matcher(patterns: &[&str]) -> PhraseMatcher {
        let normalised: Vec<String> = patterns
            .iter()
            .map(|p| normalize(p).as_str().trim().to_string())
            .collect();
        PhraseMatcher::new(&normalised)
    }

    #[test]
    fn latin_needs_word_boundaries() {
        let m = matcher(&["passeur", "game"]);
        assert_eq!(m.find_all(normalize("un passeur fiable").as_str()).len(), 1);
        assert!(m.find_all(normalize("les passeurs").as_str()).is_empty());
        assert!(m.find_all(normalize("gameplay").as_str()).is_empty());
    }

    #[test]
    fn arabic_allows_proclitics_and_suffixes() {
        let m = matcher(&["إيطاليا", "مهرب"]);
        assert_eq!(m.find_all(normalize("رحلة لإيطاليا").as_str()).len(), 1);
        assert_eq!(m.find_all(normalize("والمهربين").as_str()).len(), 1);
        // Not a proclitic: a different word that contains the pattern.
        assert!(m.find_all(normalize("تمهربت").as_str()).is_empty());
    }
}
