"""PDQ matching at radius 31: Vigie's HammingIndex versus faiss IndexBinaryFlat and
IndexBinaryMultiHash (the index HMA / python-threatexchange uses), on the same data, one core.

Run through bench/peers/match/run.sh. Subcommands:

  gen    --n N --queries Q --seed S --out FILE   write the workload (deterministic)
  faiss  WORKLOAD TRUTH --flat-queries F --mh-queries M --json OUT   time faiss on the
         first F (Flat) and M (MultiHash) queries
  report OURS.json FAISS.json                     print the comparison

Workload file (little-endian): b"VIGMATCH", u32 version (1), u32 bank size, u32 query count,
u32 radius, then the bank and then the queries, 32 bytes per hash in the hex order of the PDQ
text form (most-significant byte first). Bank entry i has id i.

The bank is made of clusters of near-duplicates: a cluster centre is a real PDQ hash (the INRIA
Holidays lists and pdq.csv of HMA's sample data) with 40-70 random bits flipped, and each member
is its centre with 0-24 bits flipped; cluster sizes are log-normal (mean ~5.5, at most 1,000).
The bank is shuffled, so near-duplicates are not neighbours in memory. 10% of the queries are a
bank member with 0-16 bits flipped (they match); the others are members of fresh clusters drawn
the same way (they almost never match). The ground truth is brute force (Rust, see
crates/vigie-index/examples/match_bench.rs).
"""
import argparse
import json
import os
import pathlib
import resource
import struct
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLES = pathlib.Path(
    os.environ.get(
        "PDQ_SAMPLES",
        ROOT.parent
        / "shared/anchors/pdq/exchange-samples/hasher-matcher-actioner/sample_data",
    )
)
BASE_FILES = ["holidays-jpg1-pdq-hashes.csv", "holidays-jpg2-pdq-hashes.csv", "pdq.csv"]
MAGIC = b"VIGMATCH"
RADIUS = 31


def real_hashes():
    seen = {}
    for name in BASE_FILES:
        for line in (SAMPLES / name).read_text().splitlines():
            hexa = line.split(",", 1)[0].strip().lower()
            if len(hexa) == 64:
                seen.setdefault(hexa, None)
    return np.array([np.frombuffer(bytes.fromhex(h), dtype=np.uint8) for h in seen])


def flip_bits(rows, counts, rng):
    """Flip `counts[i]` distinct random bits of row i (in place)."""
    mask = np.zeros_like(rows)
    for step in range(int(counts.max(initial=0))):
        active = np.nonzero(counts > step)[0]
        bit = rng.integers(0, 256, active.size)
        while True:  # redraw the bits already chosen for that row
            taken = (mask[active, bit >> 3] >> (bit & 7)) & 1 == 1
            if not taken.any():
                break
            bit[taken] = rng.integers(0, 256, int(taken.sum()))
        mask[active, bit >> 3] |= (1 << (bit & 7)).astype(np.uint8)
    rows ^= mask


def clustered(bases, n, rng):
    """`n` hashes in clusters of near-duplicates around perturbed real hashes."""
    sizes = []
    total = 0
    while total < n:
        s = np.clip(np.rint(rng.lognormal(1.2, 1.0, 100_000)), 1, 1000).astype(np.int64)
        sizes.append(s)
        total += int(s.sum())
    sizes = np.concatenate(sizes)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    sizes[-1] -= int(sizes.sum()) - n
    centres = bases[rng.integers(0, len(bases), sizes.size)].copy()
    flip_bits(centres, rng.integers(40, 71, sizes.size), rng)
    members = np.repeat(centres, sizes, axis=0)
    del centres
    flip_bits(members, rng.integers(0, 25, n), rng)
    return members, sizes


