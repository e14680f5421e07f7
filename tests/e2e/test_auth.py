"""Authentication over the wire: tokens, refusals with their spec keys, lockout, expiry, legacy
userAuth; every refusal is journaled and no secret reaches the journal or the message store."""

from __future__ import annotations

from datetime import timedelta

import pytest
import zeep
from sqlalchemy import select

from gateway.service.clock import as_utc
from gateway.store.models import JournalEntry, StoredMessage, User
from tests.conftest import LiveServer, MovableClock
from tests.wire import ELPL_NS, ELPL_PATH, envelope, get_token, post

CR = ("cr-a2a", "cr-rta-ch", "Amber-Falcon-2026!")


def _token(live: LiveServer, user: tuple[str, str, str] = CR) -> dict[str, str]:
    reply = get_token(live.url, *user)
    result = reply.result()
    assert result["code"] == "Ok", result
    return result


def _call(live: LiveServer, op: str, token: str, extra: str = "") -> dict[str, str]:
    return post(live.url, envelope(op, f"{extra}<accessToken>{token}</accessToken>")).result()


def _journal(live: LiveServer) -> list[tuple[str | None, str, str | None]]:
    with live.components.database.unit_of_work() as uow:
        return [
            (e.operation, e.outcome, e.error_key)
            for e in uow.session.scalars(select(JournalEntry).order_by(JournalEntry.id))
        ]


def test_zeep_gets_a_token_and_reads_on_both_services(live: LiveServer) -> None:
    for path in ("/PIP.WSTK/PIPWSTK", "/ELPL.WSTK/ELPLWSTK"):
        client = zeep.Client(f"{live.url}{path}?wsdl")
        pair = client.service.getToken(
            userID="cr-a2a", userAsID="cr-rta-ch" if "PIP" in path else "cr-elpl-ch", password=CR[2]
        )
        assert pair.code == "Ok" and len(pair.accessToken) == 43
        assert (pair.accessTokenExpiresIn, pair.refreshTokenExpiresIn) == ("3600", "86400")
        version = client.service.getSystemProcessVersion(accessToken=pair.accessToken)
        expected = (7, 0, "RTA") if "PIP" in path else (6, 0, "ELPL")
        spv = version.systemProcessVersion
        assert (spv.versionMajor, spv.versionMinor, spv.processName) == expected
        branches = client.service.getBranchesList(accessToken=pair.accessToken)
        assert [b.organisationPath for b in branches.organisationInfosList] == ["/CR00001/001"]
        org = client.service.getOrganisation(
            organisationPath="/COMP001/002", accessToken=pair.accessToken
        )
        assert org.code == "Ok" and org.organisation.organisationName == "Leeds Handling Point"
        found = client.service.searchCompensators(
            organisationName="MOTOR", accessToken=pair.accessToken
        )
        names = {o.organisationId for o in found.organisationInfosList}
        assert names == ({"COMP001", "COMP002"} if "PIP" in path else {"COMP001"})


