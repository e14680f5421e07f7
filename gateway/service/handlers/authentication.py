"""getToken, refreshToken, changePassword (security.md sections 1-2)."""

from __future__ import annotations

from typing import Any

from gateway.service import messages as m
from gateway.service.auth import TokenPair
from gateway.service.gateway import Call, OperationSpec, given, required


def _pair(call: Call[Any], pair: TokenPair) -> m.TokenResponse:
    call.facts.family_id = pair.family_id
    return m.TokenResponse(
        message="Token issued",
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        access_token_expires_in=str(pair.access_seconds),
        refresh_token_expires_in=str(pair.refresh_seconds),
    )


def get_token(call: Call[m.GetToken]) -> m.TokenResponse:
    r = call.request
    pair, _ = call.auth.get_token(
        call.uow,
        required(r.user_id, "user_id"),
        required(r.user_as_id, "user_as_id"),
        required(r.password, "password"),
        given(r.client_id),
        call.now,
    )
    return _pair(call, pair)


def refresh_token(call: Call[m.RefreshToken]) -> m.TokenResponse:
    r = call.request
    pair, _ = call.auth.refresh(
        call.uow,
        required(r.user_id, "user_id"),
        required(r.user_as_id, "user_as_id"),
        given(r.client_id),
        required(r.refresh_token, "refresh_token"),
        call.now,
    )
    return _pair(call, pair)


def change_password(call: Call[m.ChangePassword]) -> m.StringResponse:
    r = call.request
    expiry = call.auth.change_password(
        call.uow,
        required(r.user_id, "user_id"),
        required(r.old_password, "old_password"),
        required(r.new_password, "new_password"),
        call.now,
    )
    return m.StringResponse(message="Password changed", value=expiry.isoformat())


OPERATIONS = {
    "getToken": OperationSpec(get_token),
    "refreshToken": OperationSpec(refresh_token),
    "changePassword": OperationSpec(change_password),
}
