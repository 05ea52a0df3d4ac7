"""schemathesis against /openapi.json, in process, with a token per role (and none).

Every API operation gets generated requests (valid bodies and parameters, derandomized so CI
sees the same ones every run) sent to the ASGI app on the demo store; no answer may be a 5xx,
and each must be documented: its status, its content type, its headers and its body's schema.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.web.conftest import clock

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Roles (None: no token) -> examples per operation. The coordinator, who may write
#: almost everything, gets the most.
ROLES: dict[str | None, int] = {
    "coordinator": 5,
    "district:Farsta": 3,
    "steering_group": 2,
    "auditor": 1,
    "scheduler": 1,
    None: 1,
}


def _on_the_demo(case: Any) -> None:
    """Generated names rarely hit a round that exists: aim the case at the demo's."""
    for where in (case.path_parameters, case.body):
        if isinstance(where, dict):
            if "round_id" in where:
                where["round_id"] = "ppss-2014"
            if isinstance(where.get("district"), str):
                where["district"] = "Farsta"


def _runner(
    operation: Any, headers: dict[str, str], examples: int, statuses: Counter[int], calls: list[int]
) -> Any:
    """A Hypothesis test of ``operation`` with these headers, counting the answers."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        calls[0] += 1
        if calls[0] % 2:  # every other case on the demo's round and Farsta's project
            _on_the_demo(case)
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    return run


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_operation_for_every_role(demo_store: EventStore, tokens: dict[str, str]) -> None:
    app = create_app(WebSettings(demo=True, secret_key=None), store=demo_store, clock=clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    api = [op for op in operations if op.path.startswith("/api/")]
    assert len(api) >= 25, [op.label for op in operations]
    statuses: Counter[int] = Counter()
    calls = [0]
    for role, examples in ROLES.items():
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
        for operation in api:
            _runner(operation, headers, examples, statuses, calls)()
    # The runs reached the interesting paths: written, refused, not found, bad input.
    assert statuses[201] > 0, statuses
    for refused in (401, 403, 404):
        assert statuses[refused] > 0, statuses
    assert statuses[422] > 0 or statuses[409] > 0, statuses
    assert not any(status >= 500 for status in statuses), statuses
    print("schemathesis statuses:", dict(sorted(statuses.items())))
