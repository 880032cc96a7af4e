#!/usr/bin/env python3
"""Fuzz the loader, the chunker and question handling with random and mutated inputs.

For a set time it feeds:
  - bytes (random, and the default corpus mutated: flipped, inserted, deleted,
    duplicated and truncated bytes, other encodings) to the decoder, checking that
    decoded text equals what open(path, encoding=...) reads;
  - decoded and random texts to the chunker with the model's own tokenizer and
    random budgets (half of them read as Markdown, with heading paths), checking
    every invariant citations rely on;
  - mutated PDFs and web pages (written with fpdf2 at start) to the extractors,
    which may only skip a file with a reason (NotExtractable), never fail;
  - mutated DOCX, PPTX, ODT, EPUB, RTF, EML (with a PDF attachment) and MSG files and an
    image-only PDF (OCR'd when Tesseract is installed), written at start with the
    libraries of tests/format_documents.py, through the loader: skipped with a reason
    or read into documents whose headings, pages and chunks index their text. Zip-based
    formats are also mutated inside one of their XML members, so the parsers get past
    the zip layer;
  - random and adversarial strings to question handling, checking each gives a
    valid FTS5 query (run against a real FTS5 table) or none.
It prints what it tried and every failure, saves failing inputs, and exits 1 on any.

Usage: .venv/bin/python scripts/fuzz.py [--seconds 600] [--seed N] [--out DIR]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qa.analyzer import ENGLISH  # noqa: E402
from qa.ingest.chunker import SPECIAL_TOKENS, chunk_document  # noqa: E402
from qa.config import ChunkerParams, default_model_dir  # noqa: E402
from qa.errors import QuestionError  # noqa: E402
from qa.ingest.extract import NotExtractable, extract_html, extract_pdf  # noqa: E402
from qa.ingest.headings import markdown_headings  # noqa: E402
from qa.ingest.loader import read_corpus_files  # noqa: E402
from qa.records import Document  # noqa: E402
from qa.ingest.text_decoding import NotText, decode_text  # noqa: E402
from qa.ingest.tokens import WordPieceCounter  # noqa: E402

SEEDS = [p.read_bytes() for p in sorted((ROOT / "corpus").glob("*.txt"))]
NASTY = [
    "\x00", "\r", "\r\n", "\n\n", "\xa0", "\ufeff", "\u2028", "\u200b", "...", "U.S.", "e.g.", "?!", '"', "“", "”",
    "AND", "OR", "NOT", "NEAR(", "*", "^", ":", "(", ")", "-", "'", ";", "--", "DROP TABLE", "é", "ß", "İ",
    "Привет", "中文字符", "عربى", "🙂", "\U0001f9ea", "\t", "\x1b[31m", "\x7f", "#", "# Heading\n", "- item\n",
]


class Fuzzer:
    def __init__(self, rng: random.Random, out: Path):
        self.rng = rng
        self.out = out
        self.tried = Counter()
        self.failures: list[str] = []
        self.counter = WordPieceCounter(default_model_dir())
        self.fts = sqlite3.connect(":memory:")
        self.fts.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, tokenize = '{ENGLISH.fts_tokenizer}')")
        self.fts.execute("INSERT INTO t (text) VALUES ('the group announced its formation in january 2015')")
        self.tmp = Path(tempfile.mkdtemp(prefix="qa-fuzz-"))
        sys.path.insert(0, str(ROOT))
        from tests.documents import write_article_html, write_report_pdf

        self.extract_seeds = [
            (write_report_pdf(self.tmp / "seed.pdf").read_bytes(), extract_pdf),
            (write_article_html(self.tmp / "seed.html").read_bytes(), extract_html),
        ]
        from tests import format_documents as formats

        attachment = formats.write_attachment_pdf(self.tmp / "audit.pdf")
        written = [
            formats.write_docx(self.tmp / "seed.docx"),
            formats.write_pptx(self.tmp / "seed.pptx"),
            formats.write_odt(self.tmp / "seed.odt"),
            formats.write_epub(self.tmp / "seed.epub"),
            formats.write_rtf(self.tmp / "seed.rtf"),
            formats.write_eml(self.tmp / "seed.eml", attachment),
            formats.write_eml(self.tmp / "html.eml", html=True),
            formats.write_msg(self.tmp / "seed.msg", attachment),
            formats.write_scanned_pdf(self.tmp / "scan.pdf", pages=1, fact_page=1),
        ]
        self.extract_seeds += [(path.read_bytes(), self.load_file(path.suffix)) for path in written]

    # -- inputs ---------------------------------------------------------------

    def random_text(self) -> str:
        rng = self.rng
        parts = []
        for _ in range(rng.randint(0, 60)):
            choice = rng.random()
            if choice < 0.4:
                parts.append(" ".join(rng.choice(("word", "The", "group", "formed", "in", "2015.", "Mr.", "a")) for _ in range(rng.randint(1, 12))))
            elif choice < 0.7:
                parts.append(rng.choice(NASTY))
            elif choice < 0.9:
                parts.append("".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 20))))
            else:
                parts.append(" " * rng.randint(1, 5) + "\n" * rng.randint(0, 3))
        return "".join(parts)

    def mutated_bytes(self) -> bytes:
        rng = self.rng
        data = bytearray(rng.choice(SEEDS))
        if rng.random() < 0.5:
            start = rng.randrange(len(data))
            data = data[start : start + rng.randint(1, 4000)]
        for _ in range(rng.randint(0, 8)):
            if not data:
                break
            position = rng.randrange(len(data))
            kind = rng.randrange(5)
            if kind == 0:
                data[position] = rng.randrange(256)
            elif kind == 1:
                data[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            elif kind == 2:
                del data[position : position + rng.randint(1, 50)]
            elif kind == 3:
                data[position:position] = data[position : position + rng.randint(1, 200)]
            else:
                data[position:position] = rng.choice(NASTY).encode("utf-8", "surrogatepass")
        if rng.random() < 0.15:
            text = bytes(data).decode("utf-8", "replace")
            encoding = rng.choice(("latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32"))
            return text.encode(encoding, "replace")
        if rng.random() < 0.05:
            return bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
        return bytes(data)

    # -- checks ---------------------------------------------------------------

    def check(self, target: str, value, function) -> None:
        self.tried[target] += 1
        try:
            function(value)
        except Exception:
            number = len(self.failures) + 1
            path = self.out / f"failure-{number:03d}-{target}.txt"
            path.write_text(repr(value) + "\n\n" + traceback.format_exc(), encoding="utf-8")
            self.failures.append(f"{target}: {traceback.format_exc().strip().splitlines()[-1]} (input saved to {path})")

    def loader(self, raw: bytes) -> str | None:
        try:
            decoded = decode_text(raw)
        except NotText:
            return None
        if self.rng.random() < 0.1:  # the promise behind every citation, checked on disk
            path = self.tmp / "doc.txt"
            path.write_bytes(raw)
            with open(path, encoding=decoded.encoding) as handle:
                assert handle.read() == decoded.text, f"decoded text differs from open(..., {decoded.encoding!r})"
        return decoded.text

    def chunker(self, text: str) -> None:
        max_tokens = self.rng.choice((4, 8, 16, 48, 128, 256))
        params = ChunkerParams(max_tokens=max_tokens, overlap_tokens=self.rng.randint(0, max_tokens))
        markdown = self.rng.random() < 0.5
        headings = markdown_headings(text) if markdown else ()
        chunks = chunk_document(Document("doc.md", "t", text, "h", len(text), 0, headings=headings), self.counter, params)
        covered = bytearray(len(text))
        previous = -1
        for chunk in chunks:
            assert chunk.text == text[chunk.char_start : chunk.char_end], "chunk text is not the slice it cites"
            assert chunk.char_start > previous, "chunks out of order"
            previous = chunk.char_start
            assert self.counter.count(chunk.embedded_text) + SPECIAL_TOKENS <= max_tokens, "chunk over the token budget"
            assert chunk.start_line == text.count("\n", 0, chunk.char_start) + 1, "wrong start line"
            assert chunk.end_line == text.count("\n", 0, chunk.char_end - 1) + 1, "wrong end line"
            covered[chunk.char_start : chunk.char_end] = b"\x01" * (chunk.char_end - chunk.char_start)
        missing = [i for i, ch in enumerate(text) if not ch.isspace() and ch != "\ufeff" and not covered[i]]
        assert not missing, f"{len(missing)} non-blank characters in no chunk"

    def extract(self, job: tuple[bytes, object]) -> None:
        raw, function = job
        try:
            function(raw)
        except NotExtractable:
            pass  # skipped with a reason: allowed

    def load_file(self, suffix: str):
        """A check that reads bytes as a corpus file of `suffix` through the loader (OCR on)."""

        def load(raw: bytes) -> None:
            folder = self.tmp / "corpus"
            folder.mkdir(exist_ok=True)
            (folder / f"fuzzed{suffix}").write_bytes(raw)
            documents, skipped = read_corpus_files(folder, [f"fuzzed{suffix}"], progress=lambda message: None)
            assert all(item.reason.strip() for item in skipped), "skipped without a reason"
            for document in documents:
                self.check_document(document)

        return load

    def check_document(self, document: Document) -> None:
        text = document.text
        assert all(0 <= h.start <= len(text) for h in document.headings), "a heading outside the text"
        assert all(text[h.start :].startswith(h.title.split()[0]) for h in document.headings if h.title.split()), "a heading not where it says"
        assert list(document.page_starts) == sorted(set(document.page_starts)), "pages out of order"
        assert all(0 <= start <= len(text) for start in document.page_starts), "a page outside the text"
        params = ChunkerParams(max_tokens=self.rng.choice((16, 48, 128)), overlap_tokens=8)
        for chunk in chunk_document(document, self.counter, params):
            shown = document.page_text(chunk.page) if chunk.page is not None else text
            assert shown[chunk.char_start : chunk.char_end] == chunk.text, "chunk text is not the slice `qa show` prints"
            assert "\f" not in chunk.text, "a chunk crosses a page"

    def mutated_document(self) -> tuple[bytes, object]:
        rng = self.rng
        original, function = rng.choice(self.extract_seeds)
        if original[:2] == b"PK" and rng.random() < 0.6:
            return mutated_zip_member(rng, original), function
        data = bytearray(original)
        for _ in range(rng.randint(1, 16)):
            if not data:
                break  # a small seed (RTF, mail) can be cut away entirely: the empty file is an input too
            position = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[position] = rng.randrange(256)
            else:
                del data[position : position + rng.randint(1, 200)]
        if rng.random() < 0.1:
            data = data[: rng.randrange(len(data) + 1)]
        return bytes(data), function

    def question(self, question: str) -> None:
        try:
            cleaned = ENGLISH.normalize_question(question)
        except QuestionError:
            return
        assert cleaned.strip(), "normalize_question let an empty question through"
        cleaned.encode("utf-8")  # no lone surrogates left
        query = ENGLISH.fts_query(ENGLISH.question_stems(cleaned))
        if query is not None:
            self.fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()

    def step(self) -> None:
        raw = self.mutated_bytes()
        decoded = []
        self.check("loader", raw, lambda r: decoded.append(self.loader(r)))
        text = decoded[0] if decoded and decoded[0] is not None else self.random_text()
        self.check("chunker", text, self.chunker)
        question = self.random_text()[:300]
        if self.rng.random() < 0.3:
            question += "".join(chr(self.rng.choice((0xD800, 0xDFFF, 0xDC80, 0))) for _ in range(3))
        self.check("question", question, self.question)
        if self.rng.random() < 0.2:  # extraction is slower: a share of the steps
            self.check("extract", self.mutated_document(), self.extract)


def mutated_zip_member(rng: random.Random, original: bytes) -> bytes:
    """The zip package (DOCX, PPTX, ODT, EPUB) rewritten with one member's bytes mutated or cut."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(original)) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    target = rng.randrange(len(members))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for n, (info, content) in enumerate(members):
            if n == target and content:
                data = bytearray(content)
                for _ in range(rng.randint(1, 12)):
                    position = rng.randrange(len(data)) if data else 0
                    choice = rng.random()
                    if choice < 0.4 and data:
                        data[position] = rng.choice(b"<>&\"'/ =x\x00\xff")
                    elif choice < 0.8:
                        del data[position : position + rng.randint(1, 80)]
                    else:
                        data[position:position] = rng.choice(NASTY).encode("utf-8", "surrogatepass")
                content = bytes(data)
            if rng.random() < 0.03:
                continue  # a member missing altogether
            package.writestr(info, content)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "qa-fuzz-failures")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    args.out.mkdir(parents=True, exist_ok=True)
    fuzzer = Fuzzer(random.Random(seed), args.out)
    started = time.monotonic()
    while time.monotonic() - started < args.seconds:
        fuzzer.step()
    elapsed = time.monotonic() - started
    total = sum(fuzzer.tried.values())
    print(f"seed {seed}: {total} inputs in {elapsed:.0f} s "
          f"(loader {fuzzer.tried['loader']}, chunker {fuzzer.tried['chunker']}, questions {fuzzer.tried['question']}, "
          f"files of every format {fuzzer.tried['extract']})")
    print(f"failures: {len(fuzzer.failures)}")
    for failure in fuzzer.failures[:20]:
        print(f"  {failure}")
    return 1 if fuzzer.failures else 0


if __name__ == "__main__":
    sys.exit(main())
