"""The district portal: the application form, the work plan, the follow-ups and accounts.

Each form records once; the same form again is "already recorded"; a mistake comes back
beside its field with nothing written; no CSRF token: 403, nothing written; another
district's project: 404, nothing written; an auditor posting: 403. On both backends.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from policies.commands import OpenRound, SubmitFinancialReport
from ppss_workflow.demo import COORDINATOR, district_actor
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from ppss_workflow.web.app import create_app
from ppss_workflow.web.settings import WebSettings
from tests.web.conftest import clock, csrf_of, sign_in

R15 = "sst-2015"
APPLY = f"/rounds/{R15}/apply"
FARSTA = "/rounds/ppss-2014/projects/farsta"
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def form_ids(html: str) -> list[str]:
    return FORM_ID.findall(html)


@pytest.fixture
def round_2015(demo_store: EventStore) -> str:
    """A round under the 2018 rules, open for applications on the app's day (15 Dec 2014)."""
    Commands(demo_store, clock).execute(
        COORDINATOR,
        OpenRound(
            round_id=R15,
            title="Skolsociala team 2015",
            budget_sek=10_000_000,
            period_start=date(2015, 1, 1),
            period_end=date(2015, 12, 31),
            policy="sst-2018",
            policy_version=1,
            application_deadline=date(2014, 12, 31),
        ),
    )
    return R15


def good_application(token: str, form_id: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": token,
        "form_id": form_id,
        "lead_unit": "Resursenheten, socialtjänsten",
        "co_applicant": ["Utbildningsförvaltningen", ""],
        "school": ["Skola A", "Skola B", "", ""],
        "applied": "1 400 000",
        "budget_label": ["Egen insats", "Personalkostnader", "Övriga kostnader"],
        "budget_amount": ["0", "1 300 000", "100 000"],
        "budget_own": ["0"],
        "period_start": "2015-01-01",
        "period_end": "2015-12-31",
        "cost_centre": "724 1070",
        "bankgiro": "555-1234",
        "sign_administration_director": "2014-12-10",
        "sign_finance_director": "2014-12-11",
        "sign_head_of_department": "2014-12-12",
    }
    data.update(changes)
    return data


