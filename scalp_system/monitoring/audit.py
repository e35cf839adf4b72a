"""Append-only, hash-chained audit log (SPEC §4) and its verifier.

Each line is one JSON object: UTC timestamp, actor, event type, details, an ISO 27001 Annex A
control tag, a sequence number and ``prev``, the SHA-256 of the previous line's bytes. The first line
of a rotated segment chains to the last line of the segment before it. A sidecar ``.head`` file
holds the sequence and hash of the newest line, so truncation of the tail is detected too. Secrets
are scrubbed from every line before it is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from scalp_system.core.redaction import redact, redact_mapping

GENESIS = "0" * 64

# The minimum control set of SPEC §4, by audited event family.
CONTROLS: dict[str, str] = {
    "order_intent": "A.8.15",
    "order_state": "A.8.15",
    "fill": "A.8.15",
    "order_denied": "A.8.15",
    "position_reconciled": "A.8.15",
    "risk_state": "A.5.24",
    "breaker_trip": "A.5.24",
    "breaker_reset": "A.5.24",
    "emergency_halt": "A.5.24",
    "cooldown": "A.5.24",
    "drift": "A.8.16",
    "resource_alert": "A.8.16",
    "latency_alert": "A.8.16",
    "config_load": "A.8.9",
    "model_load": "A.8.13",
    "model_rehydrated": "A.8.13",
    "recovery": "A.8.13",
    "checkpoint_restore": "A.8.13",
    "storage_spill": "A.8.13",
    "failover_hook": "A.5.24",
    "operator_command": "A.5.15",
    "run_start": "A.8.15",
    "run_stop": "A.8.15",
    "audit_recovered": "A.8.15",
}
DEFAULT_CONTROL = "A.8.15"

FsyncPolicy = Literal["always", "interval", "never"]


def _line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


class AuditLog:
    """Writes audit lines; thread-safe; rotates by size keeping the chain across files."""

    def __init__(
        self,
        path: Path,
        *,
        fsync: FsyncPolicy = "interval",
        fsync_interval_s: float = 1.0,
        rotate_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.path = path
        self._fsync = fsync
        self._fsync_interval_s = fsync_interval_s
        self._rotate_bytes = rotate_bytes
        self._lock = threading.Lock()
        self._last_sync = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        torn = _drop_torn_tail(path)
        self._seq, self._prev = self._resume_chain()
        self._handle = open(path, "ab")  # noqa: SIM115 - held open for the log's lifetime
        if torn is not None:
            self.record(
                "audit_recovered",
                "audit",
                {
                    "reason": "incomplete last line written by a crashed process was removed",
                    "dropped_bytes": len(torn),
                    "dropped_sha256": hashlib.sha256(torn).hexdigest(),
                },
            )

    def _resume_chain(self) -> tuple[int, str]:
        """The sequence and hash to chain the next line to.

        The head file is written after each line, so a process killed between the two leaves the
        head one line behind: when the file's last line is exactly the head's successor (next
        sequence, chained to the head's hash), the chain continues from that line. Any other
        disagreement (fewer lines than the head records, an edited last line) keeps the head, so
        the verifier still sees the damage instead of a new line papering over it.
        """
        head = _read_head(self.path)
        last = _last_line(self.path)
        if last is None:
            segments = rotated_segments(self.path)
            last = _last_line(segments[-1]) if segments else None
        if last is None:
            return head if head is not None else (0, GENESIS)
        record = json.loads(last)
        on_file = int(record["seq"]), _line_hash(last)
        if head is None:
            return on_file
        if on_file[0] == head[0] + 1 and record.get("prev") == head[1]:
            return on_file
        return head

    def record(
        self,
        event: str,
        actor: str,
        details: Mapping[str, Any] | None = None,
        control: str | None = None,
        ts_ns: int | None = None,
    ) -> int:
        """Append one audited event; returns its sequence number."""
        now_ns = time.time_ns() if ts_ns is None else ts_ns
        with self._lock:
            self._seq += 1
            payload = {
                "seq": self._seq,
                "ts": datetime.fromtimestamp(now_ns / 1e9, tz=UTC).isoformat(timespec="microseconds"),
                "ts_ns": now_ns,
                "actor": redact(actor),
                "event": event,
                "control": control or CONTROLS.get(event, DEFAULT_CONTROL),
                "details": redact_mapping(details or {}),
                "prev": self._prev,
            }
            line = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
            if self._handle.tell() + len(line) + 1 > self._rotate_bytes and self._handle.tell() > 0:
                self._rotate()
            self._handle.write(line + b"\n")
            self._handle.flush()
            self._prev = _line_hash(line)
            self._maybe_sync()
            _write_head(self.path, self._seq, self._prev)
            return self._seq

    def _maybe_sync(self) -> None:
        if self._fsync == "always":
            os.fsync(self._handle.fileno())
        elif self._fsync == "interval":
            now = time.monotonic()
            if now - self._last_sync >= self._fsync_interval_s:
                os.fsync(self._handle.fileno())
                self._last_sync = now

    def _rotate(self) -> None:
        os.fsync(self._handle.fileno())
        self._handle.close()
        index = len(rotated_segments(self.path)) + 1
        os.replace(self.path, self.path.with_name(f"{self.path.stem}.{index:06d}{self.path.suffix}"))
        self._handle = open(self.path, "ab")  # noqa: SIM115

    def close(self) -> None:
        """Flush, fsync and close."""
        with self._lock:
            if not self._handle.closed:
                self._handle.flush()
                os.fsync(self._handle.fileno())
                self._handle.close()


def rotated_segments(path: Path) -> list[Path]:
    """Older segments of an audit log, oldest first (``audit.000001.jsonl``, ...)."""
    found = []
    for candidate in path.parent.glob(f"{path.stem}.*{path.suffix}"):
        middle = candidate.name[len(path.stem) + 1 : -len(path.suffix) or None]
        if middle.isdigit():
            found.append((int(middle), candidate))
    return [p for _, p in sorted(found)]


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _write_head(path: Path, seq: int, digest: str) -> None:
    head = _head_path(path)
    temp = head.with_name(head.name + ".tmp")
    temp.write_text(json.dumps({"seq": seq, "hash": digest}))
    os.replace(temp, head)


def _read_head(path: Path) -> tuple[int, str] | None:
    try:
        record = json.loads(_head_path(path).read_text())
        return int(record["seq"]), str(record["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _drop_torn_tail(path: Path) -> bytes | None:
    """Cut an incomplete last line (a write torn by a crash) off the log; returns the bytes removed.

    Only bytes after the last newline go: every complete line, and so the chain, stays intact."""
    if not path.exists():
        return None
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return None
    keep = data.rfind(b"\n") + 1
    with open(path, "r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    return data[keep:]


def _last_line(path: Path) -> bytes | None:
    if not path.exists():
        return None
    lines = [line for line in path.read_bytes().split(b"\n") if line]
    return lines[-1] if lines else None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of a verification: ok, lines checked, and the first bad place when not ok."""

    ok: bool
    lines: int
    problem: str = ""
    file: Path | None = None
    line_number: int | None = None


def verify(path: Path) -> VerifyResult:
    """Verify the chain of an audit log, its rotated predecessors included.

    Detects edits, deletions, insertions (hash or sequence breaks) and truncation (a torn last line,
    or fewer lines than the head file records).
    """
    files = [*rotated_segments(path), path] if path.exists() else rotated_segments(path)
    if not files:
        return VerifyResult(False, 0, f"{path} does not exist", path)
    prev, expected_seq, checked = GENESIS, 1, 0
    for file in files:
        data = file.read_bytes()
        if data and not data.endswith(b"\n"):
            lines_in_file = data.count(b"\n") + 1
            return VerifyResult(False, checked, "last line is incomplete (truncated)", file, lines_in_file)
        for number, line in enumerate(data.split(b"\n")[:-1], start=1):
            try:
                record = json.loads(line)
                seq, line_prev = int(record["seq"]), str(record["prev"])
            except (ValueError, KeyError, TypeError):
                return VerifyResult(False, checked, "not a valid audit record", file, number)
            if line_prev != prev:
                return VerifyResult(
                    False,
                    checked,
                    "hash chain broken (a line before it was edited, deleted or inserted)",
                    file,
                    number,
                )
            if seq != expected_seq:
                return VerifyResult(False, checked, f"sequence {seq}, expected {expected_seq}", file, number)
            prev, expected_seq, checked = _line_hash(line), expected_seq + 1, checked + 1
    head = _read_head(path)
    if head is not None:
        head_seq, head_hash = head
        if head_seq > checked:
            return VerifyResult(
                False,
                checked,
                f"truncated: head records {head_seq} lines, found {checked}",
                path,
                checked + 1,
            )
        if head_seq == checked and head_hash != prev:
            return VerifyResult(
                False, checked, "last line was edited (does not match the head record)", path, checked
            )
    return VerifyResult(True, checked)
