"""Locks and allocation: lockClaim, unlockClaim, forceUnlockClaim, allocateClaimToBranch,
allocateUser, deallocateUser, and reassignToAnotherCM."""

from __future__ import annotations

from gateway.service.gateway import OperationSpec

OPERATIONS: dict[str, OperationSpec] = {}
