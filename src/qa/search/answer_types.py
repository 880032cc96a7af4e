"""What kind of answer a question asks for, and whether a sentence has one.

A light version of the answer typing classic question-answering systems use:
"When ...?" is answered by a sentence holding a date, "How many ...?" by one
holding a number. The embedding model reads "When was it founded?" as close to
any sentence about origins; this tips the choice to the one that says when.
"""

from __future__ import annotations

import re

_TIME_QUESTION = re.compile(r"\b(when|what (year|date|month|time)|which (year|month)|since when|how long ago)\b", re.I)
_NUMBER_QUESTION = re.compile(r"\bhow (many|much|long)\b|\bwhat (number|percentage|share)\b", re.I)
# "long": "how long" is answered by "30 days", which does not say "long".
_KIND_WORDS = frozenset({"year", "date", "month", "time", "number", "percentage", "share", "long"})
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_TIME = re.compile(rf"\b(1[5-9]\d\d|20\d\d)s?\b|\b({_MONTHS})\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b", re.I)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?)\b", re.I
)


def expected_answer(question: str) -> str | None:
    """"time", "number", or None when the question's form says nothing about its answer."""
    if _TIME_QUESTION.search(question):
        return "time"
    if _NUMBER_QUESTION.search(question):
        return "number"
    return None


def type_words(question: str) -> tuple[str, ...]:
    """The words of the question that name the kind of answer ("year" in "In what year ..."):
    the answer says 1993, not "year", so a sentence holding the word answers no better."""
    found = _TIME_QUESTION.search(question) or _NUMBER_QUESTION.search(question)
    if found is None:
        return ()
    return tuple(word for word in re.findall(r"\w+", found.group(0).lower()) if word in _KIND_WORDS)


def has_answer_of(kind: str | None, sentence: str) -> bool:
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    return False
