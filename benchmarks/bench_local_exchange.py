"""Local exchange benchmark: order round-trip latency and book-stream throughput over loopback gRPC.

Run: ``.venv/bin/python benchmarks/bench_local_exchange.py [--quick]``. The exchange runs in its own
process (as ``scalp exchange`` would), the client in this one, both on 127.0.0.1, so the numbers
include serialisation, HTTP/2 and the event loops of both sides. Measured:

- PostOrder round trip (request sent → response received), p50/p90/p99/max, for resting DAY limit
  orders and for IOC orders that fill against the synthetic book;
- book-stream messages per second with 8 instruments at depth 20: one stream at the contract's
  100 ms throttle (the ceiling is 8 × 10 = 80 msg/s; below it when a book did not change), 16
  streams at once (the per-user stream limit), and 1 and 16 streams with the throttle lowered to
  1 ms on a 20× market (what the server can push; the one Python client reading them all is
  part of the measurement, see ``client_cpu_percent``).

Writes ``benchmarks/results/local_exchange.json`` with machine info.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import psutil
from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.broker.proto.generated import (
    common_pb2,
    marketdata_pb2,
    marketdata_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
)
from scalp_system.config import ExchangeConfig
from scalp_system.exchange.catalogue import default_catalogue

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "local_exchange.json"
TOKEN = "bench-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
MD = marketdata_pb2
BOOK_REFRESH_EVERY = 20


def _serve(config: ExchangeConfig, speed: float, ready: Any, stop: Any) -> None:
    """Child process: run one exchange and report its port and account."""
    from scalp_system.exchange.server import LocalExchange

    async def main() -> None:
        async with LocalExchange(config, TOKEN, speed=speed, account_cash=Decimal(10**12)) as ex:
            ready.send((ex.port, ex.account_id))
            await asyncio.to_thread(stop.wait)

    asyncio.run(main())


class ExchangeProcess:
    """A LocalExchange in a child process for the duration of a ``with`` block."""

    def __init__(self, config: ExchangeConfig, speed: float) -> None:
        self._parent, child = mp.Pipe()
        self._stop = mp.Event()
        self._process = mp.Process(target=_serve, args=(config, speed, child, self._stop), daemon=True)

    def __enter__(self) -> tuple[str, str, psutil.Process]:
        self._process.start()
        port, account_id = self._parent.recv()
        assert self._process.pid is not None
        return f"127.0.0.1:{port}", account_id, psutil.Process(self._process.pid)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()


def _stats_us(samples_s: list[float]) -> dict[str, float]:
    data = np.asarray(samples_s) * 1e6
    return {
        "count": int(data.size),
        "p50_us": round(float(np.percentile(data, 50)), 1),
        "p90_us": round(float(np.percentile(data, 90)), 1),
        "p99_us": round(float(np.percentile(data, 99)), 1),
        "max_us": round(float(data.max()), 1),
        "mean_us": round(float(data.mean()), 1),
    }


async def _order_latency(address: str, account_id: str, orders: int) -> dict[str, Any]:
    uid = default_catalogue()[0].uid  # SBER
    async with grpc.aio.insecure_channel(address) as channel:
        market = marketdata_pb2_grpc.MarketDataServiceStub(channel)
        stub = orders_pb2_grpc.OrdersServiceStub(channel)
        results: dict[str, Any] = {}
        for kind in ("resting_day_limit", "ioc_fill"):
            samples = []
            book = None
            for i in range(orders + 50):
                if i % BOOK_REFRESH_EVERY == 0:  # MarketDataService allows 600 calls a minute
                    book = await market.GetOrderBook(
                        MD.GetOrderBookRequest(instrument_id=uid, depth=20), metadata=AUTH
                    )
                assert book is not None
                resting = kind == "resting_day_limit"
                price: common_pb2.Quotation = book.bids[15].price if resting else book.asks[2].price
                request = orders_pb2.PostOrderRequest(
                    quantity=1,
                    price=price,
                    direction=orders_pb2.ORDER_DIRECTION_BUY,
                    account_id=account_id,
                    order_type=orders_pb2.ORDER_TYPE_LIMIT,
                    order_id=str(uuid.uuid4()),
                    instrument_id=uid,
                    time_in_force=orders_pb2.TIME_IN_FORCE_DAY
                    if resting
                    else orders_pb2.TIME_IN_FORCE_FILL_AND_KILL,
                )
                started = time.perf_counter()
                await stub.PostOrder(request, metadata=AUTH)
                elapsed = time.perf_counter() - started
                if i >= 50:  # warm-up excluded
                    samples.append(elapsed)
            results[kind] = _stats_us(samples)
        return results


async def _book_throughput(address: str, streams: int, seconds: float) -> dict[str, Any]:
    uids = [inst.uid for inst in default_catalogue()[:8]]
    async with grpc.aio.insecure_channel(address) as channel:
        stub = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel)
        calls = []
        for _ in range(streams):
            call = stub.MarketDataStream(metadata=AUTH)
            await call.write(
                MD.MarketDataRequest(
                    subscribe_order_book_request=MD.SubscribeOrderBookRequest(
                        subscription_action=MD.SUBSCRIPTION_ACTION_SUBSCRIBE,
                        instruments=[MD.OrderBookInstrument(instrument_id=uid, depth=20) for uid in uids],
                    )
                )
            )
            calls.append(call)
        counts = [0] * streams
        measuring = asyncio.Event()

        async def read(index: int) -> None:
            async for message in calls[index]:
                if measuring.is_set() and message.WhichOneof("payload") == "orderbook":
                    counts[index] += 1

        readers = [asyncio.create_task(read(i)) for i in range(streams)]
        await asyncio.sleep(1.0)  # warm-up: subscriptions answered, first books out
        measuring.set()
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - started
        measuring.clear()
        for call in calls:
            call.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    total = sum(counts)
    return {
        "streams": streams,
        "instruments_per_stream": len(uids),
        "depth": 20,
        "seconds": round(elapsed, 2),
        "messages": total,
        "messages_per_s": round(total / elapsed, 1),
        "per_subscription_per_s": round(total / elapsed / streams / len(uids), 2),
    }


def _run_throughput(config: ExchangeConfig, speed: float, streams: int, seconds: float) -> dict[str, Any]:
    client = psutil.Process()
    with ExchangeProcess(config, speed) as (address, _, process):
        process.cpu_percent(None)
        client.cpu_percent(None)
        result = asyncio.run(_book_throughput(address, streams, seconds))
        result["server_cpu_percent"] = round(process.cpu_percent(None), 1)
        result["client_cpu_percent"] = round(client.cpu_percent(None), 1)
        result["book_stream_interval_ms"] = config.book_stream_interval_ms
        result["market_speed"] = speed
    return result


def main() -> None:
    """Run the benchmark and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer orders, shorter windows (smoke run)")
    args = parser.parse_args()
    orders = 200 if args.quick else 1000
    seconds = 3.0 if args.quick else 10.0
    fast_orders = ExchangeConfig(port=0, orders_per_minute=1_000_000)

    with ExchangeProcess(fast_orders, 1.0) as (address, account_id, _):
        latency = asyncio.run(_order_latency(address, account_id, orders))
    default_throttle = ExchangeConfig(port=0)
    no_throttle = ExchangeConfig(port=0, book_stream_interval_ms=1)
    throughput = {
        "one_stream_100ms_throttle": _run_throughput(default_throttle, 1.0, 1, seconds),
        "sixteen_streams_100ms_throttle": _run_throughput(default_throttle, 1.0, 16, seconds),
        "one_stream_1ms_throttle_speed_20": _run_throughput(no_throttle, 20.0, 1, seconds),
        "sixteen_streams_1ms_throttle_speed_20": _run_throughput(no_throttle, 20.0, 16, seconds),
    }
    result = {
        "benchmark": "local_exchange",
        "machine": machine_info(),
        "post_order_round_trip": latency,
        "book_stream": throughput,
        "notes": "exchange in a child process, client in the parent, loopback gRPC without TLS; "
        "latency is PostOrder alone (the book used for prices is refreshed every 20 orders)",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for kind, stats in latency.items():
        print(
            f"PostOrder {kind:18s} p50 {stats['p50_us']:8.0f} µs  p99 {stats['p99_us']:8.0f} µs  "
            f"(n={stats['count']})"
        )
    for name, stats in throughput.items():
        print(
            f"book stream {name:34s} {stats['messages_per_s']:8.1f} msg/s "
            f"({stats['per_subscription_per_s']:.2f}/subscription/s, "
            f"CPU server {stats['server_cpu_percent']} % client {stats['client_cpu_percent']} %)"
        )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
