"""Counting word pieces with the embedding model's own tokenizer.

Chunk budgets must be measured in the units the model reads, or the model
silently truncates. The `tokenizers` library reads the model's tokenizer.json
directly, in milliseconds, without importing torch or transformers.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path
from typing import Protocol, Sequence

from qa.errors import ModelError


class TokenCounter(Protocol):
    def count(self, text: str) -> int:
        """Word pieces in `text`, special tokens excluded."""

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of `text`, special tokens excluded."""

    # Optional (WordPieceCounter has it; the chunker counts each span alone without it):
    # def pieces_of(self, text: str) -> TextPieces  (the text tokenized once, counting its spans)


class WordPieceCounter:
    """A model's Hugging Face fast tokenizer, with truncation and padding off."""

    def __init__(self, model_dir: Path):
        from tokenizers import Tokenizer

        path = Path(model_dir) / "tokenizer.json"
        if not path.is_file():
            raise ModelError(f"{model_dir} has no tokenizer.json: pass --model with a sentence-transformers model folder")
        self._tokenizer = Tokenizer.from_file(str(path))
        # The file ships with truncation at 128; counting must see every piece.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._words_stand_alone = _words_stand_alone(self._tokenizer)

    def count(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_batch(self, texts: list[str]) -> list[int]:
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        return [len(e.ids) for e in encodings]

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return list(self._tokenizer.encode(text, add_special_tokens=False).offsets)

    def count_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[int]:
        """`count(text[start:end])` of each span, from one tokenization of `text` (see `pieces_of`)."""
        return self.pieces_of(text).count_spans(spans)

    def pieces_of(self, text: str) -> "TextPieces":
        """`text` tokenized once, to count any number of its spans."""
        if not self._words_stand_alone:
            return TextPieces(self, text, (), ())
        # Cut at line breaks (where words end anyway) into parts tokenized side by side on
        # every core: one long document would otherwise be one thread's work.
        parts = _line_parts(text)
        encodings = self._tokenizer.encode_batch([text[start:end] for start, end in parts], add_special_tokens=False)
        return TextPieces(self, text, parts, encodings)


_PART_CHARS = 2048


def _line_parts(text: str) -> list[tuple[int, int]]:
    """(start, end) of consecutive parts of `text`, each ending at a line break after `_PART_CHARS` characters."""
    cuts = [0]
    while len(text) - cuts[-1] > _PART_CHARS:
        cut = text.find("\n", cuts[-1] + _PART_CHARS)
        if cut == -1:
            break
        cuts.append(cut + 1)
    if cuts[-1] < len(text) or len(cuts) == 1:
        cuts.append(len(text))
    return list(zip(cuts, cuts[1:]))


class TextPieces:
    """One text's word pieces, tokenized once, counting the pieces of its spans.

    Tokenizing a document's sentences and then its chunks one by one was most of
    a build's time outside the model. A word-piece tokenizer that splits words
    before cutting them (BERT's) reads each word alone, so a span whose edges fall
    between two of its words holds exactly the pieces it would have on its own: a
    span is counted from the text's pieces when its first piece starts where it
    starts and begins a word, and its last piece ends where it ends and the next
    piece begins a word. Any other span (an edge inside a word as the tokenizer
    sees it: characters it drops can join two words, "a\\x1cb" reads as "ab"; an
    edge on a dropped character), and every span of a tokenizer that is not that
    kind, is tokenized alone.
    """

    def __init__(self, counter: WordPieceCounter, text: str, parts: Sequence[tuple[int, int]], encodings: Sequence):
        self._counter, self._text = counter, text
        self._part_starts = [start for start, _ in parts]
        self._encodings = list(encodings)
        self._lengths = [len(encoding) for encoding in self._encodings]
        self._before = [0]  # pieces in the parts before each part
        for length in self._lengths:
            self._before.append(self._before[-1] + length)

    def count_spans(self, spans: Sequence[tuple[int, int]]) -> list[int]:
        """Word pieces of each `text[start:end]`, special tokens excluded, as `count` gives them."""
        counts = [self._count_from_pieces(start, end) for start, end in spans]
        alone = [n for n, count in enumerate(counts) if count is None]
        if alone:
            for n, count in zip(alone, self._counter.count_batch([self._text[spans[n][0] : spans[n][1]] for n in alone])):
                counts[n] = count
        return counts

    def _count_from_pieces(self, start: int, end: int) -> int | None:
        """The span's pieces, or None when its edges are not clean (see the class)."""
        if not self._encodings or end <= start:
            return None
        first = self._piece_at(start)
        last = self._piece_at(end - 1)
        if first is None or last is None:
            return None
        (first_part, first_piece), (last_part, last_piece) = first, last
        head, tail = self._encodings[first_part], self._encodings[last_part]
        if head.token_to_chars(first_piece)[0] + self._part_starts[first_part] != start:
            return None
        if first_piece > 0 and head.token_to_word(first_piece - 1) == head.token_to_word(first_piece):
            return None
        if tail.token_to_chars(last_piece)[1] + self._part_starts[last_part] != end:
            return None
        if last_piece + 1 < self._lengths[last_part] and tail.token_to_word(last_piece + 1) == tail.token_to_word(last_piece):
            return None
        return self._before[last_part] + last_piece - (self._before[first_part] + first_piece) + 1

    def _piece_at(self, position: int) -> tuple[int, int] | None:
        """(part, piece in it) of the piece holding the character at `position`, None when none does."""
        part = bisect_right(self._part_starts, position) - 1
        piece = self._encodings[part].char_to_token(position - self._part_starts[part])
        return None if piece is None else (part, piece)


def _words_stand_alone(tokenizer) -> bool:
    """True when the tokenizer cuts words into pieces one word at a time (BERT's WordPiece after its pre-tokenizer)."""
    from tokenizers import models, normalizers, pre_tokenizers

    return (
        (tokenizer.normalizer is None or isinstance(tokenizer.normalizer, normalizers.BertNormalizer))
        and isinstance(tokenizer.pre_tokenizer, pre_tokenizers.BertPreTokenizer)
        and isinstance(tokenizer.model, models.WordPiece)
    )
