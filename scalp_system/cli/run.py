"""``scalp run``: trade in paper, sandbox or live mode, with the confirmation live trading demands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scalp_system.cli.common import (
    EXIT_USAGE,
    ConfigOption,
    StateDirOption,
    configure_logging,
    console,
    fail,
    load,
    out,
    parse_tickers,
    status_line,
    task_progress,
)
from scalp_system.config import Config


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
    cfg = session_rules(cfg, mode)
    if mode == "live":
        confirm_live(live, yes, account, cfg)
    from scalp_system.dashboard import dashboard
    from scalp_system.orchestration.session import RunOptions, SessionError, run_session

    progress, update = task_progress()
    options = RunOptions(
        mode=mode,
        duration_s=duration,
        tickers=parse_tickers(instruments),
        endpoint=endpoint,
        account_id=account,
        open_sandbox_account=open_sandbox_account,
        summary_json=summary_json,
        token_file=token_file,
        seed=seed,
        flatten_at_end=not keep_positions,
        status=status_line,
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


def confirm_live(live: bool, yes: bool, account: str, cfg: Config) -> None:
    """Go on only with --live, an explicit --account and a confirmation (--yes or a terminal prompt),
    after showing the risk limits real money will trade under; exit 2 otherwise."""
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


def session_rules(cfg: Config, mode: str) -> Config:
    """Paper mode trades the local exchange's market (in-process or a `scalp exchange` endpoint), which
    runs at any hour: MOEX session hours are not enforced there. Sandbox and live keep the config's."""
    if mode != "paper":
        return cfg
    return cfg.model_copy(update={"sessions": cfg.sessions.model_copy(update={"enforce": False})})
