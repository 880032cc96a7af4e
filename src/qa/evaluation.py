"""Score retrieval on public benchmarks: BEIR SciFact (document ranking) and SQuAD v1.1.

Pure functions: benchmark files in, corpus folders and figures out. Building the
index and printing belong to `scripts/eval.py`; this module never prints.

Corpus files are written the way a user would keep them: one UTF-8 text file per
document, its title on the first line, a blank line, then the text, so the index
is built by the normal loader, chunker and indexer.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from qa.analyzer import ENGLISH
from qa.config import RetrievalParams
from qa.index.protocols import IndexReader
from qa.models.embedder import Embedder
from qa.search.retriever import retrieve
from qa.search.scoring import Candidate

SQUAD_SAMPLE_SEED = 7  # the fixed report sample: random.seed(7); random.sample(questions, 1000)
SQUAD_SAMPLE_SIZE = 1000


# -- SciFact -----------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    query_id: str
    text: str


def read_scifact_corpus(path: Path) -> list[tuple[str, str, str]]:
    """(doc id, title, text) of each BEIR corpus line, in file order."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                rows.append((record["_id"], record["title"], record["text"]))
    return rows


def read_queries(path: Path) -> dict[str, str]:
    """Query id to text. BEIR's SciFact metadata holds evidence labels; retrieval ignores it."""
    queries = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                queries[record["_id"]] = record["text"]
    return queries


def read_qrels(path: Path) -> dict[str, set[str]]:
    """Query id to the doc ids judged relevant. The files end lines with CRLF and have a header."""
    relevant: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle):
            fields = line.rstrip("\r\n").split("\t")
            if number == 0 or len(fields) < 3:
                continue
            query_id, doc_id, score = fields[0], fields[1], fields[2]
            if int(score) > 0:
                relevant.setdefault(query_id, set()).add(doc_id)
    return relevant


