"""Each seed number held by its policy (issue 21), without a database.

Version 2 of each round's rules gives the documents' numbers when none is typed and refuses
others in one Swedish line naming the document's number; version 1 stays for the rounds
pinned to it. Seed 000/001 (2014): 10 000 000 kr, a supervision pool of 200 000 kr and
25 000 kr of it per project, the year 2014, the 8 districts of the 2013 pilots and their
schools, the 16 focus schools. Seed 003 (2016): 13 000 000 kr a year. Seed 002 (2018):
applications by 29 December 2017, the final financial report by 30 November 2018, and the
budget "Egen insats … Sökt belopp … Total budget".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import (
    ApplicationSubmitted,
    FinancialReportSubmitted,
    FollowUpSubmitted,
    RoundOpened,
)
from events.application import ApplicationSubstance, Estimate
from events.base import registry
from events.reporting import FollowUpIndicators, SchoolIndicators
from policies.commands import Apply, OpenRound
from policies.pilot2014 import ELIGIBLE_DISTRICTS_2014, FOCUS_SCHOOLS_2014
from policies.promises import promised_and_delivered
from policies.reason import Reason
from policies.registry import POLICIES, latest_version
from policies.state import fold_project, fold_round
from ppss_workflow.words import say
from tests.unit.world import ROUND, TODAY, World, refused

RID = "r"


def opening(policy: str, **fields: Any) -> OpenRound:
    return OpenRound(round_id=RID, title="Runda", policy=policy, **fields)


def opened_with(policy: str, day: date = TODAY, **fields: Any) -> RoundOpened:
    decision = World().decide(opening(policy, **fields), day)
    ((stream, (event,)),) = decision.appends
    assert stream == ROUND
    assert isinstance(event, RoundOpened)
    return event


def sv(reason: Reason | None) -> str:
    said = say(reason)
    assert "\n" not in said
    return said


def sv_refusal(world: World, command: Any, day: date = TODAY) -> str:
    refusal = refused(world, command, day)
    assert refusal.kind in ("invalid", "condition")
    return sv(refusal.reason)


# -- versions ----------------------------------------------------------------------------------


def test_a_round_opened_without_a_version_gets_the_newest_and_old_versions_stay() -> None:
    """No version typed: version 2 of each rule set; version 1 stays registered, so rounds
    pinned to it are still judged by it."""
    for name in ("ppss-2014", "ppss-2016", "sst-2018"):
        assert latest_version(name) == 2
        assert (name, 1) in POLICIES
    assert latest_version("ppss-2030") is None
    assert opened_with("ppss-2014").policy_version == 2


# -- 2014 (seed 000) -----------------------------------------------------------------------


def test_the_2014_round_opens_with_the_decisions_numbers_when_none_are_typed() -> None:
    """10 000 000 kr, 200 000 kr of supervision money and 25 000 kr of it a project, 2014."""
    event = opened_with("ppss-2014")
    assert (
        event.budget_sek,
        event.supervision_pool_sek,
        event.supervision_cap_sek,
        event.period_start,
        event.period_end,
    ) == (10_000_000, 200_000, 25_000, date(2014, 1, 1), date(2014, 12, 31))
    typed = opened_with(
        "ppss-2014",
        budget_sek=10_000_000,
        supervision_pool_sek=200_000,
        supervision_cap_sek=25_000,
        period_start=date(2014, 1, 1),
        period_end=date(2014, 12, 31),
    )
    assert typed == event


def test_the_2014_budget_is_ten_million_and_nothing_else() -> None:
    """10 000 001 kr is refused naming the decision's 10 000 000 kr and its sentence."""
    said = sv_refusal(World(), opening("ppss-2014", budget_sek=10_000_001))
    assert said == (
        "omgången bryter mot reglerna: budgeten för 2014 är 10\u00a0000\u00a0000 kr enligt "
        "beslutet 2014-02-04 (”I budgeten för 2014 avsattes 10 mkr”), inte "
        "10\u00a0000\u00a0001 kr; ett annat belopp kräver en ny version av reglerna"
    )
    assert "9\u00a0999\u00a0999 kr" in sv_refusal(
        World(), opening("ppss-2014", budget_sek=9_999_999)
    )


