"""Identifiers: intent keys (the broker's PostOrder idempotency key) and run ids."""

from __future__ import annotations

import os
import random
import threading
import uuid


def new_intent_key() -> str:
    """A fresh UUID4 string; one per order intent, reused for every retry of that intent."""
    return str(uuid.uuid4())


def is_intent_key(value: str) -> bool:
    """True when ``value`` is a canonical UUID string (the broker rejects others, 30028)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


_POOLED_KEYS = 1024
_UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))  # hex digit ranges of 8-4-4-4-12


class FastIntentKeys:
    """Random (version 4) UUID strings like :func:`new_intent_key`, at a fraction of its cost.

    ``uuid.uuid4()`` makes a system call and a UUID object per key; here 1024 keys are drawn and
    formatted at once (about 0.2 ms, vectorised) and each :meth:`next` slices one out. The bytes come from a
    generator seeded with 256 bits of ``os.urandom``: keys are as unique as ``uuid4`` ones — 122
    random bits, a fresh seed per process, a reseed (and the parent's unused keys dropped) in every
    forked child — which is what the broker's idempotency key (unique per account for about a
    month) needs; they are not secrets.
    """

    __slots__ = ("_lock", "_offset", "_random", "_text")

    def __init__(self) -> None:
        self._random = random.Random(os.urandom(32))
        self._text = ""
        self._offset = 0
        self._lock = threading.Lock()  # two threads must never slice out the same key

    def next(self) -> str:
        """The next key."""
        with self._lock:
            offset = self._offset
            if offset >= len(self._text):
                self._refill()
                offset = 0
            self._offset = offset + 36
            return self._text[offset : offset + 36]

    def reseed(self) -> None:
        """Draw a fresh seed from ``os.urandom`` and drop the keys drawn so far (done in a forked child)."""
        self._lock = threading.Lock()  # the parent's lock may have been held at the fork
        self._random = random.Random(os.urandom(32))
        self._text = ""
        self._offset = 0

    def _refill(self) -> None:
        import numpy as np

        count = _POOLED_KEYS
        raw = np.frombuffer(self._random.randbytes(16 * count), dtype=np.uint8).reshape(count, 16).copy()
        raw[:, 6] &= 0x0F
        raw[:, 6] |= 0x40  # version 4
        raw[:, 8] &= 0x3F
        raw[:, 8] |= 0x80  # RFC 4122 variant
        digits = np.frombuffer(raw.tobytes().hex().encode("ascii"), dtype=np.uint8).reshape(count, 32)
        text = np.empty((count, 36), dtype=np.uint8)
        text[:, (8, 13, 18, 23)] = ord("-")
        column = 0
        for start, end in _UUID_GROUPS:
            text[:, column : column + end - start] = digits[:, start:end]
            column += end - start + 1
        self._text = text.tobytes().decode("ascii")
        self._offset = 0


_FAST_KEYS = FastIntentKeys()
os.register_at_fork(after_in_child=_FAST_KEYS.reseed)
fast_intent_key = _FAST_KEYS.next  # a bound method: the cheapest call on the order path
