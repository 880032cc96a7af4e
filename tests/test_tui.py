"""Pilot tests: the chat app driven by keys and clicks, on the fake embedder."""

from __future__ import annotations

import pytest

from qa.config import Settings
from qa.render import display_path
from qa.tui.app import QAApp
from qa.tui.controller import LoadResult
from qa.tui.keys import KeysScreen
from qa.tui.source import SourceScreen
from qa.tui.system import clipboard_command, viewer_command
from qa.tui.widgets import Exchange, PassageCard, QuestionInput
from tests.conftest import make_assistant
from tests.tui_helpers import GatedEmbedder, answering_settings, built_assistant, gated_assistant, plain, wait_for

# anyio's pytest plugin (installed with textual's dependencies) runs the async tests.
pytestmark = pytest.mark.anyio

FORMATION = "When did IS-KP announce its formation?"
FORMATION_SENTENCE = "The group officially announced its formation in January 2015"


@pytest.fixture
def app_for(settings, tmp_path, monkeypatch):
    """An app on the test corpus; paths shown relative to tmp_path, as a user would see them."""
    monkeypatch.chdir(tmp_path)

    def make(assistant_factory=None, environ=None) -> QAApp:
        return QAApp(
            assistant_factory or (lambda: make_assistant(answering_settings(settings))),
            history_path=tmp_path / "history.jsonl",
            export_dir=tmp_path,
            environ={} if environ is None else environ,
        )

    return make


async def ask(pilot, question: str) -> Exchange:
    app = pilot.app
    before = len(app.query(Exchange))
    app.query_one(QuestionInput).value = question
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(app.query(Exchange)) > before and app.query(Exchange).last().answered)
    await pilot.pause()
    return app.query(Exchange).last()


async def test_asking_shows_cards_with_citation_and_highlighted_sentence(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)  # builds the missing index first
        exchange = await ask(pilot, FORMATION)
        cards = list(exchange.query(PassageCard))
        assert len(cards) == 5
        first = cards[0]
        assert display_path(first.passage.file) == "corpus/shadow-caliphate-islamic-state-khorasan.txt"
        shown = plain(first)
        # The chunk opens with its section heading (line 13), which the card also names.
        assert shown.startswith("corpus/shadow-caliphate-islamic-state-khorasan.txt:13-15 › Origins and History\n")
        assert str(first.border_subtitle) == f"score {first.passage.score:.2f}"
        assert f"▌ {FORMATION_SENTENCE}" in shown
        assert str(first.border_title).startswith("[1] A Shadow Caliphate")
        assert "3 documents" in plain(app.query_one("StatusHeader #corpus")) and "up to date" in plain(app.query_one("StatusHeader #corpus"))
        assert plain(app.query_one("StatusHeader #state")) == "ready"


async def test_selecting_a_card_opens_the_source_scrolled_to_the_marked_passage(app_for, settings):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        exchange = await ask(pilot, FORMATION)
        await pilot.press("tab")  # from the question to the latest answer's first card
        assert app.focused is exchange.query(PassageCard).first()
        await pilot.press("down", "enter")  # the second card
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
        screen = app.screen
        passage = exchange.query(PassageCard)[1].passage
        assert screen.passage == passage
        assert plain(screen.query_one("#passage")) == passage.text
        text = (settings.corpus_dir / passage.doc_id).read_text(encoding="utf-8")
        assert plain(screen.query_one("#before")) == text[: passage.char_start].rstrip()
        await pilot.pause(0.1)
        document = screen.query_one("#document")
        marked = screen.query_one("#passage")
        assert document.scroll_y > 0
        assert document.scroll_y <= marked.virtual_region.y < document.scroll_y + document.size.height
        await pilot.press("escape")
        assert not isinstance(app.screen, SourceScreen)


