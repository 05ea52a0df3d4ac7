"""The follow-up per school, term and gender (seed 001, seed 004), without a database: what is
recorded, the counts refused as impossible, the tables by school, term and district with
small numbers suppressed, and the closing comparison."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import FinancialReportSubmitted, YearEndAccountSubmitted
from events.followup import SchoolCounts
from policies.commands import RecordSchoolFollowUp
from policies.followup import (
    DistrictCost,
    SchoolTerm,
    analysis,
    by_district,
    by_school,
    by_term,
    problems,
    term_span,
)
from policies.indicators import DistrictFigures, indicator_report
from policies.state import fold_project
from ppss_workflow.words import say
from tests.unit.world import FARSTA, RID, TODAY, World, applied, opened, refused, types_of


def _cmd(**counts: Any) -> RecordSchoolFollowUp:
    base: dict[str, Any] = {
        "round_id": RID,
        "district": "Farsta",
        "school": "Farstaskolan",
        "term": "HT2014",
        "target_group": 40,
        "enrolled": 12,
    }
    return RecordSchoolFollowUp(**(base | counts))


def _world() -> World:
    world = World()
    opened(world)
    applied(world, "Farsta")
    return world


def test_a_school_term_is_recorded_and_folded_as_the_latest() -> None:
    """The counts are recorded on the project; a correction for the same school and term
    replaces the earlier one; the same counts again are "already recorded"."""
    world = _world()
    assert types_of(world.run(_cmd(enrolled_girls=5, enrolled_boys=7), TODAY)) == [
        "SchoolFollowUpRecorded"
    ]
    world.run(_cmd(enrolled=13), TODAY)
    state = fold_project(FARSTA, world.stream(FARSTA))
    latest = state.school_follow_ups[("farstaskolan", "HT2014")].event
    assert latest.enrolled == 13
    assert world.decide(_cmd(enrolled=13), TODAY).already is not None


def test_reached_above_the_target_group_is_refused_beside_the_field() -> None:
    """35 of 20 pupils reached: refused, naming the field and the numbers, in Swedish."""
    found = problems(_cmd(target_group=20, enrolled=35))
    assert list(found) == ["enrolled"]
    assert say(found["enrolled"]) == (
        "35 inskrivna elever i Farstaskolan är fler än målgruppen (20)"
    )
    why = refused(_world(), _cmd(target_group=20, enrolled=35))
    assert why.reason == found["enrolled"]
    assert _cmd(target_group=20, enrolled=35).field_problems() == found  # a form says it
    assert _cmd().field_problems() == {}


def test_girls_and_boys_above_their_total_are_refused() -> None:
    """Girls + boys above the total: said beside the girls' field; below it is plausible
    (pupils recorded as neither)."""
    found = problems(_cmd(enrolled_girls=8, enrolled_boys=6))
    assert list(found) == ["enrolled_girls"]
    said = say(found["enrolled_girls"])
    assert "14" in said
    assert "12" in said
    assert problems(_cmd(enrolled_girls=5, enrolled_boys=6)) == {}
    assert list(problems(_cmd(target_group_girls=10, enrolled_girls=11))) == ["enrolled_girls"]


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ({"goals_met": 13}, "goals_met"),
        ({"dropouts": 13}, "dropouts"),
        ({"year9": 5, "eligible": 6}, "eligible"),
        ({"subjects_graded": 100, "subjects_passed": 101}, "subjects_passed"),
        ({"interviewed_six_months": 4, "positive_six_months": 5}, "positive_six_months"),
        ({"interviewed_start": 13}, "interviewed_start"),
        ({"months_reported": 7}, "months_reported"),
        ({"goals_met_girls": 3}, "goals_met"),
        ({"enrolled_girls": 5, "subjects_graded_girls": 10, "subjects_passed_girls": 11},
         "subjects_passed_girls"),
    ],
)  # fmt: skip
def test_a_part_above_its_whole_is_refused(counts: dict[str, Any], field: str) -> None:
    """Each count that is part of another may not exceed it; a gendered count needs its
    total; a term has at most six monthly reports."""
    found = problems(_cmd(**counts))
    assert field in found
    assert say(found[field])
    assert "_" not in say(found[field])


def test_a_term_outside_the_round_or_not_begun_is_refused() -> None:
    """The 2014 round takes VT2014 and HT2014; HT2015 is outside it; HT2014 is not taken in
    July 2014."""
    world = _world()
    assert refused(world, _cmd(term="HT2015")).reason is not None
    assert refused(world, _cmd(term="HT2014"), today=date(2014, 7, 31)).reason is not None
    assert term_span("VT2015") == (date(2015, 1, 1), date(2015, 6, 30))


def _counts(school: str, term: str, **counts: Any) -> SchoolCounts:
    base: dict[str, Any] = {"school": school, "term": term, "target_group": 40, "enrolled": 12}
    return SchoolCounts(**(base | counts))


RECORDS = [
    SchoolTerm("Farsta", "A-skolan", "VT2014", _counts("A-skolan", "VT2014", enrolled=10,
               enrolled_girls=4, enrolled_boys=6, subjects_graded=80, subjects_passed=40)),
    SchoolTerm("Farsta", "A-skolan", "HT2014", _counts("A-skolan", "HT2014", enrolled=12,
               enrolled_girls=5, enrolled_boys=7, subjects_graded=90, subjects_passed=60)),
    SchoolTerm("Farsta", "B-skolan", "HT2014", _counts("B-skolan", "HT2014", enrolled=20,
               enrolled_girls=10, enrolled_boys=10, dropouts=2)),
    SchoolTerm("Skärholmen", "C-skolan", "HT2014", _counts("C-skolan", "HT2014",
               enrolled=15, enrolled_girls=7, enrolled_boys=8, dropouts=6)),
]  # fmt: skip


def test_by_school_is_one_term_with_small_numbers_suppressed() -> None:
    """By school: the latest term only, its total adds only that term; a girls' count of 4
    is "<5" and another cell is hidden so it cannot be worked out."""
    table = by_school(RECORDS)
    assert table.term == "HT2014"
    assert [r.labels for r in table.rows] == [
        ("Farsta", "A-skolan"), ("Farsta", "B-skolan"), ("Skärholmen", "C-skolan"), ("", "Total"),
    ]  # fmt: skip
    total = table.rows[-1].figures
    assert total["enrolled"].value == 12 + 20 + 15  # HT2014 only, never VT2014's 10
    assert table.rows[1].figures["dropouts"].text == "<5"
    hidden = [r.figures["dropouts"].suppressed for r in table.rows]
    assert hidden.count("hidden") >= 1  # complementary: 2 = total - 6 is not shown
    spring = by_school(RECORDS, term="VT2014")
    assert spring.rows[0].figures["enrolled_girls"].text == "<5"
    # one school: the total's girls would be the school's; the rest (neither) moves with it
    assert spring.rows[-1].figures["enrolled_girls"].text == "<5"
    assert spring.rows[-1].figures["enrolled"].value == 10


def test_by_term_never_adds_terms_together() -> None:
    """By term: one line a term, each the sum of that term's schools; no line adds terms."""
    table = by_term(RECORDS)
    assert [r.labels for r in table.rows] == [("VT2014",), ("HT2014",)]
    assert not any(r.is_total for r in table.rows)
    assert table.rows[1].figures["enrolled"].value == 47
    assert table.rows[0].figures["subjects_passed_percent"].text == "50.0"


