"""Snapshot tests: the main screens pinned as SVG (tests/__snapshots__/).

Deterministic: fixed terminal size, the fake embedder, an index built before
the app starts (no timing in notifications), paths relative to a tmp folder,
no blinking cursor. Regenerate after an intended change with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from qa.tui.app import QAApp
from qa.tui.source import SourceScreen
from qa.tui.widgets import Exchange, QuestionInput
from tests.tui_helpers import answering_settings, built_assistant, wait_for

FORMATION = "When did IS-KP announce its formation?"


@pytest.fixture
def app(settings, tmp_path, monkeypatch) -> QAApp:
    monkeypatch.chdir(tmp_path)
    assistant = built_assistant(answering_settings(settings))
    return QAApp(lambda: assistant, history_path=tmp_path / "history.jsonl", export_dir=tmp_path, environ={})


def asking(*questions: str, open_card: bool = False):
    async def run_before(pilot) -> None:
        app = pilot.app
        app.query_one(QuestionInput).cursor_blink = False
        await wait_for(pilot, lambda: app.ready)
        for asked, question in enumerate(questions, start=1):
            app.query_one(QuestionInput).value = question
            await pilot.press("enter")
            await wait_for(pilot, lambda: sum(e.answered for e in app.query(Exchange)) == asked)
        if open_card:
            await pilot.press("tab", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
        await pilot.pause(0.2)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def test_start_screen(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), run_before=asking())


def test_keys(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), press=["f1"], run_before=asking())


def test_answered_question(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), run_before=asking(FORMATION))


def test_answered_question_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking(FORMATION))


def test_source_view(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), run_before=asking(FORMATION, open_card=True))


def test_follow_up(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), run_before=asking(FORMATION, "What should be done about it?"))


def test_no_answer(snap_compare, app):
    assert snap_compare(app, terminal_size=(100, 30), run_before=asking("What is the boiling point of mercury?"))
