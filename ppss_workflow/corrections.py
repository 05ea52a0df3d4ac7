"""Every money correction of the store, read for the auditor (`ppss audit corrections`, the
auditor's page): who corrected what, when, why, and who confirmed it."""

from __future__ import annotations

from typing import Any

from policies.base import fmt_sek
from policies.corrections import Correction, money_corrections
from policies.state import STOCKHOLM
from ppss_workflow.i18n import EVENT_NAMES, N_, Translator
from ppss_workflow.store import EventStore

__all__ = ["COLUMNS", "KIND_NAMES", "as_data", "as_row", "store_corrections"]

#: A correction's kind, as people read it.
KIND_NAMES: dict[str, str] = {
    "annulment": N_("Annulled"),
    "annulment requested": N_("Annulment asked for, awaiting a second person"),
    "repayment demanded": N_("Repayment demanded"),
    "repayment received": N_("Repayment received"),
    "repayment waived": N_("Repayment waived"),
}

#: The list's columns, in order.
COLUMNS: tuple[str, ...] = (
    N_("Position"),
    N_("Project"),
    N_("Correction"),
    N_("Of"),
    N_("Amount"),
    N_("Who"),
    N_("When"),
    N_("Why"),
    N_("Confirmed by"),
)


def store_corrections(store: EventStore, round_id: str | None = None) -> tuple[Correction, ...]:
    """Every money correction on record, of one round or of all of them."""
    if round_id is None:
        events = [r for r in store.read_all() if r.stream_id.startswith(("round:", "project:"))]
    else:
        events = [
            *store.read_stream(f"round:{round_id}"),
            *store.read_streams(f"project:{round_id}:"),
        ]
    return money_corrections(events)


def _when(moment: Any) -> str:
    return str(moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"))


def as_row(c: Correction, tr: Translator) -> tuple[str, ...]:
    """One correction as the columns say it, in the reader's language."""
    of = tr.gettext(EVENT_NAMES.get(c.entry, c.entry))
    if c.corrects is not None:
        of = f"{of} (#{c.corrects})"
    confirmed = c.confirmed_by or ""
    if c.confirmed_at is not None:
        confirmed = f"{confirmed} {_when(c.confirmed_at)}"
    return (
        str(c.position),
        c.stream_id.removeprefix("project:").removeprefix("round:"),
        tr.gettext(KIND_NAMES[c.kind]),
        of,
        fmt_sek(c.amount_sek),
        c.who,
        _when(c.when),
        c.why,
        confirmed,
    )


def as_data(c: Correction) -> dict[str, Any]:
    """One correction as JSON-able data (times in Stockholm time, with their offset)."""
    return {
        "position": c.position,
        "stream": c.stream_id,
        "kind": c.kind,
        "entry": c.entry,
        "corrects": c.corrects,
        "amount_sek": c.amount_sek,
        "who": c.who,
        "when": c.when.astimezone(STOCKHOLM).isoformat(),
        "why": c.why,
        "confirmed_by": c.confirmed_by,
        "confirmed_at": c.confirmed_at.astimezone(STOCKHOLM).isoformat()
        if c.confirmed_at
        else None,
    }
