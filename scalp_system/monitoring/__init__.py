"""Monitoring: latency, resources, drift hooks, Prometheus, audit log, notifications."""
