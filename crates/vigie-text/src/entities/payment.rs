//! Payment identifiers: money-transfer references near their provider's name (Western Union
//! MTCN: 10 digits; MoneyGram reference: 8 digits), IBANs (mod-97 checksum and the country's
//! length), and crypto addresses (Bitcoin base58check and bech32, TRON base58check).
//!
//! Every identifier is checked, not just shaped: a random 10-digit number far from any
//! provider name is not an MTCN, and an IBAN with a bad checksum is not an IBAN.

use super::{raw, Found, Keywords};
use crate::normalize::Normalized;
use vigie_core::{Entity, EntityType};

static WESTERN_UNION: Keywords = Keywords::new(&[
    "western union",
    "westernunion",
    "western-union",
    "mtcn",
    "wu ",
    " wu",
    "ويسترن",
    "وسترن",
    "ويستيرن",
]);
static MONEYGRAM: Keywords = Keywords::new(&[
    "moneygram",
    "money gram",
    "موني جرام",
    "موني غرام",
    "مني جرام",
]);

/// Extracts payment identifiers.
pub fn extract(original: &str, norm: &Normalized, found: &mut Found) {
    let text = norm.as_str();
    transfer_codes(original, norm, text, found);
    ibans(original, norm, text, found);
    crypto(original, found);
}

fn transfer_codes(original: &str, norm: &Normalized, text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if found.is_full() {
            return;
        }
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        // Digits with single spaces or dashes between groups.
        let start = i;
        let mut digits = String::new();
        let mut end = i;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                digits.push(bytes[i] as char);
                i += 1;
                end = i;
            } else if matches!(bytes[i], b' ' | b'-')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            {
                i += 1;
            } else {
                break;
            }
        }
        if bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let provider = match digits.len() {
            10 if WESTERN_UNION.near(text, start, end, 80) => "western_union",
            8 if MONEYGRAM.near(text, start, end, 80) => "moneygram",
            _ => continue,
        };
        let span = norm.original_span(start, end);
        let mut entity = Entity::new(EntityType::MoneyTransfer, digits, raw(original, span), span);
        entity.provider = Some(provider.to_string());
        found.push(entity);
    }
}

/// IBAN lengths of the countries most likely to appear (SWIFT IBAN registry). Other
/// countries are accepted at any length from 15 to 34 when the checksum holds.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AE", 23),
    ("AT", 20),
    ("BE", 16),
    ("CH", 21),
    ("DE", 22),
    ("DZ", 26),
    ("EG", 29),
    ("ES", 24),
    ("FR", 27),
    ("GB", 22),
    ("GR", 27),
    ("IQ", 23),
    ("IT", 27),
    ("LY", 25),
    ("MA", 28),
    ("MR", 27),
    ("MT", 31),
    ("NL", 18),
    ("PL", 28),
    ("PT", 25),
    ("SA", 24),
    ("SD", 18),
    ("SE", 24),
    ("SN", 28),
    ("TN", 24),
    ("TR", 26),
];

/// `true` if `iban` (upper case, no spaces) has a valid mod-97 checksum.
pub fn iban_checksum_ok(iban: &str) -> bool {
    if iban.len() < 15 || iban.len() > 34 || !iban.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let rearranged = iban[4..].bytes().chain(iban[..4].bytes());
    let mut remainder: u32 = 0;
    for b in rearranged {
        let value = match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'A'..=b'Z' => (b - b'A') as u32 + 10,
            _ => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

fn ibans(original: &str, norm: &Normalized, text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        if found.is_full() {
            return;
        }
        let head = &bytes[i..i + 4];
        // The check digits first: they rule out most positions, and a position whose fourth
        // byte is no digit cannot start an IBAN, nor can the next one (its third byte).
        if !head[3].is_ascii_digit() {
            i += 2;
            continue;
        }
        let at_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if !(head[2].is_ascii_digit()
            && at_start
            && head[0].is_ascii_lowercase()
            && head[1].is_ascii_lowercase())
        {
            i += 1;
            continue;
        }
        // Collect alphanumerics with single spaces between groups; remember group ends.
        let mut compact = String::new();
        let mut ends = Vec::new();
        let mut j = i;
        while j < bytes.len() && compact.len() < 34 {
            if bytes[j].is_ascii_alphanumeric() {
                compact.push(bytes[j].to_ascii_uppercase() as char);
                j += 1;
                ends.push((compact.len(), j));
            } else if bytes[j] == b' ' && bytes.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) {
                j += 1;
            } else {
                break;
            }
        }
        let country = &compact[..2];
        let expected = IBAN_LENGTHS
            .iter()
            .find(|(c, _)| *c == country)
            .map(|&(_, n)| n);
        let hit = ends.iter().rev().find(|&&(len, end)| {
            let at_word_end = !bytes.get(end).is_some_and(u8::is_ascii_alphanumeric);
            let length_ok = expected.map_or(len >= 15 && at_word_end, |n| len == n);
            length_ok && iban_checksum_ok(&compact[..len])
        });
        match hit {
            Some(&(len, end)) => {
                let span = norm.original_span(i, end);
                let mut entity = Entity::new(
                    EntityType::Iban,
                    compact[..len].to_string(),
                    raw(original, span),
                    span,
                );
                entity.country = Some(country.to_string());
                found.push(entity);
                i = end;
            }
            None => i += 1,
        }
    }
}

fn crypto(original: &str, found: &mut Found) {
    let bytes = original.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if found.is_full() {
            return;
        }
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let token = &original[start..i];
        let provider = match token.len() {
            26..=35 if token.starts_with(['1', '3']) => {
                base58check(token, &[0x00, 0x05]).then_some("btc")
            }
            34 if token.starts_with('T') => base58check(token, &[0x41]).then_some("tron"),
            42..=62 if token.to_ascii_lowercase().starts_with("bc1") => {
                segwit(token).then_some("btc")
            }
            _ => None,
        };
        if let Some(provider) = provider {
            let span = [start, i];
            if found.is_claimed(span) {
                continue;
            }
            let mut entity = Entity::new(
                EntityType::Crypto,
                token.to_string(),
                token.to_string(),
                span,
            );
            entity.provider = Some(provider.to_string());
            found.push(entity);
        }
    }
}

fn base58check(token: &str, versions: &[u8]) -> bool {
    match bs58::decode(token).with_check(None).into_vec() {
        Ok(payload) => payload.len() == 21 && versions.contains(&payload[0]),
        Err(_) => false,
    }
}

fn segwit(token: &str) -> bool {
    match bech32::segwit::decode(token) {
        Ok((hrp, _, program)) => {
            hrp.as_str().eq_ignore_ascii_case("bc") && (program.len() == 20 || program.len() == 32)
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_checksum() {
        assert!(iban_checksum_ok("GB82WEST12345698765432"));
        assert!(!iban_checksum_ok("GB82WEST12345698765433"));
    }
}
