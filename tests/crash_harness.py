"""Crash-test harness: `kill -9` of the real `scalp run` at random moments against a separately
started `scalp exchange`, then restart, many times; afterwards the invariants are checked from the
outside — the exchange's journal, the exchange's positions over gRPC, the run's SQLite store, its
checkpoints and its audit log (verified by the real `scalp audit verify`).

Everything runs as real subprocesses on loopback; nothing is faked. Kill moments come from a seeded
random generator, so a failing campaign can be replayed with the same schedule (the market itself
follows the wall clock, so fills differ between replays).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from scalp_system.broker.auth import Secret
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import resolve_endpoint
from scalp_system.config import BrokerConfig
from scalp_system.core.orders import Side
from scalp_system.exchange.journal import read_journal
from scalp_system.orchestration.checkpoint import CheckpointError, CheckpointStore
from scalp_system.storage.store import Store

SCALP = [sys.executable, "-m", "scalp_system.cli"]
TICKERS = "SBER,GAZP,LKOH,VTBR"
NS = 1_000_000_000

# A 3 s holding limit makes the strategy exit (and re-enter) every few seconds, so orders are in flight
# (and losses trip the halt and the cooldowns) at many kill moments; a smaller warm-up model than this
# one traded too rarely for the halt phase. Short cooldowns trip (and expire) several times per campaign, so
# their survival across kills is exercised; every checkpoint is kept so the harness can see the state
# before and after each kill.
BASE_ENV = {
    "SCALP__ML__BOOTSTRAP_WARMUP_S": "20",
    "SCALP__STRATEGY__MAX_HOLD_S": "3",
    "SCALP__CHECKPOINT__KEEP": "1000000",
    "SCALP__RISK__COOLDOWN_S": "15",
    "SCALP__RISK__CONSECUTIVE_LOSSES_FOR_COOLDOWN": "1",
}
# The halt phase: limits so tight that the first loss trips an emergency halt (flatten + HALTED).
HALT_ENV = {
    "SCALP__RISK__DAILY_LOSS_LIMIT": "0.000001",
    "SCALP__RISK__INTRADAY_DRAWDOWN_LIMIT": "0.000001",
}


def _wait_for(path: Path, pattern: str, timeout_s: float, proc: subprocess.Popen[bytes]) -> re.Match[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = path.read_text(errors="replace") if path.exists() else ""
        found = re.search(pattern, text)
        if found:
            return found
        if proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before {pattern!r}:\n{text[-3000:]}")
        time.sleep(0.1)
    raise TimeoutError(f"{pattern!r} not seen in {path} within {timeout_s} s")


class ExchangeProcess:
    """`scalp exchange` in a subprocess with a journal; stopped with SIGINT."""

    def __init__(self, workdir: Path, seed: int, history_s: float = 600.0) -> None:
        self.token = secrets.token_urlsafe(16)
        self.journal = workdir / "exchange-journal.jsonl"
        self.log = workdir / "exchange.log"
        workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    *SCALP,
                    "exchange",
                    "--port",
                    "0",
                    "--journal",
                    str(self.journal),
                    "--seed",
                    str(seed),
                    "--history-s",
                    str(history_s),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "SCALP_EXCHANGE_TOKEN": self.token},
            )
        found = _wait_for(self.log, r"listening on (127\.0\.0\.1:\d+)", 120, self.proc)
        self.address = found.group(1)

    def stop(self) -> None:
        """Stop the exchange (SIGINT, then SIGKILL if it does not go)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def positions(self) -> dict[str, int]:
        """The account's non-zero positions in lots, by instrument uid, asked over gRPC."""
        return asyncio.run(_exchange_positions(self.address, self.token))


async def _exchange_positions(address: str, token: str) -> dict[str, int]:
    client = BrokerClient(resolve_endpoint(address, tls=False), Secret(token), BrokerConfig())
    async with client:
        for instrument in await client.shares():
            client.instruments.add(instrument)
        account = (await client.get_accounts())[0].account_id
        snapshot = await client.get_positions(account)
    return {p.instrument_id: p.lots for p in snapshot.positions if p.lots}


@dataclass
class RunRecord:
    """One start of `scalp run` and how it ended."""

    index: int
    phase: str  # normal | halt | final
    started_ns: int
    ended_ns: int = 0
    trigger: str = ""  # startup | trading | after_order: what the kill waited for
    kill_after_s: float | None = None
    killed: bool = False
    reached: str = "startup"  # startup | restored | trading | finished (where the kill found it)
    returncode: int | None = None


