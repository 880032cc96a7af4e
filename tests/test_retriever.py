import pytest
from dataclasses import replace

from qa.search.scoring import Candidate, diversify, fuse_rankings
from qa.records import ChunkRow


def test_reciprocal_rank_fusion_adds_weighted_reciprocal_ranks():
    fused = fuse_rankings([([1, 2, 3], 1.0), ([3, 1], 2.0)], rrf_k=10)
    assert fused[1] == pytest.approx(1 / 11 + 2 / 12)
    assert fused[2] == pytest.approx(1 / 12)
    assert fused[3] == pytest.approx(1 / 13 + 2 / 11)


def candidate(chunk_id, doc_id, score, relevance=0.5):
    row = ChunkRow(chunk_id, doc_id, "title", 10 * chunk_id, 10 * chunk_id + 1, 1, 1, "x")  # apart: none shows another's sentence
    return Candidate(row, score, relevance, relevance, (0, 1))


def test_one_document_cannot_fill_every_slot_when_another_is_relevant():
    long_doc = [candidate(i, "long.txt", 1.0 - i / 100) for i in range(6)]
    other = candidate(99, "other.txt", 0.5)
    picked = diversify(long_doc + [other], k=5, per_document=3, min_similarity=0.2)
    # Without the cap the five best chunks would all be long.txt's.
    assert [c.chunk.chunk_id for c in picked] == [0, 1, 2, 3, 99]


def test_a_weak_passage_from_another_document_does_not_displace_relevant_ones():
    long_doc = [candidate(i, "long.txt", 1.0 - i / 100) for i in range(6)]
    weak_other = candidate(99, "other.txt", 0.9, relevance=0.05)
    picked = diversify(long_doc + [weak_other], k=5, per_document=3, min_similarity=0.2)
    assert [c.chunk.chunk_id for c in picked] == [0, 1, 2, 3, 4]


def test_weak_passages_fill_remaining_slots_after_relevant_ones():
    picked = diversify([candidate(1, "a", 0.9, relevance=0.1), candidate(2, "b", 0.3)], k=5, per_document=3, min_similarity=0.2)
    assert [c.chunk.chunk_id for c in picked] == [2, 1]


def test_a_much_weaker_passage_from_another_document_does_not_displace_a_strong_one():
    long_doc = [candidate(i, "long.txt", 1.0 - i / 100) for i in range(6)]
    far = candidate(99, "other.txt", 0.5)  # relevant, but 0.47 below the 4th long.txt passage
    close = candidate(98, "near.txt", 0.90)  # within 0.2 of it
    assert [c.chunk.chunk_id for c in diversify(long_doc + [far], 5, 3, 0.2, margin=0.2)] == [0, 1, 2, 3, 4]
    # near.txt takes the slot long.txt's 5th passage would have had; shown by score.
    assert [c.chunk.chunk_id for c in diversify(long_doc + [far, close], 5, 3, 0.2, margin=0.2)] == [0, 1, 2, 3, 98]


def test_sibling_support_is_the_best_other_chunk_of_the_same_document():
    from qa.search.scoring import sibling_support

    scores = {1: 1.0, 2: 0.6, 3: 0.3, 4: 0.8}
    docs = {1: "a.txt", 2: "a.txt", 3: "a.txt", 4: "b.txt"}
    assert sibling_support(scores, docs) == {1: 0.6, 2: 1.0, 3: 1.0, 4: 0.0}


DOCUMENT = "First sentence here. The answer is cut here. It goes on here. A last sentence."


def span(chunk_id, start, end, score, doc_id="doc.txt", page=None, highlight=None):
    """A candidate for DOCUMENT[start:end], highlighted at `highlight` (document offsets)."""
    lo, hi = highlight or (start, end)
    row = ChunkRow(chunk_id, doc_id, "title", start, end, 1, 1, DOCUMENT[start:end], page=page)
    return Candidate(row, score, 0.5, 0.5, (lo - start, hi - start))


