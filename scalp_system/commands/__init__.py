"""Commands: the work behind the research CLI commands (import, info, record, train, backtest); above
orchestration and backtest in the import order, below the CLI."""
