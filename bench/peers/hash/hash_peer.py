"""PDQ hashing speed: Vigie (`vigie_media::pdq::hash_rgb`) versus PyPI `pdqhash` (Meta's C++ core
behind a Cython binding), on the same decoded pixels, one core. Run through
bench/peers/hash/run.sh.

  hash_peer.py --bin PATH_TO_hash_bench [--rounds 5] [--reps 3] [--e2e-rounds 3] [--no-e2e]

1. Every image under shared/anchors/pdq/images and shared/anchors/pdq/lossless (JPEG, PNG, WebP)
   is decoded once with PIL, `convert("RGB")`, and the RGB24 pixels are written to a temporary file
   (little-endian: u32 count, then per image u32 width, u32 height, width*height*3 bytes) that
   crates/vigie-media/examples/hash_bench.rs reads.
2. Both sides hash every image once and the hashes are compared (bit for bit, and the quality).
3. Hashing only, from pixels already in memory: `pdqhash.compute(array)` versus `hash_rgb`,
   image by image, `--reps` timed passes over all images after one untimed pass, in `--rounds`
   rounds that alternate which side goes first (so drift on a noisy machine hits both).
4. End to end (decode + hash) from the files: PIL `Image.open` + `convert("RGB")` + `np.asarray` +
   `pdqhash.compute` versus `decode_file` + `hash_rgb`. The decoders differ (libjpeg-turbo vs the
   `image` crate), so JPEG hashes may differ by a few bits there; that table is about speed.

Timings are reported, never asserted. The whole process (and the Rust child it starts) should be
pinned to one core (run.sh uses `taskset -c 0`); pdqhash and hash_rgb are single-threaded anyway.
"""
import argparse
import os
import pathlib
import statistics
import struct
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pdqhash  # noqa: E402
import PIL  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
ANCHORS = pathlib.Path(os.environ.get("PDQ_ANCHORS", ROOT.parent / "shared/anchors/pdq"))
DIRS = [ANCHORS / "images", ANCHORS / "lossless"]
EXTS = {".jpg", ".jpeg", ".png", ".webp"}


def images():
    out = []
    for d in DIRS:
        out += sorted(p for p in d.rglob("*") if p.is_file() and p.suffix.lower() in EXTS)
    return out


def pdq_hex(bits):
    # pdqhash's vector is bit 255 first: packing it most-significant-first gives the usual hex.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def decode_pil(path):
    with Image.open(path) as im:
        return np.ascontiguousarray(np.asarray(im.convert("RGB")))


def py_hash_pass(arrays):
    times = []
    for a in arrays:
        t = time.perf_counter_ns()
        pdqhash.compute(a)
        times.append(time.perf_counter_ns() - t)
    return times


def py_e2e_pass(paths):
    times = []
    for p in paths:
        t = time.perf_counter_ns()
        with Image.open(p) as im:
            a = np.asarray(im.convert("RGB"))
        pdqhash.compute(a)
        times.append(time.perf_counter_ns() - t)
    return times


