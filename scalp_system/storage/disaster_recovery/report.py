"""The recovery report: how each step ended (``StepStatus``), what it found and did (``StepReport``),
and the whole run (``RecoveryReport``), which says whether the state is usable and renders as text for
people and as JSON for machines (secrets scrubbed either way). Pure data: no step logic lives here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from scalp_system.core.redaction import redact


class StepStatus(StrEnum):
    """How a recovery step ended."""

    OK = "OK"  # nothing wrong was found
    REPAIRED = "REPAIRED"  # something was wrong and is fixed
    DEGRADED = "DEGRADED"  # usable, but something was lost or stays off (``found`` says what)
    FAILED = "FAILED"  # not usable until an operator acts (``found`` says why)
    SKIPPED = "SKIPPED"  # not applicable or not asked for


# How bad each status is: a step's status only ever rises (``StepReport.escalate``).
SEVERITY = {
    StepStatus.OK: 0,
    StepStatus.SKIPPED: 0,
    StepStatus.REPAIRED: 1,
    StepStatus.DEGRADED: 2,
    StepStatus.FAILED: 3,
}


@dataclass
class StepReport:
    """One step: its status, what it found, what it did, machine-readable details and its duration."""

    name: str
    status: StepStatus = StepStatus.OK
    found: list[str] = field(default_factory=list)
    did: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0

    def escalate(self, status: StepStatus) -> None:
        """Raise the status to ``status`` when that is worse than the current one."""
        if SEVERITY[status] > SEVERITY[self.status] or self.status is StepStatus.SKIPPED:
            self.status = status

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "name": self.name,
            "status": self.status.value,
            "duration_s": round(self.duration_s, 6),
            "found": list(self.found),
            "did": list(self.did),
            "details": self.details,
        }


@dataclass
class RecoveryReport:
    """Everything ``recover`` found and did, step by step, with durations."""

    started_ns: int
    steps: list[StepReport] = field(default_factory=list)
    duration_s: float = 0.0
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """True when no step FAILED: a run may start from this state."""
        return all(step.status is not StepStatus.FAILED for step in self.steps)

    def step(self, name: str) -> StepReport:
        """The report of step ``name`` (KeyError when it did not run)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {
            "usable": self.usable,
            "started_ns": self.started_ns,
            "duration_s": round(self.duration_s, 6),
            "paths": dict(self.paths),
            "steps": [step.to_dict() for step in self.steps],
        }

    def to_json(self) -> str:
        """The report as indented JSON (secrets scrubbed)."""
        return redact(json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str))

    def write_json(self, path: Path) -> Path:
        """Write ``to_json`` to ``path`` (parents created); returns the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    def render_text(self) -> str:
        """A human summary: one block per step, then the verdict and the total time."""
        lines = []
        for step in self.steps:
            lines.append(f"[{step.status.value:>8}] {step.name} ({step.duration_s:.3f} s)")
            lines.extend(f"           found: {item}" for item in step.found)
            lines.extend(f"           did:   {item}" for item in step.did)
        verdict = "state is usable" if self.usable else "state is NOT usable: see FAILED steps above"
        lines.append(f"recovery finished in {self.duration_s:.3f} s: {verdict}")
        return redact("\n".join(lines))
