"""Running headers, footers and page numbers of a PDF: lines a page repeats, not what it says.

"Debian New Maintainers' Guide 3 / 57" at the top of every page, "Chapter 4:
Program Behavior for All Programs" over a chapter, a bare "12" at the foot:
inside a passage they push the answer out of the model's window and match
questions by accident. They stay in the stored text (`qa show` prints the page
as extracted, and offsets index it); chunks leave them out.

A line is furniture when it sits among the first or last few lines of a page
and the same line, numbers aside, sits there on at least `_MIN_PAGES` pages and
on most pages of the stretch between its first and last appearance (a chapter's
header repeats over its chapter only; left and right pages may alternate two).
A line that is only a page number ("12", "xiv", "3 / 57", "Page 4") at a page's
very edge is furniture whenever other pages have one too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Sequence

# How many non-blank lines at the top and at the foot of a page can be running headers or footers.
_EDGE_LINES = 3
_MIN_PAGES = 3
# Share of the pages between a line's first and last appearance on which it must appear.
_MIN_STRETCH_SHARE = 0.5
_MAX_LINE_CHARACTERS = 160  # longer lines are text, whatever repeats
_ROMAN = re.compile(r"\b[ivxlcdm]{1,7}\b")
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?#(?:\s*(?:/|of)\s*#)?$|^[-–—\s]*#[-–—\s]*$")


def furniture_spans(pages: Sequence[str]) -> tuple[tuple[tuple[int, int], ...], ...]:
    """For each page, the (start, end) offsets of its running header, footer and page-number lines."""
    edges = [_edge_lines(page) for page in pages]
    seen: dict[str, set[int]] = defaultdict(set)
    for number, lines in enumerate(edges):
        for _, _, key, _ in lines:
            seen[key].add(number)
    running = {key for key, on in seen.items() if _repeats(key, on)}
    numbers_pages = sum(1 for lines in edges if any(outermost and _PAGE_NUMBER.match(key) for *_, key, outermost in lines))
    chosen_by_page = []
    for lines in edges:
        chosen = [
            (start, end, key)
            for start, end, key, outermost in lines
            if key in running or (outermost and _PAGE_NUMBER.match(key) and numbers_pages >= _MIN_PAGES)
        ]
        chosen_by_page.append(chosen)
    # Lines that frame pages which also say something: on a page of nothing but such
    # lines (the blank page before a new chapter) they are still only furniture.
    counts = [sum(1 for line in page.split("\n") if line.strip()) for page in pages]
    framing = {key for chosen, count in zip(chosen_by_page, counts) if len(chosen) < count for _, _, key in chosen}
    spans = []
    for chosen, count in zip(chosen_by_page, counts):
        if len(chosen) == count and not all(key in framing for _, _, key in chosen):
            chosen = []  # a page of nothing but lines repeated on such pages ("Step 1", "Step 2"): those are its text
        spans.append(tuple(sorted({(start, end) for start, end, _ in chosen})))
    return tuple(spans)


def _repeats(key: str, pages: set[int]) -> bool:
    if len(pages) < _MIN_PAGES or not any(ch.isalnum() or ch == "#" for ch in key):
        return False
    stretch = max(pages) - min(pages) + 1
    return len(pages) >= _MIN_STRETCH_SHARE * stretch


def _edge_lines(page: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, key, outermost) of the first and last few non-blank lines of a page."""
    lines = []
    offset = 0
    for line in page.split("\n"):
        if line.strip() and len(line.strip()) <= _MAX_LINE_CHARACTERS:
            start = offset + len(line) - len(line.lstrip())
            lines.append((start, offset + len(line.rstrip()), _key(line)))
        elif line.strip():
            lines.append(None)  # a long line still counts as a line: edges are about position
        offset += len(line) + 1
    picked: dict[int, tuple[int, int, str, bool]] = {}
    last = len(lines) - 1
    for n in list(range(min(_EDGE_LINES, len(lines)))) + list(range(max(0, len(lines) - _EDGE_LINES), len(lines))):
        if lines[n] is not None:
            start, end, key = lines[n]
            picked[n] = (start, end, key, n in (0, last))
    return [picked[n] for n in sorted(picked)]


def _key(line: str) -> str:
    """A line as it repeats from page to page: lower case, spaces folded, numbers (Arabic or Roman) as '#'."""
    folded = " ".join(line.lower().split())
    folded = _DIGITS.sub("#", folded)
    return _ROMAN.sub("#", folded) if _ROMAN.fullmatch(folded.replace(" ", "")) or len(folded) <= 8 else folded
