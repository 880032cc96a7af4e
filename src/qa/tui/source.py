"""The source view: a passage's whole document, scrolled to the passage, the passage marked."""

from __future__ import annotations

import shlex
from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.records import Passage
from qa.render import citation, display_path, heading_trail
from qa.tui.passage_text import emphasise, emphasis_stems

CONTEXT_LINES = 3  # lines of the text before the passage kept in view above it


class SourceScreen(Screen):
    """The document in three parts (before, passage, after) so the passage can be scrolled to exactly."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("e", "app.open_in_editor", "Open in $EDITOR"),
        Binding("c", "app.copy_source_passage", "Copy passage"),
    ]

    DEFAULT_CSS = """
    SourceScreen #source-head { dock: top; height: auto; background: $panel; padding: 0 1; }
    SourceScreen #source-head Static { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    SourceScreen #document { padding: 0 1; }
    SourceScreen .context { color: $text-muted; }
    SourceScreen #passage {
        border-left: thick $accent;
        background: $accent 12%;
        padding: 0 1;
        margin: 1 0;
    }
    """

    def __init__(self, passage: Passage, document_path: Path, text: str, searched_for: str):
        super().__init__()
        self.passage = passage
        self.document_path = document_path
        self.text = text
        self.searched_for = searched_for

    def compose(self):
        passage = self.passage
        where = Text()
        where.append(citation(passage), style="bold cyan")
        if passage.kind == "text":
            where.append(f"   the passage is marked; e opens the file at line {passage.start_line}", style="dim")
        else:
            # Offsets index the extracted text shown here, not the file's bytes.
            page = f" --page {passage.page}" if passage.page is not None else ""
            where.append(f"   extracted text, as `qa show {shlex.quote(display_path(passage.file))}{page}` prints it", style="dim")
            if passage.ocr:
                where.append(" (read by OCR from a scanned page: check the words against the scan)", style="dim")
        with Vertical(id="source-head"):
            yield Static(Text(f"[{passage.rank}] {heading_trail(passage)}", style="bold"), id="source-title")
            yield Static(where, id="source-where")
        before = self.text[: passage.char_start].rstrip()
        after = self.text[passage.char_end :].lstrip()
        with VerticalScroll(id="document"):
            if before:
                yield Static(Text(before), classes="context", id="before")
            yield Static(self._marked_passage(), id="passage")
            if after:
                yield Static(Text(after), classes="context", id="after")
        yield Footer()

    def _marked_passage(self) -> Text:
        """The passage as in the file, the answering sentence in bold, the question's words underlined."""
        passage = self.passage
        stems = emphasis_stems(self.searched_for)
        start = passage.highlight_start
        end = start + len(passage.highlight)
        marked = emphasise(passage.text[:start], stems, "")
        marked.append_text(emphasise(passage.text[start:end], stems, "bold"))
        marked.append_text(emphasise(passage.text[end:], stems, ""))
        return marked

    def on_mount(self) -> None:
        document = self.query_one("#document", VerticalScroll)
        document.focus()
        # After the first layout the passage's position is known: put it near the top,
        # with a few lines of what leads up to it still in view.
        self.call_after_refresh(self._scroll_to_passage)

    def _scroll_to_passage(self) -> None:
        document = self.query_one("#document", VerticalScroll)
        passage = self.query_one("#passage")
        document.scroll_to(y=max(0, passage.virtual_region.y - CONTEXT_LINES), animate=False, immediate=True)
