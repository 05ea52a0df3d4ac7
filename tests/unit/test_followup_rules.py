"""The follow-up tables pinned cell by cell (database-free): which count is shown, "<5" or
"..", which share, change and cost follows them, at the default threshold and at another one;
the counts refused as impossible with their reasons; terms and the accounts' spending.

A table is read as people read it: one line per row, its labels and every column's text
("-" where nothing is known). Every shown cell's value must be the number its text says and
every other cell must be blank, "<N" (small) or ".." (hidden) with its mark, so a line pins
the values and the marks as well as the texts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from events import FinancialReportSubmitted, YearEndAccountSubmitted
from events.followup import SchoolCounts
from policies.followup import (
    COLUMNS,
    COST_COLUMNS,
    DistrictCost,
    FollowUpTable,
    SchoolTerm,
    analysis,
    by_district,
    by_school,
    by_term,
    problems,
    spent_by_accounts,
    term_key,
    term_span,
)
from policies.indicators import Figure
from policies.reason import Named
from policies.state import fold_project
from tests.unit.said import en
from tests.unit.world import FARSTA, World, applied, opened


def _cell(figure: Figure, threshold: int) -> str:
    if figure.value is not None:
        assert figure.suppressed == ""
        assert float(figure.text.replace(" ", "")) == figure.value, figure
        return figure.text
    assert (figure.text, figure.suppressed) in {
        ("", ""),
        ("..", "hidden"),
        (f"<{threshold}", "small"),
    }, figure
    return figure.text or "-"


def lines(table: FollowUpTable) -> list[str]:
    """Each row as ``labels: cell cell ...`` in the table's column order."""
    assert all(isinstance(row.is_total, bool) for row in table.rows)
    return [
        " ".join(row.labels).strip()
        + ("*" if row.is_total else "")
        + ": "
        + " ".join(_cell(row.figures[key], table.threshold) for key, _, _ in table.columns)
        for row in table.rows
    ]


def _c(school: str, term: str, **counts: Any) -> SchoolCounts:
    return SchoolCounts(school=school, term=term, **counts)


A_VT14 = _c("A-skolan", "VT2014", target_group=40, enrolled=15, enrolled_girls=6,
            enrolled_boys=9, goals_met=6, year9=10, eligible=4, subjects_graded=80,
            subjects_graded_girls=30, subjects_graded_boys=50, subjects_passed=40,
            subjects_passed_girls=18, subjects_passed_boys=22, absence_hours=350,
            baseline_absence_hours=400)  # fmt: skip
A_HT14 = _c("A-skolan", "HT2014", target_group=40, target_group_girls=20, target_group_boys=20,
            enrolled=12, enrolled_girls=5, enrolled_boys=7, supported=6, goals_met=9, year9=10,
            eligible=7, dropouts=0, subjects_graded=90, subjects_graded_girls=40,
            subjects_graded_boys=50, subjects_passed=60, subjects_passed_girls=30,
            subjects_passed_boys=30, absence_hours=300, baseline_absence_hours=400,
            interviewed_start=12, interviewed_six_months=10, positive_six_months=8,
            months_reported=5)  # fmt: skip
B_HT14 = _c("B-skolan", "HT2014", target_group=30, enrolled=20, enrolled_girls=10,
            enrolled_boys=8, goals_met=15, year9=6, eligible=6, dropouts=3,
            subjects_graded=100, subjects_passed=75, absence_hours=500,
            baseline_absence_hours=450, interviewed_six_months=4, positive_six_months=3,
            months_reported=6)  # fmt: skip
C_HT14 = _c("C-skolan", "HT2014", target_group=8, enrolled=4, enrolled_girls=2, enrolled_boys=2,
            absence_hours=30, baseline_absence_hours=60)  # fmt: skip

#: Farsta's A-skolan in two terms (15 enrolled in spring, 12 in autumn), B-skolan in the
#: autumn; Rinkeby's C-skolan (4 enrolled: small) in the autumn.
RECORDS = [
    SchoolTerm("Farsta", "A-skolan", "VT2014", A_VT14),
    SchoolTerm("Farsta", "A-skolan", "HT2014", A_HT14),
    SchoolTerm("Farsta", "B-skolan", "HT2014", B_HT14),
    SchoolTerm("Rinkeby", "C-skolan", "HT2014", C_HT14),
]

