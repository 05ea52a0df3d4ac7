"""The coordinator's journey in Chromium, on the real application with the demo loaded: open
a round on its form, allocate and award from the rule's table shown first, and close the 2014
round after seeing its loose ends. Every page passed is screenshotted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from playwright.sync_api import Page, expect

from policies.commands import Apply
from ppss_workflow.demo import district_actor
from tests.browser.test_journeys import DEC_2014, Demo, app_for, demo, demo_sign_in
from tests.live import Screenshot, ServeApp

__all__ = ["demo"]  # the fixture, shared with the other journeys


def test_a_coordinator_allocates_from_the_preview_and_closes_a_round(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    url = serve(app_for(d))
    demo_sign_in(page, url, "Samordnare", screenshot)

    # Open a round on its form.
    page.get_by_role("link", name="Pilotprojekt samverkan skola–socialtjänst 2014").click()
    page.get_by_role("link", name="Öppna en ny bidragsomgång").click()
    form = page.locator("form.open-round")
    form.get_by_label("Kortnamn").fill("ppss-2015")
    form.get_by_label("Rubrik").fill("Pilotprojekt 2015")
    form.get_by_label("Budget (kr; tomt: reglernas belopp)").fill("3 000 000 kr")
    form.get_by_label("Period från (tomt: reglernas)").fill("2015-01-01")
    form.get_by_label("Period till (tomt: reglernas)").fill("2015-12-31")
    # Version 1: the coordinator's own numbers (version 2 holds the 2014 documents' numbers).
    form.get_by_label("Reglernas version").select_option("1")
    screenshot("open-round")
    form.get_by_role("button", name="Öppna bidragsomgången").click()
    expect(page.get_by_role("status")).to_contain_text("Pilotprojekt 2015 är öppnad")
    screenshot("round-opened")

    # Two districts apply (their own forms are another page's business).
    for name, schools in (("Farsta", 2), ("Skarpnäck", 1)):
        d.commands().execute(
            district_actor(name),
            Apply(
                round_id="ppss-2015",
                district=name,
                application={
                    "district": name,
                    "school_count": schools,
                    "applied_sek": 2_000_000,
                    "period_start": date(2015, 1, 1),
                    "period_end": date(2015, 12, 31),
                },
            ),
        )

    # The rule's table first: nothing is recorded until it is confirmed.
    page.reload()
    page.get_by_role("link", name="Fördela och bevilja utifrån ansökningarna").click()
    form = page.locator("form.allocation")
    form.get_by_label("Beslutsreferens (behövs för att registrera)").fill("SN 2014-12-15 §3")
    before = d.store.count()
    form.get_by_role("button", name="Visa regelns tabell").click()
    table = page.locator("table.allocation-table")
    expect(table).to_contain_text("Farsta")
    expect(table).to_contain_text("Skarpnäck")
    expect(table.locator("tfoot")).to_contain_text("3\u00a0000\u00a0000 kr")
    assert d.store.count() == before
    screenshot("allocation-preview")
    page.get_by_role("button", name="Registrera fördelningen och bevilja den").click()
    expect(page.get_by_role("status")).to_contain_text("SN 2014-12-15 §3")
    assert d.store.count() == before + 3  # the decision and two awards
    screenshot("allocation-recorded")
    page.go_back()  # the preview again: confirming twice records nothing more
    page.get_by_role("button", name="Registrera fördelningen och bevilja den").click()
    expect(page.get_by_role("status")).to_contain_text("Redan registrerad")
    assert d.store.count() == before + 3
    screenshot("allocation-already")
    page.get_by_role("link", name="Farsta").click()
    expect(page.locator("ol.timeline")).to_contain_text("SN 2014-12-15 §3")
    screenshot("project-awarded")

    # Close the 2014 round after seeing its loose ends.
    page.goto(f"{url}/rounds/ppss-2014")
    page.get_by_role("link", name="Stäng bidragsomgången").click()
    ends = page.locator("table.loose-ends")
    for name in ("Farsta", "Rinkeby-Kista", "Skärholmen"):
        expect(ends).to_contain_text(name)
    screenshot("loose-ends")
    form = page.locator("form.close")
    form.get_by_label("Skäl").fill("Omgången 2014 är avslutad")
    before = d.store.count()
    form.get_by_role("button", name="Stäng bidragsomgången").click()
    expect(page.locator("#close-confirm-error")).to_be_visible()  # not confirmed yet
    assert d.store.count() == before
    screenshot("close-unconfirmed")
    form = page.locator("form.close")
    form.get_by_label("Jag har sett de 3 som återstår").check()
    form.get_by_role("button", name="Stäng bidragsomgången").click()
    expect(page.get_by_role("status")).to_contain_text("Bidragsomgången är stängd")
    assert [r.event_type for r in d.store.read_all(before)] == ["RoundClosed"]
    screenshot("round-closed")
