//! Fills the policy's named signals from one item's analysis and scores.

use crate::media::MediaReport;
use vigie_core::{EntityType, Item, Label};
use vigie_model::Scored;
use vigie_policy::signals::{
    Schema, Signals, Value, CATEGORY_NAMES, ENTITY_NAMES, LABEL_NAMES, ROLE_NAMES,
};
use vigie_text::lexicon::{Category, Lexicon};
use vigie_text::Analysis;

/// Slots resolved once, so filling is indexing, not name lookups.
#[derive(Debug, Clone)]
pub struct SignalSlots {
    scores: [usize; 6],
    model: [usize; 6],
    evidence: [usize; 6],
    categories: [usize; 19],
    entities: [usize; 10],
    entities_total: usize,
    roles: [usize; 7],
    kind: usize,
    surface: usize,
    lang: usize,
    locale: usize,
    has_media: usize,
    text_length: usize,
    strikes: usize,
    country: usize,
    bank_labels: [usize; 6],
    bank_matches: usize,
    bank_distance: usize,
    bank_name: usize,
}

fn slot(schema: &Schema, name: &str) -> usize {
    schema
        .lookup(name)
        .unwrap_or_else(|| panic!("the policy schema has no `{name}`"))
        .0
}

impl SignalSlots {
    /// Resolves every slot of the schema.
    pub fn new(schema: &Schema) -> SignalSlots {
        SignalSlots {
            scores: LABEL_NAMES.map(|n| slot(schema, &format!("score.{n}"))),
            model: LABEL_NAMES.map(|n| slot(schema, &format!("model.{n}"))),
            evidence: LABEL_NAMES.map(|n| slot(schema, &format!("evidence.{n}"))),
            categories: CATEGORY_NAMES.map(|n| slot(schema, &format!("lexicon.{n}"))),
            entities: ENTITY_NAMES.map(|n| slot(schema, &format!("entities.{n}"))),
            entities_total: slot(schema, "entities.total"),
            roles: ROLE_NAMES.map(|n| slot(schema, &format!("places.{n}"))),
            kind: slot(schema, "item.kind"),
            surface: slot(schema, "item.surface"),
            lang: slot(schema, "item.lang"),
            locale: slot(schema, "item.locale"),
            has_media: slot(schema, "item.has_media"),
            text_length: slot(schema, "item.text_length"),
            strikes: slot(schema, "author.strikes"),
            country: slot(schema, "author.country"),
            bank_labels: LABEL_NAMES.map(|n| slot(schema, &format!("bank.{n}"))),
            bank_matches: slot(schema, "bank.matches"),
            bank_distance: slot(schema, "bank.distance"),
            bank_name: slot(schema, "bank.name"),
        }
    }

    /// The signals of one item.
    pub fn fill(
        &self,
        schema: &Schema,
        item: &Item,
        analysis: &Analysis,
        lexicon: &Lexicon,
        scored: &Scored,
        media: &MediaReport,
    ) -> Signals {
        let (scores, model, evidence) = (
            &scored.scores,
            scored.model.as_ref(),
            &scored.evidence_scores,
        );
        let mut signals = schema.values();
        for label in Label::ALL {
            signals.set(
                self.scores[label.index()],
                Value::Double(f64::from(scores.get(label))),
            );
            signals.set(
                self.evidence[label.index()],
                Value::Double(f64::from(evidence.get(label))),
            );
            if let Some(model) = model {
                signals.set(
                    self.model[label.index()],
                    Value::Double(f64::from(model.get(label))),
                );
            }
        }
        // Lexicon categories: noisy-OR of the weights of the distinct terms found.
        let mut strength = [0.0f64; 19];
        for hit in &analysis.lexicon_hits {
            let term = &lexicon.terms()[hit.term];
            let s = &mut strength[category_slot(term.category)];
            *s = 1.0 - (1.0 - *s) * (1.0 - f64::from(term.weight));
        }
        for (i, value) in strength.iter().enumerate() {
            signals.set(self.categories[i], Value::Double(*value));
        }
        let mut counts = [0i64; 10];
        let mut roles = [0i64; 7];
        for entity in &analysis.entities {
            counts[entity_slot(entity.entity_type)] += 1;
            if let Some(role) = entity.role.as_deref() {
                if let Some(i) = ROLE_NAMES.iter().position(|r| *r == role) {
                    roles[i] += 1;
                }
            }
        }
        for (i, n) in counts.iter().enumerate() {
            signals.set(self.entities[i], Value::Int(*n));
        }
        signals.set(
            self.entities_total,
            Value::Int(analysis.entities.len() as i64),
        );
        for (i, n) in roles.iter().enumerate() {
            signals.set(self.roles[i], Value::Int(*n));
        }
        let kind = item.kind.map_or("", |k| k.as_str());
        signals.set(self.kind, Value::Str(kind.to_string()));
        signals.set(
            self.surface,
            Value::Str(item.surface.clone().unwrap_or_default()),
        );
        signals.set(self.lang, Value::Str(analysis.language.code.to_string()));
        signals.set(
            self.locale,
            Value::Str(item.locale.clone().unwrap_or_default()),
        );
        signals.set(self.has_media, Value::Bool(!item.media.is_empty()));
        signals.set(self.text_length, Value::Int(item.text().len() as i64));
        let author = item.author.as_ref();
        signals.set(
            self.strikes,
            Value::Int(author.and_then(|a| a.strikes).map_or(0, i64::from)),
        );
        signals.set(
            self.country,
            Value::Str(
                author
                    .and_then(|a| a.country.clone())
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
            ),
        );
        for label in Label::ALL {
            signals.set(
                self.bank_labels[label.index()],
                Value::Int(media.count(label) as i64),
            );
        }
        signals.set(self.bank_matches, Value::Int(media.matches.len() as i64));
        let nearest = media.nearest();
        signals.set(
            self.bank_distance,
            Value::Int(nearest.map_or(-1, |m| i64::from(m.hit.distance))),
        );
        signals.set(
            self.bank_name,
            Value::Str(nearest.map(|m| m.hit.bank.clone()).unwrap_or_default()),
        );
        signals
    }
}

/// `CATEGORY_NAMES` follows `Category::ALL` (checked by a test).
fn category_slot(category: Category) -> usize {
    category.index()
}

/// `ENTITY_NAMES` follows the declaration order of `EntityType` (checked by a test).
fn entity_slot(entity_type: EntityType) -> usize {
    entity_type as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_tables_follow_the_enums() {
        for category in Category::ALL {
            assert_eq!(
                CATEGORY_NAMES[category_slot(category)],
                category.as_str().replace('-', "_")
            );
        }
        for entity_type in EntityType::ALL {
            assert_eq!(ENTITY_NAMES[entity_slot(entity_type)], entity_type.as_str());
        }
    }
}
