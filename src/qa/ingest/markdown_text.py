"""Markdown as a reader sees it rendered: its words without its syntax.

A .md file's text is the file itself, so offsets are ones a reader can check with
`open()`, and a passage shows the Markdown as written. What a reader of the
rendered page never sees is left out of what the model reads for a passage and
out of heading paths: `**` and `_` around emphasis, backticks, `#` before a
heading, a link's brackets and URL (its words stay), badge images, HTML tags and
comments ('<a name="intro"></a>'), code fences, table rules, link reference
definitions, footnote marks ("[^2]"; a footnote's text is read). A passage made only of those (a block of "[1.0.0]: https://..."
definitions, a badge row) is no passage at all.

Each chunk's `search_text` is its text with those characters taken out, and
`origins` says where each of its characters comes from, so a sentence of the
shown text is found in what the model read (see `index.indexer`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from qa.analyzer import LINE_END_JOIN
from qa.ingest.tokens import TokenCounter
from qa.records import Chunk, Document, embedded_text

MARKDOWN_SUFFIXES = (".md", ".markdown")

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX_OPEN = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)([^\]]+)\]:[ \t]*\S")
# A footnote's definition ("[^2]: Chardet does not feed the complete body...") is text a reader
# reads at the page's foot; only its label is syntax. (It was read as a link definition and lost.)
_FOOTNOTE = re.compile(r" {0,3}\[\^[^\]\s]{1,100}\]:[ \t]*")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*)$")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$|^[ \t]*\|[ \t]*:?-+:?[ \t]*\|?[ \t]*$")
_QUOTE = re.compile(r" {0,3}(?:>[ \t]?)+")
# A link to a place on the same page ("[Installation](#installation)"): how contents lists point.
IN_PAGE_LINK = r"\[[^\]]*\]\(#[^)\s]*\)"
# A list item that is only a link to a section of the same page: a table of contents, navigation.
_CONTENTS_ITEM = re.compile(rf"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+{IN_PAGE_LINK}[ \t]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# One inline construct each, tried left to right; what a match holds is handled by `_inline`.
# Each reaches a bounded way (a code span, a link or emphasis longer than that is not one), so a
# long paragraph of unmatched "*", "_", "`" or "[" costs linear time, not quadratic.
_INLINE = re.compile(
    r"(?s)(?P<code>(?P<ticks>`+)(?P<code_text>.{1,1000}?)(?P=ticks))"
    r"|(?P<badge>\[\s*!\[[^\]]{0,500}\]\([^)]{0,2000}\)\s*\]\([^)]{0,2000}\)|\[\s*!\[[^\]]{0,500}\]\[[^\]]{0,500}\]\s*\]\[[^\]]{0,500}\])"
    r"|(?P<image>!\[[^\]]{0,500}\](?:\([^)]{0,2000}\)|\[[^\]]{0,500}\]))"
    r"|(?P<link>\[(?P<link_text>[^\]]{0,500})\](?:\((?P<url>[^)]{0,2000})\)|\[(?P<ref>[^\]]{0,500})\]))"
    r"|(?P<footnote>\[\^[^\]\s]{1,100}\])"  # a footnote's mark in the text ("...the payload.[^2]")
    r"|(?P<shortcut>\[(?P<shortcut_text>[^\]]{1,500})\])(?![(:])"
    r"|(?P<autolink><(?P<address>(?:https?|ftp|mailto):[^\s<>]{0,2000}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]{0,1000})?/?>)"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<emphasis>(?<![\w\\])(?P<marks>\*{1,3}|_{1,3}|~~)(?=\S)(?P<emphasized>.{1,1000}?)(?<=[^\s\\])(?P=marks)(?!\w))"
)

Edit = tuple[int, int, str]  # characters [start, end) of the text read as the replacement ("" or a space)


def is_markdown(doc_id: str) -> bool:
    return doc_id.lower().endswith(MARKDOWN_SUFFIXES)


# reStructuredText's section adornments and table borders: lines of one punctuation character
# ("=======", "-----", "=====  =====").
_RST_ADORNMENT_LINE = re.compile(r"^[ \t]*([=\-`:'\"~^_*+#<>.])\1{2,}(?:[ \t]+\1{3,})*[ \t]*$")

# A heading's underline inside a box drawn with "*" or "|" ("*  -------------  *"), as plain text licences draw them.
_BOXED_ADORNMENT = re.compile(r"^[ \t]*([*|#])[ \t]+(([=\-~^_+])\3{2,})[ \t]+\1[ \t]*$")


def rst_edits(text: str) -> list[Edit]:
    """What to leave out of a reStructuredText (or plain text) document for the model: its adornment lines. Each
    "-" of "Retrying Requests / -----------------" is a word piece of its own, so a section's
    underline took more of a chunk's window than its title."""
    edits: list[Edit] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if _RST_ADORNMENT_LINE.match(line.rstrip("\r\n")):
            edits.append((offset, offset + len(line.rstrip("\r\n")), ""))
        elif boxed := _BOXED_ADORNMENT.match(line):
            edits.append((offset + boxed.start(2), offset + boxed.end(2), ""))  # the underline, not the box
        offset += len(line)
    return edits


