"""Recusal (jäv) over HTTP, on each backend (issue 21, must show 4): the demo's Farsta
district director sits on the steering group, tied to Farsta on their grant. On Farsta's
project page the plan form is not offered to them, the reason shown instead; posted anyway
(the page's form, the generated command form or the API), it is refused on the server, in
Swedish, at the top of the form (focused), and nothing is written. Another member decides.
The demo's clock is 15 December 2014."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from events import PlanApproved
from policies.commands import SubmitPlan
from ppss_workflow.demo import STEERING_GROUP_MEMBERS, district_actor
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from ppss_workflow.tokens import create_token
from tests.web.conftest import clock, csrf_of

Client = Callable[[str | None], TestClient]
FARSTA = "/rounds/ppss-2014/projects/farsta"
STREAM = "project:ppss-2014:farsta"
DIRECTOR = next(email for _, email, tied in STEERING_GROUP_MEMBERS if tied == "Farsta")
PLAN = {"plan_id": "plan-c", "decision": "approve", "meeting_on": "2014-12-15"}
REFUSAL = re.compile(
    r'<p class="form-error" role="alert" tabindex="-1" autofocus id="plan-refused">'
    r"Inte registrerad: jäv: " + re.escape(DIRECTOR) + r" är knuten till Farsta"
)


def _submitted(store: EventStore) -> None:
    Commands(store, clock).execute(
        district_actor("Farsta"),
        SubmitPlan(round_id="ppss-2014", district="Farsta", plan_id="plan-c", summary="Tillägg"),
    )


def _post(client: TestClient, url: str, form: str, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get(form).text)
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
    assert "Traceback" not in response.text
    return response.status_code, response.text


def test_the_tied_member_is_not_offered_the_form_and_is_refused_if_posting_anyway(
    signed_in: Client, demo_store: EventStore
) -> None:
    _submitted(demo_store)
    client = signed_in("steering_group:Farsta")
    page = client.get(FARSTA)
    assert page.status_code == 200
    assert 'class="plan"' not in page.text  # no form, no button
    assert 'id="plan-recused"' in page.text
    assert f"jäv: {DIRECTOR} är knuten till Farsta" in page.text
    before = demo_store.count()
    status, html = _post(client, f"{FARSTA}/plans", FARSTA, **PLAN)
    assert status == 422
    assert REFUSAL.search(html), html[html.find('id="plan"') :][:600]
    assert 'class="plan"' not in html
    # Returning it is refused the same way.
    status, html = _post(client, f"{FARSTA}/plans", FARSTA, **{**PLAN, "decision": "reject",
                         "reason": "Saknar budget"})  # fmt: skip
    assert status == 422
    assert REFUSAL.search(html)
    # The generated form of the same command: refused at its top, nothing written.
    form = "/rounds/ppss-2014/commands/decide-plan"
    status, html = _post(client, form, form, district="Farsta", plan_id="plan-c",
                         approve="true", meeting_on="2014-12-15")  # fmt: skip
    assert status == 422
    assert 'role="alert"' in html
    assert f"jäv: {DIRECTOR} är knuten till Farsta" in html
    assert demo_store.count() == before


def test_the_tied_member_decides_another_districts_plan_and_another_member_farstas(
    signed_in: Client, demo_store: EventStore
) -> None:
    _submitted(demo_store)
    rinkeby_director = signed_in("steering_group:Rinkeby-Kista")
    page = rinkeby_director.get(FARSTA).text
    assert 'class="plan"' in page  # not tied to Farsta: the form is offered
    assert 'id="plan-recused"' not in page
    status, html = _post(rinkeby_director, f"{FARSTA}/plans", FARSTA, **PLAN)
    assert status == 303, html
    approval = demo_store.read_stream(STREAM)[-1]
    assert isinstance(approval.event, PlanApproved)
    assert approval.event.meeting_on == date(2014, 12, 15)
    assert approval.metadata.actor == "stadsdelsdirektor@rinkeby-kista.example.org"


def test_the_project_page_shows_the_decisions_as_records(signed_in: Client) -> None:
    page = signed_in("coordinator").get(FARSTA).text
    decisions = page[page.index('id="decisions"') :]
    decisions = decisions[: decisions.index("</table>")]
    assert "Socialnämnden" in decisions
    assert "1.5.1-0000/2014" in decisions
    assert "Socialnämndens protokoll 2014-02-04, § 7" in decisions
    assert "2014-02-04" in decisions
    assert "Styrgruppens protokoll 2014-03-10, § 4" in decisions


def test_the_api_refuses_a_token_named_by_the_tied_members_address(
    app_client: TestClient, demo_store: EventStore
) -> None:
    _submitted(demo_store)
    token = create_token(demo_store, DIRECTOR, "steering_group")
    before = demo_store.count()
    response = app_client.post(
        "/api/v1/commands/decide-plan",
        json={
            "round_id": "ppss-2014",
            "district": "Farsta",
            "plan_id": "plan-c",
            "approve": True,
            "meeting_on": "2014-12-15",
        },
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "sv"},
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "jäv" in response.json()["detail"]
    assert demo_store.count() == before


def test_the_coordinators_forms_record_the_decision_as_a_record(
    signed_in: Client, demo_store: EventStore
) -> None:
    """The allocation page and the award form take the diary number and the minutes; a
    mistake in one is said beside it; the project page shows the record."""
    from tests.web.test_coordinator_forms import _new_round, _post  # noqa: PLC0415

    _new_round(demo_store, "Farsta", "Skarpnäck")
    client = signed_in("coordinator")
    url = "/rounds/ppss-2015/allocation"
    assert 'id="allocation-diary_number"' in client.get(url).text
    data = {
        "decided_by": "Socialnämnden",
        "decided_on": "2014-12-15",
        "decision_ref": "SN 2014-12-15",
        "diary_number": "1.5.1-0001/2014",
        "minutes_ref": "Socialnämndens protokoll 2014-12-15, § 3",
    }
    before = demo_store.count()
    status, html = _post(client, url, step="preview", **{**data, "minutes_ref": "§" * 201})
    assert status == 422
    assert 'id="allocation-minutes_ref-error"' in html
    assert demo_store.count() == before
    status, html = _post(client, url, step="preview", **data)
    assert status == 200
    found = re.search(r'name="table" value="([^"]*)"', html)
    assert found is not None
    assert 'name="diary_number" value="1.5.1-0001/2014"' in html  # carried to the confirmation
    status, html = _post(client, url, step="record", table=found.group(1), **data)
    assert status == 303, html
    decision = demo_store.read_stream("round:ppss-2015")[-1].event
    assert (decision.diary_number, decision.minutes_ref) == (  # type: ignore[attr-defined]
        "1.5.1-0001/2014",
        "Socialnämndens protokoll 2014-12-15, § 3",
    )
    page = client.get("/rounds/ppss-2015/projects/farsta").text
    table = page[page.index('id="decisions"') :]
    assert "1.5.1-0001/2014" in table[: table.index("</table>")]


def test_an_award_of_its_own_carries_its_record(signed_in: Client, demo_store: EventStore) -> None:
    from tests.web.test_coordinator_forms import _new_round, _post  # noqa: PLC0415

    _new_round(demo_store, "Farsta")
    client = signed_in("coordinator")
    status, html = _post(client, "/rounds/ppss-2015/projects/farsta/awards", amount="1 500 000",
                         decision_ref="SN 10", decided_on="2014-12-15",
                         decided_by="Socialnämnden", diary_number="1.5.1-0002/2014",
                         minutes_ref="Socialnämndens protokoll 2014-12-15, § 4")  # fmt: skip
    assert status == 303, html
    award = demo_store.read_stream("project:ppss-2015:farsta")[-1].event
    assert (award.decided_by, award.diary_number, award.minutes_ref) == (  # type: ignore[attr-defined]
        "Socialnämnden",
        "1.5.1-0002/2014",
        "Socialnämndens protokoll 2014-12-15, § 4",
    )
