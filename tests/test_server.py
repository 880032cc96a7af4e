"""`qa serve` over real HTTP: the API matches the CLI, and every refusal refuses."""

from __future__ import annotations

import json
import os
import threading

import httpx
import pytest

from qa import cli
from qa.server.service import CorpusService
from tests.conftest import make_assistant
from tests.fakes import FakeEmbedder
from tests.live_server import live_server

QUESTION = "Which magazine does the group publish in English?"
TOKEN = "test-token-0123456789abcdef"


class GatedEmbedder(FakeEmbedder):
    """Embeds questions at once; an index update's embedding waits until `release` is set."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()
        self.building = threading.Event()

    def embed_batch(self, texts):
        if threading.current_thread().name == "qa-index-update":
            self.building.set()
            self.release.wait(30)
        return super().embed_batch(texts)


@pytest.fixture
def embedder():
    return GatedEmbedder()


@pytest.fixture
def service(settings, embedder, monkeypatch):
    monkeypatch.chdir(settings.corpus_dir.parent)  # citations read corpus/..., as in test_cli
    built = CorpusService(lambda: make_assistant(settings, embedder))
    built.start()
    return built


@pytest.fixture
def base(service):
    with live_server(service) as url:
        yield url


@pytest.fixture
def cli_json(settings, embedder, monkeypatch, capsys):
    """What `qa ask --json` prints, run in-process on the same index with the same fake model."""
    monkeypatch.setattr(cli, "_assistant", lambda args: make_assistant(settings, embedder))

    def run(*argv, stdin: str | None = None):
        if stdin is not None:
            import io
            import sys

            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8"))
        assert cli.main(list(argv)) == 0
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()] if stdin else json.loads(
            capsys.readouterr().out
        )

    return run


def test_ask_returns_exactly_what_qa_ask_json_prints(base, cli_json):
    expected = cli_json("ask", "--json", "-k", "3", QUESTION)
    response = httpx.post(f"{base}/api/ask", json={"question": QUESTION, "k": 3})
    assert response.status_code == 200
    assert response.json() == expected
    assert expected["passages"] and not expected["no_answer"]
    assert "Al-Azaim" in expected["passages"][0]["highlight"]


def test_a_follow_up_is_searched_as_qa_ask_conversation_searches_it(base, cli_json):
    first, follow_up = "When did IS-KP announce its formation?", "What should be done about it?"
    expected = cli_json("ask", "-", "--conversation", "--json", stdin=f"{first}\n{follow_up}\n")[1]
    response = httpx.post(f"{base}/api/ask", json={"question": follow_up, "conversation": [first]})
    assert response.json() == expected
    assert expected["searched_for"] == "IS-KP What should be done about it?"


def test_no_answer_comes_through_as_in_the_cli(base, cli_json):
    question = "What is the boiling point of mercury?"
    response = httpx.post(f"{base}/api/ask", json={"question": question, "filters": None})
    assert response.json() == cli_json("ask", "--json", question)
    assert response.json()["no_answer"] is True


def test_status_is_qa_status_as_json(base, settings):
    data = httpx.get(f"{base}/api/status").json()
    assert data["corpus"] == str(settings.corpus_dir)
    assert data["documents"] == 3 and data["up_to_date"] is True and data["built"] is True
    assert data["corpus_prefix"] == "corpus"
    assert data["update"]["state"] == "idle"


def test_source_is_what_qa_show_prints_and_the_offsets_index_it(base):
    passage = httpx.post(f"{base}/api/ask", json={"question": QUESTION}).json()["passages"][0]
    for path in (passage["path"], passage["path"].removeprefix("corpus/")):
        response = httpx.get(f"{base}/api/source", params={"path": path})
        assert response.status_code == 200, response.text
        assert response.text[passage["char_start"] : passage["char_end"]] == passage["text"]


def test_the_page_and_its_files_are_served_by_qa_itself(base):
    page = httpx.get(base + "/")
    assert page.status_code == 200 and 'id="question"' in page.text
    assert "http" not in page.text.replace('"http-equiv', "")  # no CDN: every file comes from here
    for name in ("app.js", "style.css"):
        assert httpx.get(f"{base}/static/{name}").status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"question": ""}, 400, "the question is empty"),
        ({"question": "   \x01 "}, 400, "the question is empty"),
        ({"question": "x" * 2001}, 400, "at most 2000"),
        ({"question": QUESTION, "k": 0}, 400, '"k" must be'),
        ({"question": QUESTION, "k": "5"}, 400, '"k" must be'),
        ({"question": QUESTION, "filters": {"path": "notes/"}}, 400, "unknown filter 'path'"),
        ({"question": QUESTION, "filters": ["x"]}, 400, '"filters" must be an object'),
        ({"question": QUESTION, "conversation": "earlier"}, 400, '"conversation" must be a list'),
        ({"q": QUESTION}, 400, "unknown field 'q'"),
        ([QUESTION], 400, "must be a JSON object"),
    ],
)
def test_bad_asks_get_a_json_error_naming_the_problem(base, body, status, words):
    response = httpx.post(f"{base}/api/ask", json=body)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_errors_are_json_never_a_traceback(base):
    for response in (
        httpx.post(f"{base}/api/ask", content=b"{not json", headers={"content-type": "application/json"}),
        httpx.post(f"{base}/api/ask", content=b"\xff\xfe", headers={"content-type": "application/json"}),
        httpx.get(f"{base}/api/nothing"),
        httpx.delete(f"{base}/api/ask"),
        httpx.get(f"{base}/api/source", params={"path": "corpus/shadow-caliphate-islamic-state-khorasan.txt", "page": "2"}),
        httpx.get(f"{base}/api/source", params={"path": "notes/bread.md", "page": "zero"}),
        httpx.get(f"{base}/api/source"),
    ):
        assert response.status_code in (400, 404, 405), response.text
        assert set(response.json()) == {"error"}
        assert "Traceback" not in response.text
    no_pages = httpx.get(f"{base}/api/source", params={"path": "notes/bread.md", "page": "1"}).json()["error"]
    assert no_pages == "notes/bread.md has no pages (only PDF files and slide decks do): leave out --page"  # qa show's words


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"])
def test_a_foreign_origin_is_refused(base, origin):
    response = httpx.post(f"{base}/api/ask", json={"question": QUESTION}, headers={"Origin": origin})
    assert response.status_code == 403
    assert "refused" in response.json()["error"]
    assert httpx.get(f"{base}/api/status", headers={"Origin": origin}).status_code == 403


def test_the_servers_own_origin_is_accepted(base):
    response = httpx.post(f"{base}/api/ask", json={"question": QUESTION}, headers={"Origin": base})
    assert response.status_code == 200


def test_a_cross_site_fetch_is_refused_even_without_origin(base):
    assert httpx.get(f"{base}/api/status", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8770", "127.0.0.1:1", "localhost.evil.example", ""])
def test_a_host_that_is_not_the_servers_is_refused(base, host):
    # DNS rebinding: a name the attacker controls resolves to 127.0.0.1, the browser sends that name.
    response = httpx.get(f"{base}/api/status", headers={"Host": host})
    assert response.status_code == 403
    assert "is not this server's" in response.json()["error"]


def test_localhost_with_the_port_is_the_servers_name_too(base):
    port = base.rsplit(":", 1)[1]
    assert httpx.get(f"{base}/api/status", headers={"Host": f"localhost:{port}"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "notes/../../secret.txt",
        "corpus/../secret.txt",
        "..\\secret.txt",
        "/etc/passwd",
        "//etc/passwd",
        "~/secret.txt",
        "C:\\Windows\\win.ini",
        "outside-link.txt",
        "linked-folder/secret.txt",
    ],
)
def test_source_never_reads_outside_the_corpus(base, settings, path):
    secret = settings.corpus_dir.parent / "secret.txt"
    secret.write_text("the secret\n", encoding="utf-8")
    os.symlink(secret, settings.corpus_dir / "outside-link.txt")
    os.symlink(settings.corpus_dir.parent, settings.corpus_dir / "linked-folder")
    response = httpx.get(f"{base}/api/source", params={"path": path})
    assert response.status_code == 400, response.text
    assert "the secret" not in response.text
    assert "refused" in response.json()["error"]


def test_an_absolute_path_into_the_corpus_is_refused_too(base, settings):
    response = httpx.get(f"{base}/api/source", params={"path": str(settings.corpus_dir / "notes" / "bread.md")})
    assert response.status_code == 400 and "absolute paths are refused" in response.json()["error"]


def test_a_missing_source_says_what_qa_show_says(base):
    response = httpx.get(f"{base}/api/source", params={"path": "nothing.txt"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("nothing.txt is not a file in the corpus")


def test_an_oversized_body_is_refused_before_it_is_read(base):
    response = httpx.post(f"{base}/api/ask", content=json.dumps({"question": "x" * 100_000}).encode())
    assert response.status_code == 413
    assert "over 65536 bytes" in response.json()["error"]


def test_an_oversized_chunked_body_is_refused_too(base):
    def chunks():  # no Content-Length: the guard counts what arrives
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = httpx.post(f"{base}/api/ask", content=chunks())
    assert response.status_code == 413


def test_with_a_token_every_request_must_carry_it(service):
    with live_server(service, token=TOKEN) as url:
        for path in ("/", "/static/app.js", "/api/status", "/api/index"):
            response = httpx.get(url + path)
            assert response.status_code == 401, path
            assert "needs its token" in response.json()["error"]
        wrong = httpx.get(f"{url}/api/status", headers={"Authorization": "Bearer wrong-token-0123456789"})
        assert wrong.status_code == 401 and "does not match" in wrong.json()["error"]
        assert httpx.post(f"{url}/api/ask", json={"question": QUESTION}).status_code == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.post(f"{url}/api/ask", json={"question": QUESTION}, headers=good).status_code == 200
        # A browser opens /?token=... once; the token then rides in a same-site, HttpOnly cookie.
        opened = httpx.get(f"{url}/", params={"token": TOKEN})
        assert opened.status_code == 303 and "SameSite=Strict" in opened.headers["set-cookie"]
        assert httpx.get(f"{url}/", params={"token": "wrong-token-0123456789"}).status_code == 401
        assert httpx.get(f"{url}/api/status", cookies={"qa_token": TOKEN}).status_code == 200


def test_serving_beyond_loopback_without_a_token_is_refused(capsys):
    assert cli.main(["serve", "--host", "0.0.0.0"]) == 1
    error = capsys.readouterr().err
    assert "needs a token: pass --token TOKEN or set QA_TOKEN" in error and "Traceback" not in error


def test_a_weak_token_is_refused(capsys):
    assert cli.main(["serve", "--token", "short"]) == 1
    assert "the token must be at least 16" in capsys.readouterr().err


# --- index updates --------------------------------------------------------------------------


def test_one_update_at_a_time_and_questions_answer_from_the_current_generation_meanwhile(base, settings, embedder):
    (settings.corpus_dir / "notes" / "kites.md").write_text(
        "# Kites\n\nA box kite flies steadily in strong coastal wind.\n", encoding="utf-8"
    )
    started = httpx.post(f"{base}/api/index")
    assert started.status_code == 202 and started.json()["state"] == "running"
    assert embedder.building.wait(10)
    second = httpx.post(f"{base}/api/index", json={"full": True})
    assert second.status_code == 409
    assert "already running" in second.json()["error"]
    assert httpx.get(f"{base}/api/index").json()["state"] == "running"
    # Meanwhile questions are answered, from the generation being replaced.
    during = httpx.post(f"{base}/api/ask", json={"question": "box kite coastal wind"}, timeout=10).json()
    assert during["no_answer"] is True
    embedder.release.set()
    for _ in range(200):
        progress = httpx.get(f"{base}/api/index").json()
        if progress["state"] != "running":
            break
        threading.Event().wait(0.05)
    assert progress["state"] == "done", progress
    assert progress["generation"] == 2 and progress["summary"].startswith("updated: 1 added")
    after = httpx.post(f"{base}/api/ask", json={"question": "box kite coastal wind"}).json()
    assert after["no_answer"] is False and after["passages"][0]["path"] == "corpus/notes/kites.md"


def test_a_failed_update_is_reported_and_the_server_keeps_answering(base, settings, embedder):
    embedder.release.set()
    for item in list(settings.corpus_dir.rglob("*")):
        if item.is_file():
            item.unlink()
    assert httpx.post(f"{base}/api/index").status_code == 202
    for _ in range(200):
        progress = httpx.get(f"{base}/api/index").json()
        if progress["state"] != "running":
            break
        threading.Event().wait(0.05)
    assert progress["state"] == "failed" and "could be read" in progress["error"]
    assert httpx.post(f"{base}/api/ask", json={"question": QUESTION}).status_code == 200


def test_a_bad_index_body_is_refused(base):
    response = httpx.post(f"{base}/api/index", json={"full": "yes"})
    assert response.status_code == 400 and "full" in response.json()["error"]
