"""The text between two passages of a document, read as the citation's reader would.

Neighbouring chunks of one section share sentences, and two that do are shown as one
passage. A chunk that ends in a block too long to repeat (a code sample, a quoted
message) shares nothing with the next one, though the answer runs on into it: the
question sudo's FAQ asks is answered under the quoted error. Shown as one passage,
the two need the characters between them, exactly: the index's stored text (PDF,
HTML...) or the file itself (.txt, .md), checked against both chunks first.
"""

from __future__ import annotations

from pathlib import Path

from qa.index.protocols import IndexReader
from qa.records import ChunkRow

_MAX_GAP = 16  # characters between two chunks of a section: line ends and indentation, never text


class SourceTexts:
    """Reads each document's text at most once (per question)."""

    def __init__(self, reader: IndexReader, corpus_dir: Path):
        self._reader = reader
        self._corpus_dir = Path(corpus_dir)
        self._texts: dict[tuple[str, int | None], str | None] = {}

    def gap(self, first: ChunkRow, second: ChunkRow) -> str | None:
        """The blank characters between `first` and the chunk right after it in the same section
        and page, or None when they are not such neighbours (or the source has changed).

        Only a section under a heading: a text without headings is one run of paragraphs, and
        any two of its neighbours would be joined into a passage twice as long."""
        if not first.heading_path:
            return None
        if (first.doc_id, first.page, first.heading_path) != (second.doc_id, second.page, second.heading_path):
            return None
        if not 0 <= second.char_start - first.char_end <= _MAX_GAP:
            return None
        text = self._text(first.doc_id, first.page)
        if text is None or text[first.char_start : first.char_end] != first.text:
            return None
        if text[second.char_start : second.char_end] != second.text:
            return None
        between = text[first.char_end : second.char_start]
        return between if not between.strip() else None

    def _text(self, doc_id: str, page: int | None) -> str | None:
        key = (doc_id, page)
        if key not in self._texts:
            self._texts[key] = self._read(doc_id, page)
        return self._texts[key]

    def _read(self, doc_id: str, page: int | None) -> str | None:
        stored = self._reader.stored_text(doc_id)
        if stored is None:
            return None
        try:
            return stored.read(self._corpus_dir / doc_id, page if stored.page_starts else None)
        except (OSError, UnicodeDecodeError):
            return None  # gone or changed since it was indexed: the chunks are shown apart
