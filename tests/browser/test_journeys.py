"""The journeys of issue 11 in Chromium, on the real application with the demo loaded: a
district reports T2 after signing in through OIDC, a coordinator pays (twice, recorded
once), the steering group approves a plan, an auditor replays a round as known earlier, and a
district is refused another district's project. Every page passed is screenshotted.

Each journey has its own scratch store. The store's clock (``recorded_at``) is fixed, so "as
known at" has exact instants to ask about; the application's clock is the day in the demo's
story where the journey makes sense.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect
from pydantic import SecretStr

from policies.commands import Annul, Disburse, RecordNetwork, SubmitPlan
from policies.state import STOCKHOLM
from ppss_workflow.demo import COORDINATOR, district_actor, load_demo
from ppss_workflow.handlers import Actor, Commands
from ppss_workflow.readmodels import Reads
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.demo_template import Recipe, demo_copy
from tests.live import CLIENT_ID, CLIENT_SECRET, ROLE_MAP, Screenshot, ServeApp, put_user

#: When the demo is recorded (store time), and when anything after it is: an hour apart.
RECORDED = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
LATER = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # 11:00 in Stockholm
#: 15 December 2014: the 2014 round is open and Rinkeby-Kista may be paid after its exemption.
DEC_2014 = datetime(2014, 12, 15, 11, 0, tzinfo=UTC)
#: 3 December 2018: Skärholmen's T2 (due 14 September) is overdue once the demo's is annulled.
DEC_2018 = datetime(2018, 12, 3, 11, 0, tzinfo=UTC)

#: A second coordinator: a payment's annulment is asked by one and confirmed by another.
SECOND_COORDINATOR = Actor("coordinator", "ekonom@example.org")


#: The demo as recorded at RECORDED.
DEMO_RECORDED = Recipe("demo-recorded-2025-03-03", load_demo, clock=lambda: RECORDED)


class Clock:
    """A clock that says what it is told."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Demo:
    store: EventStore
    store_clock: Clock
    app_clock: Clock

    def commands(self) -> Commands:
        return Commands(self.store, self.app_clock)


@pytest.fixture
def demo() -> Iterator[Callable[[datetime], Demo]]:
    """``demo(today)``: a scratch store with the demo recorded at ``RECORDED`` (this test's own
    copy of the session's recording)."""
    with ExitStack() as stack:

        def make(today: datetime) -> Demo:
            store_clock = Clock(RECORDED)
            store = stack.enter_context(demo_copy(recipe=DEMO_RECORDED, clock=store_clock))
            return Demo(store, store_clock, Clock(today))

        yield make


def app_for(d: Demo, issuer: str | None = None) -> object:
    settings = WebSettings(demo=True, secret_key=None)
    if issuer is not None:
        settings = WebSettings(
            demo=True,  # plain http on loopback: cookies without Secure; the demo page too
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=SecretStr(CLIENT_SECRET),
            oidc_role_map=dict(ROLE_MAP),
        )
    return create_app(settings, store=d.store, clock=d.app_clock)


def demo_sign_in(page: Page, url: str, who: str, screenshot: Screenshot) -> None:
    """Sign in on the demo page as the row whose role cell reads ``who``."""
    page.goto(f"{url}/login")
    screenshot("sign-in")
    page.get_by_role("link", name="Logga in som en av demons användare").click()
    screenshot("demo-users")
    row = page.locator("table.users tr").filter(has=page.get_by_text(who, exact=True))
    row.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Bidragsomgångar")).to_be_visible()
    screenshot("rounds")


def condition_row(page: Page, name: str) -> Locator:
    return page.locator("table.conditions tbody tr").filter(
        has=page.get_by_role("rowheader", name=re.compile(f"^{re.escape(name)}"))
    )


# -- a. a district signs in through OIDC and submits its T2 report ---------------------------


