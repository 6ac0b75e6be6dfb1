//! Media hashing: bounded decoding ([`decode`]), PDQ ([`pdq`], bit-exact with Meta's
//! reference) and exact digests ([`digest`]).
#![deny(missing_docs)]

pub mod decode;
pub mod digest;
pub mod pdq;
pub mod vpdq;
