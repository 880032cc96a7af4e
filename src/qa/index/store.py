"""The SQLite side of an index: documents, chunks, full-text search and manifest.

FTS5 rows share ids with chunk rows, and chunk ids are also the FAISS vector
ids, so one id follows a passage through every part of the index.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.analyzer import ENGLISH, Analyzer, within_postings_budget
from qa.errors import IndexCorruptError
from qa.index.freshness import file_stat
from qa.records import (
    Chunk,
    ChunkRow,
    Document,
    DocumentRow,
    SkippedFile,
    StoredText,
    embedded_text,
    searched_text,
)

if TYPE_CHECKING:
    from qa.search.scope import Scope

_SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,          -- path relative to the corpus root
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,           -- sha256 of the file's bytes
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    encoding TEXT NOT NULL DEFAULT 'utf-8', -- open(path, encoding=...) reads the text offsets index
    kind TEXT NOT NULL DEFAULT 'text',    -- 'text': offsets index the file; 'pdf'/'html': `extracted`
    extracted TEXT,                       -- PDF/HTML: the extracted text offsets index (pages joined by form feeds)
    page_starts TEXT NOT NULL DEFAULT '[]', -- PDF: JSON list of where each page starts in `extracted`
    empty_pages TEXT NOT NULL DEFAULT '[]', -- PDF: JSON list of pages without text (scanned images?)
    date TEXT,                            -- YYYY-MM-DD the document states about itself; NULL: none (scoping uses mtime)
    date_source TEXT,                     -- where that date was read ("pdf CreationDate", "html meta article:published_time")
    ocr_pages TEXT                        -- PDF: JSON list of pages whose text is OCR'd from scanned images; NULL: none
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,               -- also the FTS5 rowid and the FAISS id
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    n_tokens INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,                         -- PDF page; offsets and lines are within its text
    heading_path TEXT NOT NULL DEFAULT '' -- "Tactics > Urban Terrorism"; embedded and searched before the text
);
CREATE INDEX chunks_by_document ON chunks(document_id, ordinal);
-- The sentences of each chunk that may be highlighted; ids are the sentence-vector ids.
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,
    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,               -- offsets into the chunk's text
    end INTEGER NOT NULL
);
CREATE INDEX sentences_by_chunk ON sentences(chunk_id);
-- How many chunks hold each stemmed word: weights for matching question words to sentences.
CREATE TABLE term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
-- Files not indexed and why; size/mtime tell when one has changed and is worth retrying.
CREATE TABLE skipped (doc_id TEXT PRIMARY KEY, reason TEXT NOT NULL, size INTEGER, mtime_ns INTEGER);
-- The analyzer's stems of each chunk's text, in order (see qa/analyzer.py): one stemmer
-- for search and for the term counts above; FTS5 only splits them.
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, tokenize = '{fts_tokenizer}');
"""

# Columns added after FORMAT_VERSION 3: an older index gains them on its next update (NULL values).
_LATER_COLUMNS = ("date", "date_source", "ocr_pages")
MTIME_DATE_SOURCE = "file mtime"
_MAX_LISTED_DOCUMENTS = 30_000  # SQLite takes at most 32,766 parameters in one statement
# A rowid-range FTS5 query costs ~1 ms on 100k chunks (the matches in its range); joining
# every match of the whole index to its chunk costs tens: up to this many ranges, one query each.
_MAX_RANGE_QUERIES = 16


@dataclass(frozen=True)
class DocumentIdRanges:
    """Per document row (sorted): its chunk ids and sentence ids as half-open ranges.

    A document's chunks and sentences are added together with consecutive ids,
    so a scope of documents is a union of ranges: cheap to turn into an id
    selector, with no per-question scan of the chunks table.
    """

    rows: np.ndarray  # documents.id, sorted
    chunk_start: np.ndarray
    chunk_end: np.ndarray
    sentence_start: np.ndarray
    sentence_end: np.ndarray


def _building_connection(path: Path) -> sqlite3.Connection:
    """A connection to a store in a private build folder, without a rollback journal or fsyncs.

    A build that fails is discarded whole, never rolled back (generations.py), and publishing
    fsyncs the file before the folder becomes current; a journal and a sync at each commit only
    cost time (8 ms of a 12-article build, a quarter of its SQLite time).
    """
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    return db


