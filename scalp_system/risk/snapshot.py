"""Snapshot and restore of the whole risk state (SPEC §1.8) as a JSON-able dict.

What survives a restart: positions, in-flight intents, the day's realised PnL, start-of-day and peak
equity, consecutive-loss counters, cooldown and halt deadlines (wall-clock ns), stops and trailing
high-water marks, ATR bars, spread statistics and the latest books. Decimals travel as strings.
Restoring a snapshot and replaying the same events gives the same decisions as the original engine.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Side
from scalp_system.core.state import Denial
from scalp_system.risk.stops import PositionState

if TYPE_CHECKING:
    from scalp_system.risk.engine import RiskEngine

SNAPSHOT_VERSION = 1


class SnapshotError(ValueError):
    """A snapshot that cannot be restored into this engine (version, unknown instrument)."""


def _book_to_json(book: OrderBook | None) -> dict[str, object] | None:
    if book is None:
        return None
    return {
        "depth": book.depth,
        "bids": [[int(p), int(q)] for p, q in zip(book.bid_px.tolist(), book.bid_qty.tolist(), strict=True)],
        "asks": [[int(p), int(q)] for p, q in zip(book.ask_px.tolist(), book.ask_qty.tolist(), strict=True)],
        "exchange_ts_ns": book.exchange_ts_ns,
        "local_ts_ns": book.local_ts_ns,
        "is_consistent": book.is_consistent,
        "limit_up_ticks": book.limit_up_ticks,
        "limit_down_ticks": book.limit_down_ticks,
    }


def _book_from_json(instrument_id: str, raw: Any) -> OrderBook | None:
    if raw is None:
        return None
    return OrderBook.build(
        instrument_id,
        [(int(p), int(q)) for p, q in raw["bids"]],
        [(int(p), int(q)) for p, q in raw["asks"]],
        int(raw["exchange_ts_ns"]),
        int(raw["local_ts_ns"]),
        depth=int(raw["depth"]),
        is_consistent=bool(raw["is_consistent"]),
        limit_up_ticks=raw["limit_up_ticks"],
        limit_down_ticks=raw["limit_down_ticks"],
    )


def engine_snapshot(engine: RiskEngine) -> dict[str, object]:
    """The engine's whole state (see the module doc)."""
    markets: dict[str, object] = {}
    for instrument_id, market in engine._markets.items():
        markets[instrument_id] = {
            "atr": market.atr.snapshot(),
            "atr_bars_seen": market.atr_bars_seen,
            "book": _book_to_json(market.book),
            "last_book_ns": market.last_book_ns,
            "status": market.status,
            "limit_ok": market.limit_ok,
            "spread_counts": {str(k): v for k, v in market.spread_counts.items()},
            "spread_total": market.spread_total,
            "pos_state": None if market.pos_state is None else market.pos_state.to_json(),
            "exit_intent": market.exit_intent,
            "exit_retry_ns": market.exit_retry_ns,
        }
    return {
        "version": SNAPSHOT_VERSION,
        "board": engine.board.snapshot(),
        "portfolio": engine.portfolio.snapshot(),
        "markets": markets,
        "inflight": {
            key: {
                "instrument_id": f.instrument_id,
                "side": f.side.name,
                "lots": f.lots,
                "reduces": f.reduces,
                "reason": f.reason,
                "order_id": f.order_id,
            }
            for key, f in engine._inflight.items()
        },
        "seen_intents": list(engine._seen_order),
        "order_rate": engine._order_rate.to_json(),
        "rejected": list(engine._rejected),
        "denials": {d.value: n for d, n in engine.denials.items()},
        "loss_baseline": str(engine._guard.loss_baseline),
        "day_end_ns": engine._day_end_ns,
    }


def restore_engine(engine: RiskEngine, raw: Mapping[str, Any]) -> None:
    """Load :func:`engine_snapshot` output into ``engine`` (its instruments must be registered)."""
    from scalp_system.risk.market_state import InFlightOrder

    if raw.get("version") != SNAPSHOT_VERSION:
        raise SnapshotError(
            f"risk snapshot version {raw.get('version')!r}; this build reads {SNAPSHOT_VERSION}"
        )
    unknown = sorted(set(raw["markets"]) - set(engine._markets))
    if unknown:
        raise SnapshotError(
            f"risk snapshot names instruments this engine does not know: {', '.join(unknown)}"
        )
    for instrument_id, state in raw["markets"].items():
        market = engine._markets[instrument_id]
        market.atr.restore(state["atr"])
        market.forget_atr_cache()
        market.atr_bars_seen = int(state["atr_bars_seen"])
        book = _book_from_json(instrument_id, state["book"])
        if book is not None:
            market.set_book(book)
        market.last_book_ns = state["last_book_ns"]
        market.set_status(int(state["status"]), bool(state["limit_ok"]))
        market.spread_counts = {int(k): int(v) for k, v in state["spread_counts"].items()}
        market.spread_total = int(state["spread_total"])
        market.pos_state = None if state["pos_state"] is None else PositionState.from_json(state["pos_state"])
        market.exit_intent = state["exit_intent"]
        market.exit_retry_ns = int(state["exit_retry_ns"])
    engine.portfolio.restore(raw["portfolio"])
    engine.board.restore(raw["board"])
    inflight = {
        key: InFlightOrder(
            f["instrument_id"],
            Side[f["side"]],
            int(f["lots"]),
            bool(f["reduces"]),
            f["reason"],
            f["order_id"],
        )
        for key, f in raw["inflight"].items()
    }
    # In place: the engine's pre-trade checks and exits hold these very containers.
    engine._inflight.clear()
    engine._inflight.update(inflight)
    engine._seen_order = deque(raw["seen_intents"], maxlen=engine._seen_order.maxlen)
    engine._seen_intents.clear()
    engine._seen_intents.update(engine._seen_order)
    engine._order_rate.load(raw["order_rate"])
    engine._rejected = deque(raw["rejected"], maxlen=engine._rejected.maxlen)
    engine.denials = Counter({Denial(k): int(v) for k, v in raw["denials"].items()})
    engine._guard.loss_baseline = Decimal(raw["loss_baseline"])
    engine._day_end_ns = int(raw["day_end_ns"])
