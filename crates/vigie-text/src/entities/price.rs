//! Prices with their currency: `2900 LYD`, `$1,000`, `٣٥٠٠ يورو`, `1.500 €`, `5k€`,
//! `40 millions` (Algerian usage: millions of centimes, 10,000 DZD each), `3 آلاف دولار`.
//!
//! A number counts as a price only with a currency next to it (a symbol, an ISO code or a
//! currency word in Arabic, French, English...). `دينار` alone is resolved with the country
//! priors (Libya, Tunisia, Algeria...).

use super::{raw, Found, Priors};
use crate::normalize::Normalized;
use vigie_core::{Entity, EntityType};

/// Currency words and symbols (normalised) → ISO 4217. Longest phrases are tried first.
const CURRENCIES: &[(&str, &str)] = &[
    ("دينار ليبي", "LYD"),
    ("دنانير ليبيه", "LYD"),
    ("د.ل", "LYD"),
    ("lyd", "LYD"),
    ("dinars libyens", "LYD"),
    ("dinar libyen", "LYD"),
    ("libyan dinars", "LYD"),
    ("libyan dinar", "LYD"),
    ("دينار تونسي", "TND"),
    ("د.ت", "TND"),
    ("tnd", "TND"),
    ("dinars tunisiens", "TND"),
    ("dinar tunisien", "TND"),
    ("دينار جزائري", "DZD"),
    ("dzd", "DZD"),
    ("dinars algeriens", "DZD"),
    ("dinar algerien", "DZD"),
    ("€", "EUR"),
    ("eur", "EUR"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("يورو", "EUR"),
    ("اورو", "EUR"),
    ("ايرو", "EUR"),
    ("$", "USD"),
    ("usd", "USD"),
    ("dollar", "USD"),
    ("dollars", "USD"),
    ("dolar", "USD"),
    ("dolares", "USD"),
    ("dollari", "USD"),
    ("dala", "USD"),
    ("dalar", "USD"),
    ("doollar", "USD"),
    ("ডলার", "USD"),
    ("دولار", "USD"),
    ("دولارات", "USD"),
    ("dola", "USD"),
    ("ዶላር", "USD"),
    ("£", "GBP"),
    ("gbp", "GBP"),
    ("pounds", "GBP"),
    ("pound", "GBP"),
    ("quid", "GBP"),
    ("جنيه مصري", "EGP"),
    ("egp", "EGP"),
    ("جنيه سوداني", "SDG"),
    ("sdg", "SDG"),
    ("mad", "MAD"),
    ("dh", "MAD"),
    ("dhs", "MAD"),
    ("dirham", "MAD"),
    ("dirhams", "MAD"),
    ("درهم", "MAD"),
    ("fcfa", "XOF"),
    ("cfa", "XOF"),
    ("xof", "XOF"),
    ("francs cfa", "XOF"),
    ("₦", "NGN"),
    ("ngn", "NGN"),
    ("naira", "NGN"),
    ("cedis", "GHS"),
    ("cedi", "GHS"),
    ("ghs", "GHS"),
    ("₺", "TRY"),
    ("try", "TRY"),
    ("tl", "TRY"),
    ("lira", "TRY"),
    ("ليره", "TRY"),
    ("birr", "ETB"),
    ("ብር", "ETB"),
    ("nakfa", "ERN"),
    ("ናቕፋ", "ERN"),
    ("afn", "AFN"),
    ("afghani", "AFN"),
    ("افغاني", "AFN"),
    ("ريال", "SAR"),
    ("sar", "SAR"),
    ("taka", "BDT"),
    ("টাকা", "BDT"),
    ("rupees", "PKR"),
    ("روپے", "PKR"),
    ("روپي", "PKR"),
];

/// Words for "dinar" without a country.
const DINAR: &[&str] = &["دينار", "دنانير", "dinar", "dinars", "dinari"];
/// Algerian "million" (of centimes).
const MILLION: &[&str] = &[
    "million",
    "millions",
    "مليون",
    "ملاين",
    "ملايين",
    "melyoun",
    "malayin",
];
/// Thousand multipliers.
const THOUSAND: &[&str] = &["k", "mille", "thousand", "الف", "الاف", "alf", "elf", "ሺ"];

/// Extracts prices.
pub fn extract(original: &str, norm: &Normalized, priors: &Priors, found: &mut Found) {
    let text = norm.as_str();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if found.is_full() {
            return;
        }
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'+'))
        {
            i += 1;
            continue;
        }
        let (amount, num_end) = parse_amount(text, i);
        let mut start = i;
        let mut end = num_end;
        let mut multiplier = 1.0;
        // `5k€`, `3 الاف دولار`
        let (after_mult, mult) = word_after(text, end, THOUSAND);
        if mult.is_some() {
            multiplier = 1000.0;
            end = after_mult;
        }
        let mut currency = None;
        if let Some((code, cur_end)) = currency_after(text, end) {
            currency = Some(code.to_string());
            end = cur_end;
        } else if let Some((dinar_end, code)) = dinar_after(text, end, priors) {
            currency = Some(code.to_string());
            end = dinar_end;
        } else if let (m_end, Some(_)) = word_after(text, end, MILLION) {
            // "2 millions d'euros" or "40 millions" (Algeria: 10,000 DZD each).
            if let Some((code, cur_end)) = currency_after(text, skip_de(text, m_end)) {
                currency = Some(code.to_string());
                multiplier = 1_000_000.0;
                end = cur_end;
            } else if priors.countries.iter().take(3).any(|c| c == "DZ") {
                currency = Some("DZD".to_string());
                multiplier = 10_000.0;
                end = m_end;
            }
        } else if let Some((code, cur_start)) = currency_before(text, i) {
            currency = Some(code.to_string());
            start = cur_start;
        }
        i = num_end.max(i + 1);
        let Some(currency) = currency else { continue };
        let span = norm.original_span(start, end);
        if found.is_claimed(span) {
            continue;
        }
        let amount = amount * multiplier;
        let mut entity = Entity::new(
            EntityType::Price,
            format!("{} {currency}", format_amount(amount)),
            raw(original, span),
            span,
        );
        entity.amount = Some(amount);
        entity.currency = Some(currency);
        found.push(entity);
        i = end.max(i);
    }
}

