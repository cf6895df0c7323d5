"""The platform as production runs it: ``gunicorn -c gunicorn.conf.py wsgi:app`` and
``dramatiq worker`` (the Procfile's commands, fewer processes) in production mode."""
from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

from .processes import ROOT, Service, free_port, wait_until

BIN = Path(sys.executable).parent
READY = "Worker process is ready for action."
# Fault-test timings: a dead worker's step is taken over within seconds, the reconciler
# looks every second at runs that stopped moving for three.
FAST_RECOVERY = {
    "STEP_LEASE_SECONDS": "3",
    "RECONCILE_INTERVAL_SECONDS": "1",
    "RECONCILE_AFTER_SECONDS": "3",
    "SCHEDULER_INTERVAL_SECONDS": "1",
}


class AppStack:
    """A web process and a worker process on ``database_url`` and ``redis_url``.

    Parameters:
        log_dir: where ``web.log``, ``worker.log`` and ``migrate.log`` go.
        database_url: a database of the test's own.
        redis_url: a Redis the test may use, with ``namespace`` its keys' prefix.
        extra_env: more settings for both processes.
        worker_threads: dramatiq threads (one worker process).
    """

    def __init__(self, log_dir: Path, database_url: str, redis_url: str, namespace: str,
                 extra_env: dict[str, str] | None = None, worker_threads: int = 4):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMATEOS_", "PYTEST_"))}
        env.update({
            "AUTOMATEOS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            # Production refuses to start without the credentials' key (32 random bytes).
            "AUTOMATEOS_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "AUTOMATEOS_REDIS_NAMESPACE": namespace,
            "AUTOMATEOS_HTTP_ALLOW_PRIVATE": "true",
            "WEB_CONCURRENCY": "1",
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            **FAST_RECOVERY,
            **(extra_env or {}),
        })
        self.env = env
        self.web = Service("web", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind",
                                   f"127.0.0.1:{self.port}", "wsgi:app"], env, log_dir / "web.log")
        self.worker = Service("worker", [str(BIN / "dramatiq"), "worker", "--processes", "1", "--threads",
                                         str(worker_threads), "--worker-shutdown-timeout", "5000"],
                              env, log_dir / "worker.log")

    def migrate(self) -> None:
        """``flask --app wsgi db upgrade``, the Procfile's release step."""
        with (self.log_dir / "migrate.log").open("ab") as log:
            subprocess.run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=self.env,
                           check=True, stdout=log, stderr=subprocess.STDOUT, timeout=120)

    def ready(self) -> bool:
        """True when the web process answers /healthz."""
        try:
            return requests.get(f"{self.base}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def start_web(self) -> None:
        """Start gunicorn and wait until it answers."""
        self.web.start()
        wait_until(self.ready, 60, "gunicorn", (self.web,))

    def start_worker(self) -> None:
        """Start the dramatiq worker and wait until its process is ready."""
        before = self.worker.log_text().count(READY)
        self.worker.start()
        wait_until(lambda: self.worker.log_text().count(READY) > before, 60, "dramatiq worker", (self.worker,))

    def start(self) -> "AppStack":
        """Both processes (booting side by side), ready."""
        self.web.start()
        self.worker.start()
        wait_until(lambda: self.ready() and READY in self.worker.log_text(), 60, "gunicorn and dramatiq",
                   (self.web, self.worker))
        return self

    def stop(self) -> None:
        """Stop both at once; SIGKILL whatever outlives a short grace period."""
        stoppers = [threading.Thread(target=self.web.stop, args=(signal.SIGINT, 5)),  # gunicorn's quick shutdown
                    threading.Thread(target=self.worker.stop, args=(signal.SIGTERM, 5))]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()

    def logs(self) -> str:
        """The tail of both logs, for failure messages."""
        return "\n".join(f"--- {s.name}\n{s.log_text()[-4000:]}" for s in (self.web, self.worker))
