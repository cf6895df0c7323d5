"""Login limits behind a proxy: X-Forwarded-For counts only when a trusted proxy sent it.

A client talking to the app directly can write any X-Forwarded-For it likes; if the app
believed it, every sprayed login would look like a new client and the per-IP limit would
never trip. A trusted proxy (a peer in FORWARDED_ALLOW_IPS, PROXY_FIX_HOPS deep) appends
the address it saw, and that one address is what the limit counts.
"""
from __future__ import annotations

import pytest
from flask import Flask, request

from automateos import proxy
from tests.conftest import assert_error

ATTACKER = "203.0.113.66"   # talks to the app directly
PROXY = "10.0.0.5"          # the load balancer in front of the app


@pytest.fixture
def behind_proxy(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app trusts one hop, from PROXY only (as on Render, with its proxy's address)."""
    monkeypatch.setitem(app.config, "PROXY_FIX_HOPS", 1)
    monkeypatch.setitem(app.config, "FORWARDED_ALLOW_IPS", f"{PROXY}, 127.0.0.1")


def login(client, email: str, peer: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/api/auth/login", json={"email": email, "password": "wrong password"},
                       headers=headers, environ_base={"REMOTE_ADDR": peer})


def login_limit(app: Flask) -> int:
    return int(app.config["LOGIN_RATE_LIMIT"].split()[0])


def test_sprayed_forwarded_for_from_a_direct_client_is_ignored(app, client, behind_proxy):
    # Given a client that is not the proxy, forging a new X-Forwarded-For on every try.
    limit = login_limit(app)
    answers = [login(client, f"victim{i}@example.com", ATTACKER, f"198.51.100.{i + 1}").status_code
               for i in range(limit)]
    assert answers == [401] * limit
    # Then the next try is refused: the limit counted the real peer every time.
    assert_error(login(client, "victim-next@example.com", ATTACKER, "198.51.100.250"), 429)


def test_spray_with_no_proxy_configured_trips_the_limit(app, client, monkeypatch):
    # The default (PROXY_FIX_HOPS=0): forwarded headers count from nobody, not even loopback.
    monkeypatch.setitem(app.config, "PROXY_FIX_HOPS", 0)
    monkeypatch.setitem(app.config, "FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    limit = login_limit(app)
    for i in range(limit):
        assert login(client, f"v{i}@example.com", "127.0.0.1", f"198.51.100.{i + 1}").status_code == 401
    assert_error(login(client, "v-next@example.com", "127.0.0.1", "198.51.100.250"), 429)


def test_behind_the_trusted_proxy_each_real_client_has_its_own_limit(app, client, behind_proxy):
    limit = login_limit(app)
    # Given one real client behind the proxy that used up its tries ...
    for i in range(limit):
        assert login(client, f"a{i}@example.com", PROXY, "198.51.100.7").status_code == 401
    assert_error(login(client, "a-next@example.com", PROXY, "198.51.100.7"), 429)
    # ... another client behind the same proxy still gets its own tries.
    assert login(client, "b@example.com", PROXY, "198.51.100.8").status_code == 401


def test_behind_the_proxy_entries_a_client_forged_are_ignored(app, client, behind_proxy):
    # The client sends "X-Forwarded-For: <forged>"; the proxy appends the address it saw.
    limit = login_limit(app)
    for i in range(limit):
        assert login(client, f"c{i}@example.com", PROXY, f"192.0.2.{i + 1}, 198.51.100.9").status_code == 401
    assert_error(login(client, "c-next@example.com", PROXY, "192.0.2.200, 198.51.100.9"), 429)


def _echo_app(**config: object) -> Flask:
    """A bare app with the proxy layer, answering the client address it sees."""
    echo = Flask(__name__)
    echo.config.update(config)
    proxy.init_app(echo)
    echo.get("/ip")(lambda: {"ip": request.remote_addr, "scheme": request.scheme, "host": request.host})
    return echo


@pytest.mark.parametrize("config", [
    {"ENV_NAME": "production"},  # production alone trusts nobody: hops default to 0
    {"ENV_NAME": "production", "PROXY_FIX_HOPS": 1, "FORWARDED_ALLOW_IPS": PROXY},
    {"ENV_NAME": "production", "PROXY_FIX_HOPS": 2, "FORWARDED_ALLOW_IPS": "10.0.0.0/8"},
])
def test_an_untrusted_peer_cannot_set_address_scheme_or_host(config):
    seen = _echo_app(**config).test_client().get(
        "/ip", headers={"X-Forwarded-For": "1.2.3.4, 5.6.7.8", "X-Forwarded-Proto": "https",
                        "X-Forwarded-Host": "evil.example"},
        environ_base={"REMOTE_ADDR": ATTACKER}).get_json()
    assert seen == {"ip": ATTACKER, "scheme": "http", "host": "localhost"}


@pytest.mark.parametrize("allowed, peer", [
    (PROXY, PROXY), ("10.0.0.0/8", PROXY), ("*", ATTACKER), ("127.0.0.1,::1", "::1"),
    ("127.0.0.1", "::ffff:127.0.0.1"),
])
def test_a_trusted_peer_reports_the_client_it_saw(allowed, peer):
    seen = _echo_app(PROXY_FIX_HOPS=1, FORWARDED_ALLOW_IPS=allowed).test_client().get(
        "/ip", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.20", "X-Forwarded-Proto": "https",
                        "X-Forwarded-Host": "app.example"},
        environ_base={"REMOTE_ADDR": peer}).get_json()
    assert seen == {"ip": "198.51.100.20", "scheme": "https", "host": "app.example"}


def test_two_hops_take_the_address_the_first_proxy_saw():
    seen = _echo_app(PROXY_FIX_HOPS=2, FORWARDED_ALLOW_IPS=PROXY).test_client().get(
        "/ip", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.21, 10.0.0.9"},
        environ_base={"REMOTE_ADDR": PROXY}).get_json()
    assert seen["ip"] == "198.51.100.21"


def test_a_malformed_allow_list_is_refused_at_start():
    with pytest.raises(ValueError):
        _echo_app(PROXY_FIX_HOPS=1, FORWARDED_ALLOW_IPS="10.0.0.5, not-an-ip")
