"""Run an index update with a slow fake model, announcing when embedding starts.

Used by the crash and concurrency tests as a real separate process:
    python tests/build_slowly.py CORPUS INDEX
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.config import ChunkerParams, Settings  # noqa: E402
from tests.conftest import make_assistant  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402


class SlowEmbedder(FakeEmbedder):
    def embed_batch(self, texts):
        print("EMBEDDING", flush=True)
        time.sleep(0.5)
        return super().embed_batch(texts)


if __name__ == "__main__":
    corpus, index = map(Path, sys.argv[1:3])
    settings = Settings(corpus, index, Path("no-model"), chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    make_assistant(settings, SlowEmbedder()).update()
    print("DONE", flush=True)
