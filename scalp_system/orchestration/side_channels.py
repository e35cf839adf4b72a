"""Side channels of a run: audit log, notifications, the store and Prometheus metrics.

The orchestrator hands every notable event here; this module decides what each channel gets and
words the human messages. Nothing here blocks the event loop: the audit log appends a line, the
notifier queues, the store's writer queues, metrics are in-memory counters.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scalp_system.core.events import (
    BreakerReset,
    BreakerTripped,
    OrderDenied,
    OrderFilled,
    OrderRejected,
    OrderStateChanged,
    OrderSubmitted,
    SubmitOrder,
    TradingStateChanged,
)
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Fill, Position
from scalp_system.core.state import BreakerKind, TradingState
from scalp_system.data.metrics import DataEngineMetrics
from scalp_system.ml.registry import ALERT_KINDS
from scalp_system.monitoring.audit import AuditLog
from scalp_system.monitoring.notify import Notification, Notifier, Severity
from scalp_system.monitoring.prometheus import Metrics
from scalp_system.monitoring.resources import ResourceMonitor
from scalp_system.storage.writer import BackgroundWriter

if TYPE_CHECKING:
    from scalp_system.orchestration.orchestrator import Orchestrator

log = logging.getLogger(__name__)


class _AuditAdapter:
    """The risk engine's AuditSink over the audit log (or nothing)."""

    def __init__(self, audit: AuditLog | None) -> None:
        self._audit = audit

    def record(self, event_type: str, actor: str, details: dict[str, object], control: str) -> None:
        if self._audit is not None:
            self._audit.record(event_type, actor, details, control)


