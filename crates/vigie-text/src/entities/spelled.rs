//! Phone numbers spelled out in words, to get past digit filters: `zero nine one two...`,
//! `zéro six douze` is not handled (only single digits), `صفر تسعة واحد...`.
//!
//! A run of at least eight digit words (or digits) separated by spaces, commas or dashes is
//! read as a number and parsed like any other ([`super::phone::parse`]). English `double` and
//! `triple` repeat the next digit; `plus` at the start makes it international.

use super::links::push_phone;
use super::phone::{parse, regions};
use super::{raw, Found, Keywords, Priors};
use crate::normalize::Normalized;
use vigie_core::{Entity, EntityType};

/// Digit words (normalised), sorted by their UTF-8 bytes for binary search.
const DIGIT_WORDS: &[(&str, char)] = &[
    ("cinq", '5'),
    ("deux", '2'),
    ("eight", '8'),
    ("five", '5'),
    ("four", '4'),
    ("huit", '8'),
    ("juj", '2'),
    ("neuf", '9'),
    ("nine", '9'),
    ("oh", '0'),
    ("one", '1'),
    ("quatre", '4'),
    ("sept", '7'),
    ("seven", '7'),
    ("sifr", '0'),
    ("six", '6'),
    ("three", '3'),
    ("trois", '3'),
    ("two", '2'),
    ("un", '1'),
    ("une", '1'),
    ("wa7ed", '1'),
    ("wahed", '1'),
    ("zero", '0'),
    ("zouj", '2'),
    ("اتنين", '2'),
    ("اثنان", '2'),
    ("اثنين", '2'),
    ("اربع", '4'),
    ("اربعه", '4'),
    ("تسع", '9'),
    ("تسعه", '9'),
    ("تلاته", '3'),
    ("تلاث", '3'),
    ("تمنيه", '8'),
    ("ثلاث", '3'),
    ("ثلاثه", '3'),
    ("ثمان", '8'),
    ("ثمانه", '8'),
    ("ثمانيه", '8'),
    ("ثمنيه", '8'),
    ("خمس", '5'),
    ("خمسه", '5'),
    ("زوج", '2'),
    ("سبع", '7'),
    ("سبعه", '7'),
    ("ست", '6'),
    ("سته", '6'),
    ("صفر", '0'),
    ("واحد", '1'),
];

fn digit_word(word: &str) -> Option<char> {
    if word.len() > 12 {
        return None;
    }
    DIGIT_WORDS
        .binary_search_by(|(w, _)| w.cmp(&word))
        .ok()
        .map(|i| DIGIT_WORDS[i].1)
}

/// Extracts spelled-out phone numbers.
pub fn extract(original: &str, norm: &Normalized, priors: &Priors, found: &mut Found) {
    let text = norm.as_str();
    // Cheap gate: a spelled-out number needs four digit words in a row.
    static DIGITS: Keywords = Keywords::new(&[
        "zero",
        "oh",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "un",
        "deux",
        "trois",
        "quatre",
        "cinq",
        "sept",
        "huit",
        "neuf",
        "sifr",
        "wahed",
        "wa7ed",
        "juj",
        "zouj",
        "صفر",
        "واحد",
        "اثن",
        "اتنين",
        "زوج",
        "ثلاث",
        "تلات",
        "اربع",
        "خمس",
        "ست",
        "سبع",
        "ثمان",
        "تمني",
        "ثمني",
        "تسع",
    ]);
    if DIGITS.longest_run(text, 3) < 4 {
        return;
    }
    let words: Vec<(usize, usize)> = word_ranges(text);
    let mut i = 0;
    while i < words.len() {
        if found.is_full() {
            return;
        }
        let mut digits = String::new();
        let mut international = false;
        let mut repeat = 1;
        let mut j = i;
        let mut last_digit_word = None;
        while j < words.len() {
            let (s, e) = words[j];
            if j > i && !only_separators(&text[words[j - 1].1..s]) {
                break;
            }
            let word = &text[s..e];
            if let Some(d) = digit_word(word) {
                for _ in 0..repeat {
                    digits.push(d);
                }
                repeat = 1;
                last_digit_word = Some(j);
            } else if word.bytes().all(|b| b.is_ascii_digit()) && word.len() <= 4 {
                digits.push_str(word);
                last_digit_word = Some(j);
            } else if word == "double" {
                repeat = 2;
            } else if word == "triple" {
                repeat = 3;
            } else if word == "plus" && digits.is_empty() {
                international = true;
            } else {
                break;
            }
            j += 1;
        }
        let spelled_words = (i..j)
            .filter(|&k| digit_word(&text[words[k].0..words[k].1]).is_some())
            .count();
        if let Some(last) = last_digit_word {
            if digits.len() >= 8 && spelled_words >= 4 {
                let (start, end) = (words[i].0, words[last].1);
                let span = norm.original_span(start, end);
                if !found.is_claimed(span) {
                    if let Some(parsed) = parse(&digits, international, &regions(priors)) {
                        let mut entity =
                            Entity::new(EntityType::Phone, parsed.e164, raw(original, span), span);
                        entity.country = parsed.country;
                        entity.valid = Some(parsed.valid);
                        push_phone(found, text, start, end, entity);
                    }
                }
                i = last + 1;
                continue;
            }
        }
        i += 1;
    }
}

fn only_separators(between: &str) -> bool {
    between.len() <= 3 && between.chars().all(|c| matches!(c, ' ' | ',' | '-' | '.'))
}

fn word_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if crate::matcher::is_word_char(c) {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            words.push((s, i));
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_words_are_sorted_for_binary_search() {
        assert!(DIGIT_WORDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(digit_word("neuf"), Some('9'));
        assert_eq!(digit_word("ثلاثه"), Some('3'));
        assert_eq!(digit_word("passeur"), None);
    }
}
