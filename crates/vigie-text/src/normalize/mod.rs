//! Normalisation: one canonical form for matching, with a map back to the original text.
//!
//! Steps, applied character by character (combining marks stay with their base):
//! NFKC (fullwidth and mathematical letters, circled digits), removal of invisible characters
//! (zero-width, bidi controls, variation selectors, soft hyphen, keycap marks), Latin
//! diacritics stripped (`traversée` → `traversee`), case folding, Cyrillic/Greek look-alikes
//! folded to Latin *only* in Latin-like text ([`homoglyph`]), Arabic orthographic folding
//! ([`arabic`]), Arabic-Indic and Persian digits to ASCII, and emoji to ASCII tokens
//! ([`emoji`]: flags become `flag_ly`, boats `emoji_boat`); runs of whitespace collapse to one
//! space and typographic apostrophes become `'`.
//!
//! Every output byte remembers the byte range of the original text it came from, so a match
//! in the normalised text is reported at its place in what the author wrote.

pub mod arabic;
pub mod arabizi;
pub mod emoji;
pub mod homoglyph;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Normalised text and its map back to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    text: String,
    /// For each output byte, the original byte range `[start, end)` it came from.
    source: Vec<(u32, u32)>,
}

impl Normalized {
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Maps a byte range of the normalised text back to a byte range of the original text.
    /// `start < end <= self.as_str().len()`.
    pub fn original_span(&self, start: usize, end: usize) -> [usize; 2] {
        debug_assert!(start < end && end <= self.source.len());
        [
            self.source[start].0 as usize,
            self.source[end - 1].1 as usize,
        ]
    }

    fn push_str(&mut self, s: &str, from: (u32, u32)) {
        self.text.push_str(s);
        self.source.extend(std::iter::repeat_n(from, s.len()));
    }

    /// One space, never two in a row (runs of whitespace collapse).
    fn push_space(&mut self, from: (u32, u32)) {
        if !self.text.ends_with(' ') {
            self.push(' ', from);
        }
    }

    fn push(&mut self, c: char, from: (u32, u32)) {
        self.text.push(c);
        self.source.extend(std::iter::repeat_n(from, c.len_utf8()));
    }
}

/// Normalises `input` (see the module docs for the steps).
pub fn normalize(input: &str) -> Normalized {
    let mut out = Normalized {
        text: String::with_capacity(input.len() + 8),
        source: Vec::with_capacity(input.len() + 8),
    };
    let fold_all_lookalikes = homoglyph::latin_dominant(input);
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii() {
            let end = start + 1;
            let from = (start as u32, end as u32);
            if let Some(&(_, next)) = chars.peek() {
                if !next.is_ascii() && canonical_combining_class(next) != 0 {
                    // An ASCII base with combining marks: strip the marks (Latin diacritics).
                    let mut end = end;
                    while let Some(&(i, m)) = chars.peek() {
                        if m.is_ascii() || canonical_combining_class(m) == 0 {
                            break;
                        }
                        end = i + m.len_utf8();
                        chars.next();
                    }
                    out.push(c.to_ascii_lowercase(), (start as u32, end as u32));
                    continue;
                }
            }
            if c.is_ascii_whitespace() {
                out.push_space(from);
            } else {
                out.push(c.to_ascii_lowercase(), from);
            }
            continue;
        }
        // Flags: two regional indicators.
        if emoji::is_regional_indicator(c) {
            if let Some(&(next_start, next)) = chars.peek() {
                if emoji::is_regional_indicator(next) {
                    chars.next();
                    let end = next_start + next.len_utf8();
                    let from = (start as u32, end as u32);
                    out.push_space(from);
                    out.push_str("flag_", from);
                    out.push(emoji::regional_letter(c), from);
                    out.push(emoji::regional_letter(next), from);
                    out.push_space(from);
                    continue;
                }
            }
            continue;
        }
        if let Some(token) = emoji::token(c) {
            let from = (start as u32, (start + c.len_utf8()) as u32);
            out.push_space(from);
            out.push_str(token, from);
            out.push_space(from);
            continue;
        }
        // Gather the combining marks that follow, so composition sees the whole cluster.
        let mut end = start + c.len_utf8();
        while let Some(&(i, m)) = chars.peek() {
            if m.is_ascii() || canonical_combining_class(m) == 0 {
                break;
            }
            end = i + m.len_utf8();
            chars.next();
        }
        let from = (start as u32, end as u32);
        let cluster = &input[start..end];
        let latin_base = is_latin_letter(c);
        let fold_lookalikes = fold_all_lookalikes
            || (homoglyph::is_cyrillic_or_greek(c) && homoglyph::in_latin_word(input, start, end));
        if latin_base {
            // NFKD then drop the marks: strips Latin diacritics.
            for d in cluster.nfkd() {
                if !is_combining_mark(d) {
                    fold_char(d, fold_lookalikes, &mut out, from);
                }
            }
        } else if end - start == c.len_utf8() && is_stable_nfkc(c) {
            fold_char(c, fold_lookalikes, &mut out, from);
        } else {
            for d in cluster.nfkc() {
                fold_char(d, fold_lookalikes, &mut out, from);
            }
        }
    }
    out
}

