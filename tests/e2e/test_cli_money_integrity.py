"""The money-integrity issue, bullet by bullet, through the CLI as a coordinator (or an
attacker) would type it: each is refused in one line naming its rule and writes nothing,
or (annulments, as-of views) the board is right on every date.

The round runs around today (the CLI's clock is the real one), built in-process with the
story clock and then attacked through `ppss`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from events import GrantAwarded
from policies.commands import (
    Apply,
    AwardGrant,
    DecidePlan,
    Disburse,
    OpenRound,
    RecordNetwork,
    ReviewReport,
    SubmitPlan,
    SubmitYearEndAccount,
)
from policies.state import STOCKHOLM, stockholm_day
from ppss_workflow.demo import COORDINATOR, STEERING_GROUP, Story, district_actor
from ppss_workflow.schema import upgrade
from ppss_workflow.store import EventStore
from tests.e2e.cli import Run, assert_one_line_error, ppss
from tests.swedish import assert_swedish, cli_text

TODAY = stockholm_day(datetime.now(UTC))
RID = "skydd"
ROUND = ["--round", RID]
COORD = ["--as", "coordinator"]


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A round around today: Farsta (1 400 000 kr, 4 schools) and Skarpnäck applied."""
    url = f"sqlite:///{tmp_path}/skydd.sqlite3"
    store = EventStore.from_url(url)
    upgrade(store.engine)
    story = Story(store, ago(200))
    story.on(ago(190)).do(
        COORDINATOR,
        OpenRound(
            round_id=RID,
            title="Skyddsrunda",
            budget_sek=1_000_000,
            supervision_pool_sek=200_000,
            period_start=ago(180),
            period_end=TODAY + timedelta(days=180),
            policy="ppss-2014",
            policy_version=1,
            deadlines=(("year_end_account", TODAY + timedelta(days=200), None),),
        ),
    )
    for name, sek, schools in (("Farsta", 1_400_000, 4), ("Skarpnäck", 600_000, 2)):
        story.on(ago(170)).do(
            district_actor(name),
            Apply(
                round_id=RID,
                district=name,
                application={
                    "district": name,
                    "school_count": schools,
                    "applied_sek": sek,
                    "period_start": ago(180),
                    "period_end": TODAY + timedelta(days=180),
                },
            ),
        )
    store.close()
    return url


def story_on(url: str, day: date) -> tuple[Story, EventStore]:
    store = EventStore.from_url(url)
    return Story(store, day), store


def snapshot(url: str) -> tuple[int, str]:
    store = EventStore.from_url(url)
    try:
        return store.count(), store.head().hash
    finally:
        store.close()


def refused(url: str, home: Path, *args: str, needles: tuple[str, ...]) -> Run:
    """The command fails in one line naming its rule, and the store is unchanged."""
    before = snapshot(url)
    run = ppss(*args, "--database", url, home=home, env={"PPSS_LANG": "en"})
    assert_one_line_error(run, "rule:", *needles)
    # Swedish by default: the same refusal in one line, no rule name in English
    swedish = ppss(*args, "--database", url, home=home)
    assert_one_line_error(swedish, "ppss: fel: ")
    assert_swedish("money refusals (CLI)", " ".join(args[:1]), cli_text(swedish.err))
    assert snapshot(url) == before
    return run


def board(url: str, home: Path, as_of: date | None = None) -> dict[str, Any]:
    extra = ["--as-of", as_of.isoformat()] if as_of else []
    run = ppss("board", *ROUND, "--format", "json", *extra, "--database", url, home=home)
    assert run.code == 0, run.err
    return {row["district"]: row for row in json.loads(run.out)}


