"""The typed operations against the contract: every operation's request and result class is
derived from the WSDLs, carries every field they declare, and each built handler declares the
classes of the operation it is registered for."""

from __future__ import annotations

import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest

from gateway.service import messages
from gateway.service.gateway import Call
from gateway.service.handlers import operations
from gateway.soap.codec import Binding
from gateway.soap.contract import Contract, load_contract
from gateway.soap.namespaces import ENDPOINTS
from gateway.soap.naming import CREDENTIAL_FIELDS, class_name, field_name

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = {e.path: load_contract(ROOT / "wsdl", e) for e in ENDPOINTS}


def test_the_generated_module_is_what_the_wsdls_give() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_messages.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=list(CONTRACTS))
def test_every_operation_has_its_request_and_result_class(contract: Contract) -> None:
    for name, operation in contract.operations.items():
        request, result = messages.OPERATIONS[name]
        assert request.__name__ == class_name(name)
        assert result.__name__ == class_name(operation.result.type)
        declared = {field_name(e.name) for e in operation.request} - {
            field_name(c) for c in CREDENTIAL_FIELDS
        }
        assert declared <= set(request.__dataclass_fields__), name
        result_fields = {field_name(e.name) for e in contract.types[operation.result.type]}
        assert result_fields <= set(result.__dataclass_fields__), name


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=list(CONTRACTS))
def test_every_contract_type_binds_to_a_class(contract: Contract) -> None:
    binding = Binding(contract)  # raises StartupError on drift
    assert set(contract.operations) <= set(binding.classes)


def _request_classes(annotation: object) -> set[type]:
    """The request class(es) that ``Call[X]`` (or ``Call[A | B]``) names."""
    assert typing.get_origin(annotation) is Call, annotation
    (argument,) = typing.get_args(annotation)
    if typing.get_origin(argument) in (typing.Union, types.UnionType):
        return set(typing.get_args(argument))
    return {argument}


def test_every_handler_declares_its_operations_types() -> None:
    for name, spec in operations().items():
        hints = typing.get_type_hints(spec.handler)
        request, result = messages.OPERATIONS[name]
        parameter = next(iter(hints.values()))
        assert request in _request_classes(parameter), f"{name}: {parameter}"
        assert hints["return"] is result, f"{name} returns {hints['return']}, not {result}"


def test_handlers_take_and_return_no_dicts() -> None:
    for name, spec in operations().items():
        hints = typing.get_type_hints(spec.handler)
        for hint in hints.values():
            assert typing.get_origin(hint) is not dict and hint is not dict, name
