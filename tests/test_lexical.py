import sqlite3

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from qa.analyzer import ENGLISH, within_postings_budget
from qa.search.lexical import word_share


def fts_table():
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize = '{ENGLISH.fts_tokenizer}')")
    db.execute("INSERT INTO t (text) VALUES (?)", (ENGLISH.indexed_text("the group announced its formation in january 2015"),))
    return db


def query(question):
    return ENGLISH.fts_query(ENGLISH.question_stems(question))


def test_query_syntax_in_a_question_is_only_text():
    question = 'What "is" AND NEAR(group formation) OR NOT x* : (y) ^start -z?'
    fts_table().execute("SELECT rowid FROM t WHERE t MATCH ?", (query(question),)).fetchall()  # no syntax error
    assert query(question) == '"near" OR "group" OR "format" OR "x" OR "y" OR "start" OR "z"'


def test_the_index_and_the_question_share_one_stemmer():
    db = fts_table()
    assert db.execute("SELECT rowid FROM t WHERE t MATCH ?", (query("When was it announced? formations"),)).fetchall() == [(1,)]


def test_stop_words_are_dropped_unless_nothing_else_is_left():
    assert ENGLISH.content_words("When was the group formed?") == ["group", "formed"]
    assert ENGLISH.content_words("Who are they?") == ["who", "are", "they"]


def test_advice_questions_also_look_for_modal_verbs():
    assert "should" in ENGLISH.search_terms("What does the report recommend?")
    assert "should" not in ENGLISH.search_terms("When was the group formed?")


def test_a_question_without_words_gives_no_query():
    assert query("?!... ---") is None


def test_names_stay_whole_as_tokens_but_split_into_index_words():
    assert ENGLISH.tokens("When did IS-KP form?") == ["When", "did", "IS-KP", "form"]
    assert ENGLISH.words("When did IS-KP form?") == ["when", "did", "is", "kp", "form"]


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_string_gives_a_valid_fts5_query_or_none(question):
    q = query(question)
    if q is not None:
        fts_table().execute("SELECT rowid FROM t WHERE t MATCH ?", (q,)).fetchall()


def test_word_share_ignores_words_naming_the_corpus_and_counts_advice_words_once():
    weights = {s: 1.0 for s in ENGLISH.question_stems("What does the report recommend?")}
    assert word_share(ENGLISH, weights, "Countering this threat will require intelligence sharing.") == 1.0
    assert word_share(ENGLISH, weights, "The group formed in 2015.") == 0.0
    mercury = {ENGLISH.stem("mercury"): 2.0, ENGLISH.stem("boiling"): 2.0, ENGLISH.stem("point"): 1.0}
    assert word_share(ENGLISH, mercury, "a focal point of concern") == 0.2


def test_common_words_are_left_out_only_when_bm25_would_score_too_many_chunks():
    frequency = {"taliban": 40_000, "kabul": 900, "airport": 300, "attack": 15_000}
    words = ["taliban", "attack", "kabul", "airport"]
    # Rarest first until the budget: the commonest words go.
    assert within_postings_budget(words, frequency, budget=20_000) == ["airport", "kabul", "attack"]
    # Within budget (every small corpus): untouched, in the question's order.
    assert within_postings_budget(words, frequency, budget=100_000) == words
    # The rarest word stays even when it alone is over.
    assert within_postings_budget(["taliban"], frequency, budget=10) == ["taliban"]


def test_a_word_no_chunk_holds_counts_once_for_the_question_not_against_each_passage():
    from qa.search.lexical import corpus_coverage

    weights = {"lost": 4.0, "land": 2.5, "group": 1.5}
    passage = "The group held land in Nangarhar."
    # Without knowing the corpus lacks "lost", the passage looks like it holds half the question.
    assert word_share(ENGLISH, weights, passage) == 0.5
    assert word_share(ENGLISH, weights, passage, unseen=frozenset({"lost"})) == 1.0
    # An unseen word a passage does hold (through a longer word it begins) still counts there.
    assert word_share(ENGLISH, {"lost": 4.0, "land": 4.0}, "They lostness land", unseen=frozenset({"lost"})) == 1.0
    assert corpus_coverage(ENGLISH, weights, frozenset({"lost"})) == 0.5
    assert corpus_coverage(ENGLISH, weights, frozenset()) == 1.0


def test_a_word_no_chunk_holds_counts_against_passages_by_the_size_of_the_corpus():
    import math

    from qa.search.lexical import unseen_word_count

    def weights_in(chunks):
        # IndexReader.term_weights: log(1 + chunks / (df + 0.5)); "lost" is in no chunk.
        return {"lost": math.log(1 + chunks / 0.5), "land": math.log(1 + chunks / 3.5), "group": math.log(1 + chunks / 10.5)}

    unseen = frozenset({"lost"})
    # Two articles (26 chunks): a missing everyday word barely counts; thousands of chunks: in full.
    assert unseen_word_count(26, unseen, 1000) == pytest.approx(0.026)
    assert unseen_word_count(5000, unseen, 1000) == 1.0
    assert unseen_word_count(5000, frozenset(), 1000) == 0.0
    big = weights_in(5000)
    passage = "The group held land in Nangarhar."
    assert word_share(ENGLISH, big, passage, unseen, unseen_counts=0.0) == 1.0
    assert word_share(ENGLISH, big, passage, unseen, unseen_counts=1.0) == pytest.approx(word_share(ENGLISH, big, passage))
    half = word_share(ENGLISH, big, passage, unseen, unseen_counts=0.5)
    assert word_share(ENGLISH, big, passage) < half < 1.0


def test_a_word_hyphenated_at_a_line_end_is_found_whole():
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize = '{ENGLISH.fts_tokenizer}')")
    db.execute("INSERT INTO t (text) VALUES (?)", (ENGLISH.indexed_text("the devel-\nopment of policy-\nMakers and IS-KP"),))
    assert db.execute("SELECT rowid FROM t WHERE t MATCH ?", (query("What is the development?"),)).fetchall() == [(1,)]
    # A hyphen in a line, or before a capital on the next line, still parts two words.
    assert {"is", "kp", "policy", "makers"} <= set(ENGLISH.words("policy-\nMakers and IS-KP"))
    assert "development" in ENGLISH.words("devel-\nopment")
    # An identifier a Texinfo PDF breaks after an underscore is one word too.
    assert ENGLISH.words("call gcry_check_\nversion and ASN1_\nSYNTAX_ERROR") == ["call", "gcry_check_version", "and", "asn1_syntax_error"]


def test_an_identifiers_parts_are_terms_as_fts5_reads_them():
    # FTS5 splits a stored "opus_set_lsb_depth" at its underscores: its parts are terms a chunk holds.
    stems = ENGLISH.stems("OPUS_SET_LSB_DEPTH sets the depth.")
    assert "lsb" not in stems and ENGLISH.with_parts(stems) == stems | {"opus", "lsb"}
    assert ENGLISH.with_parts({"depth"}) == {"depth"}
