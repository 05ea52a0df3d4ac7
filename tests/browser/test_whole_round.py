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
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from policies.state import STOCKHOLM
from ppss_workflow.scratch import scratch_store
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.browser.a11y import check_page
from tests.live import Screenshot, ServeApp

RID = "pilot-web"
PDF = b"%PDF-1.4\n% T2-uppf\xc3\xb6ljning Farsta\n%%EOF\n"
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

    def command(
        path: str, name: str, on: date | None = None, **values: str | bool | dict[str, Any]
    ) -> None:
        """Fill the command's generated form, record it, and see it recorded."""
        page.goto(f"{url}/rounds/{RID}/commands/{path}")
        form = page.locator("form.command")
        step(f"{name}-form")
        for field, value in values.items():
            box = form.locator(f"#command-{field}")
            tag = box.evaluate("e => e.tagName + (e.type || '')").lower()
            if isinstance(value, dict):
                box.set_input_files(value)  # type: ignore[arg-type]
            elif isinstance(value, bool):
                box.set_checked(value)
            elif tag.startswith("select"):
                box.select_option(value)
            else:
                box.fill(value)
        if on is not None:
            form.locator("#command-on").fill(on.isoformat())
        before = store.count()
        form.get_by_role("button").last.click()
        refused = page.locator("#command-refused, .field-error")
        if refused.count():
            raise AssertionError(f"{path}: {refused.all_inner_texts()}")
        expect(page.get_by_role("status")).to_be_visible()
        assert store.count() > before, path
        step(name)

    def pay(district: str, reference: str, name: str) -> int:
        """Pay what the payable queue says is payable now for ``district``."""
        page.goto(url)
        payable = page.locator("section[aria-labelledby='q-payable']")
        step(f"{name}-queue")
        item = payable.get_by_role("listitem").filter(has_text=district).inner_text()
        found = re.search(r"(\d[\d\s]*) kr", item)
        assert found is not None, item
        payable.get_by_role("link", name=district).click()
        expect(page.locator("#amount")).to_be_visible()
        owed = store.count()
        form = page.locator("form.payment")
        form.get_by_label("Belopp (kr)").fill(found.group(1))
        form.get_by_label("Verifikationsnummer").fill(reference)
        form.get_by_role("button", name="Registrera utbetalningen").click()
        expect(page.get_by_role("status")).to_contain_text(reference)
        assert store.count() == owed + 1
        step(name)
        return int(re.sub(r"\s", "", found.group(1)))

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

        # 5. The coordinator pays in two instalments: half when the plan is approved, half
        # when the district has asked for its supervision money (a 2014 round knows no T2
        # report, so no instalment can wait for one: the form refuses that code).
        _sign_in(page, url, "Samordnare")
        command(
            "set-payment-plan",
            "payment-plan",
            instalments='[{"percent": 50, "releases_on": ["plan_approved"]},'
            ' {"percent": 50, "releases_on": ["supervision_requested"]}]',
            reason="Andra halvan när handledningen är beskriven",
        )

        # 6. The coordinator pays the first instalment from the payable queue.
        first = pay("Farsta", "WEBB-farsta-1", "first-payment")

        # 7. A mandatory network session is scheduled and who came is recorded.
        session_at = datetime.combine(today - timedelta(days=2), time(13, 0))
        command(
            "schedule-session",
            "session-scheduled",
            session_id="natverk-1",
            title="Nätverksträff 1",
            starts_at=session_at.strftime("%Y-%m-%dT%H:%M"),
            mandatory=True,
        )
        for district, *_ in DISTRICTS:
            command(
                "record-network",
                f"attendance-{district}",
                district=district,
                outcome="attended",
                participants="4",
            )
        _sign_out(page)

        # 8. The district hands in its T2 follow-up with a document; the coordinator returns it
        # with a reason; the district sees why, corrects it, and the coordinator accepts it.
        _sign_in(page, url, "Stadsdel: Farsta")
        command(
            "submit-follow-up",
            "t2-submitted",
            district="Farsta",
            kind="t2",
            indicators='{"target_group_size": 12}',
        )
        command(
            "attach-document",
            "document-attached",
            district="Farsta",
            attached_to="t2-report",
            file={"name": "t2-farsta.pdf", "mimeType": "application/pdf", "buffer": PDF},
        )
        _sign_out(page)
        _sign_in(page, url, "Samordnare")
        command(
            "review-report",
            "t2-returned",
            district="Farsta",
            report="t2_follow_up",
            accept=False,
            reason="Antal elever som nåtts saknas",
        )
        _sign_out(page)
        _sign_in(page, url, "Stadsdel: Farsta")
        page.goto(f"{url}/rounds/{RID}/projects/farsta")
        expect(page.locator("main")).to_contain_text("Antal elever som nåtts saknas")
        step("t2-returned-seen-by-district")
        command(
            "submit-follow-up",
            "t2-corrected",
            district="Farsta",
            kind="t2",
            indicators='{"target_group_size": 12, "pupils_reached": 9}',
        )

        # 9. The district asks for supervision money (which releases the second instalment).
        command(
            "request-supervision",
            "supervision-requested",
            district="Farsta",
            amount_sek="20 000",
            description="Gemensam handledning för teamen på båda skolorna",
        )
        _sign_out(page)
        _sign_in(page, url, "Samordnare")
        command(
            "review-report",
            "t2-accepted",
            district="Farsta",
            report="t2_follow_up",
            accept=True,
        )
        command(
            "grant-supervision",
            "supervision-granted",
            district="Farsta",
            amount_sek="20 000",
            decision_ref="SN webb 2",
        )

        # 10. The second instalment is released: the coordinator pays it.
        second = pay("Farsta", "WEBB-farsta-2", "second-payment")
        assert second == first, (first, second)

        # 11. The document is downloaded byte for byte.
        page.goto(f"{url}/rounds/{RID}/projects/farsta/documents")
        step("documents")
        with page.expect_download() as download:
            page.get_by_role("link", name="t2-farsta.pdf").click()
        assert Path(download.value.path()).read_bytes() == PDF
        _sign_out(page)

        # 12. The year-end account: 100 000 kr less was spent than paid; the coordinator
        # accepts it, demands the difference back, records it received, and closes the round.
        _sign_in(page, url, "Stadsdel: Farsta")
        command(
            "submit-year-end-account",
            "year-end-account",
            district="Farsta",
            spent_sek=str(first + second - 100_000),
            cost_description="Lön för teamen och handledning",
        )
        _sign_out(page)
        _sign_in(page, url, "Samordnare")
        command(
            "review-report",
            "year-end-account-accepted",
            district="Farsta",
            report="year_end_account",
            accept=True,
        )
        command(
            "demand-repayment",
            "repayment-demanded",
            district="Farsta",
            amount_sek="100 000",
            reason="Outnyttjade medel enligt bokslutet",
            due_on=(today + timedelta(days=30)).isoformat(),
        )
        command(
            "settle-repayment",
            "repayment-received",
            district="Farsta",
            amount_sek="100 000",
            waive=False,
            reference="WEBB-ater-1",
        )
        command("close-round", "round-closed", reason="Omgången är slutredovisad")
