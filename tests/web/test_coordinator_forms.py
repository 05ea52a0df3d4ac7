"""The coordinator's forms over the real app, on each backend: every form records the right
event once; a repeated submit is "already recorded" and never a second event; no CSRF token
or another role is refused and nothing is written; a rule's refusal is shown beside the form
(422) and nothing is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from policies.commands import Apply, OpenRound, RequestSupervision, ScheduleSession
from ppss_workflow.demo import COORDINATOR, district_actor
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from tests.web.conftest import clock, csrf_of

R14 = "/rounds/ppss-2014"
FARSTA = f"{R14}/projects/farsta"
ALREADY = "Redan registrerad"

Client = Callable[[str | None], TestClient]


def _post(client: TestClient, url: str, **data: str | list[str]) -> tuple[int, str]:
    token = csrf_of(client.get("/").text)
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
    assert "Traceback" not in response.text
    return response.status_code, response.text


def _types(store: EventStore, stream: str) -> list[str]:
    return [r.event_type for r in store.read_stream(stream)]


def _once_then_already(
    client: TestClient,
    store: EventStore,
    url: str,
    data: dict[str, str | list[str]],
    event_types: list[str],
    back: str,
) -> None:
    """The post records ``event_types`` (and nothing else); the same post again (the same
    form, by its id) records nothing and the page says it was already on record."""
    data = {"form_id": str(uuid4()), **data}
    before = store.count()
    status, html = _post(client, url, **data)
    assert status == 303, html
    assert store.count() == before + len(event_types)
    recorded = [r.event_type for r in store.read_all(before)]
    assert recorded == event_types
    assert ALREADY not in client.get(back).text.split("<main>", 1)[1]
    status, html = _post(client, url, **data)
    assert status == 303, html
    assert store.count() == before + len(event_types)  # never a second event
    assert ALREADY in client.get(back).text


def _new_round(store: EventStore, *districts: str) -> None:
    """A round with applications and no awards yet."""
    commands = Commands(store, clock)
    commands.execute(
        COORDINATOR,
        OpenRound(
            round_id="ppss-2015",
            title="Pilot 2015",
            budget_sek=3_000_000,
            period_start=date(2015, 1, 1),
            period_end=date(2015, 12, 31),
            policy="ppss-2014",
            policy_version=1,
        ),
    )
    for name, schools in zip(districts, (2, 3, 1), strict=False):
        commands.execute(
            district_actor(name),
            Apply(
                round_id="ppss-2015",
                district=name,
                application={
                    "district": name,
                    "school_count": schools,
                    "applied_sek": 2_000_000,
                    "period_start": date(2015, 1, 1),
                    "period_end": date(2015, 12, 31),
                },
            ),
        )


def test_allocation_shows_the_rules_table_before_it_records(
    signed_in: Client, demo_store: EventStore
) -> None:
    _new_round(demo_store, "Farsta", "Skarpnäck")
    client = signed_in("coordinator")
    assert "/rounds/ppss-2015/allocation" in client.get("/rounds/ppss-2015").text
    page = client.get("/rounds/ppss-2015/allocation")
    assert page.status_code == 200
    assert 'value="Farsta"' in page.text
    before = demo_store.count()
    url = "/rounds/ppss-2015/allocation"
    data: dict[str, str | list[str]] = {
        "decided_by": "Socialnämnden",
        "decided_on": "2014-12-15",
        "decision_ref": "SN 2014-12-15",
    }
    status, html = _post(client, url, step="preview", **data)
    assert status == 200
    assert 'class="allocation-table"' in html
    assert "Skarpnäck" in html
    assert "3\u00a0000\u00a0000 kr" in html  # the whole budget shared
    assert 'name="step" value="record"' in html
    assert demo_store.count() == before  # a preview writes nothing
    found = re.search(r'name="table" value="([^"]*)"', html)
    assert found is not None
    data["table"] = found.group(1)
    assert data["table"] == "Farsta=1200000;Skarpnäck=1800000"
    # A confirmation of another table than the rule gives now (the applications changed):
    # the new table is shown, nothing is recorded.
    status, html = _post(client, url, step="record", **{**data, "table": "Farsta=3000000"})
    assert status == 409
    assert 'id="allocation-refused"' in html
    assert demo_store.count() == before
    status, html = _post(client, url, step="preview", decided_on="i morgon", exclude=["Nacka"])
    assert status == 422
    assert 'id="allocation-decided_on-error"' in html
    assert 'id="allocation-exclude-error"' in html
    _once_then_already(
        client,
        demo_store,
        url,
        {**data, "step": "record"},
        ["AllocationDecided", "GrantAwarded", "GrantAwarded"],
        "/rounds/ppss-2015",
    )
    assert "SN 2014-12-15" in client.get("/rounds/ppss-2015/projects/farsta").text
    # Another decision while awards stand: the rule's refusal beside the form.
    before = demo_store.count()
    status, html = _post(client, url, step="record", **{**data, "decision_ref": "SN 2"})
    assert status == 422
    assert 'id="allocation-refused"' in html
    assert demo_store.count() == before


def test_an_award_is_recorded_once_and_a_rule_refuses_beside_the_form(
    signed_in: Client, demo_store: EventStore
) -> None:
    _new_round(demo_store, "Farsta")
    client = signed_in("coordinator")
    page = client.get("/rounds/ppss-2015/projects/farsta").text
    assert 'class="award"' in page
    data: dict[str, str | list[str]] = {
        "amount": "1 500 000",
        "decision_ref": "SN 9",
        "decided_on": "2014-12-15",
    }
    _once_then_already(
        client,
        demo_store,
        "/rounds/ppss-2015/projects/farsta/awards",
        data,
        ["GrantAwarded"],
        "/rounds/ppss-2015/projects/farsta",
    )
    before = demo_store.count()
    status, html = _post(client, f"{FARSTA}/awards", **{**data, "amount": "1"})
    assert status == 422
    assert 'id="award-refused"' in html  # Farsta has all it applied for in 2014
    status, html = _post(client, f"{FARSTA}/awards", amount="ett", decided_on="")
    assert status == 422
    for name in ("amount", "decision_ref", "decided_on"):
        assert f'id="award-{name}-error"' in html
    assert demo_store.count() == before


def test_network_supervision_and_repayment_forms(signed_in: Client, demo_store: EventStore) -> None:
    Commands(demo_store, clock).execute(
        COORDINATOR,
        ScheduleSession(
            round_id="ppss-2014",
            session_id="natverk-4",
            title="Nätverksträff: avslutning",
            starts_at=datetime.fromisoformat("2014-12-10T13:00+01:00"),
        ),
    )
    Commands(demo_store, clock).execute(
        district_actor("Spånga-Tensta"),
        RequestSupervision(
            round_id="ppss-2014",
            district="Spånga-Tensta",
            amount_sek=25_000,
            description="Handledning",
        ),
    )
    client = signed_in("coordinator")
    _once_then_already(
        client,
        demo_store,
        f"{FARSTA}/network",
        {"session_id": "natverk-4", "outcome": "attended", "participants": "3"},
        ["NetworkAttendanceRecorded"],
        FARSTA,
    )
    before = demo_store.count()
    status, html = _post(client, f"{FARSTA}/network", session_id="natverk-4", outcome="exemption")
    assert status == 422
    assert 'id="network-note-error"' in html
    status, html = _post(
        client, f"{FARSTA}/network", session_id="natverk-4", outcome="exemption", note="Sjuk"
    )
    assert status == 422
    assert 'id="network-refused"' in html  # an exemption answers an absence only
    assert demo_store.count() == before
    spanga = f"{R14}/projects/spanga-tensta"
    _once_then_already(
        client,
        demo_store,
        f"{spanga}/supervision",
        {"amount": "25 000", "decision_ref": "FoU 2014-12"},
        ["SupervisionFundsGranted"],
        spanga,
    )
    status, html = _post(
        client, f"{R14}/projects/skarpnack/supervision", amount="25 000", decision_ref="FoU"
    )
    assert status == 422
    assert 'id="supervision-refused"' in html  # Skarpnäck has not asked for any
    # Farsta owes 100 000 kr back, demanded already: more cannot be demanded.
    status, html = _post(
        client, f"{FARSTA}/repayment-demands", amount="1", due_on="2015-03-31", reason="Mer"
    )
    assert status == 422
    assert 'id="demand-refused"' in html
    status, html = _post(client, f"{FARSTA}/repayment-settlements", amount="50 000", how="waived")
    assert status == 422
    assert 'id="settle-reference-error"' in html
    assert 'id="settle-reason-error"' in html
    assert demo_store.count() == before + 1
    _once_then_already(
        client,
        demo_store,
        f"{FARSTA}/repayment-settlements",
        {"amount": "60 000", "how": "received", "reference": "INB-2015-1"},
        ["RepaymentReceived"],
        FARSTA,
    )
    _once_then_already(
        client,
        demo_store,
        f"{FARSTA}/repayment-settlements",
        {"amount": "40 000", "how": "waived", "reference": "SN 2015-4", "reason": "Efterskänks"},
        ["RepaymentWaived"],
        FARSTA,
    )


def test_a_repayment_demand_and_a_correction_from_the_timeline(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    demand = next(
        r for r in demo_store.read_stream("project:ppss-2014:farsta")
        if r.event_type == "RepaymentDemanded"
    )  # fmt: skip
    page = client.get(FARSTA).text
    assert f'<option value="{demand.position}"' in page  # chosen in the timeline
    _once_then_already(
        client,
        demo_store,
        f"{FARSTA}/annulments",
        {"position": str(demand.position), "reason": "Fel belopp"},
        ["EventAnnulled"],
        FARSTA,
    )
    page = client.get(FARSTA).text
    assert "Fel belopp" in page
    assert f'<option value="{demand.position}"' not in page
    status, html = _post(client, f"{FARSTA}/annulments", position="999999", reason="")
    assert status == 422
    assert 'id="annul-position-error"' in html
    assert 'id="annul-reason-error"' in html
    _once_then_already(
        client,
        demo_store,
        f"{FARSTA}/repayment-demands",
        {"amount": "100 000", "due_on": "2015-03-31", "reason": "Ej använda medel"},
        ["RepaymentDemanded"],
        FARSTA,
    )


def test_deadlines_on_the_round_page(signed_in: Client, demo_store: EventStore) -> None:
    client = signed_in("coordinator")
    assert 'class="deadline"' in client.get(R14).text
    _once_then_already(
        client,
        demo_store,
        f"{R14}/deadlines",
        {"code": "year_end_account", "due_on": "2015-02-27", "reason": "Flyttad av nämnden"},
        ["DeadlineChanged"],
        R14,
    )
    _once_then_already(
        client,
        demo_store,
        f"{R14}/deadlines",
        {"code": "", "new_code": "Slutrapport", "due_on": "2015-03-15", "reason": "Ny"},
        ["DeadlineSet"],
        R14,
    )
    before = demo_store.count()
    status, html = _post(client, f"{R14}/deadlines", code="year_end_account", due_on="snart")
    assert status == 422
    assert 'id="deadline-due_on-error"' in html
    assert 'id="deadline-reason-error"' in html
    assert demo_store.count() == before


def test_open_a_round_and_close_one_after_its_loose_ends(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    assert client.get("/new-round").status_code == 200
    other = {
        "round_id": "ppss-2015",
        "title": "Pilot 2015",
        "budget": "5 000 000",
        "supervision_pool": "100 000",
        "period_start": "2015-01-01",
        "period_end": "2015-12-31",
        "policy": "ppss-2014",
    }
    before = demo_store.count()
    status, html = _post(client, "/new-round", form_id=str(uuid4()), **other)
    assert status == 422
    refused = html.split('id="open-refused">', 1)[1].split("</p>", 1)[0]
    assert "budgeten för 2014 är 10\u00a0000\u00a0000 kr enligt beslutet 2014-02-04" in refused
    assert "handledningsmedlen är 200\u00a0000 kr" in refused
    assert demo_store.count() == before
    # Nothing typed but the code, the title and the rules: the documents' numbers (seed 003).
    data: dict[str, str | list[str]] = {
        "round_id": "ppss-2015",
        "title": "Fortsättning",
        "policy": "ppss-2016",
    }
    _once_then_already(client, demo_store, "/new-round", data, ["RoundOpened"], "/rounds/ppss-2015")
    (opened,) = demo_store.read_stream("round:ppss-2015")
    assert (opened.event.budget_sek, opened.event.period_start, opened.event.policy_version) == (
        13_000_000,
        date(2016, 1, 1),
        2,
    )
    before = demo_store.count()
    status, html = _post(client, "/new-round", round_id="Ny Omgång!", period_end="2014-01-01")
    assert status == 422
    for name in ("round_id", "title", "policy"):
        assert f'id="open-{name}-error"' in html
    status, html = _post(client, "/new-round", **{**data, "supervision_cap": "200 000"})
    assert status == 422
    assert 'id="open-refused"' in html  # the round is open already (and the cap too big)
    assert demo_store.count() == before
    page = client.get(f"{R14}/close")
    assert page.status_code == 200
    ends = page.text.split('class="loose-ends"', 1)[1].split("</table>", 1)[0]
    for name in ("Farsta", "Rinkeby-Kista", "Skärholmen"):
        assert name in ends  # owes money back; not fully paid; not accounted for
    assert "Skarpnäck" not in ends
    status, html = _post(client, f"{R14}/close", reason="Omgången är slut")
    assert status == 422
    assert 'id="close-confirm-error"' in html
    assert demo_store.count() == before
    _once_then_already(
        client,
        demo_store,
        f"{R14}/close",
        {"reason": "Omgången är slut", "confirm": "yes"},
        ["RoundClosed"],
        R14,
    )
    status, html = _post(
        client, f"{R14}/deadlines", code="year_end_account", due_on="2015-04-01", reason="Sen"
    )
    assert status == 422
    assert 'id="deadline-refused"' in html  # a closed round takes no new deadlines


#: Every coordinator form, with what a coordinator would post.
POSTS: tuple[tuple[str, dict[str, str]], ...] = (
    (f"{FARSTA}/awards", {"amount": "1", "decision_ref": "X", "decided_on": "2014-12-15"}),
    (f"{FARSTA}/network", {"session_id": "natverk-3", "outcome": "absent"}),
    (f"{R14}/projects/spanga-tensta/supervision", {"amount": "1", "decision_ref": "X"}),
    (f"{FARSTA}/repayment-demands", {"amount": "1", "due_on": "2015-03-31", "reason": "X"}),
    (f"{FARSTA}/repayment-settlements", {"amount": "1", "how": "received", "reference": "X"}),
    (f"{FARSTA}/annulments", {"position": "113", "reason": "X"}),
    (f"{R14}/deadlines", {"code": "year_end_account", "due_on": "2015-03-01", "reason": "X"}),
    (f"{R14}/close", {"reason": "X", "confirm": "yes"}),
    (f"{R14}/allocation", {"step": "record", "decided_on": "2014-12-15", "decision_ref": "X",
                           "decided_by": "SN", "replace": "yes"}),
    ("/new-round", {"round_id": "x-1", "title": "X", "budget": "1", "period_start": "2015-01-01",
                    "period_end": "2015-12-31", "policy": "ppss-2014"}),
)  # fmt: skip


@pytest.mark.parametrize("user", ["district:Farsta", "auditor", "steering_group", None])
def test_other_roles_and_missing_csrf_are_refused_and_nothing_is_written(
    user: str | None, signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in(user)
    page = client.get(FARSTA).text if user else ""
    assert "coordinator-heading" not in page  # the forms are not shown to them
    token = csrf_of(client.get("/").text) if user else ""
    before = demo_store.count()
    for url, data in POSTS:
        response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code == (403 if user else 401), (url, response.text)
        assert "Traceback" not in response.text
    assert demo_store.count() == before
    coordinator = signed_in("coordinator")
    for url, data in POSTS:
        response = coordinator.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403, url
    assert demo_store.count() == before
