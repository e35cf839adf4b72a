"""The ``scalp`` command: one subcommand per trader task, thin over the packages that do the work.

This module assembles the typer app from the command modules beside it (run, exchange, operations,
backtest, data, research; shared options and error printing in common) in the order ``scalp --help``
lists them. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration. Heavy imports happen
inside commands so that ``scalp --help`` is instant.
"""

from __future__ import annotations

import sys

import typer

from scalp_system.cli.backtest import backtest
from scalp_system.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, console
from scalp_system.cli.data import data_import, data_info, record
from scalp_system.cli.exchange import exchange
from scalp_system.cli.operations import audit_verify, recover, resume, status, storage_merge_spill
from scalp_system.cli.research import sweep, train
from scalp_system.cli.run import run

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "app", "main"]

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

# Registration order is the order of `scalp --help`.
for command in (run, exchange, resume, status, recover, train, backtest, record, sweep):
    app.command()(command)
data_app.command("import")(data_import)
data_app.command("info")(data_info)
storage_app.command("merge-spill")(storage_merge_spill)
audit_app.command("verify")(audit_verify)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
