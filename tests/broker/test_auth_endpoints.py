"""Token handling (0600 file, redaction) and endpoint rules (TLS default, plaintext only to loopback)."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import pytest

from scalp_system.broker.auth import Secret, TokenError, load_token, scrub
from scalp_system.broker.endpoints import PROD_HOST, SANDBOX_HOST, Endpoint, EndpointError, resolve_endpoint

CANARY = "t.CANARY-auth-7f3a9c"


def test_secret_never_shows_its_value(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(CANARY)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("token %s %r %s", secret, secret, f"{secret}")
    assert CANARY not in caplog.text
    assert CANARY not in repr(secret) and CANARY not in str(secret)
    assert secret.reveal() == CANARY


def test_secret_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(CANARY))


def test_scrub_blanks_known_secrets_out_of_text() -> None:
    Secret(CANARY)
    assert scrub(f"server said Bearer {CANARY}!") == "server said Bearer ***!"


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKOFF_TOKEN", CANARY)
    assert load_token().reveal() == CANARY


def test_missing_token_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINKOFF_TOKEN", raising=False)
    with pytest.raises(TokenError, match="TINKOFF_TOKEN"):
        load_token()


def test_token_file_with_mode_0600_is_read(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(CANARY + "\n")
    os.chmod(path, 0o600)
    assert load_token(token_file=path).reveal() == CANARY


def test_group_readable_token_file_is_refused_without_showing_the_token(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(CANARY)
    os.chmod(path, 0o640)
    with pytest.raises(TokenError, match="0640") as info:
        load_token(token_file=path)
    assert CANARY not in str(info.value)


def test_prod_and_sandbox_use_tls_on_443() -> None:
    assert resolve_endpoint("prod") == Endpoint(PROD_HOST, 443, True)
    assert resolve_endpoint("sandbox") == Endpoint(SANDBOX_HOST, 443, True)


def test_custom_endpoint_defaults_to_tls() -> None:
    assert resolve_endpoint("broker.example.com:8443").tls


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.2.1", "localhost", "::1"])
def test_plaintext_is_allowed_to_loopback(host: str) -> None:
    endpoint = resolve_endpoint(f"[{host}]:50051" if ":" in host else f"{host}:50051", tls=False)
    assert not endpoint.tls and endpoint.port == 50051


@pytest.mark.parametrize("spec", ["10.0.0.5:50051", "example.com:50051", "0.0.0.0:50051"])
def test_plaintext_off_loopback_is_refused(spec: str) -> None:
    with pytest.raises(EndpointError, match="plaintext"):
        resolve_endpoint(spec, tls=False)


def test_malformed_endpoint_is_refused() -> None:
    with pytest.raises(EndpointError, match="host:port"):
        resolve_endpoint("nowhere")


def test_missing_root_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EndpointError, match="root certificate"):
        resolve_endpoint("prod", root_cert_file=tmp_path / "absent.pem")
