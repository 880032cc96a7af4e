"""How closely a question's words each find their counterpart in a passage.

One cosine between the question's vector and a passage's vector pools every word
of each; within one manual, the passage that answers and its neighbours on the
same subject come about equally close ("Does gpasm write an error file on its
own?" ranked the MESSG directive's entry above "gpasm doesn't specifically create
an error file"). Read word by word, the passage that answers holds a counterpart
of nearly each of the question's content words, even where it uses other words
for them. The model's last hidden states carry each word piece in its context, so
a piece's nearest piece of the passage is its counterpart in meaning, not only in
spelling (late interaction, as ColBERT scores passages; here with the embedding
model as it is).

It costs a pass of the model over each passage read, so `scoring` reads only the
first few passages, and only those close enough to the first to overtake it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from qa.analyzer import STOPWORDS
from qa.models.span_pooling import TokenStates

# The model's token states of each text (an embedder's `token_states`).
ReadTokens = Callable[[list[str]], list[TokenStates]]

_WORDLIKE = re.compile(r"\w")
_WORD = re.compile(r"\w+")


def alignments(
    read_tokens: ReadTokens, question: str, passages: Sequence[str], names_document: Callable[[str], bool] = lambda word: False
) -> list[float]:
    """Each passage's alignment with `question`, in [0, 1] for any passage: the mean, over the
    question's content word pieces, of each piece's highest cosine with a word piece of the
    passage (0 for a passage with no word piece).

    The pieces of words for which `names_document` is true are left out (unless nothing else is
    left): a document's name ("optparse-applicative", "tinytag") finds itself in every passage
    that repeats it, and a manual's introduction repeats it most.
    """
    if not passages:
        return []
    states = read_tokens([question, *passages])
    pieces, spans = _unit_pieces(states[0])
    words = {(match.start(), match.end()): match.group() for match in _WORD.finditer(question)}

    def word_of(start: int) -> str:
        return next((word for (low, high), word in words.items() if low <= start < high), "")

    content = [i for i, (start, end) in enumerate(spans) if _WORDLIKE.search(question[start:end]) and word_of(start).casefold() not in STOPWORDS]
    asked = [i for i in content if not names_document(word_of(spans[i][0]))] or content or list(range(len(spans)))
    asking = pieces[asked]
    found = []
    for passage_states in states[1:]:
        held, _ = _unit_pieces(passage_states)
        found.append(float(np.clip((asking @ held.T).max(axis=1).mean(), 0.0, 1.0)) if len(asking) and len(held) else 0.0)
    return found


def _unit_pieces(states: TokenStates) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The unit-length states of a text's own word pieces (not [CLS] or [SEP]) and their character spans."""
    real = [i for i, (start, end) in enumerate(states.offsets) if end > start]
    hidden = states.hidden[real]
    hidden = hidden / np.maximum(np.linalg.norm(hidden, axis=1, keepdims=True), 1e-12)
    return hidden, [(int(start), int(end)) for start, end in states.offsets[real]]
