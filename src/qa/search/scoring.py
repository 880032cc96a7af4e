"""The second stage of retrieval: turn gathered evidence into the passages shown, and decide
whether they answer at all.

Pure functions of `Evidence` and `RetrievalParams`: no index, no model. `qa ask`,
the evaluation and the tuning script all rank through `score`, so a setting
tuned on cached evidence behaves the same when a user asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

from qa.analyzer import Analyzer
from qa.config import DEFAULT_K, RetrievalParams
from qa.ingest.headings import PATH_SEPARATOR
from qa.ingest.sentences import is_statement
from qa.records import ChunkRow
from qa.search.answer_types import has_answer_of
from qa.search.document_names import name_stems, title_terms
from qa.search.evidence import Evidence
from qa.search.options import defines_option
from qa.search.lexical import corpus_coverage, term_overlap, unseen_word_count, word_share
from qa.search.word_alignment import alignments

_NOT_A_STATEMENT_PENALTY = 0.15


@dataclass(frozen=True)
class Candidate:
    chunk: ChunkRow
    score: float  # final ranking score: best sentence's answer score + scaled fusion score
    similarity: float  # cosine of question and chunk vectors
    sentence_similarity: float  # best cosine of the question and one of the chunk's sentences
    highlight: tuple[int, int]  # span in the chunk text of the sentence that best answers
    word_share: float = 0.0  # IDF-weighted share of the question's content words the chunk contains (lexical.word_share)
    sentence_share: float = 0.0  # the same share in its highlighted sentence, the one that best answers
    sibling_bonus: float = 0.0  # the part of `score` owed to other passages of its document
    pieces: tuple[str, ...] = ()  # a joined passage's chunk texts (see `join_neighbours`); () for one chunk
    answer_score: float = 0.0  # how well the highlighted sentence answers: cosine, shared words, answer type
    # best cosine of the question read under its document's title, when it points at a subject it never names (-1: not read so)
    subject_similarity: float = -1.0

    @property
    def own_score(self) -> float:
        """The score on this passage's own evidence: what diversity compares across documents."""
        return self.score - self.sibling_bonus

    @property
    def relevance(self) -> float:
        """The strongest semantic evidence that this chunk answers the question: what the
        no-answer call and `min_similarity` read (ranking reads the question as asked)."""
        return max(self.similarity, self.sentence_similarity, self.subject_similarity)


@dataclass(frozen=True)
class Ranking:
    """The passages to show, best first, and whether together they answer the question."""

    candidates: tuple[Candidate, ...]
    no_answer: bool
    coverage: float = 1.0  # share of the question's (IDF-weighted) words some chunk of the corpus holds
    missing_names: tuple[str, ...] = ()  # the question's names no chunk holds, when they decided no_answer


