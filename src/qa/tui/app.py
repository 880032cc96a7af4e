"""`qa chat`: ask questions, read the cited passages, open the sources, follow up.

Everything slow (building the index, loading the model, answering) runs in
worker threads; the UI thread only mounts widgets. Questions typed before the
model is ready wait in a queue and run as soon as it is.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from qa.render import display_path
from qa.assistant import Assistant
from qa.search.conversation import Turn, plan_turn
from qa.errors import QAError
from qa.history import History, default_history_path
from qa.records import Answer
from qa.render import citation, render_conversation_markdown
from qa.tui.keys import KeysScreen
from qa.tui.source import SourceScreen
from qa.tui.system import copy_with_system_tool, viewer_command
from qa.tui.widgets import Exchange, PassageCard, QuestionInput, StatusHeader, describe_index, quote_with_citation


READY_PLACEHOLDER = "Ask a question about the documents, then Enter"
LOADING_PLACEHOLDER = "Ask a question: it runs as soon as the index and model are loaded"


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
    ):
        super().__init__()
        self._assistant_factory = assistant_factory
        self.assistant: Assistant | None = None
        self.history = History.load(history_path or default_history_path())
        self.export_dir = export_dir
        self.environ = os.environ if environ is None else environ
        self.turns: list[Turn] = []  # the conversation so far, including questions still waiting
        self.ready = False
        self._load_error: str | None = None  # why the index or model could not be loaded
        self._load_token = 0  # which load or rebuild is the latest; older ones report nothing
        self._waiting: list[Exchange] = []  # asked, not yet sent to the model
        self._asking: Exchange | None = None
        # Answers and rebuilds must not use the index at the same time.
        self._assistant_lock = threading.Lock()

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
        header = self.query_one(StatusHeader)
        header.show_state("starting", "busy")
        try:
            self.assistant = self._assistant_factory()
        except QAError as exc:
            self._fail(str(exc))
            return
        header.show_corpus(f"{display_path(self.assistant.settings.corpus_dir)}/")
        self._start(self._load_token)

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _start(self, token: int, rebuild: bool = False) -> None:
        """Show the index state, build the index if needed, load it and the model."""
        assistant = self.assistant
        try:
            with self._assistant_lock:
                self.call_from_thread(self._show_status, assistant.status())

                def progress(message: str) -> None:
                    self.call_from_thread(self._set_state, f"indexing: {message}", "busy")

                if rebuild:
                    self.call_from_thread(self._set_state, "rebuilding the index", "busy")
                    self.call_from_thread(self._built, assistant.build(progress=progress))
                else:
                    # Builds a missing index, updates a stale one (the corpus changed), rebuilds
                    # one made with another model; says which in the transcript.
                    self.call_from_thread(self._set_state, "checking the index", "busy")
                    prepared = assistant.prepare(update=True, progress=progress)
                    if prepared.report is not None and prepared.report.wrote:
                        self.call_from_thread(self._built, prepared.report)
                    if prepared.note:
                        self.call_from_thread(self._note, prepared.note[0].upper() + prepared.note[1:] + ".", "info-note")
                self.call_from_thread(self._show_status, assistant.status())
                self.call_from_thread(self._set_state, "loading the model", "busy")
                assistant.load()
                _ = assistant.embedder  # load it now, not on the first question
                for note in assistant.notes:
                    self.call_from_thread(self._note, note[0].upper() + note[1:] + ".", "info-note")
                assistant.notes.clear()
        except QAError as exc:
            self.call_from_thread(self._fail, str(exc), token)
            return
        except Exception as exc:  # the app must never end in a traceback
            self.call_from_thread(self._fail, f"unexpected error while loading: {exc!r}", token)
            return
        self.call_from_thread(self._became_ready, token)

    def _show_status(self, status) -> None:
        self.query_one(StatusHeader).show_corpus(f"{display_path(Path(status.corpus_dir))}/ · {describe_index(status)}")

    def _set_state(self, text: str, kind: str) -> None:
        self.query_one(StatusHeader).show_state(text, kind)

    def _built(self, report) -> None:
        skipped = f"; skipped {len(report.skipped)} unreadable files" if report.skipped else ""
        self.notify(f"Indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s{skipped}")
        for item in report.skipped:
            self._note(f"Skipped {item.doc_id}: {item.reason}")

    def _became_ready(self, token: int) -> None:
        if token != self._load_token:
            return  # a rebuild was asked for while this load ran: wait for that one
        self.ready = True
        self._load_error = None
        self._set_state("ready", "ready")
        self.query_one(QuestionInput).placeholder = READY_PLACEHOLDER
        self._next_question()

    def _fail(self, message: str, token: int | None = None) -> None:
        """A problem the user can act on: a notification, a line in the transcript, no crash."""
        if token is not None and token != self._load_token:
            return
        self.ready = False
        self._load_error = message
        self._set_state("error", "error")
        self.notify(message, title="qa", severity="error", timeout=10)
        self._note(message)
        for exchange in self._waiting:
            exchange.set_state(self._not_answered(), error=True)
            self._forget(exchange)
        self._waiting.clear()

    def _not_answered(self) -> str:
        return "Not answered: qa is not ready (see the message above). Fix that, then Ctrl+P → Rebuild index."

    def _note(self, message: str, classes: str = "error-note") -> None:
        transcript = self.query_one("#transcript")
        transcript.mount(Static(Text(message), classes=classes))
        transcript.scroll_end(animate=False)

    # ----- asking ----------------------------------------------------------------

    @on(QuestionInput.Submitted)
    def _submitted(self, event: QuestionInput.Submitted) -> None:
        question = " ".join(event.value.split())
        if not question:
            return
        event.input.clear()
        warning = self.history.add(question)
        if warning:
            self.notify(warning, severity="warning")
        self.ask(question)

    def ask(self, question: str) -> Exchange:
        """Add a question to the conversation; it is answered as soon as the model is ready."""
        turn = plan_turn(question, self.turns[-1] if self.turns else None)
        self.turns.append(turn)
        failed = self.assistant is None or self._load_error is not None
        if failed:
            state = self._not_answered()
        elif self.ready:
            state = "Searching…"
        else:
            state = "Waiting for the index and model to load…"
        exchange = Exchange(turn, state)
        self._remove_welcome()
        transcript = self.query_one("#transcript")
        transcript.mount(exchange)
        transcript.scroll_end(animate=False)
        if failed:
            exchange.set_state(state, error=True)
            self._forget(exchange)
        else:
            self._waiting.append(exchange)
            self._next_question()
        return exchange

    def _remove_welcome(self) -> None:
        for welcome in self.query("#welcome"):
            welcome.remove()

    def _next_question(self) -> None:
        if not self.ready or self._asking is not None or not self._waiting:
            return
        exchange = self._waiting.pop(0)
        exchange.set_state("Searching…")
        self._asking = exchange
        self._answer(exchange)

    @work(thread=True, exclusive=True, group="ask", exit_on_error=False)
    def _answer(self, exchange: Exchange) -> None:
        turn = exchange.turn
        try:
            with self._assistant_lock:
                answer = self.assistant.ask(turn.question, search_text=turn.searched_for)
        except QAError as exc:
            self.call_from_thread(self._answer_failed, exchange, str(exc))
            return
        except Exception as exc:  # never a traceback in the user's face
            self.call_from_thread(self._answer_failed, exchange, f"unexpected error: {exc!r}")
            return
        self.call_from_thread(self._answered, exchange, answer)

    async def _answered(self, exchange: Exchange, answer: Answer) -> None:
        if exchange is not self._asking:
            return  # cancelled with Escape while it ran: a stale result
        self._asking = None
        await exchange.show_answer(answer)
        # Once the cards are laid out, show the question at the top with as much of
        # its first card as fits. Queued on the transcript, not the app, so it runs
        # after the transcript's own pending scroll-to-end from when it was asked.
        self.query_one("#transcript").call_after_refresh(self._scroll_to_question, exchange)
        self._next_question()

    def _scroll_to_question(self, exchange: Exchange) -> None:
        self.query_one("#transcript").scroll_to_widget(exchange, top=True, animate=False, immediate=True)

    def _answer_failed(self, exchange: Exchange, message: str) -> None:
        if exchange is not self._asking:
            return
        self._asking = None
        exchange.set_state(f"Not answered: {message}", error=True)
        self.notify(message, title="qa", severity="error", timeout=10)
        self._forget(exchange)
        self._next_question()

    def _forget(self, exchange: Exchange) -> None:
        """An unanswered question is no context for the next one."""
        if exchange.turn in self.turns:
            self.turns.remove(exchange.turn)

    def action_cancel(self) -> None:
        """Escape: drop the running question and those waiting, else leave a card for the input."""
        pending = ([self._asking] if self._asking else []) + self._waiting
        if not pending:
            if isinstance(self.focused, PassageCard):
                self.action_focus_question()
            return
        self.workers.cancel_group(self, "ask")
        self._asking = None
        self._waiting = []
        for exchange in pending:
            exchange.set_state("Cancelled.")
            self._forget(exchange)
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
        path = self.assistant.settings.corpus_dir / passage.doc_id
        try:
            # The text the offsets index: the file, or a PDF page's / web page's extracted text.
            text = self.assistant.source_text(passage.doc_id, passage.page)
        except (OSError, UnicodeDecodeError, QAError) as exc:
            self.notify(f"cannot open {display_path(passage.file)}: {exc}", severity="error")
            return
        if text[passage.char_start : passage.char_end] != passage.text:
            self.notify(f"{display_path(passage.file)} changed since it was indexed: the marked text may be off. Rebuild the index (Ctrl+P).", severity="warning")
        self.push_screen(SourceScreen(passage, path, text, exchange.turn.searched_for))

    @on(PassageCard.CopyRequested)
    def _copy_card(self, event: PassageCard.CopyRequested) -> None:
        passage = event.card.passage
        self._copy(quote_with_citation(passage), f"[{passage.rank}] {citation(passage)}")

    def action_copy_source_passage(self) -> None:
        screen = self.screen
        if isinstance(screen, SourceScreen):
            self._copy(quote_with_citation(screen.passage), f"[{screen.passage.rank}] {citation(screen.passage)}")

    def _copy(self, text: str, what: str) -> None:
        self.copy_to_clipboard(text)  # OSC 52: works over ssh in most terminals
        self._copy_with_tool(text, what)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_with_tool(self, text: str, what: str) -> None:
        tool = copy_with_system_tool(text, self.environ)
        how = f"the terminal (OSC 52) and {tool}" if tool else "the terminal (OSC 52; no wl-copy/xclip/xsel/pbcopy found)"
        self.call_from_thread(self.notify, f"Copied {what} with its citation via {how}.")

    def action_open_in_editor(self) -> None:
        screen = self.screen
        if not isinstance(screen, SourceScreen):
            return
        line = screen.passage.start_line
        command = viewer_command(self.environ, screen.document_path, line)
        if command is None:
            self.notify(f"Set $EDITOR (or $PAGER) to open sources there. This passage is {citation(screen.passage)}.", severity="warning", timeout=8)
            return
        try:
            with self.suspend():
                result = subprocess.run(command)
        except SuspendNotSupported:
            self.notify(f"Cannot hand the terminal to {command[0]} here. This passage is {citation(screen.passage)}.", severity="warning")
            return
        except OSError as exc:
            self.notify(f"Cannot run {command[0]}: {exc.strerror or exc}", severity="error")
            return
        if result.returncode != 0:
            self.notify(f"{command[0]} exited with status {result.returncode}.", severity="warning")

    # ----- palette, export, clear, keys -------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The source view reads one passage: conversation keys stay off its footer.
        if action in ("export", "clear_conversation") and isinstance(self.screen, SourceScreen):
            return False
        return True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Rebuild index", "Index the corpus again (after adding or editing documents)", self.action_rebuild)
        yield SystemCommand("Export conversation", "Save the questions and cited passages as Markdown", self.action_export)
        yield SystemCommand("Clear conversation", "Start over: forget the questions on screen", self.action_clear_conversation)
        yield from super().get_system_commands(screen)

    def action_rebuild(self) -> None:
        if self.assistant is None:
            try:
                self.assistant = self._assistant_factory()
            except QAError as exc:
                self._fail(str(exc))
                return
        if self._asking is not None:
            self.notify("Wait for the current question, or press Escape to cancel it, then rebuild.", severity="warning")
            return
        self.ready = False
        self._load_error = None
        self.query_one(QuestionInput).placeholder = LOADING_PLACEHOLDER
        self._load_token += 1
        self._start(self._load_token, rebuild=True)

    def action_export(self) -> None:
        answered = [(e.answer, e.turn.searched_for) for e in self.query(Exchange) if e.answer is not None]
        if not answered:
            self.notify("Nothing to export yet: ask a question first.", severity="warning")
            return
        folder = self.export_dir or Path.cwd()
        path = folder / f"qa-conversation-{datetime.now():%Y%m%d-%H%M%S}.md"
        try:
            path.write_text(render_conversation_markdown(answered), encoding="utf-8")
        except OSError as exc:
            self.notify(f"Cannot write {path}: {exc.strerror or exc}", severity="error")
            return
        self.notify(f"Exported {len(answered)} answers to {display_path(path)}")

    def action_clear_conversation(self) -> None:
        self.action_cancel()
        transcript = self.query_one("#transcript")
        transcript.remove_children()
        transcript.mount(Static(self._welcome_text(), id="welcome"))
        self.turns = []
        self.action_focus_question()

    def action_toggle_keys(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss()
        else:
            self.push_screen(KeysScreen())
