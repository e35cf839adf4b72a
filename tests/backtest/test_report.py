"""report.json and report.html: exact money, UTC times, every field kept, a page that is self-contained,
escapes hostile text, stays small for long runs and says "no trades" instead of breaking."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from scalp_system.backtest.report import write_report
from scalp_system.backtest.report_format import iso_utc, money
from scalp_system.backtest.report_html import render_html
from scalp_system.backtest.report_json import report_document, report_json_text
from scalp_system.backtest.report_svg import MAX_POINTS, downsample, nice_ticks
from scalp_system.backtest.result import (
    BacktestResult,
    BreakerEvent,
    EquityPoint,
    FillRecord,
    RoundTripRecord,
)
from tests.backtest.report_samples import START_NS, synthetic_result

NS = 1_000_000_000
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = 'x" onmouseover="alert(2)'


def _small_result() -> BacktestResult:
    t0 = 1_723_111_200_123_456_789  # 2024-08-08 10:00:00.123456789 UTC
    return BacktestResult(
        messages=1234,
        elapsed_s=0.5,
        orders=7,
        fills=4,
        net_pnl=Decimal("12.3400"),
        gross_pnl=Decimal("1E+2"),
        commission=Decimal("-0.00000001"),
        start_ns=t0,
        end_ns=t0 + 3600 * NS,
        instruments=["SBER"],
        model="gbt+linear v1",
        equity=[
            EquityPoint(t0, Decimal("1000.00"), Decimal("0")),
            EquityPoint(t0 + NS, Decimal("990.5"), Decimal("9.5")),
        ],
        round_trips=[
            RoundTripRecord(
                "SBER",
                "long",
                t0,
                t0 + 5 * NS,
                2,
                Decimal("250.10"),
                Decimal("250.30"),
                Decimal("0.38"),
                Decimal("0.02"),
                "target",
            ),
            RoundTripRecord(
                "SBER",
                "short",
                t0 + 9 * NS,
                t0 + 12 * NS,
                1,
                Decimal("250.30"),
                Decimal("250.40"),
                Decimal("-0.11"),
                Decimal("0.01"),
                "stop",
            ),
        ],
        fill_records=[
            FillRecord(
                t0, "SBER", "buy", 2, Decimal("250.10"), Decimal("250.09"), Decimal("250.10"), "o1", "t1"
            ),
            FillRecord(t0 + 5 * NS, "SBER", "sell", 2, Decimal("250.30"), None, None, "o2", "t2"),
        ],
        mid_prices={"SBER": [(t0, Decimal("250.095")), (t0 + NS, Decimal("250.105"))]},
        pnl_by_instrument={"SBER": Decimal("0.27")},
        pnl_by_hour={10: Decimal("0.27"), 9: Decimal("0")},
        latency_us={"features": {"p50": 12.0, "p90": 20.0, "p99": float("nan"), "max": 80.0}},
        feature_importance={"spread_ticks": 0.4, "ofi_1": 0.6},
        breaker_timeline=[BreakerEvent(t0 + 60 * NS, "REJECT_RATE", "5 rejects in 60 s")],
        rejects={"ORDER_RATE_LIMIT": 5},
        denials={"RISK_COOLDOWN_ACTIVE": 3},
        extra={"signals": 40, "threshold": Decimal("0.55"), "window": (1, 2), "tags": {"b", "a"}},
    )


def _hostile_result() -> BacktestResult:
    """Every text field a user or a recording can influence carries markup or an attribute breakout."""
    base = synthetic_result(seconds=300, trips_per_instrument=3)
    names = {"BTCUSDT": HOSTILE, "ETHUSDT": HOSTILE_ATTR}
    return dataclasses.replace(
        base,
        instruments=[names[i] for i in base.instruments],
        model=HOSTILE,
        round_trips=[
            dataclasses.replace(t, instrument=names[t.instrument], exit_reason=HOSTILE)
            for t in base.round_trips
        ],
        fill_records=[
            dataclasses.replace(f, instrument=names[f.instrument], order_id=HOSTILE)
            for f in base.fill_records
        ],
        mid_prices={names[k]: v for k, v in base.mid_prices.items()},
        pnl_by_instrument={names[k]: v for k, v in base.pnl_by_instrument.items()},
        latency_us={HOSTILE: {"p50": 1.0, "p90": 2.0, "p99": 3.0, "max": 4.0}},
        feature_importance={HOSTILE: 1.0, HOSTILE_ATTR: 0.5},
        breaker_timeline=[BreakerEvent(START_NS, HOSTILE, HOSTILE_ATTR)],
        rejects={HOSTILE: 1},
        denials={HOSTILE_ATTR: 2},
        extra={HOSTILE: HOSTILE, "currency": HOSTILE_ATTR},
    )


class _TagBalance(HTMLParser):
    """Checks that every non-void element that opens also closes, in order."""

    VOID: ClassVar[set[str]] = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass  # self-closing SVG shapes

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
        else:
            self.stack.pop()


# --------------------------------------------------------------------------- report.json


def test_json_has_the_counts_the_cli_promises() -> None:
    doc = json.loads(report_json_text(_small_result()))
    assert doc["messages"] == 1234
    assert doc["elapsed_s"] == 0.5
    assert doc["orders"] == 7
    assert doc["fills"] == 4
    assert doc["net_pnl"] == "12.3400"


def test_json_money_is_exact_plain_decimal_strings() -> None:
    doc = report_document(_small_result())
    assert doc["gross_pnl"] == "100"
    assert doc["commission"] == "-0.00000001"
    assert doc["equity"][1]["equity"] == "990.5"
    assert doc["round_trips"][0]["entry_price"] == "250.10"
    assert doc["round_trips"][1]["pnl"] == "-0.11"
    assert doc["fill_records"][0]["best_bid"] == "250.09"
    assert doc["fill_records"][1]["best_bid"] is None
    assert doc["mid_prices"]["SBER"][0]["mid"] == "250.095"
    assert doc["pnl_by_instrument"] == {"SBER": "0.27"}
    assert doc["extra"]["threshold"] == "0.55"


def test_json_times_are_utc_ns_and_iso_with_nanoseconds() -> None:
    doc = report_document(_small_result())
    assert doc["start_ts_ns"] == 1_723_111_200_123_456_789
    assert doc["start_ts"] == "2024-08-08T10:00:00.123456789Z"
    assert doc["round_trips"][0]["exit_ts"] == "2024-08-08T10:00:05.123456789Z"
    assert doc["breaker_timeline"][0]["ts"] == "2024-08-08T10:01:00.123456789Z"
    assert iso_utc(0) == "1970-01-01T00:00:00.000000000Z"


def test_json_keeps_every_field_of_the_result() -> None:
    doc = report_document(_small_result())
    renamed = {"start_ns": "start_ts_ns", "end_ns": "end_ts_ns"}
    for field in dataclasses.fields(BacktestResult):
        assert renamed.get(field.name, field.name) in doc, field.name
    assert doc["pnl_by_hour"] == {"09": "0", "10": "0.27"}
    assert doc["latency_us"]["features"]["p50"] == 12.0
    assert doc["rejects"] == {"ORDER_RATE_LIMIT": 5}
    assert doc["extra"]["window"] == [1, 2]
    assert doc["extra"]["tags"] == ["a", "b"]


def test_json_is_strict_non_finite_floats_become_null() -> None:
    text = report_json_text(_small_result())

    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    doc = json.loads(text, parse_constant=refuse)
    assert doc["latency_us"]["features"]["p99"] is None


def test_json_summary_states_win_rate_and_max_drawdown() -> None:
    summary = report_document(_small_result())["summary"]
    assert summary["round_trips"] == 2
    assert summary["wins"] == 1
    assert summary["win_rate"] == 0.5
    assert summary["max_drawdown"] == "9.5"
    assert summary["avg_trade"] == "0.135"
    assert summary["messages_per_s"] == 2468.0


def test_write_report_writes_both_files_into_a_new_directory(tmp_path: Path) -> None:
    report_dir = tmp_path / "nested" / "report"
    json_path, html_path = write_report(_small_result(), report_dir)
    assert (json_path, html_path) == (report_dir / "report.json", report_dir / "report.html")
    assert json.loads(json_path.read_text(encoding="utf-8"))["net_pnl"] == "12.3400"
    assert html_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in report_dir.iterdir()) == ["report.html", "report.json"]  # no temp files


# --------------------------------------------------------------------------- report.html


def test_html_references_nothing_outside_itself() -> None:
    page = render_html(synthetic_result(seconds=600, trips_per_instrument=10))
    external = re.compile(
        r"""(?:src|href|action|xlink:href|poster|data)\s*=\s*["']?\s*(?:[a-z]+:)?//""", re.I
    )
    assert not external.search(page)
    assert not re.search(r"<(?:link|iframe|img|object|embed)\b", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert "@import" not in page
    assert "url(http" not in page and "url(//" not in page
    assert "http://" not in page and "https://" not in page


def test_html_inlines_its_styles_script_and_charts() -> None:
    page = render_html(synthetic_result(seconds=600, trips_per_instrument=10))
    assert page.count("<style>") == 1
    assert page.count("<script>") == 1
    charts = set(re.findall(r'<svg class="chart[^"]*" data-chart="([^"]+)"', page))
    assert {
        "equity",
        "drawdown",
        "pnl-by-instrument",
        "pnl-by-hour",
        "fills-BTCUSDT",
        "fills-ETHUSDT",
        "feature-importance",
        "breakers",
        "latency-p99",
    } <= charts


def test_html_is_well_formed() -> None:
    for result in (
        synthetic_result(seconds=600, trips_per_instrument=10),
        BacktestResult(),
        _hostile_result(),
    ):
        checker = _TagBalance()
        checker.feed(render_html(result))
        checker.close()
        assert checker.errors == []
        assert checker.stack == []


def test_html_escapes_hostile_text_everywhere() -> None:
    page = render_html(_hostile_result())
    assert HOSTILE not in page
    assert "<script>alert" not in page
    assert page.count("<script") == 1  # the report's own script only
    assert 'onmouseover="alert' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "x&quot; onmouseover=&quot;alert(2)" in page


def test_html_shows_headline_numbers_formatted() -> None:
    page = render_html(_small_result())
    assert "+12.34" in page  # net PnL card
    assert "1,234" in page  # messages
    assert "50.0 %" in page  # win rate
    assert "gbt+linear v1" in page


def test_empty_result_renders_every_section_with_a_note(tmp_path: Path) -> None:
    json_path, html_path = write_report(BacktestResult(), tmp_path)
    page = html_path.read_text(encoding="utf-8")
    for note in (
        "no trades",
        "no equity samples",
        "no closed trades",
        "no market data and no fills",
        "no latency samples",
        "no feature importance reported",
        "no breaker trips or state changes",
        "no rejects",
        "no denials",
        "no market data replayed",
    ):
        assert note in page, note
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["net_pnl"] == "0"
    assert doc["summary"]["win_rate"] is None


def test_long_series_are_downsampled_and_the_page_stays_small() -> None:
    n = 200_000
    t0 = START_NS
    equity = [
        EquityPoint(t0 + i * NS // 10, Decimal(10_000 + (i % 977) - (i % 313)), Decimal(0)) for i in range(n)
    ]
    mids = {"BTCUSDT": [(t0 + i * NS // 10, Decimal(60_000 + i % 1000)) for i in range(n)]}
    result = BacktestResult(
        start_ns=t0, end_ns=t0 + n * NS // 10, instruments=["BTCUSDT"], equity=equity, mid_prices=mids
    )
    page = render_html(result)
    points = dict(re.findall(r'data-chart="([^"]+)"[^>]*data-points="(\d+)"', page))
    assert 100 < int(points["equity"]) <= MAX_POINTS + 1
    assert 100 < int(points["fills-BTCUSDT"]) <= MAX_POINTS + 1
    assert len(page) < 1_000_000


def test_tables_are_capped_with_a_note() -> None:
    base = synthetic_result(seconds=3600, trips_per_instrument=600)
    page = render_html(base)
    assert "showing the first 500 of 1,200 trades" in page
    trades_table = page.split(">Trades<", 1)[1].split("</table>", 1)[0]
    assert trades_table.count("<tr>") == 501  # header + 500 rows


def test_downsampling_keeps_the_extremes() -> None:
    xs = list(range(100_000))
    ys = [0.0] * 100_000
    ys[31_337] = 99.0
    ys[77_777] = -42.0
    out_x, out_y = downsample(xs, ys, 1000)
    assert len(out_x) <= 1001
    assert max(out_y) == 99.0 and min(out_y) == -42.0
    assert out_x == sorted(out_x)
    assert out_x[0] == 0 and out_x[-1] == 99_999


def test_money_format_keeps_small_amounts_and_groups_large_ones() -> None:
    assert money(Decimal("1234.5")) == "1,234.50"
    assert money(Decimal("0.00123")) == "0.00123"
    assert money(Decimal("-7.1"), signed=True) == "−7.10"
    assert money(Decimal("7.1"), signed=True) == "+7.10"
    assert money(Decimal("0.123456789"), max_places=4) == "0.1235"


def test_axis_ticks_are_round_and_cover_the_range() -> None:
    ticks, step = nice_ticks(9999.64, 10000.18)
    assert step == 0.1
    assert [round(t, 1) for t in ticks] == [9999.7, 9999.8, 9999.9, 10000.0, 10000.1]
    ticks, step = nice_ticks(61_580, 61_870)
    assert (ticks, step) == ([61_600, 61_650, 61_700, 61_750, 61_800, 61_850], 50)
