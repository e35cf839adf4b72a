"""Audit log: hash chain, ISO 27001 tags, tamper detection naming the first bad line, rotation, secrets."""

from __future__ import annotations

import json
from pathlib import Path

from scalp_system.core.redaction import register_secret
from scalp_system.monitoring.audit import AuditLog, rotated_segments, verify


def _write(path: Path, count: int, **kwargs: object) -> None:
    log = AuditLog(path, fsync="always", **kwargs)  # type: ignore[arg-type]
    for index in range(count):
        log.record("order_intent", "execution", {"intent_key": f"k{index}", "lots": index})
    log.close()


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def test_every_line_has_timestamp_actor_event_control_and_previous_hash(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 2)
    first, second = (json.loads(line) for line in _lines(path))
    assert first["prev"] == "0" * 64
    assert {"ts", "actor", "event", "control", "details", "prev", "seq"} <= set(second)
    assert first["control"] == "A.8.15" and first["ts"].endswith("+00:00")
    assert verify(path).ok


def test_an_edited_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 5)
    lines = _lines(path)
    lines[2] = lines[2].replace(b'"lots":2', b'"lots":9')
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = verify(path)
    assert not result.ok and result.line_number == 4


def test_a_deleted_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 5)
    lines = _lines(path)
    del lines[1]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = verify(path)
    assert not result.ok and result.line_number == 2


def test_an_inserted_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 4)
    lines = _lines(path)
    lines.insert(2, lines[1])
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = verify(path)
    assert not result.ok and result.line_number == 3


def test_truncation_of_whole_lines_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 5)
    path.write_bytes(b"\n".join(_lines(path)[:3]) + b"\n")
    result = verify(path)
    assert not result.ok and "truncated" in result.problem


def test_a_torn_last_line_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 3)
    path.write_bytes(path.read_bytes()[:-10])
    result = verify(path)
    assert not result.ok and result.line_number == 3


def test_an_edited_last_line_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 3)
    lines = _lines(path)
    lines[-1] = lines[-1].replace(b'"lots":2', b'"lots":7')
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert not verify(path).ok


def test_rotation_keeps_the_chain_across_files(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 40, rotate_bytes=1500)
    assert len(rotated_segments(path)) >= 2
    result = verify(path)
    assert result.ok and result.lines == 40


def test_reopening_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 3)
    _write(path, 2)
    result = verify(path)
    assert result.ok and result.lines == 5


def test_a_deleted_rotated_segment_breaks_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    _write(path, 40, rotate_bytes=1500)
    rotated_segments(path)[0].write_bytes(b"")
    assert not verify(path).ok


def test_no_secret_reaches_an_audit_line(tmp_path: Path) -> None:
    canary = "t.CANARY-audit-5f1e2d3c4b"
    register_secret(canary)
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.record(
        "config_load",
        "operator",
        {"note": f"loaded with {canary}", "token": canary, "nested": {"authorization": f"Bearer {canary}"}},
    )
    log.record("operator_command", f"cli {canary}", {"args": ["--token", canary]})
    log.close()
    assert canary not in path.read_text()
    assert verify(path).ok
