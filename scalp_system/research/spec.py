"""The sweep file (``sweep.toml``): what to vary, on which recordings, over which walk-forward folds.

Frozen, validated pydantic models, like ``scalp_system.config``: an unknown key, a wrong type, an
out-of-range value or a dotted parameter key that names no configuration field is a ``SweepError``
whose message names the key and the file. Relative paths in the file are resolved against the
file's directory, so a sweep runs the same from any working directory.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from scalp_system.config import Config

ParameterValue = bool | int | float | str
"""A value a dotted configuration key can take in a sweep (Decimals are written as strings or floats)."""

FORBIDDEN_KEYS = frozenset({"ml.registry_dir"})
"""Keys the sweep manages itself (each fold trains into its own registry)."""


class SweepError(ValueError):
    """The sweep file is invalid; the message names the key and the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueRange(_Strict):
    """A numeric range: ``{low, high, step}`` for a grid, ``{low, high}`` (optionally ``log``) for
    random search; integers when ``low`` and ``high`` are both integers and ``step`` is one too."""

    low: int | float
    high: int | float
    step: int | float | None = Field(None, gt=0, description="grid spacing; the grid includes high")
    log: bool = Field(False, description="random search samples log-uniformly (low > 0)")

    @model_validator(mode="after")
    def _ordered(self) -> ValueRange:
        if self.high < self.low:
            raise ValueError("high must not be below low")
        if self.log and self.low <= 0:
            raise ValueError("log ranges need low > 0")
        return self

    @property
    def integral(self) -> bool:
        """True when every value of the range is an integer."""
        return all(isinstance(v, int) for v in (self.low, self.high, self.step if self.step else 1))

    def grid(self) -> list[ParameterValue]:
        """The grid values low, low+step, …, high (exact decimal steps, no float drift)."""
        if self.step is None:
            raise ValueError("a grid over a range needs step")
        if self.integral:
            return list(range(int(self.low), int(self.high) + 1, int(self.step)))
        low, high, step = (Decimal(str(v)) for v in (self.low, self.high, self.step))
        values: list[ParameterValue] = []
        current = low
        while current <= high:
            values.append(float(current))
            current += step
        return values


class InstrumentSource(_Strict):
    """One instrument's recording: a CSV pair (with the instrument flags) or a ticker in a store.

    Instruments sharing a ``group`` are backtested (and trained) together as one portfolio; by
    default every instrument is its own group."""

    ticker: str = Field(min_length=1)
    group: str | None = None
    books: Path | None = Field(None, description="wide depth CSV (see ../shared/data/README.md)")
    trades: Path | None = Field(None, description="trades CSV of the same recording")
    tick: Decimal | None = Field(None, gt=0)
    lot: Decimal | None = Field(None, gt=0)
    currency: str = "rub"
    db: Path | None = Field(None, description="or: the project's SQLite store holding the ticker")

    @model_validator(mode="after")
    def _one_source(self) -> InstrumentSource:
        if (self.books is None) == (self.db is None):
            raise ValueError("give either books (CSV, with tick and lot) or db (a store)")
        if self.books is not None and (self.tick is None or self.lot is None):
            raise ValueError("a CSV recording needs tick and lot")
        if self.db is not None and self.trades is not None:
            raise ValueError("trades belongs to a CSV recording, not to a store")
        return self

    @property
    def group_name(self) -> str:
        """The portfolio this instrument is backtested in."""
        return self.group or self.ticker


class Period(_Strict):
    """A date range (UTC) cut into walk-forward windows; open ends mean the recording's ends."""

    name: str = Field("all", min_length=1)
    start: datetime | None = Field(None, alias="from")
    end: datetime | None = Field(None, alias="to")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("to must be after from")
        return self

    @property
    def start_ns(self) -> int | None:
        """The first nanosecond of the period, or None for the recording's start."""
        return None if self.start is None else int(self.start.timestamp() * 1_000_000) * 1_000

    @property
    def end_ns(self) -> int | None:
        """The nanosecond after the period (exclusive), or None for the recording's end."""
        return None if self.end is None else int(self.end.timestamp() * 1_000_000) * 1_000


class WalkForward(_Strict):
    """Folds: the period is cut into ``folds + 1`` equal time windows W0…Wn; fold k trains on W_k
    (``anchored``: on W_0…W_k) and is tested on W_{k+1} after a purge gap of ``ml.horizon`` books."""

    folds: int = Field(2, ge=1, le=100)
    anchored: bool = Field(False, description="expanding training window instead of a rolling one")
    train: bool = Field(True, description="false: backtest the base config's registry model, no in-sample")


