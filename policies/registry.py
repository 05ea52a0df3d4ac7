"""Which policy judges a round: the name and version recorded when the round opened."""

from __future__ import annotations

from policies.base import Policy
from policies.cont2016 import Continuation2016, Continuation2016Seeded
from policies.pilot2014 import Pilot2014, Pilot2014Seeded
from policies.sst2018 import SchoolSocialTeams2018, SchoolSocialTeams2018Seeded
from policies.state import RoundState

__all__ = ["POLICIES", "UnknownPolicy", "latest_version", "policy_for"]

POLICIES: dict[tuple[str, int], Policy] = {
    (p.name, p.version): p
    for p in (
        Pilot2014(),
        Pilot2014Seeded(),
        Continuation2016(),
        Continuation2016Seeded(),
        SchoolSocialTeams2018(),
        SchoolSocialTeams2018Seeded(),
    )
}


def latest_version(name: str) -> int | None:
    """The newest version of policy ``name`` (None: no such policy): a round opened without
    a version is judged by it. Older versions stay for the rounds pinned to them."""
    return max((v for n, v in POLICIES if n == name), default=None)


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
