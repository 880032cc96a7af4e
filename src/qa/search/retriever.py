"""Retrieval as two stages: `gather` what the index holds about a question, then `score` it.

The stages live in `evidence` and `scoring`; this module names the ways of
ranking the evaluation compares and runs a question through one of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from qa.config import RetrievalParams
from qa.index.protocols import IndexReader
from qa.search.evidence import Evidence, gather
from qa.search.scope import EVERYTHING, Scope
from qa.search.scoring import Ranking, dense_ranking, lexical_ranking, score
from qa.search.unnamed_subject import Embed
from qa.search.word_alignment import ReadTokens

Scorer = Callable[[Evidence, RetrievalParams, int], Ranking]

# "hybrid" is what `qa ask` uses; the other two are its single-list parts, kept so
# the evaluation can show what the fusion adds over each.
MODES: dict[str, Scorer] = {"hybrid": score, "dense": dense_ranking, "bm25": lexical_ranking}


def retrieve(
    reader: IndexReader,
    question: str,
    vector: np.ndarray,
    params: RetrievalParams,
    k: int,
    mode: str = "hybrid",
    scope: Scope = EVERYTHING,
    corpus_dir: Path | None = None,
    embed: Embed | None = None,
    read_tokens: ReadTokens | None = None,
) -> Ranking:
    """The k passages of `scope` that best answer `question` (embedded as `vector` by `embed`, whose
    token states `read_tokens` gives), and the no-answer call."""
    rank = scorer_for(mode)
    question = reader.analyzer.normalize_question(question)
    return rank(gather(reader, question, vector, max(params.candidates, k), scope, corpus_dir, embed, read_tokens), params, k)


def scorer_for(mode: str) -> Scorer:
    """The scoring stage for `mode`; raises ValueError naming the valid modes."""
    try:
        return MODES[mode]
    except KeyError:
        raise ValueError(f"unknown retrieval mode {mode!r}: choose one of {', '.join(MODES)}") from None
