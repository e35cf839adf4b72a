"""Data: validation at the door, latest books with TTL, history rings, memory guard, rotation, CSV import."""

from scalp_system.data.csv_import import (
    CsvImportError,
    CsvProblem,
    read_books_csv,
    read_recording,
    read_trades_csv,
)
from scalp_system.data.engine import DataEngine
from scalp_system.data.metrics import DataEngineMetrics, InstrumentDataMetrics
from scalp_system.data.rings import BookRing, TradeRing
from scalp_system.data.rotation import (
    InstrumentRotation,
    LiquidityStats,
    LiquidityWeights,
    RotationPlan,
    SubscriptionControl,
    liquidity_score,
    measure_all,
    measure_liquidity,
)
from scalp_system.data.validation import (
    RejectReason,
    check_book,
    check_decimal_book,
    check_decimal_prices,
    check_trade,
)

__all__ = [
    "BookRing",
    "CsvImportError",
    "CsvProblem",
    "DataEngine",
    "DataEngineMetrics",
    "InstrumentDataMetrics",
    "InstrumentRotation",
    "LiquidityStats",
    "LiquidityWeights",
    "RejectReason",
    "RotationPlan",
    "SubscriptionControl",
    "TradeRing",
    "check_book",
    "check_decimal_book",
    "check_decimal_prices",
    "check_trade",
    "liquidity_score",
    "measure_all",
    "measure_liquidity",
    "read_books_csv",
    "read_recording",
    "read_trades_csv",
]