def ready(url: str, plan_on: date | None = None) -> None:
    """Farsta: awarded 600 000 kr, its plan submitted and approved on ``plan_on``."""
    plan_on = plan_on or ago(100)
    story, store = story_on(url, ago(150))
    story.on(ago(150)).do(
        COORDINATOR,
        AwardGrant(
            round_id=RID,
            district="Farsta",
            amount_sek=600_000,
            decision_ref="SN 1",
            decided_on=ago(150),
        ),
    )
    story.on(plan_on - timedelta(days=5)).do(
        district_actor("Farsta"),
        SubmitPlan(round_id=RID, district="Farsta", plan_id="p1", summary="Arbetsplan"),
    )
    story.on(plan_on).do(
        STEERING_GROUP,
        DecidePlan(round_id=RID, district="Farsta", plan_id="p1", approve=True, meeting_on=plan_on),
    )
    store.close()


def test_allocate_record_respects_awards_already_made(store_url: str, tmp_path: Path) -> None:
    """After two 400 000 kr awards, `allocate --record` is refused; --replace annuls them
    and awards the rule's figures, never more than the budget."""
    story, store = story_on(store_url, ago(150))
    for name in ("Farsta", "Skarpnäck"):
        story.do(
            COORDINATOR,
            AwardGrant(
                round_id=RID,
                district=name,
                amount_sek=400_000,
                decision_ref="SN 1",
                decided_on=ago(150),
            ),
        )
    store.close()
    record = [
        "allocate",
        *ROUND,
        "--record",
        "--decided-on",
        ago(140).isoformat(),
        "--decision-ref",
        "SN 2",
        *COORD,
    ]
    refused(
        store_url,
        tmp_path,
        *record,
        needles=("awards are already on record", "one allocation per round"),
    )
    done = ppss(*record, "--replace", "--database", store_url, home=tmp_path)
    assert done.code == 0, done.err
    rows = board(store_url, tmp_path)
    assert sum(r["awarded_sek"] for r in rows.values()) == 1_000_000
    assert rows["Farsta"]["awarded_sek"] == 666_667
    again = ppss(
        *record[:-4],
        "--decision-ref",
        "SN 3",
        *COORD,
        "--replace",
        "--database",
        store_url,
        home=tmp_path,
    )
    assert again.code == 0, again.err
    assert sum(r["awarded_sek"] for r in board(store_url, tmp_path).values()) == 1_000_000


def test_allocate_takes_the_recorded_applications(store_url: str, tmp_path: Path) -> None:
    """A file may only restate the applications: 2 500 000 kr with 2 schools is refused."""
    spec = {
        "total_sek": 1_000_000,
        "districts": [
            {"name": "Farsta", "schools": 2, "applied_sek": 2_500_000},
            {"name": "Skarpnäck", "schools": 2, "applied_sek": 600_000},
        ],
    }
    source = tmp_path / "alloc.json"
    source.write_text(json.dumps(spec), encoding="utf-8")
    refused(
        store_url,
        tmp_path,
        "allocate",
        *ROUND,
        "--input",
        str(source),
        "--record",
        "--decided-on",
        ago(140).isoformat(),
        "--decision-ref",
        "SN",
        *COORD,
        needles=("but its application says 1\u00a0400\u00a0000 kr with 4 schools",),
    )


def test_annulling_an_allocation_annuls_its_awards(store_url: str, tmp_path: Path) -> None:
    """The allocation and its awards go together; annulling one award alone is refused."""
    run = ppss(
        "allocate",
        *ROUND,
        "--record",
        "--decided-on",
        ago(140).isoformat(),
        "--decision-ref",
        "SN 2",
        *COORD,
        "--database",
        store_url,
        home=tmp_path,
    )
    assert run.code == 0, run.err
    store = EventStore.from_url(store_url)
    allocation = store.read_stream(f"round:{RID}")[-1]
    award = next(
        r for r in store.read_streams(f"project:{RID}:") if isinstance(r.event, GrantAwarded)
    )
    store.close()
    refused(
        store_url,
        tmp_path,
        "annul",
        *ROUND,
        "--position",
        str(award.position),
        "--reason",
        "Fel",
        *COORD,
        needles=("part of allocation decision",),
    )
    done = ppss(
        "annul",
        *ROUND,
        "--position",
        str(allocation.position),
        "--reason",
        "Fel",
        *COORD,
        "--database",
        store_url,
        home=tmp_path,
    )
    assert done.code == 0, done.err
    assert {r["awarded_sek"] for r in board(store_url, tmp_path).values()} == {0}


