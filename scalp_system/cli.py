"""The ``scalp`` command: one subcommand per trader task, thin over the packages that do the work.

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration. Heavy imports happen inside
commands so that ``scalp --help`` is instant.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from scalp_system.config import Config, ConfigError, load_config

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="scalp",
    help="Automated intraday scalping for MOEX through the T-Bank Invest API v2.\n\n"
    "Start with `scalp run` (paper mode on the embedded local exchange, no token needed).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="Market data recordings: import CSV files, summarise a store.", no_args_is_help=True
)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
storage_app = typer.Typer(help="The SQLite store and its JSONL spill.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(audit_app, name="audit")
app.add_typer(storage_app, name="storage")

console = Console(stderr=True, soft_wrap=True)  # errors stay on one line, whatever the terminal width
out = Console()

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="TOML configuration file.")]
StateDirOption = Annotated[
    Path, typer.Option("--state-dir", help="Where the store, checkpoints, models and audit log live.")
]


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print a clear error and exit with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def configure_logging(verbose: bool = False) -> None:
    """Plain log lines to stderr with every registered secret scrubbed."""
    from scalp_system.core.redaction import install_log_filter

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    install_log_filter()


def load(config_path: Path | None, state_dir: Path | None = None) -> Config:
    """Load and validate the configuration (exit 2 with the key named on error)."""
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    if state_dir is not None:
        from scalp_system.orchestration.paths import rebase_paths

        config = rebase_paths(config, state_dir)
    return config


def _tickers(value: str | None) -> tuple[str, ...]:
    return tuple(t.strip().upper() for t in value.split(",") if t.strip()) if value else ()


def _progress_bar() -> tuple[Any, Any]:
    """A rich progress bar and a ``progress(description, done, total)`` callback driving it."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def update(description: str, done: int, total: int) -> None:
        key = description.split(":")[0]
        if key not in tasks:
            tasks[key] = progress.add_task(description, total=max(total, 1))
        progress.update(tasks[key], completed=done, total=max(total, 1), description=description)

    return progress, update


