"""The front door: the dashboard's production build (``frontend/dist``), served by Flask.

- ``/`` and every client route (``/workflows/3``, ``/logs/9``, ...) answer ``index.html``
  with ``Cache-Control: no-cache``: a new deploy is picked up on the next navigation;
- ``/assets/...`` are Vite's content-hashed files: cached for a year, ``immutable``;
- other files at the build's root (favicon) are served as they are, cached briefly;
- ``/api/...`` never reaches this module (the client-route converter refuses it), so an
  unknown API path stays the API's JSON 404, and ``/healthz``, ``/readyz`` keep their views.

The build directory is ``DASHBOARD_DIST`` (default ``frontend/dist``; a relative path is
taken from the project root). Without a build, ``/`` explains how to make one.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from flask import Flask, Response, abort, current_app, send_from_directory
from werkzeug.routing import PathConverter

from config import BASE_DIR

ASSETS_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
ROOT_FILE_MAX_AGE = 3600
# Paths that belong to the server, not to the client-side router.
SERVER_PREFIXES = ("api",)

MISSING_BUILD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AutomateOS: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The dashboard is not built yet</h1>
<p>The API is running (see <a href="/api/docs">/api/docs</a>), but there is no dashboard build in
<code>{dist}</code>.</p>
<p>Build it with <code>make run</code> (it builds when needed), or by hand:</p>
<pre>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>Node.js 20 or newer is needed. Another build folder can be set with <code>DASHBOARD_DIST</code>.</p>
</body></html>
"""


class ClientRouteConverter(PathConverter):
    """``<client_route:path>``: any path except the server's own (``api`` and below)."""

    regex = r"(?!(?:" + "|".join(SERVER_PREFIXES) + r")(?:/|$))[^/].*?"


def dist_dir(app: Flask) -> Path:
    """The build directory, as configured."""
    path = Path(app.config["DASHBOARD_DIST"])
    return path if path.is_absolute() else BASE_DIR / path


def _index(dist: Path) -> Response:
    index = dist / "index.html"
    if not index.is_file():
        response = Response(MISSING_BUILD.format(dist=dist), status=503, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response
    response = send_from_directory(dist, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


def serve(path: str = "") -> Any:
    """A file of the build, or ``index.html`` for a client route."""
    dist = dist_dir(current_app)
    if not path:
        return _index(dist)
    parts = PurePosixPath(path).parts
    if parts[0] == ASSETS_DIR:
        # Hashed names never change content: cache for good. A missing one is a real 404.
        response = send_from_directory(dist, path, max_age=31536000)
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    if len(parts) == 1 and "." in path and (dist / path).is_file():
        return send_from_directory(dist, path, max_age=ROOT_FILE_MAX_AGE)
    if "." in parts[-1]:
        abort(404)  # a missing file is not a client route (no HTML page for /x.js)
    return _index(dist)


def init_app(app: Flask) -> None:
    """Register the routes that serve the dashboard."""
    app.url_map.converters["client_route"] = ClientRouteConverter
    app.add_url_rule("/", "dashboard", serve, methods=["GET"])
    app.add_url_rule("/<client_route:path>", "dashboard_route", serve, methods=["GET"])