def references(text: str) -> frozenset[str]:
    """The labels of the link reference definitions ("[1.0.0]: https://...") of a document, case-folded."""
    return frozenset(match.group(1).casefold() for line in text.splitlines() if (match := _DEFINITION.match(line)))


def heading_words(title: str, defined: frozenset[str] = frozenset()) -> str:
    """A heading's words as rendered: 'Intro<a name="intro"></a>' -> "Intro", "[1.0.0] - 2023-02-24"
    -> "1.0.0 - 2023-02-24" when [1.0.0] is a defined link, "Disable `load_dotenv`" -> "Disable load_dotenv"."""
    edits: list[Edit] = []
    _inline(title, 0, len(title), defined, edits)
    return " ".join(apply_edits(title, 0, len(title), _without_overlaps(edits))[0].split())


def rendered_edits(text: str) -> list[Edit]:
    """What to leave out of `text` (a Markdown document) to read it as rendered, in order."""
    defined = references(text)
    edits: list[Edit] = []
    lines = text.splitlines(keepends=True)
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    fence = None
    table = False
    paragraph: list[int] = []  # [start, end] of the run of lines read as one paragraph so far

    def end_paragraph() -> None:
        # Emphasis and links may run over a line break inside a paragraph, not past it.
        if paragraph:
            _inline(text, paragraph[0], paragraph[1], defined, edits)
            paragraph.clear()

    for n, line in enumerate(lines):
        start, body = starts[n], line.rstrip("\r\n")
        end = start + len(body)
        fence_match = _FENCE.match(body)
        if fence is not None or fence_match:
            end_paragraph()
            if fence_match and (fence is None or fence_match.group(1)[0] == fence):
                fence = None if fence is not None else fence_match.group(1)[0]
                edits.append((start, end, ""))  # "```python": the code is read, not its fence
            continue
        if not body.strip():
            end_paragraph()
            table = False
            continue
        if _DEFINITION.match(body) or _RULE.match(body) or _CONTENTS_ITEM.match(body):
            end_paragraph()
            edits.append((start, end, ""))
            continue
        if "|" in body and _TABLE_RULE.match(body):
            end_paragraph()
            edits.append((start, end, ""))
            table = True
            continue
        table = table or ("|" in body and n + 1 < len(lines) and _TABLE_RULE.match(lines[n + 1].rstrip("\r\n")) is not None)
        at, heading = start, False
        if (footnote := _FOOTNOTE.match(body)) is not None:
            end_paragraph()  # a footnote is a paragraph of its own
            edits.append((start, start + footnote.end(), ""))
            at = start + footnote.end()
        for prefix in (_QUOTE, _ATX_OPEN):
            match = prefix.match(body, at - start)
            if match and match.end() > at - start:
                edits.append((at, start + match.end(), ""))
                heading = prefix is _ATX_OPEN
                at = start + match.end()
        close = _ATX_CLOSE.search(body, at - start) if heading else None
        stop = start + close.start() if close else end
        if close:
            edits.append((stop, end, ""))
        if table or heading:
            end_paragraph()
            _inline(text, at, stop, defined, edits, cells=table)  # a row's cells and a heading are one line each
        elif paragraph:
            paragraph[1] = stop
        else:
            paragraph[:] = [at, stop]
    end_paragraph()
    edits += [(m.start(), m.end(), "") for m in _COMMENT.finditer(text)]
    edits += [(m.start(), m.end(), "") for m in LINE_END_JOIN.finditer(text)]  # as the chunker joins them
    return _without_overlaps(edits)


def _inline(text: str, start: int, end: int, defined: frozenset[str], edits: list[Edit], cells: bool = False) -> None:
    """Edits for the inline syntax of text[start:end] (one line, or a part of one)."""
    at = start
    for match in _INLINE.finditer(text, start, end):
        if cells:
            _cells(text, at, match.start(), edits)
        at = match.end()
        kind = _kind(match)
        if kind == "code":
            edits.append((match.start(), match.start("code_text"), ""))
            edits.append((match.end("code_text"), match.end(), ""))
        elif kind == "footnote":
            edits.append((match.start(), match.end(), ""))
        elif kind in ("badge", "image"):
            edits.append((match.start(), match.end(), _space(text, match.start(), match.end())))
        elif kind == "link":
            edits.append((match.start(), match.start("link_text"), ""))
            _inline(text, match.start("link_text"), match.end("link_text"), defined, edits)
            edits.append((match.end("link_text"), match.end(), ""))
        elif kind == "shortcut":
            if match.group("shortcut_text").casefold() in defined:
                edits.append((match.start(), match.start() + 1, ""))
                edits.append((match.end() - 1, match.end(), ""))
            _inline(text, match.start("shortcut_text"), match.end("shortcut_text"), defined, edits)
        elif kind == "autolink":
            edits.append((match.start(), match.start("address"), ""))
            edits.append((match.end("address"), match.end(), ""))
        elif kind == "tag":
            edits.append((match.start(), match.end(), _space(text, match.start(), match.end())))
        elif kind == "escape":
            edits.append((match.start(), match.start() + 1, ""))
        else:  # emphasis
            edits.append((match.start(), match.start("emphasized"), ""))
            _inline(text, match.start("emphasized"), match.end("emphasized"), defined, edits)
            edits.append((match.end("emphasized"), match.end(), ""))
    if cells:
        _cells(text, at, end, edits)


