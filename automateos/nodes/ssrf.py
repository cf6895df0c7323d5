"""Keeps workflow HTTP requests away from the platform's own network (SSRF guard).

The host is resolved once, at connect time, by the connection itself; every address it
resolves to is checked, and the socket connects to the checked address. DNS rebinding
(public at check time, private at connect time) therefore cannot slip through, and
since redirects open their connections the same way, neither can a redirect. TLS still
uses the hostname for SNI and certificate checks.
"""
from __future__ import annotations

import ipaddress
import socket
import sys
from dataclasses import dataclass
from typing import Any, Iterable, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util.connection import allowed_gai_family, create_connection

from .errors import NodeError

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
MAX_REDIRECTS = 5

# Ranges Python's flags miss or that vary between Python versions; checked explicitly.
_BLOCKED_V4 = tuple(
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "240.0.0.0/4")
)
_BLOCKED_V6 = tuple(
    ipaddress.ip_network(n)
    for n in ("::/96",            # IPv4-compatible (deprecated), also :: and ::1
              "64:ff9b:1::/48",   # local-use NAT64
              "2001::/32",        # Teredo: the embedded client address is obfuscated
              "3fff::/20",        # documentation (RFC 9637), newer than some Pythons' tables
              "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedDestination(NodeError):
    """A request would reach an address workflows may not reach (private, loopback, ...)."""


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition address routes to, if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: str | IPAddress) -> str | None:
    """Why ``ip`` may not be reached ("is a ... address"), or None when it is public."""
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"embeds IPv4 address {embedded}, which {inner}" if inner else None
        if any(address in net for net in _BLOCKED_V6):
            return "is in a reserved or internal IPv6 range"
    elif any(address in net for net in _BLOCKED_V4):
        return "is a private, loopback or reserved IPv4 address"
    for flag in ("is_loopback", "is_private", "is_link_local", "is_multicast",
                 "is_reserved", "is_unspecified", "is_site_local"):
        if getattr(address, flag, False):
            return f"is a {flag[3:].replace('_', '-')} address"
    if not address.is_global:
        return "is not a public address"
    return None


def check_address(ip: str | IPAddress) -> None:
    """Raise :class:`BlockedDestination` unless ``ip`` is a public address."""
    reason = blocked_reason(ip)
    if reason:
        raise BlockedDestination(f"refusing to connect to {ip}, which {reason}")


@dataclass(frozen=True)
class DestinationPolicy:
    """Which resolved addresses a session may connect to.

    Parameters:
      allow_private: let every address through (a trusted, self-hosted install).
      allowed: exact ``(ip, port)`` pairs let through even though they are private,
        e.g. one internal service, or a test server on loopback.
    """

    allow_private: bool = False
    allowed: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def of(cls, allow_private: bool = False, allowed: Iterable[tuple[str, int]] = ()) -> "DestinationPolicy":
        """A policy from settings as given: ``allowed`` pairs in any IP spelling."""
        return cls(allow_private=allow_private,
                   allowed=frozenset((str(ipaddress.ip_address(ip)), int(port)) for ip, port in allowed))

    def check(self, ip: str, port: int) -> None:
        """Raise :class:`BlockedDestination` unless ``ip:port`` may be reached."""
        if self.allow_private:
            return
        address = ipaddress.ip_address(ip)
        if (str(address), port) in self.allowed:
            return
        check_address(address)


class _GuardedConnectionMixin:
    """Resolves, checks every address, then connects to a checked address."""

    destination_policy: DestinationPolicy = DestinationPolicy()
    # Provided by urllib3's HTTPConnection:
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        host = self._dns_host.strip("[]")
        try:
            infos = socket.getaddrinfo(host, self.port, allowed_gai_family(), socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise NameResolutionError(self.host, self, e) from e  # type: ignore[arg-type]
        addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in infos))
        # Check them all first: a name with one internal address is refused outright.
        for address in addresses:
            self.destination_policy.check(address.split("%")[0], self.port)
        error: OSError | None = None
        for address in addresses:
            try:
                # A numeric address: urllib3's helper connects without resolving again.
                sock = create_connection(
                    (address, self.port), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options,
                )
            except OSError as e:
                error = e
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if isinstance(error, socket.timeout):
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from error
        raise NewConnectionError(  # type: ignore[arg-type]
            self, f"Failed to establish a new connection: {error or 'no address found'}"
        ) from error


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    """Plain-HTTP connection that only reaches addresses its policy allows."""


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    """HTTPS connection that only reaches addresses its policy allows (SNI keeps the name)."""


class _GuardedPoolMixin:
    """Hands the pool's policy to each connection it opens."""

    destination_policy: DestinationPolicy = DestinationPolicy()

    def _new_conn(self) -> Any:
        conn = super()._new_conn()  # type: ignore[misc]
        conn.destination_policy = self.destination_policy
        return conn


class GuardedHTTPConnectionPool(_GuardedPoolMixin, HTTPConnectionPool):
    """Connection pool of :class:`GuardedHTTPConnection`."""

    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(_GuardedPoolMixin, HTTPSConnectionPool):
    """Connection pool of :class:`GuardedHTTPSConnection`."""

    ConnectionCls = GuardedHTTPSConnection


class GuardedPoolManager(PoolManager):
    """A PoolManager whose every pool (first request and redirects) is guarded."""

    def __init__(self, *args: Any, destination_policy: DestinationPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destination_policy = destination_policy
        self.pool_classes_by_scheme = {
            "http": GuardedHTTPConnectionPool,
            "https": GuardedHTTPSConnectionPool,
        }

    def _new_pool(self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.destination_policy = self.destination_policy  # type: ignore[attr-defined]
        return pool


class GuardedAdapter(HTTPAdapter):
    """A requests adapter that connects only where its policy allows, never via a proxy."""

    def __init__(self, destination_policy: DestinationPolicy, **kwargs: Any) -> None:
        # Set before super().__init__, which builds the pool manager.
        self.destination_policy = destination_policy
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        """Build the guarded pool manager (called by HTTPAdapter)."""
        self._pool_connections, self._pool_maxsize, self._pool_block = connections, maxsize, block
        self.poolmanager = GuardedPoolManager(
            num_pools=connections, maxsize=maxsize, block=block,
            destination_policy=self.destination_policy, **pool_kwargs,
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """Refuse proxies: the proxy, not this guard, would pick the destination."""
        raise BlockedDestination("requests through a proxy are not allowed")


def guard_session(session: requests.Session, policy: DestinationPolicy) -> requests.Session:
    """Make ``session`` connect only where ``policy`` allows, on every hop, never through
    a proxy or with credentials taken from the environment; returns it."""
    session.trust_env = False  # HTTP(S)_PROXY or .netrc from the environment must not apply
    session.max_redirects = MAX_REDIRECTS
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def guarded_session(
    allow_private: bool = False, allowed: Iterable[tuple[str, int]] = ()
) -> requests.Session:
    """A requests Session that refuses private destinations, on every hop.

    ``allow_private`` turns the guard off (self-hosted installs that call internal
    services); ``allowed`` lets exact ``(ip, port)`` pairs through.
    """
    return guard_session(requests.Session(), DestinationPolicy.of(allow_private, allowed))
