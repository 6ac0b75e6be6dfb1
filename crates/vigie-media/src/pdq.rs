//! PDQ.
