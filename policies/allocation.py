"""The 2014 per-school-with-remainder rule for sharing a grant budget between districts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "METHOD_NAME",
    "METHOD_VERSION",
    "AllocationInputError",
    "AllocationResult",
    "DistrictAllocation",
    "DistrictRequest",
    "allocate",
]

METHOD_NAME = "per-school-with-remainder"
METHOD_VERSION = 1


class AllocationInputError(ValueError):
    """The inputs to an allocation break the rule's preconditions; the message says which."""


@dataclass(frozen=True, slots=True)
class DistrictRequest:
    """One district's application: how many schools it runs the project with, and what it asked."""

    name: str
    schools: int
    applied_sek: int


@dataclass(frozen=True, slots=True)
class DistrictAllocation:
    """What one district gets: the per-school base plus its share of the remainder."""

    name: str
    schools: int
    applied_sek: int
    base_sek: int
    share_sek: int
    allocated_sek: int


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """The allocation of one budget; allocations are in the order the districts were given."""

    per_school_sek: int
    remainder_sek: int
    allocations: tuple[DistrictAllocation, ...]
    total_allocated_sek: int
    unallocated_sek: int

    def to_json_dict(self) -> dict[str, object]:
        return {
            "per_school_sek": self.per_school_sek,
            "remainder_sek": self.remainder_sek,
            "allocations": [
                {
                    "name": a.name,
                    "schools": a.schools,
                    "applied_sek": a.applied_sek,
                    "base_sek": a.base_sek,
                    "share_sek": a.share_sek,
                    "allocated_sek": a.allocated_sek,
                }
                for a in self.allocations
            ],
            "total_allocated_sek": self.total_allocated_sek,
            "unallocated_sek": self.unallocated_sek,
        }


def allocate(
    total_sek: int,
    districts: Sequence[DistrictRequest],
    *,
    exclude: Collection[str] = (),
    min_excess_sek: int = 0,  # pragma: no mutate - as 1: an excess is whole kronor above 0
) -> AllocationResult:
    """Share total_sek between districts by the 2014 rule, in whole kronor that add up exactly.

    Each district first gets what it applied for, up to the per-school amount times its schools.
    What is left goes to the districts that applied for more (unless excluded, or their excess
    is below min_excess_sek) in proportion to their schools, never above what they applied for.
    """
    _check_money("total_sek", total_sek)
    _check_money("min_excess_sek", min_excess_sek)
    requests = _checked_districts(districts)
    excluded = _checked_exclude(exclude, requests)

    per_school_sek = total_sek // sum(d.schools for d in requests)
    bases = [min(d.applied_sek, per_school_sek * d.schools) for d in requests]
    remainder_sek = total_sek - sum(bases)
    # Flooring the per-school amount guarantees the bases fit inside the total.
    assert remainder_sek >= 0

    excesses = [d.applied_sek - bases[i] for i, d in enumerate(requests)]
    eligible = [
        i
        for i, d in enumerate(requests)
        if excesses[i] > 0 and d.name not in excluded and excesses[i] >= min_excess_sek
    ]
    # Eligible indices stay in input order, so the rounding's tie-break follows input order.
    exact = _water_fill(remainder_sek, [(requests[i].schools, excesses[i]) for i in eligible])
    rounded = _largest_remainder(exact)  # one share per eligible district, in their order
    shares = [0] * len(requests)
    for n, i in enumerate(eligible):
        assert 0 <= rounded[n] <= excesses[i]
        shares[i] = rounded[n]

    allocations = tuple(
        DistrictAllocation(
            name=d.name,
            schools=d.schools,
            applied_sek=d.applied_sek,
            base_sek=bases[i],
            share_sek=shares[i],
            allocated_sek=bases[i] + shares[i],
        )
        for i, d in enumerate(requests)
    )
    total_allocated_sek = sum(a.allocated_sek for a in allocations)
    unallocated_sek = total_sek - total_allocated_sek
    assert unallocated_sek >= 0
    return AllocationResult(
        per_school_sek=per_school_sek,
        remainder_sek=remainder_sek,
        allocations=allocations,
        total_allocated_sek=total_allocated_sek,
        unallocated_sek=unallocated_sek,
    )


