"""Table-of-contents and index lines of a PDF page: they say where something is, never what.

"6.1.10. /var/spool/cron : cron and at jobs ........ 41" holds the very words
of a question about cron jobs and nothing that answers it; as a passage it wins
over the section it points to. Such lines are page layout, like running headers:
chunks leave them out, the stored text keeps them (`qa show` prints the page).

A contents or index entry ends in a leader, a run of dots (". . . . 12",
"......41", "…… 7"), usually followed by page numbers ("30, 33", "xiv"; PassiveTeX
prints none), or, without a leader, is one of the document's headings (its
bookmarks) followed by a page number ("7 Which UPS should I buy? 2", as AsciiDoc's
dblatex style sets it); both are "leader lines" below. Around them sit entries
without either (dblatex and Sphinx set chapters as "2 Getting and installing
Debian 5"), titles wrapped onto a second line, and an index's letter headings
("A", "B"). So the unit found is a block: leader lines, at least `_MIN_LEADERS`
of them (one sentence ending in "...." is not a table of contents), together with

- up to `_MAX_BRIDGED` lines between two leader lines (a wrapped title, "3.1.8 ...
  requires more attention? 9", an index letter),
- entries ending in a page number next to the block (at most one other line between),
- lines without a letter or digit ("–", "#" heading an index's symbols),
- the block's title just above it: one short line without final punctuation
  ("Table of Contents", "Contents", "Concept Index"),
- on a page that continues a block the page before ended with, the lines before its
  first leader line (the rest of an entry wrapped over the page break), even when
  fewer than `_MIN_LEADERS` entries are left for this page.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Collection, Sequence

from qa.ingest.headings import title_words
from qa.ingest.markdown_text import IN_PAGE_LINK, heading_words
from qa.records import Heading

# A page number: Arabic, or Roman in lower case as front matter is numbered ("xiv", not "did").
_PAGE = r"(?:\d{1,4}|(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
# A leader at the end of a line: four or more dots (spaced or not, or ellipses), then page numbers if any.
_LEADER = re.compile(rf"[.\u00b7\u2026](?:[ \t]?[.\u00b7\u2026]){{3,}}[^\w\n]*(?:[ \t]*{_PAGE}(?:[ \t]*[,\u2013-][ \t]*{_PAGE})*)?[ \t]*$")
# An entry without a leader: a title, then its page number.
_PAGE_NUMBER_END = re.compile(rf"\S[ \t]+{_PAGE}$")
_MIN_LEADERS = 3
_MAX_BRIDGED = 3  # lines between two leader lines: a title wrapped over three lines, or an index letter
_MAX_TITLE_WORDS = 4
_TITLE_END = re.compile(r"[.,;:!?]$")

# A list item's marker before a contents entry: "- ", "* ", "1. ", "[1] "
_ENTRY_MARK = re.compile(r"^(?:[-*+\u2022\u00b7]|\d{1,3}[.)]|\[\d{1,3}\])\s+")

# A line opening with a link to a place on the same page ("[1.1.](#1_1) When I compile sysstat,
# ...", "**[2. Questions related to sar](#sar)**"): a contents entry whatever follows it, since an
# FAQ's questions are no headings to match and its contents list repeats each one word for word.
_ANCHOR_ENTRY = re.compile(rf"^(?:(?:[-*+]|\d{{1,3}}[.)])\s+)?(?:\*\*|__)?{IN_PAGE_LINK}")

_LEADER_LINE, _ENTRY, _MARK, _OTHER = "leader", "entry", "mark", "other"


def contents_spans(
    pages: Sequence[str], left_out: Sequence[Sequence[tuple[int, int]]], titles: Collection[str] = ()
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each page, the (start, end) offsets of its table-of-contents and index lines.

    `left_out` holds each page's running header and footer spans (`page_furniture`):
    those lines are passed over, so a contents page's header does not split its block.
    `titles`: the document's heading titles; a line naming one, then a page number, is an entry.
    """
    spans = []
    continues = False  # the page before ended inside a block
    named = {words for words in (title_words(title) for title in titles) if words}
    for page, furniture in zip(pages, left_out):
        lines = _content_lines(page, furniture)
        found, continues = _blocks(lines, continues, named)
        spans.append(tuple((lines[n][0], lines[n][1]) for n in sorted(found)))
    return tuple(spans)


