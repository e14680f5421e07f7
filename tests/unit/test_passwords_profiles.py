"""Password rules and profiles (security.md sections 2-3)."""

from __future__ import annotations

import pytest

from gateway.domain.passwords import PasswordOwner, policy_violation
from gateway.domain.profiles import has_claims_profile, role_in, unknown_profiles
from gateway.domain.services import Service, Side

OWNER = PasswordOwner("jsmith", "John", "Smith", "CR00009")


@pytest.mark.parametrize(
    "password,rule",
    [
        ("Short-1a", "PWD-LENGTH"),
        ("A" * 60 + "a1!xxxxx", "PWD-LENGTH"),
        ("all-lower-case-1!", "PWD-UPPER"),
        ("ALL-UPPER-CASE-1!", "PWD-LOWER"),
        ("No-Digits-Here!!", "PWD-DIGIT"),
        ("NoSpecialChars123", "PWD-SPECIAL"),
        ("My-Password-2026", "PWD-WORD"),
        ("Secret-Pwd-2026!", "PWD-WORD"),
        ("Pswd-Secret-2026", "PWD-WORD"),
        ("Hello-John-2026!", "PWD-PERSONAL"),
        ("Hello-SMITH-2026", "PWD-PERSONAL"),
        ("Hi-jsmith-2026!x", "PWD-PERSONAL"),
        ("Org-cr00009-2026", "PWD-PERSONAL"),
    ],
)
def test_each_rule_is_named(password: str, rule: str) -> None:
    problem = policy_violation(password, OWNER)
    assert problem is not None and problem.startswith(rule)


@pytest.mark.parametrize("password", ["Amber-Falcon-2026!", "Zz9£zzzzzzzz", "Q(uiet)River12"])
def test_good_passwords_pass(password: str) -> None:
    assert policy_violation(password, OWNER) is None


def test_profiles_by_side_and_service() -> None:
    assert has_claims_profile({"CR_RTA_CH"}, Side.CR, Service.RTA)
    assert not has_claims_profile({"CR_RTA_CH"}, Side.CR, Service.ELPL)
    assert not has_claims_profile({"CR_ADMIN", "A2A"}, Side.CR, Service.RTA)
    assert unknown_profiles({"COMP_RTA_CH", "NOPE"}, Side.CR) == ["COMP_RTA_CH", "NOPE"]
    assert role_in({"COMP_RTA_BCH", "COMP_RTA_TL"}, Service.RTA) == "TL"
    assert role_in({"COMP_ELPL_DISP"}, Service.RTA) is None
