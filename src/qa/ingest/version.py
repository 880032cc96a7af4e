"""Which reading of the corpus an index holds: a hash of the code that reads files into text,
sentences and chunks.

Reading improves from version to version (a PDF's definition lists, a web page's headings);
an index records the reading it was built with, and an update reads every file again when the
code differs, so an upgrade reaches indexes built before it. Vectors are reused for every text
that reads the same, so only what now reads differently is embedded. A hash, not a number to
bump: no change to reading can be forgotten.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def reading_version() -> str:
    """Eight hex digits of the source of every module of `qa.ingest`."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:8]
