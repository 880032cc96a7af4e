#!/usr/bin/env python3
"""OCR speed and memory on generated image-only PDFs: pages per second, and peak memory that
does not grow with the length of the scan.

Writes scans of N and 4N pages (typed text drawn as 1700x2200 images, like a letter page
scanned at 200 dpi; tests/format_documents.py), reads each through the loader as `qa index`
does (PDFium renders one page at 300 dpi, Tesseract reads it), checks every page's words
came back, and prints pages/s and the peak resident memory of the reading process (PDFium's
page bitmaps live there; each `tesseract` run is a process of its own that ends with its page),
for both lengths.

Usage: .venv/bin/python scripts/bench_ocr.py [--pages 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def measure(pages: int) -> dict:
    """Read a fresh `pages`-page scan in this process (a child of the bench, so memory is its own)."""
    from qa.ingest.loader import read_documents
    from qa.ingest.ocr import tesseract_problem
    from tests.format_documents import SCAN_FACT, write_scanned_pdf

    problem = tesseract_problem()
    if problem:
        raise SystemExit(f"error: {problem}")
    folder = Path(tempfile.mkdtemp(prefix="qa-bench-ocr-"))
    path = write_scanned_pdf(folder / "scan.pdf", pages=pages, fact_page=pages)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    [document], _ = read_documents(folder, path, progress=lambda message: None)
    seconds = time.perf_counter() - started
    assert document.ocr_pages == tuple(range(1, pages + 1)), f"OCR read {len(document.ocr_pages)} of {pages} pages"
    assert "violent storm" in document.page_text(pages), "the fact on the last page was not read"
    return {
        "pages": pages,
        "seconds": seconds,
        "pages_per_s": pages / seconds,
        "file_mb": path.stat().st_size / 1e6,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "fact": SCAN_FACT,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(repr(measure(args.child)))
        return 0
    import ast

    print(f"cpu: {os.cpu_count()} cores; Tesseract reads one page at a time (OMP_THREAD_LIMIT unset)")
    for pages in (args.pages, 4 * args.pages):
        # Each length in its own process: peak memory is a high-water mark that never goes down.
        out = subprocess.run([sys.executable, __file__, "--child", str(pages)], capture_output=True, text=True, check=True).stdout
        result = ast.literal_eval(out.strip().splitlines()[-1])
        print(
            f"{result['pages']:4d} pages ({result['file_mb']:.1f} MB): {result['seconds']:.1f} s, "
            f"{result['pages_per_s']:.2f} pages/s; peak memory {result['rss_peak_mb']:.0f} MB "
            f"(before reading {result['rss_before_mb']:.0f} MB: +{result['rss_peak_mb'] - result['rss_before_mb']:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