def heading_list_spans(text: str, headings: Sequence[Heading]) -> tuple[tuple[int, int], ...]:
    """The (start, end) offsets of a table of contents in a text without pages: a run of at
    least `_MIN_LEADERS` lines (blank lines between them allowed) each naming one of the
    document's headings that comes after it, as a FAQ lists its sections under "CONTENTS" and
    a README lists links to its own headings ("- [Installation](#installation)"), with the
    block's title just above it; or a run of lines each opening with a link to a place on the same
    page, as an FAQ in Markdown lists its questions ("[1.1.](#1_1) When I compile sysstat, ...").
    Such lines hold every heading's words and answer nothing."""
    later: dict[tuple[str, ...], int] = {}  # a heading's words -> where its last occurrence starts
    for heading in headings:
        later[title_words(heading.title)] = heading.start
    later.pop((), None)
    lines = _content_lines(text, ())
    named = {heading.title for heading in headings}
    heading_starts = sorted(heading.start for heading in headings)

    def is_heading(start: int, end: int) -> bool:
        at = bisect_left(heading_starts, start)
        return at < len(heading_starts) and heading_starts[at] < end

    entries = [
        n for n, (start, end, line) in enumerate(lines)
        if not is_heading(start, end)
        and not line.startswith("#")  # a heading's own line, in a code block if not one
        and (
            _ANCHOR_ENTRY.match(line) is not None
            or ((words := title_words(heading_words(_ENTRY_MARK.sub("", line)))) and later.get(words, -1) > end)
        )
    ]
    groups: list[list[int]] = []
    for n in entries:
        if groups and n - groups[-1][-1] <= 2:  # one line between two entries: one whose heading was reworded
            groups[-1].append(n)
        else:
            groups.append([n])
    spans: list[tuple[int, int]] = []
    for group in groups:
        if len(group) < _MIN_LEADERS:
            continue
        first = group[0]
        if first > 0 and lines[first - 1][2] not in named and _is_title(_ENTRY_MARK.sub("", lines[first - 1][2])):
            first -= 1  # "CONTENTS OF THIS FAQ", "Table of Contents"
        spans.extend((lines[n][0], lines[n][1]) for n in range(first, group[-1] + 1))
    return tuple(spans)


def _content_lines(page: str, furniture: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, text) of each non-blank line of the page that is not furniture."""
    skipped = {start for start, _ in furniture}
    lines = []
    offset = 0
    for line in page.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + len(line) - len(line.lstrip())
            if start not in skipped:
                lines.append((start, start + len(stripped), stripped))
        offset += len(line) + 1
    return lines


def _kind(text: str, titles: set[tuple[str, ...]]) -> str:
    if _LEADER.search(text):
        return _LEADER_LINE
    if titles and _PAGE_NUMBER_END.search(text) and title_words(text) in titles:
        return _LEADER_LINE  # a heading's title and its page: an entry, as surely as one with a leader
    if not any(ch.isalnum() for ch in text):
        return _MARK
    if _PAGE_NUMBER_END.search(text):
        return _ENTRY
    return _OTHER


def _blocks(lines: list[tuple[int, int, str]], continues: bool, titles: set[tuple[str, ...]]) -> tuple[set[int], bool]:
    """Indices of the lines in contents blocks, and whether a block reaches the page's last line."""
    kinds = [_kind(text, titles) for _, _, text in lines]
    leaders = [n for n, kind in enumerate(kinds) if kind == _LEADER_LINE]
    groups: list[list[int]] = []
    for n in leaders:
        if groups and n - groups[-1][-1] - 1 <= _MAX_BRIDGED:
            groups[-1].append(n)
        else:
            groups.append([n])
    found: set[int] = set()
    for group in groups:
        carried = continues and group[0] <= _MAX_BRIDGED  # the rest of the block the page before ended in
        if len(group) < _MIN_LEADERS and not carried:
            continue
        first, last = group[0], group[-1]
        if carried:
            first = 0
        first = _extend(kinds, first, -1)
        last = _extend(kinds, last, +1)
        found.update(range(first, last + 1))
        title = first - 1
        if title >= 0 and title not in found and _is_title(lines[title][2]):
            found.add(title)
    return found, bool(lines) and len(lines) - 1 in found


def _extend(kinds: list[str], n: int, step: int) -> int:
    """Move from line `n` over neighbouring entries with page numbers and marks, one other line
    allowed before an entry (a chapter title wrapped onto two lines)."""
    while True:
        nxt = n + step
        if 0 <= nxt < len(kinds) and kinds[nxt] in (_ENTRY, _MARK, _LEADER_LINE):
            n = nxt
            continue
        after = n + 2 * step
        if 0 <= nxt < len(kinds) and 0 <= after < len(kinds) and kinds[after] in (_ENTRY, _LEADER_LINE):
            n = after
            continue
        return n


def _is_title(text: str) -> bool:
    return len(text.split()) <= _MAX_TITLE_WORDS and not _TITLE_END.search(text) and any(ch.isalpha() for ch in text)