def test_by_district_cost_per_pupil_comes_from_the_accounts() -> None:
    """Cost per pupil: what the accounts say was spent over the pupils enrolled in the round
    (per school the largest term), not a typed figure."""
    table = by_district(
        RECORDS, [DistrictCost("Farsta", 640_000), DistrictCost("Skärholmen", None)]
    )
    farsta = table.rows[0].figures
    assert farsta["pupils_in_round"].value == 12 + 20
    assert farsta["cost_per_pupil_sek"].value == 20_000
    assert table.rows[1].figures["cost_per_pupil_sek"].value is None
    assert table.rows[-1].figures["spent_sek"].value is None  # a district has no account


def test_the_analysis_compares_first_and_last_term() -> None:
    """The closing analysis: subjects passed 50.0 % in VT2014 and 66.7 % in HT2014 at
    Farsta's schools (HT2014 has B-skolan too), the change in points."""
    result = analysis(RECORDS, [DistrictCost("Farsta", 640_000)])
    district, first, last, figures = result.rows[0]
    assert (district, first, last) == ("Farsta", "VT2014", "HT2014")
    before, after, change = figures["subjects_passed_percent"]
    assert (before.text, after.text, change.text) == ("50.0", "66.7", "+16.7")


def test_the_indicator_total_adds_no_follow_ups_of_different_periods() -> None:
    """An annual follow-up and a T2 follow-up of another period are totalled apart."""
    from events.reporting import FollowUpIndicators  # noqa: PLC0415

    def fig(reached: int) -> FollowUpIndicators:
        return FollowUpIndicators(target_group_size=40, pupils_reached=reached)

    report = indicator_report(
        RID,
        [
            DistrictFigures("Farsta", "annual", fig(20), date(2014, 1, 1), date(2014, 12, 31)),
            DistrictFigures("Rinkeby", "t2", fig(30), date(2014, 1, 1), date(2014, 6, 30)),
            DistrictFigures("Skärholmen", "annual", fig(10), date(2014, 1, 1), date(2014, 12, 31)),
        ],
    )
    totals = [r for r in report.rows if r.is_total]
    assert len(totals) == 2
    assert sorted(t.figures["reached"].value or 0 for t in totals) == [30, 30]
    assert all(r.figures["reached"].value != 60 for r in report.rows)


