"""Small-number suppression: what of a table of counts may be shown without exposing a pupil.

Pure: no I/O. Choice: no document sets a threshold; 5 follows public-sector statistics
practice. The rule (a setting, ``threshold``, 5 by default):

* a count between 1 and ``threshold - 1`` is shown as ``"<5"`` (primary suppression);
* a share whose denominator is below ``threshold`` is not shown (:func:`share_shown`);
* complementary suppression: a suppressed cell must not be recoverable from what is shown,
  the row and column totals included. Every primary cell is protected by a *rectangle* of
  hidden cells (two rows by two columns of the table with its totals; two cells of one column
  when rows have no published totals) along which the values can move by one without any
  shown number, total or ``"<5"`` changing. The next-smallest cells make the rectangle (a
  total only when nothing cheaper will do); a table where no rectangle exists is withheld.

So whoever reads the table sees at least two different tables that agree with everything
shown, and they differ in every hidden cell: none can be solved for (``tests/unit/
test_disclosure.py`` solves the total equations by brute force to prove it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import product

__all__ = [
    "DEFAULT_THRESHOLD",
    "Mark",
    "Protected",
    "protect",
    "protect_column",
    "share_shown",
]

#: Counts below this (and above 0) are not shown. Socialstyrelsen and SCB publish no cell
#: under 5 for data about individuals; see the README ("Small numbers").
DEFAULT_THRESHOLD = 5

Cell = tuple[int, int]


class Mark(StrEnum):
    """How a cell is shown."""

    shown = "shown"
    #: A small count: shown as "<5" (the reader knows it is between 1 and threshold - 1).
    small = "small"
    #: Hidden so that a small count cannot be worked out from the totals.
    hidden = "hidden"


@dataclass(frozen=True, slots=True)
class Protected:
    """A table with its totals, each cell marked; ``withheld`` when nothing could be shown.

    ``cells`` is the table including its published totals: a last column of row totals when
    ``row_totals``, a last row of column totals when ``column_totals`` (and the grand total
    in the corner when both).
    """

    cells: tuple[tuple[int, ...], ...]
    marks: tuple[tuple[Mark, ...], ...]
    threshold: int
    row_totals: bool
    column_totals: bool
    withheld: bool = False

    def text(self, row: int, column: int) -> str:
        """The cell as people read it: the number, "<5", or ".." (not shown)."""
        mark = self.marks[row][column]
        if mark is Mark.shown:
            return str(self.cells[row][column])
        if mark is Mark.small:
            return f"<{self.threshold}"
        return ".."

    def value(self, row: int, column: int) -> int | None:
        """The number if it may be shown, else None."""
        return self.cells[row][column] if self.marks[row][column] is Mark.shown else None

    @property
    def suppressed(self) -> int:
        return sum(m is not Mark.shown for line in self.marks for m in line)


def share_shown(denominator: int | None, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """A share (reach, a rate) is shown only over a denominator of at least ``threshold``."""
    return denominator is not None and denominator >= threshold


def protect_column(
    values: Sequence[int], threshold: int = DEFAULT_THRESHOLD, *, total: bool = True
) -> Protected:
    """One count per line (a district, a school) and, when ``total``, their total last."""
    return protect(
        [[v] for v in values], row_totals=False, column_totals=total, threshold=threshold
    )


def protect(
    table: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
) -> Protected:
    """Mark which cells of ``table`` (counts, without totals) may be shown with its totals."""
    if threshold < 3:
        raise ValueError("the threshold must be at least 3 (a '<2' cell could only be 1)")
    if any(v < 0 for line in table for v in line):
        raise ValueError("counts are never negative")
    grid = _with_totals(table, row_totals, column_totals)
    n_rows, n_cols = len(grid), len(grid[0])  # never empty: _with_totals refuses that
    margin_row = n_rows - 1 if column_totals else None
    margin_col = n_cols - 1 if row_totals else None
    marks = [[Mark.small if 0 < v < threshold else Mark.shown for v in line] for line in grid]

    def signed(r: int, c: int, shift: int) -> int:
        """``shift`` as cell (r, c) takes it: reversed on the total of one line (a row's or a
        column's, not the grand total), which moves with its counts."""
        return -shift if (r == margin_row) != (c == margin_col) else shift

    def fits(r: int, c: int, shift: int) -> bool:
        value = grid[r][c] + shift
        if marks[r][c] is Mark.small:
            return 0 < value < threshold
        return value >= 0

    def moves(r: int, c: int) -> list[list[tuple[int, int, int]]]:
        """Every way to move the table by one around (r, c): cells with their +1/-1."""
        rows = [x for x in range(n_rows) if x != r] if column_totals else []
        cols = [y for y in range(n_cols) if y != c] if row_totals else []
        found: list[list[tuple[int, int, int]]] = []
        for d in (1, -1):
            if rows and cols:
                for b, v in product(rows, cols):
                    corners = [(r, c, d), (r, v, -d), (b, c, -d), (b, v, d)]
                    found.append([(x, y, signed(x, y, s)) for x, y, s in corners])
            elif rows:
                found.extend([[(r, c, signed(r, c, d)), (b, c, signed(b, c, -d))] for b in rows])
            elif cols:
                found.extend([[(r, c, signed(r, c, d)), (r, v, signed(r, v, -d))] for v in cols])
        return found

    def cost(move: list[tuple[int, int, int]]) -> tuple[int, int]:
        new = [(x, y) for x, y, _ in move if marks[x][y] is Mark.shown]
        margins = sum(x == margin_row or y == margin_col for x, y in new)
        return sum(grid[x][y] for x, y in new), margins

    small = [(r, c) for r in range(n_rows) for c in range(n_cols) if marks[r][c] is Mark.small]
    withheld = False
    if row_totals or column_totals:
        for r, c in small:
            usable = [m for m in moves(r, c) if all(fits(x, y, s) for x, y, s in m)]
            if not usable:
                withheld = True
                break
            for x, y, _ in min(usable, key=cost):
                if marks[x][y] is Mark.shown:
                    marks[x][y] = Mark.hidden
    if withheld:
        marks = [[Mark.hidden for _ in line] for line in grid]
    return Protected(
        cells=tuple(tuple(line) for line in grid),
        marks=tuple(tuple(line) for line in marks),
        threshold=threshold,
        row_totals=row_totals,
        column_totals=column_totals,
        withheld=withheld,
    )


def _with_totals(
    table: Sequence[Sequence[int]], row_totals: bool, column_totals: bool
) -> list[list[int]]:
    width = len(table[0]) if table else 0
    if any(len(line) != width for line in table) or width == 0:
        raise ValueError("a table needs at least one row and column, all rows as wide")
    grid = [[*line, sum(line)] if row_totals else list(line) for line in table]
    if column_totals:
        grid.append([sum(line[c] for line in grid) for c in range(len(grid[0]))])
    return grid
