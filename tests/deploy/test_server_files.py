"""The plain-server files of deploy/: systemd units run the Procfile's commands with the
settings the app reads, and nginx passes event streams through unbuffered to the port
gunicorn listens on. (`nginx -t` runs too when an nginx binary is at hand.)"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask

from .files import ROOT, env_example, procfile_argv

SYSTEMD = ROOT / "deploy" / "systemd"
NGINX_CONF = ROOT / "deploy" / "nginx" / "automateos.conf"
DURATION = re.compile(r"^(\d+)(ms|s|m|h)?$")


def unit(name: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file as section -> [(key, value)], repeated keys kept in order."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in (SYSTEMD / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"{name}: bad line {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def values(name: str, key: str) -> list[str]:
    return [v for k, v in unit(name)["Service"] if k == key]


def environment(name: str) -> dict[str, str]:
    return dict(v.split("=", 1) for v in values(name, "Environment"))


def seconds(text: str) -> float:
    number, suffix = DURATION.match(text).groups()
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[suffix]


UNITS = {"automateos-web.service": "web", "automateos-worker.service": "worker"}


@pytest.mark.parametrize("name,process", UNITS.items())
def test_units_run_the_procfile_commands_from_the_checkout(name, process):
    (exec_start,) = values(name, "ExecStart")
    argv = exec_start.split()
    assert Path(argv[0]).name == procfile_argv(process)[0] and argv[0].startswith(values(name, "WorkingDirectory")[0])
    assert [Path(argv[0]).name, *argv[1:]] == procfile_argv(process)
    # Files the command names, relative to the working directory, exist in the checkout.
    for word in argv[1:]:
        if word.endswith(".py"):
            assert (ROOT / word).is_file(), word


@pytest.mark.parametrize("name", UNITS)
def test_units_run_unprivileged_with_the_settings_file(name):
    assert values(name, "User")[0] not in ("root", "0")
    assert values(name, "EnvironmentFile") == ["/etc/automateos/automateos.env"]
    assert values(name, "Restart") == ["on-failure"]
    documented = env_example()
    for key in environment(name):
        assert key in documented, f"{name} sets {key}, which .env.example does not document"


def test_web_and_worker_share_the_metrics_folder_created_at_boot():
    folders = {environment(name)["PROMETHEUS_MULTIPROC_DIR"] for name in UNITS}
    assert len(folders) == 1
    (folder,) = folders
    tmpfiles = (SYSTEMD / "automateos.tmpfiles.conf").read_text()
    assert re.search(rf"^d {re.escape(folder)} 0750 automateos automateos -$", tmpfiles, re.M)
    for name in UNITS:
        assert folder in values(name, "ReadWritePaths")[0].split(), f"{name} cannot write its metrics"
        assert values(name, "ProtectSystem") == ["strict"]


def test_units_give_the_processes_time_to_stop_gracefully():
    worker_argv = procfile_argv("worker")
    shutdown = int(worker_argv[worker_argv.index("--worker-shutdown-timeout") + 1]) / 1000
    assert seconds(values("automateos-worker.service", "TimeoutStopSec")[0]) > shutdown
    graceful = float(re.search(r"^graceful_timeout = (\d+)", (ROOT / "gunicorn.conf.py").read_text(), re.M).group(1))
    assert seconds(values("automateos-web.service", "TimeoutStopSec")[0]) > graceful
    for name in UNITS:
        assert values(name, "KillMode") == ["mixed"]  # SIGTERM to the master, which stops its children
    assert values("automateos-web.service", "Type") == ["notify"]  # gunicorn's arbiter sends READY=1


def nginx_blocks() -> dict[str, str]:
    """``location`` (and ``upstream``) blocks of the nginx config: header -> body."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    return {m.group(1).strip(): m.group(2) for m in re.finditer(r"((?:location|upstream)[^{]*)\{([^{}]*)\}", text)}


def directive(body: str, name: str) -> list[str]:
    return re.findall(rf"(?:^|\s){re.escape(name)}\s+([^;]+);", body)


def test_nginx_proxies_to_the_port_gunicorn_listens_on():
    bind = environment("automateos-web.service")["GUNICORN_BIND"]
    blocks = nginx_blocks()
    assert directive(blocks["upstream automateos_web"], "server") == [bind]
    for header, body in blocks.items():
        if header.startswith("location") and "return" not in body:
            assert directive(body, "proxy_pass") == ["http://automateos_web"], header
    text = NGINX_CONF.read_text()
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text  # https reaches the app (HSTS)
    assert "PROXY_FIX_HOPS=1" in text and "FORWARDED_ALLOW_IPS=127.0.0.1" in text


def test_nginx_passes_event_streams_unbuffered_and_waits_past_the_pings(app: Flask):
    body = nginx_blocks()["location = /api/events"]
    assert directive(body, "proxy_buffering") == ["off"]
    assert directive(body, "gzip") == ["off"]
    ping = float(env_example()["EVENTS_PING_SECONDS"])
    assert seconds(directive(body, "proxy_read_timeout")[0]) > 4 * ping
    # The location is the app's stream endpoint.
    assert any(rule.rule == "/api/events" for rule in app.url_map.iter_rules())


def test_nginx_keeps_metrics_inside():
    body = nginx_blocks()["location = /metrics"]
    assert directive(body, "deny") == ["all"]


def test_nginx_accepts_the_config(tmp_path: Path):
    """``nginx -t`` on the config with a throwaway certificate (NGINX names the binary)."""
    binary = os.environ.get("NGINX") or shutil.which("nginx")
    if not binary:
        pytest.skip("no nginx binary (set NGINX=/path/to/nginx)")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = NGINX_CONF.read_text().replace(
        "/etc/letsencrypt/live/automateos.example.com/fullchain.pem", str(tmp_path / "cert.pem")).replace(
        "/etc/letsencrypt/live/automateos.example.com/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log; events {{}}\n"
        f"http {{ access_log off; {temp} include {tmp_path}/site.conf; }}\n")
    result = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
