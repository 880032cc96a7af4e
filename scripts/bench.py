#!/usr/bin/env python3
"""Speed and scale figures (issue 5), each the median of several runs on this machine.

Every figure is measured side by side with what it is compared against, in the
same run and alternating, so a busy machine slows both alike. Sections:

  cold      whole `qa ask --json` process on a ~10k-chunk index, ONNX encoder vs
            sentence-transformers (the same index without its stored encoder)
  batch     `qa ask - --json` with 200 questions on stdin: questions/s of the process
  warm100k  Assistant.load() then ask() in one process, 100k chunks: p50/p99, embed vs retrieve
  build     full build of the default corpus and of a ~2,000-chunk corpus: encoder share
            of the in-process build, and the `qa index --full` process time
  tui       `qa chat` in a pseudo-terminal, question typed at once: spawn to first answer card
  fast      int8-quantized ONNX encoder vs fp32: texts/s and mean cosine between their vectors
  scale1m   1M-chunk synthetic index (size: --scale-chunks): warm p50, RSS, recall@10 vs exact search

Generated corpora and indexes are cached under index/bench/ so reruns are quick.

Usage: PYTHONPATH=src .venv/bin/python scripts/bench.py [--only cold,batch,...] [--runs 5]
           [--json-out index/bench/results.json] [--scale-chunks 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_corpus  # noqa: E402  (a sibling script, not a package)
from bench_measure import Figure, chat_to_first_answer, print_table, probe_warm, timed_build  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "index" / "bench"
SECTIONS = ("cold", "batch", "warm100k", "build", "tui", "fast", "scale1m")
COLD_QUESTION = "What causes higher noise in gene expression?"
TUI_QUESTION = "When did IS-KP announce its formation?"


class Bench:
    """Shared state of one run: the model, the cached indexes, the questions."""

    def __init__(self, runs: int, scale_chunks: int, refit: bool = False):
        from qa.config import default_model_dir
        from qa.models.embedder import model_identity

        os.environ["HF_HUB_OFFLINE"] = "1"
        self.runs = runs
        self.scale_chunks = scale_chunks
        self.refit = refit  # re-fit the cached scale index's vector files (after a change to qa.index.vectors)
        self.model_dir = default_model_dir()
        self.model_id = model_identity(self.model_dir)
        self.questions = bench_corpus.questions(300)
        self._pool = None

    def default_index(self) -> Path:
        """The default corpus indexed by `qa index` with the real model: the source of the ONNX encoder."""
        index = CACHE / "default"
        if not (index / "encoders").is_dir():
            self.qa("index", "--corpus", str(ROOT / "corpus"), "--index", str(index))
        return index

    def synthetic(self, chunks: int) -> bench_corpus.SyntheticIndex:
        """A synthetic index of ~`chunks` chunks that answers through the real ONNX encoder."""
        from qa.ingest.tokens import WordPieceCounter

        if self._pool is None:
            self._pool = bench_corpus.paragraph_pool()
        built = bench_corpus.build_synthetic_index(
            CACHE / f"synthetic-{chunks}", chunks, self.model_id, lambda: WordPieceCounter(self.model_dir), self.model_dir, self._pool
        )
        bench_corpus.install_encoder(built.index_dir, self.default_index())
        return built

    def qa(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "qa", *args], input=stdin, capture_output=True, text=True, env=child_env()
        )
        if result.returncode != 0:
            sys.exit(f"qa {' '.join(args)} failed:\n{result.stderr}")
        return result


def child_env() -> dict[str, str]:
    src = str(ROOT / "src")
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


def cold(bench: Bench) -> list[Figure]:
    """Whole-process wall time of one `qa ask --json`, ~10k chunks, alternating ONNX / sentence-transformers.

    The sentence-transformers side is the same index without `encoders/` (hard
    links to the same generation), so `qa` falls back as it would for an index
    built before ONNX export existed.
    """
    built = bench.synthetic(10_000)
    no_encoder = without_encoder(built.index_dir)
    onnx, torch = [], []
    for _ in range(bench.runs):
        onnx.append(ask_once(bench, built.corpus_dir, built.index_dir, fallback=False))
        torch.append(ask_once(bench, built.corpus_dir, no_encoder, fallback=True))
    onnx_s, torch_s = statistics.median(onnx), statistics.median(torch)
    return [
        Figure("cold", f"qa ask, ONNX encoder ({built.info['chunks']:,} chunks)", onnx_s, "s", "<=", 1.0, onnx),
        Figure("cold", "qa ask, sentence-transformers (same index)", torch_s, "s", None, None, torch),
        Figure("cold", "speed-up ONNX over sentence-transformers", torch_s / onnx_s, "x", ">=", 8.0),
    ]


def ask_once(bench: Bench, corpus: Path, index: Path, fallback: bool) -> float:
    """Seconds of one `qa ask --json` process; checks from stderr that it took the path meant."""
    started = time.perf_counter()
    result = bench.qa("ask", "--json", "--corpus", str(corpus), "--index", str(index), COLD_QUESTION)
    elapsed = time.perf_counter() - started
    said_fallback = "sentence-transformers" in result.stderr
    if said_fallback != fallback or (not fallback and result.stderr.strip()):
        sys.exit(f"qa ask did not take the {'fallback' if fallback else 'ONNX'} path as expected; stderr:\n{result.stderr}")
    return elapsed


def without_encoder(index_dir: Path) -> Path:
    """A copy of the index (hard links) without its stored ONNX encoder."""
    copy = index_dir.with_name(index_dir.name + "-no-encoder")
    current = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    if not (copy / current).is_dir():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(index_dir / current, copy / current, copy_function=os.link)
        shutil.copyfile(index_dir / "CURRENT", copy / "CURRENT")
    return copy


def batch(bench: Bench) -> list[Figure]:
    """Questions/s of one `qa ask - --json` process answering 200 SQuAD questions from stdin (~10k chunks)."""
    built = bench.synthetic(10_000)
    questions = bench.questions[:200]
    stdin = "\n".join(questions) + "\n"
    rates = []
    for _ in range(bench.runs):
        started = time.perf_counter()
        result = bench.qa("ask", "-", "--json", "--corpus", str(built.corpus_dir), "--index", str(built.index_dir), stdin=stdin)
        rates.append(len(questions) / (time.perf_counter() - started))
        assert result.stdout.count("\n") == len(questions)
    return [Figure("batch", f"qa ask -, {len(questions)} questions, one process", statistics.median(rates), "q/s", ">=", 50.0, rates)]


def warm100k(bench: Bench) -> list[Figure]:
    """Latency of Assistant.ask() with the index and encoder loaded (as in the TUI), 100k chunks.

    Runs in a fresh process: 5 warm-up questions, then 300 timed; each pass gives
    a p50 and a p99, the figure is their median over passes. "embed" is the time
    inside the encoder's embed_batch; "retrieve" the rest of ask().
    """
    built = bench.synthetic(100_000)
    passes = [probe_warm(built.corpus_dir, built.index_dir, len(bench.questions), recall=False) for _ in range(bench.runs)]
    med = lambda key: statistics.median(p[key] for p in passes)  # noqa: E731
    label = f"({built.info['chunks']:,} chunks)"
    return [
        Figure("warm100k", f"ask p50 {label}", med("p50_ms"), "ms", "<=", 30.0, [p["p50_ms"] for p in passes]),
        Figure("warm100k", f"ask p99 {label}", med("p99_ms"), "ms", "<=", 100.0, [p["p99_ms"] for p in passes]),
        Figure("warm100k", "  of which embed the question, p50", med("embed_p50_ms"), "ms", None, None),
        Figure("warm100k", "  of which retrieve + rank, p50", med("retrieve_p50_ms"), "ms", None, None),
    ]


def build(bench: Bench) -> list[Figure]:
    """Encoder share of a full build, in process, and the `qa index --full` process time.

    Encoder time = loading the encoder + every embed_batch call. The index already
    holds an ONNX encoder, so a full build embeds through it (as `qa index --full`
    does) and nothing is exported; all else (reading, chunking with the tokenizer,
    sentence splitting, SQLite + FTS5, FAISS) is overhead.
    """
    default = bench.default_index()
    corpora = {"default corpus": ROOT / "corpus", "~2k-chunk corpus": generated_corpus(CACHE / "build-2k" / "corpus", 2_000, bench)}
    figures = []
    for name, corpus in corpora.items():
        index = corpus.parent / "index" if name != "default corpus" else CACHE / "build-default"
        index.mkdir(parents=True, exist_ok=True)
        bench_corpus.install_encoder(index, default)
        shares, walls, processes, report = [], [], [], None
        for _ in range(bench.runs):
            report, encoder_s = timed_build(corpus, index)
            shares.append(encoder_s / report.seconds)
            walls.append(report.seconds)
            started = time.perf_counter()
            bench.qa("index", "--full", "--corpus", str(corpus), "--index", str(index))
            processes.append(time.perf_counter() - started)
        label = f"{name} ({report.chunks:,} chunks, {report.embedded:,} texts)"
        figures += [
            Figure("build", f"{label}: encoder share", statistics.median(shares), "%", ">=", 0.85, shares),
            Figure("build", f"{name}: in-process build", statistics.median(walls), "s", None, None, walls),
            Figure("build", f"{name}: qa index --full process", statistics.median(processes), "s", None, None, processes),
        ]
    return figures


def generated_corpus(folder: Path, chunks: int, bench: Bench) -> Path:
    if not folder.is_dir():
        bench_corpus.generate_corpus(folder, round(chunks / bench_corpus.CHUNKS_PER_FILE), bench_corpus.paragraph_pool())
    return folder


def tui(bench: Bench) -> list[Figure]:
    """`qa chat` in a 100x30 pseudo-terminal, the question typed at once: spawn to the first answer card.

    The card's border shows "score N.NN"; the split is spawn to the first full
    screen (textual imported, app mounted) and from there to the card.
    """
    index = bench.default_index()
    firsts, screens = [], []
    for _ in range(bench.runs):
        screen, answer = chat_to_first_answer(ROOT / "corpus", index, TUI_QUESTION, child_env())
        firsts.append(answer)
        screens.append(screen)
    return [
        Figure("tui", "qa chat: launch to first answer", statistics.median(firsts), "s", "<=", 2.0, firsts),
        Figure("tui", "  of which launch to first screen", statistics.median(screens), "s", None, None, screens),
    ]


def fast(bench: Bench) -> list[Figure]:
    """int8 (dynamic quantization, QInt8 weights) vs fp32 ONNX encoder on 500 chunk texts, alternating."""
    import numpy as np

    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir

    fp32_dir = encoder_dir(bench.default_index(), bench.model_id)
    int8_dir = quantized_encoder(fp32_dir, CACHE / "fast-int8")
    texts = chunk_texts(bench.synthetic(10_000).index_dir, 500)
    fp32, int8 = OnnxEmbedder(fp32_dir), OnnxEmbedder(int8_dir)
    fp32.embed_batch(texts[:32]), int8.embed_batch(texts[:32])  # first runs allocate
    rates = {"fp32": [], "int8": []}
    vectors = {}
    for _ in range(bench.runs):
        for name, encoder in (("fp32", fp32), ("int8", int8)):
            started = time.perf_counter()
            vectors[name] = encoder.embed_batch(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
    cosine = float(np.mean(np.sum(vectors["fp32"] * vectors["int8"], axis=1)))
    fp32_rate, int8_rate = statistics.median(rates["fp32"]), statistics.median(rates["int8"])
    return [
        Figure("fast", f"fp32 encoder, {len(texts)} chunk texts", fp32_rate, "texts/s", None, None, rates["fp32"]),
        Figure("fast", "int8 encoder, same texts", int8_rate, "texts/s", None, None, rates["int8"]),
        Figure("fast", "int8 throughput over fp32", int8_rate / fp32_rate, "x", ">=", 2.0),
        Figure("fast", "mean cosine int8 vs fp32 vectors", cosine, "", None, None),
    ]


def quantized_encoder(fp32_dir: Path, target: Path) -> Path:
    if not (target / "encoder.json").is_file():
        import logging

        from onnxruntime.quantization import QuantType, quantize_dynamic

        target.mkdir(parents=True, exist_ok=True)
        logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process first is about vision models
        quantize_dynamic(str(fp32_dir / "model.onnx"), str(target / "model.onnx"), weight_type=QuantType.QInt8)
        for name in ("tokenizer.json", "encoder.json"):  # encoder.json last: it marks a complete folder
            shutil.copyfile(fp32_dir / name, target / name)
    return target


def chunk_texts(index_dir: Path, limit: int) -> list[str]:
    import sqlite3

    from qa.index.generations import STORE_FILE, current_generation

    db = sqlite3.connect(f"{(current_generation(index_dir) / STORE_FILE).as_uri()}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT text FROM chunks ORDER BY id LIMIT ?", (limit,))]
    finally:
        db.close()


def scale1m(bench: Bench) -> list[Figure]:
    """A synthetic index of --scale-chunks chunks: warm p50, memory, and recall@10 of the chunk vector search.

    Recall: 200 query vectors from the synthetic embedder (questions' texts),
    the index's VectorIndex.search top 10 against exact numpy search over the
    vectors recomputed from the stored chunk texts. RSS is read after loading
    and answering, before the exact vectors are computed.
    """
    built = bench.synthetic(bench.scale_chunks)
    if bench.refit:
        bench_corpus.refit_vectors(built.index_dir, bench_corpus.ClusteredEmbedder(bench.model_id))
    probe = probe_warm(built.corpus_dir, built.index_dir, 200, recall=True)
    info = built.info
    label = f"({info['chunks']:,} chunks{', cached' if info['cached'] else ''})"
    return [
        Figure("scale1m", f"synthetic build {label}", info["build_s"], "s", None, None),
        Figure("scale1m", "  of which synthetic embedding", info["build_embed_s"], "s", None, None),
        Figure("scale1m", "load index + encoder", probe["load_s"], "s", None, None),
        Figure("scale1m", "warm ask p50", probe["p50_ms"], "ms", None, None),
        Figure("scale1m", "RSS after load + questions", probe["rss_mb"], "MB", None, None),
        Figure("scale1m", "peak RSS (VmHWM)", probe["peak_rss_mb"], "MB", None, None),
        Figure("scale1m", "recall@10 of chunk search vs exact", probe["recall_at_10"], "", None, None),
        Figure("scale1m", f"vector index: {probe['vector_index']}", None, "", None, None),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median reported)")
    parser.add_argument("--json-out", type=Path, default=CACHE / "results.json")
    parser.add_argument("--scale-chunks", type=int, default=1_000_000, help="size of the scale1m index")
    parser.add_argument(
        "--refit-vectors", action="store_true", help="scale1m: rewrite the cached index's vector files with the current qa.index.vectors first"
    )
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    bench = Bench(max(1, args.runs), args.scale_chunks, args.refit_vectors)
    results = {"runs": bench.runs, "cores": os.cpu_count(), "load_average_at_start": os.getloadavg()[0], "sections": {}}
    figures = []
    for name in chosen:
        started = time.perf_counter()
        section = globals()[name](bench)
        print(f"[{name}: {time.perf_counter() - started:.0f} s]", file=sys.stderr, flush=True)
        figures += section
        results["sections"][name] = [figure.as_json() for figure in section]
    results["load_average_at_end"] = os.getloadavg()[0]
    print_table(figures)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nmedians of {bench.runs} runs; load average {results['load_average_at_start']:.1f} -> "
          f"{results['load_average_at_end']:.1f} on {results['cores']} cores; written to {args.json_out}")


if __name__ == "__main__":
    main()
