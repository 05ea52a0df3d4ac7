"""The 2018 form's questions on the work (issue 21) in Chromium: a district answers them with
a range the wrong way round, sees the error beside the field (axe-core and reflow at 320 px
in that state), corrects it and finds the answers on the project page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from playwright.sync_api import Page, expect

from policies.commands import OpenRound
from ppss_workflow.demo import COORDINATOR
from tests.browser.a11y import check_page
from tests.browser.test_journeys import DEC_2014, Demo, app_for, demo, demo_sign_in
from tests.live import Screenshot, ServeApp

__all__ = ["demo"]  # the fixture, shared with the other journeys


def test_a_district_answers_the_2018_questions_after_a_mistake(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)  # the app's day is in 2014: a round under the 2018 rules for 2015
    d.commands().execute(
        COORDINATOR,
        OpenRound(
            round_id="sst-2015",
            title="Skolsociala team 2015",
            budget_sek=10_000_000,
            period_start=date(2015, 1, 1),
            period_end=date(2015, 12, 31),
            policy="sst-2018",
            policy_version=1,
            application_deadline=date(2014, 12, 31),
        ),
    )
    url = serve(app_for(d))
    demo_sign_in(page, url, "Stadsdel: Farsta", screenshot)
    page.goto(f"{url}/rounds/sst-2015/apply")
    form = page.locator("form.application")
    form.get_by_label("Skola 1", exact=True).fill("Skola A")
    form.get_by_label("Sökt belopp (kr) *").fill("1 400 000")
    form.get_by_label("Budgetpost 1", exact=True).fill("Personalkostnader")
    form.get_by_label("Belopp för budgetpost 1 (kr)").fill("1 400 000")
    for role, day in (("Förvaltningschef", "10"), ("Ekonomichef", "11"), ("Avdelningschef", "12")):
        form.get_by_label(role).fill(f"2014-12-{day}")
    form.locator("#apply-target_group_size").fill("ca 50")
    form.locator("#apply-pupils_to_reach").fill("30-20")
    form.locator("#apply-partners").fill("BUP, civilsamhällets föreningar")
    before = d.store.count()
    form.get_by_role("button", name="Skicka ansökan").click()

    expect(page.locator("#apply-pupils_to_reach-error")).to_contain_text("mindre talet först")
    expect(page.locator("#apply-pupils_to_reach")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#apply-partners")).to_have_value("BUP, civilsamhällets föreningar")
    assert d.store.count() == before
    check_page(page, "the 2018 questions with a mistake")
    screenshot("substance-mistake")

    page.locator("#apply-pupils_to_reach").fill("20-30")
    page.locator("form.application").get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_role("status")).to_contain_text("Ansökan är registrerad.")
    expect(page.locator("#application-substance")).to_be_visible()
    expect(page.locator("dl.substance")).to_contain_text("20–30")
    check_page(page, "the project page with the application's answers")
    screenshot("substance-recorded")
    assert d.store.count() == before + 1
