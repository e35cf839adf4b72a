"""Model research commands: ``scalp train`` (walk-forward training on stored books) and ``scalp sweep``
(a parameter search on Ray, from the optional research extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scalp_system.cli.common import (
    EXIT_USAGE,
    ConfigOption,
    StateDirOption,
    console,
    fail,
    load,
    out,
    parse_tickers,
    parse_time_ns,
    task_progress,
)


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
    progress, update = task_progress()
    try:
        with progress:
            result = train_from_db(
                cfg,
                db,
                parse_tickers(instruments),
                parse_time_ns(from_, "--from"),
                parse_time_ns(to, "--to"),
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