# Choice: seed 000 gives the method and the table, not the rounding: no share above what a
# district applied for (water-filling), whole kronor by largest remainder, ties in input order.
def _water_fill(pool_sek: int, claims: Sequence[tuple[int, int]]) -> list[Fraction]:
    """Exact shares of pool_sek for (schools, cap) claims: proportional to schools, capped."""
    shares: dict[int, Fraction] = {}
    open_claims = list(range(len(claims)))
    left = pool_sek
    while open_claims:
        weight = sum(claims[i][0] for i in open_claims)
        fair = {i: Fraction(left * claims[i][0], weight) for i in open_claims}  # exact
        # A cap equal to its fair share is the same money capped or not (<= or < alike).
        capped = [i for i in open_claims if claims[i][1] <= fair[i]]  # pragma: no mutate
        if not capped:
            shares.update(fair)
            break
        # Capping only frees money for the others, so a claim capped now stays capped later.
        for i in capped:
            shares[i] = Fraction(claims[i][1])
            left -= claims[i][1]
        open_claims = [i for i in open_claims if i not in capped]
    return [shares[i] for i in range(len(claims))]


def _largest_remainder(exact: Sequence[Fraction]) -> list[int]:
    """Whole kronor summing to sum(exact): floors, then one krona each to the largest fractions."""
    floors = [share.numerator // share.denominator for share in exact]
    leftover = sum(exact) - sum(floors)
    # Capped shares are whole and the rest share an integer pool, so the sum is whole.
    assert leftover.denominator == 1
    # Sorting is stable and keys carry the index, so ties go to the earlier district.
    order = sorted(range(len(exact)), key=lambda i: (floors[i] - exact[i], i))
    rounded = list(floors)
    for i in order[: int(leftover)]:
        # An uncapped exact share is strictly below its whole-krona cap, so floor + 1 still fits.
        rounded[i] += 1
    return rounded


def _check_money(label: str, value: object) -> None:
    # bool is an int subclass, and True kronor is a bug upstream, not an amount.
    if isinstance(value, bool) or not isinstance(value, int):
        raise AllocationInputError(
            f"{label} must be whole kronor as an int, got {type(value).__name__} {value!r}"
        )
    if value < 0:
        raise AllocationInputError(f"{label} must not be negative, got {value}")


def _checked_districts(districts: Sequence[DistrictRequest]) -> tuple[DistrictRequest, ...]:
    requests = tuple(districts)
    if not requests:
        raise AllocationInputError("districts is empty: give at least one district to allocate to")
    seen: set[str] = set()
    for position, request in enumerate(requests):
        if not isinstance(request, DistrictRequest):
            raise AllocationInputError(
                f"districts[{position}] is a {type(request).__name__}, expected DistrictRequest"
            )
        name = request.name
        if not isinstance(name, str) or not name.strip():
            raise AllocationInputError(
                f"districts[{position}] has name {name!r}: give a non-empty district name"
            )
        if name in seen:
            raise AllocationInputError(
                f"district {name!r} is given twice: list each district once, schools summed"
            )
        seen.add(name)
        schools = request.schools
        if isinstance(schools, bool) or not isinstance(schools, int) or schools < 1:
            raise AllocationInputError(
                f"district {name!r} has schools={schools!r}: it must be an int of at least 1"
            )
        _check_money(f"district {name!r} applied_sek", request.applied_sek)
    return requests


def _checked_exclude(
    exclude: Collection[str], requests: Sequence[DistrictRequest]
) -> frozenset[str]:
    # A bare string is a Collection[str] of letters, which would fail below with a baffling name.
    if isinstance(exclude, str):
        raise AllocationInputError(
            f"exclude must be a collection of district names, not the single string {exclude!r}"
        )
    excluded = frozenset(exclude)
    known = {d.name for d in requests}
    # repr before sorting, so a stray non-string in exclude still gets this message.
    unknown = sorted(repr(name) for name in excluded if name not in known)
    if unknown:
        raise AllocationInputError(
            f"exclude names {', '.join(unknown)}, not among the districts: "
            "check the spelling against the district names"
        )
    return excluded