# The columns, in order (COLUMNS): target, enrolled, girls, boys, reach %, supported,
# goals met, goals %, year 9, eligible, eligible %, drop-outs, passed %, passed % girls,
# passed % boys, absence, absence 2011-12, change %, interviewed start, interviewed 6 mo,
# positive %, monthly reports; by district then spent, pupils in the round, cost per pupil.


def test_by_school_every_cell_of_the_latest_term() -> None:
    """HT2014 (the latest): C-skolan's 4 enrolled (2 girls, 2 boys) are "<5" and hide
    A-skolan's enrolled and girls with them; shares, hours and their change follow whether
    the pupils they are about are shown; the total adds HT2014 only."""
    table = by_school(RECORDS)
    assert (table.by, table.term, table.threshold, table.columns) == ("school", "HT2014", 5,
                                                                      COLUMNS)  # fmt: skip
    assert lines(table) == [
        "Farsta A-skolan: 40 .. .. 7 .. 6 9 .. 10 7 70.0 0 .. .. 60.0 .. .. .. 12 .. .. 5",
        "Farsta B-skolan: 30 20 .. .. 66.7 - 15 75.0 6 6 100.0 <5 75.0 - - 500 450 +11.1 - <5 .. 6",
        "Rinkeby C-skolan: 8 <5 <5 <5 .. - - .. - - - - - - - .. .. .. - - - -",
        "Total*: 78 36 .. 17 46.2 6 24 66.7 16 13 81.2 <5 71.1 .. 60.0 830 910 -8.8 12 14 78.6 11",
    ]
    assert table.suppressed == 27


def test_by_school_one_named_term_at_another_threshold() -> None:
    """VT2014 named, threshold 3: 4 eligible is shown (not "<3"), one school and its total
    (labelled as asked) agree, the girls' and boys' shares are their own."""
    table = by_school(RECORDS, term="VT2014", threshold=3, total_label="Summa")
    assert (table.by, table.term, table.threshold) == ("school", "VT2014", 3)
    assert lines(table) == [
        "Farsta A-skolan: 40 15 6 9 37.5 - 6 40.0 10 4 40.0 - 50.0 60.0 44.0 350 400 -12.5 - - - -",
        "Summa*: 40 15 6 9 37.5 - 6 40.0 10 4 40.0 - 50.0 60.0 44.0 350 400 -12.5 - - - -",
    ]
    assert table.suppressed == 0


def test_by_term_one_line_a_term_in_time_order() -> None:
    """Spring before autumn; no total; VT2014's 4 eligible is "<5" and its share "..";
    HT2014 is the schools' sum that term."""
    table = by_term(RECORDS[::-1])
    assert (table.by, table.term, table.threshold) == ("term", "", 5)
    assert lines(table) == [
        "VT2014: 40 15 6 9 37.5 - 6 40.0 10 <5 .. - 50.0 60.0 44.0 350 400 -12.5 - - - -",
        "HT2014: 78 36 .. 17 46.2 6 24 66.7 16 13 81.2 <5 71.1 .. 60.0 830 910 -8.8 12 14 78.6 11",
    ]


def test_by_district_with_the_accounts_and_the_pupils_of_the_round() -> None:
    """Per district for HT2014: Rinkeby has no account (it stays, spent unknown), Spånga has
    an account but no school (no line). Pupils in the round: per school the largest term
    (A-skolan's 15 in the spring, not 12), so Farsta 35 and Rinkeby 4 ("<5", hiding
    Farsta's); no cost per pupil over a hidden or small count, none in total without every
    district's account."""
    costs = [DistrictCost("Farsta", 640_000), DistrictCost("Spånga", 10)]
    table = by_district(RECORDS, costs)
    assert (table.by, table.term, table.threshold) == ("district", "HT2014", 5)
    assert table.columns == (*COLUMNS, *COST_COLUMNS)
    assert lines(table) == [
        "Farsta: 70 .. .. .. .. 6 24 .. 16 13 81.2 <5 .. .. .. .. .. .. 12 14 78.6 11 640000 .. ..",
        "Rinkeby: 8 <5 <5 <5 .. - - .. - - - - - - - .. .. .. - - - - - <5 ..",
        "Total*: 78 36 .. 17 46.2 6 24 66.7 16 13 81.2 <5 71.1 .. 60.0 830 910 -8.8 12 14 78.6 11 "
        "- 39 -",
    ]


