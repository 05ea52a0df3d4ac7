"""The forms added for issue 11's journeys, database-backed on each backend: a person's mistake
is said beside the field, a rule's refusal beside the form, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from policies.commands import SubmitPlan
from ppss_workflow.demo import district_actor
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from tests.web.conftest import clock, csrf_of

FARSTA = "/rounds/ppss-2014/projects/farsta"


def _post(client: TestClient, url: str, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get(FARSTA).text)
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
    assert "Traceback" not in response.text
    return response.status_code, response.text


def test_a_decided_plan_is_refused_beside_the_form(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in("steering_group")
    assert 'class="plan"' not in client.get(FARSTA).text  # nothing submitted to decide
    before = demo_store.count()
    status, html = _post(
        client,
        f"{FARSTA}/plans",
        plan_id="plan-2014",
        decision="approve",
        meeting_on="2014-12-15",
    )
    assert status == 422
    assert 'id="plan-refused"' in html
    assert "plan plan-2014 är redan godkänd" in html  # the policy's reason, in Swedish
    assert demo_store.count() == before


def test_plan_form_mistakes_are_said_beside_the_fields(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    Commands(demo_store, clock).execute(
        district_actor("Farsta"),
        SubmitPlan(round_id="ppss-2014", district="Farsta", plan_id="plan-c", summary="Tillägg"),
    )
    client = signed_in("steering_group")
    assert 'value="plan-c"' in client.get(FARSTA).text
    before = demo_store.count()
    status, html = _post(
        client, f"{FARSTA}/plans", plan_id="nope", decision="reject", meeting_on="15/12/2014"
    )
    assert status == 422
    for field in ("plan_id", "meeting_on", "reason"):
        assert f'id="{field}-error"' in html
    assert "Skriv varför planen avslås" in html
    status, html = _post(client, f"{FARSTA}/plans", plan_id="plan-c", decision="maybe")
    assert status == 422
    assert "Välj godkänn eller avslå." in html
    assert demo_store.count() == before
    status, _ = _post(
        client,
        f"{FARSTA}/plans",
        plan_id="plan-c",
        decision="reject",
        meeting_on="2014-12-15",
        reason="Budgeten saknas",
    )
    assert status == 303
    assert demo_store.read_stream("project:ppss-2014:farsta")[-1].event_type == "PlanRejected"
    assert "Arbetsplanen plan-c är avslagen" in client.get(FARSTA).text


def test_report_form_mistakes_are_said_beside_the_fields(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    client = signed_in("district:Farsta")
    before = demo_store.count()
    status, html = _post(
        client,
        f"{FARSTA}/follow-ups",
        target_group_size="många",
        pupils_reached="",
        unplanned_dropouts="-1",
        period_start="2014-13-01",
    )
    assert status == 422
    for field in ("target_group_size", "pupils_reached", "unplanned_dropouts", "period_start"):
        assert f'id="{field}-error"' in html
    status, html = _post(
        client,
        f"{FARSTA}/follow-ups",
        target_group_size="40",
        pupils_reached="20",
        period_start="2014-12-01",
        period_end="2014-01-01",
    )
    assert status == 422
    assert 'id="follow-up-refused"' in html  # the rule: the period in order
    status, html = _post(client, f"{FARSTA}/financial-reports", spent="12,5", forecast="")
    assert status == 422
    assert 'id="spent-error"' in html
    assert 'id="forecast-error"' in html
    assert demo_store.count() == before
    # Well-formed, but the 2014 pilot has no T2: refused with the reason, nothing written.
    status, html = _post(
        client, f"{FARSTA}/financial-reports", spent="0 kr", forecast="1 000 000:-"
    )
    assert status == 422
    assert "Omgången har ingen T2" in html
    assert demo_store.count() == before


def test_the_replay_page_explains_itself_and_reads_mistakes(
    signed_in: Callable[[str | None], TestClient],
) -> None:
    client = signed_in("auditor")
    page = client.get("/rounds/ppss-2014/replay")
    assert page.status_code == 200
    assert "Översikten i dag, enligt allt som registrerats fram till nu." in page.text
    page = client.get("/rounds/ppss-2014/replay?as_of=2014-03-31&known_at=2999-01-01T10:00")
    assert page.status_code == 200
    assert "vid dagens slut 2014-03-31, enligt det som hade registrerats till och med " in (
        page.text
    )
    assert "2999-01-01 10:00" in page.text
    early = client.get("/rounds/ppss-2014/replay?known_at=1999-01-01T10:00")
    assert early.status_code == 200
    assert "Omgången var ännu inte registrerad vid den tidpunkten." in early.text
    bad = client.get("/rounds/ppss-2014/replay?as_of=igår&known_at=klockan+tre")
    assert bad.status_code == 400
    assert 'id="as_of-error"' in bad.text
    assert 'id="known_at-error"' in bad.text
    assert client.get("/rounds/nope/replay").status_code == 404
    english = client.get("/rounds/ppss-2014/replay?lang=en&as_of=2014-03-31").text
    assert "The board as it stood at the end of 2014-03-31" in english
