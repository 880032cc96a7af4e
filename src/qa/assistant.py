"""The one object the CLI and the TUI talk to: settings in, answers and reports out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from qa.answer import answer_question
from qa.config import Settings
from qa.embedder import Embedder, SentenceTransformerEmbedder, model_identity
from qa.errors import IndexMissingError
from qa.freshness import CorpusChanges, find_changes
from qa.index_files import LoadedIndex, current_generation, open_index
from qa.indexer import Progress, build_index, check_compatible
from qa.records import Answer, BuildReport, SkippedFile
from qa.tokens import TokenCounter, WordPieceCounter


@dataclass(frozen=True)
class IndexStatus:
    corpus_dir: str
    index_dir: str
    model_id: str
    built: bool
    built_at: str | None
    indexed_model_id: str | None
    documents: int
    chunks: int
    changes: CorpusChanges | None  # None when there is no index to compare with
    skipped: tuple[SkippedFile, ...]

    @property
    def up_to_date(self) -> bool:
        return self.built and self.indexed_model_id == self.model_id and self.changes is not None and self.changes.up_to_date


class Assistant:
    """Builds, loads and queries one corpus's index.

    The model is loaded on first need and kept, so a chat session or a batch of
    questions pays for it once.
    """

    def __init__(
        self,
        settings: Settings,
        embedder_factory: Callable[[Settings], Embedder] | None = None,
        counter_factory: Callable[[Settings], TokenCounter] | None = None,
    ):
        self.settings = settings
        self._embedder_factory = embedder_factory or (lambda s: SentenceTransformerEmbedder(s.model_dir))
        self._counter_factory = counter_factory or (lambda s: WordPieceCounter(s.model_dir))
        self._embedder: Embedder | None = None
        self._index: LoadedIndex | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._embedder_factory(self.settings)
        return self._embedder

    def build(self, progress: Progress | None = None) -> BuildReport:
        """Rebuild the index from the corpus and switch to it."""
        report = build_index(
            self.settings,
            lambda: self.embedder,
            lambda: self._counter_factory(self.settings),
            progress or (lambda m: None),
        )
        self._index = None
        return report

    def has_index(self) -> bool:
        return current_generation(self.settings.index_dir) is not None

    def load(self) -> LoadedIndex:
        """Open the index (once) and check it was built the way these settings would build it."""
        if self._index is None:
            index = open_index(self.settings.index_dir)
            check_compatible(index.manifest, self.embedder.model_id, self.settings)
            self._index = index
        return self._index

    def ensure_index(self, progress: Progress | None = None) -> BuildReport | None:
        """Build the index if there is none; returns the build report when it built."""
        if self.has_index():
            return None
        return self.build(progress)

    def ask(self, question: str, k: int | None = None, search_text: str | None = None) -> Answer:
        """Answer `question`; retrieval looks for `search_text` when given (a follow-up with its context)."""
        return answer_question(self.load(), self.embedder, self.settings, question, k, search_text)

    def status(self) -> IndexStatus:
        """What is indexed and what changed since. Cheap: loads no model."""
        settings = self.settings
        model_id = model_identity(settings.model_dir)
        try:
            index = open_index(settings.index_dir)
        except IndexMissingError:
            return IndexStatus(str(settings.corpus_dir), str(settings.index_dir), model_id, False, None, None, 0, 0, None, ())
        manifest = index.manifest
        skipped = tuple(index.store.skipped())
        changes = find_changes(settings.corpus_dir, index.store.documents(), {s.doc_id for s in skipped})
        return IndexStatus(
            corpus_dir=str(settings.corpus_dir),
            index_dir=str(settings.index_dir),
            model_id=model_id,
            built=True,
            built_at=manifest.get("built_at"),
            indexed_model_id=manifest.get("model_id"),
            documents=manifest.get("documents", 0),
            chunks=manifest.get("chunks", 0),
            changes=changes,
            skipped=skipped,
        )
