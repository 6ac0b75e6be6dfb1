//! `HammingIndex` on a million clustered 256-bit hashes: search at the PDQ threshold and around
//! it, the 8-variant search, the linear scan it replaces, build, and incremental updates.
//!
//! `cargo bench -p vigie-index --bench hamming`. The comparison with faiss on 10 million PDQ
//! hashes is `bench/peers/match/run.sh`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use vigie_core::Hash256;
use vigie_index::HammingIndex;

const N: usize = 1_000_000;
const QUERIES: usize = 200;

/// splitmix64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn hash(&mut self) -> Hash256 {
        Hash256 {
            words: [self.next(), self.next(), self.next(), self.next()],
        }
    }

    fn near(&mut self, h: &Hash256, max_bits: u64) -> Hash256 {
        let mut h = *h;
        for _ in 0..self.next() % (max_bits + 1) {
            h.flip_bit((self.next() % 256) as usize);
        }
        h
    }
}

/// Clusters of ~5 near-duplicates (0-24 bits from their centre); queries: 10% near a bank
/// entry, the rest unrelated.
fn workload() -> (Vec<Hash256>, Vec<Hash256>) {
    let mut rng = Rng(31);
    let mut bank = Vec::with_capacity(N);
    while bank.len() < N {
        let centre = rng.hash();
        for _ in 0..1 + rng.next() % 9 {
            bank.push(rng.near(&centre, 24));
        }
    }
    bank.truncate(N);
    let queries = (0..QUERIES)
        .map(|i| {
            if i % 10 == 0 {
                let b = bank[(rng.next() % N as u64) as usize];
                rng.near(&b, 16)
            } else {
                rng.hash()
            }
        })
        .collect();
    (bank, queries)
}

fn bench(c: &mut Criterion) {
    let (bank, queries) = workload();
    let index = HammingIndex::build(bank.iter().enumerate().map(|(i, h)| (i as u32, *h)));

    let mut g = c.benchmark_group("hamming_1m");
    g.sample_size(20);
    g.throughput(Throughput::Elements(QUERIES as u64));
    let mut out = Vec::new();
    for radius in [8, 16, 31, 40] {
        g.bench_function(format!("search_r{radius}"), |b| {
            b.iter(|| {
                for q in &queries {
                    index.search_into(q, radius, &mut out).unwrap();
                    black_box(&out);
                }
            })
        });
    }
    let variants: Vec<[Hash256; 8]> = queries
        .iter()
        .map(|q| {
            std::array::from_fn(|v| {
                if v == 0 {
                    *q
                } else {
                    Rng(v as u64).near(q, 40)
                }
            })
        })
        .collect();
    g.bench_function("search_any_8_variants_r31", |b| {
        b.iter(|| {
            for v in &variants {
                black_box(index.search_any(v, 31).unwrap());
            }
        })
    });
    g.throughput(Throughput::Elements(20));
    g.bench_function("search_linear_r31", |b| {
        b.iter(|| {
            for q in &queries[..20] {
                black_box(index.search_linear(q, 31).unwrap());
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("hamming_1m_updates");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("build", |b| {
        b.iter(|| {
            black_box(HammingIndex::build(
                bank.iter().enumerate().map(|(i, h)| (i as u32, *h)),
            ))
        })
    });
    g.throughput(Throughput::Elements(2 * 10_000));
    g.bench_function("remove_then_insert_10k", |b| {
        b.iter_batched(
            || index.clone(),
            |mut index| {
                for i in 0..10_000u32 {
                    index.remove(i * 97);
                }
                for i in 0..10_000u32 {
                    index.insert(N as u32 + i, bank[i as usize]);
                }
                index
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
