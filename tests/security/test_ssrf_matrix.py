"""The SSRF matrix: every way of naming an internal address is refused before a byte is sent.

Addresses (each range, each IPv6 transition form), host spellings (decimal, octal, hex,
short forms, IPv6 literals, full-width digits), cloud metadata endpoints, redirects to
any of them, and DNS names that resolve inside: all refused by the guard, with the
local test server receiving nothing. Name resolution is simulated in-process (a stand-in
``getaddrinfo`` for ``*.test`` names only): no query leaves the machine.

Then the node and a whole run, and what their error messages may say: never the
``user:password@`` of a URL.
"""
from __future__ import annotations

import base64
import socket
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests

from automateos.nodes.base import NodeContext, NodeError
from automateos.nodes.builtin.http_request import HttpRequestNode, redact_userinfo, without_userinfo
from automateos.nodes.ssrf import BlockedDestination, check_address, guarded_session
from tests.conftest import wait_for_log, webhook_flow
from tests.http_server import LocalServer, server, start_server  # noqa: F401  (fixtures)

# -- addresses --------------------------------------------------------------------------------

BLOCKED: dict[str, list[str]] = {
    "loopback": ["127.0.0.1", "127.0.0.2", "127.1.2.3", "127.255.255.255", "::1"],
    "unspecified": ["0.0.0.0", "0.1.2.3", "::"],
    "private": ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.20.1.1", "172.31.255.255",
                "192.168.0.1", "192.168.255.255", "fc00::1", "fd00::1", "fdff:ffff::1"],
    "shared / special IPv4": ["100.64.0.1", "100.127.255.255", "192.0.0.1", "192.0.0.170", "192.0.2.1",
                              "198.18.0.1", "198.19.255.255", "198.51.100.1", "203.0.113.1"],
    "link-local": ["169.254.0.1", "169.254.255.255", "fe80::1", "fe80::a9fe:a9fe", "febf::1"],
    "metadata": ["169.254.169.254", "169.254.170.2", "fd00:ec2::254"],  # AWS/GCP/Azure, ECS, AWS IPv6
    "multicast / broadcast / reserved": ["224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
                                         "ff02::1", "ff05::2", "fec0::1", "2001:db8::1", "3fff::1", "100::1"],
    "IPv4-mapped": ["::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:192.168.1.1",
                    "::ffff:0.0.0.0", "::ffff:7f00:1"],
    "IPv4-compatible / translated": ["::127.0.0.1", "::10.0.0.1", "::a9fe:a9fe", "::ffff:0:7f00:1",
                                     "::ffff:0:a9fe:a9fe"],
    "6to4": ["2002:7f00:1::", "2002:7f00:1::1", "2002:a00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101::"],
    "NAT64": ["64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe",
              "64:ff9b:1::a00:1", "64:ff9b:1::808:808"],
    "Teredo": ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1", "2001:0:7f00:1::"],
}
ALLOWED = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2001:4860:4860::8888",
           "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"]


@pytest.mark.parametrize("ip", [ip for group in BLOCKED.values() for ip in group])
def test_internal_addresses_are_refused(ip: str) -> None:
    with pytest.raises(BlockedDestination, match="refusing to connect"):
        check_address(ip)


@pytest.mark.parametrize("ip", ALLOWED)
def test_public_addresses_pass(ip: str) -> None:
    check_address(ip)


# -- spellings of a host, against a live server on loopback ------------------------------------

LOOPBACK_SPELLINGS = [
    "127.0.0.1", "127.1", "127.0.1", "127.000.000.001", "127.0.0.01",  # short and padded
    "2130706433",                                                      # decimal
    "0x7f000001", "0x7f.0.0.1", "0x7f.1", "0X7F.0X0.0X0.0X1",          # hex
    "0177.0.0.1", "017700000001", "00000177.0.0.1",                    # octal
    "0", "0.0.0.0",                                                    # "this host": Linux connects to loopback
    "localhost", "LOCALHOST", "LocalHost",
    "[::1]", "[0:0:0:0:0:0:0:1]", "[0000::0001]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::127.0.0.1]",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_in_any_spelling_never_gets_a_request(host: str, server: LocalServer) -> None:
    with guarded_session() as session, pytest.raises(BlockedDestination):
        session.get(f"http://{host}:{server.port}/json", timeout=5)
    assert server.requests == []


@pytest.mark.parametrize("host", ["１２７.０.０.１", "127。0。0。1", "127.0.0.1%00", "%31%32%37.0.0.1", "[fe80::1%25lo]"])
def test_unicode_and_encoded_spellings_never_get_a_request(host: str, server: LocalServer) -> None:
    # Refused by the guard or not even a valid URL: either way no request reaches loopback.
    with guarded_session() as session, pytest.raises((BlockedDestination, requests.RequestException)):
        session.get(f"http://{host}:{server.port}/json", timeout=5)
    assert server.requests == []


METADATA_URLS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://169.254.169.254/computeMetadata/v1/",
    "http://169.254.169.254/metadata/instance?api-version=2021-02-01",
    "http://2852039166/latest/meta-data/",          # decimal
    "http://0xa9fea9fe/latest/meta-data/",          # hex
    "http://0251.0376.0251.0376/latest/meta-data/",  # octal
    "http://169.254.43518/",                        # short form
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[2002:a9fe:a9fe::]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",           # ECS task credentials
    "https://169.254.169.254/",
    "http://metadata.google.test/computeMetadata/v1/",  # a name resolving there (stand-in DNS)
]


