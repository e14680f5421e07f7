"""getToken, refreshToken, changePassword (security.md sections 1-2)."""

from __future__ import annotations

from typing import Any

from gateway.service.auth import TokenPair
from gateway.service.gateway import Call, OperationSpec, ok


def _pair(call: Call, pair: TokenPair) -> dict[str, Any]:
    call.facts.family_id = pair.family_id
    return ok(
        "Token issued",
        accessToken=pair.access_token,
        refreshToken=pair.refresh_token,
        accessTokenExpiresIn=str(pair.access_seconds),
        refreshTokenExpiresIn=str(pair.refresh_seconds),
    )


def get_token(call: Call) -> dict[str, Any]:
    pair, _ = call.auth.get_token(
        call.uow,
        call.require("userID"),
        call.require("userAsID"),
        call.require("password"),
        call.optional("clientID"),
        call.now,
    )
    return _pair(call, pair)


def refresh_token(call: Call) -> dict[str, Any]:
    pair, _ = call.auth.refresh(
        call.uow,
        call.require("userID"),
        call.require("userAsID"),
        call.optional("clientID"),
        call.require("refreshToken"),
        call.now,
    )
    return _pair(call, pair)


def change_password(call: Call) -> dict[str, Any]:
    expiry = call.auth.change_password(
        call.uow,
        call.require("userID"),
        call.require("oldPassword"),
        call.require("newPassword"),
        call.now,
    )
    return ok("Password changed", value=expiry.isoformat())


OPERATIONS = {
    "getToken": OperationSpec(get_token),
    "refreshToken": OperationSpec(refresh_token),
    "changePassword": OperationSpec(change_password),
}
