"""The Mermaid diagrams: rendered from the tables, and the committed docs equal to the rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.domain.diagram import edge_label, main, render_markdown, render_mermaid
from gateway.domain.lifecycle import GDPR_DELETE, LIFECYCLES, NEW
from gateway.domain.services import Service

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("service", list(Service))
def test_committed_docs_equal_the_rendering(service: Service) -> None:
    path = ROOT / "docs" / f"lifecycle-{service.value}.md"
    hint = f"regenerate: python -m gateway.domain.diagram --service {service.value} --output {path}"
    assert path.read_text(encoding="utf-8") == render_markdown(service), hint


@pytest.mark.parametrize("service", list(Service))
def test_every_phase_and_transition_is_drawn(service: Service) -> None:
    lifecycle = LIFECYCLES[service]
    lines = render_mermaid(service).splitlines()
    assert lines[0] == "stateDiagram-v2"
    for phase in lifecycle.phases:
        assert f'    state "{phase.name}" as {phase.id}' in lines
        assert (f"    {phase.id} --> [*]" in lines) == phase.end
    edges = [line for line in lines if " --> " in line and not line.endswith("[*]")]
    drawn = [t for t in lifecycle.transitions if t.trigger != GDPR_DELETE]
    assert len(edges) == len(drawn)
    for t in drawn:
        source = "[*]" if t.source == NEW else t.source
        assert f"    {source} --> {t.target}: {edge_label(t)}" in lines
    gdpr = "R95" if service is Service.RTA else "E78"
    note = f"{gdpr} GDPR_DELETE (SYSTEM) from every other phase"
    assert f"    note left of ClaimDeleted : {note}" in lines
    ends = ",".join(p.id for p in lifecycle.phases if p.end)
    assert f"    class {ends} endPhase" in lines


def test_edge_labels() -> None:
    rta = LIFECYCLES[Service.RTA]
    r11 = next(t for t in rta.transitions if t.rule == "R11")
    assert edge_label(r11) == "R11 sendLiabilityDecision (COMP) LiabilityDecision=A, child=true"
    r53 = next(t for t in rta.transitions if t.rule == "R53")
    assert edge_label(r53) == "R53 extendStage2SPFCounterOfferTimeout (COMP/CR)"
    assert ";" not in render_mermaid(Service.RTA)  # a Mermaid statement separator


def test_main_prints_or_writes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--service", "elpl", "--format", "mermaid"]) == 0
    assert capsys.readouterr().out == render_mermaid(Service.ELPL)
    target = tmp_path / "rta.md"
    assert main(["--service", "rta", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_markdown(Service.RTA)
    with pytest.raises(SystemExit):
        main(["--service", "motor"])
