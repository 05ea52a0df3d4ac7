"""Issue 21 on the web: the board and the project page keep the grant and the supervision
money apart, and a work-queue link for one kind of money opens the payment form for it."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

R14 = "/rounds/ppss-2014"


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("\u00a0", " ")))


def test_the_board_shows_supervision_apart(
    signed_in: Callable[[str | None], TestClient],
) -> None:
    """On 15 April 2014 the supervision money is granted and not yet paid: its own columns
    and totals; the grant's total is seed 000's 10 000 000 kr."""
    page = visible(signed_in("coordinator").get(f"{R14}?as_of=2014-04-15").text)
    assert "Handledning beviljat" in page
    assert "Handledning kan betalas ut nu" in page
    assert "10 000 000 kr" in page
    assert "10 150 000 kr" not in page
    assert "150 000 kr" in page


def test_a_link_for_supervision_money_opens_the_form_for_it(
    signed_in: Callable[[str | None], TestClient],
) -> None:
    client = signed_in("coordinator")
    html = client.get(f"{R14}/projects/farsta?purpose=supervision").text
    page = visible(html)
    assert "Handledningsmedel beviljade (utöver bidraget)" in page
    assert '<option value="supervision" selected>' in html