def gen(args):
    rng = np.random.default_rng(args.seed)
    bases = real_hashes()
    t0 = time.time()
    bank, sizes = clustered(bases, args.n, rng)
    bank = bank[rng.permutation(args.n)]
    n_match = args.queries // 10
    near = bank[rng.integers(0, args.n, n_match)].copy()
    flip_bits(near, rng.integers(0, 17, n_match), rng)
    fresh, _ = clustered(bases, args.queries - n_match, rng)
    queries = np.concatenate([near, fresh])
    queries = queries[rng.permutation(len(queries))]
    with open(args.out, "wb") as f:
        f.write(MAGIC + struct.pack("<IIII", 1, args.n, len(queries), RADIUS))
        f.write(np.ascontiguousarray(bank).tobytes())
        f.write(np.ascontiguousarray(queries).tobytes())
    print(
        f"workload: {args.n:,} hashes in {sizes.size:,} clusters (mean {sizes.mean():.1f},"
        f" max {sizes.max()}) from {len(bases)} real PDQ hashes; {len(queries):,} queries"
        f" ({n_match:,} near copies of bank members); {time.time() - t0:.1f} s",
        file=sys.stderr,
    )


def read_workload(path):
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:8].tobytes() != MAGIC:
        raise SystemExit(f"{path}: not a workload file")
    _, n, q, radius = struct.unpack("<IIII", raw[8:24].tobytes())
    body = raw[24:]
    bank = body[: n * 32].reshape(n, 32)
    queries = body[n * 32 : (n + q) * 32].reshape(q, 32)
    return bank, queries, radius


def read_truth(path, q):
    """Per query, the sorted ids within the radius (written by match_bench)."""
    raw = np.fromfile(path, dtype="<u4")
    out, i = [], 0
    for _ in range(q):
        c = int(raw[i])
        out.append(raw[i + 1 : i + 1 + c])
        i += 1 + c
    return out


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def recall(lims, ids, truth, queries):
    found = total = 0
    for k, qi in enumerate(queries):
        want = truth[qi]
        got = np.sort(ids[lims[k] : lims[k + 1]])
        found += np.intersect1d(got, want, assume_unique=True).size
        total += want.size
        extra = np.setdiff1d(got, want)
        if extra.size:
            raise SystemExit(f"query {qi}: faiss returned ids beyond the radius: {extra[:5]}")
    return found / total if total else 1.0, found, total


def run_faiss(name, index, bank, queries, truth, radius, subset):
    import faiss

    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index.add(bank)
    build = time.perf_counter() - t0
    rss1 = rss_bytes()
    try:
        serialized = faiss.serialize_index_binary(index).size
    except RuntimeError:
        serialized = None
    qs = queries[subset]
    index.range_search(qs[:10], radius + 1)  # warm-up
    c0, t0 = time.process_time(), time.perf_counter()
    lims, _, ids = index.range_search(qs, radius + 1)  # faiss keeps distance < radius
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    r, found, total = recall(lims, ids, truth, subset)
    n = len(bank)
    res = {
        "name": name,
        "queries": len(subset),
        "qps": len(subset) / secs,
        "qps_cpu": len(subset) / cpu,
        "recall": r,
        "found": found,
        "expected": total,
        "build_s": build,
        "rss_bytes_per_hash": (rss1 - rss0) / n,
        "serialized_bytes_per_hash": serialized / n if serialized else None,
    }
    print(
        f"{name}: {res['qps']:.1f} queries/s ({res['qps_cpu']:.1f} per CPU-second) over"
        f" {len(subset)} queries, recall {r:.6f}"
        f" ({found}/{total}), build {build:.2f} s, RSS +{res['rss_bytes_per_hash']:.1f} B/hash",
        file=sys.stderr,
    )
    return res


