"""The district portal and the auditor's pages in Chromium: a district fills in the
application with a mistake, sees the error beside the field, adds a row, corrects it and
sends it (recorded once); an auditor verifies the chain, watching its progress, and
downloads an export. Every page passed is screenshotted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from playwright.sync_api import Page, expect

from policies.commands import OpenRound
from ppss_workflow.demo import COORDINATOR
from tests.browser.test_journeys import DEC_2014, Demo, app_for, demo, demo_sign_in
from tests.live import Screenshot, ServeApp

__all__ = ["demo"]  # the fixture, shared with the other journeys


def test_a_district_applies_on_the_2018_form_after_a_mistake(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
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
    page.get_by_role("link", name="Ansökningar och redovisningar").click()
    screenshot("portal")
    page.get_by_role("row").filter(has_text="Skolsociala team 2015").get_by_role(
        "link", name="Ansök"
    ).click()
    expect(page.get_by_role("heading", name="Ansökan: Skolsociala team 2015")).to_be_visible()
    screenshot("application-form")

    form = page.locator("form.application")
    form.get_by_label("Ansvarig enhet").fill("Resursenheten, socialtjänsten")
    form.get_by_label("Medsökande 1").fill("Utbildningsförvaltningen")
    form.get_by_label("Skola 1", exact=True).fill("Skola A")
    form.get_by_label("Skola 2", exact=True).fill("Skola B")
    form.get_by_label("Sökt belopp (kr) *").fill("1,4 miljoner")
    for row, (label, amount) in enumerate(
        (("Egen insats", "0"), ("Personalkostnader", "1 300 000"), ("Övriga kostnader", "100 000"))
    ):
        form.get_by_label(f"Budgetpost {row + 1}", exact=True).fill(label)
        form.get_by_label(f"Belopp för budgetpost {row + 1} (kr)").fill(amount)
    form.get_by_label("Post 1 är egen insats").check()
    form.get_by_label("Bankgiro eller plusgiro").fill("555-1234")
    for role, day in (("Förvaltningschef", "10"), ("Ekonomichef", "11"), ("Avdelningschef", "12")):
        form.get_by_label(role).fill(f"2014-12-{day}")
    before = d.store.count()
    form.get_by_role("button", name="Skicka ansökan").click()

    expect(page.locator("#apply-applied-error")).to_have_text(
        "Skriv beloppet i hela kronor, t.ex. 1 400 000."
    )
    expect(page.locator("#apply-applied")).to_have_attribute("aria-invalid", "true")
    assert d.store.count() == before
    screenshot("mistake-beside-the-field")

    form = page.locator("form.application")
    form.get_by_role("button", name="Lägg till en skola").click()
    form = page.locator("form.application")
    expect(form.get_by_label("Skola 5", exact=True)).to_be_visible()
    form.get_by_label("Skola 5", exact=True).fill("Skola C")
    screenshot("row-added")
    form.get_by_label("Sökt belopp (kr) *").fill("1 400 000")
    form.get_by_role("button", name="Skicka ansökan").click()

    expect(page.get_by_role("status")).to_contain_text("Ansökan är registrerad.")
    expect(page.get_by_role("heading", name="Farsta", exact=True)).to_be_visible()
    screenshot("application-recorded")
    assert d.store.count() == before + 1
    (recorded,) = d.store.read_stream("project:sst-2015:farsta")
    assert recorded.event.schools == ("Skola A", "Skola B", "Skola C")
    assert recorded.metadata.actor == "projektledare@farsta.example.org"

    page.go_back()  # the same form (its own id) sent again: already recorded, nothing twice
    form = page.locator("form.application")
    form.get_by_label("Skola 5", exact=True).fill("Skola C")
    form.get_by_label("Sökt belopp (kr) *").fill("1 400 000")
    form.get_by_role("button", name="Skicka ansökan").click()
    expect(page.get_by_role("status")).to_contain_text("Redan registrerad")
    screenshot("sent-again")
    assert d.store.count() == before + 1


def test_an_auditor_verifies_the_chain_and_downloads_an_export(
    page: Page,
    serve: ServeApp,
    screenshot: Screenshot,
    demo: Callable[[datetime], Demo],
    tmp_path: Path,
) -> None:
    d = demo(DEC_2014)
    head = d.store.head()
    url = serve(app_for(d))
    demo_sign_in(page, url, "Revisor", screenshot)
    page.get_by_role("link", name="Granskning: verifiera kedjan").click()
    screenshot("audit")
    page.get_by_role("link", name="Verifiera kedjan").click()
    screenshot("verify")
    page.get_by_role("button", name="Verifiera kedjan").click()
    expect(page.locator("#verdict")).to_contain_text("Kedjan är obruten")
    steps = page.locator("ol.progress li.step")
    expect(steps.last).to_contain_text(f"{head.position} av {head.position}")
    assert steps.count() >= 2
    expect(page.locator("#head")).to_have_text(f"{head.position}:{head.hash}")
    screenshot("verified")

    page.goto(f"{url}/audit")
    page.get_by_role("link", name="Farsta").first.click()
    expect(page.get_by_role("heading", name="Förklaring: Farsta")).to_be_visible()
    screenshot("explain")

    page.goto(f"{url}/audit/exports")
    screenshot("exports")
    row = page.get_by_role("row").filter(has_text="Pilotprojekt samverkan")
    with page.expect_download() as info:
        row.get_by_role("link", name="Ladda ner (.xlsx)").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name.startswith("ppss-ppss-2014-")
    assert saved.suffix == ".xlsx"
    assert saved.read_bytes()[:2] == b"PK"
    assert d.store.count() == head.position
