"""A whole round on the web, on an empty store, with no CLI after the server starts (issue 20).

One 2014-style round lives its whole life in Chromium, a year of it on the application's
clock (the store records on the same clock, so nothing is "recorded late"): the coordinator
opens the round from the home page; two districts apply on the portal's form; the
coordinator allocates from the rule's preview; each district submits its work plan and the
steering group approves it from its queue; the coordinator sets a payment plan (two
instalments) and pays the first from the payable queue; a mandatory network session is
scheduled and attendance recorded; Farsta hands in its T2 follow-up with a document, the
coordinator returns it with a reason, Farsta sees why and corrects it, the coordinator
accepts it; Farsta asks for supervision money and the coordinator grants it (which releases
the second instalment, see below); the second instalment is paid; the document is downloaded
byte for byte from the project's documents page; the year-end account is handed in and
accepted; the money not used is demanded back and received; the round is closed. Every page
state is screenshotted and checked with axe-core (WCAG 2.1 A/AA) and at 320 px.

The second journey is the same round with every step after the steering group's approval
recorded a month after it happened, dated on the generated forms' "Inträffade den" (the
payments too, on the generated payment form); and one back-dated step the rules forbade (a
payment dated before the plan was approved) is refused with the reason at the top of the form.

Two things the web cannot do, so the journeys do not: an instalment cannot wait for the T2
follow-up in a 2014 round (the payment plan's form refuses the code: the round knows no T2
report), so the second instalment waits for the supervision request instead; and the
hand-made pages (opening the round, applying, allocating, the plan, the payment page) have no
"Inträffade den", so the back-dated journey's first steps are recorded on the day they happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from policies.state import STOCKHOLM, stockholm_day
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.browser.a11y import check_page
from tests.live import Screenshot, ServeApp

RID = "pilot-web"
TITLE = "Pilotprojekt på webben"
DISTRICTS = (("Farsta", "Skola A", "Skola B"), ("Skarpnäck", "Skola C", None))
PDF = b"%PDF-1.4\n% T2-uppf\xc3\xb6ljning Farsta\n%%EOF\n"
START, END = date(2025, 1, 1), date(2025, 12, 31)
MONTH = timedelta(days=31)
RETURNED = "Kostnaderna per skola saknas"


class Clock:
    """The application's and the store's clock: it says what it is told."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Journey:
    """One round's life in the browser; ``lag``: how long after it happened each step from
    the payment plan on is recorded (dated on the form's "Inträffade den")."""

    page: Page
    url: str
    store: EventStore
    clock: Clock
    screenshot: Screenshot
    lag: timedelta = timedelta(0)

    def step(self, name: str) -> None:
        check_page(self.page, name)
        self.screenshot(name)

    def at(self, day: date, hour: int = 10, *, late: bool = True) -> date | None:
        """Set the clock to ``day`` (plus the lag when ``late``); the day to date the step
        on, or None when it is recorded on the day it happened."""
        lagged = self.lag if late else timedelta(0)
        self.clock.now = datetime.combine(day + lagged, time(hour), STOCKHOLM)
        return day if lagged else None

    def sign_in(self, who: str) -> None:
        self.page.goto(f"{self.url}/login/demo")
        row = self.page.locator("table.users tr").filter(has=self.page.get_by_text(who, exact=True))
        row.get_by_role("button", name="Logga in").click()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Logga ut").click()

    def fill(self, path: str, name: str, on: date | None, values: dict[str, Any]) -> None:
        """Open the command's generated form and fill it in."""
        self.page.goto(f"{self.url}/rounds/{RID}/commands/{path}")
        form = self.page.locator("form.command")
        self.step(f"{name}-form")
        for field, value in values.items():
            box = form.locator(f"#command-{field}")
            if isinstance(value, dict):
                box.set_input_files(value)  # type: ignore[arg-type]
            elif isinstance(value, bool):
                box.set_checked(value)
            elif box.evaluate("e => e.tagName") == "SELECT":
                box.select_option(value)
            else:
                box.fill(value)
        if on is not None:
            form.locator("#command-on").fill(on.isoformat())
        form.get_by_role("button").last.click()

    def command(self, path: str, name: str, on: date | None = None, **values: Any) -> None:
        """Record a command on its generated form and see it recorded."""
        before = self.store.count()
        self.fill(path, name, on, values)
        refused = self.page.locator("#command-refused, .field-error")
        if refused.count():
            raise AssertionError(f"{path}: {refused.all_inner_texts()}")
        expect(self.page.get_by_role("status")).to_be_visible()
        assert self.store.count() > before, path
        if on is not None:
            *_, last = self.store.read_all()
            assert stockholm_day(last.occurred_at) == on, path
        self.step(name)

    def payable(self, district: str, name: str) -> int:
        """What the coordinator's payable queue says is payable now for ``district``."""
        self.page.goto(self.url)
        queue = self.page.locator("section[aria-labelledby='q-payable']")
        self.step(f"{name}-queue")
        item = queue.get_by_role("listitem").filter(has_text=district).inner_text()
        found = re.search(r"(\d[\d\s]*) kr", item)
        assert found is not None, item
        return int(re.sub(r"\s", "", found.group(1)))

    def pay(self, district: str, reference: str, name: str, on: date | None) -> int:
        """Pay what is payable now: on the payment page from the queue, or (dated) on the
        generated payment form."""
        amount = self.payable(district, name)
        if on is not None:
            self.command(
                "disburse",
                name,
                on,
                district=district,
                amount_sek=str(amount),
                payment_reference=reference,
            )
            return amount
        page = self.page
        page.locator("section[aria-labelledby='q-payable']").get_by_role(
            "link", name=district
        ).click()
        expect(page.locator("#amount")).to_be_visible()
        owed = self.store.count()
        form = page.locator("form.payment")
        form.get_by_label("Belopp (kr)").fill(str(amount))
        form.get_by_label("Verifikationsnummer").fill(reference)
        form.get_by_role("button", name="Registrera utbetalningen").click()
        expect(page.get_by_role("status")).to_contain_text(reference)
        assert self.store.count() == owed + 1
        self.step(name)
        return amount


