"""Demo data: the real 2014 round from seed 000, a plausible year of events, and the
Skärholmen 2018 application from seed 002. Role titles and example.org only: no real person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from policies.allocation import DistrictRequest, allocate
from policies.commands import (
    Apply,
    AwardGrant,
    Command,
    DecidePlan,
    DemandRepayment,
    Disburse,
    GrantSupervision,
    InstalmentInput,
    OpenRound,
    RecordAllocation,
    RecordNetwork,
    RecordSchoolFollowUp,
    RequestSupervision,
    ReviewReport,
    ScheduleSession,
    SetDeadline,
    SetPaymentPlan,
    SubmitFinancialReport,
    SubmitFollowUp,
    SubmitPlan,
    SubmitYearEndAccount,
)
from policies.state import STOCKHOLM, slug
from ppss_workflow.handlers import Actor, Commands, Outcome
from ppss_workflow.readmodels import Reads
from ppss_workflow.store import EventStore

__all__ = [
    "COORDINATOR",
    "DISTRICTS_2014",
    "ROUND_2014",
    "ROUND_2018",
    "SKARHOLMEN_2018",
    "STEERING_GROUP",
    "Story",
    "district_actor",
    "load_demo",
    "open_round_2018",
]

ROUND_2014 = "ppss-2014"
ROUND_2018 = "sst-2018"

#: Seed 000's table: district, schools, applied (kr). Spelling normalised ("Spånga -Tensta").
DISTRICTS_2014: tuple[tuple[str, int, int], ...] = (
    ("Farsta", 3, 1_134_896),
    ("Skarpnäck", 2, 1_134_896),
    ("Rinkeby-Kista", 4, 3_200_000),
    ("Skärholmen", 2, 1_200_000),
    ("Enskede-Årsta-Vantör", 1, 1_083_656),
    ("Spånga-Tensta", 1, 900_000),
    ("Älvsjö", 1, 650_000),
    ("Hässelby-Vällingby", 2, 2_880_000),
)

COORDINATOR = Actor("coordinator", "samordnare@socialforvaltningen.example.org")
STEERING_GROUP = Actor("steering_group", "styrgruppen@example.org")
#: The steering group's members as seed 000 names them, by role title and an example.org
#: address (never a real person): "Styrgruppen består av förvaltningschefen för
#: utbildningsförvaltningen respektive socialförvaltningen, socialförvaltningens avdelningschef
#: för stadsövergripande sociala frågor samt stadsdelsdirektörerna i Rinkeby-Kista och
#: Farsta." The two district directors are tied to their districts: they stand aside from
#: their own district's plan (jäv, policies/recusal.py).
STEERING_GROUP_MEMBERS: tuple[tuple[str, str, str | None], ...] = (
    ("Förvaltningschef, utbildningsförvaltningen",
     "forvaltningschef@utbildningsforvaltningen.example.org", None),
    ("Förvaltningschef, socialförvaltningen",
     "forvaltningschef@socialforvaltningen.example.org", None),
    ("Avdelningschef för stadsövergripande sociala frågor",
     "avdelningschef@socialforvaltningen.example.org", None),
    ("Stadsdelsdirektör, Rinkeby-Kista", "stadsdelsdirektor@rinkeby-kista.example.org",
     "Rinkeby-Kista"),
    ("Stadsdelsdirektör, Farsta", "stadsdelsdirektor@farsta.example.org", "Farsta"),
)  # fmt: skip
#: The 2014 allocation decision's diary number and minutes. Seed 000 gives the body and the
#: day ("Till Socialnämnden 2014-02-04") but neither of these: they are the demo's own
#: examples, not the document's.
ALLOCATION_2014_DIARY_NUMBER = "1.5.1-0000/2014"
ALLOCATION_2014_MINUTES = "Socialnämndens protokoll 2014-02-04, § 7"
SESSIONS = (
    ("natverk-1", "Nätverksträff: multikompetenta team", "2014-03-12T13:00+01:00"),
    ("utbildning-1", "Utbildning: uppföljning och indikatorer", "2014-05-14T09:00+02:00"),
    ("natverk-2", "Nätverksträff: erfarenhetsutbyte", "2014-09-17T13:00+02:00"),
    ("natverk-3", "Nätverksträff: inför årsredovisningen", "2014-11-19T13:00+01:00"),
)
R14 = ROUND_2014


def district_actor(name: str) -> Actor:
    """The demo's actor for a district: its project lead, at an example.org address."""
    return Actor("district", f"projektledare@{slug(name)}.example.org", slug(name))


