"""The demo's round running now: a school-social teams round (the 2018 rules) whose dates
follow today, so that on any day the demo is opened something is to be done.

Today, by construction: Farsta's first instalment is payable; Skärholmen's T2 reports wait
for the coordinator's review; Rinkeby-Kista's T2 financial report was returned with a reason
and waits for a corrected one; a network session is next week; the T2 deadline is two weeks
ahead, so Farsta's first reminder is due. Role titles and example.org only: no real person.

Choice (not in the documents): the round's dates are placed relative to today (period from
the first of the month four months ago, a year long; T2 two weeks ahead) so that the demo is
alive whenever it is recorded; the sums are the 2018 round's scale.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from policies.commands import (
    Apply,
    AwardGrant,
    Disburse,
    InstalmentInput,
    OpenRound,
    ReviewReport,
    ScheduleSession,
    SetDeadline,
    SetPaymentPlan,
    SubmitFinancialReport,
    SubmitFollowUp,
)
from policies.state import STOCKHOLM, slug
from ppss_workflow.demo import COORDINATOR, Story, district_actor

__all__ = ["DISTRICTS_NOW", "RETURN_REASON", "round_id_for", "round_now"]

#: District, schools, applied (kr): the current round's applicants.
DISTRICTS_NOW: tuple[tuple[str, int, int], ...] = (
    ("Skärholmen", 4, 1_400_000),
    ("Farsta", 3, 1_200_000),
    ("Rinkeby-Kista", 4, 1_600_000),
)
#: Why the coordinator returned Rinkeby-Kista's T2 financial report.
RETURN_REASON = "Prognosen saknar kostnaden för handledning; komplettera och lämna in igen"


def round_id_for(today: date) -> str:
    """The current round's id: ``sst-`` and the year its period starts."""
    return f"sst-{_period_start(today).year}"


def _period_start(today: date) -> date:
    month = today.month - 4
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _application(name: str, schools: int, applied: int, signed_on: date, start: date) -> Any:
    domain = f"{slug(name)}.example.org"
    return {
        "district": name,
        "school_count": schools,
        "lead_unit": "Resursenheten, Socialtjänsten",
        "co_applicants": ("Utbildningsförvaltningen",),
        "applied_sek": applied,
        "budget_lines": (
            {"label": "Personalkostnader inkl. sociala avgifter", "amount_sek": applied - 100_000},
            {"label": "Övriga kostnader: utbildning, handledning, resor", "amount_sek": 100_000},
        ),
        "period_start": start,
        "period_end": _period_end(start),
        "contacts": (
            {"role": "finance_director", "email": f"ekonomichef@{domain}"},
            {"role": "unit_manager", "email": f"enhetschef@{domain}"},
        ),
        "signatures": (
            {"role": "administration_director", "signed_on": signed_on},
            {"role": "finance_director", "signed_on": signed_on},
            {"role": "head_of_department", "signed_on": signed_on},
        ),
    }


def _period_end(start: date) -> date:
    return date(start.year + 1, start.month, 1) - timedelta(days=1)


def _t2_reports(story: Story, name: str, round_id: str, start: date, spent: int) -> None:
    district = district_actor(name)
    story.do(
        district,
        SubmitFollowUp(
            round_id=round_id,
            district=name,
            kind="t2",
            indicators={"target_group_size": 40, "pupils_reached": 22, "unplanned_dropouts": 1},
            period_start=start,
            period_end=story.day,
            self_financing_plan="Teamet knyts till öppenvården när projektet slutar",
        ),
    )
    story.do(
        district,
        SubmitFinancialReport(
            round_id=round_id, district=name, kind="t2", spent_sek=spent, forecast_sek=spent * 2
        ),
    )


def round_now(story: Story, today: date) -> str:
    """Record the current round up to ``today``; returns its id."""
    c = COORDINATOR
    start = _period_start(today)
    end = _period_end(start)
    rid = round_id_for(today)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    story.on(max(story.day, ago(150))).do(
        c,
        OpenRound(
            round_id=rid,
            title=f"Skolsociala team {start.year}/{end.year}",
            budget_sek=6_000_000,
            period_start=start,
            period_end=end,
            policy="sst-2018",
            # The round runs in today's year, so it cannot have the 2018 form's dates, which
            # version 2 holds: it opens under version 1, which takes the dates it is given.
            policy_version=1,
            application_deadline=ago(130),
            on=ago(150),
            deadlines=(
                (
                    "final_financial_report",
                    end - timedelta(days=31),
                    "Ekonomisk redovisning en månad före periodens slut",
                ),
            ),
        ),
    )
    story.do(
        c,
        SetPaymentPlan(
            round_id=rid,
            instalments=(
                InstalmentInput(percent=50),
                InstalmentInput(percent=50, releases_on=("t2_accepted",)),
            ),
            reason="Hälften vid beslut, hälften när T2-redovisningen är godkänd",
        ),
    )
    story.do(
        c,
        SetDeadline(
            round_id=rid,
            code="t2",
            due_on=today + timedelta(days=14),
            reason="T2 enligt stadens anvisningar",
            description="Uppföljning och ekonomi vid T2",
        ),
    )
    story.do(
        c,
        SetDeadline(
            round_id=rid,
            code="annual_report",
            due_on=end + timedelta(days=45),
            reason="Verksamhetsberättelse",
        ),
    )
    story.on(ago(135))
    for name, schools, applied in DISTRICTS_NOW:
        story.do(
            district_actor(name),
            Apply(
                round_id=rid,
                district=name,
                application=_application(name, schools, applied, ago(137), start),
            ),
        )
    story.on(ago(110))
    for name, _, applied in DISTRICTS_NOW:
        story.do(
            c,
            AwardGrant(
                round_id=rid,
                district=name,
                amount_sek=applied,
                decision_ref=f"SN {ago(110).isoformat()}",
                decided_on=ago(110),
            ),
        )
    story.on(ago(100))
    for name, _, applied in DISTRICTS_NOW:
        if name == "Farsta":
            continue  # its first half is what is payable today
        story.do(
            c,
            Disburse(
                round_id=rid,
                district=name,
                amount_sek=applied // 2,
                payment_reference=f"SST-{start.year}-{slug(name)}-1",
            ),
        )
    story.on(ago(20))
    _t2_reports(story, "Rinkeby-Kista", rid, start, 600_000)
    story.on(ago(15))
    story.do(
        c,
        ReviewReport(round_id=rid, district="Rinkeby-Kista", report="t2_follow_up", accept=True),
    )
    story.do(
        c,
        ReviewReport(
            round_id=rid,
            district="Rinkeby-Kista",
            report="t2_financial_report",
            accept=False,
            reason=RETURN_REASON,
        ),
    )
    story.on(ago(4))
    _t2_reports(story, "Skärholmen", rid, start, 520_000)
    story.on(ago(2)).do(
        c,
        ScheduleSession(
            round_id=rid,
            session_id="natverk-nasta",
            title="Nätverksträff: inför T2",
            starts_at=datetime.combine(today + timedelta(days=7), time(13), tzinfo=STOCKHOLM),
        ),
    )
    story.on(today)
    return rid
