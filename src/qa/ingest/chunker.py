"""Cut a document into sentence-aligned chunks that fit the model's window.

A chunk is a run of whole sentences within a token budget (counted with the
model's own tokenizer, special tokens included), so nothing is truncated when
it is embedded. Consecutive chunks share up to `overlap_tokens` of whole
sentences from the same paragraph, so an answer that straddles a cut is still
whole in one of them. A sentence is split only when it alone exceeds the budget.

A PDF page's running header, footer and page number, and its table-of-contents
and index lines (see `page_layout`) are never inside a chunk: a chunk's span lies
between them, so its text is still exactly the stored page text at its offsets.
A page's footnotes start a chunk of their own. A word the page hyphenates at a
line end ("devel-\nopment") is joined in what is embedded (`search_text`), and a
footnote's number run into its first word ("11The") is left out of it; the span
and the text shown stay as the page has them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from qa.analyzer import LINE_END_JOIN
from qa.config import ChunkerParams
from qa.ingest.headings import PATH_SEPARATOR, heading_path_at
from qa.ingest.contents_lines import heading_list_spans
from qa.ingest.markdown_text import Edit, apply_edits, reading_edits
from qa.ingest.page_layout import PageLayout, page_layouts
from qa.ingest.sentences import Sentence, answer_sentence_spans, split_sentences
from qa.ingest.tokens import TokenCounter
from qa.records import Chunk, Document, Heading, embedded_text

SPECIAL_TOKENS = 2  # [CLS] and [SEP] wrap every sequence the model reads
# A chunk may end early at a paragraph break if it is already this full,
# rather than cutting the next paragraph after its first sentence.
_PARAGRAPH_BREAK_FILL = 0.6
# At most 1/_PATH_SHARE of the budget goes to a chunk's heading path (32 of 126 word pieces).
_PATH_SHARE = 4


def chunk_answer_spans(document: Document, chunk: Chunk) -> list[tuple[int, int]]:
    """The chunk's sentences that may be highlighted (`answer_sentence_spans`), read with the
    part of its first line before it: a chunk starts at a sentence, not always at a line."""
    text = document.page_text(chunk.page) if chunk.page is not None else document.text
    line_start = text.rfind("\n", 0, chunk.char_start) + 1
    return answer_sentence_spans(chunk.text, text[line_start : chunk.char_start])


def search_text(text: str) -> str:
    """`text` with words hyphenated at line ends joined ("devel-\nopment" -> "development"), and
    identifiers broken after an underscore ("gcry_check_\nversion" -> "gcry_check_version")."""
    return LINE_END_JOIN.sub("", text)


@dataclass(frozen=True)
class JoinedChunk(Chunk):
    """A chunk whose text breaks words at line ends, or runs a footnote's number into its
    first word: the model reads the words whole, without the number.

    `text` and the offsets stay the page's; `search_text` is what is embedded (full-text
    search joins the same words: the analyzer reads a line-end hyphen as inside a word).
    Only the line-end joins change its length (two characters fewer at a hyphen, one at an
    underscore); a note's number is blanked in place.
    """

    search_text: str = ""

    @property
    def embedded_text(self) -> str:
        return embedded_text(self.heading_path, self.search_text)


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    paragraph: int
    heading: bool
    tokens: int
    region: int = 0  # pieces of one region lie between the same running header/footer lines


def chunk_document(document: Document, counter: TokenCounter, params: ChunkerParams) -> list[Chunk]:
    """Chunks of `document`, in order, covering every non-blank character.

    A PDF is cut page by page, so no chunk crosses a page and each one's offsets
    and lines are within its page's text. Each chunk carries the heading path in
    force where it starts; what is embedded (path, then text) fits the budget.
    """
    budget = params.max_tokens - SPECIAL_TOKENS
    if budget < 1:
        raise ValueError(f"max_tokens must exceed {SPECIAL_TOKENS}, got {params.max_tokens}")
    if document.page_starts:
        chunks: list[Chunk] = []
        pages = [document.page_text(page) for page in range(1, document.pages + 1)]
        page_headings = []
        for page in range(1, document.pages + 1):
            start = document.page_starts[page - 1]
            end = start + len(pages[page - 1])
            # Bookmarks as offsets into this page: earlier pages' ones (negative) are in force from its top.
            page_headings.append(tuple(Heading(h.start - start, h.level, h.title) for h in document.headings if h.start <= end))
        layouts = page_layouts(pages, page_headings)
        for page in range(1, document.pages + 1):
            chunks += _chunk_text(
                document, pages[page - 1], page_headings[page - 1], page, counter, budget, params, len(chunks), layouts[page - 1]
            )
        return chunks
    # A text's own table of contents names its headings and answers nothing: no chunk holds it.
    layout = PageLayout(heading_list_spans(document.text, document.headings))
    # The budget is of what the model reads (`markdown_text.rendered_chunks`): a licence's rule of
    # 70 dashes is 70 word pieces of the text but none of the passage's, and a README's link
    # addresses are none either, so a chunk is not cut short for characters nobody reads.
    edits = reading_edits(document)
    return _chunk_text(document, document.text, document.headings, None, counter, budget, params, 0, layout, edits)


def _chunk_text(
    document: Document,
    text: str,
    headings: tuple[Heading, ...],
    page: int | None,
    counter: TokenCounter,
    budget: int,
    params: ChunkerParams,
    first_ordinal: int,
    layout: PageLayout = PageLayout(),
    edits: list[Edit] | None = None,
) -> list[Chunk]:
    # With headings, a share of the budget is kept for the heading path that leads
    # each chunk's embedded text, so a sentence cut to fit still fits behind it.
    path_budget = budget // _PATH_SHARE if headings else 0
    # The text tokenized once counts its sentences and then its chunks (see tokens.TextPieces).
    spans_counter = _SpanCounter(counter, text, edits or [])
    pieces = _pieces(text, counter, budget - path_budget, layout, spans_counter)
    line_starts = _line_starts(text)
    section_starts = {heading.start for heading in headings}
    titles = _title_pieces(pieces, headings)
    paths: dict[str, tuple[str, int]] = {}  # a section's chunks share its heading path: count it once

    def fitted(start: int) -> tuple[str, int]:
        full = heading_path_at(headings, start, document.title)
        if full not in paths:
            path = _fitting_path(full, counter, path_budget)
            paths[full] = path, (counter.count(embedded_text(path, "x")) - counter.count("x") if path else 0)
        return paths[full]

    # Planned on the pieces' own counts, then every chunk's real text counted in one batch
    # (word pieces nearly always add up); only a document where one does not fit is
    # planned again measuring each chunk as it goes, which gives the same chunks otherwise.
    # What the model reads of the text: note numbers blanked (same length, so spans hold).
    read = _blanked(text, layout.unread)
    # A word hyphenated at a line end inside a span is one in the whole text too: most texts have none.
    rewrites = read != text or LINE_END_JOIN.search(text) is not None
    plan = _plan(pieces, section_starts, titles, budget, params, fitted, None)
    measured = _count_planned(counter, spans_counter, text, read, pieces, plan, paths, rewrites)
    if any(tokens > budget for tokens in measured):
        plan = _plan(
            pieces, section_starts, titles, budget, params, fitted,
            lambda path, i, j: _embedded_tokens(
                counter, path, spans_counter.read(text, pieces[i].start, pieces[j - 1].end), spans_counter.read(read, pieces[i].start, pieces[j - 1].end)
            ),
        )
        measured = _count_planned(counter, spans_counter, text, read, pieces, plan, paths, rewrites)
    chunks = []
    for (i, j, path), tokens in zip(plan, measured):
        first, last = pieces[i], pieces[j - 1]
        span = text[first.start : last.end]
        fields = dict(
            doc_id=document.doc_id,
            ordinal=first_ordinal + len(chunks),
            char_start=first.start,
            char_end=last.end,
            start_line=bisect_right(line_starts, first.start),
            end_line=bisect_right(line_starts, last.end - 1),
            text=span,
            page=page,
            heading_path=path,
        )
        joined = search_text(read[first.start : last.end]) if rewrites else span
        if joined != span:
            chunks.append(JoinedChunk(**fields, n_tokens=counter.count(embedded_text(path, joined)) + SPECIAL_TOKENS, search_text=joined))
        else:
            chunks.append(Chunk(**fields, n_tokens=tokens + SPECIAL_TOKENS))
    return chunks


def _title_pieces(pieces, headings: tuple[Heading, ...]) -> set[int]:
    """The pieces that are a heading's title: the one it starts, and those of a title set on
    two lines ("Chapter 3" over "Starting a Multi-Simulation", a wrapped PDF heading)."""
    spans = sorted((heading.start, heading.start + len(heading.title)) for heading in headings)
    starts = [start for start, _ in spans]
    titles = set()
    for k, piece in enumerate(pieces):
        n = bisect_right(starts, piece.start) - 1
        if n >= 0 and piece.start < spans[n][1]:
            titles.add(k)
    return titles


def _plan(pieces, section_starts, titles, budget, params, fitted, measure) -> list[tuple[int, int, str]]:
    """(first piece, one past the last, heading path) of each chunk, in order.

    `titles` are the indexes of the pieces that are headings' titles (`_title_pieces`).
    `measure(path, i, j)` counts a candidate chunk's real text; without it the
    pieces' counts are trusted (the caller checks them afterwards).
    """
    plan = []
    i = 0
    last_end = 0
    while i < len(pieces):
        # The path of what the chunk says: headings that lead it (a title, then a subheading) are under it too.
        content = next((pieces[k] for k in range(i, len(pieces)) if k not in titles), pieces[i])
        path, lead = fitted(content.start)
        budget_end = j = _chunk_end(pieces, i, budget - lead)
        # A new section starts a new chunk, so each chunk's heading path is the one it sits under;
        # headings in a row (a title, then its first section's heading) stay with the text after them.
        j = next((m for m in range(i + 1, j) if pieces[m].start in section_starts and m - 1 not in titles), j)
        cut_by_structure = j < budget_end or (j < len(pieces) and pieces[j].region != pieces[i].region)
        if j <= last_end and cut_by_structure:
            # The overlap stepped back into a chunk that ends where this one must (a PDF
            # section starting mid-paragraph, a running footer): it would only repeat the
            # last chunk's tail, a near copy that takes a slot in every answer it matches.
            # (Where the budget ends it, the shorter copy stays: dropping those too cost
            # SQuAD answer@5 0.963 -> 0.958, its sharper vector finding answers.)
            i = last_end
            continue
        if measure is not None:
            # Word pieces add up across whitespace, but not always across odd characters a
            # tokenizer normalises away; the budget is a promise, so measure the real text.
            tokens = measure(path, i, j)
            while tokens > budget and j - 1 > i:
                j -= 1
                tokens = measure(path, i, j)
            if tokens > budget:  # one piece that re-tokenizes longer behind the path: embed it alone
                path = ""
        plan.append((i, j, path))
        last_end = j
        i = _next_start(pieces, i, j, params.overlap_tokens)
    return plan


class _SpanCounter:
    """Counts the word pieces the model reads of spans of one text, with `edits` (what it leaves
    out, `markdown_text.reading_edits`) made: from the read text's one tokenization when the
    counter can (`pieces_of`), else each span alone."""

    def __init__(self, counter: TokenCounter, text: str, edits: list[Edit]):
        self._counter, self._edits = counter, edits
        self._text, self._origins = apply_edits(text, 0, len(text), edits) if edits else (text, None)
        self._pieces = counter.pieces_of(self._text) if hasattr(counter, "pieces_of") else None

    def read(self, text: str, start: int, end: int) -> str:
        """text[start:end] (this text, or one of its length with the same edits to make) as read."""
        return apply_edits(text, start, end, self._edits)[0] if self._edits else text[start:end]

    def count_spans(self, spans: list[tuple[int, int]]) -> list[int]:
        if self._origins is not None:  # where each span's characters went in the read text
            spans = [(bisect_left(self._origins, start), bisect_left(self._origins, end)) for start, end in spans]
        if self._pieces is not None:
            return self._pieces.count_spans(spans)
        return _count_many(self._counter, [self._text[start:end] for start, end in spans])

    def count_span(self, start: int, end: int) -> int:
        return self.count_spans([(start, end)])[0]


def _count_planned(
    counter: TokenCounter, spans_counter: _SpanCounter, text: str, read: str, pieces, plan, paths, rewrites: bool
) -> list[int]:
    """`_embedded_tokens` of each planned chunk: its heading path's lead (counted once per
    section, `paths`) plus its span's word pieces; a chunk the model reads otherwise than it is
    shown (words hyphenated at line ends, note numbers) is counted on its real text both ways,
    as `_count_embedded` does."""
    spans = [(pieces[i].start, pieces[j - 1].end) for i, j, _ in plan]
    leads = {path: lead for path, lead in paths.values()}
    tokens = [leads[path] + count if path else count for (_, _, path), count in zip(plan, spans_counter.count_spans(spans))]
    rewritten = [n for n, (start, end) in enumerate(spans) if rewrites and search_text(read[start:end]) != text[start:end]]
    if rewritten:
        recounted = _count_embedded(
            counter, [(plan[n][2], spans_counter.read(text, *spans[n]), spans_counter.read(read, *spans[n])) for n in rewritten]
        )
        for n, count in zip(rewritten, recounted):
            tokens[n] = count
    return tokens


def _count_embedded(counter: TokenCounter, chunks: list[tuple[str, str, str]]) -> list[int]:
    """`_embedded_tokens` of many (path, span as shown, span as read) triples, the tokenizer called once."""
    texts = [embedded_text(path, span) for path, span, _ in chunks]
    joined_at = {n: embedded_text(path, search_text(read)) for n, (path, span, read) in enumerate(chunks) if search_text(read) != span}
    counts = _count_many(counter, texts + list(joined_at.values()))
    tokens = counts[: len(texts)]
    for n, extra in zip(joined_at, counts[len(texts) :]):
        tokens[n] = max(tokens[n], extra)
    return tokens


def _count_many(counter: TokenCounter, texts: list[str]) -> list[int]:
    return counter.count_batch(texts) if hasattr(counter, "count_batch") else [counter.count(t) for t in texts]


def _embedded_tokens(counter: TokenCounter, path: str, span: str, read: str) -> int:
    """Word pieces of what the model reads for a span: the larger of it as shown and as read
    (words joined, note numbers left out)."""
    tokens = counter.count(embedded_text(path, span))
    joined = search_text(read)
    return tokens if joined == span else max(tokens, counter.count(embedded_text(path, joined)))


def _blanked(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """`text` with each span's characters replaced by spaces: the same length, so offsets hold."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _fitting_path(path: str, counter: TokenCounter, path_budget: int) -> str:
    """The heading path, its outer headings dropped (then its words cut) until it fits."""
    if not path:
        return path
    parts = path.split(PATH_SEPARATOR)
    while len(parts) > 1 and counter.count(embedded_text(PATH_SEPARATOR.join(parts), "")) > path_budget:
        parts = parts[1:]
    path = PATH_SEPARATOR.join(parts)
    words = path.split()
    while words and counter.count(embedded_text(" ".join(words), "")) > path_budget:
        words = words[:-1]
    return " ".join(words)


