"""Shared set-up for the TUI tests: the app on the test corpus with the fake embedder."""

from __future__ import annotations

import threading
from dataclasses import replace

from qa.assistant import Assistant
from qa.config import Settings
from tests.conftest import make_assistant
from tests.fakes import FakeCounter, FakeEmbedder


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, but each question waits until the test opens the gate."""

    def __init__(self):
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def embed_batch(self, texts):
        self.waiting.set()
        self.gate.wait(timeout=10)
        return super().embed_batch(texts)


def gated_assistant(settings: Settings, embedder: GatedEmbedder) -> Assistant:
    return Assistant(
        settings,
        embedder_factory=lambda s: embedder,
        counter_factory=lambda s: FakeCounter(),
        model_id_factory=lambda s: embedder.model_id,
    )


def answering_settings(settings: Settings) -> Settings:
    """The test settings with the no-answer bar lowered to what the fake embedder reaches.

    `RetrievalParams.min_evidence` is calibrated on all-MiniLM-L6-v2, which gives a
    passage that answers cosine 0.4-0.8; the fake's bag of hashed words gives a
    long chunk 0.2-0.35 for the same match. These tests show answers; the rule
    has its own tests (test_index_and_answer.py, and on the real model
    test_real_model.py and test_reader_questions.py).
    """
    return replace(settings, retrieval=replace(settings.retrieval, min_evidence=0.7))


def built_assistant(settings: Settings) -> Assistant:
    assistant = make_assistant(settings)
    assistant.build()
    return assistant


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds; fail the test if it never does."""
    steps = int(timeout / 0.05)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {condition}")


def plain(widget) -> str:
    """What a Static shows, as plain text."""
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)
