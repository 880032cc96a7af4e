"""Documents whose chunks on the real tokenizer are recorded in tests/chunking_baseline.json.

The record was made by the chunker before it counted word pieces from one
tokenization per document (commit 2f42265, `python -m tests.chunking_cases`);
tests/test_chunk_baseline.py checks today's chunks are the same ones. Made again
(same command) when a sentence rule changed on purpose: a list item's or
heading's number ("1. ", "3.5. ") no longer ends a sentence of its own. Generated
text is seeded and mixes what makes word pieces not add up: accents and
combining marks, CJK, control and zero-width characters, a byte-order mark, soft
hyphens, words longer than the budget, line-end hyphenation on pages, running
headers, headings.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).resolve().parent / "chunking_baseline.json"

_WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from at which but have an "
    "they you were their one all we can her has there been if more when will would who so no year city river "
    "government population university century Beyoncé Normandy Nikola Tesla café naïve résumé coöperate "
    "well-known state-of-the-art e.g. i.e. U.S. Dr. approx. 1,234 3.14 1990s 20th O'Brien don't "
    "http://example.com/a/b?c=d user@example.org C++ x86_64 £100 €5 ½ ﬁnance Ⅻ ø Straße İstanbul"
).split()
_ODD = (
    "北京大学", "東京", "한국어", "Привет", "مرحبا", "😀", "e\u0301", "n\u0303o", "\u200b", "zero\u200bwidth", "soft\u00adhyphen",
    "\x1c", "a\x1cb", "\x0b", "\x7f", "\u2028", "\u00a0", "\u3000", "tab\there", "\ufeff", "ǅ", "ﬀ", "x" * 140,
    "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3, "...", "?!", "\u2026", "\u201cquoted\u201d", "(aside)", "[1]",
)


def _sentence(rng: random.Random, odd: float) -> str:
    words = []
    for _ in range(rng.randint(2, 28)):
        words.append(rng.choice(_ODD) if rng.random() < odd else rng.choice(_WORDS))
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice((".", ".", ".", "?", "!", "", ".\u201d", ")."))


def _paragraph(rng: random.Random, odd: float) -> str:
    sentences = [_sentence(rng, odd) for _ in range(rng.randint(1, 9))]
    if rng.random() < 0.15:  # a list
        return "\n".join(rng.choice(("- ", "* ", "1. ", "\u2022 ")) + s for s in sentences)
    joiner = rng.choice((" ", " ", "  ", "\n", " \t"))
    return joiner.join(sentences)


def generated_text(seed: int, paragraphs: int, odd: float) -> tuple[str, list[tuple[int, int, str]]]:
    """A document's text and its headings as (start, level, title)."""
    rng = random.Random(seed)
    parts, headings, length = [], [], 0
    for n in range(paragraphs):
        if rng.random() < 0.2:
            title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6)))
            if rng.random() < 0.1:
                title = " ".join(rng.choice(_WORDS) for _ in range(40))  # a path longer than its share
            headings.append((length, rng.randint(1, 3), title))
            parts.append(title)
            length += len(title) + 2
        if rng.random() < 0.05:
            block = " ".join(rng.choice(_WORDS) for _ in range(300)) + "."  # one sentence past the budget
        else:
            block = _paragraph(rng, odd)
        parts.append(block)
        length += len(block) + 2
    return "\n\n".join(parts) + rng.choice(("", "\n", "\r\n", "\n\n\n")), headings


def paged_text(seed: int, pages: int) -> tuple[str, tuple[int, ...]]:
    """A PDF-like text: pages joined by form feeds, a running header and page number, words hyphenated at line ends."""
    rng = random.Random(seed)
    texts = []
    for page in range(1, pages + 1):
        lines = ["The Running Header Of This Book"]
        for _ in range(rng.randint(5, 25)):
            line = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 12)))
            if rng.random() < 0.3:
                line += " devel-"  # continued "opment" on the next line
                lines.append(line)
                line = "opment " + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 9)))
            if rng.random() < 0.3:
                line += "."
            lines.append(line)
            if rng.random() < 0.15:
                lines.append("")
        lines.append(str(page))
        texts.append("\n".join(lines))
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    return "\f".join(texts), tuple(starts)


def cases():
    """(name, Document, ChunkerParams) of every recorded case."""
    from qa.config import ChunkerParams
    from qa.ingest.loader import read_document
    from qa.records import Document, Heading

    default, small, tiny = ChunkerParams(), ChunkerParams(max_tokens=40, overlap_tokens=10), ChunkerParams(max_tokens=12, overlap_tokens=3)
    for path in sorted((ROOT / "corpus").iterdir()):
        document = read_document(ROOT / "corpus", path)
        yield f"corpus/{path.name}", document, default
        yield f"corpus/{path.name} small", document, small
    for seed in range(24):
        odd = (0.0, 0.05, 0.3)[seed % 3]
        text, headings = generated_text(seed, 8 + seed, odd)
        marks = tuple(Heading(start, level, title) for start, level, title in headings) if seed % 2 else ()
        document = Document(doc_id=f"generated-{seed}.md", title=f"Generated {seed}", text=text, content_hash="h", size=len(text), mtime_ns=0, headings=marks)
        for label, params in (("default", default), ("small", small), ("tiny", tiny)):
            if label != "tiny" or seed in (1, 5, 9):  # tiny budgets make many chunks; a few documents are enough
                yield f"generated {seed} {label}", document, params
    for seed in range(4):
        text, starts = paged_text(100 + seed, 6 + 3 * seed)
        document = Document(doc_id=f"paged-{seed}.pdf", title="Paged", text=text, content_hash="h", size=len(text), mtime_ns=0, kind="pdf", page_starts=starts)
        yield f"paged {seed} default", document, default
        yield f"paged {seed} small", document, small


def chunk_rows(document, chunks) -> dict:
    return {
        "text_sha256": hashlib.sha256(document.text.encode("utf-8", "surrogatepass")).hexdigest(),
        "chunks": [
            [c.ordinal, c.char_start, c.char_end, c.start_line, c.end_line, c.n_tokens, c.page, c.heading_path, _digest(c)]
            for c in chunks
        ],
    }


def _digest(chunk) -> str:
    """What the chunk shows and what it embeds, in 12 hex digits (the text itself would make the record megabytes)."""
    read = f"{chunk.text}\0{getattr(chunk, 'search_text', '')}"
    return hashlib.sha256(read.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def current_chunks(counter) -> dict:
    from qa.ingest.chunker import chunk_document

    return {name: chunk_rows(document, chunk_document(document, counter, params)) for name, document, params in cases()}


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from qa.config import default_model_dir
    from qa.ingest.tokens import WordPieceCounter

    recorded = current_chunks(WordPieceCounter(default_model_dir()))
    BASELINE.write_text(json.dumps(recorded, ensure_ascii=False, separators=(",", ":")).replace('],[', '],\n[') + "\n", encoding="utf-8")
    print(f"{BASELINE}: {len(recorded)} cases, {sum(len(r['chunks']) for r in recorded.values())} chunks")


if __name__ == "__main__":
    main()
