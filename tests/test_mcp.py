"""`qa mcp` driven by the MCP SDK's own client over stdio: list tools, search, read the source."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Which magazine does the group publish in English?"


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("QA_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    return env


def _session(*args: str, cwd: Path) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=list(args), env=_environment(), cwd=str(cwd))


async def _search_and_show(params: StdioServerParameters):
    async with Client(params, read_timeout_seconds=240) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        found = await client.call_tool("search", {"question": QUESTION, "k": 3})
        passage = found.structured_content["passages"][0]
        shown = await client.call_tool("show", {"path": passage["path"], "page": passage["page"]})
        outside = await client.call_tool("show", {"path": "../secret.txt"})
        filtered = await client.call_tool("search", {"question": QUESTION, "filters": {"year": 2024}})
        status = await client.call_tool("status", {})
        scoped = await client.call_tool("search", {"question": "How is sourdough bread made?", "filters": {"in": ["notes"]}})
        return tools, found, shown, outside, filtered, status, scoped


def _check(tools, found, shown, outside, filtered, status, scoped, documents: int):
    assert set(tools) == {"search", "show", "status"}
    assert "Cite every claim" in tools["search"].description and "citation" in tools["search"].description
    assert found.is_error is False
    data = found.structured_content
    assert data["no_answer"] is False
    passage = data["passages"][0]
    assert "Al-Azaim" in passage["highlight"]
    assert passage["citation"].startswith("corpus/shadow-caliphate-islamic-state-khorasan.txt:")
    # The text content is what an agent quotes: the citation and the answering sentence in bold.
    text = found.content[0].text
    assert passage["citation"] in text and f"**{passage['highlight']}**" in text
    source = shown.content[0].text
    assert source[passage["char_start"] : passage["char_end"]] == passage["text"]
    assert outside.is_error and "refused" in outside.content[0].text
    assert filtered.is_error and "unknown filter 'year'" in filtered.content[0].text
    assert status.structured_content["documents"] == documents
    # A scope is a tool parameter: only the notes folder was searched, and the result echoes it.
    if documents == 2:  # the bundled corpus has no notes folder: a scope matching nothing is an error
        assert scoped.is_error and "the corpus has 2 documents" in scoped.content[0].text
        return
    assert scoped.is_error is False
    assert scoped.structured_content["filters"]["in"] == ["notes"]
    assert {p["path"].split("/")[-2] for p in scoped.structured_content["passages"]} == {"notes"}


def test_mcp_tools_over_stdio_with_the_fake_model(corpus, tmp_path):
    params = _session(str(ROOT / "tests" / "mcp_fake_server.py"), str(corpus), str(tmp_path / "index"), cwd=corpus.parent)
    _check(*anyio.run(_search_and_show, params), documents=3)


@pytest.mark.slow
def test_qa_mcp_itself_over_stdio_with_the_real_model(tmp_path):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    params = _session("-m", "qa", "mcp", "--corpus", str(corpus), "--index", str(tmp_path / "index"), cwd=tmp_path)
    _check(*anyio.run(_search_and_show, params), documents=2)
