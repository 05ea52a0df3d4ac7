"""Small-number suppression: nothing suppressed can be worked out from what is shown.

The attacker reads every shown number, every "<5" (so the cell is 1..4) and every "..", and
solves the row and column total equations by brute force: a suppressed cell is *recovered*
when every table agreeing with what is shown has the same value there. For speed the search
only tries hidden values within 2 of the true one: fewer candidate tables, so a stricter test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.disclosure import Mark, Protected, protect, protect_column, share_shown

Grid = list[list[int]]


def _candidates(p: Protected, r: int, c: int) -> range:
    value, mark = p.cells[r][c], p.marks[r][c]
    if mark is Mark.shown:
        return range(value, value + 1)
    if mark is Mark.small:
        return range(1, p.threshold)
    return range(max(0, value - 2), value + 3)


def _consistent(p: Protected, grid: Grid, r: int, c: int) -> bool:
    """The equations that end at (r, c) hold (rows and columns are filled in order)."""
    n_cols = len(grid[0])
    n_rows = len(grid)
    if p.row_totals and c == n_cols - 1 and sum(grid[r][:-1]) != grid[r][-1]:
        return False
    if p.column_totals and r == n_rows - 1:
        return sum(grid[x][c] for x in range(n_rows - 1)) == grid[r][c]
    return True


def _tables(p: Protected) -> Iterator[Grid]:
    """Every table that agrees with what ``p`` shows (within the search window)."""
    n_rows, n_cols = len(p.cells), len(p.cells[0])
    grid = [[0] * n_cols for _ in range(n_rows)]
    order = [(r, c) for r in range(n_rows) for c in range(n_cols)]

    def fill(i: int) -> Iterator[Grid]:
        if i == len(order):
            yield grid
            return
        r, c = order[i]
        for value in _candidates(p, r, c):
            grid[r][c] = value
            if _consistent(p, grid, r, c):
                yield from fill(i + 1)

    yield from fill(0)


def recovered(p: Protected) -> list[tuple[int, int]]:
    """The suppressed cells whose value every agreeing table shares."""
    hidden = [
        (r, c)
        for r, line in enumerate(p.marks)
        for c, mark in enumerate(line)
        if mark is not Mark.shown
    ]
    seen: dict[tuple[int, int], set[int]] = {cell: set() for cell in hidden}
    for table in _tables(p):
        for r, c in hidden:
            seen[(r, c)].add(table[r][c])
        if all(len(values) > 1 for values in seen.values()):
            return []
    return [cell for cell, values in seen.items() if len(values) < 2]


def _withheld_alternatives_exist(p: Protected) -> bool:
    """A withheld table shows nothing but its shape: doubling every count, or adding one to a
    zero cell and to its totals, gives another table for every cell."""
    values = [v for line in p.cells for v in line]
    doubled = [2 * v for v in values]
    return all(v != w or v == 0 for v, w in zip(values, doubled, strict=True))


counts = st.one_of(st.integers(0, 6), st.integers(0, 40))
tables = st.integers(1, 3).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda cols: st.lists(
            st.lists(counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows
        )
    )
)
REACHED: Counter[str] = Counter()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=tables,
    row_totals=st.booleans(),
    column_totals=st.booleans(),
    threshold=st.sampled_from([3, 5]),
)
def test_no_suppressed_count_can_be_recovered_from_what_is_shown(
    table: Grid, row_totals: bool, column_totals: bool, threshold: int
) -> None:
    p = protect(table, row_totals=row_totals, column_totals=column_totals, threshold=threshold)
    values = [v for line in p.cells for v in line]
    flat = list(zip(values, [m for line in p.marks for m in line], strict=True))
    if p.withheld:
        REACHED["withheld"] += 1
        assert all(m is Mark.hidden for _, m in flat)
        assert _withheld_alternatives_exist(p)
        return
    # The rule itself: a small count is never shown, anything else only when safe.
    for v, m in flat:
        assert (m is Mark.small) == (0 < v < threshold)
    if any(m is Mark.small for _, m in flat):
        REACHED["suppressed"] += 1
    if any(m is Mark.hidden for _, m in flat):
        REACHED["complementary"] += 1
    assert recovered(p) == []


def test_the_property_reached_the_interesting_cases() -> None:
    # Runs after the property (file order, -p no:randomly or not: it reruns it if need be).
    if REACHED["suppressed"] == 0:
        test_no_suppressed_count_can_be_recovered_from_what_is_shown()
    assert REACHED["suppressed"] >= 50, REACHED
    assert REACHED["complementary"] >= 30, REACHED


def test_a_single_small_district_is_hidden_with_the_next_smallest() -> None:
    p = protect_column([12, 3, 7, 30])
    assert [p.text(r, 0) for r in range(5)] == ["12", "<5", "..", "30", "52"]
    assert recovered(p) == []


def test_the_attacker_would_win_without_complementary_suppression() -> None:
    """The test's solver is not toothless: a lone "<5" under a shown total is solved."""
    naive = Protected(
        cells=((12,), (3,), (7,), (22,)),
        marks=((Mark.shown,), (Mark.small,), (Mark.shown,), (Mark.shown,)),
        threshold=5,
        row_totals=False,
        column_totals=True,
    )
    assert recovered(naive) == [(1, 0)]
    two_small = Protected(
        cells=((1,), (1,), (9,), (11,)),
        marks=((Mark.small,), (Mark.small,), (Mark.shown,), (Mark.shown,)),
        threshold=5,
        row_totals=False,
        column_totals=True,
    )
    assert sorted(recovered(two_small)) == [(0, 0), (1, 0)]  # 1 + 1 = 2: both are 1


