"""Word evidence: how much of a question's vocabulary a sentence or passage shares.

The words and stems come from the analyzer; the weights are inverse document
frequencies from the index, so sharing a rare word ("magazine") counts for more
than sharing the corpus's subject ("IS-KP").
"""

from __future__ import annotations

from qa.analyzer import Analyzer


def term_overlap(question_weights: dict[str, float], text_stems: set[str]) -> float:
    """Share of the question's (weighted) stems that occur among `text_stems`."""
    total = sum(question_weights.values())
    if total <= 0:
        return 0.0
    return sum(weight for term, weight in question_weights.items() if term in text_stems) / total


def word_share(analyzer: Analyzer, question_weights: dict[str, float], text: str) -> float:
    """Like `term_overlap`, but a question stem of 4+ letters also matches a longer word it begins.

    Evidence for the no-answer call, not ranking: "formed" (stem "form") should count
    as present in a passage that says "formation" (stem "format"), which stemming misses.
    Words naming the corpus itself ("report") are left out, and the advice words an
    advice question searches for count once, as present when any of them is.
    """
    meta, advice_stems = analyzer.meta_stems, analyzer.advice_stems
    weights = {t: w for t, w in question_weights.items() if t not in meta}
    advice = {t: w for t, w in weights.items() if t in advice_stems}
    if advice:
        weights = {t: w for t, w in weights.items() if t not in advice}
    total = sum(weights.values()) + (max(advice.values()) if advice else 0.0)
    if total <= 0:
        return 0.0
    present = analyzer.stems(text)

    def holds(term: str) -> bool:
        return term in present or (len(term) >= 4 and any(s.startswith(term) for s in present))

    found = sum(weight for term, weight in weights.items() if holds(term))
    if advice and any(holds(term) for term in advice_stems):
        found += max(advice.values())
    return found / total
