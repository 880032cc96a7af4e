"""The first stage of retrieval: gather what the index says about a question.

`gather` asks the index everything scoring will read, once: three rankings
(chunk vectors: what a passage is about; sentence vectors: the one sentence that
says it, which a long chunk's vector blurs; BM25: exact names and rare words the
model does not know), the cosines, rows and sentences of every chunk they
rank, and the question's term weights. None of it depends on `RetrievalParams`,
so the tuning script gathers once per question and scores many settings on it
with the same `score` `qa ask` uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.analyzer import Analyzer
from qa.errors import EmptyScopeError
from qa.index.protocols import IndexReader, SentenceScore, best_sentence_cosine
from qa.records import ChunkRow
from qa.search.answer_types import expected_answer, type_words
from qa.search.document_names import name_stems
from qa.search.lexical import weights_and_unseen
from qa.search.named_subject import named_documents
from qa.search.names import missing_compounds, missing_names, spelled_out_stems
from qa.search.options import question_options
from qa.search.scope import EVERYTHING, Scope
from qa.search.source_texts import SourceTexts
from qa.search.spelling import other_forms
from qa.search.unnamed_subject import Embed, subject_similarities
from qa.search.word_alignment import ReadTokens

# BM25 runs here beside the vector searches. One pool for the process: starting a thread
# per question was a millisecond of each (a twentieth of a batch question's time).
_BESIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="qa-lexical")


@dataclass(frozen=True)
class Evidence:
    """What the index holds about one question, down to `depth` in each ranking."""

    question: str  # the text searched (normalised)
    analyzer: Analyzer
    depth: int
    dense: tuple[int, ...]  # chunk ids by chunk-vector cosine, best first
    by_sentence: tuple[int, ...]  # chunk ids by their best sentence's cosine
    lexical: tuple[int, ...]  # chunk ids by BM25
    rows: dict[int, ChunkRow]  # every chunk any ranking holds
    similarity: dict[int, float]  # cosine of the question with each of those chunks
    sentences: dict[int, tuple[SentenceScore, ...]]  # each chunk's answer-candidate sentences with their cosines
    term_weights: dict[str, float]  # IDF of the question's stems
    wanted: str | None  # the kind of answer the question asks for ("time", "number", "version"), if its form says
    scope: Scope = EVERYTHING  # the documents every ranking was searched in
    unseen_terms: frozenset[str] = frozenset()  # the question's stems no chunk of the corpus holds
    corpus_chunks: int = 0  # chunks in the index: what the term weights' IDF counts over
    type_stems: frozenset[str] = frozenset()  # stems of the words naming the kind of answer ("year" in "in what year")
    # stems of the question's acronyms the corpus writes only in full ("epl": "Eclipse Public License")
    spelled_stems: frozenset[str] = frozenset()
    sources: SourceTexts | None = None  # the documents' texts, to show neighbouring chunks as one passage
    options: frozenset[str] = frozenset()  # the command-line options the question names ("-x")
    missing_names: tuple[str, ...] = ()  # the names the question uses that no chunk holds in any form ("SMTPUTF8")
    # each gathered document's file-name stems no chunk holds ("ujson" of ujson-licence.txt): words its passages hold for a reader
    named_by: dict[str, frozenset[str]] = field(default_factory=dict)
    # cosines of the question read under its chunk's document title, when it points at a subject it never names (`unnamed_subject`)
    subject_similarity: dict[int, float] = field(default_factory=dict)
    # (dense, by_sentence) as the question as asked ranks them, when a named document's passages
    # are ranked by the question without its name (`named_subject`): the no-answer call reads both
    as_asked: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    # the model's token states of texts, when it gives them: the first passages are read word by
    # word with them to order them (`word_alignment`)
    read_tokens: ReadTokens | None = field(default=None, compare=False, repr=False)

    @property
    def expected_weights(self) -> dict[str, float]:
        """The term weights of the words an answer is expected to say: all but those naming the
        kind of answer ("year" in "in what year": the answer says 1993) and the acronyms the corpus
        writes in full ("the EPL": the licence says "Eclipse Public License")."""
        return {term: weight for term, weight in self.term_weights.items() if term not in self.type_stems | self.spelled_stems}

    def sentence_similarity(self, chunk_id: int) -> float:
        """The best cosine of the question with one of the chunk's sentences (-1 when it has none)."""
        return best_sentence_cosine(self.sentences[chunk_id])