@pytest.mark.parametrize("url", METADATA_URLS)
def test_cloud_metadata_is_refused_without_connecting(url: str, fake_dns: dict[str, list[str]]) -> None:
    # Refused before connect: these addresses would hang (nothing answers here) if tried.
    with guarded_session() as session, pytest.raises(BlockedDestination):
        session.get(url, timeout=5)


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://192.168.1.1:8080/admin", "http://172.17.0.1:2375/info",
                                 "http://[fd12:3456::1]/", "http://[fe80::1]:80/", "http://100.64.0.1/",
                                 "https://10.0.0.1/", "http://0/", "http://[::]/"])
def test_other_internal_destinations_are_refused_without_connecting(url: str) -> None:
    with guarded_session() as session, pytest.raises(BlockedDestination):
        session.get(url, timeout=5)


# -- redirects --------------------------------------------------------------------------------

def redirect_targets(internal: LocalServer) -> list[str]:
    port = internal.port
    return [
        internal.url("/json"), f"http://localhost:{port}/json", f"http://127.1:{port}/json",
        f"http://2130706433:{port}/json", f"http://0x7f000001:{port}/json", f"http://0177.0.0.1:{port}/json",
        f"http://[::1]:{port}/json", f"http://[::ffff:127.0.0.1]:{port}/json", f"http://0.0.0.0:{port}/json",
        f"http://user:pw@127.0.0.2:{port}/json", "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/", "http://10.0.0.1/", "https://192.168.0.1/", "http://internal.test/",
    ]


@pytest.fixture
def first_and_internal(start_server: Callable[[str], LocalServer]) -> tuple[LocalServer, LocalServer]:
    """A first hop the guard lets through (one allowed ip:port) and an internal server."""
    return start_server("127.0.0.1"), start_server("127.0.0.2")


@pytest.mark.parametrize("index", range(15))
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_redirect_to_an_internal_address_is_refused(
    index: int, method: str, first_and_internal: tuple[LocalServer, LocalServer], fake_dns: dict,
) -> None:
    first, internal = first_and_internal
    target = redirect_targets(internal)[index]
    with guarded_session(allowed=[("127.0.0.1", first.port)]) as session:
        with pytest.raises(BlockedDestination):
            session.request(method, first.url("/redirect?to=" + quote(target, safe="")), timeout=5)
    assert [r["path"] for r in first.requests] == ["/redirect"]
    assert internal.requests == []


def test_a_redirect_chain_is_checked_at_every_hop(first_and_internal: tuple[LocalServer, LocalServer]) -> None:
    first, internal = first_and_internal
    url = internal.url("/json")
    for _ in range(3):  # allowed -> allowed -> allowed -> internal
        url = first.url("/redirect?to=" + quote(url, safe=""))
    with guarded_session(allowed=[("127.0.0.1", first.port)]) as session, pytest.raises(BlockedDestination):
        session.get(url, timeout=5)
    assert len(first.requests) == 3 and internal.requests == []


# -- names that resolve inside (stand-in resolver, nothing leaves the machine) ----------------

