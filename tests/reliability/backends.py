"""Backends of our own for the fault tests: a database on the shared PostgreSQL, a
throwaway PostgreSQL cluster, and a redis-server, all on 127.0.0.1 and stopped on the way out."""
from __future__ import annotations

import glob
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from .processes import Service, free_port, wait_until

PG_BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]) if glob.glob("/usr/lib/postgresql/*/bin") else None


def sibling_database_url(url: str, suffix: str) -> str:
    """``url`` with its database renamed ``<database><suffix>`` (same server)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    return urlunsplit(parts._replace(path=f"/{name}{suffix}"))


def admin_url(url: str) -> str:
    """The ``postgres`` maintenance database on the server of ``url``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def recreate_database(url: str) -> None:
    """Drop (when left over from an earlier session) and create the database of ``url``."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Drop the database of ``url``, closing its connections by force."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clear_redis_namespace(url: str, namespace: str) -> None:
    """Delete every key under ``namespace:`` (broker queues, limits, events, the ticker lock)."""
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i:i + 500])


class OwnRedis:
    """A redis-server of our own on a free port, without persistence: a restart loses
    every queued message, the hardest case for "every accepted run ends"."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="automateos-redis-"))
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", str(self.dir), "--protected-mode", "yes"]
        self.service = Service("redis", cmd, {"PATH": "/usr/bin:/bin"}, log_dir / "redis.log")

    def ping(self) -> bool:
        """True when the server answers."""
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.service.start()
        wait_until(self.ping, 10, "redis-server", (self.service,))

    def stop(self) -> None:
        """Stop the server (its data is lost)."""
        self.service.stop(grace=5.0)

    def close(self) -> None:
        """Stop it for good and remove its directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnPostgres:
    """A throwaway PostgreSQL cluster of our own (initdb into a temp dir, as the postgres
    user since the server refuses root), on a free port of 127.0.0.1. Never the shared one."""

    def __init__(self) -> None:
        if PG_BIN is None:
            raise RuntimeError("no /usr/lib/postgresql/*/bin: cannot start a cluster of our own")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="automateos-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"  # the postgres user cannot write to pytest's tmp dir
        shutil.chown(self.dir, "postgres", "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/automateos"
        self.started = False

    def _as_postgres(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        """Create the cluster, start it and create the application's database."""
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                          "--no-sync", "--no-instructions")
        self.start()
        with psycopg.connect(admin_url(self.url), autocommit=True) as conn:
            conn.execute('CREATE DATABASE "automateos"')

    def start(self) -> None:
        """Start the server (pg_ctl waits until it accepts connections)."""
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log_path),
                          "-w", "-t", "30", "start")
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` ends every session at once, as a failover or a restart does."""
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")
        self.started = False

    def close(self) -> None:
        """Stop it for good and remove the cluster."""
        if self.started:
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
