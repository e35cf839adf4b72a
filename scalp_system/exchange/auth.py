"""Server-side bearer-token check for the local exchange (reference §1, error 40003).

Every unary call and every stream open must carry ``authorization: Bearer <token>``. The verifier
keeps only a SHA-256 digest of the expected token and compares digests in constant time, so the
token itself is never held in a printable attribute, never logged and never echoed in an error.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

AUTH_FAILED_CODE = "40003"
AUTH_FAILED_MESSAGE = "authentication token is missing or invalid"
_BEARER = "bearer "


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class TokenVerifier:
    """Accepts exactly one bearer token; its repr and str never show it."""

    __slots__ = ("_digest",)

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise ValueError("the exchange needs a non-empty token")
        self._digest = _digest(token.strip())

    def accepts(self, metadata: Iterable[tuple[str, str | bytes]] | None) -> bool:
        """True when the call metadata carries ``authorization: Bearer <the token>``."""
        presented = bearer_token(metadata)
        if presented is None:
            return False
        return hmac.compare_digest(_digest(presented), self._digest)

    def __repr__(self) -> str:
        return "TokenVerifier(<redacted>)"

    __str__ = __repr__


def bearer_token(metadata: Iterable[tuple[str, str | bytes]] | None) -> str | None:
    """The token of the first ``authorization: Bearer ...`` entry, or None when absent/malformed."""
    if metadata is None:
        return None
    for key, value in metadata:
        if key.lower() != "authorization":
            continue
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        if text[: len(_BEARER)].lower() != _BEARER:
            return None
        token = text[len(_BEARER) :].strip()
        return token or None
    return None
