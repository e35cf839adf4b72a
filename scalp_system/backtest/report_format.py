"""How numbers and times look in a backtest report: UTC timestamps, money, counts, durations.

Pure functions from values to strings, shared by the JSON writer (exact ISO timestamps, plain decimal
strings) and the HTML page (grouped digits, signs, compact durations), so the two never disagree.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

NS_PER_S = 1_000_000_000


def iso_utc(ts_ns: int) -> str:
    """ISO-8601 UTC with all nine fractional digits: ``2024-08-08T10:00:00.123456789Z``."""
    seconds, frac = divmod(ts_ns, NS_PER_S)
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def plain_decimal(value: Decimal) -> str:
    """The exact decimal in plain notation (never ``1E+2``), trailing zeros kept as given."""
    return format(value, "f")


def time_of_day(ts_ns: int, *, with_date: bool = False, with_ms: bool = True) -> str:
    """A human timestamp in UTC: ``10:00:01.234`` (or ``2024-08-08 10:00:01.234``)."""
    seconds, frac = divmod(ts_ns, NS_PER_S)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")
    return f"{text}.{frac // 1_000_000:03d}" if with_ms else text


def money(value: Decimal, *, signed: bool = False, min_places: int = 2, max_places: int = 8) -> str:
    """Grouped money: at least ``min_places`` decimals, at most ``max_places`` (trailing zeros trimmed).

    Small crypto amounts keep their significant digits (``0.00123``); large ones read as ``1,234.50``.
    """
    if not value.is_finite():
        return str(value)
    rounded = round(value, max_places)
    text = format(abs(rounded), f",.{max_places}f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    frac = frac + "0" * max(0, min_places - len(frac))
    body = f"{whole}.{frac}" if frac else whole
    if rounded < 0:
        return "−" + body
    if signed and rounded > 0:
        return "+" + body
    return body


def count(value: int) -> str:
    """A grouped whole number: ``1,234,567``."""
    return f"{value:,}"


def number(value: float, places: int = 1) -> str:
    """A grouped float, or ``–`` when it is not finite."""
    if not math.isfinite(value):
        return "–"
    return f"{value:,.{places}f}"


def percent(fraction: float, places: int = 1) -> str:
    """A fraction as a percentage: ``0.5312 → 53.1 %``."""
    return f"{fraction * 100:.{places}f} %"


def duration(seconds: float) -> str:
    """A compact duration: ``850 ms``, ``12.4 s``, ``3m 05s``, ``2h 07m``."""
    if not math.isfinite(seconds):
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def axis_label(value: float, step: float) -> str:
    """An axis tick label with just enough decimals to tell neighbouring ticks ``step`` apart."""
    places = 0
    if step > 0 and math.isfinite(step):
        places = max(0, -math.floor(math.log10(step)))
        while places < 10 and abs(round(step, places) - step) > step * 1e-9:
            places += 1
    if abs(value) < step / 1e6:
        value = 0.0
    text = f"{abs(value):,.{min(places, 10)}f}"
    return ("−" if value < 0 else "") + text
