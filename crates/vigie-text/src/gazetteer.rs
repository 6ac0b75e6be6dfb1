//! The gazetteer: departure, transit and destination places, with their spellings in Latin,
//! Arabic, Ge'ez and Persian script and their flag emoji.
//!
//! Format (`data/places.tsv`): a header `name country role forms note`, tab-separated; `forms`
//! is a `|`-separated list of spellings. Forms are normalised when loaded.

use crate::matcher::{PhraseMatch, PhraseMatcher};
use crate::normalize::{normalize, Normalized};
use crate::DataError;
use std::collections::HashMap;
use std::sync::OnceLock;
use vigie_core::Span;

/// The role a place plays on migration routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Where boats or convoys leave from.
    Departure,
    /// A stop on the way.
    Transit,
    /// Where people are trying to reach.
    Destination,
    /// A smuggling hub.
    Hub,
    /// Where people are held (detention, kidnapping).
    Detention,
    /// Where smuggling money is handled.
    Finance,
    /// Where people come from.
    Origin,
}

impl Role {
    const ALL: [Role; 7] = [
        Role::Departure,
        Role::Transit,
        Role::Destination,
        Role::Hub,
        Role::Detention,
        Role::Finance,
        Role::Origin,
    ];

    /// The name used in the TSV file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Departure => "departure",
            Role::Transit => "transit",
            Role::Destination => "destination",
            Role::Hub => "hub",
            Role::Detention => "detention",
            Role::Finance => "finance",
            Role::Origin => "origin",
        }
    }

    fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// One place.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Canonical English name.
    pub name: String,
    /// ISO 3166-1 alpha-2 code (`EU` for Europe as a whole).
    pub country: String,
    /// Its role on routes.
    pub role: Role,
}

/// A place found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceHit {
    /// Index into [`Gazetteer::places`].
    pub place: usize,
    /// Where, in the original text.
    pub span: Span,
}

/// The compiled gazetteer.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// Normalised spellings; `form_place[i]` is the place of `forms[i]`.
    forms: Vec<String>,
    /// Compiled on the first [`Gazetteer::find`]: the analyser matches the forms in one
    /// automaton with the lexicon instead.
    matcher: OnceLock<PhraseMatcher>,
    form_place: Vec<usize>,
}

impl Gazetteer {
    /// Loads `places.tsv`.
    pub fn from_tsv(file: &str, contents: &str) -> Result<Gazetteer, DataError> {
        let mut places = Vec::new();
        let mut forms: Vec<String> = Vec::new();
        let mut form_place = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (line, fields) in crate::tsv::records(file, contents, 5)? {
            let at = |message: String| DataError::new(file, line, message);
            let [name, country, role, spellings] = [fields[0], fields[1], fields[2], fields[3]];
            if name.is_empty() {
                return Err(at("field `name` is empty".to_string()));
            }
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(at(format!(
                    "field `country`: `{country}` is not a two-letter upper-case code"
                )));
            }
            let role = Role::parse(role).ok_or_else(|| {
                at(format!(
                    "field `role`: unknown role `{role}` (expected one of: {})",
                    Role::ALL.map(|r| r.as_str()).join(", ")
                ))
            })?;
            let place = places.len();
            places.push(Place {
                name: name.to_string(),
                country: country.to_string(),
                role,
            });
            for form in std::iter::once(name).chain(spellings.split('|')) {
                let normalized = normalize(form).as_str().trim().to_string();
                if normalized.is_empty() || seen.contains_key(&normalized) {
                    continue;
                }
                seen.insert(normalized.clone(), place);
                forms.push(normalized);
                form_place.push(place);
            }
        }
        if places.is_empty() {
            return Err(DataError::new(file, 0, "no places loaded".to_string()));
        }
        Ok(Gazetteer {
            places,
            forms,
            matcher: OnceLock::new(),
            form_place,
        })
    }

    /// All places.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Places named in the text; where forms overlap (`Gasr Garabulli` and `Garabulli`) the
    /// longest wins.
    pub fn find(&self, text: &Normalized) -> Vec<PlaceHit> {
        let matcher = self.matcher.get_or_init(|| PhraseMatcher::new(&self.forms));
        self.hits(text, matcher.find_all(text.as_str()))
    }

    /// The normalised spellings: the patterns [`Gazetteer::hits`] expects matches of.
    pub fn forms(&self) -> &[String] {
        &self.forms
    }

    /// The places for `matches` of [`Gazetteer::forms`] in `text` (as
    /// [`PhraseMatcher::find_all`] orders them); where they overlap, the longest wins.
    pub fn hits(&self, text: &Normalized, mut matches: Vec<PhraseMatch>) -> Vec<PlaceHit> {
        // A bound for a text that is nothing but place names (the overlap filter is quadratic).
        matches.truncate(crate::lexicon::MAX_HITS);
        // Longest first, then drop those inside an already kept match.
        matches.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for m in matches {
            if kept.iter().all(|&(s, e, _)| m.end <= s || m.start >= e) {
                kept.push((m.start, m.end, self.form_place[m.pattern]));
            }
        }
        kept.sort_by_key(|&(s, _, _)| s);
        kept.into_iter()
            .map(|(s, e, place)| PlaceHit {
                place,
                span: text.original_span(s, e),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "name\tcountry\trole\tforms\tnote\n\
        Zuwara\tLY\tdeparture\tZuwara|Zuara|Zouara|زوارة\tFG#144\n\
        Italy\tIT\tdestination\tItaly|Italie|Italia|إيطاليا|ايطاليا|🇮🇹\tcountry\n\
        Gasr Garabulli\tLY\tdeparture\tGasr Garabulli|Garabulli|القره بوللي\tFG#148\n";

    #[test]
    fn finds_places_in_any_script() {
        let g = Gazetteer::from_tsv("places.tsv", TSV).unwrap();
        let text = "من زوارة لإيطاليا 🇮🇹 via Gasr Garabulli";
        let hits = g.find(&normalize(text));
        let names: Vec<&str> = hits
            .iter()
            .map(|h| g.places()[h.place].name.as_str())
            .collect();
        assert_eq!(names, ["Zuwara", "Italy", "Italy", "Gasr Garabulli"]);
        assert_eq!(&text[hits[2].span[0]..hits[2].span[1]], "🇮🇹");
    }

    #[test]
    fn bad_role_is_reported() {
        let bad = "name\tcountry\trole\tforms\tnote\nX\tLY\tbeach\tX\tn\n";
        let err = Gazetteer::from_tsv("places.tsv", bad)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("places.tsv:2: field `role`"), "{err}");
    }
}
