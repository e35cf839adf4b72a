"""The API token: loaded from the environment or a 0600 file, wrapped so it never prints.

``Secret`` redacts itself in ``str``/``repr``/format; only ``reveal()`` gives the value, and the client
calls it in exactly one place (building call metadata). Every revealed value is remembered so that
``scrub`` can blank it out of any text (error messages from a server, log lines) before it leaves.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

REDACTED = "***"
_KNOWN_SECRETS: set[str] = set()


class TokenError(RuntimeError):
    """The token is missing, unreadable or stored insecurely; the message never contains it."""


class Secret:
    """A string that never shows its value in reprs, str(), f-strings or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value:
            raise TokenError("empty secret")
        self._value = value
        _KNOWN_SECRETS.add(value)

    def reveal(self) -> str:
        """The actual value; use only where it goes on the wire."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def scrub(text: str) -> str:
    """``text`` with every known secret value replaced by ``***``."""
    for value in _KNOWN_SECRETS:
        if value and value in text:
            text = text.replace(value, REDACTED)
    return text


def _check_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenError(
            f"token file {path} has mode {mode:04o}; it must be 0600 or stricter (chmod 600 {path})"
        )


def load_token(env_var: str = "TINKOFF_TOKEN", token_file: Path | str | None = None) -> Secret:
    """The token from ``token_file`` when given (must be mode 0600 or stricter), else from ``env_var``.

    Raises TokenError with a message that names the source but never the token.
    """
    if token_file is not None:
        path = Path(token_file).expanduser()
        if not path.is_file():
            raise TokenError(f"token file {path} does not exist")
        _check_mode(path)
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenError(f"token file {path} cannot be read: {exc.strerror}") from None
        if not value:
            raise TokenError(f"token file {path} is empty")
        return Secret(value)
    value = os.environ.get(env_var, "").strip()
    if not value:
        raise TokenError(f"no token: set {env_var} or configure broker.token_file")
    return Secret(value)
