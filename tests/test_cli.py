import io
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from qa import cli
from tests.conftest import make_assistant


@pytest.fixture
def run(settings, monkeypatch, capsys):
    """Run `qa ...` in-process against the test corpus with the fake model."""
    monkeypatch.chdir(settings.corpus_dir.parent)

    def invoke(*argv, stdin=None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        try:
            # The factory receives the settings the flags make; the test's own stand in,
            # with the fake model.
            code = cli.main(list(argv), assistant_factory=lambda merged: make_assistant(replace(settings, k=merged.k)))
        except SystemExit as exc:  # argparse exits on bad usage
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_ask_builds_the_missing_index_first_and_answers_in_text(run):
    code, out, err = run("ask", "Which magazine does the group publish in English?")
    assert code == 0
    assert "qa: embedding" in err and "qa: built the index: 3 documents" in err
    first, second = out.splitlines()[:2]
    # The title is too long to share a 100-column line with the citation, which takes the next line.
    assert first.startswith("[1] A Shadow Caliphate: The Enduring Threat")
    assert second == "    — corpus/shadow-caliphate-islamic-state-khorasan.txt:19"
    assert "⟦The group's media wing, Al-Azaim, and its English-language magazine" in out


def test_ask_json_follows_the_contract(run):
    run("index")
    code, out, _ = run("ask", "--json", "-k", "3", "What is the ideology of IS-KP?")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"question", "no_answer", "missing_names", "filters", "passages"}
    assert data["question"] == "What is the ideology of IS-KP?"
    assert len(data["passages"]) == 3
    for passage in data["passages"]:
        assert {"rank", "score", "title", "path", "start_line", "end_line", "char_start", "char_end", "text", "highlight"} <= set(passage)
        with open(passage["path"], encoding="utf-8") as handle:
            assert passage["text"] == handle.read()[passage["char_start"] : passage["char_end"]]
        assert passage["highlight"] in passage["text"]


def test_ask_dash_answers_one_json_line_per_question_and_skips_blank_lines(run):
    run("index")
    code, out, _ = run("ask", "-", "--json", stdin=b"What is the ideology of IS-KP?\n\n  \nWho does IS-KP target?\n\xff\xfe bad bytes\n")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines[:2]] == ["What is the ideology of IS-KP?", "Who does IS-KP target?"]
    assert len(lines) == 3  # the undecodable line is still answered, never a crash


def test_index_prints_what_it_did(run):
    code, out, _ = run("index")
    assert code == 0
    assert out.startswith("built from scratch (no index yet); embedded ") and "now 3 documents" in out
    code, out, _ = run("index")
    assert out.startswith("index is up to date: 3 documents")


def test_status_before_and_after_building(run):
    code, out, _ = run("status")
    assert code == 0 and "not built" in out
    run("index")
    code, out, _ = run("status")
    assert "state:    up to date" in out and "3 documents" in out


def test_a_stale_index_is_updated_before_answering_and_says_so(run, settings):
    run("index")
    (settings.corpus_dir / "extra.txt").write_text("Extra facts\n\nThe zebra migration starts in July.\n", encoding="utf-8")
    code, out, err = run("ask", "When does the zebra migration start?")
    assert code == 0
    assert "qa: the corpus changed (1 added): updated the index" in err
    assert "extra.txt" in out.splitlines()[0]


def test_no_update_answers_from_the_stale_index_with_a_warning(run, settings):
    run("index")
    (settings.corpus_dir / "extra.txt").write_text("Extra facts\n\nThe zebra migration starts in July.\n", encoding="utf-8")
    code, out, err = run("ask", "--no-update", "When does the zebra migration start?")
    assert code == 0
    assert "warning: the corpus changed since the index was built (1 added)" in err
    assert "extra.txt" not in out
    _, out, _ = run("status")
    assert "out of date: 1 added" in out and "  added: extra.txt" in out


def test_no_update_without_an_index_names_the_command(run):
    code, out, err = run("ask", "--no-update", "Taliban")
    assert code == 1
    assert "error: no index in" in err and "run `qa index`" in err


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_empty_question_is_a_user_error_with_help(run, question):
    code, out, err = run("ask", question)
    assert code == 1 and out == ""
    assert err.startswith("error: the question is empty") and 'qa ask "' in err