def test_a_payment_back_dated_before_the_plan_approval_is_refused(
    store_url: str, tmp_path: Path
) -> None:
    """`disburse --on` the day before the approval: blocked by the plan on that day."""
    ready(store_url, plan_on=ago(100))
    pay = [
        "disburse",
        *ROUND,
        "--district",
        "Farsta",
        "--amount",
        "100000",
        "--reference",
        "U-1",
        *COORD,
    ]
    refused(
        store_url,
        tmp_path,
        *pay,
        "--on",
        ago(101).isoformat(),
        needles=("blocked by work plan approved by the steering group", f"as of {ago(101)}"),
    )
    assert board(store_url, tmp_path, ago(101))["Farsta"]["disbursed_sek"] == 0
    done = ppss(*pay, "--on", ago(100).isoformat(), "--database", store_url, home=tmp_path)
    assert done.code == 0, done.err
    assert board(store_url, tmp_path, ago(100))["Farsta"]["disbursed_sek"] == 100_000


def test_a_payment_back_dated_before_an_absence_is_refused(store_url: str, tmp_path: Path) -> None:
    """A session missed without excuse blocks payment today, so a payment dated the day
    before is refused too; the board and `disburse --on` agree on every date."""
    ready(store_url, plan_on=ago(100))
    held = datetime.combine(ago(30), datetime.min.time(), STOCKHOLM) + timedelta(hours=13)
    run = ppss(
        "network",
        "schedule",
        *ROUND,
        "--session",
        "n1",
        "--title",
        "Nätverk",
        "--starts-at",
        held.isoformat(),
        *COORD,
        "--database",
        store_url,
        home=tmp_path,
    )
    assert run.code == 0, run.err  # no --on: announced on its own (past) day
    story, store = story_on(store_url, ago(30))
    story.do(
        COORDINATOR,
        RecordNetwork(round_id=RID, district="Farsta", session_id="n1", outcome="absent"),
    )
    store.close()
    assert board(store_url, tmp_path, ago(31))["Farsta"]["payable_sek"] == 600_000
    assert board(store_url, tmp_path, ago(30))["Farsta"]["blocking"] == ["network_participation"]
    refused(
        store_url,
        tmp_path,
        "disburse",
        *ROUND,
        "--district",
        "Farsta",
        "--amount",
        "100000",
        "--reference",
        "U-1",
        "--on",
        ago(31).isoformat(),
        *COORD,
        needles=("blocked by network meetings and training", f"as of {TODAY}"),
    )


def test_the_same_payment_is_recorded_once(store_url: str, tmp_path: Path) -> None:
    """Same reference and amount: "already recorded", nothing written; another amount with
    the same reference is refused."""
    ready(store_url)
    pay = [
        "disburse",
        *ROUND,
        "--district",
        "Farsta",
        "--reference",
        "U-1",
        *COORD,
        "--database",
        store_url,
    ]
    first = ppss(*pay, "--amount", "100000", home=tmp_path)
    assert first.code == 0, first.err
    before = snapshot(store_url)
    again = ppss(*pay, "--amount", "100000", home=tmp_path)
    assert again.code == 0, again.err
    assert "Redan registrerat" in again.out
    assert snapshot(store_url) == before
    refused(
        store_url,
        tmp_path,
        *pay[:-2],
        "--amount",
        "100001",
        needles=("payment reference U-1 is already used",),
    )
    assert board(store_url, tmp_path)["Farsta"]["disbursed_sek"] == 100_000