def test_a_district_signs_in_through_oidc_and_submits_the_t2_report(
    page: Page,
    serve: ServeApp,
    oidc_issuer: str,
    screenshot: Screenshot,
    demo: Callable[[datetime], Demo],
) -> None:
    d = demo(DEC_2018)
    # The demo has Skärholmen's T2 on record (12 Sep 2018) and the payment it allowed (1 Oct):
    # annulled here, the payment first, so the T2 is due again.
    t2 = ("FollowUpSubmitted", "FinancialReportSubmitted")
    annulled = [
        r
        for r in d.store.read_stream("project:sst-2018:skarholmen")
        if (r.event_type in t2 and getattr(r.event, "kind", None) == "t2")
        or (r.event_type == "ReportAccepted" and str(r.event.report).startswith("t2"))
        or getattr(r.event, "payment_reference", None) == "SST-2018-skarholmen-2"
    ]
    # the payment, then the acceptances that relied on the reports, then the reports
    assert len(annulled) == 5, [r.event_type for r in annulled]
    for record in reversed(annulled):
        annul = Annul(
            round_id="sst-2018",
            district="Skärholmen",
            position=record.position,
            reason="Registrerat i fel period; lämnas in på nytt",
            money_never_left=record.event_type == "DisbursementMade",
        )
        d.commands().execute(COORDINATOR, annul)
        if record.event_type == "DisbursementMade":
            # a payment is annulled by two people: one asks, another confirms
            d.commands().execute(SECOND_COORDINATOR, annul)
    put_user(oidc_issuer, "projektledare@skarholmen.example.org",
             name="Projektledare Skärholmen", groups=["ppss-skarholmen"])  # fmt: skip
    url = serve(app_for(d, oidc_issuer))

    page.goto(f"{url}/")
    screenshot("sign-in")
    page.get_by_role("link", name="Logga in med stadens konto").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_issuer)}/oauth2/authorize\?"))
    page.get_by_placeholder("sub").fill("projektledare@skarholmen.example.org")
    screenshot("provider")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_text("Projektledare Skärholmen (Stadsdel: Skärholmen)")).to_be_visible()
    screenshot("rounds")
    page.get_by_role("link", name="Skolsociala team 2018").click()
    screenshot("board")
    page.get_by_role("link", name="Skärholmen").click()
    expect(page.get_by_role("heading", name="Skärholmen", exact=True)).to_be_visible()
    expect(condition_row(page, "Uppföljning vid T2")).to_contain_text("ej uppfyllt")
    screenshot("project-t2-due")

    # A mistake first: more drop-outs than pupils reached, said beside the field.
    form = page.locator("form.follow-up")
    form.get_by_label("Elever i målgruppen").fill("52")
    form.get_by_label("Elever som nåtts").fill("31")
    form.get_by_label("Oplanerade avbrott (tomt: 0)").fill("40")
    before = d.store.count()
    form.get_by_role("button", name="Lämna in uppföljningen vid T2").click()
    expect(page.locator("#unplanned_dropouts-error")).to_have_text(
        "Det kan inte vara fler än antalet elever som nåtts."
    )
    assert d.store.count() == before
    screenshot("follow-up-refused")

    form = page.locator("form.follow-up")
    form.get_by_label("Oplanerade avbrott (tomt: 0)").fill("3")
    form.get_by_label("Period från (tomt: omgångens början)").fill("2018-01-01")
    form.get_by_label("Period till (tomt: omgångens slut)").fill("2018-08-31")
    form.get_by_label("Hur arbetet kan finansieras inom den egna organisationen").fill(
        "Teamet knyts till öppenvården från 2019"
    )
    form.get_by_role("button", name="Lämna in uppföljningen vid T2").click()
    expect(page.get_by_role("status")).to_contain_text("Uppföljningen vid T2 är registrerad")
    screenshot("follow-up-recorded")

    report = page.locator("form.financial-report")
    report.get_by_label("Förbrukat hittills (kr)").fill("820 000 kr")
    report.get_by_label("Prognos för året (kr)").fill("1 400 000:-")
    report.get_by_role("button", name="Lämna in den ekonomiska återrapporteringen").click()
    expect(page.get_by_role("status")).to_contain_text("förbrukat hittills: 820\u00a0000 kr")
    screenshot("report-recorded")

    expect(condition_row(page, "Uppföljning vid T2")).to_contain_text("uppfyllt")
    expect(condition_row(page, "Uppföljning vid T2")).not_to_contain_text("ej uppfyllt")
    expect(condition_row(page, "Ekonomisk återrapportering vid T2")).not_to_contain_text(
        "ej uppfyllt"
    )
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Elever som nåtts: 31")
    expect(timeline).to_contain_text("Förbrukat: 820\u00a0000 kr")
    expect(timeline).to_contain_text("av projektledare@skarholmen.example.org")
    screenshot("project-after")
    recorded = [r for r in d.store.read_stream("project:sst-2018:skarholmen")][-2:]
    assert [r.metadata.actor for r in recorded] == ["projektledare@skarholmen.example.org"] * 2


