"""ExecutionEngine: the order state machine between risk-approved commands and a Venue.

It stores every intent (durably, through the journal) before the request is sent, tracks in-flight
orders by intent key, folds order-state updates and fills into orders and the Ledger, resolves
unknown outcomes by asking the venue for the intent key (never re-posting under a new key), cancels
stale children, and reconciles with the venue at start and after reconnects (the venue wins).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Protocol, runtime_checkable

from scalp_system.core.clock import NS_PER_S, Clock
from scalp_system.core.events import (
    CancelOrder,
    CommissionCharged,
    OrderFilled,
    OrderRejected,
    OrderStateChanged,
    OrderSubmitted,
    PositionChanged,
    SubmitOrder,
)
from scalp_system.core.orders import Fill, Order, OrderStatus, order_from_dict, order_to_dict
from scalp_system.core.venue import FillHistory, OrderRejectedError, OutcomeUnknownError, Venue, VenueError
from scalp_system.execution.ledger import Ledger

log = logging.getLogger(__name__)

_ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_SUBMIT: frozenset(
        {
            OrderStatus.NEW,
            OrderStatus.PARTIALLYFILL,
            OrderStatus.FILL,
            OrderStatus.CANCELLED,
            OrderStatus.REJECTED,
        }
    ),
    OrderStatus.UNSPECIFIED: frozenset(
        {
            OrderStatus.NEW,
            OrderStatus.PARTIALLYFILL,
            OrderStatus.FILL,
            OrderStatus.CANCELLED,
            OrderStatus.REJECTED,
        }
    ),
    OrderStatus.NEW: frozenset(
        {OrderStatus.PARTIALLYFILL, OrderStatus.FILL, OrderStatus.CANCELLED, OrderStatus.REJECTED}
    ),
    OrderStatus.PARTIALLYFILL: frozenset(
        {OrderStatus.PARTIALLYFILL, OrderStatus.FILL, OrderStatus.CANCELLED}
    ),
}


class IntentJournal(Protocol):
    """Durable record of intents, order states and fills (the storage package implements it)."""

    async def record_intent(self, order: Order) -> None:
        """Persist a new intent; must be durable when it returns (it precedes the request)."""
        ...

    async def record_order(self, order: Order) -> None:
        """Persist an order state change."""
        ...

    async def record_fill(self, fill: Fill) -> None:
        """Persist a fill durably."""
        ...


@runtime_checkable
class IntentHistory(Protocol):
    """A journal that can list the intents it stored (the restart path reads it: intents stored after
    the last checkpoint are known only there)."""

    async def intents_since(self, since_ns: int) -> list[Order]:
        """Stored intents created at or after ``since_ns`` (UTC ns), oldest first."""
        ...


@dataclass(slots=True)
class ReconcileReport:
    """What a reconciliation found and did."""

    adopted_orders: list[str] = field(default_factory=list)
    cancelled_orphans: list[str] = field(default_factory=list)
    resolved_intents: list[str] = field(default_factory=list)
    position_corrections: dict[str, tuple[int, int]] = field(default_factory=dict)  # uid → (ours, venue's)

    @property
    def clean(self) -> bool:
        """Nothing needed fixing."""
        return not (self.adopted_orders or self.cancelled_orphans or self.position_corrections)


EventSink = Callable[[object], None]


class ExecutionEngine:
    """Order lifecycle and positions for one account on one venue."""

    def __init__(
        self,
        venue: Venue,
        ledger: Ledger,
        clock: Clock,
        *,
        journal: IntentJournal | None = None,
        on_event: EventSink | None = None,
        resolve_attempts: int = 5,
        resolve_backoff_s: float = 0.2,
    ) -> None:
        self.venue = venue
        self.ledger = ledger
        self._clock = clock
        self._journal = journal
        self._emit: EventSink = on_event or (lambda _event: None)
        self._orders: dict[str, Order] = {}
        self._maybe_open: set[str] = set()  # keys whose order may still work (pruned lazily)
        self._by_order_id: dict[str, str] = {}
        self._filled_lots: dict[str, int] = {}
        self._unknown: set[str] = set()
        # Commission per order: venues report it on fills (simulated venue) or only as the order's
        # cumulative total (the Invest API's executed_commission). Booked = max of the two sums.
        self._commission_fills: dict[str, Decimal] = {}
        self._commission_orders: dict[str, Decimal] = {}
        self._resolve_attempts = resolve_attempts
        self._resolve_backoff_s = resolve_backoff_s
        self.rejects = 0

    # --- queries ---------------------------------------------------------------------------

    def order(self, intent_key: str) -> Order | None:
        """The order placed under an intent key."""
        return self._orders.get(intent_key)

    def open_orders(self, instrument_id: str | None = None) -> list[Order]:
        """Working (non-terminal) orders, optionally of one instrument."""
        return [
            o
            for o in self._orders.values()
            if not o.status.is_terminal and (instrument_id is None or o.instrument_id == instrument_id)
        ]

    def has_open_orders(self) -> bool:
        """True while any order is working; amortised O(1) (the backtest asks after most events)."""
        for key in list(self._maybe_open):
            order = self._orders.get(key)
            if order is not None and not order.status.is_terminal:
                return True
            self._maybe_open.discard(key)
        return False

    def _put(self, intent_key: str, order: Order) -> None:
        self._orders[intent_key] = order
        if not order.status.is_terminal:
            self._maybe_open.add(intent_key)

    def unknown_intents(self) -> set[str]:
        """Intents whose outcome is not yet known (timeout, lost response)."""
        return set(self._unknown)

    def has_intent(self, intent_key: str) -> bool:
        """True once an intent key was used (duplicate-intent check)."""
        return intent_key in self._orders

    # --- commands --------------------------------------------------------------------------

    async def submit(self, command: SubmitOrder) -> Order:
        """Store the intent, send it, and return the order as known after the venue's answer."""
        if command.intent_key in self._orders:
            raise ValueError(f"intent {command.intent_key} was already submitted; a retry must resolve it")
        now = self._clock.now_ns()
        order = Order(
            intent_key=command.intent_key,
            instrument_id=command.instrument_id,
            side=command.side,
            lots_requested=command.lots,
            limit_price_ticks=command.limit_price_ticks,
            time_in_force=command.time_in_force,
            created_ts_ns=now,
            updated_ts_ns=now,
        )
        self._put(command.intent_key, order)
        if self._journal is not None:
            await self._journal.record_intent(order)
        self._emit(OrderSubmitted(order, now))
        try:
            acked = await self.venue.submit(command)
        except OrderRejectedError as exc:
            return await self._reject(command.intent_key, exc)
        except OutcomeUnknownError as exc:
            log.warning(
                "order outcome unknown for intent %s (%s); resolving by key", command.intent_key, exc.code
            )
            self._unknown.add(command.intent_key)
            resolved = await self.resolve(command.intent_key, command)
            return resolved or self._orders[command.intent_key]
        adopted = await self._adopt(acked)
        return adopted or self._orders[command.intent_key]

    async def cancel(self, intent_key: str) -> Order | None:
        """Cancel a working order by intent key; returns its state after the venue's answer."""
        order = self._orders.get(intent_key)
        if order is None or order.status.is_terminal:
            return order
        try:
            final = await self.venue.cancel(CancelOrder(intent_key, order.order_id, order.instrument_id))
        except VenueError as exc:
            log.warning("cancel of %s failed: %s (%s)", intent_key, exc, exc.code)
            return self._orders.get(intent_key)
        return await self._adopt(final)

    async def cancel_all(self, instrument_id: str | None = None) -> list[Order]:
        """Cancel every working order (emergency halt, shutdown, rotation)."""
        results = await asyncio.gather(*(self.cancel(o.intent_key) for o in self.open_orders(instrument_id)))
        return [r for r in results if r is not None]

    async def cancel_stale(self, max_age_s: float) -> list[Order]:
        """Cancel working orders older than ``max_age_s`` (stale VWAP children, forgotten DAY orders)."""
        cutoff = self._clock.now_ns() - int(max_age_s * NS_PER_S)
        stale = [o for o in self.open_orders() if o.created_ts_ns < cutoff and o.order_id]
        results = await asyncio.gather(*(self.cancel(o.intent_key) for o in stale))
        return [r for r in results if r is not None]

    async def resolve(self, intent_key: str, command: SubmitOrder | None = None) -> Order | None:
        """Find out what happened to an intent by asking the venue for its key.

        If the venue never saw it after every attempt and the command is known, it is sent again
        under the SAME key (the venue deduplicates keys, so this cannot create a second order).
        """
        for attempt in range(self._resolve_attempts):
            try:
                found = await self.venue.order_state(intent_key)
            except VenueError as exc:
                log.info("resolve %s attempt %d failed: %s", intent_key, attempt + 1, exc.code)
                found = None
            if found is not None:
                self._unknown.discard(intent_key)
                return await self._adopt(found)
            await asyncio.sleep(self._resolve_backoff_s * (2**attempt))
        if command is not None:
            try:
                acked = await self.venue.submit(command)
            except OrderRejectedError as exc:
                self._unknown.discard(intent_key)
                return await self._reject(intent_key, exc)
            except VenueError:
                return None
            self._unknown.discard(intent_key)
            return await self._adopt(acked)
        return None

    # --- venue events ----------------------------------------------------------------------

    async def on_order_update(self, update: Order) -> Order | None:
        """Fold an order-state message (stream or poll) into the order; stale/duplicate ones are ignored."""
        return await self._adopt(update)

    async def on_fill(self, fill: Fill) -> bool:
        """Apply a fill once (by trade id) to the ledger and its order; returns False for a duplicate."""
        if self.ledger.has_seen(fill.trade_id):
            return False
        if self._journal is not None:
            await self._journal.record_fill(fill)
        position = self.ledger.apply_fill(replace(fill, commission=Decimal(0)))
        if position is None:
            return False
        key = fill.intent_key or self._by_order_id.get(fill.order_id, "")
        self._book_commission(key or fill.order_id, fill.instrument_id, from_fill=fill.commission)
        if key:
            self._filled_lots[key] = self._filled_lots.get(key, 0) + fill.lots
        self._emit(OrderFilled(fill))
        self._emit(
            PositionChanged(
                fill.instrument_id, position.lots, position.avg_price, position.realized_pnl, fill.ts_ns
            )
        )
        order = self._orders.get(key)
        if order is not None and self._filled_lots[key] > order.lots_executed:
            lots = min(self._filled_lots[key], order.lots_requested)
            status = (
                OrderStatus.FILL
                if lots >= order.lots_requested
                else (order.status if order.status.is_terminal else OrderStatus.PARTIALLYFILL)
            )
            await self._store(
                order.with_changes(lots_executed=lots, status=status, updated_ts_ns=fill.ts_ns), order.status
            )
        return True

    # --- fill recovery ---------------------------------------------------------------------

    def _fills_incomplete(self, order: Order) -> bool:
        return self._filled_lots.get(order.intent_key, 0) < order.lots_executed

    async def recover_fills(self, since_ns: int | None = None) -> list[Fill]:
        """Fills the venue executed that this engine never applied, oldest first (not yet applied).

        After a crash the TradesStream messages of the dead process are gone: an order acknowledged
        (or filled) just before the kill, or filled while nothing ran, has executions nobody booked.
        This asks the venue for the executions (GetOrderState stages, by intent key) of every order
        that may have some: working, unknown or not fully booked orders, and — when ``since_ns`` is
        given and the journal keeps history — every intent stored since then (``None``: no journal
        history is read; ``0``: all of it, e.g. when no checkpoint exists). Orders the engine did not
        know are adopted in the venue's state. Venues without a fill history return nothing here;
        reconciliation still corrects their positions.
        """
        if not isinstance(self.venue, FillHistory):
            return []
        keys = [
            key
            for key, order in self._orders.items()
            if not order.status.is_terminal or key in self._unknown or self._fills_incomplete(order)
        ]
        if since_ns is not None and isinstance(self._journal, IntentHistory):
            for stored in await self._journal.intents_since(since_ns):
                if stored.intent_key in self._orders or stored.intent_key in keys:
                    continue
                keys.append(stored.intent_key)
                try:
                    found = await self.venue.order_state(stored.intent_key)
                except VenueError as exc:
                    log.warning("state of stored intent %s unavailable: %s", stored.intent_key, exc.code)
                    continue
                if found is not None:
                    await self._adopt(found)
        return await self._unbooked_fills(keys)

    async def _unbooked_fills(self, keys: Iterable[str]) -> list[Fill]:
        assert isinstance(self.venue, FillHistory)
        missed: dict[str, Fill] = {}
        for key in dict.fromkeys(keys):
            try:
                fills = await self.venue.order_fills(key)
            except VenueError as exc:
                log.warning("fills of intent %s unavailable: %s", key, exc.code)
                continue
            for fill in fills or ():
                if not self.ledger.has_seen(fill.trade_id):
                    missed.setdefault(fill.trade_id, replace(fill, intent_key=fill.intent_key or key))
        return sorted(missed.values(), key=lambda f: (f.ts_ns, f.trade_id))

    # --- reconciliation --------------------------------------------------------------------

    async def reconcile(self) -> ReconcileReport:
        """Make our view match the venue's: resolve unknown intents, adopt or cancel orders the
        venue has open, and take the venue's positions (the broker wins)."""
        report = ReconcileReport()
        for key in list(self._unknown) + [
            o.intent_key for o in self._orders.values() if o.status is OrderStatus.PENDING_SUBMIT
        ]:
            found = await self.venue.order_state(key)
            if found is not None:
                await self._adopt(found)
                self._unknown.discard(key)
                report.resolved_intents.append(key)
        venue_open = await self.venue.open_orders()
        venue_keys = set()
        for order in venue_open:
            venue_keys.add(order.intent_key)
            if order.intent_key in self._orders:
                await self._adopt(order)
                continue
            report.cancelled_orphans.append(order.order_id)
            try:
                await self.venue.cancel(CancelOrder(order.intent_key, order.order_id, order.instrument_id))
            except VenueError as exc:
                log.warning("orphan cancel %s failed: %s", order.order_id, exc.code)
        for order in self.open_orders():
            if order.order_id and order.intent_key not in venue_keys:
                final = await self.venue.order_state(order.intent_key)
                if final is not None:
                    await self._adopt(final)
                    report.adopted_orders.append(order.intent_key)
        account = await self.venue.account()
        venue_lots = {p.instrument_id: p for p in account.positions}
        for uid in set(venue_lots) | set(self.ledger.open_positions()):
            ours = self.ledger.position(uid).lots
            theirs = venue_lots[uid].lots if uid in venue_lots else 0
            if ours != theirs:
                price = venue_lots[uid].avg_price if uid in venue_lots else Decimal(0)
                self.ledger.set_position(uid, theirs, price or self.ledger.position(uid).avg_price)
                report.position_corrections[uid] = (ours, theirs)
        return report

    # --- snapshot --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """JSON-able state: working, unknown and not fully booked orders (the rest live in the store)."""
        keep = [
            o
            for o in self._orders.values()
            if not o.status.is_terminal or o.intent_key in self._unknown or self._fills_incomplete(o)
        ]
        return {
            "orders": [order_to_dict(o) for o in keep],
            "filled_lots": {
                o.intent_key: self._filled_lots[o.intent_key]
                for o in keep
                if o.intent_key in self._filled_lots
            },
            "unknown": sorted(self._unknown),
            "ledger": self.ledger.snapshot(),
        }

    def restore(self, state: dict[str, object]) -> None:
        """Load a snapshot; call ``reconcile`` afterwards."""
        orders = state.get("orders", [])
        assert isinstance(orders, list)
        for raw in orders:
            order = order_from_dict(raw)
            self._put(order.intent_key, order)
            if order.order_id:
                self._by_order_id[order.order_id] = order.intent_key
        filled = state.get("filled_lots", {})
        assert isinstance(filled, dict)
        self._filled_lots.update({str(k): int(v) for k, v in filled.items()})
        unknown = state.get("unknown", [])
        assert isinstance(unknown, list)
        self._unknown = {str(k) for k in unknown}
        ledger = state.get("ledger")
        if isinstance(ledger, dict):
            self.ledger.restore(ledger)

    # --- internals -------------------------------------------------------------------------

    async def _reject(self, intent_key: str, exc: VenueError) -> Order:
        self.rejects += 1
        order = self._orders[intent_key]
        now = self._clock.now_ns()
        rejected = order.with_changes(
            status=OrderStatus.REJECTED, reject_reason=f"{exc.code} {exc}".strip(), updated_ts_ns=now
        )
        await self._store(rejected, order.status)
        self._emit(OrderRejected(intent_key, order.instrument_id, exc.code, str(exc), now))
        return rejected

    async def _adopt(self, update: Order) -> Order | None:
        key = update.intent_key or self._by_order_id.get(update.order_id, "")
        if not key:
            return None
        current = self._orders.get(key)
        if current is None:
            self._put(key, update)
            if update.order_id:
                self._by_order_id[update.order_id] = key
            await self._store(update, OrderStatus.UNSPECIFIED)
            return update
        if update.order_id and not current.order_id:
            self._by_order_id[update.order_id] = key
        if update.lots_executed < current.lots_executed:
            return current  # stale (reordered) message
        if update.status == current.status and update.lots_executed == current.lots_executed:
            if update.order_id and not current.order_id:
                current = current.with_changes(order_id=update.order_id)
                self._put(key, current)
            return current  # duplicate
        allowed = (
            update.status in _ALLOWED.get(current.status, frozenset()) or update.status == current.status
        )
        late_fill_news = current.status.is_terminal and update.lots_executed > current.lots_executed
        if not allowed and not late_fill_news:
            return current
        merged = update.with_changes(
            intent_key=key,
            order_id=update.order_id or current.order_id,
            created_ts_ns=current.created_ts_ns or update.created_ts_ns,
            # Progress never moves back in time: a venue clock behind ours must not make this newer
            # state look older than the locally stamped intent (the store keeps the newest row).
            updated_ts_ns=max(update.updated_ts_ns, current.updated_ts_ns),
            time_in_force=current.time_in_force,
            status=current.status
            if current.status.is_terminal and not update.status.is_terminal
            else update.status,
        )
        await self._store(merged, current.status)
        if merged.status is OrderStatus.REJECTED and current.status is not OrderStatus.REJECTED:
            self.rejects += 1
            self._emit(
                OrderRejected(key, merged.instrument_id, "", merged.reject_reason, merged.updated_ts_ns)
            )
        return merged

    def _book_commission(
        self,
        key: str,
        instrument_id: str,
        *,
        from_fill: Decimal = Decimal(0),
        order_total: Decimal | None = None,
    ) -> None:
        before = max(
            self._commission_fills.get(key, Decimal(0)), self._commission_orders.get(key, Decimal(0))
        )
        if from_fill:
            self._commission_fills[key] = self._commission_fills.get(key, Decimal(0)) + from_fill
        if order_total is not None and order_total > self._commission_orders.get(key, Decimal(0)):
            self._commission_orders[key] = order_total
        after = max(self._commission_fills.get(key, Decimal(0)), self._commission_orders.get(key, Decimal(0)))
        if after > before:
            self.ledger.add_commission(instrument_id, after - before)
            self._emit(CommissionCharged(instrument_id, after - before, self._clock.now_ns()))

    async def _store(self, order: Order, previous: OrderStatus) -> None:
        if order.commission:
            self._book_commission(order.intent_key, order.instrument_id, order_total=order.commission)
        self._put(order.intent_key, order)
        if order.order_id:
            self._by_order_id[order.order_id] = order.intent_key
        if self._journal is not None:
            await self._journal.record_order(order)
        if order.status != previous:
            self._emit(OrderStateChanged(order, previous, order.updated_ts_ns or self._clock.now_ns()))
