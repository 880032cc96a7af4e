"""A question that points at a subject it never names asks about what the reader is reading.

"Is it willing to make deals with non-believers?", asked of two articles on IS-KP, means
IS-KP: a reader asks as if talking about the documents in front of them. The model reads the
question without its subject while every passage is read under its document's title (the
heading path leads each chunk's text, `records.embedded_text`), so the passage that answers
came out at cosine 0.15-0.25 and the question was refused. Read under the title as the
passages are ("The Shadow Caliphate: ... . Is it willing to ..."), the same passage comes out
at about 0.5.

Only the no-answer call and the `min_similarity` floor read these cosines (through
`Candidate.relevance`): ranking stays on the question as asked, because a title read into a
question lifts every passage of its document alike, and ranking on it moved passages of the
real-document sets both ways. A question that names its subject ("Does mtasim deliver the
messages I send to it?", "Is it safe to use libtasn1 from several threads?") in a word of a
found document's title or file name is not read again: reading it under other documents' titles
answered the libtasn1 question from them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qa.analyzer import ENGLISH, Analyzer
from qa.index.protocols import IndexReader, best_sentence_cosine
from qa.records import ChunkRow, embedded_text
from qa.search.conversation import names_nothing_it_points_at
from qa.search.document_names import DOCUMENTS_READ, found_documents, name_stems, title_terms

Embed = Callable[[list[str]], np.ndarray]


def subject_similarities(
    reader: IndexReader,
    analyzer: Analyzer,
    question: str,
    question_stems: set[str],
    rows: dict[int, ChunkRow],
    ranked: list[int],
    embed: Embed,
) -> dict[int, float]:
    """Each gathered chunk's best cosine (chunk or sentence) with `question` read under its
    document's title, for the first `DOCUMENTS_READ` documents of `ranked`, when no gathered
    document's title or file name shares a word with the question; {} when the question names
    what it points at (the usual case)."""
    if not names_nothing_it_points_at(ENGLISH.tokens(question)):
        return {}
    titles = found_documents(rows, ranked)
    if any((title_terms(analyzer, title) | name_stems(analyzer, doc)) & question_stems for doc, title in titles.items()):
        return {}  # it names a document it asks about: "Is it safe to use libtasn1 from threads?"
    unnamed = list(titles)[:DOCUMENTS_READ]
    if not unnamed:
        return {}
    vectors = embed([embedded_text(titles[doc], question) for doc in unnamed])
    similarity: dict[int, float] = {}
    for doc, vector in zip(unnamed, vectors):
        ids = [chunk_id for chunk_id, row in rows.items() if row.doc_id == doc]
        chunks = reader.chunk_similarities(vector, ids)
        sentences = reader.sentence_similarities(vector, ids)
        for chunk_id in ids:
            similarity[chunk_id] = max(chunks.get(chunk_id, -1.0), best_sentence_cosine(sentences.get(chunk_id, ())))
    return similarity
