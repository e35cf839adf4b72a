"""CSV import specification: the real recordings load exactly; every bad row is named; all-or-nothing."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from scalp_system.core import Aggressor, Instrument, InstrumentKind
from scalp_system.data import CsvImportError, read_books_csv, read_recording, read_trades_csv


def crypto(ticker: str, tick: str, lot: str) -> Instrument:
    return Instrument(uid=ticker, ticker=ticker, tick=Decimal(tick), lot=Decimal(lot), currency="usd",
                      kind=InstrumentKind.CRYPTO)


BTC = crypto("BTCUSDT", "0.1", "0.001")

RECORDINGS = [
    # (file stem, instrument, book rows, trades) — the README table
    ("usdm_btcusdt_20240808", BTC, 6_545, 21_313),
    ("usdm_ethusdt_20240808", crypto("ETHUSDT", "0.01", "0.001"), 6_579, 14_076),
    ("cm_btcusd_perp_2024080809", crypto("BTCUSD_PERP", "0.1", "1"), 44_770, 5_235),
]


# -- the real recordings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stem", "instrument", "book_rows", "trade_rows"), RECORDINGS, ids=[r[0] for r in RECORDINGS]
)
def test_the_real_recordings_import_with_the_row_counts_of_the_readme(
    shared_data: Path, stem: str, instrument: Instrument, book_rows: int, trade_rows: int
) -> None:
    books, trades = read_recording(
        shared_data / f"{stem}_depth20.csv.gz", shared_data / f"{stem}_trades.csv.gz", instrument
    )
    assert trades is not None
    assert (len(books), len(trades)) == (book_rows, trade_rows)
    assert books.levels == 20
    assert np.all(np.diff(books.exchange_ts_ns) >= 0)
    assert np.all(np.diff(trades.exchange_ts_ns) >= 0)
    assert np.all(books.bid_px[:, 0] < books.ask_px[:, 0])
    assert np.all(books.bid_qty > 0) and np.all(trades.lots > 0)
    assert set(np.unique(trades.aggressor).tolist()) == {int(Aggressor.BUY), int(Aggressor.SELL)}


def test_a_real_first_row_converts_exactly_to_ticks_and_lots(shared_data: Path) -> None:
    books = read_books_csv(shared_data / "usdm_btcusdt_20240808_depth20.csv.gz", BTC)
    # 1723161255343040266,1723161256605,61800.2,2.862,61800.3,1.135,61800.1,0.696,...
    assert books.local_ts_ns[0] == 1_723_161_255_343_040_266
    assert books.exchange_ts_ns[0] == 1_723_161_256_605_000_000
    assert books.bid_px[0, :2].tolist() == [618_002, 618_001]
    assert books.bid_qty[0, :2].tolist() == [2_862, 696]
    assert books.ask_px[0, 0] == 618_003 and books.ask_qty[0, 0] == 1_135


def test_trade_ids_and_sides_are_kept(shared_data: Path) -> None:
    trades = read_trades_csv(shared_data / "usdm_btcusdt_20240808_trades.csv.gz", BTC)
    first = trades.trade(0)
    assert (first.trade_id, first.price_ticks, first.lots) == ("5266583935", 618_003, 6)
    assert first.aggressor is Aggressor.BUY


# -- synthetic files -------------------------------------------------------------------------------------
LEVELS = 3
HEADER = "local_ts_ns,exch_ts_ms," + ",".join(
    f"bid_px_{k},bid_sz_{k},ask_px_{k},ask_sz_{k}" for k in range(LEVELS)
)
TRADE_HEADER = "local_ts_ns,exch_ts_ms,trade_id,price,qty,aggressor"


def good_book_row(i: int) -> list[str]:
    """Row ``i`` of a valid depth-3 BTC-like book (tick 0.1, lot 0.001), one ms apart."""
    fields = [str(1_723_161_255_000_000_000 + i), str(1_723_161_256_000 + i)]
    for k in range(LEVELS):
        fields += [f"{61800.3 - k / 10 - 0.1:.1f}", "0.5", f"{61800.3 + k / 10:.1f}", "1.25"]
    return fields


def write_books(path: Path, rows: Sequence[list[str] | str]) -> Path:
    lines = [HEADER] + [r if isinstance(r, str) else ",".join(r) for r in rows]
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def good_trade_row(i: int) -> list[str]:
    local_ns, exchange_ms = 1_723_161_255_000_000_000 + i, 1_723_161_256_000 + i
    return [str(local_ns), str(exchange_ms), str(1000 + i), "61800.3", "0.004", "buy"]


def write_trades(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join([TRADE_HEADER] + [",".join(r) for r in rows]) + "\n")
    return path


def books_with(
    bad_row: int, change: Callable[[list[str]], list[str] | str], count: int = 10
) -> list[list[str] | str]:
    rows: list[list[str] | str] = [good_book_row(i) for i in range(count)]
    rows[bad_row] = change(list(rows[bad_row]))
    return rows


def _set(row: list[str], **fields: str) -> list[str]:
    names = HEADER.split(",")
    for name, value in fields.items():
        row[names.index(name)] = value
    return row


BAD_BOOK_ROWS: dict[str, tuple[Callable[[list[str]], list[str] | str], str]] = {
    "crossed": (lambda r: _set(r, bid_px_0="61850.3"), "bid 61850.3 is above ask 61800.3 (crossed book)"),
    "locked": (lambda r: _set(r, bid_px_0="61800.3"), "bid 61800.3 equals ask 61800.3 (locked book)"),
    "price not positive": (lambda r: _set(r, ask_px_2="0"), "ask price at level 2 is 0 (price not positive)"),
    "negative size": (lambda r: _set(r, bid_sz_1="-0.5"), "bid size at level 1 is -0.5 (size not positive)"),
    "zero size": (lambda r: _set(r, ask_sz_0="0.000"), "ask size at level 0 is 0 (size not positive)"),
    "non-numeric price": (lambda r: _set(r, bid_px_1="abc"), "bid_px_1 is 'abc' (not a number)"),
    "non-numeric size": (lambda r: _set(r, ask_sz_2=""), "ask_sz_2 is '' (not a number)"),
    "nan price": (lambda r: _set(r, ask_px_1="nan"), "ask_px_1 is nan (not a number)"),
    "non-integer time": (lambda r: _set(r, exch_ts_ms="17x"), "exch_ts_ms is '17x' (not an integer)"),
    "unsorted bids": (
        lambda r: _set(r, bid_px_2="61800.1"),
        "bid levels are not strictly descending: level 2 price 61800.1 after level 1 price 61800.1 "
        "(unsorted levels)",
    ),
    "unsorted asks": (
        lambda r: _set(r, ask_px_1="61800.2"),
        "ask levels are not strictly ascending: level 1 price 61800.2 after level 0 price 61800.3 "
        "(unsorted levels)",
    ),
    "too few columns": (lambda r: ",".join(r[:-1]), "has 13 fields, expected 14 (wrong column count)"),
    "too many columns": (lambda r: ",".join([*r, "1"]), "has 15 fields, expected 14 (wrong column count)"),
    "time backwards": (
        lambda r: _set(r, exch_ts_ms="1723161255999"),
        "exchange time 1723161255999 ms is before the previous row's 1723161256004 ms (time going backwards)",
    ),
    "off-tick price": (
        lambda r: _set(r, ask_px_1="61800.45"),
        "ask price 61800.45 at level 1 is not a multiple of tick 0.1 (off-tick price)",
    ),
    "fractional lots": (
        lambda r: _set(r, bid_sz_2="0.0005"),
        "bid size 0.0005 at level 2 is not a whole number of lots of 0.001 (fractional lots)",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_BOOK_ROWS))
def test_each_kind_of_bad_book_row_is_reported_with_file_and_line_and_nothing_is_imported(
    tmp_path: Path, kind: str
) -> None:
    change, message = BAD_BOOK_ROWS[kind]
    path = write_books(tmp_path / "ticks.csv", books_with(5, change))
    with pytest.raises(CsvImportError) as refused:
        read_books_csv(path, BTC)
    assert refused.value.total == 1
    assert str(refused.value) == f"data import refused: ticks.csv line 7: {message}; nothing imported"


def test_the_refusal_reads_like_the_style_guide(tmp_path: Path) -> None:
    rows = [good_book_row(i) for i in range(60)]
    _set(rows[50], bid_px_0="61850.3")  # data rows start at line 2: index 50 is line 52
    with pytest.raises(CsvImportError) as refused:
        read_books_csv(write_books(tmp_path / "ticks.csv", rows), BTC)
    assert str(refused.value) == (
        "data import refused: ticks.csv line 52: bid 61850.3 is above ask 61800.3 (crossed book); "
        "nothing imported"
    )


def test_every_bad_row_is_reported_not_only_the_first(tmp_path: Path) -> None:
    good = [good_book_row(i) for i in range(30)]
    _set(good[3], bid_px_0="61850.3")
    _set(good[20], ask_sz_1="x")
    _set(good[25], bid_sz_0="0.0001")
    rows: list[list[str] | str] = list(good)
    rows[10] = "1,2,3"
    with pytest.raises(CsvImportError) as refused:
        read_books_csv(write_books(tmp_path / "b.csv", rows), BTC)
    assert [p.line for p in refused.value.problems] == [5, 12, 22, 27]
    assert all(p.file == "b.csv" for p in refused.value.problems)
    assert "4 problems in b.csv" in str(refused.value)


def test_a_long_list_of_problems_is_cut_to_fifty_with_a_count(tmp_path: Path) -> None:
    rows = [good_book_row(i) for i in range(200)]
    for row in rows[::2]:
        _set(row, ask_px_0="61700.3")
    with pytest.raises(CsvImportError) as refused:
        read_books_csv(write_books(tmp_path / "b.csv", rows), BTC)
    text = str(refused.value)
    assert refused.value.total == 100
    assert text.count("(crossed book)") == 50
    assert text.endswith("... and 50 more")


def test_gzip_and_plain_files_are_told_apart_by_their_bytes_not_their_names(tmp_path: Path) -> None:
    # Plain text under a .gz name, and gzip under a .csv name.
    plain = write_books(tmp_path / "plain.csv.gz", [good_book_row(i) for i in range(20)])
    zipped = tmp_path / "zipped.csv"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_books_csv(plain, BTC), read_books_csv(zipped, BTC)
    assert len(a) == len(b) == 20
    assert np.array_equal(a.ask_qty, b.ask_qty)


def test_rows_keep_file_order_by_exchange_time_even_when_local_time_runs_backwards(tmp_path: Path) -> None:
    rows = [good_book_row(i) for i in range(5)]
    rows[3][0] = "1"  # local clock jumped back: not a reason to refuse or reorder
    rows[4][1] = rows[3][1]  # equal exchange times keep file order
    frame = read_books_csv(write_books(tmp_path / "b.csv", rows), BTC)
    assert frame.local_ts_ns.tolist()[3] == 1
    assert np.all(np.diff(frame.exchange_ts_ns) >= 0)


def test_fewer_levels_can_be_imported_than_the_file_has(tmp_path: Path) -> None:
    path = write_books(tmp_path / "b.csv", [good_book_row(i) for i in range(3)])
    frame = read_books_csv(path, BTC, levels=2)
    assert frame.levels == 2
    with pytest.raises(CsvImportError, match="the file has 3 levels; 5 were asked for"):
        read_books_csv(path, BTC, levels=5)


def test_a_file_that_is_not_in_the_depth_format_is_refused_at_line_one(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("time,price\n1,2\n")
    with pytest.raises(CsvImportError, match=r"t\.csv line 1: header"):
        read_books_csv(path, BTC)


def test_a_missing_file_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(CsvImportError, match=r"data import refused: absent\.csv: cannot read the file"):
        read_books_csv(tmp_path / "absent.csv", BTC)


def test_a_corrupt_gzip_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(gzip.compress(b"local_ts_ns,exch_ts_ms\n" * 100)[:40])
    with pytest.raises(CsvImportError, match="cannot read the file"):
        read_books_csv(path, BTC)


BAD_TRADE_ROWS: dict[str, tuple[dict[int, str], str]] = {
    "price not positive": ({3: "-1"}, "price is -1 (price not positive)"),
    "size not positive": ({4: "0"}, "qty is 0 (size not positive)"),
    "non-numeric price": ({3: "n/a"}, "price is 'n/a' (not a number)"),
    "off-tick price": ({3: "61800.33"}, "price 61800.33 is not a multiple of tick 0.1 (off-tick price)"),
    "fractional lots": ({4: "0.0041"}, "qty 0.0041 is not a whole number of lots of 0.001 (fractional lots)"),
    "unknown aggressor": ({5: "hold"}, "aggressor is 'hold' (must be buy or sell)"),
    "time backwards": ({1: "1723161255000"}, "(time going backwards)"),
}


@pytest.mark.parametrize("kind", list(BAD_TRADE_ROWS))
def test_each_kind_of_bad_trade_row_is_reported_with_file_and_line(tmp_path: Path, kind: str) -> None:
    changes, message = BAD_TRADE_ROWS[kind]
    rows = [good_trade_row(i) for i in range(8)]
    for column, value in changes.items():
        rows[4][column] = value
    with pytest.raises(CsvImportError) as refused:
        read_trades_csv(write_trades(tmp_path / "trades.csv", rows), BTC)
    assert str(refused.value).startswith("data import refused: trades.csv line 6: ")
    assert message in str(refused.value)


def test_a_trade_row_with_the_wrong_column_count_is_reported(tmp_path: Path) -> None:
    path = write_trades(tmp_path / "trades.csv", [good_trade_row(0), good_trade_row(1)[:5]])
    with pytest.raises(CsvImportError, match=r"trades\.csv line 3: has 5 fields, expected 6"):
        read_trades_csv(path, BTC)


def test_a_trades_file_with_no_trades_gives_an_empty_frame(tmp_path: Path) -> None:
    assert len(read_trades_csv(write_trades(tmp_path / "t.csv", []), BTC)) == 0


def test_problems_in_both_files_are_reported_together_and_nothing_is_returned(tmp_path: Path) -> None:
    books = write_books(tmp_path / "b.csv", books_with(2, lambda r: _set(r, bid_px_0="61900.3")))
    trades_rows = [good_trade_row(i) for i in range(4)]
    trades_rows[1][4] = "-3"
    trades = write_trades(tmp_path / "t.csv", trades_rows)
    with pytest.raises(CsvImportError) as refused:
        read_recording(books, trades, BTC)
    assert [(p.file, p.line) for p in refused.value.problems] == [("b.csv", 4), ("t.csv", 3)]
