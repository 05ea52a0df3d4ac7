"""Role grants, database-free: the fold of the access stream and the grant/revoke decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest
from pydantic import ValidationError

from events import RoleGranted, RoleRevoked
from policies.decisions import Refusal
from policies.grants import decide_grant, decide_revoke, fold_grants


class _R(NamedTuple):
    position: int
    event: Any
    recorded_at: datetime = datetime(2026, 1, 1, tzinfo=UTC)


FARSTA = RoleGranted(email="Projekt@Farsta.example.org", role="district", district="Farsta")


def test_a_later_grant_replaces_and_a_revocation_removes() -> None:
    assert FARSTA.email == "projekt@farsta.example.org"
    history = [
        _R(1, FARSTA),
        _R(2, RoleGranted(email="a@example.org", role="auditor")),
        _R(3, RoleGranted(email="projekt@farsta.example.org", role="coordinator")),
        _R(4, RoleRevoked(email="a@example.org")),
    ]
    grants = fold_grants(history)
    assert set(grants) == {"projekt@farsta.example.org"}
    assert grants["projekt@farsta.example.org"].role_text == "coordinator"
    assert grants["projekt@farsta.example.org"].position == 3
    assert fold_grants(history[:2])["projekt@farsta.example.org"].role_text == "district:Farsta"


def test_only_the_coordinator_grants_and_revokes() -> None:
    for role in ("auditor", "district", "steering_group", "scheduler", "system"):
        with pytest.raises(Refusal) as refused:
            decide_grant({}, role, FARSTA)
        assert refused.value.kind == "not_authorised"
        with pytest.raises(Refusal):
            decide_revoke(fold_grants([_R(1, FARSTA)]), role, RoleRevoked(email=FARSTA.email))
    assert decide_grant({}, "coordinator", FARSTA) == FARSTA


def test_the_same_grant_again_is_already_recorded_and_revoking_nothing_is_refused() -> None:
    grants = fold_grants([_R(1, FARSTA)])
    assert decide_grant(grants, "coordinator", FARSTA) is None
    other = RoleGranted(email=FARSTA.email, role="district", district="Skarpnäck")
    assert decide_grant(grants, "coordinator", other) == other
    revoke = RoleRevoked(email="nobody@example.org")
    with pytest.raises(Refusal) as refused:
        decide_revoke(grants, "coordinator", revoke)
    assert refused.value.kind == "not_found"


def test_a_grant_is_well_formed() -> None:
    for bad in (
        {"email": "not-an-address", "role": "coordinator"},
        {"email": "a@example.org", "role": "district"},
        {"email": "a@example.org", "role": "auditor", "district": "Farsta"},
        {"email": "a@example.org", "role": "system"},
    ):
        with pytest.raises(ValidationError):
            RoleGranted(**bad)
