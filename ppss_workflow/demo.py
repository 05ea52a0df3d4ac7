"""Demo data: the real 2014 round from seed 000, a plausible year of events, and the
Skärholmen 2018 application from seed 002. Role titles and example.org only: no real person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from policies.allocation import DistrictRequest, allocate
from ppss_workflow.workflow import Actor, Workflow, slug

__all__ = [
    "DISTRICTS_2014",
    "ROUND_2014",
    "ROUND_2018",
    "SKARHOLMEN_2018",
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
SESSIONS = (
    ("natverk-1", "Nätverksträff: multikompetenta team", "2014-03-12T13:00+01:00"),
    ("utbildning-1", "Utbildning: uppföljning och indikatorer", "2014-05-14T09:00+02:00"),
    ("natverk-2", "Nätverksträff: erfarenhetsutbyte", "2014-09-17T13:00+02:00"),
    ("natverk-3", "Nätverksträff: inför årsredovisningen", "2014-11-19T13:00+01:00"),
)


def _district(name: str) -> Actor:
    return Actor("district", f"projektledare@{slug(name)}.example.org", slug(name))


def load_demo(wf: Workflow) -> None:
    """Record both demo rounds through the ordinary commands (so every rule is applied)."""
    _round_2014(wf)
    _round_2018(wf)


def _round_2014(wf: Workflow) -> None:
    wf.open_round(
        COORDINATOR,
        round_id=ROUND_2014,
        title="Pilotprojekt samverkan skola–socialtjänst 2014",
        budget_sek=10_000_000,
        supervision_pool_sek=200_000,
        period_start=date(2014, 1, 1),
        period_end=date(2014, 12, 31),
        policy="ppss-2014",
        deadlines=[
            ("year_end_account", date(2015, 1, 31), "Redovisning och kostnadsbeskrivning för 2014")
        ],
        on=date(2014, 2, 4),
    )
    for name, schools, applied in DISTRICTS_2014:
        wf.apply(
            _district(name),
            ROUND_2014,
            {
                "district": name,
                "school_count": schools,
                "applied_sek": applied,
                "period_start": date(2014, 1, 1),
                "period_end": date(2014, 12, 31),
                "co_applicants": ("Utbildningsförvaltningen",),
            },
            on=date(2013, 5, 31),
        )
    result = allocate(
        10_000_000, [DistrictRequest(n, s, a) for n, s, a in DISTRICTS_2014], exclude=["Älvsjö"]
    )
    wf.record_allocation(
        COORDINATOR,
        ROUND_2014,
        result,
        decided_by="Socialnämnden",
        decided_on=date(2014, 2, 4),
        decision_ref="SN 2014-02-04",
    )
    for session_id, title, starts in SESSIONS:
        wf.schedule_session(
            COORDINATOR,
            ROUND_2014,
            session_id,
            title,
            datetime.fromisoformat(starts),
            on=date(2014, 2, 4),
        )
    allocated = {a.name: a.allocated_sek for a in result.allocations}

    for name, _, _ in DISTRICTS_2014:
        wf.submit_plan(
            _district(name),
            ROUND_2014,
            name,
            "plan-2014",
            "Arbetsplan 2014 för det multikompetenta teamet",
            on=date(2014, 2, 20),
        )
    for name, _, _ in DISTRICTS_2014:
        if name == "Hässelby-Vällingby":
            wf.decide_plan(
                STEERING_GROUP,
                ROUND_2014,
                name,
                "plan-2014",
                approve=False,
                meeting_on=date(2014, 3, 10),
                reason="Personalbudgeten är inte fördelad per skola",
            )
        else:
            wf.decide_plan(
                STEERING_GROUP,
                ROUND_2014,
                name,
                "plan-2014",
                approve=True,
                meeting_on=date(2014, 3, 10),
            )
    wf.submit_plan(
        _district("Hässelby-Vällingby"),
        ROUND_2014,
        "Hässelby-Vällingby",
        "plan-2014-b",
        "Reviderad arbetsplan med budget per skola",
        on=date(2014, 3, 25),
    )
    wf.decide_plan(
        STEERING_GROUP,
        ROUND_2014,
        "Hässelby-Vällingby",
        "plan-2014-b",
        approve=True,
        meeting_on=date(2014, 4, 7),
    )

    for name, _, _ in DISTRICTS_2014:
        first = allocated[name] // 2
        on = date(2014, 4, 15) if name == "Hässelby-Vällingby" else date(2014, 3, 20)
        wf.disburse(COORDINATOR, ROUND_2014, name, first, f"UTB-2014-{slug(name)}-1", on=on)
        for session_id, _, _ in SESSIONS:
            missed = name == "Rinkeby-Kista" and session_id == "natverk-2"
            excused = name == "Älvsjö" and session_id == "utbildning-1"
            if missed or excused:
                wf.record_network(
                    COORDINATOR,
                    ROUND_2014,
                    name,
                    session_id,
                    "absent",
                    excused=excused,
                    note="Sjukdom" if excused else None,
                )
            else:
                wf.record_network(
                    COORDINATOR, ROUND_2014, name, session_id, "attended", participants=2
                )
        if name != "Rinkeby-Kista":  # blocked by the missed session since 17 Sep
            wf.disburse(
                COORDINATOR,
                ROUND_2014,
                name,
                allocated[name] - first,
                f"UTB-2014-{slug(name)}-2",
                on=date(2014, 11, 28),
            )
        if name not in ("Skarpnäck", "Spånga-Tensta"):
            wf.request_supervision(
                _district(name),
                ROUND_2014,
                name,
                25_000,
                "Gemensam handledning för behandlare och skolans kontaktperson",
                on=date(2014, 4, 2),
            )
            wf.grant_supervision(
                COORDINATOR, ROUND_2014, name, 25_000, "FoU 2014", on=date(2014, 4, 10)
            )
            wf.disburse(
                COORDINATOR,
                ROUND_2014,
                name,
                25_000,
                f"FOU-2014-{slug(name)}",
                purpose="supervision",
                on=date(2014, 4, 30),
            )

    accounts: dict[str, tuple[int, int]] = {
        "Farsta": (1_034_896, 0),  # 100 000 kr not used: the repayment
        "Skarpnäck": (1_134_896, 0),
        "Rinkeby-Kista": (1_476_302, 0),
        "Enskede-Årsta-Vantör": (738_151, 0),
        "Spånga-Tensta": (738_151, 0),
        "Älvsjö": (625_000, 0),
        "Hässelby-Vällingby": (1_476_302, 0),
    }  # Skärholmen has not sent its account: overdue since 31 Jan 2015
    for name, (spent, outside) in accounts.items():
        wf.submit_year_end_account(
            _district(name),
            ROUND_2014,
            name,
            spent,
            "Personal, handledning och utbildning enligt plan",
            spent_outside_plan_sek=outside,
            on=date(2015, 1, 28),
        )
    wf.demand_repayment(
        COORDINATOR,
        ROUND_2014,
        "Farsta",
        100_000,
        "Medel som inte använts enligt plan 2014",
        due_on=date(2015, 3, 31),
        on=date(2015, 2, 16),
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
}


def open_round_2018(wf: Workflow) -> None:
    """The 2018 round as the city opened it: deadline 29 Dec 2017, final report 30 Nov 2018."""
    wf.open_round(
        COORDINATOR,
        round_id=ROUND_2018,
        title="Skolsociala team 2018",
        budget_sek=13_000_000,
        period_start=date(2018, 1, 1),
        period_end=date(2018, 12, 31),
        policy="sst-2018",
        application_deadline=date(2017, 12, 29),
        deadlines=[
            (
                "final_financial_report",
                date(2018, 11, 30),
                "Ekonomisk redovisning senast 30 november 2018",
            )
        ],
        on=date(2017, 11, 15),
    )


def _round_2018(wf: Workflow) -> None:
    open_round_2018(wf)
    wf.apply(_district("Skärholmen"), ROUND_2018, SKARHOLMEN_2018, on=date(2017, 12, 29))
    wf.set_deadline(
        COORDINATOR,
        ROUND_2018,
        "t2",
        date(2018, 9, 14),
        "T2 2018 enligt stadens anvisningar",
        "Uppföljning och ekonomi vid T2",
        on=date(2018, 5, 2),
    )
    wf.set_deadline(
        COORDINATOR,
        ROUND_2018,
        "annual_report",
        date(2019, 2, 15),
        "Verksamhetsberättelse 2018",
        on=date(2018, 5, 2),
    )
    name = "Skärholmen"
    wf.award(COORDINATOR, ROUND_2018, name, 1_400_000, "SN 2018-01-23", date(2018, 1, 23))
    wf.disburse(
        COORDINATOR, ROUND_2018, name, 700_000, "SST-2018-skarholmen-1", on=date(2018, 2, 15)
    )
    wf.submit_follow_up(
        _district(name),
        ROUND_2018,
        name,
        "t2",
        {"target_group_size": 50, "pupils_reached": 24, "unplanned_dropouts": 2},
        (date(2018, 1, 1), date(2018, 8, 31)),
        self_financing_plan="Teamet knyts till öppenvården från 2019",
        on=date(2018, 9, 12),
    )
    wf.submit_financial_report(
        _district(name), ROUND_2018, name, "t2", 820_000, 1_400_000, on=date(2018, 9, 12)
    )
    wf.disburse(
        COORDINATOR, ROUND_2018, name, 700_000, "SST-2018-skarholmen-2", on=date(2018, 10, 1)
    )
    wf.submit_financial_report(
        _district(name), ROUND_2018, name, "final", 1_400_000, 1_400_000, on=date(2018, 11, 29)
    )