class SideChannels:
    """Audit, notifications, store and metrics for one run; each part is optional."""

    def __init__(
        self,
        *,
        audit: AuditLog | None = None,
        notifier: Notifier | None = None,
        store: BackgroundWriter | None = None,
        metrics: Metrics | None = None,
        resources: ResourceMonitor | None = None,
    ) -> None:
        self.resources = resources
        self.audit = audit
        self.notifier = notifier
        self.store = store
        self.metrics = metrics

    @property
    def passive(self) -> bool:
        """True when nothing listens (no resources, metrics, audit, notifier or store): a backtest."""
        return (
            self.resources is None
            and self.metrics is None
            and self.audit is None
            and self.notifier is None
            and self.store is None
        )

    def audit_sink(self) -> _AuditAdapter:
        """What the risk engine writes its audit lines to."""
        return _AuditAdapter(self.audit)

    def record(self, event: str, actor: str, details: Mapping[str, Any]) -> None:
        """One audit line."""
        if self.audit is not None:
            self.audit.record(event, actor, dict(details))

    def notify(self, key: str, text: str, severity: Severity = Severity.WARNING) -> None:
        """One human notification (deduplicated and rate limited by the notifier)."""
        if self.notifier is not None:
            self.notifier.notify(Notification(key, text, severity))

    def model_event(self, kind: str, details: Mapping[str, Any]) -> None:
        """A model registry event: audited; corruption, rehydration, retraining and disabling notified."""
        self.record(kind, "model_registry", details)
        if kind in ALERT_KINDS:
            model = details.get("model", "?")
            reason = str(details.get("reason") or "; ".join(map(str, details.get("problems", [])[:2])))
            severity = Severity.CRITICAL if kind == "model_disabled" else Severity.WARNING
            self.notify(
                f"{kind}:{model}",
                f"Model {model}: {kind.replace('model_', '').replace('_', ' ')}"
                + (f" — {reason[:200]}" if reason else ""),
                severity,
            )

    def drift(self, ticker: str, level: str, critical: int, flagged: list[str]) -> None:
        """A drift check that found something: audited; critical drift notified."""
        self.record(
            "drift",
            "drift_detector",
            {"instrument": ticker, "level": level, "critical_features": critical, "flagged": flagged[:20]},
        )
        if level == "critical":
            self.notify(
                f"drift:{ticker}",
                f"Drift critical on {ticker}: {critical} feature(s) beyond 5σ "
                f"({', '.join(flagged[:3])}); new entries held until recalibrated",
                Severity.CRITICAL,
            )

    def recovered(self, checkpoint: str, corrections: Mapping[str, Any]) -> None:
        """A restart restored a checkpoint and reconciled: notified so people know it happened."""
        fixed = f"; broker corrected {len(corrections)} position(s)" if corrections else ""
        self.notify(
            "recovery",
            f"Recovered from checkpoint {checkpoint} and reconciled with the broker{fixed}",
            Severity.INFO,
        )

    def order_posted(self, instrument: Instrument, command: SubmitOrder) -> None:
        """An order went out."""
        if self.metrics is not None:
            self.metrics.orders.labels(instrument=instrument.ticker, side=command.side.name).inc()

    def fill(self, instrument: Instrument | None, fill: Fill) -> None:
        """A fill arrived (the execution engine already journaled it)."""
        ticker = instrument.ticker if instrument else fill.instrument_id
        if self.metrics is not None:
            self.metrics.fills.labels(instrument=ticker, side=fill.side.name).inc()

    def position(self, position: Position, ts_ns: int) -> None:
        """A position's new state goes to the store (queued; a restart re-records it after reconciling)."""
        if self.store is not None:
            self.store.record_position(position, ts_ns)

    def execution_event(self, event: object, instruments: Mapping[str, Instrument]) -> None:
        """Order lifecycle events: audited; rejects counted."""
        if isinstance(event, OrderSubmitted):
            order = event.order
            self.record(
                "order_intent",
                "execution",
                {
                    "intent_key": order.intent_key,
                    "instrument": _ticker(instruments, order.instrument_id),
                    "side": order.side.name,
                    "lots": order.lots_requested,
                    "limit_ticks": order.limit_price_ticks,
                    "tif": order.time_in_force.name,
                },
            )
        elif isinstance(event, OrderStateChanged):
            order = event.order
            self.record(
                "order_state",
                "execution",
                {
                    "intent_key": order.intent_key,
                    "order_id": order.order_id,
                    "status": order.status.name,
                    "previous": event.previous.name,
                    "lots_executed": order.lots_executed,
                },
            )
        elif isinstance(event, OrderFilled):
            fill = event.fill
            self.record(
                "fill",
                "execution",
                {
                    "trade_id": fill.trade_id,
                    "order_id": fill.order_id,
                    "intent_key": fill.intent_key,
                    "instrument": _ticker(instruments, fill.instrument_id),
                    "side": fill.side.name,
                    "lots": fill.lots,
                    "price": str(fill.price),
                    "commission": str(fill.commission),
                },
            )
        elif isinstance(event, OrderRejected):
            if self.metrics is not None:
                self.metrics.rejects.labels(reason=event.code or "unknown").inc()
            self.record(
                "order_state",
                "execution",
                {
                    "intent_key": event.intent_key,
                    "status": "REJECTED",
                    "code": event.code,
                    "message": event.message,
                },
            )

    def risk_event(self, event: object) -> None:
        """Breakers, state changes and denials: metrics and notifications (the risk engine audits)."""
        if isinstance(event, BreakerTripped):
            if self.metrics is not None:
                self.metrics.breaker_trips.labels(breaker=event.breaker.value).inc()
            severity = (
                Severity.CRITICAL
                if event.breaker in (BreakerKind.DAILY_LOSS, BreakerKind.INTRADAY_DRAWDOWN)
                else Severity.WARNING
            )
            where = f" on {event.instrument}" if event.instrument else ""
            self.notify(
                f"breaker:{event.breaker.value}:{event.instrument}",
                f"Breaker {event.breaker.value}{where}: {event.detail}",
                severity,
            )
        elif isinstance(event, BreakerReset):
            self.notify(
                f"reset:{event.breaker.value}:{event.instrument}",
                f"Breaker {event.breaker.value} cleared",
                Severity.INFO,
            )
        elif isinstance(event, TradingStateChanged):
            if self.metrics is not None:
                self.metrics.set_trading_state(event.current.value)
            severity = Severity.CRITICAL if event.current is TradingState.HALTED else Severity.WARNING
            self.notify(
                f"state:{event.current.value}",
                f"Trading {event.previous.value} → {event.current.value}: {event.reason}",
                severity,
            )
        elif isinstance(event, OrderDenied) and self.metrics is not None:
            self.metrics.denials.labels(reason=event.denial.value).inc()

    def data_metrics(self, metrics: DataEngineMetrics) -> None:
        """The data engine's 1 Hz metrics into Prometheus."""
        if self.metrics is None:
            return
        for uid, item in metrics.instruments.items():
            self.metrics.book_stale.labels(instrument=uid).set(1.0 if item.stale else 0.0)

    def tick(self, orchestrator: Orchestrator, now_ns: int) -> None:
        """Once a second: resources (alerts), PnL, positions and latency gauges."""
        if self.resources is not None:
            sample = self.resources.sample()
            if self.metrics is not None:
                self.metrics.observe_resources(sample)
            for alert in self.resources.alerts(sample):
                self.record(
                    "resource_alert",
                    "monitoring",
                    {"resource": alert.resource, "value": alert.value, "limit": alert.limit},
                )
                self.notify(
                    f"resource:{alert.resource}",
                    f"Resource alert: {alert.resource} = {alert.value:.0f} (limit {alert.limit:.0f})",
                )
        if self.metrics is None:
            return
        ledger = orchestrator.execution.ledger
        self.metrics.realized_pnl.set(float(ledger.realized_pnl() - ledger.commission()))
        self.metrics.unrealized_pnl.set(float(ledger.unrealized_pnl()))
        self.metrics.equity.set(float(orchestrator.risk.equity()))
        for uid, position in ledger.positions().items():
            ticker = orchestrator.instruments[uid].ticker if uid in orchestrator.instruments else uid
            self.metrics.position_lots.labels(instrument=ticker).set(position.lots)
        self.metrics.observe_latency(orchestrator.latency)
        self.metrics.set_trading_state(orchestrator.risk.state.value)


def _ticker(instruments: Mapping[str, Instrument], uid: str) -> str:
    instrument = instruments.get(uid)
    return instrument.ticker if instrument else uid