def gather(
    reader: IndexReader,
    question: str,
    vector: np.ndarray,
    depth: int,
    scope: Scope = EVERYTHING,
    corpus_dir: Path | None = None,
    embed: Embed | None = None,
    read_tokens: ReadTokens | None = None,
) -> Evidence:
    """Evidence for `question` (already normalised), whose embedding is `vector`, from the
    documents of `scope` only: each search filters inside itself, so every ranking
    still reaches `depth` passages of the scope when it holds them. With `corpus_dir`,
    the documents' texts can be read to join neighbouring chunks (`SourceTexts`). With `embed`
    (the model that made `vector`), a question pointing at a subject it never names is also read
    under its documents' titles (`unnamed_subject`). With `read_tokens` (the same model's token
    states), scoring reads the first passages word by word to order them (`word_alignment`).

    Chunks a ranking returns but the index no longer holds (a concurrent update
    removed them) are left out of every ranking.

    Raises:
        EmptyScopeError: the scope matches no document of the index.
    """
    analyzer = reader.analyzer
    within = None
    if not scope.is_everything:
        within = reader.select(scope)
        if within.documents == 0:
            raise EmptyScopeError(
                f"no document matches the scope ({scope.describe()}); the corpus has "
                f"{reader.manifest.get('documents', len(reader.documents()))} documents: "
                "widen the scope or leave it out (`qa status` lists each document's date and where it came from)"
            )
    stems = respelled(reader, analyzer, question, analyzer.question_stems(question))
    # BM25 needs no vector and was a third of a question's time at a million chunks: it
    # runs on another thread while the vector side searches (SQLite and FAISS release the GIL).
    lexical_job = _BESIDE.submit(reader.lexical_search, stems, depth, within)
    dense = reader.dense_search(vector, depth, within)
    by_sentence = reader.sentence_search(vector, depth, within)
    lexical = lexical_job.result()
    ids = list(dict.fromkeys([chunk_id for chunk_id, _ in dense] + by_sentence + lexical))
    rows = reader.chunks(ids)
    similarity = {chunk_id: cosine for chunk_id, cosine in dense}
    similarity.update(reader.chunk_similarities(vector, [c for c in ids if c not in similarity and c in rows]))
    present = [c for c in ids if c in rows]
    sentences = reader.sentence_similarities(vector, present)
    dense_order = [c for c, _ in dense if c in rows]
    sentence_order = [c for c in by_sentence if c in rows]
    as_asked = None
    if embed is not None:
        named = named_documents(analyzer, question, rows, present)
        if named:
            as_asked = (tuple(dense_order), tuple(sentence_order))
            dense_order, sentence_order = _read_without_names(
                reader, named, embed, vector, depth, rows, similarity, sentences, dense_order, sentence_order
            )
    weights, unseen_terms = weights_and_unseen(reader, set(stems))
    documents = {row.doc_id for row in rows.values()}
    # A word no chunk holds that a found document's file name does names that document (`document_names`).
    named_by = {}
    if unseen_terms:
        named_by = {doc_id: name_stems(analyzer, doc_id) & unseen_terms for doc_id in documents}
    unseen_terms -= frozenset().union(*named_by.values())
    spelled = spelled_out_stems(analyzer, question, unseen_terms, _texts_and_titles(rows)) if unseen_terms else frozenset()
    unseen_terms -= spelled
    in_subject = {}
    if embed is not None:
        in_subject = subject_similarities(reader, analyzer, question, set(stems), rows, ids, embed)
    return Evidence(
        question=question,
        analyzer=analyzer,
        depth=depth,
        dense=tuple(dense_order),
        by_sentence=tuple(sentence_order),
        lexical=tuple(c for c in lexical if c in rows),
        rows=rows,
        similarity=similarity,
        sentences=sentences,
        term_weights=weights,
        wanted=expected_answer(question),
        scope=scope,
        unseen_terms=unseen_terms,
        corpus_chunks=int(reader.manifest.get("chunks", 0)),
        type_stems=frozenset(stem for word in type_words(question) for stem in analyzer.stems(word)),
        spelled_stems=spelled,
        sources=SourceTexts(reader, corpus_dir) if corpus_dir is not None else None,
        options=question_options(question),
        missing_names=tuple(dict.fromkeys(
            (missing_names(reader, analyzer, question, unseen_terms) if unseen_terms else ())
            + missing_compounds(reader, analyzer, question, _texts_and_titles(rows), documents)
        )),
        named_by=named_by,
        subject_similarity=in_subject,
        as_asked=as_asked,
        read_tokens=read_tokens,
    )


