//! Search deterrence: is this query looking for a smuggler, and which help to show.
//!
//! A query is evaluated as an item of kind `search` through the same path as everything else;
//! the answer is the shape evaluation tools read:
//! `{"id", "intent": "smuggling_seeking" | "benign", "score", "interstitial": {...} | null}`.

use crate::Engine;
use serde::{Deserialize, Serialize};
use vigie_core::{ActionType, Item, ItemKind, Label, Notice};

/// What a search is looking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchIntent {
    /// Looking for a smuggler or an irregular crossing: show help.
    SmugglingSeeking,
    /// Anything else: leave it alone.
    Benign,
}

/// The interstitial to show, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interstitial {
    /// The template (`seeker.help`).
    pub template: String,
    /// The language it is written in.
    pub lang: String,
    /// `machine-draft` or `reviewed`.
    pub status: String,
    /// The text.
    pub text: String,
}

/// The answer for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchCheck {
    /// The query's id.
    pub id: String,
    /// The intent.
    pub intent: SearchIntent,
    /// The seeking score in `[0, 1]`.
    pub score: f32,
    /// The help to show, or `null`.
    pub interstitial: Option<Interstitial>,
}

impl Engine {
    /// Checks one search query. `locale` is the searcher's interface language.
    pub fn search_check(&self, id: &str, query: &str, locale: Option<&str>) -> SearchCheck {
        let item = Item {
            id: id.to_string(),
            kind: Some(ItemKind::Search),
            text: Some(query.to_string()),
            locale: locale.map(str::to_string),
            ..Item::default()
        };
        let context = self.policy_context(&item);
        let outcome = self.apply_policy(&context);
        let seeking = outcome
            .labels
            .iter()
            .any(|l| l.label == Label::SmugglingSolicitation);
        let score = context.solicitation_score();
        let interstitial = outcome
            .actions
            .iter()
            .find(|a| a.action_type == ActionType::ShowHelp)
            .and_then(|a| {
                let template = a.template.as_deref()?;
                let requested = a.lang.as_deref().unwrap_or("en");
                let Notice { lang, status, text } =
                    self.render_notice(template, requested, context.detected_lang(), None)?;
                Some(Interstitial {
                    template: template.to_string(),
                    lang,
                    status,
                    text,
                })
            });
        SearchCheck {
            id: id.to_string(),
            intent: if seeking {
                SearchIntent::SmugglingSeeking
            } else {
                SearchIntent::Benign
            },
            score,
            interstitial,
        }
    }
}
