"""The round overview's pages in the read model's SQL (SQLite and PostgreSQL): filtered,
sorted and paged, with the whole round's totals, exactly as the same page cut from the whole
board in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ppss_workflow.demo import load_demo
from ppss_workflow.projections import BoardQuery
from ppss_workflow.readmodels import Reads, page_of
from ppss_workflow.scratch import scratch_store
from tests.conftest import BACKENDS, base_url_for

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUERIES = [
    BoardQuery(),
    BoardQuery(per_page=3),
    BoardQuery(per_page=3, page=2),
    BoardQuery(per_page=3, page=3),
    BoardQuery(sort="payable", descending=True),
    BoardQuery(sort="awarded", per_page=2, page=2),
    BoardQuery(sort="owed", descending=True),
    BoardQuery(sort="status"),
    BoardQuery(district="sk"),
    BoardQuery(district="100%_"),
    BoardQuery(blocking="-"),
    BoardQuery(status="paid"),
]


@pytest.fixture(scope="module", params=BACKENDS)
def reads(request: pytest.FixtureRequest) -> Iterator[Reads]:
    """The demo on each backend, recorded once per module (the tests only read it)."""
    with scratch_store(base_url_for(request.param)) as store:
        load_demo(store)
        yield Reads(store, clock=lambda: TODAY)


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_a_page_from_sql_is_the_page_cut_from_the_whole_board(
    reads: Reads, query: BoardQuery
) -> None:
    whole = reads.board("ppss-2014")
    page = reads.board_page("ppss-2014", query)
    expected = page_of(whole, query)
    assert [r.project for r in page.rows] == [r.project for r in expected.rows]
    assert page.rows == expected.rows
    assert page.matching == expected.matching
    # The totals are the whole round's, whatever the filter.
    assert (page.projects, page.awarded_sek, page.paid_sek, page.payable_sek, page.owed_sek) == (
        len(whole),
        sum(r.awarded_sek for r in whole),
        sum(r.disbursed_sek for r in whole),
        sum(r.payable_sek for r in whole),
        sum(r.repayment_due_sek for r in whole),
    )
    assert page.statuses == expected.statuses
    assert page.blocking_codes == expected.blocking_codes
    assert page.payable_projects == expected.payable_projects
    # Supervision money apart from the grant, as the whole board's rows show it.
    assert (
        page.supervision
        == expected.supervision
        == (
            sum(r.supervision_granted_sek for r in whole),
            sum(r.supervision_paid_sek for r in whole),
            sum(r.supervision_payable_sek for r in whole),
        )
    )
    assert page.supervision[0] > 0, "the demo's 2014 round has supervision granted"


@pytest.mark.parametrize("order", ["district", "payable"])
def test_every_page_walked_in_turn_is_the_whole_board_sorted(reads: Reads, order: str) -> None:
    """Paging through the sort's index, page by page, gives every row once, in the order of
    the board sorted in memory, and the last page ends where the board does."""
    whole = reads.board("ppss-2014")
    for descending in (False, True):
        seen = []
        for number in range(1, len(whole) + 2):
            page = reads.board_page(
                "ppss-2014", BoardQuery(sort=order, descending=descending, per_page=2, page=number)
            )
            if not page.rows:
                break
            seen.extend(page.rows)
        query = BoardQuery(sort=order, descending=descending, per_page=500)
        assert seen == page_of(whole, query).rows


def test_every_blocking_code_filters_to_the_rows_it_blocks(reads: Reads) -> None:
    whole = reads.board("ppss-2014")
    codes = reads.board_page("ppss-2014", BoardQuery()).blocking_codes
    assert codes, "the demo's 2014 round has something that blocks a payment"
    for code in codes:
        page = reads.board_page("ppss-2014", BoardQuery(blocking=code, per_page=500))
        assert {r.project for r in page.rows} == {r.project for r in whole if code in r.blocking}


def test_a_query_the_overview_does_not_offer_is_refused() -> None:
    with pytest.raises(ValueError, match="sort by"):
        BoardQuery(sort="detail")
    with pytest.raises(ValueError, match="page"):
        BoardQuery(page=0)
