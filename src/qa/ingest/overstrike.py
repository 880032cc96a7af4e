"""Plain text typeset for a terminal, read as the words it shows.

nroff prints bold by striking a character twice ("P\\bPo\\bo") and underlines by
striking "_" first ("_\\bw"); Postfix ships its READMEs so, and a page passed
through a tool that drops the backspaces keeps both strikes ("OOvveerrvviieeww").
A reader's terminal shows "Overview"; search and the model would see neither that
word nor the heading, and a citation would print the stutter. Such a file is read
as the text it shows (its offsets then index that text, which `qa show` prints, as
for any extracted text), and its lines set wholly in bold are its headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.records import Heading

# "X\bX" (bold) and "_\bX" (underline): the character struck last is the one shown.
_BACKSPACED = re.compile(r"[^\n]\x08")
_BOLD_LINE = re.compile(r"(?:(\S)\x08\1|[ \t])+")
_DOUBLED_WORD = re.compile(r"(?:(\S)\1)+")
_MIN_DOUBLED_LINES = 2  # one stuttering line may be a hex string; a typeset page has a few headings
_MAX_HEADING_WORDS = 16


@dataclass(frozen=True)
class Typeset:
    text: str  # what a terminal shows
    bold_lines: tuple[int, ...]  # offsets in `text` of the lines set wholly in bold


def without_overstrike(text: str) -> Typeset | None:
    """`text` as a terminal shows it, or None when nothing in it is overstruck."""
    lines = text.split("\n")
    struck = "\x08" in text
    bold = [n for n, line in enumerate(lines) if (_is_struck_bold(line) if struck else _is_doubled(line))]
    if not struck and len(bold) < _MIN_DOUBLED_LINES:
        return None
    shown = [_BACKSPACED.sub("", line) for line in lines] if struck else lines
    if not struck:
        for n in bold:
            shown[n] = re.sub(r"\S+", lambda word: word.group()[::2], shown[n])
    starts = [0]
    for line in shown:
        starts.append(starts[-1] + len(line) + 1)
    return Typeset("\n".join(shown), tuple(starts[n] for n in bold))


def bold_headings(typeset: Typeset) -> tuple[Heading, ...]:
    """The bold lines that stand alone after a blank line, short as titles
    are: Postfix's "How do I block backscatter mail to random recipient addresses?". The
    first line is the document's title, not a section."""
    text = typeset.text
    opening = len(text) - len(text.lstrip())  # where the first written line starts: the title's
    headings = []
    for start in typeset.bold_lines:
        end = text.find("\n", start)
        line = text[start : end if end >= 0 else len(text)]
        # The line above holds only spaces or tabs, between two line ends.
        above = text.rfind("\n", 0, max(start - 1, 0))
        after_blank = start > 0 and above >= 0 and not text[above + 1 : start - 1].strip(" \t")
        if start > opening and after_blank and len(line.split()) <= _MAX_HEADING_WORDS:
            headings.append(Heading(start + len(line) - len(line.lstrip()), 1, " ".join(line.split())))
    return tuple(headings)


def _is_struck_bold(line: str) -> bool:
    return bool(line.strip()) and _BOLD_LINE.fullmatch(line) is not None and _shows_a_word(_BACKSPACED.sub("", line))


def _is_doubled(line: str) -> bool:
    """Whether every word of the line strikes each character twice ("HHooww ddoo II"): a rule
    ("----") strikes one character over and over, and is no word."""
    words = line.split()
    if not words or not all(len(word) % 2 == 0 and _DOUBLED_WORD.fullmatch(word) for word in words):
        return False
    return _shows_a_word(" ".join(word[::2] for word in words))


def _shows_a_word(shown: str) -> bool:
    return sum(ch.isalpha() for ch in shown) >= 3 and len(set(shown.lower()) - {" "}) >= 2
