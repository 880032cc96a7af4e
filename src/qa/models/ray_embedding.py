"""Embedding a build on Ray: the texts become a Ray Data dataset, encoded by a pool of actors.

Each actor loads the exported ONNX encoder once (onnxruntime + tokenizers: no
torch in the workers) and runs the same `embed_with_spans` a build runs in
process, so a chunk's vector and its sentences' vectors come out as they would
locally. `local` starts a local Ray cluster for the job (and stops it after);
an address (`ray://host:10001`, `auto`, `host:6379`) joins a running cluster.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from qa.errors import QAError
from qa.models.span_pooling import PooledVectors, embed_with_spans

_BATCH = 64  # texts per encoder call: the indexer passes its own, so both group texts alike


class RayError(QAError):
    """Ray could not be reached, or a job on it failed."""


@dataclass(frozen=True)
class RayEmbedding:
    """Vectors embedded on Ray and how: the summary line says where they came from."""

    vectors: PooledVectors
    address: str
    actors: int
    torch_in_workers: bool  # must stay False: the workers only need onnxruntime

    @property
    def where(self) -> str:
        return f"Ray ({self.address}, {self.actors} actor{'s' if self.actors != 1 else ''})"


class EncoderActor:
    """One Ray actor: the ONNX encoder loaded once, then batch after batch of texts."""

    def __init__(self, directory: str, threads: int):
        from qa.models.onnx_encoder import OnnxEmbedder

        self.embedder = OnnxEmbedder(Path(directory), threads=threads)

    def __call__(self, batch: dict) -> dict:
        # Each dataset row is one group of texts, as a build in process groups them for its
        # progress; the encoder runs each text alone, so the grouping does not change a vector.
        rows, vectors, packed = [], [], []
        for group in batch["group"]:
            group = json.loads(group)
            spans = [[tuple(span) for span in spans] for spans in group["spans"]]
            pooled = embed_with_spans(self.embedder, group["texts"], spans, batch_size=len(group["texts"]))
            rows += group["rows"]
            vectors.append(pooled.texts.astype(np.float32))
            packed += [v.astype(np.float32).tobytes() for v in pooled.spans]
        return {
            "row": np.asarray(rows, dtype=np.int64),
            "vector": np.vstack(vectors),
            "spans": np.array(packed, dtype=object),
            "torch": np.array(["torch" in sys.modules] * len(rows)),
        }


def _probe(address: str, seconds: float = 5.0) -> None:
    """Fail in seconds when nothing listens at a cluster's host:port (ray.init retries for minutes)."""
    import re
    import socket

    match = re.match(r"^(?:ray://)?\[?([^\]/]+?)\]?:(\d+)$", address)
    if match is None:
        return  # "auto" and other forms Ray resolves itself
    try:
        socket.create_connection((match.group(1), int(match.group(2))), timeout=seconds).close()
    except OSError as exc:
        raise ConnectionError(f"nothing answers at {match.group(1)}:{match.group(2)}: {exc.strerror or exc}") from exc


def _start(address: str) -> bool:
    """Connect to Ray; returns whether this call started a local cluster (to stop it after)."""
    import ray

    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")  # workers use this interpreter as it is
    try:
        if address == "local":
            # A small local cluster: the actors and the Ray Data scheduler on this machine's cores.
            for attempt in range(2):
                try:
                    # Its object store holds only batches of texts and vectors: 256 MB, not Ray's 30% of memory.
                    ray.init(
                        num_cpus=max(2, min(4, os.cpu_count() or 2)), object_store_memory=256 * 1024**2,
                        include_dashboard=False, log_to_driver=False, configure_logging=False,
                    )
                    return True
                except Exception:
                    # On a loaded machine its GCS server can miss Ray's 30 s start-up wait: once more.
                    ray.shutdown()
                    if attempt:
                        raise
            return True
        _probe(address)
        ray.init(address=address, log_to_driver=False, configure_logging=False)
        return False
    except Exception as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise RayError(
            f"cannot reach Ray at {address} ({detail}): start the cluster (`ray start --head`) or check the address, "
            "or use --ray local (a local cluster) or leave out --ray"
        ) from exc


def embed_on_ray(
    address: str,
    encoder_directory: Path,
    texts: list[str],
    spans: list[list[tuple[int, int]]],
    dimension: int,
    actors: int | None = None,
    counts: Callable[[int, int], None] | None = None,
    progress: Callable[[str], None] | None = None,
    batch_size: int = _BATCH,
) -> RayEmbedding:
    """Each text's vector and its spans' vectors, embedded by an actor pool on Ray.

    Raises:
        RayError: Ray is not reachable, or a worker died and the job could not finish
            (nothing is published: the caller discards the build).
    """
    import ray

    started = _start(address)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        # One actor per CPU the cluster offers, at most one per batch of texts.
        pool = actors or max(1, min(cpus, -(-len(texts) // batch_size)))
        threads = max(1, cpus // pool) if address == "local" else 1
        if progress:
            progress(f"embedding on Ray ({address}): {len(texts)} texts, {pool} actor{'s' if pool != 1 else ''} loading the ONNX encoder once each")
        # The groups embed_with_spans makes in process: texts by length, batch_size at a time.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        groups = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        items = [
            {"group": json.dumps({"rows": g, "texts": [texts[i] for i in g], "spans": [[list(s) for s in spans[i]] for i in g]})}
            for g in groups
        ]
        import logging

        import ray.data

        # qa reports progress and failures itself; Ray Data's INFO lines would bury them.
        for name in ("ray", "ray.data"):
            logging.getLogger(name).setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        dataset = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
        embedded = dataset.map_batches(
            EncoderActor,
            fn_constructor_kwargs={"directory": str(encoder_directory), "threads": threads},
            batch_size=1,  # one group of texts per call
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=pool),
            num_cpus=1,
        )
        vectors = np.zeros((len(texts), dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((len(s), dimension), dtype=np.float32) for s in spans]
        torch_seen = False
        done = 0
        if counts:
            counts(0, len(texts))
        for batch in embedded.iter_batches(batch_size=_BATCH, batch_format="numpy"):
            for row, vector, packed, torch_loaded in zip(batch["row"], batch["vector"], batch["spans"], batch["torch"]):
                vectors[row] = vector
                span_vectors[row] = np.frombuffer(packed, dtype=np.float32).reshape(len(spans[row]), dimension).copy()
                torch_seen = torch_seen or bool(torch_loaded)
            done += len(batch["row"])
            if counts:
                counts(done, len(texts))
        if done != len(texts):
            raise RayError(f"Ray returned {done} of {len(texts)} embedded texts: run `qa index` again")
        return RayEmbedding(PooledVectors(vectors, span_vectors), address, pool, torch_seen)
    except RayError:
        raise
    except Exception as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:200]
        raise RayError(
            f"embedding on Ray at {address} failed ({type(exc).__name__}: {detail}); nothing was published: "
            "check the cluster's workers (memory, logs), then run `qa index` again, or leave out --ray"
        ) from exc
    finally:
        if started:
            ray.shutdown()
