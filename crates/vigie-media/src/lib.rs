//! Media hashing.
#![deny(missing_docs)]

pub mod pdq;