def error_beside(html: str, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    assert found is not None, f"no error beside {field_id}"
    return found.group(1)


def test_a_district_applies_with_a_mistake_corrects_it_and_it_is_recorded_once(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore, round_2015: str
) -> None:
    """The 2018 form: mistakes beside their fields, rows added without script, one event."""
    client = signed_in("district:Farsta")
    assert "/rounds/sst-2015/apply" in client.get("/portal").text
    page = client.get(APPLY)
    assert page.status_code == 200
    token, (form_id,) = csrf_of(page.text), form_ids(page.text)
    before = demo_store.count()

    wrong = client.post(APPLY, data=good_application(token, form_id, applied="1,4 miljoner"))
    assert wrong.status_code == 422
    assert "hela kronor" in error_beside(wrong.text, "apply-applied")
    assert form_ids(wrong.text) == [form_id]  # the same submission, still not recorded
    assert 'value="Skola A"' in wrong.text  # as typed
    unsigned = client.post(APPLY, data=good_application(token, form_id, sign_finance_director=""))
    assert unsigned.status_code == 422
    assert error_beside(unsigned.text, "apply-sign-finance_director")
    not_adding_up = client.post(APPLY, data=good_application(token, form_id, applied="1 500 000"))
    assert "1\xa0400\xa0000" in error_beside(not_adding_up.text, "apply-applied")
    more = client.post(APPLY, data=good_application(token, form_id, add="school"))
    assert more.status_code == 200
    assert more.text.count('name="school"') == 5
    assert demo_store.count() == before

    # Another district's name typed in is not taken: a district applies for itself.
    done = client.post(
        APPLY,
        data=good_application(token, form_id, district="Skarpnäck"),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/rounds/sst-2015/projects/farsta"
    assert demo_store.count() == before + 1
    (recorded,) = demo_store.read_stream("project:sst-2015:farsta")
    assert recorded.event.district == "Farsta"
    assert recorded.event.schools == ("Skola A", "Skola B")
    assert recorded.event.school_count == 2
    assert recorded.event.co_applicants == ("Utbildningsförvaltningen",)
    assert [b.own_contribution for b in recorded.event.budget_lines] == [True, False, False]
    assert len(recorded.event.signatures) == 3
    assert recorded.metadata.actor == "projektledare@farsta.example.org"
    assert "Ansökan är registrerad" in client.get(done.headers["location"]).text

    again = client.post(APPLY, data=good_application(token, form_id), follow_redirects=False)
    assert again.status_code == 303
    assert "Redan registrerad" in client.get(again.headers["location"]).text
    assert demo_store.count() == before + 1


def test_who_may_apply(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore, round_2015: str
) -> None:
    """No CSRF: 403; auditor or steering group: 403; a coordinator on a district's behalf."""
    for user in ("auditor", "steering_group", "scheduler"):
        client = signed_in(user)
        token = csrf_of(client.get("/").text)
        before = demo_store.count()
        refused = client.post(APPLY, data=good_application(token, str(uuid4()), district="Farsta"))
        assert refused.status_code == 403, user
        assert demo_store.count() == before
    client = signed_in("district:Farsta")
    before = demo_store.count()
    no_csrf = client.post(APPLY, data=good_application("", str(uuid4())))
    assert no_csrf.status_code == 403
    assert demo_store.count() == before
    client = signed_in("coordinator")
    page = client.get(APPLY)
    assert 'name="district"' in page.text
    done = client.post(
        APPLY,
        data=good_application(csrf_of(page.text), form_ids(page.text)[0], district="Älvsjö"),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    (recorded,) = demo_store.read_stream("project:sst-2015:alvsjo")
    assert recorded.metadata.role == "coordinator"


def project_form(client: TestClient, url: str, form_class: str) -> tuple[str, str]:
    """The CSRF token and the form id of the form with ``form_class`` on the page."""
    html = client.get(url).text
    found = re.search(rf'class="{form_class}".*?name="form_id" value="([^"]+)"', html, re.S)
    assert found is not None, f"no {form_class} form on {url}"
    return csrf_of(html), found.group(1)


#: (form class on the 2014 project page, where it posts, what it sends)
FORMS_2014 = (
    ("portal-plan", "plan", {"plan_id": "plan-2014-c", "summary": "Tillägg om föräldrastöd"}),
    (
        "portal-year-end",
        "year-end-account",
        {"spent": "1 000 000", "supervision_spent": "25 000", "cost_description": "Löner"},
    ),
)


@pytest.mark.parametrize(("form_class", "path", "data"), FORMS_2014)
def test_a_project_form_records_once(
    signed_in: Callable[[str | None], TestClient],
    demo_store: EventStore,
    form_class: str,
    path: str,
    data: dict[str, str],
) -> None:
    """Recorded once; the same form again is already recorded; refusals write nothing."""
    url = f"{FARSTA}/portal/{path}"
    client = signed_in("district:Farsta")
    token, form_id = project_form(client, FARSTA, form_class)
    before = demo_store.count()
    assert client.post(url, data=data).status_code == 403  # no CSRF token
    assert demo_store.count() == before
    sent = {"csrf_token": token, "form_id": form_id, **data}
    first = client.post(url, data=sent, follow_redirects=False)
    assert first.status_code == 303, first.text
    assert demo_store.count() == before + 1
    page = client.get(first.headers["location"]).text
    assert "Redan registrerad" not in page
    second = client.post(url, data=sent, follow_redirects=False)
    assert second.status_code == 303
    assert "Redan registrerad" in client.get(second.headers["location"]).text
    assert demo_store.count() == before + 1

    other = signed_in("district:Rinkeby-Kista")
    token = csrf_of(other.get("/").text)
    fresh = {"csrf_token": token, "form_id": str(uuid4()), **data}
    assert other.post(url, data=fresh).status_code == 404
    auditor = signed_in("auditor")
    fresh["csrf_token"] = csrf_of(auditor.get("/").text)
    assert auditor.post(url, data=fresh).status_code == 403
    assert demo_store.count() == before + 1


def test_a_mistake_comes_back_beside_the_field(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """A year-end account without a description: the form again, the error beside it."""
    client = signed_in("district:Farsta")
    token, form_id = project_form(client, FARSTA, "portal-year-end")
    before = demo_store.count()
    response = client.post(
        f"{FARSTA}/portal/year-end-account",
        data={"csrf_token": token, "form_id": form_id, "spent": "en miljon"},
    )
    assert response.status_code == 422
    assert error_beside(response.text, "year-end-spent")
    assert error_beside(response.text, "year-end-cost_description")
    assert demo_store.count() == before


def test_a_year_end_account_above_what_was_paid_needs_an_explanation(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """Issue 21: 9 000 000 kr spent is refused at the top of the form in Swedish, naming
    what was spent and what was paid, nothing written; the same with an explanation is
    recorded, and the project page's timeline shows the explanation."""
    client = signed_in("district:Farsta")
    token, form_id = project_form(client, FARSTA, "portal-year-end")
    before = demo_store.count()
    data = {
        "csrf_token": token,
        "form_id": form_id,
        "spent": "9 000 000",
        "supervision_spent": "25 000",
        "cost_description": "Löner",
    }
    response = client.post(f"{FARSTA}/portal/year-end-account", data=data)
    assert response.status_code == 422
    refusal = re.search(r'id="year-end-refused">(.*?)</p>', response.text, re.S)
    assert refusal is not None, response.text
    assert "9\u00a0025\u00a0000 kr" in refusal.group(1)
    assert "förklara" in refusal.group(1)
    assert 'name="explanation"' in response.text
    assert demo_store.count() == before
    why = "Lokaler hyrda i förskott, beslutat av förvaltningen"
    taken = client.post(
        f"{FARSTA}/portal/year-end-account",
        data={**data, "explanation": why},
        follow_redirects=False,
    )
    assert taken.status_code == 303, taken.text
    assert demo_store.count() == before + 1
    page = client.get(taken.headers["location"]).text
    assert why in page


@pytest.fixture
def client_2018(demo_store: EventStore) -> Iterator[TestClient]:
    """The app on 1 November 2018: Skärholmen's 2018 project is running."""

    def in_2018() -> datetime:
        return datetime(2018, 11, 1, 10, 0, tzinfo=UTC)

    app = create_app(WebSettings(demo=True, secret_key=None), store=demo_store, clock=in_2018)
    with TestClient(app, base_url="http://localhost") as client:
        sign_in(client, "district:Skärholmen")
        yield client


SKARHOLMEN = "/rounds/sst-2018/projects/skarholmen"


@pytest.mark.parametrize(
    ("form_class", "url", "data"),
    [
        ("follow-up", "follow-ups", {"target_group_size": "50", "pupils_reached": "30"}),
        ("financial-report", "financial-reports", {"spent": "900 000", "forecast": "1 400 000"}),
        (
            "portal-annual",
            "portal/annual-follow-up",
            {"target_group_size": "50", "pupils_reached": "31"},
        ),
        ("portal-final", "portal/final-report", {"spent": "1 390 000", "forecast": "1 400 000"}),
    ],
)
def test_t2_and_annual_forms_are_recorded_once(
    client_2018: TestClient, demo_store: EventStore, form_class: str, url: str, data: dict[str, str]
) -> None:
    """The T2 forms had no guard: the same form posted twice is now one event."""
    token, form_id = project_form(client_2018, SKARHOLMEN, form_class)
    before = demo_store.count()
    sent = {"csrf_token": token, "form_id": form_id, **data}
    for _ in range(2):
        response = client_2018.post(f"{SKARHOLMEN}/{url}", data=sent, follow_redirects=False)
        assert response.status_code == 303, response.text
    assert demo_store.count() == before + 1
    assert "Redan registrerad" in client_2018.get(SKARHOLMEN).text


def test_t2_posts_on_a_2014_project_are_refused_plainly(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """The 2014 pilot has no T2: the post is refused with the reason, nothing written."""
    client = signed_in("district:Farsta")
    token = csrf_of(client.get(FARSTA).text)
    before = demo_store.count()
    for url, data in (
        ("follow-ups", {"target_group_size": "40", "pupils_reached": "20"}),
        ("financial-reports", {"spent": "500 000", "forecast": "1 000 000"}),
    ):
        response = client.post(f"{FARSTA}/{url}", data={"csrf_token": token, **data})
        assert response.status_code == 422, url
        assert "Omgången har ingen T2" in response.text
    assert demo_store.count() == before


def test_two_submissions_of_one_form_at_once_record_one_event(demo_store: EventStore) -> None:
    """Two posts of the same form racing each other: one event, one "already recorded"."""
    actor = district_actor("Skärholmen")
    command = SubmitFinancialReport(
        round_id="sst-2018", district="Skärholmen", kind="t2", spent_sek=1, forecast_sek=2
    )
    form_id = uuid4()
    before = demo_store.count()
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def in_2018() -> datetime:
        return datetime(2018, 9, 1, 10, 0, tzinfo=UTC)

    def submit() -> None:
        start.wait()
        outcomes.append(Commands(demo_store, in_2018).execute(actor, command, command_id=form_id))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert demo_store.count() == before + 1
    assert sorted(o.already is not None for o in outcomes) == [False, True]


@pytest.mark.parametrize(
    ("form_class", "url"),
    [("follow-up", "follow-ups"), ("portal-annual", "portal/annual-follow-up")],
)
def test_pupils_reached_above_the_target_group_is_said_beside_the_field(
    client_2018: TestClient, demo_store: EventStore, form_class: str, url: str
) -> None:
    """35 pupils reached of a target group of 20 (issue 21): 422, said beside the field,
    nothing written."""
    token, form_id = project_form(client_2018, SKARHOLMEN, form_class)
    before = demo_store.count()
    sent = {"csrf_token": token, "form_id": form_id, "target_group_size": "20",
            "pupils_reached": "35"}  # fmt: skip
    response = client_2018.post(f"{SKARHOLMEN}/{url}", data=sent, follow_redirects=False)
    assert response.status_code == 422, response.text
    error = re.search(r'id="[^"]*pupils_reached[^"]*-error"[^>]*>([^<]*)<', response.text)
    assert error is not None, "no error beside pupils_reached"
    assert error.group(1).strip() == "Det kan inte vara fler än målgruppen."
    assert demo_store.count() == before