def test_two_small_counts_that_would_give_each_other_away_get_a_third_cell() -> None:
    p = protect_column([1, 1, 9])
    assert p.text(2, 0) == ".." or p.text(3, 0) == ".."
    assert recovered(p) == []


def test_zero_is_shown_and_nothing_small_means_nothing_hidden() -> None:
    p = protect([[0, 12], [7, 9]])
    assert p.suppressed == 0
    assert p.text(2, 2) == "28"


def test_shares_need_a_denominator_of_at_least_the_threshold() -> None:
    assert not share_shown(4)
    assert not share_shown(None)
    assert share_shown(5)
    assert not share_shown(6, threshold=7)


@pytest.mark.parametrize("bad", [[[-1]], [[1, 2], [3]], [[]], []])
def test_a_table_that_is_not_a_table_of_counts_is_refused(bad: Grid) -> None:
    with pytest.raises(
        ValueError,
        match=r"^(counts are never negative|a table needs at least one row and column, all "
        r"rows as wide)$",
    ):
        protect(bad)


def test_a_threshold_below_three_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^the threshold must be at least 3 \(a '<2' cell "):
        protect([[1]], threshold=2)


def test_a_column_has_only_its_total_line_and_takes_the_threshold_given() -> None:
    """One count per line and their total last, no row totals; at threshold 3 a 4 is shown,
    at 10 a 9 is "<10" with the next-smallest hidden; value() is the number or None."""
    low = protect_column([4, 12, 2], threshold=3)
    assert low.cells == ((4,), (12,), (2,), (18,))
    assert (low.row_totals, low.column_totals, low.threshold) == (False, True, 3)
    apart = protect_column([4, 12], threshold=3, total=False)  # lines of different periods
    assert (apart.cells, apart.row_totals, apart.column_totals) == (((4,), (12,)), False, False)
    assert [line[0] for line in low.marks] == [Mark.hidden, Mark.shown, Mark.small, Mark.shown]
    assert [low.value(r, 0) for r in range(4)] == [None, 12, None, 18]
    assert [low.text(r, 0) for r in range(4)] == ["..", "12", "<3", "18"]
    high = protect_column([9, 30, 12], threshold=10)
    assert [high.text(r, 0) for r in range(4)] == ["<10", "30", "..", "51"]
    assert [high.value(r, 0) for r in range(4)] == [None, 30, None, 51]


def _marks(p: Protected) -> list[str]:
    """Each line of marks: "." shown, "s" small ("<5"), "h" hidden."""
    code = {Mark.shown: ".", Mark.small: "s", Mark.hidden: "h"}
    return ["".join(code[m] for m in line) for line in p.marks]


@pytest.mark.parametrize(
    ("table", "totals", "marks", "withheld"),
    [
        # the cheapest rectangle: the next-smallest inner cells, totals only when needed
        ([[12, 3, 7], [20, 15, 9], [8, 30, 2]], (True, True),
         ["hsh.", ".hh.", "h.s.", "...."], False),
        # four small cells cannot move by one among themselves: their totals hide too
        ([[4, 4], [4, 4]], (True, True), ["ssh", "ssh", "hhh"], False),
        # rows with their totals only: the next-smallest in the row
        ([[6, 3], [9, 10]], (True, False), ["hs.", "..."], False),
        ([[3, 8, 9]], (True, False), ["sh..", ], False),
        # a small count and its total of the same size protect each other
        ([[3, 0]], (True, False), ["s.s"], False),
        # no rectangle keeps every count whole and every "<5" small: nothing is shown
        ([[1, 2], [1, 0]], (True, True), ["hhh", "hhh", "hhh"], True),
        # no totals at all: nothing to work a small count out from
        ([[2, 9]], (False, False), ["s."], False),
        # a total moves with its count (1 and its total 1 become 2 and 2), never against it
        ([[1, 0]], (True, False), ["s.s"], False),
        ([[1], [0]], (False, True), ["s", ".", "s"], False),
        # column totals only: the next-smallest in the column, never across the row
        ([[3, 9], [8, 20]], (False, True), ["s.", "h.", ".."], False),
        # two candidates as cheap: the first, and no total
        ([[3], [6], [6]], (False, True), ["s", "h", ".", "."], False),
        # moves as cheap (0 hidden, through a zero): the one hiding fewest totals, here
        # none, so the zero and its total stay shown
        ([[0, 3]], (True, True), [".ss", ".ss"], False),
        # as cheap and neither hiding a total: the first, which hides the two zeros
        ([[0, 2, 0, 5], [1, 0, 1, 6]], (False, True), ["hsh.", "s.s.", "sss."], False),
    ],
)  # fmt: skip
def test_which_cells_are_hidden(
    table: Grid, totals: tuple[bool, bool], marks: list[str], withheld: bool
) -> None:
    p = protect(table, row_totals=totals[0], column_totals=totals[1])
    assert (_marks(p), p.withheld) == (marks, withheld)
    assert recovered(p) == []
