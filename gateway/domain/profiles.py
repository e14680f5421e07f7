"""Profiles, sides and service access (security.md section 3)."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.domain.services import Service, Side

ADMIN_PROFILES = frozenset({"CR_ADMIN", "COMP_ADMIN"})
OTHER_PROFILES = frozenset({"ADV_DELETE", "ARCHIVE_SEARCH", "A2A"})
CLAIMS_PROFILES: dict[tuple[Side, Service], frozenset[str]] = {
    (Side.CR, Service.RTA): frozenset({"CR_RTA_CH", "CR_RTA_TL"}),
    (Side.CR, Service.ELPL): frozenset({"CR_ELPL_CH", "CR_ELPL_TL"}),
    (Side.COMP, Service.RTA): frozenset(
        {"COMP_RTA_CH", "COMP_RTA_TL", "COMP_RTA_BCH", "COMP_RTA_DISP"}
    ),
    (Side.COMP, Service.ELPL): frozenset(
        {"COMP_ELPL_CH", "COMP_ELPL_TL", "COMP_ELPL_BCH", "COMP_ELPL_DISP"}
    ),
}
ALL_PROFILES = frozenset().union(ADMIN_PROFILES, OTHER_PROFILES, *CLAIMS_PROFILES.values())


def side_of(organisation_kind: str) -> Side:
    return Side.CR if organisation_kind == "CR" else Side.COMP


def parse_profiles(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def unknown_profiles(profiles: Iterable[str], side: Side) -> list[str]:
    """Profiles that do not exist, or that belong to the other side's organisations."""
    wrong_prefix = "COMP_" if side is Side.CR else "CR_"
    return sorted(p for p in profiles if p not in ALL_PROFILES or p.startswith(wrong_prefix))


def has_claims_profile(profiles: Iterable[str], side: Side, service: Service) -> bool:
    return bool(CLAIMS_PROFILES[(side, service)] & set(profiles))


def role_in(profiles: Iterable[str], service: Service) -> str | None:
    """The widest claims role held for ``service``: TL > CH > DISP > BCH (None without one)."""
    code = "RTA" if service is Service.RTA else "ELPL"
    held = set(profiles)
    for role in ("TL", "CH", "DISP", "BCH"):
        if f"CR_{code}_{role}" in held or f"COMP_{code}_{role}" in held:
            return role
    return None