/// Folds one character (already NFKC) into `out`.
fn fold_char(c: char, fold_lookalikes: bool, out: &mut Normalized, from: (u32, u32)) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase(), from);
        return;
    }
    if is_invisible(c) {
        return;
    }
    if c.is_whitespace() {
        out.push_space(from);
        return;
    }
    if let Some(d) = arabic::digit(c) {
        out.push(d, from);
        return;
    }
    if arabic::is_arabic_block(c) {
        if let Some(folded) = arabic::fold(c) {
            out.push(folded, from);
        }
        return;
    }
    if fold_lookalikes {
        if let Some(latin) = homoglyph::fold(c) {
            out.push(latin, from);
            return;
        }
    }
    if is_combining_mark(c) && is_latin_context(out) {
        return;
    }
    match c {
        // Turkish dotless i and Latin letters NFKD does not decompose.
        'ı' => out.push('i', from),
        '’' | '‘' | 'ʼ' | '′' => out.push('\'', from),
        'ø' | 'Ø' => out.push('o', from),
        'ß' => out.push_str("ss", from),
        'æ' | 'Æ' => out.push_str("ae", from),
        'œ' | 'Œ' => out.push_str("oe", from),
        _ => {
            for lower in c.to_lowercase() {
                out.push(lower, from);
            }
        }
    }
}

fn is_latin_context(out: &Normalized) -> bool {
    out.text
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphabetic())
}

/// Zero-width characters, bidi controls, variation selectors, soft hyphen, keycap mark.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{20E3}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

fn is_latin_letter(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') && c.is_alphabetic()
}

/// Characters NFKC leaves alone, for a fast path: most Arabic, Ge'ez, Bengali and Cyrillic
/// letters. Presentation forms, compatibility characters and composed clusters take the
/// full path.
fn is_stable_nfkc(c: char) -> bool {
    matches!(c,
        '\u{0370}'..='\u{03FF}' // Greek (the tonos forms are composed, still NFC-stable)
        | '\u{0400}'..='\u{04FF}' // Cyrillic
        | '\u{0600}'..='\u{0674}' | '\u{067A}'..='\u{06FF}' // Arabic (0675-0678 decompose)
        | '\u{1200}'..='\u{137F}' // Ethiopic
        | '\u{0980}'..='\u{09DB}' | '\u{09E0}'..='\u{09FF}' // Bengali (09DC-09DF decompose)
    ) && !matches!(c, '\u{0374}' | '\u{037E}' | '\u{0385}' | '\u{0387}' | '\u{03D0}'..='\u{03D6}' | '\u{03F0}'..='\u{03F5}' | '\u{03F9}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize(s).as_str().to_string()
    }

    #[test]
    fn spans_map_back_to_original() {
        let text = "Départ ٠٩١ from زوارة";
        let n = normalize(text);
        let pos = n.as_str().find("091").unwrap();
        let [s, e] = n.original_span(pos, pos + 3);
        assert_eq!(&text[s..e], "٠٩١");
        let pos = n.as_str().find("زواره").unwrap();
        let [s, e] = n.original_span(pos, pos + "زواره".len());
        assert_eq!(&text[s..e], "زوارة");
    }

    #[test]
    fn fullwidth_and_math_letters() {
        assert_eq!(norm("ＰＡＳＳＥＵＲ"), "passeur");
        assert_eq!(norm("𝐩𝐚𝐬𝐬𝐞𝐮𝐫"), "passeur");
        assert_eq!(norm("①②"), "12");
    }

    #[test]
    fn combining_accents_after_ascii() {
        assert_eq!(norm("traverse\u{0301}e"), "traversee");
    }
}
