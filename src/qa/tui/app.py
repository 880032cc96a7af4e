"""`qa chat`: ask questions, read the cited passages, open the sources, follow up.

The view only: widgets, keys and notifications. What the chat knows (loading,
the question queue, the conversation) is `ChatController`'s; it runs here in
worker threads, so the UI thread only mounts widgets. What the keys do beyond
the screen (copy, editor, export) is in `actions`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.assistant import Assistant
from qa.errors import QAError, QuestionError
from qa.history import History, default_history_path
from qa.records import BuildReport
from qa.render import display_path
from qa.search.conversation import Turn
from qa.search.scope import EVERYTHING, Scope
from qa.tui import actions
from qa.tui.controller import SCOPE_HELP, AnswerResult, ChatController, LoadResult, Question
from qa.tui.keys import KeysScreen
from qa.tui.source import SourceScreen
from qa.tui.widgets import Exchange, PassageCard, QuestionInput, StatusHeader, describe_index


READY_PLACEHOLDER = "Ask a question about the documents, then Enter"
LOADING_PLACEHOLDER = "Ask a question: it runs as soon as the index and model are loaded"
NOT_ANSWERED = "Not answered: qa is not ready (see the message above). Fix that, then Ctrl+P → Rebuild index."


class QAApp(App):
    TITLE = "qa"

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("f1", "toggle_keys", "Keys"),
        Binding("ctrl+s", "export", "Export"),
        Binding("ctrl+l", "clear_conversation", "Clear", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    CSS = """
    #transcript { padding: 1 1 0 1; }
    #welcome { color: $text-muted; padding: 0 1; }
    .error-note { color: $error; padding: 0 1; margin: 0 0 1 0; }
    .info-note { color: $text-muted; padding: 0 1; margin: 0 0 1 0; }
    QuestionInput { dock: bottom; margin: 0 0 1 0; }
    """

    def __init__(
        self,
        assistant_factory: Callable[[], Assistant],
        history_path: Path | None = None,
        export_dir: Path | None = None,
        environ: dict[str, str] | None = None,
        scope: Scope = EVERYTHING,
    ):
        super().__init__()
        self.controller = ChatController(assistant_factory, scope)
        self.history = History.load(history_path or default_history_path())
        self.environ = os.environ if environ is None else environ
        # None: the user's documents folder, never the directory the chat was started in.
        self.export_dir = export_dir
        self._exchanges: dict[Question, Exchange] = {}  # the questions on screen

    @property
    def assistant(self) -> Assistant | None:
        return self.controller.assistant

    @property
    def ready(self) -> bool:
        return self.controller.ready

    @property
    def turns(self) -> list[Turn]:
        """The conversation so far, including questions still waiting."""
        return self.controller.turns

    # ----- layout and start ------------------------------------------------------

    def compose(self):
        yield StatusHeader()
        with VerticalScroll(id="transcript", can_focus=False):
            yield Static(self._welcome_text(), id="welcome")
        yield QuestionInput(self.history, placeholder=LOADING_PLACEHOLDER, id="question")
        yield Footer()

    def _welcome_text(self) -> Text:
        text = Text()
        text.append("Ask a question in plain words. ", style="bold")
        text.append(
            "Each answer is a list of cited passages: Tab or a click selects one, Enter opens it in its "
            "document. Follow-ups like “What should be done about it?” are searched with the question before. "
            "F1 shows the keys, Ctrl+P the commands."
        )
        return text

    def on_mount(self) -> None:
        self.query_one("#question").focus()
        self.query_one(StatusHeader).show_state("starting", "busy")
        self._show_scope()  # `qa chat --in ...`
        problem = self.controller.open()
        if problem is not None:
            self._fail(problem)
            return
        self.query_one(StatusHeader).show_corpus(f"{display_path(self.assistant.settings.corpus_dir)}/")
        self._load(self.controller.load_token)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, token: int, rebuild: bool = False) -> None:
        result = self.controller.load(token, _ScreenListener(self), rebuild=rebuild)
        self.call_from_thread(self._loaded, result)

    def _loaded(self, result: LoadResult) -> None:
        if result.error is not None:
            self._fail(result.error, result.token)
        elif self.controller.became_ready(result.token):
            self._set_state("ready", "ready")
            self.query_one(QuestionInput).placeholder = READY_PLACEHOLDER
            self._next_question()

    def _show_status(self, status) -> None:
        self.query_one(StatusHeader).show_corpus(f"{display_path(Path(status.corpus_dir))}/ · {describe_index(status)}")

    def _set_state(self, text: str, kind: str) -> None:
        self.query_one(StatusHeader).show_state(text, kind)

    def _built(self, report: BuildReport) -> None:
        skipped = f"; skipped {len(report.skipped)} unreadable files" if report.skipped else ""
        self.notify(f"Indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s{skipped}")
        for item in report.skipped:
            self._note(f"Skipped {item.doc_id}: {item.reason}")

    def _fail(self, message: str, token: int | None = None) -> None:
        """A problem the user can act on: a notification, a line in the transcript, no crash."""
        refused = self.controller.fail(message, token)
        if refused is None:
            return  # news from a load a rebuild overtook
        self._set_state("error", "error")
        self.notify(message, title="qa", severity="error", timeout=10)
        self._note(message)
        for question in refused:
            self._exchanges[question].set_state(NOT_ANSWERED, error=True)

    def _note(self, message: str, classes: str = "error-note") -> None:
        transcript = self.query_one("#transcript")
        transcript.mount(Static(Text(message), classes=classes))
        transcript.scroll_end(animate=False)

    # ----- asking ----------------------------------------------------------------

    @on(QuestionInput.Submitted)
    def _submitted(self, event: QuestionInput.Submitted) -> None:
        if self.set_scope(event.value):
            event.input.clear()
            return
        try:
            exchange = self.ask(event.value)
        except QuestionError:
            return  # nothing to ask (blank, control characters)
        event.input.clear()
        warning = self.history.add(exchange.turn.question)
        if warning:
            self.notify(warning, severity="warning")

    def ask(self, text: str) -> Exchange:
        """Add a question to the conversation; it is answered as soon as the model is ready.

        Raises:
            QuestionError: nothing to ask.
        """
        question = self.controller.ask(text)
        refused = self.controller.cannot_answer
        if refused:
            state = NOT_ANSWERED
        elif self.controller.ready:
            state = "Searching…"
        else:
            state = "Waiting for the index and model to load…"
        exchange = Exchange(question.turn, state)
        self._exchanges[question] = exchange
        self._remove_welcome()
        transcript = self.query_one("#transcript")
        transcript.mount(exchange)
        transcript.scroll_end(animate=False)
        if refused:
            exchange.set_state(state, error=True)
        else:
            self._next_question()
        return exchange

    # ----- scope -----------------------------------------------------------------

    def set_scope(self, text: str) -> bool:
        """Run a scope command typed in the question line (/in, /type, /since, /until, /clear, /scope);
        False when `text` is a question."""
        try:
            told = self.controller.scope_command(text)
        except QAError as exc:
            self.notify(str(exc), title="scope", severity="error", timeout=10)
            return True  # a command, even a wrong one, is never asked as a question
        if told is None:
            return False
        self._show_scope()
        self.notify(told, title="scope")
        return True

    def _show_scope(self) -> None:
        scope = self.controller.scope
        self.query_one(StatusHeader).show_scope(None if scope.is_everything else scope.describe())

    def action_scope(self) -> None:
        """Palette: start a scope command in the question line."""
        question = self.query_one(QuestionInput)
        question.value = "/in "
        question.cursor_position = len(question.value)
        question.focus()
        self.notify(SCOPE_HELP, title="scope", timeout=12)

    def action_clear_scope(self) -> None:
        self.set_scope("/clear")

    def _remove_welcome(self) -> None:
        for welcome in self.query("#welcome"):
            welcome.remove()

    def _next_question(self) -> None:
        question = self.controller.next_question()
        if question is not None:
            self._exchanges[question].set_state("Searching…")
            self._answer(question)

    @work(thread=True, exclusive=True, group="ask", exit_on_error=False)
    def _answer(self, question: Question) -> None:
        self.call_from_thread(self._answered, question, self.controller.answer(question))

    async def _answered(self, question: Question, result: AnswerResult) -> None:
        if not self.controller.finish(question, result):
            return  # cancelled with Escape while it ran: a stale result
        exchange = self._exchanges[question]
        if result.error is not None:
            exchange.set_state(f"Not answered: {result.error}", error=True)
            self.notify(result.error, title="qa", severity="error", timeout=10)
        else:
            await exchange.show_answer(result.answer)
            # Once the cards are laid out, show the question at the top with as much of
            # its first card as fits. Queued on the transcript, not the app, so it runs
            # after the transcript's own pending scroll-to-end from when it was asked.
            self.query_one("#transcript").call_after_refresh(self._scroll_to_question, exchange)
        self._next_question()

    def _scroll_to_question(self, exchange: Exchange) -> None:
        self.query_one("#transcript").scroll_to_widget(exchange, top=True, animate=False, immediate=True)

    def action_cancel(self) -> None:
        """Escape: drop the running question and those waiting, else leave a card for the input."""
        if self.controller.asking is None and not self.controller.waiting:
            if isinstance(self.focused, PassageCard):
                self.action_focus_question()
            return
        self.workers.cancel_group(self, "ask")
        pending = self.controller.cancel()
        for question in pending:
            self._exchanges[question].set_state("Cancelled.")
        self.notify(f"Cancelled {len(pending)} question{'s' if len(pending) > 1 else ''}.")

    # ----- cards and sources --------------------------------------------------------

    def action_focus_question(self) -> None:
        self.query_one("#question").focus()

    def action_focus_answer(self) -> None:
        """Tab from the question: the first card of the latest answer."""
        answered = [e for e in self.query(Exchange) if e.answered and e.query(PassageCard)]
        if answered:
            answered[-1].query(PassageCard).first().focus()
        else:
            self.notify("No passages yet: ask a question first.")

    @on(PassageCard.Selected)
    def _open_source(self, event: PassageCard.Selected) -> None:
        passage = event.card.passage
        exchange = next(a for a in event.card.ancestors if isinstance(a, Exchange))
        try:
            # The text the offsets index: the file, or a PDF page's / web page's extracted text.
            text = self.assistant.source_text(passage.doc_id, passage.page)
        except (OSError, UnicodeDecodeError, QAError) as exc:
            self.notify(f"cannot open {display_path(passage.file)}: {exc}", severity="error")
            return
        if text[passage.char_start : passage.char_end] != passage.text:
            self.notify(f"{display_path(passage.file)} changed since it was indexed: the marked text may be off. Rebuild the index (Ctrl+P).", severity="warning")
        self.push_screen(SourceScreen(passage, Path(passage.file), text, exchange.turn.searched_for))

    @on(PassageCard.CopyRequested)
    def _copy_card(self, event: PassageCard.CopyRequested) -> None:
        actions.copy_passage(self, event.card.passage, self.environ)

    def action_copy_source_passage(self) -> None:
        if isinstance(self.screen, SourceScreen):
            actions.copy_passage(self, self.screen.passage, self.environ)

    def action_open_in_editor(self) -> None:
        if isinstance(self.screen, SourceScreen):
            actions.open_in_editor(self, self.screen.passage, self.screen.document_path, self.environ)

    # ----- palette, export, clear, keys -------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The source view reads one passage: conversation keys stay off its footer.
        if action in ("export", "clear_conversation") and isinstance(self.screen, SourceScreen):
            return False
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Rebuild index", "Index the corpus again (after adding or editing documents)", self.action_rebuild)
        yield SystemCommand("Scope questions", "Only search a folder, a file type or a date range (/in, /type, /since, /until)", self.action_scope)
        yield SystemCommand("Clear scope", "Search the whole corpus again", self.action_clear_scope)
        yield SystemCommand("Export conversation", "Save the questions and cited passages as Markdown", self.action_export)
        yield SystemCommand("Clear conversation", "Start over: forget the questions on screen", self.action_clear_conversation)
        yield from super().get_system_commands(screen)

    def action_rebuild(self) -> None:
        problem = self.controller.open()
        if problem is not None:
            self._fail(problem)
            return
        if self.controller.asking is not None:
            self.notify("Wait for the current question, or press Escape to cancel it, then rebuild.", severity="warning")
            return
        token = self.controller.begin_rebuild()
        self.query_one(QuestionInput).placeholder = LOADING_PLACEHOLDER
        self._load(token, rebuild=True)

    def action_export(self) -> None:
        history = self.controller.conversation.history
        if not history:
            self.notify("Nothing to export yet: ask a question first.", severity="warning")
            return
        folder = self.export_dir or actions.documents_dir(self.environ)
        try:
            path = actions.export_conversation(history, folder)
        except OSError as exc:
            self.notify(f"Cannot write the export in {actions.shown_path(folder, self.environ)}: {exc.strerror or exc}", severity="error")
            return
        answers = f"{len(history)} answer{'s' if len(history) != 1 else ''}"
        self.notify(f"Exported {answers} to {actions.shown_path(path, self.environ)}", timeout=8)

    def action_clear_conversation(self) -> None:
        self.action_cancel()
        self.controller.clear()
        self._exchanges.clear()
        transcript = self.query_one("#transcript")
        transcript.remove_children()
        transcript.mount(Static(self._welcome_text(), id="welcome"))
        self.action_focus_question()

    def action_toggle_keys(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss()
        else:
            self.push_screen(KeysScreen())


class _ScreenListener:
    """A load's news, carried from its thread to the UI thread."""

    def __init__(self, app: QAApp):
        self._app = app

    def status(self, status) -> None:
        self._app.call_from_thread(self._app._show_status, status)

    def state(self, text: str) -> None:
        self._app.call_from_thread(self._app._set_state, text, "busy")

    def built(self, report: BuildReport) -> None:
        self._app.call_from_thread(self._app._built, report)

    def note(self, message: str) -> None:
        self._app.call_from_thread(self._app._note, message, "info-note")
