from qa.search.answer_types import expected_answer, has_answer_of
from qa.analyzer import ENGLISH
from qa.config import RetrievalParams
from qa.records import ChunkRow
from qa.search.evidence import Evidence
from qa.search.scoring import best_answer_sentence


def test_question_forms_that_ask_for_a_time_or_a_number():
    assert expected_answer("When was IS-KP founded?") == "time"
    assert expected_answer("In what year did it form?") == "time"
    assert expected_answer("How many attacks were there?") == "number"
    assert expected_answer("Who leads the group?") is None


def test_sentences_holding_that_kind_of_answer():
    assert has_answer_of("time", "It formed in\xa0January 2015.")
    assert has_answer_of("time", "Attacks fell in the 2020s.")
    assert not has_answer_of("time", "It formed out of a schism.")
    assert has_answer_of("number", "Three cells were found.")
    assert not has_answer_of(None, "It formed in 2015.")


def test_the_answer_type_tips_a_close_choice_between_sentences():
    text = "Its origins lie in a schism. It was founded in January 2015."
    sentences = ((0.50, 0, 28), (0.45, 29, len(text)))

    def evidence(wanted):
        row = ChunkRow(1, "a.txt", "t", 0, len(text), 1, 1, text)
        return Evidence("q", ENGLISH, 5, (1,), (1,), (), {1: row}, {1: 0.5}, {1: sentences}, {}, wanted)

    params = RetrievalParams(overlap_weight=0.3)
    _, plain = best_answer_sentence(evidence(None), 1, params)
    _, typed = best_answer_sentence(evidence("time"), 1, params)
    assert text[plain[0] : plain[1]] == "Its origins lie in a schism."
    assert text[typed[0] : typed[1]] == "It was founded in January 2015."