def run_rust(binary, mode, path, reps, warmup):
    """Returns ({index: (w, h, hex, quality)}, [[ns per image] per rep])."""
    cmd = [binary, mode, str(path), "--reps", str(reps), "--warmup", str(warmup)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    hashes, times = {}, {}
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "hash":
            hashes[int(f[1])] = (int(f[2]), int(f[3]), f[4], int(f[5]))
        elif f[0] == "time":
            times.setdefault(int(f[1]), {})[int(f[2])] = int(f[3])
    n = len(hashes)
    return hashes, [[times[r][i] for i in range(n)] for r in sorted(times)]


def alternate(rounds, reps, py_pass, rust_run, warmup=1):
    """Rounds alternating which side goes first; returns the per-image times of every pass."""
    py, rust = [], []
    for r in range(rounds):
        def do_py():
            for _ in range(warmup):
                py_pass()
            py.extend(py_pass() for _ in range(reps))

        def do_rust():
            rust.extend(rust_run())

        for step in ((do_py, do_rust) if r % 2 == 0 else (do_rust, do_py)):
            step()
        print(f"  round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    return py, rust


def summary(passes, n, mpix):
    totals = [sum(p) / 1e9 for p in passes]
    med, best = statistics.median(totals), min(totals)
    return dict(passes=len(totals), med=med, best=best, ips=n / med, mps=mpix / med)


def print_table(title, n, mpix, py, rust):
    s_py, s_rs = summary(py, n, mpix), summary(rust, n, mpix)
    print(f"\n## {title}")
    print(f"{n} images, {mpix:.2f} megapixels per pass\n")
    print("| side | passes | median s/pass | best s/pass | images/s | megapixels/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, s in (("pdqhash 0.2.8 (Python)", s_py), ("vigie (Rust)", s_rs)):
        print(
            f"| {name} | {s['passes']} | {s['med']:.4f} | {s['best']:.4f} | "
            f"{s['ips']:.1f} | {s['mps']:.1f} |"
        )
    print(
        f"\nratio vigie / pdqhash: {s_py['med'] / s_rs['med']:.2f}x (median pass), "
        f"{s_py['best'] / s_rs['best']:.2f}x (best pass)"
    )
    return s_py["med"] / s_rs["med"]


def print_buckets(sizes, py, rust):
    """Per size class: sum over the images of each one's median time across passes."""
    med_py = [statistics.median(p[i] for p in py) for i in range(len(sizes))]
    med_rs = [statistics.median(p[i] for p in rust) for i in range(len(sizes))]
    buckets = [
        (">= 1 MP (1600x1004 photos, 2000x1404, 1023x700)", lambda px: px >= 700_000),
        ("100 kP - 700 kP (512x512, 640x480, 924x735...)", lambda px: 100_000 <= px < 700_000),
        ("20 kP - 100 kP (256x256, 300x200...)", lambda px: 20_000 <= px < 100_000),
        ("< 20 kP (tiny: 4x4 ... 160x100)", lambda px: px < 20_000),
    ]
    print("\nBy image size (per image: median over passes; µs per image = mean over the class):\n")
    print("| size class | images | pdqhash µs/image | vigie µs/image | pdqhash MP/s | vigie MP/s | ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, pred in buckets:
        idx = [i for i, (w, h) in enumerate(sizes) if pred(w * h)]
        if not idx:
            continue
        tp = sum(med_py[i] for i in idx) / 1e9
        tr = sum(med_rs[i] for i in idx) / 1e9
        mp = sum(sizes[i][0] * sizes[i][1] for i in idx) / 1e6
        print(
            f"| {name} | {len(idx)} | {tp / len(idx) * 1e6:.0f} | {tr / len(idx) * 1e6:.0f} | "
            f"{mp / tp:.1f} | {mp / tr:.1f} | {tp / tr:.2f}x |"
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="target/release/examples/hash_bench")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=3, help="timed passes per side per round")
    ap.add_argument("--e2e-rounds", type=int, default=3)
    ap.add_argument("--no-e2e", action="store_true")
    args = ap.parse_args()

    paths = images()
    rel = [str(p.relative_to(ANCHORS)) for p in paths]
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(
        f"python {sys.version.split()[0]}, pdqhash {pdqhash.__version__}, numpy {np.__version__}, "
        f"Pillow {PIL.__version__}; CPU affinity {affinity}"
    )
    print(f"images: {len(paths)} files under {ANCHORS}/{{images,lossless}}")

    arrays = [decode_pil(p) for p in paths]
    sizes = [(a.shape[1], a.shape[0]) for a in arrays]
    mpix = sum(w * h for w, h in sizes) / 1e6

    with tempfile.TemporaryDirectory(prefix="vigie-hashbench-") as tmp:
        pix = pathlib.Path(tmp) / "pixels.bin"
        with open(pix, "wb") as f:
            f.write(struct.pack("<I", len(arrays)))
            for a in arrays:
                f.write(struct.pack("<II", a.shape[1], a.shape[0]))
                f.write(a.tobytes())
        lst = pathlib.Path(tmp) / "files.txt"
        lst.write_text("".join(f"{p}\n" for p in paths))

        # Correctness on identical pixels.
        rust_hashes, _ = run_rust(args.bin, "pixels", pix, 0, 0)
        py_hashes = []
        for a in arrays:
            bits, q = pdqhash.compute(a)
            py_hashes.append((pdq_hex(bits), int(q)))
        same = [i for i in range(len(arrays)) if rust_hashes[i][2:] == py_hashes[i]]
        print(
            f"\nhashes from the same pixels: {len(same)} of {len(arrays)} identical "
            f"(hash and quality)"
        )
        for i in range(len(arrays)):
            if i not in same:
                print(f"  DIFFERENT {rel[i]}: pdqhash {py_hashes[i]} vigie {rust_hashes[i][2:]}")

        print(
            f"\nhashing from decoded pixels: {args.rounds} rounds x {args.reps} timed passes per side",
            file=sys.stderr,
        )
        py, rust = alternate(
            args.rounds,
            args.reps,
            lambda: py_hash_pass(arrays),
            lambda: run_rust(args.bin, "pixels", pix, args.reps, 1)[1],
        )
        print_table("Hashing from decoded pixels (one core)", len(arrays), mpix, py, rust)
        print_buckets(sizes, py, rust)

        if not args.no_e2e:
            e2e_hashes, _ = run_rust(args.bin, "files", lst, 0, 0)
            failed = [i for i in range(len(paths)) if e2e_hashes[i][2].startswith("ERROR")]
            ok = [i for i in range(len(paths)) if i not in failed]
            print(
                f"\nend to end: {args.e2e_rounds} rounds x {args.reps} timed passes per side",
                file=sys.stderr,
            )
            py_e, rust_e = alternate(
                args.e2e_rounds,
                args.reps,
                lambda: py_e2e_pass(paths),
                lambda: run_rust(args.bin, "files", lst, args.reps, 1)[1],
            )
            # Only the files both sides decode.
            py_e = [[p[i] for i in ok] for p in py_e]
            rust_e = [[p[i] for i in ok] for p in rust_e]
            mp_ok = sum(sizes[i][0] * sizes[i][1] for i in ok) / 1e6
            print_table(
                "End to end: decode + hash from the file (PIL + pdqhash vs vigie decode_file + "
                "hash_rgb; one core)",
                len(ok),
                mp_ok,
                py_e,
                rust_e,
            )
            for i in failed:
                print(f"  excluded (vigie decode failed): {rel[i]}: {e2e_hashes[i][2]}")
            exact = sum(1 for i in ok if e2e_hashes[i][2:] == py_hashes[i])
            dists = [
                bin(int(e2e_hashes[i][2], 16) ^ int(py_hashes[i][0], 16)).count("1") for i in ok
            ]
            print(
                f"end-to-end hashes (each side's own decoder): {exact} of {len(ok)} identical "
                f"(hash and quality); the others:"
            )
            for i, d in zip(ok, dists):
                if e2e_hashes[i][2:] != py_hashes[i]:
                    print(
                        f"  {rel[i]}: distance {d}, quality pdqhash {py_hashes[i][1]} "
                        f"vigie {e2e_hashes[i][3]}"
                    )


if __name__ == "__main__":
    main()
