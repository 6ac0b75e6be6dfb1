//! The Vigie side of `bench/peers/match`: PDQ matching on one core over a workload file written by
//! `bench/peers/match/match.py gen`.
//!
//! ```text
//! cargo run --release -p vigie-index --example match_bench -- WORKLOAD TRUTH [--json OUT] [--queries Q]
//! ```
//!
//! TRUTH holds, per query, the ids within the radius by brute force; when the file is missing it
//! is computed first (on all cores, not timed) and written. Then the index is built and every
//! query searched one after the other on this thread; prints and writes queries/s, recall against
//! the truth, memory per hash (`memory_bytes()` and resident-set growth) and build time, then the
//! cost of incremental removals and insertions.

use std::io::Write;
use std::time::Instant;

use vigie_core::Hash256;
use vigie_index::{HammingIndex, Match};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    let positional: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|&(i, a)| !a.starts_with("--") && (i == 0 || !args[i - 1].starts_with("--")))
        .map(|(_, a)| a)
        .collect();
    let [workload, truth_path] = positional[..] else {
        eprintln!("usage: match_bench WORKLOAD TRUTH [--json OUT] [--queries Q]");
        std::process::exit(2);
    };
    let (bank, mut queries, radius) = read_workload(workload);
    if let Some(q) = flag("--queries") {
        queries.truncate(q.parse().expect("--queries N"));
    }
    let n = bank.len();
    eprintln!("{n} hashes, {} queries, radius {radius}", queries.len());

    let truth = match std::fs::read(truth_path) {
        Ok(bytes) => parse_truth(&bytes, queries.len()),
        Err(_) => {
            let t0 = Instant::now();
            let truth = brute_force(&bank, &queries, radius);
            eprintln!(
                "brute force truth: {:.1} s (all cores)",
                t0.elapsed().as_secs_f64()
            );
            let mut f = std::io::BufWriter::new(std::fs::File::create(truth_path).unwrap());
            for ids in &truth {
                f.write_all(&(ids.len() as u32).to_le_bytes()).unwrap();
                for id in ids {
                    f.write_all(&id.to_le_bytes()).unwrap();
                }
            }
            truth
        }
    };

    let rss0 = rss_bytes();
    let t0 = Instant::now();
    let mut index = HammingIndex::build(bank.iter().enumerate().map(|(i, h)| (i as u32, *h)));
    let build_s = t0.elapsed().as_secs_f64();
    let rss_per_hash = (rss_bytes() - rss0) as f64 / n as f64;
    let bytes_per_hash = index.memory_bytes() as f64 / n as f64;
    eprintln!(
        "build {build_s:.2} s, {bytes_per_hash:.2} B/hash (memory_bytes), {rss_per_hash:.2} B/hash (RSS)"
    );

    let mut out: Vec<Match> = Vec::new();
    for q in queries.iter().take(10) {
        index.search_into(q, radius, &mut out).unwrap();
    }
    let mut latencies = Vec::with_capacity(queries.len());
    let mut results = Vec::with_capacity(queries.len());
    let cpu0 = thread_cpu_ns();
    let t0 = Instant::now();
    for q in &queries {
        let s = Instant::now();
        index.search_into(q, radius, &mut out).unwrap();
        latencies.push(s.elapsed().as_secs_f64());
        results.push(out.iter().map(|m| m.id).collect::<Vec<u32>>());
    }
    let secs = t0.elapsed().as_secs_f64();
    let qps = queries.len() as f64 / secs;
    let qps_cpu = queries.len() as f64 * 1e9 / (thread_cpu_ns() - cpu0) as f64;

    let (mut found, mut expected, mut extra) = (0usize, 0usize, 0usize);
    for (got, want) in results.iter_mut().zip(&truth) {
        got.sort_unstable();
        found += got
            .iter()
            .filter(|id| want.binary_search(id).is_ok())
            .count();
        extra += got
            .iter()
            .filter(|id| want.binary_search(id).is_err())
            .count();
        expected += want.len();
    }
    let recall = if expected == 0 {
        1.0
    } else {
        found as f64 / expected as f64
    };
    let matching = truth.iter().filter(|t| !t.is_empty()).count();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize] * 1e6;
    eprintln!(
        "search: {qps:.1} queries/s ({qps_cpu:.1} per CPU-second), recall {recall:.6} ({found}/{expected}), {extra} beyond the radius; \
         latency p50 {:.0} us, p99 {:.0} us, max {:.0} us",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    assert_eq!(extra, 0, "matches beyond the radius");

    // Incremental updates: remove 10,000 entries, add 10,000 near copies, then merge them.
    let k = 10_000.min(n / 2);
    let step = n / k;
    let t0 = Instant::now();
    for i in 0..k {
        index.remove((i * step) as u32);
    }
    let remove_us = t0.elapsed().as_secs_f64() * 1e6 / k as f64;
    let t0 = Instant::now();
    for i in 0..k {
        let mut h = bank[i * step + 1];
        h.flip_bit(i % 256);
        index.insert((n + i) as u32, h);
    }
    let insert_us = t0.elapsed().as_secs_f64() * 1e6 / k as f64;
    let t0 = Instant::now();
    let probe = queries.len().min(1000);
    for q in &queries[..probe] {
        index.search_into(q, radius, &mut out).unwrap();
    }
    let qps_dirty = probe as f64 / t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    index.compact();
    let compact_s = t0.elapsed().as_secs_f64();
    eprintln!(
        "incremental: remove {remove_us:.2} us, insert {insert_us:.2} us ({k} each, before merging); \
         {qps_dirty:.1} queries/s with them pending; merging them: {compact_s:.2} s"
    );

    if let Some(path) = flag("--json") {
        let json = serde_json::json!({
            "n": n,
            "radius": radius,
            "queries": queries.len(),
            "qps": qps,
            "qps_cpu": qps_cpu,
            "recall": recall,
            "found": found,
            "expected": expected,
            "build_s": build_s,
            "bytes_per_hash": bytes_per_hash,
            "rss_bytes_per_hash": rss_per_hash,
            "queries_matching": matching,
            "mean_matches": expected as f64 / matching.max(1) as f64,
            "latency_us": {"p50": pct(0.5), "p99": pct(0.99), "max": pct(1.0)},
            "remove_us": remove_us,
            "insert_us": insert_us,
            "qps_with_pending_updates": qps_dirty,
            "compact_s": compact_s,
        });
        std::fs::write(path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    }
}

fn read_workload(path: &str) -> (Vec<Hash256>, Vec<Hash256>, u32) {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(&raw[..8], b"VIGMATCH", "{path}: not a workload file");
    let u32_at = |i: usize| u32::from_le_bytes(raw[i..i + 4].try_into().unwrap());
    assert_eq!(u32_at(8), 1, "workload version");
    let (n, q, radius) = (u32_at(12) as usize, u32_at(16) as usize, u32_at(20));
    let hashes = |from: usize, count: usize| -> Vec<Hash256> {
        raw[from..from + 32 * count]
            .chunks_exact(32)
            .map(|c| Hash256::from_be_bytes(c.try_into().unwrap()))
            .collect()
    };
    (hashes(24, n), hashes(24 + 32 * n, q), radius)
}

fn parse_truth(bytes: &[u8], queries: usize) -> Vec<Vec<u32>> {
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let mut out = Vec::with_capacity(queries);
    let mut i = 0;
    while out.len() < queries {
        let c = words[i] as usize;
        out.push(words[i + 1..i + 1 + c].to_vec());
        i += 1 + c;
    }
    out
}

/// Ids within `radius` of each query, ascending: every pair compared, queries split over the
/// cores, the bank read in blocks that stay in cache while 32 queries go over them.
fn brute_force(bank: &[Hash256], queries: &[Hash256], radius: u32) -> Vec<Vec<u32>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = queries.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = queries
            .chunks(per)
            .map(|qs| {
                s.spawn(move || {
                    let mut out = vec![Vec::new(); qs.len()];
                    for (qb, outs) in qs.chunks(32).zip(out.chunks_mut(32)) {
                        for (block_start, block) in (0..).step_by(8192).zip(bank.chunks(8192)) {
                            for (q, o) in qb.iter().zip(outs.iter_mut()) {
                                scan_block(block, q, radius, block_start, o);
                            }
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

/// Push `first + i` for each `block[i]` within `radius` of `q`, with the CPU's popcount.
fn scan_block(block: &[Hash256], q: &Hash256, radius: u32, first: usize, out: &mut Vec<u32>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") && std::arch::is_x86_feature_detected!("avx2")
    {
        #[target_feature(enable = "popcnt,avx2")]
        fn fast(block: &[Hash256], q: &Hash256, radius: u32, first: usize, out: &mut Vec<u32>) {
            scan(block, q, radius, first, out);
        }
        // SAFETY: the CPU has the features `fast` is compiled for.
        return unsafe { fast(block, q, radius, first, out) };
    }
    scan(block, q, radius, first, out);
}

#[inline(always)]
fn scan(block: &[Hash256], q: &Hash256, radius: u32, first: usize, out: &mut Vec<u32>) {
    for (i, h) in block.iter().enumerate() {
        if h.distance(q) <= radius {
            out.push((first + i) as u32);
        }
    }
}

/// Nanoseconds this thread has run on a CPU (Linux schedstat), so that other load on the machine
/// does not count.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn rss_bytes() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<i64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