def test_overlapping_neighbours_are_shown_as_one_passage_of_the_stored_text():
    # The chunker repeats "The answer is cut here." in both chunks; the answer's end is only in the second.
    first = span(1, 0, 44, 1.0, highlight=(21, 44))
    second = span(2, 21, 61, 0.9)
    other = span(3, 0, 10, 0.5, doc_id="other.txt")
    picked = diversify([first, second, other], k=2, per_document=3, min_similarity=0.2, max_joined=2)
    assert [c.chunk.chunk_id for c in picked] == [1, 3]  # the join took no slot
    joined = picked[0].chunk
    assert (joined.char_start, joined.char_end) == (0, 61)
    assert joined.text == DOCUMENT[0:61]
    assert joined.text[slice(*picked[0].highlight)] == "The answer is cut here."  # still its own best sentence
    assert picked[0].score == 1.0
    # The no-answer rule weighs its words chunk by chunk, as it was tuned.
    assert picked[0].pieces == (DOCUMENT[0:44], DOCUMENT[21:61])


def test_a_neighbour_ranked_first_widens_backwards():
    second = span(2, 21, 61, 1.0, highlight=(45, 61))
    first = span(1, 0, 44, 0.9)
    joined, _ = diversify([second, first, span(3, 0, 10, 0.5, doc_id="other.txt")], k=2, per_document=3, min_similarity=0.2, max_joined=2)
    assert joined.chunk.text == DOCUMENT[0:61] and joined.chunk.chunk_id == 2
    assert joined.chunk.text[slice(*joined.highlight)] == "It goes on here."


def test_a_joined_passage_highlights_the_sentence_of_the_two_that_answers_better():
    first = replace(span(1, 0, 44, 1.0, highlight=(0, 20)), answer_score=0.4)
    second = replace(span(2, 21, 61, 0.9, highlight=(45, 61)), answer_score=0.7)
    joined, _ = diversify([first, second, span(3, 0, 10, 0.5, doc_id="other.txt")], k=2, per_document=3, min_similarity=0.2, max_joined=2)
    assert joined.chunk.text[slice(*joined.highlight)] == "It goes on here."
    assert joined.score == 1.0  # it still ranks where the first did


def test_chunks_are_not_joined_across_pages_documents_gaps_or_past_the_limit():
    def ids(candidates, max_joined=2):
        return [c.chunk.chunk_id for c in diversify(candidates, k=5, per_document=5, min_similarity=0.2, max_joined=max_joined)]

    assert ids([span(1, 0, 44, 1.0, page=1), span(2, 21, 61, 0.9, page=2)]) == [1, 2]
    assert ids([span(1, 0, 44, 1.0), span(2, 21, 61, 0.9, doc_id="b.txt")]) == [1, 2]
    assert ids([span(1, 0, 20, 1.0), span(2, 21, 44, 0.9)]) == [1, 2]  # touching is not overlapping: the gap is not in either
    assert ids([span(1, 0, 44, 1.0), span(2, 21, 61, 0.9)], max_joined=1) == [1, 2]
    # Two joins at most: the third neighbour takes a slot of its own.
    assert ids([span(1, 0, 44, 1.0), span(2, 21, 61, 0.9), span(3, 45, 78, 0.8)]) == [1, 3]


def test_a_passage_whose_answering_sentence_is_shown_already_takes_no_slot():
    # Two chunks joined already (the most a passage may be); a third overlapping neighbour
    # highlighting a sentence inside them would show that sentence a second time.
    first, second = span(1, 0, 44, 1.0), span(2, 21, 61, 0.9)
    third = span(3, 40, 78, 0.8, highlight=(45, 55))  # inside the joined 0-61
    other = span(4, 0, 10, 0.5, doc_id="other.txt")
    picked = diversify([first, second, third, other], k=3, per_document=3, min_similarity=0.2, max_joined=2)
    assert [c.chunk.chunk_id for c in picked] == [1, 4]
    assert (picked[0].chunk.char_start, picked[0].chunk.char_end) == (0, 61)


