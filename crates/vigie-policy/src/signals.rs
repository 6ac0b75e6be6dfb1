//! The named, typed signals a rule condition can read.
//!
//! The schema is fixed here, so every name and type in a policy is checked when it loads. The
//! engine fills a [`Signals`] buffer for each item (one slot per name) and the compiled rules
//! read slots by index: no map lookups at evaluation time.

use std::fmt;

/// A signal's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `true` or `false`.
    Bool,
    /// A whole number (counts).
    Int,
    /// A number in floating point (scores, strengths).
    Double,
    /// Text (item kind, language, country).
    String,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Double => "double",
            Type::String => "string",
        })
    }
}

/// The labels as signal names (`score.advertisement`...), in `vigie_core::Label::ALL` order.
pub const LABEL_NAMES: [&str; 6] = [
    "advertisement",
    "solicitation",
    "documents",
    "recruitment",
    "ransom",
    "benign",
];

/// Lexicon categories as signal names (`lexicon.safety_claim`...).
pub const CATEGORY_NAMES: [&str; 19] = [
    "offer",
    "seek",
    "activity",
    "actor",
    "route",
    "vessel",
    "schedule",
    "price",
    "contact",
    "document",
    "recruitment",
    "ransom",
    "threat",
    "hostage",
    "payment",
    "safety_claim",
    "news",
    "personal",
    "legal",
];

/// Entity types as signal names (`entities.phone`...), plus `entities.total`.
pub const ENTITY_NAMES: [&str; 10] = [
    "phone",
    "whatsapp",
    "telegram",
    "viber",
    "handle",
    "money_transfer",
    "iban",
    "crypto",
    "price",
    "place",
];

/// Place roles as signal names (`places.departure`...).
pub const ROLE_NAMES: [&str; 7] = [
    "departure",
    "transit",
    "destination",
    "hub",
    "detention",
    "finance",
    "origin",
];

/// Hash-bank signals: `bank.matches` (media that matched any bank), `bank.distance` (smallest
/// PDQ distance of a match, 0 for an exact digest or video match, -1 with no match), `bank.name`
/// (the bank of the nearest match, "" with none), plus `bank.<label>` per label (media matched
/// to a bank with that label, see [`LABEL_NAMES`]).
pub const BANK_SCALARS: [(&str, Type); 3] = [
    ("bank.matches", Type::Int),
    ("bank.distance", Type::Int),
    ("bank.name", Type::String),
];

/// Scalar signals about the item and its author.
pub const SCALARS: [(&str, Type); 8] = [
    ("item.kind", Type::String),
    ("item.surface", Type::String),
    ("item.lang", Type::String),
    ("item.locale", Type::String),
    ("item.has_media", Type::Bool),
    ("item.text_length", Type::Int),
    ("author.strikes", Type::Int),
    ("author.country", Type::String),
];

/// The schema: every signal's name, type and slot.
#[derive(Debug, Clone)]
pub struct Schema {
    names: Vec<(String, Type)>,
}

impl Default for Schema {
    fn default() -> Self {
        Schema::new()
    }
}

impl Schema {
    /// The one schema Vigie has.
    pub fn new() -> Schema {
        let mut names = Vec::new();
        for label in LABEL_NAMES {
            names.push((format!("score.{label}"), Type::Double));
        }
        for label in LABEL_NAMES {
            names.push((format!("model.{label}"), Type::Double));
        }
        for label in LABEL_NAMES {
            names.push((format!("evidence.{label}"), Type::Double));
        }
        for category in CATEGORY_NAMES {
            names.push((format!("lexicon.{category}"), Type::Double));
        }
        for entity in ENTITY_NAMES {
            names.push((format!("entities.{entity}"), Type::Int));
        }
        names.push(("entities.total".to_string(), Type::Int));
        for role in ROLE_NAMES {
            names.push((format!("places.{role}"), Type::Int));
        }
        for (name, ty) in SCALARS {
            names.push((name.to_string(), ty));
        }
        for label in LABEL_NAMES {
            names.push((format!("bank.{label}"), Type::Int));
        }
        for (name, ty) in BANK_SCALARS {
            names.push((name.to_string(), ty));
        }
        Schema { names }
    }

    /// The slot and type of a name.
    pub fn lookup(&self, name: &str) -> Option<(usize, Type)> {
        self.names
            .iter()
            .position(|(n, _)| n == name)
            .map(|slot| (slot, self.names[slot].1))
    }

    /// All names with their types, in slot order.
    pub fn names(&self) -> impl Iterator<Item = (&str, Type)> {
        self.names.iter().map(|(n, t)| (n.as_str(), *t))
    }

    /// The known name closest to `name` (for "did you mean" in errors).
    pub fn closest(&self, name: &str) -> Option<&str> {
        self.names
            .iter()
            .map(|(n, _)| (edit_distance(n, name), n.as_str()))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, n)| n)
    }

    /// A buffer of values for this schema, all zero / empty / false.
    pub fn values(&self) -> Signals {
        Signals {
            values: self
                .names
                .iter()
                .map(|(_, t)| match t {
                    Type::Bool => Value::Bool(false),
                    Type::Int => Value::Int(0),
                    Type::Double => Value::Double(0.0),
                    Type::String => Value::Str(String::new()),
                })
                .collect(),
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A value of a signal or of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A double.
    Double(f64),
    /// A string.
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d:.2}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

/// The values of every signal for one item, by slot.
#[derive(Debug, Clone)]
pub struct Signals {
    values: Vec<Value>,
}

impl Signals {
    /// Sets a slot. The engine fills every slot it knows; the rest keep their zero value.
    pub fn set(&mut self, slot: usize, value: Value) {
        self.values[slot] = value;
    }

    /// Sets a signal by name; `false` if the name is unknown (a bug in the caller).
    pub fn set_named(&mut self, schema: &Schema, name: &str, value: Value) -> bool {
        match schema.lookup(name) {
            Some((slot, _)) => {
                self.values[slot] = value;
                true
            }
            None => false,
        }
    }

    /// A slot's value.
    pub fn get(&self, slot: usize) -> &Value {
        &self.values[slot]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_suggestions_work() {
        let schema = Schema::new();
        let mut names: Vec<&str> = schema.names().map(|(n, _)| n).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        assert_eq!(
            schema.closest("score.advertisment"),
            Some("score.advertisement")
        );
        assert_eq!(schema.closest("entities.phones"), Some("entities.phone"));
    }
}
