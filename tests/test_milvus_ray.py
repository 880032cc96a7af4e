"""`--store milvus:PATH.db --ray local` on the real model: the texts embedded by a local Ray
cluster's actor pool, the index in Milvus Lite, answers as the local index gives them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import DEFAULT_CORPUS
from tests.test_real_model import QUESTIONS

pytestmark = pytest.mark.slow


def _run(args, env, stdin=None):
    return subprocess.run([sys.executable, "-m", "qa", *args], input=stdin, capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module")
def local_index(tmp_path_factory):
    """The default corpus indexed locally on the real model (which also exports the ONNX encoder)."""
    index = tmp_path_factory.mktemp("local-index")
    env = {**os.environ, "QA_INDEX": str(index), "QA_CORPUS": str(DEFAULT_CORPUS)}
    for name in ("QA_MODEL", "QA_K", "QA_STORE", "QA_RAY"):
        env.pop(name, None)
    built = _run(["index"], env)
    assert built.returncode == 0, built.stderr
    return env, index


def _ask_all(env, *options):
    stdin = "\n".join([q for q, _ in QUESTIONS] + ["What is the boiling point of mercury?"]) + "\n"
    result = _run(["ask", "-", "--json", *options], env, stdin)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_milvus_with_ray_gives_the_local_rank_1_passages_and_writes_no_local_index(local_index, tmp_path):
    env, local_dir = local_index
    milvus_dir = tmp_path / "milvus-side"
    shutil.copytree(local_dir / "encoders", milvus_dir / "encoders")  # the exported encoder may be cached
    store = f"milvus:{tmp_path / 'qa.db'}"
    milvus_answers, stderr = _ask_all({**env, "QA_INDEX": str(milvus_dir)}, "--store", store, "--ray", "local")
    assert "embedding on Ray (local)" in stderr and "actor" in stderr
    local_answers, _ = _ask_all(env)
    for (question, expected), mine, theirs in zip(QUESTIONS, milvus_answers, local_answers):
        top = mine["passages"][0]
        assert expected in top["text"], question
        assert (top["path"], top["char_start"], top["char_end"]) == (
            theirs["passages"][0]["path"], theirs["passages"][0]["char_start"], theirs["passages"][0]["char_end"]), question
        with open(top["path"], encoding="utf-8") as handle:
            assert handle.read()[top["char_start"] : top["char_end"]] == top["text"]
    assert milvus_answers[-1]["no_answer"] and local_answers[-1]["no_answer"]
    written = sorted(str(p.relative_to(milvus_dir)) for p in milvus_dir.rglob("*") if p.is_file())
    assert all(name.startswith("encoders/") or name == ".lock" for name in written), written  # no SQLite, FAISS or CURRENT
    status = _run(["status", "--store", store], {**env, "QA_INDEX": str(milvus_dir)})
    assert status.returncode == 0 and "Milvus FLAT (exact)" in status.stdout and "up to date" in status.stdout


def test_ray_embedding_equals_in_process_embedding(local_index):
    from qa.models.onnx_encoder import OnnxEmbedder
    from qa.models.ray_embedding import embed_on_ray
    from qa.models.span_pooling import embed_with_spans

    _, local_dir = local_index
    directory = next((local_dir / "encoders").iterdir())
    text = (DEFAULT_CORPUS / "shadow-caliphate-islamic-state-khorasan.txt").read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 40]
    texts = [f"{i}. {p[:600]}" for i, p in enumerate(paragraphs * (1 + 150 // len(paragraphs)))][:150]
    spans = [[(0, t.index(".") + 1), (t.index(".") + 2, len(t))] for t in texts]
    ray_result = embed_on_ray("local", directory, texts, spans, 384)
    assert ray_result.actors == 2 and ray_result.where == "Ray (local, 2 actors)"
    assert not ray_result.torch_in_workers
    here = embed_with_spans(OnnxEmbedder(directory), texts, spans, 64)
    cosines = np.sum(ray_result.vectors.texts * here.texts, axis=1)
    assert cosines.min() >= 0.9999
    for mine, theirs in zip(ray_result.vectors.spans, here.spans):
        assert np.sum(mine * theirs, axis=1).min() >= 0.9999


def test_an_unreachable_ray_cluster_is_a_clear_error_and_nothing_is_published(local_index, tmp_path):
    env, local_dir = local_index
    milvus_dir = tmp_path / "milvus-side"
    shutil.copytree(local_dir / "encoders", milvus_dir / "encoders")
    store = f"milvus:{tmp_path / 'qa.db'}"
    result = _run(["index", "--store", store, "--ray", "127.0.0.1:9"], {**env, "QA_INDEX": str(milvus_dir)})
    assert result.returncode == 1
    assert "error: cannot reach Ray at 127.0.0.1:9" in result.stderr and "--ray local" in result.stderr
    assert "Traceback" not in result.stderr
    status = _run(["status", "--store", store], {**env, "QA_INDEX": str(milvus_dir)})
    assert status.returncode == 0 and "state:    not built" in status.stdout, status.stdout


def test_a_worker_that_dies_is_a_clear_error_naming_ray_and_the_fix(local_index, tmp_path):
    from qa.models.ray_embedding import RayError, embed_on_ray

    _, local_dir = local_index
    broken = tmp_path / "encoder"
    shutil.copytree(next((local_dir / "encoders").iterdir()), broken)
    (broken / "model.onnx").write_bytes(b"not a graph")  # each actor dies loading it (ActorDiedError)
    with pytest.raises(RayError, match=r"embedding on Ray at local failed \(ActorDiedError.*nothing was published.*qa index"):
        embed_on_ray("local", broken, ["Cranes lift containers."] * 10, [[(0, 6)]] * 10, 384)
