"""The parameter space of a sweep: grid or random points, each a validated Config.

A point is a mapping of dotted config keys to values; applied on top of the base configuration
(``sweep.base_config`` + the ``[base]`` table, sessions not enforced since recordings of any market
run at any hour) it becomes a full ``Config``, validated by ``scalp_system.config`` itself, so a
value out of range is refused with the key named before anything runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from scalp_system.config import Config, ConfigError, config_from_mapping
from scalp_system.research.spec import ParameterValue, SweepError, SweepSpec, ValueRange

RANDOM_DIGITS = 6
"""Random draws are rounded to this many significant digits, so configurations stay readable."""


@dataclass(frozen=True, slots=True)
class ConfigPoint:
    """One configuration of the sweep: its id, the overrides that define it, and the full Config."""

    config_id: str
    params: Mapping[str, ParameterValue]
    config: Config

    @property
    def label(self) -> str:
        """``key=value, …`` (``base`` when nothing is overridden)."""
        return ", ".join(f"{k}={v}" for k, v in self.params.items()) or "base"


def _nest(params: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in params.items():
        section, _, field = key.partition(".")
        tree.setdefault(section, {})[field] = value
    return tree


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def base_mapping(spec: SweepSpec) -> dict[str, Any]:
    """The base configuration as a mapping: base_config file, then ``[base]``, sessions not enforced."""
    data: dict[str, Any] = {}
    if spec.sweep.base_config is not None:
        try:
            data = tomllib.loads(spec.sweep.base_config.read_text(encoding="utf-8"))
        except FileNotFoundError:
            missing = spec.sweep.base_config
            raise SweepError(
                f"sweep error in {spec.source}: sweep.base_config — file {missing} does not exist"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise SweepError(f"sweep error in {spec.sweep.base_config}: not valid TOML — {exc}") from None
    data = _merge(data, spec.base)
    return _merge(data, {"sessions": {"enforce": False}})


def config_id(params: Mapping[str, ParameterValue]) -> str:
    """A short stable id of a parameter point (the same point always has the same id)."""
    canonical = json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:10]


def _build(spec: SweepSpec, base: Mapping[str, Any], params: dict[str, ParameterValue]) -> ConfigPoint:
    shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "the base configuration"
    try:
        config = config_from_mapping(_merge(base, _nest(params)), f"{spec.source} ({shown})")
    except ConfigError as exc:
        raise SweepError(str(exc)) from None
    return ConfigPoint(config_id(params), params, config)


def _grid_values(values: list[ParameterValue] | ValueRange) -> list[ParameterValue]:
    return list(values) if isinstance(values, list) else values.grid()


def _draw(values: list[ParameterValue] | ValueRange, rng: np.random.Generator) -> ParameterValue:
    if isinstance(values, list):
        return values[int(rng.integers(len(values)))]
    if values.integral and not values.log:
        return int(rng.integers(int(values.low), int(values.high) + 1))
    if values.log:
        drawn = math.exp(rng.uniform(math.log(values.low), math.log(values.high)))
    else:
        drawn = float(rng.uniform(values.low, values.high))
    rounded = float(f"{drawn:.{RANDOM_DIGITS}g}")
    return round(rounded) if values.integral else rounded


def configurations(spec: SweepSpec) -> list[ConfigPoint]:
    """Every configuration of the sweep, validated, duplicates removed, in a stable order."""
    base = base_mapping(spec)
    keys = list(spec.parameters)
    points: list[dict[str, ParameterValue]] = []
    if spec.sweep.search == "grid":
        grids = [_grid_values(spec.parameters[k]) for k in keys]
        points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grids)]
    else:
        rng = np.random.default_rng(spec.sweep.seed)
        points = [{k: _draw(spec.parameters[k], rng) for k in keys} for _ in range(spec.sweep.samples)]
    built: dict[str, ConfigPoint] = {}
    for params in points or [{}]:
        point = _build(spec, base, params)
        built.setdefault(point.config_id, point)
    return list(built.values())
