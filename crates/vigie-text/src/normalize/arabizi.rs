//! Arabizi: Arabic written in Latin letters and digits (`7arga`, `l7rig`, `3andi`, `5alas`).
//!
//! Arabizi spellings vary too much to list (`7arga`, `harga`, `7rga`, `l7arga`), so Arabizi and
//! Arabic script meet on a *consonant skeleton*: both are mapped to the same small alphabet of
//! consonant classes, vowels dropped, doubled letters collapsed and the article stripped.
//! `حرقة`, `7arga`, `haraga` and `l7arga` all give `HrQ`.
//!
//! Classes: ح/ه and `7`/`h` → `H`; ع and `3` → `E`; خ and `5`/`kh`/`7'`/`x` → `K`; غ and
//! `gh`/`3'`/`8` → `G`; ق/ڨ/گ and `9`/`q`/`g` → `Q`; ش/چ and `sh`/`ch` → `C`; ء and `2` are
//! dropped; emphatic letters fold into their plain pairs (ص→s, ض→d, ط→t, ظ→d, ث→t, ذ→d).
//! Skeletons shorter than three classes are not used: they would match too much.

/// Shortest skeleton used for matching.
pub const MIN_SKELETON: usize = 3;

/// `true` when a Latin token looks like Arabizi: letters with an Arabizi digit among them
/// (`7arga`, `3la`, `l9ahwa`), not a plain number or a code like `a380`.
pub fn has_arabizi_digit(token: &str) -> bool {
    let bytes = token.as_bytes();
    // The digit test first: most words have none, and it settles them in one pass.
    bytes.iter().enumerate().any(|(i, b)| {
        matches!(b, b'2' | b'3' | b'5' | b'7' | b'9')
            && (bytes
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'\'')
                || (i > 0 && bytes[i - 1].is_ascii_alphabetic()))
    }) && bytes.iter().any(u8::is_ascii_alphabetic)
}

/// The skeleton of one Latin (Arabizi) word, already normalised (lowercase ASCII).
pub fn latin_skeleton(word: &str) -> String {
    let bytes = word.as_bytes();
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    // A final `h` is usually a ta marbuta or a vowel marker (`ri7lah`), as a final ه is.
    let len = if bytes.len() > 3
        && bytes.last() == Some(&b'h')
        && bytes[bytes.len() - 2] != b'c'
        && bytes[bytes.len() - 2] != b's'
    {
        bytes.len() - 1
    } else {
        bytes.len()
    };
    while i < len {
        let b = bytes[i];
        let next = if i + 1 < len { bytes[i + 1] } else { 0 };
        let (class, step) = match (b, next) {
            (b'k', b'h') => (Some('K'), 2),
            (b'g', b'h') => (Some('G'), 2),
            (b's', b'h') | (b'c', b'h') => (Some('C'), 2),
            (b't', b'h') => (Some('t'), 2),
            (b'd', b'h') => (Some('d'), 2),
            (b'd', b'j') => (Some('j'), 2),
            (b'3', b'\'') => (Some('G'), 2),
            (b'7', b'\'') => (Some('K'), 2),
            (b'9', b'\'') => (Some('d'), 2),
            _ => (latin_class(b), 1),
        };
        if let Some(class) = class {
            if !out.ends_with(class) {
                out.push(class);
            }
        }
        i += step;
    }
    strip_article(out)
}

fn latin_class(b: u8) -> Option<char> {
    Some(match b {
        b'7' | b'h' => 'H',
        b'3' => 'E',
        b'5' | b'x' => 'K',
        b'8' => 'G',
        b'9' | b'q' | b'g' => 'Q',
        b'6' => 't',
        b'c' | b'k' => 'k',
        b'p' => 'b',
        b'v' => 'f',
        b'b' | b'd' | b'f' | b'j' | b'l' | b'm' | b'n' | b'r' | b's' | b't' | b'z' => b as char,
        _ => return None, // vowels, w, y, 2 (hamza), apostrophes
    })
}

/// The skeleton of one Arabic-script word, already normalised (see [`super::arabic`]).
pub fn arabic_skeleton(word: &str) -> String {
    let word = word
        .strip_suffix('ه')
        .filter(|w| w.chars().count() >= 3)
        .unwrap_or(word);
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        let class = match c {
            'ح' | 'ه' => 'H',
            'ع' => 'E',
            'خ' => 'K',
            'غ' => 'G',
            'ق' | 'ڨ' | 'گ' => 'Q',
            'ش' | 'چ' => 'C',
            'ب' | 'پ' => 'b',
            'ت' | 'ث' | 'ط' => 't',
            'ج' | 'ژ' => 'j',
            'د' | 'ذ' | 'ض' | 'ظ' => 'd',
            'ر' => 'r',
            'ز' => 'z',
            'س' | 'ص' => 's',
            'ف' | 'ڤ' => 'f',
            'ك' => 'k',
            'ل' => 'l',
            'م' => 'm',
            'ن' => 'n',
            _ => continue, // ا و ي ء and anything else
        };
        if !out.ends_with(class) {
            out.push(class);
        }
    }
    strip_article(out)
}

/// Drops a leading article `l` (`ال`, `el`, `l7rig`) when enough consonants remain.
fn strip_article(skeleton: String) -> String {
    if skeleton.len() > MIN_SKELETON && skeleton.starts_with('l') {
        skeleton[1..].to_string()
    } else {
        skeleton
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn ar(word: &str) -> String {
        arabic_skeleton(normalize(word).as_str())
    }

    #[test]
    fn arabizi_meets_arabic_script() {
        for (latin, arabic) in [
            ("7arga", "حرقة"),
            ("harga", "حرقة"),
            ("l7arga", "الحرقة"),
            ("7arraga", "حراقة"),
            ("ri7la", "رحلة"),
            ("markeb", "مركب"),
            ("mhareb", "مهرب"),
            ("fidya", "فدية"),
            ("lghorba", "الغربة"),
            ("5al9", "خلق"),
            ("3'orba", "غربة"),
        ] {
            assert_eq!(latin_skeleton(latin), ar(arabic), "{latin} vs {arabic}");
        }
    }

    #[test]
    fn detects_arabizi_tokens() {
        assert!(has_arabizi_digit("7arga"));
        assert!(has_arabizi_digit("3la"));
        assert!(has_arabizi_digit("sa7bi"));
        assert!(!has_arabizi_digit("2900"));
        assert!(!has_arabizi_digit("passeur"));
    }
}
