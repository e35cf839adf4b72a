"""The risk engine's own exact view of positions, marks, cash, round trips and the day's equity.

Fills (deduplicated by ``trade_id``) move positions through ``core.orders.Position.apply_fill``; a
position returning to flat (or flipping through zero) closes a round trip whose net PnL (realised
minus commissions) feeds the consecutive-loss breaker. Equity is start-of-day equity plus the day's
net realised PnL plus the change of unrealised PnL at the marks, which is what the daily-loss and
drawdown breakers watch. Reconciliation with the broker overwrites positions (the broker wins).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Fill, Position, Side

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A position that went from flat back to flat (or through zero): its net PnL."""

    instrument_id: str
    pnl: Decimal
    ts_ns: int


class Portfolio:
    """Positions, marks, cash and the day's equity accounting, all in Decimal."""

    def __init__(self, instruments: Mapping[str, Instrument], *, remembered_fills: int = 100_000) -> None:
        self.instruments = instruments
        self.positions: dict[str, Position] = {}
        self.marks: dict[str, Decimal] = {}
        self.sod_equity = _ZERO
        self.sod_unrealized = _ZERO
        self.day_net_realized = _ZERO
        self.peak_equity = _ZERO
        self.cash: Decimal | None = None
        self._trip_start: dict[str, Decimal] = {}
        self._seen: set[str] = set()
        self._seen_order: deque[str] = deque(maxlen=remembered_fills)
        self._lot_units: dict[str, tuple[Instrument, Decimal]] = {}

    def lot_units(self, instrument_id: str) -> Decimal:
        """Money per lot per one price unit (lot size × point value); cached per instrument object."""
        instrument = self.instruments[instrument_id]
        cached = self._lot_units.get(instrument_id)
        if cached is not None and cached[0] is instrument:
            return cached[1]
        units = instrument.lot * instrument.point_value
        self._lot_units[instrument_id] = (instrument, units)
        return units

    def lots(self, instrument_id: str) -> int:
        """Signed lots held (0 when flat or unknown)."""
        position = self.positions.get(instrument_id)
        return position.lots if position is not None else 0

    def has_seen(self, trade_id: str) -> bool:
        """True when a fill with this ``trade_id`` was already folded in."""
        return bool(trade_id) and trade_id in self._seen

    def start_day(self, equity: Decimal, cash: Decimal | None = None) -> None:
        """Re-base the day: start-of-day equity and peak = ``equity``; the day's realised PnL = 0."""
        self.sod_equity = equity
        self.sod_unrealized = self.unrealized()
        self.day_net_realized = _ZERO
        self.peak_equity = equity
        if cash is not None:
            self.cash = cash

    def apply_fill(self, fill: Fill) -> RoundTrip | None:
        """Fold one fill in (duplicates ignored); returns the round trip it closed, if any."""
        if fill.trade_id:
            if fill.trade_id in self._seen:
                return None
            if len(self._seen_order) == self._seen_order.maxlen:
                self._seen.discard(self._seen_order[0])
            self._seen_order.append(fill.trade_id)
            self._seen.add(fill.trade_id)
        instrument_id = fill.instrument_id
        units = self.lot_units(instrument_id)
        before = self.positions.get(instrument_id) or Position(instrument_id)
        if before.lots == 0:
            self._trip_start[instrument_id] = before.realized_pnl - before.commission_paid
        after = before.apply_fill(fill.side, fill.lots, fill.price, units, fill.commission)
        self.positions[instrument_id] = after
        net_before = before.realized_pnl - before.commission_paid
        net_after = after.realized_pnl - after.commission_paid
        self.day_net_realized += net_after - net_before
        if self.cash is not None:
            value = fill.price * fill.lots * units
            self.cash += (-value if fill.side is Side.BUY else value) - fill.commission
        closed = before.lots != 0 and (after.lots == 0 or (after.lots > 0) != (before.lots > 0))
        if not closed:
            return None
        started = self._trip_start.get(instrument_id, net_before)
        trip = RoundTrip(instrument_id, net_after - started, fill.ts_ns)
        self._trip_start[instrument_id] = net_after
        return trip

    def add_commission(self, instrument_id: str, amount: Decimal) -> None:
        """Commission the venue charged outside a fill message (e.g. the Invest API's cumulative
        executed_commission): lowers the day's net realised PnL and cash."""
        before = self.positions.get(instrument_id) or Position(instrument_id)
        self.positions[instrument_id] = Position(
            instrument_id, before.lots, before.avg_price, before.realized_pnl, before.commission_paid + amount
        )
        self.day_net_realized -= amount
        if self.cash is not None:
            self.cash -= amount

    def set_position(self, instrument_id: str, lots: int, avg_price: Decimal) -> None:
        """Reconciliation: the broker's position replaces ours (realised PnL kept)."""
        before = self.positions.get(instrument_id) or Position(instrument_id)
        self.positions[instrument_id] = Position(
            instrument_id, lots, avg_price if lots else _ZERO, before.realized_pnl, before.commission_paid
        )
        if before.lots == 0 and lots != 0:
            self._trip_start[instrument_id] = before.realized_pnl - before.commission_paid

    def mark(self, instrument_id: str, price: Decimal) -> None:
        """The latest mark price (mid) of an instrument."""
        self.marks[instrument_id] = price

    def unrealized(self) -> Decimal:
        """Σ (mark − average price) × lots × lot units over open positions (unmarked ones count 0)."""
        total = _ZERO
        for instrument_id, position in self.positions.items():
            if position.lots:
                mark = self.marks.get(instrument_id)
                if mark is not None:
                    total += (mark - position.avg_price) * position.lots * self.lot_units(instrument_id)
        return total

    def equity(self) -> Decimal:
        """Start-of-day equity + the day's net realised PnL + the change of unrealised PnL."""
        return self.sod_equity + self.day_net_realized + self.unrealized() - self.sod_unrealized

    def day_pnl(self) -> Decimal:
        """Realised (net of commissions) + unrealised PnL since the start of the day."""
        return self.equity() - self.sod_equity

    def signed_notional(
        self, instrument_id: str, extra_lots: int = 0, price: Decimal | None = None
    ) -> Decimal:
        """Signed money value of the position (plus ``extra_lots``) at ``price`` or the mark."""
        lots = self.lots(instrument_id) + extra_lots
        if lots == 0:
            return _ZERO
        mark = price if price is not None else self.marks.get(instrument_id)
        if mark is None:
            position = self.positions.get(instrument_id)
            mark = position.avg_price if position is not None else _ZERO
        return lots * mark * self.lot_units(instrument_id)

    def gross_notional(self) -> Decimal:
        """Σ |notional| over open positions at the marks."""
        return sum((abs(self.signed_notional(i)) for i, p in self.positions.items() if p.lots), _ZERO)

    def snapshot(self) -> dict[str, object]:
        """JSON-able state (Decimals as strings)."""
        return {
            "positions": {
                i: {
                    "lots": p.lots,
                    "avg_price": str(p.avg_price),
                    "realized_pnl": str(p.realized_pnl),
                    "commission_paid": str(p.commission_paid),
                }
                for i, p in self.positions.items()
            },
            "marks": {i: str(m) for i, m in self.marks.items()},
            "sod_equity": str(self.sod_equity),
            "sod_unrealized": str(self.sod_unrealized),
            "day_net_realized": str(self.day_net_realized),
            "peak_equity": str(self.peak_equity),
            "cash": None if self.cash is None else str(self.cash),
            "trip_start": {i: str(v) for i, v in self._trip_start.items()},
            "seen_fills": list(self._seen_order),
        }

    def restore(self, raw: Mapping[str, object]) -> None:
        """Load a :meth:`snapshot`."""
        positions = raw["positions"]
        assert isinstance(positions, dict)
        self.positions = {
            str(i): Position(
                str(i),
                int(p["lots"]),
                Decimal(p["avg_price"]),
                Decimal(p["realized_pnl"]),
                Decimal(p["commission_paid"]),
            )
            for i, p in positions.items()
        }
        marks = raw["marks"]
        assert isinstance(marks, dict)
        self.marks = {str(i): Decimal(str(m)) for i, m in marks.items()}
        self.sod_equity = Decimal(str(raw["sod_equity"]))
        self.sod_unrealized = Decimal(str(raw["sod_unrealized"]))
        self.day_net_realized = Decimal(str(raw["day_net_realized"]))
        self.peak_equity = Decimal(str(raw["peak_equity"]))
        cash = raw.get("cash")
        self.cash = None if cash is None else Decimal(str(cash))
        trip_start = raw.get("trip_start", {})
        assert isinstance(trip_start, dict)
        self._trip_start = {str(i): Decimal(str(v)) for i, v in trip_start.items()}
        seen = raw.get("seen_fills", [])
        assert isinstance(seen, list)
        self._seen_order = deque((str(s) for s in seen), maxlen=self._seen_order.maxlen)
        self._seen = set(self._seen_order)
