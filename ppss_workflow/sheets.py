"""Tables for Swedish offices: one description of a table, written as an xlsx sheet and as
CSV (a machine form with commas, and the form a Swedish Excel opens by double-click).

In xlsx every value keeps its type: kronor and counts are numbers with a Swedish-reading
number format, percentages numbers with one decimal, dates dates; text is typed as text
(so nothing in it runs as a formula, and a negative number stays a number). Each sheet has
a bold, frozen header row, column widths that fit their contents, a totals row where the
table has one, and a page set-up that prints on A4 landscape, one page wide, the header
repeated on every page. A text longer than a cell takes (32 767 characters) is cut and
says so at its end.

The Swedish-Excel CSV: ``;`` between cells, UTF-8 with a byte order mark (Excel then reads
å, ä, ö right), CRLF line ends, decimals with a comma; text that a spreadsheet would take as
a formula gets a leading apostrophe, numbers (negative ones too) never do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Literal

from ppss_workflow.i18n import N_, translator

__all__ = [
    "CELL_LIMIT",
    "Column",
    "Table",
    "add_sheet",
    "csv_name",
    "fit_cell",
    "write_csv",
    "write_csv_sv",
    "xlsx_bytes",
]

Kind = Literal["text", "kronor", "count", "percent", "decimal", "date", "datetime"]

#: The most characters an Excel cell holds.
CELL_LIMIT = 32_767
#: Excel's number formats are written in its own (US) notation and shown in the reader's
#: locale: a Swedish Excel or LibreOffice shows ``1 134 896 kr``, ``87,5`` and ``2015-01-31``.
FORMATS: dict[str, str] = {
    "kronor": '#,##0 "kr"',
    "count": "#,##0",
    "percent": "0.0",
    "decimal": "#,##0.0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
_CUT = N_("… [cut: %(total)d characters in all; the whole text is in the jsonl export]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its heading, what its values are, and whether the totals row sums it."""

    heading: str
    kind: Kind = "text"
    total: bool = False
    #: The widest it may get (characters); the width otherwise follows the contents.
    max_width: int = 60


@dataclass(slots=True)
class Table:
    """A titled table: columns, rows (values of each column's kind, or None) and the label
    of its totals row (None: no totals row)."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    totals_label: str | None = None
    #: Lines under the table (a legend), as text.
    notes: Sequence[str] = ()

    def totals(self) -> list[Any] | None:
        if self.totals_label is None:
            return None
        out: list[Any] = []
        for i, column in enumerate(self.columns):
            if column.total:
                out.append(sum(r[i] for r in self.rows if isinstance(r[i], int | float)))
            else:
                out.append(None)
        out[0] = self.totals_label
        return out


def fit_cell(text: str, language: str = "sv") -> str:
    """``text`` as one cell holds it: whole if it fits, else cut with a note at its end."""
    if len(text) <= CELL_LIMIT:
        return text
    note = translator("en" if language == "en" else "sv").gettext(_CUT) % {"total": len(text)}
    return text[: CELL_LIMIT - len(note)] + note


def csv_name(stem: str, swedish_excel: bool) -> str:
    """Distinct names for the two CSV forms: ``…-excel.csv`` opens in a Swedish Excel."""
    return f"{stem}-excel.csv" if swedish_excel else f"{stem}.csv"


# -- xlsx ------------------------------------------------------------------------------------


def add_sheet(book: Any, name: str, table: Table) -> Any:
    """``table`` as a new sheet of an openpyxl workbook (ordinary or write-only)."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415 - only xlsx needs openpyxl
    from openpyxl.styles import Alignment, Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    sheet = book.create_sheet(name[:31])  # Excel's limit on sheet names
    bold = Font(bold=True)
    widths = [len(c.heading) for c in table.columns]

    def cell(value: Any, column: Column, *, strong: bool = False) -> Any:
        if isinstance(value, str) or (value is not None and column.kind == "text"):
            text = fit_cell(_control_free(str(value)))
            made = WriteOnlyCell(sheet, value=text)
            made.data_type = "s"  # text, never a formula
        else:
            made = WriteOnlyCell(sheet, value=value)
            if value is not None and column.kind in FORMATS:
                made.number_format = FORMATS[column.kind]
                made.alignment = number_alignment
        if strong:
            made.font = bold
        return made

    header = []
    # A number keeps a character's room on its right, off the text of the next column.
    number_alignment = Alignment(horizontal="right", indent=1)
    for column in table.columns:
        c = WriteOnlyCell(sheet, value=column.heading)
        c.font = bold
        numeric = column.kind != "text"
        c.alignment = Alignment(wrap_text=True, vertical="top",
                                horizontal="right" if numeric else "left",
                                indent=1 if numeric else 0)  # fmt: skip
        header.append(c)
    body = [[cell(v, col) for v, col in zip(row, table.columns, strict=True)]
            for row in table.rows]  # fmt: skip
    totals = table.totals()
    for row in [*table.rows, *([totals] if totals else [])]:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _shown_width(value, table.columns[i].kind))
    for i, column in enumerate(table.columns):
        letter = get_column_letter(i + 1)
        # Numbers sit right, text left: a number column gets more room so the two never touch.
        padding = 2 if column.kind == "text" else 4
        sheet.column_dimensions[letter].width = min(column.max_width, widths[i] + padding)
    sheet.freeze_panes = "B2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = False
    sheet.oddHeader.center.text = table.title
    sheet.oddFooter.right.text = "&P / &N"
    sheet.append(header)
    for row in body:
        sheet.append(row)
    if totals:
        sheet.append([cell(v, col, strong=True) for v, col in zip(totals, table.columns,
                                                                  strict=True)])  # fmt: skip
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([cell(note, Column(""))])
    return sheet


