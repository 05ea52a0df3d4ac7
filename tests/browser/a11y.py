"""Accessibility checks for the browser journeys: axe-core (WCAG 2.1 A and AA) and reflow at
320 CSS pixels (WCAG 1.4.10: no horizontal scrolling of the page).

axe-core is the npm package, installed by ``.ci/run`` (``npm install --prefix .axe axe-core@4``)
into ``.axe/`` (ignored by git); ``$PPSS_AXE_JS`` names another ``axe.min.js``. The file is
read here and injected by Playwright, so no page loads it from anywhere. When it is missing,
the checks fail with the install command where browser tests are required (CI), and are
skipped elsewhere, as Chromium is.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

__all__ = ["AXE_TAGS", "REFLOW_WIDTH", "axe_source", "check_page", "reflows", "violations"]

_REPO = Path(__file__).resolve().parents[2]
DEFAULT_AXE = _REPO / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.1 levels A and AA (2.0's rules are tagged wcag2a/wcag2aa, 2.1's additions wcag21*).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REFLOW_WIDTH = 320


@cache
def axe_source() -> str:
    """axe-core's script; fails or skips (see the module's doc) when it is not installed."""
    path = Path(os.environ.get("PPSS_AXE_JS") or DEFAULT_AXE)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    reason = (
        f"the accessibility checks need axe-core at {path}: "
        "npm install --prefix .axe axe-core@4 (or set PPSS_AXE_JS)"
    )
    if os.environ.get("PPSS_BROWSER_TESTS") == "required" or os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated by Playwright, not added as a <script>: the pages' CSP allows no inline script.
        page.evaluate(axe_source())
    # Only violations are asked for (``resultTypes``): axe then skips gathering the nodes of the
    # rules that pass, which is most of its time on a long page; what it finds is the same.
    found: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))",
        AXE_TAGS,
    )
    return found


def reflows(page: Page, width: int = REFLOW_WIDTH) -> tuple[bool, int]:
    """Whether the page, ``width`` px wide, needs no horizontal scrolling; and its width."""
    before = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": width, "height": before["height"]})
    try:
        scroll_width = int(page.evaluate("() => document.documentElement.scrollWidth"))
    finally:
        page.set_viewport_size(before)
    return scroll_width <= width, scroll_width


def check_page(page: Page, state: str) -> None:
    """Assert 0 WCAG 2.1 A/AA violations and reflow at 320 px for the page state ``state``."""
    found = violations(page)
    assert found == [], f"{state} ({page.url}): axe-core found {found}"
    ok, width = reflows(page)
    assert ok, f"{state} ({page.url}): {width} px wide at {REFLOW_WIDTH} px: it scrolls sideways"
