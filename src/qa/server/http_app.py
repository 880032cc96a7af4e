"""The HTTP API and the web page of `qa serve`, on Starlette.

Routes parse and check a request, call the CorpusService in a worker thread
(answering is CPU work that must not stall the event loop), and return JSON;
every error is `{"error": message}` with the message the CLI would print.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qa.errors import IndexBusyError, QAError
from qa.server.guard import MAX_BODY_BYTES, BodyTooLarge, RequestGuard
from qa.server.service import (
    FILTER_FIELDS,
    CorpusService,
    RequestError,
    UpdateProgress,
    answer_json,
    parse_ask_request,
    status_json,
    unexpected_error_message,
)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(service: CorpusService, hosts: frozenset[str], token: str | None = None, max_body: int = MAX_BODY_BYTES):
    """The ASGI app: routes inside the RequestGuard (Host, Origin, token, body size)."""

    async def page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    async def ask(request: Request) -> Response:
        parsed = parse_ask_request(_with_query_filters(await _json_body(request), request))
        result = await run_in_threadpool(service.ask, parsed)
        return JSONResponse(answer_json(result))

    async def status(request: Request) -> Response:
        data = status_json(await run_in_threadpool(service.status))
        data["corpus_prefix"] = service.corpus_prefix()
        data["update"] = progress_json(service.update_progress())
        return JSONResponse(data)

    async def source(request: Request) -> Response:
        path = request.query_params.get("path")
        if path is None:
            raise RequestError("pass the document as ?path=PATH (the path a citation shows)")
        page = _page(request.query_params.get("page"))
        text = await run_in_threadpool(service.source_text, path, page)
        return PlainTextResponse(text, media_type="text/plain; charset=utf-8")

    async def start_index(request: Request) -> Response:
        body = await request.body()
        options = _json_value(body) if body.strip() else {}
        if not isinstance(options, dict) or set(options) - {"full"} or not isinstance(options.get("full", False), bool):
            raise RequestError('the body of POST /api/index is empty or {"full": true|false}')
        progress = service.start_update(full=options.get("full", False))
        return JSONResponse(progress_json(progress), status_code=202)

    async def index_progress(request: Request) -> Response:
        return JSONResponse(progress_json(service.update_progress()))

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/ask", ask, methods=["POST"]),
        Route("/api/status", status, methods=["GET"]),
        Route("/api/source", source, methods=["GET"]),
        Route("/api/index", start_index, methods=["POST"]),
        Route("/api/index", index_progress, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    handlers = {
        IndexBusyError: _error(409),
        RequestError: _error(400),
        QAError: _error(400),
        BodyTooLarge: _error(413),
        HTTPException: _http_error,
        Exception: _unexpected,
    }
    app = Starlette(routes=routes, exception_handlers=handlers)
    return RequestGuard(app, hosts, token=token, max_body=max_body)


def progress_json(progress: UpdateProgress) -> dict:
    return {
        "state": progress.state,
        "started_at": progress.started_at,
        "finished_at": progress.finished_at,
        "message": progress.message,
        "embedded": progress.embedded,
        "to_embed": progress.to_embed,
        "summary": progress.summary,
        "error": progress.error,
        "generation": progress.generation,
    }


def _with_query_filters(body, request: Request):
    """Filters may also come as query parameters (?in=reports&in=notes&type=pdf&since=2024-01-01),
    merged into the body's "filters"; a field given both ways is refused."""
    given = {name: request.query_params.getlist(name) for name in FILTER_FIELDS if name in request.query_params}
    unknown = sorted(set(request.query_params) - set(FILTER_FIELDS))
    if unknown:
        raise RequestError(f"unknown query parameter {unknown[0]!r}: /api/ask takes in, type, since and until")
    if not given:
        return body
    if not isinstance(body, dict):
        return body  # parse_ask_request says what the body must be
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        return body
    both = sorted(set(given) & set(filters))
    if both:
        raise RequestError(f'filter "{both[0]}" is given both as a query parameter and in the body: give it once')
    for name, values in given.items():
        if name in ("since", "until") and len(values) > 1:
            raise RequestError(f'"{name}" is given {len(values)} times: give one date')
        filters[name] = values[0] if name in ("since", "until") else values
    return {**body, "filters": filters}


async def _json_body(request: Request):
    return _json_value(await request.body())


def _json_value(body: bytes):
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f'the request body is not JSON ({exc}): send e.g. {{"question": "When was IS-KP formed?"}}') from None


def _page(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) < 1:
        raise RequestError(f"page must be a whole number of at least 1, got {value!r}")
    return int(value)


def _error(status: int):
    async def handler(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": str(exc)}, status_code=status)

    return handler


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        message = f"no such page: {request.url.path} (the API is /api/ask, /api/status, /api/source, /api/index)"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    if os.environ.get("QA_DEBUG"):
        import traceback

        traceback.print_exception(exc)
    return JSONResponse({"error": unexpected_error_message(exc)}, status_code=500)