def test_a_count_from_the_accounts_reads_the_year_end_account_first() -> None:
    """The year-end account's spending, else the latest financial report's."""
    from policies.followup import spent_by_accounts  # noqa: PLC0415

    world = _world()
    report = FinancialReportSubmitted(kind="t2", spent_sek=300_000, forecast_sek=600_000)
    world.given(FARSTA, report, date(2014, 9, 1))
    assert spent_by_accounts(fold_project(FARSTA, world.stream(FARSTA))) == 300_000
    account = YearEndAccountSubmitted(spent_sek=640_000, cost_description="Lön")
    world.given(FARSTA, account, date(2015, 1, 20))
    assert spent_by_accounts(fold_project(FARSTA, world.stream(FARSTA))) == 640_000


def test_a_round_with_no_school_follow_up_gives_empty_tables() -> None:
    """No school has reported yet: every table is empty, none fails."""
    costs = [DistrictCost("Farsta", 100_000)]
    assert by_school([]).rows == ()
    assert by_term([]).rows == ()
    assert by_district([], costs).rows == ()
    assert analysis([], costs).rows == ()


def test_a_district_follow_up_reaching_more_than_its_target_group_is_refused() -> None:
    """35 of 20 pupils reached (issue 21), for the project or one of its schools: refused."""
    from policies.commands import SubmitFollowUp  # noqa: PLC0415

    def follow_up(**indicators: Any) -> SubmitFollowUp:
        return SubmitFollowUp(round_id=RID, district="Farsta", kind="annual",
                              indicators=indicators)  # fmt: skip

    world = _world()
    why = refused(world, follow_up(target_group_size=20, pupils_reached=35))
    assert say(why.reason) == "35 nådda elever i Farsta är fler än målgruppen (20)"
    school = {"school": "A", "target_group_size": 4, "pupils_reached": 6}
    other = {"school": "B", "target_group_size": 16, "pupils_reached": 4}
    why = refused(world, follow_up(target_group_size=20, pupils_reached=10,
                                   schools=(school, other)))  # fmt: skip
    assert say(why.reason) == "6 nådda elever i A är fler än målgruppen (4)"
    assert types_of(world.run(follow_up(target_group_size=20, pupils_reached=20), TODAY))
