"""Reading what people type into forms: amounts as they write them."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from uuid import UUID, uuid4

from pydantic import TypeAdapter, ValidationError

from policies.commands import FreeText, Line
from policies.reason import Kronor
from ppss_workflow.errors import (
    AMOUNT_BLANK,
    AMOUNT_NOT_WHOLE,
    AMOUNT_TOO_LARGE,
    AMOUNT_TOO_SMALL,
    FORM_NO_NUMBER,
    FORM_NOT_RANGE,
    FORM_NOT_TIME,
    FORM_NOT_WHOLE,
    FORM_RANGE_BACKWARDS,
    FORM_TOO_MANY,
    InvalidCommand,
)
from ppss_workflow.i18n import N_

__all__ = [
    "form_id_of",
    "parse_count",
    "parse_estimate",
    "parse_instant",
    "parse_kronor",
    "unprintable",
]

_LINE: TypeAdapter[str] = TypeAdapter(Line)
_FREE: TypeAdapter[str] = TypeAdapter(FreeText)


def unprintable(text: str, *, one_line: bool) -> str | None:
    """The message to show beside a text field that its command's model would refuse (a
    control character, a bidi mark, a line break in a one-line field), or None. The same types
    as the API's bodies, so a form takes exactly what the API takes."""
    value = text.strip()
    if not value:
        return None
    try:
        (_LINE if one_line else _FREE).validate_python(value)
    except ValidationError:
        if one_line:
            return N_("Use printable characters only, on one line.")
        return N_("Use printable characters only.")
    return None


#: Spaces people put between groups of digits: space, no-break, thin and narrow no-break.
_GROUPS = re.compile(r"[ \u00a0\u2009\u202f]")
_SUFFIX = re.compile(r"(?:kr|kronor|sek|:-)\.?$", re.IGNORECASE)


def parse_kronor(text: str, *, minimum: int = 1) -> int:
    """Whole kronor from "1 400 000", "1400000 kr", "1 400 000:-" or "SEK 1400000".

    Refuses decimals, signs, less than ``minimum`` (1 kr: a payment; 0 kr: money spent) and
    anything else with a one-line reason (in English; the page says it in the person's
    language).
    """
    raw = text.strip()
    cleaned = _SUFFIX.sub("", raw).strip()
    if cleaned.upper().startswith("SEK"):
        cleaned = cleaned[3:].strip()
    cleaned = _GROUPS.sub("", cleaned)
    if cleaned.endswith((",00", ".00")):
        cleaned = cleaned[:-3]
    if not cleaned:
        raise InvalidCommand(
            "give an amount in whole kronor, e.g. 1 400 000", reason=AMOUNT_BLANK()
        )
    if not cleaned.isascii() or not cleaned.isdigit():
        raise InvalidCommand(
            f"{raw!r} is not an amount in whole kronor (e.g. 1 400 000)",
            reason=AMOUNT_NOT_WHOLE(typed=raw),
        )
    amount = int(cleaned)
    if amount < minimum:
        raise InvalidCommand(
            f"the amount must be at least {minimum} kr",
            reason=AMOUNT_TOO_SMALL(minimum=Kronor(minimum)),
        )
    if amount > 10**12:
        raise InvalidCommand(f"{raw!r} is more than any grant", reason=AMOUNT_TOO_LARGE(typed=raw))
    return amount


def parse_count(text: str, *, required: bool = True) -> int | None:
    """A count of pupils or hours as people write it ("24", "1 200"); blank is ``None`` when
    the field is optional. Refuses anything but a whole number from 0 up."""
    cleaned = _GROUPS.sub("", text.strip())
    if not cleaned:
        if required:
            raise InvalidCommand("give a number, e.g. 24", reason=FORM_NO_NUMBER())
        return None
    if not cleaned.isascii() or not cleaned.isdigit():
        raise InvalidCommand(
            f"{text.strip()!r} is not a whole number (e.g. 24)",
            reason=FORM_NOT_WHOLE(typed=text.strip()),
        )
    count = int(cleaned)
    if count > 10**7:
        raise InvalidCommand(
            f"{text.strip()!r} is more than any count here",
            reason=FORM_TOO_MANY(typed=text.strip()),
        )
    return count


#: "4-5", "4–5", "4 till 5", "ca 50", "50 elever": a number or a range, as the 2018 form's
#: answers give them ("4-5 skolor", "ca 50 elever"); a trailing word is the unit.
_ESTIMATE = re.compile(
    r"^(?:(?:ca|cirka|ungefär)\.?\s*)?(\d+)(?:\s*(?:-|–|—|till)\s*(\d+))?(?:\s*[^\W\d_]+)?$",
    re.IGNORECASE,
)
#: The most a count on the application may be (``events.application.Count``).
MOST_COUNT = 1_000_000


def parse_estimate(text: str) -> dict[str, int] | None:
    """An answer to "how many" as ``events.application.Estimate`` takes it: "4-5" is
    ``{"low": 4, "high": 5}``, "ca 50" is ``{"low": 50}``; blank is ``None``. Refuses
    anything else, a range whose ends are the wrong way round, or more than any count."""
    cleaned = text.strip()
    if not cleaned:
        return None
    # "1 200" is one number: the spaces between groups of digits go first.
    found = _ESTIMATE.match(re.sub(r"(?<=\d)[ \u00a0\u2009\u202f](?=\d{3}\b)", "", cleaned))
    if found is None or not cleaned.isprintable():
        raise InvalidCommand(
            f"{text.strip()!r} is not a number or a range (e.g. 4-5)",
            reason=FORM_NOT_RANGE(typed=text.strip()),
        )
    low, high = int(found.group(1)), found.group(2)
    estimate = {"low": low} if high is None else {"low": low, "high": int(high)}
    if estimate.get("high", low) < low:
        raise InvalidCommand(
            f"{text.strip()!r}: the range's first number is above its last",
            reason=FORM_RANGE_BACKWARDS(typed=text.strip()),
        )
    if max(estimate.values()) > MOST_COUNT:
        raise InvalidCommand(
            f"{text.strip()!r} is more than any count here",
            reason=FORM_TOO_MANY(typed=text.strip()),
        )
    return estimate


def parse_instant(text: str | None, zone: tzinfo) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` (what a browser's date-and-time field sends; a space instead of
    the T, or seconds, are fine too) read as a time in ``zone``; blank is ``None``."""
    if text is None or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidCommand(
            f"{text.strip()!r}: write a time as YYYY-MM-DDTHH:MM",
            reason=FORM_NOT_TIME(typed=text.strip()),
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def form_id_of(text: object) -> UUID:
    """A form's own id, as its hidden field carries it; a new one when it is missing or not
    an id (a form from before this field existed: it is recorded, just without the guard)."""
    if isinstance(text, str) and text.strip():
        try:
            return UUID(text.strip())
        except ValueError:
            pass
    return uuid4()