def test_a_question_naming_a_documents_title_lifts_its_passages():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    # Two passages alike in every other way: only the second's document is named by the question.
    text = "It reads the settings from a file in your home directory."
    rows = {1: ChunkRow(1, "avrdude.pdf", "AVRDUDE manual", 0, len(text), 1, 1, text),
            2: ChunkRow(2, "black.html", "Black documentation", 0, len(text), 1, 1, text)}
    weights = {ENGLISH.stem("black"): 3.0, ENGLISH.stem("settings"): 1.0}
    evidence = Evidence("Where does Black read its settings?", ENGLISH, 5, (1, 2), (1, 2), (1, 2), rows, {1: 0.5, 2: 0.5},
                        {1: ((0.5, 0, len(text)),), 2: ((0.5, 0, len(text)),)}, weights, None)
    alike = RetrievalParams(title_weight=0.0, title_word_discount=0.0)
    assert [c.chunk.chunk_id for c in score(evidence, alike, 2).candidates][0] == 1  # ties: by rank
    assert [c.chunk.chunk_id for c in score(evidence, RetrievalParams(title_weight=0.3), 2).candidates][0] == 2


def test_a_sentence_repeating_the_documents_name_does_not_outrank_the_one_that_answers():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    named = "See the Shared MIME-info Database specification for the shared MIME info."
    answer = "The default priority value is 50, and the maximum is 100."
    text = f"{named} {answer}"
    rows = {1: ChunkRow(1, "spec.pdf", "Shared MIME-info Database", 0, len(text), 1, 1, text)}
    question = "What is the default priority in shared MIME info?"
    weights = {stem: 1.0 for stem in ENGLISH.question_stems(question)}
    sentences = {1: ((0.5, 0, len(named)), (0.5, len(named) + 1, len(text)))}
    evidence = Evidence(question, ENGLISH, 5, (1,), (1,), (1,), rows, {1: 0.5}, sentences, weights, None)

    def highlighted(params):
        top = score(evidence, params, 1).candidates[0]
        return top.chunk.text[slice(*top.highlight)]

    assert highlighted(RetrievalParams(title_word_discount=0.0)) == named  # three of its words, the document's name
    assert highlighted(RetrievalParams()) == answer


def test_a_question_naming_a_document_by_its_acronym_lifts_its_passages():
    from qa.analyzer import ENGLISH
    from qa.search.document_names import title_terms

    assert {"mpl", "fhs"} <= title_terms(ENGLISH, "Mozilla Public License Version 2.0") | title_terms(ENGLISH, "Filesystem Hierarchy Standard")
    assert "ofl" in title_terms(ENGLISH, "SIL Open Font License FAQ")  # inside a longer run of initials
    assert not any(len(term) < 3 and term.isalpha() and term not in ENGLISH.stems("Go To") for term in title_terms(ENGLISH, "Go To"))


def _first_of_two(rows, question, weights, sentences, similarity, params=None):
    """The chunk id `score` ranks first of two chunks every ranking holds in the order 1, 2."""
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    from qa.search.options import question_options

    evidence = Evidence(question, ENGLISH, 5, (1, 2), (1, 2), (1, 2), rows, similarity, sentences, weights, None, options=question_options(question))
    return score(evidence, params or RetrievalParams(), 2).candidates[0].chunk.chunk_id


