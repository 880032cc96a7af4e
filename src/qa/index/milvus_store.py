"""The Milvus engine: an index held in Milvus collections through pymilvus' `MilvusClient`.

The same `IndexReader` / `IndexWriter` contract as the local SQLite + FAISS
engine (tests/test_storage_contract.py runs against both), for an archive that
has outgrown one machine: `milvus:http://HOST:19530` is a Milvus server or
cluster, `milvus:PATH.db` Milvus Lite (the C++ engine embedded in a file).

Layout. A build writes a new *generation*: two collections, `<base>_<gen>_chunks`
(chunk text, offsets, lines, page, heading path, document id, kind, encoding,
the document's date; the chunk vector; the analyzer's stems with Milvus' BM25
function into a sparse inverted index) and `<base>_<gen>_sentences` (each
answer-candidate sentence's span and vector). Documents (freshness state: size,
mtime, hash), skipped files, term counts, extracted PDF/HTML text and the
manifest are rows of one small `qa_catalog` collection, keyed by generation.
The catalog row `<base>` names the published generation: upserting that one
row is the switch, so a reader sees the old generation or the new one, never
half of one (the local `CURRENT` swap). On a Milvus server an alias `<base>`
is also pointed at the published chunks collection for other clients; Milvus
Lite does not implement aliases (its create_alias answers UNIMPLEMENTED).

Lexical search stores the analyzer's stems (what FTS5 stores locally), split by
Milvus' whitespace tokenizer, each identifier followed by its parts (FTS5 splits
"opus_set_lsb_depth" at its underscores; whitespace does not), so both engines
search the same words; BM25 is
Milvus' own (k1 1.2, b 0.75, as FTS5). Rankings are fused in qa, by the same
`score` the local engine's rankings go through (see docs/performance.md).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.analyzer import ENGLISH, Analyzer, identifier_parts
from qa.errors import IndexCorruptError, IndexFormatError, IndexMismatchError, IndexMissingError, QAError
from qa.index.freshness import file_stat
from qa.index.generations import FORMAT_VERSION
from qa.index.protocols import SentenceScore
from qa.records import Chunk, ChunkRow, Document, DocumentRow, SkippedFile, StoredText, embedded_text, searched_text

if TYPE_CHECKING:
    from qa.search.scope import Scope

CATALOG = "qa_catalog"
MTIME_DATE_SOURCE = "file mtime"
_VARCHAR = 65535  # Milvus' longest VARCHAR, in bytes
_TEXT_PART = 15_000  # characters of extracted text per catalog row: at most 4 bytes each fits a VARCHAR
_BATCH = 1000  # rows per insert / query page
_SEARCH_MAX = 16_384  # Milvus' largest topk
_WHAT_TO_DO = "start it or check the address, or pass --store local"


class StoreUnreachableError(QAError):
    """The Milvus store named by --store / QA_STORE cannot be reached or opened."""


@dataclass(frozen=True)
class MilvusLocation:
    """Where a Milvus index lives: the URI pymilvus connects to and the corpus's base name."""

    uri: str  # "http://host:19530" or an absolute "/path/file.db" (Milvus Lite)
    base: str  # collection-name prefix of this corpus's generations
    store: str  # what the user wrote (milvus:...), for messages

    @property
    def is_lite(self) -> bool:
        return not re.match(r"^https?://", self.uri)


def milvus_location(store: str, corpus_dir: Path) -> MilvusLocation:
    """The location of `milvus:PATH.db` or `milvus:http(s)://HOST:PORT` for this corpus."""
    import hashlib

    target = store[len("milvus:") :]
    if re.match(r"^https?://", target):
        uri = target
    else:
        uri = str(Path(target).expanduser().absolute())
    resolved = corpus_dir.resolve()
    name = re.sub(r"[^A-Za-z0-9]", "_", resolved.name or "root")[:40]
    digest = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:8]
    return MilvusLocation(uri, f"qa_{name}_{digest}", store)


