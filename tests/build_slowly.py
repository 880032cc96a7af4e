"""Run an index update with a fake model that stalls mid-embedding until released.

Used by the crash and concurrency tests as a real separate process:
    python tests/build_slowly.py CORPUS INDEX RELEASE_FILE
It prints EMBEDDING when it is inside the build, then waits (at most 60 s)
for RELEASE_FILE to exist before it finishes, so tests never race its timing.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.config import ChunkerParams, Settings  # noqa: E402
from tests.conftest import make_assistant  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402


class StallingEmbedder(FakeEmbedder):
    def __init__(self, release: Path):
        super().__init__()
        self.release = release

    def embed_batch(self, texts):
        print("EMBEDDING", flush=True)
        deadline = time.monotonic() + 60
        while not self.release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return super().embed_batch(texts)


if __name__ == "__main__":
    corpus, index, release = map(Path, sys.argv[1:4])
    settings = Settings(corpus, index, Path("no-model"), chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    make_assistant(settings, StallingEmbedder(release)).update()
    print("DONE", flush=True)
