"""The auditor's pages: verify the chain with progress, explain a project, download exports.

Auditors and coordinators verify and download; a district explains its own project only
and downloads nothing; nothing here writes. On both backends.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import orjson
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from ppss_workflow.store import EventStore
from tests.integration.test_audit import drop_triggers

EXPLAIN = "/audit/rounds/ppss-2014/projects/farsta/explain"


def test_the_chain_verifies_with_progress(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """The page streams a line per checked batch, then the verdict and the head to keep."""
    client = signed_in("auditor")
    head = demo_store.head()
    assert "Verifiera kedjan" in client.get("/audit").text
    before = demo_store.count()
    page = client.get("/audit/verify/run")
    assert page.status_code == 200
    steps = re.findall(r'<li class="step">([^<]+)</li>', page.text)
    assert len(steps) >= 2, steps  # progress, batch by batch
    assert steps[-1].startswith(f"{head.position} av {head.position} händelser kontrollerade")
    assert "Kedjan är obruten" in page.text
    assert f"{head.position}:{head.hash}" in page.text
    anchored = client.get(f"/audit/verify/run?expect={head.position}:{head.hash}")
    assert "Kedjan är obruten" in anchored.text
    bad = client.get("/audit/verify/run?expect=nonsense")
    assert bad.status_code == 400
    assert 'id="expect-error"' in bad.text
    assert demo_store.count() == before


def test_a_changed_row_is_found_where_it_was_changed(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """Who recorded an event, edited behind the store's back: the page names the position."""
    client = signed_in("coordinator")
    drop_triggers(demo_store)
    with demo_store.engine.begin() as conn:
        conn.execute(
            text(
                'UPDATE events SET metadata = replace(metadata, \'"actor":"\', '
                '\'"actor":"x\') WHERE position = 7'
            )
        )
    page = client.get("/audit/verify/run")
    assert "Kedjan är bruten vid position 7." in page.text
    assert "Kedjan är obruten" not in page.text
    # What was found, in the reader's language too (the English stays in the JSON and logs).
    assert (
        '<p lang="sv">den sparade hashen stämmer inte med radens innehåll och hashen före den'
        in page.text
    ), page.text


def test_explain_shows_each_rule_and_its_events(
    signed_in: Callable[[str | None], TestClient],
) -> None:
    """What `ppss audit explain` shows, in Swedish; a district sees its own project only."""
    for user in ("auditor", "coordinator", "district:Farsta", "steering_group"):
        page = signed_in(user).get(EXPLAIN)
        assert page.status_code == 200, user
        assert "Regel: ppss-2014 v2" in page.text
        assert "Godkänd arbetsplan" in page.text or "arbetsplan" in page.text.lower()
        assert re.search(r"#\d+ ", page.text)  # the deciding events, by position
    assert signed_in("district:Rinkeby-Kista").get(EXPLAIN).status_code == 404
    assert signed_in("scheduler").get(EXPLAIN).status_code == 403
    earlier = signed_in("auditor").get(f"{EXPLAIN}?as_of=2014-03-01&known_at=2030-01-01T00:00")
    assert earlier.status_code == 200
    wrong = signed_in("auditor").get(f"{EXPLAIN}?as_of=1%20mars")
    assert wrong.status_code == 400
    assert 'id="as_of-error"' in wrong.text


@pytest.mark.parametrize("fmt", ["xlsx", "csv-sv", "csv", "jsonl"])
def test_exports_download(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore, fmt: str
) -> None:
    """Each export of a round as a file; the rows are the round's, as stored."""
    client = signed_in("auditor")
    assert f"format={fmt}&amp;round=ppss-2014" in client.get("/audit/exports").text
    before = demo_store.count()
    response = client.get(f"/audit/exports/download?format={fmt}&round=ppss-2014")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert "ppss-ppss-2014-" in response.headers["content-disposition"]
    body = response.content
    in_round = [
        r
        for r in demo_store.read_all()
        if r.stream_id in ("round:ppss-2014",) or r.stream_id.startswith("project:ppss-2014:")
    ]
    if fmt == "xlsx":
        assert body[:2] == b"PK"
        book = load_workbook(io.BytesIO(body), read_only=True)
        assert book.sheetnames
    elif fmt == "jsonl":
        lines = body.splitlines()
        assert orjson.loads(lines[0])  # the header: scope and head
        assert len(lines) - 1 == len(in_round)
    else:
        sv = fmt == "csv-sv"
        textual = body.decode("utf-8-sig" if sv else "utf-8")
        assert body.startswith(b"\xef\xbb\xbf") == sv
        rows = list(csv.reader(io.StringIO(textual), delimiter=";" if sv else ","))
        assert len(rows) - 1 == len(in_round)
    assert demo_store.count() == before


@pytest.mark.parametrize("user", ["district:Farsta", "steering_group", "scheduler", None])
def test_exports_and_verifying_are_for_auditors_and_coordinators(
    signed_in: Callable[[str | None], TestClient], user: str | None
) -> None:
    """A district downloads nothing, not even its own round's rows: they name every district."""
    client = signed_in(user)
    for url in ("/audit", "/audit/verify/run", "/audit/exports/download?format=jsonl"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == (303 if user is None else 403), (user, url)
