"""Disaster recovery (SPEC §4, §1.6, §1.8): bring a state directory back to a state a run can trust.

``recover`` runs five timed steps, each audited, none able to stop the others:

1. **checkpoint** — the newest checkpoint that verifies is the state to resume; damaged newer ones
   are reported and moved aside (never deleted). Checkpoints that exist but all fail verification
   make the state unusable: halts, cooldowns and the day's PnL would be lost silently.
2. **database** — SQLite ``quick_check``; a corrupt file is moved aside (with its ``-wal``/``-shm``)
   and the newest backup in ``storage.backup_dir`` that verifies is restored; a missing file is
   recreated (migrations). Then the JSONL spill is replayed (idempotent by natural keys), so every row
   accepted before the failure is present exactly once. The database runs before the models so a
   retrain reads repaired data.
3. **models** — every family loads through the registry, which verifies hashes and the live feature
   schema, rehydrates the newest good older version, retrains from the store (``retrain=True``) or
   leaves the model disabled; each outcome is reported per model.
4. **reconciliation** (with a venue) — the checkpoint is restored into a real Orchestrator and
   reconciled: in-flight intents are resolved by key, open orders the checkpoint does not know
   (orphans) are cancelled, the broker's positions win; the corrected state is written as a fresh
   checkpoint.
5. **failover** (when asked) — the ``network.failover_hook`` runs through ``risk.failover`` with its
   context variables; a reconciliation that failed is retried after it.

``RecoveryReport`` says what each step found and did, how long it took, and whether the state is
usable (no step FAILED); it renders as text for people and as JSON for machines.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scalp_system.broker.auth import TokenError, load_token
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import EndpointError, resolve_endpoint
from scalp_system.broker.venue import BrokerVenue
from scalp_system.config import Config
from scalp_system.core.events import CancelOrder, SubmitOrder
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Order
from scalp_system.core.redaction import redact, register_secret
from scalp_system.core.venue import Venue, VenueAccount, VenueError
from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.registry import LoadStatus
from scalp_system.ml.training import TrainingResult, TrainingSettings, train
from scalp_system.monitoring.audit import CONTROLS, AuditLog
from scalp_system.orchestration.checkpoint import CheckpointError, CheckpointStore
from scalp_system.orchestration.models import (
    FAMILIES,
    REFERENCE_FILE,
    live_schema,
    load_drift_references,
    open_registry,
    save_drift_reference,
)
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.side_channels import SideChannels
from scalp_system.risk.failover import FailoverCoordinator, run_failover_hook
from scalp_system.storage.spill import classify_failure, merge_spill, spill_files, writer_is_live
from scalp_system.storage.store import StorageError, Store

log = logging.getLogger(__name__)

ACTOR = "disaster_recovery"
CONTROL_BACKUP = CONTROLS["recovery"]  # A.8.13
STEP_CHECKPOINT = "checkpoint"
STEP_DATABASE = "database"
STEP_MODELS = "models"
STEP_RECONCILIATION = "reconciliation"
STEP_FAILOVER = "failover"
RETRAIN_LOOKBACK_S = 1800.0
RETRAIN_MIN_BOOKS = 500
FAILOVER_REASON = "operator-requested recovery (scalp recover --failover)"


class StepStatus(StrEnum):
    """How a recovery step ended."""

    OK = "OK"  # nothing wrong was found
    REPAIRED = "REPAIRED"  # something was wrong and is fixed
    DEGRADED = "DEGRADED"  # usable, but something was lost or stays off (``found`` says what)
    FAILED = "FAILED"  # not usable until an operator acts (``found`` says why)
    SKIPPED = "SKIPPED"  # not applicable or not asked for


_SEVERITY = {
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
        if _SEVERITY[status] > _SEVERITY[self.status] or self.status is StepStatus.SKIPPED:
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


class RecoveryUsageError(ValueError):
    """The broker connection was asked for wrongly (bad endpoint, no token): fix the command line."""


class BrokerConnectError(RuntimeError):
    """The broker could not be reached or listed no account (recovery goes on without it)."""


# --- the broker connection of ``scalp recover --endpoint`` ------------------------------------------


@dataclass
class BrokerConnection:
    """A connected client and the venue of one account (close it when done)."""

    client: BrokerClient
    venue: BrokerVenue
    account_id: str

    async def close(self) -> None:
        """Stop the venue's streams and close the channel."""
        try:
            await self.venue.close()
        finally:
            await self.client.close()