def _read_without_names(
    reader: IndexReader,
    named: dict[str, str],
    embed: Embed,
    vector: np.ndarray,
    depth: int,
    rows: dict[int, ChunkRow],
    similarity: dict[int, float],
    sentences: dict[int, tuple[SentenceScore, ...]],
    dense: list[int],
    by_sentence: list[int],
) -> tuple[list[int], list[int]]:
    """The two vector rankings again, each named document's passages placed by the question
    without its name (`named_subject`): its nearest chunks and sentences are searched for again
    and join `rows` (their cosines with the question as asked join `similarity` and `sentences`).

    Only the rankings read the question without the name. The cosines that choose a passage's
    sentence and make the no-answer call stay the question's as asked: read without the name,
    16 more answerable questions of the 40 sets were refused."""
    ranked_by: dict[int, float] = {}
    ranked_by_sentence: dict[int, float] = {}
    for doc_id, reread in zip(named, embed(list(named.values()))):  # each question without a name, embedded
        within = reader.select(Scope(paths=(doc_id,)))
        found = [c for c, _ in reader.dense_search(reread, depth, within)]
        found_by_sentence = reader.sentence_search(reread, depth, within)
        new = [c for c in dict.fromkeys(found + found_by_sentence) if c not in rows]
        rows.update(reader.chunks(new))
        new = [c for c in new if c in rows]
        similarity.update(reader.chunk_similarities(vector, new))
        sentences.update(reader.sentence_similarities(vector, new))
        dense += [c for c in found if c in rows and c not in dense]
        by_sentence += [c for c in found_by_sentence if c in rows and c not in by_sentence]
        ids = [c for c, row in rows.items() if row.doc_id == doc_id]
        ranked_by.update(reader.chunk_similarities(reread, ids))
        ranked_by_sentence.update({c: best_sentence_cosine(s) for c, s in reader.sentence_similarities(reread, ids).items()})
    dense = sorted(dense, key=lambda c: -ranked_by.get(c, similarity.get(c, -1.0)))[:depth]
    by_sentence = sorted(by_sentence, key=lambda c: -ranked_by_sentence.get(c, best_sentence_cosine(sentences.get(c, ()))))[:depth]
    return dense, by_sentence


def _texts_and_titles(rows: dict[int, ChunkRow]) -> Iterator[str]:
    """The gathered passages' documents' titles, each once, and the passages' texts."""
    yield from dict.fromkeys(row.title for row in rows.values())
    yield from (row.text for row in rows.values())


def respelled(reader: IndexReader, analyzer: Analyzer, question: str, stems: list[str]) -> list[str]:
    """`stems`, each of a word the corpus lacks but holds in another form ("libshishi" as
    "shishi", "PDFs" as "PDF": `qa.search.spelling`) replaced by that form's stem."""
    others = {}
    for word, other in other_forms(question).items():
        if analyzer.stem(other) != analyzer.stem(word):
            others[analyzer.stem(word)] = analyzer.stem(other)
    if not others:
        return stems  # most questions: no second look-up
    _, lacking = weights_and_unseen(reader, set(others) | set(others.values()))
    swap = {stem: other for stem, other in others.items() if stem in lacking and other not in lacking}
    return list(dict.fromkeys(swap.get(stem, stem) for stem in stems))
