"""The demo that is alive, in Chromium: the round running now has something payable and a
report to review today. The coordinator is refused an over-payment (the message at the top of
the form, focused, the typed values kept), pays what is payable, returns a T2 report with a
reason; the district sees why on its home page and hands in a corrected one; the coordinator
accepts it, and the second instalment becomes payable. axe-core (WCAG 2.1 A/AA) and reflow at
320 px are checked on every page state passed, and every state is screenshotted.

The demo is recorded as ``ppss demo`` records it (``alive``), for today's real date; the
application runs on the real clock, as ``ppss demo --serve`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from policies.state import STOCKHOLM
from ppss_workflow.auditing import days_late
from ppss_workflow.demo import load_demo
from ppss_workflow.demo_now import round_id_for
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.browser.a11y import check_page
from tests.live import Screenshot, ServeApp


@pytest.fixture
def alive() -> Iterator[EventStore]:
    """A scratch store with the demo recorded as ``ppss demo`` records it, for today."""
    with scratch_store() as store:
        load_demo(store, alive=True)
        yield store


def sign_in(page: Page, url: str, who: str, shot: Screenshot, name: str) -> None:
    page.goto(f"{url}/login/demo")
    row = page.locator("table.users tr").filter(has=page.get_by_text(who, exact=True))
    row.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1, name="Att göra")).to_be_visible()
    check_page(page, f"{name}: home")
    shot(f"{name}-home")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()


def queue(page: Page, heading: str) -> object:
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading))


def test_todays_round_has_work_and_a_report_goes_back_and_forth(
    page: Page, serve: ServeApp, screenshot: Screenshot, alive: EventStore
) -> None:
    today = datetime.now(STOCKHOLM).date()
    rid = round_id_for(today)
    current = [
        r for r in alive.read_all() if r.stream_id.startswith((f"round:{rid}", f"project:{rid}:"))
    ]
    assert current, "the round running now is recorded"
    assert [r.position for r in current if days_late(r)] == []  # none shown as recorded late
    url = serve(create_app(WebSettings(demo=True, secret_key=None), store=alive))

    # The coordinator's queues: Farsta is payable, Skärholmen's T2 reports wait for review.
    page.goto(f"{url}/login/demo")
    check_page(page, "demo sign-in")
    sign_in(page, url, "Samordnare", screenshot, "coordinator")
    expect(page.locator("header.site .who")).not_to_contain_text("Samordnare (Samordnare)")
    payable = page.locator("section[aria-labelledby='q-payable']")
    expect(payable).to_contain_text("Farsta")
    expect(payable).to_contain_text("600\u00a0000 kr")
    review = page.locator("section[aria-labelledby='q-review']")
    expect(review.locator(f"a[href^='/rounds/{rid}/projects/skarholmen']")).to_have_count(2)

    # Paying more than is payable is refused: the message at the form's top, focused.
    payable.locator(f"a[href^='/rounds/{rid}/projects/farsta']").click()
    form = page.locator("form.payment")
    form.get_by_label("Belopp (kr)").fill("700 000")
    form.get_by_label("Verifikationsnummer").fill("SST-farsta-1")
    before = alive.count()
    form.get_by_role("button", name="Registrera utbetalningen").click()
    alert = page.locator("form.payment [role='alert']")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(page.locator("form.payment").get_by_label("Belopp (kr)")).to_have_value("700 000")
    assert alive.count() == before
    check_page(page, "payment refused")
    screenshot("payment-refused")
    form = page.locator("form.payment")
    form.get_by_label("Belopp (kr)").fill("600 000")
    form.get_by_role("button", name="Registrera utbetalningen").click()
    expect(page.get_by_role("status")).to_contain_text("SST-farsta-1")
    check_page(page, "payment recorded")
    screenshot("payment-recorded")

    # The coordinator returns Skärholmen's T2 financial report with a reason, accepts the rest.
    page.get_by_role("link", name="Utbetalning av bidrag").click()
    page.locator(f"#main a[href^='/rounds/{rid}/projects/skarholmen#review']").first.click()
    forms = page.locator("form.review")
    expect(forms).to_have_count(2)
    financial = forms.filter(has=page.get_by_role("group", name=re.compile("[Ee]konomisk")))
    financial.get_by_label("Skicka tillbaka den för rättelse").check()
    financial.get_by_label(re.compile("^Skäl")).fill("Prognosen saknar handledningen")
    financial.get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("skickad tillbaka")
    check_page(page, "report returned")
    screenshot("report-returned")
    page.locator("form.review").get_by_role("button").click()  # the follow-up: accepted
    expect(page.get_by_role("status")).to_contain_text("godkänd")
    expect(page.locator("form.review")).to_have_count(0)
    screenshot("follow-up-accepted")
    sign_out(page)

    # The district sees why on its home page, and hands in a corrected report.
    sign_in(page, url, "Stadsdel: Skärholmen", screenshot, "district")
    returned = page.locator("section[aria-labelledby='q-returned']")
    expect(returned).to_contain_text("Prognosen saknar handledningen")
    expect(page.locator("section[aria-labelledby='q-deadlines']")).not_to_be_empty()
    returned.get_by_role("link", name="Lämna in en rättad").click()
    report = page.locator("form.financial-report")
    report.get_by_label("Förbrukat hittills (kr)").fill("520 000")
    report.get_by_label("Prognos för året (kr)").fill("1 400 000")
    report.get_by_role("button").click()
    expect(page.get_by_role("status")).to_be_visible()
    check_page(page, "corrected report handed in")
    screenshot("corrected-report")
    sign_out(page)

    # The coordinator accepts the corrected report: the second instalment is payable.
    sign_in(page, url, "Samordnare", screenshot, "coordinator-again")
    mine = page.locator(
        f"section[aria-labelledby='q-review'] a[href^='/rounds/{rid}/projects/skarholmen']"
    )
    expect(mine).to_have_count(1)
    mine.click()
    page.locator("form.review").get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("godkänd")
    page.get_by_role("link", name="Utbetalning av bidrag").click()
    expect(
        page.locator(
            f"section[aria-labelledby='q-payable'] a[href^='/rounds/{rid}/projects/skarholmen']"
        )
    ).to_have_count(1)
    expect(page.locator("section[aria-labelledby='q-payable']")).to_contain_text("700\u00a0000 kr")
    expect(mine).to_have_count(0)
    check_page(page, "coordinator: second instalment payable")
    screenshot("second-instalment-payable")


def test_an_empty_store_offers_the_first_round_on_the_home_page(
    page: Page, serve: ServeApp, screenshot: Screenshot
) -> None:
    with scratch_store() as store:
        url = serve(create_app(WebSettings(demo=True, secret_key=None), store=store))
        page.goto(f"{url}/login/demo")
        row = page.locator("table.users tr").filter(has=page.get_by_text("Samordnare", exact=True))
        row.get_by_role("button", name="Logga in").click()
        check_page(page, "empty store: home")
        screenshot("empty-home")
        page.get_by_role("link", name="Öppna den första omgången").click()
        expect(page).to_have_url(re.compile("/new-round$"))
        check_page(page, "open the first round")
        screenshot("new-round")