def test_refusals_carry_their_spec_keys_and_are_journaled(
    live: LiveServer, clock: MovableClock
) -> None:
    assert (
        get_token(live.url, "cr-a2a", "cr-rta-ch", "Wrong-Password-1!")
        .result()["details"]
        .startswith("AUTH_LOGIN_FAILED")
    )
    assert (
        get_token(live.url, "nobody", "cr-rta-ch", "Wrong-Password-1!")
        .result()["details"]
        .startswith("AUTH_LOGIN_FAILED")
    )
    assert (
        get_token(live.url, "cr-a2a", "comp-rta-ch", CR[2])
        .result()["details"]
        .startswith("AUTH_ASUSER_INVALID")
    )
    forged = _call(live, "getSystemProcessVersion", "A" * 43)
    assert forged["code"] == "Failure" and forged["details"].startswith("AUTH_TOKEN_INVALID")
    token = _token(live)
    assert _call(live, "getSystemProcessVersion", token["accessToken"])["code"] == "Ok"
    clock.advance(3601)
    expired = _call(live, "getSystemProcessVersion", token["accessToken"])
    assert expired["details"].startswith("AUTH_TOKEN_EXPIRED")
    # the refresh token is bound to its asUser
    other = post(
        live.url,
        envelope(
            "refreshToken",
            "<userID>cr-a2a</userID><userAsID>cr-rta-tl"
            f"</userAsID><refreshToken>{token['refreshToken']}"
            "</refreshToken>",
        ),
    ).result()
    assert other["details"].startswith("AUTH_REFRESH_INVALID")
    keys = _journal(live)
    assert ("getToken", "Failure", "AUTH_LOGIN_FAILED") in keys
    assert ("getToken", "Failure", "AUTH_ASUSER_INVALID") in keys
    assert ("getSystemProcessVersion", "Failure", "AUTH_TOKEN_INVALID") in keys
    assert ("getSystemProcessVersion", "Failure", "AUTH_TOKEN_EXPIRED") in keys
    assert ("refreshToken", "Failure", "AUTH_REFRESH_INVALID") in keys
    _assert_no_secrets(
        live, [CR[2], "Wrong-Password-1!", token["accessToken"], token["refreshToken"]]
    )


def _assert_no_secrets(live: LiveServer, secrets: list[str]) -> None:
    with live.components.database.unit_of_work() as uow:
        for entry in uow.session.scalars(select(JournalEntry)):
            row = " ".join(str(getattr(entry, c.name)) for c in entry.__table__.columns)
            assert not any(s in row for s in secrets)
        bodies = [m.body for m in uow.session.scalars(select(StoredMessage))]
    assert bodies and all(b"***" in b or b"password" not in b.lower() for b in bodies)
    for body in bodies:
        assert not any(s.encode() in body for s in secrets)


def test_lockout_after_five_failures_and_unlock_after_thirty_minutes(
    live: LiveServer, clock: MovableClock
) -> None:
    for _ in range(5):
        assert (
            get_token(live.url, "cr-a2a", "cr-rta-ch", "Wrong-Password-1!")
            .result()["details"]
            .startswith("AUTH_LOGIN_FAILED")
        )
    locked = get_token(live.url, *CR).result()
    assert locked["details"].startswith("AUTH_ACCOUNT_LOCKED")
    assert locked["message"] == "Your account is temporarily locked"
    clock.advance(31 * 60)
    assert get_token(live.url, *CR).result()["code"] == "Ok"
    assert any(key == "AUTH_ACCOUNT_LOCKED" for _, _, key in _journal(live))


def test_expired_password_then_change_password(live: LiveServer, clock: MovableClock) -> None:
    clock.advance(timedelta(days=89).total_seconds())
    token = _token(live)  # in use: not inactive
    clock.advance(timedelta(days=2).total_seconds())
    assert get_token(live.url, *CR).result()["details"].startswith("AUTH_PASSWORD_EXPIRED")
    assert _call(live, "getSystemProcessVersion", token["accessToken"])["code"] == "Failure"
    weak = post(
        live.url,
        envelope(
            "changePassword",
            "<userID>cr-a2a</userID><oldPassword>"
            f"{CR[2]}</oldPassword><newPassword>short</newPassword>",
        ),
    )
    assert weak.result()["details"].startswith("AUTH_PASSWORD_POLICY: PWD-LENGTH")
    reused = post(
        live.url,
        envelope(
            "changePassword",
            "<userID>cr-a2a</userID><oldPassword>"
            f"{CR[2]}</oldPassword><newPassword>{CR[2]}</newPassword>",
        ),
    )
    assert reused.result()["details"].startswith("AUTH_PASSWORD_POLICY: PWD-HISTORY")
    named = post(
        live.url,
        envelope(
            "changePassword",
            "<userID>cr-rta-ch</userID><oldPassword>x</oldPassword><newPassword>y</newPassword>",
        ),
    ).result()
    assert named["details"].startswith("AUTH_LOGIN_FAILED")  # no password: cannot prove identity
    changed = post(
        live.url,
        envelope(
            "changePassword",
            "<userID>cr-a2a</userID><oldPassword>"
            f"{CR[2]}</oldPassword><newPassword>Brand-New-Kite-77"
            "</newPassword>",
        ),
    ).result()
    assert changed["code"] == "Ok"
    now = clock.now()
    assert changed["value"] == (now + timedelta(days=90)).date().isoformat()
    assert get_token(live.url, "cr-a2a", "cr-rta-ch", "Brand-New-Kite-77").result()["code"] == "Ok"
    _assert_no_secrets(live, [CR[2], "Brand-New-Kite-77"])