def _kind(match: re.Match) -> str:
    for name in ("code", "badge", "image", "link", "footnote", "shortcut", "autolink", "tag", "escape", "emphasis"):
        if match.group(name) is not None:
            return name
    raise AssertionError(match)


def _cells(text: str, start: int, end: int, edits: list[Edit]) -> None:
    """A table row's pipes: gone at its ends, " · " between cells, as a web page's table reads."""
    for pipe in re.finditer(r"\|", text[start:end]):
        at = start + pipe.start()
        if at > 0 and text[at - 1] == "\\":
            continue
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        outer = not text[line_start:at].strip() or not text[at + 1 : line_end].strip()
        edits.append((at, at + 1, "" if outer else "·"))


def _space(text: str, start: int, end: int) -> str:
    """A space where taking text[start:end] out would run two words together."""
    if start == 0 or end >= len(text) or text[start - 1].isspace() or text[end].isspace() or text[end] == "<":
        return ""
    return " "


def _without_overlaps(edits: list[Edit]) -> list[Edit]:
    """In order of where they start; of edits that overlap, the first (the longest of those
    starting together) is kept."""
    kept: list[Edit] = []
    for edit in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        if edit[0] == edit[1] and not edit[2]:
            continue
        if kept and edit[0] < kept[-1][1]:
            continue  # inside one already taken (a comment holding a tag)
        kept.append(edit)
    return kept


def apply_edits(text: str, start: int, end: int, edits: list[Edit]) -> tuple[str, list[int]]:
    """text[start:end] with `edits` made, and where each character of the result comes from
    (an offset into text[start:end]; a replacement comes from where its edit starts)."""
    out: list[str] = []
    origins: list[int] = []
    at = start
    first = bisect_left(edits, start, key=lambda edit: edit[0])
    if first and edits[first - 1][1] > start:
        first -= 1  # an edit reaching into the range from before it
    for edit_start, edit_end, replacement in edits[first:]:
        if edit_start >= end:
            break
        edit_start, clipped_end = max(edit_start, start), min(edit_end, end)
        if edit_start > at:
            out.append(text[at:edit_start])
            origins += range(at - start, edit_start - start)
        if replacement and clipped_end == edit_end and edit_start >= at:
            out.append(replacement)
            origins += [edit_start - start] * len(replacement)
        at = max(at, clipped_end)
    if at < end:
        out.append(text[at:end])
        origins += range(at - start, end - start)
    return "".join(out), origins


@dataclass(frozen=True)
class RenderedChunk(Chunk):
    """A Markdown chunk: `text` and the offsets are the file's; the model reads `search_text`,
    the same words without the syntax (`origins[i]`: where its character i is in `text`)."""

    search_text: str = ""
    origins: tuple[int, ...] = ()

    @property
    def embedded_text(self) -> str:
        return embedded_text(self.heading_path, self.search_text)

    def search_offset(self, offset: int) -> int:
        """Where `offset` of `text` falls in `search_text`."""
        return bisect_left(self.origins, offset)


def reading_edits(document: Document) -> list[Edit]:
    """What the model leaves out of a document's characters, in order: a Markdown file's syntax,
    a plain text's rules and heading underlines; nothing of other kinds (their text is extracted)."""
    if document.kind not in ("text", "typeset"):  # typeset: a plain text without its overstrikes
        return []
    # Plain text draws rules and underlines headings as reStructuredText does ("5. Termination"
    # over "--------------"): the model reads it without them too.
    return rendered_edits(document.text) if is_markdown(document.doc_id) else rst_edits(document.text)


def rendered_chunks(document: Document, chunks: list[Chunk], counter: TokenCounter) -> list[Chunk]:
    """A Markdown, reStructuredText or plain text document's chunks as the model should read them
    (without Markdown's syntax, without rules and heading underlines; other documents' as they are).

    A chunk whose rendered text has no word (link definitions, a rule, a badge row) is left out.
    """
    from qa.ingest.chunker import SPECIAL_TOKENS, search_text  # the chunker reads headings, which read this module

    edits = reading_edits(document)
    if not edits:
        return chunks
    read = []
    for chunk in chunks:
        plain, origins = apply_edits(document.text, chunk.char_start, chunk.char_end, edits)
        if not any(ch.isalnum() for ch in plain):
            continue
        if plain == search_text(chunk.text):
            read.append(chunk)  # nothing to leave out
            continue
        fields = {name: getattr(chunk, name) for name in Chunk.__dataclass_fields__}
        fields["n_tokens"] = counter.count(embedded_text(chunk.heading_path, plain)) + SPECIAL_TOKENS
        read.append(RenderedChunk(**fields, search_text=plain, origins=tuple(origins)))
    return read
