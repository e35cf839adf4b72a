"""A small deterministic world for the risk tests: a simulated clock, two instruments, books, fills.

Not a test module: the risk test files import it. Everything is real (RiskEngine, AtrTracker,
MemoryAudit); only time is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from scalp_system.config import HedgeConfig, RiskConfig
from scalp_system.core.clock import NS_PER_S, SimulatedClock
from scalp_system.core.events import SubmitOrder
from scalp_system.core.ids import new_intent_key
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.core.orders import Fill, Side, TimeInForce
from scalp_system.core.state import TradingState
from scalp_system.risk.audit import MemoryAudit
from scalp_system.risk.engine import Command, RiskEngine, RiskEvent

DAY0 = 1_723_100_400 * NS_PER_S  # 2024-08-08 07:00 UTC = 10:00 MSK
SBER = Instrument("SBER", "SBER", lot=Decimal(10), tick=Decimal("0.01"))
GAZP = Instrument("GAZP", "GAZP", lot=Decimal(10), tick=Decimal("0.01"), short_enabled=True)
IMOEXF = Instrument(
    "IMOEXF",
    "IMOEXF",
    lot=Decimal(1),
    tick=Decimal("0.5"),
    kind=InstrumentKind.FUTURES,
    tick_value=Decimal("5"),
    short_enabled=True,
)
EQUITY = Decimal("1000000")
_trade_ids = count(1)


@dataclass
class World:
    """One RiskEngine on a simulated clock, with helpers to move the market and fill orders."""

    risk: RiskConfig = field(default_factory=RiskConfig)
    hedge: HedgeConfig = field(default_factory=HedgeConfig)
    clock: SimulatedClock = field(default_factory=lambda: SimulatedClock(DAY0))
    events: list[RiskEvent] = field(default_factory=list)
    audit: MemoryAudit = field(default_factory=MemoryAudit)
    engine: RiskEngine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = RiskEngine(
            self.risk,
            self.clock,
            hedge=self.hedge,
            instruments=[SBER, GAZP, IMOEXF],
            audit=self.audit,
            on_event=self.events.append,
        )
        self.engine.start_day(EQUITY, cash=EQUITY)

    @classmethod
    def with_risk(cls, **overrides: Any) -> World:
        """A world whose RiskConfig has ``overrides``."""
        return cls(risk=RiskConfig(**overrides))

    def state(self) -> TradingState:
        """The engine's trading state now (a call, so that type checkers do not pin it)."""
        return self.engine.state

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward."""
        self.clock.advance(int(seconds * NS_PER_S))

    def book(
        self, bid: int, ask: int, instrument: str = "SBER", size: int = 100, levels: int = 5, **extra: Any
    ) -> list[Command]:
        """Feed a book (ticks) with ``levels`` levels of ``size`` lots each side; returns commands."""
        bids = [(bid - i, size) for i in range(levels)]
        asks = [(ask + i, size) for i in range(levels)]
        now = self.clock.now_ns()
        return self.engine.on_book(OrderBook.build(instrument, bids, asks, now, now, **extra))

    def warm_atr(
        self, instrument: str = "SBER", base: int = 30_000, range_ticks: int = 20, bars: int = 5
    ) -> None:
        """Print trades so that ``bars`` one-minute bars complete with true range ``range_ticks``;
        the clock ends just inside the next bar, with a fresh book at base/base+1."""
        start = self.clock.now_ns() // (60 * NS_PER_S) * (60 * NS_PER_S)
        for k in range(bars + 1):
            t = start + k * 60 * NS_PER_S
            self.clock.set(t + NS_PER_S)
            self.engine.on_trade(Trade(instrument, base, 1, Aggressor.SELL, t + NS_PER_S, t + NS_PER_S))
            self.clock.set(t + 2 * NS_PER_S)
            if k < bars:
                self.engine.on_trade(
                    Trade(
                        instrument, base + range_ticks, 1, Aggressor.BUY, t + 2 * NS_PER_S, t + 2 * NS_PER_S
                    )
                )
        self.book(base, base + 1, instrument)

    def fill(
        self,
        side: Side,
        lots: int,
        price: str,
        instrument: str = "SBER",
        intent_key: str | None = None,
        commission: str = "0",
    ) -> list[Command]:
        """Feed a fill; returns the commands it caused."""
        fill = Fill(
            f"t{next(_trade_ids)}",
            "",
            intent_key or new_intent_key(),
            instrument,
            side,
            lots,
            Decimal(price),
            self.clock.now_ns(),
            Decimal(commission),
        )
        return self.engine.on_fill(fill)

    def round_trip(self, pnl_sign: int, instrument: str = "SBER") -> None:
        """One 1-lot round trip that wins (+1), loses (−1) or breaks even (0)."""
        self.fill(Side.BUY, 1, "300.00", instrument)
        self.fill(Side.SELL, 1, str(Decimal("300.00") + Decimal("0.10") * pnl_sign), instrument)

    def order(
        self,
        side: Side,
        lots: int,
        price_ticks: int | None,
        instrument: str = "SBER",
        reason: str = "entry",
        intent_key: str | None = None,
    ) -> SubmitOrder:
        """A SubmitOrder to put through ``check_order``."""
        return SubmitOrder(
            intent_key or new_intent_key(),
            instrument,
            side,
            lots,
            price_ticks,
            TimeInForce.FILL_AND_KILL,
            reason=reason,
        )

    def of_type(self, kind: type) -> list[Any]:
        """Published events of one type."""
        return [e for e in self.events if isinstance(e, kind)]
