"""The sentences of payment plans and report review, as catalogue patterns.

The policies explain instalments and reviews in English sentences built from these
patterns (policies/base.py, pilot2014.py, sst2018.py, instalments.py); the Swedish text of
each is in the catalogue and carries the same ``{names}``. Where the reasons are said in the
reader's language from a tuple of patterns, these join it.
"""

from __future__ import annotations

from ppss_workflow.i18n import N_

__all__ = ["PLAN_PATTERNS"]

PLAN_PATTERNS: tuple[str, ...] = (
    # payable now under a payment plan (Policy._payable, policies.instalments.plan_lines)
    N_("instalments released {released} of the award {amount}, less paid {paid}"),
    N_("instalment {number} ({share}, {amount}) is held: {why}"),
    N_("released with the award"),
    N_("held: {why}"),
    N_("released: {why}"),
    # what releases an instalment (Policy.release)
    N_("the grant is awarded"),
    N_("no work plan approved by the steering group yet"),
    N_("plan {plan} approved on {on}"),
    N_("{what} is not yet handed in"),
    N_("{what} was returned on {on}: {why}"),
    N_("{what} awaits the coordinator's review"),
    N_("{what} accepted on {on}"),
    N_("{code} is not a release condition of this round"),
    # a reviewed report's obligation (Policy.dated)
    N_("accepted on {on}"),
    N_(
        "{what} was returned on {on}: {why}; a corrected one must be handed in "
        "(it was due on {due_on})"
    ),
    N_("{what} was returned on {on}: {why}; a corrected one must be handed in"),
    # the repayment (Pilot2014.unused_money, SchoolSocialTeams2018.unused_money)
    N_(
        "undetermined: the year-end account was returned on {on}: {why}; the repayment "
        "follows from a corrected account"
    ),
    N_(
        "undetermined: the final financial report was returned on {on}: {why}; the "
        "repayment follows from a corrected report"
    ),
    N_("the account was accepted on {on}"),
    N_("the report was accepted on {on}"),
)
