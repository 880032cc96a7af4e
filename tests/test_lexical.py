import sqlite3

from hypothesis import given, settings as hypothesis_settings, strategies as st

from qa.search.lexical import content_words, fts_query, search_terms


def fts_table():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'porter unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t (text) VALUES ('the group announced its formation in january 2015')")
    return db


def test_query_syntax_in_a_question_is_only_text():
    question = 'What "is" AND NEAR(group formation) OR NOT x* : (y) ^start -z?'
    query = fts_query(question)
    db = fts_table()
    db.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()  # no syntax error
    assert query == '"near" OR "group" OR "formation" OR "x" OR "y" OR "start" OR "z"'


def test_stop_words_are_dropped_unless_nothing_else_is_left():
    assert content_words("When was the group formed?") == ["group", "formed"]
    assert content_words("Who are they?") == ["who", "are", "they"]


def test_advice_questions_also_look_for_modal_verbs():
    assert "should" in search_terms("What does the report recommend?")
    assert "should" not in search_terms("When was the group formed?")


def test_a_question_without_words_gives_no_query():
    assert fts_query("?!... ---") is None


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_string_gives_a_valid_fts5_query_or_none(question):
    query = fts_query(question)
    if query is not None:
        fts_table().execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()


def test_word_share_ignores_words_naming_the_corpus_and_counts_advice_words_once():
    from qa.search.lexical import stem, word_share

    weights = {stem(w): 1.0 for w in search_terms("What does the report recommend?")}
    assert word_share(weights, "Countering this threat will require intelligence sharing.") == 1.0
    assert word_share(weights, "The group formed in 2015.") == 0.0
    mercury = {stem("mercury"): 2.0, stem("boiling"): 2.0, stem("point"): 1.0}
    assert word_share(mercury, "a focal point of concern") == 0.2


def test_common_words_are_left_out_only_when_bm25_would_score_too_many_chunks():
    from qa.search.lexical import within_postings_budget

    frequency = {"taliban": 40_000, "kabul": 900, "airport": 300, "attack": 15_000}
    words = ["taliban", "attack", "kabul", "airport"]
    # Rarest first until the budget: the commonest words go.
    assert within_postings_budget(words, frequency, budget=20_000) == ["airport", "kabul", "attack"]
    # Within budget (every small corpus): untouched, in the question's order.
    assert within_postings_budget(words, frequency, budget=100_000) == words
    # The rarest word stays even when it alone is over.
    assert within_postings_budget(["taliban"], frequency, budget=10) == ["taliban"]
    assert fts_query("Taliban attack on Kabul airport", lambda ws: {w: frequency.get(w, 0) for w in ws}) == (
        '"airport" OR "kabul" OR "attack"'
    )
