"""scripts/bench.py's cheap pieces on a tiny size, so the benchmark cannot silently break.

No real model: the synthetic index is built with the fake token counter and
answered with the same clustered embedder that built it.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.assistant import Assistant
from qa.config import Settings
from tests.fakes import FakeCounter

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))
import bench_corpus  # noqa: E402
import bench_measure  # noqa: E402

MODEL_ID = "clustered-test@1"


@pytest.fixture(scope="module")
def pool():
    return bench_corpus.paragraph_pool()


@pytest.fixture
def tiny(tmp_path, pool):
    return bench_corpus.build_synthetic_index(tmp_path / "synthetic", 200, MODEL_ID, FakeCounter, tmp_path / "no-model", pool)


def test_synthetic_index_builds_answers_and_is_reused(tiny, tmp_path, pool):
    assert tiny.info["files"] == round(200 / bench_corpus.CHUNKS_PER_FILE)
    assert tiny.info["chunks"] > 50 and tiny.info["sentences"] > tiny.info["chunks"]
    assert not tiny.info["cached"]
    settings = Settings(corpus_dir=tiny.corpus_dir, index_dir=tiny.index_dir, model_dir=tmp_path / "no-model")
    embedder = bench_corpus.ClusteredEmbedder(MODEL_ID)
    assistant = Assistant(settings, embedder_factory=lambda s: embedder, model_id_factory=lambda s: MODEL_ID)
    answer = assistant.ask(bench_corpus.questions(1)[0])
    assert answer.passages
    again = bench_corpus.build_synthetic_index(tmp_path / "synthetic", 200, MODEL_ID, FakeCounter, tmp_path / "no-model", pool)
    assert again.info["cached"] and again.info["chunks"] == tiny.info["chunks"]


def test_exact_vectors_match_the_index_so_flat_recall_is_one(tiny):
    from qa.index.local import open_index

    embedder = bench_corpus.ClusteredEmbedder(MODEL_ID)
    ids, vectors = bench_corpus.exact_chunk_vectors(tiny.index_dir, embedder)
    loaded = open_index(tiny.index_dir)
    assert np.allclose(loaded.vectors.reconstruct(ids.tolist()), vectors, atol=1e-6)
    assert bench_measure.chunk_recall_at_10(loaded, tiny.index_dir, MODEL_ID, bench_corpus.questions(20)) == 1.0


def test_clustered_embedder_is_deterministic_unit_and_has_neighbours_at_every_distance():
    embedder = bench_corpus.ClusteredEmbedder(MODEL_ID)
    texts = [f"text number {i}" for i in range(2000)]
    vectors = embedder.embed_batch(texts)
    assert vectors.shape == (2000, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, bench_corpus.ClusteredEmbedder(MODEL_ID).embed_batch(texts))
    ranked = np.sort(vectors @ vectors.T, axis=1)[:, ::-1]  # column 0 is the text itself
    # The nearest neighbour is clearly closer than the 10th, which is closer than the 100th:
    # no plateau of equidistant neighbours.
    first, tenth, hundredth = np.median(ranked[:, 1]), np.median(ranked[:, 10]), np.median(ranked[:, 100])
    assert first > tenth + 0.05 and tenth > hundredth + 0.05, (first, tenth, hundredth)


def test_statistics_and_figures():
    assert bench_measure.percentile([5, 1, 4, 2, 3], 50) == 3
    assert bench_measure.percentile(list(range(1, 101)), 99) == 99
    assert bench_measure.percentile([7.0], 99) == 7.0
    figure = bench_measure.Figure("cold", "qa ask", 0.8, "s", "<=", 1.0, [0.7, 0.8, 0.9])
    assert figure.met is True
    assert bench_measure.Figure("fast", "ratio", 1.5, "x", ">=", 2.0).met is False
    assert json.dumps(figure.as_json())


def test_bench_rejects_an_unknown_section():
    import subprocess

    result = subprocess.run([sys.executable, str(SCRIPTS / "bench.py"), "--only", "cold,nope"], capture_output=True, text=True)
    assert result.returncode == 2 and "choose from cold, batch" in result.stderr
