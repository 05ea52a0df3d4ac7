"""The generated command forms over the real app, on each backend: a back-dated "Inträffade
den" is judged by the rules as of that day (and today), as the CLI's ``--on`` is; a refusal
comes back at the top of the form, focused, with the typed values kept and nothing written;
a mistake is said beside its field; the same form sent twice records once; a role the table
does not name is refused. The demo's clock is 15 December 2014."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from events import SupervisionFundsRequested
from policies.state import stockholm_day
from policies.table import TABLE
from ppss_workflow.documents import DatabaseContentStore
from ppss_workflow.store import EventStore
from ppss_workflow.web.command_forms import dated_by_happened_on, form_fields
from tests.web.conftest import csrf_of

Client = Callable[[str | None], TestClient]
FORM = "/rounds/ppss-2014/commands/request-supervision"
SKARPNACK = "project:ppss-2014:skarpnack"
ALERT = re.compile(
    r'<div class="form-error" role="alert" id="command-refused" tabindex="-1" autofocus>'
)


def _post(client: TestClient, url: str, **data: str) -> tuple[int, str]:
    token = csrf_of(client.get(url).text)
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
    assert "Traceback" not in response.text
    return response.status_code, response.text


def _requests(store: EventStore) -> list[object]:
    return [r for r in store.read_stream(SKARPNACK) if r.event_type == "SupervisionFundsRequested"]


def test_a_back_dated_command_the_rules_allowed_then_is_recorded_on_that_day(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    page = client.get(FORM)
    assert page.status_code == 200
    assert '<label for="command-on">Inträffade den' in page.text
    assert 'value="2014-12-15"' in page.text  # the day it happened: today by default
    data = {"district": "Skarpnäck", "amount_sek": "10 000", "description": "Handledning"}
    status, html = _post(client, FORM, form_id="4b0f8d1e-7c1a-4c8e-9a57-2f1f3c6a0a01",
                         on="2014-06-02", **data)  # fmt: skip
    assert status == 303, html
    (recorded,) = _requests(demo_store)
    assert isinstance(recorded.event, SupervisionFundsRequested)  # type: ignore[attr-defined]
    assert recorded.event.amount_sek == 10_000  # type: ignore[attr-defined]
    assert stockholm_day(recorded.occurred_at) == date(2014, 6, 2)  # type: ignore[attr-defined]
    assert "Registrerat." in client.get(FORM).text
    # The same form again (its id): already recorded, nothing written twice.
    status, _ = _post(client, FORM, form_id="4b0f8d1e-7c1a-4c8e-9a57-2f1f3c6a0a01",
                      on="2014-06-02", **data)  # fmt: skip
    assert status == 303
    assert len(_requests(demo_store)) == 1
    assert "Redan registrerad" in client.get(FORM).text


def test_a_back_dated_command_the_rules_forbade_then_is_refused_beside_the_form(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    before = demo_store.count()
    # 10 May 2013: the round was open, but Skarpnäck applied only on 31 May 2013. Today the
    # same request is allowed (the test above records it).
    data = {"district": "Skarpnäck", "amount_sek": "10 000", "description": "Handledning"}
    status, html = _post(client, FORM, on="2013-05-10", **data)
    assert status == 422
    assert ALERT.search(html), "the refusal is at the top of the form, focused"
    assert html.index('id="command-refused"') < html.index('id="command-district"')
    assert 'value="10 000"' in html  # the values typed are kept
    assert ">Handledning</textarea>" in html
    assert 'value="2013-05-10"' in html
    assert 'class="field-error"' not in html  # a rule's refusal, not a mistake in a field
    assert "<option selected>Skarpnäck</option>" in html
    assert demo_store.count() == before  # nothing written


def test_a_mistake_is_said_beside_its_field_and_nothing_is_written(
    signed_in: Client, demo_store: EventStore
) -> None:
    client = signed_in("coordinator")
    before = demo_store.count()
    status, html = _post(
        client, FORM, district="Skarpnäck", amount_sek="tio", description="", on="2014-13-01"
    )
    assert status == 422
    assert 'id="command-amount_sek-error"' in html
    assert 'aria-describedby="command-amount_sek-error"' in html
    assert demo_store.count() == before
    status, html = _post(client, FORM, district="Skarpnäck", amount_sek="1", on="2014-13-01")
    assert status == 422
    assert 'id="command-description-error"' in html
    assert 'id="command-on-error"' in html
    assert demo_store.count() == before


def test_a_role_the_table_does_not_name_gets_no_form(
    signed_in: Client, demo_store: EventStore
) -> None:
    before = demo_store.count()
    auditor = signed_in("auditor")
    assert auditor.get(FORM).status_code == 403
    status, _ = _post(auditor, "/rounds/ppss-2014/commands/disburse", district="Farsta",
                      amount_sek="1", payment_reference="U-9")  # fmt: skip
    assert status == 403
    assert demo_store.count() == before
    # A district may request supervision money, for its own project only.
    farsta = signed_in("district:Farsta")
    page = farsta.get(FORM).text
    assert "<option>Farsta</option>" in page
    assert "Skarpnäck" not in page
    assert farsta.get("/rounds/ppss-2014/commands/disburse").status_code == 403


def test_commands_with_a_hand_made_page_send_people_there(signed_in: Client) -> None:
    client = signed_in("coordinator")
    response = client.get("/rounds/ppss-2014/commands/record-allocation", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/rounds/ppss-2014/allocation"
    listing = client.get("/rounds/ppss-2014/commands").text
    assert 'href="/rounds/ppss-2014/commands/request-supervision"' in listing
    assert "Begär handledningsmedel" in listing


def test_every_command_of_the_table_has_a_form_on_the_web(signed_in: Client) -> None:
    """No command exists only in the CLI: for each entry of the table, a role it names gets
    its form (generated, every field labelled, "Inträffade den" where the command has no
    date of its own), or is sent to its hand-made page, which is served."""
    users = {"coordinator": "coordinator", "steering_group": "steering_group",
             "district": "district:Farsta"}  # fmt: skip
    for entry in TABLE:
        client = signed_in(users[entry.roles[0]])
        url = f"/rounds/ppss-2014/commands/{entry.path}"
        response = client.get(url, follow_redirects=False)
        if entry.page is not None:
            assert response.status_code == 303, entry.path
            assert client.get(response.headers["location"]).status_code == 200, entry.path
            continue
        assert response.status_code == 200, entry.path
        html = response.text
        assert f'action="{url}"' in html
        assert 'name="form_id"' in html
        for f in form_fields(entry):
            assert f'id="command-{f.name}"' in html, (entry.path, f.name)
        assert ('<label for="command-on">Inträffade den' in html) == dated_by_happened_on(entry)


def test_times_choices_and_json_fields_are_read_as_the_command_takes_them(
    signed_in: Client, demo_store: EventStore
) -> None:
    """A session's start (a Stockholm time), an outcome chosen, a count, and a payment plan's
    instalments written as JSON: recorded; JSON that does not parse is a mistake beside its
    field."""
    client = signed_in("coordinator")
    base = "/rounds/ppss-2014/commands"
    session_form = {"session_id": "natverk-9", "title": "Extra träff", "mandatory": "yes"}
    status, html = _post(
        client, f"{base}/schedule-session", starts_at="2014-12-10T13:00", **session_form
    )
    assert status == 303, html
    session = demo_store.read_stream("round:ppss-2014")[-1]
    assert session.event.starts_at.isoformat() == "2014-12-10T13:00:00+01:00"
    status, html = _post(client, f"{base}/record-network", district="Farsta",
                         session_id="natverk-9", outcome="attended", participants="3",
                         on="2014-12-10")  # fmt: skip
    assert status == 303, html
    attended = demo_store.read_stream("project:ppss-2014:farsta")[-1]
    assert attended.event_type == "NetworkAttendanceRecorded"
    assert attended.event.participants == 3
    before = demo_store.count()
    status, html = _post(client, f"{base}/set-payment-plan", district="",
                         instalments='[{"percent": 50', reason="Ny plan")  # fmt: skip
    assert status == 422
    assert 'id="command-instalments-error"' in html
    assert demo_store.count() == before
    plan = '[{"percent": 50}, {"percent": 50, "releases_on": ["year_end_account"]}]'
    status, html = _post(client, f"{base}/set-payment-plan", district="", instalments=plan,
                         reason="Ny plan")  # fmt: skip
    assert status == 303, html
    assert demo_store.read_stream("round:ppss-2014")[-1].event_type == "PaymentPlanSet"


def test_the_round_and_project_pages_lead_to_the_forms(signed_in: Client) -> None:
    client = signed_in("coordinator")
    assert 'href="/rounds/ppss-2014/commands"' in client.get("/rounds/ppss-2014").text
    project = client.get("/rounds/ppss-2014/projects/skarpnack").text
    link = "/rounds/ppss-2014/commands?district=Skarpn%C3%A4ck"
    assert f'href="{link}"' in project
    listing = client.get(link).text
    assert "Det du kan registrera för Skarpnäck" in listing
    assert f'href="{FORM}?district=Skarpn%C3%A4ck"' in listing
    assert "/commands/schedule-session" not in listing  # a round's command, not a project's
    form = client.get(f"{FORM}?district=Skarpn%C3%A4ck").text
    assert "<option selected>Skarpnäck</option>" in form
    reader = signed_in("auditor")
    assert "/commands" not in reader.get("/rounds/ppss-2014").text


def test_a_district_attaches_a_document_on_the_generated_form(
    signed_in: Client, demo_store: EventStore
) -> None:
    """The file itself gives the name, type, size and SHA-256; the bytes are kept."""
    client = signed_in("district:Farsta")
    url = "/rounds/ppss-2014/commands/attach-document"
    page = client.get(url).text
    assert 'type="file"' in page
    assert 'enctype="multipart/form-data"' in page
    content = b"%PDF-1.4\n% a small test file\n%%EOF\n"
    response = client.post(
        url,
        data={"csrf_token": csrf_of(page), "attached_to": "plan", "on": "2014-12-15"},
        files={"file": ("plan.pdf", content, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    attached = demo_store.read_stream("project:ppss-2014:farsta")[-1]
    assert attached.event_type == "DocumentAttached"
    assert attached.event.name == "plan.pdf"
    assert attached.event.sha256 == hashlib.sha256(content).hexdigest()
    assert DatabaseContentStore(demo_store).get(attached.event.sha256) == content
    before = demo_store.count()
    no_file = client.post(url, data={"csrf_token": csrf_of(page), "attached_to": "plan"})
    assert no_file.status_code == 422
    assert 'id="command-file-error"' in no_file.text
    assert demo_store.count() == before


def test_a_document_is_dated_listed_and_downloaded_by_its_own_district_only(
    signed_in: Client, demo_store: EventStore
) -> None:
    """The attach form's "Inträffade den" dates the record; the project's documents page lists
    the file and gives its bytes back; another district's project is not found."""
    client = signed_in("district:Farsta")
    url = "/rounds/ppss-2014/commands/attach-document"
    content = b"%PDF-1.4\n% Bokslut Farsta \xc3\xa5\xc3\xa4\xc3\xb6\n%%EOF\n"
    sent = client.post(
        url,
        data={"csrf_token": csrf_of(client.get(url).text), "attached_to": "year-end-account"}
        | {"on": "2014-12-15"},
        files={"file": ("bokslut.pdf", content, "application/pdf")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    attached = demo_store.read_stream("project:ppss-2014:farsta")[-1]
    assert stockholm_day(attached.occurred_at) == date(2014, 12, 15)
    sha = hashlib.sha256(content).hexdigest()
    listing = client.get("/rounds/ppss-2014/projects/farsta/documents")
    assert listing.status_code == 200
    href = f"/rounds/ppss-2014/projects/farsta/documents/{sha}"
    assert href in listing.text
    assert (
        'href="/rounds/ppss-2014/projects/farsta/documents"'
        in client.get("/rounds/ppss-2014/projects/farsta").text
    )
    got = client.get(href)
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    other = signed_in("district:Skarpnäck")
    assert other.get(href).status_code == 404
    assert other.get("/rounds/ppss-2014/projects/farsta/documents").status_code == 404
    assert signed_in("coordinator").get(href).content == content


def test_a_refusal_on_a_generated_form_is_said_from_its_reason_in_swedish(
    signed_in: Client, demo_store: EventStore
) -> None:
    """The alert says the refusal's reason from the catalogue (it showed the English message
    with the reason's internal code, e.g. "payable.blocked(conditions=[...])")."""
    client = signed_in("coordinator")
    url = "/rounds/ppss-2014/commands/disburse"
    before = demo_store.count()
    refused = client.post(
        url,
        data={
            "csrf_token": csrf_of(client.get(url).text),
            "district": "Farsta",
            "amount_sek": "99 000 000",
            "payment_reference": "FEL-1",
        },
    )
    assert refused.status_code == 422
    alert = re.search(r'id="command-refused"[^>]*>(.*?)</div>', refused.text, re.S)
    assert alert is not None
    assert "payable." not in alert.group(1)
    assert "cannot pay" not in alert.group(1)
    assert "kan inte betala ut" in alert.group(1)
    assert demo_store.count() == before
