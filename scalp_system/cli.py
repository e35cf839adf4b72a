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

console = Console(stderr=True)
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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