def score(evidence: Evidence, params: RetrievalParams, k: int) -> Ranking:
    """The k passages that best answer, from the three rankings fused and re-scored by sentence."""
    depth = min(max(params.candidates, k), evidence.depth)
    fused = fuse_rankings(
        [
            (evidence.dense[:depth], params.dense_weight),
            (evidence.by_sentence[:depth], params.sentence_weight),
            (evidence.lexical[:depth], params.lexical_weight),
        ],
        params.rrf_k,
    )
    # Only the best few dozen are re-scored by their sentences.
    shortlist = sorted(fused, key=lambda chunk_id: -fused[chunk_id])[: max(depth, 4 * k)]
    top_fused = max(fused.values(), default=1.0)
    support = sibling_support({c: fused[c] / top_fused for c in shortlist}, {c: evidence.rows[c].doc_id for c in shortlist})
    candidates = []
    # Each document title's words, stemmed once: what the title bonus and the sentence weights read.
    title_stems = {title: title_terms(evidence.analyzer, title) for title in {evidence.rows[c].title for c in shortlist}}
    named = title_matches(evidence, title_stems) if params.title_weight else {}
    asked = {title: answer_weights(evidence, stems, params) for title, stems in title_stems.items()}
    weighed = document_weights(evidence, shortlist, asked, params)
    beside_options = {title: words_beside_options(evidence, stems) for title, stems in title_stems.items()}
    # The same passages ranked without the answer-kind bonus, for the no-answer call below
    # (made into candidates only when it is needed).
    untyped = []
    for chunk_id in shortlist:
        row = evidence.rows[chunk_id]
        typed, plain = answer_sentences(evidence, chunk_id, params, weighed[row.doc_id], beside_options[row.title])
        bonus = params.sibling_weight * support[chunk_id]
        rest = params.fusion_weight * fused[chunk_id] / top_fused + bonus + params.title_weight * named.get(row.title, 0.0)
        candidates.append(_candidate(evidence, row, typed, rest, bonus))
        if plain is not typed:
            untyped.append((row, plain, rest, bonus))
    gap = evidence.sources.gap if evidence.sources is not None else None
    # The no-answer call reads at least the passages a default answer shows: asking for fewer
    # (`-k 1`) must not make the corpus answer less. An option's entry ranked first on what it
    # says, its cosine low, was refused alone and answered among five.
    over = max(k, DEFAULT_K)
    picked = diversify(candidates, over, params.per_document, params.min_similarity, params.diversity_margin, params.max_joined, gap)
    decided = _decided(evidence, picked, params)
    if decided.no_answer and not decided.missing_names and untyped:
        # The kind of answer asked for reorders the passages ("because..." sentences first for
        # "why"), which can push out the one holding the question's words: whether the corpus
        # answers is judged on the passages ranked without it too.
        moved = {row.chunk_id: _candidate(evidence, row, answer, rest, bonus) for row, answer, rest, bonus in untyped}
        ranked = [moved.get(c.chunk.chunk_id, c) for c in candidates]
        plain = diversify(ranked, over, params.per_document, params.min_similarity, params.diversity_margin, params.max_joined, gap)
        if not _decided(evidence, plain, params).no_answer:
            decided = replace(decided, no_answer=False)
    if decided.no_answer and not decided.missing_names and evidence.as_asked is not None:
        # The rankings placed a named document's passages by the question without its name
        # (`named_subject`); the passages the question as asked ranks may show the answer's
        # words where those do not: the corpus answers if either reading's passages do.
        dense, by_sentence = evidence.as_asked
        # Only the call is read there, and ordering the passages cannot change it: no model passes.
        if not score(replace(evidence, dense=dense, by_sentence=by_sentence, as_asked=None, read_tokens=None), params, k).no_answer:
            decided = replace(decided, no_answer=False)
    return replace(decided, candidates=ordered_by_alignment(evidence, decided.candidates, params)[:k])


def ordered_by_alignment(evidence: Evidence, candidates: tuple[Candidate, ...], params: RetrievalParams) -> tuple[Candidate, ...]:
    """`candidates` with the first `aligned_passages` relevant ones scored again, `alignment_weight`
    times how closely the question's words each find a counterpart in each (`word_alignment`)
    added, and ordered by that; as they are when the model's token states are not at hand.

    Reading a passage word by word is a pass of the model, so only those that could overtake
    the first are read: alignment lies in [0, 1], so one more than `alignment_weight` under it cannot.
    """
    weight = params.alignment_weight
    if evidence.read_tokens is None or not weight or len(candidates) < 2:
        return candidates
    first = candidates[0].score
    close = 0  # relevant passages come first, best first (`diversify`): the close ones are a prefix
    for candidate in candidates[: params.aligned_passages]:
        if candidate.relevance < params.min_similarity or candidate.score < first - weight:
            break
        close += 1
    if close < 2:
        return candidates
    # The words naming the document every passage compared comes from are left out: they tell
    # none of its passages from another, and those that repeat the name (its introduction, its
    # title block) would find them, not the one that answers. Between documents (SciFact's
    # abstracts) a title's words do tell them apart, and stay.
    named = frozenset.intersection(*(title_terms(evidence.analyzer, c.chunk.title) | name_stems(evidence.analyzer, c.chunk.doc_id) for c in candidates[:close]))
    found = alignments(
        evidence.read_tokens, evidence.question, [c.chunk.text for c in candidates[:close]], lambda word: bool(evidence.analyzer.stems(word) & named)
    )
    rescored = [replace(c, score=c.score + weight * alignment) for c, alignment in zip(candidates, found)]
    return tuple(sorted(rescored, key=lambda c: (-c.score, c.chunk.chunk_id))) + candidates[close:]


