"""Cut a document into sentence-aligned chunks that fit the model's window.

A chunk is a run of whole sentences within a token budget (counted with the
model's own tokenizer, special tokens included), so nothing is truncated when
it is embedded. Consecutive chunks share up to `overlap_tokens` of whole
sentences from the same paragraph, so an answer that straddles a cut is still
whole in one of them. A sentence is split only when it alone exceeds the budget.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from qa.config import ChunkerParams
from qa.records import Chunk, Document
from qa.sentences import split_sentences
from qa.tokens import TokenCounter

SPECIAL_TOKENS = 2  # [CLS] and [SEP] wrap every sequence the model reads
# A chunk may end early at a paragraph break if it is already this full,
# rather than cutting the next paragraph after its first sentence.
_PARAGRAPH_BREAK_FILL = 0.6


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    paragraph: int
    heading: bool
    tokens: int


def chunk_document(document: Document, counter: TokenCounter, params: ChunkerParams) -> list[Chunk]:
    """Chunks of `document`, in order, covering every non-blank character."""
    text = document.text
    budget = params.max_tokens - SPECIAL_TOKENS
    if budget < 1:
        raise ValueError(f"max_tokens must exceed {SPECIAL_TOKENS}, got {params.max_tokens}")
    pieces = _pieces(text, counter, budget)
    line_starts = _line_starts(text)
    chunks = []
    i = 0
    while i < len(pieces):
        j = _chunk_end(pieces, i, budget)
        first, last = pieces[i], pieces[j - 1]
        chunks.append(
            Chunk(
                doc_id=document.doc_id,
                ordinal=len(chunks),
                char_start=first.start,
                char_end=last.end,
                start_line=bisect_right(line_starts, first.start),
                end_line=bisect_right(line_starts, last.end - 1),
                text=text[first.start : last.end],
                n_tokens=sum(p.tokens for p in pieces[i:j]) + SPECIAL_TOKENS,
            )
        )
        i = _next_start(pieces, i, j, params.overlap_tokens)
    return chunks


def _pieces(text: str, counter: TokenCounter, budget: int) -> list[_Piece]:
    sentences = split_sentences(text)
    spans = [text[s.start : s.end] for s in sentences]
    counts = counter.count_batch(spans) if hasattr(counter, "count_batch") else [counter.count(s) for s in spans]
    pieces = []
    for sentence, tokens in zip(sentences, counts):
        if tokens <= budget:
            pieces.append(_Piece(sentence.start, sentence.end, sentence.paragraph, sentence.heading, tokens))
            continue
        # Only a sentence longer than the whole budget is cut, at word-piece boundaries.
        token_spans = counter.token_spans(text[sentence.start : sentence.end])
        for offset in range(0, len(token_spans), budget):
            window = token_spans[offset : offset + budget]
            pieces.append(
                _Piece(
                    start=sentence.start + window[0][0],
                    end=sentence.start + window[-1][1],
                    paragraph=sentence.paragraph,
                    heading=False,
                    tokens=len(window),
                )
            )
    return pieces


def _chunk_end(pieces: list[_Piece], i: int, budget: int) -> int:
    """Index one past the last piece of the chunk starting at `i`."""
    total = 0
    j = i
    while j < len(pieces) and total + pieces[j].tokens <= budget:
        total += pieces[j].tokens
        j += 1
    if j < len(pieces) and pieces[j].paragraph == pieces[j - 1].paragraph:
        # Cutting inside a paragraph: end at the last paragraph break instead when
        # the chunk is already well filled by then.
        filled = total
        for m in range(j - 1, i, -1):
            filled -= pieces[m].tokens
            if pieces[m].paragraph != pieces[m - 1].paragraph:
                if filled >= _PARAGRAPH_BREAK_FILL * budget:
                    j = m
                break
    # A heading belongs with the text after it, not at the tail of a chunk.
    while j - 1 > i and pieces[j - 1].heading and j < len(pieces):
        j -= 1
    return j


def _next_start(pieces: list[_Piece], i: int, j: int, overlap_tokens: int) -> int:
    """Where the next chunk starts: `j`, stepped back over sentences to repeat as overlap."""
    if j >= len(pieces):
        return j
    start = j
    repeated = 0
    while start - 1 > i:
        previous = pieces[start - 1]
        if previous.paragraph != pieces[j].paragraph or previous.heading:
            break  # overlap only carries context within the paragraph being continued
        if repeated + previous.tokens > overlap_tokens:
            break
        repeated += previous.tokens
        start -= 1
    return start


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position != -1:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts
