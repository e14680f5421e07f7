"""GDPR deletion's rights and command (the wire is tests/e2e/test_gdpr_delete.py): a named user
with ADV_DELETE of the claim's law firm or of its compensator deletes it; one of another
organisation is answered as for a claim that does not exist; the command needs a reason and
reports what it skipped."""

from __future__ import annotations

import pytest

from gateway.cli import main as gateway_main
from gateway.service import messages as m
from gateway.service.admin import UserSpec, ensure_user
from gateway.service.operator import Operator, OperatorRefused
from gateway.service.operator.gdpr import gdpr_delete
from tests.harness import Harness


def _deleter(harness: Harness, user_id: str, organisation_id: str) -> Operator:
    c = harness.components
    with c.database.unit_of_work() as uow:
        spec = UserSpec(user_id, organisation_id, "Dana", "Delete", "ADV_DELETE")
        ensure_user(uow, c.auth, spec, harness.clock.now())
        uow.commit()
        return Operator.user(uow, user_id)


def test_adv_delete_users_of_either_party_and_nobody_else(harness: Harness) -> None:
    c = harness.components
    mine, theirs = harness.submit("GDPR-CR"), harness.submit("GDPR-COMP")
    stranger = _deleter(harness, "cr2-adv", "CR00002")
    report = gdpr_delete(c, stranger, [mine.application_id], "not theirs to delete")
    assert report.skipped == [(mine.application_id, "no such claim")] and report.done == []
    done = gdpr_delete(c, _deleter(harness, "cr-adv", "CR00001"), [mine.application_id], "asked")
    assert done.done == [mine.application_id]
    done = gdpr_delete(c, _deleter(harness, "comp-adv", "COMP001"), [theirs.application_id], "x")
    assert done.done == [theirs.application_id]
    status = harness.ok(
        "getClaimsStatus", m.GetClaimsStatus(application_id=mine.application_id), as_="cr-rta-ch"
    )
    assert status.claim_info.phase_cache_id == "ClaimDeleted"
    with pytest.raises(OperatorRefused):
        gdpr_delete(c, Operator.platform(), ["not-a-number"], "reason")


def test_the_command(harness: Harness, capsys: pytest.CaptureFixture[str]) -> None:
    claim = harness.submit("GDPR-CLI")
    url = harness.components.settings.database_url
    argv = ["--database-url", url, "admin", "gdpr-delete", claim.application_id]
    assert gateway_main([*argv, "--reason", "erasure request"]) == 0
    assert "1 deleted, 0 skipped" in capsys.readouterr().out
    assert gateway_main([*argv, "--reason", "erasure request"]) == 1  # already deleted
    assert "already deleted" in capsys.readouterr().out
    assert gateway_main([*argv, "--reason", " "]) == 2
    assert gateway_main([*argv, "--reason", "x", "--as", "cr-rta-ch"]) == 2
    assert "ADV_DELETE" in capsys.readouterr().err