def _candidate(evidence: Evidence, row: ChunkRow, answer: tuple[float, tuple[int, int]], rest: float, bonus: float) -> Candidate:
    """A shortlisted passage: its best sentence's (answer score, span) plus `rest` (fusion, sibling, title)."""
    answer_score, highlight = answer
    return Candidate(
        chunk=row,
        score=answer_score + rest,
        sibling_bonus=bonus,
        answer_score=answer_score,
        similarity=evidence.similarity[row.chunk_id],
        sentence_similarity=evidence.sentence_similarity(row.chunk_id),
        highlight=highlight,
        subject_similarity=evidence.subject_similarity.get(row.chunk_id, -1.0),
    )


def dense_ranking(evidence: Evidence, params: RetrievalParams, k: int) -> Ranking:
    """The k chunks nearest by chunk vector alone, in cosine order (a part of `score`, for measuring):
    the model's own ranking of the question as asked, not as `named_subject` reads it for `score`."""
    dense = evidence.as_asked[0] if evidence.as_asked is not None else evidence.dense
    return _decided(evidence, [_plain(evidence, c, evidence.similarity[c]) for c in dense[:k]], params)


def lexical_ranking(evidence: Evidence, params: RetrievalParams, k: int) -> Ranking:
    """The k chunks BM25 ranks best, in BM25 order (a part of `score`, for measuring)."""
    return _decided(evidence, [_plain(evidence, c, -float(rank)) for rank, c in enumerate(evidence.lexical[:k])], params)


def _plain(evidence: Evidence, chunk_id: int, ranking_score: float) -> Candidate:
    """A candidate scored by one ranking, highlighted at its sentence of highest cosine."""
    best = max(evidence.sentences[chunk_id], default=None)
    return Candidate(
        chunk=evidence.rows[chunk_id],
        score=ranking_score,
        similarity=evidence.similarity[chunk_id],
        sentence_similarity=best[0] if best else -1.0,
        highlight=(best[1], best[2]) if best else (0, len(evidence.rows[chunk_id].text)),
    )


def _decided(evidence: Evidence, picked: list[Candidate], params: RetrievalParams) -> Ranking:
    # Only the passages shown need the word evidence the no-answer call reads.
    analyzer, unseen = evidence.analyzer, evidence.unseen_terms
    counts = unseen_word_count(evidence.corpus_chunks, unseen, params.unseen_full_chunks)
    weights = evidence.expected_weights or evidence.term_weights

    def weighed(c: Candidate) -> Candidate:
        named = evidence.named_by.get(c.chunk.doc_id, frozenset())

        def share(text: str) -> float:
            return word_share(analyzer, weights, text, unseen, counts, named)

        # A joined passage's words are weighed chunk by chunk, as the rule was tuned: two
        # neighbours' words together would pass a passage that neither would.
        return replace(
            c,
            word_share=max(share(text) for text in c.pieces or (c.chunk.text,)),
            sentence_share=sentence_share(evidence, c, share, params),
        )

    shown = tuple(weighed(c) for c in picked)
    coverage = corpus_coverage(analyzer, weights, unseen)
    missing = evidence.missing_names if params.refuse_missing_names else ()
    no_answer = not shown or bool(missing) or lacks_evidence(shown, params, coverage)
    return Ranking(shown, no_answer=no_answer, coverage=coverage, missing_names=missing if shown else ())


