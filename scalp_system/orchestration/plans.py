"""The execution plans a run is working (entries, hedges): filing, slices due, roll-over, pruning.

A plan (one IOC, or VWAP slices over a horizon; see ``execution.planner``) is filed under the
intent key of each of its slices, so an order update finds its plan directly. ``PlanBook`` keeps
that index and the bookkeeping around it; the orchestrator decides when to drive plans and sends
the orders they produce.
"""

from __future__ import annotations

from collections.abc import Callable

from scalp_system.core.events import CancelOrder, SubmitOrder
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Order
from scalp_system.core.state import Denial
from scalp_system.execution.planner import ExecutionPlan, SliceStatus

Command = SubmitOrder | CancelOrder


class PlanBook:
    """Open plans by slice intent key (a plan appears once per slice)."""

    def __init__(self, check_order: Callable[[SubmitOrder], Denial | None]) -> None:
        self._check_order = check_order  # the risk engine's pre-trade checks
        self._by_key: dict[str, ExecutionPlan] = {}
        self._plans: list[ExecutionPlan] = []  # each filed plan once, in filing order

    def __bool__(self) -> bool:
        return bool(self._plans)

    def file(self, plan: ExecutionPlan) -> None:
        """Track a new plan under each of its slices' keys."""
        for plan_slice in plan.slices:
            self._by_key[plan_slice.intent_key] = plan
        if not any(filed is plan for filed in self._plans):
            self._plans.append(plan)

    def unique(self) -> list[ExecutionPlan]:
        """Every filed plan once (finished ones until ``prune``)."""
        return list(self._plans)

    def open(self) -> list[ExecutionPlan]:
        """Plans with slices still pending or in flight."""
        return [p for p in self.unique() if not p.done]

    def has_active(self, instrument_id: str) -> bool:
        """True while a plan for ``instrument_id`` is unfinished (one plan per instrument at a time)."""
        return any(p.instrument_id == instrument_id for p in self.open())

    def has_open_hedge(self) -> bool:
        """True while a hedge plan is unfinished."""
        return any(p.reason == "hedge" for p in self.open())

    def due_orders(self, plan: ExecutionPlan, book: OrderBook | None, now_ns: int) -> list[Command]:
        """The slices due now as risk-approved orders; a denied slice abandons the rest of the plan
        (cancelling what works)."""
        orders: list[Command] = []
        for plan_slice in plan.due(now_ns):
            command = plan.order_for(plan_slice, book)
            if self._check_order(command) is not None:
                for key in plan.abandon("risk denied a slice"):
                    orders.append(CancelOrder(key, "", plan.instrument_id))
                plan.on_slice_done(command.intent_key, 0)
                break
            orders.append(command)
        return orders

    def on_order(self, order: Order) -> None:
        """A terminal order update rolls its slice's unfilled lots over to the plan's next slices."""
        plan = self._by_key.get(order.intent_key)
        if plan is None or not order.status.is_terminal:
            return
        if plan.status.get(order.intent_key) is SliceStatus.SENT:
            plan.on_slice_done(order.intent_key, order.lots_executed)
            for plan_slice in plan.slices:
                self._by_key.setdefault(plan_slice.intent_key, plan)

    def prune(self) -> None:
        """Forget finished plans."""
        finished = {id(p) for p in self._plans if p.done}
        if finished:
            self._plans = [p for p in self._plans if id(p) not in finished]
            for key in [k for k, p in self._by_key.items() if id(p) in finished]:
                del self._by_key[key]