@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Names under ``.test`` resolve to the addresses listed here (a list per lookup order:
    a name with a list of lists answers each lookup with the next one); anything else goes
    to the real resolver, which only ever sees numeric hosts and localhost in this suite."""
    real = socket.getaddrinfo
    table: dict[str, Any] = {
        "internal.test": ["10.0.0.5"],
        "metadata.google.test": ["169.254.169.254"],
        "mixed.test": ["93.184.216.34", "10.0.0.1"],    # one public, one private answer
        "v6-private.test": ["fd00::1"],
        "v6-mapped.test": ["::ffff:127.0.0.1"],
        "scoped.test": ["fe80::1%1"],
        "nat64.test": ["64:ff9b::a9fe:a9fe"],
        "loopback.test": ["127.0.0.1", "::1"],
    }
    lookups: dict[str, int] = {}

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not name.endswith(".test"):
            return real(host, port, family, type, proto, flags)
        if name not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answers = table[name]
        if answers and isinstance(answers[0], list):  # a rebinding name: next answer each time
            answers = answers[min(lookups.get(name, 0), len(answers) - 1)]
        lookups[name] = lookups.get(name, 0) + 1
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
             (a.split("%")[0], int(port or 80), 0, int(a.split("%")[1])) if ":" in a and "%" in a
             else (a, int(port or 80), 0, 0) if ":" in a else (a, int(port or 80)))
            for a in answers
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield table


@pytest.mark.parametrize("name", ["internal.test", "metadata.google.test", "mixed.test", "v6-private.test",
                                  "v6-mapped.test", "scoped.test", "nat64.test", "loopback.test"])
def test_a_name_resolving_to_an_internal_address_is_refused(name: str, fake_dns: dict) -> None:
    # "mixed.test" has a public answer too: one internal answer refuses the name outright,
    # so no connection is tried to any of its addresses.
    with guarded_session() as session, pytest.raises(BlockedDestination):
        session.get(f"http://{name}/", timeout=5)


def test_localhost_by_name_is_refused(server: LocalServer) -> None:
    for host in ("localhost", "LOCALHOST"):
        with guarded_session() as session, pytest.raises(BlockedDestination):
            session.get(f"http://{host}:{server.port}/json", timeout=5)
    assert server.requests == []


def test_rebinding_each_connection_is_checked_on_the_address_it_uses(
    first_and_internal: tuple[LocalServer, LocalServer], fake_dns: dict,
) -> None:
    # Given a name answering an allowed address first, then an internal one (DNS rebinding).
    first, internal = first_and_internal
    fake_dns["rebind.test"] = [["127.0.0.1"], ["127.0.0.2"]]
    allowed = [("127.0.0.1", first.port), ("127.0.0.1", internal.port)]
    with guarded_session(allowed=allowed) as session:
        assert session.get(f"http://rebind.test:{first.port}/json", timeout=5).status_code == 200
    with guarded_session(allowed=allowed) as session, pytest.raises(BlockedDestination, match="127.0.0.2"):
        session.get(f"http://rebind.test:{internal.port}/json", timeout=5)
    assert len(first.requests) == 1 and internal.requests == []


# -- the node, and a whole run ----------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "[::ffff:7f00:1]", "[::1]", "0.0.0.0"])
def test_the_node_refuses_internal_addresses_by_default(host: str, server: LocalServer) -> None:
    ctx = NodeContext(execution_id=1, workflow_id=1, node_id="call", settings={})
    params = HttpRequestNode.params_schema().load({"url": f"http://{host}:{server.port}/json"})
    with pytest.raises(BlockedDestination):
        HttpRequestNode().execute(ctx, params, None)
    assert server.requests == []


@pytest.fixture
def guard_on(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """The install's default: workflows may not call private addresses (tests allow them)."""
    monkeypatch.setitem(app.config, "HTTP_ALLOW_PRIVATE", False)


@pytest.mark.parametrize("url_of", [
    lambda s: s.url("/json"),
    lambda s: f"http://localhost:{s.port}/json",
    lambda s: s.url("/redirect?to=") + quote("http://169.254.169.254/latest/meta-data/", safe=""),
])
def test_a_run_calling_an_internal_address_fails_and_nothing_is_reached(
    app, client, user, server: LocalServer, guard_on, url_of,
) -> None:
    wf = user.create_workflow(webhook_flow({"id": "call", "type": "http_request", "max_retries": 0,
                                            "params": {"url": url_of(server)}}))
    log_id = client.post(f"/api/hooks/{wf['webhook_url'].rsplit('/', 1)[1]}", json={}).get_json()["log_id"]
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "failed"
    assert "refusing to connect" in str(log["error"])
    assert server.requests == []


# -- URL userinfo never in a message ----------------------------------------------------------

SECRET_USER, SECRET_PASSWORD = "deploy-bot", "hunter2-s3cr3t"


