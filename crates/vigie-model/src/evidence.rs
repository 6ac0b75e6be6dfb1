//! The evidence scorer: hand-set weights over [`Signals`], with conjunction gates.
//!
//! Each label's score is a logistic function of a weighted sum of signals, then capped unless
//! its conjunction holds:
//!
//! | label | conjunction required for a score above the cap |
//! |---|---|
//! | `smuggling.advertisement` | intent (offer, activity or logistics) **and** (price or contact) **and** (offer, route or price) |
//! | `smuggling.solicitation` | seek terms, or a search query about the trade |
//! | `smuggling.documents` | document terms **and** (offer, price or contact) |
//! | `trafficking.recruitment` | recruitment terms **and** (contact, price, offer or document) |
//! | `extortion.ransom` | ransom terms, or a threat or captive **with** payment, price or a second threat signal |
//!
//! News, NGO and personal-journey context subtract from every harmful label. `benign` is
//! high when nothing harmful is, and higher with news or personal context.

use crate::signals::Signals;
use crate::{ScoreInput, Scored, Scorer};
use vigie_core::{Label, LabelScores};

/// Score ceiling for a label whose conjunction does not hold.
const CAP_WITHOUT_CONJUNCTION: f32 = 0.35;

/// The evidence scorer (no training; the weights are in this file).
#[derive(Debug, Clone, Default)]
pub struct EvidenceScorer;

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Scorer for EvidenceScorer {
    fn version(&self) -> &str {
        "evidence-1"
    }

    fn score(&self, input: ScoreInput<'_>) -> Scored {
        let s = Signals::from_input(input);
        let mut scored = Scored::default();
        let mut scores = LabelScores::default();
        let context = s.news.value.max(0.8 * s.personal.value);

        // Offering a crossing.
        let intent = s.offer.value.max(s.activity.value).max(s.logistics.value);
        let z = 2.4 * s.offer.value
            + 1.2 * s.route.value
            + 1.4 * s.price.value
            + 1.4 * s.contact.value
            + 1.0 * s.logistics.value
            + 0.8 * s.activity.value
            + 0.8 * s.safety_claim.value
            + 0.4 * s.payment.value
            - 2.6 * s.seek.value
            - 3.0 * context
            - 4.6;
        let conjunction = intent >= 0.3
            && (s.price.at_least(0.5) || s.contact.at_least(0.5))
            && (s.offer.at_least(0.3) || s.route.at_least(0.5) || s.price.at_least(0.5));
        let advert = gate(sigmoid(z), conjunction);
        scores.set(Label::SmugglingAdvertisement, advert);
        scored.evidence[Label::SmugglingAdvertisement.index()] = facts(&[
            &s.offer,
            &s.route,
            &s.price,
            &s.contact,
            &s.logistics,
            &s.safety_claim,
            &s.activity,
        ]);

        // Looking for a smuggler.
        let about_trade = s.activity.value.max(s.route.value).max(s.logistics.value);
        let z = 3.2 * s.seek.value + 1.0 * about_trade + if s.is_search { 2.2 * about_trade } else { 0.0 }
            + 0.3 * s.price.value
            - 1.6 * s.offer.value
            - 2.6 * context
            - 3.4;
        let conjunction = s.seek.at_least(0.3) || (s.is_search && about_trade >= 0.3);
        scores.set(Label::SmugglingSolicitation, gate(sigmoid(z), conjunction));
        scored.evidence[Label::SmugglingSolicitation.index()] =
            facts(&[&s.seek, &s.activity, &s.route, &s.logistics]);

        // Documents offered.
        let z = 3.0 * s.document.value
            + 1.0 * s.offer.value
            + 1.0 * s.price.value
            + 1.0 * s.contact.value
            + 0.6 * s.safety_claim.value
            - 3.0 * context
            - 1.5 * s.seek.value
            - 4.4;
        let conjunction = s.document.at_least(0.3)
            && (s.offer.at_least(0.3) || s.price.at_least(0.5) || s.contact.at_least(0.5));
        scores.set(Label::SmugglingDocuments, gate(sigmoid(z), conjunction));
        scored.evidence[Label::SmugglingDocuments.index()] =
            facts(&[&s.document, &s.offer, &s.price, &s.contact, &s.safety_claim]);

        // Deceptive job offers.
        let z = 3.0 * s.recruitment.value
            + 0.9 * s.contact.value
            + 0.5 * s.price.value
            + 0.6 * s.document.value
            + 0.6 * s.offer.value
            + 0.4 * s.payment.value
            - 3.0 * context
            - 4.2;
        let conjunction = s.recruitment.at_least(0.3)
            && (s.contact.at_least(0.5)
                || s.price.at_least(0.5)
                || s.offer.at_least(0.3)
                || s.document.at_least(0.3));
        scores.set(Label::TraffickingRecruitment, gate(sigmoid(z), conjunction));
        scored.evidence[Label::TraffickingRecruitment.index()] =
            facts(&[&s.recruitment, &s.contact, &s.price, &s.document, &s.offer]);

        // Ransom: a missed case can cost a life, so the gate is generous and the review is
        // human; news about ransoms is damped, not zeroed.
        let z = 3.0 * s.ransom.value
            + 2.0 * s.threat.value
            + 1.8 * s.hostage.value
            + 1.2 * s.payment.value
            + 0.8 * s.price.value
            + if s.is_report { 0.8 } else { 0.0 }
            - 2.4 * s.news.value
            - 1.0 * s.personal.value
            - 3.6;
        let pressure = s.payment.value.max(s.price.value);
        let conjunction = s.ransom.at_least(0.5)
            || (s.threat.at_least(0.3) && (pressure >= 0.5 || s.hostage.at_least(0.3)))
            || (s.hostage.at_least(0.3) && pressure >= 0.5);
        scores.set(Label::ExtortionRansom, gate(sigmoid(z), conjunction));
        scored.evidence[Label::ExtortionRansom.index()] =
            facts(&[&s.ransom, &s.threat, &s.hostage, &s.payment, &s.price]);

        // Benign: what is left, raised by news and personal context.
        let harmful = Label::ALL[..5]
            .iter()
            .map(|&l| scores.get(l))
            .fold(0.0f32, f32::max);
        let benign = (1.0 - harmful).max(0.5 + 0.45 * context).min(1.0 - 0.5 * harmful);
        scores.set(Label::Benign, benign);
        scored.evidence[Label::Benign.index()] = facts(&[&s.news, &s.personal]);

        scored.scores = scores;
        scored
    }
}

fn gate(score: f32, conjunction: bool) -> f32 {
    if conjunction {
        score
    } else {
        score.min(CAP_WITHOUT_CONJUNCTION)
    }
}

fn facts(signals: &[&crate::signals::Signal]) -> Vec<String> {
    let mut out = Vec::new();
    for signal in signals {
        for fact in &signal.facts {
            if !out.contains(fact) {
                out.push(fact.clone());
            }
        }
    }
    out.truncate(10);
    out
}
