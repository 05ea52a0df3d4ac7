"""The web application on a scratch store with the demo loaded, on each backend.

The app's clock is 15 December 2014: the demo's 2014 round is still open, and after the
exemption recorded here Rinkeby-Kista may be paid (so the payment form has work to do).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from ppss_workflow.store import EventStore
from ppss_workflow.tokens import create_token
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.conftest import base_url_for
from tests.demo_template import WEB_DEMO, WEB_NOW, demo_copy

NOW = WEB_NOW
ROLES = (
    "coordinator",
    "steering_group",
    "auditor",
    "district:Farsta",
    "district:Rinkeby-Kista",
    "scheduler",
)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def clock() -> datetime:
    return NOW


@pytest.fixture
def demo_store(backend: str) -> Iterator[EventStore]:
    """The demo with Rinkeby-Kista's exemption: this test's own copy of the session's
    recording (tests/demo_template.py), so a test may write in it."""
    with demo_copy(base_url_for(backend), recipe=WEB_DEMO) as store:
        yield store


@pytest.fixture
def app_client(demo_store: EventStore) -> Iterator[TestClient]:
    app = create_app(WebSettings(demo=True, secret_key=None), store=demo_store, clock=clock)
    with TestClient(app, base_url="http://localhost") as client:
        yield client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, user: str) -> None:
    """Sign in through the demo page as ``user`` (a DemoUser key)."""
    page = client.get("/login/demo")
    assert page.status_code == 200
    response = client.post("/login/demo", data={"csrf_token": csrf_of(page.text), "user": user})
    assert response.status_code == 200, response.text


@pytest.fixture
def signed_in(app_client: TestClient) -> Callable[[str | None], TestClient]:
    def as_(user: str | None) -> TestClient:
        app_client.cookies.clear()
        if user is not None:
            sign_in(app_client, user)
        return app_client

    return as_


@pytest.fixture
def tokens(demo_store: EventStore) -> dict[str, str]:
    """One live token per role."""
    return {role: create_token(demo_store, f"test-{role}", role) for role in ROLES}
