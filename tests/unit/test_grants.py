"""Role grants, database-free: the fold of the access stream and the grant/revoke decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest
from pydantic import ValidationError

from events import PlanSubmitted, RoleGranted, RoleRevoked
from policies.decisions import Refusal
from policies.grants import Grant, decide_grant, decide_revoke, fold_grants
from policies.reason import Named, Reason
from ppss_workflow.handlers import refused


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


def test_a_refused_grant_says_who_may_and_the_machinery_says_it_in_one_line() -> None:
    """The refusal carries its reason as data (the role, the manager) and the one line the
    machinery logs: the reason in English, then command, project, state found and rule."""
    with pytest.raises(Refusal) as refused_grant:
        decide_grant({}, "auditor", FARSTA)
    refusal = refused_grant.value
    assert (refusal.kind, refusal.day) == ("not_authorised", None)
    assert refusal.reason == Reason(
        "role.may_not_manage",
        (("role", Named("role", "auditor")), ("manager", Named("role", "coordinator"))),
    )
    assert str(refused(refusal)) == (
        "the auditor role may not grant or revoke roles; that is for: coordinator "
        "[users; access; acting as auditor; rule: roles]"
    )


def test_revoking_what_is_not_granted_names_the_address_in_one_line() -> None:
    with pytest.raises(Refusal) as refused_revoke:
        decide_revoke(
            fold_grants([_R(1, FARSTA)]), "coordinator", RoleRevoked(email="Nobody@Example.org")
        )
    refusal = refused_revoke.value
    assert (refusal.kind, refusal.day) == ("not_found", None)
    assert refusal.reason == Reason("role.no_grant", (("email", "nobody@example.org"),))
    assert str(refused(refusal)) == (
        "nobody@example.org holds no granted role: `ppss users list` shows who does "
        "[users revoke; access; no grant; rule: revoke a grant that exists]"
    )


def test_the_fold_keeps_each_grant_whole_and_a_revocation_of_nobody_changes_nothing() -> None:
    """The grant as recorded (role, district, tie, position); a revocation of an address
    holding nothing removes nothing; events of other kinds are passed over."""
    member = RoleGranted(email="s@example.org", role="steering_group", tied_to="Farsta")
    history = [
        _R(1, FARSTA),
        _R(2, RoleRevoked(email="nobody@example.org")),
        _R(3, member),
        _R(4, PlanSubmitted(plan_id="p", summary="Plan")),
    ]
    assert fold_grants(history) == {
        "projekt@farsta.example.org": Grant(
            "projekt@farsta.example.org", "district", "Farsta", 1, None
        ),
        "s@example.org": Grant("s@example.org", "steering_group", None, 3, "Farsta"),
    }


def test_a_changed_tie_is_a_new_grant() -> None:
    member = RoleGranted(email="s@example.org", role="steering_group", tied_to="Farsta")
    grants = fold_grants([_R(1, member)])
    assert decide_grant(grants, "coordinator", member) is None
    moved = RoleGranted(email="s@example.org", role="steering_group", tied_to="Skarpnäck")
    assert decide_grant(grants, "coordinator", moved) == moved
    auditor = RoleGranted(email="s@example.org", role="auditor")
    assert decide_grant(grants, "coordinator", auditor) == auditor
