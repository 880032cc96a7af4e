"""Shared set-up for the TUI tests: the app on the test corpus with the fake embedder."""

from __future__ import annotations

import threading

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
