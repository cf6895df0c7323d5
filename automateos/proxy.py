"""Which proxies the app trusts for the client's address, scheme and host."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """In production, trust one proxy hop (Render's, or the nginx in front)."""
    if app.config["ENV_NAME"] == "production":
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
