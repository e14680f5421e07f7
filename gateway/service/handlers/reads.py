"""Claim reads: getClaim (the Data document), getClaimsList, searchClaims, notifications."""

from __future__ import annotations

from gateway.service.gateway import OperationSpec

OPERATIONS: dict[str, OperationSpec] = {}
