"""Self-check of the conformance corpus against the XSDs alone (no business rules).

For every case of tests/conformance/manifest.toml: validates the sample against the pack XSD of
its release with lxml and with xmlschema, checks that both agree with ``xsd_valid``, and that every
``kind = "xsd"`` expectation names a location one of the validators reports. Also checks that the
manifest and the sample folder list the same files and that every pack of every release has a
valid sample.

    python tools/check_conformance_xsd.py [--spec ../shared/spec/payloads.md]

The pytest runner of the corpus (which adds the business rules) lives in tests/; this script is
the schema author's quick check.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import xmlschema
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_schemas import DEFAULT_SPEC, RELEASES, parse_file_lists

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "conformance"
PACKS = {
    "cnf",
    "cnf-resend",
    "insurer-response",
    "isp-request",
    "isp-response",
    "s2sp-request",
    "s2sp-response",
    "s2sp-counter-offer-cr",
    "s2sp-counter-offer-cm",
    "ad-request",
    "ad-response",
    "cpp-request",
    "cpp-response",
    "data",
}
INDEX = re.compile(r"\[\d+\]")


def lxml_locations(schema: etree.XMLSchema) -> set[str]:
    out = set()
    for err in schema.error_log:  # type: ignore[attr-defined]
        path = INDEX.sub("", err.path or "")
        out.add(path)
        for name in re.findall(r"attribute '([A-Za-z0-9_]+)'", err.message):
            out.add(f"{path}/@{name}")
        for name in re.findall(r"Expected is .*?\( ([A-Za-z0-9_]+) \)", err.message):
            out.add(f"{path}/{name}")
    return out


def xmlschema_locations(schema: xmlschema.XMLSchema10, doc: etree._ElementTree) -> set[str]:
    out = set()
    for err in schema.iter_errors(doc):
        path = INDEX.sub("", err.path or "")
        out.add(path)
        reason = err.reason or ""
        for name in re.findall(r"attribute '?([A-Za-z0-9_]+)'?", reason):
            out.add(f"{path}/@{name}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        parser.error(f"the product spec is absent: no {args.spec} (use --spec)")
    files = parse_file_lists(args.spec.read_text(encoding="utf-8"))
    manifest = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
    cases = manifest["case"]
    lxml_cache: dict[Path, etree.XMLSchema] = {}
    xs_cache: dict[Path, xmlschema.XMLSchema10] = {}
    problems: list[str] = []
    listed = set()
    valid_packs = set()
    for case in cases:
        key = (case["service"], case["release"], case["pack"])
        if case["pack"] not in PACKS or key not in files:
            problems.append(f"{case['file']}: unknown service/release/pack {key}")
            continue
        # R7 resends are judged by the AddClaim schema (payloads.md section 1, decided).
        judge = ("rta", "R7", "cnf") if key == ("rta", "R7", "cnf-resend") else key
        xsd = ROOT / "schemas" / case["service"] / case["release"] / files[judge]
        if xsd not in lxml_cache:
            lxml_cache[xsd] = etree.XMLSchema(etree.parse(str(xsd)))
            xs_cache[xsd] = xmlschema.XMLSchema10(str(xsd))
        sample = CORPUS / case["file"]
        listed.add(sample.resolve())
        doc = etree.parse(str(sample))
        by_lxml = lxml_cache[xsd].validate(doc)
        locations = lxml_locations(lxml_cache[xsd])
        by_xs = xs_cache[xsd].is_valid(doc)
        locations |= xmlschema_locations(xs_cache[xsd], doc)
        if by_lxml != case["xsd_valid"] or by_xs != case["xsd_valid"]:
            problems.append(
                f"{case['file']}: xsd_valid={case['xsd_valid']} but lxml={by_lxml} "
                f"xmlschema={by_xs}: {str(lxml_cache[xsd].error_log)[:300]}"
            )
        for exp in case.get("expect", []):
            if exp["kind"] == "xsd" and exp["path"] not in locations:
                problems.append(
                    f"{case['file']}: expected xsd location {exp['path']} not in "
                    f"{sorted(locations)}"
                )
            if exp["kind"] == "rule" and not case["xsd_valid"]:
                problems.append(f"{case['file']}: rule expectation on an XSD-invalid sample")
        if case["valid"]:
            valid_packs.add(key)
    on_disk = {p.resolve() for p in (CORPUS / "samples").rglob("*.xml")}
    for p in sorted(on_disk - listed):
        problems.append(f"not in the manifest: {p}")
    for p in sorted(listed - on_disk):
        problems.append(f"missing sample: {p}")
    for service, releases in RELEASES.items():
        for release in releases:
            for pack in PACKS:
                key = (service, release, pack)
                if key in files and key not in valid_packs:
                    problems.append(f"no valid sample for {service} {release} {pack}")
    for problem in problems:
        print(problem)
    print(f"{len(cases)} cases, {len(lxml_cache)} schemas, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
