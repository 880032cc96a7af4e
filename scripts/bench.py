#!/usr/bin/env python3
"""Speed and scale figures (issue 5), each the median of several runs on this machine.

Every figure is measured side by side with what it is compared against, in the
same run and alternating, so a busy machine slows both alike. Sections:

  cold      whole `qa ask --json` process on a ~10k-chunk index, ONNX encoder vs
            sentence-transformers (the same index without its stored encoder)
  batch     `qa ask - --json` with 200 questions on stdin: questions/s of the process
  warm100k  Assistant.load() then ask() in one process, 100k chunks: p50/p99, embed vs retrieve
  build     `qa index --full` of 12 SQuAD articles (~500 paragraphs): this code against the
            code before issue 18 (--baseline, or a git worktree at its commit), alternating;
            and the encoder share of the in-process build
  tui       `qa chat` in a pseudo-terminal, question typed at once: spawn to first answer card
  fast      the stored int8 ONNX encoder vs a float32 export: texts/s and mean cosine between their vectors
  scale1m   1M-chunk synthetic index (size: --scale-chunks): warm p50, RSS, recall@10 vs exact search
  milvus    --store milvus (Milvus Lite) vs local at MILVUS_CHUNKS synthetic chunks: warm p50/p99, alternating,
            and the Milvus build time; `qa index --full` of 12 SQuAD articles with --ray local vs in process
  scoped    the warm 100k index asked unscoped, in a wide (~50%) and a narrow (~1%) scope, alternating:
            p50 ratios to unscoped, and recall@10 of the chunk search within each scope vs exact

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
SECTIONS = ("cold", "batch", "warm100k", "build", "tui", "fast", "scale1m", "scoped", "milvus")
MILVUS_CHUNKS = 20_000  # the milvus section's size: Milvus Lite builds and answers it in minutes on 2 cores
COLD_QUESTION = "What causes higher noise in gene expression?"
TUI_QUESTION = "When did IS-KP announce its formation?"
BASELINE_COMMIT = "84aaec0"  # the last commit before issue 18 (one encoder pass per chunk, int8 encoder)


class Bench:
    """Shared state of one run: the model, the cached indexes, the questions."""

    def __init__(self, runs: int, scale_chunks: int, refit: bool = False, baseline: Path | None = None):
        from qa.config import default_model_dir
        from qa.models.embedder import model_identity

        os.environ["HF_HUB_OFFLINE"] = "1"
        self.runs = runs
        self.scale_chunks = scale_chunks
        self.baseline = baseline  # a checkout of the code before issue 18 (build section), else one is made
        self.baseline_commit = BASELINE_COMMIT
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
        # A cached index read by an older version of qa's reading is read again by the first
        # `qa ask`; that update is not what a timed question costs, so it happens here, untimed.
        self.qa("index", "--corpus", str(built.corpus_dir), "--index", str(built.index_dir))
        return built

    def baseline_src(self) -> Path:
        """The source tree of the code before issue 18: --baseline, or a worktree made at its commit."""
        if self.baseline is not None:
            return self.baseline / "src"
        tree = CACHE / f"baseline-{self.baseline_commit}"
        if not (tree / "src" / "qa").is_dir():
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), self.baseline_commit], check=True)
        return tree / "src"

    def qa(self, *args: str, stdin: str | None = None, src: Path | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "qa", *args], input=stdin, capture_output=True, text=True, env=child_env(src)
        )
        if result.returncode != 0:
            sys.exit(f"qa {' '.join(args)} failed:\n{result.stderr}")
        return result


def child_env(src: Path | None = None) -> dict[str, str]:
    src = str(src or ROOT / "src")
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
    """A full `qa index --full` of a fixed corpus, this code against the code before issue 18, alternating.

    The corpus: the first 12 SQuAD dev articles, one file each (~500 paragraphs).
    Each side is a whole `qa index --full` process on its own index folder, run
    with its own source tree on the same interpreter; each side's first build
    (which exports its ONNX encoder through torch) is not timed, so both then
    embed through their stored encoder, as a user's rebuilds do. Throughput is
    paragraphs per second of the process. Then the encoder share of an in-process
    build of the same corpus with this code (the rest: reading, chunking on the
    tokenizer, sentence splitting, SQLite + FTS5, FAISS).
    """
    corpus = squad_corpus(CACHE / "build-squad12" / "corpus", 12)
    paragraphs = int((corpus.parent / "PARAGRAPHS").read_text())
    sides = {"this code": ROOT / "src", f"before issue 18 ({bench.baseline_commit})": bench.baseline_src()}
    indexes = {name: CACHE / "build-squad12" / f"index-{n}" for n, name in enumerate(sides)}
    for name, src in sides.items():  # untimed: builds (and exports the encoder) once
        bench.qa("index", "--full", "--corpus", str(corpus), "--index", str(indexes[name]), src=src)
    seconds = {name: [] for name in sides}
    for _ in range(bench.runs):
        for name, src in sides.items():
            started = time.perf_counter()
            bench.qa("index", "--full", "--corpus", str(corpus), "--index", str(indexes[name]), src=src)
            seconds[name].append(time.perf_counter() - started)
    new, old = (statistics.median(seconds[name]) for name in sides)
    figures = [
        Figure("build", f"qa index --full, {paragraphs} SQuAD paragraphs, {name}", paragraphs / statistics.median(runs), "par/s", None, None,
               [round(paragraphs / r, 2) for r in runs])
        for name, runs in seconds.items()
    ]
    figures.append(Figure("build", "throughput over the code before issue 18", old / new, "x", ">=", 2.5))
    shares, walls, report = [], [], None
    for _ in range(bench.runs):
        report, encoder_s = timed_build(corpus, indexes["this code"])
        shares.append(encoder_s / report.seconds)
        walls.append(report.seconds)
    figures += [
        Figure("build", f"in-process build ({report.chunks:,} chunks): encoder share", statistics.median(shares), "%", ">=", 0.95, shares),
        Figure("build", "in-process build wall time", statistics.median(walls), "s", None, None, walls),
    ]
    return figures


def squad_corpus(folder: Path, articles: int) -> Path:
    """The first `articles` SQuAD dev articles as .txt files (title, then paragraphs); ../PARAGRAPHS holds their count."""
    if not (folder.parent / "PARAGRAPHS").is_file():
        data = json.loads(bench_corpus.SQUAD_FILE.read_text(encoding="utf-8"))["data"][:articles]
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for n, article in enumerate(data):
            body = [article["title"].replace("_", " ")] + [p["context"].strip() for p in article["paragraphs"]]
            (folder / f"{n:02d}.txt").write_text("\n\n".join(body) + "\n", encoding="utf-8")
        (folder.parent / "PARAGRAPHS").write_text(str(sum(len(a["paragraphs"]) for a in data)))
    return folder


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
    """The stored int8 encoder (onnx_encoder._quantize) vs a float32 export of the same graph, 500 chunk texts, alternating."""
    import numpy as np

    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir

    int8_dir = encoder_dir(bench.default_index(), bench.model_id)
    fp32_dir = float32_encoder(CACHE / "fast-fp32", bench)
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
        Figure("fast", "int8 encoder (the one indexes store), same texts", int8_rate, "texts/s", None, None, rates["int8"]),
        Figure("fast", "int8 throughput over fp32", int8_rate / fp32_rate, "x", None, None),
        Figure("fast", "mean cosine int8 vs fp32 vectors", cosine, "", ">=", 0.99),
    ]


def float32_encoder(index_dir: Path, bench: Bench) -> Path:
    from qa.models.embedder import SentenceTransformerEmbedder
    from qa.models.onnx_encoder import encoder_dir, export_encoder, has_encoder

    if not has_encoder(index_dir, bench.model_id):
        export_encoder(SentenceTransformerEmbedder(bench.model_dir), index_dir, quantize=False)
    return encoder_dir(index_dir, bench.model_id)


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
    figures = [
        Figure("scale1m", f"synthetic build {label}", info["build_s"], "s", None, None),
        Figure("scale1m", "  of which synthetic embedding", info["build_embed_s"], "s", None, None),
        Figure("scale1m", "load index + encoder", probe["load_s"], "s", None, None),
        Figure("scale1m", "warm ask p50", probe["p50_ms"], "ms", None, None),
        Figure("scale1m", "warm ask p99", probe["p99_ms"], "ms", None, None),
        Figure("scale1m", "  read from disk per question", probe["disk_kb_per_question"], "KB", None, None),
        Figure("scale1m", "RSS after load + questions", probe["rss_mb"], "MB", None, None),
        Figure("scale1m", "peak RSS (VmHWM)", probe["peak_rss_mb"], "MB", None, None),
        Figure("scale1m", "recall@10 of chunk search vs exact", probe["recall_at_10"], "", None, None),
        Figure("scale1m", f"vector index: {probe['vector_index']}", None, "", None, None),
    ]
    # The index files (gigabytes) may all sit in the page cache after the build, which a
    # machine with less free memory would not offer: ask again with that cache emptied.
    if _drop_page_cache():
        cold = probe_warm(built.corpus_dir, built.index_dir, 200, recall=False)
        figures += [
            Figure("scale1m", "page cache emptied first: warm ask p50", cold["p50_ms"], "ms", None, None),
            Figure("scale1m", "  p99", cold["p99_ms"], "ms", None, None),
            Figure("scale1m", "  read from disk per question", cold["disk_kb_per_question"], "KB", None, None),
        ]
    else:
        print("scale1m: the page cache cannot be emptied (needs root): only the cached-files figures", file=sys.stderr)
    return figures


def _drop_page_cache() -> bool:
    """Empty the kernel's page cache (root only), so index files are read from disk again."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


