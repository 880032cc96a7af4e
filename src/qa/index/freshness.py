"""Has the corpus changed since the index was built?

Cheap first: a file whose size and mtime match the index is taken as unchanged;
only files whose size or mtime moved are hashed, so a touched but identical file
is not reported as changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.loader import document_id, list_corpus_files, parent_document_id
from qa.ingest.version import reading_version
from qa.records import DocumentRow


@dataclass(frozen=True)
class CorpusChanges:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...] = ()
    # Same bytes, new size/mtime record: (doc_id, size, mtime_ns). Not a change,
    # but worth recording so the file is not hashed on every check.
    touched: tuple[tuple[str, int, int], ...] = ()
    # Every file is read again: this version of qa reads files otherwise than the one that built the index.
    reread: bool = False

    @property
    def up_to_date(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        if self.reread:
            return f"this version of qa reads files better: all {len(self.added) + len(self.changed)} read again"
        parts = [f"{len(ids)} {label}" for label, ids in (("added", self.added), ("changed", self.changed), ("removed", self.removed)) if ids]
        return ", ".join(parts) or "no changes"


def with_reading(changes: CorpusChanges, manifest: dict, present: dict[str, Path]) -> CorpusChanges:
    """`changes`, with every file of the corpus to be read again when the index was built by other
    reading code (`qa.ingest.version`): an upgrade's reading fixes then reach an index built before
    it. Files skipped as unreadable are tried again too; a mail's attachments go with their mail."""
    if manifest.get("reading") == reading_version():
        return changes
    listed = set(changes.added) | set(changes.changed) | set(changes.unchanged)
    files = tuple(doc_id for doc_id in changes.unchanged if parent_document_id(doc_id) == doc_id)
    attachments = tuple(doc_id for doc_id in changes.unchanged if parent_document_id(doc_id) != doc_id)
    skipped = tuple(doc_id for doc_id in present if doc_id not in listed)
    return CorpusChanges(
        added=changes.added + skipped, changed=changes.changed + files, removed=changes.removed + attachments, reread=True
    )


def walk_corpus(corpus_dir: Path) -> dict[str, Path]:
    """Every supported file of the corpus by document id: one walk, shared by whatever a command does next.

    Raises:
        CorpusError: the folder does not exist or is not a folder.
    """
    return {document_id(corpus_dir, path): path for path in list_corpus_files(corpus_dir)}


def find_changes(
    corpus_dir: Path, indexed: list[DocumentRow], skipped: dict[str, tuple], present: dict[str, Path] | None = None
) -> CorpusChanges:
    """Compare the corpus folder (as `walk_corpus` found it, or walked now) with the documents in the index.

    `skipped` maps files the index could not read to their (size, mtime_ns)
    then: such a file counts as added again only once it has changed, so a
    permanently unreadable file does not make the index look stale forever.
    """
    known = {row.doc_id: row for row in indexed}
    if present is None:
        present = walk_corpus(corpus_dir)
    added, changed, unchanged, touched = [], [], [], []
    # A mail's attachments are documents without a file of their own: they go with their mail.
    attachments = [doc_id for doc_id in known if parent_document_id(doc_id) != doc_id]
    for doc_id in attachments:
        known.pop(doc_id)
    for doc_id, path in present.items():
        row = known.get(doc_id)
        if row is None:
            if doc_id not in skipped or file_stat(path) != tuple(skipped[doc_id]):
                added.append(doc_id)
            continue
        try:
            stat = path.stat()
            if stat.st_size == row.size and stat.st_mtime_ns == row.mtime_ns:
                unchanged.append(doc_id)
                continue
            if stat.st_size == row.size and hashlib.sha256(path.read_bytes()).hexdigest() == row.content_hash:
                unchanged.append(doc_id)
                touched.append((doc_id, stat.st_size, stat.st_mtime_ns))
                continue
        except OSError:
            pass  # unreadable now: it differs from what was indexed
        changed.append(doc_id)
    removed = [doc_id for doc_id in known if doc_id not in present]
    # Read again with a changed mail, gone with a removed one; else unchanged like their mail.
    stale = set(changed) | set(removed)
    for doc_id in attachments:
        parent = parent_document_id(doc_id)
        (removed if parent in stale or parent not in present else unchanged).append(doc_id)
    return CorpusChanges(tuple(added), tuple(changed), tuple(removed), tuple(unchanged), tuple(touched))


def file_stat(path: Path) -> tuple[int | None, int | None]:
    """(size, mtime_ns) of a file, or (None, None) when it cannot be read: what freshness compares."""
    try:
        stat = path.stat()
    except OSError:
        return (None, None)
    return (stat.st_size, stat.st_mtime_ns)