def test_by_district_cost_per_pupil_at_a_threshold_of_three() -> None:
    """At threshold 3 every district's pupils are shown: 640 000 / 35 = 18 286 kronor,
    90 001 / 4 = 22 500, in total 730 001 / 39 = 18 718 (whole kronor, spaces by thousands)."""
    costs = [DistrictCost("Farsta", 640_000), DistrictCost("Rinkeby", 90_001)]
    table = by_district(RECORDS, costs, threshold=3, total_label="Alla")
    assert table.threshold == 3
    assert lines(table) == [
        "Farsta: 70 32 .. .. 45.7 6 24 75.0 16 13 81.2 3 71.1 .. .. 800 850 -5.9 12 14 78.6 11 "
        "640000 35 18 286",
        "Rinkeby: 8 4 <3 <3 50.0 - - - - - - - - - - 30 60 -50.0 - - - - 90001 4 22 500",
        "Alla*: 78 36 .. 17 46.2 6 24 66.7 16 13 81.2 3 71.1 .. 60.0 830 910 -8.8 12 14 78.6 11 "
        "730001 39 18 718",
    ]


def test_pupils_in_the_round_of_none_enrolled_is_zero_and_costs_nothing_per_pupil() -> None:
    """A district whose school enrolled nobody has 0 pupils in the round (not 1): its cost
    per pupil is "..", never a division by zero."""
    records = [
        SchoolTerm("Farsta", "A-skolan", "HT2014", _c("A-skolan", "HT2014", target_group=10,
                                                      enrolled=0)),
        SchoolTerm("Rinkeby", "C-skolan", "HT2014", _c("C-skolan", "HT2014", target_group=30,
                                                       enrolled=25)),
    ]  # fmt: skip
    table = by_district(records, [DistrictCost("Farsta", 5_000), DistrictCost("Rinkeby", 50_000)])
    pupils = [row.figures["pupils_in_round"] for row in table.rows]
    cost = [row.figures["cost_per_pupil_sek"] for row in table.rows]
    assert [f.text for f in pupils] == ["0", "25", "25"]
    assert cost == [Figure(None, "..", "hidden"), Figure(2000, "2 000"), Figure(2200, "2 200")]
    assert [row.figures["spent_sek"] for row in table.rows] == [
        Figure(5000, "5000"), Figure(50_000, "50000"), Figure(55_000, "55000"),
    ]  # fmt: skip


def test_tables_of_no_record() -> None:
    """Nothing reported: every table empty, by district still with its cost columns."""
    empty = by_district([], [DistrictCost("Farsta", 1)], threshold=7)
    assert (empty.by, empty.term, empty.threshold, empty.rows) == ("district", "", 7, ())
    assert empty.columns == (*COLUMNS, *COST_COLUMNS)
    assert (by_school([]).term, by_school([]).rows, by_school([]).by) == ("", (), "school")


def _analysis_lines(records: list[SchoolTerm], threshold: int) -> list[str]:
    result = analysis(records, [DistrictCost("Farsta", 640_000)], threshold=threshold)
    assert result.threshold == threshold
    return [
        f"{district} {first}-{last}: "
        + " | ".join(" ".join(_cell(f, threshold) for f in triple) for triple in figs.values())
        for district, first, last, figs in result.rows
    ]


C_VT15 = _c("C-skolan", "VT2015", target_group=8, enrolled=6, enrolled_girls=3,
            enrolled_boys=3, subjects_graded=20, subjects_passed=10, absence_hours=20,
            baseline_absence_hours=60)  # fmt: skip


