"""Tests for the 2014 per-school-with-remainder allocation rule."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.allocation import (
    METHOD_NAME,
    METHOD_VERSION,
    AllocationInputError,
    AllocationResult,
    DistrictRequest,
    allocate,
)

D = DistrictRequest

# Seed 000, "Förslag på fördelning av medel för pilotprojektet", in the published row order.
PUBLISHED_2014 = [
    D("Farsta", 3, 1_134_896),
    D("Skarpnäck", 2, 1_134_896),
    D("Rinkeby-Kista", 4, 3_200_000),
    D("Skärholmen", 2, 1_200_000),
    D("Enskede-Årsta-Vantör", 1, 1_083_656),
    D("Spånga-Tensta", 1, 900_000),
    D("Älvsjö", 1, 650_000),
    D("Hässelby-Vällingby", 2, 2_880_000),
]
PUBLISHED_2014_ALLOCATED = {
    "Farsta": 1_134_896,
    "Skarpnäck": 1_134_896,
    "Rinkeby-Kista": 2_952_604,
    "Skärholmen": 1_200_000,
    "Enskede-Årsta-Vantör": 738_151,
    "Spånga-Tensta": 738_151,
    "Älvsjö": 625_000,
    "Hässelby-Vällingby": 1_476_302,
}
NAMES = [d.name for d in PUBLISHED_2014]


def _unchecked(name: object, schools: object, applied_sek: object) -> DistrictRequest:
    """Builds a request with deliberately ill-typed fields, as untyped callers could."""
    request: DistrictRequest = cast(Any, DistrictRequest)(name, schools, applied_sek)
    return request


def _allocated(result: AllocationResult) -> dict[str, int]:
    return {a.name: a.allocated_sek for a in result.allocations}


def _shares(result: AllocationResult) -> list[int]:
    return [a.share_sek for a in result.allocations]


# --- the published table --------------------------------------------------------------------


def test_published_2014_table_is_reproduced_with_alvsjo_excluded() -> None:
    """The rule reproduces every figure of the table the committee approved in February 2014."""
    result = allocate(10_000_000, PUBLISHED_2014, exclude={"Älvsjö"})

    assert result.per_school_sek == 625_000
    assert result.remainder_sek == 905_208
    assert _allocated(result) == PUBLISHED_2014_ALLOCATED
    assert [a.name for a in result.allocations] == NAMES
    assert result.total_allocated_sek == 10_000_000
    assert result.unallocated_sek == 0


def test_min_excess_of_25_001_reproduces_the_published_table_without_naming_alvsjo() -> None:
    """Leaving out small excesses by threshold gives the same result as excluding Älvsjö by name."""
    by_threshold = allocate(10_000_000, PUBLISHED_2014, min_excess_sek=25_001)

    assert by_threshold == allocate(10_000_000, PUBLISHED_2014, exclude={"Älvsjö"})


def test_excess_equal_to_min_excess_still_gets_a_share() -> None:
    """Only an excess strictly below min_excess_sek is left out of the remainder."""
    result = allocate(10_000_000, PUBLISHED_2014, min_excess_sek=25_000)

    alvsjo = next(a for a in result.allocations if a.name == "Älvsjö")
    assert alvsjo.share_sek == 25_000
    assert result.total_allocated_sek == 10_000_000


def test_to_json_dict_lists_every_figure_in_input_order() -> None:
    """The JSON form carries every figure under stable keys and survives json.dumps unchanged."""
    result = allocate(10_000_000, PUBLISHED_2014, exclude={"Älvsjö"})

    data = result.to_json_dict()

    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "per_school_sek",
        "remainder_sek",
        "allocations",
        "total_allocated_sek",
        "unallocated_sek",
    }
    rows = data["allocations"]
    assert isinstance(rows, list)
    assert rows[2] == {
        "name": "Rinkeby-Kista",
        "schools": 4,
        "applied_sek": 3_200_000,
        "base_sek": 2_500_000,
        "share_sek": 452_604,
        "allocated_sek": 2_952_604,
    }
    assert [row["name"] for row in rows] == NAMES
    assert (METHOD_NAME, METHOD_VERSION) == ("per-school-with-remainder", 1)


# --- caps, rounding and leftovers -----------------------------------------------------------


def test_capped_share_is_redistributed_by_schools_until_nothing_more_fits() -> None:
    """A share above an application is cut to it and the surplus flows on, cascading if needed."""
    # Per school 300; remainder 300 shared 100 each, B is capped at 20, then C at 120 of 140.
    districts = [D("A", 1, 0), D("B", 1, 320), D("C", 1, 420), D("D", 1, 1_300)]

    result = allocate(1_200, districts)

    assert result.remainder_sek == 300
    assert _shares(result) == [0, 20, 120, 160]
    assert [a.allocated_sek for a in result.allocations] == [0, 320, 420, 460]
    assert result.unallocated_sek == 0


def test_surplus_after_a_cap_follows_schools_of_the_remaining_districts() -> None:
    """What a capped district cannot take is split among the rest in proportion to their schools."""
    # Per school 100; remainder 400 over 4 schools would give Small 100, but it asked for 10.
    districts = [D("Empty", 4, 0), D("Small", 1, 110), D("One", 1, 10_000), D("Two", 2, 10_000)]

    result = allocate(800, districts)

    assert result.remainder_sek == 400
    assert _shares(result) == [0, 10, 130, 260]


def test_leftover_krona_goes_to_the_earlier_district_on_a_tie() -> None:
    """Equal fractional parts hand the leftover krona to the district given first."""
    # Per school 3; remainder 1 is a third each, so exactly one district gets the krona.
    districts = [D("A", 1, 100), D("B", 1, 100), D("C", 1, 100)]

    assert _shares(allocate(10, districts)) == [1, 0, 0]
    assert _shares(allocate(10, districts[::-1])) == [1, 0, 0]
    assert _allocated(allocate(10, districts[::-1]))["C"] == 4


def test_tie_goes_to_the_earlier_district_even_when_it_has_fewer_schools() -> None:
    """Equal fractional parts are settled by input order, not by the size of the exact share."""
    # Per school 100; remainder 2 gives One 1/2 and Three 3/2: both fractions are 1/2.
    one, three = D("One", 1, 1_000), D("Three", 3, 1_000)

    assert _shares(allocate(402, [one, three])) == [1, 1]
    assert _shares(allocate(402, [three, one])) == [2, 0]


def test_leftover_krona_goes_to_the_largest_fractional_part_before_input_order() -> None:
    """The largest fractional part wins the leftover krona even when its district comes last."""
    # Per school 3; remainder 2 gives Two 4/3 and One 2/3; One's 2/3 is the larger fraction.
    districts = [D("Two", 2, 100), D("One", 1, 100)]

    result = allocate(11, districts)

    assert result.remainder_sek == 2
    assert _shares(result) == [1, 1]


def test_everyone_capped_leaves_the_rest_unallocated() -> None:
    """Money that would push every eligible district above its application stays unallocated."""
    districts = [D("Modest", 1, 0), D("Keen", 1, 600)]

    result = allocate(1_000, districts)

    assert _shares(result) == [0, 100]
    assert result.unallocated_sek == 400
    assert result.total_allocated_sek == 600


@pytest.mark.parametrize(
    ("districts", "kwargs"),
    [
        pytest.param([D("A", 1, 100), D("B", 2, 500)], {}, id="all-applied-within-per-school"),
        pytest.param([D("A", 1, 100), D("B", 1, 900)], {"exclude": {"B"}}, id="only-one-excluded"),
        pytest.param([D("A", 1, 100), D("B", 1, 900)], {"min_excess_sek": 401}, id="below-min"),
    ],
)
def test_no_eligible_district_leaves_the_remainder_unallocated(
    districts: list[DistrictRequest], kwargs: dict[str, Any]
) -> None:
    """With nobody eligible for a share, the whole remainder is reported as unallocated."""
    result = allocate(1_000, districts, **kwargs)

    assert _shares(result) == [0, 0]
    assert result.remainder_sek > 0
    assert result.unallocated_sek == result.remainder_sek
    assert result.total_allocated_sek + result.unallocated_sek == 1_000


def test_zero_total_allocates_nothing() -> None:
    """A zero budget gives every district zero and leaves nothing unallocated."""
    result = allocate(0, PUBLISHED_2014)

    assert result.per_school_sek == 0
    assert all(a.allocated_sek == 0 for a in result.allocations)
    assert result.unallocated_sek == 0


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "districts", "kwargs", "fragment"),
    [
        pytest.param(-1, [D("A", 1, 1)], {}, "total_sek must not be negative", id="negative-total"),
        pytest.param(1, [D("A", 1, -5)], {}, "applied_sek must not be negative", id="neg-applied"),
        pytest.param(1, [D("A", 1, 1)], {"min_excess_sek": -1}, "min_excess_sek", id="neg-min"),
        pytest.param(1, [D("A", 0, 1)], {}, "schools=0", id="zero-schools"),
        pytest.param(1, [D("A", -2, 1)], {}, "schools=-2", id="negative-schools"),
        pytest.param(1, [_unchecked("A", True, 1)], {}, "schools=True", id="bool-schools"),
        pytest.param(1, [_unchecked("A", 1.0, 1)], {}, "schools=1.0", id="float-schools"),
        pytest.param(1, [D("A", 1, 1), D("A", 2, 1)], {}, "given twice", id="duplicate-name"),
        pytest.param(1, [D("A", 1, 1)], {"exclude": {"Alvsjo"}}, "'Alvsjo'", id="unknown-exclude"),
        pytest.param(1, [D("A", 1, 1)], {"exclude": "A"}, "single string", id="exclude-as-str"),
        pytest.param(1, [], {}, "districts is empty", id="no-districts"),
        pytest.param(1.0, [D("A", 1, 1)], {}, "got float 1.0", id="float-total"),
        pytest.param(True, [D("A", 1, 1)], {}, "got bool True", id="bool-total"),
        pytest.param(1, [_unchecked("A", 1, 2.5)], {}, "got float 2.5", id="float-applied"),
        pytest.param(1, [_unchecked("A", 1, False)], {}, "got bool False", id="bool-applied"),
        pytest.param(1, [D("A", 1, 1)], {"min_excess_sek": 0.5}, "got float", id="float-min"),
        pytest.param(1, [D(" ", 1, 1)], {}, "non-empty district name", id="blank-name"),
        pytest.param(1, [("A", 1, 1)], {}, "expected DistrictRequest", id="not-a-request"),
    ],
)
def test_invalid_input_is_rejected_with_a_one_line_message(
    total: int, districts: list[DistrictRequest], kwargs: dict[str, Any], fragment: str
) -> None:
    """Every malformed input raises AllocationInputError, a ValueError, naming what to fix."""
    with pytest.raises(AllocationInputError) as caught:
        allocate(total, districts, **kwargs)

    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


# --- properties -----------------------------------------------------------------------------

Round = tuple[int, list[DistrictRequest], frozenset[str], int]


@st.composite
def rounds(draw: st.DrawFn) -> Round:
    """Small budgets and applications, so caps, ties and empty remainders all come up often."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=8, unique=True))
    districts = [
        D(name, draw(st.integers(1, 4)), draw(st.integers(0, 3_000) | st.just(0))) for name in names
    ]
    total = draw(st.integers(0, 12_000))
    exclude = frozenset(draw(st.sets(st.sampled_from(names), max_size=2)))
    min_excess = draw(st.just(0) | st.integers(0, 500))
    return total, districts, exclude, min_excess