_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def client_for(location: MilvusLocation):
    """One `MilvusClient` per URI in this process (Milvus Lite lets one process hold a file).

    Raises:
        StoreUnreachableError: the server does not answer, or the Lite file cannot be opened.
    """
    with _clients_lock:
        client = _clients.get(location.uri)
        if client is not None:
            return client
        try:
            import warnings

            from pymilvus import MilvusClient

            _quiet_pymilvus()  # after the import: pymilvus sets its logger's level when imported

            if location.is_lite:
                Path(location.uri).parent.mkdir(parents=True, exist_ok=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # milvus-lite imports pkg_resources, which warns it is deprecated
                client = MilvusClient(uri=location.uri, timeout=10)
            _ensure_catalog(client)
        except QAError:
            raise
        except Exception as exc:
            what = "open the Milvus Lite file" if location.is_lite else "reach the Milvus server at"
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            extra = " (is another qa process holding it, or is its folder not writable?)" if location.is_lite else ""
            raise StoreUnreachableError(f"cannot {what} {location.uri} ({detail}){extra}: {_WHAT_TO_DO}") from exc
        _clients[location.uri] = client
        return client


def describe_milvus_failure(exc: Exception, store: str, doing: str, had_index: bool) -> QAError | None:
    """A pymilvus or gRPC error as a message naming the store and the fix; None for anything else."""
    module = type(exc).__module__ or ""
    if not (module.startswith("pymilvus") or module.startswith("grpc")):
        return None
    detail = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    if doing == "answering":
        return StoreUnreachableError(
            f"Milvus at {store} failed while answering ({detail}): check that Milvus is running and reachable, then ask again"
        )
    kept = "the previous index is still in use" if had_index else "nothing was published"
    return StoreUnreachableError(
        f"Milvus at {store} failed while {doing} ({detail}); {kept}: check that Milvus is running and reachable, "
        f"then run `qa index --store {store}` again"
    )


def _quiet_pymilvus() -> None:
    """pymilvus logs each failed call and iterator detail itself; qa says what went wrong once, at the edge."""
    import logging

    # pymilvus configures its modules' loggers one by one, so each is quietened, not only the parent.
    for name in ["pymilvus"] + [n for n in logging.root.manager.loggerDict if n.startswith("pymilvus.")]:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def close_clients() -> None:
    """Close every client this process opened (Milvus Lite's server stops with its last client)."""
    with _clients_lock:
        for uri, client in _clients.items():
            try:
                client.close()
                if not re.match(r"^https?://", uri):
                    # Closing a client leaves Milvus Lite's server running and holding the file.
                    from milvus_lite.server_manager import server_manager_instance

                    server_manager_instance.release_server(uri)
            except Exception:
                pass
        _clients.clear()


def _dummy_vector_schema(client, key_length: int = 512):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=key_length)
    schema.add_field("generation", DataType.VARCHAR, max_length=256)
    schema.add_field("value", DataType.VARCHAR, max_length=_VARCHAR)
    # Milvus requires a vector field in every collection; the catalog is only ever queried.
    schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
    return schema


def _ensure_catalog(client) -> None:
    if client.has_collection(CATALOG):
        return
    index = client.prepare_index_params()
    index.add_index("unused", index_type="FLAT", metric_type="L2")
    client.create_collection(CATALOG, schema=_dummy_vector_schema(client), index_params=index, consistency_level="Strong")