def xlsx_bytes(sheets: Iterable[tuple[str, Table]]) -> bytes:
    """A workbook of these sheets, as bytes."""
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook(write_only=True)
    for name, table in sheets:
        add_sheet(book, name, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown_width(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = _number_text(value, kind)
        return len(text) + (3 if kind == "kronor" else 0)
    longest = max((len(line) for line in str(value).splitlines()), default=0)
    return longest


def _control_free(text: str) -> str:
    from ppss_workflow.export import cell_text  # noqa: PLC0415 - export imports this module

    return cell_text(text, quote=False)


# -- csv -------------------------------------------------------------------------------------


def _number_text(value: int | float, kind: str, *, comma: bool = True) -> str:
    if kind in ("percent", "decimal") or isinstance(value, float):
        text = f"{value:.1f}" if kind in ("percent", "decimal") else repr(value)
        return text.replace(".", ",") if comma else text
    return str(value)


def _csv_cell(value: Any, column: Column, *, swedish: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("ja" if value else "nej") if swedish else ("true" if value else "false")
    if isinstance(value, int | float) and column.kind != "text":
        return _number_text(value, column.kind, comma=swedish)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    from ppss_workflow.export import cell_text  # noqa: PLC0415

    return cell_text(str(value))


def write_csv(table: Table, out: IO[str]) -> None:
    """The machine form: ``,`` between cells, ``.`` in decimals, a header row first."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.heading for c in table.columns])
    totals = table.totals()
    for row in [*table.rows, *([totals] if totals else [])]:
        writer.writerow([_csv_cell(v, c, swedish=False) for v, c in zip(row, table.columns,
                                                                        strict=True)])  # fmt: skip


def write_csv_sv(table: Table, out: IO[bytes]) -> None:
    """The form a Swedish Excel opens by double-click (see the module's doc)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.heading for c in table.columns])
    totals = table.totals()
    for row in [*table.rows, *([totals] if totals else [])]:
        writer.writerow([_csv_cell(v, c, swedish=True) for v, c in zip(row, table.columns,
                                                                       strict=True)])  # fmt: skip
    for note in table.notes:
        writer.writerow([_csv_cell(note, Column(""), swedish=True)])
    out.write(text.getvalue().encode("utf-8-sig"))
