"""Processes the reliability tests start: each in a session of its own, its output in a
log file, and stopped (SIGKILL at the latest) on the way out."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Service:
    """A process we started as the leader of a new process group.

    Parameters:
        name: label used in messages and as the log file's name.
        cmd: the command line, kept to start it again after a kill.
        env: its environment.
        log_path: where its stdout and stderr go (appended across restarts).
    """

    name: str
    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None

    def start(self) -> "Service":
        """Start (or start again) the process."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def alive(self) -> bool:
        """True while the leader process runs."""
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        """Everything the process (all its starts) wrote so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to the whole process group (the leader and its children)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def wait_gone(self, timeout: float) -> bool:
        """Wait until no process of the group is left; True if so within ``timeout``."""
        if self.proc is None:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.proc.poll()
            if not group_alive(self.proc.pid):
                return True
            time.sleep(0.05)
        return False

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
        """Send ``sig`` to the group, then SIGKILL whatever is left after ``grace`` seconds."""
        if self.proc is None:
            return
        self.signal_group(sig)
        if not self.wait_gone(grace):
            self.signal_group(signal.SIGKILL)
            self.wait_gone(5.0)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def terminate(self, grace: float = 30.0) -> None:
        """SIGTERM to the leader alone (as ``kill PID`` or a container runtime sends it):
        gunicorn's and dramatiq's masters stop their children gracefully. SIGKILL to the
        group if anything is left after ``grace`` seconds."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        if not self.wait_gone(grace):
            self.signal_group(signal.SIGKILL)
            self.wait_gone(5.0)
        self.proc.wait(timeout=5)

    def kill(self) -> None:
        """kill -9 of the whole group, as a crash or an OOM kill would do."""
        self.stop(signal.SIGKILL, grace=5.0)


def group_alive(pgid: int) -> bool:
    """True while any process of group ``pgid`` exists (zombies excepted)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str, watch: tuple[Service, ...] = ()) -> None:
    """Poll ``check()`` until true; fail early, with its log, when a watched service died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for service in watch:
            if not service.alive():
                raise AssertionError(f"{service.name} exited while waiting for {what}:\n{service.log_text()[-3000:]}")
        if check():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {s.name}\n{s.log_text()[-3000:]}" for s in watch)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{tails}")