def test_an_faq_answer_is_read_with_the_question_heading_it_answers():
    from qa.analyzer import ENGLISH

    # "It is not a requirement..." shares no word with the question: its heading asks it.
    answer = "It is not a requirement of the license, but we strongly recommend you have one."
    other = "There are utilities that can help create and maintain a FONTLOG."
    rows = {1: ChunkRow(1, "faq.txt", "OFL FAQ", 0, len(answer), 1, 1, answer, heading_path="6 ABOUT THE FONTLOG > 6.2 Is the FONTLOG required?"),
            2: ChunkRow(2, "faq.txt", "OFL FAQ", 100, 100 + len(other), 5, 5, other, heading_path="6 ABOUT THE FONTLOG > 6.5 Tools")}
    question = "Is the FONTLOG required?"
    weights = {stem: 1.0 for stem in ENGLISH.question_stems(question)}
    sentences = {1: ((0.55, 0, len(answer)),), 2: ((0.65, 0, len(other)),)}
    similarity = {1: 0.75, 2: 0.6}
    assert _first_of_two(rows, question, weights, sentences, similarity) == 1
    # A plain-text FAQ's "Q:" paragraph asks too, with or without a question mark.
    asked = {1: replace(rows[1], heading_path="Q: The FONTLOG required, or not"), 2: rows[2]}
    assert _first_of_two(asked, question, weights, sentences, similarity) == 1
    # Without the question heading the tools' sentence, which names the FONTLOG, wins.
    plain = {1: ChunkRow(1, "faq.txt", "OFL FAQ", 0, len(answer), 1, 1, answer), 2: rows[2]}
    assert _first_of_two(plain, question, weights, sentences, similarity) == 2


def test_a_sections_name_counts_toward_its_sentences_shared_words_at_a_lower_weight():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams

    # The sentence under "OPT_NON_STR_KEYS" never repeats the option's name; the one that
    # mentions it in passing is about something else.
    under = "It is not safe: this option risks creating duplicate keys."
    passing = "The benchmark serialized str keys and int keys with OPT_NON_STR_KEYS as well."
    rows = {1: ChunkRow(1, "README.md", "orjson", 0, len(under), 1, 1, under, heading_path="Serialize > Option > OPT_NON_STR_KEYS"),
            2: ChunkRow(2, "README.md", "orjson", 100, 100 + len(passing), 9, 9, passing, heading_path="Performance")}
    question = "Is OPT_NON_STR_KEYS safe?"
    name, safe = ENGLISH.question_stems(question)
    weights = {name: 1.2, safe: 1.0}  # the option's name is the rarer word
    sentences = {1: ((0.45, 0, len(under)),), 2: ((0.45, 0, len(passing)),)}
    similarity = {1: 0.5, 2: 0.5}
    assert _first_of_two(rows, question, weights, sentences, similarity) == 1
    # Without the heading's words, the sentence that names the option wins.
    assert _first_of_two(rows, question, weights, sentences, similarity, RetrievalParams(heading_word_weight=0.0)) == 2
    # At less than full weight: a sentence that says the words itself still counts more.
    swapped = {1: replace(rows[1], heading_path="Performance"), 2: replace(rows[2], heading_path="Serialize > Option > OPT_NON_STR_KEYS")}
    assert _first_of_two(swapped, question, weights, sentences, similarity) == 2


def test_the_entry_of_an_option_the_question_names_outranks_a_synopsis_that_lists_it():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams

    synopsis = "tput [-Ttype] [-x] clear"
    entry = "-x     do not attempt to clear the terminal's scrollback buffer using the extended E3 capability."
    rows = {1: ChunkRow(1, "tput.1.html", "tput", 0, len(synopsis), 3, 3, synopsis, heading_path="SYNOPSIS"),
            2: ChunkRow(2, "tput.1.html", "tput", 400, 400 + len(entry), 40, 41, entry, heading_path="OPTIONS")}
    question = "What does tput -x do?"
    weights = {stem: 1.0 for stem in ENGLISH.question_stems(question)}
    # What the model and the words say: the synopsis names tput and x, the entry only x.
    sentences = {1: ((0.67, 0, len(synopsis)),), 2: ((0.36, 0, len(entry)),)}
    similarity = {1: 0.67, 2: 0.38}
    assert _first_of_two(rows, question, weights, sentences, similarity) == 2
    assert _first_of_two(rows, question, weights, sentences, similarity, RetrievalParams(option_weight=0.0)) == 1
    # Whether the corpus answers does not depend on how many passages are shown: alone, the
    # entry's low cosine read as no answer, though the synopsis beside it is close to the question.
    from qa.search.evidence import Evidence
    from qa.search.options import question_options
    from qa.search.scoring import score

    evidence = Evidence(question, ENGLISH, 5, (1, 2), (1, 2), (1, 2), rows, similarity, sentences, weights, None, options=question_options(question))
    one, five = score(evidence, RetrievalParams(), 1), score(evidence, RetrievalParams(), 5)
    assert [c.chunk.chunk_id for c in one.candidates] == [2] and not one.no_answer
    assert not five.no_answer


