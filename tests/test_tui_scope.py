"""Scoping in the chat: /in, /type, /since, /until and /clear typed in the question line, the palette,
the header, follow-ups and the export; the controller without Textual, then the app with a pilot."""

from __future__ import annotations

import pytest

from qa.errors import QAError
from qa.search.scope import EVERYTHING
from qa.tui.app import QAApp
from qa.tui.controller import ChatController
from qa.tui.widgets import Exchange, QuestionInput
from tests.conftest import make_assistant
from tests.test_tui_controller import loaded
from tests.tui_helpers import plain, wait_for

BREAD = "How long does the dough prove?"

# The async tests run on anyio (textual brings its pytest plugin); the sync ones ignore the mark.
pytestmark = pytest.mark.anyio


def test_scope_commands_set_and_clear_the_scope_and_it_stays_for_follow_ups(settings):
    controller = ChatController(lambda: make_assistant(settings))
    loaded(controller)
    assert controller.scope_command(BREAD) is None  # a question, not a command
    told = controller.scope_command("/in notes")
    assert told.startswith("Scope: in notes (1 document).")
    assert controller.scope_command("/type md").startswith("Scope: in notes; type md (1 document)")
    first = controller.ask(BREAD)
    follow_up = controller.ask("And what does it need?")
    for question in (controller.next_question(), None):
        if question is None:
            break
        result = controller.answer(question)
        assert controller.finish(question, result) and result.error is None
        assert {p.doc_id for p in result.answer.passages} == {"notes/bread.md"}
    assert first.scope == follow_up.scope == controller.scope
    second = controller.next_question()
    answer = controller.answer(second).answer
    assert {p.doc_id for p in answer.passages} == {"notes/bread.md"} and answer.scope == controller.scope
    controller.finish(second, controller.answer(second))
    controller.clear()  # clearing the conversation keeps the scope
    assert controller.scope.names == ("notes",)
    assert controller.scope_command("/type").startswith("Scope: in notes (1 document)")
    assert controller.scope_command("/clear").startswith("Scope: everything")
    assert controller.scope is EVERYTHING


def test_bad_scope_commands_say_why_and_leave_the_scope_as_it_was(settings):
    controller = ChatController(lambda: make_assistant(settings))
    loaded(controller)
    controller.scope_command("/in notes")
    for command, words in (
        ("/in nowhere-at-all", "no document matches the scope (in nowhere-at-all); the corpus has 3 documents"),
        ("/since 2024-02-31", "is not a date"),
        ("/type .", "is not a file type"),
        ("/into notes", "unknown command /into"),
        ("/in ../outside", "not inside the corpus"),
    ):
        with pytest.raises(QAError, match=words.replace("(", r"\(").replace(")", r"\)")):
            controller.scope_command(command)
        assert controller.scope.names == ("notes",)
    assert controller.scope_command("/scope") == "Scope: in notes."


@pytest.fixture
def app_for(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def make(**options) -> QAApp:
        return QAApp(lambda: make_assistant(settings), history_path=tmp_path / "history.jsonl", export_dir=tmp_path, environ={}, **options)

    return make


async def _type(pilot, text: str) -> None:
    pilot.app.query_one(QuestionInput).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_a_scope_typed_in_the_question_line_shows_in_the_header_and_is_exported(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        header_scope = app.query_one("StatusHeader #scope")
        assert not header_scope.display  # the whole corpus: nothing to show
        await _type(pilot, "/in notes")
        assert header_scope.display and plain(header_scope) == "scope: in notes"
        assert app.query_one(QuestionInput).value == ""  # the command is not asked, nor kept in the line
        assert not app.query(Exchange)
        await _type(pilot, BREAD)
        await wait_for(pilot, lambda: app.query(Exchange) and app.query(Exchange).last().answered)
        await _type(pilot, "What else does it need?")  # a follow-up keeps the scope
        await wait_for(pilot, lambda: len(app.query(Exchange)) == 2 and app.query(Exchange).last().answered)
        history = app.controller.conversation.history
        assert [{p.doc_id for p in answer.passages} for _, answer in history] == [{"notes/bread.md"}] * 2
        app.action_export()
        exported = next(tmp_path.glob("qa-conversation-*.md")).read_text(encoding="utf-8")
        assert exported.count("_Scope: in notes_") == 2
        await _type(pilot, "/since 2999-01-01")  # matches nothing: refused, scope unchanged
        assert plain(header_scope) == "scope: in notes"
        await _type(pilot, "/clear")
        assert not header_scope.display and app.controller.scope.is_everything


async def test_the_palette_starts_a_scope_command_and_clears_the_scope(app_for):
    from qa.search.scope import Scope

    app = app_for(scope=Scope(types=("md", "markdown")))  # as `qa chat --type md` starts
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        assert plain(app.query_one("StatusHeader #scope")) == "scope: type md"
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Scope questions", "Clear scope"} <= set(commands)
        commands["Scope questions"].callback()
        await pilot.pause()
        assert app.query_one(QuestionInput).value == "/in " and app.focused is app.query_one(QuestionInput)
        commands["Clear scope"].callback()
        await pilot.pause()
        assert not app.query_one("StatusHeader #scope").display
