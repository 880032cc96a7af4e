"""Views of an `Answer` shared by the CLI and the TUI: JSON, plain text, Markdown."""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.headings import PATH_SEPARATOR
from qa.ingest.sentences import reflowed
from qa.records import Answer, Passage
from qa.search.scope import EVERYTHING

# The plain-text marks around the answering sentence: brackets prose and Markdown
# do not use, so they cannot be mistaken for the source's own emphasis.
HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE = "⟦", "⟧"

_WEAK_NOTE = "No passage in the corpus answers this question. The closest matches, all weak:"


def no_answer_note(answer: Answer) -> str:
    """What a refused answer says above its passages, and why when a name decided it."""
    if not answer.missing_names:
        return _WEAK_NOTE
    names = ", ".join(answer.missing_names)
    return f"No passage in the corpus answers this question: it never mentions {names}. The closest matches, all weak:"


def answer_to_dict(answer: Answer) -> dict:
    """The stable JSON contract: one object per question."""
    return {
        "question": answer.question,
        "no_answer": answer.no_answer,
        # The names the question uses that the corpus never mentions, when they decided no_answer.
        "missing_names": list(answer.missing_names),
        # The scope searched (--in, --type, --since, --until), empty lists and nulls when none.
        "filters": (answer.scope or EVERYTHING).to_dict(),
        "passages": [passage_to_dict(p) for p in answer.passages],
    }


def passage_to_dict(passage: Passage) -> dict:
    return {
        "rank": passage.rank,
        "score": passage.score,
        "similarity": passage.similarity,
        "weak": passage.weak,
        "title": passage.title,
        "path": display_path(passage.file),
        "start_line": passage.start_line,
        "end_line": passage.end_line,
        "char_start": passage.char_start,
        "char_end": passage.char_end,
        "text": passage.text,
        "highlight": passage.highlight,
        "encoding": passage.encoding,
        # Added in format 3: "kind" says what the offsets index ("text": the file;
        # "pdf"/"html": the extracted text `qa show PATH [--page N]` prints).
        "kind": passage.kind,
        "page": passage.page,
        "end_page": passage.end_page,
        "heading_path": passage.heading_path,
        # Added with issue 14: true when the page's text was read by OCR from a scanned image.
        "ocr": passage.ocr,
    }


# Kinds whose pages are slides: cited `deck.pptx slide 3`.
SLIDE_KINDS = frozenset({"pptx"})


def citation(passage: Passage) -> str:
    """Where to look: `path:START-END` (`path:LINE` on one line) for text files,
    `path p. N` for a PDF (`p. N (OCR)` for a page read from a scan), `path slide N`
    for a slide deck, `path (text:START-END)` for a web page, Word, OpenDocument,
    EPUB, RTF or mail file, whose lines are those of its extracted text (`qa show
    PATH`), not of the file. A mail's attachment is `mail.eml › report.pdf p. 2`."""
    path = printable_path(display_path(passage.file))
    if passage.page is not None:
        unit = "slide" if passage.kind in SLIDE_KINDS else "p."
        ocr = " (OCR)" if passage.ocr else ""
        if passage.end_page is not None and passage.end_page != passage.page:
            return f"{path} {'slides' if unit == 'slide' else 'pp.'} {passage.page}-{passage.end_page}{ocr}"
        return f"{path} {unit} {passage.page}{ocr}"
    lines = str(passage.start_line) if passage.start_line == passage.end_line else f"{passage.start_line}-{passage.end_line}"
    if passage.kind != "text":
        return f"{path} (text:{lines})"
    return f"{path}:{lines}"


# What `citation` puts after the path: ` p. 3`, ` pp. 3-4 (OCR)`, ` slide 2`, ` (text:12-14)`, `:12-14`.
_CITED_PLACE = re.compile(
    r"(?: (?:p|pp)\. (?P<page>\d+)(?:-(?P<last_page>\d+))?(?: \(OCR\))?"
    r"| slides? (?P<slide>\d+)(?:-(?P<last_slide>\d+))?"
    r"| \(text:(?P<text_lines>\d+(?:-\d+)?)\)"
    r"|:(?P<lines>\d+(?:-\d+)?))$"
)


# What `render_text` prints around a citation: `[n] Title › Section — ` or `— ` before it
# (the title may hold " — " itself: the citation follows the last), `  (weak match)` after it.
_PASTED_LINE = re.compile(r"^(?:\[\d+\] .* — |— )|  \(weak match\)$")


@dataclass(frozen=True)
class CitedPlace:
    """A citation read back: the path, and the pages or lines it names (None: the whole document)."""

    path: str
    pages: tuple[int, int] | None = None
    lines: tuple[int, int] | None = None


def parse_citation(text: str) -> CitedPlace:
    """The inverse of `citation`: what a reader pastes back into `qa show`.

    Text that names no place (a bare path) is the path. The caller checks first
    whether the whole text is a file, since a file may be named `notes:3`. A whole
    line of `qa ask`'s output pasted back (`[1] Title › Section — path:3-5`, or the
    citation's own line `— path:3-5  (weak match)`) is read as the citation in it.
    """
    text = _PASTED_LINE.sub("", text.strip())
    match = _CITED_PLACE.search(text)
    if match is None or match.start() == 0:
        return CitedPlace(text)
    path = text[: match.start()]
    first = match["page"] or match["slide"]
    if first is not None:
        last = match["last_page"] or match["last_slide"] or first
        return CitedPlace(path, pages=(int(first), int(last)))
    start, _, end = (match["text_lines"] or match["lines"]).partition("-")
    return CitedPlace(path, lines=(int(start), int(end or start)))


