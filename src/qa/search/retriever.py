"""Find the chunks that best match a question: three rankings fused, then diversified.

The rankings: chunk vectors (what a passage is about), sentence vectors (the
one sentence that says it; a long chunk's vector blurs a precise fact), and
FTS5 BM25 (exact names and rare words the model does not know).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from qa.config import RetrievalParams
from qa.search.answer_types import expected_answer, has_answer_of
from qa.index.generations import LoadedIndex
from qa.search.lexical import question_stems, term_overlap, word_share
from qa.ingest.sentences import is_prose
from qa.records import ChunkRow

_NOT_PROSE_PENALTY = 0.15


@dataclass(frozen=True)
class Candidate:
    chunk: ChunkRow
    score: float  # final ranking score: best sentence's answer score + scaled fusion score
    similarity: float  # cosine of question and chunk vectors
    sentence_similarity: float  # best cosine of the question and one of the chunk's sentences
    highlight: tuple[int, int]  # span in the chunk text of the sentence that best answers
    word_share: float = 0.0  # IDF-weighted share of the question's content words the chunk contains
    sibling_bonus: float = 0.0  # the part of `score` owed to other passages of its document

    @property
    def own_score(self) -> float:
        """The score on this passage's own evidence: what diversity compares across documents."""
        return self.score - self.sibling_bonus

    @property
    def relevance(self) -> float:
        """The strongest semantic evidence that this chunk answers the question."""
        return max(self.similarity, self.sentence_similarity)


