//! Emoji to ASCII tokens: flags to region codes, and the emoji that ads use as words.
//!
//! Tokens are written with spaces around them (`🇱🇾➡️🇮🇹` → ` flag_ly  emoji_arrow  flag_it `)
//! so that lexicon terms and the gazetteer match them as words.

/// `true` for a regional indicator symbol (half of a flag).
pub fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// The lowercase ASCII letter a regional indicator stands for.
pub fn regional_letter(c: char) -> char {
    (b'a' + (c as u32 - 0x1F1E6) as u8) as char
}

/// The token for an emoji that carries meaning in ads, if any.
pub fn token(c: char) -> Option<&'static str> {
    Some(match c {
        '🚤' | '🛥' | '⛵' | '🚢' | '🛶' | '⚓' | '⛴' => "emoji_boat",
        '✈' | '🛫' | '🛬' | '🛩' => "emoji_plane",
        '🚚' | '🚛' => "emoji_truck",
        '💰' | '💵' | '💶' | '💷' | '💴' | '💸' | '🤑' | '💲' => "emoji_money",
        '➡' | '👉' | '→' | '⏩' | '⬅' | '👈' => "emoji_arrow",
        '💯' => "emoji_100",
        '✅' | '✔' | '☑' => "emoji_check",
        '📞' | '📱' | '☎' | '📲' => "emoji_phone",
        '🛂' => "emoji_passport",
        '🦺' => "emoji_lifejacket",
        '🆘' => "emoji_sos",
        '⛓' => "emoji_chain",
        '🩸' | '🔪' | '🔫' | '💀' | '☠' => "emoji_violence",
        '🌊' => "emoji_sea",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::normalize::normalize;

    #[test]
    fn flags_and_boats_become_tokens() {
        let n = normalize("🇱🇾➡️🇮🇹 🚤 💶");
        let words: Vec<&str> = n.as_str().split_whitespace().collect();
        assert_eq!(
            words,
            [
                "flag_ly",
                "emoji_arrow",
                "flag_it",
                "emoji_boat",
                "emoji_money"
            ]
        );
    }

    #[test]
    fn keycap_digits_become_digits() {
        assert_eq!(normalize("0️⃣9️⃣1️⃣").as_str(), "091");
    }
}
