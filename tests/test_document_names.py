"""A question word only a document's file name holds names that document (qa.search.document_names)."""

from qa.analyzer import ENGLISH
from qa.config import RetrievalParams
from qa.records import ChunkRow
from qa.search.document_names import name_stems, name_words
from qa.search.evidence import Evidence, gather
from qa.search.scoring import score
from tests.conftest import make_assistant

LICENCE = (
    "Developed by ESN, an Electronic Arts Inc. studio.\n\n"
    "Numeric decoder derived from the TCL library, https://www.opensource.apple.com/source/tcl/tcl-14/tcl/license.terms\n"
    "The authors hereby grant permission to use, copy, modify, distribute, and license this software.\n"
)


def test_a_file_name_gives_its_words_and_a_readme_its_folders():
    assert name_words("ujson-licence.txt") == ["ujson", "licence"]
    assert name_words("docs/mpl-2.0-licence.txt") == ["mpl", "licence"]  # "2", "0": pieces, not words
    assert name_words("GitPython/README.md") == ["README", "GitPython"]
    assert name_words("README.SMIME") == ["README", "SMIME"]
    assert name_words("README.md.txt") == ["README"]  # an extension is not a note
    assert name_stems(ENGLISH, "ujson-licence.txt") == {"ujson", ENGLISH.stem("licence")}


def test_a_word_only_the_file_name_holds_is_not_a_word_the_corpus_lacks(settings):
    (settings.corpus_dir / "ujson-licence.txt").write_text(LICENCE, encoding="utf-8")
    assistant = make_assistant(settings)
    assistant.build()
    reader = assistant.load()
    question = "Where does the number decoding code in ujson come from?"
    vector = assistant.embedder.embed_batch([question])[0]
    evidence = gather(reader, ENGLISH.normalize_question(question), vector, 20)
    assert "ujson" not in evidence.unseen_terms
    assert evidence.named_by["ujson-licence.txt"] == {"ujson"}
    # Only the words no chunk holds: the default corpus's articles say "report", their file names too.
    assert all(not stems for doc, stems in evidence.named_by.items() if doc != "ujson-licence.txt")
    unrelated = "Where does the number decoding code in simdjson come from?"
    evidence = gather(reader, ENGLISH.normalize_question(unrelated), assistant.embedder.embed_batch([unrelated])[0], 20)
    assert "simdjson" in evidence.unseen_terms


def test_the_passages_of_the_named_document_hold_its_name_for_the_no_answer_call():
    text = LICENCE.split("\n\n")[1].split("\n")[0]
    rows = {1: ChunkRow(1, "ujson-licence.txt", "Ujson licence", 0, len(text), 1, 1, text)}
    question = "Where does the number decoding code in ujson come from?"
    stems = ENGLISH.question_stems(question)
    weights = {stem: 4.0 if stem == "ujson" else 1.5 for stem in stems}

    def ranked(named_by: dict, unseen: frozenset) -> bool:
        evidence = Evidence(question, ENGLISH, 5, (1,), (1,), (1,), rows, {1: 0.5}, {1: ((0.5, 0, len(text)),)}, weights, None,
                            unseen_terms=unseen, corpus_chunks=2000, named_by=named_by)
        return score(evidence, RetrievalParams(), 5).no_answer

    # "ujson" as a word no chunk holds counts against the licence's passage, and refuses it...
    assert ranked({}, frozenset({"ujson"}))
    # ...but the passage is the file the question names: it holds the word for the reader.
    assert not ranked({"ujson-licence.txt": frozenset({"ujson"})}, frozenset())
