"""Backtests: event-driven replay through the same pipeline on a simulated venue; reports."""
