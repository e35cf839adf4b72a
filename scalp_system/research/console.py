"""What ``scalp sweep`` shows on the terminal: a progress bar while it runs, the top of the ranking after.

Kept here so the CLI command stays a thin parse-call-print wrapper.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from scalp_system.research.engine import ProgressHook, SweepOutcome

TOP_ROWS = 10


@contextmanager
def progress_bar(console: Console) -> Iterator[ProgressHook]:
    """A rich bar with completed/failed counts, elapsed time and ETA; yields the engine's hook."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task: list[TaskID] = []

    def update(ok: int, failed: int, total: int) -> None:
        description = f"sweep: {ok} ok, {failed} failed"
        if not task:
            task.append(progress.add_task(description, total=max(total, 1)))
        progress.update(task[0], completed=ok + failed, total=max(total, 1), description=description)

    with progress:
        yield update


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value.quantize(Decimal('0.0001')):,}"


def summary_table(outcome: SweepOutcome, top: int = TOP_ROWS) -> Table:
    """The best configurations by out-of-sample net PnL, with the in-sample column and flags."""
    table = Table(
        title=f"top {min(top, len(outcome.table.rows))} of {len(outcome.table.rows)} configurations"
    )
    for column in (
        "rank",
        "configuration",
        "OOS net PnL",
        "OOS trades",
        "fold PnL min",
        "IS net PnL",
        "flags",
    ):
        table.add_column(column, justify="left" if column in ("configuration", "flags") else "right")
    for row in outcome.table.rows[:top]:
        flags = " ".join(name for name, on in (("overfit", row.overfit), ("IS+OOS-", row.sign_flip)) if on)
        table.add_row(
            "—" if row.rank is None else f"{row.rank:g}",
            row.label,
            _money(row.oos.net_pnl if row.oos else None),
            str(row.oos.trades) if row.oos else "—",
            _money(row.oos.pnl_min if row.oos else None),
            _money(row.is_.net_pnl if row.is_ else None),
            flags,
        )
    return table
