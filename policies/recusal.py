"""Recusal (jäv): a steering-group member tied to a district does not decide its matters.

Seed 000 seats two district directors on the group that approves every district's plan:
"Planen ska godkännas av styrgruppen innan medel betalas ut. Styrgruppen består av
förvaltningschefen för utbildningsförvaltningen respektive socialförvaltningen,
socialförvaltningens avdelningschef för stadsövergripande sociala frågor samt
stadsdelsdirektörerna i Rinkeby-Kista och Farsta." The law they work under, Kommunallagen
(2017:725) 6 kap. 28 §, says a member who has an interest in a matter may not take part in
deciding it (jäv). So a member tied to a district (``RoleGranted.tied_to``, kept in the
``access`` stream) may not approve or return that district's plan, nor give any other
steering-group decision about that district: refused with :data:`RECUSED`, and the other
members decide.

Choice: a member is tied to at most one district, named on their grant by the coordinator
(``ppss users grant EMAIL --role steering_group --tied-to DISTRICT``); the grant is the only
record of ties, so one acting in the steering-group role with no grant on record (the demo's
shared "Styrgruppen" sign-in, a CLI user without ``--actor`` of a granted address) is tied to
no district. The documents name the ties (the two directors) but no register of them; the
grants are the store's register of who acts in which role, so the tie belongs there.

Choice: the matters a member stands aside from are the commands the steering group gives
about that district's project (today: the plan decision, ``DecidePlan``). Round-wide
decisions (none is the steering group's today) are not divided by district.

Pure: no I/O, no clock. The machinery looks the member's grant up and asks here.
"""

from __future__ import annotations

from policies.commands import Command, ProjectCommand
from policies.decisions import Refusal
from policies.grants import Grant
from policies.reason import Reason, ReasonCode
from policies.state import slug

__all__ = ["RECUSED", "STEERING_GROUP", "check_recusal", "member_email", "recused_from"]

#: The role whose members may be tied to a district.
STEERING_GROUP = "steering_group"

#: Refused: the member is tied to the district the decision is about (jäv).
RECUSED = ReasonCode("recusal.member_tied_to_district", "member", "district")


def member_email(actor_name: str) -> str:
    """The e-mail address whose grant speaks for ``actor_name`` (an event's actor): a
    signed-in person's own address; for an API token (``token:NAME``), its name.

    Choice: a token named by a member's address acts for that member. Tokens carry a name
    and a role, not a person; a tie only ever restricts (recusal), so a name that matches no
    grant simply carries no tie."""
    return actor_name.strip().removeprefix("token:").strip().lower()


def recused_from(district: str, role: str, member: Grant | None) -> Reason | None:
    """Why ``member``, acting in ``role``, may not decide ``district``'s matters; None when
    they may (another role, no grant, no tie, or a tie to another district)."""
    if role != STEERING_GROUP or member is None or member.role != STEERING_GROUP:
        return None
    if not member.tied_to or slug(member.tied_to) != slug(district):
        return None
    return RECUSED(member=member.email, district=member.tied_to)


def check_recusal(command: Command, role: str, member: Grant | None) -> None:
    """Refuse ``command`` when it is a steering-group decision about the district that
    ``member`` is tied to (the rule: jäv)."""
    if not isinstance(command, ProjectCommand):
        return
    reason = recused_from(command.district, role, member)
    if reason is None or member is None:
        return
    raise Refusal(
        command=command.name,
        project=slug(command.district),
        state=f"member tied to {slug(command.district)}",
        rule="recusal (jäv)",
        reason=reason,
    )
