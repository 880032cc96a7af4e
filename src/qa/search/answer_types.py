"""What kind of answer a question asks for, and whether a sentence has one.

A light version of the answer typing classic question-answering systems use:
"When ...?" is answered by a sentence holding a date, "How many ...?" by one
holding a number. The embedding model reads "When was it founded?" as close to
any sentence about origins; this tips the choice to the one that says when.

"Which Python version does it need?" is answered by a sentence holding a version number
("Supports Python 3.7 or higher"), not by a changelog line about "different python versions".

Not kinds here, measured and taken out (docs/reading.md, eighth session): "why" (a sentence
saying because...), "how do I" (an instruction) and yes-or-no (a sentence saying no). They
put the answer first more often on the sets they were tuned on and less often on the five
sets written after them.
"""

from __future__ import annotations

import re

# "When" asks for a time where a verb follows it ("When was it founded?", "IS-KP when did it
# form?"); elsewhere it opens a condition ("What happens when a job fails?", "Should I use
# -Tpdf when I embed the graph?"): 277 of the sets' 325 questions holding "when" are such.
_TIME_QUESTION = re.compile(
    r"\bwhen\s+(did|was|were|is|are|will|would|does|do|has|have|had|can|could|should|shall)\b"
    r"|\b(what (year|date|month|time)|which (year|month)|since when|how long ago)\b",
    re.I,
)
_NUMBER_QUESTION = re.compile(r"\bhow (many|much|long)\b|\bwhat (number|percentage|share)\b", re.I)
# Which version a program needs or supports ("Which Python version is required by HTTPX?",
# "Minimum git version for GitPython"): not "the version control history".
_VERSION_QUESTION = re.compile(
    r"\b(which|what|minimum|minimal|oldest|earliest|lowest)\s+(\w+\s+){0,2}versions?\b(?!\s+(control|string|number)\b)"
    r"|\bversions?\s+(of\s+\w+\s+)?(is\s+|are\s+)?(required|needed|supported)\b",
    re.I,
)
# "long": "how long" is answered by "30 days", which does not say "long".
_KIND_WORDS = frozenset({"year", "date", "month", "time", "number", "percentage", "share", "long"})
_MONTHS = "january|february|march|april|june|july|august|september|october|november|december"
# "May" is a month beside a day or a year ("May 2019", "3 May"); else the verb every manual uses.
_TIME = re.compile(
    rf"\b(1[5-9]\d\d|20\d\d)s?\b|\b({_MONTHS})\b|\bmay\s+\d|\d\s+may\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b", re.I
)
_VERSION = re.compile(r"(?<![\w.])\d+\.(\d+|x)\b")  # "3.7", "1.7.x", "4.2.0"
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?)\b", re.I
)


# Each kind: the question form asking for it and what a sentence holding one has, in the
# order the forms are tried ("How long ago...?" asks for a time before a number).
_KINDS = {
    "time": (_TIME_QUESTION, _TIME),
    "number": (_NUMBER_QUESTION, _NUMBER),
    "version": (_VERSION_QUESTION, _VERSION),
}


def expected_answer(question: str) -> str | None:
    """"time", "number", "version", or None when the question's form says nothing about its answer."""
    return next((kind for kind, (form, _) in _KINDS.items() if form.search(question)), None)


def type_words(question: str) -> tuple[str, ...]:
    """The words of the question that name the kind of answer ("year" in "In what year ..."):
    the answer says 1993, not "year", so a sentence holding the word answers no better."""
    found = _TIME_QUESTION.search(question) or _NUMBER_QUESTION.search(question)
    if found is None:
        return ()
    return tuple(word for word in re.findall(r"\w+", found.group(0).lower()) if word in _KIND_WORDS)


def has_answer_of(kind: str | None, sentence: str) -> bool:
    return kind in _KINDS and _KINDS[kind][1].search(sentence) is not None
