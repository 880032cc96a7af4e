"""The one object the CLI and the TUI talk to: settings in, answers and reports out."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qa.config import Settings
from qa.errors import IndexBusyError, IndexCorruptError, IndexFormatError, IndexMismatchError, IndexMissingError, ModelError, QAError
from qa.index.freshness import CorpusChanges, find_changes, walk_corpus, with_reading
from qa.index.engines import engine_for
from qa.index.indexer import EmbedCounts, Progress, analyzer_mismatch, check_compatible, empty_pages_note, update_index
from qa.index.protocols import IndexReader
from qa.index.vectors import describe_search
from qa.ingest.extract import NotExtractable
from qa.ingest.loader import parent_document_id, read_documents, unsupported_files
from qa.ingest.text_decoding import NotText
from qa.ingest.tokens import TokenCounter, WordPieceCounter
from qa.models.embedder import Embedder, SentenceTransformerEmbedder, model_identity
from qa.models.onnx_encoder import OnnxEmbedder, encoder_dir, export_encoder, has_encoder
from qa.records import Answer, BuildReport, SkippedFile, StoredText
from qa.search.answer import answer_question
from qa.search.scope import EVERYTHING, Scope, parse_scope


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
    mismatch: str | None = None  # why the index cannot be used as it is (model, chunker, format)
    notes: tuple[SkippedFile, ...] = ()  # indexed files with something worth saying (PDF pages without text)
    search: str = ""  # how the vectors are searched: exact, or IVF with its tuning (from the manifest)
    dates: dict[str, tuple[str, str]] | None = None  # doc_id -> (date --since/--until compare, where it came from)
    unsupported: tuple[str, ...] = ()  # corpus files of types qa does not read

    @property
    def up_to_date(self) -> bool:
        return self.built and self.mismatch is None and self.changes is not None and self.changes.up_to_date


@dataclass(frozen=True)
class Preparation:
    """What happened to the index before answering, for the edge to tell the user."""

    report: BuildReport | None  # the update that ran, if one did
    note: str | None  # a sentence for stderr / the TUI header, if anything is worth saying
    stale: bool  # answers will come from an index that does not match the corpus


class Assistant:
    """Builds, updates, loads and queries one corpus's index.

    The model is loaded on first need and kept, so a chat session or a batch of
    questions pays for it once; an update that embeds nothing never loads it.
    """

    def __init__(
        self,
        settings: Settings,
        embedder_factory: Callable[[Settings], Embedder] | None = None,
        counter_factory: Callable[[Settings], TokenCounter] | None = None,
        model_id_factory: Callable[[Settings], str] | None = None,
    ):
        self.settings = settings
        self.engine = engine_for(settings)  # where the index lives: the local folder or a Milvus store
        self._uses_bundled_path = embedder_factory is None  # only then is there an ONNX export to make
        self._embedder_factory = embedder_factory or self._fastest_embedder
        self._counter_factory = counter_factory or (lambda s: WordPieceCounter(s.model_dir))
        self._model_id_factory = model_id_factory or (lambda s: model_identity(s.model_dir))
        self._embedder: Embedder | None = None
        self._index: IndexReader | None = None
        self._model_id: str | None = None  # hashing the model's files once is enough
        self.notes: list[str] = []  # things worth telling the user that are not errors

    def _fastest_embedder(self, settings: Settings) -> Embedder:
        """The ONNX encoder stored with the index when there is one (no torch), else sentence-transformers."""
        model_id = self.model_id
        if has_encoder(settings.index_dir, model_id):
            try:
                return OnnxEmbedder(encoder_dir(settings.index_dir, model_id))
            except ModelError as exc:
                self.notes.append(f"{exc}; using sentence-transformers instead")
        elif self.has_index():
            self.notes.append("no ONNX encoder stored with this index yet: loading sentence-transformers (slower start)")
        return SentenceTransformerEmbedder(settings.model_dir)

    def _store_encoder(self, progress: Progress) -> None:
        """After a build, export the ONNX encoder if this index has none, so answering skips torch."""
        if not self._uses_bundled_path or has_encoder(self.settings.index_dir, self.model_id):
            return
        embedder = self.embedder
        if isinstance(embedder, SentenceTransformerEmbedder):
            progress("exporting the model to ONNX for fast answers (once per model)")
            export_encoder(embedder, self.settings.index_dir)

    def _building_embedder(self, progress: Progress) -> Embedder:
        """The embedder a build uses: the ONNX export, made first when missing, so the
        index's vectors come from the same encoder that will embed its questions."""
        self._store_encoder(progress)
        if self._uses_bundled_path and isinstance(self._embedder, SentenceTransformerEmbedder):
            if has_encoder(self.settings.index_dir, self.model_id):
                self._embedder = OnnxEmbedder(encoder_dir(self.settings.index_dir, self.model_id))
        return self.embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = self._embedder_factory(self.settings)
        return self._embedder

    @property
    def model_id(self) -> str:
        """The model's identity, read from its files without loading it."""
        if self._embedder is not None:
            return self._embedder.model_id
        if self._model_id is None:
            self._model_id = self._model_id_factory(self.settings)
        return self._model_id

    def update(
        self,
        progress: Progress | None = None,
        counts: EmbedCounts | None = None,
        full: bool = False,
        corpus: dict[str, Path] | None = None,
    ) -> BuildReport:
        """Bring the index up to date (from scratch when `full`) and switch to it.

        `corpus` is the corpus as `walk_corpus` found it, when the caller walked it already.
        """
        progress = progress or (lambda message: None)
        report = update_index(
            self.settings,
            self.model_id,
            lambda: self._building_embedder(progress),
            lambda: self._counter_factory(self.settings),
            progress,
            counts or (lambda done, total: None),
            full=full,
            corpus=corpus,
        )
        self._index = None
        self._store_encoder(progress)
        return report

    def build(self, progress: Progress | None = None, counts: EmbedCounts | None = None) -> BuildReport:
        """Rebuild the index from scratch."""
        return self.update(progress, counts, full=True)

    def has_index(self) -> bool:
        return self.engine.has_index()

    def prepare(self, update: bool = True, progress: Progress | None = None, counts: EmbedCounts | None = None) -> Preparation:
        """Make the index fit to answer from: build, rebuild or update it as needed.

        With `update=False` nothing is written: a missing or mismatched index is
        an error, a stale one is used with a warning.

        Raises:
            IndexMissingError, IndexMismatchError: with `update=False`, naming the command to run.
        """
        corpus = walk_corpus(self.settings.corpus_dir)  # once: the status and the update share it
        status = self.status(corpus)
        if status.up_to_date:
            return Preparation(None, None, stale=False)
        if not update:
            if not status.built:
                raise IndexMissingError(f"no index in {self.settings.index_location}: run `qa index` to build it")
            if status.mismatch:
                raise IndexMismatchError(status.mismatch)
            changed = status.changes.summary() if status.changes.reread else f"the corpus changed since the index was built ({status.changes.summary()})"
            return Preparation(None, f"{changed}; answering from the index as it is (run `qa index` to update it)", stale=True)
        try:
            report = self.update(progress, counts, corpus=corpus)
        except IndexBusyError:
            if not status.built:
                raise
            return Preparation(None, "another `qa index` is updating the index; answering from the current one", stale=True)
        if not status.built:
            note = f"built the index: {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f} s"
        elif status.mismatch:
            note = f"{status.mismatch}: rebuilt the index in {report.seconds:.1f} s"
        elif status.changes.reread:
            note = f"{status.changes.summary()}: updated the index in {report.seconds:.1f} s"
        else:
            note = f"the corpus changed ({status.changes.summary()}): updated the index in {report.seconds:.1f} s"
        return Preparation(report, note, stale=False)

    def load(self) -> IndexReader:
        """Open the index (once) and check it was built the way these settings would build it.

        Raises:
            IndexMissingError, IndexCorruptError, IndexFormatError: no usable index.
            IndexMismatchError: built with another model, chunker or word rules: `qa index` fixes it.
        """
        if self._index is None:
            index = self.engine.open_reader()
            check_compatible(index.manifest, self.model_id, self.settings)
            reason = analyzer_mismatch(index.manifest, self.settings)
            if reason:
                raise IndexMismatchError(reason, "run `qa index` to re-index its words (no re-embedding)")
            self._index = index
        return self._index

    def ask(self, question: str, k: int | None = None, search_text: str | None = None, scope: Scope = EVERYTHING) -> Answer:
        """Answer `question` from the documents of `scope`; retrieval looks for `search_text` when
        given (a follow-up with its context).

        Raises:
            EmptyScopeError: the scope matches no document (the message names it and the corpus size).
        """
        index = self.load()
        try:
            return answer_question(index, self.embedder, self.settings, question, k, search_text, scope)
        except sqlite3.DatabaseError as exc:
            # Damage SQLite only finds when it reads the broken page.
            raise IndexCorruptError(
                f"the index in {self.settings.index_dir} is damaged ({exc}): run `qa index --full` to rebuild it"
            ) from exc
        except Exception as exc:
            failure = self.engine.failure(exc, "answering", True)  # a Milvus server gone mid-question
            if failure is None:
                raise
            raise failure from exc

    def source_text(self, doc_id: str, page: int | None = None) -> str:
        """The text a passage's offsets index: the file's text for .txt/.md; for PDF and
        HTML the extracted text the index holds (one page's with `page`).

        A file not in the index is read afresh, with the same extraction as indexing.

        Raises:
            QAError: no such file in the corpus, or a page it does not have.
            OSError, UnicodeDecodeError: the file cannot be read now.
        """
        path = self.settings.corpus_dir / doc_id
        stored = None
        try:
            # The index as it is, whatever model built it: only its stored texts are read.
            stored = (self._index or self.engine.open_reader()).stored_text(doc_id)
        except (IndexMissingError, IndexMismatchError, IndexCorruptError, IndexFormatError):
            pass  # read it afresh below: what an index built now would hold
        if stored is None:
            parent = parent_document_id(doc_id)  # a mail's attachment is read with its mail
            if not (self.settings.corpus_dir / parent).is_file():
                raise QAError(f"{doc_id} is not a file in the corpus {self.settings.corpus_dir}: pass a path from a citation")
            try:
                found, _ = read_documents(self.settings.corpus_dir, self.settings.corpus_dir / parent)
            except (NotText, NotExtractable) as exc:
                raise QAError(f"cannot read {doc_id}: {exc}") from exc
            document = next((d for d in found if d.doc_id == doc_id), None)
            if document is None:
                raise QAError(f"{parent} has no attachment {doc_id[len(parent) + 3:]} that qa reads: pass a path from a citation")
            stored = StoredText(
                document.kind, None if document.kind == "text" else document.text, document.page_starts, document.encoding
            )
        if page is not None and not stored.page_starts:
            raise QAError(f"{doc_id} has no pages (only PDF files and slide decks do): leave out --page")
        if page is not None and not 1 <= page <= len(stored.page_starts):
            raise QAError(f"{doc_id} has {len(stored.page_starts)} pages: pass --page 1 to {len(stored.page_starts)}")
        return stored.read(path, page)

    def scope(
        self, paths: list[str] | None = None, types: list[str] | None = None, since: str | None = None, until: str | None = None
    ) -> Scope:
        """The scope a user typed (--in relative to the corpus root or absolute inside it, --type, --since, --until).

        Raises:
            ScopeError: naming the value that cannot be used and how to write it.
        """
        return parse_scope(self.settings.corpus_dir, paths, types, since, until)

    def corpus_doc_id(self, path: str) -> str:
        """The corpus-relative id of `path` as a user typed it (relative to here, or absolute, or an id).

        Raises:
            QAError: the path is not inside the corpus folder.
        """
        corpus = self.settings.corpus_dir
        for candidate in (Path(os.path.abspath(path)), corpus / path):
            for base in (Path(os.path.abspath(corpus)), corpus.resolve()):
                for form in (candidate, candidate.resolve()):
                    try:
                        return form.relative_to(base).as_posix()
                    except ValueError:
                        continue
        raise QAError(f"{path} is not in the corpus {corpus}: pass the path a citation shows")

    def status(self, corpus: dict[str, Path] | None = None) -> IndexStatus:
        """What is indexed and what changed since. Cheap: loads no model and no vectors, only the manifest
        and the document list. `corpus` is the corpus as `walk_corpus` found it, when the caller walked it."""
        settings = self.settings
        model_id = self.model_id
        try:
            index = self.engine.open_reader()
        except IndexMissingError:
            return IndexStatus(str(settings.corpus_dir), settings.index_location, model_id, False, None, None, 0, 0, None, ())
        except IndexMismatchError as exc:
            return IndexStatus(
                str(settings.corpus_dir), settings.index_location, model_id, True, None, None, 0, 0, None, (), mismatch=exc.reason
            )
        manifest = index.manifest
        try:
            check_compatible(manifest, model_id, settings)
            mismatch = analyzer_mismatch(manifest, settings)
        except IndexMismatchError as exc:
            mismatch = exc.reason
        documents = index.documents()
        corpus = walk_corpus(settings.corpus_dir) if corpus is None else corpus
        changes = with_reading(find_changes(settings.corpus_dir, documents, index.skipped_stats(), corpus), manifest, corpus)
        if mismatch is None and self._index is None:
            self._index = index  # answering next reuses it instead of reading the vectors again
        return IndexStatus(
            corpus_dir=str(settings.corpus_dir),
            index_dir=settings.index_location,
            model_id=model_id,
            built=True,
            built_at=manifest.get("built_at"),
            indexed_model_id=manifest.get("model_id"),
            documents=manifest.get("documents", 0),
            chunks=manifest.get("chunks", 0),
            changes=changes,
            skipped=tuple(index.skipped()),
            mismatch=mismatch,
            notes=tuple(SkippedFile(row.doc_id, empty_pages_note(row.empty_pages)) for row in documents if row.empty_pages),
            search=describe_search(manifest.get("vector_index")),
            dates=index.document_dates(),
            unsupported=unsupported_files(settings.corpus_dir),
        )