# Between a page's own title and its site's name in a <title>: "Documentation tests - The rustdoc book".
_TITLE_SEPARATORS = (" - ", " | ", " — ", " – ", ": ")


def heading_trail(passage: Passage) -> str:
    """`Title › Section › Subsection`: the title, then the headings the passage sits under.

    A top heading the title opens with ("Documentation tests" under "Documentation tests -
    The rustdoc book") is said once, by the title.
    """
    headings = passage.heading_path.split(PATH_SEPARATOR) if passage.heading_path else []
    if headings and any(passage.title.startswith(headings[0] + separator) for separator in _TITLE_SEPARATORS):
        headings = headings[1:]
    return " › ".join([passage.title] + headings)


def display_path(path: str | Path) -> str:
    """The path relative to the current directory when it lies below it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)


def printable_path(path: str) -> str:
    """A path safe to print on one line: a newline or control character in a file name
    is shown escaped (\\n), never executed by the terminal or breaking the line."""
    if all(ch.isprintable() for ch in path):
        return path
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in path)


def render_text(answer: Answer, width: int = 100, color: bool = False) -> str:
    """Readable text: each passage as `[n] Title › Section — path:START-END`, the highlight marked.

    Without color the highlighted sentence is wrapped in ⟦ ⟧, so it survives
    a pipe, a file or a paste; not in ** **, which the passage itself may hold
    (Markdown sources, text from web pages) and a reader would take for ours.
    """
    lines = []
    if answer.no_answer:
        lines.append(no_answer_note(answer))
        lines.append("")
    for passage in answer.passages:
        lines.append(_heading(passage, width, color))
        lines.extend(_body(passage, width, color))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# A title cut shorter than this no longer names its document ("A Shadow Ca…"): the citation
# moves to a line of its own instead.
_MIN_TITLE = 30


def _heading(passage: Passage, width: int, color: bool) -> str:
    """`[n] Title › Section — path:lines` on one line when it fits with the title readable;
    else the title and sections on the first line and `— path:lines` on the second."""
    cited = f" — {citation(passage)}" + ("  (weak match)" if passage.weak else "")
    number = f"[{passage.rank}] "
    section = heading_trail(passage)[len(passage.title) :]  # " › Tactics › Urban Terrorism", or ""
    title = _shorten(passage.title, width - len(number) - len(section) - len(cited))
    if len(title) >= min(len(passage.title), _MIN_TITLE):
        lines = [number + title + section + cited]
    else:
        # A long title gives way before the section, down to _MIN_TITLE: the section says where to look.
        room = width - len(number)
        title = _shorten(passage.title, max(_MIN_TITLE, room - len(section)))
        lines = [number + title + _shorten(section, max(room - len(title), 24)), "   " + cited]
    return "\n".join(f"\x1b[1m{line}\x1b[0m" if color else line for line in lines)


def _body(passage: Passage, width: int, color: bool) -> list[str]:
    # Sentinels survive wrapping as single characters, then become the markup.
    open_mark, close_mark = "\x02", "\x03"
    start = passage.highlight_start
    end = start + len(passage.highlight)
    text = reflowed(passage.text)  # the same length: the highlight's offsets hold
    marked = text[:start] + open_mark + text[start:end] + close_mark + text[end:]
    out = []
    for paragraph in marked.split("\n"):
        if not paragraph.strip():
            continue
        out.extend(textwrap.wrap(" ".join(paragraph.split()), width=max(20, width - 4), initial_indent="    ", subsequent_indent="    "))
    on, off = ("\x1b[1;33m", "\x1b[0m") if color else (HIGHLIGHT_OPEN, HIGHLIGHT_CLOSE)
    return [line.replace(open_mark, on).replace(close_mark, off) for line in out]


def _shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word's end where one is near (not "Ca…")."""
    if len(text) <= limit:
        return text
    if limit < 2:
        return "…"
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if not text[limit - 1].isspace() and space >= limit // 2:
        cut = cut[:space]  # the cut fell inside a word
    return cut.rstrip(" ,:;–—-") + "…"


def render_markdown(answer: Answer) -> str:
    """Markdown with numbered citations, for exporting a conversation."""
    lines = [f"## {answer.question}", ""]
    if answer.no_answer:
        lines += [f"_{no_answer_note(answer)}_", ""]
    for passage in answer.passages:
        start = passage.highlight_start
        end = start + len(passage.highlight)
        body = passage.text[:start] + "**" + passage.text[start:end] + "**" + passage.text[end:]
        quoted = "\n".join("> " + line if line.strip() else ">" for line in body.split("\n"))
        weak = " (weak match)" if passage.weak else ""
        lines += [f"[{passage.rank}] {heading_trail(passage)} — `{citation(passage)}`{weak}", "", quoted, ""]
    return "\n".join(lines)


def render_conversation_markdown(turns: list[tuple[Answer, str | None]], title: str = "qa conversation") -> str:
    """A whole conversation as Markdown: each question, what a follow-up searched for, its cited passages.

    `turns` pairs each answer with the text searched for it (None or the question
    itself when it was searched alone).
    """
    parts = [f"# {title}", ""]
    for answer, searched_for in turns:
        section = render_markdown(answer)
        notes = []
        if searched_for and searched_for != answer.question:
            notes.append(f"_Searched for: {searched_for}_")
        if answer.scope is not None and not answer.scope.is_everything:
            notes.append(f"_Scope: {answer.scope.describe()}_")
        if notes:
            head, _, rest = section.partition("\n\n")
            section = "\n\n".join([head, *notes, rest])
        parts.append(section)
    return "\n".join(parts).rstrip() + "\n"
