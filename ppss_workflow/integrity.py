"""A cheap look at the chain for boards to warn with: the newest row against its hash, and
the newest signed checkpoint against its signature and the row it names."""

from __future__ import annotations

from ppss_workflow.checkpoints import read_checkpoints, signature_problem
from ppss_workflow.i18n import N_, Translator
from ppss_workflow.store import EventStore

__all__ = ["chain_warning"]

_WARNING = N_(
    "Warning: the history's chain is broken at position %(position)s (%(problem)s). Run "
    "`ppss audit verify`; the figures may be wrong."
)
_HEAD = N_("the newest event does not match its hash")
_CHECKPOINT = N_("a signed checkpoint does not match the event at its position")


def chain_warning(store: EventStore, tr: Translator) -> str | None:
    """One line to show above a board when the chain is visibly broken (None when not).

    A choice: this reads two rows and one checkpoint, not the whole chain (that is `ppss
    audit verify`), so a board stays fast; a change deeper in the history is found by the
    verification, which a signed checkpoint made after it then also contradicts.
    """
    broken = store.head_problem()
    if broken is not None:
        return tr.t(_WARNING, position=broken.position, problem=tr.gettext(_HEAD))
    signed = read_checkpoints(store)
    if signed:
        cp = max(signed, key=lambda c: c.position)
        row = store.find(position=cp.position)
        if signature_problem(cp) is not None or row is None or row.hash != cp.hash:
            return tr.t(_WARNING, position=cp.position, problem=tr.gettext(_CHECKPOINT))
    return None
