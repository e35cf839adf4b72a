"""The audit interface the risk engine writes to, and its ISO 27001 Annex A control tags.

The monitoring package implements :class:`AuditSink` (the hash-chained JSONL audit log); risk only
needs ``record``. Any object with that method will do, so risk never imports monitoring.
"""

from __future__ import annotations

from typing import Protocol

RISK_ACTOR = "risk"
CONTROL_LOGGING = "A.8.15"  # logging: denials, routine decisions
CONTROL_MONITORING = "A.8.16"  # monitoring: stale data, latency, connectivity
CONTROL_INCIDENT = "A.5.24"  # incident management: breakers, halts, resumes, failover


class AuditSink(Protocol):
    """Where audit events go (append-only, one record per event)."""

    def record(self, event_type: str, actor: str, details: dict[str, object], control: str) -> None:
        """Append one audit event; must never raise into the caller's trading path."""
        ...


class NullAudit:
    """An AuditSink that keeps nothing (for tools and tests that do not audit)."""

    def record(self, event_type: str, actor: str, details: dict[str, object], control: str) -> None:
        """Discard the event."""


class MemoryAudit:
    """An AuditSink that keeps records in a list (tests, and a buffer before the log opens)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str, dict[str, object], str]] = []

    def record(self, event_type: str, actor: str, details: dict[str, object], control: str) -> None:
        """Keep the event."""
        self.records.append((event_type, actor, details, control))

    def of_type(self, event_type: str) -> list[dict[str, object]]:
        """The details of every record of ``event_type``."""
        return [details for kind, _, details, _ in self.records if kind == event_type]
