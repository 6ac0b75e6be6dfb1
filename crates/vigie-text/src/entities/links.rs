//! Messaging links and handles: WhatsApp (`wa.me`, `api.whatsapp.com`, `chat.whatsapp.com`
//! invites), Telegram (`t.me`, `telegram.me`, handles named as Telegram), Viber (`viber://`
//! links, numbers named as Viber) and `@handles`.
//!
//! Link values are canonical (`https://wa.me/218912345678`) and keep the original case where
//! it matters (WhatsApp invite codes are case-sensitive).

use super::phone::parse;
use super::{raw, Found, Keywords};
use crate::normalize::Normalized;
use vigie_core::{Entity, EntityType};

static TELEGRAM_WORDS: Keywords = Keywords::new(&[
    "telegram",
    "tg:",
    "تلغرام",
    "تيليغرام",
    "تليجرام",
    "تيليجرام",
    "تلجرام",
]);
static VIBER_WORDS: Keywords = Keywords::new(&["viber", "فايبر", "فيبر"]);
static IMO_WORDS: Keywords = Keywords::new(&["imo ", "ايمو"]);

fn is_url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'/' | b'.' | b'_' | b'-' | b'?' | b'=' | b'&' | b'%' | b'+' | b'#' | b':'
        )
}

/// Extracts links and handles.
pub fn extract(original: &str, norm: &Normalized, found: &mut Found) {
    let text = norm.as_str();
    const MARKERS: [(&str, EntityType); 5] = [
        ("wa.me/", EntityType::Whatsapp),
        ("whatsapp.com/", EntityType::Whatsapp),
        ("t.me/", EntityType::Telegram),
        ("telegram.me/", EntityType::Telegram),
        ("viber://", EntityType::Viber),
    ];
    static FINDER: Keywords = Keywords::new(&[
        "wa.me/",
        "whatsapp.com/",
        "t.me/",
        "telegram.me/",
        "viber://",
    ]);
    for (pattern, at) in FINDER.find_all(text) {
        if found.is_full() {
            return;
        }
        let (marker, kind) = MARKERS[pattern];
        // `t.me/` inside `chat.me/` or `wa.me/` inside `kawa.me/`: need a boundary.
        let before = text[..at].bytes().next_back();
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-') {
            continue;
        }
        let start = link_start(text, at);
        let end = at
            + text[at..]
                .bytes()
                .position(|b| !is_url_byte(b))
                .unwrap_or(text.len() - at);
        let end = trim_trailing_punctuation(text, at + marker.len(), end);
        if end <= at + marker.len() {
            continue;
        }
        let span = norm.original_span(start, end);
        if found.is_claimed(span) {
            continue;
        }
        let raw_text = raw(original, span);
        let path_span = norm.original_span(at + marker.len(), end);
        let path = &original[path_span[0]..path_span[1]];
        if let Some(entity) = link_entity(kind, marker, path, &raw_text, span) {
            let phone_digits = link_phone(marker, path);
            found.push(entity);
            if let Some(digits) = phone_digits {
                if let Some(parsed) = parse(&digits, true, &Default::default()) {
                    let mut phone =
                        Entity::new(EntityType::Phone, parsed.e164, raw_text.clone(), span);
                    phone.country = parsed.country;
                    phone.valid = Some(parsed.valid);
                    phone.provider = Some(provider_name(kind).to_string());
                    found.push_unclaimed(phone);
                }
            }
        }
    }
    handles(original, norm, found);
}

fn provider_name(kind: EntityType) -> &'static str {
    match kind {
        EntityType::Whatsapp => "whatsapp",
        EntityType::Telegram => "telegram",
        EntityType::Viber => "viber",
        _ => "unknown",
    }
}

fn link_start(text: &str, at: usize) -> usize {
    for prefix in [
        "https://www.",
        "http://www.",
        "https://",
        "http://",
        "www.",
        "api.",
        "chat.",
    ] {
        if text[..at].ends_with(prefix) {
            let start = at - prefix.len();
            // `https://api.whatsapp.com/`: the prefix may itself have a prefix.
            return link_start(text, start).min(start);
        }
    }
    at
}

fn trim_trailing_punctuation(text: &str, min: usize, mut end: usize) -> usize {
    while end > min
        && matches!(
            text.as_bytes()[end - 1],
            b'.' | b',' | b'?' | b'&' | b'#' | b':' | b'-'
        )
    {
        end -= 1;
    }
    end
}