def _quote(text: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(text, ensure_ascii=False)


def _in(field: str, values) -> str:
    return f"{field} in [{', '.join(_quote(v) if isinstance(v, str) else str(int(v)) for v in values)}]"


def _query_all(client, collection: str, filter: str, fields: list[str]) -> list[dict]:
    """Every row matching `filter`, page by page (one query returns at most 16,384)."""
    # One query answers most calls (a question's sentences, a document's chunks); only a
    # result as large as Milvus returns at once goes on page by page.
    rows = client.query(collection, filter=filter, output_fields=fields, limit=_SEARCH_MAX)
    if len(rows) < _SEARCH_MAX:
        return list(rows)
    rows = []
    _quiet_pymilvus()  # again: Ray's logging set-up, in the same process, resets it
    iterator = client.query_iterator(collection, batch_size=_BATCH, filter=filter, output_fields=fields)
    try:
        while page := iterator.next():
            rows.extend(page)
    finally:
        iterator.close()
    return rows


def _catalog_rows(client, generation: str, kind: str) -> list[dict]:
    prefix = f"{generation}/{kind}:"
    return _query_all(client, CATALOG, f'generation == {_quote(generation)} and key like {_quote(prefix + "%")}', ["key", "value"])


def _catalog_get(client, keys: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(keys), _BATCH):
        for row in client.get(CATALOG, ids=keys[start : start + _BATCH], output_fields=["value"]):
            found[row["key"]] = row["value"]
    return found


def _insert(client, collection: str, rows: list[dict]) -> None:
    for start in range(0, len(rows), _BATCH):
        client.insert(collection, rows[start : start + _BATCH])


def _catalog_row(generation: str, key: str, value) -> dict:
    return {"key": f"{generation}/{key}", "generation": generation, "value": json.dumps(value, ensure_ascii=False), "unused": [0.0, 0.0]}


def _split_text(text: str) -> list[str]:
    return [text[i : i + _TEXT_PART] for i in range(0, len(text), _TEXT_PART)] or [""]


@dataclass(frozen=True)
class Published:
    """What the catalog says of a corpus: the current generation and the one before it."""

    generation: str
    previous: str | None
    manifest: dict


def published(client, location: MilvusLocation) -> Published | None:
    rows = client.get(CATALOG, ids=[location.base], output_fields=["value"])
    if not rows:
        return None
    value = json.loads(rows[0]["value"])
    return Published(value["generation"], value.get("previous"), value["manifest"])


def _local_date(mtime_ns: int) -> str:
    return datetime.fromtimestamp(mtime_ns / 1e9).date().isoformat()


@dataclass(frozen=True, eq=False)
class MilvusSelection:
    """A scope resolved to this index's documents, as the filter expression the searches take."""

    scope: Scope
    documents: int
    expression: str | None  # None: every document (no filter)


class MilvusIndex:
    """A published generation in Milvus, opened for answering."""

    def __init__(self, client, location: MilvusLocation, generation: str, manifest: dict, analyzer: Analyzer = ENGLISH):
        self.client = client
        self.location = location
        self.generation = generation
        self.analyzer = analyzer
        self._manifest = manifest
        self._chunks = f"{generation}_chunks"
        self._sentences = f"{generation}_sentences"
        self._documents: dict[str, dict] | None = None
        self._lock = threading.Lock()
        self._dense_params = {"metric_type": "IP"} if location.is_lite else {"metric_type": "IP", "params": {"ef": 128}}

    @property
    def manifest(self) -> dict:
        return self._manifest

    def _document_records(self) -> dict[str, dict]:
        with self._lock:  # a generation never changes: read its documents once
            if self._documents is None:
                rows = _catalog_rows(self.client, self.generation, "doc")
                self._documents = {row["key"].split("/doc:", 1)[1]: json.loads(row["value"]) for row in rows}
        return self._documents

    def select(self, scope: Scope) -> MilvusSelection:
        records = self._document_records()
        if scope.is_everything:
            return MilvusSelection(scope, len(records), None)
        kept = [doc_id for doc_id, record in records.items() if _in_scope(doc_id, record, scope)]
        if len(kept) == len(records):
            return MilvusSelection(scope, len(kept), None)
        return MilvusSelection(scope, len(kept), _in("doc_id", sorted(kept)) if kept else "doc_id == ''")

    def _filter(self, within: MilvusSelection | None) -> str:
        return "" if within is None or within.expression is None else within.expression

    def dense_search(self, vector: np.ndarray, k: int, within: MilvusSelection | None = None) -> list[tuple[int, float]]:
        if within is not None and within.documents == 0:
            return []
        hits = self.client.search(
            self._chunks, data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="vector",
            limit=min(k, _SEARCH_MAX), filter=self._filter(within), search_params=self._dense_params,
        )[0]
        return [(int(hit["id"]), float(hit["distance"])) for hit in hits]

    def sentence_search(self, vector: np.ndarray, k: int, within: MilvusSelection | None = None) -> list[int]:
        if within is not None and within.documents == 0:
            return []
        # Several sentences per chunk.
        hits = self.client.search(
            self._sentences, data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="vector",
            limit=min(k * 3, _SEARCH_MAX), filter=self._filter(within), output_fields=["chunk_id"], search_params=self._dense_params,
        )[0]
        return list(dict.fromkeys(int(hit["entity"]["chunk_id"]) for hit in hits))[:k]

    def lexical_search(self, stems: list[str], k: int, within: MilvusSelection | None = None) -> list[int]:
        if not stems or (within is not None and within.documents == 0):
            return []
        hits = self.client.search(
            self._chunks, data=[" ".join(stems)], anns_field="sparse", limit=min(k, _SEARCH_MAX),
            filter=self._filter(within), search_params={"metric_type": "BM25"},
        )[0]
        return [int(hit["id"]) for hit in hits]

    def fused_search(self, vector: np.ndarray, stems: list[str], k: int, rrf_k: int = 60) -> list[int]:
        """Chunk vectors and BM25 fused inside Milvus (`hybrid_search` + `RRFRanker`):
        what scripts/eval.py measures against qa's own fusion."""
        from pymilvus import AnnSearchRequest, RRFRanker

        requests = [AnnSearchRequest(data=[np.asarray(vector, dtype=np.float32).tolist()], anns_field="vector", param=self._dense_params, limit=k)]
        if stems:
            requests.append(AnnSearchRequest(data=[" ".join(stems)], anns_field="sparse", param={"metric_type": "BM25"}, limit=k))
        hits = self.client.hybrid_search(self._chunks, requests, RRFRanker(rrf_k), limit=k)[0]
        return [int(hit["id"]) for hit in hits]

    def chunk_similarities(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, float]:
        if not chunk_ids:
            return {}
        rows = self.client.get(self._chunks, ids=list(chunk_ids), output_fields=["vector"])
        query = np.asarray(vector, dtype=np.float32)
        return {int(row["id"]): float(np.dot(np.asarray(row["vector"], dtype=np.float32), query)) for row in rows}

    def sentence_similarities(self, vector: np.ndarray, chunk_ids: list[int]) -> dict[int, tuple[SentenceScore, ...]]:
        result: dict[int, list[tuple[int, float, int, int]]] = {chunk_id: [] for chunk_id in chunk_ids}
        if not chunk_ids:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        rows = _query_all(self.client, self._sentences, _in("chunk_id", chunk_ids), ["id", "chunk_id", "start", "end", "vector"])
        for row in rows:
            cosine = float(np.dot(np.asarray(row["vector"], dtype=np.float32), query))
            result[int(row["chunk_id"])].append((int(row["id"]), cosine, int(row["start"]), int(row["end"])))
        return {chunk_id: tuple((c, s, e) for _, c, s, e in sorted(spans)) for chunk_id, spans in result.items()}

    def chunks(self, chunk_ids: list[int]) -> dict[int, ChunkRow]:
        if not chunk_ids:
            return {}
        rows = self.client.get(self._chunks, ids=list(chunk_ids), output_fields=_CHUNK_FIELDS)
        return {int(row["id"]): _chunk_row(row) for row in rows}

    def term_weights(self, stems: set[str]) -> dict[str, float]:
        import math

        if not stems:
            return {}
        total = max(int(self._manifest.get("chunks", 0)), 1)
        df = {key.split("/term:", 1)[1]: int(value) for key, value in _catalog_get(
            self.client, [f"{self.generation}/term:{stem}" for stem in stems]).items()}
        return {stem: math.log(1 + total / (df.get(stem, 0) + 0.5)) for stem in stems}

    def documents(self) -> list[DocumentRow]:
        return [
            DocumentRow(doc_id, r["title"], r["content_hash"], r["size"], r["mtime_ns"], tuple(r["empty_pages"]))
            for doc_id, r in sorted(self._document_records().items())
        ]

    def document_dates(self) -> dict[str, tuple[str, str]]:
        return {doc_id: _document_date(r) for doc_id, r in sorted(self._document_records().items())}

    def skipped(self) -> list[SkippedFile]:
        return [SkippedFile(doc_id, reason) for doc_id, (reason, _, _) in sorted(self._skipped().items())]

    def skipped_stats(self) -> dict[str, tuple[int | None, int | None]]:
        return {doc_id: (size, mtime_ns) for doc_id, (_, size, mtime_ns) in self._skipped().items()}

    def _skipped(self) -> dict[str, tuple[str, int | None, int | None]]:
        rows = _catalog_rows(self.client, self.generation, "skip")
        return {row["key"].split("/skip:", 1)[1]: tuple(json.loads(row["value"])) for row in rows}

    def stored_text(self, doc_id: str) -> StoredText | None:
        record = self._document_records().get(doc_id)
        if record is None:
            return None
        text = None
        if record["kind"] != "text":
            keys = [f"{self.generation}/text:{doc_id}:{part}" for part in range(record["text_parts"])]
            parts = _catalog_get(self.client, keys)
            text = "".join(json.loads(parts[key]) for key in keys)
        return StoredText(record["kind"], text, tuple(record["page_starts"]), record["encoding"])


_CHUNK_FIELDS = ["doc_id", "title", "char_start", "char_end", "start_line", "end_line", "text", "encoding", "page", "heading_path", "kind"]


def _chunk_row(row: dict) -> ChunkRow:
    page = int(row["page"])
    return ChunkRow(
        int(row["id"]), row["doc_id"], row["title"], int(row["char_start"]), int(row["char_end"]), int(row["start_line"]),
        int(row["end_line"]), row["text"], row["encoding"], None if page < 0 else page, row["heading_path"], row["kind"],
    )


def _document_date(record: dict) -> tuple[str, str]:
    if record.get("date"):
        return record["date"], record.get("date_source") or "metadata"
    return _local_date(record["mtime_ns"]), MTIME_DATE_SOURCE


def _in_scope(doc_id: str, record: dict, scope: Scope) -> bool:
    """The same rule as the local store's SQL (qa.index.store.Store.scope_condition), in Python."""
    if scope.paths and not any(p == "" or doc_id == p or doc_id.startswith(p + "/") for p in scope.paths):
        return False
    if scope.types and not any(doc_id.lower().endswith("." + extension) for extension in scope.types):
        return False
    day = _document_date(record)[0]
    if scope.since and day < scope.since.isoformat():
        return False
    if scope.until and day > scope.until.isoformat():
        return False
    return True


def open_milvus_index(location: MilvusLocation) -> MilvusIndex:
    """Open the published generation of this corpus.

    Raises:
        StoreUnreachableError, IndexMissingError, IndexFormatError, IndexMismatchError, IndexCorruptError.
    """
    client = client_for(location)
    current = published(client, location)
    if current is None:
        raise IndexMissingError(f"no index for this corpus in {location.store}: run `qa index --store {location.store}` to build it")
    version = current.manifest.get("format_version")
    if not isinstance(version, int):
        raise IndexCorruptError(f"the index in {location.store} has no format version: run `qa index --full --store {location.store}`")
    if version > FORMAT_VERSION:
        raise IndexFormatError(
            f"the index in {location.store} was built by a newer qa (format {version}; this qa reads {FORMAT_VERSION}): "
            f"upgrade qa, or run `qa index --full --store {location.store}` to replace it"
        )
    if version < FORMAT_VERSION:
        raise IndexMismatchError(f"the index in {location.store} has the older format {version} (this qa writes {FORMAT_VERSION})")
    for collection in (f"{current.generation}_chunks", f"{current.generation}_sentences"):
        if not client.has_collection(collection):
            raise IndexCorruptError(
                f"the index in {location.store} names the collection {collection}, which is missing: "
                f"run `qa index --full --store {location.store}` to rebuild it"
            )
    return MilvusIndex(client, location, current.generation, current.manifest)


def has_milvus_index(location: MilvusLocation) -> bool:
    return published(client_for(location), location) is not None


def _create_generation(client, generation: str, dimension: int, lite: bool) -> None:
    from pymilvus import DataType, Function, FunctionType

    chunks = client.create_schema(auto_id=False)
    chunks.add_field("id", DataType.INT64, is_primary=True)
    for name in ("doc_id", "title", "text", "encoding", "heading_path", "kind"):
        chunks.add_field(name, DataType.VARCHAR, max_length=_VARCHAR)
    for name in ("ordinal", "char_start", "char_end", "start_line", "end_line", "n_tokens", "page"):
        chunks.add_field(name, DataType.INT64)  # page -1: not a PDF
    # The analyzer's stems in order, split on spaces only: the words FTS5 holds locally.
    chunks.add_field("words", DataType.VARCHAR, max_length=_VARCHAR, enable_analyzer=True, analyzer_params={"tokenizer": "whitespace"})
    chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    chunks.add_function(Function(name="words_bm25", function_type=FunctionType.BM25, input_field_names=["words"], output_field_names=["sparse"]))
    sentences = client.create_schema(auto_id=False)
    sentences.add_field("id", DataType.INT64, is_primary=True)
    sentences.add_field("chunk_id", DataType.INT64)
    sentences.add_field("doc_id", DataType.VARCHAR, max_length=_VARCHAR)
    sentences.add_field("start", DataType.INT64)
    sentences.add_field("end", DataType.INT64)
    sentences.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    for name, schema, sparse in ((f"{generation}_chunks", chunks, True), (f"{generation}_sentences", sentences, False)):
        index = client.prepare_index_params()
        # Milvus Lite searches exactly (FLAT); a server gets HNSW (docs/performance.md, the 100M plan).
        if lite:
            index.add_index("vector", index_type="FLAT", metric_type="IP")
        else:
            index.add_index("vector", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
        if sparse:
            index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")


def drop_generation(client, generation: str) -> None:
    for suffix in ("_chunks", "_sentences"):
        if client.has_collection(generation + suffix):
            client.drop_collection(generation + suffix)
    client.delete(CATALOG, filter=f"generation == {_quote(generation)}")


def generations_of(client, location: MilvusLocation) -> set[str]:
    """Every generation of this corpus that has a collection (published, previous or abandoned)."""
    pattern = re.compile(rf"^({re.escape(location.base)}_g\w+?)_(chunks|sentences)$")
    return {m.group(1) for name in client.list_collections() if (m := pattern.match(name))}


def remove_abandoned_generations(location: MilvusLocation) -> None:
    """Drop generations a killed build left (neither published nor the one before): called under the build lock."""
    client = client_for(location)
    current = published(client, location)
    keep = set() if current is None else {current.generation, current.previous}
    for generation in generations_of(client, location) - keep:
        drop_generation(client, generation)


class MilvusWriter:
    """A new generation in new collections; readers see it only once `publish` switches the catalog."""

    def __init__(self, location: MilvusLocation, previous: MilvusIndex | None = None, analyzer: Analyzer = ENGLISH):
        self.location = location
        self.client = client_for(location)
        self.analyzer = analyzer
        self.generation = f"{location.base}_g{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:6]}"
        self._previous = previous
        self._created = False
        self._documents: dict[str, dict] = {}
        self._skipped: dict[str, tuple[str, int | None, int | None]] = {}
        self._terms: Counter = Counter()
        self._next_chunk = self._next_sentence = 0
        self._chunk_count = self._sentence_count = 0
        if previous is not None:
            try:
                self._copy(previous)
            except BaseException:
                self.discard()
                raise

    def _ensure_collections(self, dimension: int) -> None:
        if not self._created:
            _create_generation(self.client, self.generation, dimension, self.location.is_lite)
            self._created = True

    def _copy(self, previous: MilvusIndex) -> None:
        """Start as a copy of the published generation (an update changes the copy, never the original)."""
        manifest = previous.manifest
        self._ensure_collections(int(manifest["dimension"]))
        self._documents = {doc_id: dict(record) for doc_id, record in previous._document_records().items()}
        self._skipped = previous._skipped()
        self._next_chunk = int(manifest.get("next_chunk_id", 0))
        self._next_sentence = int(manifest.get("next_sentence_id", 0))
        chunk_fields = ["id"] + _CHUNK_FIELDS + ["ordinal", "n_tokens", "words", "vector"]
        for suffix, fields in (("_chunks", chunk_fields), ("_sentences", ["id", "chunk_id", "doc_id", "start", "end", "vector"])):
            rows = _query_all(self.client, previous.generation + suffix, "id >= 0", fields)
            if suffix == "_chunks":
                for row in rows:
                    self._terms.update(set(row["words"].split()))
                self._chunk_count = len(rows)
            else:
                self._sentence_count = len(rows)
            _insert(self.client, self.generation + suffix, [_plain(row) for row in rows])
        # Extracted texts are carried over row by row; documents and terms are rewritten at publish.
        texts = _catalog_rows(self.client, previous.generation, "text")
        _insert(self.client, CATALOG, [_catalog_row(self.generation, row["key"].split("/", 1)[1], json.loads(row["value"])) for row in texts])

    def reusable_vectors(self, doc_ids: list[str]) -> dict[str | tuple[str, str], np.ndarray]:
        if not doc_ids or not self._created:
            return {}
        reusable: dict[str | tuple[str, str], np.ndarray] = {}
        chunks = _query_all(self.client, f"{self.generation}_chunks", _in("doc_id", doc_ids), ["id", "text", "heading_path", "vector"])
        chunk_of = {}  # id -> (embedded text, text)
        for row in chunks:
            key = embedded_text(row["heading_path"], row["text"])
            reusable[key] = np.asarray(row["vector"], dtype=np.float32)
            chunk_of[int(row["id"])] = (key, row["text"])
        sentences = _query_all(self.client, f"{self.generation}_sentences", _in("doc_id", doc_ids), ["chunk_id", "start", "end", "vector"])
        for row in sentences:
            if (chunk := chunk_of.get(int(row["chunk_id"]))) is not None:
                key, text = chunk
                reusable[(key, text[int(row["start"]) : int(row["end"])])] = np.asarray(row["vector"], dtype=np.float32)
        return reusable

    def delete_documents(self, doc_ids: list[str]) -> None:
        doc_ids = [doc_id for doc_id in doc_ids if doc_id in self._documents]
        if not doc_ids:
            return
        for start in range(0, len(doc_ids), _BATCH):
            part = doc_ids[start : start + _BATCH]
            gone = _query_all(self.client, f"{self.generation}_chunks", _in("doc_id", part), ["words"])
            for row in gone:
                self._terms.subtract(set(row["words"].split()))
            self._chunk_count -= len(gone)
            self._sentence_count -= len(_query_all(self.client, f"{self.generation}_sentences", _in("doc_id", part), ["id"]))
            self.client.delete(f"{self.generation}_sentences", filter=_in("doc_id", part))
            self.client.delete(f"{self.generation}_chunks", filter=_in("doc_id", part))
            for doc_id in part:
                record = self._documents.pop(doc_id)
                keys = [f"{self.generation}/text:{doc_id}:{i}" for i in range(record.get("text_parts", 0))]
                if keys:
                    self.client.delete(CATALOG, ids=keys)

    def add_document(
        self,
        document: Document,
        chunks: list[Chunk],
        chunk_vectors: np.ndarray,
        sentences: list[list[tuple[int, int]]],
        sentence_vectors: np.ndarray,
    ) -> None:
        self._ensure_collections(int(chunk_vectors.shape[1]))
        record = {
            "title": document.title, "content_hash": document.content_hash, "size": document.size, "mtime_ns": document.mtime_ns,
            "encoding": document.encoding, "kind": document.kind, "page_starts": list(document.page_starts),
            "empty_pages": list(document.empty_pages), "date": document.date, "date_source": document.date_source, "text_parts": 0,
        }
        if document.kind != "text":
            parts = _split_text(document.text)
            record["text_parts"] = len(parts)
            _insert(self.client, CATALOG, [_catalog_row(self.generation, f"text:{document.doc_id}:{i}", p) for i, p in enumerate(parts)])
        chunk_rows, sentence_rows = [], []
        for chunk, vector, spans in zip(chunks, chunk_vectors, sentences):
            chunk_id = self._next_chunk
            self._next_chunk += 1
            words = _bm25_words(self.analyzer, searched_text(chunk.heading_path, chunk.text))
            self._terms.update(set(words.split()))  # a chunk counts once per stem (its identifiers' parts are among its words)
            chunk_rows.append({
                "id": chunk_id, "doc_id": document.doc_id, "title": document.title, "text": chunk.text, "encoding": document.encoding,
                "heading_path": chunk.heading_path, "kind": document.kind, "ordinal": chunk.ordinal, "char_start": chunk.char_start,
                "char_end": chunk.char_end, "start_line": chunk.start_line, "end_line": chunk.end_line, "n_tokens": chunk.n_tokens,
                "page": -1 if chunk.page is None else chunk.page, "words": words, "vector": np.asarray(vector, dtype=np.float32).tolist(),
            })
            for start, end in spans:
                sentence_rows.append({"id": self._next_sentence, "chunk_id": chunk_id, "doc_id": document.doc_id, "start": start, "end": end})
                self._next_sentence += 1
        for row, vector in zip(sentence_rows, sentence_vectors):
            row["vector"] = np.asarray(vector, dtype=np.float32).tolist()
        _insert(self.client, f"{self.generation}_chunks", chunk_rows)
        _insert(self.client, f"{self.generation}_sentences", sentence_rows)
        self._chunk_count += len(chunk_rows)
        self._sentence_count += len(sentence_rows)
        self._documents[document.doc_id] = record

    def record_unchanged(self, doc_id: str, size: int, mtime_ns: int) -> None:
        if doc_id in self._documents:
            self._documents[doc_id].update(size=size, mtime_ns=mtime_ns)

    def replace_skipped(self, skipped: tuple[SkippedFile, ...], corpus_dir: Path) -> None:
        self._skipped = {item.doc_id: (item.reason, *file_stat(corpus_dir / item.doc_id)) for item in skipped}

    def reanalyze(self) -> None:
        """Rewrite every chunk's words with this analyzer; Milvus' BM25 function re-derives the sparse vectors."""
        fields = ["id"] + _CHUNK_FIELDS + ["ordinal", "n_tokens", "words", "vector"]
        rows = _query_all(self.client, f"{self.generation}_chunks", "id >= 0", fields)
        self._terms = Counter()
        for row in rows:
            row["words"] = _bm25_words(self.analyzer, searched_text(row["heading_path"], row["text"]))
            self._terms.update(set(row["words"].split()))
        for start in range(0, len(rows), _BATCH):
            self.client.upsert(f"{self.generation}_chunks", [_plain(row) for row in rows[start : start + _BATCH]])

    def document_count(self) -> int:
        return len(self._documents)

    def needs_ivf(self) -> bool:
        return False  # Milvus builds its own index as segments seal; nothing to fit at publish

    def publish(self, manifest: dict) -> dict:
        self._ensure_collections(int(manifest["dimension"]))
        client, generation = self.client, self.generation
        rows = [_catalog_row(generation, f"doc:{doc_id}", record) for doc_id, record in self._documents.items()]
        rows += [_catalog_row(generation, f"skip:{doc_id}", list(value)) for doc_id, value in self._skipped.items()]
        rows += [_catalog_row(generation, f"term:{term}", df) for term, df in self._terms.items() if df > 0]
        _insert(client, CATALOG, rows)
        for suffix in ("_chunks", "_sentences"):
            client.flush(generation + suffix)
        manifest = {
            **manifest,
            "documents": len(self._documents),
            "chunks": self._chunk_count,
            "sentences": self._sentence_count,
            "next_chunk_id": self._next_chunk,
            "next_sentence_id": self._next_sentence,
            "vector_index": {"kind": "milvus", "index": "FLAT" if self.location.is_lite else "HNSW", "store": self.location.store},
            "generation": generation,
        }
        current = published(client, self.location)
        previous = None if current is None else current.generation
        # The switch: one row names the published generation (an upsert of one row is atomic).
        client.upsert(CATALOG, [{"key": self.location.base, "generation": "", "unused": [0.0, 0.0],
                                 "value": json.dumps({"generation": generation, "previous": previous, "manifest": manifest})}])
        self._point_alias(f"{generation}_chunks")
        # The generation before stays for readers that opened it; older ones go.
        if current is not None and current.previous and current.previous != generation:
            drop_generation(client, current.previous)
        self._previous = None
        return manifest

    def _point_alias(self, collection: str) -> None:
        """On a Milvus server, the alias `<base>` follows the published chunks (Milvus Lite has no aliases)."""
        if self.location.is_lite:
            return
        try:
            self.client.alter_alias(collection_name=collection, alias=self.location.base)
        except Exception:
            self.client.create_alias(collection_name=collection, alias=self.location.base)

    def discard(self) -> None:
        try:
            drop_generation(self.client, self.generation)
        except Exception:
            pass  # an unreachable server: the next build removes it (remove_abandoned_generations)


def _bm25_words(analyzer: Analyzer, text: str) -> str:
    """A chunk's stems for Milvus' whitespace tokenizer: each identifier followed by its parts, as
    FTS5 finds "lsb" in "opus_set_lsb_depth"; the term counts read them from here, so they count
    what the local engine's `Analyzer.with_parts` does."""
    return " ".join(word if "_" not in word else " ".join([word, *identifier_parts(word)]) for word in analyzer.indexed_words(text))


def _plain(row: dict) -> dict:
    """A queried row as insertable values (pymilvus returns vectors as numpy-backed lists or arrays)."""
    out = dict(row)
    if "vector" in out:
        out["vector"] = [float(x) for x in out["vector"]]
    return out
