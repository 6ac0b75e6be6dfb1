"""How close is each test item to the nearest item the model trains on (train and dev splits)?

Near-duplicates across the split would make the test measure memory, not generalisation. For
every test item: the highest cosine similarity of character 3-5-gram TF-IDF vectors to any
train or dev item of another family. Prints the distribution and the closest pairs.

    target/peers-venv/bin/python bench/peers/overlap.py [--data DIR] [--show N]
(the venv is the one bench/peers/run.sh installs: scikit-learn and NumPy)
"""
import argparse
import pathlib
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from peers import load  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", type=int, default=5, help="closest pairs to print")
    ap.add_argument("--data", help="corpus directory (default: data/corpus)")
    args = ap.parse_args()
    items = load(args.data)
    seen = [i for i in items if i["split"] != "test"]
    test = [i for i in items if i["split"] == "test"]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    vec.fit([i["text"] for i in items])
    a = vec.transform([i["text"] for i in test])
    b = vec.transform([i["text"] for i in seen])
    sim = (a @ b.T).toarray()
    best = sim.argmax(axis=1)
    top = sim[np.arange(len(test)), best]
    print(f"{len(test)} test items against {len(seen)} train and dev items")
    for t in (0.5, 0.6, 0.7, 0.8, 0.9):
        n = int((top >= t).sum())
        print(f"  nearest similarity >= {t}: {n} ({n / len(test):.1%})")
    print(f"  median nearest similarity: {np.median(top):.2f}")
    for k in np.argsort(-top)[: args.show]:
        s = seen[best[k]]
        print(f"\n{top[k]:.2f} {test[k]['id']} [{test[k]['label']}] {test[k]['text'][:120]}")
        print(f"     {s['id']} [{s['label']}] {s['text'][:120]}")


if __name__ == "__main__":
    main()
