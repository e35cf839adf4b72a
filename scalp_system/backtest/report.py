"""Writes a backtest's report.json and report.html into a report directory.

The one entry point the CLI and the runner call. Each file is written to a temporary name in the
same directory and renamed into place, so a reader never sees half a report.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from scalp_system.backtest.report_html import render_html
from scalp_system.backtest.report_json import report_json_text
from scalp_system.backtest.result import BacktestResult

JSON_NAME = "report.json"
HTML_NAME = "report.html"


def write_report(result: BacktestResult, report_dir: Path) -> tuple[Path, Path]:
    """Write ``report.json`` and a self-contained ``report.html`` under ``report_dir`` (created if missing).

    Returns the two paths, JSON first.
    """
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path = report_dir / JSON_NAME
    html_path = report_dir / HTML_NAME
    _write_atomically(json_path, report_json_text(result))
    _write_atomically(html_path, render_html(result))
    return json_path, html_path


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temp file beside ``path``, fsync it, and rename it over ``path``."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