def _run(case: Round) -> AllocationResult:
    total, districts, exclude, min_excess = case
    return allocate(total, districts, exclude=exclude, min_excess_sek=min_excess)


def _exact_shares(case: Round) -> dict[str, Fraction]:
    """Independent oracle: eligibility, then classic water-filling by excess per school."""
    total, districts, exclude, min_excess = case
    per_school = total // sum(d.schools for d in districts)
    excess = {d.name: d.applied_sek - min(d.applied_sek, per_school * d.schools) for d in districts}
    pool = Fraction(total - sum(d.applied_sek - excess[d.name] for d in districts))
    eligible = [
        d
        for d in districts
        if excess[d.name] > 0 and d.name not in exclude and excess[d.name] >= min_excess
    ]
    shares = {d.name: Fraction(0) for d in districts}
    # Whoever needs the least per school is the first to be capped as the level rises.
    waiting = sorted(eligible, key=lambda d: Fraction(excess[d.name], d.schools))
    weight = sum(d.schools for d in waiting)
    while waiting and Fraction(excess[waiting[0].name], waiting[0].schools) <= pool / weight:
        first = waiting.pop(0)
        shares[first.name] = Fraction(excess[first.name])
        pool -= excess[first.name]
        weight -= first.schools
    for d in waiting:
        shares[d.name] = pool * d.schools / weight
    return shares