def test_the_analysis_first_and_last_term_per_district() -> None:
    """Per district its first and last term, each share in both and the change in points:
    shown only when both are; ".." when either is suppressed, blank when either is unknown.
    (Order: reach, goals met, eligible, passed, passed girls, passed boys, absence change,
    positive.)"""
    records = [*RECORDS, SchoolTerm("Rinkeby", "C-skolan", "VT2015", C_VT15)]
    assert _analysis_lines(records, 5) == [
        "Farsta VT2014-HT2014: 37.5 45.7 +8.2 | 40.0 75.0 +35.0 | .. 81.2 .. | 50.0 71.1 +21.1"
        " | 60.0 .. .. | 44.0 60.0 +16.0 | -12.5 -5.9 +6.6 | - 78.6 -",
        "Rinkeby HT2014-VT2015: .. 75.0 .. | .. - .. | - - - | - 50.0 - | - - - | - - - "
        "| .. -66.7 .. | - - -",
    ]
    assert _analysis_lines(records, 3) == [
        "Farsta VT2014-HT2014: 37.5 45.7 +8.2 | 40.0 75.0 +35.0 | 40.0 81.2 +41.2 | 50.0 71.1"
        " +21.1 | 60.0 .. .. | 44.0 60.0 +16.0 | -12.5 -5.9 +6.6 | - 78.6 -",
        "Rinkeby HT2014-VT2015: 50.0 75.0 +25.0 | - - - | - - - | - 50.0 - | - - - | - - - "
        "| -50.0 -66.7 -16.7 | - - -",
    ]


def test_the_analysis_of_one_term_has_no_change_and_its_costs_table() -> None:
    """A district with one term: first and last are the same, no change is shown; the
    analysis carries the table by district of the latest term at its threshold."""
    result = analysis(RECORDS[1:], [DistrictCost("Farsta", 640_000)], threshold=3)
    assert [(d, a, b) for d, a, b, _ in result.rows] == [
        ("Farsta", "HT2014", "HT2014"), ("Rinkeby", "HT2014", "HT2014"),
    ]  # fmt: skip
    reach = result.rows[0][3]["reach_percent"]
    assert reach == (Figure(45.7, "45.7"), Figure(45.7, "45.7"), Figure(None, ""))
    costs = result.costs
    assert (costs.by, costs.term, costs.threshold) == ("district", "HT2014", 3)
    assert [r.labels for r in result.costs.rows] == [("Farsta",), ("Rinkeby",), ("Total",)]
    assert result.costs.rows[0].figures["cost_per_pupil_sek"] == Figure(20_000, "20 000")


# -- counts that cannot be -----------------------------------------------------------------


def _problems(**counts: Any) -> dict[str, str]:
    base: dict[str, Any] = {"school": "A-skolan", "term": "HT2014", "target_group": 40,
                            "enrolled": 12}  # fmt: skip
    return {
        field: en(reason) for field, reason in problems(SchoolCounts(**(base | counts))).items()
    }


@pytest.mark.parametrize(
    "counts",
    [
        {"enrolled": 40},  # as many as the target group
        {"enrolled_girls": 12},  # the girls alone as many as the total
        {"enrolled_boys": 12},
        {"enrolled_girls": 5, "enrolled_boys": 7},
        {"goals_met": 12, "dropouts": 12, "year9": 12, "interviewed_start": 12,
         "interviewed_six_months": 12},
        {"year9": 5, "eligible": 5},
        {"eligible": 12},  # no year 9 given: against the enrolled
        {"subjects_graded": 90, "subjects_passed": 90},
        {"interviewed_six_months": 4, "positive_six_months": 4},
        {"positive_six_months": 0},
        {"months_reported": 6},
        {"target_group_girls": 7, "enrolled_girls": 7, "goals_met": 7, "goals_met_girls": 7},
    ],
)  # fmt: skip
def test_a_count_equal_to_its_whole_is_plausible(counts: dict[str, Any]) -> None:
    """Every bound is "not more than": a part equal to its whole is taken."""
    assert _problems(**counts) == {}


