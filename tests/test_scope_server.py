"""Scoping over HTTP: filters in the JSON body or as query parameters; bad ones are a 400 naming them."""

from __future__ import annotations

import httpx
import pytest

from qa.server.service import CorpusService
from tests.conftest import make_assistant
from tests.live_server import live_server

QUESTION = "How long does sourdough dough prove?"


@pytest.fixture
def base(settings, monkeypatch):
    monkeypatch.chdir(settings.corpus_dir.parent)
    service = CorpusService(lambda: make_assistant(settings))
    service.start()
    with live_server(service) as url:
        yield url


def test_filters_in_the_body_or_the_query_scope_the_answer_and_are_echoed(base):
    body = httpx.post(f"{base}/api/ask", json={"question": QUESTION, "filters": {"in": "notes", "type": ["md"]}})
    assert body.status_code == 200
    data = body.json()
    assert data["filters"] == {"in": ["notes"], "type": ["md"], "since": None, "until": None}
    assert data["passages"] and all(p["path"].endswith("notes/bread.md") for p in data["passages"])
    query = httpx.post(f"{base}/api/ask", params=[("in", "notes"), ("type", "md")], json={"question": QUESTION})
    assert query.status_code == 200 and query.json()["filters"] == data["filters"]
    assert [p["path"] for p in query.json()["passages"]] == [p["path"] for p in data["passages"]]
    status = httpx.get(f"{base}/api/status").json()
    assert {d["path"] for d in status["documents_dates"]} >= {"notes/bread.md"}
    assert all(d["date_source"] == "file mtime" for d in status["documents_dates"])


@pytest.mark.parametrize(
    "filters, params, words",
    [
        ({"since": "2024-13-01"}, None, "is not a date: write it YYYY-MM-DD"),
        ({"since": 2024}, None, 'filter "since" must be a date'),
        ({"in": [3]}, None, 'filter "in" must be a string or a list of strings'),
        ({"in": "../outside"}, None, "not inside the corpus"),
        ({"in": "/etc"}, None, "not inside the corpus"),
        ({"type": "p?f"}, None, "is not a file type"),
        ({"since": "2025-01-01", "until": "2024-01-01"}, None, "is after --until"),
        ({"in": "no-such-folder"}, None, "no document matches the scope (in no-such-folder); the corpus has 3 documents"),
        ({"year": 2024}, None, "unknown filter 'year'"),
        (None, [("since", "bad")], "is not a date"),
        (None, [("since", "2024-01-01"), ("since", "2025-01-01")], '"since" is given 2 times'),
        (None, [("folder", "notes")], "unknown query parameter 'folder'"),
        ({"in": "notes"}, [("in", "notes")], "given both as a query parameter and in the body"),
    ],
)
def test_bad_filters_are_a_400_naming_the_filter(base, filters, params, words):
    body = {"question": QUESTION} if filters is None else {"question": QUESTION, "filters": filters}
    response = httpx.post(f"{base}/api/ask", params=params, json=body)
    assert response.status_code == 400
    assert words in response.json()["error"]
