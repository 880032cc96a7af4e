"""Embedding progress for the command line: a bar on a terminal, plain lines in a pipe or CI."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import TextIO

# In a pipe, a line at most this often: enough to show life in a CI log, not a flood.
_PLAIN_INTERVAL_S = 5.0


@contextmanager
def embedding_progress(stream: TextIO):
    """Yields a `counts(done, total)` callback that shows embedding progress on `stream`."""
    if stream.isatty():
        with _bar(stream) as counts:
            yield counts
    else:
        yield _PlainLines(stream)


@contextmanager
def _bar(stream: TextIO):
    from tqdm import tqdm  # already installed with sentence-transformers; loaded only when a bar is drawn

    bar = None

    def counts(done: int, total: int) -> None:
        nonlocal bar
        if total == 0:
            return
        if bar is None:
            bar = tqdm(total=total, unit="text", desc="qa: embedding", file=stream, dynamic_ncols=True, leave=False)
        bar.update(done - bar.n)

    try:
        yield counts
    finally:
        if bar is not None:
            bar.close()


class _PlainLines:
    def __init__(self, stream: TextIO):
        self._stream = stream
        self._started = 0.0
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == 0:
            self._started = self._last = now
            return
        if done < total and now - self._last < _PLAIN_INTERVAL_S:
            return
        self._last = now
        elapsed = max(now - self._started, 1e-9)
        rate = done / elapsed
        left = (total - done) / rate if rate else 0.0
        print(f"qa: embedded {done}/{total} texts ({rate:.0f}/s, {left:.0f} s left)", file=self._stream, flush=True)
