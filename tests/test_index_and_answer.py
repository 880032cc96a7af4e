import json
import os
from dataclasses import replace

import pytest

from qa.errors import IndexCorruptError, IndexMismatchError, IndexMissingError
from qa.index.generations import CURRENT_FILE, FORMAT_VERSION, current_generation
from qa.index.local import open_index
from qa.render import answer_to_dict
from tests.conftest import make_assistant
from tests.fakes import FakeEmbedder


def test_build_reports_documents_chunks_and_writes_one_generation(settings):
    report = make_assistant(settings).build()
    assert report.documents == 3
    assert report.chunks > 10
    index = open_index(settings.index_dir)
    assert index.manifest["model_id"] == FakeEmbedder.model_id
    assert index.manifest["chunker"] == {"max_tokens": 96, "overlap_tokens": 24}
    assert index.manifest["format_version"] == FORMAT_VERSION
    assert len(index.vectors) == report.chunks
    assert [p.name for p in settings.index_dir.iterdir() if p.name.startswith("gen-")] == [index.generation.name]


def test_answer_cites_exact_text_lines_and_highlight(assistant, settings, monkeypatch):
    monkeypatch.chdir(settings.corpus_dir.parent)
    answer = assistant.ask("Which magazine does the group publish in English?")
    assert not answer.no_answer
    top = answer.passages[0]
    assert "Voice of Khurasan" in top.text
    assert "magazine" in top.highlight
    for passage in answer.passages:
        data = answer_to_dict(answer)["passages"][passage.rank - 1]
        with open(data["path"], encoding="utf-8") as handle:
            content = handle.read()
        assert data["text"] == content[data["char_start"] : data["char_end"]]
        assert data["highlight"] in data["text"]
        assert data["start_line"] == content.count("\n", 0, data["char_start"]) + 1
        assert data["end_line"] == content.count("\n", 0, data["char_end"] - 1) + 1
    assert [p.rank for p in answer.passages] == list(range(1, len(answer.passages) + 1))
    assert len(answer.passages) == 5


def test_unrelated_question_is_no_answer_with_only_weak_passages(assistant):
    answer = assistant.ask("How many moons does Jupiter have?")
    assert answer.no_answer
    assert all(p.weak for p in answer.passages)


def test_passages_come_from_more_than_one_document_when_both_are_relevant(assistant):
    answer = assistant.ask("Islamic State Khorasan attacks Taliban Afghanistan")
    assert len({p.doc_id for p in answer.passages}) >= 2


def test_k_limits_the_passages(assistant):
    assert len(assistant.ask("Taliban", k=2).passages) == 2


def test_the_same_question_gives_the_same_answer(assistant, settings):
    again = make_assistant(settings)
    first = json.dumps(answer_to_dict(assistant.ask("Who does IS-KP target?")))
    assert first == json.dumps(answer_to_dict(again.ask("Who does IS-KP target?")))


def test_missing_index_is_a_clear_error(settings):
    with pytest.raises(IndexMissingError, match="run `qa index`"):
        make_assistant(settings).ask("anything")


def test_an_index_from_another_model_is_never_mixed(assistant, settings):
    class OtherModel(FakeEmbedder):
        model_id = "other-model@2"

    other = make_assistant(settings, OtherModel())
    with pytest.raises(IndexMismatchError, match="built with model fake-embedder@1"):
        other.ask("Taliban")


def test_an_index_with_other_chunker_settings_is_never_mixed(assistant, settings):
    changed = replace(settings, chunker=replace(settings.chunker, max_tokens=64))
    with pytest.raises(IndexMismatchError, match="chunker settings"):
        make_assistant(changed).ask("Taliban")


def test_a_failed_build_leaves_the_previous_index_current(assistant, settings):
    before = current_generation(settings.index_dir)

    class Exploding(FakeEmbedder):
        def embed_batch(self, texts):
            raise RuntimeError("killed mid-embedding")

    with pytest.raises(RuntimeError):
        make_assistant(settings, Exploding()).build()
    assert current_generation(settings.index_dir) == before
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".building")]
    assert make_assistant(settings).ask("Taliban").passages