def test_a_plan_is_not_approved_before_it_was_submitted(store_url: str, tmp_path: Path) -> None:
    """The meeting's date may not come before the plan's submission."""
    story, store = story_on(store_url, ago(50))
    story.do(
        district_actor("Farsta"),
        SubmitPlan(round_id=RID, district="Farsta", plan_id="p1", summary="Plan"),
    )
    store.close()
    refused(
        store_url,
        tmp_path,
        "plan",
        "approve",
        *ROUND,
        "--district",
        "Farsta",
        "--plan",
        "p1",
        "--meeting-on",
        ago(51).isoformat(),
        "--as",
        "steering_group",
        needles=("decision not before submission",),
    )


def test_supervision_money_is_capped_per_project(store_url: str, tmp_path: Path) -> None:
    """200 000 kr of supervision money for one project is refused: 25 000 kr is the cap."""
    refused(
        store_url,
        tmp_path,
        "supervision",
        "request",
        *ROUND,
        "--district",
        "Farsta",
        "--amount",
        "200000",
        "--description",
        "Handledning",
        "--as",
        "district:Farsta",
        needles=("at most 25\u00a0000 kr", "supervision cap per project"),
    )


def test_annulments_never_leave_money_inconsistent(store_url: str, tmp_path: Path) -> None:
    """An award or an application with money out cannot be annulled; a duplicate payment
    annulled today is gone from every as-of board."""
    ready(store_url)
    story, store = story_on(store_url, ago(60))
    story.do(
        COORDINATOR,
        Disburse(round_id=RID, district="Farsta", amount_sek=300_000, payment_reference="U-1"),
    )
    story.do(
        COORDINATOR,
        Disburse(round_id=RID, district="Farsta", amount_sek=300_000, payment_reference="U-1b"),
    )
    history = store.read_stream(f"project:{RID}:farsta")
    store.close()
    award = next(r for r in history if r.event_type == "GrantAwarded")
    application = history[0]
    duplicate = history[-1]
    refused(
        store_url,
        tmp_path,
        "annul",
        *ROUND,
        "--position",
        str(award.position),
        "--reason",
        "Fel",
        *COORD,
        needles=("paid against 0 kr awarded",),
    )
    refused(
        store_url,
        tmp_path,
        "annul",
        *ROUND,
        "--position",
        str(application.position),
        "--reason",
        "Fel",
        *COORD,
        needles=("money stays consistent",),
    )
    assert board(store_url, tmp_path, ago(59))["Farsta"]["disbursed_sek"] == 600_000
    annul = ("annul", *ROUND, "--district", "Farsta", "--position", str(duplicate.position),
             "--reason", "Dubbelbetalning", "--money-never-left", *COORD,
             "--database", store_url)  # fmt: skip
    asked = ppss(*annul, "--actor", "anna", home=tmp_path)
    assert asked.code == 0, asked.err
    assert board(store_url, tmp_path, TODAY)["Farsta"]["disbursed_sek"] == 600_000
    done = ppss(*annul, "--actor", "bertil", home=tmp_path)
    assert done.code == 0, done.err
    for day in (ago(60), ago(59), TODAY):
        assert board(store_url, tmp_path, day)["Farsta"]["disbursed_sek"] == 300_000, day


def test_amounts_as_people_write_them(store_url: str, tmp_path: Path) -> None:
    """`--amount "25 000 kr"` pays 25 000 kr; a decimal or a word is one line, nothing written."""
    ready(store_url)
    pay = ["disburse", *ROUND, "--district", "Farsta", *COORD, "--database", store_url]
    paid = ppss(*pay, "--reference", "U-7", "--amount", "25 000 kr", home=tmp_path)
    assert paid.code == 0, paid.err
    assert board(store_url, tmp_path)["Farsta"]["disbursed_sek"] == 25_000
    before = snapshot(store_url)
    for typed in ("12.5", "tjugo", "25 000,50"):
        run = ppss(*pay, "--reference", "U-8", "--amount", typed, home=tmp_path)
        assert_one_line_error(run, "inte ett belopp i hela kronor")
        assert_swedish("money refusals (CLI)", "disburse --amount", cli_text(run.err))
    assert snapshot(store_url) == before


