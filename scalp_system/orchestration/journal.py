"""The execution engine's IntentJournal over the store's background writer.

Intents and fills are durable before the call returns (the writer commits them with a full sync, or
spills them to fsynced JSONL): an intent key is on disk before its PostOrder leaves, so a restart
can always resolve it by key. Order state changes are queued without waiting. The restart path
reads the stored intents back (``intents_since``) to find orders placed after the last checkpoint.
"""

from __future__ import annotations

import asyncio

from scalp_system.core.orders import Fill, Order
from scalp_system.storage.store import Store
from scalp_system.storage.writer import BackgroundWriter

FLUSH_TIMEOUT_S = 30.0


class WriterJournal:
    """IntentJournal backed by a BackgroundWriter."""

    def __init__(self, writer: BackgroundWriter) -> None:
        self._writer = writer

    async def record_intent(self, order: Order) -> None:
        """Durably store a new intent (before its request is sent)."""
        await asyncio.wrap_future(self._writer.save_order(order))

    async def record_order(self, order: Order) -> None:
        """Queue an order state change (not awaited: the venue is the truth for states)."""
        self._writer.save_order(order)

    async def record_fill(self, fill: Fill) -> None:
        """Durably store a fill."""
        await asyncio.wrap_future(self._writer.save_fill(fill))

    async def intents_since(self, since_ns: int) -> list[Order]:
        """Stored intents created at or after ``since_ns``, oldest first (read-only, off the loop)."""
        return await asyncio.to_thread(self._read_intents_since, since_ns)

    def _read_intents_since(self, since_ns: int) -> list[Order]:
        # The writer thread creates the schema (and merges leftover spill) on start; reading before
        # that finished found a database without tables. Wait for it and for every queued intent.
        self._writer.flush(timeout=FLUSH_TIMEOUT_S)
        if not self._writer.db_path.exists():
            return []
        with Store(self._writer.db_path, read_only=True) as store:
            return [o for o in store.orders() if o.created_ts_ns >= since_ns]
