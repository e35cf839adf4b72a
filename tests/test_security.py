"""Security properties a trader relies on (issue #8 "Security", SPEC §4, §5): the token file must be
private, plaintext gRPC never leaves loopback, live trading needs every explicit opt-in, and the
local exchange listens on loopback and answers nobody without its token. (The canary-token run of
every mode is ``tests/faults/test_canary_token.py``: it needs the fault suite's trained model.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scalp_system.broker.auth import TokenError, load_token
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import EndpointError, resolve_endpoint
from scalp_system.broker.errors import BrokerAuthError
from scalp_system.config import ExchangeConfig
from scalp_system.exchange.server import LocalExchange

SCALP = [sys.executable, "-m", "scalp_system.cli"]
TOKEN_TEXT = "t.sEcReT-token-for-permission-tests"


def scalp(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the real ``scalp`` command (stdin not a terminal, as under a scheduler)."""
    return subprocess.run(
        [*SCALP, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        check=False,
    )


# --- the token file ---------------------------------------------------------------------------


def test_a_token_file_readable_by_others_is_refused_with_an_error_naming_the_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN_TEXT, encoding="utf-8")
    token_file.chmod(0o644)
    with pytest.raises(TokenError) as caught:
        load_token(token_file=token_file)
    message = str(caught.value)
    assert str(token_file) in message and "0600" in message
    assert TOKEN_TEXT not in message


def test_a_0600_token_file_is_accepted_and_its_value_never_prints(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN_TEXT + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    secret = load_token(token_file=token_file)
    assert secret.reveal() == TOKEN_TEXT
    assert TOKEN_TEXT not in f"{secret} {secret!r} {secret:>40}"


def test_scalp_run_with_a_world_readable_token_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN_TEXT, encoding="utf-8")
    token_file.chmod(0o644)
    done = scalp(
        "run", "--mode", "sandbox", "--token-file", str(token_file), "--state-dir", str(tmp_path / "state")
    )
    assert done.returncode == 2, done.stderr
    assert str(token_file) in " ".join(done.stderr.split())  # rich may wrap long paths
    assert TOKEN_TEXT not in done.stdout + done.stderr


# --- TLS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["10.0.0.1:443", "192.168.1.10:50051", "invest-public-api.tbank.ru:443"])
def test_plaintext_grpc_to_a_non_loopback_host_is_refused(spec: str) -> None:
    with pytest.raises(EndpointError, match="plaintext"):
        resolve_endpoint(spec, tls=False)


def test_endpoints_use_tls_unless_told_otherwise_and_plaintext_only_to_loopback() -> None:
    assert resolve_endpoint("10.0.0.1:443").tls
    assert resolve_endpoint("prod").tls and resolve_endpoint("sandbox").tls
    assert not resolve_endpoint("127.0.0.1:50051", tls=False).tls
    assert not resolve_endpoint("localhost:50051", tls=False).tls


# --- live mode opt-ins ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        ((), "--live"),
        (("--live",), "--account"),
        (("--live", "--account", "2000000001"), "confirmation"),
    ],
    ids=["without --live", "without --account", "without confirmation"],
)
def test_live_mode_refuses_without_each_explicit_opt_in(
    tmp_path: Path, flags: tuple[str, ...], says: str
) -> None:
    done = scalp(
        "run",
        "--mode",
        "live",
        *flags,
        "--endpoint",
        "127.0.0.1:9",  # never reached: the refusal comes first
        "--state-dir",
        str(tmp_path),
        env={"TINKOFF_TOKEN": TOKEN_TEXT},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "live trading needs" in done.stderr and says in done.stderr
    assert not (tmp_path / "audit").exists()  # refused before anything ran
    assert TOKEN_TEXT not in done.stdout + done.stderr


# --- the local exchange -------------------------------------------------------------------------


def test_the_local_exchange_binds_loopback_by_default() -> None:
    assert ExchangeConfig().host == "127.0.0.1"
    help_text = scalp("exchange", "--help").stdout
    assert "127.0.0.1" in help_text


def test_the_local_exchange_will_not_start_without_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SCALP_EXCHANGE_TOKEN"}
    done = subprocess.run(
        [*SCALP, "exchange", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2
    assert "needs a token" in done.stderr


async def test_the_local_exchange_answers_nobody_without_its_token() -> None:
    async with LocalExchange(ExchangeConfig(port=0), "the-exchange-token-xyz") as ex:
        assert ex.address.startswith("127.0.0.1:")
        endpoint = resolve_endpoint(ex.address, tls=False)
        from scalp_system.broker.auth import Secret

        async with BrokerClient(endpoint, Secret("a-wrong-token-abc")) as intruder:
            with pytest.raises(BrokerAuthError) as caught:
                await intruder.get_accounts()
            assert caught.value.code == "40003"
            assert "a-wrong-token-abc" not in str(caught.value)
        async with BrokerClient(endpoint, Secret("the-exchange-token-xyz")) as owner:
            assert [a.account_id for a in await owner.get_accounts()] == [ex.account_id]
