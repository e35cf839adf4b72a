"""Identifiers: intent keys (the broker's PostOrder idempotency key) and run ids."""

from __future__ import annotations

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
