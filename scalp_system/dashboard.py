"""The live terminal dashboard of ``scalp run`` (rich): instruments, books, positions, PnL, trading
state, breakers, latency and data health, refreshed once a second. When stdout is not a terminal
the same facts go out as one plain log line every ``plain_interval_s`` seconds instead."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from decimal import Decimal

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from scalp_system.orchestration.orchestrator import Orchestrator

log = logging.getLogger("scalp.dashboard")


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def render(orchestrator: Orchestrator) -> Group:
    """One frame of the dashboard."""
    risk = orchestrator.risk
    ledger = orchestrator.execution.ledger
    state = risk.state.value
    colour = {"ACTIVE": "green", "REDUCING": "yellow", "HALTED": "red"}[state]
    head = Table.grid(padding=(0, 3))
    head.add_row(
        f"state [bold {colour}]{state}[/]",
        f"equity [bold]{_fmt(risk.equity())}[/]",
        f"net PnL [bold]{_fmt(ledger.net_pnl())}[/]",
        f"orders {orchestrator.stats.orders_posted}",
        f"fills {orchestrator.stats.fills}",
        f"model {orchestrator.model_name}",
    )
    table = Table(expand=True)
    for column in ("instrument", "bid", "ask", "spread", "position", "avg price", "uPnL", "data"):
        table.add_column(column, justify="left" if column == "instrument" else "right")
    for uid, instrument in orchestrator.instruments.items():
        book = orchestrator.data.latest_book(uid, allow_stale=True)
        position = ledger.position(uid)
        stale = orchestrator.data.is_stale(uid)
        table.add_row(
            instrument.ticker,
            str(instrument.to_price(book.best_bid)) if book and book.best_bid is not None else "-",
            str(instrument.to_price(book.best_ask)) if book and book.best_ask is not None else "-",
            str(book.spread_ticks) if book and book.spread_ticks is not None else "-",
            str(position.lots),
            str(position.avg_price) if position.lots else "-",
            _fmt(ledger.unrealized_pnl(uid)),
            "[red]stale[/]" if stale else "[green]ok[/]",
        )
    latency = orchestrator.latency.summary_us()
    decision = latency.get("decision", {})
    ack = latency.get("ack", {})
    trips = orchestrator.stats.breaker_trips[-3:]
    foot = Table.grid(padding=(0, 3))
    foot.add_row(
        f"decision p50/p99 {decision.get('p50', 0):.0f}/{decision.get('p99', 0):.0f} µs",
        f"ack p50/p99 {ack.get('p50', 0) / 1000:.1f}/{ack.get('p99', 0) / 1000:.1f} ms",
        "breakers: " + (", ".join(t["breaker"] for t in trips) if trips else "none"),
        f"denials: {sum(orchestrator.denials().values())}",
    )
    return Group(Panel(head, title="scalp_system"), table, foot)


def plain_line(orchestrator: Orchestrator) -> str:
    """The dashboard as one log line."""
    ledger = orchestrator.execution.ledger
    positions = ", ".join(
        f"{orchestrator.instruments[uid].ticker} {p.lots}"
        for uid, p in ledger.open_positions().items()
        if uid in orchestrator.instruments
    )
    return (
        f"state={orchestrator.risk.state.value} equity={_fmt(orchestrator.risk.equity())} "
        f"net_pnl={_fmt(ledger.net_pnl())} orders={orchestrator.stats.orders_posted} "
        f"fills={orchestrator.stats.fills} books={orchestrator.stats.books} "
        f"positions=[{positions or 'flat'}]"
    )


@contextlib.contextmanager
def dashboard(
    orchestrator: Orchestrator, console: Console, *, plain_interval_s: float = 10.0
) -> Iterator[None]:
    """Show the dashboard while the block runs (a task refreshes it on the running loop)."""
    loop = asyncio.get_running_loop()
    if console.is_terminal:
        live = Live(render(orchestrator), console=console, refresh_per_second=2, transient=False)

        async def refresh() -> None:
            while True:
                await asyncio.sleep(1.0)
                live.update(render(orchestrator))

        with live:
            task = loop.create_task(refresh())
            try:
                yield
            finally:
                task.cancel()
                live.update(render(orchestrator))
        return

    async def plain() -> None:
        while True:
            await asyncio.sleep(plain_interval_s)
            log.info(plain_line(orchestrator))

    task = loop.create_task(plain())
    try:
        yield
    finally:
        task.cancel()
        log.info(plain_line(orchestrator))
