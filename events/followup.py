"""A school's follow-up for one term: the seed-001 and seed-004 measures as counts by gender.

Seed 001 asks that the work be followed per school: "antal individer som får insatsen i
relation till målgruppens storlek i skolan", "antal timmar olovlig frånvaro" against the
2011-12 school year ("den data som finns för läsåret 2011-2012 ger en användbar
nulägesbeskrivning för varje skola"), the pupils' "individuella kunskapsmål", "behörighet
till gymnasiet när de går ut årskurs 9", "antalet oplanerade avhopp", interviews "innan
årets slut" and "efter sex månader", from "den redovisning som skolorna kommer att göra
månadsvis". Seed 004 reports "inskrivna" pupils beside those who "omfattats av stöd" and
"andelen godkända ämnen" per term ("termin ett och termin 2"), by gender ("hos vissa
pojkar").

Aggregates only: counts for a school and a term, never anything about a pupil. A gendered
measure has its total and, where known, girls and boys (the total may hold pupils of
neither, so girls + boys never exceed it).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from events.base import Event, Text

__all__ = ["GENDERED", "PLAIN", "SchoolCounts", "SchoolFollowUpRecorded", "Term"]

#: A whole count of pupils, hours, subjects or reports: strict (a bool or a float is refused).
Count = Annotated[int, Strict(), Field(ge=0, le=1_000_000)]
#: A school term: ``HT2014`` (hösttermin, autumn) or ``VT2015`` (vårtermin, spring).
Term = Annotated[str, StringConstraints(pattern=r"^(HT|VT)20[0-9]{2}$"), Field(examples=["HT2014"])]

#: The measures counted by gender: each has ``NAME``, ``NAME_girls`` and ``NAME_boys``.
GENDERED: tuple[str, ...] = (
    "target_group",
    "enrolled",
    "supported",
    "goals_met",
    "year9",
    "eligible",
    "dropouts",
    "subjects_graded",
    "subjects_passed",
    "absence_hours",
)
#: The measures counted for the school as a whole.
PLAIN: tuple[str, ...] = (
    "baseline_absence_hours",
    "interviewed_start",
    "interviewed_six_months",
    "positive_six_months",
    "months_reported",
)


class SchoolCounts(BaseModel):
    """The counts of one school for one term (the event's and the command's fields)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    school: Annotated[Text, Field(max_length=200)]
    term: Term
    #: The size of the target group at the school (pupils in years 7-9 with low goal
    #: attainment, high absence and at risk of not becoming eligible; seed 001).
    target_group: Count
    target_group_girls: Count | None = None
    target_group_boys: Count | None = None
    #: Pupils enrolled in the project: those who receive the intervention (reach).
    enrolled: Count
    enrolled_girls: Count | None = None
    enrolled_boys: Count | None = None
    #: Pupils supported by the project besides those enrolled (seed 004: "därutöver").
    supported: Count | None = None
    supported_girls: Count | None = None
    supported_boys: Count | None = None
    #: Enrolled pupils who met their individual knowledge goals this term.
    goals_met: Count | None = None
    goals_met_girls: Count | None = None
    goals_met_boys: Count | None = None
    #: Enrolled pupils in year 9 at the end of the term, and of them those eligible for
    #: upper secondary school.
    year9: Count | None = None
    year9_girls: Count | None = None
    year9_boys: Count | None = None
    eligible: Count | None = None
    eligible_girls: Count | None = None
    eligible_boys: Count | None = None
    #: Unplanned drop-outs among the enrolled this term.
    dropouts: Count | None = None
    dropouts_girls: Count | None = None
    dropouts_boys: Count | None = None
    #: Subjects graded and subjects passed, summed over the enrolled (seed 004).
    subjects_graded: Count | None = None
    subjects_graded_girls: Count | None = None
    subjects_graded_boys: Count | None = None
    subjects_passed: Count | None = None
    subjects_passed_girls: Count | None = None
    subjects_passed_boys: Count | None = None
    #: Unauthorised absence of the enrolled this term, hours summed.
    absence_hours: Count | None = None
    absence_hours_girls: Count | None = None
    absence_hours_boys: Count | None = None
    #: The same pupils' unauthorised absence in the 2011-12 school year, hours (the baseline).
    baseline_absence_hours: Count | None = None
    #: Participants interviewed at the start, and after six months; of the latter, those who
    #: found the intervention positive and meaningful.
    interviewed_start: Count | None = None
    interviewed_six_months: Count | None = None
    positive_six_months: Count | None = None
    #: Monthly reports the school sent the project this term.
    months_reported: Count | None = None


class SchoolFollowUpRecorded(SchoolCounts, Event):
    """One school's counts for one term; a later record for the same school and term
    replaces it (a correction)."""
