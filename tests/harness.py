"""An in-process harness: operations run through the service layer, without HTTP or SOAP.

``Harness.run("acceptClaim", m.AcceptClaim(...), as_="comp-rta-ch")`` authenticates a token of
the demo world, then runs the operation on ``GatewayService.handle`` exactly as a request from
the wire does (the same unit of work, authentication, profile and side checks, journal), on a
temporary SQLite file copied from one migrated, seeded template per test session. It returns the
``Outcome``; ``ok`` and ``refused`` unwrap it. A step takes a few milliseconds, so handler tests
can cover every refusal of every operation; the wire keeps its own end-to-end tests.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.app import Components, build
from gateway.domain.services import Service
from gateway.errors import Refusal
from gateway.service import messages as m
from gateway.service.admin import (
    OrganisationSpec,
    UserSpec,
    enable_user,
    ensure_organisation,
    ensure_user,
)
from gateway.service.blobs import Blob
from gateway.service.demo import A2A_USERS, seed
from gateway.service.gateway import Decoded, Done, Outcome, Refused, ServiceRequest
from gateway.store.db import upgrade
from gateway.validation.registry import ReleaseRegistry
from tests.conftest import MovableClock, test_settings
from tests.e2e.claims import cnf, insurer_response

#: A second law firm beside the demo world's, so that a CR can meet a claim it may not see.
OTHER_FIRM = OrganisationSpec("CR00002", "CR", "Other Claimant Solicitors LLP")
OTHER_A2A = ("cr2-a2a", "Indigo-Marten-2026!")
#: A second insurer of COMP001's group, for reassignments of EL/PL claims (the demo MIB is RTA
#: only).
GROUP_INSURER = OrganisationSpec("COMP003", "COMP", "Demo Commercial Insurance plc", "I")
GROUP_A2A = ("comp3-a2a", "Juniper-Wren-2026!")
PASSWORDS = {a.user_id: a.password for a in A2A_USERS} | dict([OTHER_A2A, GROUP_A2A])
#: The A2A user that acts as each demo user (by the user id's prefix).
A2A_OF = {
    "cr": "cr-a2a",
    "comp": "comp-a2a",
    "mib": "mib-a2a",
    "cr2": "cr2-a2a",
    "comp3": "comp3-a2a",
}
ENDPOINTS = {Service.RTA: "/PIP.WSTK/PIPWSTK", Service.ELPL: "/ELPL.WSTK/ELPLWSTK"}


@functools.cache
def _registry(schemas: Path) -> ReleaseRegistry:
    """The compiled schemas, shared by every harness of the test session."""
    return ReleaseRegistry.load(schemas)


def template(directory: Path) -> Path:
    """A migrated database holding the demo world, made once and copied for each test."""
    path = directory / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    clock = MovableClock()
    settings = test_settings(url)
    components = build(settings, clock, _registry(settings.schemas_dir))
    now = clock.now()
    with components.database.unit_of_work() as uow:
        seed(uow, components.auth, now)
        ensure_organisation(uow, OTHER_FIRM, now)
        user = UserSpec("cr2-rta-ch", "CR00002", "Olive", "Other", "CR_RTA_CH")
        ensure_user(uow, components.auth, user, now)
        enable_user(uow, user.user_id, now)
        a2a = UserSpec(OTHER_A2A[0], "CR00002", "A2A", "System", "A2A")
        ensure_user(uow, components.auth, a2a, now, OTHER_A2A[1], password_expired=False)
        enable_user(uow, a2a.user_id, now)
        ensure_organisation(uow, GROUP_INSURER, now)
        uow.organisations.link("COMP001", "COMP003")
        for spec, password in (
            (UserSpec("comp3-elpl-ch", "COMP003", "Gwen", "Group", "COMP_ELPL_CH"), None),
            (UserSpec(GROUP_A2A[0], "COMP003", "A2A", "System", "A2A"), GROUP_A2A[1]),
        ):
            if password is None:
                ensure_user(uow, components.auth, spec, now)
            else:
                ensure_user(uow, components.auth, spec, now, password, password_expired=False)
            enable_user(uow, spec.user_id, now)
        uow.commit()
    components.database.dispose()
    return path


@dataclass
class Claimed:
    """A claim as the harness knows it: its id and current GUID and phase."""

    application_id: str
    guid: str
    phase: str

    @property
    def data(self) -> m.ClaimData:
        return m.ClaimData(application_id=self.application_id, activity_engine_guid=self.guid)


@dataclass
class Harness:
    components: Components
    clock: MovableClock
    tokens: dict[str, str] = field(default_factory=dict)
    #: The endpoint ``run`` calls unless told otherwise (set it to drive EL/PL claims).
    service: Service = Service.RTA

    @classmethod
    def on_copy(cls, source: Path, directory: Path, **overrides: Any) -> Harness:
        """A harness on a copy of ``source``; ``overrides`` are settings (a release, ...)."""
        path = directory / "gateway.db"
        shutil.copyfile(source, path)
        return cls.on_file(path, **overrides)

    @classmethod
    def on_file(cls, path: Path, **overrides: Any) -> Harness:
        """A harness on the database file ``path`` (another harness's, to change settings)."""
        clock = MovableClock()
        settings = test_settings(f"sqlite:///{path}", **overrides)
        return cls(build(settings, clock, _registry(settings.schemas_dir)), clock)

    def close(self) -> None:
        self.components.database.dispose()

    # ------------------------------------------------------------------------------ running
    def run(
        self,
        operation: str,
        request: Any = None,
        *,
        as_: str | None = None,
        token: str | None = None,
        service: Service | None = None,
    ) -> Outcome:
        """Run ``operation`` with ``request`` (its typed message; empty if None) as ``as_``."""
        if request is None:
            request = m.OPERATIONS[operation][0]()
        if token is None and as_ is not None:
            token = self.token(as_)
        outcomes: list[Outcome] = []

        def answer(outcome: Outcome) -> bytes:
            if isinstance(outcome, Done):
                _read_blobs(outcome.result)  # while the request's unit of work is open
            outcomes.append(outcome)
            return b""

        service = service or self.service
        req = ServiceRequest(
            ENDPOINTS[service],
            service,
            "token",
            operation,
            lambda: Decoded(request, access_token=token),
            str(uuid.uuid4()),
            "127.0.0.1",
            b"",
        )
        self.components.service.handle(req, answer)
        return outcomes[-1]

    def ok(self, operation: str, request: Any = None, **options: Any) -> Any:
        outcome = self.run(operation, request, **options)
        assert isinstance(outcome, Done), f"{operation}: {outcome}"
        return outcome.result

    def refused(self, operation: str, request: Any = None, **options: Any) -> Refusal:
        outcome = self.run(operation, request, **options)
        assert isinstance(outcome, Refused), f"{operation} was not refused: {outcome}"
        return outcome.refusal

    def token(self, as_user: str) -> str:
        if as_user not in self.tokens:
            a2a = A2A_OF[as_user.split("-")[0]]
            request = m.GetToken(user_id=a2a, user_as_id=as_user, password=PASSWORDS[a2a])
            self.tokens[as_user] = self.ok("getToken", request).access_token
        return self.tokens[as_user]

    # ------------------------------------------------------------------------ claim steps
    def submit(
        self,
        reference: str,
        *,
        insurer: str = "COMP001",
        insurer_type: str = "I",
        cr: str = "cr-rta-ch",
        release: str = "R7",
    ) -> Claimed:
        text = cnf(reference, insurer, insurer_type, release=release)
        return self.claimed(self.ok("addClaim", m.AddClaim(claim_xml=text), as_=cr))

    def step(self, operation: str, claim: Claimed, as_: str, **fields: Any) -> Claimed:
        """A workflow step that must succeed; returns the claim as it now stands."""
        request = m.OPERATIONS[operation][0](claim_data=claim.data, **fields)
        return self.claimed(self.ok(operation, request, as_=as_))

    @staticmethod
    def claimed(result: Any) -> Claimed:
        info = result.claim_info
        return Claimed(info.application_id, info.activity_engine_guid, info.phase_cache_id)

    def decided(self, reference: str, decision: str = "A", release: str = "R7") -> Claimed:
        """A claim accepted by COMP001 and with its liability decision sent."""
        claim = self.submit(reference, release=release)
        claim = self.step(
            "acceptClaim", claim, "comp-rta-ch", insurer_claim_reference_number=f"INS-{reference}"
        )
        if claim.phase == "Article75Decision":
            claim = self.step("applyArticle75", claim, "comp-rta-ch", is_article75=False)
        return self.step(
            "sendLiabilityDecision",
            claim,
            "comp-rta-ch",
            insurer_response_xml=insurer_response(decision, release=release),
        )


def _read_blobs(message: Any) -> None:
    """Replace every ``Blob`` of a result by its bytes, as a front end would send them."""
    if not dataclasses.is_dataclass(message):
        return
    for f in dataclasses.fields(message):
        value = getattr(message, f.name)
        if isinstance(value, Blob):
            setattr(message, f.name, value.read())
        elif isinstance(value, list):
            for item in value:
                _read_blobs(item)
        else:
            _read_blobs(value)