def test_ninety_days_without_authentication_disable_the_account(
    live: LiveServer, clock: MovableClock
) -> None:
    from gateway.service.admin import enable_user

    clock.advance(timedelta(days=91).total_seconds())
    reply = get_token(live.url, *CR).result()
    assert reply["details"] == "AUTH_ACCOUNT_DISABLED: no successful authentication for 90 days"
    with live.components.database.unit_of_work() as uow:
        enable_user(uow, "cr-a2a", clock.now())
        enable_user(uow, "cr-rta-ch", clock.now())
        # the demo password was set 91 days ago too: an administrator cannot set A2A passwords,
        # so the A2A user changes its own
        uow.commit()
    expired = get_token(live.url, *CR).result()
    assert expired["details"].startswith("AUTH_PASSWORD_EXPIRED")


def test_a_token_read_records_the_asusers_activity_hourly(
    live: LiveServer, clock: MovableClock
) -> None:
    token = _token(live)["accessToken"]
    long_ago = clock.now() - timedelta(hours=2)
    with live.components.database.unit_of_work() as uow:
        user = uow.users.get("cr-rta-ch")
        assert user is not None
        user.last_auth_at = long_ago
        uow.commit()
    clock.advance(60)
    assert _call(live, "getSystemProcessVersion", token)["code"] == "Ok"
    with live.components.database.unit_of_work() as uow:
        user = uow.users.get("cr-rta-ch")
        assert user is not None and user.last_auth_at is not None
        touched = as_utc(user.last_auth_at)
    assert timedelta(0) <= clock.now() - touched < timedelta(seconds=30)
    clock.advance(60)  # within the hour: the row is not written again
    assert _call(live, "getSystemProcessVersion", token)["code"] == "Ok"
    with live.components.database.unit_of_work() as uow:
        user = uow.users.get("cr-rta-ch")
        assert user is not None and user.last_auth_at is not None
        assert as_utc(user.last_auth_at) == touched


def test_refresh_rotates_and_reuse_revokes_the_family(live: LiveServer) -> None:
    first = _token(live)
    body = (
        "<userID>cr-a2a</userID><userAsID>cr-rta-ch</userAsID>"
        f"<refreshToken>{first['refreshToken']}</refreshToken>"
    )
    second = post(live.url, envelope("refreshToken", body)).result()
    assert second["code"] == "Ok" and second["accessToken"] != first["accessToken"]
    assert _call(live, "getSystemProcessVersion", second["accessToken"])["code"] == "Ok"
    again = post(live.url, envelope("refreshToken", body)).result()
    assert again["details"].startswith("AUTH_REFRESH_INVALID")
    revoked = _call(live, "getSystemProcessVersion", second["accessToken"])
    assert revoked["details"].startswith("AUTH_TOKEN_INVALID")


def test_twenty_token_families_at_most(live: LiveServer) -> None:
    first = _token(live)["accessToken"]
    for _ in range(20):
        last = _token(live)["accessToken"]
    assert _call(live, "getSystemProcessVersion", first)["details"].startswith("AUTH_TOKEN_INVALID")
    assert _call(live, "getSystemProcessVersion", last)["code"] == "Ok"


