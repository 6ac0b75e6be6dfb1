"""Keeps near-duplicates on one side of the split: rewrites new corpus parts so that an item
close to one already in the corpus joins that item's family, and a duplicate is dropped.

    target/peers-venv/bin/python bench/peers/join_near.py data/corpus/part-i.jsonl ...

The parts given are processed in order, family by family, against everything accepted so far
(all other parts first). Cosine similarity of character 3-5-gram TF-IDF vectors, as
overlap.py measures it:
- an item at >= DUPLICATE of an accepted item is dropped;
- a family with an item at >= JOIN of an accepted item of another family takes that family's
  name (the closest one), all its items with it, so rephrasings stay together;
- an item at >= JOIN of a held-out item (data/corpus/heldout/, never trained on) is dropped,
  so training on it cannot flatter the held-out figures.
"""
import json
import pathlib
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
import scipy.sparse as sp

DUPLICATE = 0.9
JOIN = 0.5


def read(path):
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def main():
    new = [pathlib.Path(p).resolve() for p in sys.argv[1:]]
    corpus = new[0].parent
    old = [p for p in sorted(corpus.glob("*.jsonl")) if p.resolve() not in new]
    parts = {p: read(p) for p in old + new}
    heldout = [i for p in sorted((corpus / "heldout").glob("*.jsonl")) for i in read(p)]
    texts = [i["text"] for p in parts for i in parts[p]] + [i["text"] for i in heldout]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit(texts)
    accepted = [i for p in old for i in parts[p]]
    matrix = normalize(vec.transform([i["text"] for i in accepted]))
    heldout_matrix = normalize(vec.transform([i["text"] for i in heldout])) if heldout else None
    dropped = joined = near_heldout = 0
    for path in new:
        families = {}
        for item in parts[path]:
            families.setdefault(item["family"], []).append(item)
        kept = []
        for family, members in families.items():
            x = normalize(vec.transform([m["text"] for m in members]))
            sim = (x @ matrix.T).toarray() if matrix.shape[0] else None
            survivors, rows, best = [], [], (0.0, None)
            near = (x @ heldout_matrix.T).toarray().max(axis=1) if heldout_matrix is not None else None
            for k, m in enumerate(members):
                if near is not None and near[k] >= JOIN:
                    near_heldout += 1
                    print(f"dropped {m['id']} ({near[k]:.2f} to a held-out item)")
                    continue
                if sim is not None and sim[k].max() >= DUPLICATE:
                    dropped += 1
                    print(f"dropped {m['id']} (duplicate of {accepted[sim[k].argmax()]['id']})")
                    continue
                survivors.append(m)
                rows.append(k)
                if sim is not None:
                    for j in sim[k].argsort()[::-1][:5]:
                        other = accepted[j]
                        if other["family"] != family and sim[k][j] >= JOIN and sim[k][j] > best[0]:
                            best = (sim[k][j], other)
            if best[1] is not None:
                joined += len(survivors)
                print(f"family {family} ({len(survivors)} items) joins {best[1]['family']} ({best[0]:.2f} to {best[1]['id']})")
                for m in survivors:
                    m["family"] = best[1]["family"]
            kept.extend(survivors)
            accepted.extend(survivors)
            if rows:
                matrix = sp.vstack([matrix, x[rows]]).tocsr()
        kept.sort(key=lambda m: m["id"])
        path.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in kept), encoding="utf-8")
    print(f"{dropped} items dropped as duplicates, {near_heldout} as close to a held-out item, "
          f"{joined} items joined an existing family")


if __name__ == "__main__":
    main()
