"""Authentication (security.md sections 1-2): passwords, lockout, token pairs, legacy userAuth.

An A2A user authenticates and acts as a named user of its organisation (the asUser); the
``Caller`` that comes out of here carries the asUser's organisation, side and profiles, which
decide everything the request may see or do.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gateway.config import Settings
from gateway.domain.passwords import HISTORY, PasswordOwner, policy_violation
from gateway.domain.profiles import CLAIMS_PROFILES, parse_profiles, side_of
from gateway.domain.services import Side
from gateway.errors import AuthRefusal, Refusal
from gateway.service.clock import as_utc
from gateway.service.unit_of_work import UnitOfWork
from gateway.store.models import Organisation, Token, TokenFamily, User
from gateway.store.repositories import AccountView, OrganisationView


@dataclass(frozen=True)
class Caller:
    """Who a request acts as: the A2A user and the named asUser whose rights apply."""

    user_id: str
    as_user_id: str
    organisation_id: str
    organisation_kind: str
    branch_id: str | None
    profiles: frozenset[str]
    client_id: str | None = None
    family_id: str | None = None
    organisation_name: str = ""

    @property
    def side(self) -> Side:
        return side_of(self.organisation_kind)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_seconds: int
    refresh_seconds: int
    family_id: str


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits: a fast hash is enough, unlike passwords.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: What the account checks read of a user: an ORM ``User``, or the token check's plain row.
Account = User | AccountView
OrganisationState = Organisation | OrganisationView


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        self._dummy_hash = self.hasher.hash("timing-equaliser-Aa1!")

    # ------------------------------------------------------------------------------ passwords
    def hash_password(self, password: str) -> str:
        return self.hasher.hash(password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _check_password(self, uow: UnitOfWork, user_id: str, password: str, now: datetime) -> User:
        """The user whose password this is; counts failures towards the lockout."""
        user = uow.users.get_for_update(user_id) if user_id else None
        if user is None:
            self._verify(None, password)  # same work, same timing as a wrong password
            raise AuthRefusal("unknown user or wrong password", key="AUTH_LOGIN_FAILED")
        locked_until = _aware(user.locked_until)
        if locked_until is not None and locked_until > now:
            raise AuthRefusal(
                f"locked until {locked_until:%Y-%m-%dT%H:%M:%SZ}", key="AUTH_ACCOUNT_LOCKED"
            )
        if not self._verify(user.password_hash, password):
            raise AuthRefusal(
                "unknown user or wrong password", key="AUTH_LOGIN_FAILED", failed_login=user.user_id
            )
        user.failed_attempts = 0
        user.locked_until = None
        return user

    def record_failed_login(self, uow: UnitOfWork, user_id: str, now: datetime) -> bool:
        """Count one failed password check; True when it locks the account."""
        user = uow.users.get_for_update(user_id)
        if user is None:
            return False
        user.failed_attempts = (user.failed_attempts or 0) + 1
        if user.failed_attempts >= self.settings.lockout_attempts:
            user.failed_attempts = 0
            user.locked_until = now + timedelta(minutes=self.settings.lockout_minutes)
            return True
        return False

    def _check_account(
        self, user: Account, now: datetime, *, password_must_be_current: bool
    ) -> None:
        if not user.enabled:
            raise AuthRefusal(key="AUTH_ACCOUNT_DISABLED")
        if self.inactive(user, now):
            raise AuthRefusal(
                f"no successful authentication for {self.settings.inactivity_days} days",
                key="AUTH_ACCOUNT_DISABLED",
            )
        expires = _aware(user.account_expires_at)
        if expires is not None and expires <= now:
            raise AuthRefusal(key="AUTH_ACCOUNT_EXPIRED")
        pw_expires = _aware(user.password_expires_at)
        if password_must_be_current and pw_expires is not None and pw_expires <= now:
            raise AuthRefusal(key="AUTH_PASSWORD_EXPIRED")

    def inactive(self, user: Account, now: datetime) -> bool:
        """security.md 2.1: an account unused for 90 days counts as disabled until an
        administrator enables it again (``gateway admin user-enable``)."""
        last = _aware(user.last_auth_at) or _aware(user.created_at)
        return last is not None and now - last > timedelta(days=self.settings.inactivity_days)

    def _a2a_user(self, user: User) -> None:
        if "A2A" not in parse_profiles(user.profiles):
            raise AuthRefusal(key="AUTH_NOT_A2A_USER")

    def _as_user(self, uow: UnitOfWork, a2a: User, as_user_id: str, now: datetime) -> Caller:
        as_user = uow.users.get(as_user_id) if as_user_id else None
        org = uow.organisations.get(as_user.organisation_id) if as_user is not None else None
        self._check_as_user(a2a, as_user, org, now)
        assert as_user is not None and org is not None
        _touch(uow, as_user, now)
        return _caller(a2a, as_user, org)

    def _check_as_user(
        self, a2a: Account, as_user: Account | None, org: OrganisationState | None, now: datetime
    ) -> None:
        if as_user is None or as_user.organisation_id != a2a.organisation_id:
            raise AuthRefusal(
                "asUser unknown or of another organisation", key="AUTH_ASUSER_INVALID"
            )
        profiles = parse_profiles(as_user.profiles)
        claims = set().union(*CLAIMS_PROFILES.values())
        if as_user.user_id == a2a.user_id and not profiles & claims:
            raise AuthRefusal(
                "the A2A user holds no claims profile of its own", key="AUTH_ASUSER_INVALID"
            )
        expires = _aware(as_user.account_expires_at)
        locked = _aware(as_user.locked_until)
        if (
            not as_user.enabled
            or (expires is not None and expires <= now)
            or (locked is not None and locked > now)
            or (as_user.user_id != a2a.user_id and self.inactive(as_user, now))
        ):
            raise AuthRefusal("asUser disabled, expired or locked", key="AUTH_ASUSER_INVALID")
        if org is None or not org.active:
            raise AuthRefusal("organisation inactive", key="AUTH_ACCOUNT_DISABLED")

    # ------------------------------------------------------------------------------ operations
    def get_token(
        self,
        uow: UnitOfWork,
        user_id: str,
        as_user_id: str,
        password: str,
        client_id: str | None,
        now: datetime,
    ) -> tuple[TokenPair, Caller]:
        user = self._check_password(uow, user_id, password, now)
        self._a2a_user(user)
        self._check_account(user, now, password_must_be_current=True)
        if self.settings.require_client_id and not client_id:
            raise AuthRefusal("a registered clientID is required", key="AUTH_LOGIN_FAILED")
        caller = self._as_user(uow, user, as_user_id, now)
        _touch(uow, user, now)
        live = uow.tokens.live_families(user.user_id, as_user_id)
        for family in live[: max(0, len(live) - self.settings.max_token_families + 1)]:
            uow.tokens.revoke_family(family.family_id, now)
        family = TokenFamily(
            family_id=str(uuid.uuid4()),
            user_id=user.user_id,
            as_user_id=as_user_id,
            client_id=client_id or None,
            created_at=now,
        )
        uow.tokens.add_family(family)
        pair = self._issue(uow, family.family_id, now)
        return pair, _with_family(caller, family)

    def refresh(
        self,
        uow: UnitOfWork,
        user_id: str,
        as_user_id: str,
        client_id: str | None,
        refresh_token: str,
        now: datetime,
    ) -> tuple[TokenPair, Caller]:
        token = uow.tokens.find_for_update(token_hash(refresh_token)) if refresh_token else None
        family = uow.tokens.family(token.family_id) if token is not None else None
        if token is None or family is None or token.kind != "refresh" or family.revoked_at:
            raise AuthRefusal(key="AUTH_REFRESH_INVALID")
        if token.used_at is not None:
            # A rotated refresh token came back: someone holds a copy. Revoke the whole family.
            raise AuthRefusal(
                "refresh token re-used; token family revoked",
                key="AUTH_REFRESH_INVALID",
                revoke_family=family.family_id,
            )
        expires = _aware(token.expires_at)
        if expires is None or expires <= now:
            raise AuthRefusal("refresh token expired", key="AUTH_REFRESH_INVALID")
        if (family.user_id, family.as_user_id, family.client_id or None) != (
            user_id,
            as_user_id,
            client_id or None,
        ):
            raise AuthRefusal("token bound to other credentials", key="AUTH_REFRESH_INVALID")
        user = uow.users.get(user_id)
        if user is None:
            raise AuthRefusal(key="AUTH_REFRESH_INVALID")
        self._check_account(user, now, password_must_be_current=True)
        locked = _aware(user.locked_until)
        if locked is not None and locked > now:
            raise AuthRefusal(key="AUTH_ACCOUNT_LOCKED")
        caller = self._as_user(uow, user, as_user_id, now)
        token.used_at = now
        return self._issue(uow, family.family_id, now), _with_family(caller, family)

    def change_password(
        self, uow: UnitOfWork, user_id: str, old: str, new: str, now: datetime
    ) -> date:
        user = self._check_password(uow, user_id, old, now)
        self._a2a_user(user)
        self._check_account(user, now, password_must_be_current=False)
        org = uow.organisations.get(user.organisation_id)
        owner = PasswordOwner(
            user.user_id, user.first_name, user.surname, org.organisation_id if org else ""
        )
        problem = policy_violation(new, owner)
        if problem is None and new == old:
            problem = "PWD-HISTORY: must differ from the last 12 passwords"
        if problem is None:
            for old_hash in uow.users.password_history(user.user_id, HISTORY):
                if self._verify(old_hash, new):
                    problem = "PWD-HISTORY: must differ from the last 12 passwords"
                    break
        if problem is not None:
            raise Refusal(problem, key="AUTH_PASSWORD_POLICY")
        self.set_password(uow, user, new, now, expired=False)
        uow.tokens.revoke_user(user.user_id, now)
        assert user.password_expires_at is not None
        return user.password_expires_at.date()

    def set_password(
        self, uow: UnitOfWork, user: User, password: str, now: datetime, *, expired: bool
    ) -> None:
        """Store a new password; an administrator's initial A2A password is created expired."""
        hashed = self.hash_password(password)
        user.password_hash = hashed
        user.password_set_at = now
        user.password_expires_at = (
            now if expired else now + timedelta(days=self.settings.password_expiry_days)
        )
        uow.users.add_history(user.user_id, hashed, now)

    def authenticate_token(self, uow: UnitOfWork, access_token: str, now: datetime) -> Caller:
        row = uow.tokens.access_row(token_hash(access_token)) if access_token else None
        if row is None:
            raise AuthRefusal(key="AUTH_TOKEN_INVALID")
        if row.kind != "access" or row.revoked_at is not None:
            raise AuthRefusal(key="AUTH_TOKEN_INVALID")
        expires = _aware(row.expires_at)
        if expires is None or expires <= now:
            raise AuthRefusal(key="AUTH_TOKEN_EXPIRED")
        user, as_user = row.user, row.as_user
        try:
            self._check_account(user, now, password_must_be_current=True)
            locked = _aware(user.locked_until)
            if locked is not None and locked > now:
                raise AuthRefusal(key="AUTH_ACCOUNT_LOCKED")
            self._check_as_user(user, as_user, row.organisation, now)
        except AuthRefusal as exc:
            raise AuthRefusal(
                f"account no longer valid ({exc.key})", key="AUTH_TOKEN_INVALID"
            ) from None
        _touch(uow, as_user, now)
        caller = _caller(user, as_user, row.organisation)
        return Caller(
            caller.user_id,
            caller.as_user_id,
            caller.organisation_id,
            caller.organisation_kind,
            caller.branch_id,
            caller.profiles,
            row.client_id,
            row.family_id,
            caller.organisation_name,
        )

    def authenticate_legacy(
        self, uow: UnitOfWork, username: str, as_user_id: str, password: str, now: datetime
    ) -> Caller:
        user = self._check_password(uow, username, password, now)
        self._a2a_user(user)
        self._check_account(user, now, password_must_be_current=True)
        _touch(uow, user, now)
        return self._as_user(uow, user, as_user_id, now)

    def issue_trusted(
        self, uow: UnitOfWork, user_id: str, as_user_id: str, client_id: str, now: datetime
    ) -> TokenPair:
        """A token pair for an A2A user acting as ``as_user_id``, without a password: for actors
        that run inside the gateway on a deployment's own behalf (the sandbox counterpart). The
        caller has checked both users; the tokens are journaled and revoked like any other."""
        family = TokenFamily(
            family_id=str(uuid.uuid4()),
            user_id=user_id,
            as_user_id=as_user_id,
            client_id=client_id,
            created_at=now,
        )
        uow.tokens.add_family(family)
        return self._issue(uow, family.family_id, now)

    def _issue(self, uow: UnitOfWork, family_id: str, now: datetime) -> TokenPair:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        s = self.settings
        uow.tokens.add(
            Token(
                token_hash=token_hash(access),
                family_id=family_id,
                kind="access",
                expires_at=now + timedelta(seconds=s.access_token_seconds),
            )
        )
        uow.tokens.add(
            Token(
                token_hash=token_hash(refresh),
                family_id=family_id,
                kind="refresh",
                expires_at=now + timedelta(seconds=s.refresh_token_seconds),
            )
        )
        return TokenPair(
            access, refresh, s.access_token_seconds, s.refresh_token_seconds, family_id
        )


def _touch(uow: UnitOfWork, user: Account, now: datetime) -> None:
    # Inactivity is counted in days (security.md 2.1): record activity at most hourly, so a read
    # does not write the user row on every request. A read-only request writes it with its
    # journal entry.
    last = _aware(user.last_auth_at)
    if last is None or now - last > timedelta(hours=1):
        uow.write_later(lambda: uow.users.touch(user.user_id, now))


def _caller(a2a: Account, as_user: Account, org: OrganisationState) -> Caller:
    return Caller(
        user_id=a2a.user_id,
        as_user_id=as_user.user_id,
        organisation_id=org.organisation_id,
        organisation_kind=org.kind,
        branch_id=as_user.branch_id,
        profiles=parse_profiles(as_user.profiles),
        organisation_name=org.name,
    )


def _with_family(caller: Caller, family: TokenFamily) -> Caller:
    return Caller(
        caller.user_id,
        caller.as_user_id,
        caller.organisation_id,
        caller.organisation_kind,
        caller.branch_id,
        caller.profiles,
        family.client_id,
        family.family_id,
        caller.organisation_name,
    )
