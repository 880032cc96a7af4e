"""Turn retrieved chunks into an `Answer`: highlight, citation, and the no-answer call."""

from __future__ import annotations

import os
from pathlib import Path

from qa.config import Settings
from qa.embedder import Embedder
from qa.errors import QuestionError
from qa.index_files import LoadedIndex
from qa.records import Answer, Passage
from qa.retriever import Candidate, retrieve


# Longer questions are cut: the model reads 256 word pieces and FTS5 takes 64
# terms anyway; the cap keeps a pasted document from costing seconds.
MAX_QUESTION_CHARS = 2000


def normalize_question(question: str) -> str:
    """The question as `qa` searches and shows it; raises QuestionError when nothing is left.

    Lone surrogates (undecodable bytes smuggled through argv or stdin) become
    U+FFFD, control characters become spaces, whitespace runs fold to one space.
    """
    text = question.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) else ch for ch in text)
    cleaned = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not cleaned:
        raise QuestionError('the question is empty: ask something, e.g. qa ask "When was IS-KP formed?"')
    return cleaned


def answer_question(
    index: LoadedIndex,
    embedder: Embedder,
    settings: Settings,
    question: str,
    k: int | None = None,
    search_text: str | None = None,
) -> Answer:
    """Retrieve, highlight and cite. Embeds only the search text: sentence vectors are stored.

    `search_text` is what retrieval looks for when it differs from the question
    shown (a follow-up searched together with the conversation); the answer keeps
    the question as asked.
    """
    question = normalize_question(question)
    searched = question if search_text is None else normalize_question(search_text)
    k = settings.k if k is None else k
    query_vector = embedder.embed_batch([searched])[0]
    candidates = retrieve(index, searched, query_vector, settings.retrieval, k)
    min_similarity = settings.retrieval.min_similarity
    passages = tuple(
        _passage(rank, candidate, settings.corpus_dir, min_similarity) for rank, candidate in enumerate(candidates, start=1)
    )
    return Answer(question=question, passages=passages, no_answer=all(p.weak for p in passages))


def _passage(rank: int, candidate: Candidate, corpus_dir: Path, min_similarity: float) -> Passage:
    chunk = candidate.chunk
    start, end = candidate.highlight
    return Passage(
        rank=rank,
        score=round(candidate.score, 6),
        similarity=round(candidate.relevance, 4),
        title=chunk.title,
        doc_id=chunk.doc_id,
        path=display_path(corpus_dir / chunk.doc_id),
        start_line=chunk.start_line,
        end_line=chunk.end_line,
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        text=chunk.text,
        highlight=chunk.text[start:end],
        highlight_start=start,
        weak=candidate.relevance < min_similarity,
        encoding=chunk.encoding,
        page=chunk.page,
        end_page=chunk.page,  # chunks are cut at page breaks: a passage is on one page
        heading_path=chunk.heading_path,
        kind=chunk.kind,
    )


def display_path(path: Path) -> str:
    """The path relative to the current directory when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)