@app.command()
def run(
    mode: Annotated[str, typer.Option(help="paper (local exchange, no token), sandbox or live.")] = "paper",
    duration: Annotated[
        float | None, typer.Option(help="Seconds to trade, then stop (default: until Ctrl-C).")
    ] = None,
    instruments: Annotated[
        str | None, typer.Option(help="Tickers, comma-separated (paper default: SBER,GAZP,LKOH,VTBR).")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="host:port of a server (e.g. a separate `scalp exchange`).")
    ] = None,
    account: Annotated[str, typer.Option("--account", help="Account id (required for live).")] = "",
    live: Annotated[bool, typer.Option("--live", help="Opt in to LIVE trading with real money.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm live trading without the prompt.")] = False,
    open_sandbox_account: Annotated[
        bool, typer.Option(help="Sandbox: open and fund an account if none.")
    ] = False,
    summary_json: Annotated[
        Path | None, typer.Option(help="Write a machine-readable run summary here.")
    ] = None,
    token_file: Annotated[
        Path | None, typer.Option(help="Token file (mode 0600); default TINKOFF_TOKEN.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Paper: seed of the synthetic market.")] = None,
    keep_positions: Annotated[bool, typer.Option(help="Do not flatten positions when the run ends.")] = False,
    config: ConfigOption = None,
    state_dir: StateDirOption = Path("var"),
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Trade: paper mode (default) starts the local exchange in-process and trades its synthetic market
    over real gRPC; sandbox and live connect to T-Bank with TINKOFF_TOKEN. Restarts resume from the
    last checkpoint in --state-dir after reconciling with the broker."""
    import asyncio

    configure_logging(verbose)
    if mode not in ("paper", "sandbox", "live"):
        fail(f"--mode must be paper, sandbox or live, got {mode!r}", EXIT_USAGE)
    cfg = load(config, state_dir)
    if mode == "paper" and endpoint is None:
        cfg = cfg.model_copy(update={"sessions": cfg.sessions.model_copy(update={"enforce": False})})
    if mode == "live":
        _confirm_live(live, yes, account, cfg)
    from scalp_system.dashboard import dashboard
    from scalp_system.orchestration.session import RunOptions, SessionError, run_session

    progress, update = _progress_bar()
    options = RunOptions(
        mode=mode,
        duration_s=duration,
        tickers=_tickers(instruments),
        endpoint=endpoint,
        account_id=account,
        open_sandbox_account=open_sandbox_account,
        summary_json=summary_json,
        token_file=token_file,
        seed=seed,
        flatten_at_end=not keep_positions,
        status=lambda m: console.print(f"[cyan]•[/] {m}", highlight=False),
        progress=update,
        dashboard=lambda orchestrator: dashboard(orchestrator, out),
    )
    try:
        with progress:
            summary = asyncio.run(run_session(cfg, options))
    except SessionError as exc:
        fail(str(exc), EXIT_USAGE)
    out.print(
        f"run finished: {summary.orders_posted} orders, {summary.fills} fills, net PnL {summary.net_pnl} "
        f"(realised {summary.realized_pnl}, commission {summary.commission}); model: {summary.model}; "
        f"state {summary.trading_state}"
    )
    if summary_json is not None:
        out.print(f"summary written to {summary_json}")


def _confirm_live(live: bool, yes: bool, account: str, cfg: Config) -> None:
    if not live:
        fail("live trading needs the explicit --live flag (and --account, and confirmation)", EXIT_USAGE)
    if not account:
        fail("live trading needs an explicit --account", EXIT_USAGE)
    risk = cfg.risk
    console.print(
        f"[bold red]LIVE TRADING[/] on account {account}: max {risk.max_position_lots} lots per "
        f"instrument, {risk.max_notional_per_order} per order, gross {risk.max_gross_notional}, "
        f"daily loss limit {risk.daily_loss_limit:.2%}, drawdown limit {risk.intraday_drawdown_limit:.2%}"
    )
    if yes:
        return
    if not sys.stdin.isatty():
        fail("live trading needs confirmation: pass --yes or run in a terminal", EXIT_USAGE)
    if not typer.confirm("Trade real money with these limits?", default=False):
        fail("live trading not confirmed", EXIT_USAGE)


@app.command()
def exchange(
    host: Annotated[str, typer.Option(help="Bind address (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 = any free port).")] = 50051,
    token: Annotated[
        str | None, typer.Option(help="Required bearer token (default SCALP_EXCHANGE_TOKEN).")
    ] = None,
    journal: Annotated[
        Path | None, typer.Option(help="JSONL journal of orders, fills, cancels, states.")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the synthetic market.")] = None,
    speed: Annotated[float, typer.Option(help="Market seconds per wall second.")] = 1.0,
    history_s: Annotated[float, typer.Option(help="Seconds of market simulated before serving.")] = 600.0,
    config: ConfigOption = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run the local exchange: the Invest API v2 services over gRPC with a synthetic market, for
    paper trading and tests. Clients must send `authorization: Bearer <token>`."""
    import asyncio
    import os

    from scalp_system.core.redaction import register_secret

    configure_logging(verbose)
    token = token or os.environ.get("SCALP_EXCHANGE_TOKEN", "")
    if not token:
        fail("the local exchange needs a token: --token or SCALP_EXCHANGE_TOKEN", EXIT_USAGE)
    register_secret(token)
    cfg = load(config)
    updates: dict[str, Any] = {"host": host, "port": port}
    if seed is not None:
        updates["seed"] = seed
    exchange_cfg = cfg.exchange.model_copy(update=updates)
    from scalp_system.exchange.server import LocalExchange

    async def serve() -> None:
        import time

        from scalp_system.exchange.catalogue import default_catalogue
        from scalp_system.exchange.synthetic import SyntheticMarket

        market = SyntheticMarket(default_catalogue(), seed=exchange_cfg.seed, start_ns=time.time_ns())
        server = LocalExchange(
            exchange_cfg, token, source=market, journal_path=journal, speed=speed, history_s=history_s
        )
        await server.start()
        out.print(f"local exchange listening on {server.address} (account {server.account_id}); Ctrl-C stops")
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    try:
        asyncio.run(serve())
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc}")


