"""The benchmark evaluation: metrics by hand, and scripts/eval.py end to end on a tiny slice (fake model)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.evaluation import (
    answer_found,
    mrr_at,
    ndcg_at,
    read_qrels,
    recall_at,
    score_rankings,
    squad_halves,
    squad_report_sample,
    read_squad,
)
from qa.search.retriever import scorer_for
from tests.fakes import FakeCounter, FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]


def test_ndcg_recall_and_mrr_match_hand_computation():
    ranked = ["x", "a", "y", "b"]
    relevant = {"a", "b", "c"}
    # gains at ranks 2 and 4: 1/log2(3) + 1/log2(5); ideal has 3 hits at ranks 1-3.
    expected = (1 / 1.5849625 + 1 / 2.3219281) / (1 + 1 / 1.5849625 + 1 / 2.0)
    assert ndcg_at(ranked, relevant, 10) == pytest.approx(expected, rel=1e-6)
    assert ndcg_at(ranked, relevant, 1) == 0.0
    assert recall_at(ranked, relevant, 2) == pytest.approx(1 / 3)
    assert recall_at(ranked, relevant, 100) == pytest.approx(2 / 3)
    assert mrr_at(ranked, relevant, 10) == 0.5
    assert mrr_at(ranked, relevant, 1) == 0.0
    scores = score_rankings({"q1": ["a"], "q2": ranked}, {"q1": {"a"}, "q2": relevant, "q3": {"z"}})
    assert scores.queries == 3  # a judged query that got no ranking counts as a miss
    assert scores.mrr10 == pytest.approx((1 + 0.5 + 0) / 3)


def test_qrels_skip_the_header_and_strip_crlf(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_bytes(b"query-id\tcorpus-id\tscore\r\n1\t31715818\t1\r\n1\t42\t1\r\n3\t7\t0\r\n")
    assert read_qrels(path) == {"1": {"31715818", "42"}}


def test_answer_found_folds_whitespace():
    assert answer_found(("Denver  Broncos",), ["won by the Denver\nBroncos in 2016"])
    assert not answer_found(("Carolina Panthers",), ["won by the Denver Broncos"])


def test_an_unknown_mode_names_the_valid_ones():
    with pytest.raises(ValueError, match="choose one of hybrid, dense, bm25"):
        scorer_for("sparse")


def test_the_report_sample_is_the_issues_draw():
    import random

    questions = list(range(5000))
    random.seed(7)
    expected = random.sample(questions, 1000)
    random.seed(99)  # the draw must not depend on the caller's random state
    assert squad_report_sample(questions) == expected
    assert squad_halves(48) == (range(0, 24), range(24, 48))


SCIFACT = [
    ("11", "Aspirin and heart attacks", "Daily aspirin lowers the risk of myocardial infarction in adults."),
    ("22", "Vitamin D and bone density", "Vitamin D supplements raise bone mineral density in older women."),
    ("33", "Sleep and memory", "Deep sleep consolidates memory of newly learned motor skills."),
    ("44", "Coffee and the liver", "Coffee drinking is associated with reduced liver cirrhosis."),
]
QUERIES = {"1": "Aspirin reduces myocardial infarction risk.", "2": "Sleep improves motor memory.", "3": "Vitamin D raises bone density."}
SQUAD = [
    ("Super_Bowl", [("The Denver Broncos defeated the Carolina Panthers in Super Bowl fifty.", "Which team won Super Bowl fifty?", "Denver Broncos")]),
    ("Rhine", [("The Rhine river flows from the Swiss Alps to the North Sea.", "Where does the Rhine river rise?", "Swiss Alps")]),
    ("Oxygen", [("Oxygen was discovered by the chemist Carl Wilhelm Scheele.", "Which chemist discovered oxygen?", "Carl Wilhelm Scheele")]),
    ("Warsaw", [("Warsaw is the capital city of Poland, on the Vistula.", "Warsaw is the capital of which country?", "Poland")]),
]


def _write_data(folder: Path) -> None:
    (folder / "scifact" / "qrels").mkdir(parents=True)
    (folder / "squad").mkdir()
    with (folder / "scifact" / "corpus.jsonl").open("w") as handle:
        for doc_id, title, text in SCIFACT:
            handle.write(json.dumps({"_id": doc_id, "title": title, "text": text, "metadata": {}}) + "\n")
    with (folder / "scifact" / "queries.jsonl").open("w") as handle:
        for query_id, text in QUERIES.items():
            handle.write(json.dumps({"_id": query_id, "text": text, "metadata": {}}) + "\n")
    (folder / "scifact" / "qrels" / "test.tsv").write_bytes(b"query-id\tcorpus-id\tscore\r\n1\t11\t1\r\n2\t33\t1\r\n")
    (folder / "scifact" / "qrels" / "train.tsv").write_bytes(b"query-id\tcorpus-id\tscore\r\n3\t22\t1\r\n")
    data = []
    for number, (title, paragraphs) in enumerate(SQUAD):
        data.append(
            {
                "title": title,
                "paragraphs": [
                    {
                        "context": context,
                        "qas": [{"id": f"{number}-{p}", "question": question, "answers": [{"text": answer, "answer_start": context.index(answer)}]}],
                    }
                    for p, (context, question, answer) in enumerate(paragraphs)
                ],
            }
        )
    (folder / "squad" / "dev-v1.1.json").write_text(json.dumps({"version": "1.1", "data": data}))


class CountingEmbedder(FakeEmbedder):
    texts = 0  # across every instance: each cached assistant makes its own

    def embed_batch(self, texts):
        CountingEmbedder.texts += len(texts)
        return super().embed_batch(texts)


@pytest.fixture
def eval_script(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("qa_eval_script", ROOT / "scripts" / "eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "default_model_dir", lambda: tmp_path / "no-model")
    monkeypatch.setattr(module, "model_identity", lambda model_dir: FakeEmbedder.model_id)
    monkeypatch.setattr(
        module,
        "Assistant",
        lambda settings: Assistant(
            settings,
            embedder_factory=lambda s: CountingEmbedder(),
            counter_factory=lambda s: FakeCounter(),
            model_id_factory=lambda s: FakeEmbedder.model_id,
        ),
    )
    return module


def test_eval_script_prints_every_table_and_reuses_its_indexes(eval_script, tmp_path, capsys):
    data, cache = tmp_path / "data", tmp_path / "cache"
    _write_data(data)
    CountingEmbedder.texts = 0
    assert eval_script.main(["--data", str(data), "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ")}
    # Every query shares its rare words with exactly one document, so each part ranks it first.
    for mode in ("dense only (MiniLM chunks)", "BM25 only (FTS5, Snowball stems)", "qa default (hybrid)"):
        assert mode in rows
    scifact_rows = [line for line in out.splitlines() if line.count("|") == 7 and "1.000 |" in line]
    assert len(scifact_rows) == 3, out  # nDCG@10 of 1.000 in all three modes
    squad_rows = [line for line in out.splitlines() if line.count("|") == 4 and line.endswith("|    1.000 |    1.000 |")]
    assert len(squad_rows) == 3, out
    # No-answer: questions about Oxygen and Warsaw share no word with the Super Bowl and Rhine articles.
    assert "| absent | 1.000 (2/2) |" in out
    assert "| present | 0.000 (0/2) |" in out
    first_run = CountingEmbedder.texts

    CountingEmbedder.texts = 0
    assert eval_script.main(["--data", str(data), "--cache", str(cache), "--bench", "scifact"]) == 0
    assert CountingEmbedder.texts == 2  # only the two test queries: the corpus index was reused
    assert first_run > 2 * len(SCIFACT)
    _, questions = read_squad(data / "squad" / "dev-v1.1.json")
    assert [q.answers for q in questions][0] == ("Denver Broncos",)
