#!/usr/bin/env python3
"""Full build versus one-file update on a generated corpus, with the real model.

Generates a corpus of N files (default 1,000) of report-like text, then, in one
run, times whole `qa index` processes side by side:
  - the first build (fresh index folder: sentence-transformers + ONNX export),
  - full rebuilds (`qa index --full`, same encoder as updates use),
  - updates after changing one file (`qa index`),
and prints medians and the update/full ratio (target: under 5%).

Usage: .venv/bin/python scripts/bench_index.py [--files 1000] [--runs 3] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))


def generate_corpus(folder: Path, files: int, seed: int = 7) -> None:
    """Files of 3-5 paragraphs of sentences recombined from the default corpus's vocabulary."""
    rng = random.Random(seed)
    words = [w for w in SEED_TEXT.split() if w.isalpha()]
    for i in range(files):
        paragraphs = []
        for _ in range(rng.randint(3, 5)):
            sentences = []
            for _ in range(rng.randint(3, 6)):
                sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 22)))
                sentences.append(sentence[0].upper() + sentence[1:] + ".")
            paragraphs.append(" ".join(sentences))
        sub = folder / f"region-{i % 20:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"report-{i:04d}.txt").write_text(f"Report {i}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "qa", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"qa {' '.join(args)} failed:\n{result.stderr}")
    print(f"  qa {' '.join(args):<12} {elapsed:7.2f} s   {result.stdout.strip()}", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        generate_corpus(corpus, args.files)
        env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
        print(f"corpus: {args.files} files, {sum(p.stat().st_size for p in corpus.rglob('*.txt')) / 1e6:.1f} MB")
        first = timed(["index"], env)
        fulls, updates = [], []
        for run in range(args.runs):
            fulls.append(timed(["index", "--full"], env))
            target = corpus / "region-03" / "report-0003.txt"
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(f"\nAn added finding number {run} about border security and recruitment.\n")
            updates.append(timed(["index"], env))
        full, update = statistics.median(fulls), statistics.median(updates)
        figures = {
            "files": args.files,
            "first_build_s": round(first, 2),
            "full_rebuild_median_s": round(full, 2),
            "update_one_file_median_s": round(update, 2),
            "update_over_full": round(update / full, 4),
            "runs": args.runs,
        }
    print(json.dumps(figures, indent=2))
    print(f"update after changing one file costs {100 * update / full:.1f}% of a full build (target < 5%)")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
