"""report.html in real headless Chromium: charts render, the screenshot shows them, injected text never runs.

Skipped when Chromium is not installed, unless ``SCALP_REQUIRE_BROWSER`` is set (CI sets it), in which
case a missing browser fails the test. The screenshot is left in ``test-artifacts/report.png`` (with
the report beside it) for a person to look at. Chromium runs fully offline: the page must need nothing.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scalp_system.backtest.report import write_report
from scalp_system.backtest.report_html import BUY_COLOR, DRAWDOWN_COLOR, EQUITY_COLOR, SELL_COLOR
from tests.backtest.report_samples import synthetic_result

pytestmark = pytest.mark.browser

WINDOW = (1400, 2400)
CHROMIUM_NAMES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
EXPECTED_CHARTS = {
    "equity", "drawdown", "pnl-by-instrument", "pnl-by-hour", "fills-BTCUSDT", "fills-ETHUSDT",
    "feature-importance", "breakers", "latency-p99",
}  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _chromium() -> str:
    """The Chromium binary, or skip (fail when SCALP_REQUIRE_BROWSER is set) when there is none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    reason = (
        "headless Chromium not installed (apt-get install -y chromium); report.html not checked in a browser"
    )
    if os.environ.get("SCALP_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"SCALP_REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


def _run_chromium(binary: str, work: Path, extra: list[str], page: Path) -> str:
    """Run headless Chromium offline against ``page``; return stdout (fail with stderr when it fails)."""
    profile = work / f"profile-{len(list(work.glob('profile-*')))}"
    args = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}", *extra, page.as_uri(),
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(work)}
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


