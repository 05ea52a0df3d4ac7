"""Documents on record (policies.documents): which stand, and who may read them."""

from __future__ import annotations

from datetime import date

import pytest

from events import DocumentAttached, EventAnnulled, PlanSubmitted
from policies.documents import READERS, attached, may_read
from policies.state import fold_project
from tests.unit.world import FARSTA, World, applied, opened


def _document(name: str) -> DocumentAttached:
    return DocumentAttached(attached_to="plan", name=name, media_type="application/pdf",
                            size_bytes=1_000, sha256="a" * 64)  # fmt: skip


def test_the_documents_that_stand_are_those_not_annulled_in_order() -> None:
    world = World()
    opened(world)
    applied(world, "Farsta")
    day = date(2014, 2, 20)
    world.given(FARSTA, PlanSubmitted(plan_id="p", summary="Plan"), day)
    first = world.given(FARSTA, _document("plan.pdf"), day)
    wrong = world.given(FARSTA, _document("fel.pdf"), day)
    last = world.given(FARSTA, _document("plan-2.pdf"), day)
    world.given(FARSTA, EventAnnulled(annulled_event_id=wrong.event_id, reason="Fel fil"), day)
    project = fold_project(FARSTA, world.stream(FARSTA))
    assert attached(project) == [first, last]


@pytest.mark.parametrize(
    ("role", "acting_for", "stream", "may"),
    [
        ("coordinator", None, FARSTA, True),
        ("steering_group", None, FARSTA, True),
        ("auditor", None, FARSTA, True),
        ("district", "farsta", FARSTA, True),
        ("district", "skarpnack", FARSTA, False),
        ("district", None, FARSTA, False),
        ("district", "r:farsta", FARSTA, False),
        ("district", "farsta", "project:r:farsta-syd", False),
        ("scheduler", None, FARSTA, False),
        ("system", "farsta", FARSTA, False),
    ],
)
def test_who_may_read_a_document(role: str, acting_for: str | None, stream: str, may: bool) -> None:
    """Everyone who may see projects; a district its own project's only, by its slug (the
    last part of the stream), never another's nor one whose slug merely begins alike."""
    assert may_read(role, acting_for, stream) is may


def test_the_readers_are_the_roles_that_see_projects() -> None:
    assert READERS == ("coordinator", "steering_group", "auditor", "district")
