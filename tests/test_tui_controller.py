"""The chat's controller and actions without a screen: loading, the queue, cancelling, export."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from qa.errors import QAError, QuestionError
from qa.tui.actions import documents_dir, export_conversation, shown_path
from qa.tui.controller import ChatController
from tests.conftest import make_assistant
from tests.tui_helpers import built_assistant

FORMATION = "When did IS-KP announce its formation?"


class Recorder:
    """A LoadListener that writes down what the screen would show."""

    def __init__(self):
        self.events = []

    def status(self, status):
        self.events.append(("status", status.built))

    def state(self, text):
        self.events.append(("state", text))

    def built(self, report):
        self.events.append(("built", report.documents))

    def note(self, message):
        self.events.append(("note", message))


def loaded(controller: ChatController, rebuild: bool = False) -> Recorder:
    assert controller.open() is None
    listener = Recorder()
    result = controller.load(controller.load_token, listener, rebuild=rebuild)
    assert result.error is None and controller.became_ready(result.token)
    return listener


def test_a_load_builds_the_missing_index_says_so_and_becomes_ready(settings):
    controller = ChatController(lambda: make_assistant(settings))
    listener = loaded(controller)
    assert ("status", False) in listener.events and ("built", 3) in listener.events
    assert any(kind == "note" and text.startswith("Built the index: 3 documents") for kind, text in listener.events)
    assert listener.events[-1] == ("state", "loading the model") and controller.ready


def test_questions_asked_while_loading_wait_in_order_and_follow_ups_lean_on_them(settings):
    controller = ChatController(lambda: built_assistant(settings))
    assert controller.open() is None
    first = controller.ask(FORMATION)
    second = controller.ask("What should be done about it?")
    assert second.turn.searched_for == "IS-KP What should be done about it?"
    assert controller.next_question() is None  # not ready yet
    controller.became_ready(controller.load(controller.load_token, Recorder()).token)
    assert controller.next_question() is first
    assert controller.next_question() is None  # one at a time
    result = controller.answer(first)
    assert controller.finish(first, result) and result.answer.question == FORMATION
    assert controller.next_question() is second


def test_cancel_drops_the_running_and_waiting_questions_and_ignores_a_late_answer(settings):
    controller = ChatController(lambda: built_assistant(settings))
    loaded(controller)
    running = controller.ask(FORMATION)
    waiting = controller.ask("Who pushed them out?")
    assert controller.next_question() is running
    assert controller.cancel() == [running, waiting]
    late = controller.answer(running)  # the worker finishes after Escape
    assert not controller.finish(running, late)
    assert controller.turns == [] and controller.conversation.history == []
    assert not controller.ask("Who pushed them out?").turn.follow_up


def test_an_answer_that_fails_is_no_context_and_the_queue_goes_on(settings):
    controller = ChatController(lambda: make_assistant(settings))  # no index: answering fails
    assert controller.open() is None
    controller.ready = True  # as if loaded, then the index vanished
    question = controller.ask(FORMATION)
    assert controller.next_question() is question
    result = controller.answer(question)
    assert result.answer is None and "run `qa index`" in result.error
    assert controller.finish(question, result) and controller.turns == []


def test_a_failed_load_refuses_the_waiting_questions_and_later_ones(settings, tmp_path):
    broken = settings.__class__(corpus_dir=tmp_path / "missing", index_dir=tmp_path / "ix", model_dir=settings.model_dir)
    controller = ChatController(lambda: make_assistant(broken))
    assert controller.open() is None
    waiting = controller.ask(FORMATION)
    result = controller.load(controller.load_token, Recorder())
    assert "does not exist" in result.error
    assert controller.fail(result.error, result.token) == [waiting]
    assert controller.cannot_answer and controller.ask(FORMATION) not in controller.waiting
    assert controller.turns == []


def test_a_load_overtaken_by_a_rebuild_reports_nothing(settings):
    controller = ChatController(lambda: built_assistant(settings))
    assert controller.open() is None
    first = controller.load_token
    controller.begin_rebuild()
    assert not controller.became_ready(first) and not controller.ready
    assert controller.fail("stale failure", first) is None and controller.load_error is None


def test_a_factory_that_fails_is_a_message_and_can_be_retried(settings):
    attempts = []

    def factory():
        attempts.append(1)
        if len(attempts) == 1:
            raise QAError("no corpus given: pass --corpus DIR")
        return built_assistant(settings)

    controller = ChatController(factory)
    assert controller.open() == "no corpus given: pass --corpus DIR"
    assert controller.cannot_answer
    assert controller.open() is None and controller.conversation.assistant is controller.assistant


def test_blank_questions_are_refused_before_they_join_the_conversation(settings):
    controller = ChatController(lambda: built_assistant(settings))
    with pytest.raises(QuestionError):
        controller.ask("  \t ")
    assert controller.turns == [] and controller.waiting == []


def test_the_controller_runs_without_textual():
    code = "import sys, qa.tui.controller; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# -- export ----------------------------------------------------------------------------


def test_export_goes_to_the_documents_folder_never_the_working_directory(tmp_path):
    home = tmp_path / "home"
    assert documents_dir({"HOME": str(home)}) == home / "Documents"
    assert documents_dir({"HOME": str(home), "XDG_DOCUMENTS_DIR": str(tmp_path / "Dokumente")}) == tmp_path / "Dokumente"
    (home / ".config").mkdir(parents=True)
    (home / ".config" / "user-dirs.dirs").write_text('# written by xdg-user-dirs-update\nXDG_DOCUMENTS_DIR="$HOME/Papiers"\n', encoding="utf-8")
    assert documents_dir({"HOME": str(home)}) == home / "Papiers"
    # A folder set to $HOME itself is switched off: not where exports go.
    (home / ".config" / "user-dirs.dirs").write_text('XDG_DOCUMENTS_DIR="$HOME/"\n', encoding="utf-8")
    assert documents_dir({"HOME": str(home)}) == home / "Documents"


def test_export_writes_the_history_in_a_folder_it_makes_and_shows_it_from_home(assistant, tmp_path):
    controller = ChatController(lambda: assistant)
    loaded(controller)
    question = controller.ask(FORMATION)
    controller.next_question()
    controller.finish(question, controller.answer(question))
    folder = tmp_path / "home" / "Documents"
    path = export_conversation(controller.conversation.history, folder, now=datetime(2026, 12, 3, 7, 5, 0))
    assert path == folder / "qa-conversation-20261203-070500.md"
    assert path.read_text(encoding="utf-8").startswith(f"# qa conversation\n\n## {FORMATION}\n")
    assert shown_path(path, {"HOME": str(tmp_path / "home")}) == "~/Documents/qa-conversation-20261203-070500.md"
    assert shown_path(Path("/elsewhere/x.md"), {"HOME": str(tmp_path / "home")}) == "/elsewhere/x.md"
