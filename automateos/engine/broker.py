"""The Dramatiq broker: Redis when ``REDIS_URL`` is set, else a StubBroker worked in-process.

The broker is process-global (Dramatiq's actors bind to it when declared), so it follows
the environment alone, exactly like the ``dramatiq`` command that imports ``worker.py``.
"""
from __future__ import annotations

import atexit
import os
import threading

import dramatiq
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from redis.backoff import NoBackoff
from redis.retry import Retry

QUEUE = "automateos"
# A Redis that hangs (paused, partitioned) must not hang the web request that enqueues:
# the run is already committed, so a send that times out is logged and the reconciler
# resends it. The consumer polls (no blocking reads), so a short read timeout is safe.
REDIS_CONNECT_TIMEOUT_SECONDS = 2
REDIS_SOCKET_TIMEOUT_SECONDS = 2

_worker: Worker | None = None
_worker_lock = threading.Lock()


def build_broker(url: str | None) -> dramatiq.Broker:
    """A RedisBroker on ``url`` (with bounded waits), or a StubBroker when there is none."""
    if url:
        namespace = os.environ.get("AUTOMATEOS_REDIS_NAMESPACE", "automateos") + ":dramatiq"
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
                                      socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 1),
                                      health_check_interval=30)
        return RedisBroker(client=client, namespace=namespace)
    return StubBroker()


broker = build_broker(os.environ.get("REDIS_URL"))
dramatiq.set_broker(broker)


def is_embedded() -> bool:
    """True when runs are executed by a worker inside this process."""
    return isinstance(broker, StubBroker)


def start_inprocess_worker(threads: int) -> Worker:
    """Start (once per process) a Worker consuming this process's broker in threads.

    The embedded default needs it to execute anything; tests on Redis use it as the real
    Worker of their run.
    """
    global _worker
    with _worker_lock:
        if _worker is None:
            broker.emit_after("process_boot")
            _worker = Worker(broker, worker_threads=threads, worker_timeout=50)
            _worker.start()
            atexit.register(stop_inprocess_worker)
        return _worker


def stop_inprocess_worker() -> None:
    """Stop the in-process worker, letting running steps finish."""
    global _worker
    with _worker_lock:
        if _worker is not None:
            _worker.stop(timeout=5000)
            _worker = None
