"""The one checker of "Swedish wherever a person reads" (issue 18, must show 2).

A text a person reads must hold no English word from :data:`STOP` (none is a Swedish word)
and no internal snake_case code (:data:`CODE`). The sweep (``tests/web/test_swedish_sweep.py``)
runs every kind of text through :func:`check`; the money-integrity tests run their refusals
through :func:`assert_swedish` as they meet them. :data:`COUNTS` counts the texts checked per
kind in this process; ``tests/conftest.py`` prints them at the end of a run.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["CODE", "COUNTS", "STOP", "STOP_PAGES", "assert_swedish", "check", "cli_text"]

_BASE = (
    r"the|was|and|of|not|paid|award|awarded|due|missing|submitted|blocked|held|released|"
    r"owed|already|must|which|should|recorded|payment|refused|cannot|may not|"
    r"Not Found|Method Not Allowed|Internal Server Error"
)
#: English words that have no business in Swedish text (none is a Swedish word): the list
#: the page, API and help sweeps were measured with.
STOP_PAGES = re.compile(rf"\b({_BASE})\b", re.IGNORECASE)
#: The wider list the CLI, sheets, calendars, mails and refusals are read with. (Left to do:
#: read the pages with it too; not run before the deadline.)
STOP = re.compile(
    rf"\b({_BASE}|"
    r"wrote|written|exported|imported|signed|revoked|granted|created|none|yes|no|"
    r"round|rounds|district|share|instalment|instalments|events|store|head|"
    r"reminder|reminders|deadline|deadlines|overdue|project|calendar|token|tokens)\b",
    re.IGNORECASE,
)
#: An internal code (a condition, a status, an event field) shown to a person.
CODE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")

#: Texts checked in this process, per kind ("pages", "CLI lines", "sheet cells"...).
COUNTS: Counter[str] = Counter()

#: What a CLI line may hold that is typed or the tester's, not a text of the program: paths
#: and URLs, options (``--as-of``), inline code (`` `ppss import` ``), environment names, and
#: the ids of the store's streams (``project:ppss-2014:farsta``, which an auditor copies).
_TYPED_IN_A_LINE = re.compile(
    r"`[^`]*`|\S*/\S*|(?<!\w)--[a-z][a-z0-9-]*|\bPPSS_[A-Z_]+\b|\b(?:round|project):[\w:.…-]*"
)
#: A log line (structlog's JSON or console form): logs stay English, for whoever runs it.
_LOG = re.compile(r'^\{".*"(event|level)": |^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[')
#: Inline code in a text (`` `ppss import` ``): typed by a person, not said by the program.
_CODE_SPAN = re.compile(r"`[^`]*`")
_BOX = " │┃╭╮╰╯─━┏┓┗┛┡┩└┘┌┐├┤┬┴┼╇╈╿"


def check(kind: str, where: str, text: str, found: list[str]) -> None:
    """One text a person reads: Swedish, no code. Problems go to ``found`` (all reported)."""
    COUNTS[kind] += 1
    text = _CODE_SPAN.sub("", text)  # `Authorization: Bearer TOKEN`: what a person types
    measured = ("pages", "API", "help lines", "CLI lines (demo)")
    english = (STOP_PAGES if kind in measured else STOP).findall(text)
    codes = CODE.findall(text)
    if english or codes:
        found.append(f"{where}: {english or ''} {codes or ''} in {text[:160]!r}")


def assert_swedish(kind: str, where: str, text: str) -> None:
    """``text`` is Swedish (one text, checked now)."""
    found: list[str] = []
    check(kind, where, text, found)
    assert not found, "\n".join(found)


def cli_text(line: str) -> str:
    """A CLI line as a person reads it: table borders, paths, options and code left out (a
    log line is left out whole)."""
    if _LOG.search(line.strip()):
        return ""
    return _TYPED_IN_A_LINE.sub("", line).strip(_BOX)