def _fraction_part(value: Fraction) -> Fraction:
    return value - (value.numerator // value.denominator)


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_money_is_conserved(case: Round) -> None:
    """Allocated plus unallocated is always the total, and district figures add up to the totals."""
    result = _run(case)

    assert result.total_allocated_sek + result.unallocated_sek == case[0]
    assert sum(a.allocated_sek for a in result.allocations) == result.total_allocated_sek
    assert sum(a.base_sek for a in result.allocations) + result.remainder_sek == case[0]
    assert all(a.allocated_sek == a.base_sek + a.share_sek for a in result.allocations)
    assert result.unallocated_sek >= 0


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_no_district_gets_more_than_it_applied_for(case: Round) -> None:
    """Neither the base nor the share ever lifts a district above its application."""
    result = _run(case)

    for a in result.allocations:
        assert a.share_sek >= 0
        assert 0 <= a.allocated_sek <= a.applied_sek


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_base_never_exceeds_per_school_amount_times_schools(case: Round) -> None:
    """The base is the application cut to the floored per-school amount times the schools."""
    total, districts, _, _ = case
    result = _run(case)

    assert result.per_school_sek == total // sum(d.schools for d in districts)
    for d, a in zip(districts, result.allocations, strict=True):
        assert (a.name, a.schools, a.applied_sek) == (d.name, d.schools, d.applied_sek)
        assert a.base_sek <= result.per_school_sek * a.schools
        assert a.base_sek == min(d.applied_sek, result.per_school_sek * d.schools)


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_shares_are_within_one_krona_of_the_exact_water_fill(case: Round) -> None:
    """Each share is its exact capped proportional share rounded up or down by under one krona."""
    result = _run(case)
    exact = _exact_shares(case)

    for a in result.allocations:
        assert abs(a.share_sek - exact[a.name]) < 1
    assert result.unallocated_sek == result.remainder_sek - sum(exact.values())


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_uncapped_shares_are_proportional_to_schools_within_one_krona(case: Round) -> None:
    """Two districts that both got less than their excess got shares in proportion to schools."""
    result = _run(case)
    uncapped = [a for a in result.allocations if 0 < a.share_sek < a.applied_sek - a.base_sek]

    for a in uncapped:
        for b in uncapped:
            # |a.share/a.schools - b.share/b.schools| < 1/a.schools + 1/b.schools
            assert abs(a.share_sek * b.schools - b.share_sek * a.schools) < a.schools + b.schools
    if uncapped:
        assert result.unallocated_sek == 0


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_unallocated_only_when_nobody_eligible_can_take_more(case: Round) -> None:
    """Money stays unallocated only when every district short of its excess is ineligible."""
    _, _, exclude, min_excess = case
    result = _run(case)

    if result.unallocated_sek > 0:
        for a in result.allocations:
            excess = a.applied_sek - a.base_sek
            if a.share_sek < excess:
                assert a.share_sek == 0
                assert a.name in exclude or excess < min_excess or excess == 0


@settings(max_examples=100, deadline=None)
@given(rounds())
def test_leftover_kronor_go_to_largest_fractional_parts_then_input_order(case: Round) -> None:
    """A district rounded up never has a smaller fraction, or an equal one later, than one not."""
    result = _run(case)
    exact = _exact_shares(case)
    position = {a.name: i for i, a in enumerate(result.allocations)}
    rounded_up = {
        a.name: a.share_sek > exact[a.name] for a in result.allocations if exact[a.name] > 0
    }

    for winner, won in rounded_up.items():
        for loser, lost in rounded_up.items():
            if won and not lost:
                key_winner = (_fraction_part(exact[winner]), -position[winner])
                key_loser = (_fraction_part(exact[loser]), -position[loser])
                assert key_winner > key_loser


@settings(max_examples=100, deadline=None)
@given(rounds(), st.data())
def test_input_order_changes_allocations_only_through_ties(
    case: Round, data: st.DataObject
) -> None:
    """Reordering districts moves at most one krona, and only between equal fractional parts."""
    total, districts, exclude, min_excess = case
    shuffled = data.draw(st.permutations(districts))
    original = _run(case)
    permuted = allocate(total, shuffled, exclude=exclude, min_excess_sek=min_excess)

    assert [a.name for a in permuted.allocations] == [d.name for d in shuffled]
    assert (permuted.per_school_sek, permuted.remainder_sek) == (
        original.per_school_sek,
        original.remainder_sek,
    )
    assert permuted.total_allocated_sek == original.total_allocated_sek
    assert permuted.unallocated_sek == original.unallocated_sek

    before, after = _allocated(original), _allocated(permuted)
    exact = _exact_shares(case)
    groups: dict[Fraction, list[str]] = {}
    for name, share in exact.items():
        groups.setdefault(_fraction_part(share), []).append(name)
    for names in groups.values():
        # A tie group keeps its count of extra kronor; a district with a unique fraction keeps all.
        assert sum(after[n] for n in names) == sum(before[n] for n in names)
        for name in names:
            assert abs(after[name] - before[name]) <= 1
            if len(names) == 1:
                assert after[name] == before[name]


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6), st.integers(0, 50), st.data())
def test_equal_districts_share_leftover_kronor_by_position_only(
    count: int, total_extra: int, data: st.DataObject
) -> None:
    """Identical districts differ by at most one krona, and extra kronor go to the first ones."""
    districts = [D(name, 1, 10_000) for name in NAMES[:count]]
    result = allocate(count * 100 + total_extra, data.draw(st.permutations(districts)))

    shares = _shares(result)
    assert shares == sorted(shares, reverse=True)
    assert max(shares) - min(shares) <= 1
    assert sum(shares) == result.remainder_sek
