"""Where the client connects: prod, sandbox or a custom ``host:port``, and how (TLS or loopback plaintext).

TLS is the default. Plaintext is allowed only to loopback (127.0.0.0/8, ``localhost``, ::1) — the
local exchange — so a token can never cross a network in the clear. An optional root certificate
file covers production chains that grpcio's bundled roots do not (reference §1, "TLS root").
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

PROD_HOST = "invest-public-api.tbank.ru"
SANDBOX_HOST = "sandbox-invest-public-api.tbank.ru"
TLS_PORT = 443
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class EndpointError(ValueError):
    """An endpoint that cannot be used as given (bad address, plaintext off loopback, missing cert)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A gRPC server address and whether the channel uses TLS."""

    host: str
    port: int
    tls: bool = True
    root_cert_file: Path | None = None

    def __post_init__(self) -> None:
        if not self.host:
            raise EndpointError("endpoint host is empty")
        if not 0 < self.port < 65536:
            raise EndpointError(f"endpoint port {self.port} out of range")
        if not self.tls and not is_loopback(self.host):
            raise EndpointError(
                f"plaintext gRPC to {self.host} refused: plaintext is allowed only to loopback "
                "(127.0.0.0/8, localhost, ::1); use TLS for anything else"
            )
        if self.root_cert_file is not None and not self.root_cert_file.is_file():
            raise EndpointError(f"root certificate file {self.root_cert_file} does not exist")

    @property
    def target(self) -> str:
        """``host:port`` as gRPC wants it (IPv6 literals bracketed)."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{'grpcs' if self.tls else 'grpc'}://{self.target}"


def resolve_endpoint(spec: str, *, tls: bool | None = None, root_cert_file: Path | None = None) -> Endpoint:
    """``"prod"``, ``"sandbox"`` or ``"host:port"`` → Endpoint.

    TLS is on unless ``tls=False`` is passed, which is accepted only for a loopback host (the local
    exchange); ``tls=False`` anywhere else is an EndpointError.
    """
    name = spec.strip()
    if name == "prod":
        return Endpoint(PROD_HOST, TLS_PORT, tls is not False, root_cert_file)
    if name == "sandbox":
        return Endpoint(SANDBOX_HOST, TLS_PORT, tls is not False, root_cert_file)
    host, sep, port_text = name.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise EndpointError(f"endpoint {spec!r} is not 'prod', 'sandbox' or 'host:port'")
    host = host.strip("[]")
    return Endpoint(host, int(port_text), tls is not False, root_cert_file)


def channel_options(max_message_bytes: int = MAX_MESSAGE_BYTES) -> list[tuple[str, int]]:
    """Channel options: 10 MiB messages (full instrument lists exceed the 4 MiB default), keepalive."""
    return [
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
    ]


def open_channel(endpoint: Endpoint, max_message_bytes: int = MAX_MESSAGE_BYTES) -> grpc.aio.Channel:
    """An asyncio channel to ``endpoint``: TLS (with the extra root when given) or loopback plaintext."""
    options = channel_options(max_message_bytes)
    if not endpoint.tls:
        return grpc.aio.insecure_channel(endpoint.target, options=options)
    roots = endpoint.root_cert_file.read_bytes() if endpoint.root_cert_file is not None else None
    credentials = grpc.ssl_channel_credentials(root_certificates=roots)
    return grpc.aio.secure_channel(endpoint.target, credentials, options=options)
