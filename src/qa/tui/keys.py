"""F1: the keys of `qa chat` on one page, instead of every editing key of the input."""

from __future__ import annotations

from rich.table import Table
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("Enter", "ask the question"),
    ("↑ ↓", "earlier and later questions (kept between sessions)"),
    ("Tab", "go to the passages of the latest answer"),
    ("↑ ↓  on a passage", "previous and next passage"),
    ("Enter / click", "open the passage in its document, marked"),
    ("c", "copy the passage with its citation"),
    ("e  in the source", "open the file in $EDITOR at the passage's line"),
    ("Esc", "cancel a running question; leave a passage or the source"),
    ("Ctrl+S", "export the conversation as Markdown"),
    ("Ctrl+L", "clear the conversation"),
    ("Ctrl+P", "commands: rebuild index, export, clear, theme"),
    ("F1", "show or hide these keys"),
    ("Ctrl+Q", "quit"),
)


class KeysScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("f1", "dismiss", "Close", show=False),
    ]

    DEFAULT_CSS = """
    KeysScreen { align: center middle; }
    KeysScreen > Vertical {
        width: auto;
        max-width: 90%;
        height: auto;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    """

    def compose(self):
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with Vertical() as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc or F1 closes"
            yield Static(table)