def _pieces(text: str, counter: TokenCounter, budget: int, layout: PageLayout, spans_counter: _SpanCounter) -> list[_Piece]:
    """Sentence pieces of `text`, none inside a left-out span (running headers and footers,
    contents lines) and none across a break (where footnotes start).

    Left-out lines are blanked (same length, so offsets hold) before sentences are
    found: a blank line is a paragraph break, so no sentence reaches across one.
    """
    masked = _blanked(text, layout.left_out)
    starts = sorted([start for start, _ in layout.left_out] + list(layout.breaks))
    sentences = []
    for start, end in zip((0,) + layout.breaks, layout.breaks + (len(text),)):
        paragraphs = sentences[-1].paragraph + 1 if sentences else 0
        sentences += [Sentence(s.start, s.end, s.paragraph + paragraphs, s.heading) for s in split_sentences(masked, start, end)]
    counts = spans_counter.count_spans([(s.start, s.end) for s in sentences])
    pieces = []
    for sentence, tokens in zip(sentences, counts):
        region = bisect_right(starts, sentence.start)
        if tokens <= budget:
            pieces.append(_Piece(sentence.start, sentence.end, sentence.paragraph, sentence.heading, tokens, region))
            continue
        # Only a sentence longer than the whole budget is cut: at word boundaries
        # where it can be, at word-piece boundaries inside one giant "word" otherwise.
        for start, end, count in _split_long_sentence(text, sentence.start, sentence.end, counter, spans_counter, budget):
            pieces.append(_Piece(start, end, sentence.paragraph, False, count, region))
    return pieces