class SweepSettings(_Strict):
    """How the search runs and how results are judged."""

    name: str = Field("sweep", min_length=1)
    search: Literal["grid", "random"] = "grid"
    samples: int = Field(10, ge=1, le=100_000, description="random search: configurations drawn")
    seed: int = Field(7, description="seed of the random search")
    base_config: Path | None = Field(None, description="a scalp.toml the parameters override")
    max_retries: int = Field(2, ge=0, le=20, description="retries of a failed or killed task")
    order_latency_ms: float = Field(5.0, ge=0, le=10_000)
    data: Literal["shared_path", "object_store"] = Field(
        "shared_path", description="workers read recordings themselves, or the driver puts them once"
    )
    overfit_rank_gap: float = Field(
        0.5, gt=0, le=1, description="flag when in- and out-of-sample percentile ranks differ this much"
    )


class SweepSpec(_Strict):
    """A whole sweep file, validated; ``source`` is the file it came from (for messages)."""

    sweep: SweepSettings = SweepSettings()
    base: dict[str, Any] = Field(default_factory=dict, description="scalp.toml overrides for every run")
    parameters: dict[str, list[ParameterValue] | ValueRange] = Field(default_factory=dict)
    instruments: tuple[InstrumentSource, ...] = Field(min_length=1)
    periods: tuple[Period, ...] = (Period(),)
    walk_forward: WalkForward = WalkForward()
    source: str = "<sweep>"

    @field_validator("parameters")
    @classmethod
    def _known_keys(
        cls, value: dict[str, list[ParameterValue] | ValueRange]
    ) -> dict[str, list[ParameterValue] | ValueRange]:
        for key, values in value.items():
            check_config_key(key)
            if isinstance(values, list) and not values:
                raise ValueError(f"{key}: needs at least one value")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        names = [p.name for p in self.periods]
        if len(set(names)) != len(names):
            raise ValueError("periods: names must be unique")
        tickers = [(i.group_name, i.ticker) for i in self.instruments]
        if len(set(tickers)) != len(tickers):
            raise ValueError("instruments: a ticker appears twice in one group")
        if self.sweep.search == "grid":
            for key, values in self.parameters.items():
                if isinstance(values, ValueRange) and values.step is None:
                    raise ValueError(f"parameters.{key}: a grid over a range needs step")
        return self

    @property
    def groups(self) -> dict[str, tuple[InstrumentSource, ...]]:
        """Instruments by portfolio group, in file order."""
        grouped: dict[str, list[InstrumentSource]] = {}
        for source in self.instruments:
            grouped.setdefault(source.group_name, []).append(source)
        return {name: tuple(members) for name, members in grouped.items()}


def check_config_key(key: str) -> None:
    """Raise ValueError unless ``key`` is ``section.field`` of the Config (and not sweep-managed)."""
    if key in FORBIDDEN_KEYS:
        raise ValueError(f"{key}: managed by the sweep, cannot be a parameter")
    section, _, field = key.partition(".")
    sections = Config.model_fields
    if section not in sections or not field:
        raise ValueError(f"{key}: unknown config key (sections: {', '.join(sections)})")
    annotation = sections[section].annotation
    fields = (
        annotation.model_fields if isinstance(annotation, type) and issubclass(annotation, BaseModel) else {}
    )
    if field not in fields:
        raise ValueError(f"{key}: unknown config key ({section} has: {', '.join(fields)})")


def _resolve_paths(data: dict[str, Any], root: Path) -> dict[str, Any]:
    resolved = dict(data)
    sweep = dict(resolved.get("sweep", {}))
    if isinstance(sweep.get("base_config"), str):
        sweep["base_config"] = str(root / sweep["base_config"])
        resolved["sweep"] = sweep
    instruments = []
    for entry in resolved.get("instruments", []):
        if isinstance(entry, Mapping):
            entry = dict(entry)
            for key in ("books", "trades", "db"):
                if isinstance(entry.get(key), str):
                    entry[key] = str(root / entry[key])
        instruments.append(entry)
    if "instruments" in resolved:
        resolved["instruments"] = instruments
    return resolved


def _describe(error: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        return f"{location}: unknown key"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    shown = "" if isinstance(error.get("input"), Mapping | list) else f" = {error.get('input')!r}"
    return f"{location}{shown} — {message}" if location else message


def sweep_from_mapping(
    data: Mapping[str, Any], source: str = "<sweep>", root: Path | None = None
) -> SweepSpec:
    """Validate a parsed sweep mapping; relative paths resolve against ``root``."""
    resolved = _resolve_paths(dict(data), root or Path.cwd())
    resolved["source"] = source
    try:
        return SweepSpec.model_validate(resolved)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())  # type: ignore[arg-type]
        raise SweepError(f"sweep error in {source}: {problems}") from None


def load_sweep(path: Path | str) -> SweepSpec:
    """Read and validate a sweep file."""
    file_path = Path(path)
    try:
        data = tomllib.loads(file_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SweepError(f"sweep error: file {file_path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SweepError(f"sweep error in {file_path}: not valid TOML — {exc}") from None
    return sweep_from_mapping(data, str(file_path), file_path.resolve().parent)
