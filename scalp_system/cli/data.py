"""Market data commands: ``scalp data import`` (a CSV recording into the store), ``scalp data info``
(what a store holds) and ``scalp record`` (live books and trades from a venue into the store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_system.cli.common import (
    EXIT_USAGE,
    ConfigOption,
    CurrencyOption,
    LotOption,
    TickerOption,
    TickOption,
    configure_logging,
    fail,
    instrument_from_options,
    load,
    out,
    parse_tickers,
    status_line,
)


def data_import(
    books: Annotated[Path, typer.Option("--books", help="Wide depth CSV (gzip or not).")],
    trades: Annotated[Path | None, typer.Option("--trades", help="Trades CSV (optional).")] = None,
    ticker: TickerOption = None,
    tick: TickOption = None,
    lot: LotOption = None,
    currency: CurrencyOption = "rub",
    db: Annotated[Path, typer.Option("--db", help="SQLite store to import into.")] = Path("var/scalp.db"),
    config: ConfigOption = None,
) -> None:
    """Import a recording in the wide CSV format (see ../shared/data/README.md). Every bad row is
    reported with file and line; the import is all-or-nothing (exit 2 on bad data)."""
    from scalp_system.commands.research import import_csv
    from scalp_system.data.csv_import import CsvImportError

    cfg = load(config)
    instrument = instrument_from_options(ticker, tick, lot, currency)
    try:
        result = import_csv(db, books, trades, instrument, cfg)
    except CsvImportError as exc:
        fail(str(exc), EXIT_USAGE)
    out.print(
        f"imported {result.books} books and {result.trades} trades of {instrument.ticker} into {db} "
        f"in {result.seconds:.1f} s"
    )


def data_info(db: Annotated[Path, typer.Option("--db", help="SQLite store.")] = Path("var/scalp.db")) -> None:
    """Summarise a store: instruments, row counts, time ranges."""
    from rich.table import Table

    from scalp_system.commands.research import store_info

    try:
        summary = store_info(db)
    except FileNotFoundError as exc:
        fail(str(exc))
    table = Table(title=f"{db} (schema v{summary.schema_version}, {summary.size_bytes / 1e6:.1f} MB)")
    for column in ("instrument", "books", "depth", "trades", "from (UTC)", "to (UTC)"):
        table.add_column(column)
    for item in summary.instruments:
        first = min((t for t in (item.book_first_ns, item.trade_first_ns) if t is not None), default=None)
        last = max((t for t in (item.book_last_ns, item.trade_last_ns) if t is not None), default=None)
        table.add_row(
            item.ticker,
            f"{item.book_rows:,}",
            str(item.book_depth),
            f"{item.trade_rows:,}",
            _iso(first),
            _iso(last),
        )
    out.print(table)


def _iso(ts_ns: int | None) -> str:
    from datetime import UTC, datetime

    if ts_ns is None:
        return "-"
    return datetime.fromtimestamp(ts_ns / 1e9, tz=UTC).isoformat(timespec="milliseconds")


def record(
    instruments: Annotated[str, typer.Option(help="Tickers to record, comma-separated.")] = "SBER,GAZP",
    duration: Annotated[float, typer.Option(help="Seconds to record.")] = 3600.0,
    db: Annotated[Path, typer.Option("--db", help="SQLite store to record into.")] = Path("var/scalp.db"),
    mode: Annotated[
        str, typer.Option(help="paper (local exchange), sandbox or live (read-only use).")
    ] = "paper",
    endpoint: Annotated[str | None, typer.Option(help="host:port of a server.")] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="Token file (mode 0600); default TINKOFF_TOKEN.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Record order books and trades from a venue into the store (the local exchange by default)."""
    import asyncio

    from scalp_system.broker.streams import MarketDataStream
    from scalp_system.commands.research import record as record_task
    from scalp_system.orchestration.session import RunOptions, SessionError, connect_venue

    configure_logging()
    cfg = load(config)
    options = RunOptions(
        mode=mode,
        tickers=parse_tickers(instruments),
        endpoint=endpoint,
        token_file=token_file,
        status=status_line,
    )

    async def go() -> Any:
        async with connect_venue(cfg, options) as venue:
            stream = MarketDataStream(venue.client)
            for instrument in venue.instruments:
                await stream.subscribe_order_book(instrument, cfg.data.lob_levels)
                await stream.subscribe_trades(instrument)
            try:
                return await record_task(
                    cfg, venue.instruments, stream.events, db, duration, status=options.status
                )
            finally:
                await stream.stop()

    try:
        result = asyncio.run(go())
    except SessionError as exc:
        fail(str(exc), EXIT_USAGE)
    out.print(
        f"recorded {sum(result.books.values())} books and {sum(result.trades.values())} trades into {db}"
    )