def test_a_garbage_vector_file_is_reported_with_the_fix(assistant, settings):
    generation = current_generation(settings.index_dir)
    (generation / "vectors.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(IndexCorruptError, match="run `qa index`"):
        make_assistant(settings).ask("Taliban")


def test_a_damaged_pointer_is_reported(assistant, settings):
    (settings.index_dir / CURRENT_FILE).write_text("../../etc\n")
    with pytest.raises(IndexCorruptError):
        make_assistant(settings).ask("Taliban")


def test_status_reports_added_changed_and_removed_files(assistant, settings):
    assert assistant.status().up_to_date
    corpus = settings.corpus_dir
    (corpus / "new.txt").write_text("A new report\n\nSomething new.\n", encoding="utf-8")
    (corpus / "notes" / "bread.md").write_text("# Baking notes\n\nChanged text.\n", encoding="utf-8")
    os.remove(corpus / "islamic-state-in-afghanistan-threat-in-retreat.txt")
    changes = assistant.status().changes
    assert changes.added == ("new.txt",)
    assert changes.changed == ("notes/bread.md",)
    assert changes.removed == ("islamic-state-in-afghanistan-threat-in-retreat.txt",)
    assert not assistant.status().up_to_date


def test_touching_a_file_without_changing_it_is_not_a_change(assistant, settings):
    path = settings.corpus_dir / "notes" / "bread.md"
    os.utime(path, ns=(1, 1))
    assert assistant.status().up_to_date


def test_the_corpus_is_never_written(settings):
    def snapshot():
        return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(settings.corpus_dir.rglob("*")) if p.is_file()}

    before = snapshot()
    assistant = make_assistant(settings)
    assistant.build()
    assistant.ask("What is the ideology of IS-KP?")
    assert snapshot() == before


def test_ask_with_a_search_text_keeps_the_question_and_retrieves_for_the_search_text(assistant):
    plain = assistant.ask("What should be done about it?")
    searched = assistant.ask("What should be done about it?", search_text="Sourdough bread starter What should be done about it?")
    assert searched.question == "What should be done about it?"
    assert searched.passages[0].doc_id == "notes/bread.md"
    assert plain.passages[0].doc_id != "notes/bread.md"


def test_conversation_markdown_numbers_citations_and_names_the_follow_up_search(assistant):
    from qa.render import citation, heading_trail, render_conversation_markdown

    first = assistant.ask("When did IS-KP announce its formation?", k=2)
    second = assistant.ask("Who pushed them out?", k=2, search_text="IS-KP Who pushed them out?")
    text = render_conversation_markdown([(first, None), (second, "IS-KP Who pushed them out?")])
    assert text.startswith("# qa conversation\n\n## When did IS-KP announce its formation?\n")
    follow_up = text[text.index("## Who pushed them out?") :]
    assert follow_up.startswith("## Who pushed them out?\n\n_Searched for: IS-KP Who pushed them out?_\n\n")
    assert "\n[1] " in follow_up
    assert f"[2] {heading_trail(first.passages[1])} — `{citation(first.passages[1])}`" in text
    assert first.passages[1].heading_path and f" › {first.passages[1].heading_path} — " in text
    assert f"**{first.passages[0].highlight}**" in text


def test_rebuilding_twice_within_a_second_in_one_process_works(assistant, settings):
    assistant.build()  # the fixture built one a moment ago: same second, same pid
    assistant.build()
    generations = [p.name for p in settings.index_dir.glob("gen-*")]
    assert len(generations) == 1
    assert assistant.ask("When did IS-KP announce its formation?").passages


def test_an_answer_whose_passages_lack_evidence_as_a_whole_is_no_answer(assistant, settings):
    question = "Which magazine does the group publish in English?"
    assert not assistant.ask(question).no_answer
    strict = make_assistant(replace(settings, retrieval=replace(settings.retrieval, min_evidence=5.0)))
    answer = strict.ask(question)  # same index, same passages: only the evidence bar moved
    assert answer.no_answer
    assert answer.passages and all(p.weak for p in answer.passages)


