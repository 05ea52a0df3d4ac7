"""Which policy judges a round: the name and version recorded when the round opened."""

from __future__ import annotations

from policies.base import Policy
from policies.cont2016 import Continuation2016
from policies.pilot2014 import Pilot2014
from policies.sst2018 import SchoolSocialTeams2018
from policies.state import RoundState

__all__ = ["POLICIES", "UnknownPolicy", "policy_for"]

POLICIES: dict[tuple[str, int], Policy] = {
    (p.name, p.version): p for p in (Pilot2014(), Continuation2016(), SchoolSocialTeams2018())
}


class UnknownPolicy(LookupError):
    """A round names a policy (or version) this program does not ship."""


def policy_for(rnd: RoundState) -> Policy:
    """The pinned policy: later versions never rewrite what an old round was judged by."""
    try:
        return POLICIES[(rnd.policy_name, rnd.policy_version)]
    except KeyError:
        known = ", ".join(f"{n} v{v}" for n, v in sorted(POLICIES))
        raise UnknownPolicy(
            f"round {rnd.round_id} uses policy {rnd.policy_name} v{rnd.policy_version}, "
            f"which this program does not have (it has {known})"
        ) from None
