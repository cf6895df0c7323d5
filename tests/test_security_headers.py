"""Security headers and CORS (automateos/security_headers.py), on apps of the test's own.

Each test builds its app with ``create_app`` and the settings it needs, then calls
``security_headers.init_app`` (a no-op once the factory calls it itself).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from automateos import create_app, security_headers
from config import BASE_DIR, TestConfig

INDEX = ("<!doctype html><html><body><div id=root></div>"
         "<script type=module src=/assets/index-1.js></script></body></html>")
ADMIN = "https://admin.example.com"


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., Flask]:
    """Build an app with ``settings`` on top of TestConfig, serving a small dashboard build."""
    (tmp_path / "index.html").write_text(INDEX)

    def build(**settings: Any) -> Flask:
        config = type("HeadersConfig", (TestConfig,), {"DASHBOARD_DIST": str(tmp_path), **settings})
        app = create_app(config)
        security_headers.init_app(app)
        return app

    return build


def csp(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as directive -> sources."""
    directives = [d.split() for d in response.headers["Content-Security-Policy"].split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def test_dashboard_gets_a_policy_that_fits_the_build(make_app):
    resp = make_app().test_client().get("/workflows/3")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    policy = csp(resp)
    assert policy["default-src"] == ["'self'"]
    # Scripts only from our origin: no inline script, no other host. Ajv's Function() needs
    # 'unsafe-eval' (see the module's docstring); inline styles come from Chakra/emotion.
    assert policy["script-src"] == ["'self'", "'unsafe-eval'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["connect-src"] == ["'self'"]  # the API and the event stream: same origin
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_api_responses_may_load_nothing(make_app):
    client = make_app().test_client()
    for resp in (client.get("/api/nodes"), client.get("/api/workflows"), client.get("/healthz"),
                 client.get("/api/no-such-thing")):
        assert csp(resp) == {"default-src": ["'none'"], "base-uri": ["'none'"], "form-action": ["'none'"],
                             "frame-ancestors": ["'none'"]}, resp.request.path
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"


def test_docs_page_may_run_swagger_ui_from_its_configured_origin(make_app):
    app = make_app(OPENAPI_SWAGGER_UI_URL="https://cdn.example.net/swagger-ui/5.0/")
    resp = app.test_client().get("/api/docs")
    assert resp.status_code == 200
    policy = csp(resp)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'", "https://cdn.example.net"]
    assert "https://cdn.example.net" in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Served from the package (a relative URL): our origin only.
    local = make_app(OPENAPI_SWAGGER_UI_URL="/api/docs/static/").test_client().get("/api/docs")
    assert csp(local)["script-src"] == ["'self'", "'unsafe-inline'"]


def test_hsts_only_over_tls(make_app):
    app = make_app()
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://automateos.example.com")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_trusts_the_forwarded_scheme_only_from_the_configured_proxy(make_app):
    # The test client's peer is 127.0.0.1.
    untrusted = make_app(PROXY_FIX_HOPS=0).test_client()
    assert "Strict-Transport-Security" not in untrusted.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
    behind_proxy = make_app(PROXY_FIX_HOPS=1, FORWARDED_ALLOW_IPS="127.0.0.1").test_client()
    resp = behind_proxy.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    other_peer = behind_proxy.get("/healthz", headers={"X-Forwarded-Proto": "https"},
                                  environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert "Strict-Transport-Security" not in other_peer.headers


def test_hsts_can_be_turned_off(make_app):
    resp = make_app(HSTS_SECONDS=0).test_client().get("/healthz", base_url="https://x.example.com")
    assert "Strict-Transport-Security" not in resp.headers


def test_no_cors_by_default(make_app):
    client = make_app().test_client()
    preflight = client.options("/api/workflows", headers={
        "Origin": ADMIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Origin" not in client.get("/api/nodes", headers={"Origin": ADMIN}).headers


def test_cors_for_configured_origins_only(make_app):
    client = make_app(CORS_ORIGINS=f"{ADMIN}, http://localhost:5173").test_client()
    preflight = client.options("/api/workflows", headers={
        "Origin": ADMIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ADMIN
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers  # bearer tokens, no cookies
    assert client.get("/api/nodes", headers={"Origin": "http://localhost:5173"}).headers[
        "Access-Control-Allow-Origin"] == "http://localhost:5173"
    # A look-alike origin, another scheme, or a page outside the API: nothing.
    for origin in (ADMIN + ".evil.net", "http://admin.example.com", "https://evil.example.com"):
        assert "Access-Control-Allow-Origin" not in client.get("/api/nodes", headers={"Origin": origin}).headers
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": ADMIN}).headers


@pytest.mark.parametrize("setting", ["*", "admin.example.com", "https://admin.example.com/app", "ftp://x.example"])
def test_a_bad_cors_origin_is_refused_at_start(make_app, setting):
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        make_app(CORS_ORIGINS=setting)


def test_init_app_twice_adds_the_headers_once(make_app):
    app = make_app()
    security_headers.init_app(app)
    resp = app.test_client().get("/healthz")
    assert len(resp.headers.getlist("Content-Security-Policy")) == 1


def test_the_dashboard_build_has_no_inline_script():
    """The dashboard's policy allows scripts from our origin only: a build with an inline
    ``<script>`` would be blank. Checked on the real build when there is one."""
    index = BASE_DIR / "frontend" / "dist" / "index.html"
    if not index.is_file():
        pytest.skip("no dashboard build (cd frontend && npm run build)")
    html = index.read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S | re.I)
    assert scripts, "the build loads no script"
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), f"inline script in {index}"
