"""Security headers on every response, and CORS for the configured origins only.

* ``Content-Security-Policy``: three policies, by what the response is.

  - The dashboard (``/`` and its client routes, its assets): scripts from our origin only,
    no plugins, no framing. Styles allow ``'unsafe-inline'``: Chakra UI (emotion) inserts
    ``<style>`` elements at run time and React Flow sets ``style`` attributes. Scripts allow
    ``'unsafe-eval'``: the editor's parameter forms validate with Ajv
    (``@rjsf/validator-ajv8``), which compiles each JSON Schema with ``Function()``;
    precompiled validators in the dashboard would let this go.
  - The API docs page (``/api/docs``): Swagger UI's inline start-up script, and its assets
    from ``OPENAPI_SWAGGER_UI_URL`` when that is another origin.
  - Everything else (the JSON API, event streams, health): nothing may load at all.

* ``Strict-Transport-Security`` only on requests that came over TLS (``request.is_secure``:
  directly, or as a trusted proxy says through ``X-Forwarded-Proto``, see proxy.py), with
  ``HSTS_SECONDS`` (0: never). Over plain HTTP the header is meaningless and a mistake in
  development would pin a browser to HTTPS for a year.
* ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` (for browsers without
  ``frame-ancestors``), ``Referrer-Policy: strict-origin-when-cross-origin``,
  ``Cross-Origin-Opener-Policy: same-origin``, ``Permissions-Policy`` turning off
  hardware features the dashboard never uses.
* CORS: with ``CORS_ORIGINS`` empty (the default) no response carries CORS headers, so
  browsers keep other sites out of the API; listed origins may call ``/api/...`` with a
  bearer token (no cookies are used, so no credentials mode).
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_cors import CORS

EXTENSION = "automateos.security_headers"
DEFAULT_HSTS_SECONDS = 365 * 86400

DASHBOARD_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
API_POLICY = {
    "default-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'none'"],
}

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def render_policy(policy: dict[str, list[str]]) -> str:
    """The header value of ``policy`` (directive -> sources)."""
    return "; ".join(" ".join([name, *sources]) for name, sources in policy.items())


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute URL, None for a relative one."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def docs_policy(swagger_ui_url: str | None) -> dict[str, list[str]]:
    """The policy of the API docs page: Swagger UI from ``swagger_ui_url``, its inline
    start-up script, and the spec it fetches from our origin."""
    extra = [origin] if swagger_ui_url and (origin := _origin(swagger_ui_url)) else []
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'", *extra],
        "style-src": ["'self'", "'unsafe-inline'", *extra],
        "img-src": ["'self'", "data:", *extra],
        "font-src": ["'self'", "data:", *extra],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def parse_origins(setting: str | Iterable[str] | None) -> list[str]:
    """The origins ``CORS_ORIGINS`` names (a comma-separated string or a list); a value
    that is not ``scheme://host[:port]`` raises ValueError, naming the variable."""
    items = setting.split(",") if isinstance(setting, str) else list(setting or ())
    origins = []
    for item in (i.strip().rstrip("/") for i in items):
        if not item:
            continue
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(f"CORS_ORIGINS: {item!r} is not an origin (scheme://host[:port])")
        origins.append(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


class HeaderPolicies:
    """The header values of one app, computed once from its config.

    Parameters:
        app: the app; reads ``HSTS_SECONDS``, ``OPENAPI_URL_PREFIX``,
            ``OPENAPI_SWAGGER_UI_PATH`` and ``OPENAPI_SWAGGER_UI_URL``.
    """

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.dashboard = render_policy(DASHBOARD_POLICY)
        self.api = render_policy(API_POLICY)
        self.docs = render_policy(docs_policy(config.get("OPENAPI_SWAGGER_UI_URL")))
        prefix = "/" + str(config.get("OPENAPI_URL_PREFIX") or "").strip("/")
        self.api_prefix = prefix.rstrip("/") + "/" if prefix != "/" else "/api/"
        docs_path = str(config.get("OPENAPI_SWAGGER_UI_PATH") or "").strip("/")
        self.docs_path = self.api_prefix + docs_path if docs_path else None
        seconds = int(config.get("HSTS_SECONDS", DEFAULT_HSTS_SECONDS))
        self.hsts = f"max-age={seconds}; includeSubDomains" if seconds > 0 else None

    def policy_for(self, path: str) -> str:
        """The Content-Security-Policy of the response to ``path``."""
        if self.docs_path and path == self.docs_path:
            return self.docs
        if path.startswith(self.api_prefix) or path in ("/healthz", "/readyz", "/metrics"):
            return self.api
        return self.dashboard


def _set_headers(response: Response) -> Response:
    policies: HeaderPolicies = current_app.extensions[EXTENSION]
    headers = response.headers
    for name, value in STATIC_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", policies.policy_for(request.path))
    if policies.hsts and request.is_secure:
        headers.setdefault("Strict-Transport-Security", policies.hsts)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response of ``app``; allow the ``CORS_ORIGINS``
    (none by default) to call its API. Calling it again for the same app does nothing."""
    if EXTENSION in app.extensions:
        return
    app.extensions[EXTENSION] = HeaderPolicies(app)
    app.after_request(_set_headers)
    origins = parse_origins(app.config.get("CORS_ORIGINS"))
    if origins:
        prefix = app.extensions[EXTENSION].api_prefix
        CORS(app, resources={f"{prefix}*": {"origins": origins}}, supports_credentials=False,
             allow_headers=["Authorization", "Content-Type", "Last-Event-ID"], max_age=600)
