"""Recovery step 1, the checkpoint: the newest checkpoint that verifies is the state to resume;
damaged newer ones are reported and moved aside (never deleted). Checkpoints that exist but all fail
verification make the state unusable: halts, cooldowns and the day's PnL would be lost silently.
Also home of the small checkpoint-file helpers the later steps share.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scalp_system.orchestration.checkpoint import CheckpointError, CheckpointStore
from scalp_system.storage.disaster_recovery.context import ACTOR, CONTROL_BACKUP, RecoveryContext
from scalp_system.storage.disaster_recovery.report import StepReport, StepStatus


def move_aside(path: Path, stamp: int) -> Path | None:
    """Rename ``path`` to ``<name>.corrupt-<stamp>`` beside it; None when it does not exist."""
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, target)
    return target


def checkpoint_files(directory: Path) -> list[Path]:
    """The checkpoint files of ``directory``, oldest first (their names sort by sequence)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("checkpoint-*.json") if p.name[11:-5].isdigit())


def positions_of(state: Mapping[str, Any] | None) -> dict[str, int]:
    """Non-flat positions (lots) recorded in a checkpoint's execution ledger."""
    if not state:
        return {}
    positions = state.get("execution", {}).get("ledger", {}).get("positions", {})
    return {uid: int(p["lots"]) for uid, p in positions.items() if int(p.get("lots", 0))}


def _age(now_ns: int, ts_ns: object) -> str:
    try:
        return f"{max(0.0, (now_ns - int(str(ts_ns))) / 1e9):.0f} s old"
    except ValueError:
        return "age unknown"


def restore_checkpoint(run: RecoveryContext, step: StepReport) -> None:
    """Step 1: find the newest checkpoint that verifies and keep its state in ``run.state``; move damaged
    newer ones aside, or fail the step (files left in place) when every checkpoint is damaged."""
    directory = run.config.checkpoint.dir
    files = checkpoint_files(directory)
    step.details = {"directory": str(directory), "files": len(files), "skipped": []}
    if not files:
        step.found.append(
            f"no checkpoint in {directory}: a run starts fresh and adopts the broker's positions"
        )
        run.audit.record("checkpoint_restore", ACTOR, {"restored": None, "files": 0}, CONTROL_BACKUP)
        return
    store = CheckpointStore(directory, keep=run.config.checkpoint.keep)
    loaded = store.load_latest()
    skipped = list(loaded.skipped) if loaded is not None else []
    if loaded is None:
        for path in reversed(files):
            try:
                CheckpointStore.read(path)
            except CheckpointError as exc:
                skipped.append((path, str(exc)))
    run.damaged_checkpoints = len(skipped)
    stamp = run.now_ns()
    for path, reason in skipped:
        step.found.append(f"damaged checkpoint {reason}")
        step.details["skipped"].append({"file": path.name, "reason": reason})
    if loaded is None:
        run.checkpoints_lost = True
        step.escalate(StepStatus.FAILED)
        step.found.append(
            f"all {len(files)} checkpoint(s) are damaged: halts, cooldowns, stops and the day's PnL "
            "cannot be restored; a run would silently start fresh"
        )
        step.did.append(
            "left the damaged files in place: inspect them, then move them aside to accept a fresh start"
        )
        run.audit.record(
            "checkpoint_restore",
            ACTOR,
            {"restored": None, "damaged": [p.name for p, _ in skipped]},
            CONTROL_BACKUP,
        )
        return
    for path, _reason in skipped:
        aside = move_aside(path, stamp)
        if aside is not None:
            step.did.append(f"moved {path.name} aside to {aside.name}")
    if skipped:
        step.escalate(StepStatus.REPAIRED)
    run.state = loaded.state
    positions = positions_of(loaded.state)
    execution = loaded.state.get("execution", {})
    board = loaded.state.get("risk", {}).get("board", {})
    step.did.append(
        f"restored {loaded.path.name} (sequence {loaded.sequence}, "
        f"{_age(run.now_ns(), loaded.state.get('ts_ns', 0))})"
    )
    step.found.append(
        f"state: {len(positions)} open position(s), {len(execution.get('orders', []))} working order(s), "
        f"{len(execution.get('unknown', []))} unresolved intent(s), halt: {board.get('halt') or 'none'}"
    )
    step.details.update(
        {
            "restored": loaded.path.name,
            "sequence": loaded.sequence,
            "positions": positions,
            "orders": len(execution.get("orders", [])),
            "unknown_intents": list(execution.get("unknown", [])),
            "model": loaded.state.get("model", ""),
        }
    )
    run.audit.record(
        "checkpoint_restore",
        ACTOR,
        {
            "restored": loaded.path.name,
            "sequence": loaded.sequence,
            "damaged": [p.name for p, _ in skipped],
        },
        CONTROL_BACKUP,
    )
