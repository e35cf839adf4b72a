"""Positions and PnL from fills: the account's exact money book (Decimal throughout).

Fills are applied once each (deduplicated by trade id), so duplicated stream messages after a
reconnect cannot double a position. The broker wins on reconciliation: ``set_position`` replaces a
position with what the venue reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Fill, Position


class UnknownInstrumentError(KeyError):
    """A fill or mark for an instrument the ledger was not told about."""


class Ledger:
    """Net positions, average entry prices, realised/unrealised PnL and commissions per instrument."""

    def __init__(self, instruments: Mapping[str, Instrument], *, max_remembered_fills: int = 200_000) -> None:
        self._instruments = dict(instruments)
        self._positions: dict[str, Position] = {}
        self._marks: dict[str, Decimal] = {}
        self._seen_trade_ids: dict[str, None] = {}
        self._max_remembered = max_remembered_fills

    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument known (rotation may add instruments mid-run)."""
        self._instruments[instrument.uid] = instrument

    def _units_per_lot(self, instrument_id: str) -> Decimal:
        instrument = self._instruments.get(instrument_id)
        if instrument is None:
            raise UnknownInstrumentError(instrument_id)
        return instrument.lot * instrument.point_value

    def has_seen(self, trade_id: str) -> bool:
        """True when a fill with this trade id was already applied."""
        return trade_id in self._seen_trade_ids

    def apply_fill(self, fill: Fill) -> Position | None:
        """Apply a fill once; returns the new position, or None for a duplicate."""
        if fill.trade_id in self._seen_trade_ids:
            return None
        self._seen_trade_ids[fill.trade_id] = None
        if len(self._seen_trade_ids) > self._max_remembered:
            self._seen_trade_ids.pop(next(iter(self._seen_trade_ids)))
        current = self._positions.get(fill.instrument_id, Position(fill.instrument_id))
        updated = current.apply_fill(
            fill.side, fill.lots, fill.price, self._units_per_lot(fill.instrument_id), fill.commission
        )
        self._positions[fill.instrument_id] = updated
        return updated

    def add_commission(self, instrument_id: str, amount: Decimal) -> None:
        """Book commission charged on an instrument (the execution engine decides how much, once)."""
        if not amount:
            return
        current = self._positions.get(instrument_id, Position(instrument_id))
        self._positions[instrument_id] = replace(current, commission_paid=current.commission_paid + amount)

    def set_position(self, instrument_id: str, lots: int, avg_price: Decimal) -> Position:
        """Replace a position with the broker's view (reconciliation); realised PnL is kept."""
        current = self._positions.get(instrument_id, Position(instrument_id))
        updated = Position(
            instrument_id,
            lots,
            avg_price if lots else Decimal(0),
            current.realized_pnl,
            current.commission_paid,
        )
        self._positions[instrument_id] = updated
        return updated

    def mark(self, instrument_id: str, price: Decimal) -> None:
        """Record the latest mark price (mid or last) for unrealised PnL."""
        self._marks[instrument_id] = price

    def position(self, instrument_id: str) -> Position:
        """The position (flat if never traded)."""
        return self._positions.get(instrument_id, Position(instrument_id))

    def positions(self) -> dict[str, Position]:
        """All positions ever touched, flat ones included."""
        return dict(self._positions)

    def open_positions(self) -> dict[str, Position]:
        """Positions with lots ≠ 0."""
        return {uid: p for uid, p in self._positions.items() if p.lots}

    def unrealized_pnl(self, instrument_id: str | None = None) -> Decimal:
        """Mark-to-market PnL of open lots (one instrument or all); unmarked positions count 0."""
        total = Decimal(0)
        for uid, position in self._positions.items():
            if instrument_id is not None and uid != instrument_id:
                continue
            mark = self._marks.get(uid)
            if position.lots and mark is not None:
                total += position.unrealized_pnl(mark, self._units_per_lot(uid))
        return total

    def realized_pnl(self) -> Decimal:
        """Σ realised PnL (before commission)."""
        return sum((p.realized_pnl for p in self._positions.values()), Decimal(0))

    def commission(self) -> Decimal:
        """Σ commission paid."""
        return sum((p.commission_paid for p in self._positions.values()), Decimal(0))

    def net_pnl(self) -> Decimal:
        """Realised + unrealised − commission."""
        return self.realized_pnl() + self.unrealized_pnl() - self.commission()

    def signed_notional(self, instrument_id: str) -> Decimal:
        """Signed money exposure of one position at its mark (avg price when unmarked)."""
        position = self.position(instrument_id)
        price = self._marks.get(instrument_id, position.avg_price)
        return price * position.lots * self._units_per_lot(instrument_id)

    def snapshot(self) -> dict[str, object]:
        """JSON-able state for checkpoints (recent trade ids included so replays stay idempotent)."""
        return {
            "positions": {
                uid: {
                    "lots": p.lots,
                    "avg_price": str(p.avg_price),
                    "realized_pnl": str(p.realized_pnl),
                    "commission_paid": str(p.commission_paid),
                }
                for uid, p in self._positions.items()
            },
            "marks": {uid: str(price) for uid, price in self._marks.items()},
            "seen_trade_ids": list(self._seen_trade_ids)[-10_000:],
        }

    def restore(self, state: Mapping[str, object]) -> None:
        """Load a snapshot taken by ``snapshot``."""
        positions = state.get("positions", {})
        assert isinstance(positions, dict)
        self._positions = {
            uid: Position(
                uid,
                int(p["lots"]),
                Decimal(p["avg_price"]),
                Decimal(p["realized_pnl"]),
                Decimal(p["commission_paid"]),
            )
            for uid, p in positions.items()
        }
        marks = state.get("marks", {})
        assert isinstance(marks, dict)
        self._marks = {uid: Decimal(price) for uid, price in marks.items()}
        seen = state.get("seen_trade_ids", [])
        assert isinstance(seen, list)
        self._seen_trade_ids = dict.fromkeys(str(t) for t in seen)