def test_each_impossible_count_with_its_reason() -> None:
    """Each field refused with the numbers and the whole it is measured against."""
    assert _problems(enrolled=41) == {
        "enrolled": "41 pupils enrolled at A-skolan are more than the target group (40)"
    }
    assert _problems(eligible=13) == {
        "eligible": "Of them eligible for upper secondary school: 13 is more than 12 "
        "(Pupils enrolled (receiving the intervention))"
    }
    assert _problems(year9=5, eligible=6) == {
        "eligible": "Of them eligible for upper secondary school: 6 is more than 5 "
        "(Enrolled pupils in year 9)"
    }
    assert _problems(enrolled_girls=8, year9_girls=5, eligible_girls=6) == {
        "eligible_girls": "Eligible for upper secondary school, girls: 6 is more than 5 "
        "(In year 9, girls)",
        "year9": "Enrolled pupils in year 9: fill in the total when girls or boys are filled in",
        "eligible": "Of them eligible for upper secondary school: fill in the total when "
        "girls or boys are filled in",
    }
    assert _problems(positive_six_months=1) == {
        "positive_six_months": "Of them finding the intervention positive: 1 is more than 0 "
        "(Participants interviewed after six months)"
    }
    assert _problems(interviewed_six_months=4, positive_six_months=3) == {}
    assert _problems(interviewed_six_months=13) == {
        "interviewed_six_months": "Participants interviewed after six months: 13 is more "
        "than 12 (Pupils enrolled (receiving the intervention))"
    }
    assert _problems(months_reported=7) == {
        "months_reported": "7 monthly reports in one term: at most 6"
    }


def test_girls_and_boys_above_their_total_are_said_beside_the_one_given() -> None:
    """Only boys given, above the total: said beside the boys' field, with the sum."""
    assert _problems(enrolled_boys=13) == {
        "enrolled_boys": "girls and boys (13) are more than the total (12): Pupils enrolled "
        "(receiving the intervention)"
    }
    assert _problems(enrolled_girls=13) == {
        "enrolled_girls": "girls and boys (13) are more than the total (12): Pupils enrolled "
        "(receiving the intervention)"
    }
    assert _problems(enrolled_girls=6, enrolled_boys=7) == {
        "enrolled_girls": "girls and boys (13) are more than the total (12): Pupils enrolled "
        "(receiving the intervention)"
    }


def test_a_reason_names_its_measure_as_a_measure() -> None:
    """The field a reason is about is named by its catalogue label, of kind "measure"."""
    found = problems(_c("A-skolan", "HT2014", target_group=40, enrolled=12, goals_met_boys=3,
                        months_reported=9, dropouts=13))  # fmt: skip
    assert found["goals_met"]["measure"] == Named(
        "measure", "Enrolled pupils who met their knowledge goals"
    )
    assert found["dropouts"]["whole"] == Named(
        "measure", "Pupils enrolled (receiving the intervention)"
    )
    assert (found["dropouts"]["value"], found["dropouts"]["count"]) == (13, 12)
    assert (found["months_reported"]["months"], found["months_reported"]["most"]) == (9, 6)


# -- terms and the accounts ----------------------------------------------------------------


def test_terms_span_their_days_and_sort_spring_first() -> None:
    """Autumn 1 August to 31 December; spring 1 January to 30 June; VT before HT."""
    assert term_span("HT2014") == (date(2014, 8, 1), date(2014, 12, 31))
    assert term_span("VT2014") == (date(2014, 1, 1), date(2014, 6, 30))
    assert sorted(["HT2015", "VT2015", "HT2014", "VT2014"], key=term_key) == [
        "VT2014", "HT2014", "VT2015", "HT2015",
    ]  # fmt: skip


def test_the_accounts_spent_the_final_report_before_the_t2_one() -> None:
    """Without a year-end account: the final financial report's spending, not T2's; none
    before any report."""
    world = World()
    opened(world)
    applied(world, "Farsta")
    assert spent_by_accounts(fold_project(FARSTA, world.stream(FARSTA))) is None
    t2 = FinancialReportSubmitted(kind="t2", spent_sek=300_000, forecast_sek=600_000)
    world.given(FARSTA, t2, date(2014, 9, 1))
    final = FinancialReportSubmitted(kind="final", spent_sek=610_000, forecast_sek=610_000)
    world.given(FARSTA, final, date(2015, 1, 10))
    assert spent_by_accounts(fold_project(FARSTA, world.stream(FARSTA))) == 610_000
    account = YearEndAccountSubmitted(spent_sek=640_000, cost_description="Lön")
    world.given(FARSTA, account, date(2015, 1, 20))
    assert spent_by_accounts(fold_project(FARSTA, world.stream(FARSTA))) == 640_000