def test_disabled_user_invalidates_its_tokens(live: LiveServer) -> None:
    token = _token(live)
    with live.components.database.unit_of_work() as uow:
        user = uow.session.get(User, "cr-rta-ch")
        assert user is not None
        user.enabled = False
        uow.commit()
    assert _call(live, "getSystemProcessVersion", token["accessToken"])["details"].startswith(
        "AUTH_TOKEN_INVALID"
    )


def test_profile_and_side_checks(live: LiveServer) -> None:
    admin = _token(live, ("cr-a2a", "cr-admin", CR[2]))["accessToken"]
    assert _call(live, "getSystemProcessVersion", admin)["details"].startswith(
        "PROFILE_NOT_ALLOWED"
    )
    assert _call(live, "getBranchesList", admin)["code"] == "Ok"  # no claims profile needed
    comp = _token(live, ("comp-a2a", "comp-rta-ch", "Cobalt-Heron-2026!"))["accessToken"]
    assert _call(live, "searchCompensators", comp)["details"].startswith("PROFILE_NOT_ALLOWED")
    # RTA-only profile on the EL/PL endpoint
    reply = post(
        live.url,
        envelope(
            "getSystemProcessVersion",
            f"<accessToken>{_token(live)['accessToken']}</accessToken>",
            ELPL_NS,
        ),
        ELPL_PATH,
    ).result()
    assert reply["details"].startswith("PROFILE_NOT_ALLOWED")


def test_an_operation_of_the_other_service_is_an_unknown_operation(live: LiveServer) -> None:
    """applyArticle75 exists only for RTA: the EL/PL endpoint answers it as any operation its
    WSDL does not declare (a SOAP Fault), whatever the token."""
    token = _token(live)["accessToken"]
    reply = post(
        live.url,
        envelope("applyArticle75", f"<accessToken>{token}</accessToken>", ELPL_NS),
        ELPL_PATH,
    )
    assert reply.status == 500 and reply.fault_code() == "soap:Client"


def test_malformed_values_are_in_band_failures(live: LiveServer) -> None:
    token = _token(live)["accessToken"]
    reply = post(
        live.url,
        envelope(
            "getNotificationsList",
            f"<accessToken>{token}</accessToken><A2ANotification>maybe</A2ANotification>",
        ),
    ).result()
    assert reply["code"] == "Failure" and reply["details"].startswith("INPUT_INVALID")
    reply = _call(live, "getOrganisation", token, "<bogus>1</bogus>")
    assert reply["details"].startswith("INPUT_INVALID") and "bogus" in reply["details"]
    assert _call(live, "getOrganisation", token)["details"] == "INPUT_MISSING: organisationPath"


def test_legacy_endpoint_with_user_auth(live: LiveServer) -> None:
    body = (
        '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:t="http://ws.pip.crif.com/"><soap:Body><t:getSystemProcessVersion>'
        f"<userAuth><asUser>cr-rta-ch</asUser><password>{CR[2]}</password>"
        "<username>cr-a2a</username></userAuth></t:getSystemProcessVersion></soap:Body>"
        "</soap:Envelope>"
    ).encode()
    reply = post(live.url, body, "/PIP.WS/PIPWS")
    result = reply.result()
    assert result["code"] == "Ok" and "details" not in result
    wrong = post(live.url, body.replace(CR[2].encode(), b"Wrong-Password-1!"), "/PIP.WS/PIPWS")
    assert wrong.result()["code"] == "Failure"


@pytest.mark.parametrize("legacy", [False])
def test_legacy_endpoints_are_off_by_default(
    sqlite_url: str, clock: MovableClock, legacy: bool
) -> None:
    from gateway.soap.app import SoapApplication
    from tests.conftest import seeded

    components = seeded(sqlite_url, clock)
    app = SoapApplication(components.settings, components.service)
    assert "/pip.ws/pipws" not in app.contracts and "/pip.wstk/pipwstk" in app.contracts
