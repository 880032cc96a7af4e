"""Turn retrieved chunks into an `Answer`: highlight, citation, and the no-answer call."""

from __future__ import annotations

import os
from pathlib import Path

from qa.config import RetrievalParams, Settings
from qa.embedder import Embedder
from qa.errors import QuestionError
from qa.index_files import LoadedIndex
from qa.records import Answer, Passage
from qa.retriever import Candidate, retrieve


def normalize_question(question: str) -> str:
    """The question with runs of whitespace folded; raises QuestionError when empty."""
    cleaned = " ".join(question.split())
    if not cleaned:
        raise QuestionError('the question is empty: ask something, e.g. qa ask "When was IS-KP formed?"')
    return cleaned


def answer_question(index: LoadedIndex, embedder: Embedder, settings: Settings, question: str, k: int | None = None) -> Answer:
    """Retrieve, highlight and cite. Embeds only the question: sentence vectors are stored."""
    question = normalize_question(question)
    k = settings.k if k is None else k
    query_vector = embedder.embed_batch([question])[0]
    candidates = retrieve(index, question, query_vector, settings.retrieval, k)
    no_answer = not candidates or lacks_evidence(candidates, settings.retrieval)
    passages = tuple(_passage(rank, c, settings, no_answer) for rank, c in enumerate(candidates, start=1))
    return Answer(question=question, passages=passages, no_answer=all(p.weak for p in passages))


def lacks_evidence(candidates: list[Candidate], params: RetrievalParams) -> bool:
    """Whether, taken together, the passages show too little sign of answering (see `min_evidence`)."""
    semantic = max(c.relevance for c in candidates)
    lexical = max(c.word_share for c in candidates)
    return semantic + params.word_weight * lexical < params.min_evidence


def _passage(rank: int, candidate: Candidate, settings: Settings, no_answer: bool) -> Passage:
    """The passage to show; every passage is weak when the answer as a whole lacks evidence."""
    chunk = candidate.chunk
    start, end = candidate.highlight
    return Passage(
        rank=rank,
        score=round(candidate.score, 6),
        similarity=round(candidate.relevance, 4),
        title=chunk.title,
        doc_id=chunk.doc_id,
        path=display_path(settings.corpus_dir / chunk.doc_id),
        start_line=chunk.start_line,
        end_line=chunk.end_line,
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        text=chunk.text,
        highlight=chunk.text[start:end],
        highlight_start=start,
        weak=no_answer or candidate.relevance < settings.retrieval.min_similarity,
    )


def display_path(path: Path) -> str:
    """The path relative to the current directory when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)
