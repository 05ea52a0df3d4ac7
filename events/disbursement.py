"""Disbursement events: money actually paid out to a district administration."""

from __future__ import annotations

from typing import Any, Literal

from events.base import Event, PositiveKronor, Text, registry

__all__ = ["DisbursementMade"]


class DisbursementMade(Event):
    """An amount was paid to the project, for the grant itself or for supervision.

    Schema v1 (before 0.1.0) had ``reference`` and no ``purpose``; every v1 payment was
    of the grant, so the upcaster below reads it as ``purpose="grant"``.
    """

    schema_version = 2

    amount_sek: PositiveKronor
    purpose: Literal["grant", "supervision"]
    payment_reference: Text


@registry.upcaster("DisbursementMade", from_version=1)
def _disbursement_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    lifted = {k: v for k, v in data.items() if k != "reference"}
    lifted["payment_reference"] = data["reference"]
    lifted.setdefault("purpose", "grant")
    return lifted
