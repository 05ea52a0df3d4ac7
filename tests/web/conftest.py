"""The web application on a scratch store with the demo loaded, on each backend.

The app's clock is 15 December 2014: the demo's 2014 round is still open, and after the
exemption recorded here Rinkeby-Kista may be paid (so the payment form has work to do).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from policies.commands import RecordNetwork
from ppss_workflow.demo import COORDINATOR, load_demo
from ppss_workflow.handlers import Commands
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from ppss_workflow.tokens import create_token
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.conftest import base_url_for

NOW = datetime(2014, 12, 15, 11, 0, tzinfo=UTC)
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
    with scratch_store(base_url_for(backend)) as store:
        load_demo(store)
        Commands(store, clock).execute(
            COORDINATOR,
            RecordNetwork(
                round_id="ppss-2014",
                district="Rinkeby-Kista",
                session_id="natverk-2",
                outcome="exemption",
                note="Beviljad i efterhand",
            ),
        )
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
