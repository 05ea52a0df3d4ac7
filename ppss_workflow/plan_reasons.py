"""The sentences of payment plans and report review, as catalogue patterns.

The policies explain instalments and reviews in English sentences (policies/base.py,
pilot2014.py, sst2018.py, instalments.py); the Swedish text of each is in the catalogue and
carries the same ``{names}``. Where the policies' reasons are said in the reader's language
from a tuple of patterns, these join it. What a report is called is spelled out in each
pattern rather than left to a ``{what}``, so that a pattern never swallows the sentences
joined before it with "; ".
"""

from __future__ import annotations

from ppss_workflow.i18n import N_

__all__ = ["PLAN_PATTERNS"]

PLAN_PATTERNS: tuple[str, ...] = (
    N_("instalments released {released} of the award {amount}, less paid {paid}"),
    N_("instalment {count} ({share}, {amount}) is held: {why}"),
    N_("released with the award"),
    N_("held: {why}"),
    N_("released: {why}"),
    N_("the grant is awarded"),
    N_("no work plan approved by the steering group yet"),
    N_("plan {plan} approved on {on}"),
    N_("the T2 follow-up is not yet handed in"),
    N_("the T2 follow-up was returned on {on}: {why}"),
    N_("the T2 follow-up awaits the coordinator's review"),
    N_("the T2 follow-up accepted on {on}"),
    N_("the T2 financial report is not yet handed in"),
    N_("the T2 financial report was returned on {on}: {why}"),
    N_("the T2 financial report awaits the coordinator's review"),
    N_("the T2 financial report accepted on {on}"),
    N_("the final financial report is not yet handed in"),
    N_("the final financial report was returned on {on}: {why}"),
    N_("the final financial report awaits the coordinator's review"),
    N_("the final financial report accepted on {on}"),
    N_("the follow-up in the annual report is not yet handed in"),
    N_("the follow-up in the annual report was returned on {on}: {why}"),
    N_("the follow-up in the annual report awaits the coordinator's review"),
    N_("the follow-up in the annual report accepted on {on}"),
    N_("the year-end account is not yet handed in"),
    N_("the year-end account was returned on {on}: {why}"),
    N_("the year-end account awaits the coordinator's review"),
    N_("the year-end account accepted on {on}"),
    N_("{code} is not a release condition of this round"),
    N_("accepted on {on}"),
    N_(
        "{what} was returned on {on}: {why}; a "
        "corrected one must be handed in (it was due on {due_on})"
    ),
    N_("{what} was returned on {on}: {why}; a corrected one must be handed in"),
    N_(
        "undetermined: the year-end account was returned on "
        "{on}: {why}; the repayment follows from a corrected account"
    ),
    N_(
        "undetermined: the final financial report was returned on "
        "{on}: {why}; the repayment follows from a corrected report"
    ),
    N_("the account was accepted on {on}"),
    N_("the report was accepted on {on}"),
)
