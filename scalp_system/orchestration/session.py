"""One ``scalp run``: connect to a venue (the embedded local exchange in paper mode, or a server),
load or bootstrap the model, restore and reconcile, trade for the requested time, summarise.

Paper mode starts the local exchange in-process on a free loopback port and talks to it over gRPC
exactly as to the broker. Sandbox and live modes need a token from the environment or a 0600 file;
live mode additionally needs every explicit opt-in (checked by the CLI before this runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from scalp_system.broker.auth import Secret, load_token
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import Endpoint, resolve_endpoint
from scalp_system.broker.streams import MarketDataStream
from scalp_system.broker.venue import BrokerVenue
from scalp_system.config import Config
from scalp_system.core.clock import WallClock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.redaction import register_secret
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.server import LocalExchange
from scalp_system.exchange.synthetic import SyntheticMarket
from scalp_system.ml.dataset import Recording
from scalp_system.monitoring.audit import AuditLog
from scalp_system.monitoring.notify import ConsoleChannel, Notifier, TelegramChannel, WebhookChannel
from scalp_system.monitoring.prometheus import Metrics
from scalp_system.monitoring.resources import ResourceMonitor
from scalp_system.orchestration.checkpoint import CheckpointStore
from scalp_system.orchestration.connectivity import wire_connectivity
from scalp_system.orchestration.journal import WriterJournal
from scalp_system.orchestration.live_source import LiveEventSource
from scalp_system.orchestration.models import (
    LoadedModel,
    load_drift_references,
    load_ensemble,
    open_registry,
    train_and_save,
)
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.rotation import RotationDriver
from scalp_system.orchestration.side_channels import SideChannels
from scalp_system.orchestration.summary import RunSummary, summarize
from scalp_system.storage.writer import BackgroundWriter

log = logging.getLogger(__name__)

DEFAULT_PAPER_TICKERS = ("SBER", "GAZP", "LKOH", "VTBR")


class SessionError(RuntimeError):
    """A run could not start (bad token, unknown instrument, no account...): the message says why."""


@dataclass(slots=True)
class RunOptions:
    """What the trader asked ``scalp run`` for."""

    mode: str = "paper"
    duration_s: float | None = None
    tickers: tuple[str, ...] = ()
    endpoint: str | None = None
    account_id: str = ""
    open_sandbox_account: bool = False
    sandbox_pay_in: Decimal = Decimal("1000000")
    summary_json: Path | None = None
    token_file: Path | None = None
    speed: float = 1.0
    history_s: float = 600.0
    seed: int | None = None
    flatten_at_end: bool = True
    status: Callable[[str], None] = field(default=lambda message: None)
    progress: Callable[[str, int, int], None] | None = None
    dashboard: Callable[[Orchestrator], contextlib.AbstractContextManager[Any]] | None = None


@dataclass(slots=True)
class ConnectedVenue:
    client: BrokerClient
    account_id: str
    instruments: list[Instrument]
    exchange: LocalExchange | None


@contextlib.asynccontextmanager
async def connect_venue(config: Config, options: RunOptions) -> AsyncIterator[ConnectedVenue]:
    exchange: LocalExchange | None = None
    if options.mode == "paper" and options.endpoint is None:
        token_value = secrets.token_urlsafe(24)
        register_secret(token_value)
        exchange_config = config.exchange.model_copy(
            update={"port": 0, "host": "127.0.0.1", **({"seed": options.seed} if options.seed else {})}
        )
        # Market time follows the wall clock, as a real venue's does (risk deadlines are wall time).
        market = SyntheticMarket(default_catalogue(), seed=exchange_config.seed, start_ns=time.time_ns())
        exchange = LocalExchange(
            exchange_config, token_value, source=market, speed=options.speed, history_s=options.history_s
        )
        await exchange.start()
        options.status(
            f"local exchange started on {exchange.address} (synthetic market, seed {exchange_config.seed})"
        )
        endpoint = resolve_endpoint(exchange.address, tls=False)
        token = Secret(token_value)
    else:
        spec = options.endpoint or ("sandbox" if options.mode == "sandbox" else "prod")
        try:
            endpoint = _endpoint(spec, config)
            token = load_token(token_file=options.token_file or config.broker.token_file)
        except Exception as exc:
            raise SessionError(str(exc)) from None
    client = BrokerClient(endpoint, token, config.broker)
    try:
        await client.connect()
        account_id = await _account(client, options, exchange)
        instruments = await _instruments(client, options, exchange)
        yield ConnectedVenue(client, account_id, instruments, exchange)
    finally:
        await client.close()
        if exchange is not None:
            await exchange.stop()


def _endpoint(spec: str, config: Config) -> Endpoint:
    host = spec.rsplit(":", 1)[0] if ":" in spec else spec
    loopback = host in ("localhost", "::1", "[::1]") or host.startswith("127.")
    return resolve_endpoint(
        spec, tls=False if loopback else None, root_cert_file=config.broker.root_cert_file
    )


async def _account(client: BrokerClient, options: RunOptions, exchange: LocalExchange | None) -> str:
    if exchange is not None:
        return exchange.account_id
    if options.account_id:
        return options.account_id
    if options.mode == "live":
        raise SessionError("live mode needs an explicit --account")
    if options.mode == "sandbox":
        accounts = await client.get_sandbox_accounts()
        if not accounts and options.open_sandbox_account:
            account = await client.open_sandbox_account("scalp_system")
            await client.sandbox_pay_in(account, options.sandbox_pay_in)
            options.status(f"opened sandbox account {account} and paid in {options.sandbox_pay_in} RUB")
            return account
        if not accounts:
            raise SessionError("no sandbox account: run with --open-sandbox-account to open and fund one")
        return accounts[0].account_id
    accounts = await client.get_accounts()
    if not accounts:
        raise SessionError("the server lists no account for this token")
    return accounts[0].account_id


async def _instruments(
    client: BrokerClient, options: RunOptions, exchange: LocalExchange | None
) -> list[Instrument]:
    available = exchange.core.instruments if exchange is not None else await client.shares()
    by_ticker = {i.ticker: i for i in available}
    wanted = options.tickers or (DEFAULT_PAPER_TICKERS if exchange is not None else ())
    if not wanted:
        raise SessionError("name the instruments to trade with --instruments (e.g. SBER,GAZP)")
    missing = [t for t in wanted if t not in by_ticker]
    if missing:
        raise SessionError(
            f"unknown instrument(s) {', '.join(missing)}; the venue offers "
            f"{', '.join(sorted(by_ticker)[:20])}"
        )
    return [by_ticker[t] for t in wanted]


async def _record_warmup(
    client: BrokerClient,
    instruments: list[Instrument],
    depth: int,
    seconds: float,
    progress: Callable[[str, int, int], None] | None,
) -> list[Recording]:
    """Record books and trades from the connected venue for ``seconds`` (the bootstrap's data)."""
    stream = MarketDataStream(client)
    books: dict[str, list[OrderBook]] = {i.uid: [] for i in instruments}
    trades: dict[str, list[Trade]] = {i.uid: [] for i in instruments}
    for instrument in instruments:
        await stream.subscribe_order_book(instrument, depth)
        await stream.subscribe_trades(instrument)
    deadline = time.monotonic() + seconds
    total = int(seconds)

    async def collect() -> None:
        async for event in stream.events():
            if isinstance(event, OrderBook) and event.instrument_id in books and event.is_consistent:
                books[event.instrument_id].append(event)
            elif isinstance(event, Trade) and event.instrument_id in trades:
                trades[event.instrument_id].append(event)

    task = asyncio.create_task(collect())
    try:
        while (left := deadline - time.monotonic()) > 0:
            if progress is not None:
                progress("recording warm-up market data", total - int(left), total)
            await asyncio.sleep(min(1.0, left))
    finally:
        await stream.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    recordings = []
    for instrument in instruments:
        if len(books[instrument.uid]) < 50:
            continue
        frame = BookFrame.from_books(instrument.uid, books[instrument.uid], depth)
        tape = TradeFrame.from_trades(
            instrument.uid, sorted(trades[instrument.uid], key=lambda t: t.exchange_ts_ns)
        )
        recordings.append(Recording(frame, tape if len(tape) else None, instrument.tick))
    return recordings


async def _model(
    config: Config, venue: ConnectedVenue, options: RunOptions, side: SideChannels
) -> LoadedModel:
    registry = open_registry(config, on_event=lambda kind, details: side.model_event(kind, details))
    loaded = load_ensemble(config, registry)
    if loaded.ensemble is not None:
        options.status(f"model: {loaded.description}")
        return loaded
    options.status(
        f"no usable model in {config.ml.registry_dir}: recording {config.ml.bootstrap_warmup_s:.0f} s "
        "of the connected market to train a bootstrap model"
    )
    recordings = await _record_warmup(
        venue.client,
        venue.instruments,
        config.data.lob_levels,
        config.ml.bootstrap_warmup_s,
        options.progress,
    )
    if not recordings:
        options.status("warm-up recorded too few books to train on; trading stays disabled")
        return loaded
    result = await asyncio.to_thread(train_and_save, config, recordings, registry, progress=options.progress)
    side.record(
        "model_load",
        "orchestrator",
        {"bootstrap": True, "rows": result.report.n_rows, "instruments": list(result.report.instruments)},
    )
    loaded = load_ensemble(config, registry)
    options.status(f"bootstrap model trained on {result.report.n_rows} books: {loaded.description}")
    return loaded


def _notifier(config: Config) -> Notifier:
    import os

    channels: list[Any] = []
    cfg = config.notifications
    if cfg.console:
        channels.append(ConsoleChannel())
    bot_token = os.environ.get("SCALP_TELEGRAM_BOT_TOKEN", "")
    if bot_token and cfg.telegram_chat_id:
        channels.append(
            TelegramChannel(
                bot_token, cfg.telegram_chat_id, base_url=cfg.telegram_base_url, timeout_s=cfg.timeout_s
            )
        )
    if cfg.webhook_url:
        channels.append(WebhookChannel(cfg.webhook_url, timeout_s=cfg.timeout_s))
    return Notifier(
        channels,
        dedup_window_s=cfg.dedup_window_s,
        rate_limit_per_min=cfg.rate_limit_per_min,
        max_retries=cfg.max_retries,
    )


async def run_session(config: Config, options: RunOptions) -> RunSummary:
    """Run one trading session and return its summary (also written to ``options.summary_json``)."""
    audit = AuditLog(
        config.audit.path,
        fsync=config.audit.fsync,
        fsync_interval_s=config.audit.fsync_interval_s,
        rotate_bytes=config.audit.rotate_mb * 1024 * 1024,
    )
    audit.record("config_load", "operator", {"mode": options.mode, "config": config.model_dump(mode="json")})
    notifier = _notifier(config)
    await notifier.start()
    metrics = Metrics()
    if config.monitoring.prometheus_port is not None:
        port = metrics.serve(config.monitoring.prometheus_port, config.monitoring.prometheus_host)
        options.status(f"Prometheus metrics on http://{config.monitoring.prometheus_host}:{port}/metrics")
    writer = BackgroundWriter(
        config.storage,
        db_path=config.storage.db_path,
        on_alert=lambda kind, detail: notifier.notify_threadsafe(kind, detail),
    ).start()
    monitoring = config.monitoring
    resources = ResourceMonitor(
        cpu_alert_pct=monitoring.cpu_alert_pct,
        rss_alert_mb=monitoring.rss_alert_mb,
        fd_alert=monitoring.fd_alert,
    )
    side = SideChannels(audit=audit, notifier=notifier, store=writer, metrics=metrics, resources=resources)
    checkpoints = CheckpointStore(config.checkpoint.dir, keep=config.checkpoint.keep)
    started = time.monotonic()
    notes: list[str] = []
    try:
        async with connect_venue(config, options) as venue:
            model = await _model(config, venue, options, side)
            if model.ensemble is None:
                notes.append("no usable model: no entries were made")
            broker_venue = BrokerVenue(venue.client, venue.account_id, venue.instruments)
            clock = WallClock()
            orchestrator = Orchestrator(
                config,
                venue.instruments,
                broker_venue,
                clock,
                model=model.ensemble,
                model_name=model.description,
                side=side,
                journal=WriterJournal(writer),
                commission_rate=config.exchange.commission_rate,
                checkpoint=checkpoints.save,
                drift_references=load_drift_references(config),
            )
            restored = checkpoints.load_latest()
            if restored is not None:
                options.status(f"restoring checkpoint {restored.path.name}")
                for path, reason in restored.skipped:
                    notes.append(f"skipped damaged checkpoint {path.name}: {reason}")
            # ATR first: positions adopted at reconciliation get their stops from it, and a stop
            # never loosens afterwards, so a warm-up distance must not be the one they start with.
            await _seed_atr(orchestrator, venue, config)
            await orchestrator.start(restored=restored.state if restored else None)
            equity_start = orchestrator.risk.equity()
            source = LiveEventSource(MarketDataStream(venue.client), broker_venue)
            rotation = RotationDriver(orchestrator, venue.client, source.market, venue.instruments)
            await source.subscribe(
                [i for i in venue.instruments if i.uid in rotation.active], config.data.lob_levels
            )
            orchestrator.timer_hooks.append(rotation.maybe_rotate)
            failover = wire_connectivity(config, orchestrator, venue.client, source, side)
            source.start()
            deadline = time.monotonic() + options.duration_s if options.duration_s else None
            options.status(
                f"trading {', '.join(i.ticker for i in venue.instruments)} "
                f"({options.mode} mode, account {venue.account_id})"
            )
            dashboard = options.dashboard(orchestrator) if options.dashboard else contextlib.nullcontext()
            try:
                with dashboard:
                    await orchestrator.run(source, wall_deadline=deadline, realtime=True)
                    if options.flatten_at_end:
                        await _flatten(orchestrator, source)
            finally:
                await failover.stop()
                await orchestrator.shutdown(cancel_orders=True)
                await source.close()
            summary = summarize(
                orchestrator,
                mode=options.mode,
                duration_s=time.monotonic() - started,
                equity_start=equity_start,
                notes=notes,
            )
    finally:
        writer.close()
        await notifier.drain(2.0)
        await notifier.close()
        audit.close()
    if options.summary_json is not None:
        summary.write(options.summary_json)
    return summary


async def _seed_atr(orchestrator: Orchestrator, venue: ConnectedVenue, config: Config) -> None:
    """Seed each instrument's ATR from the venue's recent 1-minute candles (SPEC §1.1 warm-up)."""
    if config.risk.atr_bar_s != 60:
        return
    for instrument in venue.instruments:
        try:
            now = (await venue.client.get_order_book(instrument, 1)).exchange_ts_ns  # the venue's time
            candles = await venue.client.get_candles(instrument, now - 2 * 3600 * 1_000_000_000, now)
        except Exception as exc:  # candles are a convenience: trading simply waits for live bars
            log.info("no candles for %s (%s); ATR warms up from live data", instrument.ticker, exc)
            continue
        bars = [
            (c.ts_ns, c.open_ticks, c.high_ticks, c.low_ticks, c.close_ticks)
            for c in candles
            if c.is_complete
        ]
        if bars:
            orchestrator.risk.seed_atr(instrument.uid, bars, bars[-1][0] + 60 * 1_000_000_000)


async def _flatten(
    orchestrator: Orchestrator, source: LiveEventSource, wait_s: float = 5.0, attempts: int = 3
) -> None:
    """Close every open position at the end of the run. Executions acknowledged but not yet received
    (an entry filled just before the deadline) are booked first, so the position closed is the venue's.
    An exit IOC may fill only partly on a thin book, so what is left is sent again, a few times."""
    orchestrator.entries_allowed = False
    await orchestrator.abandon_plans("run ending: flatten")
    for _ in range(attempts):
        await orchestrator.recover_fills()
        commands = [
            c
            for uid in list(orchestrator.instruments)
            if (c := orchestrator.risk.exit_position(uid, "session_end")) is not None
        ]
        if not commands and not orchestrator.execution.ledger.open_positions():
            return
        await orchestrator.execute(commands)
        await orchestrator.run(
            source,
            wall_deadline=time.monotonic() + wait_s,
            realtime=True,
            stop_when=lambda: not orchestrator.execution.ledger.open_positions(),
        )
        if not orchestrator.execution.ledger.open_positions():
            return
    log.warning(
        "positions still open after %d flatten attempts: %s",
        attempts,
        {uid: p.lots for uid, p in orchestrator.execution.ledger.open_positions().items()},
    )