def scoped(bench: Bench) -> list[Figure]:
    """A scoped question against an unscoped one on the warm 100k-chunk index (issue 15).

    One process, as the chat holds the index: each question is asked unscoped, in
    the wide scope and in the narrow one, in rotating order, so load on the machine
    slows all three alike. Wide: 5 of the 11 folders plus the short last one (~52%
    of the documents); narrow: 104 files named one by one (~1%). Recall@10: for 200
    query vectors of the synthetic embedder, the scoped chunk search's top 10
    against exact numpy search over the true vectors of the scope's chunks.
    """
    from qa.assistant import Assistant
    from qa.config import load_settings
    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir
    from bench_measure import TimedEmbedder, percentile

    built = bench.synthetic(100_000)
    settings = load_settings(corpus=str(built.corpus_dir), index=str(built.index_dir))
    encoder = TimedEmbedder(OnnxEmbedder(encoder_dir(settings.index_dir, bench.model_id)))
    assistant = Assistant(settings, embedder_factory=lambda s: encoder)
    loaded = assistant.load()
    folders = sorted(p.name for p in built.corpus_dir.iterdir() if p.is_dir())
    wide_folders = folders[:5] + folders[-1:]
    narrow_files = [f"{folders[3]}/{name}" for name in sorted(os.listdir(built.corpus_dir / folders[3]))[:104]]
    scopes = {"unscoped": assistant.scope(), "wide": assistant.scope(paths=wide_folders), "narrow": assistant.scope(paths=narrow_files)}
    documents = {name: loaded.select(scope).documents if name != "unscoped" else loaded.manifest["documents"] for name, scope in scopes.items()}
    questions = bench.questions
    for question in questions[:5]:
        for scope in scopes.values():
            assistant.ask(question, scope=scope)
    passes = []
    for run in range(bench.runs):
        totals = {name: [] for name in scopes}
        retrieve = {name: [] for name in scopes}
        for number, question in enumerate(questions):
            names = list(scopes)
            shift = (number + run) % len(names)
            for name in names[shift:] + names[:shift]:
                encoder.seconds = 0.0
                began = time.perf_counter()
                assistant.ask(question, scope=scopes[name])
                elapsed = 1000 * (time.perf_counter() - began)
                totals[name].append(elapsed)
                retrieve[name].append(elapsed - 1000 * encoder.seconds)
        passes.append({name: (percentile(totals[name], 50), percentile(retrieve[name], 50)) for name in scopes})
    recall = _scoped_recall(loaded, built.index_dir, bench.model_id, scopes, questions[:200])
    med = lambda name, part: statistics.median(p[name][part] for p in passes)  # noqa: E731
    figures = [Figure("scoped", f"unscoped ask p50 ({documents['unscoped']:,} documents, {built.info['chunks']:,} chunks)", med("unscoped", 0), "ms", None, None)]
    for name in ("wide", "narrow"):
        share = documents[name] / documents["unscoped"]
        ratios = [p[name][0] / p["unscoped"][0] for p in passes]
        figures += [
            Figure("scoped", f"{name} scope ask p50 ({documents[name]:,} documents, {share:.0%})", med(name, 0), "ms", None, None),
            Figure("scoped", f"  {name} / unscoped p50", statistics.median(ratios), "x", "<=", 1.5, ratios),
            Figure("scoped", f"  {name}: retrieve + rank p50 (unscoped {med('unscoped', 1):.1f} ms)", med(name, 1), "ms", None, None),
            Figure("scoped", f"  {name}: recall@10 of chunk search within the scope vs exact", recall[name], "", ">=", 0.95),
        ]
    return figures