class Story:
    """Commands given on the day they happened: the clock that decides what "today" is
    follows the story, so each command is judged as it would have been on its day.

    With ``demo_clock`` the store records each event then too, so nothing shows as recorded
    late (the demo); without, the store keeps its own clock (a test that back-dates).
    The story's "now" is noon on its day, but never later than the real clock: a story that
    reaches today records at the real moment, not in the future."""

    def __init__(
        self,
        store: EventStore,
        day: date = date(2013, 1, 1),
        *,
        demo_clock: bool = False,
        real_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.day = day
        self._real_clock = real_clock
        if demo_clock:
            store.use_clock(self.now)
        self.commands = Commands(store, clock=self.now)

    def now(self) -> datetime:
        return min(datetime.combine(self.day, time(12), tzinfo=STOCKHOLM), self._real_clock())

    @property
    def reads(self) -> Reads:
        """The read side, with "today" the story's day."""
        return Reads(self.commands.store, clock=self.now)

    def on(self, day: date) -> Story:
        """Move the story to ``day`` (it may only go forward)."""
        if day < self.day:
            raise ValueError(f"the story is at {self.day}; it cannot go back to {day}")
        self.day = day
        return self

    def do(self, actor: Actor, command: Command) -> Outcome:
        return self.commands.execute(actor, command)


def load_demo(store: EventStore, *, alive: bool = False, today: date | None = None) -> None:
    """Record the three historical demo rounds through the ordinary commands, each on its own
    day (so every rule is applied as it would have been then).

    ``alive`` (``ppss demo``): the store records each event on its day too (a demo clock, so
    nothing shows as recorded late), and the round running now is added, its dates following
    ``today`` (default: the real date in Stockholm). Without it the store keeps its own clock
    and only the historical rounds are told (what tests with a fixed store clock expect).
    """
    from ppss_workflow.demo2016 import round_2016  # noqa: PLC0415 - it builds on this module
    from ppss_workflow.demo_now import round_now  # noqa: PLC0415 - it builds on this module

    before = store.clock  # the stories record on their own days; the store's clock after
    try:
        _round_2014(Story(store, demo_clock=alive))
        round_2016(Story(store, demo_clock=alive))
        _round_2018(Story(store, demo_clock=alive))
        _steering_group(Story(store, demo_clock=alive))
        if alive:
            day = today or datetime.now(STOCKHOLM).date()
            round_now(Story(store, demo_clock=True, real_clock=_clock_for(day)), day)
    finally:
        store.use_clock(before)


def _clock_for(today: date) -> Callable[[], datetime]:
    """The real clock, or (for a ``today`` other than the real date) the end of ``today``."""
    if today == datetime.now(STOCKHOLM).date():
        return lambda: datetime.now(UTC)
    return lambda: datetime.combine(today, time(23, 59), tzinfo=STOCKHOLM)


def _steering_group(story: Story) -> None:
    """The coordinator grants the steering group's members their role, each district
    director tied to their district (``ppss users grant EMAIL --role steering_group
    --tied-to DISTRICT``). Recorded after the historical rounds (the register as it stands
    now), so the rounds' events keep their positions."""
    from ppss_workflow.grants import grant_role  # noqa: PLC0415 - grants builds on handlers

    story.on(date(2019, 1, 7))
    for title, email, district in STEERING_GROUP_MEMBERS:
        grant_role(story.commands.store, COORDINATOR, email, "steering_group", title,
                   now=story.now(), tied_to=district)  # fmt: skip


def _round_2014(story: Story) -> None:
    c = COORDINATOR
    story.on(date(2013, 5, 2)).do(
        c,
        OpenRound(
            round_id=R14,
            title="Pilotprojekt samverkan skola–socialtjänst 2014",
            budget_sek=10_000_000,
            supervision_pool_sek=200_000,
            supervision_cap_sek=25_000,
            period_start=date(2014, 1, 1),
            period_end=date(2014, 12, 31),
            policy="ppss-2014",
            deadlines=(
                (
                    "year_end_account",
                    date(2015, 1, 31),
                    "Redovisning och kostnadsbeskrivning för 2014",
                ),
            ),
        ),
    )
    story.on(date(2013, 5, 31))
    for name, schools, applied in DISTRICTS_2014:
        story.do(
            district_actor(name),
            Apply(
                round_id=R14,
                district=name,
                application={
                    "district": name,
                    "school_count": schools,
                    "applied_sek": applied,
                    "period_start": date(2014, 1, 1),
                    "period_end": date(2014, 12, 31),
                    "co_applicants": ("Utbildningsförvaltningen",),
                },
            ),
        )
    story.on(date(2014, 2, 4)).do(
        c,
        RecordAllocation(
            round_id=R14,
            decided_by="Socialnämnden",
            decided_on=date(2014, 2, 4),
            decision_ref="SN 2014-02-04",
            diary_number=ALLOCATION_2014_DIARY_NUMBER,
            minutes_ref=ALLOCATION_2014_MINUTES,
            exclude=("Älvsjö",),
        ),
    )
    for session_id, title, starts in SESSIONS:
        story.do(
            c,
            ScheduleSession(
                round_id=R14,
                session_id=session_id,
                title=title,
                starts_at=datetime.fromisoformat(starts),
                on=date(2014, 2, 4),
            ),
        )
    allocated = {
        a.name: a.allocated_sek
        for a in allocate(
            10_000_000, [DistrictRequest(*d) for d in DISTRICTS_2014], exclude=["Älvsjö"]
        ).allocations
    }
    story.on(date(2014, 2, 20))
    for name, _, _ in DISTRICTS_2014:
        story.do(
            district_actor(name),
            SubmitPlan(
                round_id=R14,
                district=name,
                plan_id="plan-2014",
                summary="Arbetsplan 2014 för det multikompetenta teamet",
            ),
        )
    story.on(date(2014, 3, 10))
    for name, _, _ in DISTRICTS_2014:
        rejected = name == "Hässelby-Vällingby"
        story.do(
            STEERING_GROUP,
            DecidePlan(
                round_id=R14,
                district=name,
                plan_id="plan-2014",
                approve=not rejected,
                meeting_on=date(2014, 3, 10),
                reason="Personalbudgeten är inte fördelad per skola" if rejected else None,
                minutes_ref="Styrgruppens protokoll 2014-03-10, § 4",
            ),
        )
    _session(story, "natverk-1", date(2014, 3, 12))
    story.on(date(2014, 3, 20))
    for name, _, _ in DISTRICTS_2014:
        if name != "Hässelby-Vällingby":
            _pay(story, name, allocated[name] // 2, 1)
    hv = "Hässelby-Vällingby"
    story.on(date(2014, 3, 25)).do(
        district_actor(hv),
        SubmitPlan(
            round_id=R14,
            district=hv,
            plan_id="plan-2014-b",
            summary="Reviderad arbetsplan med budget per skola",
        ),
    )
    supervised = [n for n, _, _ in DISTRICTS_2014 if n not in ("Skarpnäck", "Spånga-Tensta")]
    story.on(date(2014, 4, 2))
    for name in supervised:
        story.do(
            district_actor(name),
            RequestSupervision(
                round_id=R14,
                district=name,
                amount_sek=25_000,
                description="Gemensam handledning för behandlare och skolans kontaktperson",
            ),
        )
    story.on(date(2014, 4, 7)).do(
        STEERING_GROUP,
        DecidePlan(
            round_id=R14,
            district=hv,
            plan_id="plan-2014-b",
            approve=True,
            meeting_on=date(2014, 4, 7),
        ),
    )
    story.on(date(2014, 4, 10))
    for name in supervised:
        story.do(
            c,
            GrantSupervision(
                round_id=R14, district=name, amount_sek=25_000, decision_ref="FoU 2014"
            ),
        )
    story.on(date(2014, 4, 15))
    _pay(story, hv, allocated[hv] // 2, 1)
    story.on(date(2014, 4, 30))
    for name in supervised:
        story.do(
            c,
            Disburse(
                round_id=R14,
                district=name,
                amount_sek=25_000,
                payment_reference=f"FOU-2014-{slug(name)}",
                purpose="supervision",
            ),
        )
    _session(story, "utbildning-1", date(2014, 5, 14))
    _session(story, "natverk-2", date(2014, 9, 17))
    _session(story, "natverk-3", date(2014, 11, 19))
    story.on(date(2014, 11, 28))
    for name, _, _ in DISTRICTS_2014:
        if name != "Rinkeby-Kista":  # blocked by the missed session since 17 Sep
            _pay(story, name, allocated[name] - allocated[name] // 2, 2)
    accounts: dict[str, tuple[int, int]] = {
        "Farsta": (1_034_896, 0),  # 100 000 kr not used: the repayment
        "Skarpnäck": (1_134_896, 0),
        "Rinkeby-Kista": (1_476_302, 0),
        "Enskede-Årsta-Vantör": (738_151, 0),
        "Spånga-Tensta": (738_151, 0),
        "Älvsjö": (625_000, 0),
        "Hässelby-Vällingby": (1_476_302, 0),
    }  # Skärholmen has not sent its account: overdue since 31 Jan 2015
    story.on(date(2015, 1, 28))
    for name, (spent, outside) in accounts.items():
        story.do(
            district_actor(name),
            SubmitYearEndAccount(
                round_id=R14,
                district=name,
                spent_sek=spent,
                spent_outside_plan_sek=outside,
                supervision_spent_sek=25_000 if name in supervised else None,
                cost_description="Personal, handledning och utbildning enligt plan",
            ),
        )
    _follow_ups_2014(story)
    _school_terms_2014(story)
    story.on(date(2015, 2, 16)).do(
        c,
        DemandRepayment(
            round_id=R14,
            district="Farsta",
            amount_sek=100_000,
            reason="Medel som inte använts enligt plan 2014",
            due_on=date(2015, 3, 31),
        ),
    )


def _session(story: Story, session_id: str, held_on: date) -> None:
    """Every district's record for a session, on the day it was held."""
    story.on(held_on)
    for name, _, _ in DISTRICTS_2014:
        missed = name == "Rinkeby-Kista" and session_id == "natverk-2"
        excused = name == "Älvsjö" and session_id == "utbildning-1"
        if missed or excused:
            command = RecordNetwork(
                round_id=R14,
                district=name,
                session_id=session_id,
                outcome="absent",
                excused=excused,
                note="Sjukdom" if excused else None,
            )
        else:
            command = RecordNetwork(
                round_id=R14,
                district=name,
                session_id=session_id,
                outcome="attended",
                participants=2,
            )
        story.do(COORDINATOR, command)


def _pay(story: Story, name: str, amount: int, instalment: int) -> None:
    story.do(
        COORDINATOR,
        Disburse(
            round_id=R14,
            district=name,
            amount_sek=amount,
            payment_reference=f"UTB-2014-{slug(name)}-{instalment}",
        ),
    )


SKARHOLMEN_2018: dict[str, Any] = {
    "district": "Skärholmen",
    "school_count": 4,
    "schools": ("Lillholmsskolan", "Sätraskolan", "Bredängsskolan", "Slättgårdsskolan"),
    "lead_unit": "Resursenheten, Socialtjänsten",
    "co_applicants": ("Utbildningsförvaltningen",),
    "applied_sek": 1_400_000,
    "budget_lines": (
        {"label": "Egen insats stadsdelsförvaltning", "amount_sek": 0, "own_contribution": True},
        {"label": "Personalkostnader inkl. sociala avgifter", "amount_sek": 1_300_000},
        {
            "label": "Övriga kostnader: utbildning, handledning, resor, it och telefoni",
            "amount_sek": 100_000,
        },
    ),
    "period_start": date(2018, 1, 1),
    "period_end": date(2018, 12, 31),
    "cost_centre": "724 1070",
    "bankgiro": "55514-4",
    "contacts": (
        {"role": "finance_director", "email": "ekonomichef@skarholmen.example.org"},
        {"role": "head_of_department", "email": "avdelningschef@skarholmen.example.org"},
        {"role": "unit_manager", "email": "enhetschef@skarholmen.example.org"},
        {"role": "head_of_compulsory_schools", "email": "grundskolechef@example.org"},
    ),
    "signatures": (
        {"role": "administration_director", "signed_on": date(2017, 12, 27)},
        {"role": "finance_director", "signed_on": date(2017, 12, 28)},
        {"role": "head_of_department", "signed_on": date(2017, 12, 29)},
    ),
    # "Total budget 1400000": the own contribution (0 kr) and the amount applied for.
    "total_budget_sek": 1_400_000,
    # The form's answers on the work (seed 002), in short; roles, never people's names.
    "substance": {
        "target_group": "Elever med hög skolfrånvaro i högstadiet; från 2018 även åk 4–6",
        "target_group_size": {"low": 50},
        "schools_planned": {"low": 4, "high": 5},
        "pupils_to_reach": {"low": 20, "high": 30},
        "staff_percent": 200,
        "staff_roles": "Fältassistenter som arbetar halvtid med PPSS, en halvtid per skola",
        "pupil_health_link": "En kontaktperson på varje skola mot elevhälsoteamet; "
        "en gemensam struktur tas fram under våren 2018",
        "open_care_link": "Teamet hör till öppenvården och har gemensamma möten varje vecka",
        "family_work": "Regelbunden kontakt med föräldrarna; föräldrastöd i grupp från våren",
        "steering_group": "Avdelningschefer för socialtjänst och förskola/fritid, "
        "grundskolechef, kommunpolis och berörda enhetschefer; två gånger per termin",
        "working_group": "Enhetschefer för barn och unga och för resursenheten, berörda rektorer",
        "partners": "BUP och hälso- och sjukvården, föreningar i civilsamhället",
        "plans_next_year": "Teamen läggs i anslutning till den ordinarie verksamheten 2019",
    },
}


def open_round_2018(story: Story) -> None:
    """The 2018 round as the city opened it: deadline 29 Dec 2017, final report 30 Nov 2018."""
    story.on(max(story.day, date(2017, 11, 15))).do(
        COORDINATOR,
        OpenRound(
            round_id=ROUND_2018,
            title="Skolsociala team 2018",
            budget_sek=13_000_000,
            period_start=date(2018, 1, 1),
            period_end=date(2018, 12, 31),
            policy="sst-2018",
            application_deadline=date(2017, 12, 29),
            on=date(2017, 11, 15),
            deadlines=(
                (
                    "final_financial_report",
                    date(2018, 11, 30),
                    "Ekonomisk redovisning senast 30 november 2018",
                ),
            ),
        ),
    )


def _round_2018(story: Story) -> None:
    r18, name, c = ROUND_2018, "Skärholmen", COORDINATOR
    district = district_actor(name)
    open_round_2018(story)
    # Paid in two halves: one with the award, the other once the T2 reports are accepted.
    story.on(date(2017, 12, 1)).do(
        c,
        SetPaymentPlan(
            round_id=r18,
            instalments=(
                InstalmentInput(percent=50),
                InstalmentInput(percent=50, releases_on=("t2_accepted",)),
            ),
            reason="Hälften vid beslut, hälften när T2-redovisningen är godkänd",
        ),
    )
    story.on(date(2017, 12, 29)).do(
        district, Apply(round_id=r18, district=name, application=SKARHOLMEN_2018)
    )
    story.on(date(2018, 1, 23)).do(
        c,
        AwardGrant(
            round_id=r18,
            district=name,
            amount_sek=1_400_000,
            decision_ref="SN 2018-01-23",
            decided_on=date(2018, 1, 23),
        ),
    )
    story.on(date(2018, 2, 15)).do(
        c,
        Disburse(
            round_id=r18,
            district=name,
            amount_sek=700_000,
            payment_reference="SST-2018-skarholmen-1",
        ),
    )
    story.on(date(2018, 5, 2)).do(
        c,
        SetDeadline(
            round_id=r18,
            code="t2",
            due_on=date(2018, 9, 14),
            reason="T2 2018 enligt stadens anvisningar",
            description="Uppföljning och ekonomi vid T2",
        ),
    )
    story.do(
        c,
        SetDeadline(
            round_id=r18,
            code="annual_report",
            due_on=date(2019, 2, 15),
            reason="Verksamhetsberättelse 2018",
        ),
    )
    story.on(date(2018, 9, 12)).do(
        district,
        SubmitFollowUp(
            round_id=r18,
            district=name,
            kind="t2",
            indicators={"target_group_size": 50, "pupils_reached": 24, "unplanned_dropouts": 2},
            period_start=date(2018, 1, 1),
            period_end=date(2018, 8, 31),
            self_financing_plan="Teamet knyts till öppenvården från 2019",
        ),
    )
    story.do(
        district,
        SubmitFinancialReport(
            round_id=r18, district=name, kind="t2", spent_sek=820_000, forecast_sek=1_400_000
        ),
    )
    story.on(date(2018, 9, 20))
    for report in ("t2_follow_up", "t2_financial_report"):
        story.do(c, ReviewReport(round_id=r18, district=name, report=report, accept=True))
    story.on(date(2018, 10, 1)).do(
        c,
        Disburse(
            round_id=r18,
            district=name,
            amount_sek=700_000,
            payment_reference="SST-2018-skarholmen-2",
        ),
    )
    story.on(date(2018, 11, 29)).do(
        district,
        SubmitFinancialReport(
            round_id=r18, district=name, kind="final", spent_sek=1_400_000, forecast_sek=1_400_000
        ),
    )


#: The 2014 annual follow-ups (seed 001's indicators; about 8 pupils a school, seed 003):
#: target group, reached, knowledge goals met, unplanned drop-outs, unauthorised absence
#: hours, the same in 2011-12, cost. Some counts are small, so the report suppresses them.
FOLLOW_UPS_2014: dict[str, tuple[int, int, int, int, int, int, int]] = {
    "Farsta": (16, 14, 9, 1, 610, 820, 1_034_896),
    "Skarpnäck": (24, 21, 12, 2, 900, 1_150, 1_134_896),
    "Rinkeby-Kista": (40, 33, 15, 6, 2_400, 2_900, 1_476_302),
    "Enskede-Årsta-Vantör": (12, 10, 3, 0, 480, 500, 738_151),
    "Spånga-Tensta": (18, 15, 7, 3, 1_020, 1_300, 738_151),
    "Älvsjö": (6, 4, 2, 0, 150, 210, 625_000),
    "Hässelby-Vällingby": (32, 27, 14, 5, 1_300, 1_700, 1_476_302),
}


def _follow_ups_2014(story: Story) -> None:
    """Each district's annual follow-up for 2014, with Farsta's two schools apart."""
    for name, figures in FOLLOW_UPS_2014.items():
        target, reached, goals, dropouts, hours, baseline, cost = figures
        indicators: dict[str, Any] = {
            "target_group_size": target,
            "pupils_reached": reached,
            "pupils_with_knowledge_goals_met": goals,
            "unplanned_dropouts": dropouts,
            "unauthorised_absence_hours": hours,
            "baseline_absence_hours": baseline,
            "cost_sek": cost,
        }
        if name == "Farsta":
            indicators["schools"] = (
                {"school": "Skola A", "target_group_size": 8, "pupils_reached": 7,
                 "unplanned_dropouts": 1, "unauthorised_absence_hours": 300,
                 "baseline_absence_hours": 420, "pupils_with_knowledge_goals_met": 4},
                {"school": "Skola B", "target_group_size": 8, "pupils_reached": 7,
                 "unplanned_dropouts": 0, "unauthorised_absence_hours": 310,
                 "baseline_absence_hours": 400, "pupils_with_knowledge_goals_met": 5},
            )  # fmt: skip
        story.do(
            district_actor(name),
            SubmitFollowUp(round_id=R14, district=name, kind="annual", indicators=indicators),
        )


#: Focus schools (seed 001) per district, with the target group and the pupils enrolled in
#: the spring and the autumn term of 2014 (girls, boys); the rest follows from them.
SCHOOL_TERMS_2014: dict[str, tuple[tuple[str, int, tuple[int, int], tuple[int, int]], ...]] = {
    "Farsta": (("Hökarängsskolan", 18, (3, 5), (4, 6)), ("Kvickentorpsskolan", 16, (4, 4), (5, 4))),
    "Skarpnäck": (
        ("Bagarmossens skola", 22, (5, 6), (6, 7)),
        ("Tätorpsskolan", 14, (2, 3), (3, 4)),
    ),
    "Rinkeby-Kista": (
        ("Rinkebyskolan", 30, (7, 9), (8, 10)),
        ("Husbygårdsskolan", 24, (6, 6), (6, 8)),
    ),
    "Hässelby-Vällingby": (("Grimstaskolan", 20, (5, 7), (6, 8)),),
    "Älvsjö": (("Solbergaskolan", 9, (1, 2), (2, 2)),),
}


def _school_terms_2014(story: Story) -> None:
    """Each focus school's counts for the spring and the autumn term of 2014, by gender, as
    the districts record them with their year-end accounts (aggregates only)."""
    for name, schools in SCHOOL_TERMS_2014.items():
        for school, target, spring, autumn in schools:
            for term, (girls, boys), step in (("VT2014", spring, 0), ("HT2014", autumn, 1)):
                enrolled = girls + boys
                graded = 8 * enrolled
                passed_girls, passed_boys = 4 * girls + 2 * girls * step, 3 * boys + 2 * boys * step
                story.do(
                    district_actor(name),
                    RecordSchoolFollowUp(
                        round_id=R14,
                        district=name,
                        school=school,
                        term=term,
                        target_group=target,
                        target_group_girls=target // 2,
                        target_group_boys=target - target // 2,
                        enrolled=enrolled,
                        enrolled_girls=girls,
                        enrolled_boys=boys,
                        supported=enrolled + 3,
                        goals_met=enrolled // 2 + step,
                        year9=enrolled // 3,
                        eligible=enrolled // 3 - 1 + step if enrolled >= 6 else 0,
                        dropouts=(enrolled // 7) * (1 - step),
                        subjects_graded=graded,
                        subjects_graded_girls=8 * girls,
                        subjects_graded_boys=8 * boys,
                        subjects_passed=passed_girls + passed_boys,
                        subjects_passed_girls=passed_girls,
                        subjects_passed_boys=passed_boys,
                        absence_hours=(40 - 8 * step) * enrolled,
                        baseline_absence_hours=48 * enrolled,
                        interviewed_start=enrolled if step == 0 else None,
                        interviewed_six_months=enrolled - 1 if step else None,
                        positive_six_months=enrolled - 3 if step else None,
                        months_reported=5 if step else 6,
                    ),
                )