class _DomCharts(HTMLParser):
    """Collects the attributes of each chart <svg>, its series paths, and the <body> and <script> tags."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, str]] = {}
        self.series: dict[str, list[dict[str, str]]] = {}
        self.body: dict[str, str] = {}
        self.scripts = 0
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "svg" and "chart" in attributes.get("class", "").split():
            self._current = attributes.get("data-chart", "")
            self.charts[self._current] = attributes
        elif tag == "path" and "series" in attributes.get("class", "").split() and self._current is not None:
            self.series.setdefault(self._current, []).append(attributes)
        elif tag == "body":
            self.body = attributes
        elif tag == "script":
            self.scripts += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._current = None


def _parse_dom(dom: str) -> _DomCharts:
    parser = _DomCharts()
    parser.feed(dom)
    parser.close()
    return parser


@dataclasses.dataclass(frozen=True)
class _Image:
    """A decoded 8-bit RGB or RGBA PNG: rows of raw bytes, ``channels`` bytes per pixel."""

    width: int
    height: int
    channels: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = x * self.channels
        row = self.rows[y]
        return row[i], row[i + 1], row[i + 2]


def _decode_png(data: bytes) -> _Image:
    """A minimal PNG decoder (8-bit RGB/RGBA, not interlaced): enough to look at a screenshot's pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (
        f"unsupported PNG {depth=} {colour=} {interlace=}"
    )
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    rows: list[bytes] = []
    for r in range(height):
        start = r * (stride + 1)
        rows.append(
            bytes(_unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels))
        )
        previous = bytearray(rows[-1])
    return _Image(width, height, channels, rows)


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> bytearray:
    """Undo one scanline's PNG filter (0 none, 1 sub, 2 up, 3 average, 4 Paeth) in place."""
    if kind == 1:
        for i in range(bpp, len(line)):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif kind == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, previous, strict=True))
    elif kind == 3:
        for i in range(len(line)):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
    elif kind == 4:
        for i in range(len(line)):
            left, up = (line[i - bpp], previous[i]) if i >= bpp else (0, previous[i])
            corner = previous[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
    return line


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = int(hex_colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 255, value & 255


def _pixels_near(image: _Image, box: tuple[int, int, int, int], colour: str, tolerance: int = 40) -> int:
    """How many pixels inside ``box`` (left, top, width, height) are within ``tolerance`` of ``colour``."""
    red, green, blue = _rgb(colour)
    left, top, width, height = box
    left, right = max(left, 0), min(left + width, image.width)
    step = image.channels
    hits = 0
    for y in range(max(top, 0), min(top + height, image.height)):
        row = image.rows[y]
        start, end = left * step, right * step
        reds, greens, blues = row[start:end:step], row[start + 1 : end : step], row[start + 2 : end : step]
        for r, g, b in zip(reds, greens, blues, strict=True):
            if abs(r - red) <= tolerance and abs(g - green) <= tolerance and abs(b - blue) <= tolerance:
                hits += 1
    return hits


def _box(chart: dict[str, str]) -> tuple[int, int, int, int]:
    left, top, width, height = (int(v) for v in chart["data-box"].split(","))
    return left, top, width, height


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, artifacts_dir: Path) -> tuple[_DomCharts, _Image]:
    """A realistic report rendered once: the DOM after scripts ran, and the decoded screenshot."""
    binary = _chromium()
    work = tmp_path_factory.mktemp("browser")
    _, html_path = write_report(synthetic_result(), work / "report")
    shutil.copyfile(html_path, artifacts_dir / "report.html")
    dom = _run_chromium(binary, work, ["--virtual-time-budget=2000", "--dump-dom"], html_path)
    screenshot = artifacts_dir / "report.png"
    screenshot.unlink(missing_ok=True)
    _run_chromium(binary, work, [f"--screenshot={screenshot}"], html_path)
    assert screenshot.is_file(), "chromium wrote no screenshot"
    data = screenshot.read_bytes()
    assert len(data) > 20_000, f"screenshot is only {len(data)} bytes"
    return _parse_dom(dom), _decode_png(data)


# --------------------------------------------------------------------------- tests


def test_every_chart_is_laid_out_and_drawn_by_the_browser(rendered: tuple[_DomCharts, _Image]) -> None:
    dom, _ = rendered
    assert set(dom.charts) >= EXPECTED_CHARTS
    for name in EXPECTED_CHARTS:
        chart = dom.charts[name]
        assert chart.get("data-rendered") == "true", f"{name} was not rendered"
        _, _, width, height = _box(chart)
        assert width > 300 and height > 40, f"{name} box {chart['data-box']}"
    assert int(dom.body["data-charts-rendered"]) >= len(EXPECTED_CHARTS)


def test_the_equity_curve_is_a_long_drawn_path(rendered: tuple[_DomCharts, _Image]) -> None:
    dom, _ = rendered
    (equity,) = dom.series["equity"]
    assert equity["d"].count("L") > 300  # many points, not a stub
    assert int(dom.charts["equity"]["data-points"]) > 300
    assert int(equity["data-length"]) > 1000  # the browser measured a long polyline
    for ticker in ("BTCUSDT", "ETHUSDT"):
        (mid,) = dom.series[f"fills-{ticker}"]
        assert int(mid["data-length"]) > 1000


def test_the_screenshot_is_the_page_not_a_blank(rendered: tuple[_DomCharts, _Image]) -> None:
    _, image = rendered
    assert (image.width, image.height) == WINDOW
    counts: dict[tuple[int, int, int], int] = {}
    for y in range(0, image.height, 5):
        for x in range(0, image.width, 5):
            colour = image.pixel(x, y)
            counts[colour] = counts.get(colour, 0) + 1
    total = sum(counts.values())
    assert len(counts) > 50, "the screenshot has almost no distinct colours"
    assert max(counts.values()) / total < 0.9, "the screenshot is nearly one colour"


def test_the_screenshot_shows_the_curves_and_fills_in_their_colours(
    rendered: tuple[_DomCharts, _Image],
) -> None:
    dom, image = rendered
    assert _pixels_near(image, _box(dom.charts["equity"]), EQUITY_COLOR) > 500
    assert _pixels_near(image, _box(dom.charts["drawdown"]), DRAWDOWN_COLOR) > 500
    fills = _box(dom.charts["fills-BTCUSDT"])
    assert fills[1] + fills[3] <= image.height, "the fills chart should be inside the first screen"
    assert _pixels_near(image, fills, BUY_COLOR) > 100
    assert _pixels_near(image, fills, SELL_COLOR) > 100


def test_hostile_instrument_names_run_no_script_in_the_browser(tmp_path: Path) -> None:
    binary = _chromium()
    base = synthetic_result(seconds=300, trips_per_instrument=3)
    hostile = "<script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror=alert(1)>"
    result = dataclasses.replace(
        base,
        instruments=[hostile, "ETHUSDT"],
        model=hostile,
        mid_prices={hostile if k == "BTCUSDT" else k: v for k, v in base.mid_prices.items()},
        rejects={hostile: 1},
    )
    _, html_path = write_report(result, tmp_path / "report")
    dom_text = _run_chromium(binary, tmp_path, ["--virtual-time-budget=2000", "--dump-dom"], html_path)
    dom = _parse_dom(dom_text)
    assert dom.scripts == 1  # only the report's own script
    assert "data-pwned" not in dom.body
    assert not re.search(r"<img\b", dom_text)
    assert int(dom.body["data-charts-rendered"]) > 0  # the report's script still ran