def _scoped_recall(loaded, index_dir: Path, model_id: str, scopes: dict, questions: list[str]) -> dict[str, float]:
    """Share of the exact top 10 within each scope that the scoped chunk search returns (ties count, as in scale1m)."""
    import numpy as np

    embedder = bench_corpus.ClusteredEmbedder(model_id)
    ids, vectors = bench_corpus.exact_chunk_vectors(index_dir, embedder)
    queries = embedder.embed_batch(questions)
    recall = {}
    for name, scope in scopes.items():
        if name == "unscoped":
            continue
        within = loaded.select(scope)
        rows = np.searchsorted(ids, within.chunk_ids)
        scope_vectors = vectors[rows]
        found = 0
        for query in queries:
            exact = scope_vectors @ query
            tenth = np.partition(exact, -10)[-10]
            returned = np.array([chunk_id for chunk_id, _ in loaded.dense_search(query, 10, within)], dtype=np.int64)
            found += int(np.sum(exact[np.searchsorted(within.chunk_ids, returned)] >= tenth - 1e-6))
        recall[name] = found / (10 * len(queries))
    return recall


def milvus(bench: Bench) -> list[Figure]:
    """The same synthetic corpus in the local index and in Milvus Lite, asked warm, alternating;
    then a real-model build of 12 SQuAD articles embedded on a local Ray cluster vs in process."""
    from qa.config import Settings
    from qa.index.indexer import update_index
    from qa.ingest.tokens import WordPieceCounter

    built = bench.synthetic(MILVUS_CHUNKS)
    store_file = CACHE / f"milvus-{MILVUS_CHUNKS}" / "qa.db"
    store = f"milvus:{store_file}"
    marker = store_file.parent / "BUILT"
    figures = []
    if not marker.is_file():
        shutil.rmtree(store_file.parent, ignore_errors=True)
        store_file.parent.mkdir(parents=True)
        embedder = bench_corpus.ClusteredEmbedder(bench.model_id)
        settings = Settings(corpus_dir=built.corpus_dir, index_dir=built.index_dir, model_dir=bench.model_dir, store=store)
        report = update_index(settings, bench.model_id, lambda: embedder, lambda: WordPieceCounter(bench.model_dir), full=True)
        from qa.index.milvus_store import close_clients

        close_clients()  # the warm probes open the Lite file from their own processes
        marker.write_text(json.dumps({"build_s": report.seconds, "embed_s": embedder.seconds, "chunks": report.chunks}))
    info = json.loads(marker.read_text())
    local_info = built.info
    figures.append(Figure("milvus", f"build of {info['chunks']:,} chunks, synthetic vectors: local", local_info["build_s"], "s", None, None))
    figures.append(Figure("milvus", "  the same into Milvus Lite", info["build_s"], "s", None, None))
    passes = {"local": [], "Milvus Lite": []}
    for _ in range(bench.runs):
        passes["local"].append(probe_warm(built.corpus_dir, built.index_dir, 200, recall=False))
        passes["Milvus Lite"].append(probe_warm(built.corpus_dir, built.index_dir, 200, recall=False, store=store))
    for name, runs in passes.items():
        for key in ("p50_ms", "p99_ms"):
            figures.append(Figure("milvus", f"warm ask {key[:3]}, {info['chunks']:,} chunks, {name}",
                                  statistics.median(p[key] for p in runs), "ms", None, None, [p[key] for p in runs]))
    corpus = squad_corpus(CACHE / "build-squad12" / "corpus", 12)
    paragraphs = int((corpus.parent / "PARAGRAPHS").read_text())
    index = CACHE / "build-squad12" / "index-ray"
    bench.qa("index", "--full", "--corpus", str(corpus), "--index", str(index))  # untimed: exports the encoder
    seconds: dict[str, list[float]] = {"in process": [], "--ray local": []}
    actors = ""
    for _ in range(bench.runs):
        for name, extra in (("in process", ()), ("--ray local", ("--ray", "local"))):
            started = time.perf_counter()
            result = bench.qa("index", "--full", "--corpus", str(corpus), "--index", str(index), *extra)
            seconds[name].append(time.perf_counter() - started)
            if extra:
                actors = result.stdout.split(" on Ray (")[1].split(")")[0]
    for name, runs in seconds.items():
        label = f"{name} ({actors}, cluster start included)" if name != "in process" else name
        figures.append(Figure("milvus", f"qa index --full, {paragraphs} SQuAD paragraphs, {label}", paragraphs / statistics.median(runs),
                              "par/s", None, None, [round(paragraphs / r, 2) for r in runs]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median reported)")
    parser.add_argument("--json-out", type=Path, default=CACHE / "results.json")
    parser.add_argument("--scale-chunks", type=int, default=1_000_000, help="size of the scale1m index")
    parser.add_argument(
        "--refit-vectors", action="store_true", help="scale1m: rewrite the cached index's vector files with the current qa.index.vectors first"
    )
    parser.add_argument(
        "--baseline", type=Path, help=f"build: a checkout of the code before issue 18 (default: a git worktree at {BASELINE_COMMIT} under index/bench)"
    )
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    bench = Bench(max(1, args.runs), args.scale_chunks, args.refit_vectors, args.baseline)
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
