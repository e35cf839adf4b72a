"""Research at scale: parameter sweeps and walk-forward evaluation on Ray (``scalp sweep``).

A sweep file names the parameters to vary, the recordings and the folds; every task trains with
``orchestration.models.train_and_save`` and backtests with ``backtest.runner.run_backtest`` — no
second implementation of either. Nothing outside this package imports it; Ray and pyarrow (the
``research`` extra) are imported only when a sweep runs.
"""

from scalp_system.research.engine import SweepOutcome, run_sweep
from scalp_system.research.spec import SweepError, SweepSpec, load_sweep, sweep_from_mapping

__all__ = ["SweepError", "SweepOutcome", "SweepSpec", "load_sweep", "run_sweep", "sweep_from_mapping"]
