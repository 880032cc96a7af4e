"""Turn a question into a safe FTS5 query, and the word handling shared with highlighting.

A question never reaches FTS5 as query syntax: it is cut into words, each word
is quoted as an FTS5 string, and the words are OR-ed, so quotes, AND, NEAR, *,
: and parentheses in a question are only text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

_WORD = re.compile(r"\w+", re.UNICODE)

# English function words and question words: they carry no topic and would make
# BM25 favour whichever chunk says "the" most. Kept in code, not a file, so the
# query path reads nothing from disk.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t d ll m re ve""".split()
)


def words(text: str) -> list[str]:
    """Lower-cased words of `text` (letters, digits, underscores, any script)."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that say what a question is about, in order, without repeats.

    Falls back to all words when every word is a stop word ("Who are they?"),
    so such a question still matches something lexically.
    """
    all_words = list(dict.fromkeys(words(text)))
    content = [w for w in all_words if w not in STOPWORDS]
    return content or all_words


# Reports phrase advice with modal verbs ("more should be done", "will require"),
# rarely with the word "recommend" a reader asks with; lexical search alone would
# find nothing for "What does the report recommend?".
_ADVICE_QUESTION = re.compile(r"\b(recommend\w*|advi[sc]\w*|suggest\w*|propos\w*|(can|could|must|should) be done)\b", re.I)
_ADVICE_TERMS = ("should", "must", "require", "need", "recommend", "urge", "advise", "suggest", "propose")
# Words a question uses to point at the corpus itself ("What does the report
# recommend?"): they say nothing about which passage answers.
_META_WORDS = ("report", "article", "document", "paper", "author", "text", "essay", "writer")


def search_terms(question: str) -> list[str]:
    """The words lexical search looks for: content words, plus advice verbs for advice questions."""
    terms = content_words(question)
    if _ADVICE_QUESTION.search(question):
        terms += [t for t in _ADVICE_TERMS if t not in terms]
    return terms


# BM25 scores every chunk that holds any query word (about a microsecond each)
# before it can rank: at a million chunks a common word alone costs a second.
POSTINGS_BUDGET = 20_000


def fts_query(
    question: str, frequency_of: Callable[[list[str]], dict[str, int]] | None = None, max_terms: int = 64
) -> str | None:
    """An FTS5 MATCH expression OR-ing the question's words, or None if it has none.

    Each word is double-quoted (FTS5 string syntax), so it is always a plain
    term; the cap keeps a pasted essay from becoming a huge query. With
    `frequency_of` (words -> how many chunks hold each), the commonest words
    are left out once they would make BM25 score too many chunks.
    """
    terms = search_terms(question)[:max_terms]
    if frequency_of is not None and terms:
        terms = within_postings_budget(terms, frequency_of(terms))
    if not terms:
        return None
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def within_postings_budget(terms: list[str], frequency: dict[str, int], budget: int = POSTINGS_BUDGET) -> list[str]:
    """The words to search for, rarest first, leaving out the commonest once their chunks exceed `budget`.

    A word in a large share of the chunks adds little to BM25 (low IDF) and
    costs the most to score; the rarest word is always kept. Small corpora
    never reach the budget, so their ranking is untouched.
    """
    if sum(frequency.get(t, 0) for t in terms) <= budget:
        return terms
    kept, total = [], 0
    for term in sorted(terms, key=lambda t: frequency.get(t, 0)):
        if kept and total + frequency.get(term, 0) > budget:
            break
        kept.append(term)
        total += frequency.get(term, 0)
    return kept


@lru_cache(maxsize=1)
def _english_stemmer():
    import snowballstemmer  # ~15 ms, so loaded on first use; runs on PyStemmer's C code when present

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball (Porter 2) stem, close to FTS5's porter: "announced" and "announce" agree."""
    return _english_stemmer().stemWord(word)


def term_overlap(question_weights: dict[str, float], text: str) -> float:
    """Share of the question's (weighted) stemmed content words that occur in `text`.

    Weights are inverse document frequencies, so sharing a rare word ("magazine")
    counts for more than sharing the corpus's subject ("IS-KP").
    """
    total = sum(question_weights.values())
    if total <= 0:
        return 0.0
    present = stemmed_terms(text)
    return sum(weight for term, weight in question_weights.items() if term in present) / total


def word_share(question_weights: dict[str, float], text: str) -> float:
    """Like `term_overlap`, but a question stem of 4+ letters also matches a longer word it begins.

    Evidence for the no-answer call, not ranking: "formed" (stem "form") should count
    as present in a passage that says "formation" (stem "format"), which stemming misses.
    Words naming the corpus itself ("report") are left out, and the advice words an
    advice question searches for count once, as present when any of them is.
    """
    weights = {t: w for t, w in question_weights.items() if t not in _META_STEMS()}
    advice = {t: w for t, w in weights.items() if t in _ADVICE_STEMS()}
    if advice:
        weights = {t: w for t, w in weights.items() if t not in advice}
    total = sum(weights.values()) + (max(advice.values()) if advice else 0.0)
    if total <= 0:
        return 0.0
    present = stemmed_terms(text)

    def holds(term: str) -> bool:
        return term in present or (len(term) >= 4 and any(s.startswith(term) for s in present))

    found = sum(weight for term, weight in weights.items() if holds(term))
    if advice and any(holds(term) for term in _ADVICE_STEMS()):
        found += max(advice.values())
    return found / total


@lru_cache(maxsize=1)
def _ADVICE_STEMS() -> frozenset[str]:
    return frozenset(stem(t) for t in _ADVICE_TERMS)


@lru_cache(maxsize=1)
def _META_STEMS() -> frozenset[str]:
    return frozenset(stem(t) for t in _META_WORDS)


def stemmed_terms(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def question_stems(question: str, max_terms: int = 64) -> set[str]:
    """Stems of the words a matching sentence should share with the question."""
    return {stem(w) for w in search_terms(question)[:max_terms]}
