"""Word spaces from where a PDF page's glyphs stand, where PDFium's text has them wrong.

Inside one run of text (a PDF text object) PDFium (159, in pypdfium2 5.15) finds a word gap at
a space character or a TJ kerning gap, not at one made with character spacing (Tc). Ghostscript,
which prints groff man pages to PDF, draws many word gaps that way: `2.805 Tc (da) Tj` is "d",
2.8 points of nothing (a space's width), then "a". So PDFium read Debian's bash manual as "it is
invokedas\\nalogin shell" where the page, and poppler's pdftotext, show "invoked as a login
shell": 1,728 such gaps on its 87 pages.

The gap between two neighbouring glyphs on a line is measured from where the first one's
advance ends to where the next one starts (PDFium's loose character box). A space is added
where that gap is at least `WORD_GAP` of the font size wider than the gaps beside it. 0.1 em
is where poppler's pdftotext starts a new word (minWordBreakSpace in TextOutputDev); on 11
manuals (tests/real_documents*/ and two of /usr/share/doc) the gaps that wide are all word
gaps (groff's 0.18-1.7 em; elsewhere 0.10-0.20 em, before a table of contents' dot leaders
or a "(https://..." in another font), while gaps inside words and before punctuation stay
under 0.09 em. Comparing with the gaps beside it keeps letter-spaced text whole: on Apache
FOP's fhs-3.0.pdf every glyph of a line stands 0.05-0.08 em after the one before.

The other way round, a space character after which the next glyph starts where the previous
one ended, or up to `MAX_OVERLAP` before, shows no gap: groff's "giv en", "neg ative" (24 in
the bash manual). That space is left out.

The cost is one PDFium call per glyph (about a microsecond) and a few per gap found.
"""

from __future__ import annotations

import math

# A gap this share of the font size wider than its neighbours' is a word space (poppler's rule).
WORD_GAP = 0.1
# A space character whose neighbours overlap by up to this share of the font size shows no gap.
# Further back, the next glyph is not beside the previous one (an accent drawn back over a letter).
MAX_OVERLAP = 0.1
# Characters that are not glyphs for this purpose: spaces, line breaks, PDFium's soft-hyphen marks.
_NOT_GLYPHS = " \t\r\n\f\x00\x02\xa0\ufffe"


def word_space_edits(textpage, text: str) -> tuple[list[int], list[int]]:
    """Where the page shows a word gap PDFium's text lacks, and spaces it shows no gap for.

    `text` is PDFium's text of `textpage` with one text character per PDFium character.

    Returns:
        (after, dropped): indexes of the characters a space should follow, ascending, and of
        the space characters to leave out, ascending.
    """
    import numpy as np

    count = len(text)
    if count < 2:
        return [], []
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    glyph = ~np.isin(codes, np.array([ord(c) for c in _NOT_GLYPHS], dtype=np.uint32))
    left, top, right, bottom = _advance_boxes(textpage, count, np.nonzero(glyph)[0]).T
    height = top - bottom
    with np.errstate(invalid="ignore"):
        # Character i and i + 1 are two glyphs on one line when their boxes share some height.
        beside = glyph[:-1] & glyph[1:] & (bottom[1:] < top[:-1]) & (top[1:] > bottom[:-1])
        gap = np.where(beside, left[1:] - right[:-1], np.nan)
        nan = np.array([np.nan])
        neighbours = np.fmin(np.concatenate((nan, gap[:-1])), np.concatenate((gap[1:], nan)))
        wider = gap - np.nan_to_num(np.maximum(neighbours, 0.0), nan=0.0)
        # A cheap first cut by the box height (0.6-1.6 em on these manuals); the font size decides.
        candidates = np.nonzero(wider > 0.01 * height[:-1])[0]
    after = [int(i) for i in candidates if 0 < WORD_GAP * _em(textpage, i, i + 1) <= wider[i]]

    dropped = []
    spaces = np.nonzero(codes[1:-1] == ord(" "))[0] + 1
    if len(spaces):
        before, nxt = spaces - 1, spaces + 1
        on_line = glyph[before] & glyph[nxt] & (bottom[nxt] < top[before]) & (top[nxt] > bottom[before])
        overlap = right[before] - left[nxt]  # >= 0: the next glyph starts where the previous ended, or before
        for i in spaces[on_line & (overlap >= 0) & (overlap < height[before])]:
            if 0 <= right[i - 1] - left[i + 1] <= MAX_OVERLAP * _em(textpage, i - 1, i + 1):
                dropped.append(int(i))
    return after, dropped


def _advance_boxes(textpage, count: int, indexes):
    """Per character [left, top, right, bottom] in PDF points: its origin to where its advance
    ends across, the font's height up (PDFium's loose character box); an empty box for the
    characters not in `indexes` and for those PDFium cannot place."""
    import numpy as np
    import pypdfium2.raw as pdfium_c

    rects = (pdfium_c.FS_RECTF * count)()  # left, top, right, bottom: four floats each
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    handle = textpage.raw
    for index in indexes.tolist():
        loose_box(handle, index, rects[index])
    return np.frombuffer(rects, dtype=np.float32).reshape(count, 4).astype(np.float64)


def _em(textpage, *indexes: int) -> float:
    """The larger font size of these characters in points as drawn: PDFium's font size is the
    Tf operand, so it is scaled by the character's matrix (text and page). 0 when unknown."""
    import pypdfium2.raw as pdfium_c

    size = 0.0
    for index in indexes:
        matrix = pdfium_c.FS_MATRIX()
        if not pdfium_c.FPDFText_GetMatrix(textpage.raw, int(index), matrix):
            return 0.0
        scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        size = max(size, pdfium_c.FPDFText_GetFontSize(textpage.raw, int(index)) * scale)
    return size
