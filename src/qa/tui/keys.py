"""F1: the keys of `qa chat` on one page, instead of every editing key of the input."""

from __future__ import annotations

from rich.text import Text
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
    ("Esc", "cancel a question; leave a passage or the source"),
    ("Ctrl+S", "export the conversation as Markdown"),
    ("Ctrl+L", "clear the conversation"),
    ("/in /type /since /until", "typed as a question: only search a folder, a type, dates; /clear"),
    ("Ctrl+P", "commands: rebuild index, scope, export, clear, theme"),
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
        max-width: 95%;
        height: auto;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    KeysScreen Static { width: auto; }
    """

    def compose(self):
        # Plain text in two padded columns: it measures its own width, so the box
        # fits it (a rich Table inside an auto-width box measured as empty).
        column = max(len(key) for key, _ in KEYS) + 2
        text = Text()
        for number, (key, what) in enumerate(KEYS):
            if number:
                text.append("\n")
            text.append(key.ljust(column), style="bold cyan")
            text.append(what)
        with Vertical() as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc or F1 closes"
            yield Static(text)
