"""`qa mcp`: the corpus as MCP tools for an AI agent (`search`, `show`, `status`), on the official SDK.

Each tool result carries the answer twice: Markdown an agent can quote as it
stands (numbered citations, the answering sentence in bold), and structured
content with every field of `qa ask --json` plus a ready-made `citation`.
Tool annotations are evaluated by the SDK, so its types are imported at the top.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from qa.errors import QAError
from qa.server.service import CorpusService, answer_json, parse_ask_request, status_json

CITING = (
    "Cite every claim you take from a passage with its `citation` exactly as given "
    "(e.g. `corpus/report.txt:13-15`, `report.pdf p. 3`, `page.html (text:12-15)`) and quote its "
    "`highlight` sentence word for word; do not cite a passage whose `weak` is true. When `no_answer` "
    "is true, say the corpus does not answer the question instead of answering from the weak matches."
)


class CitedPassage(BaseModel):
    rank: int
    citation: str = Field(description="where to look, to be quoted as is when citing")
    highlight: str = Field(description="the sentence that answers, a substring of text")
    text: str
    weak: bool = Field(description="true: too far from the question to count as an answer")
    title: str
    heading_path: str
    path: str = Field(description="pass this to the show tool to read the whole source")
    page: int | None = Field(description="PDF page or slide number; pass it to show with the path")
    start_line: int
    end_line: int
    char_start: int = Field(description="offset of text in what show returns for path (and page)")
    char_end: int
    kind: str
    score: float
    similarity: float
    ocr: bool = Field(default=False, description="true: the page's text was read by OCR from a scanned image")


class SearchResult(BaseModel):
    question: str
    no_answer: bool = Field(description="true: no passage in the corpus answers the question")
    passages: list[CitedPassage]
    searched_for: str | None = None
    filters: dict[str, Any] = Field(default_factory=dict, description="the scope searched: in, type, since, until")


def build_mcp_server(service: CorpusService):
    """An MCPServer whose tools answer from `service` (loaded already)."""
    from qa.records import Answer
    from qa.render import citation, render_markdown

    server = MCPServer(
        name="qa",
        instructions=(
            "Offline search over one folder of documents (reports, notes, PDFs, saved web pages). "
            "Use `search` to find the passages that answer a question, `show` to read a source around "
            "a passage, `status` to see what is indexed. " + CITING
        ),
    )

    @server.tool(
        description=(
            "Find the passages of the corpus that answer a question, best first, each with its citation "
            "and the answering sentence (highlight). Arguments: question (plain words, at most 2,000 "
            "characters); k (passages, 1-50, default 5); filters (optional, only these documents are searched): "
            '{"in": ["reports/2025"] (folders or files of the corpus), "type": ["pdf"] (file extensions), '
            '"since": "2024-01-01", "until": "2024-12-31" (the date a document states, else its file\'s mtime)}. '
            "A scope matching no document is an error that says how many documents the corpus has. "
            + CITING
        )
    )
    def search(
        question: str, k: int = 5, filters: dict[str, Any] | None = None
    ) -> Annotated[CallToolResult, SearchResult]:
        try:
            request = parse_ask_request({"question": question, "k": k, "filters": filters})
            result = service.ask(request)
        except QAError as exc:
            raise ToolError(str(exc)) from exc
        answer: Answer = result.answer
        data = answer_json(result)
        for shown, passage in zip(data["passages"], answer.passages):
            shown["citation"] = citation(passage)
        structured = SearchResult.model_validate(data)
        return CallToolResult(
            content=[TextContent(type="text", text=render_markdown(answer))],
            structured_content=structured.model_dump(),
        )

    @server.tool(
        description=(
            "The text a citation's offsets index: a .txt/.md file as it is, a PDF page's extracted text "
            "(pass page), a web page's extracted main text. path is a passage's `path` (or its path "
            "inside the corpus); text[char_start:char_end] of what this returns is the passage. "
            "Paths outside the corpus are refused."
        )
    )
    def show(path: str, page: int | None = None) -> str:
        try:
            return service.source_text(path, page)
        except QAError as exc:
            raise ToolError(str(exc)) from exc

    @server.tool(description="What is indexed: corpus folder, documents, chunks, model, and whether the index is up to date.")
    def status() -> dict[str, Any]:
        try:
            return status_json(service.status())
        except QAError as exc:
            raise ToolError(str(exc)) from exc

    return server
