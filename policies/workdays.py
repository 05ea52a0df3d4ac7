"""Swedish working days: not weekends, public holidays, midsummer, Christmas or New Year's eve."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from math import copysign

__all__ = ["add_working_days", "is_working_day", "non_working_reason", "working_day_on_or_before"]


@lru_cache(maxsize=64)
# Choice: midsummer, Christmas and New Year's eve count as days off (de facto days off in
# Swedish public administration, though not public holidays).
def _days_off(year: int) -> dict[date, str]:
    """Public holidays from the ``holidays`` package plus the three de facto days off."""
    import holidays  # noqa: PLC0415 - loaded when a working day is first asked about

    off = {d: str(name) for d, name in holidays.country_holidays("SE", years=year).items()}
    # Midsummer eve is the Friday between 19 and 25 June: offices close, nobody reads mail.
    midsummer_eve = next(
        date(year, 6, day) for day in range(19, 26) if date(year, 6, day).weekday() == 4
    )
    off[midsummer_eve] = "Midsummer Eve"
    off[date(year, 12, 24)] = "Christmas Eve"
    off[date(year, 12, 31)] = "New Year's Eve"
    return off


def non_working_reason(day: date) -> str | None:
    """Why ``day`` is not a working day in Sweden, or None if it is one."""
    if day.weekday() >= 5:
        return "Saturday" if day.weekday() == 5 else "Sunday"
    return _days_off(day.year).get(day)


def is_working_day(day: date) -> bool:
    return non_working_reason(day) is None


def add_working_days(day: date, count: int) -> date:
    """The date ``count`` working days after (or, negative, before) ``day``.

    ``day`` itself is not counted, so ``add_working_days(d, 0)`` is ``d`` whatever it is.
    """
    step = timedelta(days=copysign(1, count))  # a day forward, or back when count < 0
    remaining = abs(count)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_day_on_or_before(day: date) -> date:
    """The last working day not after ``day`` (a deadline on a holiday is announced before it)."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day
