"""Which engine holds the index: `--store URI` / `QA_STORE`, resolved once per command.

`local` (the default) is the SQLite + FAISS generations in the index folder;
`milvus:PATH.db` is Milvus Lite in a file; `milvus:http://HOST:19530` a Milvus
server or cluster. The indexer and the assistant open readers and writers
through a `StoreEngine` and never name an engine themselves.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError
from qa.index.protocols import IndexReader, IndexWriter

LOCAL = "local"


def check_store(store: str) -> str:
    """The store URI as given, if it is one `qa` can use.

    Raises:
        QAError: naming the valid forms.
    """
    if store == LOCAL or re.match(r"^milvus:https?://[^/\s]+", store) or re.match(r"^milvus:.+\.db$", store):
        return store
    raise QAError(
        f"unknown store {store!r}: use `local` (the index folder), `milvus:PATH.db` (Milvus Lite in a file) "
        "or `milvus:http://HOST:19530` (a Milvus server)"
    )


@dataclass(frozen=True)
class LocalEngine:
    """The SQLite + FAISS generations of `index_dir`."""

    index_dir: Path

    @property
    def location(self) -> str:
        return str(self.index_dir)

    def open_reader(self) -> IndexReader:
        from qa.index.local import open_index

        return open_index(self.index_dir)

    def open_for_update(self) -> IndexReader:
        index = self.open_reader()
        index.vectors  # an update reads them anyway; damaged ones mean a full build, found now
        return index

    def has_index(self) -> bool:
        from qa.index.generations import current_generation

        return current_generation(self.index_dir) is not None

    def begin(self, previous: IndexReader | None) -> IndexWriter:
        from qa.index.local import LocalWriter

        return LocalWriter(self.index_dir, previous)

    def failure(self, exc: Exception, doing: str, had_index: bool) -> QAError | None:
        return None  # the indexer reports the local engine's OSError and sqlite3 failures itself

    @contextmanager
    def build_lock(self):
        from qa.index.generations import index_lock, remove_abandoned_builds

        with index_lock(self.index_dir):
            remove_abandoned_builds(self.index_dir)
            yield


@dataclass(frozen=True)
class MilvusEngine:
    """This corpus's generations in a Milvus store; the build lock stays in the local index folder
    (it holds only the lock file and the exported encoder, never an index)."""

    store: str
    corpus_dir: Path
    index_dir: Path

    @property
    def _location(self):
        from qa.index.milvus_store import milvus_location

        return milvus_location(self.store, self.corpus_dir)

    @property
    def location(self) -> str:
        return self.store

    def open_reader(self) -> IndexReader:
        from qa.index.milvus_store import open_milvus_index

        return open_milvus_index(self._location)

    def open_for_update(self) -> IndexReader:
        return self.open_reader()

    def has_index(self) -> bool:
        from qa.index.milvus_store import has_milvus_index

        return has_milvus_index(self._location)

    def begin(self, previous: IndexReader | None) -> IndexWriter:
        from qa.index.milvus_store import MilvusWriter

        return MilvusWriter(self._location, previous)

    def failure(self, exc: Exception, doing: str, had_index: bool) -> QAError | None:
        """A Milvus error met while `doing`, as a message naming the store and the fix (None: not Milvus')."""
        from qa.index.milvus_store import describe_milvus_failure

        return describe_milvus_failure(exc, self.store, doing, had_index)

    @contextmanager
    def build_lock(self):
        from qa.index.generations import index_lock
        from qa.index.milvus_store import remove_abandoned_generations

        with index_lock(self.index_dir):
            remove_abandoned_generations(self._location)
            yield


def engine_for(settings) -> LocalEngine | MilvusEngine:
    """The engine `settings.store` names."""
    store = check_store(settings.store)
    if store == LOCAL:
        return LocalEngine(settings.index_dir)
    return MilvusEngine(store, settings.corpus_dir, settings.index_dir)
