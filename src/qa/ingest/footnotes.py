"""Footnotes at the foot of a PDF page: text apart from the page's running text.

A footnote's number is set as a superscript against its text, and PDFium reads
the two as one word: "11The default package name field length of aptitude is
30." (a superscript "14" may even come out as "1⁴"). Read that way the model
sees "11the", and the notes run on from the last sentence of the page into one
passage about nothing in particular. So a page's footnotes begin a passage of
their own, and their numbers are left out of what the model reads. The text
shown, its offsets and what full-text search indexes stay as the page has them
(there "1Use" is still one word).

The footnotes of a page are the lines from the first one opening with a note
number to the page's last line (running footer aside), where the numbers of the
notes follow one another (11, 12, 13) and each is referred to in the text above
("...within 30 characters. 11", "tar.gz1", "the list itself.1"), no heading starts
among them (a numbered heading at the foot of a page is not a note), and the last
ends a sentence. A number is a note's when it is not 0, opens its line and runs
into a word ("11The", "2dists") or stands before a capital ("13 A major
exception"); "74HC125", "1k", "20th", "4 usually" and "1 (SDI)" are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

_SUPERSCRIPTS = str.maketrans("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789")
_DIGIT = "0-9\u2070\u00b9\u00b2\u00b3\u2074-\u2079"
# A note number at a line's start, and the word it runs into or the capital it stands before.
# Not an ordinal ("20th"); a lone capital after the number only as a word ("10A description", not "3D").
_NOTE_NUMBER = re.compile(
    rf"[{_DIGIT}]{{1,3}}(?!(?:st|nd|rd|th)\b)(?=[A-Z][a-z]|[AI][ \t]|[a-z]{{2}}|[\"\u201c\u2018(]|[ \t](?:[A-Z]|[\"\u201c\u2018]))"
)
# The last note ends a sentence (or a parenthesis or quotation closing one).
_SENTENCE_END = re.compile(r"[.!?][)\]\"\u201d\u2019']*$")
# At most this share of a page's lines are its footnotes: a page of numbered lines is a list.
_MAX_SHARE = 0.6


@dataclass(frozen=True)
class Footnotes:
    start: int  # where the page's footnotes begin, in its text
    numbers: tuple[tuple[int, int], ...]  # (start, end) of each note's number


def page_footnotes(
    pages: Sequence[str], left_out: Sequence[Sequence[tuple[int, int]]], heading_starts: Sequence[Sequence[int]]
) -> tuple[Footnotes | None, ...]:
    """For each page, its footnotes (None when it has none). `left_out`: each page's
    running header and footer spans, passed over; `heading_starts`: where on each page
    a heading starts."""
    return tuple(_footnotes(page, furniture, starts) for page, furniture, starts in zip(pages, left_out, heading_starts))


def _footnotes(page: str, furniture: Sequence[tuple[int, int]], heading_starts: Sequence[int]) -> Footnotes | None:
    skipped = {start for start, _ in furniture}
    lines = []  # (start, note number span or None)
    offset = 0
    for line in page.split("\n"):
        stripped = line.lstrip()
        if stripped.strip():
            start = offset + len(line) - len(stripped)
            if start not in skipped:
                match = _NOTE_NUMBER.match(stripped)
                lines.append((start, (start, start + match.end()) if match else None))
                last_line = stripped.rstrip()
        offset += len(line) + 1
    if not lines or not _SENTENCE_END.search(last_line):
        return None
    found = None
    expected = None  # the number the note below the current line must have
    for n in range(len(lines) - 1, 0, -1):  # never the first line: notes follow text
        start, number = lines[n]
        if number is None:
            continue
        value = int(page[number[0] : number[1]].translate(_SUPERSCRIPTS))
        if value == 0 or (expected is not None and value != expected - 1):
            break
        if len(lines) - n > _MAX_SHARE * len(lines) or not _referred_to(page[:start], value):
            break
        if any(heading >= start for heading in heading_starts):
            break
        expected = value
        found = n
    if found is None:
        return None
    numbers = tuple(number for _, number in lines[found:] if number is not None)
    return Footnotes(lines[found][0], numbers)


def _referred_to(text: str, value: int) -> bool:
    """Whether the text above holds the note's mark: its number after a word or a space, not inside a number."""
    return re.search(rf"(?<![\d#])(?<!\d[.,/:-]){value}(?!\d|[.,]\d)", text.translate(_SUPERSCRIPTS)) is not None
