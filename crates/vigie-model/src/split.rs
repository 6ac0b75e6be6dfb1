//! The corpus split: train, dev and test by family (items written from one idea stay on one
//! side), and cross-validation folds, from a stable hash of the family name.

/// Which part of the corpus an item is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Fitted on (with dev, by `vigie train`).
    Train,
    /// For choosing settings (`vigie train --holdout-dev`).
    Dev,
    /// Never trained on.
    Test,
}

impl Split {
    /// `train`, `dev` or `test`.
    pub fn parse(name: &str) -> Option<Split> {
        match name {
            "train" => Some(Split::Train),
            "dev" => Some(Split::Dev),
            "test" => Some(Split::Test),
            _ => None,
        }
    }
}

/// The split of a family: a stable hash, 70% train, 15% dev, 15% test.
pub fn split_of(family: &str) -> Split {
    match family_hash(family) % 100 {
        0..=69 => Split::Train,
        70..=84 => Split::Dev,
        _ => Split::Test,
    }
}

/// The cross-validation fold (of `folds`) of a family: the hash's digits above the ones the
/// split reads, so folds cut across the split's hash bands.
pub fn fold_of(family: &str, folds: usize) -> usize {
    (family_hash(family) / 100 % folds.max(1) as u64) as usize
}

/// FNV-1a 64 of the family name: stable across builds and platforms (bench/peers/peers.py
/// computes the same).
fn family_hash(family: &str) -> u64 {
    crate::linear::fnv(0, family.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_split_as_the_peer_benchmark_computes_it() {
        // Values from bench/peers/peers.py's `split_of`, which must agree with this one.
        let cases = [
            ("b", Split::Train, 1),
            ("ransom-libya-01", Split::Train, 4),
            ("g", Split::Dev, 0),
            ("i", Split::Dev, 1),
            ("f", Split::Test, 2),
            ("a", Split::Test, 4),
        ];
        for (family, split, fold) in cases {
            assert_eq!(split_of(family), split, "{family}");
            assert_eq!(fold_of(family, 5), fold, "{family}");
        }
        assert_eq!(Split::parse("dev"), Some(Split::Dev));
        assert_eq!(Split::parse("validation"), None);
    }
}
