from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.config import ChunkerParams, Settings
from tests.fakes import FakeCounter, FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, tmp_path):
    """No test sees the developer's QA_* settings or writes outside its tmp folder."""
    for name in ("QA_CORPUS", "QA_INDEX", "QA_MODEL", "QA_K", "NO_COLOR", "QA_STORE", "QA_RAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A copy of the default corpus plus a small Markdown note in a subfolder."""
    folder = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, folder)
    (folder / "notes").mkdir()
    (folder / "notes" / "bread.md").write_text(
        "# Baking notes\n\nSourdough bread needs a starter of flour and water.\n"
        "The dough proves overnight before baking at a high oven temperature.\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def settings(tmp_path, corpus) -> Settings:
    return Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        model_dir=tmp_path / "no-model",  # never loaded: the fake embedder stands in
        chunker=ChunkerParams(max_tokens=96, overlap_tokens=24),
    )


def make_assistant(settings: Settings, embedder: FakeEmbedder | None = None) -> Assistant:
    embedder = embedder or FakeEmbedder()
    return Assistant(
        settings,
        embedder_factory=lambda s: embedder,
        counter_factory=lambda s: FakeCounter(),
        model_id_factory=lambda s: embedder.model_id,
    )


@pytest.fixture
def assistant(settings) -> Assistant:
    built = make_assistant(settings)
    built.build()
    return built


def with_settings(settings: Settings, **changes) -> Settings:
    return replace(settings, **changes)


@pytest.fixture
def anyio_backend():
    """Async tests (the TUI's pilot tests) run on asyncio, which Textual uses."""
    return "asyncio"
