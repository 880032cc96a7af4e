"""Where an index lives on disk, and how a new one replaces the old atomically.

    index_dir/
        CURRENT              name of the generation to read (replaced atomically)
        gen-<time>-<random>/    a finished index: store.sqlite3, vectors.faiss, sentences.faiss
        .building-<...>/     a build in progress; never read
        .lock                held (flock) by the one build allowed at a time

A build writes a whole new generation beside the current one and only then
points CURRENT at it with os.replace, so a reader sees the old index or the new
one, never half of each, and a crash mid-build leaves the old index in use.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexBusyError, IndexCorruptError, QAError
from qa.index.vectors import layout_path, rows_path

FORMAT_VERSION = 3  # 2: documents.encoding; 3: PDF/HTML text and pages, chunk heading paths
CURRENT_FILE = "CURRENT"
STORE_FILE = "store.sqlite3"
VECTORS_FILE = "vectors.faiss"
LOCK_FILE = ".lock"
SENTENCE_VECTORS_FILE = "sentences.faiss"
_BUILDING_PREFIX = ".building-"
_GENERATION_PREFIX = "gen-"


def current_generation(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorruptError(f"cannot read {index_dir / CURRENT_FILE}: {exc.strerror}") from exc
    if not name.startswith(_GENERATION_PREFIX) or "/" in name:
        raise IndexCorruptError(f"{index_dir / CURRENT_FILE} is damaged: run `qa index` to rebuild")
    return index_dir / name


@contextmanager
def index_lock(index_dir: Path):
    """Hold the index folder's build lock, or fail at once naming the build that holds it.

    flock is released by the kernel when its holder dies, even by SIGKILL, so a
    killed build never leaves the folder locked.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / LOCK_FILE, "a+")
    except OSError as exc:
        raise QAError(
            f"cannot write the index in {index_dir} ({exc.strerror or exc}): "
            "make it writable or pass --index DIR / set QA_INDEX to a writable folder"
        ) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise IndexBusyError(
                f"another `qa index` (pid {holder}) is updating {index_dir}: wait for it to finish, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_abandoned_builds(index_dir: Path) -> None:
    """Delete build folders left by builds that died. Call only while holding the lock."""
    for leftover in index_dir.glob(_BUILDING_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)


def begin_generation(index_dir: Path) -> Path:
    """A fresh, private folder to build a new generation in."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        # Time for people reading the folder, random bytes so two builds in one second differ.
        building = index_dir / f"{_BUILDING_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
        building.mkdir()
    except OSError as exc:
        raise QAError(
            f"cannot write the index in {index_dir} ({exc.strerror or exc}): "
            "make it writable or pass --index DIR / set QA_INDEX to a writable folder"
        ) from exc
    return building


def publish_generation(index_dir: Path, building: Path) -> Path:
    """Make a finished build the current index, then delete the generations it replaced."""
    generation = index_dir / (_GENERATION_PREFIX + building.name[len(_BUILDING_PREFIX) :])
    for name in (STORE_FILE, VECTORS_FILE, SENTENCE_VECTORS_FILE):
        _fsync_file(building / name)
        for beside in (rows_path(building / name), layout_path(building / name)):
            if beside.exists():
                _fsync_file(beside)
    os.rename(building, generation)
    pointer = index_dir / f".{CURRENT_FILE}.{os.getpid()}.tmp"
    pointer.write_text(generation.name + "\n", encoding="utf-8")
    _fsync_file(pointer)
    os.replace(pointer, index_dir / CURRENT_FILE)
    _fsync_dir(index_dir)
    for old in index_dir.glob(_GENERATION_PREFIX + "*"):
        if old != generation:
            # A reader that already opened the old files keeps them (POSIX unlink semantics).
            shutil.rmtree(old, ignore_errors=True)
    return generation


def discard_generation(building: Path) -> None:
    shutil.rmtree(building, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