def creds_url(url: str) -> str:
    """``url`` with the secret credentials written into it."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{SECRET_USER}:{SECRET_PASSWORD}@{rest}"


def everything_said(exc: BaseException) -> str:
    """The message and the full traceback of ``exc``, causes included: what a step stores."""
    return str(exc) + "".join(traceback.format_exception(exc))


@pytest.fixture
def private_ctx() -> NodeContext:
    return NodeContext(execution_id=1, workflow_id=1, node_id="call", settings={"HTTP_ALLOW_PRIVATE": True})


def closed_port() -> int:
    with socket.socket() as probe:  # nobody listens there once it is closed
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_node(params: dict[str, Any], ctx: NodeContext) -> Any:
    return HttpRequestNode().execute(ctx, HttpRequestNode.params_schema().load(params), None)


@pytest.mark.parametrize("case", ["refused", "status", "too big", "blocked", "unresolvable", "bad redirect",
                                  "redirect with credentials", "timeout"])
def test_error_messages_never_carry_url_credentials(case: str, server: LocalServer, private_ctx: NodeContext,
                                                    fake_dns: dict) -> None:
    ctx = private_ctx
    if case == "refused":
        url = creds_url(f"http://127.0.0.1:{closed_port()}/")
    elif case == "status":
        url = creds_url(server.url("/status/500"))
    elif case == "too big":
        url = creds_url(server.url("/big"))
    elif case == "blocked":
        url, ctx = creds_url(server.url("/json")), NodeContext(1, 1, "call", settings={})
    elif case == "unresolvable":
        url = creds_url("http://no-such-host.test/")
    elif case == "bad redirect":  # a scheme requests cannot follow: its error quotes the URL
        url = creds_url(server.url("/redirect?to=" + quote(f"ftp://{SECRET_USER}:{SECRET_PASSWORD}@x/", safe="")))
    elif case == "redirect with credentials":
        url = server.url("/redirect?to=" + quote(creds_url(f"http://127.0.0.1:{closed_port()}/"), safe=""))
    if case != "timeout":
        with pytest.raises(NodeError) as caught:
            run_node({"url": url}, ctx)
    else:
        fake_dns["timeout.test"] = ["127.0.0.1"]
        with socket.socket() as listener:  # accepts nothing: connect succeeds, no answer comes
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            url = creds_url(f"http://timeout.test:{listener.getsockname()[1]}/")
            with pytest.raises(NodeError) as caught:
                run_node({"url": url, "timeout_seconds": 0.2}, ctx)
    said = everything_said(caught.value)
    assert f"{SECRET_USER}:{SECRET_PASSWORD}@" not in said, said
    if "redirect" not in case:  # there the test server's query string holds them, encoded
        assert SECRET_PASSWORD not in said and SECRET_USER not in said, said


def test_credentials_in_the_url_are_still_sent_as_basic_auth(server: LocalServer, private_ctx: NodeContext) -> None:
    out = run_node({"url": creds_url(server.url("/echo")).replace(SECRET_PASSWORD, "p%40ss%3Aword")}, private_ctx)
    sent = out["body"]["headers"]["Authorization"]
    assert sent == "Basic " + base64.b64encode(f"{SECRET_USER}:p@ss:word".encode()).decode()
    assert out["body"]["path"] == "/echo"


def test_a_failed_run_stores_no_url_credentials(app, client, user) -> None:
    url = creds_url(f"http://127.0.0.1:{closed_port()}/hook")
    wf = user.create_workflow(webhook_flow({"id": "call", "type": "http_request", "max_retries": 0,
                                            "params": {"url": url}}))
    log_id = client.post(f"/api/hooks/{wf['webhook_url'].rsplit('/', 1)[1]}", json={}).get_json()["log_id"]
    log = wait_for_log(app, user, log_id)
    assert log["status"] == "failed"
    stored = str(log["error"]) + str([s.get("error") for s in log["steps"]])
    assert "Connection refused" in stored or "failed" in stored
    assert SECRET_PASSWORD not in stored


@pytest.mark.parametrize("url, expected", [
    ("http://u:p@host/x", ("http://host/x", ("u", "p"))),
    ("https://u@host:8443/", ("https://host:8443/", ("u", ""))),
    ("http://u%3A1:p%40w@[::1]:80/?q=a@b", ("http://[::1]:80/?q=a@b", ("u:1", "p@w"))),
    ("http://host/path@x", ("http://host/path@x", None)),
])
def test_without_userinfo(url: str, expected: tuple) -> None:
    assert without_userinfo(url) == expected


def test_redact_userinfo_masks_every_url_in_a_text() -> None:
    text = "No adapter for 'ftp://a:b@x/' after http://c:d@y:80/p?e=f@g and mailto:h@i"
    assert redact_userinfo(text) == "No adapter for 'ftp://***@x/' after http://***@y:80/p?e=f@g and mailto:h@i"
