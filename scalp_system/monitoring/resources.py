"""Resource use of the running process: CPU %, RSS, threads, open file descriptors (psutil), and GPU
utilisation/memory through NVML when present — reported as absent otherwise, never a crash."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psutil

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GpuSample:
    """One GPU's utilisation and memory."""

    index: int
    utilisation_pct: float
    memory_used_mb: float
    memory_total_mb: float


@dataclass(frozen=True, slots=True)
class ResourceSample:
    """A snapshot of the process's resource use; ``gpus`` is None when NVML is absent."""

    cpu_pct: float
    rss_mb: float
    threads: int
    open_fds: int
    gpus: tuple[GpuSample, ...] | None


@dataclass(frozen=True, slots=True)
class ResourceAlert:
    """A threshold crossed."""

    resource: str
    value: float
    limit: float


def _nvml() -> Any | None:
    try:
        import pynvml  # type: ignore[import-not-found]  # optional: only where an NVIDIA driver exists

        pynvml.nvmlInit()
        return pynvml
    except Exception:  # ImportError, NVMLError_LibraryNotFound, driver missing: GPU is simply absent
        return None


class ResourceMonitor:
    """Samples resource use and checks it against alert thresholds."""

    def __init__(
        self, *, cpu_alert_pct: float = 90.0, rss_alert_mb: float = 4096.0, fd_alert: int = 4096
    ) -> None:
        self._process = psutil.Process()
        self._process.cpu_percent(None)  # prime: the first call always returns 0
        self._limits = {"cpu_pct": cpu_alert_pct, "rss_mb": rss_alert_mb, "open_fds": float(fd_alert)}
        self._nvml = _nvml()

    def sample(self) -> ResourceSample:
        """Current resource use."""
        with self._process.oneshot():
            cpu = self._process.cpu_percent(None)
            rss = self._process.memory_info().rss / 1_048_576
            threads = self._process.num_threads()
            try:
                fds = self._process.num_fds()
            except (AttributeError, psutil.Error):
                fds = -1
        return ResourceSample(cpu, rss, threads, fds, self._gpus())

    def _gpus(self) -> tuple[GpuSample, ...] | None:
        if self._nvml is None:
            return None
        try:
            samples = []
            for index in range(self._nvml.nvmlDeviceGetCount()):
                handle = self._nvml.nvmlDeviceGetHandleByIndex(index)
                util = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                memory = self._nvml.nvmlDeviceGetMemoryInfo(handle)
                samples.append(
                    GpuSample(index, float(util.gpu), memory.used / 1_048_576, memory.total / 1_048_576)
                )
            return tuple(samples)
        except Exception as exc:  # a GPU read must never take the monitor down
            log.info("NVML read failed, reporting GPU as absent: %s", exc)
            return None

    def alerts(self, sample: ResourceSample) -> list[ResourceAlert]:
        """Thresholds crossed by a sample."""
        values = {"cpu_pct": sample.cpu_pct, "rss_mb": sample.rss_mb, "open_fds": float(sample.open_fds)}
        return [
            ResourceAlert(name, values[name], limit)
            for name, limit in self._limits.items()
            if values[name] > limit
        ]
