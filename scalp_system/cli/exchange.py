"""``scalp exchange``: serve the local exchange (Invest API v2 over gRPC, synthetic market) until Ctrl-C."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_system.cli.common import EXIT_USAGE, ConfigOption, configure_logging, fail, load, out


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