def test_an_option_entry_counts_less_when_the_question_asks_more_than_what_the_option_does():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams

    entry = "-S     allows more than one capability per invocation of tput."
    answer = "If the -S option is used, tput checks each line and sets the exit status to 4 plus the lines with errors."
    rows = {1: ChunkRow(1, "tput.1.html", "tput", 0, len(entry), 3, 3, entry, heading_path="OPTIONS"),
            2: ChunkRow(2, "tput.1.html", "tput", 400, 400 + len(answer), 40, 41, answer, heading_path="EXIT CODES")}
    weights = {"tput": 1.0, "s": 2.0, "exit": 3.0, "status": 3.0, "line": 2.0, "error": 3.0}
    sentences = {1: ((0.55, 0, len(entry)),), 2: ((0.60, 0, len(answer)),)}
    similarity = {1: 0.55, 2: 0.6}
    # The entry is ranked first by the evidence; the sentence that says the exit status answers.
    asked_more = "What exit status does tput -S return when some lines have errors?"
    assert _first_of_two(rows, asked_more, weights, sentences, similarity) == 2
    assert _first_of_two(rows, asked_more, weights, sentences, similarity, RetrievalParams(option_focus=0.0)) == 1
    # Asked what the option does, the entry keeps its full weight.
    what = "What does the tput -S option do?"
    assert _first_of_two(rows, what, {"tput": 1.0, "s": 2.0, "option": 1.0}, sentences, similarity) == 1


def test_a_sentence_that_continues_the_one_before_it_is_read_with_its_words():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams

    # nano's manual: "It also means..." answers, but says only "lookbehind"; the sentence
    # before it says what "it" is. The other passage says three of the question's words itself.
    before, answer = "Regular expressions in nano are of the extended type (ERE).", "It also means that lookahead and lookbehind are not possible."
    text = f"{before} {answer}"
    passing = "Regular-expression searches are done by default."
    rows = {1: ChunkRow(1, "nano.html", "nano", 900, 900 + len(passing), 9, 9, passing),
            2: ChunkRow(2, "nano.html", "nano", 0, len(text), 1, 1, text)}
    question = "Can nano's search regular expressions use lookbehind?"
    weights = {stem: 1.0 for stem in ENGLISH.question_stems(question)} | {"lookbehind": 3.0}
    sentences = {1: ((0.64, 0, len(passing)),), 2: ((0.50, 0, len(before)), (0.64, len(before) + 1, len(text)))}
    similarity = {1: 0.64, 2: 0.64}
    assert _first_of_two(rows, question, weights, sentences, similarity) == 2
    assert _first_of_two(rows, question, weights, sentences, similarity, RetrievalParams(neighbour_word_weight=0.0)) == 1


def test_words_every_passage_of_a_long_document_holds_do_not_tell_its_passages_apart():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    # tput's manual: every passage says "tput" and "string"; only the answer says "newline".
    answer = "string  tput writes the string to the standard output, with no trailing newline."
    lookalike = "If no parameters are given, tput prints the capability string without substitution."
    others = [f"tput reads the terminal's string capability number {n} from the database." for n in range(3, 8)]
    texts = [answer, lookalike, *others]
    rows = {i: ChunkRow(i, "tput.1.html", "tput", 100 * i, 100 * i + len(t), i, i, t) for i, t in enumerate(texts, start=1)}
    question = "Does tput print a newline after a string capability?"
    weights = {"tput": 1.0, "string": 2.2, "capabl": 4.3, "newlin": 5.3, "print": 3.8}
    # The lookalike is nearer in meaning and shares more of the question's words.
    cosines = {1: 0.60, 2: 0.63} | {i: 0.4 for i in range(3, 8)}
    sentences = {i: ((cosines[i], 0, len(texts[i - 1])),) for i in rows}
    ids = tuple(rows)

    def first(params, passages=ids):
        evidence = Evidence(question, ENGLISH, 50, passages, passages, passages, {i: rows[i] for i in passages},
                            {i: cosines[i] for i in passages}, {i: sentences[i] for i in passages}, weights, None)
        return score(evidence, params, 2).candidates[0].chunk.chunk_id

    assert first(RetrievalParams()) == 1
    assert first(RetrievalParams(shared_word_discount=0.0)) == 2
    # Two passages of a document are no sample of its words: nothing is discounted.
    assert first(RetrievalParams(), passages=(1, 2)) == first(RetrievalParams(shared_word_discount=0.0), passages=(1, 2))