def write_scifact_corpus(corpus_path: Path, out_dir: Path) -> int:
    """One file per abstract, named by its BEIR id; returns how many were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = read_scifact_corpus(corpus_path)
    for doc_id, title, text in rows:
        _write_if_changed(out_dir / f"{doc_id}.txt", f"{title.strip()}\n\n{text.strip()}\n")
    return len(rows)


def scifact_doc_id(file_doc_id: str) -> str:
    """The BEIR id of a corpus file ("13734012.txt" -> "13734012")."""
    return file_doc_id.rsplit("/", 1)[-1].removesuffix(".txt")


def ranked_documents(candidates: Iterable[Candidate], to_doc: Callable[[str], str] = scifact_doc_id) -> list[str]:
    """Documents in order of their best chunk: a document ranks where its first chunk does."""
    return list(dict.fromkeys(to_doc(c.chunk.doc_id) for c in candidates))


def ndcg_at(ranked: list[str], relevant: set[str], k: int) -> float:
    """Binary-relevance nDCG@k (as trec_eval's ndcg_cut with 0/1 judgments)."""
    gain = sum(1.0 / math.log2(rank + 2) for rank, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    return gain / ideal if ideal else 0.0


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def mrr_at(ranked: list[str], relevant: set[str], k: int) -> float:
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


@dataclass(frozen=True)
class RankingScores:
    queries: int
    ndcg10: float
    recall10: float
    recall100: float
    mrr10: float


def score_rankings(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> RankingScores:
    """Mean metrics over the judged queries; a query with no ranking scores 0."""
    ids = sorted(qrels)
    runs = [(rankings.get(q, []), qrels[q]) for q in ids]
    return RankingScores(
        queries=len(ids),
        ndcg10=float(np.mean([ndcg_at(r, rel, 10) for r, rel in runs])),
        recall10=float(np.mean([recall_at(r, rel, 10) for r, rel in runs])),
        recall100=float(np.mean([recall_at(r, rel, 100) for r, rel in runs])),
        mrr10=float(np.mean([mrr_at(r, rel, 10) for r, rel in runs])),
    )


# -- SQuAD -------------------------------------------------------------------


@dataclass(frozen=True)
class SquadQuestion:
    article: int  # index of the article in the file
    paragraph: int
    question_id: str
    question: str
    answers: tuple[str, ...]


def read_squad(path: Path) -> tuple[list[tuple[str, list[str]]], list[SquadQuestion]]:
    """(articles as (title, paragraphs), questions in file order: article, paragraph, question)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    articles = []
    questions = []
    for a, article in enumerate(data):
        paragraphs = []
        for p, paragraph in enumerate(article["paragraphs"]):
            paragraphs.append(paragraph["context"])
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(answer["text"] for answer in qa["answers"]))
                questions.append(SquadQuestion(a, p, qa["id"], qa["question"], answers))
        articles.append((article["title"].replace("_", " "), paragraphs))
    return articles, questions


def squad_report_sample(questions: list[SquadQuestion]) -> list[SquadQuestion]:
    """The issue's fixed sample, drawn exactly as it says."""
    random.seed(SQUAD_SAMPLE_SEED)
    return random.sample(questions, min(SQUAD_SAMPLE_SIZE, len(questions)))  # a tiny test file has fewer


def squad_tuning_sample(questions: list[SquadQuestion], size: int, seed: int = 1234) -> list[SquadQuestion]:
    """A sample for tuning that shares no question with the report sample."""
    held_out = {q.question_id for q in squad_report_sample(questions)}
    rest = [q for q in questions if q.question_id not in held_out]
    return random.Random(seed).sample(rest, min(size, len(rest)))


def squad_halves(articles: int) -> tuple[range, range]:
    """Articles split in two (0-23 and 24-47 for SQuAD dev), each indexed alone for the no-answer test."""
    return range(0, articles // 2), range(articles // 2, articles)


def squad_file_name(number: int, title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return f"{number:02d}-{slug}.txt"


def write_squad_corpus(articles: list[tuple[str, list[str]]], out_dir: Path, keep: Iterable[int] | None = None) -> int:
    """One file per article (title line, then its paragraphs separated by blank lines)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = range(len(articles)) if keep is None else sorted(keep)
    for number in chosen:
        title, paragraphs = articles[number]
        body = "\n\n".join(" ".join(p.split()) for p in paragraphs)
        _write_if_changed(out_dir / squad_file_name(number, title), f"{title}\n\n{body}\n")
    return len(chosen)


def answer_found(answers: tuple[str, ...], passages: Iterable[str]) -> bool:
    """Whether any gold answer text occurs in any of the passages (whitespace folded, as written)."""
    texts = [" ".join(p.split()) for p in passages]
    return any(" ".join(a.split()) in text for a in answers for text in texts)


# -- running questions -------------------------------------------------------


def embed_questions(embedder, questions: list[str]) -> np.ndarray:
    """Question vectors, the ones `qa ask` computes: the ONNX encoder runs each text alone
    (onnx_encoder._forward), so a vector does not depend on the questions embedded with it."""
    cleaned = [ENGLISH.normalize_question(q) for q in questions]
    return embedder.embed_batch(cleaned) if cleaned else np.zeros((0, 0), dtype=np.float32)


def run_questions(
    reader: IndexReader,
    mode: str,
    questions: list[str],
    vectors: np.ndarray,
    params: RetrievalParams,
    k: int,
    corpus_dir: Path | None = None,
    model: Embedder | None = None,
) -> list[tuple[Candidate, ...]]:
    """The k best chunks for each question, through the retriever `qa ask` uses (`mode` picks
    the ranking; `corpus_dir` lets it read the texts to join neighbouring chunks, and `model`, the
    one that made `vectors`, lets it read questions and passages again as `qa ask` does)."""
    embed, read_tokens = (model.embed_batch, getattr(model, "token_states", None)) if model is not None else (None, None)
    return [
        retrieve(reader, q, vectors[i], params, k, mode, corpus_dir=corpus_dir, embed=embed, read_tokens=read_tokens).candidates
        for i, q in enumerate(questions)
    ]


def _write_if_changed(path: Path, text: str) -> None:
    """Leave an identical file alone, so a rerun finds the cached index up to date."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        pass
    path.write_text(text, encoding="utf-8")
