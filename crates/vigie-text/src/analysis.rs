//! The whole text pipeline in one call: normalise, identify the language, match the lexicon
//! and the gazetteer, extract entities.

use crate::entities::{self, Priors};
use crate::gazetteer::{Gazetteer, PlaceHit};
use crate::lang::{Language, LanguageIdentifier};
use crate::lexicon::{Lexicon, LexiconHit};
use crate::matcher::{PhraseMatch, PhraseMatcher};
use crate::normalize::{normalize, Normalized};
use vigie_core::{Entity, EntityType};

/// What the platform told us about the item, used as priors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// The author's country (ISO 3166-1 alpha-2).
    pub country: Option<&'a str>,
}

/// Everything the text pipeline found in one text.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The normalised text with its offset map.
    pub normalized: Normalized,
    /// The detected language.
    pub language: Language,
    /// Lexicon terms found.
    pub lexicon_hits: Vec<LexiconHit>,
    /// Places found.
    pub place_hits: Vec<PlaceHit>,
    /// Entities (places included), in text order.
    pub entities: Vec<Entity>,
    /// `true` when the text held more than [`entities::MAX_ENTITIES`] entities and the list
    /// was cut there.
    pub entities_truncated: bool,
}

/// The compiled text pipeline. Build once (it compiles automata), share across threads.
#[derive(Debug)]
pub struct Analyzer {
    lexicon: Lexicon,
    gazetteer: Gazetteer,
    languages: LanguageIdentifier,
    /// The lexicon's terms then the gazetteer's forms in one automaton: one pass over the
    /// text finds both (a second pass cost 5% of `classify`).
    phrases: PhraseMatcher,
}

/// Countries whose numbers and currencies are likely for a language.
fn language_countries(code: &str) -> &'static [&'static str] {
    match code {
        "ar" => &["LY", "TN", "DZ", "MA", "EG", "SD"],
        "ar-Latn" => &["TN", "DZ", "MA", "LY"],
        "fr" => &["FR", "SN", "ML", "CI", "CM", "GN", "TN", "DZ", "MA"],
        "en" => &["GB", "NG", "GH", "GM"],
        "pcm" => &["NG", "GH"],
        "it" => &["IT", "LY", "TN"],
        "es" => &["ES", "MA"],
        "ti" => &["ER", "ET"],
        "am" => &["ET"],
        "so" => &["SO", "ET", "KE"],
        "ha" => &["NG", "NE"],
        "wo" => &["SN", "GM"],
        "ps" | "prs" => &["AF", "PK", "IR"],
        "fa" => &["IR", "AF"],
        "ur" => &["PK"],
        "bn" => &["BD"],
        "tr" => &["TR"],
        "ckb" => &["IQ"],
        _ => &[],
    }
}

fn add_country(countries: &mut Vec<String>, code: &str) {
    let code = code.to_ascii_uppercase();
    if code.len() == 2 && code != "EU" && !countries.contains(&code) {
        countries.push(code);
    }
}

impl Analyzer {
    /// A pipeline over a compiled lexicon and gazetteer.
    pub fn new(lexicon: Lexicon, gazetteer: Gazetteer) -> Analyzer {
        let patterns: Vec<String> = lexicon
            .patterns()
            .chain(gazetteer.forms().iter().cloned())
            .collect();
        Analyzer {
            phrases: PhraseMatcher::new(&patterns),
            lexicon,
            gazetteer,
            languages: LanguageIdentifier::new(),
        }
    }

    /// The lexicon.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The gazetteer.
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// Runs the pipeline over `text`.
    pub fn analyze(&self, text: &str, hints: Hints<'_>) -> Analysis {
        let normalized = normalize(text);
        let language = self
            .languages
            .identify(text, normalized.as_str(), hints.country);
        // Patterns below `terms` are the lexicon's; the rest are place forms, offset by it.
        let terms = self.lexicon.terms().len();
        let matches = self.phrases.find_all(normalized.as_str());
        let term_matches = matches.iter().copied().filter(|m| m.pattern < terms);
        let lexicon_hits = self
            .lexicon
            .hits(&normalized, term_matches, language.code == "ar-Latn");
        let form_matches = matches
            .iter()
            .filter_map(|m| {
                m.pattern
                    .checked_sub(terms)
                    .map(|pattern| PhraseMatch { pattern, ..*m })
            })
            .collect();
        let place_hits = self.gazetteer.hits(&normalized, form_matches);

        let mut priors = Priors::default();
        if let Some(country) = hints.country {
            add_country(&mut priors.countries, country);
        }
        for hit in &place_hits {
            let place = &self.gazetteer.places()[hit.place];
            if !matches!(place.role, crate::gazetteer::Role::Destination) {
                add_country(&mut priors.countries, &place.country);
            }
        }
        let strong = priors.countries.len();
        for code in language_countries(language.code) {
            add_country(&mut priors.countries, code);
        }
        priors.strong = strong;
        let (mut entities, entities_truncated) = entities::extract(text, &normalized, &priors);
        for hit in place_hits.iter().take(entities::MAX_ENTITIES) {
            let place = &self.gazetteer.places()[hit.place];
            let mut entity = Entity::new(
                EntityType::Place,
                place.name.clone(),
                text[hit.span[0]..hit.span[1]].to_string(),
                hit.span,
            );
            entity.country = Some(place.country.clone());
            entity.role = Some(place.role.as_str().to_string());
            entities.push(entity);
        }
        entities.sort_by_key(|e| (e.span[0], e.entity_type));
        Analysis {
            normalized,
            language,
            lexicon_hits,
            place_hits,
            entities,
            entities_truncated,
        }
    }
}

impl Analysis {
    /// How many entities of a type were found.
    pub fn count(&self, entity_type: EntityType) -> usize {
        self.entities
            .iter()
            .filter(|e| e.entity_type == entity_type)
            .count()
    }
}