async def connect_broker(
    config: Config, endpoint: str, *, token_file: Path | None = None, account_id: str = ""
) -> BrokerConnection:
    """Connect to ``endpoint`` (``host:port`` of a broker or a ``scalp exchange``, or sandbox/prod).

    The token comes from ``token_file`` or TINKOFF_TOKEN. Without ``account_id`` the first account
    the server lists is used (the first sandbox account on sandbox); prod needs it explicitly.
    Shares and futures are registered so positions convert to lots. Raises RecoveryUsageError for a
    bad endpoint or token, BrokerConnectError when the server cannot be reached.
    """
    host = endpoint.rsplit(":", 1)[0].strip("[]")
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    try:
        resolved = resolve_endpoint(
            endpoint, tls=False if loopback else None, root_cert_file=config.broker.root_cert_file
        )
        token = load_token(token_file=token_file or config.broker.token_file)
    except (EndpointError, TokenError) as exc:
        raise RecoveryUsageError(str(exc)) from None
    if endpoint.strip() == "prod" and not account_id:
        raise RecoveryUsageError("reconciling a live account needs an explicit --account")
    register_secret(token.reveal())
    client = BrokerClient(resolved, token, config.broker)
    try:
        await client.connect()
        if not account_id:
            sandbox = endpoint.strip() == "sandbox"
            accounts = await (client.get_sandbox_accounts() if sandbox else client.get_accounts())
            if not accounts:
                raise BrokerConnectError(f"{endpoint} lists no account for this token")
            account_id = accounts[0].account_id
        await client.shares()
        try:
            await client.futures()
        except VenueError as exc:  # a venue without futures still reconciles its shares
            log.info("no futures list from %s (%s)", endpoint, exc)
    except VenueError as exc:
        await client.close()
        raise BrokerConnectError(redact(f"cannot reach {endpoint}: {exc}")) from None
    except BaseException:
        await client.close()
        raise
    return BrokerConnection(client, BrokerVenue(client, account_id), account_id)


class _AveragePricedVenue:
    """A BrokerVenue whose ``account`` carries average prices: GetPositions has lots only, so they
    come from GetPortfolio (stops of an adopted position are built from its average price)."""

    def __init__(self, venue: BrokerVenue) -> None:
        self._venue = venue

    async def submit(self, command: SubmitOrder) -> Order:
        """Delegated."""
        return await self._venue.submit(command)

    async def cancel(self, command: CancelOrder) -> Order:
        """Delegated."""
        return await self._venue.cancel(command)

    async def order_state(self, intent_key: str) -> Order | None:
        """Delegated."""
        return await self._venue.order_state(intent_key)

    async def open_orders(self) -> list[Order]:
        """Delegated."""
        return await self._venue.open_orders()

    async def account(self) -> VenueAccount:
        """Cash and positions, with average prices from the portfolio where known."""
        account = await self._venue.account()
        try:
            portfolio = await self._venue.client.get_portfolio(self._venue.account_id)
        except VenueError as exc:
            log.info("no portfolio for average prices (%s)", exc)
            return account
        prices = {p.instrument_id: p.avg_price for p in portfolio.positions}
        positions = tuple(
            replace(p, avg_price=p.avg_price or prices.get(p.instrument_id, Decimal(0)))
            for p in account.positions
        )
        return VenueAccount(account.cash, positions)

    async def instrument(self, instrument_id: str) -> Instrument:
        """The broker's definition of an instrument."""
        return await self._venue.client.instrument_for(instrument_id)


# --- helpers -----------------------------------------------------------------------------------------


class _FunctionClock:
    """A Clock over a ``now_ns`` callable."""

    def __init__(self, now_ns: Callable[[], int]) -> None:
        self._now_ns = now_ns

    def now_ns(self) -> int:
        """Current UTC time, ns."""
        return self._now_ns()


class _SafeAudit:
    """The audit log of the recovery; a log that cannot be written is reported, never fatal."""

    def __init__(self, config: Config) -> None:
        self.problem = ""
        self.log: AuditLog | None = None
        try:
            self.log = AuditLog(
                config.audit.path,
                fsync=config.audit.fsync,
                fsync_interval_s=config.audit.fsync_interval_s,
                rotate_bytes=config.audit.rotate_mb * 1024 * 1024,
            )
        except (OSError, ValueError) as exc:
            self.problem = f"audit log {config.audit.path} cannot be opened: {exc}"

    def record(
        self, event_type: str, actor: str, details: Mapping[str, object], control: str | None = None
    ) -> None:
        """One audit line (errors are remembered, not raised)."""
        if self.log is None:
            return
        try:
            self.log.record(event_type, actor, details, control)
        except (OSError, ValueError) as exc:
            self.problem = f"audit log write failed: {exc}"

    def close(self) -> None:
        """Flush and close."""
        if self.log is not None:
            try:
                self.log.close()
            except OSError as exc:
                self.problem = f"audit log close failed: {exc}"


