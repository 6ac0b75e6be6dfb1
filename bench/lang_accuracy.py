#!/usr/bin/env python3
"""Language identification against the corpus's own labels, through the built binary.

    cargo build --release && python3 bench/lang_accuracy.py [--binary PATH]

Every item of data/corpus/*.jsonl goes through `vigie scan`; the decision's `lang` is compared
with the item's `lang` label. Arabic dialect labels count as `ar`, and Dari (`prs`) read as
Persian (`fa`) counts as right: the two share a script and most words, and only the author's
country or a place name tells them apart. Prints the share right, overall and per language.
"""
import argparse
import collections
import json
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def right(label, detected):
    if label == detected:
        return True
    if label.startswith("ar-") and label != "ar-Latn":
        return detected == "ar"
    return label == "prs" and detected == "fa"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "vigie"))
    args = ap.parse_args()
    items = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl")):
        items += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        batch = pathlib.Path(tmp) / "items.jsonl"
        batch.write_text(
            "".join(json.dumps({"id": str(k), "text": it["text"]}, ensure_ascii=False) + "\n" for k, it in enumerate(items))
        )
        out = pathlib.Path(tmp) / "decisions.jsonl"
        subprocess.run([args.binary, "scan", "--quiet", str(batch), "--out", str(out)], check=True)
        detected = {d["id"]: d.get("lang") for d in map(json.loads, out.read_text().splitlines())}
    total, hits = collections.Counter(), collections.Counter()
    for k, it in enumerate(items):
        total[it["lang"]] += 1
        hits[it["lang"]] += right(it["lang"], detected[str(k)])
    print(f"language identification: {sum(hits.values()) / len(items):.3f} of {len(items)} items right")
    for lang in sorted(total):
        print(f"  {lang:8} {hits[lang] / total[lang]:.2f}  ({total[lang]} items)")


if __name__ == "__main__":
    main()