def test_the_2014_supervision_pool_and_cap_are_the_decisions() -> None:
    """The pool is 200 000 kr (not 0), the cap 25 000 kr (not 30 000)."""
    no_pool = sv_refusal(
        World(), opening("ppss-2014", supervision_pool_sek=0, supervision_cap_sek=0)
    )
    assert "handledningsmedlen är 200\u00a0000 kr" in no_pool
    assert "inte 0 kr" in no_pool
    cap = sv_refusal(World(), opening("ppss-2014", supervision_cap_sek=30_000))
    assert cap == (
        "omgången bryter mot reglerna: varje projekt får 25\u00a0000 kr för gemensam handledning "
        "enligt beslutet 2014-02-04 (”får 25 000 kr för 2014”), inte 30\u00a0000 kr"
    )


def test_the_2014_money_is_for_2014() -> None:
    said = sv_refusal(
        World(),
        opening("ppss-2014", period_start=date(2015, 1, 1), period_end=date(2015, 12, 31)),
    )
    assert "medlen gäller år 2014, 2014-01-01–2014-12-31" in said


def test_version_1_still_opens_with_the_numbers_it_is_given() -> None:
    """The old rules, named explicitly, take what they are given (an imported history)."""
    event = opened_with(
        "ppss-2014",
        policy_version=1,
        budget_sek=10_000_001,
        period_start=date(2014, 1, 1),
        period_end=date(2014, 12, 31),
    )
    assert (event.budget_sek, event.supervision_pool_sek, event.policy_version) == (
        10_000_001,
        0,
        1,
    )


def _form(district: str, schools: int, names: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "district": district,
        "school_count": schools,
        "schools": names,
        "applied_sek": 1_000_000,
        "period_start": date(2014, 1, 1),
        "period_end": date(2014, 12, 31),
    }


def _world_2014(version: int = 2) -> World:
    world = World()
    world.run(opening("ppss-2014", policy_version=version, on=date(2013, 5, 2)) if version == 2
              else opening("ppss-2014", policy_version=1, budget_sek=1_000_000,
                           period_start=date(2014, 1, 1), period_end=date(2014, 12, 31),
                           on=date(2013, 5, 2)), TODAY)  # fmt: skip
    return world


def _apply(district: str, schools: int, names: tuple[str, ...] = ()) -> Apply:
    return Apply(
        round_id=RID,
        district=district,
        application=_form(district, schools, names),
        on=date(2013, 5, 31),
    )


def test_only_the_2013_pilot_districts_may_apply_for_the_2014_money() -> None:
    """Each of the 8 districts with its schools is taken; Bromma is refused naming the rule."""
    assert len(ELIGIBLE_DISTRICTS_2014) == 8
    assert sum(ELIGIBLE_DISTRICTS_2014.values()) == 16
    for district, schools in ELIGIBLE_DISTRICTS_2014.items():
        world = _world_2014()
        assert world.run(_apply(district, schools), TODAY)
    said = sv_refusal(_world_2014(), _apply("Bromma", 2))
    assert "Bromma är inte en av de stadsdelsförvaltningar som inledde pilotprojekt 2013" in said
    assert "Farsta, Skarpnäck, Rinkeby-Kista" in said
    # The seed's own spelling ("Spånga -Tensta") is the same district.
    assert _world_2014().run(_apply("Spånga -Tensta", 1), TODAY)


def test_a_2014_application_has_the_schools_of_the_decisions_table() -> None:
    """Farsta has 3 schools; 5 is refused. Named schools must be focus schools (seed 001)."""
    said = sv_refusal(_world_2014(), _apply("Farsta", 5))
    assert "Farsta har 3 skolor i pilotprojektet enligt beslutets tabell, inte 5" in said
    assert len(FOCUS_SCHOOLS_2014) == 16
    # The OCR's spelling without å/ä/ö names the same school.
    ok = _apply("Farsta", 3, ("Hökarängsskolan", "Tatorpsskolan", "Ragsvedsskolan"))
    assert _world_2014().run(ok, TODAY)
    other = _apply("Farsta", 3, ("Hökarängsskolan", "Tätorpsskolan", "Påhittade skolan"))
    assert "Påhittade skolan är inte bland de 16 fokusskolor" in sv_refusal(_world_2014(), other)


def test_a_round_pinned_to_version_1_keeps_taking_any_district() -> None:
    """The fix changes outcomes, so it is version 2: rounds opened under v1 keep v1."""
    world = _world_2014(version=1)
    rnd = fold_round(world.stream(ROUND))
    assert rnd is not None
    assert rnd.policy_version == 1
    assert world.run(_apply("Bromma", 5), TODAY)