def _split_long_sentence(text: str, start: int, end: int, counter: TokenCounter, spans_counter: _SpanCounter, budget: int):
    """(start, end, tokens) of consecutive pieces covering text[start:end], each within the budget.

    Pieces are cut between tokens and extended over any characters the tokenizer
    drops (zero-width or control characters), so no character is left out. Runs
    are counted from the text's one tokenization where their edges allow (the
    search measures about seven a piece: tokenizing each alone was 13 ms of
    chunking 12 SQuAD articles).
    """
    spans = [(start + s, start + e) for s, e in counter.token_spans(text[start:end]) if e > s]
    cuts = []  # index of the last token of each piece
    k = 0
    while k < len(spans):
        # The longest run of whole tokens from k that still fits, measured on the real text.
        low, high = k, min(len(spans) - 1, k + budget - 1)
        while low < high:
            middle = (low + high + 1) // 2
            if spans_counter.count_span(spans[k][0], spans[middle][1]) <= budget:
                low = middle
            else:
                high = middle - 1
        last = low
        # Back off to the end of a word, so no piece starts inside one.
        for candidate in range(last, k, -1):
            if candidate + 1 >= len(spans) or spans[candidate + 1][0] > spans[candidate][1]:
                last = candidate
                break
        cuts.append(last)
        k = last + 1
    piece_start = start
    for n, last in enumerate(cuts):
        next_start = spans[last + 1][0] if n + 1 < len(cuts) else end
        piece_end = next_start
        while piece_end > piece_start and text[piece_end - 1].isspace():
            piece_end -= 1
        yield from _fit_by_characters(piece_start, piece_end, spans_counter, budget)
        piece_start = next_start
    if not cuts:  # nothing the tokenizer reads: keep the characters anyway
        yield start, end, 0


def _fit_by_characters(start: int, end: int, spans_counter: _SpanCounter, budget: int):
    """Split the text's [start:end] at characters until every part fits: the last resort for a
    single token that re-tokenizes longer on its own (tiny budgets, odd scripts)."""
    while start < end:
        tokens = spans_counter.count_span(start, end)
        if tokens <= budget:
            yield start, end, tokens
            return
        low, high = start + 1, end - 1  # the longest prefix that fits; one character always does
        while low < high:
            middle = (low + high + 1) // 2
            if spans_counter.count_span(start, middle) <= budget:
                low = middle
            else:
                high = middle - 1
        yield start, low, spans_counter.count_span(start, low)
        start = low


def _chunk_end(pieces: list[_Piece], i: int, budget: int) -> int:
    """Index one past the last piece of the chunk starting at `i`."""
    total = 0
    j = i
    while j < len(pieces) and total + pieces[j].tokens <= budget and pieces[j].region == pieces[i].region:
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
    return max(j, i + 1)  # every piece fits the budget, so a chunk always holds at least one


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
