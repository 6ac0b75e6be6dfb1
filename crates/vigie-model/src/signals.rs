//! Signals: the analysis summarised into a few numbers in `[0, 1]`, with the facts behind each.

use std::fmt;
use vigie_core::{EntityType, ItemKind};
use vigie_text::lexicon::Category;

use crate::ScoreInput;

/// A fact behind a signal, borrowed from the analysis: written out only when a score is
/// explained (building every fact as a string cost 3% of `classify`, which prints none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fact<'a> {
    /// A lexicon term as written, with the Arabic term an Arabizi word stands for:
    /// `offer "رحلة قادمة"`, `ransom "fidya" (Arabizi for "فدية")`.
    Term {
        /// The term's category.
        category: Category,
        /// The words as the author wrote them.
        written: &'a str,
        /// The Arabic term, when the words matched by Arabizi skeleton.
        arabizi: Option<&'a str>,
    },
    /// An entity: `phone +218912345678`, `place Lampedusa`.
    Entity(EntityType, &'a str),
    /// A conclusion drawn from several entities: `flag pair`.
    Note(&'static str),
}

impl fmt::Display for Fact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Term {
                category,
                written,
                arabizi: None,
            } => write!(f, "{} \"{written}\"", category.as_str()),
            Fact::Term {
                category,
                written,
                arabizi: Some(term),
            } => write!(
                f,
                "{} \"{written}\" (Arabizi for \"{term}\")",
                category.as_str()
            ),
            Fact::Entity(entity_type, value) => write!(f, "{} {value}", entity_type.as_str()),
            Fact::Note(note) => f.write_str(note),
        }
    }
}

/// One signal's strength and the facts that raised it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signal<'a> {
    /// Strength in `[0, 1]`.
    pub value: f32,
    /// The facts, strongest first.
    pub facts: Vec<Fact<'a>>,
    /// The strength each fact brought, parallel to `facts`.
    strengths: Vec<f32>,
}

/// Most facts kept per signal.
const MAX_FACTS: usize = 6;

impl<'a> Signal<'a> {
    fn raise(&mut self, value: f32, fact: Fact<'a>, strength: f32) {
        if value <= 0.0 {
            return;
        }
        self.value = self.value.max(value).min(1.0);
        if self.facts.contains(&fact) {
            return;
        }
        let at = self
            .strengths
            .iter()
            .position(|&s| s < strength)
            .unwrap_or(self.facts.len());
        if at < MAX_FACTS {
            self.facts.insert(at, fact);
            self.strengths.insert(at, strength);
            self.facts.truncate(MAX_FACTS);
            self.strengths.truncate(MAX_FACTS);
        }
    }

    /// `true` when the signal is at least `threshold`.
    pub fn at_least(&self, threshold: f32) -> bool {
        self.value >= threshold
    }
}

/// The signals the evidence scorer combines, borrowing their facts from the analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals<'a> {
    /// Offering a service: offer terms.
    pub offer: Signal<'a>,
    /// Looking for a smuggler: seek terms.
    pub seek: Signal<'a>,
    /// Smuggling vocabulary and actors.
    pub activity: Signal<'a>,
    /// A route: departure and destination places, route terms, flag pairs.
    pub route: Signal<'a>,
    /// Logistics: vessel, schedule.
    pub logistics: Signal<'a>,
    /// A price or price vocabulary.
    pub price: Signal<'a>,
    /// A way to get in touch: phone, messaging link, handle, contact terms.
    pub contact: Signal<'a>,
    /// Safety and success claims.
    pub safety_claim: Signal<'a>,
    /// Documents offered.
    pub document: Signal<'a>,
    /// Deceptive job offers.
    pub recruitment: Signal<'a>,
    /// Ransom demands and pleas.
    pub ransom: Signal<'a>,
    /// Threats of harm.
    pub threat: Signal<'a>,
    /// Someone held captive.
    pub hostage: Signal<'a>,
    /// Payment channels, terms and identifiers.
    pub payment: Signal<'a>,
    /// Negative evidence: news, NGO, awareness, courts.
    pub news: Signal<'a>,
    /// Negative evidence: own journey, grief, missing person.
    pub personal: Signal<'a>,
    /// Negative evidence: lawful travel, work and trade.
    pub legal: Signal<'a>,
    /// The item is a search query.
    pub is_search: bool,
    /// The item was reported by a user (a family forwarding a message).
    pub is_report: bool,
}

