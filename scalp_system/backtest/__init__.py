"""Backtests: event-driven replay through the same pipeline on a simulated venue; reports."""

from scalp_system.backtest.report import write_report
from scalp_system.backtest.result import BacktestResult
from scalp_system.backtest.runner import Recording, run_backtest

__all__ = ["BacktestResult", "Recording", "run_backtest", "write_report"]
