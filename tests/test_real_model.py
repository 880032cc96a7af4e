"""End to end on the real bundled all-MiniLM-L6-v2: the `qa` a user runs, in a subprocess."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import DEFAULT_CORPUS

pytestmark = pytest.mark.slow

QUESTIONS = [
    ("When did IS-KP announce its formation?", "January 2015"),
    ("When was the group formed?", "January 2015"),
    ("What is the name of IS-KP's English-language magazine?", "Voice of Khurasan"),
    ("What is the Pashto magazine called?", "Khurasan Ghag"),
    ("Which countries does IS-KP target abroad?", "Iran, Russia and Pakistan"),
    ("What happened in Moscow in March 2024?", "mass shooting in Moscow"),
]


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    index = tmp_path_factory.mktemp("real-index")
    env = {**os.environ, "QA_INDEX": str(index), "QA_CORPUS": str(DEFAULT_CORPUS)}
    for name in ("QA_MODEL", "QA_K"):
        env.pop(name, None)
    stdin = "\n".join([q for q, _ in QUESTIONS] + ["What is the boiling point of mercury?"]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "-", "--json"], input=stdin, capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "qa: built the index: 2 documents" in result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("position", range(len(QUESTIONS)))
def test_the_answering_passage_is_ranked_first(answers, position):
    question, expected = QUESTIONS[position]
    answer = answers[position]
    assert answer["question"] == question
    assert not answer["no_answer"]
    top = answer["passages"][0]
    assert expected in top["text"]
    with open(top["path"], encoding="utf-8") as handle:
        assert handle.read()[top["char_start"] : top["char_end"]] == top["text"]


def test_the_highlight_is_the_answering_sentence(answers):
    assert "announced its formation in\xa0January 2015" in answers[0]["passages"][0]["highlight"]


def test_an_unrelated_question_gets_no_answer(answers):
    answer = answers[-1]
    assert answer["no_answer"] is True
    assert all(p["weak"] for p in answer["passages"])
