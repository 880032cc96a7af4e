"""British and American spellings (qa.search.spelling), and a question searched in the corpus's spelling."""

import math

from qa.analyzer import ENGLISH, NEVER_A_STEM
from qa.search.evidence import respelled
from qa.search.spelling import variant


class Vocabulary:
    """The one IndexReader method `respelled` reads: IDF over chunks, unseen stems weighing most."""

    def __init__(self, text: str) -> None:
        self.held = ENGLISH.stems(text)
        self.looked_up = 0

    def term_weights(self, stems: set[str]) -> dict[str, float]:
        self.looked_up += 1
        return {stem: math.log(1 + 10 / (3.5 if stem in self.held and stem != NEVER_A_STEM else 0.5)) for stem in stems}


def test_each_spelling_gives_the_other():
    pairs = [("licence", "license"), ("colour", "color"), ("behaviours", "behaviors"), ("favourite", "favorite"),
             ("initialise", "initialize"), ("serialisation", "serialization"), ("analysed", "analyzed"),
             ("centre", "center"), ("catalogue", "catalog"), ("grey", "gray")]
    for british, american in pairs:
        assert variant(british) == american
        assert variant(american) == british
    # Words that only look like one: "four" and "your" are not "for" and "yor".
    assert variant("four") is None and variant("your") is None and variant("hour") is None and variant("file") is None


def test_a_question_word_the_corpus_spells_the_other_way_is_searched_as_the_corpus_spells_it():
    corpus = Vocabulary("Why3 is released under the GNU LGPL license. The colour of a node shows its state.")
    question = "What licence is Why3 released under?"
    assert respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question)) == ["licens", "why3", "releas"]
    # A word the corpus holds as written stays as it is.
    question = "What does the colour of a node show?"
    assert respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question)) == ENGLISH.question_stems(question)
    # A question without such a word costs no look-up.
    before = corpus.looked_up
    question = "Which license covers Why3?"
    assert respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question)) == ENGLISH.question_stems(question)
    assert corpus.looked_up == before + 1  # "license" has a British spelling: one look-up, nothing changed
    question = "Who wrote Why3?"
    respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question))
    assert corpus.looked_up == before + 1


def test_a_library_asked_about_by_its_file_name_is_searched_by_its_projects_name():
    assert variant("libshishi") == "shishi" and variant("libgss") == "gss"
    assert variant("library") is None and variant("lib") is None and variant("libc") is None
    corpus = Vocabulary("Shishi is an implementation of Kerberos 5. Shishi is thread-safe.")
    question = "Is libshishi thread-safe?"
    assert respelled(corpus, ENGLISH, question, ENGLISH.question_stems(question)) == ["shishi", "thread", "safe"]
