"""One corpus served to many clients: the index generation answering now, and one update at a time.

Both `qa serve` and `qa mcp` sit on this. The model and index load once; an
update builds the next generation in a thread with its own Assistant while
questions keep being answered from the current one, then the service switches
to it by replacing one reference, so a question sees the old generation or the
new one, never a mix.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from qa.assistant import Assistant, IndexStatus, Preparation
from qa.errors import IndexBusyError, QAError
from qa.records import Answer, BuildReport

# A question longer than this is refused rather than cut: over HTTP, silently
# answering a different (truncated) question is worse than saying so.
from qa.analyzer import MAX_QUESTION_CHARS

MAX_K = 50  # the retriever's candidate depth: more passages than that cannot be ranked
MAX_CONVERSATION_TURNS = 50


class RequestError(QAError):
    """A request the server will not act on as given; the message names the field and the fix."""


@dataclass(frozen=True)
class AskRequest:
    question: str
    k: int | None
    conversation: tuple[str, ...] | None  # earlier questions, oldest first; None: not a conversation
    filters: dict | None = None  # {"in": [...], "type": [...], "since": ..., "until": ...} checked in shape; None: everything


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    searched_for: str | None  # set when asked as a turn of a conversation, as `qa ask --conversation`


@dataclass(frozen=True)
class UpdateProgress:
    """What the one index update of this server is doing, or did last."""

    state: str  # "idle" (none yet), "running", "done", "failed"
    started_at: float | None = None  # Unix time
    finished_at: float | None = None
    message: str | None = None  # the last progress line, as `qa index` prints it
    embedded: int = 0  # texts embedded so far...
    to_embed: int = 0  # ...of this many
    summary: str | None = None  # when done: the line `qa index` prints
    error: str | None = None  # when failed: the message `qa index` would print after "error: "
    generation: int = 0  # the generation answering (1 at start, +1 at each switch); while running, the one being replaced


def parse_ask_request(data: object) -> AskRequest:
    """Check the body of an ask (HTTP or MCP); raises RequestError naming the field that is wrong."""
    if not isinstance(data, dict):
        raise RequestError('the request body must be a JSON object, e.g. {"question": "When was IS-KP formed?"}')
    unknown = sorted(set(data) - {"question", "k", "filters", "conversation"})
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r}: send question, and optionally k, filters, conversation")
    question = data.get("question")
    if not isinstance(question, str):
        raise RequestError('"question" is missing or not a string: send {"question": "When was IS-KP formed?"}')
    check_question_length(question)
    k = data.get("k")
    if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K):
        raise RequestError(f'"k" must be a whole number from 1 to {MAX_K}, got {k!r}')
    filters = check_filters(data.get("filters"))
    conversation = data.get("conversation")
    if conversation is not None:
        if not isinstance(conversation, list) or not all(isinstance(turn, str) for turn in conversation):
            raise RequestError('"conversation" must be a list of the earlier questions (strings), oldest first')
        if len(conversation) > MAX_CONVERSATION_TURNS:
            raise RequestError(f'"conversation" has {len(conversation)} turns; send at most the last {MAX_CONVERSATION_TURNS}')
        for turn in conversation:
            check_question_length(turn)
        conversation = tuple(conversation)
    return AskRequest(question=question, k=k, conversation=conversation, filters=filters)


def check_question_length(question: str) -> None:
    if len(question) > MAX_QUESTION_CHARS:
        raise RequestError(f"the question is {len(question)} characters long; ask in at most {MAX_QUESTION_CHARS}")


FILTER_FIELDS = ("in", "type", "since", "until")


def check_filters(filters: object) -> dict | None:
    """The shape of "filters" (what `qa ask --json` echoes): "in" and "type" a string or a list of
    strings, "since" and "until" a "YYYY-MM-DD" string or null. The values are checked against
    the corpus when the question is asked (a path outside it is refused then).

    Raises:
        RequestError: naming the field that is wrong and how to write it.
    """
    if filters is None or filters == {}:
        return None
    if not isinstance(filters, dict):
        raise RequestError('"filters" must be an object, e.g. {"in": ["reports/2025"], "type": ["pdf"], "since": "2024-01-01"}')
    unknown = sorted(set(filters) - set(FILTER_FIELDS))
    if unknown:
        raise RequestError(f"unknown filter {unknown[0]!r}: the filters are in, type, since and until")
    checked: dict = {}
    for name in ("in", "type"):
        value = filters.get(name)
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
            raise RequestError(f'filter "{name}" must be a string or a list of strings, got {value!r}')
        checked[name] = values
    for name in ("since", "until"):
        value = filters.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise RequestError(f'filter "{name}" must be a date written "YYYY-MM-DD", got {value!r}')
        checked[name] = value
    return checked or None


def answer_json(result: AskResult) -> dict:
    """Exactly the object `qa ask --json` prints (with `searched_for` as `--conversation` adds it)."""
    from qa.render import answer_to_dict

    data = answer_to_dict(result.answer)
    if result.searched_for is not None:
        data["searched_for"] = result.searched_for
    return data


def status_json(status: IndexStatus) -> dict:
    """What `qa status` says, as JSON."""
    changes = status.changes
    return {
        "corpus": status.corpus_dir,
        "index": status.index_dir,
        "model": status.model_id,
        "built": status.built,
        "built_at": status.built_at,
        "indexed_model": status.indexed_model_id,
        "documents": status.documents,
        "chunks": status.chunks,
        "search": status.search,
        "mismatch": status.mismatch,
        "up_to_date": status.up_to_date,
        "changes": None
        if changes is None
        else {
            "summary": changes.summary(),
            "added": list(changes.added),
            "changed": list(changes.changed),
            "removed": list(changes.removed),
        },
        "skipped": [{"path": item.doc_id, "reason": item.reason} for item in status.skipped],
        "notes": [{"path": item.doc_id, "reason": item.reason} for item in status.notes],
        "unsupported": list(status.unsupported),  # files of types qa does not read
        # The date --since/--until compare for each document, and where it came from
        # ("pdf CreationDate", "html meta article:published_time", "file mtime").
        "documents_dates": [
            {"path": doc_id, "date": day, "date_source": source} for doc_id, (day, source) in (status.dates or {}).items()
        ],
    }


@dataclass
class _Generation:
    """The Assistant answering from one index generation.

    Questions on one generation take turns (the lock): its SQLite connection
    and vector readers are shared objects not written for concurrent use, and
    on a small machine ONNX already spreads one question over the cores. An
    update does not hold this lock, so answering never waits for a build.
    """

    assistant: Assistant
    number: int
    lock: threading.Lock = field(default_factory=threading.Lock)


class CorpusService:
    """The shared state of a server: the current generation and the update job."""

    def __init__(self, assistant_factory: Callable[[], Assistant]):
        self._factory = assistant_factory
        self._generation: _Generation | None = None
        self._job_lock = threading.Lock()
        self._progress = UpdateProgress("idle")
        self._job: threading.Thread | None = None

    @property
    def settings(self):
        return self._current().assistant.settings

    def start(self, update: bool = True, progress=None, counts=None) -> Preparation:
        """Make the index fit to answer from (as `qa ask` does) and load it and the model, once."""
        assistant = self._factory()
        prepared = assistant.prepare(update=update, progress=progress, counts=counts)
        _warm(assistant)
        self._generation = _Generation(assistant, 1)
        return prepared

    def notes(self) -> list[str]:
        """Things worth telling the user that are not errors (which embedder loaded, and why)."""
        notes = self._current().assistant.notes
        taken = list(notes)
        notes.clear()
        return taken

    def ask(self, request: AskRequest) -> AskResult:
        from qa.search.conversation import plan_turn

        searched_for = None
        if request.conversation is not None:
            previous = None
            for earlier in request.conversation:
                if earlier.strip():
                    previous = plan_turn(earlier, previous)
            turn = plan_turn(request.question, previous)
            question, searched_for = turn.question, turn.searched_for
        else:
            question = request.question
        generation = self._current()  # one read: the whole question uses this generation
        filters = request.filters or {}
        # A path outside the corpus, a bad date: ScopeError, a 400 / a tool error naming the filter.
        scope = generation.assistant.scope(filters.get("in"), filters.get("type"), filters.get("since"), filters.get("until"))
        with generation.lock:
            answer = generation.assistant.ask(question, request.k, search_text=searched_for, scope=scope)
        return AskResult(answer, searched_for)

    def status(self) -> IndexStatus:
        # Opens the index afresh (it reads CURRENT), so it needs no lock.
        return self._current().assistant.status()

    def corpus_prefix(self) -> str:
        """The corpus folder as citations show it: a passage's `path` is this, "/", its document id."""
        from qa.render import display_path

        return display_path(self.settings.corpus_dir)

    def source_text(self, path: str, page: int | None) -> str:
        """The text `qa show PATH [--page N]` prints, for a path that stays inside the corpus."""
        doc_id = corpus_document(self.settings.corpus_dir, path, self.corpus_prefix())
        generation = self._current()
        try:
            with generation.lock:
                return generation.assistant.source_text(doc_id, page)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise QAError(f"cannot read {doc_id}: {reason}") from exc

    def start_update(self, full: bool = False) -> UpdateProgress:
        """Start `qa index` in the background; IndexBusyError when this server already runs one."""
        with self._job_lock:
            if self._progress.state == "running":
                raise IndexBusyError(
                    "an index update is already running on this server: wait for it to finish (GET /api/index shows its progress)"
                )
            self._progress = UpdateProgress("running", started_at=time.time(), generation=self._current().number)
            self._job = threading.Thread(target=self._run_update, args=(full,), name="qa-index-update", daemon=True)
            self._job.start()
            return self._progress

    def update_progress(self) -> UpdateProgress:
        progress = self._progress
        if progress.state == "idle" and self._generation is not None:
            from dataclasses import replace

            return replace(progress, generation=self._generation.number)
        return progress

    def wait_for_update(self, timeout: float | None = None) -> UpdateProgress:
        job = self._job
        if job is not None:
            job.join(timeout)
        return self._progress

    def _run_update(self, full: bool) -> None:
        try:
            builder = self._factory()
            report = builder.update(progress=self._on_message, counts=self._on_counts, full=full)
            _warm(builder)  # pay for loading before the switch, not on the next question
            number = self._current().number + 1
            self._generation = _Generation(builder, number)
            self._finish(state="done", summary=describe_report(report), generation=number)
        except QAError as exc:
            self._finish(state="failed", error=str(exc))
        except Exception as exc:  # a bug: reported like the CLI reports one, and the server keeps answering
            if os.environ.get("QA_DEBUG"):
                import traceback

                traceback.print_exc()
            self._finish(state="failed", error=unexpected_error_message(exc))

    def _on_message(self, message: str) -> None:
        self._replace_progress(message=message)

    def _on_counts(self, done: int, total: int) -> None:
        self._replace_progress(embedded=done, to_embed=total)

    def _finish(self, **changes) -> None:
        self._replace_progress(finished_at=time.time(), **changes)

    def _replace_progress(self, **changes) -> None:
        from dataclasses import replace

        with self._job_lock:
            self._progress = replace(self._progress, **changes)

    def _current(self) -> _Generation:
        generation = self._generation
        if generation is None:
            raise QAError("the server has not loaded its index yet: call start() first")
        return generation


