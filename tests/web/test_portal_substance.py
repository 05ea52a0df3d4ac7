"""The 2018 application's substance on the portal's form (issue 21): seed 002's questions.

The app's clock is 15 December 2014, so a round dated 2018 would be refused as in the future:
like tests/web/test_portal.py, these tests open a round under the 2018 rules (``sst-2018``,
version 1) for 2015, open for applications on the app's day. On both backends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient

from events.application import ApplicationSubstance, Estimate
from policies.commands import OpenRound
from ppss_workflow.demo import COORDINATOR
from ppss_workflow.errors import InvalidCommand
from ppss_workflow.handlers import Commands
from ppss_workflow.store import EventStore
from ppss_workflow.web.forms import parse_estimate
from tests.web.conftest import clock, csrf_of
from tests.web.test_portal import error_beside, form_ids, good_application

R15 = "sst-2015"
APPLY = f"/rounds/{R15}/apply"

#: The form's answers as a district types them: ranges with a hyphen or a dash, "ca 50".
ANSWERS = {
    "target_group": "Elever i åk 4–9 med hög skolfrånvaro",
    "target_group_size": "ca 50",
    "schools_planned": "4-5",
    "pupils_to_reach": "20–30 elever",
    "staff_percent": "200 %",
    "staff_roles": "Två fältassistenter, halvtid var på fyra skolor",
    "pupil_health_link": "En kontaktperson på varje skola mot elevhälsoteamet",
    "open_care_link": "Teamet hör till öppenvården; möten varje vecka",
    "family_work": "Regelbunden kontakt med föräldrarna; föräldrastöd i grupp",
    "steering_group": "Avdelningschef socialtjänst, grundskolechef, enhetschefer",
    "working_group": "Enhetschefer och berörda rektorer",
    "partners": "BUP, civilsamhällets föreningar",
    "plans_next_year": "Teamen läggs i den ordinarie verksamheten 2019",
}


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


def test_the_substance_is_applied_for_on_the_form_and_shown_on_the_project_page(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore, round_2015: str
) -> None:
    client = signed_in("district:Farsta")
    page = client.get(APPLY)
    assert page.status_code == 200
    for name in ANSWERS:
        assert f'name="{name}"' in page.text, name
    assert "Målgruppens storlek (elever)" in page.text  # the label in Swedish
    token, (form_id,) = csrf_of(page.text), form_ids(page.text)
    before = demo_store.count()
    done = client.post(
        APPLY, data=good_application(token, form_id, **ANSWERS), follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert demo_store.count() == before + 1
    (recorded,) = demo_store.read_stream("project:sst-2015:farsta")
    assert recorded.event.substance == ApplicationSubstance(
        **{
            **ANSWERS,
            "target_group_size": Estimate(low=50),
            "schools_planned": Estimate(low=4, high=5),
            "pupils_to_reach": Estimate(low=20, high=30),
            "staff_percent": 200,
        }
    )
    shown = client.get(done.headers["location"]).text
    assert "Målgruppens storlek (elever)" in shown
    assert re.search(r"<dd>4–5</dd>", shown), "the range of schools on the project page"
    assert "<dd>20–30</dd>" in shown
    assert "BUP, civilsamhällets föreningar" in shown


def test_an_application_answering_none_of_the_questions_keeps_no_substance(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore, round_2015: str
) -> None:
    client = signed_in("district:Farsta")
    page = client.get(APPLY)
    sent = good_application(csrf_of(page.text), form_ids(page.text)[0])
    assert client.post(APPLY, data=sent, follow_redirects=False).status_code == 303
    (recorded,) = demo_store.read_stream("project:sst-2015:farsta")
    assert recorded.event.substance is None


@pytest.mark.parametrize(
    ("field", "typed", "needle"),
    [
        ("schools_planned", "5-4", "mindre talet först"),
        ("pupils_to_reach", "många", "t.ex. 4-5"),
        ("staff_percent", "två tjänster", "heltal"),
        ("family_work", "Föräldrar\x00möten", "tecken"),
    ],
)
def test_a_bad_answer_comes_back_beside_its_field_with_nothing_written(
    signed_in: Callable[[str | None], TestClient],
    demo_store: EventStore,
    round_2015: str,
    field: str,
    typed: str,
    needle: str,
) -> None:
    client = signed_in("district:Farsta")
    page = client.get(APPLY)
    token, (form_id,) = csrf_of(page.text), form_ids(page.text)
    before = demo_store.count()
    sent = good_application(token, form_id, **{**ANSWERS, field: typed})
    wrong = client.post(APPLY, data=sent)
    assert wrong.status_code == 422
    assert needle in error_beside(wrong.text, f"apply-{field}")
    assert demo_store.count() == before
    if "\x00" not in typed:
        assert f'value="{typed}"' in wrong.text  # as typed
    assert "Teamen läggs i den ordinarie verksamheten 2019" in wrong.text  # the others kept
    assert "Elever i åk 4–9 med hög skolfrånvaro" in wrong.text


def test_a_2014_form_does_not_ask_the_2018_questions(
    signed_in: Callable[[str | None], TestClient], demo_store: EventStore
) -> None:
    """The 2014 round's policy does not ask them: the form has no field for them."""
    client = signed_in("coordinator")
    page = client.get("/rounds/ppss-2014/apply")
    assert page.status_code == 200
    assert 'name="target_group_size"' not in page.text
    assert "Målgruppens storlek" not in page.text


@pytest.mark.parametrize(
    ("typed", "estimate"),
    [
        ("4-5", {"low": 4, "high": 5}),
        ("4 – 5", {"low": 4, "high": 5}),
        ("4 till 5", {"low": 4, "high": 5}),
        ("ca 50", {"low": 50}),
        ("50 elever", {"low": 50}),
        ("1 200", {"low": 1200}),
        ("", None),
    ],
)
def test_a_number_or_a_range_is_read_as_the_model_takes_it(
    typed: str, estimate: dict[str, int] | None
) -> None:
    assert parse_estimate(typed) == estimate
    if estimate is not None:
        assert Estimate(**estimate)


@pytest.mark.parametrize("typed", ["5-4", "4,5", "4-5-6", "-3", "2 000 000", "fyra"])
def test_what_is_not_a_number_or_a_range_is_refused(typed: str) -> None:
    with pytest.raises(InvalidCommand):
        parse_estimate(typed)
