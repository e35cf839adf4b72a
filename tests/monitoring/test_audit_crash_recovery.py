"""Audit log reopened after a crash (`kill -9` of the writing process): the chain continues, a torn
last line is cut off and recorded as ``audit_recovered``, and real tampering stays detectable."""

from __future__ import annotations

import json
from pathlib import Path

from scalp_system.monitoring.audit import AuditLog, verify


def _write(path: Path, count: int) -> None:
    log = AuditLog(path, fsync="always")
    for index in range(count):
        log.record("order_intent", "execution", {"intent_key": f"k{index}"})
    log.close()


def _head(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def test_a_process_killed_between_a_line_and_its_head_record_resumes_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 2)
    stale_head = _head(path).read_text()
    _write(path, 1)  # the third line reached the file...
    _head(path).write_text(stale_head)  # ...but the process died before the head was updated
    log = AuditLog(path, fsync="always")
    log.record("run_start", "orchestrator", {})
    log.close()
    result = verify(path)
    assert result.ok, result.problem
    assert result.lines == 4


def test_a_torn_last_line_is_cut_off_and_recorded_as_audit_recovered(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 3)
    torn = b'{"actor":"execution","details":{"intent_key":"k9"'
    with path.open("ab") as handle:
        handle.write(torn)  # a write torn by the crash: no newline, no head update
    log = AuditLog(path, fsync="always")
    log.record("run_start", "orchestrator", {})
    log.close()
    result = verify(path)
    assert result.ok, result.problem
    records = [json.loads(line) for line in path.read_text().splitlines()]
    recovered = records[3]
    assert recovered["event"] == "audit_recovered"
    assert recovered["details"]["dropped_bytes"] == len(torn)
    assert records[4]["event"] == "run_start"


def test_lines_removed_from_the_end_stay_detected_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 5)
    lines = path.read_bytes().split(b"\n")[:-1]
    path.write_bytes(b"\n".join(lines[:3]) + b"\n")  # tampering: two whole lines deleted
    log = AuditLog(path, fsync="always")
    log.record("run_start", "orchestrator", {})
    log.close()
    assert not verify(path).ok


def test_an_edited_last_line_stays_detected_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 3)
    path.write_bytes(path.read_bytes().replace(b'"k2"', b'"kX"'))
    log = AuditLog(path, fsync="always")
    log.record("run_start", "orchestrator", {})
    log.close()
    assert not verify(path).ok