def _serve(serve: ServeApp, store: EventStore, clock: Clock) -> str:
    return serve(create_app(WebSettings(demo=True, secret_key=None), store=store, clock=clock))


def _open_apply_allocate_approve(j: Journey) -> None:
    """Steps 1–4, on the hand-made pages, each on the day it happens."""
    page, step = j.page, j.step

    # 1. The coordinator opens the first round from the home page.
    j.at(date(2025, 1, 13), late=False)
    j.sign_in("Samordnare")
    step("coordinator-empty-home")
    page.get_by_role("link", name="Öppna den första omgången").click()
    form = page.locator("form.open-round")
    form.get_by_label(re.compile("^Kortnamn")).fill(RID)
    form.get_by_label("Rubrik").fill(TITLE)
    form.get_by_label("Budget (kr; tomt: reglernas belopp)").fill("2 000 000")
    form.locator("#open-supervision_pool").fill("100 000")
    form.get_by_label("Period från (tomt: reglernas)").fill(START.isoformat())
    form.get_by_label("Period till (tomt: reglernas)").fill(END.isoformat())
    form.get_by_label("Regler", exact=True).select_option("ppss-2014")
    # Version 1: the coordinator's own numbers (version 2 holds the 2014 documents' numbers).
    form.get_by_label("Reglernas version").select_option("1")
    step("open-round-form")
    form.get_by_role("button", name="Öppna bidragsomgången").click()
    expect(page.get_by_role("status")).to_contain_text(TITLE)
    step("round-opened")
    j.sign_out()

    # 2. Two districts apply on the portal's form.
    j.at(date(2025, 1, 20), late=False)
    for district, *schools in DISTRICTS:
        j.sign_in(f"Stadsdel: {district}")
        page.get_by_role("link", name="Ansökningar och redovisningar").click()
        page.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name="Ansök").click()
        form = page.locator("form.application")
        for n, school in enumerate(s for s in schools if s):
            form.get_by_label(f"Skola {n + 1}", exact=True).fill(school)
        form.get_by_label("Sökt belopp (kr) *").fill("1 200 000")
        form.get_by_label("Projektet pågår från").fill(START.isoformat())
        form.get_by_label("Projektet pågår till").fill(END.isoformat())
        step(f"application-{district}")
        form.get_by_role("button", name="Skicka ansökan").click()
        expect(page.get_by_role("status")).to_contain_text("Ansökan är registrerad.")
        step(f"applied-{district}")
        j.sign_out()

    # 3. The coordinator allocates from the rule's preview.
    j.at(date(2025, 2, 3), late=False)
    j.sign_in("Samordnare")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Fördela och bevilja utifrån ansökningarna").click()
    form = page.locator("form.allocation")
    form.get_by_label("Beslutsreferens (behövs för att registrera)").fill("SN webb 1")
    form.get_by_role("button", name="Visa regelns tabell").click()
    expect(page.locator("table.allocation-table")).to_contain_text("Skarpnäck")
    step("allocation-preview")
    page.get_by_role("button", name="Registrera fördelningen och bevilja den").click()
    expect(page.get_by_role("status")).to_contain_text("SN webb 1")
    step("allocation-recorded")
    j.sign_out()

    # 4. Each district submits its work plan; the steering group approves it from its queue.
    j.at(date(2025, 2, 10), late=False)
    for district, *_ in DISTRICTS:
        j.sign_in(f"Stadsdel: {district}")
        page.goto(f"{j.url}/rounds/{RID}/projects/{district.lower().replace('ä', 'a')}")
        plan = page.locator("form.portal-plan")
        plan.locator("#plan-plan_id").fill("plan-1")
        plan.locator("#plan-summary").fill("Arbetsplan för teamet")
        plan.get_by_role("button").click()
        expect(page.get_by_role("status")).to_be_visible()
        step(f"plan-{district}")
        j.sign_out()
    meeting = date(2025, 2, 17)
    j.at(meeting, late=False)
    j.sign_in("Styrgruppen")
    plans = page.locator("section[aria-labelledby='q-plans']")
    expect(plans.get_by_role("listitem")).to_have_count(2)
    step("steering-group-queue")
    for _ in DISTRICTS:
        page.locator("section[aria-labelledby='q-plans'] a").first.click()
        decision = page.locator("form.plan")
        decision.locator("#meeting_on").fill(meeting.isoformat())
        decision.get_by_role("button").click()
        expect(page.get_by_role("status")).to_contain_text("godkänd")
        page.get_by_role("link", name="Utbetalning av bidrag").click()
    expect(page.locator("section[aria-labelledby='q-plans'] .empty")).to_be_visible()
    step("steering-group-done")
    j.sign_out()