def test_neighbours_of_one_section_that_do_not_overlap_are_joined_by_the_text_between_them(tmp_path):
    from qa.records import StoredText
    from qa.search.source_texts import SourceTexts

    # sudo's FAQ: the quoted error fills one chunk, the answer under it the next; nothing repeats.
    text = "#### It fails with:\n\n    no new privileges\n\n> Sudo was run by a process with the flag set.\n"
    (tmp_path / "FAQ.md").write_text(text, encoding="utf-8")
    quoted, answer = text.index("    no new"), text.index("> Sudo")

    def row(chunk_id, start, end, heading="It fails with:", doc="FAQ.md"):
        return ChunkRow(chunk_id, doc, "FAQ", start, end, 1, 1, text[start:end], heading_path=heading)

    class Reader:
        def stored_text(self, doc_id):
            return StoredText("text", None, ()) if doc_id == "FAQ.md" else None

    sources = SourceTexts(Reader(), tmp_path)
    first, second = row(1, 0, answer - 2), row(2, answer, len(text) - 1)
    assert sources.gap(first, second) == "\n\n"
    assert sources.gap(first, row(2, answer, len(text) - 1, heading="Another section")) is None
    assert sources.gap(row(1, 0, answer - 2, heading=""), row(2, answer, len(text) - 1, heading="")) is None  # no section
    assert sources.gap(row(1, 0, quoted - 2), second) is None  # words between: not neighbours
    assert sources.gap(row(1, 0, answer - 2, doc="gone.md"), row(2, answer, len(text) - 1, doc="gone.md")) is None

    candidates = [Candidate(first, 1.0, 0.5, 0.5, (0, 5)), Candidate(second, 0.9, 0.5, 0.5, (0, 10))]
    apart = diversify(candidates, k=2, per_document=3, min_similarity=0.2, max_joined=2)
    assert [c.chunk.chunk_id for c in apart] == [1, 2]
    [joined] = diversify(candidates, k=2, per_document=3, min_similarity=0.2, max_joined=2, gap=sources.gap)
    assert joined.chunk.text == text[: len(text) - 1] and (joined.chunk.char_start, joined.chunk.char_end) == (0, len(text) - 1)
    (tmp_path / "FAQ.md").write_text(text.replace("no new", "NO NEW"), encoding="utf-8")  # changed since indexed
    assert SourceTexts(Reader(), tmp_path).gap(first, second) is None


def test_the_kind_of_answer_asked_for_reorders_passages_but_does_not_decide_whether_the_corpus_answers():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.search.evidence import Evidence
    from qa.search.scoring import score

    # "When ...?" puts sentences holding a date first; here five of them say nothing of the
    # question, and the one passage that holds its words falls out of the five shown.
    holds = "The author created debmake to simplify the packaging documentation for new maintainers."
    reasons = [f"Step {n} was added in 2019 when the archive began checking signatures." for n in range(1, 6)]
    texts = [holds, *reasons]
    rows = {i: ChunkRow(i, "debmake.pdf", "Guide", 100 * i, 100 * i + len(t), i, i, t) for i, t in enumerate(texts, start=1)}
    question = "When did the author create debmake?"
    weights = {"author": 4.4, "creat": 3.0, "debmak": 2.7}
    cosines = {i: 0.5 for i in rows}
    ids = tuple(rows)
    evidence = Evidence(question, ENGLISH, 50, ids, ids, ids, rows, cosines, {i: ((0.5, 0, len(texts[i - 1])),) for i in rows},
                        weights, "time")
    params = RetrievalParams(answer_type_weight=1.5, per_document=5)
    typed = score(evidence, params, 5)
    assert 1 not in [c.chunk.chunk_id for c in typed.candidates]
    assert not typed.no_answer
    # Judged on the dated passages alone, the corpus would not answer.
    assert score(replace(evidence, rows={i: rows[i] for i in ids[1:]}, dense=ids[1:], by_sentence=ids[1:], lexical=ids[1:]),
                 params, 5).no_answer


