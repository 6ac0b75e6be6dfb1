//! The evidence scorer: hand-set weights over [`Signals`], with conjunction gates.
//!
//! Each label's score is a logistic function of a weighted sum of signals. Unless the label's
//! conjunction holds, the score is capped at [`CAP_WITHOUT_CONJUNCTION`], so a single word
//! ("harraga", "boza", "passeur") never reaches a threshold:
//!
//! | label | conjunction required above the cap |
//! |---|---|
//! | `smuggling.advertisement` | intent (offer, activity or logistics terms) **and** two of route, price, contact (price or contact among them), and no stronger evidence of another harm; without any contact, at most 0.75 (review, never removal) |
//! | `smuggling.solicitation` | seek terms with the trade's words (a smuggler, a boat, the crossing) or a route (a destination; a city alone is not one), or a search query with the trade's words |
//! | `smuggling.documents` | document terms **and** two of offer, price, contact, payment |
//! | `trafficking.recruitment` | recruitment terms **and** one of contact, price, offer, documents |
//! | `extortion.ransom` | two of ransom, threat, captive; or one of them **with** money (price or payment); or a strong ransom term with a contact or in a user report |
//!
//! For ransom and solicitation the conjunction alone lifts the score to review level
//! ([`FLOOR_WITH_CONJUNCTION`], less negative context): a missed ransom can cost a life and a
//! missed seeker misses help, while both outcomes go to a person or give help, never a
//! punishment. Negative context (news, NGO, personal stories, lawful travel and trade)
//! subtracts from every harmful label. `benign` is high when nothing harmful is, and higher
//! with negative context.

use crate::ngram::NgramClassifier;
use crate::signals::Signals;
use crate::{ScoreInput, Scored, Scorer};
use vigie_core::{Label, LabelScores};

/// Score ceiling for a label whose conjunction does not hold.
const CAP_WITHOUT_CONJUNCTION: f32 = 0.35;

/// Score floor for a label whose conjunction holds (before negative context).
const FLOOR_WITH_CONJUNCTION: f32 = 0.6;

/// The evidence scorer: the weights are in this file; search queries are also read by a
/// character n-gram classifier when one is given ([`EvidenceScorer::with_search_model`]).
#[derive(Debug, Clone, Default)]
pub struct EvidenceScorer {
    search_model: Option<NgramClassifier>,
}

impl EvidenceScorer {
    /// The scorer without a search model.
    pub fn new() -> EvidenceScorer {
        EvidenceScorer::default()
    }

