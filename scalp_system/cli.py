"""The ``scalp`` command: one subcommand per trader task, thin over the packages that do the work.

Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration. Heavy imports happen inside
commands so that ``scalp --help`` is instant.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

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