def _move_aside(path: Path, stamp: int) -> Path | None:
    """Rename ``path`` to ``<name>.corrupt-<stamp>`` beside it; None when it does not exist."""
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, target)
    return target


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quick_check(path: Path) -> str:
    """Empty when ``path`` is a healthy SQLite file, else why not (read-only: nothing changes)."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
        return "" if row is not None and str(row[0]) == "ok" else f"quick_check: {row[0] if row else '?'}"
    except sqlite3.Error as exc:
        return f"quick_check: {exc}"
    finally:
        conn.close()


def _database_problem(path: Path, config: Config) -> tuple[str, bool]:
    """Open the store as a run would (migrations included) and check it: ("", False) when healthy,
    else (why, corrupt) where ``corrupt`` says whether restoring a backup is the cure."""
    try:
        with Store(path, config.storage) as store:
            if store.integrity_ok():
                return "", False
            return "integrity check (PRAGMA quick_check) failed", True
    except (sqlite3.Error, OSError, StorageError) as exc:
        kind = classify_failure(exc)
        return f"{kind.value}: {exc}", kind.value == "STORAGE_CORRUPT"


def _backups_newest_first(backup_dir: Path) -> list[Path]:
    if not backup_dir.is_dir():
        return []
    found = [p for p in backup_dir.glob("*.db") if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def _restore_backup(backup: Path, target: Path) -> None:
    """Copy ``backup`` to ``target`` through the SQLite backup API, atomically (temp + rename)."""
    temp = target.with_name(f".{target.name}.restore-tmp")
    temp.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{quote(str(backup.resolve()))}?mode=ro", uri=True, timeout=1.0)
    try:
        dest = sqlite3.connect(str(temp))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, target)
    _fsync_dir(target.parent)


def _checkpoint_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("checkpoint-*.json") if p.name[11:-5].isdigit())


def _positions_of(state: Mapping[str, Any] | None) -> dict[str, int]:
    """Non-flat positions (lots) recorded in a checkpoint's execution ledger."""
    if not state:
        return {}
    positions = state.get("execution", {}).get("ledger", {}).get("positions", {})
    return {uid: int(p["lots"]) for uid, p in positions.items() if int(p.get("lots", 0))}


def _instrument_ids(state: Mapping[str, Any] | None) -> set[str]:
    """Every instrument a checkpoint mentions (risk markets, ledger positions, orders)."""
    if not state:
        return set()
    ids = set(state.get("risk", {}).get("markets", {}))
    execution = state.get("execution", {})
    ids |= set(execution.get("ledger", {}).get("positions", {}))
    ids |= {str(o["instrument_id"]) for o in execution.get("orders", [])}
    return ids


def _age(now_ns: int, ts_ns: object) -> str:
    try:
        return f"{max(0.0, (now_ns - int(str(ts_ns))) / 1e9):.0f} s old"
    except ValueError:
        return "age unknown"


# --- model retraining ----------------------------------------------------------------------------


class _Retrainer:
    """Trains every family once from the store's most recent books, on first need."""

    def __init__(self, config: Config, lookback_s: float) -> None:
        self._config = config
        self._lookback_s = lookback_s
        self._result: TrainingResult | None = None
        self.rows = 0

    def for_family(self, name: str) -> Callable[[], ModelBundle | None]:
        """The registry's ``retrain`` callback for family ``name``."""

        def build() -> ModelBundle | None:
            result = self._train()
            return next((b for b in result.bundles if b.name == name), None)

        return build

    def _train(self) -> TrainingResult:
        if self._result is not None:
            return self._result
        from scalp_system.ml.dataset import dataset_from_store
        from scalp_system.storage.historical import info

        db = self._config.storage.db_path
        if not db.exists():
            raise RuntimeError(f"no store at {db}: nothing to retrain from")
        with Store(db, read_only=True) as store:
            summary = info(store)
        stocked = [i for i in summary.instruments if i.book_rows >= RETRAIN_MIN_BOOKS and i.book_last_ns]
        if not stocked:
            raise RuntimeError(f"{db} holds fewer than {RETRAIN_MIN_BOOKS} books per instrument")
        last = max(int(i.book_last_ns or 0) for i in stocked)
        from_ns = last - int(self._lookback_s * 1e9)
        data = dataset_from_store(db, [i.uid for i in stocked], from_ns, None, self._config)
        self._result = train(
            data.features,
            data.mids_ticks,
            data.schema,
            self._config.ml,
            settings=TrainingSettings.from_config(self._config.ml),
            segments=data.segments,
            instruments=data.instruments,
            from_ns=data.from_ns,
            to_ns=data.to_ns,
        )
        save_drift_reference(self._config, data.features, data.segments, data.instruments)
        self.rows = int(data.features.shape[0])
        return self._result


# --- the recovery ---------------------------------------------------------------------------------


