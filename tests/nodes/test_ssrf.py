"""The SSRF guard: which addresses are refused, and that the session enforces it on every hop."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
import requests

from automateos.nodes.ssrf import BlockedDestination, check_address, guarded_session

from .conftest import LocalServer

BLOCKED = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",        # CGNAT
    "169.254.169.254",   # cloud metadata
    "224.0.0.1",         # multicast
    "240.0.0.1",         # reserved
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::127.0.0.1",       # IPv4-compatible
    "2002:7f00:1::",     # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1", # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b::7f00:1",   # NAT64 of 127.0.0.1
    "64:ff9b::a00:1",    # NAT64 of 10.0.0.1
]

ALLOWED = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"]


@pytest.mark.parametrize("ip", BLOCKED)
def test_internal_addresses_are_refused(ip: str) -> None:
    with pytest.raises(BlockedDestination, match="refusing to connect"):
        check_address(ip)


@pytest.mark.parametrize("ip", ALLOWED)
def test_public_addresses_pass(ip: str) -> None:
    check_address(ip)  # no exception


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "0x7f000001", "2130706433", "127.1"],
)
def test_loopback_in_any_spelling_is_refused_before_a_byte_is_sent(host: str, server: LocalServer) -> None:
    with guarded_session() as session, pytest.raises(BlockedDestination):
        session.get(f"http://{host}:{server.port}/json", timeout=5)
    assert server.requests == []


@pytest.mark.parametrize(
    "url", ["http://10.0.0.1/", "https://169.254.169.254/latest/meta-data/", "http://[2002:7f00:1::]/"]
)
def test_other_internal_destinations_are_refused_without_connecting(url: str) -> None:
    # These would hang or fail on connect: refusing first means no connection is attempted.
    with guarded_session() as session, pytest.raises(BlockedDestination):
        session.get(url, timeout=5)


def test_allow_private_lets_internal_addresses_through(server: LocalServer) -> None:
    with guarded_session(allow_private=True) as session:
        assert session.get(server.url("/json"), timeout=5).json() == {"hello": "world", "n": 1}


def test_an_allowed_pair_is_exactly_one_ip_and_port(server: LocalServer) -> None:
    with guarded_session(allowed=[("127.0.0.1", server.port)]) as session:
        assert session.get(server.url("/json"), timeout=5).status_code == 200
    with guarded_session(allowed=[("127.0.0.1", server.port + 1)]) as session:
        with pytest.raises(BlockedDestination):
            session.get(server.url("/json"), timeout=5)


def test_a_redirect_to_an_internal_address_is_refused(
    start_server: Callable[[str], LocalServer],
) -> None:
    # Given a first hop the guard lets through, redirecting to an address it does not.
    first = start_server("127.0.0.1")
    internal = start_server("127.0.0.2")
    with guarded_session(allowed=[("127.0.0.1", first.port)]) as session:
        # Control: following a redirect to an allowed destination works.
        ok = session.get(first.url("/redirect?to=" + quote(first.url("/json"))), timeout=5)
        assert ok.json() == {"hello": "world", "n": 1}

        with pytest.raises(BlockedDestination, match="127.0.0.2"):
            session.get(first.url("/redirect?to=" + quote(internal.url("/json"))), timeout=5)

    assert [r["path"] for r in first.requests] == ["/redirect", "/json", "/redirect"]
    assert internal.requests == []


def test_redirect_chains_are_capped(server: LocalServer) -> None:
    url = server.url("/json")
    for _ in range(7):
        url = server.url("/redirect?to=" + quote(url, safe=""))
    with guarded_session(allow_private=True) as session, pytest.raises(requests.TooManyRedirects):
        session.get(url, timeout=5)
    assert len(server.requests) == 6  # the first request and 5 redirects


def test_proxies_from_the_environment_are_ignored(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy would pick the destination itself, past the guard.
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.255.255.1:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with guarded_session(allow_private=True) as session:
        assert session.get(server.url("/json"), timeout=5).status_code == 200


def test_an_explicit_proxy_is_refused(server: LocalServer) -> None:
    with guarded_session(allow_private=True) as session, pytest.raises(BlockedDestination, match="proxy"):
        session.get(server.url("/json"), proxies={"http": "http://10.255.255.1:3128"}, timeout=5)