def fuse_rankings(rankings: list[tuple[list[int], float]], rrf_k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: each list adds weight / (rrf_k + rank) to the ids it ranks.

    RRF needs no score calibration between BM25 and cosine, which live on
    unrelated scales; it only trusts each ranking's order.
    """
    fused: dict[int, float] = {}
    for ranked_ids, weight in rankings:
        for rank, chunk_id in enumerate(ranked_ids, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return fused


def diversify(
    candidates: list[Candidate], k: int, per_document: int, min_similarity: float, margin: float | None = None
) -> list[Candidate]:
    """Pick k candidates so one long document cannot fill every slot when others are relevant.

    A document holds at most `per_document` slots while another document has a
    relevant candidate (relevance >= `min_similarity`) whose score is within
    `margin` of the one it displaces; a far weaker passage from elsewhere does
    not push out a strong one (None: any relevant one does). Weak candidates come
    last. Shown relevant first, then by score.
    """
    ordered = sorted(candidates, key=lambda c: (-c.score, c.chunk.chunk_id))
    remaining = [c for c in ordered if c.relevance >= min_similarity]
    weak = [c for c in ordered if c.relevance < min_similarity]
    picked: list[Candidate] = []
    held: dict[str, int] = {}
    while remaining and len(picked) < k:
        candidate = remaining.pop(0)
        if held.get(candidate.chunk.doc_id, 0) >= per_document:
            other = next((c for c in remaining if held.get(c.chunk.doc_id, 0) < per_document), None)
            # Own scores: a document's other hits must not keep a second document out.
            if other is not None and (margin is None or candidate.own_score - other.own_score <= margin):
                remaining.remove(other)
                remaining.insert(0, candidate)  # it may still fill a slot no other document claims
                candidate = other
        picked.append(candidate)
        held[candidate.chunk.doc_id] = held.get(candidate.chunk.doc_id, 0) + 1
    picked += weak[: k - len(picked)]
    # Relevant passages by score, weak ones after them.
    return sorted(picked, key=lambda c: (c.relevance < min_similarity, -c.score, c.chunk.chunk_id))


def retrieve(index: LoadedIndex, question: str, query_vector: np.ndarray, params: RetrievalParams, k: int) -> list[Candidate]:
    """The k best chunks for a question whose embedding is `query_vector`."""
    depth = max(params.candidates, k)
    dense = index.vectors.search(query_vector, depth)
    dense_ids = [chunk_id for chunk_id, _ in dense]
    sentence_ids = _chunks_by_best_sentence(index, query_vector, depth)
    lexical_ids = index.store.lexical_search(question, depth)
    fused = fuse_rankings(
        [
            (dense_ids, params.dense_weight),
            (sentence_ids, params.sentence_weight),
            (lexical_ids, params.lexical_weight),
        ],
        params.rrf_k,
    )
    # Only the best few dozen need exact scores and rows.
    shortlist = sorted(fused, key=lambda chunk_id: -fused[chunk_id])[: max(depth, 4 * k)]
    similarity = dict(dense)
    similarity.update(index.vectors.similarities(query_vector, [c for c in shortlist if c not in similarity]))
    sentences = sentence_similarities(index, query_vector, shortlist)
    rows = index.store.chunks(shortlist)
    stems = index.store.term_weights(question_stems(question))
    wanted = expected_answer(question)
    top_fused = max(fused.values(), default=1.0)
    support = sibling_support({c: fused[c] / top_fused for c in shortlist if c in rows}, {c: rows[c].doc_id for c in rows})
    candidates = []
    for chunk_id in shortlist:
        if chunk_id not in rows:
            continue
        text = rows[chunk_id].text
        answer_score, highlight = best_answer_sentence(
            text, sentences[chunk_id], stems, params.overlap_weight, wanted, params.answer_type_weight
        )
        bonus = params.sibling_weight * support[chunk_id]
        candidates.append(
            Candidate(
                chunk=rows[chunk_id],
                score=answer_score + params.fusion_weight * fused[chunk_id] / top_fused + bonus,
                sibling_bonus=bonus,
                similarity=similarity[chunk_id],
                sentence_similarity=max((c for c, _, _ in sentences[chunk_id]), default=-1.0),
                highlight=highlight,
            )
        )
    picked = diversify(candidates, k, params.per_document, params.min_similarity, params.diversity_margin)
    # Only the passages shown need the word evidence the no-answer call reads.
    return [replace(c, word_share=word_share(stems, c.chunk.text)) for c in picked]


def sibling_support(scores: dict[int, float], doc_of: dict[int, str]) -> dict[int, float]:
    """For each chunk, the best score of another chunk of its document (0 when it has none)."""
    best_two: dict[str, list[float]] = {}
    for chunk_id, score in scores.items():
        top = best_two.setdefault(doc_of[chunk_id], [])
        top.append(score)
        top.sort(reverse=True)
        del top[2:]
    support = {}
    for chunk_id, score in scores.items():
        top = best_two[doc_of[chunk_id]]
        # The best other chunk: the document's best unless this chunk is it, then its second.
        support[chunk_id] = (top[1] if len(top) > 1 else 0.0) if score == top[0] else top[0]
    return support


def best_answer_sentence(
    text: str,
    sentences: tuple[tuple[float, int, int], ...],
    stems: dict[str, float],
    overlap_weight: float,
    wanted: str | None = None,
    answer_type_weight: float = 0.0,
) -> tuple[float, tuple[int, int]]:
    """(answer score, span) of the sentence that best answers: meaning, shared words, answer type.

    Cosine alone sometimes prefers a vaguer sentence; the words the question
    shares with a sentence, and holding the kind of answer asked for (a date
    for "when"), pull the precise one up.
    """
    if not sentences:
        return -1.0, (0, len(text))

    def score_of(cosine: float, start: int, end: int) -> float:
        sentence = text[start:end]
        typed = answer_type_weight if has_answer_of(wanted, sentence) else 0.0
        return cosine + overlap_weight * term_overlap(stems, sentence) + typed

    score, start, end = max((score_of(c, s, e), s, e) for c, s, e in sentences)
    if not is_prose(text[start:end]):
        # A chunk with no real sentence (a list of links, a run of headings) can
        # resemble a question without stating anything that answers it.
        score -= _NOT_PROSE_PENALTY
    return score, (start, end)


def _chunks_by_best_sentence(index: LoadedIndex, query_vector: np.ndarray, depth: int) -> list[int]:
    """Chunk ids ranked by their best-matching sentence."""
    hits = index.sentence_vectors.search(query_vector, depth * 3)  # several sentences per chunk
    chunk_of = index.store.chunk_of_sentences([sentence_id for sentence_id, _ in hits])
    ranked = dict.fromkeys(chunk_of[sentence_id] for sentence_id, _ in hits if sentence_id in chunk_of)
    return list(ranked)[:depth]


def sentence_similarities(
    index: LoadedIndex, query_vector: np.ndarray, chunk_ids: list[int]
) -> dict[int, tuple[tuple[float, int, int], ...]]:
    """For each chunk, (cosine, start, end) of each of its answer-candidate sentences, in order."""
    spans = index.store.sentences_of(chunk_ids)
    all_ids = [sentence_id for chunk_id in chunk_ids for sentence_id, _, _ in spans[chunk_id]]
    cosine = index.sentence_vectors.similarities(query_vector, all_ids)
    return {
        chunk_id: tuple((cosine[sentence_id], start, end) for sentence_id, start, end in spans[chunk_id])
        for chunk_id in chunk_ids
    }


def dense_only(index: LoadedIndex, question: str, query_vector: np.ndarray, params: RetrievalParams, k: int) -> list[Candidate]:
    """The k chunks nearest the question by chunk vector alone, in cosine order (a part of `retrieve`, for measuring)."""
    hits = index.vectors.search(query_vector, k)
    return _plain_candidates(index, question, query_vector, [(chunk_id, score) for chunk_id, score in hits])


def lexical_only(index: LoadedIndex, question: str, query_vector: np.ndarray, params: RetrievalParams, k: int) -> list[Candidate]:
    """The k chunks FTS5 BM25 ranks best, in BM25 order (a part of `retrieve`, for measuring)."""
    ranked = index.store.lexical_search(question, k)
    return _plain_candidates(index, question, query_vector, [(chunk_id, -float(rank)) for rank, chunk_id in enumerate(ranked)])


def _plain_candidates(
    index: LoadedIndex, question: str, query_vector: np.ndarray, ranked: list[tuple[int, float]]
) -> list[Candidate]:
    """Candidates in the given order, with the same similarity and highlight fields `retrieve` fills."""
    ids = [chunk_id for chunk_id, _ in ranked]
    similarity = index.vectors.similarities(query_vector, ids)
    sentences = sentence_similarities(index, query_vector, ids)
    rows = index.store.chunks(ids)
    stems = index.store.term_weights(question_stems(question))
    candidates = []
    for chunk_id, score in ranked:
        if chunk_id not in rows:
            continue
        best = max(sentences[chunk_id], default=None)
        candidates.append(
            Candidate(
                chunk=rows[chunk_id],
                score=score,
                similarity=similarity[chunk_id],
                sentence_similarity=best[0] if best else -1.0,
                highlight=(best[1], best[2]) if best else (0, len(rows[chunk_id].text)),
                word_share=word_share(stems, rows[chunk_id].text),
            )
        )
    return candidates


Retriever = Callable[[LoadedIndex, str, np.ndarray, RetrievalParams, int], list[Candidate]]

# "hybrid" is what `qa ask` uses; the other two are its single-list parts, kept so
# the evaluation can show what the fusion adds over each.
MODES: dict[str, Retriever] = {"hybrid": retrieve, "dense": dense_only, "bm25": lexical_only}


def retriever_for(mode: str) -> Retriever:
    """The ranking function for `mode`; raises ValueError naming the valid modes."""
    try:
        return MODES[mode]
    except KeyError:
        raise ValueError(f"unknown retrieval mode {mode!r}: choose one of {', '.join(MODES)}") from None
