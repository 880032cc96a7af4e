from hypothesis import given, settings as hypothesis_settings, strategies as st

from qa.ingest.chunker import SPECIAL_TOKENS, chunk_document
from qa.config import ChunkerParams
from qa.ingest.markdown_text import rendered_chunks
from qa.records import Document
from tests.fakes import FakeCounter

COUNTER = FakeCounter()


def document(text: str) -> Document:
    return Document(doc_id="doc.txt", title="t", text=text, content_hash="h", size=len(text), mtime_ns=0)


def check_invariants(text: str, params: ChunkerParams):
    chunks = chunk_document(document(text), COUNTER, params)
    for chunk in rendered_chunks(document(text), chunks, COUNTER):  # what the model reads (no rules) fits
        assert chunk.n_tokens == COUNTER.count(chunk.embedded_text) + SPECIAL_TOKENS <= params.max_tokens
    covered = [False] * len(text)
    previous_start = -1
    for chunk in chunks:
        assert chunk.text == text[chunk.char_start : chunk.char_end]
        assert chunk.start_line == text.count("\n", 0, chunk.char_start) + 1
        assert chunk.end_line == text.count("\n", 0, chunk.char_end - 1) + 1
        assert chunk.char_start > previous_start  # in order, always moving forward
        previous_start = chunk.char_start
        for i in range(chunk.char_start, chunk.char_end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
    return chunks


def test_short_document_is_one_chunk():
    [chunk] = check_invariants("A short note. Nothing more.", ChunkerParams(max_tokens=64, overlap_tokens=8))
    assert chunk.text == "A short note. Nothing more."
    assert (chunk.start_line, chunk.end_line) == (1, 1)


def test_chunks_end_at_sentence_boundaries_and_overlap_by_whole_sentences():
    sentences = [f"Sentence number {i} says something about topic {i}." for i in range(30)]
    text = " ".join(sentences)
    chunks = check_invariants(text, ChunkerParams(max_tokens=40, overlap_tokens=12))
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith(".")
    # Each next chunk starts with the last sentence of the previous one (10 tokens <= 12).
    for before, after in zip(chunks, chunks[1:]):
        last_sentence = before.text[before.text.rindex("Sentence number") :]
        assert after.text.startswith(last_sentence)


def test_a_sentence_longer_than_the_budget_is_split_and_nothing_is_lost():
    text = "Intro sentence here. " + " ".join(f"word{i}" for i in range(100)) + ". Outro."
    chunks = check_invariants(text, ChunkerParams(max_tokens=30, overlap_tokens=0))
    assert any(not c.text.endswith(".") for c in chunks)  # the long one was cut mid-sentence


def test_a_heading_starts_the_chunk_of_its_section():
    body = " ".join(f"Fact {i} is stated here." for i in range(6))
    text = f"{body}\n\nSecond Section\n\n{body}"
    chunks = check_invariants(text, ChunkerParams(max_tokens=40, overlap_tokens=0))
    assert not any(c.text.endswith("Second Section") and c.text != "Second Section" for c in chunks)
    assert any(c.text.startswith("Second Section") for c in chunks)


def test_line_numbers_follow_the_original_text():
    text = "Title\n\nFirst paragraph one. First paragraph two.\n\nSecond paragraph.\n"
    chunks = check_invariants(text, ChunkerParams(max_tokens=12, overlap_tokens=0))
    assert [(c.start_line, c.end_line) for c in chunks][-1][1] == 5


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    text=st.lists(st.sampled_from(list("ab cd.?!\n\xa0\tXY,") + ["U.S.", "Mr. ", "\n\n", "word "]), max_size=150).map("".join),
    max_tokens=st.integers(min_value=3, max_value=40),
    overlap=st.integers(min_value=0, max_value=20),
)
def test_any_text_chunks_exactly(text, max_tokens, overlap):
    check_invariants(text, ChunkerParams(max_tokens=max_tokens, overlap_tokens=overlap))


def test_a_section_starting_mid_paragraph_gets_no_chunks_repeating_the_tail_before_it():
    from dataclasses import replace

    from qa.records import Heading

    # A PDF has no blank lines: a bookmark's section begins inside what reads as one paragraph.
    before = " ".join(f"Before sentence {i} is here." for i in range(12))
    text = before + " The new section starts here. " + " ".join(f"After sentence {i} follows." for i in range(4))
    section = text.index("The new section")
    doc = replace(document(text), headings=(Heading(section, 1, "New section"),))
    chunks = chunk_document(doc, COUNTER, ChunkerParams(max_tokens=24, overlap_tokens=8))
    assert any(c.char_start == section for c in chunks)
    for earlier, later in zip(chunks, chunks[1:]):
        # Every chunk says something the one before did not: no shorter copy of the tail before the section.
        assert later.char_end > earlier.char_end


def test_a_rule_drawn_in_characters_takes_none_of_the_budget():
    # A licence draws 70 dashes between its parts: 70 word pieces nobody reads (the model reads
    # the passage without them), which cut the next paragraph in two when they were counted.
    exception = " ".join(f"The exception grants permission number {n} to link." for n in range(7))
    text = "-" * 70 + "\n\n\t\tLINKING EXCEPTION\n\n" + exception + "\n\n" + "-" * 70 + "\n"
    params = ChunkerParams(max_tokens=128, overlap_tokens=32)
    chunks = check_invariants(text, params)
    assert any(exception in chunk.text for chunk in chunks)
    assert not any("-----" in chunk.embedded_text for chunk in rendered_chunks(document(text), chunks, COUNTER))
