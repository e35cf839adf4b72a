"""Import of the wide CSV recordings (``../shared/data`` README format) into core frames.

``read_books_csv`` reads ``local_ts_ns, exch_ts_ms, bid_px_0, bid_sz_0, ask_px_0, ask_sz_0, ...``
(one row per depth update, level 0 best) and ``read_trades_csv`` reads ``local_ts_ns, exch_ts_ms,
trade_id, price, qty, aggressor``; gzip or plain text, told apart by the gzip magic bytes. Prices
become ticks and sizes lots of the user-given Instrument. Every bad row — wrong column count,
non-numeric or non-finite value, non-positive price or size, unsorted levels, crossed or locked
book, off-tick price, fractional lots, exchange time going backwards — is reported with its file
name and line number, and a file with any bad row imports nothing: ``CsvImportError`` lists the
problems in words a trader can act on.

Rows are kept in file order, which (time going backwards being refused) is exchange-time order with
ties in file order; ``local_ts_ns`` is carried but never used for ordering (the recording clock was
not synchronised). Parsing uses ``numpy.loadtxt`` (C) and the checks are vectorised; a Python
row-by-row pass runs only when a file has unparsable values, to name every such row. Values are
parsed as float64: a price counts as on tick when ``|price/tick − round(price/tick)|`` is below
1e-6 ticks (looser only past 1e9 ticks, where float64 itself cannot tell), sizes likewise for lots.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import Aggressor

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

GZIP_MAGIC = b"\x1f\x8b"
MAX_SHOWN_PROBLEMS = 50
MAX_KEPT_PROBLEMS = 10_000
NS_PER_MS = 1_000_000
TRADE_COLUMNS = ("local_ts_ns", "exch_ts_ms", "trade_id", "price", "qty", "aggressor")
_AGGRESSORS = {"buy": Aggressor.BUY, "sell": Aggressor.SELL}


@dataclass(frozen=True, slots=True)
class CsvProblem:
    """One bad row (or an unreadable file when ``line`` is 0), in words."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line > 0 else self.file
        return f"{where}: {self.message}"


class CsvImportError(ValueError):
    """A CSV import was refused; nothing was imported. ``problems`` holds up to 10,000 of them in
    file and line order, ``total`` counts all; ``str()`` shows the first 50 and how many more."""

    def __init__(self, problems: Sequence[CsvProblem], total: int | None = None) -> None:
        self.problems = tuple(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__(self._describe())

    def _describe(self) -> str:
        if self.total == 1 and self.problems:
            return f"data import refused: {self.problems[0]}; nothing imported"
        files = ", ".join(dict.fromkeys(p.file for p in self.problems))
        lines = [f"data import refused: {self.total} problems in {files}; nothing imported"]
        lines += [f"  {problem}" for problem in self.problems[:MAX_SHOWN_PROBLEMS]]
        if self.total > MAX_SHOWN_PROBLEMS:
            lines.append(f"  ... and {self.total - MAX_SHOWN_PROBLEMS} more")
        return "\n".join(lines)


class _Problems:
    """Collects problems of one file, keeping the first MAX_KEPT_PROBLEMS and a total count."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[tuple[int, int, str]] = []  # (line, order of discovery, message)
        self.total = 0

    def add(self, line: int, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_KEPT_PROBLEMS * 4:  # sorted and cut to MAX_KEPT_PROBLEMS later
            self.items.append((line, len(self.items), message))

    def refuse(self) -> NoReturn:
        ordered = sorted(self.items)[:MAX_KEPT_PROBLEMS]
        raise CsvImportError([CsvProblem(self.file, line, msg) for line, _, msg in ordered], self.total)

    def raise_if_any(self) -> None:
        if self.total:
            self.refuse()


def _fmt(value: float) -> str:
    """A number as a trader wrote it: shortest round-trip repr, no trailing ``.0`` on integers."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


# -- reading ----------------------------------------------------------------------------------------
def _read_lines(path: Path, problems: _Problems) -> list[str] | None:
    """The file's lines (gzip or plain, by magic bytes), CRLF-tolerant; None when unreadable."""
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        problems.add(0, f"cannot read the file ({exc.__class__.__name__}: {exc})")
        return None
    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].strip():
        problems.add(1, "the file is empty (no header line)")
        return None
    return lines


