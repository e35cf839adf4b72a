"""The exchange journal: one JSON line per order event, flushed as it happens (``--journal FILE``).

Audits and tests read it to prove what the exchange did: every PostOrder call (with ``created``
false when the client's ``order_id`` key was already known, i.e. no second order was placed),
every fill, every cancel and every order state change. Money is written as decimal strings, times
as UTC nanosecond integers. Nothing secret is ever passed in, so nothing secret can come out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

JsonScalar = str | int | bool | None | Decimal


def _encode(value: object) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and hasattr(value, "name"):  # enums: their wire value
        return value.value
    raise TypeError(f"not JSON-serialisable in the journal: {type(value).__name__}")


class Journal:
    """Append-only JSONL writer; a journal without a path records nothing (and costs nothing)."""

    def __init__(self, path: Path | None, *, clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._path = path
        self._clock_ns = clock_ns
        self._file: IO[str] | None = None
        self.lines_written = 0
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    @property
    def path(self) -> Path | None:
        """Where the lines go (None: journal off)."""
        return self._path

    def record(self, event: str, **fields: JsonScalar) -> None:
        """Write one line ``{"ts": <wall UTC ns>, "event": event, **fields}`` and flush it."""
        if self._file is None:
            return
        line = {"ts": self._clock_ns(), "event": event, **fields}
        self._file.write(json.dumps(line, default=_encode, separators=(",", ":")) + "\n")
        self._file.flush()
        self.lines_written += 1

    def post_order(
        self,
        *,
        account_id: str,
        order_request_id: str,
        order_id: str,
        created: bool,
        market_ts: int,
        status: str = "",
    ) -> None:
        """One PostOrder call; ``created`` is false when the key was already known (no new order)."""
        self.record(
            "post_order",
            account_id=account_id,
            order_request_id=order_request_id,
            order_id=order_id,
            created=created,
            status=status,
            market_ts=market_ts,
        )

    def post_order_rejected(
        self, *, account_id: str, order_request_id: str, code: str, message: str, market_ts: int
    ) -> None:
        """A PostOrder call the exchange refused with an API error code (no order exists)."""
        self.record(
            "post_order_rejected",
            account_id=account_id,
            order_request_id=order_request_id,
            code=code,
            message=message,
            market_ts=market_ts,
        )

    def fill(
        self,
        *,
        account_id: str,
        order_id: str,
        order_request_id: str,
        trade_id: str,
        lots: int,
        price: Decimal,
        market_ts: int,
    ) -> None:
        """One execution of one order at an exact price."""
        self.record(
            "fill",
            account_id=account_id,
            order_id=order_id,
            order_request_id=order_request_id,
            trade_id=trade_id,
            lots=lots,
            price=price,
            market_ts=market_ts,
        )

    def cancel(self, *, account_id: str, order_id: str, status: str, market_ts: int) -> None:
        """A CancelOrder call and the state the order ended in."""
        self.record("cancel", account_id=account_id, order_id=order_id, status=status, market_ts=market_ts)

    def order_state(
        self,
        *,
        account_id: str,
        order_id: str,
        order_request_id: str,
        status: str,
        lots_requested: int,
        lots_executed: int,
        market_ts: int,
    ) -> None:
        """An order changed state (new, partially filled, filled, cancelled, rejected)."""
        self.record(
            "order_state",
            account_id=account_id,
            order_id=order_id,
            order_request_id=order_request_id,
            status=status,
            lots_requested=lots_requested,
            lots_executed=lots_executed,
            market_ts=market_ts,
        )

    def close(self) -> None:
        """Flush and close the file; later records are dropped."""
        if self._file is not None:
            self._file.close()
            self._file = None


def read_journal(path: Path) -> list[dict[str, Any]]:
    """All lines of a journal file, parsed (for audits and tests)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
