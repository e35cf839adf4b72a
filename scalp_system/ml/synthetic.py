"""A small synthetic market for tests and benchmarks: features that carry a known, weak signal.

The mid price (in half ticks) takes a step after every book whose sign leans on the first feature
and on ``depth_imbalance_1``, so models can beat the naive baselines a little — like real data, and
unlike pure noise. Everything is drawn from one seeded generator: same seed, same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.ml.manifest import FeatureVectorSpec

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SyntheticMarket:
    """Feature matrix (n, d), mids in ticks (n,), and the feature spec naming the columns."""

    features: F64
    mids_ticks: F64
    spec: FeatureVectorSpec


def synthetic_market(
    n_rows: int = 4_000,
    n_features: int = 8,
    *,
    seed: int = 7,
    signal: float = 0.8,
    registry_version: str = "1",
    lob_levels: int = 20,
) -> SyntheticMarket:
    """Rows of i.i.d. normal features; the mid's next steps follow a persistent signal of feature 0."""
    if n_features < 2:
        raise ValueError("need at least 2 features (one signal, one imbalance)")
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n_rows, n_features))
    # A slowly varying latent drift, observed noisily by feature 0 and the imbalance column.
    latent = np.convolve(rng.normal(size=n_rows + 49), np.ones(50) / np.sqrt(50), mode="valid")
    features[:, 0] = latent + 0.5 * rng.normal(size=n_rows)
    features[:, -1] = np.tanh(0.5 * latent + 0.5 * rng.normal(size=n_rows))
    steps = np.round(signal * 0.5 * latent + rng.normal(size=n_rows)) * 0.5
    mids = 10_000.0 + np.cumsum(steps)
    names = (*(f"feature_{i}" for i in range(n_features - 1)), "depth_imbalance_1")
    return SyntheticMarket(features, mids, FeatureVectorSpec(names, registry_version, lob_levels))