def sentence_share(evidence: Evidence, candidate: Candidate, share: Callable[[str], float], params: RetrievalParams) -> float:
    """The share of the question's words the highlighted sentence holds, its neighbours' counting
    at `neighbour_word_weight` as they do in choosing it (`best_answer_sentence`)."""
    text, (start, end) = candidate.chunk.text, candidate.highlight
    own = share(text[start:end])
    if not params.neighbour_word_weight:
        return own
    spans = [(s, e) for _, s, e in evidence.sentences.get(candidate.chunk.chunk_id, ())]
    if (start, end) not in spans:
        return own
    i = spans.index((start, end))
    around = " ".join(text[s:e] for s, e in spans[max(0, i - 1) : i + 2])
    return own + params.neighbour_word_weight * max(0.0, share(around) - own)


def lacks_evidence(candidates: tuple[Candidate, ...] | list[Candidate], params: RetrievalParams, coverage: float = 1.0) -> bool:
    """Whether, taken together, the passages show too little sign of answering.

    The best cosine among them, times 1 + `word_weight` times the largest share of
    the question's (IDF-weighted) words one passage holds + `sentence_word_weight`
    times the largest share one highlighted sentence holds; plus `coverage_weight`
    times the share of the question's words the corpus holds at all; under
    `min_evidence`. Cosine alone cannot tell a passage on the question's subject
    from one on a neighbouring subject; a passage that answers also holds the
    question's rare words, mostly in the one sentence that answers. The words
    scale the cosine rather than add to it, so a passage far from the question in
    meaning cannot pass on shared words alone. How much a word no chunk holds
    counts against a passage depends on the corpus's size (`unseen_word_count`):
    a reader's paraphrase uses everyday words ("lost", "took") a small corpus
    happens to lack.
    """
    semantic = max(c.relevance for c in candidates)
    words = max(c.word_share for c in candidates)
    sentence = max(c.sentence_share for c in candidates)
    evidence = semantic * (1.0 + params.word_weight * words + params.sentence_word_weight * sentence)
    return evidence + params.coverage_weight * coverage < params.min_evidence