def test_bad_usage_exits_2(run):
    assert run("ask")[0] == 2
    assert run("ask", "-k", "0", "x")[0] == 2
    assert run("frobnicate")[0] == 2
    assert run()[0] == 2


def test_missing_corpus_is_a_clean_error(tmp_path, capsys):
    code = cli.main(["index", "--corpus", str(tmp_path / "missing"), "--index", str(tmp_path / "ix")])
    err = capsys.readouterr().err
    assert code == 1
    assert "error: corpus folder" in err and "does not exist: pass --corpus DIR" in err and "Traceback" not in err


def test_help_and_import_do_not_load_torch():
    code = (
        "import sys, contextlib, io\n"
        "from qa import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        cli.main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'textual') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_ask_conversation_searches_follow_ups_with_the_turn_before(run):
    run("index")
    stdin = b"When did IS-KP announce its formation?\n\nWhat should be done about it?\nWhich magazine does the group publish in English?\n"
    code, out, _ = run("ask", "-", "--json", "--conversation", stdin=stdin)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines] == [
        "When did IS-KP announce its formation?",
        "What should be done about it?",
        "Which magazine does the group publish in English?",
    ]
    assert [line["searched_for"] for line in lines] == [
        "When did IS-KP announce its formation?",
        "IS-KP What should be done about it?",
        "Which magazine does the group publish in English?",
    ]
    assert set(lines[0]) == {"question", "no_answer", "missing_names", "filters", "passages", "searched_for"}


def test_plain_ask_json_has_no_searched_for(run):
    run("index")
    _, out, _ = run("ask", "--json", "What is the ideology of IS-KP?")
    assert "searched_for" not in json.loads(out)


def test_follow_up_text_output_says_what_was_searched(run):
    run("index")
    _, out, _ = run("ask", "-", "--conversation", stdin=b"When did IS-KP announce its formation?\nWho pushed them out?\n")
    assert "Q: Who pushed them out?\n   (searched for: IS-KP Who pushed them out?)" in out


def test_chat_is_a_command_with_the_usual_locations(run):
    code, out, _ = run("chat", "--help")
    assert code == 0
    assert "--corpus DIR" in out and "--index DIR" in out and "-k N" in out


@pytest.fixture
def qa_anywhere(settings, tmp_path, monkeypatch, capsys):
    """`qa ...` whose assistant follows the flags' corpus and index, indexes kept under tmp_path."""
    monkeypatch.setattr("qa.config.index_root", lambda: tmp_path / "indexes")

    def invoke(*argv):
        factory = lambda merged: make_assistant(replace(settings, corpus_dir=merged.corpus_dir, index_dir=merged.index_dir))  # noqa: E731
        code = cli.main(list(argv), assistant_factory=factory)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_show_takes_the_path_a_citation_printed_without_repeating_corpus(qa_anywhere, settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = qa_anywhere("ask", "--corpus", "corpus", "--json", "Which magazine does the group publish in English?")
    assert code == 0
    cited = json.loads(out)["passages"][0]
    assert cited["path"] == "corpus/shadow-caliphate-islamic-state-khorasan.txt"
    code, out, err = qa_anywhere("show", cited["path"])  # the default corpus is another folder
    assert code == 0, err
    assert out[cited["char_start"] : cited["char_end"]] == cited["text"]
    monkeypatch.chdir(settings.corpus_dir / "notes")  # from elsewhere: absolute, or corpus-relative with --corpus
    assert qa_anywhere("show", str(settings.corpus_dir / cited["path"].split("/", 1)[1]))[1] == out
    assert qa_anywhere("show", "--corpus", str(settings.corpus_dir), "shadow-caliphate-islamic-state-khorasan.txt")[1] == out


def test_show_of_a_path_in_no_corpus_says_so(qa_anywhere, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = qa_anywhere("show", "--corpus", "corpus", "elsewhere/missing.txt")
    assert code == 1 and out == ""
    assert "error: elsewhere/missing.txt is not a file in the corpus" in err


def test_a_conversation_line_of_control_characters_is_skipped_not_the_end_of_the_batch(run):
    run("index")
    code, out, err = run("ask", "-", "--json", "--conversation", stdin=b"When did IS-KP announce its formation?\n\x07\x1b\nWho pushed them out?\n")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["searched_for"] for line in lines] == ["When did IS-KP announce its formation?", "IS-KP Who pushed them out?"]
