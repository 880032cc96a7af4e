"""A question pointing at a subject it never names is read under its documents' titles
(qa.search.unnamed_subject); the real-model check is tests/test_reader_questions.py's
"Where do the members of its foreign cells often come from?"."""

import numpy as np

from qa.analyzer import ENGLISH
from qa.config import RetrievalParams
from qa.records import ChunkRow
from qa.search.conversation import names_nothing_it_points_at
from qa.search.scoring import Candidate, lacks_evidence
from qa.search.unnamed_subject import DOCUMENTS_READ, subject_similarities

TITLES = {
    "caliphate.txt": "The Shadow Caliphate: Islamic State Khorasan",
    "retreat.txt": "A Jihadist Threat in Retreat?",
    "mtasim.html": "mtasim — a testing tool for mailfromd",
    "vulture-README.md": "Finding dead code",  # the file name says vulture, the title does not
}


def row(chunk_id: int, doc_id: str) -> ChunkRow:
    return ChunkRow(chunk_id, doc_id, TITLES.get(doc_id, doc_id), 0, 10, 1, 1, "some text")


class Reader:
    """Cosines by chunk, the same for every vector: what the test checks is which chunks are read."""

    def __init__(self, chunk: dict[int, float], sentence: dict[int, float]):
        self.chunk, self.sentence = chunk, sentence

    def chunk_similarities(self, vector, chunk_ids):
        return {c: self.chunk[c] for c in chunk_ids}

    def sentence_similarities(self, vector, chunk_ids):
        return {c: ((self.sentence[c], 0, 4),) for c in chunk_ids}


class Embed:
    def __init__(self):
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return np.ones((len(texts), 4), dtype=np.float32)


def similarities(question: str, rows: dict[int, ChunkRow], reader: Reader, embed: Embed) -> dict[int, float]:
    stems = set(ENGLISH.question_stems(question))
    return subject_similarities(reader, ENGLISH, question, stems, rows, list(rows), embed)


def tokens(question: str) -> list[str]:
    return ENGLISH.tokens(question)


def test_a_pronoun_with_nothing_named_points_at_the_documents():
    assert names_nothing_it_points_at(tokens("Is it willing to make deals with non-believers?"))
    assert names_nothing_it_points_at(tokens("Where do the members of its foreign cells often come from?"))
    assert not names_nothing_it_points_at(tokens("When did IS-KP announce its formation?"))
    assert not names_nothing_it_points_at(tokens("How do I merge one git branch into another?"))  # no pronoun
    # "their" and "these" point back inside the question more often than at the documents
    assert not names_nothing_it_points_at(tokens("What two other rulers had their graves hidden under a river?"))
    assert not names_nothing_it_points_at(tokens("Where are these dams located?"))


def test_the_question_is_read_under_each_document_title_as_passages_are():
    rows = {1: row(1, "caliphate.txt"), 2: row(2, "retreat.txt"), 3: row(3, "caliphate.txt")}
    reader, embed = Reader({1: 0.5, 2: 0.3, 3: 0.1}, {1: 0.4, 2: 0.45, 3: 0.2}), Embed()
    got = similarities("Is it willing to make deals with non-believers?", rows, reader, embed)
    assert embed.texts == [
        "The Shadow Caliphate: Islamic State Khorasan. Is it willing to make deals with non-believers?",
        "A Jihadist Threat in Retreat? Is it willing to make deals with non-believers?",
    ]
    assert got == {1: 0.5, 2: 0.45, 3: 0.2}  # each chunk's best of its own and its sentences' cosines


def test_a_question_that_names_its_subject_is_not_read_again():
    rows = {1: row(1, "caliphate.txt")}
    embed = Embed()
    assert similarities("When did IS-KP announce its formation?", rows, Reader({1: 0.5}, {1: 0.5}), embed) == {}
    assert embed.texts == []


def test_a_question_naming_a_document_in_its_title_or_file_name_is_not_read_again():
    reader = Reader({1: 0.5, 2: 0.5}, {1: 0.5, 2: 0.5})
    for named in (row(1, "mtasim.html"), row(1, "vulture-README.md")):  # "mailfromd" in the title; "vulture" in the file name
        embed = Embed()
        got = similarities("Does it keep the mailfromd messages vulture sends it?", {1: named, 2: row(2, "retreat.txt")}, reader, embed)
        assert got == {} and embed.texts == []
    # Neither named: both read.
    embed = Embed()
    assert set(similarities("Does it keep the messages it is sent?", {1: row(1, "mtasim.html"), 2: row(2, "retreat.txt")}, reader, embed)) == {1, 2}


def test_only_the_first_documents_ranked_are_read():
    rows = {i: row(i, f"doc{i}.txt") for i in range(DOCUMENTS_READ + 2)}
    embed = Embed()
    reader = Reader({i: 0.1 for i in rows}, {i: 0.1 for i in rows})
    got = similarities("What makes it so hard to follow and track?", rows, reader, embed)
    assert set(got) == set(range(DOCUMENTS_READ)) and len(embed.texts) == DOCUMENTS_READ


def test_the_cosine_in_context_counts_as_the_passage_relevance_in_the_no_answer_call():
    passage = ChunkRow(1, "caliphate.txt", TITLES["caliphate.txt"], 0, 10, 1, 1, "some text")
    alone = Candidate(passage, 1.0, 0.15, 0.15, (0, 4), word_share=0.6, sentence_share=0.4)
    in_context = Candidate(passage, 1.0, 0.15, 0.15, (0, 4), word_share=0.6, sentence_share=0.4, subject_similarity=0.5)
    assert in_context.relevance == 0.5
    params = RetrievalParams()
    assert lacks_evidence([alone], params, coverage=1.0)
    assert not lacks_evidence([in_context], params, coverage=1.0)