def test_a_district_cannot_replace_its_accepted_year_end_account(
    store_url: str, tmp_path: Path
) -> None:
    """Attack: Farsta's year-end account (500 000 kr spent of 600 000 kr paid) is accepted,
    so 100 000 kr is owed back; Farsta hands in a new one saying all was spent. Refused in
    one line and nothing written; what is owed back stays 100 000 kr."""
    ready(store_url)
    story, store = story_on(store_url, ago(60))
    story.do(
        COORDINATOR,
        Disburse(round_id=RID, district="Farsta", amount_sek=600_000, payment_reference="U-1"),
    )
    story.on(ago(10)).do(
        district_actor("Farsta"),
        SubmitYearEndAccount(
            round_id=RID, district="Farsta", spent_sek=500_000, cost_description="Löner"
        ),
    )
    story.on(ago(5)).do(
        COORDINATOR,
        ReviewReport(round_id=RID, district="Farsta", report="year_end_account", accept=True),
    )
    store.close()
    assert board(store_url, tmp_path)["Farsta"]["repayment_due_sek"] == 100_000
    refused(
        store_url,
        tmp_path,
        "report",
        "year-end",
        *ROUND,
        "--district",
        "Farsta",
        "--spent",
        "600000",
        "--description",
        "Allt",
        "--as",
        "district:Farsta",
        needles=("was accepted on", "an accepted report stands"),
    )
    assert board(store_url, tmp_path)["Farsta"]["repayment_due_sek"] == 100_000


def test_an_account_above_what_was_paid_needs_an_explanation(
    store_url: str, tmp_path: Path
) -> None:
    """Issue 21: 900 000 kr spent with 400 000 kr paid and no own contribution is refused in
    one line naming both figures, nothing written; with --explanation it is taken, and the
    explanation is shown by `ppss audit explain`."""
    ready(store_url)
    story, store = story_on(store_url, ago(60))
    story.do(
        COORDINATOR,
        Disburse(round_id=RID, district="Farsta", amount_sek=400_000, payment_reference="U-1"),
    )
    store.close()
    account = (
        "report", "year-end", *ROUND, "--district", "Farsta", "--spent", "900000",
        "--description", "Löner", "--as", "district:Farsta",
    )  # fmt: skip
    run = refused(
        store_url,
        tmp_path,
        *account,
        needles=("900\u00a0000 kr", "400\u00a0000 kr", "accounts within what was paid"),
    )
    swedish = ppss(*account, "--database", store_url, home=tmp_path)
    assert "900 000 kr" in swedish.err.replace("\u00a0", " "), swedish.err
    assert "400 000 kr" in swedish.err.replace("\u00a0", " "), swedish.err
    assert run.code != 0
    why = "Lokalhyra betald av förvaltningen i väntan på nästa utbetalning"
    taken = ppss(*account, "--explanation", why, "--database", store_url, home=tmp_path)
    assert taken.code == 0, taken.err
    explained = ppss("audit", "explain", *ROUND, "--district", "Farsta", "--database",
                     store_url, home=tmp_path)  # fmt: skip
    assert explained.code == 0, explained.err
    assert "Förbrukat utöver utbetalt" in explained.out
    assert "förklaring: Lokalhyra" in explained.out
    as_json = ppss("audit", "explain", *ROUND, "--district", "Farsta", "--format", "json",
                   "--database", store_url, home=tmp_path)  # fmt: skip
    lines = {x["subject"]: x for x in json.loads(as_json.out)["lines"]}
    assert lines["overspend"]["reason_code"] == "account.overspend_explained"
    assert why in lines["overspend"]["reason"]
