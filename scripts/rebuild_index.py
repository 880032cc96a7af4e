#!/usr/bin/env python3
"""Rebuild the index through the same code as `qa index` (same flags: --corpus, --index, --model).

Usage: .venv/bin/python scripts/rebuild_index.py [--corpus DIR] [--index DIR] [--model PATH]
"""

import sys
from pathlib import Path

# Runnable from a checkout even before `pip install -e .`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from qa.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["index", *sys.argv[1:]]))
