"""Configuration: SPEC defaults, frozen objects, errors that name the key and the file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from scalp_system.config import Config, ConfigError, load_config


def test_defaults_are_the_spec_values() -> None:
    config = Config()
    assert config.risk.k_stop == Decimal("1.5")
    assert config.risk.k_tp == Decimal("2.0")
    assert config.risk.spread_floor == Decimal("0.01")
    assert config.risk.per_trade_risk == Decimal("0.0025")
    assert config.risk.max_open_orders == 10
    assert config.risk.max_orders_per_min == 200
    assert config.routing.vwap_threshold_lots == 5
    assert config.routing.max_participation == Decimal("0.10")
    assert config.hedge.threshold == Decimal("0.7") and config.hedge.target == Decimal("0.3")
    assert config.data.lob_levels == 20 and config.data.book_ttl_s == 5
    assert config.data.max_memory_mb == 512 and config.data.max_active_instruments == 8
    assert config.drift.window == 2000 and config.ml.horizon == 20
    assert config.network.failover_hook_timeout_s == 30
    assert config.checkpoint.interval_s == 5


def test_config_objects_are_frozen() -> None:
    config = Config()
    with pytest.raises(ValidationError):
        config.risk.k_stop = Decimal(2)  # type: ignore[misc]


def test_out_of_range_value_names_key_value_and_file(tmp_path: Path) -> None:
    path = tmp_path / "scalp.toml"
    path.write_text("[risk]\nk_stop = -1\n")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert str(error.value) == f"config error in {path}: risk.k_stop = -1 — input should be greater than 0"


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "scalp.toml"
    path.write_text("[risk]\nk_stopp = 2\n")
    with pytest.raises(ConfigError, match=r"risk\.k_stopp: unknown key"):
        load_config(path, env={})


def test_wrong_type_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "scalp.toml"
    path.write_text('[data]\nbook_ttl_s = "soon"\n')
    with pytest.raises(ConfigError, match=r"data\.book_ttl_s = 'soon'"):
        load_config(path, env={})


def test_depth_must_be_one_the_api_allows(tmp_path: Path) -> None:
    path = tmp_path / "scalp.toml"
    path.write_text("[data]\nlob_levels = 25\n")
    with pytest.raises(ConfigError, match=r"data\.lob_levels = 25 — must be one of"):
        load_config(path, env={})


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = tmp_path / "scalp.toml"
    path.write_text("[risk]\nk_stop = 2\n")
    config = load_config(path, env={"SCALP__RISK__K_STOP": "2.5", "SCALP__DATA__LOB_LEVELS": "10"})
    assert config.risk.k_stop == Decimal("2.5")
    assert config.data.lob_levels == 10


def test_bad_environment_override_names_the_environment() -> None:
    with pytest.raises(ConfigError, match=r"environment.*risk\.cooldown_s"):
        load_config(None, env={"SCALP__RISK__COOLDOWN_S": "-3"})


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[risk\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        load_config(path, env={})


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})


def test_hedge_target_must_be_below_threshold() -> None:
    with pytest.raises(ConfigError, match=r"hedge\.target must be below"):
        from scalp_system.config import config_from_mapping

        config_from_mapping({"hedge": {"threshold": "0.5", "target": "0.6"}})


def test_configuration_reference_is_current() -> None:
    from scalp_system.config_doc import render

    committed = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text()
    assert committed == render(), (
        "docs/configuration.md is stale: python -m scalp_system.config_doc > docs/configuration.md"
    )
