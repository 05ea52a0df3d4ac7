"""Contacts without a database: what a project's history leaves standing, and which contact
each obligation goes to; the contact commands' refusals."""

from __future__ import annotations

from datetime import date

import pytest

from events import (
    ApplicationSubmitted,
    ContactRemoved,
    ContactSet,
    EventAnnulled,
    SchoolKindSet,
)
from policies.commands import RemoveContact, SetContact
from policies.contacts import ContactBook, Recipient, contact_book, recipient_for
from tests.unit.said import en
from tests.unit.world import FARSTA, RID, TODAY, World, applied, opened, refused

APPLICATION = ApplicationSubmitted(
    round_id=RID,
    project_id="farsta",
    district="Farsta",
    school_count=2,
    schools=("Fokusskola 1", "Fokusskola 2"),
    applied_sek=1_000_000,
    period_start=date(2014, 1, 1),
    period_end=date(2014, 12, 31),
    contacts=({"role": "unit_manager", "email": "enhetschef@farsta.example.org"},),
)


def test_a_later_contact_replaces_an_earlier_one_and_an_annulment_restores_it() -> None:
    """The latest ContactSet per role and place stands; removal and annulment count."""
    w = World()
    first = w.given(FARSTA, ContactSet(role="finance", email="a@example.org"), date(2014, 1, 2))
    second = w.given(FARSTA, ContactSet(role="finance", email="b@example.org"), date(2014, 2, 2))
    w.given(
        FARSTA,
        ContactSet(role="school_contact", email="s@example.org", school="Fokusskola 1"),
        date(2014, 2, 2),
    )
    w.given(FARSTA, SchoolKindSet(school="Fokusskola 2", kind="free"), date(2014, 2, 2))
    book = contact_book(w.stream(FARSTA))
    assert book.project == {"finance": "b@example.org"}
    assert book.schools == {"Fokusskola 1": {"school_contact": "s@example.org"}}
    assert book.kinds == {"Fokusskola 2": "free"}
    w.given(
        FARSTA,
        EventAnnulled(annulled_event_id=second.event_key, reason="fel adress"),
        date(2014, 3, 1),
    )
    assert contact_book(w.stream(FARSTA)).project == {"finance": first.event.email}
    w.given(FARSTA, ContactRemoved(role="finance"), date(2014, 3, 2))
    assert contact_book(w.stream(FARSTA)).project == {}


@pytest.mark.parametrize(
    ("obligation", "project", "expected"),
    [
        # money obligations: finance first
        ("t2_financial_report", {"finance": "f@x.org", "project_lead": "p@x.org"},
         ("f@x.org", "finance")),
        ("year_end_account", {"finance": "f@x.org"}, ("f@x.org", "finance")),
        ("repayment", {"project_lead": "p@x.org"}, ("p@x.org", "project_lead")),
        # everything else: the project lead, never finance
        ("t2_follow_up", {"finance": "f@x.org", "project_lead": "p@x.org"},
         ("p@x.org", "project_lead")),
        ("network-n1", {"project_lead": "p@x.org"}, ("p@x.org", "project_lead")),
        # nobody named: the application's first contact with an address
        ("t2_follow_up", {"finance": "f@x.org"}, ("enhetschef@farsta.example.org", "application")),
        ("final_financial_report", {}, ("enhetschef@farsta.example.org", "application")),
    ],
)  # fmt: skip
def test_which_contact_each_obligation_goes_to(
    obligation: str, project: dict[str, str], expected: tuple[str, str]
) -> None:
    """Financial reports to finance, else the project lead, else the application's contact."""
    assert recipient_for(obligation, ContactBook(project), APPLICATION) == Recipient(*expected)


def test_no_contact_at_all_is_nobody() -> None:
    """No contact and no application address: no recipient (the caller falls back or reports)."""
    assert recipient_for("t2_follow_up", ContactBook(), None) is None
    school_only = ContactBook({}, {"Fokusskola 1": {"project_lead": "s@x.org"}})
    assert recipient_for("t2_follow_up", school_only, None) is None


def test_set_contact_records_once_and_names_the_school_as_the_application_does() -> None:
    """A school is matched in any case and stored as named; the same contact twice is
    answered as already on record; an unknown school or a missing contact is refused."""
    w = World()
    opened(w)
    w.given(FARSTA, APPLICATION, date(2013, 5, 31))
    cmd = SetContact(
        round_id=RID,
        district="Farsta",
        role="school_contact",
        email="skola@farsta.example.org",
        school="fokusskola 2",
        school_kind="municipal",
    )
    recorded = w.run(cmd, TODAY)
    assert [r.event for r in recorded] == [
        ContactSet(role="school_contact", email="skola@farsta.example.org", school="Fokusskola 2"),
        SchoolKindSet(school="Fokusskola 2", kind="municipal"),
    ]
    assert w.decide(cmd, TODAY).already is not None
    unknown = refused(w, cmd.model_copy(update={"school": "Annan skola"}), TODAY)
    assert en(unknown.reason) == (
        "the application of Farsta names no school Annan skola; it names: Fokusskola 1 and "
        "Fokusskola 2"
    )
    kind_alone = refused(w, cmd.model_copy(update={"school": None}), TODAY)
    assert en(kind_alone.reason) == ("a school kind needs a school: say which school it is")
    missing = refused(w, RemoveContact(round_id=RID, district="Farsta", role="finance"), TODAY)
    assert en(missing.reason) == ("Farsta has no finance contact to remove")


def test_a_project_without_an_application_has_no_contacts_to_set() -> None:
    """Contacts belong to a project that applied: another name is refused."""
    w = World()
    opened(w)
    applied(w, "Farsta")
    no = refused(
        w, SetContact(round_id=RID, district="Skarpnäck", role="finance", email="e@example.org")
    )
    assert "no district Skarpnäck" in en(no.reason)


def test_removing_a_role_never_set_leaves_the_book_as_it_was() -> None:
    """A removal of a role no one holds (at the project or a school) changes nothing; a school
    whose last contact is removed drops out; the project's contacts and a school's are read
    apart."""
    w = World()
    w.given(FARSTA, ContactSet(role="finance", email="f@example.org"), date(2014, 1, 2))
    w.given(FARSTA, ContactRemoved(role="project_lead"), date(2014, 1, 3))
    w.given(FARSTA, ContactRemoved(role="school_contact", school="Fokusskola 2"), date(2014, 1, 3))
    w.given(
        FARSTA,
        ContactSet(role="school_contact", email="s@example.org", school="Fokusskola 1"),
        date(2014, 1, 4),
    )
    book = contact_book(w.stream(FARSTA))
    assert book == ContactBook(
        {"finance": "f@example.org"}, {"Fokusskola 1": {"school_contact": "s@example.org"}}, {}
    )
    assert book.project_or_school(None) == {"finance": "f@example.org"}
    assert book.project_or_school("Fokusskola 1") == {"school_contact": "s@example.org"}
    assert book.project_or_school("Fokusskola 2") == {}
    w.given(FARSTA, ContactRemoved(role="school_contact", school="Fokusskola 1"), date(2014, 2, 1))
    assert contact_book(w.stream(FARSTA)).schools == {}
