"""A passage as styled text: the answering sentence set apart, the question's words emphasised."""

from __future__ import annotations

from rich.text import Text

from qa.analyzer import ENGLISH
from qa.ingest.sentences import reflowed
from qa.records import Passage

CONTEXT_STYLE = "dim"
HIGHLIGHT_STYLE = "bold"
TERM_STYLE = "underline"
MARK = "▌ "


def emphasis_stems(question: str) -> set[str]:
    return {ENGLISH.stem(w) for w in ENGLISH.content_words(question)}


def passage_body(passage: Passage, question: str) -> Text:
    """Context before, the highlighted sentence on its own marked lines, context after."""
    stems = emphasis_stems(question)
    start = passage.highlight_start
    end = start + len(passage.highlight)
    text = reflowed(passage.text)  # the same length: the highlight's offsets hold
    before = _flow(text[:start])
    after = _flow(text[end:])
    body = Text()
    if before:
        body.append_text(emphasise(before, stems, CONTEXT_STYLE))
        body.append("\n")
    body.append(MARK, style="bold")
    body.append_text(emphasise(_flow(text[start:end]), stems, HIGHLIGHT_STYLE))
    if after:
        body.append("\n")
        body.append_text(emphasise(after, stems, CONTEXT_STYLE))
    return body


def emphasise(text: str, stems: set[str], base_style: str) -> Text:
    """`text` in `base_style`, with words sharing a stem with the question underlined."""
    styled = Text(text, style=base_style)
    if stems:
        for start, end in ENGLISH.word_spans(text):
            if ENGLISH.stem(text[start:end].lower()) in stems:
                styled.stylize(TERM_STYLE, start, end)
    return styled


def _flow(text: str) -> str:
    """Whitespace folded inside each line left (soft wraps are spaces already), line breaks kept single."""
    paragraphs = [" ".join(p.split()) for p in text.split("\n")]
    return "\n".join(p for p in paragraphs if p)