# -- 2016 (seed 003) ------------------------------------------------------------------------


def test_the_2016_budget_is_thirteen_million_a_year() -> None:
    """None typed: 13 000 000 kr for 2016; 12 000 000 kr refused; two years: 26 000 000 kr."""
    event = opened_with("ppss-2016", day=date(2015, 12, 17))
    assert (event.budget_sek, event.period_start, event.period_end, event.policy_version) == (
        13_000_000,
        date(2016, 1, 1),
        date(2016, 12, 31),
        2,
    )
    said = sv_refusal(World(), opening("ppss-2016", budget_sek=12_000_000), date(2015, 12, 17))
    assert "budgeten för 2016 är 13\u00a0000\u00a0000 kr" in said
    assert "”Ytterligare 3 mnkr tillförs arbetet på årsbasis, totalt 13 mnkr”" in said
    assert "inte 12\u00a0000\u00a0000 kr" in said
    two = opened_with("ppss-2016", day=date(2015, 12, 17), period_end=date(2017, 12, 31))
    assert two.budget_sek == 26_000_000


# -- 2018 (seed 002) ------------------------------------------------------------------------


def test_the_2018_dates_are_the_forms_when_none_are_typed() -> None:
    """Applications by 29 December 2017, the final financial report by 30 November 2018."""
    event = opened_with("sst-2018", day=date(2017, 11, 15), budget_sek=13_000_000)
    assert event.application_deadline == date(2017, 12, 29)
    assert {d.code: d.due_on for d in event.deadlines} == {
        "final_financial_report": date(2018, 11, 30)
    }
    assert (event.period_start, event.period_end) == (date(2018, 1, 1), date(2018, 12, 31))


def test_other_2018_dates_are_refused_naming_the_forms() -> None:
    day = date(2017, 11, 15)
    late = sv_refusal(
        World(),
        opening("sst-2018", budget_sek=1, application_deadline=date(2018, 1, 15)),
        day,
    )
    assert late == (
        "omgången bryter mot reglerna: sista dag för ansökan är 2017-12-29 enligt "
        "ansökningsblanketten (”Ansökan ska vara inlämnad senast 29 december 2017”), "
        "inte 2018-01-15"
    )
    final = sv_refusal(
        World(),
        opening(
            "sst-2018",
            budget_sek=1,
            deadlines=(("final_financial_report", date(2018, 12, 15), None),),
        ),
        day,
    )
    assert "ska lämnas senast 2018-11-30" in final
    assert "inte 2018-12-15" in final


def test_the_2018_form_names_no_budget_so_it_must_be_given() -> None:
    """Choice: seed 002 has no round budget; opening without one is refused saying so."""
    said = sv_refusal(World(), opening("sst-2018"), date(2017, 11, 15))
    assert said == "reglerna sst-2018 v2 anger ingen budget: ange omgångens budget i hela kronor"


def _application_2018(
    own: int, costs: tuple[int, ...], applied: int, **more: Any
) -> dict[str, Any]:
    lines = [{"label": "Egen insats", "amount_sek": own, "own_contribution": True}]
    lines += [{"label": f"Kostnad {i}", "amount_sek": c} for i, c in enumerate(costs)]
    return {
        "district": "Skärholmen",
        "school_count": 4,
        "applied_sek": applied,
        "budget_lines": lines,
        "period_start": date(2018, 1, 1),
        "period_end": date(2018, 12, 31),
        "signatures": [
            {"role": "administration_director", "signed_on": date(2017, 12, 27)},
            {"role": "finance_director", "signed_on": date(2017, 12, 28)},
            {"role": "head_of_department", "signed_on": date(2017, 12, 28)},
        ],
        **more,
    }


def _world_2018(version: int = 2) -> World:
    world = World()
    world.run(
        opening(
            "sst-2018",
            policy_version=version,
            budget_sek=13_000_000,
            application_deadline=date(2017, 12, 29),
            period_start=date(2018, 1, 1),
            period_end=date(2018, 12, 31),
            on=date(2017, 11, 15),
        ),
        date(2017, 11, 15),
    )
    return world


def _apply_2018(application: dict[str, Any]) -> Apply:
    return Apply(
        round_id=RID, district="Skärholmen", application=application, on=date(2017, 12, 28)
    )