    /// The scorer with a character n-gram model for search queries: the seeking score of a
    /// query is the mean of the evidence score and the model's probability.
    pub fn with_search_model(model: NgramClassifier) -> EvidenceScorer {
        EvidenceScorer {
            search_model: Some(model),
        }
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Scorer for EvidenceScorer {
    fn version(&self) -> &str {
        if self.search_model.is_some() {
            "evidence-2+search-ngram"
        } else {
            "evidence-2"
        }
    }

    fn score(&self, input: ScoreInput<'_>) -> Scored {
        let s = Signals::from_input(input);
        let mut scored = Scored::default();
        let mut scores = LabelScores::default();
        // Negative context: news, NGO, a personal story, lawful travel or trade.
        let context = s.news.value.max(0.8 * s.personal.value).max(s.legal.value);

        // Offering a crossing: offer intent + route + price + contact. Strong evidence of
        // another harm (documents, jobs, ransom) explains the same price and contact better.
        let intent = s.offer.value.max(s.activity.value).max(s.logistics.value);
        let other_harm = s
            .document
            .value
            .max(s.recruitment.value)
            .max(s.ransom.value)
            .max(s.threat.value)
            .max(s.hostage.value);
        let z = 2.4 * s.offer.value
            + 1.0 * s.activity.value.max(s.logistics.value)
            + 1.3 * s.route.value
            + 1.5 * s.price.value
            + 1.5 * s.contact.value
            + 0.6 * s.safety_claim.value
            + 0.4 * s.payment.value
            - 3.0 * s.seek.value
            - 3.5 * context
            - 2.0 * other_harm
            - 3.4;
        let conjunction = intent >= 0.3
            && count_at_least(&[s.route.value, s.price.value, s.contact.value], 0.3) >= 2
            && (s.price.at_least(0.5) || s.contact.at_least(0.5))
            && other_harm < 0.8;
        let mut advert = gate(z, conjunction);
        if !s.contact.at_least(0.3) {
            // No way to reach the seller: never enough for removal without a person.
            advert = advert.min(0.75);
        }
        scores.set(Label::SmugglingAdvertisement, advert);
        scored.evidence[Label::SmugglingAdvertisement.index()] = facts(
            scores.get(Label::SmugglingAdvertisement),
            &[
                &s.offer,
                &s.route,
                &s.price,
                &s.contact,
                &s.logistics,
                &s.safety_claim,
                &s.activity,
            ],
        );

        // Looking for a smuggler: seek terms with the trade's own words (a smuggler, a boat,
        // the crossing) or a route (a destination; a city alone is not one: "a restaurant in
        // Tripoli"), or a search query with the trade's words ("asylum in Italy" is a
        // question about the law).
        let about_trade = s.activity.value.max(s.route.value).max(s.logistics.value);
        let trade_words = s.activity.value.max(s.logistics.value);
        let solicitation = if s.is_search {
            let evidence = search_seeking(&s, context);
            match &self.search_model {
                Some(model) => {
                    let text = input.analysis.normalized.as_str();
                    let cut = (0..=text.len().min(256))
                        .rev()
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(0);
                    0.5 * evidence + 0.5 * model.predict(&text[..cut])
                }
                None => evidence,
            }
        } else {
            let z =
                3.4 * s.seek.value + 1.2 * about_trade - 1.8 * s.offer.value - 3.0 * context - 2.6;
            // A strong seek phrase is specific alone ("je cherche un passeur", "قداش الحرقة").
            let conjunction = s.seek.at_least(0.8)
                || (s.seek.at_least(0.3) && (trade_words >= 0.3 || s.route.at_least(0.5)));
            combine(z, conjunction, context)
        };
        scores.set(Label::SmugglingSolicitation, solicitation);
        scored.evidence[Label::SmugglingSolicitation.index()] = facts(
            scores.get(Label::SmugglingSolicitation),
            &[&s.seek, &s.activity, &s.route, &s.logistics],
        );

        // Documents offered: document terms + an offer, a price or a contact.
        let z = 3.2 * s.document.value
            + 1.0 * s.offer.value
            + 1.2 * s.price.value
            + 1.2 * s.contact.value
            + 1.0 * s.payment.value
            + 0.6 * s.safety_claim.value
            - 3.0 * context
            - 1.5 * s.seek.value
            - 4.0;
        let conjunction = s.document.at_least(0.5)
            && count_at_least(
                &[
                    s.offer.value,
                    s.price.value,
                    s.contact.value,
                    s.payment.value,
                ],
                0.3,
            ) >= 2;
        // A search for fake documents is someone seeking a way across, not an offer: it
        // counts in the search score above, never as a documents offer.
        let documents = if s.is_search {
            gate(z, false).min(0.3)
        } else {
            gate(z, conjunction)
        };
        scores.set(Label::SmugglingDocuments, documents);
        scored.evidence[Label::SmugglingDocuments.index()] = facts(
            scores.get(Label::SmugglingDocuments),
            &[&s.document, &s.offer, &s.price, &s.contact, &s.safety_claim],
        );

        // Deceptive job offers: recruitment terms + a contact, a price or documents.
        let z = 3.2 * s.recruitment.value
            + 1.0 * s.contact.value
            + 0.6 * s.price.value
            + 0.5 * s.document.value
            + 0.5 * s.offer.value
            + 0.5 * s.payment.value
            - 3.0 * context
            - 3.8;
        let conjunction = s.recruitment.at_least(0.5)
            && count_at_least(
                &[
                    s.contact.value,
                    s.price.value,
                    s.offer.value,
                    s.document.value,
                ],
                0.3,
            ) >= 1;
        scores.set(Label::TraffickingRecruitment, gate(z, conjunction));
        scored.evidence[Label::TraffickingRecruitment.index()] = facts(
            scores.get(Label::TraffickingRecruitment),
            &[&s.recruitment, &s.contact, &s.price, &s.document, &s.offer],
        );

        // Ransom: a demand, a threat or a captive, together with another of them or with
        // money. A missed case can cost a life, so the conjunction alone reaches review (a
        // person decides); news context damps it.
        let pressure = s.payment.value.max(s.price.value);
        let z = 3.2 * s.ransom.value
            + 2.4 * s.threat.value
            + 1.8 * s.hostage.value
            + 1.2 * s.payment.value
            + 0.8 * s.price.value
            + if s.is_report { 0.8 } else { 0.0 }
            - 2.4 * s.news.value
            - 1.0 * s.personal.value
            - 3.4;
        let coercion = count_at_least(&[s.ransom.value, s.threat.value, s.hostage.value], 0.3);
        let conjunction = coercion >= 2
            || (coercion == 1 && pressure >= 0.5)
            || (s.ransom.at_least(0.8) && (s.contact.at_least(0.5) || s.is_report));
        scores.set(
            Label::ExtortionRansom,
            combine(z, conjunction, s.news.value),
        );
        scored.evidence[Label::ExtortionRansom.index()] = facts(
            scores.get(Label::ExtortionRansom),
            &[&s.ransom, &s.threat, &s.hostage, &s.payment, &s.price],
        );

        // Benign: what is left, raised by negative context while no harmful label reaches
        // 0.5. Once one does (the context already damped it), benign stays below it, so the
        // top label agrees with the labels the policy asserts.
        let harmful = Label::ALL[..5]
            .iter()
            .map(|&l| scores.get(l))
            .fold(0.0f32, f32::max);
        let benign = if harmful >= 0.5 {
            1.0 - harmful
        } else {
            (1.0 - harmful).max(0.5 + 0.45 * context)
        };
        scores.set(Label::Benign, benign);
        scored.evidence[Label::Benign.index()] =
            facts(scores.get(Label::Benign), &[&s.news, &s.personal, &s.legal]);

        scored.scores = scores;
        scored.evidence_scores = scores;
        scored
    }
}

/// The seeking score of a search query. Queries are a few words: the trade's own words alone
/// (a smuggler, a boat, the crossing, fake papers), a route with a price question, or seek
/// phrases are enough; media, news, legal and personal context (a film, a ferry ticket, a
/// visa appointment, a house broker) take it back.
fn search_seeking(s: &Signals, context: f32) -> f32 {
    let trade = s.activity.value.max(s.logistics.value);
    let z = 3.0 * s.seek.value
        + 1.6 * trade
        + 1.0 * s.route.value
        + 0.8 * s.price.value
        + 1.4 * s.document.value
        + 0.5 * s.contact.value
        + 0.4 * s.safety_claim.value
        - 3.5 * context
        - 2.0;
    let conjunction = context < 0.5
        && (s.seek.at_least(0.5)
            || trade >= 0.5
            || (trade >= 0.3
                && (s.route.at_least(0.35) || s.price.at_least(0.3) || s.contact.at_least(0.3)))
            || s.document.at_least(0.5)
            || (s.route.at_least(0.5) && (s.price.at_least(0.3) || s.seek.at_least(0.3))));
    combine(z, conjunction, context)
}

/// Score for a label: the logistic of `z`, at most [`CAP_WITHOUT_CONJUNCTION`] when the
/// conjunction does not hold.
fn gate(z: f32, conjunction: bool) -> f32 {
    if conjunction {
        sigmoid(z)
    } else {
        sigmoid(z).min(CAP_WITHOUT_CONJUNCTION)
    }
}

/// Score for a label: the logistic of `z`; when the conjunction holds, at least
/// [`FLOOR_WITH_CONJUNCTION`] (less the negative context), so a person reviews it; when it
/// does not, at most [`CAP_WITHOUT_CONJUNCTION`].
fn combine(z: f32, conjunction: bool, context: f32) -> f32 {
    let score = sigmoid(z);
    if conjunction {
        score.max(FLOOR_WITH_CONJUNCTION * (1.0 - context))
    } else {
        score.min(CAP_WITHOUT_CONJUNCTION)
    }
}

fn count_at_least(values: &[f32], threshold: f32) -> usize {
    values.iter().filter(|v| **v >= threshold).count()
}

/// Below this score a label's facts are not written out: no rule reads them and formatting
/// them is a measurable share of the per-item cost.
const EXPLAIN_FROM: f32 = 0.2;

/// The facts behind a label scoring `score`: the strongest three of each signal, in signal
/// order; none when the score is below [`EXPLAIN_FROM`].
fn facts(score: f32, signals: &[&crate::signals::Signal]) -> Vec<String> {
    let mut out = Vec::new();
    if score < EXPLAIN_FROM {
        return out;
    }
    for signal in signals {
        for fact in signal.facts.iter().take(3) {
            let fact = fact.to_string();
            if !out.contains(&fact) {
                out.push(fact);
            }
        }
    }
    out
}
