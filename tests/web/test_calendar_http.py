"""The calendar URL as polling calendar programs use it: ``HEAD``, ``ETag`` with
``If-None-Match`` (304), ``Last-Modified`` with ``If-Modified-Since``; links made from
``PPSS_PUBLIC_URL`` (web and CLI); a page listing a district's active links (never the
secret) where one is revoked and a new one made."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

from fastapi.testclient import TestClient

from ppss_workflow.calendar_tokens import calendar_path, create_calendar_token
from ppss_workflow.store import EventStore
from tests.e2e.cli import ppss
from tests.web.conftest import csrf_of

PUBLIC = "https://ppss.stockholm.example.org"
FARSTA = "/rounds/ppss-2014/projects/farsta"


def test_head_etag_and_last_modified(app_client: TestClient, demo_store: EventStore) -> None:
    _, token = create_calendar_token(demo_store, "Farsta")
    app_client.cookies.clear()
    full = app_client.get(calendar_path(token))
    assert full.status_code == 200
    etag = full.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    modified = parsedate_to_datetime(full.headers["last-modified"])
    assert modified.tzinfo is not None
    assert "LAST-MODIFIED:" + modified.strftime("%Y%m%dT%H%M%SZ") in full.text

    head = app_client.head(calendar_path(token))
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == etag
    assert head.headers["content-length"] == str(len(full.content))

    same = app_client.get(calendar_path(token), headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    other = app_client.get(calendar_path(token), headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    since = app_client.get(
        calendar_path(token), headers={"If-Modified-Since": full.headers["last-modified"]}
    )
    assert since.status_code == 304
    assert app_client.head(calendar_path("cal_nonsense")).status_code == 404


def test_links_from_the_public_url_listed_and_revoked(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in("district:Farsta")
    settings = client.app.state.settings  # type: ignore[attr-defined]
    client.app.state.settings = settings.model_copy(update={"public_url": PUBLIC + "/"})  # type: ignore[attr-defined]
    page = client.get(FARSTA)
    assert "/calendar/links?district=Farsta" in page.text
    csrf = csrf_of(page.text)
    made = client.post("/calendar/links", data={"csrf_token": csrf, "district": "Farsta"})
    found = re.search(r'value="(https://[^"]+)"', made.text)
    assert found is not None, made.text
    url = found.group(1)
    assert url.startswith(PUBLIC + "/calendar/cal_")
    secret = url.removeprefix(PUBLIC)

    listing = client.get("/calendar/links", params={"district": "Farsta"})
    assert listing.status_code == 200
    assert "cal_" not in listing.text
    (name,) = re.findall(r'name="name" value="([^"]+)"', listing.text)
    revoked = client.post(
        "/calendar/links/revoke",
        data={"csrf_token": csrf_of(listing.text), "district": "Farsta", "name": name},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert client.get(secret).status_code == 404
    after = client.get("/calendar/links", params={"district": "Farsta"})
    assert name not in after.text

    # Another district's links are neither listed nor revocable by Farsta.
    assert client.get("/calendar/links", params={"district": "Rinkeby-Kista"}).status_code == 404
    assert (
        signed_in("auditor").get("/calendar/links", params={"district": "Farsta"}).status_code
        == 403
    )


def test_cli_link_from_the_public_url(tmp_path: Path) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'store.db'}"]
    assert ppss("db", "upgrade", *db, home=tmp_path).code == 0
    made = ppss("calendar", "token", "create", "--district", "Farsta", *db, home=tmp_path,
                env={"PPSS_PUBLIC_URL": PUBLIC})  # fmt: skip
    assert made.code == 0, made.err
    assert made.out.startswith(PUBLIC + "/calendar/cal_")
    assert "127.0.0.1" not in made.out