@app.command()
def resume(
    state_dir: StateDirOption = Path("var"),
    config: ConfigOption = None,
    actor: Annotated[str, typer.Option(help="Who resumes (audited).")] = "operator",
) -> None:
    """Lift an emergency halt: the next `scalp run` (or the running one, within a second) returns to
    ACTIVE. The request is audited."""
    from scalp_system.orchestration.control import request_resume

    cfg = load(config, state_dir)
    path = request_resume(cfg, actor)
    out.print(
        f"resume requested ({path}); a running session picks it up within a second, "
        "otherwise the next `scalp run` does"
    )


@app.command()
def status(state_dir: StateDirOption = Path("var"), config: ConfigOption = None) -> None:
    """Show the state of the running or last run: trading state, breakers, positions, PnL, orders."""
    from scalp_system.orchestration.control import describe_status

    cfg = load(config, state_dir)
    try:
        out.print(describe_status(cfg))
    except FileNotFoundError as exc:
        fail(str(exc))


@app.command()
def recover(
    state_dir: StateDirOption = Path("var"),
    config: ConfigOption = None,
    endpoint: Annotated[
        str | None,
        typer.Option(help="Reconcile with this broker: host:port (a `scalp exchange`), sandbox or prod."),
    ] = None,
    account: Annotated[
        str, typer.Option("--account", help="Account id (default: the first one listed; prod needs it).")
    ] = "",
    token_file: Annotated[
        Path | None, typer.Option(help="Token file (mode 0600); default TINKOFF_TOKEN.")
    ] = None,
    retrain: Annotated[
        bool, typer.Option("--retrain", help="Retrain a model with no usable version from the stored books.")
    ] = False,
    failover: Annotated[
        bool, typer.Option("--failover", help="Run network.failover_hook (SPEC §1.6) and report its outcome.")
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON to this file.")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Recover a state directory after a crash: restore the newest valid checkpoint, verify (and
    rehydrate) the models, check the database (restore the last backup and replay the spill when it
    is corrupt), reconcile with the broker (--endpoint: its positions win, orphan orders are
    cancelled) and optionally run the failover hook. Prints what it found and did and how long it
    took; exit 0 when a run may start from the state, 1 when not."""
    import asyncio

    from scalp_system.storage.disaster_recovery import (
        BrokerConnectError,
        RecoveryReport,
        RecoveryUsageError,
        connect_broker,
    )
    from scalp_system.storage.disaster_recovery import recover as run_recovery

    configure_logging(verbose)
    logging.getLogger().setLevel(logging.DEBUG if verbose else logging.WARNING)
    cfg = load(config, state_dir)

    def progress(message: str) -> None:
        console.print(f"[cyan]•[/] {message}", highlight=False)

    async def go() -> RecoveryReport:
        options: dict[str, Any] = {"retrain": retrain, "failover": failover, "progress": progress}
        if endpoint is None:
            return await run_recovery(cfg, **options)
        try:
            connection = await connect_broker(cfg, endpoint, token_file=token_file, account_id=account)
        except BrokerConnectError as exc:
            return await run_recovery(cfg, venue_error=str(exc), failed_endpoint=endpoint, **options)
        progress(f"connected to {endpoint} (account {connection.account_id})")
        try:
            return await run_recovery(cfg, venue=connection.venue, failed_endpoint=endpoint, **options)
        finally:
            await connection.close()

    try:
        report = asyncio.run(go())
    except RecoveryUsageError as exc:
        fail(str(exc), EXIT_USAGE)
    out.print(report.render_text(), highlight=False, soft_wrap=True, markup=False)
    if json_path is not None:
        report.write_json(json_path)
        out.print(f"report written to {json_path}")
    if not report.usable:
        raise typer.Exit(EXIT_FAILURE)


TickerOption = Annotated[str | None, typer.Option("--ticker", help="Instrument ticker of a CSV recording.")]
TickOption = Annotated[str | None, typer.Option("--tick", help="Minimum price increment, e.g. 0.01.")]
LotOption = Annotated[str | None, typer.Option("--lot", help="Units per lot, e.g. 10 (or 0.001 for crypto).")]
CurrencyOption = Annotated[str, typer.Option("--currency", help="Currency of prices, e.g. rub or usdt.")]


def _instrument_flags(ticker: str | None, tick: str | None, lot: str | None, currency: str) -> Any:
    from scalp_system.commands.research import instrument_from_flags

    missing = [name for name, value in (("--ticker", ticker), ("--tick", tick), ("--lot", lot)) if not value]
    if missing:
        fail(f"a CSV recording needs its instrument definition: {', '.join(missing)} missing", EXIT_USAGE)
    try:
        return instrument_from_flags(str(ticker), str(tick), str(lot), currency)
    except Exception as exc:  # decimal errors, non-positive tick/lot
        fail(f"bad instrument definition: {exc}", EXIT_USAGE)


def _iso(ts_ns: int | None) -> str:
    from datetime import UTC, datetime

    if ts_ns is None:
        return "-"
    return datetime.fromtimestamp(ts_ns / 1e9, tz=UTC).isoformat(timespec="milliseconds")


def _time_ns(value: str | None, flag: str) -> int | None:
    if value is None:
        return None
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{flag} {value!r} is not an ISO date/time (e.g. 2024-08-08 or 2024-08-08T23:55:00)", EXIT_USAGE)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000_000)


@data_app.command("import")
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
    instrument = _instrument_flags(ticker, tick, lot, currency)
    try:
        result = import_csv(db, books, trades, instrument, cfg)
    except CsvImportError as exc:
        fail(str(exc), EXIT_USAGE)
    out.print(
        f"imported {result.books} books and {result.trades} trades of {instrument.ticker} into {db} "
        f"in {result.seconds:.1f} s"
    )


@data_app.command("info")
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


@app.command()
def train(
    db: Annotated[Path, typer.Option("--db", help="SQLite store with recorded books.")] = Path(
        "var/scalp.db"
    ),
    instruments: Annotated[
        str | None, typer.Option(help="Tickers or uids (default: all in the store).")
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Start (ISO, UTC).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="End (ISO, UTC), exclusive.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the training report JSON here.")] = None,
    config: ConfigOption = None,
    state_dir: StateDirOption = Path("var"),
) -> None:
    """Train the model ensemble walk-forward (time-ordered folds, purge gap) on stored books, compare it
    out of sample with two naive baselines, and save the models to the registry."""
    from scalp_system.commands.research import train_from_db

    cfg = load(config, state_dir)
    progress, update = _progress_bar()
    try:
        with progress:
            result = train_from_db(
                cfg,
                db,
                _tickers(instruments),
                _time_ns(from_, "--from"),
                _time_ns(to, "--to"),
                progress=update,
            )
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc), EXIT_USAGE)
    out.print(result.report.summary_table())
    verdict = "beats" if result.report.beats_baselines() else "does NOT beat"
    out.print(
        f"the ensemble {verdict} both baselines on out-of-sample log-loss; "
        f"models saved to {cfg.ml.registry_dir}"
    )
    if report is not None:
        report.write_text(result.report.to_json())


@app.command()
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
                books, trades, _instrument_flags(ticker, tick, lot, currency), cfg
            )
        else:
            assert db is not None
            recordings = tasks.load_recordings_db(
                db, _tickers(instruments), _time_ns(from_, "--from"), _time_ns(to, "--to"), cfg
            )
    except CsvImportError as exc:
        fail(str(exc), EXIT_USAGE)
    except (ValueError, FileNotFoundError) as exc:
        fail(str(exc), EXIT_USAGE)
    progress, update = _progress_bar()
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


@app.command()
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
        tickers=_tickers(instruments),
        endpoint=endpoint,
        token_file=token_file,
        status=lambda m: console.print(f"[cyan]•[/] {m}", highlight=False),
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


@storage_app.command("merge-spill")
def storage_merge_spill(state_dir: StateDirOption = Path("var"), config: ConfigOption = None) -> None:
    """Replay JSONL spill files into SQLite idempotently (also done automatically at start)."""
    from scalp_system.storage.spill import merge_spill
    from scalp_system.storage.store import Store

    cfg = load(config, state_dir)
    with Store(cfg.storage.db_path, cfg.storage) as store:
        report = merge_spill(store, cfg.storage.spill_dir)
    out.print(
        f"merged {report.files_merged} spill file(s): {report.rows_read} rows read, {report.rows_changed} "
        f"new, {report.torn_lines} torn line(s) skipped, {report.bad_lines} bad line(s), "
        f"{report.files_rejected} file(s) set aside"
    )


@audit_app.command("verify")
def audit_verify(
    file: Annotated[Path, typer.Argument(help="The audit log (its rotated segments are found beside it).")],
) -> None:
    """Verify the audit log's hash chain; exit 1 naming the first bad line on any edit, deletion,
    insertion or truncation."""
    from scalp_system.monitoring.audit import verify

    result = verify(file)
    if result.ok:
        out.print(f"audit log OK: {result.lines} lines, hash chain intact")
        return
    where = f"{result.file}" + (f" line {result.line_number}" if result.line_number else "")
    fail(f"audit log verification failed at {where}: {result.problem}")


@app.command()
def sweep(
    config_path: Annotated[
        Path, typer.Option("--config", "-c", help="The sweep file (sweep.toml; see docs/research.md).")
    ],
    address: Annotated[
        str | None, typer.Option(help="Run on an existing Ray cluster: ray://host:port or auto.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local Ray: worker processes (default: every core).")
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Results folder (tables, report, journal).")] = Path(
        "var/sweeps/sweep"
    ),
    resume: Annotated[
        bool, typer.Option("--resume/--fresh", help="Keep finished tasks of --out, or start over.")
    ] = True,
) -> None:
    """Grid or random search over strategy, risk and model parameters with walk-forward folds, on a
    local Ray or a cluster; writes results.parquet/.csv ranked by out-of-sample net PnL and report.html.
    Exit 1 when a task failed after its retries (rerun to retry only those), 2 on a bad sweep file."""
    try:
        from scalp_system.research import SweepError, load_sweep, run_sweep
        from scalp_system.research.console import progress_bar, summary_table
    except ImportError as exc:
        fail(f"{exc}; install the research extra: pip install 'scalp_system[research]'")
    try:
        spec = load_sweep(config_path)
        with progress_bar(console) as progress:
            outcome = run_sweep(
                spec, out_dir, address=address, workers=workers, resume=resume, progress=progress
            )
    except SweepError as exc:
        fail(str(exc), EXIT_USAGE)
    except ImportError as exc:
        fail(f"{exc}; install the research extra: pip install 'scalp_system[research]'")
    except ConnectionError as exc:
        fail(f"cannot reach the Ray cluster at {address}: {exc}")
    out.print(summary_table(outcome))
    out.print(
        f"{len(outcome.executed)} task(s) run, {len(outcome.reused)} reused, {len(outcome.failed)} failed, "
        f"in {outcome.elapsed_s:.1f} s; report: {outcome.files['report_html']}, "
        f"table: {outcome.files['results_parquet']}"
    )
    if outcome.interrupted:
        fail(f"sweep interrupted; rerun with --out {out_dir} to resume")
    if outcome.failed:
        fail(f"{len(outcome.failed)} task(s) failed after retries (see tasks.csv); rerun to retry them")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
