"""A whole round on the web, on an empty store, with no CLI after the server starts (issue 20).

So far: the coordinator opens the first round from the home page; two districts apply on the
portal's form; the coordinator allocates from the rule's preview; each district submits its
work plan; the steering group approves it from its queue; the coordinator pays the first
instalment from the payable queue. Every step is screenshotted and checked with axe-core
(WCAG 2.1 A/AA) and at 320 px.

Not yet on the web, so not in this journey: network sessions scheduled and attendance
recorded, supervision requested and granted, documents, the T2 follow-up returned and
corrected, the year-end account, a repayment and closing the round (the generated command
forms, and the back-dated journey, come with the command table).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from policies.state import STOCKHOLM
from ppss_workflow.scratch import scratch_store
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.browser.a11y import check_page
from tests.live import Screenshot, ServeApp

RID = "pilot-web"
DISTRICTS = (("Farsta", "Skola A", "Skola B"), ("Skarpnäck", "Skola C", None))


def _sign_in(page: Page, url: str, who: str) -> None:
    page.goto(f"{url}/login/demo")
    row = page.locator("table.users tr").filter(has=page.get_by_text(who, exact=True))
    row.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Logga ut").click()


def test_a_round_lives_on_the_web_from_an_empty_store(
    page: Page, serve: ServeApp, screenshot: Screenshot
) -> None:
    today = datetime.now(STOCKHOLM).date()
    start, end = today - timedelta(days=30), today + timedelta(days=334)

    def step(name: str) -> None:
        check_page(page, name)
        screenshot(name)

    with scratch_store() as store:
        url = serve(create_app(WebSettings(demo=True, secret_key=None), store=store))

        # 1. The coordinator opens the first round from the home page.
        _sign_in(page, url, "Samordnare")
        step("coordinator-empty-home")
        page.get_by_role("link", name="Öppna den första omgången").click()
        form = page.locator("form.open-round")
        form.get_by_label(re.compile("^Kortnamn")).fill(RID)
        form.get_by_label("Rubrik").fill("Pilotprojekt på webben")
        form.get_by_label("Budget (kr)").fill("2 000 000")
        form.get_by_label("Period från", exact=True).fill(start.isoformat())
        form.get_by_label("Period till", exact=True).fill(end.isoformat())
        form.get_by_label("Regler", exact=True).select_option("ppss-2014")
        step("open-round-form")
        form.get_by_role("button", name="Öppna bidragsomgången").click()
        expect(page.get_by_role("status")).to_contain_text("Pilotprojekt på webben")
        step("round-opened")
        _sign_out(page)

        # 2. Two districts apply on the portal's form.
        for district, *schools in DISTRICTS:
            _sign_in(page, url, f"Stadsdel: {district}")
            page.get_by_role("link", name="Ansökningar och redovisningar").click()
            page.get_by_role("row").filter(has_text="Pilotprojekt på webben").get_by_role(
                "link", name="Ansök"
            ).click()
            form = page.locator("form.application")
            for n, school in enumerate(s for s in schools if s):
                form.get_by_label(f"Skola {n + 1}", exact=True).fill(school)
            form.get_by_label("Sökt belopp (kr) *").fill("1 200 000")
            form.get_by_label("Projektet pågår från").fill(start.isoformat())
            form.get_by_label("Projektet pågår till").fill(end.isoformat())
            step(f"application-{district}")
            form.get_by_role("button", name="Skicka ansökan").click()
            expect(page.get_by_role("status")).to_contain_text("Ansökan är registrerad.")
            step(f"applied-{district}")
            _sign_out(page)

        # 3. The coordinator allocates from the rule's preview.
        _sign_in(page, url, "Samordnare")
        page.get_by_role("link", name="Pilotprojekt på webben").click()
        page.get_by_role("link", name="Fördela och bevilja utifrån ansökningarna").click()
        form = page.locator("form.allocation")
        form.get_by_label("Beslutsreferens (behövs för att registrera)").fill("SN webb 1")
        form.get_by_role("button", name="Visa regelns tabell").click()
        expect(page.locator("table.allocation-table")).to_contain_text("Skarpnäck")
        step("allocation-preview")
        page.get_by_role("button", name="Registrera fördelningen och bevilja den").click()
        expect(page.get_by_role("status")).to_contain_text("SN webb 1")
        step("allocation-recorded")
        _sign_out(page)

        # 4. Each district submits its work plan; the steering group approves it from its queue.
        for district, *_ in DISTRICTS:
            _sign_in(page, url, f"Stadsdel: {district}")
            page.goto(f"{url}/rounds/{RID}/projects/{district.lower().replace('ä', 'a')}")
            plan = page.locator("form.portal-plan")
            plan.locator("#plan-plan_id").fill("plan-1")
            plan.locator("#plan-summary").fill("Arbetsplan för teamet")
            plan.get_by_role("button").click()
            expect(page.get_by_role("status")).to_be_visible()
            step(f"plan-{district}")
            _sign_out(page)
        _sign_in(page, url, "Styrgruppen")
        plans = page.locator("section[aria-labelledby='q-plans']")
        expect(plans.get_by_role("listitem")).to_have_count(2)
        step("steering-group-queue")
        for _ in DISTRICTS:
            page.locator("section[aria-labelledby='q-plans'] a").first.click()
            decision = page.locator("form.plan")
            decision.locator("#meeting_on").fill(today.isoformat())
            decision.get_by_role("button").click()
            expect(page.get_by_role("status")).to_contain_text("godkänd")
            page.get_by_role("link", name="Utbetalning av bidrag").click()
        expect(page.locator("section[aria-labelledby='q-plans'] .empty")).to_be_visible()
        step("steering-group-done")
        _sign_out(page)

        # 5. The coordinator pays the first instalment from the payable queue.
        _sign_in(page, url, "Samordnare")
        payable = page.locator("section[aria-labelledby='q-payable']")
        expect(payable.get_by_role("listitem")).to_have_count(2)
        step("coordinator-payable")
        item = payable.get_by_role("listitem").filter(has_text="Farsta").inner_text()
        found = re.search(r"(\d[\d\s]*) kr", item)
        assert found is not None, item
        payable.get_by_role("link", name="Farsta").click()
        amount = page.locator("#amount")
        expect(amount).to_be_visible()
        owed = store.count()
        form = page.locator("form.payment")
        form.get_by_label("Belopp (kr)").fill(found.group(1))
        form.get_by_label("Verifikationsnummer").fill("WEBB-farsta-1")
        form.get_by_role("button", name="Registrera utbetalningen").click()
        expect(page.get_by_role("status")).to_contain_text("WEBB-farsta-1")
        assert store.count() == owed + 1
        step("first-payment")
