import subprocess
import sys

import pytest

from qa.conversation import Conversation
from qa.errors import QAError, QuestionError
from qa.search.conversation import Turn, context_words, leans_on_conversation, plan_conversation, plan_turn, subject_words
from tests.conftest import make_assistant


@pytest.mark.parametrize(
    "question",
    [
        "What should be done about it?",
        "Who pushed them out?",
        "Why did that happen?",
        "Who said that?",
        "What about Pakistan?",
        "And the Taliban?",
        "Why?",
        "How many fighters do they have?",
        "When was it founded?",
    ],
)
def test_questions_that_lean_on_the_conversation(question):
    assert leans_on_conversation(question)


@pytest.mark.parametrize(
    "question",
    [
        "When did IS-KP announce its formation?",
        "Which magazine does the group publish in English?",
        "What is the name of the magazine that the group publishes?",
        "Is there a threat to Europe from the Islamic State?",
        "Who is Baghdadi?",
        "What did the Taliban do in August 2021?",
    ],
)
def test_questions_that_stand_alone(question):
    assert not leans_on_conversation(question)


def test_first_question_is_searched_alone_even_when_it_has_a_pronoun():
    turn = plan_turn("What should be done about it?", None)
    assert turn == Turn("What should be done about it?", "What should be done about it?", follow_up=False)


def test_follow_up_is_searched_with_the_previous_subject():
    first, second = plan_conversation(["When did IS-KP announce its formation?", "What should  be done about it?"])
    assert not first.follow_up and first.searched_for == first.question
    assert second.follow_up
    assert second.question == "What should be done about it?"  # whitespace folded, otherwise as typed
    assert second.searched_for == "IS-KP What should be done about it?"


def test_a_question_naming_its_subject_resets_the_context():
    turns = plan_conversation(["When did IS-KP announce its formation?", "Which magazine does the group publish in English?"])
    assert not turns[1].follow_up and turns[1].searched_for == turns[1].question


def test_chained_follow_ups_carry_the_subject_without_growing_without_bound():
    questions = ["When did IS-KP announce its formation?"] + ["Who pushed them out of their territory and onward?"] * 6
    turns = plan_conversation(questions)
    assert all(t.follow_up for t in turns[1:])
    assert "IS-KP" in turns[2].searched_for
    assert len(turns[-1].searched_for.split()) <= 12 + len(questions[-1].split())


def test_the_subject_is_the_names_when_there_are_any():
    assert subject_words("When did IS-KP announce its formation in 2015?") == ["IS-KP"]
    assert subject_words("What did the Taliban and Pakistan do?") == ["Taliban", "Pakistan"]
    assert subject_words("which magazine does the group publish?") == ["magazine", "group", "publish"]


def test_follow_up_without_names_before_carries_content_words():
    _, second = plan_conversation(["Which magazine does the group publish?", "Who edits it?"])
    assert second.searched_for == "magazine group publish Who edits it?"


def test_context_words_keep_names_and_drop_function_words():
    assert context_words("When did IS-KP announce its formation in 2015?") == ["IS-KP", "announce", "formation", "2015"]
    assert context_words("a b c d e f g h i j k l m n o p", limit=3) == ["n", "o", "p"]


# -- the Conversation the CLI and the chat share -------------------------------------

FORMATION = "When did IS-KP announce its formation?"


def test_conversation_plans_follow_ups_asks_and_keeps_the_history(assistant):
    conversation = Conversation(assistant, k=3)
    first, first_answer = conversation.ask(f"  {FORMATION}\n")
    assert first.question == FORMATION and first_answer.question == FORMATION  # normalised once, here
    second, second_answer = conversation.ask("What should be done about it?")
    assert second.follow_up and second.searched_for == "IS-KP What should be done about it?"
    assert second_answer.question == "What should be done about it?" and len(second_answer.passages) == 3
    assert conversation.history == [(first, first_answer), (second, second_answer)]


def test_without_follow_ups_every_question_is_searched_alone(assistant):
    conversation = Conversation(assistant, follow_ups=False)
    conversation.ask(FORMATION)
    turn, _ = conversation.ask("What should be done about it?")
    assert not turn.follow_up and turn.searched_for == turn.question


@pytest.mark.parametrize("question", ["", "  \n", "\x00\x1b"])
def test_a_question_with_nothing_to_ask_is_refused_before_anything_loads(question):
    conversation = Conversation(None)  # no assistant needed to plan
    with pytest.raises(QuestionError, match="the question is empty"):
        conversation.plan(question)
    assert conversation.turns == []


def test_a_waiting_turn_is_context_and_a_forgotten_one_is_not(assistant):
    conversation = Conversation(assistant)
    waiting = conversation.plan(FORMATION)  # planned, not answered yet (the chat's queue)
    follow = conversation.plan("Who pushed them out?")
    assert follow.searched_for == "IS-KP Who pushed them out?"
    conversation.forget(follow)
    conversation.forget(waiting)
    assert not conversation.plan("Who pushed them out?").follow_up


def test_an_answer_for_a_turn_forgotten_while_it_ran_stays_out_of_the_history(assistant):
    conversation = Conversation(assistant)
    turn = conversation.plan(FORMATION)
    conversation.clear()  # Ctrl+L while the question was being answered
    answer = conversation.answer(turn)
    assert answer.passages and conversation.history == []


def test_two_identical_questions_are_two_turns(assistant):
    conversation = Conversation(assistant)
    first = conversation.plan(FORMATION)
    second = conversation.plan(FORMATION)
    conversation.forget(second)
    assert conversation.turns == [first] and conversation.turns[0] is first


def test_a_failed_ask_leaves_no_context(settings):
    conversation = Conversation(make_assistant(settings))  # no index built
    with pytest.raises(QAError):
        conversation.ask(FORMATION)
    assert conversation.turns == [] and conversation.history == []


def test_importing_the_conversation_leaves_the_ui_out():
    code = "import sys, qa.conversation; print([m for m in ('textual', 'qa.cli', 'qa.tui', 'qa.render') if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
