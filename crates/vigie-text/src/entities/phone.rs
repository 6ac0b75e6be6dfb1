//! Phone numbers: found in free text however they are written, validated with a
//! libphonenumber port, reported in E.164 with their country.
//!
//! The scanner works on normalised text, where Arabic-Indic and Persian digits, keycap and
//! fullwidth digits are already ASCII. It accepts spaces, dots, dashes and parentheses between
//! digits, the letter `o` written for zero inside a number, and `00` for `+`. A run with more
//! digits than one number is split at its separators (two numbers in a row). National numbers
//! are tried against the likely countries in order ([`super::Priors`]); `rlibphonenumber`'s own
//! guess is never used alone (it once tagged a French number as Afghan). A number in an
//! unassigned range (smugglers use fresh SIMs; fiction uses reserved ranges) is still
//! reported, with `valid: false`, when it is written with `+`/`00` or a national trunk `0`.

use super::links::push_phone;
use super::{raw, Found, Priors};
use crate::normalize::Normalized;
use rlibphonenumber::{PhoneNumber, PhoneNumberFormat, Region};
use vigie_core::{Entity, EntityType};

/// The countries tried when the item gives no prior, from the field guide's list.
pub const DEFAULT_COUNTRIES: &[&str] = &[
    "LY", "TN", "DZ", "MA", "EG", "SD", "NE", "TR", "SN", "GM", "NG", "GN", "ER", "ET", "SO", "IQ",
    "AF", "FR", "IT", "ES", "GB", "DE",
];

/// Most countries tried for one national number (each try is a full parse).
const MAX_REGIONS: usize = 12;

/// A parsed number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// E.164 form.
    pub e164: String,
    /// Country of the number.
    pub country: Option<String>,
    /// In an assigned range.
    pub valid: bool,
}

/// The countries to try for national numbers: first those the item points to (author,
/// places), then those its language suggests, then [`DEFAULT_COUNTRIES`].
#[derive(Debug, Clone, Default)]
pub struct Regions {
    list: Vec<Region>,
    /// How many of `list` come from strong evidence (author, places).
    from_item: usize,
}

/// Parses a digit string (`international` when written with `+` or `00`) against the priors.
///
/// Order: valid in a country the item suggests; then, for a number with a trunk `0`, possible
/// in the item's most likely country (an unassigned or fictional range there beats a valid
/// number in a country nothing points to); then valid in a default country; then the digits
/// read as an international number written without `+`.
pub fn parse(digits: &str, international: bool, regions: &Regions) -> Option<Parsed> {
    if international {
        let number = PhoneNumber::parse(format!("+{digits}"), None).ok()?;
        return finish(&number, number.is_valid(), digits.len() >= 8);
    }
    let trunk = digits.starts_with('0') && (9..=11).contains(&digits.len());
    let (item, defaults) = regions.list.split_at(regions.from_item);
    for &region in item {
        if let Ok(number) = PhoneNumber::parse(digits, Some(region)) {
            if number.is_valid() {
                return finish(&number, true, true);
            }
        }
    }
    if trunk {
        if let Some(&region) = item.first() {
            if let Some(parsed) = PhoneNumber::parse(digits, Some(region))
                .ok()
                .and_then(|n| finish(&n, false, true))
            {
                return Some(parsed);
            }
        }
    }
    // Countries nothing points to are tried only for numbers written with a trunk `0`, the
    // national form people write; a bare digit run (an amount, an order number) is not
    // worth a dozen validations.
    let defaults = if digits.starts_with('0') {
        defaults
    } else {
        &[]
    };
    for &region in defaults {
        if let Ok(number) = PhoneNumber::parse(digits, Some(region)) {
            if number.is_valid() {
                return finish(&number, true, true);
            }
        }
    }
    // Written without `+`: 218912345678.
    if !digits.starts_with('0') && digits.len() >= 10 {
        if let Ok(number) = PhoneNumber::parse(format!("+{digits}"), None) {
            if number.is_valid() {
                return finish(&number, true, true);
            }
        }
    }
    if trunk && item.is_empty() {
        let number = PhoneNumber::parse(digits, Some(*defaults.first()?)).ok()?;
        return finish(&number, false, true);
    }
    None
}

fn finish(number: &PhoneNumber, valid: bool, accept_possible: bool) -> Option<Parsed> {
    if !(valid || accept_possible && number.is_possible_with_reason().is_ok()) {
        return None;
    }
    Some(Parsed {
        e164: number.format_as(PhoneNumberFormat::E164).into_owned(),
        country: number
            .get_region_code()
            .map(|r| r.as_region_str().as_str().to_string()),
        valid,
    })
}

/// The regions to try, most likely first: the priors, then [`DEFAULT_COUNTRIES`].
pub fn regions(priors: &Priors) -> Regions {
    let mut regions = Regions::default();
    for (idx, code) in priors.countries.iter().enumerate() {
        if let Ok(region) = Region::from_code(code) {
            if !regions.list.contains(&region) && regions.list.len() < MAX_REGIONS {
                regions.list.push(region);
            }
        }
        if idx + 1 == priors.strong {
            regions.from_item = regions.list.len();
        }
    }
    for code in DEFAULT_COUNTRIES {
        if let Ok(region) = Region::from_code(code) {
            if !regions.list.contains(&region) && regions.list.len() < MAX_REGIONS + 6 {
                regions.list.push(region);
            }
        }
    }
    regions
}