def fuse_rankings(rankings: list[tuple[tuple[int, ...] | list[int], float]], rrf_k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: each list adds weight / (rrf_k + rank) to the ids it ranks.

    RRF needs no score calibration between BM25 and cosine, which live on
    unrelated scales; it only trusts each ranking's order.
    """
    fused: dict[int, float] = {}
    for ranked_ids, weight in rankings:
        for rank, chunk_id in enumerate(ranked_ids, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return fused


def sibling_support(scores: dict[int, float], doc_of: dict[int, str]) -> dict[int, float]:
    """For each chunk, the best score of another chunk of its document (0 when it has none)."""
    best_two: dict[str, list[float]] = {}
    for chunk_id, value in scores.items():
        top = best_two.setdefault(doc_of[chunk_id], [])
        top.append(value)
        top.sort(reverse=True)
        del top[2:]
    support = {}
    for chunk_id, value in scores.items():
        top = best_two[doc_of[chunk_id]]
        # The best other chunk: the document's best unless this chunk is it, then its second.
        support[chunk_id] = (top[1] if len(top) > 1 else 0.0) if value == top[0] else top[0]
    return support


def title_matches(evidence: Evidence, title_stems: dict[str, frozenset[str]]) -> dict[str, float]:
    """Each title's share of the question's (IDF-weighted) words (`title_stems`: each title's
    stems): a question often names what a document is about ("in bash", "does Black") where its
    passages never repeat the name."""
    return {title: term_overlap(evidence.term_weights, stems) for title, stems in title_stems.items()}


def answer_weights(evidence: Evidence, title_stems: frozenset[str] | set[str], params: RetrievalParams) -> dict[str, float]:
    """The question's term weights for judging the sentences of a document whose title has the
    stems `title_stems`: the words an answer is expected to say (`Evidence.expected_weights`: a
    sentence saying "years" answers "in what year" no better), the title's weighing
    `title_word_discount` less."""
    discount = params.title_word_discount
    return {term: weight * (1 - discount) if term in title_stems else weight for term, weight in evidence.expected_weights.items()}


def document_weights(
    evidence: Evidence, shortlist: list[int], asked: dict[str, dict[str, float]], params: RetrievalParams
) -> dict[str, dict[str, float]]:
    """The question's term weights for judging each shortlisted document's sentences: its
    title's (`answer_weights`), each word discounted by the share of the document's
    shortlisted passages that hold it when they are at least `shared_word_passages`.

    Which passage of a long manual answers is told by the words that set it apart from the
    manual's other passages, not by the words they all share (`shared_word_discount`)."""
    passages: dict[str, list[int]] = {}
    for chunk_id in shortlist:
        passages.setdefault(evidence.rows[chunk_id].doc_id, []).append(chunk_id)
    weighed = {}
    for doc_id, chunk_ids in passages.items():
        weights = asked[evidence.rows[chunk_ids[0]].title]
        if params.shared_word_discount and len(chunk_ids) >= params.shared_word_passages:
            held = [evidence.analyzer.stems(evidence.rows[c].text) for c in chunk_ids]
            share = {term: sum(term in stems for stems in held) / len(held) for term in weights}
            weights = {term: weight * (1 - params.shared_word_discount * share[term]) for term, weight in weights.items()}
        weighed[doc_id] = weights
    return weighed


# Words that name an option as an option ("tput -x option", "the -r switch"), stemmed by the
# evidence's own analyzer as the question's words are.
_OPTION_WORDS = "option switch flag argument parameter"


def words_beside_options(evidence: Evidence, title_stems: frozenset[str]) -> dict[str, float]:
    """The question's words other than the options it names, the words naming them as options
    and its document's title, each with its share of the question's weight: what a question
    naming an option asks beyond what the option does ({} when it names none)."""
    if not evidence.options:
        return {}
    weights = evidence.expected_weights
    total = sum(weights.values())
    if total <= 0:
        return {}
    named = {stem for option in evidence.options for stem in evidence.analyzer.stems(option)} | evidence.analyzer.stems(_OPTION_WORDS)
    return {term: weight / total for term, weight in weights.items() if term not in title_stems and term not in named}


def best_answer_sentence(
    evidence: Evidence,
    chunk_id: int,
    params: RetrievalParams,
    weights: dict[str, float] | None = None,
    beside_options: dict[str, float] | None = None,
) -> tuple[float, tuple[int, int]]:
    """(answer score, span) of the chunk's sentence that best answers: meaning, shared words, answer type.

    Cosine alone sometimes prefers a vaguer sentence; the words the question
    shares with a sentence, and holding the kind of answer asked for (a date
    for "when"), pull the precise one up. `weights` are the question's term
    weights for this chunk's document (`answer_weights`; the plain IDF weights when None);
    `beside_options`, what the question asks besides the options it names (`words_beside_options`).
    """
    return answer_sentences(evidence, chunk_id, params, weights, beside_options)[0]


def answer_sentences(
    evidence: Evidence,
    chunk_id: int,
    params: RetrievalParams,
    weights: dict[str, float] | None = None,
    beside_options: dict[str, float] | None = None,
) -> tuple[tuple[float, tuple[int, int]], tuple[float, tuple[int, int]]]:
    """`best_answer_sentence`, and the same without the bonus for the kind of answer asked for."""
    text = evidence.rows[chunk_id].text
    sentences = evidence.sentences[chunk_id]
    if not sentences:
        return (-1.0, (0, len(text))), (-1.0, (0, len(text)))
    analyzer = evidence.analyzer
    weights = evidence.term_weights if weights is None else weights
    # Under a question heading (an FAQ's "6.2 Is the FONTLOG required?") the answer is
    # "It is not a requirement...": the heading says what its sentences are about.
    section = evidence.rows[chunk_id].heading_path.rsplit(PATH_SEPARATOR, 1)[-1].rstrip("… ")
    asked = analyzer.stems(section.removeprefix("Q:")) if section.endswith("?") or section.startswith("Q:") else set()
    # Any other heading names the subject its sentences leave unsaid, and counts for less.
    named = analyzer.stems(section) if section and not asked else set()

    stems_of = [analyzer.stems(text[s:e]) for _, s, e in sentences]

    def score_of(i: int, cosine: float, start: int, end: int) -> tuple[float, float]:
        """(the sentence's answer score, the part of it the kind of answer asked for gives)."""
        sentence = text[start:end]
        kind = params.answer_type_weight if has_answer_of(evidence.wanted, sentence) else 0.0
        option = 0.0
        own = stems_of[i] | asked
        around = (stems_of[i - 1] if i > 0 else set()) | (stems_of[i + 1] if i + 1 < len(stems_of) else set())
        if defines_option(text, start, end, evidence.options):
            # The entry of the option asked about ("-x  do not attempt..."), less what else the
            # question asks that neither it, its heading nor its neighbours say.
            said = own | around | named
            lacking = sum(share for term, share in (beside_options or {}).items() if term not in said)
            option = params.option_weight * (1 - params.option_focus * lacking)
        shared = term_overlap(weights, own)
        # Words the sentence lacks count at a lower weight where its heading or the sentences
        # beside it hold them (the larger of the two credits, not both).
        context = params.neighbour_word_weight * (term_overlap(weights, own | around) - shared)
        if named:
            context = max(context, params.heading_word_weight * (term_overlap(weights, own | named) - shared))
        return cosine + params.overlap_weight * (shared + context) + option + kind, kind

    scored = [(score_of(i, c, s, e), s, e, c) for i, (c, s, e) in enumerate(sentences)]

    def finished(best: float, start: int, end: int, cosine: float) -> tuple[float, tuple[int, int]]:
        if asked:
            # ...and the passage as a whole (question and answer) may resemble the question asked
            # more than its answering sentence alone does; the highlight stays that sentence.
            best += max(0.0, evidence.similarity.get(chunk_id, -1.0) - cosine)
        if not is_statement(text[start:end]):
            # A chunk with nothing stated (a run of headings, short links, questions) can
            # resemble a question without saying anything that answers it; a table row or a
            # definition line says something without a full stop.
            best -= _NOT_A_STATEMENT_PENALTY
        return best, (start, end)

    (best, _), start, end, cosine = max(scored, key=lambda x: (x[0][0], x[1], x[2], x[3]))
    typed_best = finished(best, start, end, cosine)
    if not any(kind for (_, kind), *_ in scored):
        return typed_best, typed_best
    (best, kind), start, end, cosine = max(scored, key=lambda x: (x[0][0] - x[0][1], x[1], x[2], x[3]))
    return typed_best, finished(best - kind, start, end, cosine)


def overlapping(first: ChunkRow, second: ChunkRow) -> bool:
    """Whether two chunks share text: neighbours of one document (and page), overlapping."""
    return (
        first.doc_id == second.doc_id
        and first.page == second.page
        and first.char_start < second.char_end
        and second.char_start < first.char_end
    )


def shows_answer_of(shown: ChunkRow, candidate: Candidate) -> bool:
    """Whether `shown` holds the whole sentence `candidate` highlights."""
    row = candidate.chunk
    return (
        shown.doc_id == row.doc_id
        and shown.page == row.page
        and shown.char_start <= row.char_start + candidate.highlight[0]
        and row.char_start + candidate.highlight[1] <= shown.char_end
    )


def join_neighbours(shown: Candidate, neighbour: Candidate, between: str = "") -> Candidate:
    """`shown` widened to cover its overlapping `neighbour`: one passage, still exactly the stored text at its offsets.
    Chunks that follow one another without overlapping are joined by `between`, the blank text between them.

    It keeps its own score (it ranked first); the highlight is the sentence of the
    two that answers better, and the cosines are the better of the two.
    """
    a, b = sorted((shown.chunk, neighbour.chunk), key=lambda row: (row.char_start, row.char_end))
    text = a.text + between + b.text[max(a.char_end - b.char_start, 0) :] if b.char_end > a.char_end else a.text
    row = replace(
        shown.chunk,
        char_start=a.char_start,
        char_end=max(a.char_end, b.char_end),
        start_line=a.start_line,
        end_line=max(a.end_line, b.end_line),
        text=text,
        heading_path=a.heading_path,
    )
    best = neighbour if neighbour.answer_score > shown.answer_score else shown
    shift = best.chunk.char_start - a.char_start
    return replace(
        shown,
        chunk=row,
        similarity=max(shown.similarity, neighbour.similarity),
        sentence_similarity=max(shown.sentence_similarity, neighbour.sentence_similarity),
        subject_similarity=max(shown.subject_similarity, neighbour.subject_similarity),
        answer_score=best.answer_score,
        highlight=(best.highlight[0] + shift, best.highlight[1] + shift),
        pieces=(shown.pieces or (shown.chunk.text,)) + (neighbour.chunk.text,),
    )


def diversify(
    candidates: list[Candidate],
    k: int,
    per_document: int,
    min_similarity: float,
    margin: float | None = None,
    max_joined: int = 1,
    gap: Callable[[ChunkRow, ChunkRow], str | None] | None = None,
) -> list[Candidate]:
    """Pick k candidates so one long document cannot fill every slot when others are relevant.

    A document holds at most `per_document` slots while another document has a
    relevant candidate (relevance >= `min_similarity`) whose score is within
    `margin` of the one it displaces; a far weaker passage from elsewhere does
    not push out a strong one (None: any relevant one does). A relevant candidate
    that shares text with one already picked (its neighbour in the document) is
    joined to it instead of taking a slot, up to `max_joined` chunks a passage; so is
    one that follows it in the same section with only blank text between (`gap` reads
    that text; None: only overlapping ones are joined). Weak candidates come last.
    Shown relevant first, then by score.
    """

    def between(shown: Candidate, other: Candidate) -> str | None:
        """The text joining the two into one passage, or None when they are no neighbours."""
        if max(len(shown.pieces), 1) >= max_joined:
            return None
        if overlapping(shown.chunk, other.chunk):
            return ""
        if gap is None:
            return None
        a, b = sorted((shown.chunk, other.chunk), key=lambda row: row.char_start)
        return gap(a, b)

    ordered = sorted(candidates, key=lambda c: (-c.score, c.chunk.chunk_id))
    remaining = [c for c in ordered if c.relevance >= min_similarity]
    weak = [c for c in ordered if c.relevance < min_similarity]
    picked: list[Candidate] = []
    held: dict[str, int] = {}
    while remaining and len(picked) < k:
        candidate = remaining.pop(0)
        place, joint = next(((i, j) for i, p in enumerate(picked) if (j := between(p, candidate)) is not None), (None, None))
        if place is not None:
            # The chunker repeats sentences between neighbours, so an answer cut at a chunk's
            # end is whole in the next one: shown apart, the reader gets it in two cards (the
            # first maybe without it) and the shared sentences twice. Shown together, it takes no slot.
            picked[place] = join_neighbours(picked[place], candidate, joint)
            continue
        if any(shows_answer_of(p.chunk, candidate) for p in picked):
            continue  # its answering sentence is in a passage shown already (one joined as far as it may be)
        if held.get(candidate.chunk.doc_id, 0) >= per_document:
            other = next((c for c in remaining if held.get(c.chunk.doc_id, 0) < per_document), None)
            # Own scores: a document's other hits must not keep a second document out.
            if other is not None and (margin is None or candidate.own_score - other.own_score <= margin):
                remaining.remove(other)
                remaining.insert(0, candidate)  # it may still fill a slot no other document claims
                candidate = other
        picked.append(candidate)
        held[candidate.chunk.doc_id] = held.get(candidate.chunk.doc_id, 0) + 1
    picked += weak[: k - len(picked)]
    # Relevant passages by score, weak ones after them.
    return sorted(picked, key=lambda c: (c.relevance < min_similarity, -c.score, c.chunk.chunk_id))
