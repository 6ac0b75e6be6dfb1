"""Vigie's model versus fastText and scikit-learn, on the same split and the same texts.

Run through bench/peers/run.sh (it installs the peers). Prints macro-F1 on the test split and
prediction throughput on 100,000 texts on one core, with ratios: the three are timed in turn,
three rounds, and the median round of each is shown.
"""
import json
import os
import pathlib
import re
import statistics
import subprocess
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import fasttext  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import HashingVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The binary `cargo build --profile release-lto` made (the distribution build): under
# CARGO_TARGET_DIR when set, as cargo reads it.
VIGIE = (ROOT / os.environ.get("CARGO_TARGET_DIR", "target")) / "release-lto" / "vigie"
N = 100_000
ROUNDS = 3


def split_of(family):
    """The same family hash as the Rust corpus loader (FNV-1a 64, 70/15/15)."""
    h = 0xCBF29CE484222325
    for b in family.encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    r = h % 100
    return "train" if r < 70 else "dev" if r < 85 else "test"


def load(corpus=None):
    """Every item of the corpus directory (data/corpus by default), with its split."""
    items = []
    for path in sorted(pathlib.Path(corpus or ROOT / "data/corpus").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                items.append(json.loads(line))
    for it in items:
        it["split"] = split_of(it["family"])
    return items


def clean(text):
    return re.sub(r"\s+", " ", text.lower()).strip()


def main():
    items = load()
    # What Vigie's model fits on (`vigie train`: train and dev; test is never trained on).
    train = [i for i in items if i["split"] in ("train", "dev")]
    test = [i for i in items if i["split"] == "test"]
    labels = sorted({i["label"] for i in items})
    y_test = [i["label"] for i in test]
    bulk = [test[k % len(test)]["text"] for k in range(N)]

    # fastText
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for i in train:
            f.write(f"__label__{i['label']} {clean(i['text'])}\n")
        train_file = f.name
    ft = fasttext.train_supervised(train_file, epoch=25, lr=0.5, wordNgrams=2, minn=2, maxn=4, dim=50, thread=1, verbose=0)
    pred = [ft.predict(clean(i["text"]))[0][0].replace("__label__", "") for i in test]
    f1_ft = f1_score(y_test, pred, labels=labels, average="macro")

    # Both peers predict in batches of 1,000 (one call per batch, the loop in C++ or NumPy),
    # their fastest use: fastText's predict on a list was 1-9% faster than a call per text.
    def time_fasttext():
        start = time.perf_counter()
        for k in range(0, N, 1000):
            ft.predict([clean(text) for text in bulk[k : k + 1000]])
        return time.perf_counter() - start

    # scikit-learn
    vec = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**20, alternate_sign=False)
    clf = LogisticRegression(max_iter=2000, class_weight="balanced")
    clf.fit(vec.transform([i["text"] for i in train]), [i["label"] for i in train])
    pred = clf.predict(vec.transform([i["text"] for i in test]))
    f1_sk = f1_score(y_test, pred, labels=labels, average="macro")

    def time_sklearn():
        start = time.perf_counter()
        for k in range(0, N, 1000):
            clf.predict(vec.transform(bulk[k : k + 1000]))
        return time.perf_counter() - start

    # Vigie: F1 from `vigie eval`, throughput of `vigie classify` on the same texts, one thread.
    out = subprocess.run([str(VIGIE), "eval", "--data", str(ROOT / "data/corpus")], capture_output=True, text=True, check=True).stdout
    f1 = {name: float(v) for name, v in re.findall(r"^\s+(combined \(decisions\)|model alone)\s+macro-F1 ([0-9.]+)", out, re.M)}
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for k, text in enumerate(bulk):
            f.write(json.dumps({"id": str(k), "text": text}, ensure_ascii=False) + "\n")
        bulk_file = f.name
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.write(json.dumps({"id": "0", "text": bulk[0]}, ensure_ascii=False) + "\n")
        one_file = f.name
    env = dict(os.environ, RAYON_NUM_THREADS="1")

    def run_classify(path):
        start = time.perf_counter()
        subprocess.run([str(VIGIE), "classify", path, "--out", os.devnull], env=env, check=True)
        return time.perf_counter() - start

    # The peers' timers start after their model is in memory; Vigie's process loads its model
    # and compiles its automata first, so its start-up (a one-item run, the best of three)
    # is measured and taken off.
    startup = min(run_classify(one_file) for _ in range(3))

    def time_vigie():
        return run_classify(bulk_file) - startup

    # The machine is shared and noisy: the three are timed in turn, ROUNDS times, and each
    # round's ratios are printed; the table shows the median round of each.
    rounds = []
    for _ in range(ROUNDS):
        rounds.append({"fastText": time_fasttext(), "scikit-learn": time_sklearn(), "vigie": time_vigie()})
    median = {name: statistics.median(r[name] for r in rounds) for name in rounds[0]}

    print(f"test split: {len(test)} items, {len(labels)} labels; throughput on {N:,} texts, one core")
    print(f"vigie start-up (model load, automata) {startup * 1000:.0f} ms, taken off each of its runs")
    for k, r in enumerate(rounds, 1):
        print(
            f"round {k}: texts/s fastText {N / r['fastText']:,.0f}, scikit-learn {N / r['scikit-learn']:,.0f}, "
            f"vigie {N / r['vigie']:,.0f}; vigie x{r['fastText'] / r['vigie']:.2f} fastText, "
            f"x{r['scikit-learn'] / r['vigie']:.2f} scikit-learn"
        )
    rows = [
        ("fastText", f1_ft, N / median["fastText"]),
        ("scikit-learn", f1_sk, N / median["scikit-learn"]),
        ("vigie (whole pipeline + model)", f1["combined (decisions)"], N / median["vigie"]),
        ("vigie model alone (F1)", f1["model alone"], float("nan")),
    ]
    print(f"median of {ROUNDS} rounds:")
    print(f"{'':32} {'macro-F1':>9} {'texts/s':>12}")
    for name, f1v, tps in rows:
        print(f"{name:32} {f1v:9.3f} {tps:12,.0f}")
    v = rows[2]
    for name, f1v, tps in rows[:2]:
        print(f"vigie vs {name}: F1 {v[1] - f1v:+.3f}, throughput x{v[2] / tps:.2f}")


if __name__ == "__main__":
    main()
