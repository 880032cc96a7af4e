"""End to end on the real bundled all-MiniLM-L6-v2: the `qa` a user runs, in subprocesses."""

import json
import os
import subprocess
import sys

import numpy as np
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
def real_env(tmp_path_factory):
    index = tmp_path_factory.mktemp("real-index")
    env = {**os.environ, "QA_INDEX": str(index), "QA_CORPUS": str(DEFAULT_CORPUS)}
    for name in ("QA_MODEL", "QA_K"):
        env.pop(name, None)
    built = subprocess.run([sys.executable, "-m", "qa", "index"], capture_output=True, text=True, env=env, timeout=600)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built from scratch (no index yet); embedded ")
    assert "exporting the model to ONNX" in built.stderr
    return env


@pytest.fixture(scope="module")
def answers(real_env):
    stdin = "\n".join([q for q, _ in QUESTIONS] + ["What is the boiling point of mercury?"]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "-", "--json"], input=stdin, capture_output=True, text=True, env=real_env, timeout=600
    )
    assert result.returncode == 0, result.stderr
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


def test_the_default_corpus_citation_names_its_section(answers, real_env):
    assert answers[0]["passages"][0]["heading_path"] == "Origins and History"
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "-k", "1", "When did IS-KP announce its formation?"],
        capture_output=True, text=True, env=real_env, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    head, cited = result.stdout.splitlines()[:2]
    assert head.endswith(" › Origins and History")
    assert cited.startswith("    — corpus/shadow-caliphate-islamic-state-khorasan.txt:")


def test_an_unrelated_question_gets_no_answer(answers):
    answer = answers[-1]
    assert answer["no_answer"] is True
    assert all(p["weak"] for p in answer["passages"])


def test_answering_from_a_built_index_imports_no_torch(real_env):
    code = (
        "import sys, io, contextlib\n"
        "from qa.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['ask', '--json', 'When did IS-KP announce its formation?']) == 0\n"
        "assert 'January 2015' in out.getvalue()\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=real_env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_onnx_encoder_matches_sentence_transformers(real_env):
    from pathlib import Path

    from qa.config import default_model_dir
    from qa.models.embedder import SentenceTransformerEmbedder, model_identity
    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir

    model_dir = default_model_dir()
    onnx = OnnxEmbedder(encoder_dir(Path(real_env["QA_INDEX"]), model_identity(model_dir)))
    reference = SentenceTransformerEmbedder(model_dir)
    texts = [
        "When did IS-KP announce its formation?",
        "x",
        "The Islamic State Khorasan Province (IS-KP), the regional branch of the broader Islamic State. " * 3,
        "A text far longer than the model reads, so both sides must truncate it the same way. " * 40,
        "Ünïcödé, عربى, 中文 and emoji 🙂",
    ]
    # The stored encoder has int8 weights (onnx_encoder._quantize): close to float32, not equal.
    # Measured on CI's machine: 0.993, 0.977 ("x", one token, quantisation error weighs most),
    # 0.995, 0.995, 0.990; int8 kernels differ between CPUs, hence the margin. A tokenizer or
    # truncation mismatch between the two sides gives cosines far below these (0.5-0.8).
    cosines = np.sum(onnx.embed_batch(texts) * reference.embed_batch(texts), axis=1)
    assert cosines.mean() >= 0.98 and cosines.min() >= 0.95, cosines


def test_sentence_vectors_pooled_from_one_pass_agree_between_the_two_encoders(real_env):
    from pathlib import Path

    from qa.config import default_model_dir
    from qa.models.embedder import SentenceTransformerEmbedder, model_identity
    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir
    from qa.models.span_pooling import embed_with_spans

    model_dir = default_model_dir()
    onnx = OnnxEmbedder(encoder_dir(Path(real_env["QA_INDEX"]), model_identity(model_dir)))
    reference = SentenceTransformerEmbedder(model_dir)
    text = "Origins. The group announced its formation in January 2015. Its founders had left the TTP."
    spans = [[(9, 59), (60, len(text))]]
    a, b = embed_with_spans(onnx, [text], spans), embed_with_spans(reference, [text], spans)
    assert np.sum(a.texts * b.texts) >= 0.97
    assert np.sum(a.spans[0] * b.spans[0], axis=1).min() >= 0.97
    # A sentence read in its chunk stays a vector of that sentence: nearer the same
    # sentence read alone than the other one, and close to it (measured 0.78 and 0.90:
    # the chunk's context pulls the shorter first sentence further).
    alone = reference.embed_batch([text[9:59], text[60:]])
    similarity = b.spans[0] @ alone.T
    assert all(similarity[i, i] > similarity[i, 1 - i] for i in range(2))
    assert np.diag(similarity).min() >= 0.75


def test_the_model_read_word_by_word_finds_the_paraphrase_that_answers(real_env):
    # LTRdigest's manual (tests/real_documents_fortyfirst): by one cosine the introduction comes
    # about as close as the sentence that answers; word by word, "several threads" finds "concurrent threads".
    from pathlib import Path

    from qa.config import default_model_dir
    from qa.models.embedder import model_identity
    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir
    from qa.search.word_alignment import alignments

    onnx = OnnxEmbedder(encoder_dir(Path(real_env["QA_INDEX"]), model_identity(default_model_dir())))
    question = "How do I run the LTRdigest protein domain search on several threads?"
    answers = "To run the protein domain search in a parallel fashion, use the -j parameter to gt to specify the number of concurrent threads to use."
    beside = "LTRdigest is called as part of the single binary named gt. The source code can be compiled on 32-bit and 64-bit platforms."
    found = alignments(onnx.token_states, question, [answers, beside])
    assert all(0.0 <= a <= 1.0 for a in found)
    assert found[0] > found[1] + 0.1, found
