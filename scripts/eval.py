#!/usr/bin/env python
"""Measure `qa`'s retrieval on BEIR SciFact and SQuAD v1.1 dev, and print the figures.

    python scripts/eval.py                  # every benchmark, test/report splits
    python scripts/eval.py --bench scifact  # one of: scifact, squad, noanswer, real
    python scripts/eval.py --bench real     # the real documents of tests/real_documents/
    python scripts/eval.py --bench real --real-dir tests/real_documents_holdout  # the held-out set

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

Real documents (tests/real_documents/, provenance in its SOURCES.md): manuals
as PDF, HTML reference pages, READMEs and a licence that Debian and PyPI
packages ship, with questions written by reading them (questions.jsonl: the
file, PDF page and a phrase the answering passage holds). Each question goes
through `Assistant.ask`, the path `qa ask` takes. Reported: rank 1 and top 5
(a passage of the expected file and page holding the phrase), refusals of
answerable questions, refusals of the off-corpus ones, and whether every cited
span of the stored text (what `qa show` prints) is the passage shown and holds
the phrase. Its index is keyed by a hash of src/qa/ingest too, so a change in
how documents are read rebuilds it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qa.search.answer import answer_question  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.config import ChunkerParams, RetrievalParams, Settings, default_model_dir  # noqa: E402
from qa.ingest.version import reading_version  # noqa: E402
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
REAL_DOCUMENTS = ROOT / "tests" / "real_documents"
REAL_QUESTIONS = "questions.jsonl"
REAL_NOT_CORPUS = {"SOURCES.md", REAL_QUESTIONS}  # the corpus folder's own paperwork is not indexed
CACHE = ROOT / "index" / "eval"
MODES = ("dense", "bm25", "hybrid")
STORE = ["local"]  # --store: which engine the benchmark indexes are built in (one per run)
MODE_NAMES = {"dense": "dense only (MiniLM chunks)", "bm25": "BM25 only (FTS5, Snowball stems)", "hybrid": "qa default (hybrid)"}
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
    settings = Settings(corpus_dir, folder / "index", model_dir, chunker=chunker, retrieval=retrieval, store=STORE[0])
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
    runs = run_questions(assistant.load(), mode, [queries[q] for q in ids], vectors, assistant.settings.retrieval, SCIFACT_CHUNKS, assistant.settings.corpus_dir, assistant.embedder)
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
        runs = run_questions(assistant.load(), mode, [q.question for q in sample], vectors, retrieval, 5, assistant.settings.corpus_dir, assistant.embedder)
        at1 = sum(answer_found(q.answers, [c.chunk.text for c in run[:1]]) for q, run in zip(sample, runs)) / len(sample)
        at5 = sum(answer_found(q.answers, [c.chunk.text for c in run[:5]]) for q, run in zip(sample, runs)) / len(sample)
        print(f"| {MODE_NAMES[mode]:34} | {at1:8.3f} | {at5:8.3f} |")
    fused_search = getattr(assistant.load(), "fused_search", None)
    if fused_search is not None:
        # Milvus' own fusion (hybrid_search + RRFRanker over chunk vectors and BM25), against qa's above.
        reader = assistant.load()
        for rrf_k in (10, 60):
            found = [
                [reader.chunks(ids)[c].text for c in ids]
                for ids in (fused_search(vectors[i], reader.analyzer.question_stems(q.question), 5, rrf_k) for i, q in enumerate(sample))
            ]
            at1 = sum(answer_found(q.answers, texts[:1]) for q, texts in zip(sample, found)) / len(sample)
            at5 = sum(answer_found(q.answers, texts[:5]) for q, texts in zip(sample, found)) / len(sample)
            print(f"| {'Milvus hybrid_search, RRF k=' + str(rrf_k):34} | {at1:8.3f} | {at5:8.3f} |")


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


def ingest_code_hash() -> str:
    """A hash of the code that turns files into text and chunks: the real bench's index depends on it."""
    return reading_version()


def write_real_corpus(source: Path, out_dir: Path) -> None:
    """Copy the real documents (not SOURCES.md or the questions) into the bench's corpus folder."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or relative.as_posix() in REAL_NOT_CORPUS:
            continue
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != path.read_bytes():
            shutil.copy2(path, target)  # copy2 keeps the mtime, so a rerun finds the index up to date


def folded(text: str) -> str:
    """Text compared as a reader would: a word hyphenated at a line end joined, whitespace runs as one space."""
    return " ".join(re.sub(r"(\w)-\n(\w)", r"\1\2", text).split()).casefold()


def holds_answer(passage, question: dict) -> bool:
    return (
        passage.doc_id == question["file"]
        and (question["page"] is None or passage.page == question["page"])
        and folded(question["phrase"]) in folded(passage.text)
    )


def real_assistant(source: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams) -> Assistant:
    """An assistant over a real-documents folder, its index keyed by the folder's name: two sets never share one."""
    return cached_assistant(
        f"real-{source.name}-ingest{ingest_code_hash()}", lambda out: write_real_corpus(source, out), chunker, retrieval, cache
    )