def test_enrolled_without_girls_and_boys_is_still_counted_and_protected() -> None:
    """A school that gives only its total (or only its boys, or enrolled none) keeps its
    total; girls and boys not given stay blank and count as 0 in the total's girls and boys
    (the rest is "neither or not known"), so nothing small is made up."""
    records = [
        SchoolTerm("Farsta", "A-skolan", "HT2014", _c("A-skolan", "HT2014", target_group=30,
                                                      enrolled=12)),
        SchoolTerm("Farsta", "B-skolan", "HT2014", _c("B-skolan", "HT2014", target_group=30,
                                                      enrolled=15, enrolled_boys=9)),
        SchoolTerm("Farsta", "D-skolan", "HT2014", _c("D-skolan", "HT2014", target_group=10,
                                                      enrolled=0)),
        SchoolTerm("Farsta", "E-skolan", "HT2014", _c("E-skolan", "HT2014", target_group=30,
                                                      enrolled=20, enrolled_girls=10,
                                                      enrolled_boys=10)),
    ]  # fmt: skip
    table = by_school(records)
    assert [
        " ".join(_cell(row.figures[k], 5) for k in ("enrolled", "enrolled_girls", "enrolled_boys"))
        for row in table.rows
    ] == ["12 - -", "15 - 9", "0 - -", "20 10 10", "47 10 19"]
    assert table.suppressed == 0


def test_a_share_needs_both_its_counts_and_its_pupils_shown() -> None:
    """At threshold 3: 4 girls are enough for their share of subjects passed (5 of 10); a
    share of nothing graded, or of graded with no passed given, is not known (blank)."""
    records = [
        SchoolTerm("Farsta", "A-skolan", "HT2014", _c("A-skolan", "HT2014", target_group=30,
                   enrolled=10, enrolled_girls=4, enrolled_boys=6, subjects_graded=30,
                   subjects_graded_girls=10, subjects_passed_girls=5)),
        SchoolTerm("Farsta", "B-skolan", "HT2014", _c("B-skolan", "HT2014", target_group=30,
                   enrolled=10, subjects_graded=0, subjects_passed=0)),
    ]  # fmt: skip
    table = by_school(records, threshold=3)
    assert [
        " ".join(_cell(row.figures[f"subjects_passed_percent{suffix}"], 3)
                 for suffix in ("", "_girls", "_boys"))
        for row in table.rows[:2]
    ] == ["- 50.0 -", "- - -"]  # fmt: skip


def test_a_ratio_over_a_shown_count_below_the_threshold_or_zero_is_hidden() -> None:
    """At threshold 3: 3 eligible of 4 in year 9 is 75.0 (4 is enough at 3); of 0 enrolled
    no share is made, whatever the threshold (".." rather than a division by zero)."""
    records = [
        SchoolTerm("Farsta", "A-skolan", "HT2014", _c("A-skolan", "HT2014", target_group=30,
                   enrolled=10, goals_met=4, year9=4, eligible=3)),
        SchoolTerm("Farsta", "D-skolan", "HT2014", _c("D-skolan", "HT2014", target_group=0,
                   enrolled=0, goals_met=0, year9=0, eligible=0)),
    ]  # fmt: skip
    table = by_school(records, threshold=3)
    assert [
        " ".join(_cell(row.figures[k], 3) for k in ("reach_percent", "goals_met_percent",
                                                     "eligible_percent"))
        for row in table.rows
    ] == ["33.3 40.0 75.0", ".. .. ..", "33.3 40.0 75.0"]  # fmt: skip


def test_the_change_in_absence_needs_both_hours_and_is_rounded_once() -> None:
    """A baseline without this term's hours gives no change (blank); 100 449 hours against
    100 000 is +0.4 % (rounded once to one decimal, never +0.45 rounded again to +0.5)."""
    records = [
        SchoolTerm("Farsta", "A-skolan", "HT2014", _c("A-skolan", "HT2014", target_group=30,
                   enrolled=10, baseline_absence_hours=400)),
        SchoolTerm("Farsta", "B-skolan", "HT2014", _c("B-skolan", "HT2014", target_group=30,
                   enrolled=10, absence_hours=100_449, baseline_absence_hours=100_000)),
    ]  # fmt: skip
    table = by_school(records)
    assert [_cell(row.figures["absence_change_percent"], 5) for row in table.rows[:2]] == [
        "-", "+0.4",
    ]  # fmt: skip