/// A run of digits and separators: the digit groups with their byte ranges.
#[derive(Debug)]
struct Run {
    international: bool,
    /// `(digits, start, end)` per group, in normalised-text bytes.
    groups: Vec<(String, usize, usize)>,
    start: usize,
}

fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'(' | b')' | b'\t')
}

/// Finds digit runs in normalised text.
fn runs(norm: &str) -> Vec<Run> {
    let bytes = norm.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        let starts = b.is_ascii_digit() || (matches!(b, b'+' | b'o') && next_is_digit);
        let prev_is_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !starts || prev_is_word {
            i += 1;
            continue;
        }
        let start = i;
        let mut international = b == b'+';
        if international {
            i += 1;
        }
        let mut groups: Vec<(String, usize, usize)> = Vec::new();
        let mut current = String::new();
        let mut group_start = i;
        let mut separators = 0;
        while i < bytes.len() {
            let c = bytes[i];
            let zero_letter = c == b'o'
                && (!current.is_empty() || bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
                && !bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic());
            if c.is_ascii_digit() || zero_letter {
                if current.is_empty() {
                    group_start = i;
                }
                current.push(if zero_letter { '0' } else { c as char });
                separators = 0;
                i += 1;
            } else if is_separator(c)
                && separators < 2
                && !(current.is_empty() && groups.is_empty())
            {
                if !current.is_empty() {
                    groups.push((std::mem::take(&mut current), group_start, i));
                }
                separators += 1;
                i += 1;
            } else {
                break;
            }
        }
        if !current.is_empty() {
            groups.push((current, group_start, i));
        }
        // A word glued to the end (`5678abc`) is not a number.
        let glued = groups
            .last()
            .is_some_and(|g| bytes.get(g.2).is_some_and(|n| n.is_ascii_alphabetic()));
        if let Some(first) = groups.first_mut() {
            if !international && first.0.starts_with("00") && first.0.len() > 2 {
                first.0.drain(..2);
                international = true;
            }
        }
        if !groups.is_empty() && !glued && !looks_like_date(&groups) {
            runs.push(Run {
                international,
                groups,
                start,
            });
        }
        i = i.max(start + 1);
    }
    runs
}

fn looks_like_date(groups: &[(String, usize, usize)]) -> bool {
    let lens: Vec<usize> = groups.iter().map(|g| g.0.len()).collect();
    matches!(
        lens.as_slice(),
        [4, 2, 2] | [2, 2, 4] | [1, 2, 4] | [2, 1, 4]
    )
}

/// Extracts the phone numbers written with digits.
pub fn extract(original: &str, norm: &Normalized, priors: &Priors, found: &mut Found) {
    let text = norm.as_str();
    let mut regions_cache: Option<Regions> = None;
    for run in runs(text) {
        if found.is_full() {
            return;
        }
        let total: usize = run.groups.iter().map(|g| g.0.len()).sum();
        if total < 7 {
            continue;
        }
        let regions = regions_cache.get_or_insert_with(|| regions(priors));
        let mut first = 0;
        while first < run.groups.len() {
            let mut matched = None;
            let mut digits = String::new();
            let mut candidates = Vec::new();
            for last in first..run.groups.len() {
                digits.push_str(&run.groups[last].0);
                if digits.len() > 15 {
                    break;
                }
                if digits.len() >= 7 {
                    candidates.push((last, digits.clone()));
                }
            }
            let international = run.international && first == 0;
            let start = if first == 0 {
                run.start
            } else {
                run.groups[first].1
            };
            for (last, digits) in candidates.into_iter().rev() {
                // Digits a price or a payment identifier already claimed are not parsed again.
                if found.is_claimed(norm.original_span(start, run.groups[last].2)) {
                    continue;
                }
                if let Some(parsed) = parse(&digits, international, regions) {
                    matched = Some((last, parsed));
                    break;
                }
            }
            match matched {
                Some((last, parsed)) => {
                    let end = run.groups[last].2;
                    let span = norm.original_span(start, end);
                    let mut entity =
                        Entity::new(EntityType::Phone, parsed.e164, raw(original, span), span);
                    entity.country = parsed.country;
                    entity.valid = Some(parsed.valid);
                    push_phone(found, text, start, end, entity);
                    first = last + 1;
                }
                None => first += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn phones(text: &str, countries: &[&str]) -> Vec<(String, String)> {
        let priors = Priors {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            strong: countries.len(),
        };
        let norm = normalize(text);
        let mut found = Found::default();
        extract(text, &norm, &priors, &mut found);
        found
            .entities()
            .iter()
            .map(|e| (e.value.clone(), e.raw.clone()))
            .collect()
    }

    #[test]
    fn two_numbers_in_one_run_are_split() {
        let got = phones("091 234 5678 092 345 6789", &["LY"]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "+218912345678");
        assert_eq!(got[1].0, "+218923456789");
    }

    #[test]
    fn dates_and_small_numbers_are_not_phones() {
        assert!(phones("le 2026-11-28 à 10:00, 2 900 dinars", &["LY"]).is_empty());
    }
}
