"""The API's project page is written straight from the project's detail (issue 23, the load
benchmark: validating the detail through ``ProjectOut`` and serialising it again cost a third
of the most asked answer's CPU); it must say exactly what the model would have said, for
every project of the demo (conditions, deadlines, a timeline with annulments) and of the
benchmark's round (supervision money), on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import orjson
from fastapi.testclient import TestClient

from policies.state import stockholm_day
from ppss_workflow.access import Principal
from ppss_workflow.bench_board import RID, _build
from ppss_workflow.readmodels import Reads
from ppss_workflow.scratch import scratch_store
from ppss_workflow.store import EventStore
from ppss_workflow.web.api import ProjectOut, project_json
from ppss_workflow.web.views import project_detail
from tests.web.conftest import NOW

COORDINATOR = Principal("token c", "token:c", "coordinator", None)


def _model(detail: dict[str, object]) -> object:
    return ProjectOut.model_validate(detail).model_dump(mode="json")


def _every_project(reads: Reads) -> int:
    compared = 0
    for rid in reads.round_ids():
        for view in reads.projects(rid):
            district = view.state.district or view.project_id
            detail = project_detail(reads, COORDINATOR, rid, district).as_json()
            assert orjson.loads(project_json(detail)) == _model(detail), (rid, district)
            compared += 1
    return compared


def test_the_projects_json_is_what_the_model_would_give(demo_store: EventStore) -> None:
    assert _every_project(Reads(demo_store, lambda: NOW)) >= 5


def test_the_projects_json_with_supervision_money() -> None:
    now = datetime.now(UTC)
    with scratch_store() as store:
        _build(store, 6, stockholm_day(now), lambda *_: None)
        reads = Reads(store, lambda: now)
        assert _every_project(reads) >= 6
        granted = [
            v for v in reads.projects(RID) if v.state.ledger.supervision_granted_sek
        ]  # the round has supervision money, so the fields the model drops were there
        assert granted


def test_the_api_answers_the_models_json(
    app_client: TestClient, demo_store: EventStore, tokens: dict[str, str]
) -> None:
    reads = Reads(demo_store, lambda: NOW)
    rid = reads.round_ids()[0]
    view = reads.projects(rid)[0]
    district = view.state.district or view.project_id
    answer = app_client.get(
        f"/api/v1/rounds/{rid}/projects/{quote(district)}",
        headers={"Authorization": f"Bearer {tokens['coordinator']}"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    detail = project_detail(reads, COORDINATOR, rid, district).as_json()
    assert answer.json() == _model(detail)
