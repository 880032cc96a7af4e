"""Follow-up questions: decide whether a question leans on the conversation, and what to search.

"What should be done about it?" means nothing to a retriever on its own: "it" is
whatever the previous question was about. Such a question is searched together
with the previous turn's search text; a question that names its own subject is
searched alone. Pure functions, no model: the TUI and `qa ask --conversation`
share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.analyzer import ENGLISH, STOPWORDS

# Words that point back at something said before.
PRONOUNS = frozenset("it its they them their theirs he she him her his hers there".split())
DEMONSTRATIVES = frozenset("this that these those".split())
_IT = frozenset({"it", "its"})
# A question that opens like this continues the previous one ("And the Taliban?").
_ELLIPTICAL_OPENINGS = re.compile(
    r"^\s*(what about|how about|and|but|also|what else|anything else|why|why not|how so|more)\b", re.IGNORECASE
)
# Words that ask, not say what is asked about.
_QUESTION_WORDS = frozenset("what when where which who whom whose why how tell explain describe say said does did".split())
_BE = frozenset("is are was were be been being 's".split())
# The context carried into a follow-up stays short, so a long conversation does not
# drown the new question.
MAX_CONTEXT_WORDS = 12


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and the text actually searched for it."""

    question: str  # as the user typed it
    searched_for: str  # the question alone, or the conversation's context plus the question
    follow_up: bool  # True when `searched_for` includes earlier turns


def plan_turn(question: str, previous: Turn | None) -> Turn:
    """The turn for `question` after `previous` (None at the start of a conversation)."""
    question = " ".join(question.split())
    if previous is None or not leans_on_conversation(question):
        return Turn(question=question, searched_for=question, follow_up=False)
    context = " ".join(subject_words(previous.searched_for))
    searched = f"{context} {question}" if context else question
    return Turn(question=question, searched_for=searched, follow_up=bool(context))


def plan_conversation(questions: list[str]) -> list[Turn]:
    """The turns for questions asked one after another in one conversation."""
    turns: list[Turn] = []
    for question in questions:
        turns.append(plan_turn(question, turns[-1] if turns else None))
    return turns


def leans_on_conversation(question: str) -> bool:
    """True when the question needs earlier turns to be understood.

    That is when it has a pronoun or demonstrative no name in the question
    resolves ("What should be done about it?", "Who pushed them out?"), opens
    elliptically ("What about Pakistan?", "And why?"), or says almost nothing
    of its own ("Why?").
    """
    tokens = ENGLISH.tokens(question)
    if not tokens:
        return False
    if _ELLIPTICAL_OPENINGS.match(question):
        return True
    if _unresolved_reference(tokens):
        return True
    topic = [t for t in tokens if _is_content(t)]
    return len(topic) == 0 or (len(topic) == 1 and not any(_is_name(t, i) for i, t in enumerate(tokens)))


def subject_words(text: str, limit: int = MAX_CONTEXT_WORDS) -> list[str]:
    """What an earlier turn was about: its names when it has any, else its content words.

    Names alone work best: with the real model, "IS-KP What should be done about
    it?" retrieves what "What should be done about IS-KP?" does, while carrying
    "announce formation" along pulls the follow-up back to the first answer.
    """
    names: dict[str, str] = {}
    for position, token in enumerate(ENGLISH.tokens(text)):
        if _is_name(token, position) and token.lower() not in names:
            names[token.lower()] = token
    return list(names.values())[-limit:] or context_words(text, limit)


def context_words(text: str, limit: int = MAX_CONTEXT_WORDS) -> list[str]:
    """The words of `text` that carry its subject, in order, without repeats, at most `limit`."""
    seen: dict[str, str] = {}
    for token in ENGLISH.tokens(text):
        if _is_content(token) and token.lower() not in seen:
            seen[token.lower()] = token
    return list(seen.values())[-limit:]


def names_nothing_it_points_at(tokens: list[str]) -> bool:
    """True when a question says "it" or "its" and names nothing at all ("Is it willing to make
    deals with non-believers?"): on its own, it asks about what is being read
    (`qa.search.unnamed_subject`). "When did IS-KP announce its formation?" names it. Only "it":
    "they", "their" and "these" mostly point back inside the question ("What two other rulers
    had their graves hidden?", "Where are these dams located?"), and reading those under an
    unrelated title answered two of the SQuAD no-answer sample's questions."""
    return any(token.lower() in _IT for token in tokens) and not any(_is_name(token, i) for i, token in enumerate(tokens))


def _unresolved_reference(tokens: list[str]) -> bool:
    named = False
    lowered = [t.lower() for t in tokens]
    for i, token in enumerate(tokens):
        word = lowered[i]
        if _is_name(token, i):
            named = True
            continue
        if named:
            continue  # "When did IS-KP announce its formation?": "its" is IS-KP
        if word in PRONOUNS:
            if word == "there" and _next_to_be(lowered, i):
                continue  # "Is there a threat?" points at nothing
            return True
        if word in DEMONSTRATIVES and _points_back(lowered, i):
            return True
    return False


def _next_to_be(lowered: list[str], i: int) -> bool:
    return (i > 0 and lowered[i - 1] in _BE) or (i + 1 < len(lowered) and lowered[i + 1] in _BE)


def _points_back(lowered: list[str], i: int) -> bool:
    """A demonstrative refers back when it ends the question ("Who said that?") or
    introduces a noun ("that attack"), not when it starts a relative clause
    ("the magazine that the group publishes")."""
    if i + 1 == len(lowered):
        return True
    before_is_function_word = i == 0 or lowered[i - 1] in STOPWORDS or lowered[i - 1] in _QUESTION_WORDS
    return before_is_function_word and lowered[i + 1] not in STOPWORDS


def _is_content(token: str) -> bool:
    word = token.lower()
    return word not in STOPWORDS and word not in _QUESTION_WORDS and not word.isdigit() or _looks_like_year(word)


def _looks_like_year(word: str) -> bool:
    return word.isdigit() and len(word) == 4


def _is_name(token: str, position: int) -> bool:
    """A proper name or acronym: capitalised other than as the first word, or with inner capitals."""
    if token.lower() in STOPWORDS or token.lower() in _QUESTION_WORDS:
        return False
    if any(c.isupper() for c in token[1:]):
        return True  # IS-KP, al-Baghdadi's "al-Azaim" style names, NATO
    return position > 0 and token[0].isupper()
