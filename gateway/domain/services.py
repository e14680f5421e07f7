"""The two A2A services and the two sides of a claim: the vocabulary every layer shares."""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    """An A2A service. The value is the lower-case name used in folders, settings and the CLI."""

    RTA = "rta"
    ELPL = "elpl"

    @property
    def process_name(self) -> str:
        """``processName`` of getSystemProcessVersion (spec README section 7)."""
        return "RTA" if self is Service.RTA else "ELPL"

    @property
    def enabled_flag(self) -> str:
        """The organisation column that says it takes part in this service."""
        return f"{self.value}_enabled"


class Side(StrEnum):
    """Who acts: the claimant representative, the compensator, or the system (timeouts)."""

    CR = "CR"
    COMP = "COMP"
    SYSTEM = "SYSTEM"

    @property
    def other(self) -> Side:
        if self is Side.CR:
            return Side.COMP
        if self is Side.COMP:
            return Side.CR
        raise ValueError("the system has no other side")
