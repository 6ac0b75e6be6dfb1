#!/usr/bin/env python3
"""Search-check quality on the held-out query sets, through the built binary.

    cargo build --release && python3 bench/search_quality.py

Sets: data/search/queries.jsonl (test split; the train split is what the search model and the
vocabulary were fitted on) and bench/search/fresh-queries.jsonl (written independently of the
lexicon and of the other set, never used for fitting). Prints precision and recall at the
operating threshold (the policy's 0.5) and the precision at the first threshold reaching
recall 0.90, overall and per language.
"""
import collections
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "vigie"


def check(items):
    lines = "\n".join(json.dumps({"id": q["id"], "query": q["query"], "locale": q["locale"]}, ensure_ascii=False) for q in items)
    out = subprocess.run([str(BINARY), "search-check", "-"], input=lines.encode(), capture_output=True, check=True).stdout.decode()
    return {r["id"]: r for r in map(json.loads, out.splitlines())}


def report(name, items):
    results = check(items)
    tp = fp = fn = 0
    per = collections.defaultdict(lambda: [0, 0, 0])
    for q in items:
        predicted = results[q["id"]]["intent"] == "smuggling_seeking"
        gold = q["intent"] == "smuggling_seeking"
        cell = per[q["locale"]]
        if predicted and gold:
            tp += 1; cell[0] += 1
        elif predicted:
            fp += 1; cell[1] += 1
        elif gold:
            fn += 1; cell[2] += 1
    ranked = sorted(((results[q["id"]]["score"], q["intent"] == "smuggling_seeking") for q in items), reverse=True)
    positives = sum(g for _, g in ranked)
    hits = seen = 0
    at_90 = None
    for score, gold in ranked:
        hits += gold; seen += 1
        if at_90 is None and hits / positives >= 0.9:
            at_90 = (hits / seen, score)
    print(f"{name}: {len(items)} queries; at 0.5: precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f}; "
          f"precision at recall 0.90: {at_90[0]:.3f} (threshold {at_90[1]:.2f})")
    print("  " + " ".join(f"{lang} P{c[0] / max(1, c[0] + c[1]):.2f}/R{c[0] / max(1, c[0] + c[2]):.2f}" for lang, c in sorted(per.items())))


def main():
    if not BINARY.exists():
        sys.exit("build first: cargo build --release")
    queries = [json.loads(l) for l in (ROOT / "data/search/queries.jsonl").read_text().splitlines()]
    report("data/search test split", [q for q in queries if q["split"] == "test"])
    fresh = [json.loads(l) for l in (ROOT / "bench/search/fresh-queries.jsonl").read_text().splitlines()]
    report("bench/search fresh set", fresh)


if __name__ == "__main__":
    main()