def faiss_cmd(args):
    import faiss

    faiss.omp_set_num_threads(1)
    bank, queries, radius = read_workload(args.workload)
    truth = read_truth(args.truth, len(queries))
    results = {"faiss_version": faiss.__version__, "n": len(bank), "radius": radius}
    flat_subset = np.arange(min(args.flat_queries, len(queries)))
    index = faiss.IndexBinaryFlat(256)
    results["flat"] = run_faiss("IndexBinaryFlat", index, bank, queries, truth, radius, flat_subset)
    del index
    # python-threatexchange's PDQMultiHashIndex: nhash=16, b=256/16, nflip=threshold//nhash.
    index = faiss.IndexBinaryMultiHash(256, 16, 16)
    index.nflip = radius // 16
    results["multihash"] = run_faiss(
        f"IndexBinaryMultiHash(256,16,16) nflip={index.nflip}",
        index,
        bank,
        queries,
        truth,
        radius,
        np.arange(min(args.mh_queries, len(queries))),
    )
    results["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results["load_average"] = os.getloadavg()[0]
    pathlib.Path(args.json).write_text(json.dumps(results, indent=2))


def report(args):
    ours = json.loads(pathlib.Path(args.ours).read_text())
    peers = json.loads(pathlib.Path(args.faiss).read_text())
    flat, mh = peers["flat"], peers["multihash"]
    print(
        f"\n{ours['n']:,} PDQ hashes, radius {ours['radius']}, one core, faiss {peers['faiss_version']};"
        f" load average {peers['load_average']:.1f} on {os.cpu_count()} CPUs after the faiss runs"
    )
    head = f"{'index':<38} {'queries/s':>10} {'per CPU-s':>10} {'recall':>8} {'B/hash':>7} {'build s':>8} {'queries':>8}"
    print(head)
    print("-" * len(head))
    rows = [("Vigie HammingIndex", ours, ours["bytes_per_hash"])]
    rows += [(p["name"], p, p["rss_bytes_per_hash"]) for p in (flat, mh)]
    for name, r, mem in rows:
        print(
            f"{name:<38} {r['qps']:>10,.1f} {r['qps_cpu']:>10,.1f} {r['recall']:>8.6f}"
            f" {mem:>7.1f} {r['build_s']:>8.2f} {r['queries']:>8,}"
        )
    print(
        f"\nVigie / IndexBinaryFlat: {ours['qps'] / flat['qps']:.1f}x queries/s"
        f" ({ours['qps_cpu'] / flat['qps_cpu']:.1f}x per CPU-second)"
    )
    print(
        f"Vigie / IndexBinaryMultiHash: {ours['qps'] / mh['qps']:.1f}x queries/s"
        f" ({ours['qps_cpu'] / mh['qps_cpu']:.1f}x per CPU-second)"
    )
    print(
        f"memory per hash: Vigie {ours['bytes_per_hash']:.1f} B by memory_bytes()"
        f" ({ours['rss_bytes_per_hash']:.1f} B resident-set growth); faiss by resident-set growth"
    )
    print(
        f"queries with a match: {ours['queries_matching']:,} of {ours['queries']:,},"
        f" {ours['mean_matches']:.1f} matches each on average; Vigie latency p50"
        f" {ours['latency_us']['p50']:.0f} us, p99 {ours['latency_us']['p99']:.0f} us"
    )
    print(
        f"Vigie updates: remove {ours['remove_us']:.2f} us, insert {ours['insert_us']:.2f} us"
        f" before merging; {ours['qps_with_pending_updates']:,.0f} queries/s after 10,000 of each;"
        f" merging them into the tables (a rebuild, due every"
        f" {min(max(ours['n'] // 64, 4096), 65536):,} insertions at this size): {ours['compact_s']:.2f} s"
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--n", type=int, default=10_000_000)
    g.add_argument("--queries", type=int, default=10_000)
    g.add_argument("--seed", type=int, default=31)
    g.add_argument("--out", required=True)
    f = sub.add_parser("faiss")
    f.add_argument("workload")
    f.add_argument("truth")
    f.add_argument("--flat-queries", type=int, default=200)
    f.add_argument("--mh-queries", type=int, default=2000)
    f.add_argument("--json", required=True)
    r = sub.add_parser("report")
    r.add_argument("ours")
    r.add_argument("faiss")
    args = p.parse_args()
    {"gen": gen, "faiss": faiss_cmd, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
