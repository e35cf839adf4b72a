"""The fault-injection harness: a local exchange in the test process, the whole system against it.

Each scenario starts a ``LocalExchange`` (synthetic market aligned to the wall clock, ten minutes
of history so ATR seeds from candles, an exchange journal on disk) and runs the real paper-mode
session against it over loopback gRPC with ``run_session`` — exactly the path of
``scalp run --mode paper --endpoint HOST:PORT``. A fault script runs beside the session: it gets
the running Orchestrator (through the session's dashboard hook, the one place a run hands it out)
and flips the exchange's fault switches at chosen moments. Scenarios then assert on observable
outputs: the run summary, the audit log, the SQLite store, the exchange journal and the exchange
core's own account.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from scalp_system.config import Config, ExchangeConfig, load_config
from scalp_system.core.orders import Fill, Order
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.faults import FaultPlan
from scalp_system.exchange.journal import read_journal
from scalp_system.exchange.server import LocalExchange
from scalp_system.exchange.synthetic import SyntheticMarket
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.paths import rebase_paths
from scalp_system.orchestration.session import RunOptions, run_session
from scalp_system.orchestration.summary import RunSummary
from scalp_system.storage import Store

TOKEN = "fault-suite-exchange-token"  # the local exchange's bearer token in these tests (not a secret)
TICKERS = ("SBER", "GAZP", "LKOH", "VTBR")
FaultScript = Callable[[Orchestrator, LocalExchange], Awaitable[None]]


def paper_config(state_dir: Path, models_dir: Path | None = None, **sections: dict[str, Any]) -> Config:
    """Defaults rebased under ``state_dir`` (no environment overrides), sessions open around the clock
    (the synthetic market trades any time), console notifications off, an eager strategy, plus
    per-section overrides."""
    config = rebase_paths(load_config(None, env={}), state_dir)
    updates: dict[str, Any] = {
        "sessions": config.sessions.model_copy(update={"enforce": False}),
        "notifications": config.notifications.model_copy(update={"console": False}),
        # An eager strategy: every scenario needs orders and fills to observe, whichever way the
        # short bootstrap model happens to lean (the defaults may wait minutes for a first entry).
        "strategy": config.strategy.model_copy(
            update={"entry_probability": 0.4, "min_edge_ticks": Decimal(0)}
        ),
    }
    ml_update: dict[str, Any] = {"bootstrap_warmup_s": 15.0}
    if models_dir is not None:
        target = state_dir / "models"
        shutil.copytree(models_dir, target, dirs_exist_ok=True)
        ml_update["registry_dir"] = target
    updates["ml"] = config.ml.model_copy(update=ml_update)
    for name, values in sections.items():
        base = updates.get(name, getattr(config, name))
        updates[name] = base.model_copy(update=values)
    return config.model_copy(update=updates)


@contextlib.asynccontextmanager
async def local_exchange(
    state_dir: Path, *, seed: int = 11, faults: FaultPlan | None = None, **exchange: Any
) -> AsyncIterator[LocalExchange]:
    """A local exchange on a free loopback port with a journal at ``state_dir/exchange.jsonl``."""
    market = SyntheticMarket(default_catalogue(), seed=seed, start_ns=time.time_ns())
    async with LocalExchange(
        ExchangeConfig(port=0, **exchange),
        TOKEN,
        source=market,
        history_s=600,
        journal_path=state_dir / "exchange.jsonl",
        faults=faults,
    ) as ex:
        yield ex


@dataclass(slots=True)
class FaultRun:
    """Everything a scenario asserts on after the run."""

    summary: RunSummary
    orchestrator: Orchestrator
    trading_started: float  # time.monotonic() when the orchestrator started trading
    state_dir: Path

    def journal(self) -> list[dict[str, Any]]:
        """The exchange journal's lines."""
        return read_journal(self.state_dir / "exchange.jsonl")

    def audit(self) -> list[dict[str, Any]]:
        """The audit log's lines (parsed)."""
        path = self.orchestrator.config.audit.path
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def audit_events(self, event: str) -> list[dict[str, Any]]:
        """Audit lines of one event type."""
        return [line for line in self.audit() if line.get("event") == event]


async def run_against(
    exchange: LocalExchange,
    config: Config,
    *,
    duration_s: float,
    script: FaultScript | None = None,
    flatten_at_end: bool = True,
) -> FaultRun:
    """Run the paper session against ``exchange`` for ``duration_s`` while ``script`` injects faults.

    The token comes from ``TINKOFF_TOKEN`` as in a real run (set by the caller's fixture)."""
    assert os.environ.get("TINKOFF_TOKEN") == TOKEN, "set TINKOFF_TOKEN (use the exchange_token fixture)"
    handed: asyncio.Future[Orchestrator] = asyncio.get_running_loop().create_future()
    started: list[float] = []

    @contextlib.contextmanager
    def capture(orchestrator: Orchestrator) -> Iterator[None]:
        started.append(time.monotonic())
        if not handed.done():
            handed.set_result(orchestrator)
        yield

    async def drive() -> None:
        orchestrator = await handed
        if script is not None:
            await script(orchestrator, exchange)

    options = RunOptions(
        mode="paper",
        endpoint=exchange.address,
        tickers=TICKERS,
        duration_s=duration_s,
        flatten_at_end=flatten_at_end,
        dashboard=capture,
        summary_json=config.checkpoint.dir.parent / "summary.json",
    )
    driver = asyncio.create_task(drive())
    try:
        summary = await run_session(config, options)
    finally:
        if not driver.done():
            driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await driver
    assert handed.done(), "the session never started trading"
    return FaultRun(summary, handed.result(), started[0], config.checkpoint.dir.parent)


async def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` on the event loop (a wait with a hang guard, not a timing assertion)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def exchange_fills(exchange: LocalExchange) -> list[Fill]:
    """Every execution the exchange made for the paper account."""
    return [fill for report in exchange.core.orders(exchange.account_id) for fill in report.fills]


def stored_orders_and_fills(run: FaultRun) -> tuple[list[Order], list[Fill]]:
    """The orders and fills in the run's SQLite store (after the run's writer closed)."""
    config = run.orchestrator.config
    with Store(config.storage.db_path, config.storage) as store:
        return store.orders(), store.fills()


def assert_books_agree_with_the_exchange(run: FaultRun, exchange: LocalExchange) -> None:
    """Positions per instrument, realised PnL and commission of the run equal the exchange's account,
    exactly (Decimal), and the store holds every exchange fill exactly once."""
    ledger = run.orchestrator.execution.ledger
    theirs = {p.instrument_uid: p.lots for p in exchange.core.positions(exchange.account_id).securities}
    ours = {uid: p.lots for uid, p in ledger.positions().items() if p.lots}
    assert ours == {uid: lots for uid, lots in theirs.items() if lots}
    portfolio = exchange.core.portfolio(exchange.account_id)
    assert ledger.realized_pnl() == portfolio.realized_pnl
    assert ledger.commission() == portfolio.commission_paid
    _orders, fills = stored_orders_and_fills(run)
    stored_ids = [f.trade_id for f in fills]
    assert len(stored_ids) == len(set(stored_ids)), "a fill was stored twice"
    assert set(stored_ids) == {f.trade_id for f in exchange_fills(exchange)}


def posted_keys(journal: list[dict[str, Any]]) -> Counter[str]:
    """How many orders the exchange *created* per client key (PostOrder lines with created=true)."""
    return Counter(
        line["order_request_id"] for line in journal if line["event"] == "post_order" and line["created"]
    )