# -- b. a coordinator pays, submits twice, sees it once ---------------------------------------


def test_a_coordinator_pays_twice_and_it_is_recorded_once(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    d.commands().execute(
        COORDINATOR,
        RecordNetwork(
            round_id="ppss-2014",
            district="Rinkeby-Kista",
            session_id="natverk-2",
            outcome="exemption",
            note="Beviljad i efterhand",
        ),
    )
    url = serve(app_for(d))
    demo_sign_in(page, url, "Samordnare", screenshot)
    page.get_by_role("link", name="Pilotprojekt samverkan skola–socialtjänst 2014").click()
    screenshot("board")
    page.get_by_role("link", name="Rinkeby-Kista").click()
    screenshot("project")

    def pay() -> None:
        form = page.locator("form.payment")
        form.get_by_label("Belopp (kr)").fill("100 000 kr")
        form.get_by_label("Verifikationsnummer").fill("UTB-2014-rinkeby-kista-2")
        form.get_by_role("button", name="Registrera utbetalningen").click()

    before = d.store.count()
    pay()
    expect(page.get_by_role("status")).to_contain_text("UTB-2014-rinkeby-kista-2")
    expect(page.get_by_role("status")).not_to_contain_text("Redan registrerad")
    screenshot("paid")
    assert d.store.count() == before + 1

    page.go_back()  # the project page as it was before the payment, the form again
    screenshot("back")
    pay()
    expect(page.get_by_role("status")).to_contain_text("Redan registrerad")
    screenshot("already-recorded")
    assert d.store.count() == before + 1
    payments = page.locator("ol.timeline li").filter(has_text="UTB-2014-rinkeby-kista-2")
    expect(payments).to_have_count(1)


# -- c. the steering group approves a plan ----------------------------------------------------


def test_the_steering_group_approves_a_plan(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    d.commands().execute(
        district_actor("Farsta"),
        SubmitPlan(
            round_id="ppss-2014",
            district="Farsta",
            plan_id="plan-2014-tillagg",
            summary="Tilläggsplan: handledning under våren 2015",
        ),
    )
    url = serve(app_for(d))
    demo_sign_in(page, url, "Styrgruppen", screenshot)
    page.goto(f"{url}/rounds/ppss-2014/projects/farsta")
    screenshot("project")
    form = page.locator("form.plan")
    expect(form.get_by_label("Arbetsplan")).to_have_value("plan-2014-tillagg")

    # Rejecting without a reason: said beside the field, nothing recorded.
    before = d.store.count()
    form.get_by_label("Avslå").check()
    form.get_by_label("Datum för styrgruppens möte").fill("2014-12-15")
    form.get_by_role("button", name="Registrera beslutet").click()
    expect(page.locator("#reason-error")).to_contain_text("Skriv varför planen avslås")
    assert d.store.count() == before
    screenshot("reason-needed")

    form = page.locator("form.plan")
    form.get_by_label("Godkänn").check()
    form.get_by_role("button", name="Registrera beslutet").click()
    expect(page.get_by_role("status")).to_contain_text("Arbetsplanen plan-2014-tillagg är godkänd")
    assert d.store.count() == before + 1
    decided = page.locator("ol.timeline li").last
    expect(decided).to_contain_text("Arbetsplanen godkänd")
    expect(decided).to_contain_text("Möte: 2014-12-15")
    expect(decided).to_contain_text("av styrgruppen@example.org (Styrgruppen)")
    expect(page.locator("form.plan")).to_have_count(0)  # nothing left to decide
    screenshot("approved")
    last = d.store.read_stream("project:ppss-2014:farsta")[-1]
    assert last.event_type == "PlanApproved"
    assert last.metadata.role == "steering_group"


# -- d. an auditor replays a round as known at an earlier instant -----------------------------


def test_an_auditor_replays_the_round_as_known_earlier(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    d.store_clock.now = LATER  # what follows was recorded at 11:00, after the demo (09:00)
    d.commands().execute(
        COORDINATOR,
        RecordNetwork(
            round_id="ppss-2014",
            district="Rinkeby-Kista",
            session_id="natverk-2",
            outcome="exemption",
            note="Beviljad i efterhand",
        ),
    )
    d.commands().execute(
        COORDINATOR,
        Disburse(
            round_id="ppss-2014",
            district="Rinkeby-Kista",
            amount_sek=250_000,
            payment_reference="UTB-2014-rinkeby-kista-2",
        ),
    )
    reads = Reads(d.store, d.app_clock)
    earlier = datetime(2025, 3, 3, 10, 0, tzinfo=STOCKHOLM)  # between the two
    then = {r.district: r.disbursed_sek for r in reads.board("ppss-2014", known_at=earlier)}
    now = {r.district: r.disbursed_sek for r in reads.board("ppss-2014")}
    assert now["Rinkeby-Kista"] == then["Rinkeby-Kista"] + 250_000

    url = serve(app_for(d))
    demo_sign_in(page, url, "Revisor", screenshot)
    page.get_by_role("link", name="Pilotprojekt samverkan skola–socialtjänst 2014").click()
    screenshot("board-today")
    page.get_by_role(
        "link", name="Spela upp omgången som den var känd vid en tidigare tidpunkt"
    ).click()
    screenshot("replay-form")
    row = page.locator("table.board tbody tr[data-district='Rinkeby-Kista']")
    expect(row.locator("td").nth(1)).to_have_text(money(now["Rinkeby-Kista"]))

    page.get_by_label(re.compile("^Som det var känt vid")).fill("2025-03-03T10:00")
    page.get_by_role("button", name="Spela upp").click()
    expect(page).to_have_url(re.compile(r"known_at=2025-03-03T10(%3A|:)00"))
    expect(page.locator("#explain")).to_contain_text(
        "enligt det som hade registrerats till och med 2025-03-03 10:00"
    )
    row = page.locator("table.board tbody tr[data-district='Rinkeby-Kista']")
    expect(row.locator("td").nth(1)).to_have_text(money(then["Rinkeby-Kista"]))
    screenshot("replay-known-earlier")

    page.get_by_label(re.compile("^Läget per")).fill("2014-06-30")
    page.get_by_role("button", name="Spela upp").click()
    expect(page.locator("#explain")).to_contain_text("vid dagens slut 2014-06-30")
    screenshot("replay-as-of-and-known")


def money(amount: int) -> str:
    return f"{amount:,} kr".replace(",", "\u00a0")


# -- e. a district tries another district's project --------------------------------------------


def test_a_district_is_refused_another_districts_project(
    page: Page, serve: ServeApp, screenshot: Screenshot, demo: Callable[[datetime], Demo]
) -> None:
    d = demo(DEC_2014)
    url = serve(app_for(d))
    demo_sign_in(page, url, "Stadsdel: Farsta", screenshot)
    page.goto(f"{url}/rounds/ppss-2014/projects/farsta")
    expect(page.get_by_role("heading", name="Farsta", exact=True)).to_be_visible()
    screenshot("own-project")
    response = page.goto(f"{url}/rounds/ppss-2014/projects/rinkeby-kista")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Finns inte")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Traceback")
    screenshot("refused")
    response = page.goto(f"{url}/rounds/ppss-2014/replay")
    assert response is not None
    assert response.status == 403
    screenshot("replay-refused")