/// Parses `1,000` / `1.000` / `1 000` (thousands) and `2,5` / `2.5` (decimals) at `start`.
fn parse_amount(text: &str, start: usize) -> (f64, usize) {
    let bytes = text.as_bytes();
    let mut i = start;
    let mut integer = String::new();
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        integer.push(bytes[i] as char);
        i += 1;
    }
    let mut fraction = String::new();
    loop {
        let sep = bytes.get(i).copied();
        let group: usize = bytes[(i + 1).min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let thousands = matches!(sep, Some(b',' | b'.' | b' ')) && group == 3;
        let decimal = matches!(sep, Some(b',' | b'.')) && (1..=2).contains(&group);
        if thousands {
            integer.push_str(&text[i + 1..i + 4]);
            i += 4;
        } else if decimal {
            fraction = text[i + 1..i + 1 + group].to_string();
            i += 1 + group;
            break;
        } else {
            break;
        }
    }
    let number = if fraction.is_empty() {
        integer
    } else {
        format!("{integer}.{fraction}")
    };
    (number.parse().unwrap_or(0.0), i)
}

fn format_amount(amount: f64) -> String {
    if amount.fract() == 0.0 {
        format!("{}", amount as u64)
    } else {
        format!("{amount:.2}")
    }
}

/// The end of `word` if the text at `pos` (after at most one space) starts with one of
/// `words` followed by a boundary.
fn word_after(text: &str, pos: usize, words: &[&str]) -> (usize, Option<&'static str>) {
    let rest = text[pos..].strip_prefix(' ').unwrap_or(&text[pos..]);
    let offset = text.len() - rest.len();
    for word in words {
        if rest.as_bytes().first() != word.as_bytes().first() {
            continue;
        }
        if let Some(after) = rest.strip_prefix(word) {
            if !after
                .chars()
                .next()
                .is_some_and(crate::matcher::is_word_char)
            {
                return (offset + word.len(), Some(""));
            }
        }
    }
    (pos, None)
}

