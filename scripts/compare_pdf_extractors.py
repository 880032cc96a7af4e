#!/usr/bin/env python
"""Compare PDF text extractors on real PDFs: glued words, split words, same words, reading order, speed.

    python scripts/compare_pdf_extractors.py [PDF ...] [--pages 20] [--system]

Without arguments it reads the PDFs of tests/real_documents/ and
tests/real_documents_holdout/ (manuals Debian's documentation packages ship:
dblatex, Sphinx, Texinfo, Apache FOP, PassiveTeX and groff/Ghostscript output);
--system adds any found in /usr/share/doc (the packages installed here). Per
extractor it prints, over the first --pages pages of every file:

- glued: share of words that are two or more dictionary words run together
  ("Thisprogramisfreesoftware"), or longer than 25 letters;
- split: share of adjacent word pairs that form a dictionary word although one
  half is not a word ("con figuration");
- same: share of the words poppler's `pdftotext` reads (the reference, when
  installed) that the extractor reads as the same words: a glued word of any
  length ("theyare", which glued does not count under 10 letters) or a split
  one costs its parts;
- order: share of the word pairs pdftotext reads that the extractor reads in
  the same order;
- s/page: seconds per page (each extractor's imports are not timed).

"qa" is `qa.ingest.pdf_text.extract_pdf`, the text the index stores (PDFium's,
cleaned up); "pypdfium2" is PDFium's text as it comes. The dictionary is
/usr/share/dict/words (Debian package wamerican).
"""

from __future__ import annotations

import argparse
import io
import logging
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_WORD = re.compile(r"[A-Za-z]+")
# Two-letter words a glued run is often made of; longer parts must be in the dictionary.
_SHORT_WORDS = frozenset("a i an as at be by do go he if in is it me my no of on or so to up us we".split())


def pypdf_plain(raw: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages]


def pypdf_layout(raw: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text(extraction_mode="layout") or "" for page in PdfReader(io.BytesIO(raw)).pages]


def pypdfium2_text(raw: bytes) -> list[str]:
    import pypdfium2

    document = pypdfium2.PdfDocument(raw)
    try:
        return [document[n].get_textpage().get_text_range() for n in range(len(document))]
    finally:
        document.close()


def pdfminer_text(raw: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(raw)).split("\f")


def qa_text(raw: bytes) -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from qa.ingest.pdf_text import extract_pdf

    return list(extract_pdf(raw).pages)


EXTRACTORS = {
    "qa": qa_text,
    "pypdf plain": pypdf_plain,
    "pypdf layout": pypdf_layout,
    "pypdfium2": pypdfium2_text,
    "pdfminer.six": pdfminer_text,
}


def pdftotext_pages(path: Path) -> list[str] | None:
    if shutil.which("pdftotext") is None:
        return None
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False).stdout
    return out.decode("utf-8", "replace").split("\f")


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    words = Path("/usr/share/dict/words")
    if not words.is_file():
        sys.exit("error: /usr/share/dict/words is missing: apt-get install wamerican")
    return frozenset(w.strip().lower() for w in words.read_text(encoding="utf-8", errors="replace").split() if w.isalpha())


def _is_word(part: str) -> bool:
    return part in _SHORT_WORDS if len(part) <= 2 else part in dictionary()


def is_glued(token: str) -> bool:
    """A token of 10+ letters, not a word itself, that splits into two or more words."""
    token = token.lower()
    if len(token) > 25:
        return True
    if len(token) < 10 or token in dictionary():
        return False
    # Dynamic programming over split points: can token[:i] be read as words?
    reachable = [True] + [False] * len(token)
    for end in range(1, len(token) + 1):
        reachable[end] = any(reachable[start] and _is_word(token[start:end]) for start in range(max(0, end - 20), end - 1))
    return reachable[-1]


def measure(pages: list[str], reference: list[str] | None) -> dict[str, float]:
    words = [w for page in pages for w in _WORD.findall(page)]
    lower = [w.lower() for w in words]
    glued = sum(is_glued(w) for w in words)
    split = sum(
        1
        for a, b in zip(lower, lower[1:])
        if len(a + b) >= 6 and (a + b) in dictionary() and not (_is_word(a) and _is_word(b))
    )
    same = order = float("nan")
    if reference is not None:
        ref = [w.lower() for page in reference[: len(pages)] for w in _WORD.findall(page)]
        same = sum((Counter(ref) & Counter(lower)).values()) / max(1, len(ref))
        ref_pairs = Counter(zip(ref, ref[1:]))
        got_pairs = Counter(zip(lower, lower[1:]))
        order = sum((ref_pairs & got_pairs).values()) / max(1, sum(ref_pairs.values()))
    return {
        "words": len(words),
        "glued": glued / max(1, len(words)),
        "split": split / max(1, len(words)),
        "same": same,
        "order": order,
    }


