"""Scratch stores and their copies (ppss_workflow.scratch), on every backend the suite uses.

A copy must be the very store it was copied from (same rows, same schema revision, the same
database-enforced rules) and independent of it afterwards: the shared demo recordings
(tests/demo_template.py) are only honest if this holds.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from ppss_workflow.auditing import verify_chain
from ppss_workflow.db import create_store_engine
from ppss_workflow.schema import HEAD_REVISION, current_revision
from ppss_workflow.scratch import scratch_copy, scratch_store
from ppss_workflow.store import EventStore
from tests.conftest import base_url_for, pg_url
from tests.factories import awarded, plan_submitted

FARSTA = "project:ppss-2014:farsta"


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql":
        pg_url()
    return name


def _rows(store: EventStore) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM events ORDER BY position"))]


def test_a_new_scratch_store_is_empty_and_at_the_newest_revision(backend: str) -> None:
    with scratch_store(base_url_for(backend)) as store:
        assert store.count() == 0
        assert current_revision(store.engine) == HEAD_REVISION


def test_a_copy_holds_the_same_history_and_goes_its_own_way(backend: str) -> None:
    with scratch_store(base_url_for(backend)) as template:
        template.append(FARSTA, [awarded(), plan_submitted()], expected_version=0)
        url = template.engine.url.render_as_string(hide_password=False)
        with scratch_copy(url) as copy_url:
            assert copy_url != url
            engine = create_store_engine(copy_url)
            try:
                copy = EventStore(engine)
                assert current_revision(engine) == HEAD_REVISION
                assert _rows(copy) == _rows(template)
                assert verify_chain(copy).ok
                # Appends continue the copied chain; the template does not see them.
                copy.append(FARSTA, [awarded(5)], expected_version=2)
                assert [r.position for r in copy.read_all()] == [1, 2, 3]
                assert verify_chain(copy).ok
                assert template.count() == 2
                # The database's own rules came along: history cannot be changed.
                with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                    conn.execute(text("DELETE FROM events"))
                assert copy.count() == 3
            finally:
                engine.dispose()


def test_each_scratch_store_is_its_own(backend: str) -> None:
    """Two scratch stores at once (a copy of one template) do not share anything."""
    base = base_url_for(backend)
    with scratch_store(base) as first, scratch_store(base) as second:
        first.append(FARSTA, [awarded()], expected_version=0)
        assert second.count() == 0


def _shape(engine: Engine) -> dict[str, object]:
    """Every table's columns (name, type, nullable), primary key, unique constraints, indexes."""
    seen = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in seen.get_columns(table)],
            seen.get_pk_constraint(table)["constrained_columns"],
            sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(table)),
            sorted((i["name"], tuple(i["column_names"])) for i in seen.get_indexes(table)),
        )
        for table in sorted(seen.get_table_names())
    }


def test_a_copy_has_the_shape_the_migrations_give(backend: str) -> None:
    base = base_url_for(backend)
    with scratch_store(base) as upgraded, scratch_store(base) as template:
        url = template.engine.url.render_as_string(hide_password=False)
        with scratch_copy(url) as copy_url:
            engine = create_store_engine(copy_url)
            try:
                assert _shape(engine) == _shape(upgraded.engine)
                assert len(_shape(engine)) >= 10
            finally:
                engine.dispose()
