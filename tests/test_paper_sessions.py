"""Paper mode trades the local exchange's market, which runs at any hour: session hours are not
enforced there, whether the exchange runs in-process or behind `--endpoint` (a crash campaign run at
19:00 Moscow time, in the break between sessions, once traded nothing). Sandbox and live keep them."""

from __future__ import annotations

from scalp_system.cli.run import session_rules
from scalp_system.config import load_config


def test_paper_mode_trades_outside_moex_session_hours() -> None:
    config = load_config(None, env={})
    assert config.sessions.enforce
    assert session_rules(config, "paper").sessions.enforce is False


def test_sandbox_and_live_keep_the_session_hours() -> None:
    config = load_config(None, env={})
    assert session_rules(config, "sandbox").sessions.enforce is True
    assert session_rules(config, "live").sessions.enforce is True
