//! Phone numbers spelled out in words, to get past digit filters: `zero nine one two...`,
//! `zéro six douze` is not handled (only single digits), `صفر تسعة واحد...`.
//!
//! A run of at least eight digit words (or digits) separated by spaces, commas or dashes is
//! read as a number and parsed like any other ([`super::phone::parse`]). English `double` and
//! `triple` repeat the next digit; `plus` at the start makes it international.

use super::links::push_phone;
use super::phone::{parse, regions};
use super::{raw, Found, Priors};
use crate::normalize::Normalized;
use vigie_core::{Entity, EntityType};

fn digit_word(word: &str) -> Option<char> {
    Some(match word {
        "zero" | "oh" | "صفر" | "sifr" => '0',
        "one" | "un" | "une" | "واحد" | "wahed" | "wa7ed" => '1',
        "two" | "deux" | "اثنين" | "اثنان" | "اتنين" | "زوج" | "juj" | "zouj" => {
            '2'
        }
        "three" | "trois" | "ثلاثه" | "ثلاث" | "تلاته" | "تلاث" => '3',
        "four" | "quatre" | "اربعه" | "اربع" => '4',
        "five" | "cinq" | "خمسه" | "خمس" => '5',
        "six" | "سته" | "ست" => '6',
        "seven" | "sept" | "سبعه" | "سبع" => '7',
        "eight" | "huit" | "ثمانيه" | "ثمانه" | "تمنيه" | "ثمنيه" | "ثمان" => {
            '8'
        }
        "nine" | "neuf" | "تسعه" | "تسع" => '9',
        _ => return None,
    })
}

/// Extracts spelled-out phone numbers.
pub fn extract(original: &str, norm: &Normalized, priors: &Priors, found: &mut Found) {
    let text = norm.as_str();
    // Words with their byte ranges.
    let words: Vec<(usize, usize)> = word_ranges(text);
    let mut i = 0;
    while i < words.len() {
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
