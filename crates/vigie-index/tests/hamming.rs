//! `HammingIndex` against brute force: randomised banks of clustered near-duplicates, every
//! radius, after random interleavings of insertions, replacements and removals.

use std::collections::BTreeMap;

use proptest::prelude::*;
use vigie_core::Hash256;
use vigie_index::{EntryId, HammingIndex, Match, RadiusError, MAX_RADIUS};

/// A small deterministic generator (splitmix64), so a failing case can be rebuilt from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn hash(&mut self) -> Hash256 {
        Hash256 {
            words: [self.next(), self.next(), self.next(), self.next()],
        }
    }

    /// `h` with `bits` random bits flipped (some may flip back: at most `bits` differ).
    fn near(&mut self, h: &Hash256, bits: u64) -> Hash256 {
        let mut h = *h;
        for _ in 0..bits {
            h.flip_bit(self.below(256) as usize);
        }
        h
    }
}

/// Clusters of near-duplicates around a few centres, plus scattered hashes.
fn clustered_bank(rng: &mut Rng, n: usize) -> Vec<Hash256> {
    let centres: Vec<Hash256> = (0..(n / 20).max(1)).map(|_| rng.hash()).collect();
    (0..n)
        .map(|_| {
            if rng.below(10) == 0 {
                rng.hash()
            } else {
                let c = centres[rng.below(centres.len() as u64) as usize];
                let spread = rng.below(48);
                rng.near(&c, spread)
            }
        })
        .collect()
}

/// Queries near bank entries (at every distance up to ~70), bank entries themselves and
/// unrelated hashes.
fn queries(rng: &mut Rng, bank: &[Hash256], count: usize) -> Vec<Hash256> {
    (0..count)
        .map(|i| match (i % 4, bank.is_empty()) {
            (0, _) | (_, true) => rng.hash(),
            (1, false) => bank[rng.below(bank.len() as u64) as usize],
            _ => {
                let b = bank[rng.below(bank.len() as u64) as usize];
                let bits = rng.below(72);
                rng.near(&b, bits)
            }
        })
        .collect()
}

fn brute(model: &BTreeMap<EntryId, Hash256>, q: &Hash256, radius: u32) -> Vec<Match> {
    let mut out: Vec<Match> = model
        .iter()
        .filter_map(|(&id, h)| {
            let distance = h.distance(q);
            (distance <= radius).then_some(Match { distance, id })
        })
        .collect();
    out.sort_unstable();
    out
}

