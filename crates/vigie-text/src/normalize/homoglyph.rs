//! Cyrillic and Greek look-alikes folded to Latin, only where the text is Latin-like.
//!
//! Generic confusable skeletons (`decancer`, Unicode's `skeleton`) garble Arabic and Ge'ez
//! (alef becomes `l`), so this module folds a short, explicit table, and only inside words that
//! contain a Latin letter or in texts where Latin letters dominate. A Russian or Greek sentence
//! is left alone.

/// `true` when Latin letters outnumber Cyrillic and Greek ones in `text` (and there is at
/// least one look-alike to fold: a cheap pre-check).
pub fn latin_dominant(text: &str) -> bool {
    let mut latin = 0usize;
    let mut other = 0usize;
    for c in text.chars() {
        if c.is_ascii_alphabetic() {
            latin += 1;
        } else if is_cyrillic_or_greek(c) {
            other += 1;
        }
    }
    other > 0 && latin > other
}

/// `true` for Cyrillic and Greek characters.
pub fn is_cyrillic_or_greek(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}')
}

/// `true` when the word around `text[start..end]` contains an ASCII letter.
pub fn in_latin_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start]
        .chars()
        .rev()
        .take_while(|&c| crate::matcher::is_word_char(c));
    let after = text[end..]
        .chars()
        .take_while(|&c| crate::matcher::is_word_char(c));
    let mut any_latin = false;
    for c in before.chain(after) {
        if c.is_ascii_alphabetic() {
            any_latin = true;
            break;
        }
    }
    any_latin
}

/// The Latin letter a Cyrillic or Greek look-alike stands for (lowercase).
pub fn fold(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' | 'А' => 'a',
        'В' | 'в' => 'b',
        'е' | 'Е' | 'ё' | 'Ё' => 'e',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'с' | 'С' => 'c',
        'у' | 'У' => 'y',
        'х' | 'Х' => 'x',
        'і' | 'І' | 'ӏ' | 'Ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'ѕ' | 'Ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' | 'Ԛ' => 'q',
        'ԝ' | 'Ԝ' => 'w',
        'һ' | 'Һ' | 'Н' => 'h',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'Т' | 'т' => 't',
        'п' => 'n',
        'г' => 'r',
        // Greek
        'α' | 'Α' => 'a',
        'β' | 'Β' => 'b',
        'ε' | 'Ε' => 'e',
        'ζ' | 'Ζ' => 'z',
        'η' | 'Η' => 'h',
        'ι' | 'Ι' => 'i',
        'κ' | 'Κ' => 'k',
        'μ' | 'Μ' => 'm',
        'ν' | 'Ν' => 'v',
        'ο' | 'Ο' => 'o',
        'ρ' | 'Ρ' => 'p',
        'τ' | 'Τ' => 't',
        'υ' | 'Υ' => 'u',
        'χ' | 'Χ' => 'x',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize;

    #[test]
    fn cyrillic_inside_latin_word_is_folded() {
        // "pаsseur" with a Cyrillic а, "ΒΟΑΤ" in Greek capitals among Latin words.
        assert_eq!(normalize("p\u{0430}sseur").as_str(), "passeur");
        assert_eq!(
            normalize("small ΒΟΑΤ tonight").as_str(),
            "small boat tonight"
        );
    }

    #[test]
    fn russian_text_is_left_alone() {
        assert_eq!(normalize("Привет мир").as_str(), "привет мир");
    }
}
