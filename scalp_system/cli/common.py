"""What every ``scalp`` command shares: exit codes, the two consoles, error printing, configuration
loading, logging set-up, the common options and the small parsers of flag values. Heavy imports stay
inside the functions so that ``scalp --help`` is instant.
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

console = Console(stderr=True, soft_wrap=True)  # errors stay on one line, whatever the terminal width
out = Console()

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="TOML configuration file.")]
StateDirOption = Annotated[
    Path, typer.Option("--state-dir", help="Where the store, checkpoints, models and audit log live.")
]
TickerOption = Annotated[str | None, typer.Option("--ticker", help="Instrument ticker of a CSV recording.")]
TickOption = Annotated[str | None, typer.Option("--tick", help="Minimum price increment, e.g. 0.01.")]
LotOption = Annotated[str | None, typer.Option("--lot", help="Units per lot, e.g. 10 (or 0.001 for crypto).")]
CurrencyOption = Annotated[str, typer.Option("--currency", help="Currency of prices, e.g. rub or usdt.")]


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print a clear error and exit with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def status_line(message: str) -> None:
    """Print one progress note of a long command to stderr (a cyan bullet, no highlighting)."""
    console.print(f"[cyan]•[/] {message}", highlight=False)


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


def parse_tickers(value: str | None) -> tuple[str, ...]:
    """The upper-cased tickers of a comma-separated flag value (empty when the flag is absent)."""
    return tuple(t.strip().upper() for t in value.split(",") if t.strip()) if value else ()


def parse_time_ns(value: str | None, flag: str) -> int | None:
    """An ISO date/time flag value as UTC ns (naive means UTC); exit 2 naming ``flag`` when malformed."""
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


def instrument_from_options(ticker: str | None, tick: str | None, lot: str | None, currency: str) -> Any:
    """The instrument a CSV recording is of, from --ticker/--tick/--lot/--currency (exit 2 when bad)."""
    from scalp_system.commands.research import instrument_from_flags

    missing = [name for name, value in (("--ticker", ticker), ("--tick", tick), ("--lot", lot)) if not value]
    if missing:
        fail(f"a CSV recording needs its instrument definition: {', '.join(missing)} missing", EXIT_USAGE)
    try:
        return instrument_from_flags(str(ticker), str(tick), str(lot), currency)
    except Exception as exc:  # decimal errors, non-positive tick/lot
        fail(f"bad instrument definition: {exc}", EXIT_USAGE)


def task_progress() -> tuple[Any, Any]:
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
