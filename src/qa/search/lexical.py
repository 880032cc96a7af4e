"""Word evidence: how much of a question's vocabulary a sentence or passage shares.

The words and stems come from the analyzer; the weights are inverse document
frequencies from the index, so sharing a rare word ("magazine") counts for more
than sharing the corpus's subject ("IS-KP").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa.analyzer import NEVER_A_STEM, Analyzer

if TYPE_CHECKING:
    from qa.index.protocols import IndexReader


def weights_and_unseen(reader: IndexReader, stems: set[str]) -> tuple[dict[str, float], frozenset[str]]:
    """The IDF weight of each of `stems`, and those of them no chunk holds: every stem no chunk
    holds weighs what a stem that cannot exist weighs (`NEVER_A_STEM`, IndexReader.term_weights)."""
    weights = reader.term_weights(set(stems) | {NEVER_A_STEM})
    unseen_weight = weights.pop(NEVER_A_STEM, None)
    unseen = frozenset(t for t, w in weights.items() if unseen_weight is not None and w >= unseen_weight)
    return weights, unseen


def term_overlap(question_weights: dict[str, float], text_stems: set[str]) -> float:
    """Share of the question's (weighted) stems that occur among `text_stems`."""
    total = sum(question_weights.values())
    if total <= 0:
        return 0.0
    return sum(weight for term, weight in question_weights.items() if term in text_stems) / total


def word_share(
    analyzer: Analyzer,
    question_weights: dict[str, float],
    text: str,
    unseen: frozenset[str] = frozenset(),
    unseen_counts: float = 0.0,
    named: frozenset[str] = frozenset(),
) -> float:
    """Like `term_overlap`, but a question stem of 4+ letters also matches a longer word it begins.

    Evidence for the no-answer call, not ranking: "formed" (stem "form") should count
    as present in a passage that says "formation" (stem "format"), which stemming misses.
    Words naming the corpus itself ("report") are left out, and the advice words an
    advice question searches for count once, as present when any of them is.

    Stems in `unseen` (no chunk of the corpus holds them) count against the text
    with `unseen_counts` times their weight (0: only where the text holds them; see
    `unseen_word_count` for why that depends on the size of the corpus), and
    `corpus_coverage` weighs them once for the whole question. Stems in `named` (the file
    name of the text's document: `qa.search.document_names`) count as the text's own.
    """
    weights, advice = _content_weights(analyzer, question_weights)
    present = analyzer.stems(text)
    if named:
        present = present | named  # a new set only where the document's name adds a word

    def holds(term: str) -> bool:
        return term in present or (len(term) >= 4 and any(s.startswith(term) for s in present))

    weights = {t: w if t not in unseen or holds(t) else unseen_counts * w for t, w in weights.items()}
    total = sum(weights.values()) + (max(advice.values()) if advice else 0.0)
    if total <= 0:
        return 0.0
    found = sum(weight for term, weight in weights.items() if holds(term))
    if advice and any(holds(term) for term in analyzer.advice_stems):
        found += max(advice.values())
    return found / total


def unseen_word_count(corpus_chunks: int, unseen: frozenset[str], full_chunks: int) -> float:
    """How much a question word no chunk holds counts against a passage: in proportion to the
    corpus's size, in full from `full_chunks` chunks on (0 when the question has no such word).

    A two-article corpus lacks everyday words a reader's paraphrase uses ("lost",
    "took"), so there a missing word says little; a corpus of thousands of chunks
    that lacks a question's word most likely lacks its subject.
    """
    if not unseen or full_chunks <= 0:
        return 0.0
    return min(1.0, corpus_chunks / full_chunks)


def corpus_coverage(analyzer: Analyzer, question_weights: dict[str, float], unseen: frozenset[str]) -> float:
    """The (IDF-weighted) share of the question's content words that some chunk of the corpus holds.

    A question about something the corpus never mentions uses words it lacks;
    but a reader's paraphrase does too ("lost", "first", "took" are missing from
    a two-article corpus), so this is weak evidence, weighed once per question.
    """
    weights, _ = _content_weights(analyzer, question_weights)
    total = sum(weights.values())
    if total <= 0:
        return 1.0
    return sum(w for t, w in weights.items() if t not in unseen) / total


def _content_weights(analyzer: Analyzer, question_weights: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """(the question's own words, the advice words it searches for) with their weights; corpus-naming words left out."""
    meta, advice_stems = analyzer.meta_stems, analyzer.advice_stems
    weights = {t: w for t, w in question_weights.items() if t not in meta}
    advice = {t: w for t, w in weights.items() if t in advice_stems}
    if advice:
        weights = {t: w for t, w in weights.items() if t not in advice}
    return weights, advice
