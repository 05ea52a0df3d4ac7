"""Per-district calendar URLs: served without sign-in, only that district's deadlines,
404 once revoked; made from the district's project page (shown once) or the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from ppss_workflow.calendar_tokens import (
    calendar_path,
    create_calendar_token,
    list_calendar_tokens,
    revoke_calendar_token,
)
from ppss_workflow.store import EventStore
from tests.e2e.cli import assert_one_line_error, ppss
from tests.web.conftest import csrf_of

FARSTA = "/rounds/ppss-2014/projects/farsta"
URL = re.compile(r'value="(http://localhost/calendar/cal_[^"]+\.ics)"')


def _summaries(ics: str) -> list[str]:
    return [
        line.removeprefix("SUMMARY:") for line in ics.splitlines() if line.startswith("SUMMARY:")
    ]


def test_a_districts_calendar_until_revoked(app_client: TestClient, demo_store: EventStore) -> None:
    name, token = create_calendar_token(demo_store, "Farsta")
    app_client.cookies.clear()
    response = app_client.get(calendar_path(token))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    summaries = _summaries(response.text)
    assert summaries, response.text
    assert all(s.startswith("Farsta:") for s in summaries), summaries
    assert "Rinkeby" not in response.text
    assert revoke_calendar_token(demo_store, name)
    assert not revoke_calendar_token(demo_store, name)
    assert app_client.get(calendar_path(token)).status_code == 404
    for bad in ("cal_nonsense", "ppss_x", "x" * 300):
        assert app_client.get(calendar_path(bad)).status_code == 404
    # Not described among the API's operations (it is a URL for calendar programs).
    assert "/calendar/{token}.ics" not in app_client.get("/openapi.json").json()["paths"]


def test_made_on_the_project_page_for_the_own_district_only(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in("district:Farsta")
    page = client.get(FARSTA)
    assert 'action="/calendar/links"' in page.text
    csrf = csrf_of(page.text)
    made = client.post("/calendar/links", data={"csrf_token": csrf, "district": "Farsta"})
    assert made.status_code == 200, made.text
    found = URL.search(made.text)
    assert found is not None, made.text
    ics = client.get(found.group(1).removeprefix("http://localhost"))
    assert ics.status_code == 200
    assert all(s.startswith("Farsta:") for s in _summaries(ics.text))
    other = client.post("/calendar/links", data={"csrf_token": csrf, "district": "Rinkeby-Kista"})
    assert other.status_code == 404
    no_csrf = client.post("/calendar/links", data={"district": "Farsta"})
    assert no_csrf.status_code == 403
    assert [t.district for t in list_calendar_tokens(demo_store)] == ["Farsta"]
    auditor = signed_in("auditor")
    assert 'action="/calendar/links"' not in auditor.get(FARSTA).text
    refused = auditor.post(
        "/calendar/links", data={"csrf_token": csrf_of(auditor.get("/").text), "district": "Farsta"}
    )
    assert refused.status_code == 403
    assert len(list_calendar_tokens(demo_store)) == 1


def test_cli_create_list_revoke(tmp_path: Path) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'store.db'}"]
    assert ppss("db", "upgrade", *db, home=tmp_path).code == 0
    made = ppss("calendar", "token", "create", "--district", "Farsta", "--name", "farsta-cal",
                "--base-url", "https://ppss.example.org/", *db, home=tmp_path)  # fmt: skip
    assert made.code == 0, made.err
    assert re.fullmatch(r"https://ppss\.example\.org/calendar/cal_[\w-]+\.ics\n", made.out)
    assert "visas bara nu" in made.err
    listed = ppss("calendar", "token", "list", *db, home=tmp_path)
    assert "farsta-cal" in listed.out
    assert "cal_" not in listed.out
    assert ppss("calendar", "token", "revoke", "farsta-cal", *db, home=tmp_path).code == 0
    assert_one_line_error(ppss("calendar", "token", "revoke", "nope", *db, home=tmp_path), "nope")
    assert_one_line_error(
        ppss(
            "calendar",
            "token",
            "create",
            "--district",
            " ",
            "--base-url",
            "https://x.example",
            *db,
            home=tmp_path,
        ),
        "district",
    )
    whole = ppss("calendar", *db, home=tmp_path)
    assert whole.code == 0
    assert whole.out.startswith("BEGIN:VCALENDAR")
