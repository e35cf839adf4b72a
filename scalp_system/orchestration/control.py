"""Operator control of a run through its state directory: ``scalp resume`` drops a request file
that the running session (or the next one) picks up; ``scalp status`` reads the last checkpoint.

Requests are files rather than a socket so they work whether or not a session is running, survive
a crash, and leave an audit trail.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from scalp_system.config import Config
from scalp_system.monitoring.audit import AuditLog
from scalp_system.orchestration.checkpoint import CheckpointStore


def control_dir(config: Config) -> Path:
    """Where operator requests are dropped (beside the checkpoints)."""
    return config.checkpoint.dir.parent / "control"


def request_resume(config: Config, actor: str) -> Path:
    """Ask the session to lift an emergency halt; audited as an operator command."""
    directory = control_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"resume-{time.time_ns()}.json"
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps({"command": "resume", "actor": actor, "ts_ns": time.time_ns()}))
    os.replace(temp, path)
    audit = AuditLog(config.audit.path, fsync="always")
    audit.record("operator_command", actor, {"command": "resume", "request": path.name})
    audit.close()
    return path


def take_resume_requests(config: Config) -> list[dict[str, Any]]:
    """Pending resume requests, removed as they are taken (oldest first)."""
    directory = control_dir(config)
    if not directory.is_dir():
        return []
    taken = []
    for path in sorted(directory.glob("resume-*.json")):
        try:
            taken.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            taken.append({"command": "resume", "actor": "operator", "note": f"unreadable {path.name}"})
        path.unlink(missing_ok=True)
    return taken


def describe_status(config: Config) -> str:
    """A human summary of the last checkpoint (raises FileNotFoundError when there is none)."""
    loaded = CheckpointStore(config.checkpoint.dir, keep=config.checkpoint.keep).load_latest()
    if loaded is None:
        raise FileNotFoundError(f"no checkpoint in {config.checkpoint.dir}: no run has saved state there yet")
    state = loaded.state
    age_s = (time.time_ns() - int(state.get("ts_ns", 0))) / 1e9
    risk = state.get("risk", {})
    board = risk.get("board", {})
    positions = state.get("execution", {}).get("ledger", {}).get("positions", {})
    lines = [
        f"checkpoint {loaded.path.name}, {age_s:.0f} s old; model: {state.get('model', '?')}",
        f"trading state: {board.get('state', board.get('derived_state', 'see risk board'))}",
        f"halt: {board.get('halt') or 'none'}",
        f"orders posted: {state.get('stats', {}).get('orders_posted', 0)}, "
        f"fills: {state.get('stats', {}).get('fills', 0)}",
        "positions: "
        + (
            ", ".join(
                f"{uid[:8]} {p['lots']} @ {p['avg_price']}" for uid, p in positions.items() if int(p["lots"])
            )
            or "flat"
        ),
        f"realised PnL: {sum(float(p['realized_pnl']) for p in positions.values()):.2f}, "
        f"commission: {sum(float(p['commission_paid']) for p in positions.values()):.2f}",
        f"pending resume requests: {len(list(control_dir(config).glob('resume-*.json')))}"
        if control_dir(config).is_dir()
        else "pending resume requests: 0",
    ]
    return "\n".join(lines)
