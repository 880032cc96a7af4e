"""Counting word pieces with the embedding model's own tokenizer.

Chunk budgets must be measured in the units the model reads, or the model
silently truncates. The `tokenizers` library reads the model's tokenizer.json
directly, in milliseconds, without importing torch or transformers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence

from qa.errors import ModelError


class TokenCounter(Protocol):
    def count(self, text: str) -> int:
        """Word pieces in `text`, special tokens excluded."""

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each word piece of `text`, special tokens excluded."""

    # Optional (WordPieceCounter has it; the chunker counts each span alone without it):
    # def count_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[int]


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
        self._words_stand_alone = _words_stand_alone(path)

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
            return TextPieces(self, text, None, None, None)
        import numpy as np

        # Cut at line breaks (where words end anyway) into parts tokenized side by side on
        # every core: one long document would otherwise be one thread's work.
        parts = _line_parts(text)
        encodings = self._tokenizer.encode_batch([text[start:end] for start, end in parts], add_special_tokens=False)
        starts, ends, new_word = [], [], []
        for (start, _), encoding in zip(parts, encodings):
            if not encoding.ids:
                continue
            offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2) + start
            words = np.asarray([-1 if w is None else w for w in encoding.word_ids], dtype=np.int64)
            starts.append(offsets[:, 0])
            ends.append(offsets[:, 1])
            new_word.append(np.concatenate([[True], words[1:] != words[:-1]]))
        if not starts:
            starts, ends, new_word = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=bool)]
        # A sentinel after the last piece (a new word, ending nowhere), so "the piece after a span" always exists.
        ends.append(np.array([np.iinfo(np.int64).max]))
        new_word.append(np.array([True]))
        return TextPieces(self, text, np.concatenate(starts), np.concatenate(ends), np.concatenate(new_word))


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
    between two of its words holds exactly the pieces it would have on its own. A
    span with an edge inside a word as the tokenizer sees it (characters it drops
    can join two words: "a\\x1cb" reads as "ab"), and every span of a tokenizer
    that is not that kind, is tokenized alone.
    """

    def __init__(self, counter: WordPieceCounter, text: str, starts, ends, new_word):
        self._counter, self._text = counter, text
        # Per piece: where it starts and ends, and whether it begins a word (not a "##" part of the one before).
        self._starts, self._ends, self._new_word = starts, ends, new_word

    def count_spans(self, spans: Sequence[tuple[int, int]]) -> list[int]:
        """Word pieces of each `text[start:end]`, special tokens excluded, as `count` gives them."""
        if not spans:
            return []
        if self._starts is None:
            return self._counter.count_batch([self._text[start:end] for start, end in spans])
        import numpy as np

        starts, ends, new_word = self._starts, self._ends, self._new_word
        bounds = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        first = np.searchsorted(starts, bounds[:, 0], side="left")  # the first piece starting in the span
        after = np.searchsorted(starts, bounds[:, 1], side="left")  # the first piece starting at or past its end
        # Clean edges: no piece reaches across either edge, and the piece after each edge begins
        # a word (a word cut at an edge would re-tokenize differently alone).
        previous = np.maximum(first - 1, 0)
        last = np.maximum(after - 1, 0)
        start_clean = (first == 0) | ((ends[previous] <= bounds[:, 0]) & new_word[first])
        end_clean = (after == first) | ((ends[last] <= bounds[:, 1]) & new_word[after])
        counts = (after - first).tolist()
        unclean = np.flatnonzero(~(start_clean & end_clean & (bounds[:, 1] >= bounds[:, 0]))).tolist()
        if unclean:
            alone = self._counter.count_batch([self._text[spans[n][0] : spans[n][1]] for n in unclean])
            for n, count in zip(unclean, alone):
                counts[n] = count
        return counts


def _words_stand_alone(tokenizer_json: Path) -> bool:
    """True when the tokenizer cuts words into pieces one word at a time (BERT's WordPiece after its pre-tokenizer)."""
    import json

    try:
        config = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    normalizer, pre_tokenizer, model = (config.get(key) or {} for key in ("normalizer", "pre_tokenizer", "model"))
    return (
        normalizer.get("type") in (None, "BertNormalizer")
        and pre_tokenizer.get("type") == "BertPreTokenizer"
        and model.get("type") == "WordPiece"
    )
