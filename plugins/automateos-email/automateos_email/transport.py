"""SMTP connections under the platform's SSRF guard.

``ctx.http`` guards HTTP only; an SMTP host comes from a user's credential just the same,
so it is held to the same rule: the host is resolved once, every address checked against
the node's destination policy (private and loopback refused unless the install allows
them), and the socket connects to a checked address (no second lookup a rebinding DNS
could answer differently). TLS still verifies the certificate against the host name.
"""
from __future__ import annotations

import smtplib
import socket
import ssl
from typing import Any

from automateos.nodes.ssrf import DestinationPolicy


def _connect_checked(policy: DestinationPolicy, host: str, port: int, timeout: float,
                     source_address: Any) -> socket.socket:
    """A socket to ``host:port`` whose address the policy allows (all resolved are checked)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:  # one refused address refuses the name, as ctx.http does
        policy.check(address.split("%")[0], port)
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"no address found for {host}")


class _GuardedMixin:
    """Connects only where ``policy`` allows, and remembers the host it connects to."""

    def __init__(self, policy: DestinationPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> tuple[int, bytes]:
        """Connect, remembering ``host``: TLS checks the certificate against it (smtplib
        only remembers a host given to the constructor)."""
        self._host = host
        return super().connect(host, port, source_address)

    def _checked_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _connect_checked(self.policy, host, port, timeout, self.source_address)


class GuardedSMTP(_GuardedMixin, smtplib.SMTP):
    """``smtplib.SMTP`` (plain, or STARTTLS later) that connects only where ``policy`` allows."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._checked_socket(host, port, timeout)


class GuardedSMTPSSL(_GuardedMixin, smtplib.SMTP_SSL):
    """``smtplib.SMTP_SSL`` (implicit TLS) that connects only where ``policy`` allows."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self.context.wrap_socket(self._checked_socket(host, port, timeout), server_hostname=self._host)


def tls_context(ca_certificate: str | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``ca_certificate`` (PEM) when the credential gives one;
    certificates and host names are always verified."""
    context = ssl.create_default_context()
    if ca_certificate:
        context.load_verify_locations(cadata=ca_certificate)
    return context