impl<'a> Signals<'a> {
    /// Computes the signals of one item.
    pub fn from_input(input: ScoreInput<'a>) -> Signals<'a> {
        let mut s = Signals {
            is_search: input.item.kind == Some(ItemKind::Search),
            is_report: input.item.kind == Some(ItemKind::Report),
            ..Signals::default()
        };
        let text = input.item.text();
        // Longest hits first; a shorter hit inside a longer one ("garanti" inside "passage
        // garanti") or of the same category over the same words (the several Arabic terms
        // one Arabizi word matches) is the same evidence and does not count twice.
        let mut hits: Vec<_> = input.analysis.lexicon_hits.iter().collect();
        hits.sort_by_key(|h| {
            (
                std::cmp::Reverse(h.span[1] - h.span[0]),
                h.span[0],
                h.via_arabizi,
            )
        });
        let mut counted: Vec<(Category, vigie_core::Span)> = Vec::new();
        for hit in hits {
            let term = &input.lexicon.terms()[hit.term];
            // Same category and overlapping, or any category and inside a longer hit
            // ("ransom" inside "held for ransom"): the same words, counted once.
            let same_evidence = counted.iter().any(|(category, span)| {
                let overlaps = span[0] < hit.span[1] && hit.span[0] < span[1];
                let inside = span[0] <= hit.span[0] && hit.span[1] <= span[1];
                (*category == term.category && overlaps) || inside
            });
            if same_evidence {
                continue;
            }
            counted.push((term.category, hit.span));
            let fact = Fact::Term {
                category: term.category,
                written: &text[hit.span[0]..hit.span[1]],
                arabizi: hit.via_arabizi.then_some(term.term.as_str()),
            };
            let w = term.weight;
            let signal = match term.category {
                Category::Offer => &mut s.offer,
                Category::Seek => &mut s.seek,
                Category::Activity | Category::Actor => &mut s.activity,
                Category::Route => &mut s.route,
                Category::Vessel | Category::Schedule => &mut s.logistics,
                Category::Price => &mut s.price,
                Category::Contact => &mut s.contact,
                Category::SafetyClaim => &mut s.safety_claim,
                Category::Document => &mut s.document,
                Category::Recruitment => &mut s.recruitment,
                Category::Ransom => &mut s.ransom,
                Category::Threat => &mut s.threat,
                Category::Hostage => &mut s.hostage,
                Category::Payment => &mut s.payment,
                Category::News => &mut s.news,
                Category::Personal => &mut s.personal,
                Category::Legal => &mut s.legal,
            };
            // Distinct terms of one category are independent evidence: noisy-OR.
            let value = if signal.facts.contains(&fact) {
                signal.value
            } else {
                1.0 - (1.0 - signal.value) * (1.0 - w)
            };
            signal.raise(value, fact, w);
        }

        let mut departures = 0;
        let mut destinations = 0;
        let mut flags = 0;
        for entity in &input.analysis.entities {
            let fact = Fact::Entity(entity.entity_type, &entity.value);
            match entity.entity_type {
                EntityType::Phone
                | EntityType::Whatsapp
                | EntityType::Telegram
                | EntityType::Viber => s.contact.raise(1.0, fact, 1.0),
                EntityType::Handle => s.contact.raise(0.6, fact, 0.6),
                EntityType::Price => s.price.raise(1.0, fact, 1.0),
                EntityType::MoneyTransfer | EntityType::Iban | EntityType::Crypto => {
                    s.payment.raise(0.9, fact, 0.9)
                }
                EntityType::Place => {
                    if entity
                        .raw
                        .chars()
                        .any(|c| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c))
                    {
                        flags += 1;
                    }
                    match entity.role.as_deref() {
                        Some("destination") => destinations += 1,
                        Some("departure" | "transit" | "hub" | "origin") => departures += 1,
                        _ => {}
                    }
                    s.route.raise(0.35, fact, 0.35);
                }
            }
        }
        if departures > 0 && destinations > 0 {
            s.route.raise(
                0.9,
                Fact::Note("route from a departure place to a destination"),
                0.9,
            );
        } else if flags >= 2 {
            s.route.raise(0.8, Fact::Note("flag pair"), 0.8);
        } else if destinations > 0 {
            s.route.raise(0.5, Fact::Note("destination named"), 0.5);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_as_the_reasons_of_a_decision_print_them() {
        let offer = Fact::Term {
            category: Category::Offer,
            written: "رحلة قادمة",
            arabizi: None,
        };
        assert_eq!(offer.to_string(), "offer \"رحلة قادمة\"");
        let ransom = Fact::Term {
            category: Category::Ransom,
            written: "fidya",
            arabizi: Some("فدية"),
        };
        assert_eq!(
            ransom.to_string(),
            "ransom \"fidya\" (Arabizi for \"فدية\")"
        );
        let phone = Fact::Entity(EntityType::Phone, "+218912345678");
        assert_eq!(phone.to_string(), "phone +218912345678");
        assert_eq!(
            Fact::Entity(EntityType::Place, "Lampedusa").to_string(),
            "place Lampedusa"
        );
        assert_eq!(Fact::Note("flag pair").to_string(), "flag pair");
        // The same words under two categories are two facts.
        let seek = Fact::Term {
            category: Category::Seek,
            written: "رحلة قادمة",
            arabizi: None,
        };
        assert_ne!(offer, seek);
    }
}