fn skip_de(text: &str, pos: usize) -> usize {
    let rest = &text[pos..];
    for prefix in [" d'", " de ", " of ", " d’"] {
        if rest.starts_with(prefix) {
            return pos + prefix.trim_end().len();
        }
    }
    pos
}

fn currency_after(text: &str, pos: usize) -> Option<(&'static str, usize)> {
    let rest = text[pos..].strip_prefix(' ').unwrap_or(&text[pos..]);
    let offset = text.len() - rest.len();
    let mut best: Option<(&'static str, usize)> = None;
    for (word, code) in CURRENCIES {
        if rest.as_bytes().first() != word.as_bytes().first() {
            continue;
        }
        if let Some(after) = rest.strip_prefix(word) {
            let symbol = !word
                .chars()
                .next()
                .is_some_and(crate::matcher::is_word_char);
            let boundary = symbol
                || !after
                    .chars()
                    .next()
                    .is_some_and(crate::matcher::is_word_char);
            if boundary && best.is_none_or(|(_, len)| word.len() > len) {
                best = Some((code, word.len()));
            }
        }
    }
    best.map(|(code, len)| (code, offset + len))
}

fn dinar_after(text: &str, pos: usize, priors: &Priors) -> Option<(usize, &'static str)> {
    let (end, found) = word_after(text, pos, DINAR);
    found?;
    let code = priors
        .countries
        .iter()
        .find_map(|c| match c.as_str() {
            "LY" => Some("LYD"),
            "TN" => Some("TND"),
            "DZ" => Some("DZD"),
            "IQ" => Some("IQD"),
            "JO" => Some("JOD"),
            "KW" => Some("KWD"),
            _ => None,
        })
        .unwrap_or("LYD");
    Some((end, code))
}

fn currency_before(text: &str, pos: usize) -> Option<(&'static str, usize)> {
    let before = &text[..pos];
    let trimmed = before.strip_suffix(' ').unwrap_or(before);
    let mut best: Option<(&'static str, usize)> = None;
    for (word, code) in CURRENCIES {
        if trimmed.as_bytes().last() != word.as_bytes().last() {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix(word) {
            let symbol = !word
                .chars()
                .next_back()
                .is_some_and(crate::matcher::is_word_char);
            let boundary = symbol
                || !head
                    .chars()
                    .next_back()
                    .is_some_and(crate::matcher::is_word_char);
            if boundary && best.is_none_or(|(_, start)| head.len() < start) {
                best = Some((code, head.len()));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn prices(text: &str, countries: &[&str]) -> Vec<(String, String)> {
        let priors = Priors {
            countries: countries.iter().map(|c| c.to_string()).collect(),
            strong: countries.len(),
        };
        let mut found = Found::default();
        extract(text, &normalize(text), &priors, &mut found);
        found
            .entities()
            .iter()
            .map(|e| (e.value.clone(), e.raw.clone()))
            .collect()
    }

    #[test]
    fn amounts_and_multipliers() {
        assert_eq!(
            prices("prix 2,900 LYD", &[]),
            [("2900 LYD".into(), "2,900 LYD".into())]
        );
        assert_eq!(
            prices("only $1,000!", &[]),
            [("1000 USD".into(), "$1,000".into())]
        );
        assert_eq!(
            prices("5k€ par tête", &[]),
            [("5000 EUR".into(), "5k€".into())]
        );
        assert_eq!(
            prices("40 millions la place", &["DZ"]),
            [("400000 DZD".into(), "40 millions".into())]
        );
        assert_eq!(
            prices("2 millions d'euros saisis", &["DZ"])[0].0,
            "2000000 EUR"
        );
        assert_eq!(prices("٣ آلاف دولار", &[])[0].0, "3000 USD");
        assert_eq!(prices("1000 دينار", &["TN"])[0].0, "1000 TND");
    }

    #[test]
    fn plain_numbers_are_not_prices() {
        assert!(prices("we were 40 people on the boat in 2016", &[]).is_empty());
    }
}