def test_evidence_is_the_best_cosine_scaled_by_the_best_word_shares():
    from qa.config import RetrievalParams
    from qa.search.scoring import Candidate, lacks_evidence
    from qa.records import ChunkRow

    def candidate(relevance, share, sentence_share):
        return Candidate(
            ChunkRow(1, "a.txt", "t", 0, 1, 1, 1, "x"), 0.0, relevance, relevance, (0, 1),
            word_share=share, sentence_share=sentence_share,
        )

    params = RetrievalParams(word_weight=1.0, sentence_word_weight=2.0, coverage_weight=0.0, min_evidence=1.08)
    # On the subject (cosine 0.5) but holding few of the question's words: 0.5 x (1 + 0.2 + 2 x 0.1) = 0.7, no answer.
    assert lacks_evidence([candidate(0.5, 0.2, 0.1), candidate(0.3, 0.3, 0.1)], params)
    # The same cosine with the question's words in one sentence: 0.5 x (1 + 0.6 + 2 x 0.5) = 1.3.
    assert not lacks_evidence([candidate(0.5, 0.6, 0.5)], params)
    # The best cosine and the best shares may come from different passages.
    assert not lacks_evidence([candidate(0.5, 0.2, 0.1), candidate(0.3, 0.6, 0.5)], params)
    # Words scale the cosine: a passage far in meaning does not pass on shared words alone (0.25 x 4 = 1.0).
    assert lacks_evidence([candidate(0.25, 1.0, 1.0)], params)


def test_evidence_names_the_question_words_no_chunk_holds(assistant):
    from qa.search.evidence import gather

    reader = assistant.load()
    question = "When did the group lose its zeppelin bakery?"
    evidence = gather(reader, question, assistant.embedder.embed_batch([question])[0], 10)
    assert {"zeppelin", "bakeri"} <= evidence.unseen_terms
    assert "group" not in evidence.unseen_terms and "group" in evidence.term_weights
    assert " " not in evidence.term_weights  # the probe for the unseen weight is not a question word
    assert evidence.type_stems == frozenset()
    question = "In what year did the group form?"
    assert gather(reader, question, assistant.embedder.embed_batch([question])[0], 10).type_stems == {"year"}


def test_the_corpus_size_unseen_words_count_by_is_the_chunks_the_term_weights_count_over(assistant):
    import math

    from qa.search.evidence import gather
    from qa.search.lexical import unseen_word_count

    reader = assistant.load()
    question = "When did the group lose its zeppelin bakery?"
    evidence = gather(reader, question, assistant.embedder.embed_batch([question])[0], 10)
    chunks = reader.manifest["chunks"]
    # The size the IDF of a word no chunk holds was computed over: log(1 + chunks / 0.5).
    assert evidence.corpus_chunks == chunks
    assert max(evidence.term_weights[t] for t in evidence.unseen_terms) == pytest.approx(math.log(1 + chunks / 0.5))
    assert unseen_word_count(evidence.corpus_chunks, evidence.unseen_terms, chunks) == pytest.approx(1.0)
    assert unseen_word_count(evidence.corpus_chunks, evidence.unseen_terms, 4 * chunks) == pytest.approx(0.25)
    assert unseen_word_count(evidence.corpus_chunks, frozenset(), chunks) == 0.0


def test_a_paraphrase_in_words_the_corpus_lacks_is_not_refused_for_them():
    from qa.config import RetrievalParams
    from qa.records import ChunkRow
    from qa.search.scoring import Candidate, lacks_evidence

    passage = Candidate(ChunkRow(1, "a.txt", "t", 0, 1, 1, 1, "x"), 0.0, 0.42, 0.42, (0, 1), word_share=1.0, sentence_share=0.6)
    params = RetrievalParams()
    # The passage holds every word of the question the (small) corpus knows; a third of the question's weight is unseen.
    assert not lacks_evidence([passage], params, coverage=0.3)
    # A question none of whose words the corpus holds, answered by nothing close: refused.
    far = replace(passage, similarity=0.2, sentence_similarity=0.2, word_share=0.0, sentence_share=0.0)
    assert lacks_evidence([far], params, coverage=0.0)
