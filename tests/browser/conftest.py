"""Browser tests: Playwright's sync API driving Debian's Chromium against real servers.

Chromium is the system package (``apt-get install -y chromium``), launched by path; Playwright's
own browser download is not used. ``$PPSS_CHROMIUM`` names another binary.

When Chromium is missing, every browser test fails with a one-line reason if
``$PPSS_BROWSER_TESTS=required`` (``.ci/run`` sets it, after installing Chromium) or ``$CI`` is
set; elsewhere it is skipped with that reason, as PostgreSQL tests are without
``$PPSS_TEST_DATABASE_URL``.

Pages may only reach loopback servers: any other request (a CDN stylesheet on the mock
provider's page, say) is aborted, so the tests never wait on the network.

Screenshots go to ``test-output/screenshots/<test>/`` under the checkout (ignored by git), or
under ``$PPSS_TEST_OUTPUT``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from tests.live import Screenshot, ServeApp, oidc_provider, serve_asgi

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
_REPO = Path(__file__).resolve().parents[2]
_LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")


def chromium_path() -> str:
    """The Chromium binary to launch; fails or skips (see the module's doc) when missing."""
    path = os.environ.get("PPSS_CHROMIUM", DEFAULT_CHROMIUM)
    if os.access(path, os.X_OK):
        return path
    reason = (
        f"browser tests need Chromium at {path}: "
        "apt-get install -y chromium (as root), or set PPSS_CHROMIUM"
    )
    if os.environ.get("PPSS_BROWSER_TESTS") == "required" or os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def output_dir() -> Path:
    return Path(os.environ.get("PPSS_TEST_OUTPUT") or _REPO / "test-output")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    executable = chromium_path()
    chromium = playwright.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


def _loopback_only(route: Route) -> None:
    if _LOOPBACK.match(route.request.url):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context (its own cookies), Swedish, loopback only."""
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.route("**/*", _loopback_only)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_root() -> Path:
    root = output_dir() / "screenshots"
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def screenshot(page: Page, screenshot_root: Path, request: pytest.FixtureRequest) -> Screenshot:
    """``screenshot("signed-in")`` writes ``<root>/<test>/01-signed-in.jpg`` (the whole page;
    JPEG, which Chromium writes several times faster than PNG); returns the path."""
    folder = screenshot_root / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken: list[Path] = []

    def take(name: str) -> Path:
        path = folder / f"{len(taken) + 1:02d}-{name}.jpg"
        page.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)
        taken.append(path)
        return path

    return take


@pytest.fixture
def serve() -> Iterator[ServeApp]:
    """``serve(app)`` runs an ASGI app under uvicorn on a free port and returns its URL."""
    with ExitStack() as stack:
        yield lambda app: stack.enter_context(serve_asgi(app))


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """A real oidc-provider-mock for the session; its issuer URL."""
    with oidc_provider() as issuer:
        yield issuer
