"""``scalp backtest``: replay a CSV recording or a stored range through the full pipeline on a
simulated venue and write report.json and report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalp_system.cli.common import (
    EXIT_USAGE,
    ConfigOption,
    CurrencyOption,
    LotOption,
    StateDirOption,
    TickerOption,
    TickOption,
    fail,
    instrument_from_options,
    load,
    out,
    parse_tickers,
    parse_time_ns,
    task_progress,
)


def backtest(
    books: Annotated[Path | None, typer.Option("--books", help="Wide depth CSV recording.")] = None,
    trades: Annotated[Path | None, typer.Option("--trades", help="Trades CSV of the same recording.")] = None,
    ticker: TickerOption = None,
    tick: TickOption = None,
    lot: LotOption = None,
    currency: CurrencyOption = "rub",
    db: Annotated[Path | None, typer.Option("--db", help="Or: the project's SQLite store.")] = None,
    instruments: Annotated[str | None, typer.Option(help="With --db: tickers (default all).")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="With --db: start (ISO, UTC).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="With --db: end (ISO, UTC).")] = None,
    report_dir: Annotated[Path, typer.Option(help="Where report.json and report.html go.")] = Path("report"),
    latency_ms: Annotated[float, typer.Option(help="Order latency (one way), milliseconds.")] = 5.0,
    train_fraction: Annotated[
        float, typer.Option(help="Train a fresh model on this leading fraction first.")
    ] = 0.0,
    config: ConfigOption = None,
    state_dir: StateDirOption = Path("var"),
) -> None:
    """Replay a recording through the full pipeline on a simulated venue (latency and queue models,
    commission per SPEC) and write report.json + a self-contained report.html."""
    from scalp_system.commands import research as tasks
    from scalp_system.data.csv_import import CsvImportError

    cfg = load(config, state_dir)
    cfg = cfg.model_copy(update={"sessions": cfg.sessions.model_copy(update={"enforce": False})})
    if (books is None) == (db is None):
        fail("give either --books (with --trades and the instrument flags) or --db", EXIT_USAGE)
    if not 0.0 <= train_fraction < 1.0:
        fail("--train-fraction must be in [0, 1)", EXIT_USAGE)
    try:
        if books is not None:
            recordings = tasks.load_recordings_csv(
                books, trades, instrument_from_options(ticker, tick, lot, currency), cfg
            )
        else:
            assert db is not None
            recordings = tasks.load_recordings_db(
                db, parse_tickers(instruments), parse_time_ns(from_, "--from"), parse_time_ns(to, "--to"), cfg
            )
    except CsvImportError as exc:
        fail(str(exc), EXIT_USAGE)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc), EXIT_USAGE)
    progress, update = task_progress()
    with progress:
        outcome = tasks.backtest(
            cfg,
            recordings,
            report_dir,
            order_latency_ms=latency_ms,
            train_fraction=train_fraction,
            progress=lambda done, total: update("replaying", done, total),
            train_progress=update,
        )
    result = outcome.result
    rate = result.messages / result.elapsed_s if result.elapsed_s else 0.0
    out.print(
        f"backtest: {result.messages} messages in {result.elapsed_s:.2f} s ({rate:,.0f} msg/s), "
        f"{result.orders} orders, {result.fills} fills, net PnL {result.net_pnl}; model {result.model}"
    )
    out.print(f"reports: {outcome.json_path} and {outcome.html_path}")
