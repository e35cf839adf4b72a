"""One typed, validated configuration: TOML file + ``SCALP__SECTION__KEY`` environment overrides.

Every default is the SPEC's (``../shared/SPEC.md``). Objects are frozen; an unknown key, a wrong type
or an out-of-range value is a ``ConfigError`` whose message names the key and the file. Secrets
(tokens) are never part of the configuration: they come from the environment or a 0600 file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ALLOWED_DEPTHS = (1, 10, 20, 30, 40, 50)
ENV_PREFIX = "SCALP__"


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key and the source."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class BrokerConfig(_Section):
    """How the broker client talks to a server (SPEC §5, reference §1)."""

    app_name: str = Field("scalp_system.scalp_system", description="x-app-name metadata")
    root_cert_file: Path | None = Field(None, description="extra TLS root (e.g. Russian Trusted Root CA)")
    token_file: Path | None = Field(None, description="file holding the token; must be mode 0600")
    account_id: str = Field("", description="account to trade; live mode requires it explicitly")
    ping_delay_ms: int = Field(30_000, ge=5_000, le=180_000, description="server ping interval asked for")
    watchdog_s: float = Field(45.0, gt=0, description="a stream with no message or ping this long is dead")
    subscriptions_check_s: float = Field(60.0, gt=0, description="GetMySubscriptions reconciliation period")
    max_retries: int = Field(5, ge=0, le=20)
    backoff_base_s: float = Field(0.2, gt=0)
    backoff_max_s: float = Field(10.0, gt=0)
    max_message_mb: int = Field(10, ge=4, le=256)


class NetworkConfig(_Section):
    """Endpoints and the failover hook (SPEC §1.6)."""

    endpoints: tuple[str, ...] = Field((), description="host:port list tried in order after a failover")
    failover_hook: str | None = Field(None, description="command run when connectivity breaks")
    failover_hook_timeout_s: float = Field(30.0, gt=0, le=600)


class ExchangeConfig(_Section):
    """The local exchange (paper mode and tests)."""

    host: str = "127.0.0.1"
    port: int = Field(50051, ge=0, le=65535)
    commission_rate: Decimal = Field(Decimal("0.0005"), ge=0, lt=1, description="0.05 % per fill")
    book_stream_interval_ms: int = Field(100, ge=1, le=10_000, description="one book per 100 ms per sub")
    ping_interval_ms: int = Field(30_000, ge=100)
    orders_per_minute: int = Field(300, ge=1)
    initial_cash: Decimal = Field(Decimal("1000000"), ge=0, description="paper account pay-in, RUB")
    seed: int = 7


class DataConfig(_Section):
    """DataEngine (SPEC §2)."""

    lob_levels: int = Field(20, description="order book depth: 1, 10, 20, 30, 40 or 50")
    book_ttl_s: float = Field(5.0, gt=0)
    history_len: int = Field(20_000, ge=16)
    trade_history_len: int = Field(50_000, ge=16)
    max_memory_mb: int = Field(512, ge=1)
    rotation_interval_s: float = Field(900.0, gt=0)
    max_active_instruments: int = Field(8, ge=1, le=300)
    metrics_interval_s: float = Field(1.0, gt=0)

    @field_validator("lob_levels")
    @classmethod
    def _depth_allowed(cls, value: int) -> int:
        if value not in ALLOWED_DEPTHS:
            raise ValueError(f"must be one of {ALLOWED_DEPTHS}")
        return value


class FeaturesConfig(_Section):
    """Feature windows and the adaptive EWMA normalisers (SPEC §2)."""

    ewma_half_lives: tuple[float, ...] = Field((50.0, 500.0), min_length=1, description="in book updates")
    trade_windows_s: tuple[float, ...] = Field((1.0, 5.0, 30.0), min_length=1)
    volatility_windows: tuple[int, ...] = Field((20, 100, 500), min_length=1, description="book updates")
    return_horizons: tuple[int, ...] = Field((1, 5, 20), min_length=1, description="book updates")
    vwap_window_s: float = Field(60.0, gt=0)
    ofi_windows: tuple[int, ...] = Field((1, 5, 20), min_length=1, description="OFI sums, book updates")
    trade_age_cap_s: float = Field(60.0, gt=0, description="time since last trade is capped here")


class RiskConfig(_Section):
    """Stops, sizing, limits and breakers (SPEC §1)."""

    k_stop: Decimal = Field(Decimal("1.5"), gt=0, description="stop distance in ATR(5) multiples")
    k_tp: Decimal = Field(Decimal("2.0"), gt=0, description="target distance in stop distances")
    k_trail_on: Decimal = Field(Decimal("1.0"), gt=0, description="trailing activates at this × d")
    spread_floor: Decimal = Field(Decimal("0.01"), gt=0, description="hard floor of max(spread, floor)")
    atr_bar_s: int = Field(60, ge=1, description="ATR bar length, seconds")
    atr_period: int = Field(5, ge=1)
    allow_warmup_entries: bool = False
    per_trade_risk: Decimal = Field(Decimal("0.0025"), gt=0, le=Decimal("0.1"))
    max_position_lots: int = Field(100, ge=1)
    max_notional_per_order: Decimal = Field(Decimal("500000"), gt=0)
    max_notional_per_instrument: Decimal = Field(Decimal("1000000"), gt=0)
    max_gross_notional: Decimal = Field(Decimal("3000000"), gt=0)
    max_open_orders: int = Field(10, ge=1)
    max_orders_per_min: int = Field(200, ge=1, le=300)
    allow_dealer_trading: bool = False
    consecutive_losses_for_cooldown: int = Field(3, ge=1)
    cooldown_s: float = Field(300.0, gt=0)
    daily_loss_limit: Decimal = Field(Decimal("0.02"), gt=0, lt=1, description="fraction of day-start equity")
    intraday_drawdown_limit: Decimal = Field(Decimal("0.03"), gt=0, lt=1, description="fraction of peak")
    reject_rate_count: int = Field(5, ge=1)
    reject_rate_window_s: float = Field(60.0, gt=0)
    reject_reducing_s: float = Field(300.0, gt=0)
    latency_p99_limit_ms: float = Field(50.0, gt=0)
    latency_window_s: float = Field(60.0, gt=0)
    ack_timeout_s: float = Field(2.0, gt=0)
    latency_recover_s: float = Field(60.0, gt=0)
    connectivity_down_s: float = Field(10.0, gt=0)
    connectivity_unavailable_count: int = Field(3, ge=1)
    drift_critical_features: int = Field(3, ge=1)
    flatten_on_halt: bool = True


class RoutingConfig(_Section):
    """IOC / VWAP order planning (SPEC §1.3)."""

    vwap_threshold_lots: int = Field(5, ge=1)
    vwap_horizon_s: float = Field(60.0, gt=0)
    vwap_slices: int = Field(12, ge=1, le=1000)
    max_participation: Decimal = Field(Decimal("0.10"), gt=0, le=1)
    aggressiveness_ticks: int = Field(0, ge=0, le=3)


class HedgeConfig(_Section):
    """Inventory hedging (SPEC §1.5)."""

    threshold: Decimal = Field(Decimal("0.7"), gt=0, le=1)
    target: Decimal = Field(Decimal("0.3"), ge=0, lt=1)
    instrument: str | None = Field(None, description="hedge instrument ticker, e.g. an index future")
    beta: Decimal = Field(Decimal("1.0"), gt=0)

    @model_validator(mode="after")
    def _target_below_threshold(self) -> HedgeConfig:
        if self.target >= self.threshold:
            raise ValueError("hedge.target must be below hedge.threshold")
        return self


class MlConfig(_Section):
    """Labels, ensemble, calibration and the model registry (SPEC §3)."""

    horizon: int = Field(20, ge=1, description="label horizon in book updates")
    dead_zone_ticks: Decimal = Field(Decimal("0.5"), ge=0)
    registry_dir: Path = Path("var/models")
    keep_versions: int = Field(5, ge=1)
    ensemble_decay: float = Field(0.99, gt=0, lt=1, description="per-outcome decay of the log-loss average")
    calibration: Literal["isotonic", "platt"] = "isotonic"
    calibration_window: int = Field(5_000, ge=100)
    bootstrap_warmup_s: float = Field(60.0, gt=0, description="warm-up recording for the bootstrap model")
    walk_forward_folds: int = Field(4, ge=1, le=50, description="walk-forward folds of `scalp train`")
    gbm_iterations: int = Field(60, ge=1, le=5_000, description="boosting rounds of the tree model")
    seed: int = Field(7, description="seed of every random choice in training (deterministic runs)")


class DriftConfig(_Section):
    """Drift detection (SPEC §3)."""

    window: int = Field(2_000, ge=50)
    warning_sigma: float = Field(3.0, gt=0)
    critical_sigma: float = Field(5.0, gt=0)
    alpha: float = Field(0.05, gt=0, lt=1, description="family-wise false-positive rate per check")
    critical_features: int = Field(3, ge=1)
    check_every: int = Field(500, ge=1, description="book updates between checks")
    log_path: Path = Path("var/drift.jsonl")
    ks_family_level: float = Field(
        0.03,
        gt=0,
        lt=1,
        description="Holm family-wise level of the per-feature KS tests; below alpha so that the per-check "
        "false-positive rate measured over 1 000 checks stays ≤ alpha (3 % true → ≤ 5 % measured "
        "with > 99.9 % probability)",
    )

    @model_validator(mode="after")
    def _ks_level_within_alpha(self) -> DriftConfig:
        if self.ks_family_level > self.alpha:
            raise ValueError("drift.ks_family_level must not exceed drift.alpha")
        return self


class StrategyConfig(_Section):
    """Entry/exit rules on top of the calibrated signal."""

    entry_probability: float = Field(0.55, gt=0.34, lt=1)
    min_edge_ticks: Decimal = Field(Decimal("0.5"), ge=0, description="edge beyond spread + commission")
    max_hold_s: float = Field(300.0, gt=0)
    exit_on_reversal: bool = True
    flatten_before_close_s: float = Field(300.0, ge=0)


class SessionsConfig(_Section):
    """MOEX sessions in Moscow time; trading outside them is refused."""

    timezone: str = "Europe/Moscow"
    main: tuple[str, str] = ("10:00", "18:40")
    evening: tuple[str, str] = ("19:05", "23:50")
    evening_enabled: bool = True
    enforce: bool = Field(
        True, description="false for markets that trade any time (paper mode and backtests switch it off)"
    )


class StorageConfig(_Section):
    """SQLite store and JSONL spill (SPEC §2)."""

    db_path: Path = Path("var/scalp.db")
    spill_dir: Path = Path("var/spill")
    backup_dir: Path = Path("var/backup")
    min_flush_ms: int = Field(50, ge=1)
    max_flush_ms: int = Field(2_000, ge=1)
    lock_timeout_s: float = Field(5.0, gt=0)
    spill_rotate_mb: int = Field(64, ge=1)

    @model_validator(mode="after")
    def _cadence_order(self) -> StorageConfig:
        if self.min_flush_ms > self.max_flush_ms:
            raise ValueError("storage.min_flush_ms must not exceed storage.max_flush_ms")
        return self


class MonitoringConfig(_Section):
    """Latency, resources and the Prometheus exporter (SPEC §4)."""

    prometheus_port: int | None = Field(None, ge=0, le=65535, description="None = exporter off")
    prometheus_host: str = "127.0.0.1"
    cpu_alert_pct: float = Field(90.0, gt=0, le=100)
    rss_alert_mb: float = Field(4_096.0, gt=0)
    fd_alert: int = Field(4_096, ge=1)


class AuditConfig(_Section):
    """Append-only hash-chained audit log (SPEC §4)."""

    path: Path = Path("var/audit/audit.jsonl")
    fsync: Literal["always", "interval", "never"] = "interval"
    fsync_interval_s: float = Field(1.0, gt=0)
    rotate_mb: int = Field(64, ge=1)


class NotificationsConfig(_Section):
    """Telegram / webhook / console notifications (tokens from the environment, never here)."""

    console: bool = True
    telegram_base_url: str = "https://api.telegram.org"
    telegram_chat_id: str | None = None
    webhook_url: str | None = None
    dedup_window_s: float = Field(60.0, ge=0)
    rate_limit_per_min: int = Field(20, ge=1)
    max_retries: int = Field(3, ge=0)
    timeout_s: float = Field(5.0, gt=0)


class CheckpointConfig(_Section):
    """Atomic checkpoints (SPEC §4)."""

    dir: Path = Path("var/checkpoints")
    interval_s: float = Field(5.0, gt=0)
    keep: int = Field(5, ge=2)


class Config(_Section):
    """The whole configuration of one run."""

    broker: BrokerConfig = BrokerConfig()
    network: NetworkConfig = NetworkConfig()
    exchange: ExchangeConfig = ExchangeConfig()
    data: DataConfig = DataConfig()
    features: FeaturesConfig = FeaturesConfig()
    risk: RiskConfig = RiskConfig()
    routing: RoutingConfig = RoutingConfig()
    hedge: HedgeConfig = HedgeConfig()
    ml: MlConfig = MlConfig()
    drift: DriftConfig = DriftConfig()
    strategy: StrategyConfig = StrategyConfig()
    sessions: SessionsConfig = SessionsConfig()
    storage: StorageConfig = StorageConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    audit: AuditConfig = AuditConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    checkpoint: CheckpointConfig = CheckpointConfig()


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """``SCALP__RISK__K_STOP=2`` → ``{"risk": {"k_stop": "2"}}`` (values parsed as TOML when they can be)."""
    tree: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [part.lower() for part in name[len(ENV_PREFIX) :].split("__") if part]
        if not path:
            continue
        node = tree
        for depth, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # SCALP__RISK=1 beside SCALP__RISK__K_STOP=2
                where = ".".join(path[: depth + 1])
                raise ConfigError(
                    f"config error in {ENV_PREFIX}* environment: {name} sets a key inside "
                    f"{where}, which another variable sets to a value"
                )
            node = child
        node[path[-1]] = _parse_env_value(raw)
    return tree


def _parse_env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe(error: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"])
    value: Any = data
    for part in error["loc"]:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            value = None
            break
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return f"{location}: unknown key"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    shown = f" = {value!r}" if value is not None and not isinstance(value, Mapping) else ""
    return f"{location}{shown} — {message[:1].lower()}{message[1:]}"


def config_from_mapping(data: Mapping[str, Any], source: str = "<config>") -> Config:
    """Validate a parsed mapping; raises ConfigError naming every bad key and the source."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(err, data) for err in exc.errors())  # type: ignore[arg-type]
        raise ConfigError(f"config error in {source}: {problems}") from None


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load TOML (optional) then apply ``SCALP__...`` environment overrides, and validate."""
    data: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        file_path = Path(path)
        source = str(file_path)
        try:
            data = tomllib.loads(file_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config error: file {file_path} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config error in {file_path}: not valid TOML — {exc}") from None
    overrides = _env_overrides(os.environ if env is None else env)
    if overrides:
        data = _merge(data, overrides)
        source = f"{source} (+ {ENV_PREFIX}* environment)"
    return config_from_mapping(data, source)
