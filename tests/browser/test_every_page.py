"""Every page the app serves, in Chromium, through axe-core (WCAG 2.1 A/AA, 0 violations) and
the reflow check at 320 px (no horizontal scrolling of the page): issue 20, "Must show" 3.

The journeys check the page states they pass; this test walks the app's own routes instead,
so a page no journey visits is checked too. On a copy of the demo as ``ppss demo`` records
it (the historical rounds and the round running today) it signs in with the demo sign-in as
the coordinator, the steering group, a district and the auditor, and visits every GET route
that serves a page (not the API, the calendar feeds, file downloads, the OIDC redirects or
the health check), its path parameters filled from the demo: every round, a district of it,
every command of the command table the role may give (in today's round), and the documents
page. A page the role may not see (its 403 page) is an error page, and is checked as such;
so is the 404 page and a generated form sent back with its mistakes (422).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.routing import APIRoute
from playwright.sync_api import Page, expect

from policies.state import STOCKHOLM
from policies.table import TABLE
from ppss_workflow.demo import load_demo
from ppss_workflow.demo_now import round_id_for
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.browser.a11y import check_page
from tests.demo_template import Recipe, demo_copy
from tests.live import ServeApp

#: Routes that answer something other than a page (data, a file, a redirect to elsewhere).
NOT_PAGES = re.compile(
    r"^/(api/|calendar/\{token\}\.ics|audit/exports/download|healthz|openapi\.json|docs|redoc"
    r"|login/oidc|auth/callback)|/documents/\{sha256\}$|/reports/[a-z]+\.xlsx$"
)


def _alive(store: EventStore) -> None:
    load_demo(store, alive=True)


#: The demo as ``ppss demo`` records it: the historical rounds and the round running today.
ALIVE = Recipe("alive-demo", _alive)
#: The round running today: its command forms are the ones walked (they have work to show).
TODAY = round_id_for(datetime.now(STOCKHOLM).date())
ROUNDS = tuple(dict.fromkeys(("ppss-2014", "ppss-2016", "sst-2018", TODAY)))
DISTRICT = "skarholmen"  # in every round of the demo
#: Pages that need a query to be more than a 404, or show more with one: what to add.
QUERIES = {
    "/calendar/links": ["?district=Sk%C3%A4rholmen"],
    "/rounds/{round_id}/commands": ["", "?district=Sk%C3%A4rholmen"],
}
ROLES = ("coordinator", "steering_group", "district:Skärholmen", "auditor")
#: Fewer pages than this means the walk lost its way (240 when written).
FLOOR = 150


def page_routes(app: Any) -> list[str]:
    """The paths of the app's GET routes that serve pages (FastAPI 0.165 nests included
    routers: walked through ``original_router``)."""
    found: list[str] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            gets = isinstance(route, APIRoute) and "GET" in (route.methods or set())
            if gets and not NOT_PAGES.search(route.path):
                found.append(route.path)
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes)

    walk(app.routes)
    return found


def filled(path: str, role: str) -> list[str]:
    """``path`` with its parameters filled from the demo, once per value worth seeing."""
    paths = [path + query for query in QUERIES.get(path, [""])]
    if "{round_id}" in path:
        paths = [p.replace("{round_id}", rid) for p in paths for rid in ROUNDS]
    if "{path}" in path:  # the command forms: every command the role may give, in one round
        base = path.replace("{round_id}", TODAY)
        name = role.partition(":")[0]
        paths = [base.replace("{path}", e.path) for e in TABLE if name in e.roles]
    return [p.replace("{district}", DISTRICT) for p in paths]


def sign_in(page: Page, url: str, user: str) -> None:
    page.goto(f"{url}/login/demo")
    page.locator(f"form:has(input[name='user'][value='{user}']) button").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_every_page_passes_axe_and_reflows_at_320_px(page: Page, serve: ServeApp) -> None:
    checked: set[str] = set()
    statuses: dict[int, int] = {}

    def check(where: str, state: str) -> None:
        key = f"{state} {page.url}"
        if key not in checked:
            check_page(page, f"{state}: {where}")
            checked.add(key)

    with demo_copy(recipe=ALIVE) as store:
        app = create_app(WebSettings(demo=True, secret_key=None), store=store)
        routes = page_routes(app)
        assert "/rounds/{round_id}/commands/{path}" in routes
        url = serve(app)

        # Signed out: the sign-in pages, and a page that is not there.
        for path in ("/login", "/login/demo", "/no-such-page"):
            page.goto(url + path)
            check(path, "signed out")

        for user in ROLES:
            page.context.clear_cookies()
            sign_in(page, url, user)
            for route in routes:
                for path in filled(route, user):
                    response = page.goto(url + path)
                    assert response is not None
                    assert response.status < 500, f"{user}: {path} answered {response.status}"
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    check(path, user)
            page.goto(f"{url}/rounds/{ROUNDS[0]}/no-such-page")
            check("404", user)

        # A generated form sent with nothing filled in: its mistakes shown, nothing recorded.
        page.context.clear_cookies()
        sign_in(page, url, "coordinator")
        entry = next(e for e in TABLE if "coordinator" in e.roles and e.page is None)
        page.goto(f"{url}/rounds/{TODAY}/commands/{entry.path}")
        before = store.count()
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.locator("#main form[method='post']").first.locator(
                "button[type='submit'], button:not([type])"
            ).last.click()
        assert sent.value.status in (400, 409, 422), sent.value.status
        assert store.count() == before
        check(entry.path, "refused form")

    print(f"{len(checked)} page states checked (axe-core WCAG 2.1 A/AA, reflow at 320 px)")
    print(f"answers to the routes walked, by HTTP status: {dict(sorted(statuses.items()))}")
    assert len(checked) >= FLOOR, checked
    assert statuses.get(200, 0) >= FLOOR // 2, statuses  # mostly pages, not refusals
