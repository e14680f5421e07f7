"""One handler per operation; ``operations()`` is the table the gateway dispatches on."""

from __future__ import annotations

from gateway.domain.services import Service
from gateway.service.gateway import OperationSpec
from gateway.service.handlers import (
    allocation,
    attachments,
    authentication,
    documents,
    reads,
    reference,
    stage1,
    stage2,
)

MODULES = (authentication, reference, stage1, stage2, reads, allocation, attachments, documents)


def operations() -> dict[str, OperationSpec]:
    table: dict[str, OperationSpec] = {}
    for module in MODULES:
        overlap = table.keys() & module.OPERATIONS.keys()
        if overlap:
            raise RuntimeError(f"operations registered twice: {sorted(overlap)}")
        table.update(module.OPERATIONS)
    return table


def built_for(service: Service) -> dict[str, OperationSpec]:
    """The operations built for ``service``: what its endpoints dispatch and ``/healthz``
    counts as built."""
    return {name: spec for name, spec in operations().items() if spec.serves(service)}
