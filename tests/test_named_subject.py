"""A question naming the document it asks about is ranked, within that document, on the question
without the name (qa.search.named_subject); the real-model figures are in docs/evaluation.md."""

from dataclasses import replace
from pathlib import Path

import pytest

from qa.analyzer import ENGLISH
from qa.config import ChunkerParams, Settings
from qa.search.evidence import gather
from qa.search.named_subject import question_without_name
from tests.conftest import make_assistant


@pytest.mark.parametrize(
    "question, title, doc_id, without",
    [
        ("Can I get or use the source code of the Teradata SQL Driver for Python?", "Teradata SQL Driver for Python",
         "teradatasql-licence.txt", "Can I get or use the source code of the ?"),
        ("Which operating systems has nfstrace been tested on?", "NFSTRACE USER AND DEVELOPER MANUAL", "nfstrace-manual.pdf",
         "Which operating systems has been tested on?"),
        ("Can I still run Proof General 4 under XEmacs?", "Proof General", "proof-general-manual.pdf", "Can I still run 4 under XEmacs?"),
        # One everyday word of the title names nothing: "user" and "manual" are any manual's words.
        ("How does a user open the manual?", "NFSTRACE USER AND DEVELOPER MANUAL", "nfstrace-manual.pdf", None),
        # One title word the file name does not hold names nothing either.
        ("Which Python versions are supported?", "OpenAI Python API library", "openai-README.md", None),
        # Without its name the question would say nothing.
        ("What is Proof General?", "Proof General", "proof-general-manual.pdf", None),
        ("How do I install it?", "Proof General", "proof-general-manual.pdf", None),
    ],
)
def test_the_words_naming_a_document_are_told_from_the_rest(question, title, doc_id, without):
    assert question_without_name(ENGLISH, question, title, doc_id) == without


def test_the_named_documents_passages_are_ranked_by_the_question_without_the_name(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # The title block repeats the product's name, which dominates the question as asked (as
    # all-MiniLM-L6-v2 reads a name); the clause that answers never names it.
    (corpus / "acmewidget-licence.txt").write_text(
        "Acme Widget Licence\n\nAcme Widget source code edition, copyright Acme Widget Makers. Acme Widget is licensed, not sold.\n\n"
        "1. Term\n\nThis agreement lasts until terminated by either party in writing at any time.\n\n"
        "2. Restrictions\n\nYou may not obtain the source code, nor reverse engineer the program.\n",
        encoding="utf-8",
    )
    (corpus / "garden.txt").write_text("Garden Notes\n\nTomatoes need full sun and steady watering in summer.\n", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", model_dir=tmp_path / "no-model",
                        chunker=ChunkerParams(max_tokens=40, overlap_tokens=0))
    assistant = make_assistant(settings)
    assistant.build()
    reader = assistant.load()
    question = "Can I obtain the source code of Acme Widget?"
    vector = assistant.embedder.embed_batch([question])[0]
    evidence = gather(reader, question, vector, 10, embed=assistant.embedder.embed_batch)
    as_asked = gather(reader, question, vector, 10)  # without the model at hand, nothing is read again
    clause = next(c for c, row in evidence.rows.items() if "obtain the source code" in row.text)
    title_block = next(c for c, row in evidence.rows.items() if row.text.startswith("Acme Widget Licence"))
    assert as_asked.dense[0] == as_asked.by_sentence[0] == title_block
    assert evidence.dense[0] == evidence.by_sentence[0] == clause
    # The cosines that choose sentences and make the no-answer call are still the question's as asked.
    assert evidence.similarity == as_asked.similarity
    assert evidence.similarity[title_block] > evidence.similarity[clause]


def test_a_refusal_needs_the_passages_the_question_as_asked_ranks_to_refuse_too():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.records import ChunkRow
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    question = "When does the Acme Widget licence end?"
    answer = "The Acme Widget licence ends when your subscription ends."
    weak = "Tomatoes need full sun."
    rows = {1: ChunkRow(1, "acme-licence.txt", "Acme Widget Licence", 0, len(answer), 1, 1, answer)}
    rows.update({i: ChunkRow(i, f"notes{i}.txt", f"Notes {i}", 0, len(weak), 1, 1, weak) for i in range(2, 8)})
    weights = {stem: 1.0 for stem in ENGLISH.question_stems(question)}
    sentences = {i: ((0.8 if i == 1 else 0.1, 0, len(rows[i].text)),) for i in rows}
    similarity = {i: 0.8 if i == 1 else 0.1 for i in rows}
    without_name = tuple(range(2, 8))  # the rankings as read without the name: the answer is not among them
    evidence = Evidence(question, ENGLISH, 10, without_name, without_name, (), rows, similarity, sentences, weights, None)
    assert score(evidence, RetrievalParams(), 5).no_answer
    as_asked = (tuple(range(1, 8)), tuple(range(1, 8)))
    assert not score(replace(evidence, as_asked=as_asked), RetrievalParams(), 5).no_answer