def test_own_contribution_and_applied_make_the_total_and_the_cost_lines_add_up_to_it() -> None:
    """The issue's case: 100 000 kr own, 1 500 000 kr of costs, 1 400 000 kr applied: taken
    under version 2 (refused under version 1, which rounds pinned to it keep)."""
    form = _application_2018(100_000, (1_300_000, 200_000), 1_400_000)
    assert _world_2018().run(_apply_2018(form), date(2017, 12, 28))
    old = refused(_world_2018(version=1), _apply_2018(form), date(2017, 12, 28))
    assert "budgetraderna summerar till 1\u00a0500\u00a0000 kr" in sv(old.reason)
    # The seed's own form: no own contribution, 1 300 000 + 100 000 = 1 400 000.
    seed = _application_2018(0, (1_300_000, 100_000), 1_400_000, total_budget_sek=1_400_000)
    assert _world_2018().run(_apply_2018(seed), date(2017, 12, 28))


def test_a_budget_that_does_not_add_up_is_refused_saying_how() -> None:
    short = _application_2018(100_000, (1_400_000,), 1_400_000)
    said = sv_refusal(_world_2018(), _apply_2018(short), date(2017, 12, 28))
    assert (
        "budgeten går inte ihop: egen insats 100\u00a0000 kr och sökt belopp "
        "1\u00a0400\u00a0000 kr ger en total budget på 1\u00a0500\u00a0000 kr, "
        "men kostnadsraderna summerar till 1\u00a0400\u00a0000 kr"
    ) in said
    stated = _application_2018(100_000, (1_500_000,), 1_400_000, total_budget_sek=1_400_000)
    said = sv_refusal(_world_2018(), _apply_2018(stated), date(2017, 12, 28))
    assert "den totala budgeten 1\u00a0400\u00a0000 kr är inte egen insats plus sökt belopp" in said


# -- the 2018 application's substance (seed 002's questions) -------------------------------

SUBSTANCE = {
    "target_group": "Elever i åk 4–9 med hög skolfrånvaro",
    "target_group_size": {"low": 50},
    "schools_planned": {"low": 4, "high": 5},
    "pupils_to_reach": {"low": 20, "high": 30},
    "staff_percent": 200,
    "staff_roles": "Två fältassistenter, halvtid var på fyra skolor",
    "pupil_health_link": "En kontaktperson på varje skola mot elevhälsoteamet",
    "open_care_link": "Teamet hör till öppenvården; möten varje vecka",
    "family_work": "Regelbunden kontakt med föräldrarna; föräldrastöd i grupp",
    "steering_group": "Avdelningschef socialtjänst, grundskolechef, enhetschefer",
    "working_group": "Enhetschefer och berörda rektorer",
    "partners": "BUP, civilsamhällets föreningar",
    "plans_next_year": "Teamen läggs i den ordinarie verksamheten 2019",
}


def test_the_forms_substance_is_kept_in_the_application() -> None:
    """Target group, schools, pupils to reach, staff, links, family work, groups, partners,
    plans for 2019: on the event as given."""
    form = _application_2018(0, (1_300_000, 100_000), 1_400_000, substance=SUBSTANCE)
    (recorded,) = _world_2018().run(_apply_2018(form), date(2017, 12, 28))
    event = recorded.event
    assert isinstance(event, ApplicationSubmitted)
    assert event.substance == ApplicationSubstance(
        **{
            **SUBSTANCE,
            "target_group_size": Estimate(low=50),
            "schools_planned": Estimate(low=4, high=5),
            "pupils_to_reach": Estimate(low=20, high=30),
        }
    )
    bad = {**SUBSTANCE, "pupils_to_reach": {"low": 30, "high": 20}}
    refusal = refused(
        _world_2018(),
        _apply_2018(_application_2018(0, (1_400_000,), 1_400_000, substance=bad)),
        date(2017, 12, 28),
    )
    assert refusal.kind == "invalid"


def test_an_application_of_schema_version_1_still_reads() -> None:
    """A v1 application (before the total and the substance) reads as v2 with neither."""
    data = {
        "round_id": "r",
        "project_id": "farsta",
        "district": "Farsta",
        "school_count": 3,
        "applied_sek": 1_134_896,
        "period_start": "2014-01-01",
        "period_end": "2014-12-31",
    }
    event = registry.decode("ApplicationSubmitted", 1, data)
    assert isinstance(event, ApplicationSubmitted)
    assert (event.total_budget_sek, event.substance, event.applied_sek) == (None, None, 1_134_896)
    assert ApplicationSubmitted.schema_version == 2


