"""Prometheus exporter (prometheus-client) on a loopback port: latency, resources, data health,
orders, fills, rejects by reason, PnL, trading state, breaker trips and drift.

Metric names are a public contract: ``deploy/grafana-dashboard.json`` uses exactly these, and a test
checks that every name the dashboard queries exists here. Each run gets its own registry, so tests
and several runs in one process never collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from scalp_system.monitoring.latency import LatencyMonitor
from scalp_system.monitoring.resources import ResourceSample

TRADING_STATES = ("ACTIVE", "REDUCING", "HALTED")


class Metrics:
    """All exported metrics of one run."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.latency_us = Gauge(
            "scalp_latency_us",
            "Stage latency quantile over the run, microseconds",
            ["stage", "quantile"],
            registry=r,
        )
        self.cpu_pct = Gauge("scalp_process_cpu_percent", "Process CPU use", registry=r)
        self.rss_mb = Gauge("scalp_process_rss_mb", "Process resident memory, MiB", registry=r)
        self.threads = Gauge("scalp_process_threads", "Process threads", registry=r)
        self.open_fds = Gauge("scalp_process_open_fds", "Process open file descriptors", registry=r)
        self.gpu_util = Gauge(
            "scalp_gpu_utilisation_percent", "GPU utilisation (absent without NVML)", ["gpu"], registry=r
        )
        self.gpu_mem = Gauge(
            "scalp_gpu_memory_used_mb", "GPU memory used (absent without NVML)", ["gpu"], registry=r
        )
        self.book_updates = Counter(
            "scalp_book_updates", "Valid order books processed", ["instrument"], registry=r
        )
        self.data_rejects = Counter(
            "scalp_data_rejects", "Market data rejected at the door", ["instrument", "reason"], registry=r
        )
        self.book_stale = Gauge(
            "scalp_book_stale", "1 when the instrument's book is stale", ["instrument"], registry=r
        )
        self.orders = Counter(
            "scalp_orders_posted", "Orders sent to the venue", ["instrument", "side"], registry=r
        )
        self.fills = Counter("scalp_fills", "Fills received", ["instrument", "side"], registry=r)
        self.rejects = Counter("scalp_order_rejects", "Orders refused, by reason", ["reason"], registry=r)
        self.denials = Counter("scalp_risk_denials", "Pre-trade denials, by reason", ["reason"], registry=r)
        self.realized_pnl = Gauge(
            "scalp_realized_pnl", "Realised PnL of the day (account currency)", registry=r
        )
        self.unrealized_pnl = Gauge("scalp_unrealized_pnl", "Unrealised PnL at marks", registry=r)
        self.equity = Gauge("scalp_equity", "Account equity", registry=r)
        self.position_lots = Gauge("scalp_position_lots", "Net position in lots", ["instrument"], registry=r)
        self.trading_state = Gauge(
            "scalp_trading_state", "1 for the current trading state", ["state"], registry=r
        )
        self.breaker_trips = Counter("scalp_breaker_trips", "Circuit breaker trips", ["breaker"], registry=r)
        self.drift_features = Gauge(
            "scalp_drift_features", "Features in drift by level", ["level"], registry=r
        )

    def set_trading_state(self, state: str) -> None:
        """Mark ``state`` as current (one-hot)."""
        for name in TRADING_STATES:
            self.trading_state.labels(state=name).set(1.0 if name == state else 0.0)

    def observe_latency(self, monitor: LatencyMonitor) -> None:
        """Copy run quantiles from the latency monitor."""
        for stage, stats in monitor.summary_us().items():
            for quantile in ("p50", "p90", "p99", "max"):
                self.latency_us.labels(stage=stage, quantile=quantile).set(stats[quantile])

    def observe_resources(self, sample: ResourceSample) -> None:
        """Copy a resource sample."""
        self.cpu_pct.set(sample.cpu_pct)
        self.rss_mb.set(sample.rss_mb)
        self.threads.set(sample.threads)
        self.open_fds.set(sample.open_fds)
        for gpu in sample.gpus or ():
            self.gpu_util.labels(gpu=str(gpu.index)).set(gpu.utilisation_pct)
            self.gpu_mem.labels(gpu=str(gpu.index)).set(gpu.memory_used_mb)

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Start the HTTP exporter on loopback; returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(server.server_address[1])

    def names(self) -> set[str]:
        """Every exported sample name (for the dashboard consistency test)."""
        found: set[str] = set()
        for collector in self.registry.collect():
            found.add(collector.name)
            for sample in collector.samples:
                found.add(sample.name)
        return found