def word_states(texts):
    """Token states as a bag of words: each word a one-hot state, so a question word's best
    cosine in a passage is 1 when the passage says it and 0 when not."""
    import re

    import numpy as np

    from qa.models.span_pooling import TokenStates

    vocabulary: dict[str, int] = {}
    spans = [[(m.start(), m.end()) for m in re.finditer(r"\w+", text)] for text in texts]
    for text, found in zip(texts, spans):
        for start, end in found:
            vocabulary.setdefault(text[start:end].lower(), len(vocabulary))
    states = []
    for text, found in zip(texts, spans):
        hidden = np.zeros((len(found) + 2, 64), dtype=np.float32)
        hidden[0, 63] = hidden[-1, 63] = 1.0  # [CLS] and [SEP], which alignment leaves out
        for row, (start, end) in enumerate(found, start=1):
            hidden[row, vocabulary[text[start:end].lower()] % 63] = 1.0
        states.append(TokenStates(hidden, np.array([(0, 0), *found, (0, 0)], dtype=np.int64)))
    return states


def test_the_first_passages_are_ordered_again_by_how_many_of_the_questions_words_each_reads():
    from qa.analyzer import ENGLISH
    from qa.config import RetrievalParams
    from qa.search.evidence import Evidence
    from qa.search.scoring import ordered_by_alignment
    from qa.search.word_alignment import alignments

    question = "How do I run the protein domain search on several threads?"
    texts = {
        1: "LTRdigest is called as part of the single binary named gt.",
        2: "To run the protein domain search on several threads, use the -j parameter to gt.",
        3: "The protein domain search needs HMMER.",
        4: "Search threads are described elsewhere.",
    }
    assert alignments(word_states, question, [texts[2], texts[1]])[0] == 1.0
    # The document's own name finds itself in every passage repeating it: it is not read.
    named = "How do I run the LTRdigest search?"
    assert alignments(word_states, named, [texts[1]])[0] == pytest.approx(1 / 3)
    assert alignments(word_states, named, [texts[1]], lambda word: word.lower() == "ltrdigest") == [0.0]
    rows = {i: ChunkRow(i, "ltrdigest.pdf", "Manual", 100 * i, 100 * i + len(t), i, i, t) for i, t in texts.items()}
    shown = (Candidate(rows[1], 1.3, 0.5, 0.5, (0, 5)), Candidate(rows[3], 1.2, 0.5, 0.5, (0, 5)),
             Candidate(rows[2], 1.1, 0.5, 0.5, (0, 5)), Candidate(rows[4], 0.95, 0.5, 0.5, (0, 5)))
    evidence = Evidence(question, ENGLISH, 50, (), (), (), rows, {}, {}, {}, None, read_tokens=word_states)
    params = RetrievalParams(alignment_weight=0.5, aligned_passages=3)
    ordered = ordered_by_alignment(evidence, shown, params)
    assert [c.chunk.chunk_id for c in ordered] == [2, 3, 1, 4]  # the fourth is never read
    assert [c.score for c in ordered][:3] == sorted([c.score for c in ordered][:3], reverse=True)
    # Too far under the first to overtake it, a passage is not read; without token states, nothing is.
    assert ordered_by_alignment(evidence, (shown[0], replace(shown[1], score=0.7)), params) == (shown[0], replace(shown[1], score=0.7))
    assert ordered_by_alignment(replace(evidence, read_tokens=None), shown, params) == shown