fn link_entity(
    kind: EntityType,
    marker: &str,
    path: &str,
    raw_text: &str,
    span: [usize; 2],
) -> Option<Entity> {
    let value = match marker {
        "wa.me/" => {
            let digits: String = path
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '+')
                .filter(char::is_ascii_digit)
                .collect();
            if digits.is_empty() {
                format!("https://wa.me/{path}")
            } else {
                format!("https://wa.me/{digits}")
            }
        }
        "whatsapp.com/" => {
            if let Some(digits) = link_phone(marker, path) {
                format!("https://wa.me/{digits}")
            } else {
                let host = if raw_text.to_ascii_lowercase().contains("chat.whatsapp.com") {
                    "chat.whatsapp.com"
                } else {
                    "whatsapp.com"
                };
                format!("https://{host}/{path}")
            }
        }
        "t.me/" | "telegram.me/" => {
            // Usernames are case-insensitive; invite links (`+abc`, `joinchat/abc`) are not.
            if path.starts_with('+') || path.to_ascii_lowercase().starts_with("joinchat") {
                format!("https://t.me/{path}")
            } else {
                format!("https://t.me/{}", path.to_ascii_lowercase())
            }
        }
        "viber://" => format!("viber://{path}"),
        _ => return None,
    };
    let mut entity = Entity::new(kind, value, raw_text.to_string(), span);
    entity.provider = Some(provider_name(kind).to_string());
    Some(entity)
}

fn link_phone(marker: &str, path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    let digits: String = match marker {
        "wa.me/" => lower
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '+')
            .filter(char::is_ascii_digit)
            .collect(),
        "whatsapp.com/" | "viber://" => {
            let p = lower
                .find("phone=")
                .map(|p| p + 6)
                .or_else(|| lower.find("number=").map(|p| p + 7))?;
            lower[p..]
                .trim_start_matches("%2b")
                .trim_start_matches('+')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect()
        }
        _ => return None,
    };
    (digits.len() >= 8).then_some(digits)
}

fn handles(original: &str, norm: &Normalized, found: &mut Found) {
    let text = norm.as_str();
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        if found.is_full() {
            return;
        }
        if at > 0
            && (bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'.'
                || bytes[at - 1] == b'_')
        {
            continue; // an e-mail address
        }
        let len = bytes[at + 1..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.'))
            .unwrap_or(bytes.len() - at - 1);
        let mut end = at + 1 + len;
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let name = &text[at + 1..end];
        if name.len() < 3 || name.len() > 32 || !name.bytes().any(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        let span = norm.original_span(at, end);
        if found.is_claimed(span) {
            continue;
        }
        let telegram = TELEGRAM_WORDS.near(text, at, at, 24);
        let kind = if telegram {
            EntityType::Telegram
        } else {
            EntityType::Handle
        };
        let mut entity = Entity::new(kind, format!("@{name}"), raw(original, span), span);
        if telegram {
            entity.provider = Some("telegram".to_string());
        }
        found.push(entity);
    }
}

static WHATSAPP_WORDS: Keywords = Keywords::new(&[
    "whatsapp",
    "whats app",
    "watsap",
    "wtsp",
    "whatsap",
    "واتساب",
    "واتس",
    "وتساب",
]);

/// The messaging app named within a few words of a phone number at `start..end` of the
/// normalised text, if any.
pub fn app_near(text: &str, start: usize, end: usize) -> Option<&'static str> {
    [
        (&VIBER_WORDS, "viber"),
        (&WHATSAPP_WORDS, "whatsapp"),
        (&TELEGRAM_WORDS, "telegram"),
        (&IMO_WORDS, "imo"),
    ]
    .into_iter()
    .find(|(words, _)| words.near(text, start, end, 40))
    .map(|(_, name)| name)
}

/// Adds a phone number found at `start..end` of the normalised text, with the app it is
/// given for; a number given as Viber also becomes a Viber entity.
pub fn push_phone(found: &mut Found, text: &str, start: usize, end: usize, mut phone: Entity) {
    phone.provider = app_near(text, start, end).map(str::to_string);
    if phone.provider.as_deref() == Some("viber") {
        let mut viber = Entity::new(
            EntityType::Viber,
            phone.value.clone(),
            phone.raw.clone(),
            phone.span,
        );
        viber.country = phone.country.clone();
        viber.provider = Some("viber".to_string());
        found.push_unclaimed(viber);
    }
    found.push(phone);
}
