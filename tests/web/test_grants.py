"""Role grants in the store: recorded as events on both backends, consulted by OIDC sign-in
before the claim mapping, and a revoked grant signs the person out at the next request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from events import ACCESS_STREAM, RoleGranted, RoleRevoked
from ppss_workflow.demo import COORDINATOR
from ppss_workflow.errors import InvalidCommand, NotAuthorised, NotFound
from ppss_workflow.grants import current_grants, grant_for, grant_role, revoke_role
from ppss_workflow.handlers import Actor
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.conftest import base_url_for
from tests.demo_template import demo_copy
from tests.e2e.cli import assert_one_line_error, ppss
from tests.live import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, oidc_provider, put_user, serve_asgi
from tests.web.conftest import NOW

PERSON = "tillfallig@farsta.example.org"
AUDITOR = Actor("auditor", "revisor@example.org")


def clock() -> datetime:
    return NOW


def test_grants_are_events_of_the_access_stream(backend: str) -> None:
    with scratch_store(base_url_for(backend)) as store:
        assert grant_role(store, COORDINATOR, PERSON.upper(), "district:Farsta", "vikarie")
        assert not grant_role(store, COORDINATOR, PERSON, "district:Farsta")
        with pytest.raises(NotAuthorised):
            grant_role(store, AUDITOR, PERSON, "coordinator")
        with pytest.raises(InvalidCommand, match="e-mail address"):
            grant_role(store, COORDINATOR, "nobody", "coordinator")
        with pytest.raises(InvalidCommand, match="district"):
            grant_role(store, COORDINATOR, PERSON, "district")
        history = store.read_stream(ACCESS_STREAM)
        assert [type(r.event) for r in history] == [RoleGranted]
        assert history[0].metadata.actor == COORDINATOR.name
        grant = grant_for(store, PERSON)
        assert grant is not None
        assert grant.role_text == "district:Farsta"
        with pytest.raises(NotAuthorised):
            revoke_role(store, AUDITOR, PERSON)
        assert revoke_role(store, COORDINATOR, PERSON, "slutat")
        with pytest.raises(NotFound):
            revoke_role(store, COORDINATOR, PERSON)
        assert [type(r.event) for r in store.read_stream(ACCESS_STREAM)] == [
            RoleGranted,
            RoleRevoked,
        ]
        assert current_grants(store) == {}


def test_cli_grant_list_revoke(tmp_path: Path) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'store.db'}"]
    assert ppss("db", "upgrade", *db, home=tmp_path).code == 0
    granted = ppss("users", "grant", PERSON, "--role", "district:Farsta", "--as", "coordinator",
                   *db, home=tmp_path)  # fmt: skip
    assert granted.code == 0, granted.err
    assert_one_line_error(
        ppss("users", "grant", PERSON, "--role", "coordinator", "--as", "auditor", *db,
             home=tmp_path), "revisor")  # fmt: skip
    assert_one_line_error(ppss("users", "list", "--as", "auditor", *db, home=tmp_path), "revisor")
    listed = ppss("users", "list", "--as", "coordinator", *db, home=tmp_path)
    assert PERSON in listed.out
    assert "Stadsdel Farsta" in listed.out
    assert ppss("users", "revoke", PERSON, "--as", "coordinator", *db, home=tmp_path).code == 0
    assert_one_line_error(
        ppss("users", "revoke", PERSON, "--as", "coordinator", *db, home=tmp_path), PERSON
    )


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def site(issuer: str) -> Iterator[tuple[str, EventStore]]:
    with demo_copy() as store:
        settings = WebSettings(
            demo=True,  # plain http on loopback in the test: cookies without Secure
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=SecretStr(CLIENT_SECRET),
            oidc_role_map=dict(ROLE_MAP),
        )
        with serve_asgi(create_app(settings, store=store, clock=clock)) as url:
            yield url, store


def _sign_in(browser: httpx.Client, issuer: str, email: str) -> httpx.Response:
    start = browser.get("/login/oidc")
    at_provider = httpx.post(start.headers["location"], data={"sub": email}, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    return browser.get(at_provider.headers["location"])


def test_a_grant_lets_a_person_in_until_it_is_revoked(
    site: tuple[str, EventStore], issuer: str
) -> None:
    url, store = site
    put_user(issuer, PERSON, name="Vikarie Farsta", groups=["alla-anstallda"])
    with httpx.Client(base_url=url, timeout=10) as browser:
        refused = _sign_in(browser, issuer, PERSON)
        assert refused.status_code == 403  # no mapped group, no grant: no access
    grant_role(store, COORDINATOR, PERSON, "district:Farsta")
    with httpx.Client(base_url=url, timeout=10) as browser:
        assert _sign_in(browser, issuer, PERSON).status_code == 303
        assert browser.get("/rounds/ppss-2014/projects/Farsta").status_code == 200
        assert browser.get("/rounds/ppss-2014/projects/Skarpnäck").status_code == 404
        revoke_role(store, COORDINATOR, PERSON)
        after = browser.get("/rounds/ppss-2014/projects/Farsta", follow_redirects=False)
        assert after.status_code == 303
        assert after.headers["location"] == "/login"
        # Signing in again: back to the claim mapping, which gives no role.
        assert _sign_in(browser, issuer, PERSON).status_code == 403


def test_a_grant_comes_before_the_claim_mapping(site: tuple[str, EventStore], issuer: str) -> None:
    url, store = site
    email = "samordnare2@example.org"
    put_user(issuer, email, name="Samordnare 2", groups=["ppss-farsta"])
    grant_role(store, COORDINATOR, email, "auditor")
    with httpx.Client(base_url=url, timeout=10) as browser:
        assert _sign_in(browser, issuer, email).status_code == 303
        # An auditor reads every district's project; the mapped Farsta role would not.
        assert browser.get("/rounds/ppss-2014/projects/Skarpnäck").status_code == 200
        grant_role(store, COORDINATOR, email, "district:Farsta")  # changed: signed out
        changed = browser.get("/rounds/ppss-2014/projects/Skarpnäck", follow_redirects=False)
        assert changed.status_code == 303
