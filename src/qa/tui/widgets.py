"""The pieces of the chat screen: header, question input, exchanges and passage cards."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from qa.assistant import IndexStatus
from qa.search.conversation import Turn
from qa.history import History
from qa.records import Answer, Passage
from qa.ingest.headings import PATH_SEPARATOR
from qa.render import citation, heading_trail, no_answer_note
from qa.tui.passage_text import passage_body


def describe_index(status: IndexStatus) -> str:
    """`3 documents · 24 chunks · all-MiniLM-L6-v2 · up to date`, or what is wrong with the index."""
    model = status.model_id.split("@")[0]
    if not status.built:
        return f"no index yet · {model}"
    parts = [f"{status.documents} documents", f"{status.chunks} chunks", model]
    if status.up_to_date:
        parts.append("up to date")
    elif status.indexed_model_id != status.model_id:
        parts.append("built with another model: rebuild (Ctrl+P)")
    elif status.changes is not None:
        parts.append(f"out of date ({status.changes.summary()}): rebuild (Ctrl+P)")
    return " · ".join(parts)


def quote_with_citation(passage: Passage) -> str:
    """The passage as it would be quoted: the text, then where it comes from."""
    return f"{' '.join(passage.text.split())}\n— {heading_trail(passage)}, {citation(passage)}"


class StatusHeader(Horizontal):
    """One line: the corpus and its index on the left, what the app is doing on the right."""

    DEFAULT_CSS = """
    StatusHeader {
        dock: top;
        height: 1;
        background: $panel;
    }
    StatusHeader #corpus { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusHeader #scope { width: auto; max-width: 50%; padding: 0 1; color: $accent; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusHeader #scope.-everything { display: none; }
    StatusHeader #state { width: auto; padding: 0 1; text-style: bold; }
    StatusHeader #state.-busy { color: $warning; }
    StatusHeader #state.-ready { color: $success; }
    StatusHeader #state.-error { color: $error; }
    """

    def compose(self):
        yield Static("", id="corpus")
        yield Static("", id="scope", classes="-everything")
        yield Static("", id="state")

    def show_scope(self, text: str | None) -> None:
        """The active scope ("scope: in reports/2025; type pdf"); None hides it (the whole corpus)."""
        scope = self.query_one("#scope", Static)
        scope.update(Text(f"scope: {text}" if text else ""))
        scope.set_class(text is None, "-everything")

    def show_corpus(self, text: str) -> None:
        self.query_one("#corpus", Static).update(Text(text))

    def show_state(self, text: str, kind: str) -> None:
        state = self.query_one("#state", Static)
        state.update(Text(text))
        state.set_classes(f"-{kind}")


class QuestionInput(Input):
    """The question line: Enter asks, Up/Down walk the history, Tab reaches the latest answer."""

    BINDINGS = [
        Binding("enter", "submit", "Ask", show=True),
        Binding("up", "history_previous", "History", show=True, key_display="↑↓"),
        Binding("down", "history_next", "Next question", show=False),
        Binding("tab", "app.focus_answer", "Passages", show=True),
    ]

    def __init__(self, history: History, **kwargs):
        # Not selecting on focus: typing on a focused card moves here mid-word (see PassageCard.on_key).
        super().__init__(select_on_focus=False, **kwargs)
        self.history = history

    def action_history_previous(self) -> None:
        entry = self.history.previous(self.value)
        if entry is not None:
            self.value = entry
            self.cursor_position = len(entry)

    def action_history_next(self) -> None:
        entry = self.history.next()
        if entry is not None:
            self.value = entry
            self.cursor_position = len(entry)


class PassageCard(Static, can_focus=True):
    """One cited passage. Enter or a click opens it in its document."""

    BINDINGS = [
        Binding("enter", "open", "Open source"),
        Binding("c", "copy", "Copy"),
        Binding("up", "neighbour(-1)", "Previous", show=False),
        Binding("down", "neighbour(1)", "Next", show=False),
        Binding("escape", "app.focus_question", "Back to question", show=False),
    ]

    DEFAULT_CSS = """
    PassageCard {
        border: round $primary 40%;
        padding: 0 1;
        margin: 0 0 1 2;
        height: auto;
    }
    PassageCard { border-title-style: bold; border-title-color: $text; border-subtitle-color: $text-muted; }
    PassageCard.-weak { border-subtitle-color: $warning; }
    PassageCard:focus { border: round $accent; background: $boost; }
    PassageCard:hover { background: $boost; }
    PassageCard.-weak { border: dashed $warning 50%; }
    PassageCard.-weak:focus { border: dashed $warning; }
    """

    class Selected(Message):
        def __init__(self, card: "PassageCard") -> None:
            super().__init__()
            self.card = card

    class CopyRequested(Message):
        def __init__(self, card: "PassageCard") -> None:
            super().__init__()
            self.card = card

    def __init__(self, passage: Passage, searched_for: str):
        self.passage = passage
        super().__init__(self._content(passage, searched_for), classes="-weak" if passage.weak else "")
        # Title and score ride in the border, where Textual shortens them to fit the width.
        self.border_title = Text(f"[{passage.rank}] {passage.title}")
        self.border_subtitle = Text(("weak match · " if passage.weak else "") + f"score {passage.score:.2f}")

    @staticmethod
    def _content(passage: Passage, searched_for: str) -> Text:
        head = Text()
        head.append(citation(passage), style="bold cyan")
        if passage.heading_path:
            # The section it sits under: where to look, next to the page or lines.
            head.append(" › " + " › ".join(passage.heading_path.split(PATH_SEPARATOR)), style="italic")
        head.append("\n")
        head.append_text(passage_body(passage, searched_for))
        return head

    def on_click(self) -> None:
        self.post_message(self.Selected(self))

    def on_key(self, event: events.Key) -> None:
        """Typing while a card has focus starts the next question instead of being lost."""
        if event.is_printable and event.character and event.key not in self._bound_keys():
            event.stop()
            event.prevent_default()
            question = self.app.query_one(QuestionInput)
            question.focus()
            question.insert_text_at_cursor(event.character)

    def _bound_keys(self) -> set[str]:
        return {binding.key for binding in self.BINDINGS}

    def action_open(self) -> None:
        self.post_message(self.Selected(self))

    def action_copy(self) -> None:
        self.post_message(self.CopyRequested(self))

    def action_neighbour(self, step: int) -> None:
        cards = list(self.screen.query(PassageCard))
        index = cards.index(self) + step
        if 0 <= index < len(cards):
            cards[index].focus()
        elif index >= len(cards):
            self.app.action_focus_question()


class Exchange(Vertical):
    """A question and, once it is answered, its passage cards."""

    DEFAULT_CSS = """
    Exchange { height: auto; margin: 0 0 1 0; }
    Exchange .question { text-style: bold; color: $text; padding: 0 1; background: $primary 15%; }
    Exchange .searched { color: $text-muted; padding: 0 1 0 3; }
    Exchange .state { color: $text-muted; padding: 0 1 0 3; }
    Exchange .state.-error { color: $error; }
    Exchange .no-answer { color: $warning; text-style: bold; padding: 0 1 0 3; }
    """

    def __init__(self, turn: Turn, state: str):
        super().__init__()
        self.turn = turn
        self.answer: Answer | None = None
        # Kept, not queried: the state may change before the exchange is composed.
        self._state = Static(Text(state), classes="state")

    def compose(self):
        yield Static(Text(f"› {self.turn.question}"), classes="question")
        if self.turn.follow_up:
            yield Static(Text(f"follow-up, searched for: {self.turn.searched_for}"), classes="searched")
        yield self._state

    def set_state(self, text: str, error: bool = False) -> None:
        self._state.update(Text(text))
        self._state.set_class(error, "-error")

    def show_answer(self, answer: Answer):
        """Replace the state line with the cards; returns the mount to await."""
        self.answer = answer
        self._state.remove()
        widgets = []
        if answer.no_answer:
            self.add_class("-no-answer")
            widgets.append(Static(Text(no_answer_note(answer)), classes="no-answer"))
        widgets += [PassageCard(p, self.turn.searched_for) for p in answer.passages]
        if not answer.passages:
            widgets.append(Static(Text("The index has no passages to show."), classes="state"))
        return self.mount_all(widgets)

    @property
    def answered(self) -> bool:
        return self.answer is not None
