"""Answer a question: embed it, retrieve, and turn the ranking into cited passages."""

from __future__ import annotations

import os

from qa.config import Settings
from qa.index.protocols import IndexReader
from qa.models.embedder import Embedder
from qa.records import Answer, Passage
from qa.search.retriever import retrieve
from qa.search.scope import EVERYTHING, Scope
from qa.search.scoring import Candidate


def answer_question(
    reader: IndexReader,
    embedder: Embedder,
    settings: Settings,
    question: str,
    k: int | None = None,
    search_text: str | None = None,
    scope: Scope = EVERYTHING,
) -> Answer:
    """Retrieve, highlight and cite. Embeds only the search text: sentence vectors are stored.

    `search_text` is what retrieval looks for when it differs from the question
    shown (a follow-up searched together with the conversation); the answer keeps
    the question as asked. Only documents of `scope` are searched.

    Raises:
        QuestionError: the question (or the search text) is empty.
        EmptyScopeError: the scope matches no document.
    """
    analyzer = reader.analyzer
    question = analyzer.normalize_question(question)
    searched = question if search_text is None else analyzer.normalize_question(search_text)
    k = settings.k if k is None else k
    vector = embedder.embed_batch([searched])[0]
    ranking = retrieve(
        reader, searched, vector, settings.retrieval, k, scope=scope, corpus_dir=settings.corpus_dir,
        embed=embedder.embed_batch, read_tokens=getattr(embedder, "token_states", None),
    )
    passages = tuple(_passage(rank, c, settings, ranking.no_answer) for rank, c in enumerate(ranking.candidates, start=1))
    return Answer(question=question, passages=passages, no_answer=all(p.weak for p in passages), scope=scope, missing_names=ranking.missing_names)


def _passage(rank: int, candidate: Candidate, settings: Settings, no_answer: bool) -> Passage:
    """The passage to show; every passage is weak when the answer as a whole lacks evidence."""
    start, end = candidate.highlight
    return Passage(
        rank=rank,
        chunk=candidate.chunk,
        file=os.path.abspath(settings.corpus_dir / candidate.chunk.doc_id),
        score=round(candidate.score, 6),
        similarity=round(candidate.relevance, 4),
        highlight_start=start,
        highlight_end=end,
        weak=no_answer or candidate.relevance < settings.retrieval.min_similarity,
    )
