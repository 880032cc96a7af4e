"""Where an index lives on disk, and how a new one replaces the old atomically.

    index_dir/
        CURRENT              name of the generation to read (replaced atomically)
        gen-<time>-<pid>/    a finished index: store.sqlite3, vectors.faiss, sentences.faiss
        .building-<...>/     a build in progress; never read

A build writes a whole new generation beside the current one and only then
points CURRENT at it with os.replace, so a reader sees the old index or the new
one, never half of each, and a crash mid-build leaves the old index in use.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, QAError
from qa.store import Store
from qa.vectors import VectorIndex

FORMAT_VERSION = 1
CURRENT_FILE = "CURRENT"
STORE_FILE = "store.sqlite3"
VECTORS_FILE = "vectors.faiss"
SENTENCE_VECTORS_FILE = "sentences.faiss"
_BUILDING_PREFIX = ".building-"
_build_counter = itertools.count(1)
_GENERATION_PREFIX = "gen-"


@dataclass(frozen=True)
class LoadedIndex:
    store: Store
    vectors: VectorIndex  # one per chunk, id = chunk id
    sentence_vectors: VectorIndex  # one per answer-candidate sentence, id = sentence id
    manifest: dict
    generation: Path


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


def begin_generation(index_dir: Path) -> Path:
    """A fresh, private folder to build a new generation in."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        # The counter keeps two builds in one process and one second apart (a
        # rebuild right after the first build in `qa chat`) from sharing a name.
        building = index_dir / f"{_BUILDING_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(_build_counter)}"
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


def open_index(index_dir: Path) -> LoadedIndex:
    """Open the current generation read-only.

    Raises:
        IndexMissingError: nothing has been built in `index_dir`.
        IndexCorruptError: the files are there but unreadable or inconsistent.
    """
    for attempt in range(3):
        generation = current_generation(index_dir)
        if generation is None:
            raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it")
        if generation.is_dir():
            break
        # A concurrent build may have just replaced it; read CURRENT again.
        time.sleep(0.05 * (attempt + 1))
    else:
        raise IndexCorruptError(f"the index in {index_dir} points at a missing folder: run `qa index`")
    store = Store.open_readonly(generation / STORE_FILE)
    manifest = store.read_manifest()
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index in {index_dir} has format version {version!r}, this qa reads {FORMAT_VERSION}: "
            "upgrade qa, or run `qa index` to rebuild it"
        )
    vectors = VectorIndex.load(generation / VECTORS_FILE)
    sentence_vectors = VectorIndex.load(generation / SENTENCE_VECTORS_FILE)
    for loaded, count_key in ((vectors, "chunks"), (sentence_vectors, "sentences")):
        if len(loaded) != manifest.get(count_key) or loaded.dimension != manifest.get("dimension"):
            raise IndexCorruptError(
                f"the index in {index_dir} is inconsistent ({len(loaded)} vectors for {manifest.get(count_key)} {count_key}): "
                "run `qa index` to rebuild it"
            )
    return LoadedIndex(store, vectors, sentence_vectors, manifest, generation)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