def _body(lines: list[str]) -> tuple[list[int], list[str]]:
    """Non-blank data lines after the header with their 1-based line numbers."""
    numbers: list[int] = []
    rows: list[str] = []
    for index in range(1, len(lines)):
        line = lines[index]
        if line and not line.isspace():
            numbers.append(index + 1)
            rows.append(line)
    return numbers, rows


def _split_by_width(
    numbers: list[int], rows: list[str], width: int, problems: _Problems
) -> tuple[list[int], list[str]]:
    """Rows with exactly ``width`` fields; the others are reported (wrong column count)."""
    commas = width - 1
    if all(row.count(",") == commas for row in rows):
        return numbers, rows
    kept_numbers: list[int] = []
    kept_rows: list[str] = []
    for number, row in zip(numbers, rows, strict=True):
        fields = row.count(",") + 1
        if fields == width:
            kept_numbers.append(number)
            kept_rows.append(row)
        else:
            problems.add(number, f"has {fields} fields, expected {width} (wrong column count)")
    return kept_numbers, kept_rows


# -- vectorised checks ------------------------------------------------------------------------------
def _first_true(mask: BoolArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Rows of a (n, L) mask with any True, and the first True column of each."""
    rows = np.flatnonzero(mask.any(axis=1))
    return rows, mask[rows].argmax(axis=1)


def _off_grid(values: F64, step: float) -> BoolArray:
    """True where ``values`` is not a whole multiple of ``step`` (within float64's resolution)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = values / step
        tolerance = np.maximum(1e-6, np.abs(ratio) * 1e-15)
        result: BoolArray = np.abs(ratio - np.rint(ratio)) > tolerance
    return result


def _check_time(exchange_ms: I64, lines: I64, problems: _Problems) -> None:
    back = np.flatnonzero(exchange_ms[1:] < exchange_ms[:-1]) + 1
    for row in back.tolist():
        problems.add(
            int(lines[row]),
            f"exchange time {int(exchange_ms[row])} ms is before the previous row's "
            f"{int(exchange_ms[row - 1])} ms (time going backwards)",
        )


def _check_levels(
    bid_px: F64,
    bid_sz: F64,
    ask_px: F64,
    ask_sz: F64,
    lines: I64,
    instrument: Instrument,
    problems: _Problems,
) -> None:
    """Every per-level and per-row book check, vectorised; adds one problem per (row, kind)."""
    sides = (("bid", bid_px, bid_sz), ("ask", ask_px, ask_sz))
    finite_rows = np.ones(bid_px.shape[0], dtype=np.bool_)
    for side, px, sz in sides:
        for kind, values in (("px", px), ("sz", sz)):
            rows, levels = _first_true(~np.isfinite(values))
            finite_rows[rows] = False
            for row, level in zip(rows.tolist(), levels.tolist(), strict=True):
                problems.add(int(lines[row]), f"{side}_{kind}_{level} is {values[row, level]} (not a number)")
    with np.errstate(invalid="ignore"):
        for side, px, sz in sides:
            rows, levels = _first_true(px <= 0)
            for row, level in zip(rows.tolist(), levels.tolist(), strict=True):
                problems.add(
                    int(lines[row]),
                    f"{side} price at level {level} is {_fmt(px[row, level])} (price not positive)",
                )
            rows, levels = _first_true(sz <= 0)
            for row, level in zip(rows.tolist(), levels.tolist(), strict=True):
                problems.add(
                    int(lines[row]),
                    f"{side} size at level {level} is {_fmt(sz[row, level])} (size not positive)",
                )
        # Order and crossing only mean something where every price is a positive number.
        priced_rows = finite_rows & (bid_px > 0).all(axis=1) & (ask_px > 0).all(axis=1)
        for side, px, word, bad in (
            ("bid", bid_px, "descending", bid_px[:, 1:] >= bid_px[:, :-1]),
            ("ask", ask_px, "ascending", ask_px[:, 1:] <= ask_px[:, :-1]),
        ):
            rows, levels = _first_true(bad & priced_rows[:, None])
            for row, level in zip(rows.tolist(), levels.tolist(), strict=True):
                problems.add(
                    int(lines[row]),
                    f"{side} levels are not strictly {word}: level {level + 1} price "
                    f"{_fmt(px[row, level + 1])} after level {level} price {_fmt(px[row, level])} "
                    "(unsorted levels)",
                )
        best_bid, best_ask = bid_px[:, 0], ask_px[:, 0]
        for row in np.flatnonzero(priced_rows & (best_bid > best_ask)).tolist():
            problems.add(
                int(lines[row]),
                f"bid {_fmt(best_bid[row])} is above ask {_fmt(best_ask[row])} (crossed book)",
            )
        for row in np.flatnonzero(priced_rows & (best_bid == best_ask)).tolist():
            problems.add(
                int(lines[row]), f"bid {_fmt(best_bid[row])} equals ask {_fmt(best_ask[row])} (locked book)"
            )
    tick, lot = float(instrument.tick), float(instrument.lot)
    for side, px, sz in sides:
        rows, levels = _first_true(_off_grid(px, tick) & finite_rows[:, None])
        for row, level in zip(rows.tolist(), levels.tolist(), strict=True):
            problems.add(
                int(lines[row]),
                f"{side} price {_fmt(px[row, level])} at level {level} is not a multiple of tick "
                f"{instrument.tick} (off-tick price)",
            )
        rows, levels = _first_true(_off_grid(sz, lot) & finite_rows[:, None])
        for row, level in zip(rows.tolist(), levels.tolist(), strict=True):
            problems.add(
                int(lines[row]),
                f"{side} size {_fmt(sz[row, level])} at level {level} is not a whole number of lots "
                f"of {instrument.lot} (fractional lots)",
            )


def _to_steps(values: F64, step: float) -> I64:
    with np.errstate(invalid="ignore"):
        return np.rint(values / step).astype(np.int64)


# -- books --------------------------------------------------------------------------------------------
def _book_header(levels: int) -> list[str]:
    names = ["local_ts_ns", "exch_ts_ms"]
    for level in range(levels):
        names += [f"bid_px_{level}", f"bid_sz_{level}", f"ask_px_{level}", f"ask_sz_{level}"]
    return names


def _parse_book_rows(
    numbers: list[int], rows: list[str], used: int, problems: _Problems
) -> tuple[I64, I64, F64, I64]:
    """(line numbers, local ts, values (n, 4·used), exchange ms) of the rows that parse."""
    dtype = np.dtype([("local", np.int64), ("exchange", np.int64), ("values", np.float64, (4 * used,))])
    columns = range(2 + 4 * used)
    try:
        table = np.loadtxt(rows, delimiter=",", dtype=dtype, usecols=columns, ndmin=1, comments=None)
        return (
            np.asarray(numbers, dtype=np.int64),
            table["local"],
            table["values"].reshape(len(rows), -1),
            table["exchange"],
        )
    except ValueError:
        pass  # some value does not parse: find every such row in Python
    names = _book_header(used)
    kept: list[int] = []
    local: list[int] = []
    exchange: list[int] = []
    values: list[list[float]] = []
    for number, row in zip(numbers, rows, strict=True):
        fields = row.split(",")
        parsed = _parse_fields(fields[: 2 + 4 * used], names, integer_columns=2)
        if isinstance(parsed, str):
            problems.add(number, parsed)
            continue
        kept.append(number)
        local.append(int(parsed[0]))
        exchange.append(int(parsed[1]))
        values.append([float(v) for v in parsed[2:]])
    table_values = np.asarray(values, dtype=np.float64).reshape(len(kept), 4 * used)
    return (
        np.asarray(kept, dtype=np.int64),
        np.asarray(local, dtype=np.int64),
        table_values,
        np.asarray(exchange, dtype=np.int64),
    )


def _parse_fields(
    fields: Sequence[str], names: Sequence[str], integer_columns: int
) -> list[float | int] | str:
    """Parse one row's fields (the first ``integer_columns`` as int); a message on the first failure."""
    out: list[float | int] = []
    for index, text in enumerate(fields):
        try:
            out.append(int(text) if index < integer_columns else float(text))
        except ValueError:
            kind = "an integer" if index < integer_columns else "a number"
            return f"{names[index]} is {text.strip()[:40]!r} (not {kind})"
    return out


def read_books_csv(path: str | Path, instrument: Instrument, *, levels: int | None = None) -> BookFrame:
    """Read a ``*_depth20.csv[.gz]`` file into a BookFrame for ``instrument`` (all-or-nothing).

    ``levels`` keeps only the top levels (default: all the header has); only those are checked,
    so a file whose deeper levels are thin can still be imported at a smaller depth. Raises
    ``CsvImportError`` naming every bad row's file and line; returns nothing partial.
    """
    path = Path(path)
    problems = _Problems(path.name)
    lines = _read_lines(path, problems)
    if lines is None:
        problems.refuse()
    header = [name.strip() for name in lines[0].split(",")]
    file_levels = (len(header) - 2) // 4
    if file_levels < 1 or header != _book_header(file_levels):
        shown = ",".join(header[:6])
        problems.add(1, f"header {shown!r}... is not local_ts_ns,exch_ts_ms,bid_px_0,bid_sz_0,ask_px_0,...")
        problems.refuse()
    used = file_levels if levels is None else levels
    if not 1 <= used <= file_levels:
        problems.add(1, f"the file has {file_levels} levels; {used} were asked for")
        problems.refuse()
    numbers, rows = _body(lines)
    if not rows:
        problems.add(1, "no data rows after the header")
        problems.refuse()
    numbers, rows = _split_by_width(numbers, rows, len(header), problems)
    line_numbers, local_ns, values, exchange_ms = _parse_book_rows(numbers, rows, used, problems)
    bid_px, bid_sz = values[:, 0::4], values[:, 1::4]
    ask_px, ask_sz = values[:, 2::4], values[:, 3::4]
    _check_levels(bid_px, bid_sz, ask_px, ask_sz, line_numbers, instrument, problems)
    _check_time(exchange_ms, line_numbers, problems)
    problems.raise_if_any()
    tick, lot = float(instrument.tick), float(instrument.lot)
    return BookFrame(
        instrument.uid,
        exchange_ms * NS_PER_MS,
        local_ns,
        _to_steps(bid_px, tick),
        _to_steps(bid_sz, lot),
        _to_steps(ask_px, tick),
        _to_steps(ask_sz, lot),
        np.ones(len(line_numbers), dtype=np.bool_),
    )


# -- trades -------------------------------------------------------------------------------------------
def read_trades_csv(path: str | Path, instrument: Instrument) -> TradeFrame:
    """Read a ``*_trades.csv[.gz]`` file into a TradeFrame for ``instrument`` (all-or-nothing).

    ``aggressor`` must be ``buy`` or ``sell`` (any case). A file with a header and no trades gives
    an empty frame. Raises ``CsvImportError`` naming every bad row's file and line.
    """
    path = Path(path)
    problems = _Problems(path.name)
    lines = _read_lines(path, problems)
    if lines is None:
        problems.refuse()
    header = tuple(name.strip() for name in lines[0].split(","))
    if header != TRADE_COLUMNS:
        problems.add(1, f"header {','.join(header)[:80]!r} is not {','.join(TRADE_COLUMNS)}")
        problems.refuse()
    numbers, rows = _body(lines)
    numbers, rows = _split_by_width(numbers, rows, len(TRADE_COLUMNS), problems)
    kept: list[int] = []
    local: list[int] = []
    exchange: list[int] = []
    ids: list[str] = []
    prices: list[float] = []
    sizes: list[float] = []
    sides: list[int] = []
    for number, row in zip(numbers, rows, strict=True):
        local_text, exchange_text, trade_id, price_text, qty_text, side_text = row.split(",")
        parsed = _parse_fields(
            (local_text, exchange_text, price_text, qty_text),
            ("local_ts_ns", "exch_ts_ms", "price", "qty"),
            integer_columns=2,
        )
        if isinstance(parsed, str):
            problems.add(number, parsed)
            continue
        side = _AGGRESSORS.get(side_text.strip().lower())
        if side is None:
            problems.add(number, f"aggressor is {side_text.strip()[:20]!r} (must be buy or sell)")
            continue
        kept.append(number)
        local.append(int(parsed[0]))
        exchange.append(int(parsed[1]))
        prices.append(float(parsed[2]))
        sizes.append(float(parsed[3]))
        ids.append(trade_id.strip())
        sides.append(int(side))
    line_numbers = np.asarray(kept, dtype=np.int64)
    price = np.asarray(prices, dtype=np.float64)
    qty = np.asarray(sizes, dtype=np.float64)
    exchange_ms = np.asarray(exchange, dtype=np.int64)
    _check_trades(price, qty, line_numbers, instrument, problems)
    _check_time(exchange_ms, line_numbers, problems)
    problems.raise_if_any()
    return TradeFrame(
        instrument.uid,
        exchange_ms * NS_PER_MS,
        np.asarray(local, dtype=np.int64),
        _to_steps(price, float(instrument.tick)),
        _to_steps(qty, float(instrument.lot)),
        np.asarray(sides, dtype=np.int8),
        np.asarray(ids, dtype=np.str_),
    )


def _check_trades(price: F64, qty: F64, lines: I64, instrument: Instrument, problems: _Problems) -> None:
    """Every per-row trade check, vectorised; adds one problem per (row, kind)."""
    tick, lot = float(instrument.tick), float(instrument.lot)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(price) & np.isfinite(qty)
        checks: list[tuple[BoolArray, Callable[[int], str]]] = [
            (~finite, lambda r: f"price {price[r]} or qty {qty[r]} is not a number"),
            (finite & (price <= 0), lambda r: f"price is {_fmt(price[r])} (price not positive)"),
            (finite & (qty <= 0), lambda r: f"qty is {_fmt(qty[r])} (size not positive)"),
            (
                finite & (price > 0) & _off_grid(price, tick),
                lambda r: (
                    f"price {_fmt(price[r])} is not a multiple of tick {instrument.tick} (off-tick price)"
                ),
            ),
            (
                finite & (qty > 0) & _off_grid(qty, lot),
                lambda r: (
                    f"qty {_fmt(qty[r])} is not a whole number of lots of {instrument.lot} (fractional lots)"
                ),
            ),
        ]
    for mask, describe in checks:
        for row in np.flatnonzero(mask).tolist():
            problems.add(int(lines[row]), describe(row))


# -- both ---------------------------------------------------------------------------------------------
def read_recording(
    books_path: str | Path,
    trades_path: str | Path | None,
    instrument: Instrument,
    *,
    levels: int | None = None,
) -> tuple[BookFrame, TradeFrame | None]:
    """Read a books file and optionally its trades file; both are checked before anything is
    returned, and the problems of both are raised together in one ``CsvImportError``."""
    errors: list[CsvImportError] = []
    books: BookFrame | None = None
    trades: TradeFrame | None = None
    try:
        books = read_books_csv(books_path, instrument, levels=levels)
    except CsvImportError as exc:
        errors.append(exc)
    if trades_path is not None:
        try:
            trades = read_trades_csv(trades_path, instrument)
        except CsvImportError as exc:
            errors.append(exc)
    if errors:
        problems = [p for e in errors for p in e.problems]
        raise CsvImportError(problems[:MAX_KEPT_PROBLEMS], sum(e.total for e in errors))
    assert books is not None
    return books, trades