fn check(index: &HammingIndex, model: &BTreeMap<EntryId, Hash256>, qs: &[Hash256], radii: &[u32]) {
    assert_eq!(index.len(), model.len());
    assert_eq!(index.is_empty(), model.is_empty());
    for q in qs {
        for &r in radii {
            let want = brute(model, q, r);
            assert_eq!(index.search(q, r).unwrap(), want, "radius {r}");
            assert_eq!(
                index.search_linear(q, r).unwrap(),
                want,
                "linear, radius {r}"
            );
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Insert a new id near an existing entry (or anywhere).
    Add,
    /// Give an existing id a new hash.
    Replace,
    /// Remove an existing id.
    Remove,
    /// Remove an id that is not there.
    RemoveMissing,
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => Just(Op::Add),
        2 => Just(Op::Replace),
        3 => Just(Op::Remove),
        1 => Just(Op::RemoveMissing),
        1 => Just(Op::Compact),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Banks on both sides of the size where the chunk tables start, every radius 0..=63.
    #[test]
    fn search_equals_brute_force(seed in any::<u64>(), n in prop_oneof![0usize..300, 3000usize..12_000]) {
        let mut rng = Rng(seed);
        let bank = clustered_bank(&mut rng, n);
        let ids: Vec<EntryId> = (0..n).map(|_| rng.next() as u32).collect();
        let index = HammingIndex::build(ids.iter().copied().zip(bank.iter().copied()));
        let model: BTreeMap<EntryId, Hash256> = ids.iter().copied().zip(bank.iter().copied()).collect();
        let qs = queries(&mut rng, &bank, 6);
        let radii: Vec<u32> = (0..=MAX_RADIUS).collect();
        check(&index, &model, &qs, &radii);
    }

    /// Random interleavings of insertions, replacements and removals, checked as they go.
    #[test]
    fn updates_stay_exact(seed in any::<u64>(), n in 0usize..9000, ops in prop::collection::vec(op(), 1..400)) {
        let mut rng = Rng(seed);
        let bank = clustered_bank(&mut rng, n);
        let mut model: BTreeMap<EntryId, Hash256> = BTreeMap::new();
        for (i, h) in bank.iter().enumerate() {
            model.insert(i as EntryId * 3, *h);
        }
        let mut index = HammingIndex::build(model.iter().map(|(&id, &h)| (id, h)));
        let mut next_id = n as EntryId * 3 + 1;
        for (step, op) in ops.iter().enumerate() {
            let existing = (!model.is_empty())
                .then(|| *model.keys().nth(rng.below(model.len() as u64) as usize).unwrap());
            match (op, existing) {
                (Op::Add, _) => {
                    let h = match existing {
                        Some(id) => { let bits = rng.below(40); rng.near(&model[&id], bits) }
                        None => rng.hash(),
                    };
                    index.insert(next_id, h);
                    model.insert(next_id, h);
                    next_id += 2;
                }
                (Op::Replace, Some(id)) => {
                    let bits = rng.below(80);
                    let h = rng.near(&model[&id], bits);
                    index.insert(id, h);
                    model.insert(id, h);
                }
                (Op::Remove, Some(id)) => {
                    prop_assert!(index.remove(id));
                    model.remove(&id);
                    prop_assert!(!index.remove(id));
                }
                (Op::RemoveMissing, _) => prop_assert!(!index.remove(next_id + 1)),
                (Op::Compact, _) => index.compact(),
                _ => {}
            }
            if step % 40 == 0 || step + 1 == ops.len() {
                let live: Vec<Hash256> = model.values().copied().collect();
                let qs = queries(&mut rng, &live, 3);
                check(&index, &model, &qs, &[0, 8, 31, 32, 47, 63]);
            }
        }
        for (&id, h) in &model {
            prop_assert_eq!(index.get(id), Some(*h));
        }
        let mut all: Vec<(EntryId, Hash256)> = index.iter().collect();
        all.sort_unstable_by_key(|&(id, _)| id);
        prop_assert_eq!(all, model.into_iter().collect::<Vec<_>>());
    }
}

/// A bank large enough for the 17-bit keys, with thousands of near-duplicate matches.
#[test]
fn large_clustered_bank_at_the_pdq_threshold() {
    let mut rng = Rng(31);
    let bank = clustered_bank(&mut rng, 300_000);
    let index = HammingIndex::build(bank.iter().enumerate().map(|(i, h)| (i as EntryId, *h)));
    let model: BTreeMap<EntryId, Hash256> = bank
        .iter()
        .enumerate()
        .map(|(i, h)| (i as EntryId, *h))
        .collect();
    let qs = queries(&mut rng, &bank, 24);
    check(&index, &model, &qs, &[0, 1, 7, 16, 31, 40, 63]);
    let found: usize = qs.iter().map(|q| index.search(q, 31).unwrap().len()).sum();
    assert!(
        found > 24,
        "the queries should meet their clusters ({found})"
    );
    assert!(
        index.memory_bytes() <= 64 * bank.len(),
        "{} bytes",
        index.memory_bytes()
    );
}

#[test]
fn empty_index() {
    let index = HammingIndex::new();
    assert!(index.is_empty());
    assert_eq!(index.len(), 0);
    assert_eq!(index.get(7), None);
    assert_eq!(index.search(&Hash256::ZERO, 63), Ok(vec![]));
    assert_eq!(index.search_any(&[Hash256::ZERO; 8], 31), Ok(vec![]));
    let built = HammingIndex::build(std::iter::empty());
    assert!(built.is_empty());
    assert_eq!(built.search(&Hash256::ZERO, 0), Ok(vec![]));
}

#[test]
fn radius_over_63_is_an_error() {
    let index = HammingIndex::build([(1, Hash256::ZERO)]);
    assert_eq!(index.search(&Hash256::ZERO, 64), Err(RadiusError(64)));
    assert_eq!(
        index.search_linear(&Hash256::ZERO, 64),
        Err(RadiusError(64))
    );
    assert_eq!(index.search_any(&[], 100), Err(RadiusError(100)));
    let mut out = vec![Match { distance: 0, id: 0 }];
    assert_eq!(
        index.search_into(&Hash256::ZERO, 256, &mut out),
        Err(RadiusError(256))
    );
    assert!(index.search(&Hash256::ZERO, MAX_RADIUS).is_ok());
}

#[test]
fn radius_zero_finds_exact_copies_only() {
    let mut rng = Rng(5);
    let bank: Vec<Hash256> = (0..20_000).map(|_| rng.hash()).collect();
    let mut index = HammingIndex::build(bank.iter().enumerate().map(|(i, h)| (i as u32, *h)));
    index.insert(u32::MAX, bank[17]);
    let near = rng.near(&bank[17], 1);
    index.insert(0, near); // replaces id 0
    let hits = index.search(&bank[17], 0).unwrap();
    assert_eq!(
        hits,
        vec![
            Match {
                distance: 0,
                id: 17
            },
            Match {
                distance: 0,
                id: u32::MAX
            }
        ]
    );
    assert_eq!(
        index.search(&near, 0).unwrap(),
        vec![Match { distance: 0, id: 0 }]
    );
    assert_eq!(index.len(), 20_001);
}

#[test]
fn search_any_reports_each_entry_once_at_its_smallest_distance() {
    let mut rng = Rng(9);
    let mut bank: Vec<Hash256> = (0..10_000).map(|_| rng.hash()).collect();
    let base = bank[0];
    // Entries 1..4 at growing distances from `base`.
    for (i, bits) in [(1usize, 3usize), (2, 10), (3, 20), (4, 30)] {
        let mut h = base;
        for b in 0..bits {
            h.flip_bit(b * 7);
        }
        bank[i] = h;
    }
    let index = HammingIndex::build(bank.iter().enumerate().map(|(i, h)| (i as u32, *h)));
    // The 8 "variants": base, base moved 5 bits away, and unrelated hashes.
    let mut moved = base;
    for b in 0..5 {
        moved.flip_bit(b * 7);
    }
    let variants = [
        base,
        moved,
        rng.hash(),
        rng.hash(),
        rng.hash(),
        rng.hash(),
        rng.hash(),
        base,
    ];
    let any = index.search_any(&variants, 31).unwrap();
    let mut want: BTreeMap<EntryId, u32> = BTreeMap::new();
    for v in &variants {
        for m in index.search_linear(v, 31).unwrap() {
            let d = want.entry(m.id).or_insert(m.distance);
            *d = (*d).min(m.distance);
        }
    }
    let mut want: Vec<Match> = want
        .into_iter()
        .map(|(id, distance)| Match { distance, id })
        .collect();
    want.sort_unstable();
    assert_eq!(any, want);
    let ids: Vec<u32> = any.iter().map(|m| m.id).collect();
    assert_eq!(ids.len(), 5, "{any:?}");
    // Entry 1 is 3 bits from base but 2 bits from `moved`: reported once, at 2.
    assert!(any.contains(&Match { distance: 2, id: 1 }));
    assert!(any.contains(&Match { distance: 0, id: 0 }));
}

#[test]
fn replace_remove_and_reinsert_many() {
    let mut rng = Rng(77);
    let bank: Vec<Hash256> = clustered_bank(&mut rng, 50_000);
    let mut index = HammingIndex::build(bank.iter().enumerate().map(|(i, h)| (i as u32, *h)));
    let mut model: BTreeMap<EntryId, Hash256> = bank
        .iter()
        .enumerate()
        .map(|(i, h)| (i as u32, *h))
        .collect();
    // Enough removals to trigger a rebuild, and enough insertions to merge the buffer.
    for id in (0..50_000).step_by(3) {
        assert!(index.remove(id));
        model.remove(&id);
    }
    for i in 0..9000u32 {
        let id = 100_000 + i;
        let bits = rng.below(30);
        let h = rng.near(&bank[i as usize * 5], bits);
        index.insert(id, h);
        model.insert(id, h);
    }
    let qs = queries(&mut rng, &bank, 12);
    check(&index, &model, &qs, &[0, 15, 31, 63]);
    assert!(index.memory_bytes() > 0);
}
