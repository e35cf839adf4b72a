"""The feature registry: every feature's name, unit and formula, in one fixed, append-only order.

The vector is a documented function of the configuration (``FeaturesConfig``) and the book depth
``lob_levels`` (1–50); ``feature_names`` is the single source of its order, and both the incremental
engine and the batch computation fill it in exactly this order. Groups are append-only: a new
feature goes into a new group at the end with ``since_version = REGISTRY_VERSION + 1`` and the version
is bumped (``VERSION_FINGERPRINTS`` records the default vector of each version; a test enforces it).
Length at depth ``L`` with ``K = len(depth_levels(L))``:

    n = 7 + 3K + K·|ofi_windows| + 3·|trade_windows_s| + |volatility_windows| + |return_horizons|
        + |ewma_half_lives| · (9 + 2K)

which is 90 at the defaults and ``L = 20`` (K = 5), and at least 51 for any config at ``L = 20``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from scalp_system.config import FeaturesConfig

REGISTRY_VERSION = 1
"""Bump whenever a feature is added (appended); never reorder or remove."""

VERSION_FINGERPRINTS: dict[int, str] = {
    1: "36d08afae6e1bbd7cd7922fe20e91b9f0c832e37379214757ae32d47579108b5",
}
"""SHA-256 of ``"\\n".join(feature_names(FeaturesConfig(), 20, version=v))`` for each version ``v``."""

BASE_DEPTH_LEVELS = (1, 3, 5, 10, 20)
MIN_LOB_LEVELS = 1
MAX_LOB_LEVELS = 50


def depth_levels(lob_levels: int) -> tuple[int, ...]:
    """The cumulative depths ``k`` used by depth features: ``{1,3,5,10,20} ∩ [1, L]`` plus ``L`` itself."""
    check_lob_levels(lob_levels)
    levels = [k for k in BASE_DEPTH_LEVELS if k <= lob_levels]
    if lob_levels not in levels:
        levels.append(lob_levels)
    return tuple(levels)


def check_lob_levels(lob_levels: int) -> None:
    """Refuse a depth outside 1–50 (the broker's maximum)."""
    if not MIN_LOB_LEVELS <= lob_levels <= MAX_LOB_LEVELS:
        raise ValueError(f"lob_levels must be in {MIN_LOB_LEVELS}..{MAX_LOB_LEVELS}, got {lob_levels}")


def window_label(value: float) -> str:
    """A compact label for a window or half-life: ``1.0 → "1"``, ``0.5 → "0.5"``."""
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One feature: its name, group, unit, formula and adaptive z-score floor.

    ``z_floor`` is None for features that are not normalised; otherwise the adaptive block holds
    ``z{h}_{name}`` for every half-life ``h`` with the standard deviation floored as
    ``sqrt(var + z_floor²)`` so a constant input gives a z-score of 0, never a division by zero.
    """

    name: str
    group: str
    unit: str
    formula: str
    z_floor: float | None = None


@dataclass(frozen=True, slots=True)
class FeatureGroup:
    """A block of features added in one registry version (groups are only ever appended)."""

    key: str
    since_version: int
    build: Callable[[FeaturesConfig, int, tuple[FeatureSpec, ...]], tuple[FeatureSpec, ...]]


def _book_level(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    return (
        FeatureSpec("mid_price", "book", "price", "(bid1 + ask1) / 2 · tick"),
        FeatureSpec(
            "microprice_offset_ticks",
            "book",
            "ticks",
            "spread · (bidq1 − askq1) / (2 · (bidq1 + askq1))",
            1e-3,
        ),
        FeatureSpec("spread_ticks", "book", "ticks", "ask1 − bid1", 1e-3),
        FeatureSpec("spread_bps", "book", "bps", "(ask1 − bid1) / mid · 1e4"),
    )


def _depth_imbalance(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    return tuple(
        FeatureSpec(
            f"depth_imbalance_{k}", "depth", "ratio", f"(B{k} − A{k}) / (B{k} + A{k}), cumulative lots", 1e-4
        )
        for k in depth_levels(lob)
    )


def _book_slope(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    return (
        FeatureSpec("book_slope_bid", "depth", "lots/tick", "B_L / (bid1 − bid_deepest + 1)", 1e-3),
        FeatureSpec("book_slope_ask", "depth", "lots/tick", "A_L / (ask_deepest − ask1 + 1)", 1e-3),
    )


def _cum_depth_ratio(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    ks = depth_levels(lob)[:-1]
    bid = tuple(FeatureSpec(f"cum_depth_ratio_bid_{k}", "depth", "ratio", f"B{k} / B_L") for k in ks)
    ask = tuple(FeatureSpec(f"cum_depth_ratio_ask_{k}", "depth", "ratio", f"A{k} / A_L") for k in ks)
    return bid + ask


def _ofi(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    last = cfg.ofi_windows[-1]
    return tuple(
        FeatureSpec(
            f"ofi_l{k}_w{w}",
            "flow",
            "ratio",
            f"(Σ over the last {w} books of Σ_(m≤{k}) e_m) / (B{k} + A{k})",
            1e-4 if w == last else None,
        )
        for k in depth_levels(lob)
        for w in cfg.ofi_windows
    )


def _trades(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    specs: list[FeatureSpec] = []
    for i, window in enumerate(cfg.trade_windows_s):
        label = window_label(window)
        first = i == 0
        specs += [
            FeatureSpec(
                f"signed_volume_{label}s",
                "trades",
                "lots",
                f"Σ signed lots in (t − {label}s, t]",
                1e-2 if first else None,
            ),
            FeatureSpec(
                f"trade_intensity_{label}s",
                "trades",
                "1/s",
                f"trade count in (t − {label}s, t] / {label}",
                1e-3 if first else None,
            ),
            FeatureSpec(
                f"trade_imbalance_{label}s", "trades", "ratio", "signed lots / total lots (0 if none)"
            ),
        ]
    return tuple(specs)


def _volatility(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    return tuple(
        FeatureSpec(
            f"realized_vol_{w}_ticks",
            "volatility",
            "ticks",
            f"sqrt(Σ over last {w} books of Δmid² / {w})",
            1e-3 if i == 0 else None,
        )
        for i, w in enumerate(cfg.volatility_windows)
    )


def _atr(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    return (FeatureSpec("atr_ticks", "volatility", "ticks", "Wilder ATR of completed bars (0 before)"),)


def _returns(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    return tuple(
        FeatureSpec(
            f"return_{h}_bps",
            "returns",
            "bps",
            f"(mid_t − mid_(t−{h})) / mid_(t−{h}) · 1e4",
            1e-3 if i == 0 else None,
        )
        for i, h in enumerate(cfg.return_horizons)
    )


def _vwap(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    label = window_label(cfg.vwap_window_s)
    return (
        FeatureSpec(
            f"vwap_deviation_{label}s_ticks",
            "trades",
            "ticks",
            f"mid − VWAP of trades in (t − {label}s, t] (0 if none)",
            1e-3,
        ),
    )


def _trade_age(cfg: FeaturesConfig, lob: int, _: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    cap = window_label(cfg.trade_age_cap_s)
    return (
        FeatureSpec(
            f"time_since_last_trade_s_cap{cap}",
            "trades",
            "s",
            f"min(t − t_last_trade, {cap}) ({cap} if none)",
        ),
    )


def _adaptive_v1(cfg: FeaturesConfig, lob: int, prior: tuple[FeatureSpec, ...]) -> tuple[FeatureSpec, ...]:
    sources = [s for s in prior if s.z_floor is not None]
    return tuple(
        FeatureSpec(
            f"z{window_label(h)}_{s.name}",
            "adaptive",
            "z",
            f"({s.name} − EWMA mean) / sqrt(EWMA var + {s.z_floor:g}²), half-life {window_label(h)} books",
        )
        for h in cfg.ewma_half_lives
        for s in sources
    )


GROUPS: tuple[FeatureGroup, ...] = (
    FeatureGroup("book_level", 1, _book_level),
    FeatureGroup("depth_imbalance", 1, _depth_imbalance),
    FeatureGroup("book_slope", 1, _book_slope),
    FeatureGroup("cum_depth_ratio", 1, _cum_depth_ratio),
    FeatureGroup("ofi", 1, _ofi),
    FeatureGroup("trades", 1, _trades),
    FeatureGroup("volatility", 1, _volatility),
    FeatureGroup("atr", 1, _atr),
    FeatureGroup("returns", 1, _returns),
    FeatureGroup("vwap", 1, _vwap),
    FeatureGroup("trade_age", 1, _trade_age),
    FeatureGroup("adaptive_v1", 1, _adaptive_v1),
)
"""In vector order; append new groups only at the end."""


def _check_config(cfg: FeaturesConfig) -> None:
    for field in (
        "trade_windows_s",
        "volatility_windows",
        "return_horizons",
        "ofi_windows",
        "ewma_half_lives",
    ):
        values = getattr(cfg, field)
        if any(v <= 0 for v in values):
            raise ValueError(f"features.{field} must be positive, got {values}")
        if len({window_label(v) for v in values}) != len(values):
            raise ValueError(f"features.{field} has duplicate windows: {values}")


def feature_specs(
    cfg: FeaturesConfig, lob_levels: int, *, version: int = REGISTRY_VERSION
) -> tuple[FeatureSpec, ...]:
    """Every feature of registry ``version`` (default: the current one) in vector order."""
    check_lob_levels(lob_levels)
    _check_config(cfg)
    if not 1 <= version <= REGISTRY_VERSION:
        raise ValueError(f"unknown feature registry version {version} (current {REGISTRY_VERSION})")
    specs: tuple[FeatureSpec, ...] = ()
    for group in GROUPS:
        if group.since_version <= version:
            specs += group.build(cfg, lob_levels, specs)
    return specs


def feature_names(
    cfg: FeaturesConfig, lob_levels: int, *, version: int = REGISTRY_VERSION
) -> tuple[str, ...]:
    """The names of the feature vector, in order (the contract between features and models)."""
    return tuple(spec.name for spec in feature_specs(cfg, lob_levels, version=version))


def feature_count(cfg: FeaturesConfig, lob_levels: int) -> int:
    """The closed-form vector length (see the module docstring); equals ``len(feature_names(...))``."""
    k = len(depth_levels(lob_levels))
    return (
        7
        + 3 * k
        + k * len(cfg.ofi_windows)
        + 3 * len(cfg.trade_windows_s)
        + len(cfg.volatility_windows)
        + len(cfg.return_horizons)
        + len(cfg.ewma_half_lives) * (9 + 2 * k)
    )


def names_fingerprint(names: tuple[str, ...]) -> str:
    """SHA-256 hex of the newline-joined names (what ``VERSION_FINGERPRINTS`` records)."""
    return hashlib.sha256("\n".join(names).encode()).hexdigest()
