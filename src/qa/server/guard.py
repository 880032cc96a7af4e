"""Who may talk to `qa serve`: its own Host and Origin only, the token when one is set, small bodies.

An ASGI middleware around the whole app (the page and its files included), so
no route can forget a check. A web page on another site cannot drive the
server: its requests carry a foreign Origin (CSRF) or, through DNS rebinding,
a Host that is not this server's; both get 403 before any route runs.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

MAX_BODY_BYTES = 64 * 1024  # an ask is a question of at most 2,000 characters and a short conversation
TOKEN_COOKIE = "qa_token"

WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str, port: int, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The Host header values that name this server: `name:port` for each name it answers to."""
    names = {host, *extra}
    if is_loopback(host) or host in WILDCARD_HOSTS:
        names |= {"localhost", "127.0.0.1", "::1"}
    if host in WILDCARD_HOSTS:
        # Bound to every interface: the machine's own names and addresses are its names.
        hostname = socket.gethostname()
        names |= {hostname, socket.getfqdn()}
        try:
            names |= set(socket.gethostbyname_ex(hostname)[2])
        except OSError:
            pass
    names.discard("")
    names.discard("0.0.0.0")
    names.discard("::")
    values = set()
    for name in names:
        name = name.lower()
        shown = f"[{name.strip('[]')}]" if ":" in name else name
        values.add(f"{shown}:{port}")
        if port == 80:
            values.add(shown)
    return frozenset(values)


class RequestGuard:
    """Refuses foreign Host (403), foreign Origin (403), a missing token (401) and big bodies (413)."""

    def __init__(self, app, hosts: frozenset[str], token: str | None = None, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.hosts = hosts
        self.origins = frozenset(f"http://{host}" for host in hosts)
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":
            return await send({"type": "websocket.close", "code": 1008})  # nothing is served over websockets
        headers = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        host = headers.get("host", "")
        if host.lower() not in self.hosts:
            return await _refuse(
                send, 403, f"Host {host!r} is not this server's: refused (start qa serve with --host NAME for that name)"
            )
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return await _refuse(send, 403, f"requests from {origin!r} are refused: only this server's own page may call it")
        if headers.get("sec-fetch-site") == "cross-site":
            return await _refuse(send, 403, "cross-site requests are refused: only this server's own page may call it")
        if self.token is not None:
            outcome = self._check_token(scope, headers)
            if outcome == "redirect":
                return await _redirect_with_cookie(send, self.token)
            if outcome != "ok":
                return await _refuse(send, 401, outcome)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return await _refuse(send, 413, f"the request body is over {self.max_body} bytes: send a shorter question")
        return await self.app(scope, self._capped(receive), _with_safety_headers(send))

    def _check_token(self, scope, headers) -> str:
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer ") and _same(authorization[7:].strip(), self.token):
            return "ok"
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is just no cookie
            cookie = SimpleCookie()
        if TOKEN_COOKIE in cookie and _same(cookie[TOKEN_COOKIE].value, self.token):
            return "ok"
        # The page is opened once as /?token=...; the token then travels as a same-site cookie.
        if scope["method"] == "GET" and scope["path"] == "/":
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
            if given is not None and _same(given, self.token):
                return "redirect"
        if not authorization:
            return "this server needs its token: send the header 'Authorization: Bearer TOKEN' (in a browser, open /?token=TOKEN once)"
        return "the token does not match: send the one qa serve was started with (--token or QA_TOKEN)"

    def _capped(self, receive):
        """Counts body bytes as they arrive, so a chunked body without Content-Length is capped too."""
        seen = 0
        limit = self.max_body

        async def capped_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        return capped_receive


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request body is over {limit} bytes: send a shorter question")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _with_safety_headers(send):
    async def send_with_headers(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers += [
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                (b"cache-control", b"no-store"),
                # Everything the page needs comes from this server; nothing may frame it.
                (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
            ]
            message = {**message, "headers": headers}
        await send(message)

    return send_with_headers


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="qa"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _redirect_with_cookie(send, token: str) -> None:
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")
    headers = [(b"location", b"/"), (b"set-cookie", cookie), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": 303, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
