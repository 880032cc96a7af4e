"""The tuning script scores cached evidence with the very stage `qa ask` runs."""

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest

from qa.config import RetrievalParams
from qa.render import answer_to_dict

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "tune_eval.py"
QUESTIONS = [
    "When did IS-KP announce its formation?",
    "What should be done about the threat?",
    "Sourdough bread starter",
    "What is the boiling point of mercury?",
    "Is it willing to make deals with non-believers?",  # read under the titles too (unnamed_subject)
]


@pytest.fixture(scope="module")
def tune_eval():
    spec = importlib.util.spec_from_file_location("tune_eval", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("changes", [{}, {"answer_type_weight": 0.5, "rrf_k": 60}, {"candidates": 20, "sibling_weight": 0.0}])
def test_tuning_scores_equal_what_qa_ask_answers(assistant, tune_eval, changes):
    params = replace(RetrievalParams(), **changes)
    asking = replace(assistant.settings, retrieval=params)
    assistant.settings = asking
    vectors = assistant.embedder.embed_batch(QUESTIONS)
    # At the depth the setting reads (a deeper gather differs only in how FAISS orders exact ties).
    evidence = tune_eval.gather_questions(assistant, QUESTIONS, vectors, depth=max(params.candidates, 5))
    for question, gathered in zip(QUESTIONS, evidence):
        tuned = tune_eval.ranked(gathered, params, 5)
        answer = answer_to_dict(assistant.ask(question, 5))
        assert [c.chunk.chunk_id for c in tuned] == [
            chunk_id for chunk_id in _asked_ids(assistant, question, params)
        ], question
        assert [c.chunk.text for c in tuned] == [p["text"] for p in answer["passages"]]


def _asked_ids(assistant, question, params):
    from qa.search.retriever import retrieve

    vector = assistant.embedder.embed_batch([question])[0]
    return [c.chunk.chunk_id for c in retrieve(assistant.load(), question, vector, params, 5, corpus_dir=assistant.settings.corpus_dir, embed=assistant.embedder.embed_batch).candidates]
