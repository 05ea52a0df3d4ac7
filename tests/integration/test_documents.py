"""Documents on both backends: attached to a T2 report, downloaded byte-identical, and a
change to the stored bytes behind the store's back fails `ppss audit verify` in one line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from events import DocumentAttached
from policies.state import stockholm_day
from ppss_workflow.db import documents
from ppss_workflow.demo import COORDINATOR, district_actor
from ppss_workflow.documents import DocumentSettings, attach, fetch, verify_documents
from ppss_workflow.errors import InvalidCommand, NotAuthorised, NotFound
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from tests.conftest import StepClock, base_url_for
from tests.demo_template import DEMO_ON_STEP_CLOCK, demo_copy
from tests.e2e.cli import assert_one_line_error, ppss

ROUND = "sst-2018"
#: A small but real PDF: the header, one empty page, the trailer. Bytes outside ASCII too.
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
T2_DAY = datetime(2018, 9, 12, 12, 0, tzinfo=UTC)


def _url(store: EventStore) -> str:
    return store.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def demo(backend: str, clock: StepClock) -> Iterator[EventStore]:
    """The demo, recorded at the step clock's time (as on the ``store`` fixture): this test's
    own copy of the session's recording."""
    with demo_copy(base_url_for(backend), recipe=DEMO_ON_STEP_CLOCK, clock=clock) as store:
        yield store


def _attach(store: EventStore, content: bytes = PDF, **changes: object) -> str:
    fields: dict[str, object] = {
        "round_id": ROUND,
        "district": "Skärholmen",
        "attached_to": "t2-report",
        "name": "T2-uppfoljning-2018.pdf",
        "content": content,
    }
    fields.update(changes)
    outcome, sha = attach(
        Commands(store, clock=lambda: T2_DAY),
        district_actor("Skärholmen"),
        **fields,  # type: ignore[arg-type]
    )
    assert outcome.already is None
    return sha


def test_a_t2_report_document_downloads_byte_identical_and_a_changed_byte_fails_verify(
    demo: EventStore, tmp_path: Path
) -> None:
    sha = _attach(demo)
    assert sha == hashlib.sha256(PDF).hexdigest()
    (event,) = [r.event for r in demo.read_all() if isinstance(r.event, DocumentAttached)]
    assert (event.attached_to, event.media_type, event.size_bytes) == (
        "t2-report",
        "application/pdf",
        len(PDF),
    )
    url = _url(demo)
    got = tmp_path / "t2.pdf"
    run = ppss(
        "document", "get", sha, "-o", str(got), "--as", "district:Skärholmen", "--database", url,
        home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run
    assert got.read_bytes() == PDF
    assert ppss("audit", "verify", "--database", url, home=tmp_path).code == 0
    exported = tmp_path / "docs"
    run = ppss(
        "export", "--round", ROUND, "-o", str(tmp_path / "e.jsonl"),
        "--with-documents", str(exported), "--database", url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run
    assert (exported / f"{sha}.pdf").read_bytes() == PDF
    assert json.loads((exported / "manifest.json").read_text())[0]["attached_to"] == "t2-report"

    with demo.engine.begin() as conn:  # behind the store's back: one byte changed
        conn.execute(
            text("UPDATE documents SET content = :c WHERE sha256 = :s"),
            {"c": PDF.replace(b"595", b"596"), "s": sha},
        )
    broken = ppss("audit", "verify", "--database", url, home=tmp_path)
    assert broken.code == 7, broken
    assert_one_line_error(broken, f"underlaget {sha}", "ändrat vid sidan av programmet")
    # And the changed bytes are never handed out as the document.
    with pytest.raises(NotFound, match="do not match the hash"):
        fetch(demo, sha, role="coordinator")


def test_the_same_file_twice_is_kept_once_and_recorded_once(demo: EventStore) -> None:
    sha = _attach(demo)
    outcome, again = attach(
        Commands(demo, clock=lambda: T2_DAY),
        district_actor("Skärholmen"),
        round_id=ROUND,
        district="Skärholmen",
        attached_to="t2-report",
        name="copy.pdf",
        content=PDF,
    )
    assert again == sha
    assert outcome.already is not None
    with demo.engine.connect() as conn:
        assert len(conn.execute(select(documents.c.sha256)).all()) == 1


def test_an_event_without_its_content_fails_verify(demo: EventStore) -> None:
    sha = _attach(demo)
    with demo.engine.begin() as conn:
        conn.execute(text("DELETE FROM documents"))
    (problem,) = verify_documents(demo)
    assert sha in problem
    assert "content is missing" in problem


def test_a_district_sees_only_its_own_projects_documents(demo: EventStore) -> None:
    sha = _attach(demo)
    assert fetch(demo, sha, role="district", district="skarholmen").content == PDF
    assert fetch(demo, sha, role="auditor").content == PDF
    with pytest.raises(NotFound):
        fetch(demo, sha, role="district", district="farsta")
    with pytest.raises(NotFound):
        fetch(demo, sha, role="scheduler")


def test_another_district_cannot_attach_and_nothing_is_kept(demo: EventStore) -> None:
    with pytest.raises(NotAuthorised):
        attach(
            Commands(demo, clock=lambda: T2_DAY),
            district_actor("Farsta"),
            round_id=ROUND,
            district="Skärholmen",
            attached_to="t2-report",
            name="x.pdf",
            content=PDF,
        )
    with demo.engine.connect() as conn:
        assert conn.execute(select(documents.c.sha256)).all() == []


@pytest.mark.parametrize(
    ("content", "settings", "needle"),
    [
        (b"#!/bin/sh\nrm -rf /\n", None, "no type recognised"),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 60, None, "a elf file"),
        (b"", None, "is empty"),
        (PDF, DocumentSettings(max_bytes=100), "the largest file taken is 100 bytes"),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_kept(
    demo: EventStore, content: bytes, settings: DocumentSettings | None, needle: str
) -> None:
    before = demo.count()
    with pytest.raises(InvalidCommand, match=needle):
        attach(
            Commands(demo, clock=lambda: T2_DAY),
            COORDINATOR,
            round_id=ROUND,
            district="Skärholmen",
            attached_to="t2-report",
            name="looks-like.pdf",  # the name says PDF; the bytes decide
            content=content,
            settings=settings,
        )
    assert demo.count() == before
    with demo.engine.connect() as conn:
        assert conn.execute(select(documents.c.sha256)).all() == []


def test_a_document_attached_with_a_day_is_recorded_on_that_day(demo: EventStore) -> None:
    """The generated attach form's "Inträffade den" reaches the record (it was dropped)."""
    _attach(demo, on=date(2018, 9, 3))
    *_, last = demo.read_all()
    assert isinstance(last.event, DocumentAttached)
    assert stockholm_day(last.occurred_at) == date(2018, 9, 3)
