"""Which proxies the app trusts for the client's address, scheme and host.

``X-Forwarded-For`` is whatever the sender wrote: trusted from anyone, it lets a client
pick the address the login limit counts (spray 30 logins, 30 "different" clients). So
forwarded headers are honoured only when both hold:

* ``PROXY_FIX_HOPS`` > 0: how many proxies append to them (Render: 1; default 0, none);
* the direct peer (``REMOTE_ADDR``) is in ``FORWARDED_ALLOW_IPS``: comma-separated
  addresses or networks, ``*`` for any (the name gunicorn reads for the same purpose).

Then werkzeug's ProxyFix takes the address that many hops from the right, the one the
trusted proxy saw; entries a client wrote to the left of it are ignored. Both settings
are read per request, so a running app (and a test) can change them.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_allowed(setting: str) -> tuple[Network, ...] | None:
    """The networks ``FORWARDED_ALLOW_IPS`` names; None means ``*`` (any peer).

    A malformed entry raises ValueError: a typo must not silently trust nobody (or all).
    """
    entries = [e.strip() for e in setting.split(",") if e.strip()]
    if "*" in entries:
        return None
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def peer_is_allowed(peer: str | None, allowed: Iterable[Network] | None) -> bool:
    """True when the direct peer ``peer`` may send forwarded headers."""
    if allowed is None:
        return True
    try:
        address = ipaddress.ip_address((peer or "").split("%")[0])
    except ValueError:
        return False  # a unix socket or an unknown peer is nobody we trust
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket reports IPv4 peers this way
    return any(address in network for network in allowed)


class TrustedProxyFix:
    """ProxyFix applied only to requests whose direct peer is an allowed proxy.

    Parameters:
      wsgi_app: the application to call.
      config: the app's config, read on every request (``PROXY_FIX_HOPS``,
        ``FORWARDED_ALLOW_IPS``).
    """

    def __init__(self, wsgi_app: Any, config: Mapping[str, Any]) -> None:
        self.wsgi_app = wsgi_app
        self.config = config
        self._fixes: dict[int, ProxyFix] = {}

    def _fix(self, hops: int) -> ProxyFix:
        if hops not in self._fixes:
            self._fixes[hops] = ProxyFix(self.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        return self._fixes[hops]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Serve the request, trusting its forwarded headers only from an allowed peer."""
        hops = int(self.config.get("PROXY_FIX_HOPS", 0))
        allowed = parse_allowed(str(self.config.get("FORWARDED_ALLOW_IPS", "")))
        if hops > 0 and peer_is_allowed(environ.get("REMOTE_ADDR"), allowed):
            return self._fix(hops)(environ, start_response)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """Wrap the app so forwarded headers count only from the configured proxies."""
    parse_allowed(str(app.config.get("FORWARDED_ALLOW_IPS", "")))  # refuse a bad setting at start
    app.wsgi_app = TrustedProxyFix(app.wsgi_app, app.config)  # type: ignore[method-assign]
