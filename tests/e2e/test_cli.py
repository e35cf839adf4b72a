"""The `scalp` command set as a trader uses it: subprocesses of the real console entry point,
checking exit codes (0 ok, 1 failure, 2 bad usage/config) and what they print."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scalp_system.monitoring.audit import AuditLog
from scalp_system.orchestration.checkpoint import CheckpointStore

SCALP = [sys.executable, "-m", "scalp_system.cli"]
BTC = ["--ticker", "BTCUSDT", "--tick", "0.1", "--lot", "0.001", "--currency", "usdt"]


def scalp(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SCALP, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = scalp("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in (
        "run",
        "backtest",
        "exchange",
        "record",
        "data",
        "train",
        "resume",
        "status",
        "recover",
        "audit",
        "storage",
    ):
        assert command in result.stdout


def test_a_bad_config_value_exits_2_naming_key_and_file(tmp_path: Path) -> None:
    config = tmp_path / "scalp.toml"
    config.write_text("[risk]\nk_stop = -1\n")
    result = scalp("status", "--config", str(config), "--state-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert f"config error in {config}: risk.k_stop = -1" in result.stderr.replace("\n", " ")


def test_data_import_then_info_on_a_real_recording(tmp_path: Path, shared_data: Path) -> None:
    db = tmp_path / "store.db"
    result = scalp(
        "data",
        "import",
        "--books",
        str(shared_data / "usdm_ethusdt_20240808_depth20.csv.gz"),
        "--trades",
        str(shared_data / "usdm_ethusdt_20240808_trades.csv.gz"),
        "--ticker",
        "ETHUSDT",
        "--tick",
        "0.01",
        "--lot",
        "0.001",
        "--currency",
        "usdt",
        "--db",
        str(db),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "imported 6579 books and 14076 trades of ETHUSDT" in result.stdout.replace("\n", " ")
    info = scalp("data", "info", "--db", str(db), cwd=tmp_path)
    assert info.returncode == 0 and "ETHUSDT" in info.stdout


def test_a_crossed_row_refuses_the_import_with_file_and_line_and_exit_2(tmp_path: Path) -> None:
    header = "local_ts_ns,exch_ts_ms," + ",".join(
        f"bid_px_{i},bid_sz_{i},ask_px_{i},ask_sz_{i}" for i in range(20)
    )
    good = ",".join(f"{100 - i * 0.1:.1f},1,{100.1 + i * 0.1:.1f},1" for i in range(20))
    crossed = ",".join(f"{200 - i * 0.1:.1f},1,{100.1 + i * 0.1:.1f},1" for i in range(20))
    books = tmp_path / "ticks.csv.gz"
    books.write_bytes(gzip.compress("\n".join([header, f"1,1,{good}", f"2,2,{crossed}"]).encode() + b"\n"))
    db = tmp_path / "store.db"
    result = scalp("data", "import", "--books", str(books), *BTC, "--db", str(db), cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "ticks.csv.gz line 3" in message and "nothing imported" in message
    assert not db.exists() or "BTCUSDT" not in scalp("data", "info", "--db", str(db), cwd=tmp_path).stdout


def test_backtest_writes_json_and_html_reports(tmp_path: Path, shared_data: Path) -> None:
    report = tmp_path / "report"
    result = scalp(
        "backtest",
        "--books",
        str(shared_data / "usdm_btcusdt_20240808_depth20.csv.gz"),
        "--trades",
        str(shared_data / "usdm_btcusdt_20240808_trades.csv.gz"),
        *BTC,
        "--report-dir",
        str(report),
        "--state-dir",
        str(tmp_path / "var"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads((report / "report.json").read_text())
    assert document["messages"] == 6545 + 21313
    assert isinstance(document["net_pnl"], str) and document["elapsed_s"] > 0
    assert (report / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_backtest_without_an_instrument_definition_is_bad_usage(tmp_path: Path, shared_data: Path) -> None:
    result = scalp(
        "backtest", "--books", str(shared_data / "usdm_btcusdt_20240808_depth20.csv.gz"), cwd=tmp_path
    )
    assert result.returncode == 2 and "--ticker" in result.stderr


def test_audit_verify_passes_an_intact_log_and_names_the_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, fsync="always")
    for index in range(4):
        log.record("order_intent", "test", {"n": index})
    log.close()
    assert scalp("audit", "verify", str(path), cwd=tmp_path).returncode == 0
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"n":1', '"n":7')
    path.write_text("\n".join(lines) + "\n")
    result = scalp("audit", "verify", str(path), cwd=tmp_path)
    assert result.returncode == 1 and "line 3" in " ".join(result.stderr.split())


def test_status_reads_the_last_checkpoint_and_resume_leaves_an_audited_request(tmp_path: Path) -> None:
    state = tmp_path / "var"
    assert scalp("status", "--state-dir", str(state), cwd=tmp_path).returncode == 1
    CheckpointStore(state / "checkpoints").save(
        {"ts_ns": 1, "model": "test-model", "risk": {"board": {}}, "stats": {"orders_posted": 3, "fills": 2}}
    )
    status = scalp("status", "--state-dir", str(state), cwd=tmp_path)
    assert status.returncode == 0 and "test-model" in status.stdout and "orders posted: 3" in status.stdout
    resume = scalp("resume", "--state-dir", str(state), cwd=tmp_path)
    assert resume.returncode == 0
    assert list((state / "control").glob("resume-*.json"))
    assert '"command":"resume"' in (state / "audit" / "audit.jsonl").read_text()


@pytest.mark.parametrize("args", [["--mode", "live"], ["--mode", "live", "--live"], ["--mode", "bogus"]])
def test_live_mode_refuses_without_every_opt_in(tmp_path: Path, args: list[str]) -> None:
    result = scalp("run", *args, "--state-dir", str(tmp_path / "var"), cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert "live trading needs" in result.stderr or "--mode must be" in result.stderr


def test_record_stores_books_and_trades_from_the_local_exchange(tmp_path: Path) -> None:
    db = tmp_path / "recorded.db"
    result = scalp("record", "--instruments", "SBER,GAZP", "--duration", "4", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "recorded" in result.stdout
    info = scalp("data", "info", "--db", str(db), cwd=tmp_path)
    assert info.returncode == 0 and "SBER" in info.stdout and "GAZP" in info.stdout
    from scalp_system.storage.historical import read_books
    from scalp_system.storage.store import Store

    with Store(db, read_only=True) as store:
        sber = next(i for i in store.instruments() if i.ticker == "SBER")
        books = read_books(store, sber.uid)
    assert len(books) > 5 and books.levels == 20
    assert (books.bid_px[:, 0] < books.ask_px[:, 0]).all()


def test_train_from_the_store_reports_against_baselines_and_saves_models(
    tmp_path: Path, shared_data: Path
) -> None:
    db = tmp_path / "store.db"
    imported = scalp(
        "data",
        "import",
        "--books",
        str(shared_data / "usdm_ethusdt_20240808_depth20.csv.gz"),
        "--trades",
        str(shared_data / "usdm_ethusdt_20240808_trades.csv.gz"),
        "--ticker",
        "ETHUSDT",
        "--tick",
        "0.01",
        "--lot",
        "0.001",
        "--currency",
        "usdt",
        "--db",
        str(db),
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stderr
    env = {"SCALP__ML__GBM_ITERATIONS": "20", "SCALP__ML__WALK_FORWARD_FOLDS": "2"}
    report = tmp_path / "training.json"
    result = scalp(
        "train",
        "--db",
        str(db),
        "--instruments",
        "ETHUSDT",
        "--report",
        str(report),
        "--state-dir",
        str(tmp_path / "var"),
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "baselines" in result.stdout
    document = json.loads(report.read_text())
    assert {"ensemble", "baseline_always_flat", "baseline_imbalance_sign"} <= set(document["pooled"])
    assert (tmp_path / "var" / "models" / "lightgbm").is_dir() and (
        tmp_path / "var" / "models" / "linear"
    ).is_dir()
