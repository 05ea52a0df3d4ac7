"""A generated command form in Chromium: the coordinator requests supervision money for
Skarpnäck back-dated to a day the rules forbade it (before its application): the refusal is
shown at the top of the form and has the focus, the values stay, nothing is written; dated
to a day they allowed it, it is recorded on that day. Every step is screenshotted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from playwright.sync_api import Page, expect

from policies.state import stockholm_day
from tests.browser.test_journeys import DEC_2014, Demo, app_for, demo, demo_sign_in
from tests.live import Screenshot, ServeApp

__all__ = ["demo"]  # the fixture, shared with the other journeys


def test_a_back_dated_command_on_its_generated_form(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    url = serve(app_for(d))
    demo_sign_in(page, url, "Samordnare", screenshot)
    page.goto(f"{url}/rounds/ppss-2014/commands")
    page.get_by_role("link", name="Begär handledningsmedel").click()
    form = page.locator("form.command")
    form.get_by_label("Stadsdel").select_option("Skarpnäck")
    form.get_by_label("Belopp (kr)").fill("10 000")
    form.get_by_label("Beskrivning").fill("Handledning för skolornas personal")
    form.get_by_label("Inträffade den").fill("2013-05-10")
    screenshot("filled")
    before = d.store.count()
    form.get_by_role("button", name="Begär handledningsmedel").click()

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    assert page.evaluate("document.activeElement.id") == "command-refused"
    expect(form.get_by_label("Belopp (kr)")).to_have_value("10 000")
    expect(form.get_by_label("Inträffade den")).to_have_value("2013-05-10")
    assert d.store.count() == before
    screenshot("refused")

    form.get_by_label("Inträffade den").fill("2014-06-02")
    form.get_by_role("button", name="Begär handledningsmedel").click()
    expect(page.get_by_role("status")).to_contain_text("Registrerat")
    assert d.store.count() == before + 1
    last = d.store.read_stream("project:ppss-2014:skarpnack")[-1]
    assert last.event_type == "SupervisionFundsRequested"
    assert stockholm_day(last.occurred_at) == date(2014, 6, 2)
    screenshot("recorded")
