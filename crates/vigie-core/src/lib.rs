//! Vigie's data contract (v1): the JSON shapes that every front end reads and writes.
//!
//! An [`Item`] is what a platform sends (a post, a comment, a search query, a user report...).
//! A [`Decision`] is what Vigie answers: a [`Verdict`], a [`Severity`], scored [`LabelScore`]s
//! over the six [`Label`]s, proposed [`Action`]s, the [`Reason`]s behind them and the extracted
//! [`Entity`]s. The formats are public (`docs/contract.md`); tools outside the repository read
//! them, so fields are only ever added, never renamed.
//!
//! This crate does no I/O and knows nothing about detection: it is the vocabulary the other
//! crates share.
//!
//! ```
//! use vigie_core::Item;
//! let item: Item = serde_json::from_str(r#"{"id": "p-1", "text": "hello", "x_custom": 7}"#).unwrap();
//! assert_eq!(item.id, "p-1");
//! // Unknown fields are kept and written back.
//! assert!(serde_json::to_string(&item).unwrap().contains("x_custom"));
//! ```
#![deny(missing_docs)]

mod decision;
mod entity;
mod hash;
mod item;
mod label;
pub mod limits;

pub use decision::{Action, ActionType, Decision, Notice, Priority, Reason, Severity, Verdict};
pub use entity::{Entity, EntityType, Span};
pub use hash::{Hash256, HashParseError, VpdqFrame};
pub use item::{Author, Item, ItemError, ItemKind, Media};
pub use label::{Label, LabelScore, LabelScores};
