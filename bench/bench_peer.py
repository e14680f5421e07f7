"""The SOAP layer alone, in-process: ``gateway.soap`` against spyne (``peer_spyne``) on one
getSystemProcessVersion envelope, with no server, no network and no database. Each app is called
as a WSGI callable; the gateway's service is replaced by a stub that decodes the request and
encodes the fixed result, spyne's method returns the same fixed result. Prints the median time
per request over the rounds, and the probe of ``peer_spyne`` (how each answers the envelopes the
contract decides, and how spyne's WSDL differs from the published one).

    python bench/bench_peer.py [--requests 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class _FixedService:
    """Stands in for ``GatewayService``: decode the request, encode the fixed result."""

    operations: dict[str, Any] = {}

    def handle(self, req: Any, answer: Callable[[Any], bytes]) -> bytes:
        from gateway.service import messages
        from gateway.service.gateway import Done

        req.decode()
        version = messages.SystemProcessVersion(
            process_name="RTA", version_major=7, version_minor=0
        )
        return answer(
            Done(
                messages.SystemProcessVersionResponse(
                    message="Current process version", system_process_version=version
                )
            )
        )

    def journal_fault(self, *args: Any) -> None:
        pass


def per_request_us(app: Any, body: bytes, requests: int, call: Any) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        _status, answer = call(app, body)
        assert b"<code>Ok</code>" in answer, answer[:300]
    return (time.perf_counter() - started) / requests * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["PEER_NO_DATABASE"] = "1"
    import peer_spyne
    from peer_spyne import call_wsgi

    from gateway.config import Settings
    from gateway.soap.app import SoapApplication

    ours = SoapApplication(Settings.load({}), _FixedService())  # type: ignore[arg-type]
    body = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        b'xmlns:t="http://wstk.pip.crif.com/"><soap:Body><t:getSystemProcessVersion>'
        b"<accessToken>0123456789abcdef0123456789abcdef</accessToken>"
        b"</t:getSystemProcessVersion></soap:Body></soap:Envelope>"
    )
    apps = {"gateway.soap": ours, "spyne 2.14 (soft)": peer_spyne.app}
    times: dict[str, list[float]] = {name: [] for name in apps}
    for app in apps.values():  # warm-up
        per_request_us(app, body, 200, call_wsgi)
    for _ in range(args.rounds):
        for name, app in apps.items():
            times[name].append(per_request_us(app, body, args.requests, call_wsgi))
    print(
        f"== SOAP layer alone, in-process, getSystemProcessVersion, {args.requests} requests "
        f"per figure, median of {args.rounds} rounds"
    )
    for name, values in times.items():
        rounds = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:20}{statistics.median(values):7.0f} us/request (rounds: {rounds})")
    ratio = statistics.median(times["spyne 2.14 (soft)"]) / statistics.median(times["gateway.soap"])
    print(f"spyne/gateway.soap time per request: {ratio:.2f}x")
    return peer_spyne.main([])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