async def test_clicking_a_card_opens_its_source(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        exchange = await ask(pilot, FORMATION)
        card = exchange.query(PassageCard).first()
        # The transcript scrolls the answer into view after the next refresh.
        await wait_for(pilot, lambda: card.region.height > 0 and 0 < card.region.y < app.size.height - 5)
        await pilot.click(card)
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
        assert app.screen.passage.rank == 1


async def test_follow_up_is_searched_with_the_previous_question_and_says_so(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        first = await ask(pilot, FORMATION)
        assert not first.query(".searched")
        follow = await ask(pilot, "What should be done about it?")
        assert follow.turn.searched_for == "IS-KP What should be done about it?"
        assert plain(follow.query_one(".searched")) == "follow-up, searched for: IS-KP What should be done about it?"
        assert follow.answer.question == "What should be done about it?"
        alone = await ask(pilot, "Which magazine does the group publish in English?")
        assert not alone.turn.follow_up and not alone.query(".searched")


async def test_typing_while_loading_queues_the_question_until_ready(app_for, settings):
    built_assistant(settings)
    embedder = GatedEmbedder()
    app = app_for(lambda: gated_assistant(settings, embedder))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        app.controller.ready = False  # as if the model were still loading
        app.query_one(QuestionInput).value = FORMATION
        await pilot.press("enter")
        exchange = app.query(Exchange).last()
        assert plain(exchange._state) == "Waiting for the index and model to load…"
        app._loaded(LoadResult(app.controller.load_token))
        await wait_for(pilot, embedder.waiting.is_set)
        assert plain(exchange._state) == "Searching…"
        embedder.gate.set()
        await wait_for(pilot, lambda: exchange.answered)


async def test_escape_cancels_a_running_question_and_ignores_its_late_answer(app_for, settings):
    built_assistant(settings)
    embedder = GatedEmbedder()
    app = app_for(lambda: gated_assistant(settings, embedder))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        app.query_one(QuestionInput).value = FORMATION
        await pilot.press("enter")
        await wait_for(pilot, embedder.waiting.is_set)
        await pilot.press("escape")
        exchange = app.query(Exchange).last()
        assert plain(exchange._state) == "Cancelled."
        assert app.turns == []  # a cancelled question is no context for a follow-up
        embedder.gate.set()
        await pilot.pause(0.3)
        assert not exchange.answered and not exchange.query(PassageCard)
        again = await ask(pilot, FORMATION)  # the app still answers afterwards
        assert again.answered


async def test_history_is_recalled_with_up_and_down_and_saved(app_for, tmp_path):
    (tmp_path / "history.jsonl").write_text('"an older question"\n', encoding="utf-8")
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await ask(pilot, FORMATION)
        field = app.query_one(QuestionInput)
        await pilot.press("up")
        assert field.value == FORMATION
        await pilot.press("up")
        assert field.value == "an older question"
        await pilot.press("down", "down")
        assert field.value == ""
    assert (tmp_path / "history.jsonl").read_text(encoding="utf-8").splitlines()[-1] == f'"{FORMATION}"'


async def test_no_answer_looks_different(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        exchange = await ask(pilot, "What is the boiling point of mercury?")
        assert exchange.answer.no_answer
        assert exchange.has_class("-no-answer")
        assert "No passage in the corpus answers" in plain(exchange.query_one(".no-answer"))
        assert all(card.has_class("-weak") and str(card.border_subtitle).startswith("weak match · score ") for card in exchange.query(PassageCard))


@pytest.mark.parametrize("problem", ["missing", "empty"])
async def test_corpus_problems_are_notified_and_written_in_the_transcript(app_for, settings, tmp_path, problem):
    corpus = tmp_path / problem
    if problem == "empty":
        corpus.mkdir()
    broken = Settings(corpus_dir=corpus, index_dir=tmp_path / f"index-{problem}", model_dir=settings.model_dir)
    app = app_for(lambda: make_assistant(broken))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.query(".error-note"))
        note = plain(app.query_one(".error-note"))
        assert str(corpus) in note
        assert any(n.severity == "error" and n.message == note for n in app._notifications)
        assert plain(app.query_one("StatusHeader #state")) == "error"
        app.query_one(QuestionInput).value = FORMATION
        await pilot.press("enter")  # still responsive, says why it cannot answer
        await pilot.pause()
        assert "Not answered" in plain(app.query(Exchange).last()._state)


async def test_export_writes_markdown_with_numbered_citations(app_for, tmp_path):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.press("ctrl+s")
        assert not list(tmp_path.glob("qa-conversation-*.md"))  # nothing to export yet
        await ask(pilot, FORMATION)
        await ask(pilot, "What should be done about it?")
        await pilot.press("ctrl+s")
        (exported,) = tmp_path.glob("qa-conversation-*.md")
        text = exported.read_text(encoding="utf-8")
        assert f"## {FORMATION}" in text and "_Searched for: IS-KP What should be done about it?_" in text
        assert "[1] A Shadow Caliphate" in text and "› Origins and History — `corpus/shadow-caliphate-islamic-state-khorasan.txt:13-15`" in text


async def test_copy_puts_the_passage_and_its_citation_on_the_clipboard(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await ask(pilot, FORMATION)
        await pilot.press("tab", "c")
        await wait_for(pilot, lambda: any("Copied" in n.message for n in app._notifications))
        assert app.clipboard.endswith("— A Shadow Caliphate: The Enduring Threat of the Islamic State Khorasan Province › Origins and History, corpus/shadow-caliphate-islamic-state-khorasan.txt:13-15")
        assert FORMATION_SENTENCE in app.clipboard
        message = next(n.message for n in app._notifications if "Copied" in n.message)
        assert "OSC 52" in message


async def test_open_in_editor_without_editor_or_pager_says_what_to_set(app_for):
    app = app_for(environ={})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await ask(pilot, FORMATION)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceScreen))
        await pilot.press("e")
        assert any("Set $EDITOR" in n.message and ":13-15" in n.message for n in app._notifications)


async def test_f1_toggles_the_keys_and_palette_has_the_commands(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.press("f1")
        assert isinstance(app.screen, KeysScreen)
        await pilot.press("f1")
        assert not isinstance(app.screen, KeysScreen)
        await pilot.press("f1", "escape")
        assert not isinstance(app.screen, KeysScreen)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Rebuild index", "Export conversation", "Clear conversation", "Theme", "Quit"} <= set(titles)


async def test_rebuild_and_clear_from_the_palette_actions(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await ask(pilot, FORMATION)
        app.clear_notifications()
        app.action_rebuild()
        assert not app.ready
        await wait_for(pilot, lambda: app.ready)
        assert any(n.message.startswith("Indexed 3 documents") for n in app._notifications)
        app.action_clear_conversation()
        await pilot.pause()
        assert not app.query(Exchange) and app.turns == [] and app.query("#welcome")
        follow = await ask(pilot, "What should be done about it?")
        assert not follow.turn.follow_up  # a cleared conversation has nothing to lean on


def test_viewer_command_prefers_editor_then_pager(tmp_path):
    path = tmp_path / "doc.txt"
    assert viewer_command({"EDITOR": "vim -R"}, path, 15) == ["vim", "-R", "+15", str(path)]
    assert viewer_command({"VISUAL": "nano", "EDITOR": "vim"}, path, 3) == ["nano", "+3", str(path)]
    assert viewer_command({"PAGER": "less -R"}, path, 15) == ["less", "-R", "+15g", str(path)]
    assert viewer_command({"PAGER": "bat"}, path, 15) == ["bat", str(path)]
    assert viewer_command({}, path, 15) is None


def test_clipboard_tool_follows_the_display():
    present = {"wl-copy", "xclip", "xsel"}
    which = lambda name: f"/usr/bin/{name}" if name in present else None  # noqa: E731
    assert clipboard_command({"WAYLAND_DISPLAY": "wayland-0"}, which) == ["wl-copy"]
    assert clipboard_command({"DISPLAY": ":0"}, which) == ["xclip", "-selection", "clipboard"]
    assert clipboard_command({}, which) is None


async def test_a_load_overtaken_by_a_rebuild_does_not_announce_ready(app_for):
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        first = app.controller.load_token
        app.controller.begin_rebuild()  # as if Rebuild index was chosen while the first load ran
        app._loaded(LoadResult(first))
        assert not app.ready
        app._loaded(LoadResult(first, error="stale failure"))
        assert not app.query(".error-note")


async def test_a_corpus_changed_since_the_index_is_updated_at_start_and_said(app_for, settings):
    built_assistant(settings)
    (settings.corpus_dir / "extra.txt").write_text("Extra\n\nNew facts.\n", encoding="utf-8")
    app = app_for()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        notes = [plain(w) for w in app.query(".info-note")]
        assert any(n.startswith("The corpus changed (1 added): updated the index in ") for n in notes), notes
        header = plain(app.query_one("StatusHeader #corpus"))
        assert "4 documents" in header and "up to date" in header


async def test_rebuild_index_from_the_command_palette(app_for, settings):
    built_assistant(settings)
    (settings.corpus_dir / "extra.txt").write_text("Extra\n\nNew facts.\n", encoding="utf-8")
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.press("ctrl+p")
        await pilot.press(*"Rebuild index")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.message.startswith("Indexed 4 documents") for n in app._notifications))
        await wait_for(pilot, lambda: app.ready)
        assert "4 documents" in plain(app.query_one("StatusHeader #corpus"))
        assert "up to date" in plain(app.query_one("StatusHeader #corpus"))


async def test_typing_while_a_card_has_focus_starts_the_next_question(app_for, settings):
    built_assistant(settings)
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.press(*"Taliban", "enter")
        await wait_for(pilot, lambda: bool(app.query("PassageCard")))
        await pilot.press("tab")
        assert app.focused.__class__.__name__ == "PassageCard"
        await pilot.press(*"Who")
        question = app.query_one("#question")
        assert app.focused is question and question.value == "Who"


async def test_ctrl_s_exports_to_the_documents_folder_not_where_the_chat_started(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # as if started inside a checkout
    home = tmp_path / "home"
    app = QAApp(lambda: make_assistant(settings), history_path=tmp_path / "history.jsonl", environ={"HOME": str(home)})
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await ask(pilot, FORMATION)
        await pilot.press("ctrl+s")
        (exported,) = (home / "Documents").glob("qa-conversation-*.md")
        assert not list(tmp_path.glob("qa-conversation-*.md"))
        assert any(n.message == f"Exported 1 answer to ~/Documents/{exported.name}" for n in app._notifications)