def start_run(
    state: Path, address: str, token: str, log: Path, *, duration_s: float, extra_env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """Start `scalp run --mode paper --endpoint ...` on ``state``; output goes to ``log``."""
    args = [
        *SCALP,
        "run",
        "--mode",
        "paper",
        "--endpoint",
        address,
        "--instruments",
        TICKERS,
        "--duration",
        str(duration_s),
        "--state-dir",
        str(state),
        "--summary-json",
        str(log.with_suffix(".summary.json")),
        "--keep-positions",
    ]
    env = {**os.environ, **BASE_ENV, **extra_env, "TINKOFF_TOKEN": token, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)


def _wait_until(condition: Any, timeout_s: float, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _post_orders(journal: Path) -> int:
    if not journal.exists():
        return 0
    return journal.read_bytes().count(b'"event":"post_order"')


def _reached(log: Path) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    if "run finished" in text:
        return "finished"
    if "trading SBER" in text:
        return "trading"
    if "restoring checkpoint" in text or "model:" in text:
        return "restored"
    return "startup"


@dataclass
class CampaignResult:
    """What a campaign did and what the invariant checks found."""

    kills: int = 0
    restarts: int = 0
    runs: list[RunRecord] = field(default_factory=list)
    invariants: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The artefact's content."""
        return {
            "kills": self.kills,
            "restarts": self.restarts,
            "kills_by_phase": dict(Counter(r.reached for r in self.runs if r.killed)),
            "counts": self.counts,
            "invariants": self.invariants,
            "runs": [asdict(r) for r in self.runs],
        }


class CrashCampaign:
    """Kill `scalp run` ``kills`` times at seeded random moments, restarting it after each kill;
    a share of the kills happen in a halt phase (tight loss limits trip an emergency halt, lifted
    afterwards with `scalp resume`); then one clean run; then the invariants are checked."""

    def __init__(
        self,
        workdir: Path,
        exchange: ExchangeProcess,
        models: Path,
        *,
        kills: int,
        seed: int,
        kill_window_s: tuple[float, float] = (0.5, 6.0),
        final_duration_s: float = 8.0,
    ) -> None:
        self.workdir = workdir
        self.state = workdir / "state"
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        shutil.copytree(models, self.state / "models")
        self.exchange = exchange
        self.kills = kills
        self.rng = random.Random(seed)
        self.kill_window_s = kill_window_s
        self.final_duration_s = final_duration_s
        halt_kills = max(2, kills // 5)
        self.halt_from = (kills - halt_kills) // 2
        self.halt_to = self.halt_from + halt_kills  # kills [halt_from, halt_to) run with halt limits
        self.result = CampaignResult()
        self.resume_ns: int | None = None

    def _phase(self, index: int) -> str:
        return "halt" if self.halt_from <= index < self.halt_to else "normal"

    def run(self) -> CampaignResult:
        """Do the kills, the resume, the final clean run; then check every invariant."""
        for index in range(self.kills):
            if index == self.halt_to:
                self._resume()
            self._kill_one(index)
        self._final_run()
        self._check()
        return self.result

    def _kill_one(self, index: int) -> None:
        phase = self._phase(index)
        log = self.logs / f"run-{index:03d}.log"
        trigger = self.rng.choices(("startup", "trading", "after_order"), weights=(3, 3, 4))[0]
        delay = {
            "startup": self.rng.uniform(0.3, 3.0),
            "trading": self.rng.uniform(*self.kill_window_s),
            "after_order": self.rng.uniform(0.0, 0.25),
        }[trigger]
        record = RunRecord(index, phase, time.time_ns(), trigger=trigger, kill_after_s=round(delay, 3))
        orders_before = _post_orders(self.exchange.journal)
        proc = start_run(
            self.state,
            self.exchange.address,
            self.exchange.token,
            log,
            duration_s=600,
            extra_env=HALT_ENV if phase == "halt" else {},
        )
        try:
            if trigger != "startup":
                _wait_until(lambda: _reached(log) in ("trading", "finished"), 180, proc)
            if trigger == "after_order":  # no order in time (e.g. a cooldown): killed while trading
                # The halt phase waits longer: its first loss (an order) is what trips the halt.
                order_wait_s = 20 if phase == "halt" else 10
                _wait_until(lambda: _post_orders(self.exchange.journal) > orders_before, order_wait_s, proc)
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            record.reached = _reached(log)
            os.kill(proc.pid, signal.SIGKILL)
            record.killed = True
        finally:
            if proc.poll() is None:  # the test itself is failing (timeout): leave nothing behind
                proc.kill()
        record.returncode = proc.wait()
        record.ended_ns = time.time_ns()
        if not record.killed:
            record.reached = _reached(log)
        self.result.runs.append(record)
        self.result.kills += int(record.killed)
        self.result.restarts += 1 if index else 0

    def _resume(self) -> None:
        self.resume_ns = time.time_ns()
        completed = subprocess.run(
            [*SCALP, "resume", "--state-dir", str(self.state), "--actor", "crash-test"],
            capture_output=True,
            timeout=60,
            check=False,
            env={**os.environ, **BASE_ENV},
        )
        assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-2000:]

    def _final_run(self) -> None:
        log = self.logs / "run-final.log"
        record = RunRecord(self.kills, "final", time.time_ns())
        proc = start_run(
            self.state,
            self.exchange.address,
            self.exchange.token,
            log,
            duration_s=self.final_duration_s,
            extra_env={},
        )
        try:
            record.returncode = proc.wait(timeout=self.final_duration_s + 180)
        except subprocess.TimeoutExpired:
            record.reached = "hung"
        else:
            record.reached = _reached(log)
        finally:
            if proc.poll() is None:
                proc.kill()
            record.returncode = proc.wait()
        record.ended_ns = time.time_ns()
        self.result.runs.append(record)
        self.result.restarts += 1
        self.result.invariants["final_run_clean"] = {
            "ok": record.returncode == 0 and record.reached == "finished",
            "returncode": record.returncode,
            "tail": "" if record.returncode == 0 else log.read_text(errors="replace")[-3000:],
        }

    # --- invariants --------------------------------------------------------------------------

    def _check(self) -> None:
        journal = read_journal(self.exchange.journal)
        with Store(self.state / "scalp.db", read_only=True) as store:
            stored_fills = store.fills()
            stored_orders = store.orders()
            stored_positions = {uid: p.lots for uid, p in store.latest_positions().items() if p.lots}
        inv = self.result.invariants
        inv["no_key_posted_twice"] = _keys_posted_once(journal)
        inv["every_fill_once_in_store"] = _fills_once(journal, stored_fills)
        venue = self.exchange.positions()
        from_fills: dict[str, int] = defaultdict(int)
        for fill in stored_fills:
            from_fills[fill.instrument_id] += fill.lots if fill.side is Side.BUY else -fill.lots
        checkpoint = CheckpointStore(self.state / "checkpoints", keep=2).load_latest()
        ledger = checkpoint.state["execution"]["ledger"]["positions"] if checkpoint else {}
        from_checkpoint = {uid: int(p["lots"]) for uid, p in ledger.items() if int(p["lots"])}
        inv["positions_equal"] = {
            "ok": stored_positions == venue == {k: v for k, v in from_fills.items() if v} == from_checkpoint,
            "exchange": venue,
            "store_latest_positions": stored_positions,
            "store_fills_net": {k: v for k, v in from_fills.items() if v},
            "last_checkpoint": from_checkpoint,
        }
        inv["audit_chain_valid"] = _audit_verify(self.state / "audit" / "audit.jsonl")
        inv["risk_state_preserved"] = _risk_preserved(
            self.state / "checkpoints", self.result.runs, self.resume_ns
        )
        inv["no_run_died_on_its_own"] = {
            "ok": all(r.killed or r.phase == "final" or r.returncode == 0 for r in self.result.runs),
            "unexpected": [asdict(r) for r in self.result.runs if not r.killed and r.returncode not in (0,)],
        }
        created = [line for line in journal if line["event"] == "post_order" and line["created"]]
        self.result.counts = {
            "orders_posted": len(created),
            "post_order_calls": sum(1 for line in journal if line["event"] == "post_order"),
            "exchange_fills": sum(1 for line in journal if line["event"] == "fill"),
            "store_fills": len(stored_fills),
            "store_orders": len(stored_orders),
            "recovered_fills": _recovered_fills(self.state / "audit" / "audit.jsonl"),
        }


def _keys_posted_once(journal: list[dict[str, Any]]) -> dict[str, Any]:
    created = Counter(
        line["order_request_id"] for line in journal if line["event"] == "post_order" and line["created"]
    )
    twice = sorted(key for key, n in created.items() if n > 1)
    return {"ok": not twice, "keys_posted_twice": twice, "distinct_keys": len(created)}


def _fills_once(journal: list[dict[str, Any]], stored: list[Any]) -> dict[str, Any]:
    exchange = {line["trade_id"]: line for line in journal if line["event"] == "fill"}
    counts = Counter(f.trade_id for f in stored)
    missing = sorted(set(exchange) - set(counts))
    duplicated = sorted(t for t, n in counts.items() if n > 1)
    phantom = sorted(set(counts) - set(exchange))
    mismatched = [
        f.trade_id
        for f in stored
        if f.trade_id in exchange
        and (f.lots != int(exchange[f.trade_id]["lots"]) or f.price != Decimal(exchange[f.trade_id]["price"]))
    ]
    # Fills can be in the journal of another account only if someone else traded: there is nobody.
    return {
        "ok": not (missing or duplicated or phantom or mismatched),
        "missing": missing,
        "duplicated": duplicated,
        "not_on_exchange": phantom,
        "mismatched": mismatched,
    }


def _audit_verify(path: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [*SCALP, "audit", "verify", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    return {"ok": completed.returncode == 0, "output": (completed.stdout + completed.stderr)[-1500:]}


def _recovered_fills(path: Path) -> int:
    total = 0
    for line in path.read_text().splitlines():
        record = json.loads(line)
        reconcile = record.get("details", {}).get("reconcile")
        if isinstance(reconcile, dict):
            total += len(reconcile.get("fills_recovered", []))
    return total


def _boards(directory: Path) -> list[tuple[int, dict[str, Any]]]:
    boards = []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            state = CheckpointStore.read(path)
        except CheckpointError:
            continue
        boards.append((int(state["ts_ns"]), state["risk"]["board"]))
    return sorted(boards, key=lambda item: item[0])


def _risk_preserved(directory: Path, runs: list[RunRecord], resume_ns: int | None) -> dict[str, Any]:
    """For each restart: the risk board the new run wrote first must still hold every halt and
    every unexpired cooldown/reducing deadline of the checkpoint it restored (a halt restored from a
    checkpoint older than the operator's `scalp resume` request is expected to be lifted)."""
    boards = _boards(directory)
    problems: list[str] = []
    halts = cooldowns = pairs = 0
    for before_run, after_run in pairwise(runs):
        if not before_run.killed:
            continue
        restored = [b for b in boards if b[0] < after_run.started_ns]
        written = [b for b in boards if after_run.started_ns <= b[0] <= after_run.ended_ns]
        if not restored or not written:
            continue
        (old_ts, old), (new_ts, new) = restored[-1], written[0]
        pairs += 1
        where = f"restart {after_run.index}"
        resumed = resume_ns is not None and old_ts < resume_ns <= new_ts
        if old["halt"] is not None and not resumed:
            until = old["halt"]["until_ns"]
            if until is None or until > new_ts:
                halts += 1
                if new["halt"] is None or new["halt"]["since_ns"] != old["halt"]["since_ns"]:
                    problems.append(f"{where}: halt {old['halt']} became {new['halt']}")
        deadlines = [("global_cooldown", old["global_cooldown_until"], new["global_cooldown_until"])]
        deadlines += [(f"cooldown {k}", v, new["cooldowns"].get(k)) for k, v in old["cooldowns"].items()]
        deadlines += [(f"reducing {k}", v, new["reducing"].get(k)) for k, v in old["reducing"].items()]
        for name, until, now in deadlines:
            if until is None or until <= new_ts:
                continue
            cooldowns += 1
            if now is None or now < until:
                problems.append(f"{where}: {name} until {until} became {now}")
    return {
        "ok": not problems,
        "problems": problems,
        "restarts_compared": pairs,
        "halts_carried": halts,
        "deadlines_carried": cooldowns,
    }


def train_models_with_a_warmup_kill(workdir: Path, exchange: ExchangeProcess) -> dict[str, Any]:
    """A fresh state directory: kill `scalp run` while it records its warm-up, restart it, let it
    train the bootstrap model and trade briefly. Returns where the models are and what happened."""
    state = workdir / "state"
    first_log = workdir / "warmup-killed.log"
    proc = start_run(state, exchange.address, exchange.token, first_log, duration_s=600, extra_env={})
    try:
        _wait_for(first_log, r"recording \d+ s", 180, proc)
        time.sleep(2.0)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    second_log = workdir / "warmup-restarted.log"
    proc = start_run(state, exchange.address, exchange.token, second_log, duration_s=4, extra_env={})
    try:
        returncode = proc.wait(timeout=400)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return {
        "models": state / "models",
        "returncode": returncode,
        "log_tail": second_log.read_text(errors="replace")[-3000:],
        "audit": _audit_verify(state / "audit" / "audit.jsonl"),
    }