def default_pdfs(system: bool) -> list[Path]:
    found = sorted((ROOT / "tests" / "real_documents").glob("*.pdf"))
    found += sorted((ROOT / "tests" / "real_documents_holdout").glob("*.pdf"))
    system_folders = (Path("/usr/share/doc"), Path("/usr/share/developers-reference"), Path("/usr/share/debian-reference"))
    for folder in system_folders if system else ():
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*.pdf") if p.stat().st_size > 50_000)
    unique: dict[str, Path] = {}
    for path in found:
        unique.setdefault(path.name, path)
    return list(unique.values())


def first_pages(raw: bytes, limit: int) -> bytes:
    """The first `limit` pages as a PDF of their own, so every extractor reads the same pages."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(raw))
    if len(reader.pages) <= limit:
        return raw
    writer = PdfWriter()
    for page in reader.pages[:limit]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--pages", type=int, default=20, help="pages read per file (default 20)")
    parser.add_argument("--system", action="store_true", help="also read the PDFs found in /usr/share/doc")
    args = parser.parse_args(argv)
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    logging.getLogger("pdfminer").setLevel(logging.CRITICAL)
    pdfs = args.pdfs or default_pdfs(args.system)
    if not pdfs:
        print("error: no PDFs given and none found in tests/real_documents*/ (or /usr/share/doc with --system)", file=sys.stderr)
        return 1
    totals = {name: Counter() for name in EXTRACTORS}
    warm_up = first_pages(pdfs[0].read_bytes(), 1)
    for extract in EXTRACTORS.values():
        try:
            extract(warm_up)  # imports (numpy, pdfminer's tables) are not what a page costs
        except Exception:
            pass  # reported with the file below
    print(
        f"{'file':32} {'extractor':13} {'pages':>5} {'words':>7} {'glued':>7} {'split':>7} {'same':>6} {'order':>6} {'s/page':>7}"
    )
    for path in pdfs:
        raw = first_pages(path.read_bytes(), args.pages)
        sample = Path("/tmp") / f"compare-{path.stem}.pdf"
        sample.write_bytes(raw)
        reference = pdftotext_pages(sample)
        for name, extract in EXTRACTORS.items():
            started = time.perf_counter()
            try:
                pages = extract(raw)
            except Exception as exc:  # a comparison reports a failing extractor, it does not stop
                print(f"{path.name[:32]:32} {name:13} failed: {type(exc).__name__}: {exc}")
                continue
            seconds = time.perf_counter() - started
            pages = pages[: min(len(pages), args.pages)]
            m = measure(pages, reference)
            total = totals[name]
            total["pages"] += len(pages)
            total["seconds"] += seconds
            total["words"] += m["words"]
            total["glued"] += m["glued"] * m["words"]
            total["split"] += m["split"] * m["words"]
            total["same"] += m["same"] * m["words"]
            total["order"] += m["order"] * m["words"]
            print(
                f"{path.name[:32]:32} {name:13} {len(pages):5d} {m['words']:7d} {m['glued']:7.2%} {m['split']:7.2%}"
                f" {m['same']:6.3f} {m['order']:6.3f} {seconds / max(1, len(pages)):7.4f}"
            )
        sample.unlink()
    print(f"\nAll {len(pdfs)} files (word-weighted):")
    print(f"{'extractor':13} {'pages':>5} {'words':>8} {'glued':>7} {'split':>7} {'same':>6} {'order':>6} {'s/page':>7}")
    for name, t in totals.items():
        words = max(1, t["words"])
        print(
            f"{name:13} {t['pages']:5d} {t['words']:8d} {t['glued'] / words:7.2%} {t['split'] / words:7.2%}"
            f" {t['same'] / words:6.3f} {t['order'] / words:6.3f} {t['seconds'] / max(1, t['pages']):7.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
