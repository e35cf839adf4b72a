"""The canary-token run (issue #8 "Security", SPEC §4 "no secret ever reaches a log, the database or
an error message"): a unique token is used in every mode that can run here — paper against an
in-process exchange, paper as the real ``scalp run`` against a separate ``scalp exchange`` process,
a backtest over what was recorded, and sandbox/live attempts the server refuses with 40003 — then
every captured output, log record, exception text and file written is searched for it."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from scalp_system.config import ExchangeConfig
from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.session import RunOptions, run_session
from tests.faults.harness import TICKERS, local_exchange, paper_config

SCALP = [sys.executable, "-m", "scalp_system.cli"]


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


async def _scalp(*args: str, env: dict[str, str], limit_s: float = 180) -> tuple[int, str]:
    """Run the real ``scalp`` command without blocking the loop (an in-process exchange may serve it)."""
    process = await asyncio.create_subprocess_exec(
        *SCALP, *args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), limit_s)
    return process.returncode or 0, output.decode("utf-8", "replace")


async def test_a_canary_token_appears_in_no_output_of_any_mode(
    tmp_path: Path, trained_models: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "canary-" + secrets.token_hex(16)
    monkeypatch.setenv("TINKOFF_TOKEN", canary)
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    # 1. paper, in-process, against a local exchange whose token is the canary
    inproc = tmp_path / "inproc"
    config = paper_config(inproc, trained_models)
    market_exchange = LocalExchange(ExchangeConfig(port=0), canary, journal_path=inproc / "exchange.jsonl")
    async with market_exchange as ex:
        summary = await run_session(
            config,
            RunOptions(
                mode="paper",
                endpoint=ex.address,
                tickers=TICKERS,
                duration_s=4.0,
                summary_json=inproc / "summary.json",
            ),
        )
    texts.append(summary.to_json())

    # 2. sandbox and live attempts, in-process and as `scalp run`, refused with 40003 by a server
    #    whose token is not the canary
    env = {**os.environ, "TINKOFF_TOKEN": canary, "SCALP__SESSIONS__ENFORCE": "false"}
    refused = tmp_path / "refused"
    async with local_exchange(refused) as other:
        for mode in ("sandbox", "live"):
            with pytest.raises(Exception) as caught:
                await run_session(
                    paper_config(refused / mode),
                    RunOptions(
                        mode=mode, endpoint=other.address, account_id="acc", tickers=("SBER",), duration_s=1.0
                    ),
                )
            texts.append("".join(traceback.format_exception(caught.value)) + repr(caught.value))
            assert "40003" in texts[-1]
        code, output = await _scalp(
            "run",
            "--mode",
            "sandbox",
            "--endpoint",
            other.address,
            "--state-dir",
            str(refused / "cli-sandbox"),
            env=env,
        )
        texts.append(output)
        assert code != 0 and "40003" in output
        code, output = await _scalp(
            "run",
            "--mode",
            "live",
            "--live",
            "--yes",
            "--account",
            "acc",
            "--endpoint",
            other.address,
            "--instruments",
            "SBER",
            "--state-dir",
            str(refused / "cli-live"),
            env=env,
        )
        texts.append(output)
        assert code != 0 and "40003" in output

    # 3. paper as the real commands: `scalp exchange` (token = canary) and `scalp run` against it
    separate = tmp_path / "separate"
    shutil.copytree(trained_models, separate / "models")
    server = await asyncio.create_subprocess_exec(
        *SCALP,
        "exchange",
        "--port",
        "0",
        "--journal",
        str(separate / "exchange.jsonl"),
        env={**env, "SCALP_EXCHANGE_TOKEN": canary},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert server.stdout is not None
    server_output = ""
    try:
        while "listening on" not in server_output:
            line = await asyncio.wait_for(server.stdout.readline(), 60)
            assert line, server_output
            server_output += line.decode()
        address = server_output.split("listening on ", 1)[1].split()[0]
        code, output = await _scalp(
            "run",
            "--mode",
            "paper",
            "--endpoint",
            address,
            "--instruments",
            ",".join(TICKERS),
            "--duration",
            "4",
            "--state-dir",
            str(separate),
            "--summary-json",
            str(separate / "summary.json"),
            env=env,
        )
        texts.append(output)
        assert code == 0, output[-3000:]
    finally:
        server.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(server.communicate(), 30)
        server_output += rest.decode("utf-8", "replace")
    texts.append(server_output)

    # 4. a backtest over what the paper run recorded
    code, output = await _scalp(
        "backtest",
        "--db",
        str(separate / "scalp.db"),
        "--state-dir",
        str(separate),
        "--report-dir",
        str(separate / "report"),
        env=env,
    )
    texts.append(output)

    texts.extend(record.getMessage() for record in caplog.records)
    texts.extend(caplog.text.splitlines())
    assert not [t for t in texts if canary in t]
    assert _files_containing(tmp_path, canary.encode()) == []
