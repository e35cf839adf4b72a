"""The resolved feature layout shared by the incremental engine and the batch computation.

Both implementations derive every window, depth set, constant and column position from one
``FeatureLayout`` so they cannot drift apart: same windows in nanoseconds, same EWMA coefficients
(the exact same floats), same positions of the z-scored inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalp_system.config import FeaturesConfig
from scalp_system.features.registry import (
    REGISTRY_VERSION,
    FeatureSpec,
    depth_levels,
    feature_specs,
)

NS_PER_S = 1_000_000_000
ABSENT_ASK_TICKS = 1 << 62
"""Price an absent ask level takes in OFI comparisons (absent bids take 0), so a vanished level counts
as depth removed on either side."""


def seconds_to_ns(seconds: float) -> int:
    """A window in seconds as whole nanoseconds."""
    return round(seconds * NS_PER_S)


@dataclass(frozen=True, slots=True)
class FeatureColumns:
    """Where each block of the base vector starts (the blocks before ``ofi`` start at fixed columns:
    book level 0–3, depth imbalance from 4, slopes and cumulative depth ratios after it)."""

    ofi: int
    trades: int
    volatility: int
    atr: int
    returns: int
    vwap: int
    trade_age: int
    adaptive: int

    @classmethod
    def of(cls, specs: tuple[FeatureSpec, ...], n_depths: int, cfg: FeaturesConfig) -> FeatureColumns:
        """Column starts from the block sizes, checked against the registry's names."""
        ofi = 4 + 3 * n_depths
        trades = ofi + n_depths * len(cfg.ofi_windows)
        volatility = trades + 3 * len(cfg.trade_windows_s)
        atr = volatility + len(cfg.volatility_windows)
        returns = atr + 1
        vwap = returns + len(cfg.return_horizons)
        columns = cls(ofi, trades, volatility, atr, returns, vwap, vwap + 1, vwap + 2)
        expected = (
            (ofi, "ofi_l"),
            (trades, "signed_volume_"),
            (volatility, "realized_vol_"),
            (atr, "atr_ticks"),
            (returns, "return_"),
            (vwap, "vwap_deviation_"),
            (vwap + 1, "time_since_last_trade_"),
        )
        for column, prefix in expected:
            if not specs[column].name.startswith(prefix):  # the registry and this layout drifted apart
                raise AssertionError(f"feature {column} is {specs[column].name!r}, expected {prefix}…")
        if sum(1 for s in specs if s.group != "adaptive") != columns.adaptive:
            raise AssertionError(f"the base block does not end at column {columns.adaptive}")
        return columns


@dataclass(frozen=True, slots=True)
class FeatureLayout:
    """Everything both implementations need, resolved once from config, depth and tick."""

    cfg: FeaturesConfig
    lob_levels: int
    tick: float
    atr_bar_s: int
    atr_period: int
    specs: tuple[FeatureSpec, ...]
    depth_ks: tuple[int, ...]
    trade_windows_ns: tuple[int, ...]
    vwap_window_ns: int
    z_sources: tuple[int, ...]  # positions (in the base block) of the z-scored inputs
    z_floor_sq: tuple[float, ...]  # z_floor² per z-scored input
    ewma_alpha: tuple[float, ...]  # per half-life: 1 − 2^(−1/h)
    ewma_keep: tuple[float, ...]  # per half-life: 1 − alpha
    ewma_var_gain: tuple[float, ...]  # per half-life: keep · alpha
    n_base: int
    columns: FeatureColumns

    @classmethod
    def build(
        cls,
        cfg: FeaturesConfig,
        lob_levels: int,
        tick: float | Decimal,
        atr_bar_s: int = 60,
        atr_period: int = 5,
    ) -> FeatureLayout:
        """Resolve the layout; raises ValueError on a bad depth, tick or window."""
        tick_f = float(tick)
        if not tick_f > 0:
            raise ValueError(f"tick must be positive, got {tick}")
        specs = feature_specs(cfg, lob_levels)
        n_base = sum(1 for s in specs if s.group != "adaptive")
        base = specs[:n_base]
        z_sources = tuple(i for i, s in enumerate(base) if s.z_floor is not None)
        alphas = tuple(1.0 - 2.0 ** (-1.0 / h) for h in cfg.ewma_half_lives)
        keeps = tuple(1.0 - a for a in alphas)
        return cls(
            cfg=cfg,
            lob_levels=lob_levels,
            tick=tick_f,
            atr_bar_s=atr_bar_s,
            atr_period=atr_period,
            specs=specs,
            depth_ks=depth_levels(lob_levels),
            trade_windows_ns=tuple(seconds_to_ns(w) for w in cfg.trade_windows_s),
            vwap_window_ns=seconds_to_ns(cfg.vwap_window_s),
            z_sources=z_sources,
            z_floor_sq=tuple((base[i].z_floor or 0.0) ** 2 for i in z_sources),
            ewma_alpha=alphas,
            ewma_keep=keeps,
            ewma_var_gain=tuple(k * a for k, a in zip(keeps, alphas, strict=True)),
            n_base=n_base,
            columns=FeatureColumns.of(specs, len(depth_levels(lob_levels)), cfg),
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Feature names in vector order."""
        return tuple(s.name for s in self.specs)

    @property
    def n_features(self) -> int:
        """Vector length."""
        return len(self.specs)

    @property
    def registry_version(self) -> int:
        """The registry version this layout follows."""
        return REGISTRY_VERSION
