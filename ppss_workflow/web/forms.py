"""Reading what people type into forms: amounts as they write them."""

from __future__ import annotations

import re

from ppss_workflow.errors import InvalidCommand

__all__ = ["parse_kronor"]

#: Spaces people put between groups of digits: space, no-break, thin and narrow no-break.
_GROUPS = re.compile(r"[ \u00a0\u2009\u202f]")
_SUFFIX = re.compile(r"(?:kr|kronor|sek|:-)\.?$", re.IGNORECASE)


def parse_kronor(text: str) -> int:
    """Whole kronor from "1 400 000", "1400000 kr", "1 400 000:-" or "SEK 1400000".

    Refuses decimals, signs and anything else with a one-line reason (in English; the page
    says it in the person's language).
    """
    raw = text.strip()
    cleaned = _SUFFIX.sub("", raw).strip()
    if cleaned.upper().startswith("SEK"):
        cleaned = cleaned[3:].strip()
    cleaned = _GROUPS.sub("", cleaned)
    if cleaned.endswith((",00", ".00")):
        cleaned = cleaned[:-3]
    if not cleaned:
        raise InvalidCommand("give an amount in whole kronor, e.g. 1 400 000")
    if not cleaned.isascii() or not cleaned.isdigit():
        raise InvalidCommand(f"{raw!r} is not an amount in whole kronor (e.g. 1 400 000)")
    amount = int(cleaned)
    if amount <= 0:
        raise InvalidCommand("the amount must be more than 0 kr")
    if amount > 10**12:
        raise InvalidCommand(f"{raw!r} is more than any grant")
    return amount
