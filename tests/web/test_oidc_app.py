"""Sign-in through OIDC on the real application, against a real oidc-provider-mock: the
sign-in page leads to the provider, a district comes back signed in as itself, sees its own
project and is refused another district's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from pydantic import SecretStr

from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.demo_template import demo_copy
from tests.live import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, oidc_provider, put_user, serve_asgi
from tests.web.conftest import NOW


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def app_url(issuer: str) -> Iterator[str]:
    with demo_copy() as store:
        settings = WebSettings(
            demo=True,  # plain http on loopback in the test: cookies without Secure
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=SecretStr(CLIENT_SECRET),
            oidc_role_map=dict(ROLE_MAP),
        )
        with serve_asgi(create_app(settings, store=store, clock=clock)) as url:
            yield url


def test_a_district_signs_in_through_the_provider_and_sees_only_its_own(
    app_url: str, issuer: str
) -> None:
    put_user(issuer, "projekt@farsta.example.org", name="Projektledare Farsta",
             groups=["ppss-farsta", "alla-anstallda"])  # fmt: skip
    with httpx.Client(base_url=app_url, timeout=10) as browser:
        page = browser.get("/login")
        assert page.status_code == 200
        assert '/login/oidc"' in page.text
        start = browser.get("/login/oidc")
        assert start.status_code == 302
        assert start.headers["location"].startswith(issuer)
        at_provider = httpx.post(
            start.headers["location"], data={"sub": "projekt@farsta.example.org"}, timeout=10
        )
        assert at_provider.status_code == 302, at_provider.text
        back = browser.get(at_provider.headers["location"])
        assert back.status_code == 303
        own = browser.get("/rounds/ppss-2014/projects/Farsta")
        assert own.status_code == 200
        assert "Projektledare Farsta" in own.text
        other = browser.get("/rounds/ppss-2014/projects/Skarpnäck")
        assert other.status_code == 404
        overview = browser.get("/rounds/ppss-2014")
        assert overview.status_code == 200
        assert "Farsta" in overview.text
        assert "Skarpnäck" not in overview.text
