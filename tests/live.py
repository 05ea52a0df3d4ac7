"""Real servers for web tests: an ASGI app under uvicorn and oidc-provider-mock, each on a
free loopback port in a thread of the test process, and a small app that signs in with OIDC.

The app is served on ``127.0.0.1`` and the provider on ``localhost``: two hosts, as in real
life, so a browser keeps their cookies apart (cookies do not look at the port).
"""

from __future__ import annotations

import html
import socket
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import SecretStr
from starlette.middleware.sessions import SessionMiddleware

from ppss_workflow.web.oidc import install_oidc
from tests.poll import wait_until

with warnings.catch_warnings():
    # Its server side imports authlib.jose, which Authlib deprecates with an "always" filter.
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

CLIENT_ID = "ppss-test"
CLIENT_SECRET = "not-a-secret"  # noqa: S105 - the mock provider accepts any secret
ROLE_MAP = {
    "ppss-samordnare": "coordinator",
    "ppss-styrgrupp": "steering_group",
    "ppss-revisor": "auditor",
    "ppss-farsta": "district:Farsta",
    "ppss-skarholmen": "district:Skärholmen",
}

ServeApp = Callable[[Any], str]
"""``serve(app)`` -> the base URL of ``app`` running under uvicorn (tests/browser fixture)."""
Screenshot = Callable[[str], Path]
"""``screenshot("name")`` -> the PNG written for the current page (tests/browser fixture)."""


@dataclass
class OidcTestSettings:
    """What ``install_oidc`` reads from ``WebSettings``, for an app built in a test."""

    oidc_issuer: str | None
    oidc_client_id: str | None = CLIENT_ID
    oidc_client_secret: SecretStr | str | None = field(
        default_factory=lambda: SecretStr(CLIENT_SECRET)
    )
    oidc_role_claim: str = "groups"
    oidc_role_map: dict[str, str] = field(default_factory=lambda: dict(ROLE_MAP))


@contextmanager
def oidc_provider() -> Iterator[str]:
    """oidc-provider-mock on a free port; yields its issuer URL. It requires a nonce."""
    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def put_user(issuer: str, email: str, **claims: Any) -> None:
    """Tell the provider which claims the person ``email`` (the subject) signs in with."""
    response = httpx.put(
        f"{issuer}/users/{quote(email, safe='')}", json={"email": email, **claims}, timeout=10
    )
    assert response.status_code == 204, response.text


@contextmanager
def serve_asgi(app: Any, *, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(
            lambda: server.started or not thread.is_alive(),
            f"uvicorn started on {host}:{port}",
            timeout=10,
        )
        if not server.started:
            raise RuntimeError(f"uvicorn did not start on {host}:{port}")
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def sign_in_app(settings: OidcTestSettings) -> FastAPI:
    """A page with a sign-in form, the OIDC routes, and ``/me`` showing the session user."""
    app = FastAPI()
    app.add_middleware(
        SessionMiddleware,
        secret_key="test-secret-key",  # noqa: S106, same_site="lax", https_only=False
    )
    install_oidc(app, settings)

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request) -> str:
        user = request.session.get("user")
        if user:
            return (
                "<!doctype html><html lang='sv'><title>PPSS</title><main>"
                f"<p id='user'>Inloggad som {html.escape(user['name'])}</p></main></html>"
            )
        return (
            "<!doctype html><html lang='sv'><title>PPSS</title><main>"
            "<form action='/login/oidc' method='get'><button type='submit'>Logga in</button></form>"
            "</main></html>"
        )

    @app.get("/me")
    async def me(request: Request) -> JSONResponse:
        return JSONResponse(request.session.get("user"))

    @app.get("/session")
    async def session(request: Request) -> JSONResponse:
        return JSONResponse(dict(request.session))

    @app.get("/prime")
    async def prime(request: Request) -> JSONResponse:
        """What a page leaves in the session before anyone signs in."""
        request.session.update({"lang": "en", "csrf": "made-before-sign-in"})
        return JSONResponse(dict(request.session))

    return app
