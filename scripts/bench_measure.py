"""How scripts/bench.py measures: figures, statistics, timed builds, the chat app in a
pseudo-terminal, and the warm-query probe (run as its own process:
`python scripts/bench_measure.py warm CORPUS INDEX N [--recall]`, prints JSON), so
its memory figures hold only what answering needs.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_corpus  # noqa: E402

# The answer card's border subtitle ("score 1.97"), and a line of the welcome text on the first screen.
ANSWER_MARKER = re.compile(rb"score \d+\.\d\d")
FIRST_SCREEN_MARKER = b"plain words"


@dataclass(frozen=True)
class Figure:
    """One printed row: a median (or single) value, its target when it has one, and the runs behind it."""

    section: str
    name: str
    value: float | None
    unit: str
    op: str | None = None  # "<=" or ">=" against target
    target: float | None = None
    runs: list[float] | None = None

    @property
    def met(self) -> bool | None:
        if self.op is None or self.value is None:
            return None
        return self.value <= self.target if self.op == "<=" else self.value >= self.target

    def as_json(self) -> dict:
        return {
            "name": self.name, "value": self.value, "unit": self.unit,
            "target": None if self.op is None else f"{self.op} {self.target}", "met": self.met, "runs": self.runs,
        }


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, int(np.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def show(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "%":
        return f"{100 * value:.1f}%"
    if unit in ("MB", "KB", "texts/s", "q/s"):
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.4f}"


def print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    print(f"{'section':<9} {'figure':<{width}} {'median':>12}  {'target':<9} met   runs")
    for f in figures:
        target = "" if f.op is None else f"{f.op} {show(f.target, f.unit)}"
        met = {None: "", True: "yes", False: "NO"}[f.met]
        runs = ", ".join(show(r, f.unit).split()[0] for r in f.runs) if f.runs and len(f.runs) > 1 else ""
        print(f"{f.section:<9} {f.name:<{width}} {show(f.value, f.unit):>12}  {target:<9} {met:<5} {runs}")


class TimedEmbedder:
    """Wraps an embedder and adds the time spent in embed_batch and token_states to `seconds`."""

    def __init__(self, embedder):
        self._embedder = embedder
        self.model_id, self.dimension, self.max_tokens = embedder.model_id, embedder.dimension, embedder.max_tokens
        self.seconds = 0.0

    def embed_batch(self, texts):
        started = time.perf_counter()
        try:
            return self._embedder.embed_batch(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def token_states(self, texts):
        started = time.perf_counter()
        try:
            return self._embedder.token_states(texts)
        finally:
            self.seconds += time.perf_counter() - started


def timed_build(corpus: Path, index: Path, store: str | None = None):
    """A full in-process build as `qa index --full` does it; returns (BuildReport, encoder seconds).

    Encoder seconds = loading the encoder + the wall time of every embed_batch and
    token_states call (each call tokenizes its own texts for the model, and that
    is inside it; chunking's word-piece counting and pooling sentence vectors
    from the states are outside).
    """
    from qa.config import load_settings
    from qa.models.embedder import SentenceTransformerEmbedder, model_identity
    from qa.index.indexer import update_index
    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir, has_encoder
    from qa.ingest.tokens import WordPieceCounter

    settings = load_settings(corpus=str(corpus), index=str(index), store=store)
    model_id = model_identity(settings.model_dir)
    loaded: list[tuple[float, TimedEmbedder]] = []

    def load_embedder():
        started = time.perf_counter()
        if has_encoder(settings.index_dir, model_id):
            embedder = OnnxEmbedder(encoder_dir(settings.index_dir, model_id))
        else:
            embedder = SentenceTransformerEmbedder(settings.model_dir)
        loaded.append((time.perf_counter() - started, TimedEmbedder(embedder)))
        return loaded[-1][1]

    report = update_index(settings, model_id, load_embedder, lambda: WordPieceCounter(settings.model_dir), full=True)
    return report, sum(load_s + timed.seconds for load_s, timed in loaded)


def chat_to_first_answer(corpus: Path, index: Path, question: str, env: dict, timeout: float = 60.0) -> tuple[float, float]:
    """Spawn `qa chat` in a 100x30 pseudo-terminal, type `question` + Enter at once.

    Returns (seconds to the first screen, seconds to the first answer card), both
    from the spawn. The child is killed whatever happens.
    """
    import fcntl
    import pty
    import struct
    import termios
    import tty

    env = {**env, "TERM": "xterm-256color", "XDG_DATA_HOME": str(index / "chat-data")}  # history stays in the cache
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `qa chat`
        try:
            os.execve(sys.executable, [sys.executable, "-m", "qa", "chat", "--corpus", str(corpus), "--index", str(index)], env)
        finally:
            os._exit(127)
    try:
        # Raw before the app starts: otherwise the line discipline turns "\r" into "\n",
        # which Textual reads as ctrl+j, not Enter.
        tty.setraw(fd)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        os.write(fd, (question + "\r").encode())
        return _read_until_answer(fd, started, timeout)
    finally:
        try:
            os.write(fd, b"\x11")  # ctrl+q
            time.sleep(0.2)
        except OSError:
            pass
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def _read_until_answer(fd: int, started: float, timeout: float) -> tuple[float, float]:
    output, screen = b"", None
    while time.perf_counter() - started < timeout:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child exited
            break
        if not data:
            break
        output += data
        if screen is None and FIRST_SCREEN_MARKER in output:
            screen = time.perf_counter() - started
        if ANSWER_MARKER.search(output):
            elapsed = time.perf_counter() - started
            return (screen if screen is not None else elapsed), elapsed
    tail = re.sub(rb"\x1b\[[0-9;?<>=]*[a-zA-Z]", b"", output)[-2000:].decode("utf-8", "replace")
    raise RuntimeError(f"no answer card from qa chat within {timeout:.0f} s; last output:\n{tail}")


def probe_warm(corpus: Path, index: Path, questions: int, recall: bool, store: str | None = None) -> dict:
    """Run `warm_probe` in a fresh process (clean memory figures) and return its JSON."""
    args = [sys.executable, __file__, "warm", str(corpus), str(index), str(questions)] + (["--recall"] if recall else [])
    args += [f"--store={store}"] if store else []
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"warm probe failed:\n{result.stderr}")
    return json.loads(result.stdout)


def warm_probe(corpus: Path, index: Path, count: int, recall: bool, warmup: int = 5, store: str | None = None) -> dict:
    """Load as the chat app does, ask `count` questions after `warmup`; time each and its embedding.
    `store`: the engine holding the index (the encoder stays in `index`)."""
    from qa.assistant import Assistant
    from qa.config import load_settings
    from qa.models.embedder import model_identity
    from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir

    settings = load_settings(corpus=str(corpus), index=str(index), store=store)
    model_id = model_identity(settings.model_dir)
    started = time.perf_counter()
    encoder = TimedEmbedder(OnnxEmbedder(encoder_dir(settings.index_dir, model_id)))
    assistant = Assistant(settings, embedder_factory=lambda s: encoder)
    loaded = assistant.load()
    load_s = time.perf_counter() - started
    questions = bench_corpus.questions(count + warmup)
    for question in questions[:warmup]:
        assistant.ask(question)
    totals, embeds = [], []
    read_before = _disk_read_bytes()
    for question in questions[warmup:]:
        encoder.seconds = 0.0
        began = time.perf_counter()
        assistant.ask(question)
        totals.append(1000 * (time.perf_counter() - began))
        embeds.append(1000 * encoder.seconds)
    disk_read = _disk_read_bytes() - read_before
    memory = _memory_mb()
    figures = {
        "load_s": load_s,
        "questions": len(totals),
        "p50_ms": percentile(totals, 50),
        "p99_ms": percentile(totals, 99),
        "embed_p50_ms": percentile(embeds, 50),
        "retrieve_p50_ms": percentile([t - e for t, e in zip(totals, embeds)], 50),
        "disk_kb_per_question": disk_read / 1024 / max(len(totals), 1),
        "rss_mb": memory["VmRSS"],
        "peak_rss_mb": memory["VmHWM"],
        "vector_index": json.dumps(loaded.manifest.get("vector_index", "flat (no vector_index in the manifest)")),
    }
    if recall:
        figures["recall_at_10"] = chunk_recall_at_10(loaded, index, model_id, questions[:200])
    return figures


def _disk_read_bytes() -> int:
    """Bytes this process made the kernel fetch from storage (not from the page cache)."""
    with open("/proc/self/io", encoding="ascii") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("read_bytes:"))


def _memory_mb() -> dict[str, float]:
    values = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024  # kB
    return values


def chunk_recall_at_10(loaded, index: Path, model_id: str, questions: list[str]) -> float:
    """Share of the exact top 10 (numpy over the true vectors) that the index's chunk search returns.

    A returned chunk counts when its true score ties the exact 10th (duplicate
    texts have identical vectors, and either one is a right answer).
    """
    embedder = bench_corpus.ClusteredEmbedder(model_id)
    ids, vectors = bench_corpus.exact_chunk_vectors(index, embedder)
    queries = embedder.embed_batch(questions)
    found = 0
    for offset in range(0, len(queries), 25):
        block = queries[offset : offset + 25]
        scores = vectors @ block.T  # (chunks, 25)
        for column, query in enumerate(block):
            exact = scores[:, column]
            tenth = np.partition(exact, -10)[-10]
            returned = np.array([chunk_id for chunk_id, _ in loaded.vectors.search(query, 10)], dtype=np.int64)
            rows = np.searchsorted(ids, returned)
            found += int(np.sum(exact[rows] >= tenth - 1e-6))
    return found / (10 * len(queries))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "warm":
        store = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--store=")), None)
        result = warm_probe(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), recall="--recall" in sys.argv, store=store)
        print(json.dumps(result))
    else:
        sys.exit(f"usage: {sys.argv[0]} warm CORPUS INDEX QUESTIONS [--recall]")
