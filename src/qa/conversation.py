"""A conversation with the assistant: questions in, (turn, answer) pairs out, no UI.

`qa ask --conversation` and `qa chat` both talk through it, so a follow-up is
planned, normalised and searched the same way whichever front end asked it.
Planning and answering are separate steps because the chat plans a question
the moment it is typed (to show what a follow-up will search for, and so a
question queued behind it leans on it) but answers it later, in a worker thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from qa.records import Answer
from qa.analyzer import ENGLISH
from qa.search.conversation import Turn, plan_turn
from qa.search.scope import EVERYTHING, Scope

if TYPE_CHECKING:
    from qa.assistant import Assistant


class Conversation:
    """The turns asked so far and the answers they got.

    Args:
        assistant: answers the questions; may be set later (the chat plans
            questions typed before the assistant could be created).
        k: passages per answer (None: the settings' default).
        follow_ups: when False every question is searched alone, as a plain
            `qa ask` does.
    """

    def __init__(
        self, assistant: Assistant | None = None, k: int | None = None, follow_ups: bool = True, scope: Scope = EVERYTHING
    ):
        self.assistant = assistant
        self.k = k
        self.follow_ups = follow_ups
        self.scope = scope  # the documents questions are asked of; it stays for the follow-ups
        self._context: list[Turn] = []  # planned turns a follow-up may lean on, answered or still waiting
        self._answered: list[tuple[Turn, Answer]] = []
        # The chat plans and forgets on the UI thread while a worker records answers.
        self._lock = threading.Lock()

    def plan(self, question: str) -> Turn:
        """The next turn: the question normalised, and what to search for it.

        Raises:
            QuestionError: nothing is left of the question once cleaned (blank, control characters).
        """
        question = ENGLISH.normalize_question(question)
        with self._lock:
            previous = self._context[-1] if self.follow_ups and self._context else None
            turn = plan_turn(question, previous)
            self._context.append(turn)
        return turn

    def answer(self, turn: Turn, scope: Scope | None = None) -> Answer:
        """Ask the assistant for a planned turn, in `scope` (None: the conversation's); the answer
        joins the history unless the turn was forgotten (cancelled, or the conversation cleared) while it ran.

        Raises:
            QAError: from the assistant (no index, damaged index, a scope matching no document, ...).
        """
        assert self.assistant is not None, "a turn is answered only once the assistant exists"
        scope = self.scope if scope is None else scope
        answer = self.assistant.ask(turn.question, self.k, search_text=turn.searched_for, scope=scope)
        with self._lock:
            if any(t is turn for t in self._context):
                self._answered.append((turn, answer))
        return answer

    def ask(self, question: str) -> tuple[Turn, Answer]:
        """Plan and answer in one step (the command line's way)."""
        turn = self.plan(question)
        try:
            return turn, self.answer(turn)
        except BaseException:
            self.forget(turn)
            raise

    def forget(self, turn: Turn) -> None:
        """Drop a turn that got no answer: it is no context for the next question."""
        with self._lock:
            self._context = [t for t in self._context if t is not turn]

    def clear(self) -> None:
        """Start over: nothing before leans on anything."""
        with self._lock:
            self._context = []
            self._answered = []

    @property
    def history(self) -> list[tuple[Turn, Answer]]:
        """The answered turns, in the order they were answered (which is the order asked)."""
        with self._lock:
            return list(self._answered)

    @property
    def turns(self) -> list[Turn]:
        """The turns a follow-up may lean on, including those still waiting for an answer."""
        with self._lock:
            return list(self._context)