def _warm(assistant: Assistant) -> None:
    assistant.load()
    assistant.embedder  # noqa: B018 - loads the model now, not on the first question


def describe_report(report: BuildReport) -> str:
    from qa.cli import describe_build  # the line `qa index` prints, word for word

    return describe_build(report)


def unexpected_error_message(exc: Exception) -> str:
    """What the CLI says about a bug, without the traceback."""
    return (
        f"unexpected {type(exc).__name__}: {exc}; "
        "this is a bug in qa; run again with QA_DEBUG=1 for the traceback and report it"
    )


def corpus_document(corpus_dir: Path, requested: str, corpus_prefix: str) -> str:
    """The document id of `requested` when it names a file inside the corpus; refuses anything else.

    Accepts a document id (`notes/bread.md`) or the path a citation shows
    (`corpus/notes/bread.md`, relative to where the server runs). Refuses
    absolute paths, `..`, and paths whose real location (symbolic links
    followed) is outside the corpus, so a client can read the corpus and
    nothing else.

    Raises:
        RequestError: the path is refused, saying why.
        QAError: no such file in the corpus (the message `qa show` gives).
    """
    if not requested or any(ord(ch) < 32 for ch in requested):
        raise RequestError("the source path is empty or holds control characters: pass the path a citation shows")
    if requested.startswith(("/", "\\", "~")) or os.path.isabs(requested) or (len(requested) > 1 and requested[1] == ":"):
        raise RequestError(
            f"absolute paths are refused ({requested}): pass the path relative to the corpus, as a citation shows it"
        )
    parts = PurePosixPath(requested.replace("\\", "/")).parts
    if ".." in parts:
        raise RequestError(f"'..' is refused in a source path ({requested}): pass the path a citation shows")
    candidates = ["/".join(parts)]
    prefix_parts = PurePosixPath(corpus_prefix).parts
    if not PurePosixPath(corpus_prefix).is_absolute() and prefix_parts and tuple(parts[: len(prefix_parts)]) == prefix_parts:
        candidates.append("/".join(parts[len(prefix_parts) :]))
    root = corpus_dir.resolve()
    outside = None
    for doc_id in candidates:
        if not doc_id:
            continue
        real = (corpus_dir / doc_id).resolve()
        if not real.is_relative_to(root):
            outside = doc_id
            continue
        if real.is_file():
            return doc_id
    if outside is not None:
        raise RequestError(f"{requested} leads outside the corpus (through a symbolic link): refused")
    raise QAError(f"{requested} is not a file in the corpus {corpus_dir}: pass a path from a citation")
