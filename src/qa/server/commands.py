"""`qa serve` and `qa mcp`: build the service from the command line's settings, then run the server."""

from __future__ import annotations

import os
import re
import sys

from qa.errors import QAError

DEFAULT_PORT = 8770
DEFAULT_MCP_PORT = 8771
# Characters that survive a header and a cookie unchanged; 16 is the least that resists guessing.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")


def run_serve(args) -> int:
    from qa.server.guard import allowed_hosts, is_loopback
    from qa.server.http_app import create_app

    token = args.token or os.environ.get("QA_TOKEN") or None
    check_token(token)
    if token is None and not is_loopback(args.host):
        raise QAError(
            f"--host {args.host} is reachable from other machines, so it needs a token: "
            "pass --token TOKEN or set QA_TOKEN (e.g. QA_TOKEN=$(openssl rand -hex 24)), or serve on 127.0.0.1"
        )
    service = _start_service(args)
    hosts = allowed_hosts(args.host, args.port, tuple(args.allow_host or ()))
    app = create_app(service, hosts, token=token)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    _progress(f"serving {service.settings.corpus_dir} on http://{shown_host}:{args.port}/ (Ctrl+C stops)")
    serve_app(app, args.host, args.port)
    return 0


def run_mcp(args) -> int:
    from qa.server.guard import allowed_hosts
    from qa.server.mcp_tools import build_mcp_server

    # stdout is the MCP channel: everything for a person goes to stderr.
    service = _start_service(args)
    server = build_mcp_server(service)
    if not args.http:
        server.run("stdio")
        return 0
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = sorted(allowed_hosts("127.0.0.1", args.port))
    security = TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=[f"http://{host}" for host in hosts])
    _progress(f"MCP over streamable HTTP on http://127.0.0.1:{args.port}/mcp (loopback only; Ctrl+C stops)")
    server.run("streamable-http", host="127.0.0.1", port=args.port, transport_security=security)
    return 0


def check_token(token: str | None) -> None:
    if token is not None and not _TOKEN.fullmatch(token):
        raise QAError(
            "the token must be at least 16 letters, digits or ._~+/=- characters (no spaces): "
            "e.g. --token $(openssl rand -hex 24)"
        )


def serve_app(app, host: str, port: int) -> None:
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        proxy_headers=False,  # X-Forwarded-* from a client must not change who it appears to be
        server_header=False,
        h11_max_incomplete_event_size=16 * 1024,  # headers, not bodies: the guard caps those
    )
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        raise QAError(f"could not listen on {host}:{port} (in use, or not an address of this machine): pick another --port")


def _start_service(args):
    from qa.assistant import Assistant
    from qa.config import load_settings
    from qa.progress import embedding_progress
    from qa.server.service import CorpusService

    settings = load_settings(corpus=args.corpus, index=args.index, model=args.model)
    first = Assistant(settings)  # builds the index if needed and exports the ONNX encoder, as `qa ask` does
    made = []

    def assistant_factory() -> Assistant:
        # Later generations reuse the loaded model: reloading it for every update cost
        # seconds of CPU while questions were waiting (p99 under load 2.7 s -> see docs/server.md).
        if not made:
            made.append(first)
            return first
        return Assistant(settings, embedder_factory=lambda s: first.embedder, model_id_factory=lambda s: first.model_id)

    service = CorpusService(assistant_factory)
    with embedding_progress(sys.stderr) as counts:
        prepared = service.start(update=not args.no_update, progress=_progress, counts=counts)
    if prepared.note:
        print(f"{'warning' if prepared.stale else 'qa'}: {prepared.note}", file=sys.stderr)
    for note in service.notes():
        _progress(note)
    return service


def _progress(message: str) -> None:
    print(f"qa: {message}", file=sys.stderr, flush=True)
