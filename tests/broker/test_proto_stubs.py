"""The contract subset: generated stubs are fresh, and names/numbers match the official 1.43 contract."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from scalp_system.broker.proto.generated import (
    common_pb2,
    instruments_pb2,
    marketdata_pb2,
    operations_pb2,
    orders_pb2,
    sandbox_pb2,
    users_pb2,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GENERATED = PROJECT_ROOT / "scalp_system" / "broker" / "proto" / "generated"
REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "tinkoff-invest-api.md"
PACKAGE = "tinkoff.public.invest.api.contract.v1"
MODULES = [common_pb2, instruments_pb2, marketdata_pb2, operations_pb2, orders_pb2, sandbox_pb2, users_pb2]


def _regenerate(tmp_path: Path) -> Path:
    out = tmp_path / "generated"
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "gen_proto.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def test_committed_stubs_equal_a_fresh_generation(tmp_path: Path) -> None:
    fresh = _regenerate(tmp_path)
    fresh_files = sorted(p.name for p in fresh.iterdir())
    committed_files = sorted(p.name for p in GENERATED.iterdir() if p.suffix in {".py", ".pyi"})
    assert fresh_files == committed_files, "stub set changed: run scripts/gen_proto.py"
    stale = [
        name
        for name in fresh_files
        if (fresh / name).read_text(encoding="utf-8") != (GENERATED / name).read_text(encoding="utf-8")
    ]
    assert not stale, f"stale generated stubs {stale}: run .venv/bin/python scripts/gen_proto.py"


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = _regenerate(tmp_path / "a")
    second = _regenerate(tmp_path / "b")
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_every_module_lives_in_the_official_package() -> None:
    for module in MODULES:
        assert module.DESCRIPTOR.package == PACKAGE


@pytest.mark.parametrize(
    ("message", "field", "number"),
    [
        (common_pb2.Quotation, "units", 1),
        (common_pb2.Quotation, "nano", 2),
        (common_pb2.MoneyValue, "currency", 1),
        (common_pb2.MoneyValue, "units", 2),
        (common_pb2.MoneyValue, "nano", 3),
        (common_pb2.ResponseMetadata, "tracking_id", 42),
        (common_pb2.ResponseMetadata, "server_time", 43),
        (common_pb2.PingDelaySettings, "ping_delay_ms", 15),
        (common_pb2.ErrorDetail, "message", 3),
        (orders_pb2.PostOrderRequest, "quantity", 2),
        (orders_pb2.PostOrderRequest, "price", 3),
        (orders_pb2.PostOrderRequest, "account_id", 5),
        (orders_pb2.PostOrderRequest, "order_id", 7),
        (orders_pb2.PostOrderRequest, "instrument_id", 8),
        (orders_pb2.PostOrderRequest, "time_in_force", 9),
        (orders_pb2.PostOrderResponse, "order_request_id", 20),
        (orders_pb2.PostOrderResponse, "response_metadata", 254),
        (orders_pb2.CancelOrderResponse, "response_metadata", 254),
        (orders_pb2.GetOrderStateRequest, "order_id_type", 4),
        (orders_pb2.CancelOrderRequest, "order_id_type", 3),
        (orders_pb2.PostOrderAsyncRequest, "instrument_id", 1),
        (orders_pb2.OrderTrade, "trade_id", 4),
        (orders_pb2.OrderStateStreamRequest, "ping_delay_millis", 15),
        (orders_pb2.TradesStreamRequest, "ping_delay_ms", 15),
        (marketdata_pb2.OrderBook, "bids", 4),
        (marketdata_pb2.OrderBook, "asks", 5),
        (marketdata_pb2.OrderBook, "limit_down", 8),
        (marketdata_pb2.GetOrderBookResponse, "bids", 3),
        (marketdata_pb2.GetOrderBookResponse, "orderbook_ts", 23),
        (marketdata_pb2.MarketDataRequest, "ping_settings", 15),
        (marketdata_pb2.MarketDataResponse, "last_price", 11),
        (marketdata_pb2.OrderBookInstrument, "instrument_id", 3),
        (marketdata_pb2.GetLastTradesRequest, "instrument_id", 4),
        (instruments_pb2.Share, "min_price_increment", 31),
        (instruments_pb2.Share, "uid", 33),
        (instruments_pb2.Instrument, "min_price_increment", 23),
        (instruments_pb2.Instrument, "dlong_client", 490),
        (instruments_pb2.Future, "min_price_increment_amount", 63),
        (operations_pb2.PositionsResponse, "account_id", 15),
        (users_pb2.UnaryLimit, "limit_per_second", 3),
        (sandbox_pb2.SandboxPayInRequest, "amount", 2),
    ],
)
def test_field_number_matches_the_official_contract(message: Any, field: str, number: int) -> None:
    assert message.DESCRIPTOR.fields_by_name[field].number == number


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (orders_pb2.PostOrderRequest, "price"),
        (orders_pb2.GetOrderStateRequest, "order_id_type"),
        (marketdata_pb2.GetOrderBookRequest, "instrument_id"),
        (marketdata_pb2.GetLastTradesRequest, "instrument_id"),
        (common_pb2.PingDelaySettings, "ping_delay_ms"),
    ],
)
def test_optional_fields_keep_explicit_presence(message: Any, field: str) -> None:
    assert message.DESCRIPTOR.fields_by_name[field].has_presence


@pytest.mark.parametrize(
    ("enum", "name", "value"),
    [
        (common_pb2.ResultSubscriptionStatus, "RESULT_SUBSCRIPTION_STATUS_OK", 1),
        (common_pb2.ResultSubscriptionStatus, "RESULT_SUBSCRIPTION_STATUS_ERROR", 13),
        (common_pb2.SecurityTradingStatus, "SECURITY_TRADING_STATUS_NORMAL_TRADING", 5),
        (common_pb2.SecurityTradingStatus, "SECURITY_TRADING_STATUS_DEALER_NOT_AVAILABLE_FOR_TRADING", 16),
        (orders_pb2.OrderIdType, "ORDER_ID_TYPE_REQUEST", 2),
        (orders_pb2.TimeInForceType, "TIME_IN_FORCE_FILL_AND_KILL", 2),
        (orders_pb2.OrderExecutionReportStatus, "EXECUTION_REPORT_STATUS_PARTIALLYFILL", 5),
        (marketdata_pb2.SubscriptionStatus, "SUBSCRIPTION_STATUS_DEPTH_IS_INVALID", 4),
        (marketdata_pb2.OrderBookType, "ORDERBOOK_TYPE_ALL", 3),
        (marketdata_pb2.CandleSource, "CANDLE_SOURCE_DEALER_WEEKEND", 2),
        (marketdata_pb2.GetCandlesRequest.CandleSource, "CANDLE_SOURCE_INCLUDE_WEEKEND", 3),
        (instruments_pb2.InstrumentIdType, "INSTRUMENT_ID_UNSPECIFIED", 0),
        (instruments_pb2.InstrumentIdType, "INSTRUMENT_ID_TYPE_UID", 3),
    ],
)
def test_enum_value_matches_the_official_contract(enum: Any, name: str, value: int) -> None:
    assert enum.Value(name) == value


@pytest.mark.parametrize(
    ("module", "stub", "path"),
    [
        ("orders_pb2_grpc", "OrdersServiceStub", "/OrdersService/PostOrder"),
        ("orders_pb2_grpc", "OrdersServiceStub", "/OrdersService/GetOrderState"),
        ("orders_pb2_grpc", "OrdersStreamServiceStub", "/OrdersStreamService/OrderStateStream"),
        ("marketdata_pb2_grpc", "MarketDataStreamServiceStub", "/MarketDataStreamService/MarketDataStream"),
        ("marketdata_pb2_grpc", "MarketDataServiceStub", "/MarketDataService/GetLastTrades"),
        ("instruments_pb2_grpc", "InstrumentsServiceStub", "/InstrumentsService/TradingSchedules"),
        ("users_pb2_grpc", "UsersServiceStub", "/UsersService/GetUserTariff"),
        ("operations_pb2_grpc", "OperationsServiceStub", "/OperationsService/GetPortfolio"),
        ("sandbox_pb2_grpc", "SandboxServiceStub", "/SandboxService/SandboxPayIn"),
    ],
)
def test_full_method_paths_are_the_official_ones(module: str, stub: str, path: str) -> None:
    source = (GENERATED / f"{module}.py").read_text(encoding="utf-8")
    assert f"'/{PACKAGE}.{path.lstrip('/')}'" in source
    assert hasattr(importlib.import_module(f"scalp_system.broker.proto.generated.{module}"), stub)


# --- exhaustive cross-check against Appendix A of the shared reference ---------------------------------

_TYPE_NAMES = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_DOUBLE: "double",
}


def _appendix() -> tuple[dict[str, dict[str, tuple[str, str, int]]], dict[str, dict[str, int]]]:
    text = REFERENCE.read_text(encoding="utf-8")
    block = text[text.index("## Appendix A") :]
    messages: dict[str, dict[str, tuple[str, str, int]]] = {}
    enums: dict[str, dict[str, int]] = {}
    for line in block.splitlines():
        if m := re.match(r"message (\S+) \{(.*)\}$", line):
            fields = {}
            for part in filter(None, (p.strip() for p in m.group(2).split(";"))):
                fm = re.match(r"(optional |repeated )?(\S+) (\w+)=(\d+)", part)
                assert fm, part
                fields[fm.group(3)] = ((fm.group(1) or "").strip(), fm.group(2), int(fm.group(4)))
            messages[m.group(1)] = fields
        elif m := re.match(r"enum (\S+) \{(.*)\}$", line):
            enums[m.group(1)] = {
                name: int(value) for name, value in (p.strip().split("=") for p in m.group(2).split(","))
            }
    return messages, enums


def _walk(descriptor: Descriptor, prefix: str = "") -> list[tuple[str, Descriptor | EnumDescriptor]]:
    name = prefix + descriptor.name
    found: list[tuple[str, Descriptor | EnumDescriptor]] = [(name, descriptor)]
    for nested in descriptor.nested_types:
        found += _walk(nested, name + ".")
    found += [(f"{name}.{e.name}", e) for e in descriptor.enum_types]
    return found


def _type_name(field: FieldDescriptor) -> str:
    if field.message_type is not None:
        full = field.message_type.full_name
        return full.removeprefix(PACKAGE + ".")
    if field.enum_type is not None:
        return field.enum_type.full_name.removeprefix(PACKAGE + ".")
    return _TYPE_NAMES[field.type]


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared reference not present next to the project")
def test_every_carried_field_and_enum_value_matches_appendix_a() -> None:
    ref_messages, ref_enums = _appendix()
    mismatches: list[str] = []
    for module in MODULES:
        items: list[tuple[str, Descriptor | EnumDescriptor]] = []
        for message in module.DESCRIPTOR.message_types_by_name.values():
            items += _walk(message)
        items += list(module.DESCRIPTOR.enum_types_by_name.items())
        for name, descriptor in items:
            if isinstance(descriptor, EnumDescriptor):
                ref_values = ref_enums.get(name)
                if ref_values is None:
                    mismatches.append(f"enum {name} not in the reference")
                    continue
                for value in descriptor.values:
                    if ref_values.get(value.name) != value.number:
                        mismatches.append(f"{name}.{value.name}={value.number}")
                continue
            ref_fields = ref_messages.get(name)
            if ref_fields is None:
                mismatches.append(f"message {name} not in the reference")
                continue
            for field in descriptor.fields:
                label, type_name, number = ref_fields.get(field.name, ("?", "?", -1))
                is_repeated = field.is_repeated
                oneof = field.containing_oneof
                is_optional = oneof is not None and oneof.name == "_" + field.name  # proto3 synthetic oneof
                our_label = "repeated" if is_repeated else "optional" if is_optional else ""
                our_type = _type_name(field)
                if (number, type_name, label) != (field.number, our_type, our_label):
                    mismatches.append(
                        f"{name}.{field.name}: ours {our_label} {our_type}={field.number}, "
                        f"ref {label} {type_name}={number}"
                    )
    assert not mismatches, mismatches
