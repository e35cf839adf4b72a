"""Bad input never crashes the system: property-based fuzzing of every door data comes in through.

Config files and ``SCALP__*`` overrides, CSV recordings imported into a real SQLite store, stored
recordings corrupted with raw SQL, and broker protobuf messages decoded into core types are each
mutated by hypothesis. The property is always the same: the input is accepted whole, or refused
with the module's own error naming what and where (``ConfigError``, ``CsvImportError``,
``StorageDataError``, ``BrokerDataError``), never another exception and never half-written state.
One integration check streams garbage books from a real LocalExchange into a real
MarketDataStream and DataEngine. Default example counts keep the file short; the ``soak`` variants
run the same properties with ``SOAK_FACTOR`` times more examples.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import sqlite3
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalp_system.broker import BrokerClient, MarketDataStream, Secret, convert, resolve_endpoint
from scalp_system.broker.convert import BrokerDataError
from scalp_system.broker.proto.generated import orders_pb2
from scalp_system.commands.research import import_csv
from scalp_system.config import BrokerConfig, Config, ConfigError, DataConfig, ExchangeConfig, load_config
from scalp_system.core.clock import SimulatedClock, WallClock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce
from scalp_system.data import CsvImportError, DataEngine, read_books_csv, read_trades_csv
from scalp_system.exchange.server import LocalExchange
from scalp_system.storage import (
    StorageDataError,
    Store,
    read_books,
    read_trades,
    write_book_frame,
    write_trade_frame,
)
from scalp_system.storage.rows import book_row, trade_row

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "binance-2024-08-08"
BOOKS_GZ = SHARED / "usdm_btcusdt_20240808_depth20.csv.gz"
TRADES_GZ = SHARED / "usdm_btcusdt_20240808_trades.csv.gz"
BTC = Instrument(uid="BTCUSDT", ticker="BTCUSDT", tick=Decimal("0.1"), lot=Decimal("0.001"), currency="usd")
SBER = Instrument(uid="sber-uid", ticker="SBER", figi="BBG004730N88", lot=Decimal(10), tick=Decimal("0.01"))
SOAK_FACTOR = 50
EXCHANGE_TOKEN = "t.fuzz-exchange-token"  # the local exchange's bearer token in this test (not a secret)


def profile(examples: int) -> settings:
    """Deterministic runs (fixed seed, no deadline: the machine is shared and loaded)."""
    return settings(
        max_examples=examples, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )


def fuzz(examples: int, **strategies: st.SearchStrategy[Any]) -> Callable[[Callable[..., None]], Any]:
    """The property as a default test (``examples`` runs) and a ``soak`` one (``SOAK_FACTOR`` ×).

    Use as ``test_x, test_x_soak = fuzz(40, doc=...)(property_fn)``."""

    def make(prop: Callable[..., None]) -> tuple[Any, Any]:
        fast = profile(examples)(given(**strategies)(prop))
        soak = profile(examples * SOAK_FACTOR)(given(**strategies)(prop))
        return fast, pytest.mark.soak(soak)

    return make


# == 1. config files and environment overrides =======================================================
SECTIONS: dict[str, tuple[str, ...]] = {
    name: tuple(field.annotation.model_fields)  # type: ignore[union-attr]
    for name, field in Config.model_fields.items()
}
DEFAULTS: dict[str, dict[str, Any]] = Config().model_dump(mode="json")


def toml_string(text: str) -> str:
    """A TOML basic string for any text (control characters escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """A TOML inline value for JSON-like data (``None`` becomes an empty inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return "{}"  # None has no TOML form


SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 1, 4, 19, 21, 65536, 10**12]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", "0.0005", "1e999", "NaN", "-0", "var/x", "\u0000", "рубль", "🙂"]),
)
GARBAGE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def config_documents(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """(the mapping written, its TOML text): real sections and keys, each valid or mutated, plus
    unknown keys and sections, and sometimes a section that is not a table at all."""
    doc: dict[str, Any] = {}
    for section in draw(st.lists(st.sampled_from(sorted(SECTIONS)), max_size=4, unique=True)):
        if draw(st.integers(0, 9)) == 0:
            doc[section] = draw(SCALARS)
            continue
        body: dict[str, Any] = {}
        for key in draw(st.lists(st.sampled_from(SECTIONS[section]), max_size=4, unique=True)):
            default = DEFAULTS[section][key]
            if default is not None and draw(st.booleans()):
                body[key] = default
            else:
                body[key] = draw(GARBAGE)
        if draw(st.integers(0, 4)) == 0:
            body[draw(st.text(min_size=1, max_size=8))] = draw(SCALARS)
        doc[section] = body
    if draw(st.integers(0, 6)) == 0:
        doc[draw(st.text(min_size=1, max_size=8))] = {"x": draw(SCALARS)}
    lines = []
    for section, body in doc.items():
        if isinstance(body, dict):
            lines.append(f"[{toml_string(section)}]")
            lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in body.items()]
        else:
            lines.insert(0, f"{toml_string(section)} = {toml_value(body)}")
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 9)) == 0:  # a torn or spliced file
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=5))
    return doc, text


def key_paths(doc: Any, prefix: str = "") -> set[str]:
    """Every dotted key path of a parsed document (sections, keys, nested keys)."""
    paths: set[str] = set()
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            paths |= key_paths(value, path)
    return paths


def assert_config_outcome(load: Callable[[], Config], source: str, given_keys: set[str]) -> None:
    """Loading succeeds, or raises ConfigError naming the source and a key path from the input."""
    try:
        load()
    except ConfigError as error:
        message = str(error)
        assert source in message
        if "not valid TOML" not in message:
            assert any(path in message for path in given_keys), message
    # any other exception type fails the property


def _config_file_property(document: tuple[dict[str, Any], str]) -> None:
    doc, text = document
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scalp.toml"
        path.write_text(text, encoding="utf-8")
        assert_config_outcome(lambda: load_config(path, env={}), str(path), key_paths(doc))


test_config_file_loads_or_names_file_and_key, test_config_file_soak = fuzz(60, document=config_documents())(
    _config_file_property
)

ENV_NAMES = st.one_of(
    st.builds(
        lambda section, key: f"SCALP__{section.upper()}__{key.upper()}",
        st.sampled_from(sorted(SECTIONS)),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
    ),
    st.sampled_from(sorted(f"SCALP__{s.upper()}__{k.upper()}" for s in SECTIONS for k in SECTIONS[s])),
    st.sampled_from(["SCALP__", "SCALP__RISK", "SCALP____", "SCALP__RISK__K_STOP__DEEP", "SCALP__X__Y"]),
    st.text(max_size=10).map(lambda t: "SCALP__" + t),
)
ENV_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1", "-1", "0.5", "nan", "inf", "true", "[1, 2]", "{a = 1}", '"x"', "1e999", "[", "="]),
)


def _env_property(env: dict[str, str]) -> None:
    paths = {".".join(p.lower() for p in name[len("SCALP__") :].split("__") if p) for name in env} | {
        name for name in env
    }
    expanded = {".".join(path.split(".")[: i + 1]) for path in paths for i in range(path.count(".") + 1)}
    assert_config_outcome(lambda: load_config(None, env=env), "environment", expanded)


test_env_overrides_load_or_name_the_key, test_env_overrides_soak = fuzz(
    60, env=st.dictionaries(ENV_NAMES, ENV_VALUES, max_size=4)
)(_env_property)


def test_a_value_and_a_key_inside_it_in_the_environment_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SCALP__RISK__K_STOP"):
        load_config(None, env={"SCALP__RISK": "1", "SCALP__RISK__K_STOP": "2"})


# == 2. CSV import ===================================================================================
@cache
def real_lines(path: Path, rows: int) -> tuple[str, ...]:
    """The header and the first ``rows`` data lines of a real recording."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        lines = []
        for line in handle:
            if line.strip():
                lines.append(line.rstrip("\n"))
            if len(lines) > rows:
                break
    return tuple(lines)


FIELD_TEXTS = st.one_of(
    st.sampled_from(["", "abc", "-1", "0", "-0.001", "nan", "inf", "1e400", "61800.25", " ", "0x10", "１２"]),
    st.text(max_size=6),
)
LINE_OPS = st.tuples(
    st.sampled_from(
        [
            "delete_field",
            "duplicate_field",
            "swap_fields",
            "set_field",
            "negate",
            "zero",
            "off_tick",
            "cross",
            "time_back",
            "truncate",
            "delete_line",
            "duplicate_line",
            "swap_lines",
        ]
    ),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    FIELD_TEXTS,
)
FILE_OPS = st.sampled_from(["plain", "gzip", "gzip", "empty", "binary_junk", "wrong_gzip", "torn_gzip"])


def mutate(lines: list[str], op: str, a: int, b: int, text: str) -> None:
    """Apply one line-level mutation in place (row and field picked modulo the sizes)."""
    if not lines:
        return
    row = a % len(lines)
    fields = lines[row].split(",")
    f, g = b % len(fields), a % len(fields)
    if op == "delete_field":
        del fields[f]
    elif op == "duplicate_field":
        fields.insert(f, fields[f])
    elif op == "swap_fields":
        fields[f], fields[g] = fields[g], fields[f]
    elif op == "set_field":
        fields[f] = text
    elif op == "negate":
        fields[f] = "-" + fields[f]
    elif op == "zero":
        fields[f] = "0"
    elif op == "off_tick":
        fields[f] = fields[f] + "3" if "." in fields[f] else fields[f] + ".03"
    elif op == "cross" and len(fields) > 4:
        fields[2] = fields[4] + "9"
    elif op == "time_back" and len(fields) > 1:
        fields[1] = str(int(fields[1]) - 1 - b) if fields[1].isdigit() else "0"
    elif op == "truncate":
        lines[row] = lines[row][: b % (len(lines[row]) + 1)]
        return
    elif op == "delete_line":
        del lines[row]
        return
    elif op == "duplicate_line":
        lines.insert(row, lines[row])
        return
    elif op == "swap_lines":
        other = b % len(lines)
        lines[row], lines[other] = lines[other], lines[row]
        return
    lines[row] = ",".join(fields)


def encode(text: str, how: str, salt: int) -> bytes:
    """The bytes of a file: plain, gzip, or one of the broken forms."""
    raw = text.encode("utf-8")
    if how == "plain":
        return raw
    if how == "gzip":
        return gzip.compress(raw, mtime=0)
    if how == "empty":
        return b""
    if how == "binary_junk":
        return bytes((salt * 7919 + i * 31) % 256 for i in range(300))
    if how == "wrong_gzip":
        return b"\x1f\x8b" + raw[:200]
    packed = gzip.compress(raw, mtime=0)
    return packed[: max(3, (salt % len(packed)))]


def data_row_count(text: str) -> int:
    """Data rows the importer sees: non-blank lines after the header (as csv_import splits them)."""
    lines = text.replace("\r\n", "\n").split("\n")
    return sum(1 for line in lines[1:] if line and not line.isspace())


def line_count(text: str) -> int:
    """Lines of a file as the importer numbers them (a final newline ends the last line)."""
    lines = text.replace("\r\n", "\n").split("\n")
    return len(lines) - (1 if lines and lines[-1] == "" else 0)


def _csv_property(
    book_ops: list[tuple[str, int, int, str]],
    trade_ops: list[tuple[str, int, int, str]],
    book_file: str,
    trade_file: str,
    salt: int,
) -> None:
    book_lines = list(real_lines(BOOKS_GZ, 120))
    trade_lines = list(real_lines(TRADES_GZ, 200))
    for op in book_ops:
        mutate(book_lines, *op)
    for op in trade_ops:
        mutate(trade_lines, *op)
    texts = {"books.csv.gz": "\n".join(book_lines) + "\n", "trades.csv.gz": "\n".join(trade_lines) + "\n"}
    config = load_config(None, env={})
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        books, trades, db = root / "books.csv.gz", root / "trades.csv.gz", root / "store.db"
        books.write_bytes(encode(texts[books.name], book_file, salt))
        trades.write_bytes(encode(texts[trades.name], trade_file, salt))
        try:
            result = import_csv(db, books, trades, BTC, config)
        except CsvImportError as error:
            assert error.problems and error.total >= len(error.problems)
            for problem in error.problems:
                assert problem.file in texts, problem
                if problem.line == 0:
                    assert "cannot read" in problem.message, problem
                elif "empty" not in problem.message:
                    assert 1 <= problem.line <= line_count(texts[problem.file]), problem
            if db.exists():
                with Store(db, read_only=True) as store:
                    assert len(read_books(store, BTC.uid)) == 0 and len(read_trades(store, BTC.uid)) == 0
            return
        assert result.books == data_row_count(texts[books.name])
        assert result.trades == data_row_count(texts[trades.name])
        with Store(db, read_only=True) as store:
            assert len(read_books(store, BTC.uid)) == result.books
            assert len(read_trades(store, BTC.uid)) == result.trades


test_csv_import_is_whole_or_names_file_and_line, test_csv_import_soak = fuzz(
    40,
    book_ops=st.lists(LINE_OPS, max_size=3),
    trade_ops=st.lists(LINE_OPS, max_size=3),
    book_file=FILE_OPS,
    trade_file=FILE_OPS,
    salt=st.integers(0, 10**6),
)(_csv_property)


def test_unmutated_real_rows_import_whole() -> None:
    _csv_property([], [], "gzip", "plain", 0)


# == 3. stored recordings ============================================================================
@cache
def stored_frames() -> tuple[BookFrame, TradeFrame]:
    """Real books and trades (a few hundred rows each) as core frames."""
    with tempfile.TemporaryDirectory() as folder:
        books, trades = Path(folder) / "b.csv", Path(folder) / "t.csv"
        books.write_text("\n".join(real_lines(BOOKS_GZ, 200)) + "\n")
        trades.write_text("\n".join(real_lines(TRADES_GZ, 300)) + "\n")
        return read_books_csv(books, BTC), read_trades_csv(trades, BTC)


def write_store(db: Path) -> None:
    """Blocks for most rows (small blocks, so there are several) and single rows for the tail."""
    books, trades = stored_frames()
    with Store(db) as store:
        store.upsert_instrument(BTC)
        write_book_frame(store, books.slice(0, 160), block_rows=32)
        write_trade_frame(store, trades.select(np.arange(len(trades)) < 250), block_rows=64)
        store.write_rows("books", [book_row(books.book(i), seq=i) for i in range(160, len(books))])
        store.write_rows("trades", [trade_row(trades.trade(i), seq=i) for i in range(250, len(trades))])


BLOCK_COLUMNS = {
    "book_blocks": ("n", "depth", "exchange_ts", "local_ts", "seq", "consistent", "levels"),
    "trade_blocks": ("n", "exchange_ts", "local_ts", "seq", "price_ticks", "lots", "aggressor", "trade_ids"),
    "books": ("exchange_ts_ns", "local_ts_ns", "seq", "depth", "is_consistent", "levels"),
    "trades": ("exchange_ts_ns", "local_ts_ns", "seq", "price_ticks", "lots", "aggressor", "trade_id"),
}
CORRUPTIONS = st.tuples(
    st.sampled_from(sorted(BLOCK_COLUMNS)),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.sampled_from(["flip", "truncate", "extend", "text", "int", "float", "huge", "empty", "json"]),
)


def corrupt(conn: sqlite3.Connection, table: str, row_pick: int, column_pick: int, kind: str) -> None:
    """Spoil one stored value with raw SQL, the way a torn page or a bad tool would."""
    column = BLOCK_COLUMNS[table][column_pick % len(BLOCK_COLUMNS[table])]
    rowid_sql = "rowid" if table != "trades" else "exchange_ts_ns"
    keys = [r[0] for r in conn.execute(f"SELECT {rowid_sql} FROM {table} ORDER BY 1").fetchall()]
    if not keys:
        return
    key = keys[row_pick % len(keys)]
    (value,) = conn.execute(f"SELECT {column} FROM {table} WHERE {rowid_sql} = ?", (key,)).fetchone()
    if kind == "flip" and isinstance(value, bytes) and value:
        spot = column_pick % len(value)
        new: object = value[:spot] + bytes([value[spot] ^ (1 + row_pick % 255)]) + value[spot + 1 :]
    elif kind == "truncate" and isinstance(value, bytes | str):
        new = value[: row_pick % (len(value) + 1)]
    elif kind == "extend" and isinstance(value, bytes):
        new = value + b"\x01" * (1 + row_pick % 9)
    elif kind == "text":
        new = "garbage"
    elif kind == "int":
        new = -(row_pick % 5) if row_pick % 2 else row_pick
    elif kind == "float":
        new = 1.5
    elif kind == "huge":
        new = 2**63 - 1 - row_pick % 3
    elif kind == "json":
        new = ['["a"]', "[1, 2]", "{}", "null", "[", '"x"'][row_pick % 6]
    else:
        new = b""
    with contextlib.suppress(sqlite3.IntegrityError):  # a duplicate key the schema refuses: no change
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {rowid_sql} = ?", (new, key))


def assert_frame_whole(frame: BookFrame | TradeFrame) -> None:
    n = len(frame)
    assert frame.exchange_ts_ns.shape == (n,) and frame.local_ts_ns.shape == (n,)


def _storage_property(corruptions: list[tuple[str, int, int, str]], start: int | None, span: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "store.db"
        write_store(db)
        raw = sqlite3.connect(db)
        with raw:
            for c in corruptions:
                corrupt(raw, *c)
        raw.close()
        end = None if start is None else start + span
        with Store(db, read_only=True) as store:
            for read, tables in (
                (read_books, ("book_blocks", "books")),
                (read_trades, ("trade_blocks", "trades")),
            ):
                try:
                    assert_frame_whole(read(store, BTC.uid, start, end))
                except StorageDataError as error:
                    assert error.table in tables and error.row and error.table in str(error)


T_FIRST = 1723161256605 * 1_000_000
test_corrupted_store_reads_clean_or_names_table_and_row, test_corrupted_store_soak = fuzz(
    40,
    corruptions=st.lists(CORRUPTIONS, min_size=1, max_size=3),
    start=st.none() | st.integers(T_FIRST - 10**9, T_FIRST + 10**11),
    span=st.integers(0, 10**11),
)(_storage_property)


def test_a_block_blob_of_the_wrong_length_is_named_by_table_and_rowid(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    write_store(db)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE book_blocks SET levels = substr(levels, 1, 100) WHERE rowid = 2")
    with (
        Store(db, read_only=True) as store,
        pytest.raises(StorageDataError, match="book_blocks, row rowid 2"),
    ):
        read_books(store, BTC.uid)


# == 4. broker messages ==============================================================================
T0 = 1_700_000_000_000_000_000
GOOD_BOOK = OrderBook.build(
    SBER.uid, [(30_000 - i, 5 + i) for i in range(5)], [(30_001 + i, 7) for i in range(5)], T0
)
GOOD_TRADE = Trade(SBER.uid, 30_000, 3, Aggressor.BUY, T0, T0)
GOOD_ORDER = Order(
    "key-1",
    SBER.uid,
    Side.BUY,
    5,
    30_000,
    OrderType.LIMIT,
    TimeInForce.DAY,
    OrderStatus.PARTIALLYFILL,
    "ord-1",
    2,
    Decimal("600.00") * 10 * 2,
    Decimal("0.6"),
    T0,
    T0,
)
GOOD_FILLS = [
    Fill(f"tr-{i}", "ord-1", "key-1", SBER.uid, Side.BUY, 1, Decimal("300.00"), T0 + i) for i in range(2)
]

INT64 = st.integers(-(2**63), 2**63 - 1)
NUMBERS = st.one_of(
    INT64, st.sampled_from([0, -1, 1, 10**9, -(10**9), 999_999_999, 2**63 - 1, -(2**63), 3, 333_333_333])
)


def leaf_fields(msg: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Every scalar (int/bool/str) field path of a message tree: (path, parent, field name)."""
    out = []
    for field in msg.DESCRIPTOR.fields:
        value = getattr(msg, field.name)
        path = f"{prefix}{field.name}"
        if field.is_repeated:
            if field.message_type is not None:
                for i, item in enumerate(value):
                    out += leaf_fields(item, f"{path}[{i}].")
        elif field.message_type is not None:
            out += leaf_fields(value, f"{path}.")
        elif field.type != field.TYPE_BYTES:
            out.append((path, msg, field.name))
    return out


def set_leaf(parent: Any, name: str, number: int, text: str) -> None:
    """Set one field to a hostile value its wire type can carry."""
    field = parent.DESCRIPTOR.fields_by_name[name]
    if field.type == field.TYPE_STRING:
        parent.__setattr__(name, text)
    elif field.type == field.TYPE_BOOL:
        parent.__setattr__(name, bool(number % 2))
    else:
        bits = 64 if field.type in (field.TYPE_INT64, field.TYPE_SINT64, field.TYPE_SFIXED64) else 32
        unsigned = field.type in (
            field.TYPE_UINT64,
            field.TYPE_UINT32,
            field.TYPE_FIXED64,
            field.TYPE_FIXED32,
        )
        half = 2 ** (bits - 1)
        parent.__setattr__(name, number % 2**bits if unsigned else (number + half) % 2**bits - half)


def wire_messages() -> dict[str, tuple[Callable[[], Any], Callable[[Any], object]]]:
    """Each decoder under test with a builder of a valid message for it."""
    account = "acc-1"
    return {
        "order_book": (
            lambda: convert.order_book_msg(GOOD_BOOK, SBER),
            lambda m: convert.order_book_from_msg(m, SBER, T0),
        ),
        "trade": (lambda: convert.trade_msg(GOOD_TRADE, SBER), lambda m: convert.trade_from_msg(m, SBER, T0)),
        "order_state": (
            lambda: convert.order_state_msg(GOOD_ORDER, SBER, fills=GOOD_FILLS),
            lambda m: (convert.order_from_state(m, SBER), convert.fills_from_state(m, SBER)),
        ),
        "stream_order_state": (
            lambda: convert.stream_order_state_msg(GOOD_ORDER, SBER, account, GOOD_FILLS),
            lambda m: convert.order_from_stream_state(m, SBER),
        ),
        "order_trades": (
            lambda: convert.order_trades_msg(GOOD_FILLS, SBER, account),
            lambda m: convert.fills_from_order_trades(m, SBER, "key-1"),
        ),
    }


MUTATIONS = st.lists(st.tuples(st.integers(0, 10**6), NUMBERS, st.text(max_size=6)), min_size=1, max_size=4)


def _broker_property(kind: str, mutations: list[tuple[int, int, str]], drop_repeated: int) -> None:
    build, decode = wire_messages()[kind]
    msg = build()
    if drop_repeated % 5 == 0:  # missing entries: clear one repeated field
        repeated = [f.name for f in msg.DESCRIPTOR.fields if f.is_repeated]
        if repeated:
            msg.ClearField(repeated[drop_repeated % len(repeated)])
    for pick, number, text in mutations:
        leaves = leaf_fields(msg)
        _, parent, name = leaves[pick % len(leaves)]
        set_leaf(parent, name, number, text)
    try:
        decoded = decode(msg)
    except BrokerDataError as error:
        assert error.field and error.field in str(error)
        return
    assert decoded is not None
    if isinstance(decoded, OrderBook | Trade):  # what decodes goes to the DataEngine: never raises
        engine = DataEngine(DataConfig(), {SBER.uid: SBER}, SimulatedClock(T0))
        accepted = engine.on_book(decoded) if isinstance(decoded, OrderBook) else engine.on_trade(decoded)
        assert accepted or sum(engine.rejects_by_reason().values()) == 1


test_broker_messages_decode_or_name_the_field, test_broker_messages_soak = fuzz(
    150,
    kind=st.sampled_from(sorted(wire_messages())),
    mutations=MUTATIONS,
    drop_repeated=st.integers(0, 100),
)(_broker_property)


@pytest.mark.parametrize("kind", sorted(wire_messages()))
def test_unmutated_wire_messages_decode(kind: str) -> None:
    build, decode = wire_messages()[kind]
    assert decode(build()) is not None


def test_an_order_trade_without_trade_id_names_the_field() -> None:
    msg = convert.order_trades_msg(GOOD_FILLS, SBER, "acc-1")
    msg.trades[1].trade_id = ""
    with pytest.raises(BrokerDataError) as error:
        convert.fills_from_order_trades(msg, SBER)
    assert error.value.field == "trades[1].trade_id"
    assert isinstance(msg, orders_pb2.OrderTrades)


# -- integration: garbage books from a real local exchange ------------------------------------------
@pytest.mark.timeout(60)
async def test_garbage_books_from_the_exchange_are_counted_and_the_stream_keeps_running() -> None:
    config = BrokerConfig(backoff_base_s=0.05, backoff_max_s=0.5)
    exchange = LocalExchange(ExchangeConfig(port=0, ping_interval_ms=200, seed=5), EXCHANGE_TOKEN)
    async with (
        exchange as ex,
        BrokerClient(resolve_endpoint(ex.address, tls=False), Secret(EXCHANGE_TOKEN), config) as client,
    ):
        await client.shares()
        instrument = client.instruments.get("SBER_TQBR")
        assert instrument is not None
        engine = DataEngine(DataConfig(), {instrument.uid: instrument}, WallClock())
        stream = MarketDataStream(client, watchdog_s=3.0, ping_delay_ms=5_000)
        await stream.subscribe_order_book(instrument, 20)
        accepted: list[float] = []

        async def consume() -> None:
            async for event in stream.events():
                if isinstance(event, OrderBook) and engine.on_book(event):
                    accepted.append(time.monotonic())

        reader = asyncio.create_task(consume())
        try:
            await wait_until(lambda: len(accepted) >= 2, 10, "good books before the garbage")
            ex.faults.set_book_faults(garbage=1.0)
            await asyncio.sleep(2.0)
            spoiled = ex.faults.injected["book_garbage"]
            ex.faults.set_book_faults(garbage=0.0)
            resumed = time.monotonic()
            await wait_until(lambda: accepted[-1] > resumed, 10, "good books after the garbage")
            assert not reader.done(), "the event loop of the stream ended"
        finally:
            await stream.stop()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    rejected = sum(engine.rejects_by_reason().values())
    assert spoiled > 0
    assert stream.dropped_messages + rejected >= spoiled * 0.9  # every garbage book refused (in flight aside)


async def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``condition`` on the loop (a hang guard, not a timing assertion)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def test_a_price_whose_ticks_overflow_int64_names_the_field() -> None:
    msg = convert.order_book_msg(GOOD_BOOK, SBER)
    msg.asks[3].price.units = 92_233_720_368_547_759
    with pytest.raises(BrokerDataError) as error:
        convert.order_book_from_msg(msg, SBER, T0)
    assert error.value.field == "asks[3].price"


def test_a_timestamp_whose_nanoseconds_overflow_int64_names_the_field() -> None:
    msg = convert.trade_msg(GOOD_TRADE, SBER)
    msg.time.seconds = 2**62
    with pytest.raises(BrokerDataError) as error:
        convert.trade_from_msg(msg, SBER, T0)
    assert error.value.field == "trade.time"
