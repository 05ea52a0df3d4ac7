"""The follow-up per school, term and gender on the web, on each backend: a district records a
school's term on its form and a count that cannot be is said beside its field (422, nothing
written); the API answers the same with problem+json; the December report and the closing
analysis are printable pages and xlsx downloads for the coordinator, never for a district."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ppss_workflow.store import EventStore
from ppss_workflow.tokens import create_token
from tests.web.conftest import csrf_of

Client = Callable[[str | None], TestClient]
FORM = "/rounds/ppss-2014/commands/record-school-follow-up"
FARSTA = "project:ppss-2014:farsta"
COUNTS = {"school": "Hökarängsskolan", "term": "HT2014", "target_group": "20"}


def _post(client: TestClient, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get(FORM).text)
    response = client.post(FORM, data={"csrf_token": token, **data}, follow_redirects=False)
    assert "Traceback" not in response.text
    return response.status_code, response.text


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'<span class="field-error" id="command-{name}-error">([^<]*)</span>', html)
    assert found is not None, f"no error beside {name}"
    return found.group(1)


def _school_records(store: EventStore) -> list[Any]:
    return [r for r in store.read_stream(FARSTA) if r.event_type == "SchoolFollowUpRecorded"]


def test_a_district_records_a_school_term_and_impossible_counts_are_said_beside_the_field(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("district:Farsta")
    page = client.get(FORM)
    assert page.status_code == 200
    assert "Inskrivna elever (får insatsen)" in page.text
    assert "Målgruppens storlek i skolan, flickor" in page.text
    before = len(_school_records(demo_store))
    status, html = _post(client, **COUNTS, enrolled="35")
    assert status == 422
    assert _field_error(html, "enrolled") == (
        "35 inskrivna elever i Hökarängsskolan är fler än målgruppen (20)"
    )
    assert 'value="35"' in html  # the typed values are kept
    status, html = _post(client, **COUNTS, enrolled="12", enrolled_girls="8", enrolled_boys="6")
    assert status == 422
    assert "flickor och pojkar (14) är fler än totalt (12)" in _field_error(html, "enrolled_girls")
    assert len(_school_records(demo_store)) == before
    status, html = _post(client, **COUNTS, enrolled="12", enrolled_girls="5", enrolled_boys="7",
                         form_id="6b1f6a44-3c5e-4a43-9d0c-7d1a2b3c4d5e")  # fmt: skip
    assert status == 303, html
    records = _school_records(demo_store)
    assert len(records) == before + 1
    assert (records[-1].event.enrolled, records[-1].event.enrolled_girls) == (12, 5)


def test_the_api_refuses_impossible_counts_with_problem_json(
    app_client: TestClient, demo_store: EventStore
) -> None:
    token = create_token(demo_store, "test-farsta", "district:Farsta")
    body = {"round_id": "ppss-2014", "district": "Farsta", "school": "Hökarängsskolan",
            "term": "HT2014", "target_group": 20, "enrolled": 35}  # fmt: skip
    before = demo_store.count()
    response = app_client.post(
        "/api/v1/commands/record-school-follow-up",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "sv"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "fler än målgruppen" in response.text
    assert demo_store.count() == before


def test_the_december_report_and_the_analysis_for_the_coordinator(signed_in: Client) -> None:
    client = signed_in("coordinator")
    board = client.get("/rounds/ppss-2014")
    assert 'href="/rounds/ppss-2014/reports/december"' in board.text
    page = client.get("/rounds/ppss-2014/reports/december")
    assert page.status_code == 200, page.text
    assert "<h1>Delrapport december ppss-2014, HT2014</h1>" in page.text
    assert "Grimstaskolan" in page.text
    assert "&lt;5" in page.text  # Solbergaskolan's pupils
    assert 'href="/rounds/ppss-2014/reports/december.xlsx"' in page.text
    sheet = client.get("/rounds/ppss-2014/reports/december.xlsx")
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in sheet.headers["content-disposition"]
    book = load_workbook(io.BytesIO(sheet.content))
    rows = [tuple(c.value for c in r) for r in book.worksheets[0].iter_rows()]
    headings = next(r for r in rows if r and r[0] == "Stadsdel")
    grimsta = next(r for r in rows if r and r[1] == "Grimstaskolan")
    assert grimsta[headings.index("Inskrivna")] == 14
    analysis = client.get("/rounds/ppss-2014/reports/analysis")
    assert analysis.status_code == 200
    assert "Jämförande analys ppss-2014" in analysis.text
    assert "Första terminen" in analysis.text
    assert client.get("/rounds/ppss-2014/reports/analysis.xlsx").status_code == 200
    assert client.get("/rounds/ppss-2014/reports/december?year=20x4").status_code == 422


def test_a_district_may_not_read_the_citys_reports(signed_in: Client) -> None:
    client = signed_in("district:Farsta")
    for path in ("december", "december.xlsx", "analysis", "analysis.xlsx"):
        assert client.get(f"/rounds/ppss-2014/reports/{path}").status_code == 403
    anonymous = signed_in(None).get("/rounds/ppss-2014/reports/december")
    assert "Grimstaskolan" not in anonymous.text  # the sign-in page, not the report
    assert signed_in(None).get("/rounds/ppss-2014/reports/december.xlsx").content[:2] != b"PK"
