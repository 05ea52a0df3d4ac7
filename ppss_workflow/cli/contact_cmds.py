"""`ppss contact`: who is written to in a project, by role, at the project or at a school."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from events import ApplicationSubmitted
from policies.commands import RemoveContact, SetContact
from policies.contacts import contact_book
from ppss_workflow.cli._common import DatabaseOption, day_option, out_console, words
from ppss_workflow.cli.board_cmd import RoundOpt, _read
from ppss_workflow.cli.workflow_cmds import ActorOpt, AsOpt, DistrictOpt, OnOpt, _do, command
from ppss_workflow.i18n import N_
from ppss_workflow.readmodels import Reads

__all__ = ["ROLE_WORDS", "app", "register"]

app = typer.Typer(
    help="Kontaktpersoner per roll: projektledare, ekonomi, skolkontakt.", no_args_is_help=True
)

RoleOpt = Annotated[
    str,
    typer.Option(
        "--role",
        help="`project_lead` (projektledare), `finance` (ekonomi), `school_contact` "
        "(skolkontakt) eller `social_services_contact` (socialtjänst).",
    ),
]
SchoolOpt = Annotated[
    str | None,
    typer.Option("--school", help="En skola som ansökan nämner (annars projektet)."),
]

#: The contact roles as people read them.
#: The application form's contact roles in plain words (others: the code, spaced).
_APPLICATION_ROLES: dict[str, str] = {
    "administration_director": N_("Administration director"),
    "finance_director": N_("Finance director"),
    "head_of_department": N_("Head of department"),
    "unit_manager": N_("Unit manager"),
    "head_of_compulsory_schools": N_("Head of compulsory schools"),
}
_IN_APPLICATION = N_("in the application")

ROLE_WORDS: dict[str, str] = {
    "project_lead": N_("Project lead"),
    "finance": N_("Finance"),
    "school_contact": N_("School contact"),
    "social_services_contact": N_("Contact at social services"),
}
KIND_WORDS: dict[str, str] = {"municipal": N_("municipal school"), "free": N_("free school")}


@app.command("set")
def contact_set(
    round_id: RoundOpt,
    district: DistrictOpt,
    role: RoleOpt,
    email: Annotated[str, typer.Option("--email", help="En funktionsbrevlåda för rollen.")],
    school: SchoolOpt = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", help="Med --school: `municipal` (kommunal) eller `free` (fristående)."
        ),
    ] = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Sätt (eller ändra) kontaktpersonen för en roll; den gamla finns kvar i historiken."""
    _do(
        database,
        acting,
        actor_name,
        f"contact {role}" + (f" at {school}" if school else ""),
        lambda: command(
            SetContact,
            round_id=round_id,
            district=district,
            role=role,
            email=email,
            school=school,
            school_kind=kind,
            on=day_option(on),
        ),
    )


@app.command("remove")
def contact_remove(
    round_id: RoundOpt,
    district: DistrictOpt,
    role: RoleOpt,
    school: SchoolOpt = None,
    acting: AsOpt = None,
    actor_name: ActorOpt = None,
    on: OnOpt = None,
    database: DatabaseOption = None,
) -> None:
    """Ta bort kontaktpersonen för en roll."""
    _do(
        database,
        acting,
        actor_name,
        f"contact {role} removed",
        lambda: command(
            RemoveContact,
            round_id=round_id,
            district=district,
            role=role,
            school=school,
            on=day_option(on),
        ),
    )


@app.command("list")
def contact_list(
    round_id: RoundOpt,
    district: Annotated[str | None, typer.Option("--district", help="Bara denna stadsdel.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Varje kontaktperson i omgångens projekt: stadsdel, skola (och dess slag), roll, adress."""
    t = words()

    def show(reads: Reads) -> None:
        table = Table(title=t.gettext("Contacts in %(round)s") % {"round": round_id})
        for column in (N_("District"), N_("School"), N_("Role"), N_("E-mail")):
            table.add_column(t.gettext(column))
        for view in reads.projects(round_id):
            name = view.state.district or view.project_id
            if district and name.casefold() != district.casefold():
                continue
            book = contact_book(view.state.history)
            for role, address in sorted(book.project.items()):
                table.add_row(name, "–", t.gettext(ROLE_WORDS[role]), address)
            app_event: ApplicationSubmitted | None = (
                view.state.application.event if view.state.application else None
            )
            # The addresses given in the application too (reminders fall back on them).
            given = t.gettext(_IN_APPLICATION)
            for contact in app_event.contacts if app_event else ():
                if contact.email:
                    word = _APPLICATION_ROLES.get(contact.role)
                    said = t.gettext(word) if word else contact.role.replace("_", " ")
                    table.add_row(name, "–", f"{said} ({given})", contact.email)
            schools = sorted(
                {*(app_event.schools if app_event else ()), *book.schools, *book.kinds}
            )
            for school in schools:
                kind = book.kinds.get(school)
                place = f"{school} ({t.gettext(KIND_WORDS[kind])})" if kind else school
                for role, address in sorted(book.schools.get(school, {}).items()):
                    table.add_row(name, place, t.gettext(ROLE_WORDS[role]), address)
        out_console.print(table)

    _read(database, show)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="contact")
