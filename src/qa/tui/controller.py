"""The chat without its screen: loading the index and model, the lock, the question queue.

Plain Python, no Textual: the app runs the blocking steps (`load`, `answer`) in
worker threads and calls the rest on its UI thread; tests call them all
directly. Questions typed before the model is ready wait in order and run as
soon as it is; answers and rebuilds never use the index at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from qa.assistant import Assistant, IndexStatus
from qa.conversation import Conversation
from qa.errors import QAError, ScopeError
from qa.records import Answer, BuildReport
from qa.search.conversation import Turn
from qa.search.scope import EVERYTHING, Scope, parse_date, scope_path, scope_type

# Typed in the question line: these set or clear the scope instead of asking.
SCOPE_COMMANDS = {
    "/in": "/in FOLDER-OR-FILE (relative to the corpus root; several: /in a b)",
    "/type": "/type EXT (pdf, html, md, txt...; several: /type pdf html)",
    "/since": "/since YYYY-MM-DD",
    "/until": "/until YYYY-MM-DD",
    "/clear": "/clear (the whole scope; /in, /type, /since or /until alone clears that one)",
    "/scope": "/scope (show it)",
}
SCOPE_HELP = "Scope commands: " + "; ".join(SCOPE_COMMANDS.values())


class LoadListener(Protocol):
    """What a load tells the screen while it runs (called from the loading thread)."""

    def status(self, status: IndexStatus) -> None: ...
    def state(self, text: str) -> None: ...
    def built(self, report: BuildReport) -> None: ...
    def note(self, message: str) -> None: ...


@dataclass(eq=False)
class Question:
    """One question of the chat; compared by identity, as the same words may be asked twice."""

    turn: Turn
    scope: Scope = EVERYTHING  # the scope when it was asked: a later /in does not change a waiting question


@dataclass(frozen=True)
class LoadResult:
    token: int  # which load this was: only the latest one counts
    error: str | None = None


@dataclass(frozen=True)
class AnswerResult:
    answer: Answer | None = None
    error: str | None = None


class ChatController:
    """The state of one chat session.

    Args:
        assistant_factory: makes the Assistant; called at start and again by a
            rebuild after it failed.
    """

    def __init__(self, assistant_factory: Callable[[], Assistant], scope: Scope = EVERYTHING):
        self._assistant_factory = assistant_factory
        self.assistant: Assistant | None = None
        self.conversation = Conversation(scope=scope)  # `qa chat --in ...` starts scoped
        self.ready = False
        self.load_error: str | None = None  # why the index or model could not be loaded
        self.load_token = 0  # which load or rebuild is the latest; older ones report nothing
        self.waiting: list[Question] = []  # asked, not yet sent to the model
        self.asking: Question | None = None
        # Answers and rebuilds must not use the index at the same time.
        self._assistant_lock = threading.Lock()

    # ----- loading ---------------------------------------------------------------

    def open(self) -> str | None:
        """Create the assistant if there is none; returns why it could not be, or None."""
        if self.assistant is None:
            try:
                self.assistant = self._assistant_factory()
            except QAError as exc:
                return str(exc)
            self.conversation.assistant = self.assistant
        return None

    def begin_rebuild(self) -> int:
        """A new load supersedes any running one; returns its token."""
        self.ready = False
        self.load_error = None
        self.load_token += 1
        return self.load_token

    def load(self, token: int, listener: LoadListener, rebuild: bool = False) -> LoadResult:
        """Blocking: build the index if needed (from scratch with `rebuild`), load it and the model."""
        assistant = self.assistant
        assert assistant is not None, "open() succeeded before a load"
        try:
            with self._assistant_lock:
                listener.status(assistant.status())

                def progress(message: str) -> None:
                    listener.state(f"indexing: {message}")

                if rebuild:
                    listener.state("rebuilding the index")
                    listener.built(assistant.build(progress=progress))
                else:
                    # Builds a missing index, updates a stale one (the corpus changed), rebuilds
                    # one made with another model; says which.
                    listener.state("checking the index")
                    prepared = assistant.prepare(update=True, progress=progress)
                    if prepared.report is not None and prepared.report.wrote:
                        listener.built(prepared.report)
                    if prepared.note:
                        listener.note(_sentence(prepared.note))
                listener.status(assistant.status())
                listener.state("loading the model")
                assistant.load()
                _ = assistant.embedder  # load it now, not on the first question
                for note in assistant.notes:
                    listener.note(_sentence(note))
                assistant.notes.clear()
        except QAError as exc:
            return LoadResult(token, str(exc))
        except Exception as exc:  # the app must never end in a traceback
            return LoadResult(token, f"unexpected error while loading: {exc!r}")
        return LoadResult(token)

    def is_latest(self, token: int | None) -> bool:
        return token is None or token == self.load_token

    def became_ready(self, token: int) -> bool:
        """A load finished well; False when a newer one overtook it (wait for that one)."""
        if not self.is_latest(token):
            return False
        self.ready = True
        self.load_error = None
        return True

    def fail(self, message: str, token: int | None = None) -> list[Question] | None:
        """qa cannot answer; returns the waiting questions, now refused (None: a stale load's news)."""
        if not self.is_latest(token):
            return None
        self.ready = False
        self.load_error = message
        refused, self.waiting = self.waiting, []
        for question in refused:
            self.conversation.forget(question.turn)
        return refused

    @property
    def cannot_answer(self) -> bool:
        return self.assistant is None or self.load_error is not None

    # ----- scope -----------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        return self.conversation.scope

    def scope_command(self, text: str) -> str | None:
        """Apply a scope command typed in the question line ("/in reports/2025", "/type pdf",
        "/since 2024-01-01", "/until ...", "/clear", "/scope"); returns what to tell the user,
        or None when `text` is a question, not a command.

        Raises:
            ScopeError: a value that cannot be used, an unknown command, or a scope matching no
                document (the scope is left as it was).
        """
        words = text.strip().split(maxsplit=1)
        if not words or not words[0].startswith("/") or len(words[0]) == 1:
            return None
        command, argument = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
        if command not in SCOPE_COMMANDS:
            raise ScopeError(f"unknown command {words[0]}. {SCOPE_HELP}")
        if command == "/scope":
            return f"Scope: {self.scope.describe()}."
        if command == "/clear":
            scope = EVERYTHING
        elif command == "/in":
            scope = self.scope.with_changes(paths=self._paths(argument))
        elif command == "/type":
            extensions = [e for name in argument.replace(",", " ").split() for e in scope_type(name)]
            scope = self.scope.with_changes(types=tuple(dict.fromkeys(extensions)))
        else:
            day = parse_date(argument, command.replace("/", "--"), last=command == "/until") if argument else None
            scope = self.scope.with_changes(**{command[1:]: day})
        documents = self.documents_in(scope)
        if documents == 0:
            raise ScopeError(
                f"no document matches the scope ({scope.describe()}); the corpus has {self.documents_in(EVERYTHING)} "
                f"documents: the scope stays {self.scope.describe()}"
            )
        self.conversation.scope = scope
        counted = "" if documents is None or scope.is_everything else f" ({documents} document{'s' if documents != 1 else ''})"
        return f"Scope: {scope.describe()}{counted}. It stays for the next questions; /clear clears it."

    def _paths(self, argument: str) -> tuple[str, ...]:
        if not argument:
            return ()
        if self.assistant is None:
            raise ScopeError("qa is not ready to read the corpus yet: set the scope once it has loaded")
        corpus = self.assistant.settings.corpus_dir
        # A whole path with spaces first ("/in Annual reports"), else several paths.
        parts = [argument] if (corpus / argument).exists() else argument.split()
        return tuple(dict.fromkeys(form for part in parts for form in scope_path(corpus, part)))

    def documents_in(self, scope: Scope) -> int | None:
        """How many documents the scope holds; None while the index is not loaded (a question says later)."""
        if not self.ready or self.assistant is None:
            return None
        with self._assistant_lock:
            index = self.assistant.load()
            return index.manifest.get("documents", 0) if scope.is_everything else index.select(scope).documents

    # ----- asking ----------------------------------------------------------------

    def ask(self, text: str) -> Question:
        """Add a question to the conversation, in the current scope; it waits unless `cannot_answer`,
        then it is refused.

        Raises:
            QuestionError: nothing to ask (blank, control characters).
        """
        question = Question(self.conversation.plan(text), self.scope)
        if self.cannot_answer:
            self.conversation.forget(question.turn)
        else:
            self.waiting.append(question)
        return question

    def next_question(self) -> Question | None:
        """The question to answer now, if the model is ready and none is being answered."""
        if not self.ready or self.asking is not None or not self.waiting:
            return None
        self.asking = self.waiting.pop(0)
        return self.asking

    def answer(self, question: Question) -> AnswerResult:
        """Blocking: the answer, or the message saying why there is none."""
        try:
            with self._assistant_lock:
                return AnswerResult(answer=self.conversation.answer(question.turn, question.scope))
        except QAError as exc:
            return AnswerResult(error=str(exc))
        except Exception as exc:  # never a traceback in the user's face
            return AnswerResult(error=f"unexpected error: {exc!r}")

    def finish(self, question: Question, result: AnswerResult) -> bool:
        """Record a result; False when the question was cancelled while it ran (a stale result)."""
        if question is not self.asking:
            return False
        self.asking = None
        if result.error is not None:
            self.conversation.forget(question.turn)  # an unanswered question is no context
        return True

    def cancel(self) -> list[Question]:
        """Drop the running question and those waiting; returns them."""
        pending = ([self.asking] if self.asking else []) + self.waiting
        self.asking = None
        self.waiting = []
        for question in pending:
            self.conversation.forget(question.turn)
        return pending

    def clear(self) -> list[Question]:
        """Start over; returns the questions that were cancelled."""
        cancelled = self.cancel()
        self.conversation.clear()
        return cancelled

    @property
    def turns(self) -> list[Turn]:
        return self.conversation.turns


def _sentence(note: str) -> str:
    return note[0].upper() + note[1:] + "."