def read_real_questions(source: Path) -> list[dict]:
    return [json.loads(line) for line in (source / REAL_QUESTIONS).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_real(source: Path, cache: Path, chunker: ChunkerParams, retrieval: RetrievalParams) -> None:
    questions = read_real_questions(source)
    assistant = real_assistant(source, cache, chunker, retrieval)
    answerable = [q for q in questions if q["file"]]
    off_corpus = [q for q in questions if not q["file"]]
    at1 = at5 = refused = exact = cited = shown = shown_exact = 0
    misses = []
    for question in answerable:
        answer = assistant.ask(question["question"], k=5)
        hits = [rank for rank, p in enumerate(answer.passages, start=1) if holds_answer(p, question)]
        at1 += bool(hits) and hits[0] == 1
        at5 += bool(hits)
        refused += answer.no_answer
        for passage in answer.passages:
            # The citation contract: the span of the stored text `qa show` prints is the passage shown.
            stored = assistant.source_text(passage.doc_id, passage.page)
            shown += 1
            shown_exact += stored[passage.char_start : passage.char_end] == passage.text
        if hits:
            passage = answer.passages[hits[0] - 1]
            stored = assistant.source_text(passage.doc_id, passage.page)
            cited += 1
            exact += folded(question["phrase"]) in folded(stored[passage.char_start : passage.char_end])
        if not hits or hits[0] != 1 or answer.no_answer:
            top = answer.passages[0] if answer.passages else None
            got = f"{top.doc_id} p.{top.page} {' '.join(top.text.split())[:90]!r}" if top else "nothing"
            where = f"rank {hits[0]}" if hits else "not in top 5"
            misses.append(f"  {where}{', refused' if answer.no_answer else ''}: {question['question']} -> {got}")
    answered = [q["question"] for q in off_corpus if not assistant.ask(q["question"], k=5).no_answer]
    caught = len(off_corpus) - len(answered)
    n = len(answerable)
    documents = sum(1 for p in source.rglob("*") if p.is_file() and p.relative_to(source).as_posix() not in REAL_NOT_CORPUS)
    print(f"\nReal documents ({source.name}): {documents} files, {n} answerable and {len(off_corpus)} off-corpus questions, `qa ask`'s answer path")
    print("| measure | value |")
    print("|---|---|")
    print(f"| answer at rank 1 | {at1 / n:.3f} ({at1}/{n}) |")
    print(f"| answer in top 5 | {at5 / n:.3f} ({at5}/{n}) |")
    print(f"| answerable refused (no_answer) | {refused}/{n} |")
    print(f"| off-corpus refused | {caught}/{len(off_corpus)} |")
    print(f"| phrase inside the cited span of the stored text | {exact}/{cited} |")
    print(f"| shown passages equal to their cited span | {shown_exact}/{shown} |")
    if misses:
        print("\nNot at rank 1, or refused:")
        print("\n".join(misses))
    if answered:
        print("\nOff-corpus, answered instead of refused:")
        print("\n".join(f"  {question}" for question in answered))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", choices=("scifact", "squad", "noanswer", "real"), action="append",
                        help="default: scifact, squad and noanswer")
    parser.add_argument("--split", choices=("test", "train"), default="test", help="SciFact qrels to score (default test)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"benchmark folder (default {DATA})")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"where built indexes are kept (default {CACHE})")
    parser.add_argument("--real-dir", type=Path, default=REAL_DOCUMENTS,
                        help=f"folder of real documents and their questions.jsonl (default {REAL_DOCUMENTS})")
    parser.add_argument("--build-only", action="store_true", help="build (or check) the cached indexes and stop")
    parser.add_argument("--store", default="local", metavar="URI",
                        help="engine of the benchmark indexes: local (default), milvus:PATH.db, milvus:http://HOST:19530")
    args = parser.parse_args(argv)
    STORE[0] = args.store
    benches = args.bench or ["scifact", "squad", "noanswer"]
    chunker, retrieval = ChunkerParams(), RetrievalParams()
    public = [bench for bench in benches if bench != "real"]
    if public and not (args.data / "squad").is_dir() and not (args.data / "scifact").is_dir():
        # The public benchmarks live beside the checkout, not in it; say where they were looked for.
        print(
            f"error: the benchmark data folder {args.data} is missing (it should hold scifact/ and squad/, "
            f"see README.md, Retrieval quality): put it there, pass --data DIR, or run --bench real",
            file=sys.stderr,
        )
        return 1
    started = time.perf_counter()
    if args.build_only:
        for bench in benches:
            if bench == "real":
                real_assistant(args.real_dir, args.cache, chunker, retrieval)
            elif bench == "scifact":
                scifact_assistant(args.data, args.cache, chunker, retrieval)
            elif bench == "squad":
                squad_assistant(args.data, args.cache, chunker, retrieval)
            else:
                for half in "AB":
                    squad_assistant(args.data, args.cache, chunker, retrieval, half)
        return 0
    print(f"qa retrieval evaluation; chunker {chunker}; retrieval {retrieval}; store {args.store}")
    if "scifact" in benches:
        evaluate_scifact(args.data, args.cache, chunker, retrieval, args.split)
    if "squad" in benches:
        evaluate_squad(args.data, args.cache, chunker, retrieval)
    if "noanswer" in benches:
        evaluate_no_answer(args.data, args.cache, chunker, retrieval)
    if "real" in benches:
        evaluate_real(args.real_dir, args.cache, chunker, retrieval)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
