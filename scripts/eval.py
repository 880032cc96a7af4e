#!/usr/bin/env python
"""Measure `qa`'s retrieval on BEIR SciFact and SQuAD v1.1 dev, and print the figures.

    python scripts/eval.py                  # every benchmark, test/report splits
    python scripts/eval.py --bench scifact  # one of: scifact, squad, noanswer

Each benchmark becomes a corpus folder (one file per document, title first) and
is indexed through `Assistant.update`, the path `qa index` takes. Indexes are
cached under index/eval/<benchmark>-<chunker>-<model>/ (git-ignored), so a rerun
only embeds the questions. Questions go through the retriever `qa ask` uses, in
three modes: dense only (chunk vectors), BM25 only (FTS5), and the default hybrid.

SciFact is scored per document: a document ranks where its best chunk ranks
(chunks are deduplicated after ranking). SQuAD counts a question as answered
when any gold answer text occurs in the passage(s).

No-answer protocol: the 48 SQuAD articles are split into half A (articles 0-23)
and half B (24-47), each indexed alone. Questions from B's report-sample
questions asked of index A have no answer there (absent); the same questions
asked of index B have their answer present. An absent question counts as caught
when `qa` says no_answer; a present one is wrongly refused when it says no_answer.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qa.search.answer import answer_question  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.config import ChunkerParams, RetrievalParams, Settings, default_model_dir  # noqa: E402
from qa.models.embedder import model_identity  # noqa: E402
from qa.evaluation import (  # noqa: E402
    answer_found,
    embed_questions,
    ranked_documents,
    read_qrels,
    read_queries,
    read_squad,
    run_questions,
    score_rankings,
    squad_halves,
    squad_report_sample,
    write_scifact_corpus,
    write_squad_corpus,
)

DATA = ROOT.parent / "shared" / "eval"
CACHE = ROOT / "index" / "eval"
MODES = ("dense", "bm25", "hybrid")
MODE_NAMES = {"dense": "dense only (MiniLM chunks)", "bm25": "BM25 only (FTS5 porter)", "hybrid": "qa default (hybrid)"}
# Chunks fetched per SciFact query: deep enough that ~100 distinct abstracts
# remain after mapping chunks to documents (abstracts are 1-4 chunks).
SCIFACT_CHUNKS = 300


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cache_folder(name: str, chunker: ChunkerParams, cache: Path) -> Path:
    """Where benchmark `name`'s corpus and index live: keyed by chunker settings and model identity."""
    model = model_identity(default_model_dir()).replace("@", "-")
    return cache / f"{name}-c{chunker.max_tokens}o{chunker.overlap_tokens}-{model}"


def cached_assistant(
    name: str, write_corpus, chunker: ChunkerParams, retrieval: RetrievalParams, cache: Path, seed: Path | None = None
) -> Assistant:
    """An assistant over benchmark `name`'s corpus, its index built once and reused while the key matches.

    With `seed` (a built index of a superset of this corpus), a missing index
    starts as a copy of it and the normal incremental update removes the
    documents this corpus lacks: the same index, without embedding it all again.
    """
    model_dir = default_model_dir()
    folder = cache_folder(name, chunker, cache)
    corpus_dir = folder / "corpus"
    write_corpus(corpus_dir)
    if seed is not None and not (folder / "index").exists() and (seed / "CURRENT").is_file():
        shutil.copytree(seed, folder / "index", ignore=shutil.ignore_patterns(".lock", ".building-*"))
    settings = Settings(corpus_dir, folder / "index", model_dir, chunker=chunker, retrieval=retrieval)
    assistant = Assistant(settings)
    started = time.perf_counter()
    preparation = assistant.prepare(update=True, progress=lambda m: log(f"[{name}] {m}"))
    if preparation.report is not None:
        log(f"[{name}] index ready in {time.perf_counter() - started:.0f} s ({preparation.report.chunks} chunks)")
    return assistant


def scifact_assistant(data: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams) -> Assistant:
    return cached_assistant(
        "scifact", lambda out: write_scifact_corpus(data / "scifact" / "corpus.jsonl", out), chunker, retrieval, cache
    )


def squad_assistant(data: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams, half: str = "") -> Assistant:
    articles, _ = read_squad(data / "squad" / "dev-v1.1.json")
    keep = {"": None, "A": squad_halves(len(articles))[0], "B": squad_halves(len(articles))[1]}[half]
    name = f"squad{'-half' + half if half else ''}"
    seed = cache_folder("squad", chunker, cache) / "index" if half else None
    return cached_assistant(name, lambda out: write_squad_corpus(articles, out, keep), chunker, retrieval, cache, seed)


def scifact_rankings(assistant: Assistant, queries: dict[str, str], mode: str, vectors) -> dict[str, list[str]]:
    """Each query's documents in order of their best chunk (all of them, before the cut at 100)."""
    ids = list(queries)
    runs = run_questions(assistant.load(), mode, [queries[q] for q in ids], vectors, assistant.settings.retrieval, SCIFACT_CHUNKS)
    return {q: ranked_documents(run) for q, run in zip(ids, runs)}


