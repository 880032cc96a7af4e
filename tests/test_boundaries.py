"""Which way imports go: the core never reaches the edges or the heavy libraries."""

import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "qa"
CORE_PACKAGES = ("ingest", "index", "search", "models")
CORE_MODULES = ("config", "errors", "records", "assistant", "evaluation")
# Only the edges may import these; torch loads only inside the index-time embedder.
FORBIDDEN = ("textual", "torch", "sentence_transformers", "qa.cli", "qa.tui", "qa.render", "qa.history")


def core_modules() -> list[str]:
    names = [f"qa.{name}" for name in CORE_MODULES]
    for package in CORE_PACKAGES:
        names += [f"qa.{package}.{p.stem}" for p in sorted((SRC / package).glob("*.py")) if p.stem != "__init__"]
    return names


def test_the_core_imports_no_edge_and_no_heavy_library():
    modules = core_modules()
    assert "qa.search.retriever" in modules and "qa.index.store" in modules and "qa.ingest.loader" in modules
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in modules)
        + f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_retriever_alone_stays_light():
    code = "import sys, qa.search.retriever\nprint(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'torch') or m == 'qa.cli'))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
