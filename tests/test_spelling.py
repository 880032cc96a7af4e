"""British and American spellings read as one word (qa.american_spelling), and a question word
searched in the form the corpus writes it (qa.search.spelling)."""

import math

from qa.american_spelling import american
from qa.analyzer import ENGLISH, NEVER_A_STEM
from qa.search.evidence import respelled
from qa.search.names import question_names
from qa.search.spelling import other_forms


class Vocabulary:
    """The one IndexReader method `respelled` reads: IDF over chunks, unseen stems weighing most."""

    def __init__(self, text: str) -> None:
        self.held = ENGLISH.stems(text)
        self.looked_up = 0

    def term_weights(self, stems: set[str]) -> dict[str, float]:
        self.looked_up += 1
        return {stem: math.log(1 + 10 / (3.5 if stem in self.held and stem != NEVER_A_STEM else 0.5)) for stem in stems}


def test_a_british_spelling_is_read_as_the_american_one():
    pairs = [("licence", "license"), ("colour", "color"), ("behaviours", "behaviors"), ("favourite", "favorite"),
             ("initialise", "initialize"), ("serialisation", "serialization"), ("analysed", "analyzed"),
             ("centre", "center"), ("catalogue", "catalog"), ("grey", "gray")]
    for british, us in pairs:
        assert american(british) == us
        assert american(us) == us
        assert ENGLISH.stem(british) == ENGLISH.stem(us)
    # Words that only look like one: "four" and "your" are not "for" and "yor".
    assert [american(w) for w in ("four", "your", "hour", "file", "base")] == ["four", "your", "hour", "file", "base"]


def test_both_spellings_in_one_corpus_are_one_word_to_a_question_in_either():
    # The case that swapping a spelling only where the corpus lacked it got wrong: a corpus that
    # holds both ("colour" in one document, "colors" in another) answers either question alike.
    corpus = ENGLISH.stems("Classic terminal is limited to 16 colors. The colour of a line is set in the menu.")
    assert ENGLISH.stem("colours") in corpus and ENGLISH.stem("colors") in corpus
    assert set(ENGLISH.question_stems("Which licence covers it?")) == set(ENGLISH.question_stems("Which license covers it?"))


def test_a_library_asked_about_by_its_file_name_is_searched_by_its_projects_name():
    assert other_forms("Is libshishi thread-safe? Does libgss?") == {"libshishi": "shishi", "libgss": "gss"}
    assert other_forms("Which library and which libc?") == {}
    corpus = Vocabulary("Shishi is an implementation of Kerberos 5. Shishi is thread-safe.")
    question = "Is libshishi thread-safe?"
    assert respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question)) == ["shishi", "thread", "safe"]


def test_an_acronyms_plural_is_searched_as_the_acronym_the_corpus_writes():
    # Snowball leaves "pdfs" whole (no vowel before the "s"), so the page's "PDF" never matched it.
    assert ENGLISH.stem("pdfs") != ENGLISH.stem("pdf")
    assert other_forms("Which fields should I set when my tool writes PDFs or URLs?") == {"pdfs": "pdf", "urls": "url"}
    assert other_forms("Does it speak HTTPS or DNS?") == {}  # a capital S is part of the name
    corpus = Vocabulary("If you are using pikepdf to create PDF files, update the Producer field.")
    question = "Which fields should my application set when it writes PDFs with pikepdf?"
    stems = respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question))
    assert "pdf" in stems and "pdfs" not in stems
    # A plural the corpus writes as it is stays as it is, and a question without one costs no look-up.
    corpus = Vocabulary("Both PDFs are written.")
    assert respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question)) == ENGLISH.question_stems(question)
    before = corpus.looked_up
    respelled(corpus, ENGLISH, "Who wrote pikepdf?", ENGLISH.question_stems("Who wrote pikepdf?"))
    assert corpus.looked_up == before


def test_a_name_in_brackets_inside_a_sentence_is_a_name():
    assert question_names("How do I log in with a one-time password (OTP) token using kinit?") == ("OTP",)
    # ...while a bracket opening the question opens its first word, which any question capitalises.
    assert question_names("(Kerberos tickets) how long do they last?") == ()