@pytest.mark.parametrize("name", ["ppss-2014", "ppss-2016", "sst-2018"])
def test_every_version_2_says_in_its_docstring_what_changed(name: str) -> None:
    doc = type(POLICIES[(name, 2)]).__doc__ or ""
    assert "Version 1" in doc


def test_what_was_promised_stands_beside_what_was_delivered_at_t2() -> None:
    """Target group 50, 4–5 schools, 20–30 pupils, 1 400 000 kr applied for; at T2: 48 in
    the target group, 3 schools, 25 pupils reached, a forecast of 1 350 000 kr."""
    form = _application_2018(0, (1_300_000, 100_000), 1_400_000, substance=SUBSTANCE)
    world = _world_2018()
    world.run(_apply_2018(form), date(2017, 12, 28))
    stream = f"project:{RID}:skarholmen"
    empty = promised_and_delivered(fold_project(stream, world.stream(stream)))
    assert [(x.code, x.delivered, x.reached) for x in empty] == [
        ("target_group_size", None, None),
        ("schools", None, None),
        ("pupils_reached", None, None),
        ("spent_and_forecast", None, None),
    ]
    schools = tuple(
        SchoolIndicators(school=name, target_group_size=16, pupils_reached=r)
        for name, r in (("Sätraskolan", 9), ("Bredängsskolan", 8), ("Lillholmsskolan", 8))
    )
    world.given(
        stream,
        FollowUpSubmitted(
            kind="t2",
            period_start=date(2018, 1, 1),
            period_end=date(2018, 8, 31),
            indicators=FollowUpIndicators(target_group_size=48, pupils_reached=25, schools=schools),
        ),
        date(2018, 9, 10),
    )
    world.given(
        stream,
        FinancialReportSubmitted(kind="t2", spent_sek=800_000, forecast_sek=1_350_000),
        date(2018, 9, 10),
    )
    lines = promised_and_delivered(fold_project(stream, world.stream(stream)))
    assert [(x.code, x.promised_low, x.promised_high, x.delivered, x.reached) for x in lines] == [
        ("target_group_size", 50, None, 48, False),
        ("schools", 4, 5, 3, False),
        ("pupils_reached", 20, 30, 25, True),
        ("spent_and_forecast", 1_400_000, None, 1_350_000, False),
    ]


def test_an_application_without_substance_promises_nothing() -> None:
    form = _application_2018(0, (1_400_000,), 1_400_000)
    world = _world_2018()
    world.run(_apply_2018(form), date(2017, 12, 28))
    stream = f"project:{RID}:skarholmen"
    assert promised_and_delivered(fold_project(stream, world.stream(stream))) == ()


def test_a_range_promised_keeps_its_upper_end_and_money_is_marked_as_money() -> None:
    """Target group 40–60 keeps both ends; the money line is money, the counts are not."""
    substance = SUBSTANCE | {"target_group_size": {"low": 40, "high": 60}}
    form = _application_2018(0, (1_400_000,), 1_400_000, substance=substance)
    world = _world_2018()
    world.run(_apply_2018(form), date(2017, 12, 28))
    stream = f"project:{RID}:skarholmen"
    lines = promised_and_delivered(fold_project(stream, world.stream(stream)))
    assert [(x.code, x.promised_low, x.promised_high, x.money) for x in lines] == [
        ("target_group_size", 40, 60, False),
        ("schools", 4, 5, False),
        ("pupils_reached", 20, 30, False),
        ("spent_and_forecast", 1_400_000, None, True),
    ]


def test_substance_without_an_estimate_still_holds_the_district_to_its_money() -> None:
    """The form answered in words only (no number estimated): the money applied for is still
    promised, set beside the T2 forecast."""
    form = _application_2018(
        0, (1_400_000,), 1_400_000, substance={"target_group": "Elever i åk 7–9"}
    )
    world = _world_2018()
    world.run(_apply_2018(form), date(2017, 12, 28))
    stream = f"project:{RID}:skarholmen"
    lines = promised_and_delivered(fold_project(stream, world.stream(stream)))
    assert [(x.code, x.promised_low, x.delivered, x.money) for x in lines] == [
        ("spent_and_forecast", 1_400_000, None, True),
    ]
