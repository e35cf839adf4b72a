"""Operating a state directory: ``scalp resume``, ``status``, ``recover``, ``audit verify`` and
``storage merge-spill``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from scalp_system.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    ConfigOption,
    StateDirOption,
    configure_logging,
    fail,
    load,
    out,
    status_line,
)


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


def status(state_dir: StateDirOption = Path("var"), config: ConfigOption = None) -> None:
    """Show the state of the running or last run: trading state, breakers, positions, PnL, orders."""
    from scalp_system.orchestration.control import describe_status

    cfg = load(config, state_dir)
    try:
        out.print(describe_status(cfg))
    except FileNotFoundError as exc:
        fail(str(exc))


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

    async def go() -> RecoveryReport:
        options: dict[str, Any] = {"retrain": retrain, "failover": failover, "progress": status_line}
        if endpoint is None:
            return await run_recovery(cfg, **options)
        try:
            connection = await connect_broker(cfg, endpoint, token_file=token_file, account_id=account)
        except BrokerConnectError as exc:
            return await run_recovery(cfg, venue_error=str(exc), failed_endpoint=endpoint, **options)
        status_line(f"connected to {endpoint} (account {connection.account_id})")
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
