"""`qa mcp` over stdio with the fake model, for tests that drive it with the SDK's own client:
    python tests/mcp_fake_server.py CORPUS INDEX
Everything but the model is what `qa mcp` runs: the same CorpusService and MCP tools.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.config import ChunkerParams, Settings  # noqa: E402
from qa.server.mcp_tools import build_mcp_server  # noqa: E402
from qa.server.service import CorpusService  # noqa: E402
from tests.conftest import make_assistant  # noqa: E402
from tests.fakes import FakeEmbedder  # noqa: E402

if __name__ == "__main__":
    corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
    settings = Settings(corpus, index, index / "no-model", chunker=ChunkerParams(max_tokens=96, overlap_tokens=24))
    embedder = FakeEmbedder()
    service = CorpusService(lambda: make_assistant(settings, embedder))
    service.start()
    build_mcp_server(service).run("stdio")
