"""Turn retrieved chunks into an `Answer`: highlight, citation, and the no-answer call."""

from __future__ import annotations

import os

from qa.config import RetrievalParams, Settings
from qa.models.embedder import Embedder
from qa.errors import QuestionError
from qa.index.generations import LoadedIndex
from qa.records import Answer, Passage
from qa.search.retriever import Candidate, retrieve


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