def evaluate_scifact(data: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams, split: str) -> None:
    assistant = scifact_assistant(data, cache, chunker, retrieval)
    qrels = read_qrels(data / "scifact" / "qrels" / f"{split}.tsv")
    all_queries = read_queries(data / "scifact" / "queries.jsonl")
    queries = {q: all_queries[q] for q in sorted(qrels, key=int)}
    vectors = embed_questions(assistant.embedder, list(queries.values()))
    print(f"\nSciFact, {split} split: {len(queries)} queries, 5,183 abstracts; a document ranks at its best chunk")
    print(f"| {'system':34} | nDCG@10 | recall@10 | recall@100 | MRR@10 | fewest docs ranked |")
    print(f"|{'-' * 36}|---------|-----------|------------|--------|--------------------|")
    for mode in MODES:
        rankings = scifact_rankings(assistant, queries, mode, vectors)
        scores = score_rankings({q: ranked[:100] for q, ranked in rankings.items()}, qrels)
        # Recall@100 is only honest when every query ranked at least 100 documents.
        fewest = min(len(ranked) for ranked in rankings.values())
        print(
            f"| {MODE_NAMES[mode]:34} | {scores.ndcg10:7.3f} | {scores.recall10:9.3f} | {scores.recall100:10.3f} "
            f"| {scores.mrr10:6.3f} | {fewest:18d} |"
        )


def evaluate_squad(data: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams) -> None:
    assistant = squad_assistant(data, cache, chunker, retrieval)
    _, questions = read_squad(data / "squad" / "dev-v1.1.json")
    sample = squad_report_sample(questions)
    vectors = embed_questions(assistant.embedder, [q.question for q in sample])
    print(f"\nSQuAD v1.1 dev: {len(sample)} questions (random.seed(7) sample), corpus = the 48 articles")
    print(f"| {'system':34} | answer@1 | answer@5 |")
    print(f"|{'-' * 36}|----------|----------|")
    for mode in MODES:
        runs = run_questions(assistant.load(), mode, [q.question for q in sample], vectors, retrieval, 5)
        at1 = sum(answer_found(q.answers, [c.chunk.text for c in run[:1]]) for q, run in zip(sample, runs)) / len(sample)
        at5 = sum(answer_found(q.answers, [c.chunk.text for c in run[:5]]) for q, run in zip(sample, runs)) / len(sample)
        print(f"| {MODE_NAMES[mode]:34} | {at1:8.3f} | {at5:8.3f} |")


def evaluate_no_answer(data: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams) -> None:
    articles, questions = read_squad(data / "squad" / "dev-v1.1.json")
    half_a, half_b = squad_halves(len(articles))
    asked = [q for q in squad_report_sample(questions) if q.article in half_b]
    without = squad_assistant(data, cache, chunker, retrieval, "A")
    with_answers = squad_assistant(data, cache, chunker, retrieval, "B")
    refused_absent = sum(answer_question(without.load(), without.embedder, without.settings, q.question).no_answer for q in asked)
    refused_present = sum(
        answer_question(with_answers.load(), with_answers.embedder, with_answers.settings, q.question).no_answer for q in asked
    )
    n = len(asked)
    print(f"\nNo-answer decision: {n} report-sample questions from articles {half_b[0]}-{half_b[-1]}, `qa ask`'s answer path")
    print("| asked of | answer is | says no_answer | should |")
    print("|---|---|---|---|")
    print(f"| index of articles {half_a[0]}-{half_a[-1]} | absent | {refused_absent / n:.3f} ({refused_absent}/{n}) | high (>= 0.80) |")
    print(f"| index of articles {half_b[0]}-{half_b[-1]} | present | {refused_present / n:.3f} ({refused_present}/{n}) | low (<= 0.05) |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", choices=("scifact", "squad", "noanswer"), action="append", help="default: all three")
    parser.add_argument("--split", choices=("test", "train"), default="test", help="SciFact qrels to score (default test)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"benchmark folder (default {DATA})")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where built indexes are kept (default {CACHE})")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the cached indexes and stop")
    args = parser.parse_args(argv)
    benches = args.bench or ["scifact", "squad", "noanswer"]
    chunker, retrieval = ChunkerParams(), RetrievalParams()
    started = time.perf_counter()
    if args.build_only:
        for bench in benches:
            if bench == "scifact":
                scifact_assistant(args.data, args.cache, chunker, retrieval)
            elif bench == "squad":
                squad_assistant(args.data, args.cache, chunker, retrieval)
            else:
                for half in "AB":
                    squad_assistant(args.data, args.cache, chunker, retrieval, half)
        return 0
    print(f"qa retrieval evaluation; chunker {chunker}; retrieval {retrieval}")
    if "scifact" in benches:
        evaluate_scifact(args.data, args.cache, chunker, retrieval, args.split)
    if "squad" in benches:
        evaluate_squad(args.data, args.cache, chunker, retrieval)
    if "noanswer" in benches:
        evaluate_no_answer(args.data, args.cache, chunker, retrieval)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