class Store:
    """One SQLite file. Opened read-only for answering, read-write while building."""

    def __init__(self, connection: sqlite3.Connection, readonly: bool = False, analyzer: Analyzer = ENGLISH):
        self._db = connection
        self._readonly = readonly
        self.analyzer = analyzer  # how chunk text became the words FTS5 and term_df hold
        self._chunk_count: int | None = None  # a read-only store counts once: count(*) of 1M rows costs ms
        self._term_delta: Counter[str] = Counter()  # chunk counts per stem, written at commit
        self._columns: frozenset[str] | None = None  # the documents table's columns (older indexes lack some)
        self._id_ranges: DocumentIdRanges | None = None  # read-only: computed on the first scoped question

    @classmethod
    def create(cls, path: Path, analyzer: Analyzer = ENGLISH) -> Store:
        """A new store in a build folder."""
        db = _building_connection(path)
        # One transaction: each statement alone would be its own commit and fsync (0.2 s of a small build).
        db.executescript(f"BEGIN;\n{_SCHEMA.format(fts_tokenizer=analyzer.fts_tokenizer)}\nCOMMIT;")
        return cls(db, analyzer=analyzer)

    @classmethod
    def open_writable(cls, path: Path, analyzer: Analyzer = ENGLISH) -> Store:
        """Open a copy being updated in a build folder (never the current generation)."""
        store = cls(_building_connection(path), analyzer=analyzer)
        store._add_missing_columns()
        return store

    def _add_missing_columns(self) -> None:
        """An index built before documents had dates gains the columns (NULL: its documents are dated
        by mtime until they are read again; `qa index --full` reads every stated date)."""
        for column in _LATER_COLUMNS:
            if column not in self._document_columns():
                self._db.execute(f"ALTER TABLE documents ADD COLUMN {column} TEXT")
        self._columns = None

    def _document_columns(self) -> frozenset[str]:
        if self._columns is None:
            self._columns = frozenset(row[1] for row in self._db.execute("PRAGMA table_info(documents)"))
        return self._columns

    def _column(self, name: str) -> str:
        """`d.name`, or NULL on an index built before the column existed (read-only: not added there)."""
        return f"d.{name}" if name in self._document_columns() else "NULL"

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        try:
            db = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            db.execute("SELECT count(*) FROM manifest").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"the index database {path} cannot be read ({exc}): run `qa index` to rebuild it") from exc
        return cls(db, readonly=True)

    def close(self) -> None:
        self._db.close()

    # -- writing ---------------------------------------------------------------

    def write_manifest(self, manifest: dict) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO manifest (key, value) VALUES (?, ?)",
            [(key, json.dumps(value)) for key, value in manifest.items()],
        )

    def add_document(self, document: Document, chunks: list[Chunk], first_chunk_id: int) -> list[int]:
        """Insert a document and its chunks; returns the chunk ids (consecutive from `first_chunk_id`)."""
        cursor = self._db.execute(
            "INSERT INTO documents (doc_id, title, content_hash, size, mtime_ns, encoding, kind, extracted, page_starts, empty_pages,"
            " date, date_source, ocr_pages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.doc_id,
                document.title,
                document.content_hash,
                document.size,
                document.mtime_ns,
                document.encoding,
                document.kind,
                None if document.kind == "text" else document.text,
                json.dumps(list(document.page_starts)),
                json.dumps(list(document.empty_pages)),
                document.date,
                document.date_source,
                json.dumps(list(document.ocr_pages)) if document.ocr_pages else None,
            ),
        )
        document_row = cursor.lastrowid
        ids = list(range(first_chunk_id, first_chunk_id + len(chunks)))
        self._db.executemany(
            "INSERT INTO chunks (id, document_id, ordinal, char_start, char_end, start_line, end_line, n_tokens, text,"
            " page, heading_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (i, document_row, c.ordinal, c.char_start, c.char_end, c.start_line, c.end_line, c.n_tokens, c.text)
                + (c.page, c.heading_path)
                for i, c in zip(ids, chunks)
            ],
        )
        self._add_words([(i, searched_text(c.heading_path, c.text)) for i, c in zip(ids, chunks)])
        return ids

    def _add_words(self, rows: list[tuple[int, str]]) -> None:
        """Index (chunk id, searched text) rows for lexical search: the analyzer's stems in FTS5 and in term_df."""
        stemmed = [(i, self.analyzer.indexed_words(text)) for i, text in rows]
        self._db.executemany("INSERT INTO chunks_fts (rowid, text) VALUES (?, ?)", [(i, " ".join(stems)) for i, stems in stemmed])
        for _, stems in stemmed:
            self._term_delta.update(self.analyzer.with_parts(stems))  # a chunk counts once per stem

    def reanalyze(self) -> None:
        """Re-index every chunk's words with this store's analyzer (the vectors are untouched).

        What an index built with other word rules needs before it is searched:
        seconds of stemming, not the hours of re-embedding a rebuild would cost.
        """
        self._db.execute("DROP TABLE chunks_fts")
        self._db.execute(f"CREATE VIRTUAL TABLE chunks_fts USING fts5(text, tokenize = '{self.analyzer.fts_tokenizer}')")
        self._db.execute("DELETE FROM term_df")
        self._term_delta.clear()
        cursor = self._db.execute("SELECT id, heading_path, text FROM chunks ORDER BY id")
        while rows := cursor.fetchmany(10_000):
            self._add_words([(i, searched_text(heading_path, text)) for i, heading_path, text in rows])

    def add_sentences(self, rows: list[tuple[int, int, int, int]]) -> None:
        """Rows of (sentence id, chunk id, start, end), offsets into the chunk text."""
        self._db.executemany("INSERT INTO sentences (id, chunk_id, start, end) VALUES (?, ?, ?, ?)", rows)

    def delete_documents(self, doc_ids: list[str]) -> tuple[list[int], list[int]]:
        """Remove documents with their chunks, sentences, words and term counts.

        Returns the removed chunk ids and sentence ids, so their vectors can be dropped.
        """
        chunk_ids: list[int] = []
        sentence_ids: list[int] = []
        for doc_id in doc_ids:
            rows = self._db.execute(
                "SELECT c.id, c.heading_path, c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.doc_id = ?",
                (doc_id,),
            ).fetchall()
            ids = [row[0] for row in rows]
            for _, heading_path, text in rows:
                # What `_add_words` counted: the heading path's words too, or they would never
                # leave term_df.
                self._term_delta.subtract(self.analyzer.with_parts(self.analyzer.indexed_words(searched_text(heading_path, text))))
            chunk_ids += ids
            if ids:
                marks = ",".join("?" * len(ids))
                sentence_ids += [r[0] for r in self._db.execute(f"SELECT id FROM sentences WHERE chunk_id IN ({marks})", ids)]
                self._db.execute(f"DELETE FROM sentences WHERE chunk_id IN ({marks})", ids)
                self._db.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", ids)
                self._db.execute(f"DELETE FROM chunks WHERE id IN ({marks})", ids)
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return chunk_ids, sentence_ids

    def next_ids(self) -> tuple[int, int]:
        """The first unused chunk id and sentence id."""
        chunk = self._db.execute("SELECT coalesce(max(id), -1) + 1 FROM chunks").fetchone()[0]
        sentence = self._db.execute("SELECT coalesce(max(id), -1) + 1 FROM sentences").fetchone()[0]
        return chunk, sentence

    def chunk_texts_of(self, doc_ids: list[str]) -> list[tuple[int, str]]:
        """(chunk id, the text its vector embeds: heading path and text) of these documents' chunks."""
        rows = []
        for doc_id in doc_ids:
            rows += [
                (chunk_id, embedded_text(path, text))
                for chunk_id, path, text in self._db.execute(
                    "SELECT c.id, c.heading_path, c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.doc_id = ?",
                    (doc_id,),
                )
            ]
        return rows

    def sentence_texts_of(self, doc_ids: list[str]) -> list[tuple[int, tuple[str, str]]]:
        """(sentence id, (the text its chunk's vector embeds, the sentence's text)) of these documents' sentences."""
        rows = []
        keys: dict[int, str] = {}  # chunk id -> its embedded text, made once for all its sentences
        for doc_id in doc_ids:
            for sentence_id, chunk_id, path, text, start, end in self._db.execute(
                "SELECT s.id, c.id, c.heading_path, c.text, s.start, s.end FROM sentences s"
                " JOIN chunks c ON c.id = s.chunk_id JOIN documents d ON d.id = c.document_id WHERE d.doc_id = ?",
                (doc_id,),
            ):
                if chunk_id not in keys:
                    keys[chunk_id] = embedded_text(path, text)
                rows.append((sentence_id, (keys[chunk_id], text[start:end])))
        return rows

    def record_unchanged(self, doc_id: str, size: int, mtime_ns: int) -> None:
        """A file touched but not changed: remember its new size and mtime so it is not hashed again."""
        self._db.execute("UPDATE documents SET size = ?, mtime_ns = ? WHERE doc_id = ?", (size, mtime_ns, doc_id))

    def replace_skipped(self, skipped: tuple[SkippedFile, ...], corpus_dir: Path) -> None:
        self._db.execute("DELETE FROM skipped")
        self.add_skipped(skipped, corpus_dir)

    def add_skipped(self, skipped: tuple[SkippedFile, ...], corpus_dir: Path) -> None:
        rows = []
        for item in skipped:
            rows.append((item.doc_id, item.reason, *file_stat(corpus_dir / item.doc_id)))
        self._db.executemany("INSERT OR REPLACE INTO skipped (doc_id, reason, size, mtime_ns) VALUES (?, ?, ?, ?)", rows)

    def commit(self) -> None:
        # Each stem's chunk count, changed by what was added and deleted; stems no chunk holds go.
        self._db.executemany(
            "INSERT INTO term_df (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
            [(term, change) for term, change in self._term_delta.items() if change],
        )
        self._db.execute("DELETE FROM term_df WHERE df <= 0")
        self._term_delta.clear()
        self._db.commit()

    # -- reading ---------------------------------------------------------------

    def read_manifest(self) -> dict:
        try:
            rows = self._db.execute("SELECT key, value FROM manifest").fetchall()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"the index manifest cannot be read ({exc}): run `qa index`") from exc
        return {key: json.loads(value) for key, value in rows}

    def lexical_search(
        self,
        terms: list[str],
        limit: int,
        scope: Scope | None = None,
        document_rows: tuple[int, ...] | None = None,
        chunk_ranges: tuple[tuple[int, int], ...] | None = None,
    ) -> list[int]:
        """Chunk ids ranked by FTS5 BM25 for these stems (the analyzer's question stems), best first.

        With a scope, only chunks of its documents, filtered inside the query so the
        limit counts chunks of the scope: when its chunks are a few runs of ids
        (`chunk_ranges`, inclusive; a folder's documents are indexed one after the
        other), FTS5 searches each run by rowid range, ranked on the same BM25
        statistics, and the runs' results are merged; else the matches are joined to
        their chunks and kept when their document is one of `document_rows`, or
        matches the scope's condition.
        """
        terms = within_postings_budget(terms, self.document_frequencies(set(terms)))
        query = self.analyzer.fts_query(terms)
        if query is None:
            return []
        if chunk_ranges is not None and len(chunk_ranges) <= _MAX_RANGE_QUERIES:
            ranked: list[tuple[float, int]] = []
            for low, high in chunk_ranges:
                ranked += self._db.execute(
                    "SELECT rank, rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?",
                    (query, low, high, limit),
                ).fetchall()
            return [rowid for _, rowid in sorted(ranked)[:limit]]
        if scope is None or scope.is_everything:
            rows = self._db.execute(
                "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
                (query, limit),
            ).fetchall()
        elif document_rows is not None and len(document_rows) <= _MAX_LISTED_DOCUMENTS:
            # One probe of a list SQLite sorts once per query, instead of the scope's
            # conditions evaluated again for every match.
            marks = ",".join("?" * len(document_rows))
            rows = self._db.execute(
                "SELECT f.rowid FROM chunks_fts f JOIN chunks c ON c.id = f.rowid"
                f" WHERE chunks_fts MATCH ? AND c.document_id IN ({marks}) ORDER BY f.rank LIMIT ?",
                (query, *document_rows, limit),
            ).fetchall()
        else:
            condition, params = self.scope_condition(scope)
            rows = self._db.execute(
                "SELECT f.rowid FROM chunks_fts f JOIN chunks c ON c.id = f.rowid JOIN documents d ON d.id = c.document_id"
                f" WHERE chunks_fts MATCH ? AND {condition} ORDER BY f.rank LIMIT ?",
                (query, *params, limit),
            ).fetchall()
        return [row[0] for row in rows]

    def date_expression(self) -> str:
        """SQL for a document's date: the one it states, else its file's mtime as a local date."""
        return f"coalesce({self._column('date')}, date(d.mtime_ns / 1000000000, 'unixepoch', 'localtime'))"

    def scope_condition(self, scope: Scope) -> tuple[str, list]:
        """A WHERE condition on `documents d` for the scope, and its parameters."""
        clauses: list[str] = []
        params: list = []
        if scope.paths:
            alternatives = []
            for path in scope.paths:
                if path == "":
                    alternatives.append("1")  # the corpus root: every document
                    continue
                # A folder is the range of ids from "p/" up to "p0" ('0' follows '/'): a seek on the
                # doc_id index, exact in case (LIKE ignores ASCII case and reads _ and % as wildcards).
                alternatives.append("(d.doc_id = ? OR (d.doc_id >= ? AND d.doc_id < ?))")
                params += [path, path + "/", path + "0"]
            clauses.append("(" + " OR ".join(alternatives) + ")")
        if scope.types:
            # Extensions are letters and digits only (checked when parsed): nothing to escape.
            clauses.append("(" + " OR ".join("lower(d.doc_id) LIKE ?" for _ in scope.types) + ")")
            params += [f"%.{extension}" for extension in scope.types]
        if scope.since:
            clauses.append(f"{self.date_expression()} >= ?")
            params.append(scope.since.isoformat())
        if scope.until:
            clauses.append(f"{self.date_expression()} <= ?")
            params.append(scope.until.isoformat())
        return " AND ".join(clauses) or "1", params

    def scope_documents(self, scope: Scope) -> list[int]:
        """The document rows (documents.id) the scope matches, sorted.

        Its paths are looked up in the doc_id index (one seek or range each), not
        compared with every document: a scope of a hundred files costs a hundred seeks.
        """
        if not scope.paths or "" in scope.paths:
            condition, params = self.scope_condition(replace(scope, paths=()))
            return [row[0] for row in self._db.execute(f"SELECT d.id FROM documents d WHERE {condition} ORDER BY d.id", params)]
        others, other_params = self.scope_condition(replace(scope, paths=()))
        found: set[int] = set()
        for start in range(0, len(scope.paths), 500):
            paths = scope.paths[start : start + 500]
            values = ",".join("(?, ?, ?)" for _ in paths)
            params = [value for path in paths for value in (path, path + "/", path + "0")]
            found.update(
                row[0]
                for row in self._db.execute(
                    f"WITH wanted(path, low, high) AS (VALUES {values})"
                    f" SELECT d.id FROM wanted w JOIN documents d ON d.doc_id = w.path WHERE {others}"
                    f" UNION SELECT d.id FROM wanted w JOIN documents d ON d.doc_id >= w.low AND d.doc_id < w.high WHERE {others}",
                    params + other_params + other_params,
                )
            )
        return sorted(found)

    def document_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM documents").fetchone()[0]

    def id_ranges(self) -> DocumentIdRanges | None:
        """Each document's chunk and sentence id ranges; None when some document's ids are not
        consecutive (then a scope's ids are read from the tables instead)."""
        if self._id_ranges is not None:
            return self._id_ranges
        chunks = np.array(
            self._db.execute("SELECT document_id, min(id), max(id) + 1, count(*) FROM chunks GROUP BY document_id ORDER BY document_id").fetchall(),
            dtype=np.int64,
        ).reshape(-1, 4)
        sentences = dict(
            (row[0], row[1:])
            for row in self._db.execute(
                "SELECT c.document_id, min(s.id), max(s.id) + 1, count(*) FROM sentences s JOIN chunks c ON c.id = s.chunk_id"
                " GROUP BY c.document_id"
            )
        )
        if np.any(chunks[:, 2] - chunks[:, 1] != chunks[:, 3]):
            return None
        spans = np.array([sentences.get(int(row), (0, 0, 0)) for row in chunks[:, 0]], dtype=np.int64).reshape(-1, 3)
        if np.any(spans[:, 1] - spans[:, 0] != spans[:, 2]):
            return None
        ranges = DocumentIdRanges(chunks[:, 0], chunks[:, 1], chunks[:, 2], spans[:, 0], spans[:, 1])
        if self._readonly:
            self._id_ranges = ranges
        return ranges

    def ids_of_documents(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(chunk ids, sentence ids) of these document rows, sorted, read from the tables."""
        chunk_ids: list[int] = []
        sentence_ids: list[int] = []
        for start in range(0, len(rows), 500):
            part = rows[start : start + 500]
            marks = ",".join("?" * len(part))
            chunk_ids += [r[0] for r in self._db.execute(f"SELECT id FROM chunks WHERE document_id IN ({marks})", part)]
            sentence_ids += [
                r[0]
                for r in self._db.execute(
                    f"SELECT s.id FROM sentences s JOIN chunks c ON c.id = s.chunk_id WHERE c.document_id IN ({marks})", part
                )
            ]
        return np.sort(np.array(chunk_ids, dtype=np.int64)), np.sort(np.array(sentence_ids, dtype=np.int64))

    def document_dates(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (date, where it came from): the stated date, else the file's mtime as a local date."""
        rows = self._db.execute(
            f"SELECT d.doc_id, {self._column('date')}, {self._column('date_source')},"
            " date(d.mtime_ns / 1000000000, 'unixepoch', 'localtime') FROM documents d ORDER BY d.doc_id"
        )
        return {doc_id: (stated, source or "metadata") if stated else (mtime, MTIME_DATE_SOURCE) for doc_id, stated, source, mtime in rows}

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRow]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.execute(
            "SELECT c.id, d.doc_id, d.title, c.char_start, c.char_end, c.start_line, c.end_line, c.text, d.encoding,"
            f" c.page, c.heading_path, d.kind, {self._column('ocr_pages')}"
            f" FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN ({marks})",
            list(chunk_ids),
        ).fetchall()
        return {row[0]: ChunkRow(*row[:-1], ocr=bool(row[-1]) and row[9] in json.loads(row[-1])) for row in rows}

    def sentences_of(self, chunk_ids: list[int]) -> dict[int, list[tuple[int, int, int]]]:
        """For each chunk, its (sentence id, start, end) in order."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        result: dict[int, list[tuple[int, int, int]]] = {chunk_id: [] for chunk_id in chunk_ids}
        for sentence_id, chunk_id, start, end in self._db.execute(
            f"SELECT id, chunk_id, start, end FROM sentences WHERE chunk_id IN ({marks}) ORDER BY id", list(chunk_ids)
        ):
            result[chunk_id].append((sentence_id, start, end))
        return result

    def chunk_of_sentences(self, sentence_ids: list[int]) -> dict[int, int]:
        if not sentence_ids:
            return {}
        marks = ",".join("?" * len(sentence_ids))
        rows = self._db.execute(f"SELECT id, chunk_id FROM sentences WHERE id IN ({marks})", list(sentence_ids))
        return dict(rows.fetchall())

    def document_frequencies(self, terms: set[str]) -> dict[str, int]:
        """How many chunks hold each (stemmed) term; absent terms are left out."""
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        return dict(self._db.execute(f"SELECT term, df FROM term_df WHERE term IN ({marks})", list(terms)).fetchall())

    def term_weights(self, terms: set[str]) -> dict[str, float]:
        """Inverse document frequency of each term over chunks; unseen terms weigh most."""
        if not terms:
            return {}
        total = max(self.chunk_count(), 1)
        df = self.document_frequencies(terms)
        return {term: math.log(1 + total / (df.get(term, 0) + 0.5)) for term in terms}

    def documents(self) -> list[DocumentRow]:
        rows = self._db.execute(
            "SELECT doc_id, title, content_hash, size, mtime_ns, empty_pages FROM documents ORDER BY doc_id"
        ).fetchall()
        return [DocumentRow(*row[:5], tuple(json.loads(row[5]))) for row in rows]

    def stored_text(self, doc_id: str) -> StoredText | None:
        """What this document's offsets index, or None when it is not in the index."""
        row = self._db.execute(
            "SELECT kind, extracted, page_starts, encoding FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            return None
        return StoredText(row[0], row[1], tuple(json.loads(row[2])), row[3])

    def skipped(self) -> list[SkippedFile]:
        return [SkippedFile(*row) for row in self._db.execute("SELECT doc_id, reason FROM skipped ORDER BY doc_id")]

    def skipped_stats(self) -> dict[str, tuple[int | None, int | None]]:
        """doc_id -> (size, mtime_ns) of each skipped file when it was skipped."""
        return {row[0]: (row[1], row[2]) for row in self._db.execute("SELECT doc_id, size, mtime_ns FROM skipped")}

    def chunk_count(self) -> int:
        if self._chunk_count is not None:
            return self._chunk_count
        count = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if self._readonly:
            self._chunk_count = count
        return count
