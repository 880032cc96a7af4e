#!/usr/bin/env python
"""Try retrieval settings on the tuning splits only: SciFact train qrels and a SQuAD sample
disjoint from the report sample. Uses the indexes scripts/eval.py caches.

    python scripts/tune_eval.py --grid rrf_k=10,60 --grid fusion_weight=0.2,1
    python scripts/tune_eval.py --no-answer   # the no-answer rule on tuning questions
    python scripts/tune_eval.py --bench real --real-dir tests/real_documents --grid title_weight=0,0.3

Each grid row prints SciFact-train nDCG@10 / recall@100 and SQuAD-tune answer@1 / @5
for the default hybrid with those `RetrievalParams` changed; with `--bench real`, each
real-documents folder's rank 1, top 5, answerable refused and off-corpus refused (only
folders that are not held out: tests/real_documents_check and the sets still blind
(CHECK_SETS) are measured by scripts/eval.py, never tuned on).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import eval as evaluation_script

from qa.analyzer import ENGLISH
from qa.config import ChunkerParams, RetrievalParams
from qa.evaluation import (
    answer_found,
    embed_questions,
    ranked_documents,
    read_qrels,
    read_queries,
    read_squad,
    run_questions,
    score_rankings,
    squad_halves,
    squad_tuning_sample,
)
from qa.search.evidence import gather
from qa.search.scoring import score

TUNING_SAMPLE = 1000
# The held-out real documents: measured with scripts/eval.py, never tuned on (the check set, and
# the sets still blind: their questions and misses unread).
CHECK_SETS = (
    "real_documents_check", "real_documents_twelfth", "real_documents_nineteenth", "real_documents_twentieth",
    "real_documents_twentyfirst", "real_documents_twentythird", "real_documents_twentyfourth",
    "real_documents_twentyfifth", "real_documents_twentyseventh", "real_documents_twentyninth",
    "real_documents_thirtyfirst", "real_documents_thirtyfourth", "real_documents_thirtyninth",
    "real_documents_fortysecond",
)


def cached_vectors(cache: Path, embedder, texts: list[str]) -> np.ndarray:
    """Question vectors, kept on disk by a hash of the texts so each try skips the model."""
    key = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:16]
    path = cache / f"questions-alone-{key}.npy"  # "alone": made by the one-text-at-a-time encoder, not older batched ones
    if path.is_file():
        return np.load(path)
    vectors = embed_questions(embedder, texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def gather_questions(assistant, questions: list[str], vectors, depth: int) -> list:
    """Each question's evidence at the deepest setting tried: gathered once, scored for every setting.

    The scoring is `qa.search.scoring.score` itself, the stage `qa ask` runs (reading the
    corpus's texts as it does, to join neighbouring chunks), so a figure here is what a
    user asking with those settings would get.
    """
    reader, corpus, embed = assistant.load(), assistant.settings.corpus_dir, assistant.embedder.embed_batch
    read_tokens = getattr(assistant.embedder, "token_states", None)
    return [gather(reader, ENGLISH.normalize_question(q), v, depth, corpus_dir=corpus, embed=embed, read_tokens=read_tokens) for q, v in zip(questions, vectors)]


def ranked(evidence, params: RetrievalParams, k: int) -> list:
    return list(score(evidence, params, k).candidates)


def real_row(questions: list[dict], rankings: list) -> str:
    """Rank 1, top 5, answerable refused and off-corpus refused, as scripts/eval.py --bench real counts them."""
    answerable = [(q, r) for q, r in zip(questions, rankings) if q["file"]]
    off = [r for q, r in zip(questions, rankings) if not q["file"]]
    hits = [[i for i, c in enumerate(r.candidates) if evaluation_script.holds_answer(c.chunk, q)] for q, r in answerable]
    at1 = sum(1 for h in hits if h and h[0] == 0)
    at5 = sum(1 for h in hits if h)
    refused = sum(r.no_answer for _, r in answerable)
    return f"@1 {at1}/{len(answerable)} @5 {at5}/{len(answerable)} refused {refused} off-refused {sum(r.no_answer for r in off)}/{len(off)}"


def parse_grid(specs: list[str]) -> list[dict]:
    types = {f.name: f.type for f in fields(RetrievalParams)}
    axes = []
    for spec in specs:
        name, _, values = spec.partition("=")
        if name not in types:
            raise SystemExit(f"unknown parameter {name!r}: choose one of {', '.join(types)}")
        cast = int if types[name] in (int, "int") else float
        axes.append([(name, cast(v)) for v in values.split(",")])
    return [dict(combo) for combo in itertools.product(*axes)] if axes else [{}]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", action="append", default=[], help="name=v1,v2 (RetrievalParams field)")
    parser.add_argument("--bench", choices=("scifact", "squad", "real"), action="append")
    parser.add_argument("--real-dir", type=Path, action="append", default=[],
                        help=f"a real-documents folder to tune on (repeatable; default {evaluation_script.REAL_DOCUMENTS})")
    parser.add_argument("--no-answer", action="store_true", help="print the no-answer evidence on tuning questions")
    parser.add_argument("--check", action="store_true", help="score through the real retriever too (slow)")
    args = parser.parse_args()
    data, cache = evaluation_script.DATA, evaluation_script.CACHE
    chunker = ChunkerParams()
    benches = args.bench or ["scifact", "squad"]
    base = RetrievalParams()
    if args.no_answer:
        return no_answer(data, cache, chunker, base)
    setup = {}
    if "scifact" in benches:
        assistant = evaluation_script.scifact_assistant(data, cache, chunker, base)
        qrels = read_qrels(data / "scifact" / "qrels" / "train.tsv")
        all_queries = read_queries(data / "scifact" / "queries.jsonl")
        queries = {q: all_queries[q] for q in sorted(qrels, key=int)}
        setup["scifact"] = (assistant, qrels, queries, cached_vectors(cache, assistant.embedder, list(queries.values())))
    if "real" in benches:
        for folder in args.real_dir or [evaluation_script.REAL_DOCUMENTS]:
            if folder.resolve().name in CHECK_SETS:
                raise SystemExit(f"{folder} is held out (the check set or a set still blind): measure it with scripts/eval.py, do not tune on it")
            questions = evaluation_script.read_real_questions(folder)
            assistant = evaluation_script.real_assistant(folder, cache, chunker, base)
            setup[f"real:{folder.name}"] = (assistant, questions, embed_questions(assistant.embedder, [q["question"] for q in questions]))
    if "squad" in benches:
        assistant = evaluation_script.squad_assistant(data, cache, chunker, base)
        _, questions = read_squad(data / "squad" / "dev-v1.1.json")
        sample = squad_tuning_sample(questions, TUNING_SAMPLE)
        setup["squad"] = (assistant, sample, cached_vectors(cache, assistant.embedder, [q.question for q in sample]))
    grid = parse_grid(args.grid)
    deepest = max(replace(base, **changes).candidates for changes in grid)
    pre = {}
    if "scifact" in setup:
        assistant, qrels, queries, vectors = setup["scifact"]
        depth = max(deepest, evaluation_script.SCIFACT_CHUNKS)
        pre["scifact"] = gather_questions(assistant, list(queries.values()), vectors, depth)
    if "squad" in setup:
        assistant, sample, vectors = setup["squad"]
        pre["squad"] = gather_questions(assistant, [q.question for q in sample], vectors, max(deepest, 5))
    for name in [n for n in setup if n.startswith("real:")]:
        assistant, questions, vectors = setup[name]
        pre[name] = gather_questions(assistant, [q["question"] for q in questions], vectors, max(deepest, 5))
    print(f"precomputed evidence at depth {deepest}", flush=True)
    for changes in grid:
        params = replace(base, **changes)
        started = time.perf_counter()
        row = [f"{changes}"]
        if "scifact" in pre:
            _, qrels, queries, _ = setup["scifact"]
            runs = [ranked(p, params, evaluation_script.SCIFACT_CHUNKS) for p in pre["scifact"]]
            scores = score_rankings({q: ranked_documents(r)[:100] for q, r in zip(queries, runs)}, qrels)
            row.append(f"scifact-train nDCG@10 {scores.ndcg10:.4f} R@10 {scores.recall10:.4f} R@100 {scores.recall100:.4f} MRR {scores.mrr10:.4f}")
        if "squad" in pre:
            _, sample, _ = setup["squad"]
            runs = [ranked(p, params, 5) for p in pre["squad"]]
            at1 = np.mean([answer_found(q.answers, [c.chunk.text for c in r[:1]]) for q, r in zip(sample, runs)])
            at5 = np.mean([answer_found(q.answers, [c.chunk.text for c in r[:5]]) for q, r in zip(sample, runs)])
            row.append(f"squad-tune @1 {at1:.3f} @5 {at5:.3f}")
        for name in [n for n in pre if n.startswith("real:")]:
            row.append(f"{name[5:]} {real_row(setup[name][1], [score(p, params, 5) for p in pre[name]])}")
        print(" | ".join(row) + f" ({time.perf_counter() - started:.0f} s)", flush=True)
    if not args.check:
        return 0
    for changes in grid:
        params = replace(base, **changes)
        started = time.perf_counter()
        row = [f"check {changes}"]
        for mode in ("hybrid",) if changes else ("dense", "bm25", "hybrid"):
            if "scifact" in setup:
                assistant, qrels, queries, vectors = setup["scifact"]
                runs = run_questions(assistant.load(), mode, list(queries.values()), vectors, params, evaluation_script.SCIFACT_CHUNKS, assistant.settings.corpus_dir, assistant.embedder)
                scores = score_rankings({q: ranked_documents(r)[:100] for q, r in zip(queries, runs)}, qrels)
                row.append(f"{mode} scifact-train nDCG@10 {scores.ndcg10:.4f} R@100 {scores.recall100:.4f}")
            if "squad" in setup:
                assistant, sample, vectors = setup["squad"]
                runs = run_questions(assistant.load(), mode, [q.question for q in sample], vectors, params, 5, assistant.settings.corpus_dir, assistant.embedder)
                at1 = np.mean([answer_found(q.answers, [c.chunk.text for c in r[:1]]) for q, r in zip(sample, runs)])
                at5 = np.mean([answer_found(q.answers, [c.chunk.text for c in r[:5]]) for q, r in zip(sample, runs)])
                row.append(f"{mode} squad-tune @1 {at1:.3f} @5 {at5:.3f}")
        print(" | ".join(row) + f" ({time.perf_counter() - started:.0f} s)", flush=True)
    return 0


def no_answer(data: Path, cache: Path, chunker: ChunkerParams, params: RetrievalParams) -> int:
    """Evidence of tuning questions asked of the half that has their answer and of the half that lacks it."""
    from qa.search.retriever import retrieve

    articles, questions = read_squad(data / "squad" / "dev-v1.1.json")
    halves = squad_halves(len(articles))
    sample = squad_tuning_sample(questions, TUNING_SAMPLE)
    assistants = [evaluation_script.squad_assistant(data, cache, chunker, params, half) for half in "AB"]
    vectors = cached_vectors(cache, assistants[0].embedder, [q.question for q in sample])
    rows = []
    for q, vector in zip(sample, vectors):
        own = 0 if q.article in halves[0] else 1
        for which, present in ((own, 1), (1 - own, 0)):
            index = assistants[which].load()
            ranking = retrieve(index, q.question, vector, params, 5, embed=assistants[which].embedder.embed_batch)
            top = ranking.candidates
            relevance = [c.relevance for c in top] + [-1.0] * (5 - len(top))
            share = [c.word_share for c in top] + [0.0] * (5 - len(top))
            sentence = [c.sentence_share for c in top] + [0.0] * (5 - len(top))
            rows.append([present, q.article in halves[0]] + relevance + share + sentence + [ranking.coverage])
    table = np.array(rows)
    np.save(cache / "no-answer-tuning.npy", table)  # for looking at other rules without re-running
    present = table[:, 0] == 1
    relevance, share, sentence, coverage = table[:, 2:7], table[:, 7:12], table[:, 12:17], table[:, 17]

    def rates(word_weight: float, sentence_word_weight: float, threshold: float) -> tuple[float, float]:
        # The rule in qa.search.scoring.lacks_evidence: the best cosine among the passages times 1 + word_weight x the
        # best passage share + sentence_word_weight x the best sentence share, plus coverage_weight x coverage, under min_evidence.
        evidence = relevance.max(axis=1) * (1 + word_weight * share.max(axis=1) + sentence_word_weight * sentence.max(axis=1))
        refused = evidence + params.coverage_weight * coverage < threshold
        return refused[~present].mean(), refused[present].mean()

    absent, wrong = rates(params.word_weight, params.sentence_word_weight, params.min_evidence)
    print(f"current rule (word_weight {params.word_weight}, sentence_word_weight {params.sentence_word_weight}, "
          f"coverage_weight {params.coverage_weight}, min_evidence {params.min_evidence}, unseen_full_chunks {params.unseen_full_chunks}): "
          f"no_answer on {absent:.3f} of absent, {wrong:.3f} of present ({present.sum()} each)")
    for word_weight, sentence_word_weight in ((0.0, 0.0), (1.0, 0.0), (0.0, 2.0), (0.5, 2.0), (1.0, 1.0), (1.0, 2.0), (1.0, 3.0)):
        # The highest threshold that keeps wrong refusals at or under 1.5% (a margin under the 2% target).
        feasible = [(rates(word_weight, sentence_word_weight, t), t) for t in np.arange(0.2, 3.0, 0.005)
                    if rates(word_weight, sentence_word_weight, t)[1] <= 0.015]
        (absent, wrong), threshold = max(feasible, key=lambda f: (f[0][0], f[1]))
        print(f"word_weight {word_weight:.1f}, sentence_word_weight {sentence_word_weight:.1f}: "
              f"threshold {threshold:.3f} -> absent {absent:.3f}, present {wrong:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
