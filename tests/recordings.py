"""The real recordings tests share, as loaded frames (the fixtures themselves live in conftest)."""

from __future__ import annotations

from dataclasses import dataclass

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument


@dataclass(frozen=True)
class BtcRecording:
    """The BTCUSDT recording of 2024-08-08 as frames in ticks of 0.1 and lots of 0.001 BTC."""

    instrument: Instrument
    books: BookFrame
    trades: TradeFrame
