"""The machine-readable summary of a run (``scalp run --summary-json FILE``)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from scalp_system.orchestration.orchestrator import Orchestrator


@dataclass(slots=True)
class RunSummary:
    """What happened in one run: counts, money (decimal strings), positions, breakers, latency."""

    mode: str
    model: str
    duration_s: float
    orders_posted: int
    fills: int
    realized_pnl: str
    unrealized_pnl: str
    commission: str
    net_pnl: str
    positions: dict[str, int]
    breaker_trips: list[dict[str, Any]]
    rejects: dict[str, int]
    denials: dict[str, int]
    latency_us: dict[str, dict[str, float]]
    trading_state: str
    books: int = 0
    trades: int = 0
    signals: int = 0
    entries: int = 0
    exits: int = 0
    instruments: list[str] = field(default_factory=list)
    equity_start: str = "0"
    equity_end: str = "0"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        """Indented JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def write(self, path: Path) -> None:
        """Write atomically (temp file + rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(path.suffix + ".tmp")
        temp.write_text(self.to_json() + "\n", encoding="utf-8")
        os.replace(temp, path)


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.00000001")).normalize(), "f")


def summarize(
    orchestrator: Orchestrator,
    *,
    mode: str,
    duration_s: float,
    equity_start: Decimal,
    notes: list[str] | None = None,
) -> RunSummary:
    """Build the summary from a finished orchestrator."""
    ledger = orchestrator.execution.ledger
    stats = orchestrator.stats
    latency = {
        stage: {"p50": q["p50"], "p99": q["p99"]} for stage, q in orchestrator.latency.summary_us().items()
    }
    positions = {
        orchestrator.instruments[uid].ticker: p.lots
        for uid, p in ledger.positions().items()
        if uid in orchestrator.instruments
    }
    realized = ledger.realized_pnl()
    unrealized = ledger.unrealized_pnl()
    commission = ledger.commission()
    return RunSummary(
        mode=mode,
        model=orchestrator.model_name,
        duration_s=round(duration_s, 3),
        orders_posted=stats.orders_posted,
        fills=stats.fills,
        realized_pnl=_money(realized),
        unrealized_pnl=_money(unrealized),
        commission=_money(commission),
        net_pnl=_money(realized + unrealized - commission),
        positions=positions,
        breaker_trips=list(stats.breaker_trips),
        rejects=dict(stats.rejects),
        denials=orchestrator.denials(),
        latency_us=latency,
        trading_state=orchestrator.risk.state.value,
        books=stats.books,
        trades=stats.trades,
        signals=stats.signals,
        entries=stats.entries,
        exits=stats.exits,
        instruments=[i.ticker for i in orchestrator.instruments.values()],
        equity_start=_money(equity_start),
        equity_end=_money(orchestrator.risk.equity()),
        notes=notes or [],
    )
