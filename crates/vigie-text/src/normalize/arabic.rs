//! Arabic-script orthographic folding and Eastern digits.
//!
//! Folding, as used for Arabic dialect matching: alef forms (أ إ آ ٱ) → ا, alef maqsura ى → ي,
//! ta marbuta ة → ه, hamza seats ؤ → و and ئ → ي, Persian yeh ی and keheh ک → ي and ك (so
//! Persian, Dari and Pashto spellings meet Arabic ones), tatweel and harakat removed.

/// `true` for characters in the Arabic blocks.
pub fn is_arabic_block(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08FF}')
}

/// Arabic-Indic (٠-٩), Extended Arabic-Indic / Persian (۰-۹), Devanagari (०-९) and Bengali
/// (০-৯) digits to ASCII (NFKC leaves them alone).
pub fn digit(c: char) -> Option<char> {
    let zero = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        '\u{0966}'..='\u{096F}' => 0x0966,
        '\u{09E6}'..='\u{09EF}' => 0x09E6,
        _ => return None,
    };
    char::from_digit(c as u32 - zero, 10)
}

/// Folds one Arabic-block character; `None` drops it (harakat, tatweel).
pub fn fold(c: char) -> Option<char> {
    Some(match c {
        // Harakat, Quranic marks, superscript alef, tatweel.
        '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => return None,
        '\u{06D6}'..='\u{06ED}' => return None,
        'أ' | 'إ' | 'آ' | 'ٱ' | '\u{0672}' | '\u{0673}' => 'ا',
        'ى' | 'ی' | 'ئ' | 'ۍ' | 'ې' | 'ے' => 'ي',
        'ة' | 'ۀ' | 'ۃ' | 'ە' => 'ه',
        'ؤ' => 'و',
        'ک' | 'ڪ' => 'ك',
        '٪' => '%',
        '،' => ',',
        '؛' => ';',
        '؟' => '?',
        '٫' => '.',
        '٬' => ',',
        _ => c,
    })
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize;

    #[test]
    fn folds_alef_ta_marbuta_harakat_tatweel() {
        assert_eq!(normalize("إِيطَالْيَا").as_str(), "ايطاليا");
        assert_eq!(normalize("رحلـــة مضمونة").as_str(), "رحله مضمونه");
        assert_eq!(normalize("على").as_str(), "علي");
        assert_eq!(normalize("١٠٠٪").as_str(), "100%");
        assert_eq!(normalize("۰۹۱").as_str(), "091");
    }

    #[test]
    fn persian_letters_meet_arabic() {
        assert_eq!(normalize("قاچاقبر ترکیه").as_str(), "قاچاقبر تركيه");
    }
}