class _Recovery:
    """One recovery run (see the module docstring); ``recover`` is its public face."""

    def __init__(
        self,
        config: Config,
        *,
        venue: Venue | None,
        venue_error: str,
        instruments: Sequence[Instrument],
        retrain: bool,
        retrain_lookback_s: float,
        failover: bool,
        failed_endpoint: str,
        actor: str,
        now_ns: Callable[[], int],
        progress: Callable[[str], None] | None,
        notify: Callable[[str, str], None] | None,
    ) -> None:
        self.config = config
        self.venue: Venue | None = _AveragePricedVenue(venue) if isinstance(venue, BrokerVenue) else venue
        self.venue_error = venue_error
        self.given_instruments = {i.uid: i for i in instruments}
        self.retrain = retrain
        self.retrain_lookback_s = retrain_lookback_s
        self.failover = failover
        self.failed_endpoint = failed_endpoint
        self.actor = actor
        self.now_ns = now_ns
        self.progress = progress or (lambda message: None)
        self._notify = notify
        self._notes: list[tuple[str, str]] = []  # queued by steps in threads, sent from the loop
        self.audit = _SafeAudit(config)
        self.report = RecoveryReport(
            started_ns=now_ns(),
            paths={
                "checkpoints": str(config.checkpoint.dir),
                "database": str(config.storage.db_path),
                "spill": str(config.storage.spill_dir),
                "backups": str(config.storage.backup_dir),
                "models": str(config.ml.registry_dir),
                "audit": str(config.audit.path),
            },
        )
        self.state: dict[str, Any] | None = None
        self.damaged_checkpoints = 0
        self.checkpoints_lost = False  # checkpoints exist but none verifies
        self.database_ok = False

    # --- driver ---------------------------------------------------------------------------------

    async def run(self) -> RecoveryReport:
        started = time.perf_counter()
        self.audit.record(
            "operator_command",
            self.actor,
            {
                "command": "recover",
                "retrain": self.retrain,
                "failover": self.failover,
                "broker": self.venue is not None,
            },
            CONTROLS["operator_command"],
        )
        await self._step(STEP_CHECKPOINT, self._threaded(self._checkpoint))
        await self._step(STEP_DATABASE, self._threaded(self._database))
        await self._step(STEP_MODELS, self._threaded(self._models))
        await self._step(STEP_RECONCILIATION, self._reconcile)
        await self._step(STEP_FAILOVER, self._failover)
        self.report.duration_s = time.perf_counter() - started
        if self.audit.problem:
            self.report.steps[0].found.append(self.audit.problem)
        summary = {
            "usable": self.report.usable,
            "duration_s": round(self.report.duration_s, 3),
            "steps": {s.name: s.status.value for s in self.report.steps},
        }
        self.audit.record("recovery", ACTOR, summary, CONTROL_BACKUP)
        self.audit.close()
        verdict = "usable" if self.report.usable else "NOT usable"
        problems = [f"{s.name} {s.status.value}" for s in self.report.steps if _SEVERITY[s.status] > 0]
        self.notify(
            "recovery",
            f"recovery finished in {self.report.duration_s:.1f} s, state {verdict}"
            + (f" ({', '.join(problems)})" if problems else ""),
        )
        self._send_notes()
        return self.report

    @staticmethod
    def _threaded(work: Callable[[StepReport], None]) -> Callable[[StepReport], Awaitable[None]]:
        async def run(step: StepReport) -> None:
            await asyncio.to_thread(work, step)

        return run

    async def _step(self, name: str, body: Callable[[StepReport], Awaitable[None]]) -> StepReport:
        step = StepReport(name)
        self.report.steps.append(step)
        self.progress(f"{name}: checking")
        started = time.perf_counter()
        try:
            await body(step)
        except Exception as exc:  # one broken step must never stop the rest of the recovery
            log.exception("recovery step %s failed", name)
            step.escalate(StepStatus.FAILED)
            step.found.append(redact(f"step failed: {type(exc).__name__}: {exc}"))
        step.duration_s = time.perf_counter() - started
        self.progress(f"{name}: {step.status.value} in {step.duration_s:.3f} s")
        self._send_notes()
        return step

    def notify(self, key: str, text: str) -> None:
        """Queue a human notification (safe from the step threads)."""
        self._notes.append((key, text))

    def _send_notes(self) -> None:
        notes, self._notes = self._notes, []
        if self._notify is None:
            return
        for key, text in notes:
            try:
                self._notify(key, redact(text))
            except Exception as exc:  # a failing notifier never stops the recovery
                log.warning("notification %s failed: %s", key, exc)

    # --- 1. checkpoint --------------------------------------------------------------------------

    def _checkpoint(self, step: StepReport) -> None:
        directory = self.config.checkpoint.dir
        files = _checkpoint_files(directory)
        step.details = {"directory": str(directory), "files": len(files), "skipped": []}
        if not files:
            step.found.append(
                f"no checkpoint in {directory}: a run starts fresh and adopts the broker's positions"
            )
            self.audit.record("checkpoint_restore", ACTOR, {"restored": None, "files": 0}, CONTROL_BACKUP)
            return
        store = CheckpointStore(directory, keep=self.config.checkpoint.keep)
        loaded = store.load_latest()
        skipped = list(loaded.skipped) if loaded is not None else []
        if loaded is None:
            for path in reversed(files):
                try:
                    CheckpointStore.read(path)
                except CheckpointError as exc:
                    skipped.append((path, str(exc)))
        self.damaged_checkpoints = len(skipped)
        stamp = self.now_ns()
        for path, reason in skipped:
            step.found.append(f"damaged checkpoint {reason}")
            step.details["skipped"].append({"file": path.name, "reason": reason})
        if loaded is None:
            self.checkpoints_lost = True
            step.escalate(StepStatus.FAILED)
            step.found.append(
                f"all {len(files)} checkpoint(s) are damaged: halts, cooldowns, stops and the day's PnL "
                "cannot be restored; a run would silently start fresh"
            )
            step.did.append(
                "left the damaged files in place: inspect them, then move them aside to accept a fresh start"
            )
            self.audit.record(
                "checkpoint_restore",
                ACTOR,
                {"restored": None, "damaged": [p.name for p, _ in skipped]},
                CONTROL_BACKUP,
            )
            return
        for path, _reason in skipped:
            aside = _move_aside(path, stamp)
            if aside is not None:
                step.did.append(f"moved {path.name} aside to {aside.name}")
        if skipped:
            step.escalate(StepStatus.REPAIRED)
        self.state = loaded.state
        positions = _positions_of(loaded.state)
        execution = loaded.state.get("execution", {})
        board = loaded.state.get("risk", {}).get("board", {})
        step.did.append(
            f"restored {loaded.path.name} (sequence {loaded.sequence}, "
            f"{_age(self.now_ns(), loaded.state.get('ts_ns', 0))})"
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
        self.audit.record(
            "checkpoint_restore",
            ACTOR,
            {
                "restored": loaded.path.name,
                "sequence": loaded.sequence,
                "damaged": [p.name for p, _ in skipped],
            },
            CONTROL_BACKUP,
        )

    # --- 2. database ----------------------------------------------------------------------------

    def _database(self, step: StepReport) -> None:
        storage = self.config.storage
        db = storage.db_path
        step.details = {"path": str(db)}
        if not db.exists():
            step.found.append(f"no database at {db}")
            step.details["created"] = True
            self._restore_database(step, why="missing")
        else:
            problem, corrupt = _database_problem(db, self.config)
            if not problem:
                step.found.append(f"{db.name}: integrity check passed")
            elif not corrupt:
                step.escalate(StepStatus.FAILED)
                step.found.append(f"{db.name} cannot be used: {problem} (not corruption: left untouched)")
                self.audit.record("storage_recovery", ACTOR, {"problem": problem}, CONTROL_BACKUP)
                return
            else:
                step.found.append(f"{db.name} is corrupt: {problem}")
                stamp = self.now_ns()
                moved = [_move_aside(Path(f"{db}{suffix}"), stamp) for suffix in ("", "-wal", "-shm")]
                kept = [p for p in moved if p is not None]
                step.did.append("moved the damaged file aside (kept): " + ", ".join(p.name for p in kept))
                step.details["moved_aside"] = [str(p) for p in kept]
                self._restore_database(step, why="corrupt")
        self.database_ok = True
        self._replay_spill(step)
        with Store(db, storage) as store:
            if not store.integrity_ok():
                step.escalate(StepStatus.FAILED)
                step.found.append(f"{db.name} still fails its integrity check after recovery")
                self.database_ok = False
            step.details["rows"] = {t: store.count(t) for t in ("orders", "fills", "positions", "books")}
        self.audit.record("storage_recovery", ACTOR, step.details, CONTROL_BACKUP)

    def _restore_database(self, step: StepReport, *, why: str) -> None:
        """Put the newest backup that verifies in place of a corrupt or missing database; with none,
        start an empty one (a fresh state directory has none and loses nothing)."""
        db = self.config.storage.db_path
        for backup in _backups_newest_first(self.config.storage.backup_dir):
            problem = _quick_check(backup)
            if problem:
                step.found.append(f"backup {backup.name} unusable ({problem})")
                continue
            _restore_backup(backup, db)
            with Store(db, self.config.storage) as store:
                version = store.schema_version
            step.escalate(StepStatus.REPAIRED)
            step.did.append(f"restored backup {backup.name} (schema v{version})")
            step.found.append("rows written after that backup and never spilled may be missing")
            step.details["backup"] = str(backup)
            self.notify("storage_restored", f"database was {why}: restored backup {backup.name}")
            return
        with Store(db, self.config.storage) as store:
            step.did.append(f"created a new, empty database (schema v{store.schema_version})")
        had_history = why == "corrupt" or bool(_checkpoint_files(self.config.checkpoint.dir))
        if had_history:
            step.escalate(StepStatus.DEGRADED)
            step.found.append(f"no usable backup in {self.config.storage.backup_dir}: stored history is lost")
            self.notify("storage_restored", f"database was {why} and no backup was usable: started empty")

    def _replay_spill(self, step: StepReport) -> None:
        storage = self.config.storage
        live = writer_is_live(storage.spill_dir)
        pending = spill_files(storage.spill_dir, include_partial=not live)
        if live:
            step.found.append(f"a writer holds {storage.spill_dir}: its open spill file is left to it")
        if not pending:
            step.details["spill"] = {"files": 0}
            return
        step.found.append(f"{len(pending)} spill file(s) waiting in {storage.spill_dir}")
        with Store(storage.db_path, storage) as store:
            merged = merge_spill(store, storage.spill_dir)
        step.did.append(
            f"replayed the spill: {merged.rows_read} row(s) read, {merged.rows_changed} new, "
            f"{len(merged.files_merged)} file(s) merged"
        )
        if merged.torn_lines:
            step.found.append(f"{merged.torn_lines} torn last line(s) of crashed appends skipped")
        if merged.bad_lines or merged.files_rejected:
            step.escalate(StepStatus.DEGRADED)
            step.found.extend(merged.bad_lines[:10])
            step.did.append(f"{len(merged.files_rejected)} file(s) with bad lines set aside in rejected/")
        elif merged.rows_changed:
            step.escalate(StepStatus.REPAIRED)
        step.details["spill"] = {
            "files": len(pending),
            "rows_read": merged.rows_read,
            "rows_changed": merged.rows_changed,
            "torn_lines": merged.torn_lines,
            "bad_lines": len(merged.bad_lines),
            "rejected": [p.name for p in merged.files_rejected],
        }

    # --- 3. models ------------------------------------------------------------------------------

    def _models(self, step: StepReport) -> None:
        registry = open_registry(self.config, on_event=self._model_event)
        schema = live_schema(self.config)
        retrainer = _Retrainer(self.config, self.retrain_lookback_s) if self.retrain else None
        outcomes: dict[str, dict[str, Any]] = {}
        for name in FAMILIES:
            if not registry.versions(name) and registry.current_version(name) is None and retrainer is None:
                outcomes[name] = {"status": "ABSENT", "version": None, "problems": []}
                step.found.append(f"{name}: no stored model")
                continue
            retrain = retrainer.for_family(name) if retrainer is not None else None
            outcome = registry.load_current(name, expected=schema, retrain=retrain)
            outcomes[name] = {
                "status": outcome.status.value,
                "version": outcome.version,
                "problems": list(outcome.problems),
            }
            step.found.extend(p if p.startswith(name) else f"{name} {p}" for p in outcome.problems)
            where = f" v{outcome.version}" if outcome.version is not None else ""
            if outcome.status is LoadStatus.LOADED:
                step.found.append(f"{name}{where} verifies")
            elif outcome.status is LoadStatus.REHYDRATED:
                step.escalate(StepStatus.REPAIRED)
                step.did.append(
                    f"{name}: rehydrated{where}, the newest version that verifies (damaged ones quarantined)"
                )
            elif outcome.status is LoadStatus.RETRAINED:
                step.escalate(StepStatus.REPAIRED)
                step.did.append(
                    f"{name}: retrained{where} from {retrainer.rows if retrainer else 0} stored books"
                )
            else:
                step.escalate(StepStatus.DEGRADED)
                step.did.append(f"{name}: DISABLED (nothing usable; retrain with --retrain or `scalp train`)")
        usable = [n for n, o in outcomes.items() if o["status"] in ("LOADED", "REHYDRATED", "RETRAINED")]
        if not usable:
            step.found.append("no usable model: the next `scalp run` records a warm-up and trains one")
        step.details = {"models": outcomes, "usable": usable}
        self._check_drift_reference(step, bool(usable))

    def _check_drift_reference(self, step: StepReport, have_model: bool) -> None:
        path = Path(self.config.ml.registry_dir) / REFERENCE_FILE
        if not path.exists():
            if have_model:
                step.found.append("no drift reference: drift detection stays off until retraining")
            step.details["drift_reference"] = "absent"
            return
        if not load_drift_references(self.config):
            step.escalate(StepStatus.DEGRADED)
            step.found.append("drift reference fails its checksum: drift detection is off until retraining")
            step.details["drift_reference"] = "corrupt"
        else:
            step.details["drift_reference"] = "ok"

    def _model_event(self, kind: str, details: dict[str, Any]) -> None:
        self.audit.record(kind, "model_registry", details, CONTROLS["model_rehydrated"])
        if kind in ("model_rehydrated", "model_retrained", "model_disabled"):
            self.notify(f"{kind}:{details.get('model')}", f"{kind.replace('_', ' ')}: {details.get('model')}")

    # --- 4. reconciliation ----------------------------------------------------------------------

    async def _reconcile(self, step: StepReport) -> None:
        if self.venue is None:
            if self.venue_error:
                step.escalate(StepStatus.FAILED)
                step.found.append(f"broker unreachable: {self.venue_error}")
            else:
                step.status = StepStatus.SKIPPED
                step.found.append("no broker given (--endpoint): positions are reconciled when a run starts")
            return
        venue = self.venue
        state = copy.deepcopy(self.state) if self.state else None
        before = await venue.account()
        venue_open = await venue.open_orders()
        ids = _instrument_ids(state) | {p.instrument_id for p in before.positions}
        ids |= {o.instrument_id for o in venue_open}
        instruments = await self._resolve_instruments(ids)
        unresolved = sorted(ids - set(instruments))
        if unresolved:
            raise RuntimeError(
                f"instrument(s) {', '.join(unresolved)} are unknown to the broker and the store; "
                "cannot rebuild their risk state"
            )

        def ticker(uid: str) -> str:
            return instruments[uid].ticker if uid in instruments else uid

        ours = _positions_of(state)
        theirs = {p.instrument_id: p.lots for p in before.positions if p.lots}
        known = {str(o["intent_key"]) for o in (state or {}).get("execution", {}).get("orders", [])}
        orphans = [o for o in venue_open if o.intent_key not in known]
        for uid in sorted(set(ours) | set(theirs)):
            if ours.get(uid, 0) != theirs.get(uid, 0):
                step.found.append(
                    f"{ticker(uid)}: checkpoint {ours.get(uid, 0)} lot(s), broker {theirs.get(uid, 0)}"
                )
        for order in orphans:
            step.found.append(
                f"orphan order {order.order_id} ({ticker(order.instrument_id)} {order.side.name} "
                f"{order.lots_requested} lot(s)) open at the broker, unknown to the checkpoint"
            )
        orchestrator = Orchestrator(
            self.config,
            [instruments[uid] for uid in sorted(instruments)],
            venue,
            _FunctionClock(self.now_ns),
            side=SideChannels(audit=self.audit.log),
            model_name=str((state or {}).get("model", "")),
        )
        result = await orchestrator.start(restored=state)
        ledger = orchestrator.execution.ledger
        for uid, (_ours, lots) in result.position_corrections.items():
            step.did.append(
                f"{ticker(uid)}: adopted the broker's {lots} lot(s) @ {ledger.position(uid).avg_price}"
            )
        cash = sum((await venue.account()).cash.values(), Decimal(0))
        for order_id in result.cancelled_orphans:
            step.did.append(f"cancelled orphan order {order_id}")
        for key in result.resolved_intents:
            resolved = orchestrator.execution.order(key)
            status = resolved.status.name if resolved is not None else "?"
            step.did.append(f"resolved in-flight intent {key} by its key: {status}")
        for key in result.adopted_orders:
            step.did.append(f"order {key} is no longer working at the broker: final state adopted")
        still_open = {o.order_id for o in await venue.open_orders()} & set(result.cancelled_orphans)
        if still_open:
            step.escalate(StepStatus.FAILED)
            step.found.append(f"orphan order(s) {', '.join(sorted(still_open))} still open after cancel")
        fixed = not result.clean or bool(result.resolved_intents)
        if fixed:
            step.escalate(StepStatus.REPAIRED)
        step.details = {
            "positions_checkpoint": ours,
            "positions_broker": theirs,
            "corrections": {k: list(v) for k, v in result.position_corrections.items()},
            "orphans_cancelled": list(result.cancelled_orphans),
            "resolved_intents": list(result.resolved_intents),
            "adopted_orders": list(result.adopted_orders),
            "cash": str(cash),
        }
        if self.checkpoints_lost:
            step.found.append("no checkpoint written: every stored checkpoint is damaged (see above)")
        elif fixed:
            store = CheckpointStore(self.config.checkpoint.dir, keep=self.config.checkpoint.keep)
            path = store.save(orchestrator.snapshot())
            step.did.append(f"wrote the reconciled state as {path.name}")
            step.details["checkpoint"] = path.name
            self.state = CheckpointStore.read(path)
        else:
            step.found.append(
                "checkpoint and broker agree"
                if state
                else "no checkpoint; the broker shows no position or order"
            )
        self.audit.record("position_reconciled", ACTOR, step.details, CONTROLS["position_reconciled"])
        if not result.clean:
            self.notify(
                "recovery_reconciled",
                f"reconciled with the broker: {len(result.position_corrections)} position(s) corrected, "
                f"{len(result.cancelled_orphans)} orphan order(s) cancelled",
            )

    async def _resolve_instruments(self, ids: Iterable[str]) -> dict[str, Instrument]:
        wanted = set(ids)
        found = {uid: i for uid, i in self.given_instruments.items() if uid in wanted}
        if wanted - set(found) and self.database_ok:
            try:
                with Store(self.config.storage.db_path, read_only=True) as store:
                    found.update(
                        {i.uid: i for i in store.instruments() if i.uid in wanted and i.uid not in found}
                    )
            except (sqlite3.Error, StorageError, OSError) as exc:
                log.info("store instruments unavailable (%s)", exc)
        lookup = getattr(self.venue, "instrument", None)
        if lookup is not None:
            for uid in sorted(wanted - set(found)):
                try:
                    found[uid] = await lookup(uid)
                except VenueError as exc:
                    log.warning("instrument %s unknown to the broker (%s)", uid, exc)
        return found

    # --- 5. failover ----------------------------------------------------------------------------

    async def _failover(self, step: StepReport) -> None:
        if not self.failover:
            step.status = StepStatus.SKIPPED
            step.found.append("not requested (--failover)")
            return
        network = self.config.network
        if not network.failover_hook:
            step.status = StepStatus.SKIPPED
            step.found.append("network.failover_hook is not configured: nothing to run")
            return
        failed = self.failed_endpoint or (network.endpoints[0] if network.endpoints else "")
        if self.venue is None:
            context = {
                "SCALP_FAILED_ENDPOINT": failed,
                "SCALP_FAILURE_REASON": FAILOVER_REASON,
                "SCALP_NEXT_ENDPOINT": failed,
                "SCALP_ENDPOINTS": ",".join(network.endpoints),
                "SCALP_EVENT_TS_NS": str(self.now_ns()),
            }
            hook = await run_failover_hook(
                network.failover_hook, timeout_s=network.failover_hook_timeout_s, context=context
            )
            self.audit.record(
                "failover_hook",
                ACTOR,
                {
                    "ok": hook.ok,
                    "returncode": hook.returncode,
                    "timed_out": hook.timed_out,
                    "duration_s": round(hook.duration_s, 3),
                    "error": hook.error,
                },
                CONTROLS["failover_hook"],
            )
            self._hook_outcome(step, hook.ok, hook.returncode, hook.timed_out, hook.duration_s, hook.error)
            step.found.append("no broker given: reconnection is not verified")
            return
        coordinator = FailoverCoordinator(
            network,
            reconnect=self._probe_broker,
            reconcile=self._reconcile_again,
            on_reconciled=lambda: None,
            alert=lambda text: self.notify("failover_hook", text),
            audit=self.audit,
            rounds=1,
            backoff_s=0.0,
            now_ns=self.now_ns,
        )
        outcome = await coordinator.handle_outage(failed, FAILOVER_REASON)
        if outcome.hook is not None:
            hook = outcome.hook
            self._hook_outcome(step, hook.ok, hook.returncode, hook.timed_out, hook.duration_s, hook.error)
        if outcome.reconciled:
            step.did.append("the broker answers after the hook; its state is reconciled")
        else:
            step.escalate(StepStatus.FAILED)
            step.found.append(f"broker still unreachable after the hook ({outcome.attempts} attempt(s))")
        step.details.update({"reconnected": outcome.reconciled, "attempts": outcome.attempts})

    def _hook_outcome(
        self,
        step: StepReport,
        ok: bool,
        returncode: int | None,
        timed_out: bool,
        duration_s: float,
        error: str,
    ) -> None:
        step.details = {
            "ok": ok,
            "returncode": returncode,
            "timed_out": timed_out,
            "duration_s": round(duration_s, 3),
            "error": error,
        }
        if ok:
            step.did.append(f"ran the failover hook: exit 0 in {duration_s:.2f} s")
        else:
            step.escalate(StepStatus.DEGRADED)
            step.found.append(f"failover hook failed: {error}")
            self.notify("failover_hook", f"failover hook failed during recovery: {error}")

    async def _probe_broker(self, endpoint: str) -> bool:
        assert self.venue is not None
        await self.venue.account()
        return True

    async def _reconcile_again(self) -> bool:
        previous = self.report.step(STEP_RECONCILIATION)
        if previous.status is not StepStatus.FAILED:
            return True
        retry = await self._step(f"{STEP_RECONCILIATION} (after failover)", self._reconcile)
        self.report.steps.remove(retry)
        if retry.status is StepStatus.FAILED:
            previous.found.extend(f"retry after the failover hook: {line}" for line in retry.found)
            return False
        previous.found = [f"first attempt: {line}" for line in previous.found] + retry.found
        previous.found.insert(len(previous.found) - len(retry.found), "retried after the failover hook")
        previous.did.extend(retry.did)
        previous.details = retry.details
        previous.status = retry.status
        previous.duration_s += retry.duration_s
        return True


async def recover(
    config: Config,
    *,
    venue: Venue | None = None,
    venue_error: str = "",
    instruments: Sequence[Instrument] = (),
    retrain: bool = False,
    retrain_lookback_s: float = RETRAIN_LOOKBACK_S,
    failover: bool = False,
    failed_endpoint: str = "",
    actor: str = "operator",
    now_ns: Callable[[], int] = time.time_ns,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str, str], None] | None = None,
) -> RecoveryReport:
    """Run the whole recovery of ``config``'s state (see the module docstring) and report it.

    ``venue``: the broker to reconcile with (None: reconciliation is SKIPPED, or FAILED with
    ``venue_error`` when the connection was attempted and failed). ``instruments``: definitions to use
    for instruments the checkpoint or the broker names (else the store's, else the broker's).
    ``retrain``: train a family from the store's last ``retrain_lookback_s`` of books when no stored
    version is usable. ``failover``: run ``network.failover_hook`` (SPEC §1.6) with
    ``failed_endpoint`` in its environment. ``progress`` receives one line per step start and end;
    ``notify(key, text)`` receives human notifications. Never raises for damaged state: every
    problem is in the report; ``report.usable`` says whether a run may start.
    """
    recovery = _Recovery(
        config,
        venue=venue,
        venue_error=venue_error,
        instruments=instruments,
        retrain=retrain,
        retrain_lookback_s=retrain_lookback_s,
        failover=failover,
        failed_endpoint=failed_endpoint,
        actor=actor,
        now_ns=now_ns,
        progress=progress,
        notify=notify,
    )
    return await recovery.run()


__all__ = [
    "BrokerConnectError",
    "BrokerConnection",
    "RecoveryReport",
    "RecoveryUsageError",
    "StepReport",
    "StepStatus",
    "connect_broker",
    "recover",
]
