"""Flask serves the dashboard's build: client routes get index.html, hashed assets are
cached for good, and the API, health probes and API 404s stay JSON."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from automateos.dashboard import dist_dir
from config import BASE_DIR
from tests.conftest import assert_error

INDEX = "<!doctype html><html><body><div id=root></div><script src=/assets/index-abc123.js></script></body></html>"


@pytest.fixture
def dist(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small build in a folder of its own, configured as DASHBOARD_DIST."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    monkeypatch.setitem(app.config, "DASHBOARD_DIST", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/runs", "/workflows/new", "/workflows/3", "/workflows/3/logs", "/logs/12",
                                  "/login", "/some/unknown/client/route"])
def test_client_routes_answer_index_html_uncached(client: FlaskClient, dist: Path, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    assert resp.get_data(as_text=True) == INDEX
    assert resp.headers["Cache-Control"] == "no-cache"


def test_hashed_assets_are_immutable(client: FlaskClient, dist: Path) -> None:
    resp = client.get("/assets/index-abc123.js")
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == "console.log('app')"
    assert "javascript" in resp.mimetype
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_root_files_are_served_and_missing_files_are_404(client: FlaskClient, dist: Path) -> None:
    favicon = client.get("/favicon.svg")
    assert favicon.status_code == 200 and favicon.mimetype == "image/svg+xml"
    assert "immutable" not in favicon.headers["Cache-Control"]
    assert_error(client.get("/assets/gone-123.js"), 404)
    assert_error(client.get("/missing.js"), 404)


def test_paths_outside_the_build_are_refused(client: FlaskClient, dist: Path) -> None:
    secret = dist.parent / "secret.txt"
    secret.write_text("nope")
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt"):
        assert "nope" not in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_unknown_api_paths_stay_json_404(client: FlaskClient, dist: Path, method: str) -> None:
    for path in ("/api/x", "/api/nope/deeper", "/api"):
        assert_error(getattr(client, method)(path), 404)


def test_api_and_probes_stay_json(client: FlaskClient, dist: Path, user) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").is_json
    assert client.get("/api/openapi.json").is_json
    resp = user.get("/api/workflows")
    assert resp.status_code == 200 and resp.is_json
    assert_error(client.get("/api/workflows"), 401)


def test_missing_build_explains_how_to_build(app: Flask, client: FlaskClient, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DASHBOARD_DIST", str(tmp_path / "not-built"))
    for path in ("/", "/workflows/1"):
        resp = client.get(path)
        assert resp.status_code == 503
        text = resp.get_data(as_text=True)
        assert "npm run build" in text and "make run" in text and "/api/docs" in text
        assert resp.headers["Cache-Control"] == "no-store"


def test_relative_dist_is_taken_from_the_project_root(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "DASHBOARD_DIST", "frontend/dist")
    assert dist_dir(app) == BASE_DIR / "frontend" / "dist"
