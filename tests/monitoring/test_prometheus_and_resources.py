"""Prometheus exporter over real HTTP, the Grafana dashboard's metric names, and resource sampling."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from scalp_system.core.clock import NS_PER_S
from scalp_system.monitoring.latency import LatencyMonitor, Stage
from scalp_system.monitoring.prometheus import Metrics
from scalp_system.monitoring.resources import ResourceMonitor

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json"


def _dashboard_metric_names() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    names: set[str] = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names.update(re.findall(r"\b(scalp_[a-z0-9_]+)", target["expr"]))
    return names


def test_every_metric_the_dashboard_queries_is_exported() -> None:
    metrics = Metrics()
    metrics.orders.labels(instrument="SBER", side="BUY").inc()
    metrics.fills.labels(instrument="SBER", side="BUY").inc()
    metrics.rejects.labels(reason="30078").inc()
    metrics.denials.labels(reason="PRICE_OFF_TICK").inc()
    metrics.breaker_trips.labels(breaker="REJECT_RATE").inc()
    metrics.book_updates.labels(instrument="SBER").inc()
    metrics.data_rejects.labels(instrument="SBER", reason="BOOK_CROSSED").inc()
    missing = _dashboard_metric_names() - metrics.names()
    assert not missing, f"dashboard queries metrics that are not exported: {sorted(missing)}"


def test_exporter_serves_metrics_over_http_on_loopback() -> None:
    metrics = Metrics()
    monitor = LatencyMonitor()
    monitor.record(Stage.DECISION, 250_000, 10 * NS_PER_S)
    metrics.observe_latency(monitor)
    metrics.set_trading_state("REDUCING")
    port = metrics.serve(0)
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert 'scalp_trading_state{state="REDUCING"} 1.0' in body
    assert 'scalp_latency_us{quantile="p99",stage="decision"}' in body


def test_resource_sample_reports_this_process_and_gpu_absent_without_nvml() -> None:
    monitor = ResourceMonitor()
    sample = monitor.sample()
    assert sample.rss_mb > 10 and sample.threads >= 1 and sample.open_fds > 0
    assert sample.gpus is None or all(g.memory_total_mb > 0 for g in sample.gpus)


def test_resource_alerts_name_the_crossed_threshold() -> None:
    monitor = ResourceMonitor(rss_alert_mb=1.0, fd_alert=100_000)
    alerts = monitor.alerts(monitor.sample())
    assert [a.resource for a in alerts] == ["rss_mb"]
