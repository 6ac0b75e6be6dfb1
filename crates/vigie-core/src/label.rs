//! The six labels and their scores.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an item is about. Exactly six labels exist; see the brief's policy table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Label {
    /// Offering an illegal crossing: route, departure, price, boat, contact.
    #[serde(rename = "smuggling.advertisement")]
    SmugglingAdvertisement,
    /// A person looking for a smuggler: a potential victim, never punished.
    #[serde(rename = "smuggling.solicitation")]
    SmugglingSolicitation,
    /// Forged or stolen passports, visas, permits offered.
    #[serde(rename = "smuggling.documents")]
    SmugglingDocuments,
    /// Deceptive job offers typical of trafficking.
    #[serde(rename = "trafficking.recruitment")]
    TraffickingRecruitment,
    /// Ransom demands, hostage imagery, threats to families: a life may be at stake.
    #[serde(rename = "extortion.ransom")]
    ExtortionRansom,
    /// News, NGO awareness, legal migration information, people's own journeys and grief.
    #[serde(rename = "benign")]
    Benign,
}

impl Label {
    /// All labels, in contract order (also the index order of [`LabelScores`]).
    pub const ALL: [Label; 6] = [
        Label::SmugglingAdvertisement,
        Label::SmugglingSolicitation,
        Label::SmugglingDocuments,
        Label::TraffickingRecruitment,
        Label::ExtortionRansom,
        Label::Benign,
    ];

    /// The label's wire name, e.g. `smuggling.advertisement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::SmugglingAdvertisement => "smuggling.advertisement",
            Label::SmugglingSolicitation => "smuggling.solicitation",
            Label::SmugglingDocuments => "smuggling.documents",
            Label::TraffickingRecruitment => "trafficking.recruitment",
            Label::ExtortionRansom => "extortion.ransom",
            Label::Benign => "benign",
        }
    }

    /// Parses a wire name; `None` if it is not one of the six.
    pub fn parse(name: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|label| label.as_str() == name)
    }

    /// Position in [`Label::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One label with its score in `[0, 1]`, as written in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LabelScore {
    /// The label.
    pub label: Label,
    /// Probability-like score in `[0, 1]`.
    pub score: f32,
}

/// A score for each of the six labels, indexed by [`Label::index`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LabelScores(pub [f32; 6]);

impl LabelScores {
    /// The score of one label.
    pub fn get(&self, label: Label) -> f32 {
        self.0[label.index()]
    }

    /// Sets the score of one label, clamped to `[0, 1]`.
    pub fn set(&mut self, label: Label, score: f32) {
        self.0[label.index()] = score.clamp(0.0, 1.0);
    }

    /// The label with the highest score (ties go to the earlier label in [`Label::ALL`]).
    pub fn top(&self) -> LabelScore {
        let mut best = LabelScore {
            label: Label::ALL[0],
            score: self.0[0],
        };
        for label in Label::ALL.into_iter().skip(1) {
            if self.get(label) > best.score {
                best = LabelScore {
                    label,
                    score: self.get(label),
                };
            }
        }
        best
    }

    /// Iterates over `(label, score)` pairs in contract order.
    pub fn iter(&self) -> impl Iterator<Item = LabelScore> + '_ {
        Label::ALL.into_iter().map(|label| LabelScore {
            label,
            score: self.get(label),
        })
    }
}