def _the_rest_of_the_year(j: Journey) -> None:
    """Steps 5–13, each recorded ``j.lag`` after it happened."""
    page, step = j.page, j.step

    # 5. The coordinator pays in two instalments: half when the plan is approved, half when
    # the district has described its supervision (a 2014 round knows no T2 report).
    on = j.at(date(2025, 3, 3))
    j.sign_in("Samordnare")
    j.command(
        "set-payment-plan",
        "payment-plan",
        on,
        instalments='[{"percent": 50, "releases_on": ["plan_approved"]},'
        ' {"percent": 50, "releases_on": ["supervision_requested"]}]',
        reason="Andra halvan när handledningen är beskriven",
    )

    # 6. The coordinator pays the first instalment from the payable queue.
    first = j.pay("Farsta", "WEBB-farsta-1", "first-payment", on)

    # 7. A mandatory network session is scheduled; after it, who came is recorded.
    j.command(
        "schedule-session",
        "session-scheduled",
        on,
        session_id="natverk-1",
        title="Nätverksträff 1",
        starts_at="2025-03-20T13:00",
        mandatory=True,
    )
    on = j.at(date(2025, 3, 20), 16)
    for district, *_ in DISTRICTS:
        j.command(
            "record-network",
            f"attendance-{district}",
            on,
            district=district,
            session_id="natverk-1",
            outcome="attended",
            participants="4",
        )
    j.sign_out()

    # 8. Farsta asks for supervision money (this releases the second instalment).
    on = j.at(date(2025, 9, 15))
    j.sign_in("Stadsdel: Farsta")
    j.command(
        "request-supervision",
        "supervision-requested",
        on,
        amount_sek="20 000",
        description="Gemensam handledning för teamen på båda skolorna",
    )
    j.sign_out()

    # 9. The second instalment is released: the coordinator pays it.
    on = j.at(date(2025, 9, 29))
    j.sign_in("Samordnare")
    second = j.pay("Farsta", "WEBB-farsta-2", "second-payment", on)
    assert second == first, (first, second)

    # The coordinator grants the supervision money (after the payment: the payable queue
    # shows one sum for the grant and supervision money, the payment page pays the grant).
    j.command(
        "grant-supervision",
        "supervision-granted",
        on,
        district="Farsta",
        amount_sek="20 000",
        decision_ref="SN webb 2",
    )
    j.sign_out()

    # 10. Farsta hands in its year-end account (100 000 kr less was spent than paid) with a
    # document; the coordinator returns it with a reason; Farsta sees why and corrects it;
    # the coordinator accepts it.
    on = j.at(date(2026, 1, 20))
    j.sign_in("Stadsdel: Farsta")
    j.command(
        "submit-year-end-account",
        "year-end-account",
        on,
        spent_sek=str(first + second - 100_000),
        cost_description="Lön för teamen",
        supervision_spent_sek="0",
    )
    j.command(
        "attach-document",
        "document-attached",
        on,
        attached_to="year-end-account",
        file={"name": "bokslut-farsta.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    j.sign_out()
    on = j.at(date(2026, 1, 27))
    j.sign_in("Samordnare")
    j.command(
        "review-report",
        "year-end-account-returned",
        on,
        district="Farsta",
        report="year_end_account",
        accept=False,
        reason=RETURNED,
    )
    j.sign_out()
    on = j.at(date(2026, 2, 3))
    j.sign_in("Stadsdel: Farsta")
    page.goto(f"{j.url}/rounds/{RID}/projects/farsta")
    expect(page.locator("main")).to_contain_text(RETURNED)
    step("returned-seen-by-district")
    j.command(
        "submit-year-end-account",
        "year-end-account-corrected",
        on,
        spent_sek=str(first + second - 100_000),
        cost_description="Lön för teamen: Skola A 600 000 kr, Skola B resten",
        supervision_spent_sek="0",
    )

    # 11. The document is downloaded from the project's documents page, byte for byte.
    page.goto(f"{j.url}/rounds/{RID}/projects/farsta")
    page.get_by_role("link", name="Dokument", exact=True).click()
    step("documents")
    with page.expect_download() as download:
        page.get_by_role("link", name="bokslut-farsta.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    j.sign_out()

    # 12. The coordinator accepts the account, demands the money not used back and records
    # it received.
    on = j.at(date(2026, 2, 10))
    j.sign_in("Samordnare")
    j.command(
        "review-report",
        "year-end-account-accepted",
        on,
        district="Farsta",
        report="year_end_account",
        accept=True,
    )
    j.command(
        "demand-repayment",
        "repayment-demanded",
        on,
        district="Farsta",
        amount_sek="100 000",
        reason="Outnyttjade medel enligt bokslutet",
        due_on="2026-03-10",
    )
    on = j.at(date(2026, 2, 24))
    j.command(
        "settle-repayment",
        "repayment-received",
        on,
        district="Farsta",
        amount_sek="100 000",
        waive=False,
        reference="WEBB-ater-1",
    )

    # 13. The round is closed.
    on = j.at(date(2026, 3, 3))
    j.command("close-round", "round-closed", on, reason="Omgången är slutredovisad")
    page.goto(f"{j.url}/rounds/{RID}")
    step("closed-round")


def test_a_round_lives_on_the_web_from_an_empty_store(
    page: Page, serve: ServeApp, screenshot: Screenshot
) -> None:
    clock = Clock(datetime(2025, 1, 13, 10, tzinfo=STOCKHOLM))
    with scratch_store(clock=clock) as store:
        j = Journey(page, _serve(serve, store, clock), store, clock, screenshot)
        _open_apply_allocate_approve(j)
        _the_rest_of_the_year(j)


def test_the_same_round_recorded_a_month_late_and_a_step_the_rules_forbade(
    page: Page, serve: ServeApp, screenshot: Screenshot
) -> None:
    clock = Clock(datetime(2025, 1, 13, 10, tzinfo=STOCKHOLM))
    with scratch_store(clock=clock) as store:
        j = Journey(page, _serve(serve, store, clock), store, clock, screenshot, lag=MONTH)
        _open_apply_allocate_approve(j)

        # A payment dated before the steering group approved the plan: refused, with the
        # reason at the top of the form, focused; the values stay; nothing is written.
        j.at(date(2025, 3, 3))
        j.sign_in("Samordnare")
        before = store.count()
        j.fill(
            "disburse",
            "forbidden-payment",
            date(2025, 2, 14),
            {"district": "Farsta", "amount_sek": "100 000", "payment_reference": "WEBB-tidig"},
        )
        alert = page.get_by_role("alert")
        expect(alert).to_be_visible()
        expect(alert).to_be_focused()
        expect(alert).to_contain_text(re.compile("godkänd verksamhetsplan", re.I))  # what blocks
        expect(page.locator("#command-amount_sek")).to_have_value("100 000")
        expect(page.locator("#command-on")).to_have_value("2025-02-14")
        assert store.count() == before
        j.step("forbidden-payment-refused")
        j.sign_out()

        _the_rest_of_the_year(j)
