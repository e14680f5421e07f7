"""Raw-HTTP helpers for tests that talk SOAP without a client library."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import requests
from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
RTA_NS = "http://wstk.pip.crif.com/"
ELPL_NS = "http://wstk.elpl.crif.com/"
RTA_PATH = "/PIP.WSTK/PIPWSTK"
ELPL_PATH = "/ELPL.WSTK/ELPLWSTK"


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes

    @property
    def tree(self) -> etree._Element:
        return etree.fromstring(self.body)

    def fault_code(self) -> str | None:
        node = self.tree.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/faultcode")
        return None if node is None else node.text

    def result(self) -> dict[str, str]:
        """The flat simple fields of the single result element (code, message, details ...)."""
        wrapper = self.tree.find(f"{{{SOAP11}}}Body")[0]  # type: ignore[index]
        result = wrapper[0]
        return {child.tag: child.text or "" for child in result if len(child) == 0}


def envelope(operation: str, fields: str, ns: str = RTA_NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}" '
        f'xmlns:t="{ns}"><soap:Body><t:{operation}>{fields}</t:{operation}></soap:Body>'
        f"</soap:Envelope>"
    ).encode()


def post(url: str, body: bytes, path: str = RTA_PATH, timeout: float = 30) -> Reply:
    response = requests.post(
        url + path,
        data=body,
        timeout=timeout,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": ""},
    )
    return Reply(response.status_code, response.headers.get("Content-Type", ""), response.content)


def post_at_once(url: str, body: bytes, clients: int) -> list[dict[str, str]]:
    """``clients`` threads post ``body`` at the same moment; the results they got."""
    start = threading.Barrier(clients)
    results: list[dict[str, str]] = []

    def client() -> None:
        start.wait()
        results.append(post(url, body).result())

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def get_token(
    url: str, user: str, as_user: str, password: str, path: str = RTA_PATH, ns: str = RTA_NS
) -> Reply:
    return post(
        url,
        envelope(
            "getToken",
            f"<userID>{user}</userID><userAsID>{as_user}</userAsID><password>{password}</password>",
            ns,
        ),
        path,
    )


class Metrics:
    """A ``/metrics`` scrape, read with prometheus-client's own parser."""

    def __init__(self, text: str) -> None:
        from prometheus_client.parser import text_string_to_metric_families

        self.samples: list[tuple[str, dict[str, str], float]] = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples called ``name`` whose labels include ``labels``."""
        return sum(
            v
            for n, found, v in self.samples
            if n == name and all(found.get(k) == want for k, want in labels.items())
        )


def scrape(url: str) -> Metrics:
    response = requests.get(url + "/metrics", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return Metrics(response.text)
