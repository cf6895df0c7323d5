"""Prometheus metrics: ``GET /metrics`` in the text exposition format.

What is counted, and where:

* ``automateos_executions_started_total{trigger}`` and
  ``automateos_executions_finished_total{status}``, and the
  ``automateos_step_duration_seconds{node_type}`` histogram: from the committed status
  changes (``engine.status.on_committed_changes``), in whichever process commits them (a
  web process for webhooks and manual runs, a worker for steps, schedules and retries);
* ``automateos_webhook_duration_seconds{code}``: a request hook on the hooks blueprint;
* ``automateos_sse_clients``: event streams open now (opened by a 200 from the events
  blueprint, closed when the server closes the response);
* ``automateos_queue_depth{queue}``: read from Redis at each scrape (messages waiting in
  the Dramatiq queue and in its delay queue); absent without Redis.

Several processes (gunicorn workers, dramatiq processes): with ``PROMETHEUS_MULTIPROC_DIR``
set, prometheus-client keeps every process's values in a file of that folder and the
scrape adds them up, so one ``GET /metrics`` counts every process that shares the folder:
the whole machine under systemd or honcho, the whole compose project (a shared volume).
Files are named by host and process id, so containers sharing the volume never write to
one file. A process that exits takes its share of the gauge with it (on a clean exit, or
at the next scrape once its pid is gone on this host); counters keep counting what it did.
Without the variable each process counts for itself.

``METRICS_TOKEN`` (if set) is the bearer token a scrape must send.
"""
from __future__ import annotations

import atexit
import glob
import hmac
import logging
import os
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import redis
from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from .engine.broker import QUEUE
from .engine.models import FINISHED_EXECUTION
from .engine.status import StatusChange, on_committed_changes
from .errors import error_response

logger = logging.getLogger(__name__)

EXTENSION = "automateos.metrics"
MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
# "_" separates the fields of prometheus-client's file names: never in a host name here.
HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "host"
HOOKS_BLUEPRINT = "hooks"
EVENTS_BLUEPRINT = "events"
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
FINISHED_STEP_TIMED = ("success", "failed")


def process_id() -> str:
    """This process's name in the metrics folder: host and pid (containers sharing the
    folder each number their processes from 1)."""
    return f"{HOST}-{os.getpid()}"


if MULTIPROC_DIR:
    os.makedirs(MULTIPROC_DIR, exist_ok=True)
    # Before any metric exists: every value is created from this class.
    values.ValueClass = values.MultiProcessValue(process_identifier=process_id)

REGISTRY = CollectorRegistry(auto_describe=True)
EXECUTIONS_STARTED = Counter("automateos_executions_started", "Runs created, by trigger.", ["trigger"],
                             registry=REGISTRY)
EXECUTIONS_FINISHED = Counter("automateos_executions_finished", "Runs finished, by final status.", ["status"],
                              registry=REGISTRY)
STEP_DURATION = Histogram("automateos_step_duration_seconds", "Time a step ran (last attempt), by node type.",
                          ["node_type"], buckets=STEP_BUCKETS, registry=REGISTRY)
WEBHOOK_DURATION = Histogram("automateos_webhook_duration_seconds",
                             "Time to answer a webhook request, by HTTP status code.", ["code"],
                             buckets=WEBHOOK_BUCKETS, registry=REGISTRY)
SSE_CLIENTS = Gauge("automateos_sse_clients", "Event streams (GET /api/events) open now.",
                    registry=REGISTRY, multiprocess_mode="livesum")


def record_changes(changes: list[StatusChange]) -> None:
    """Count the committed status changes of one transaction (never raises: a metric must
    not break the commit's other listeners)."""
    try:
        for change in changes:
            if change["kind"] == "execution":
                execution = change["execution"]
                if change.get("created"):
                    EXECUTIONS_STARTED.labels(trigger=str(execution.get("trigger"))).inc()
                elif execution.get("status") in FINISHED_EXECUTION:
                    EXECUTIONS_FINISHED.labels(status=str(execution["status"])).inc()
            elif change["kind"] == "step":
                step = change["step"]
                started, finished = step.get("started_at"), step.get("finished_at")
                if step.get("status") in FINISHED_STEP_TIMED and started and finished:
                    seconds = max((finished - started).total_seconds(), 0.0)
                    STEP_DURATION.labels(node_type=str(step.get("type"))).observe(seconds)
    except Exception:
        logger.exception("metrics: could not count a status change")


class QueueDepthCollector(Collector):
    """``automateos_queue_depth{queue}``: the length of the Dramatiq queue and of its delay
    queue in Redis, read when scraped.

    Parameters:
        client: a Redis client with short timeouts.
        namespace: the broker's key prefix (``<AUTOMATEOS_REDIS_NAMESPACE>:dramatiq``).
    """

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """One sample per queue; none when Redis does not answer (the scrape still works)."""
        family = GaugeMetricFamily("automateos_queue_depth", "Messages waiting in the broker's queues.",
                                   labels=["queue"])
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for queue in (QUEUE, f"{QUEUE}.DQ"):
                    pipe.llen(f"{self.namespace}:{queue}")
                lengths = pipe.execute()
        except redis.RedisError as exc:
            logger.warning("metrics: queue depth unavailable: %s", exc)
            return
        for queue, length in zip((QUEUE, f"{QUEUE}.DQ"), lengths):
            family.add_metric([queue], float(length))
        yield family


def forget_dead_processes(path: str) -> None:
    """Drop the live-gauge files of processes of this host that are gone (killed before
    they could clean up), so their open streams stop counting."""
    for filename in glob.glob(os.path.join(path, f"gauge_live*_{HOST}-*.db")):
        pid = filename.rsplit("-", 1)[-1].removesuffix(".db")
        if pid.isdigit() and not _alive(int(pid)):
            try:
                os.remove(filename)
            except FileNotFoundError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _forget_this_process() -> None:
    """On a clean exit: this process's streams are closed, its gauge share goes."""
    if MULTIPROC_DIR:
        for filename in glob.glob(os.path.join(MULTIPROC_DIR, f"gauge_live*_{process_id()}.db")):
            try:
                os.remove(filename)
            except FileNotFoundError:
                pass


def exposition(app: Flask) -> bytes:
    """The metrics of every process sharing the folder (or of this one), in text format."""
    queue_registry = CollectorRegistry(auto_describe=False)
    queue_client: redis.Redis | None = app.extensions[EXTENSION]["redis"]
    if queue_client is not None:
        queue_registry.register(QueueDepthCollector(queue_client, app.extensions[EXTENSION]["namespace"]))
    if MULTIPROC_DIR:
        forget_dead_processes(MULTIPROC_DIR)
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry, path=MULTIPROC_DIR)
        return generate_latest(registry) + generate_latest(queue_registry)
    return generate_latest(REGISTRY) + generate_latest(queue_registry)


def metrics_view() -> Any:
    """``GET /metrics``: Prometheus text format 0.0.4 (read by every Prometheus version);
    401 without the configured token."""
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            body, code = error_response(401, "GET /metrics needs the METRICS_TOKEN as a bearer token.")
            return body, code, {"WWW-Authenticate": 'Bearer realm="metrics"'}
    return Response(exposition(current_app), mimetype=None, headers={
        "Content-Type": CONTENT_TYPE_PLAIN_0_0_4, "Cache-Control": "no-store"})


def _start_timer() -> None:
    g.automateos_webhook_started = time.perf_counter()


def _observe_webhook(response: Response) -> Response:
    started = g.pop("automateos_webhook_started", None)
    if started is not None:
        WEBHOOK_DURATION.labels(code=str(response.status_code)).observe(time.perf_counter() - started)
    return response


def _count_stream(response: Response) -> Response:
    if response.status_code == 200 and response.mimetype == "text/event-stream":
        SSE_CLIENTS.inc()
        response.call_on_close(SSE_CLIENTS.dec)
    return response


def init_app(app: Flask) -> None:
    """Serve ``GET /metrics``, time webhooks, count event streams and status changes.
    Calling it again for the same app does nothing."""
    if EXTENSION in app.extensions:
        return
    url = app.config.get("REDIS_URL")
    app.extensions[EXTENSION] = {
        "redis": redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2) if url else None,
        "namespace": f"{app.config.get('REDIS_NAMESPACE', 'automateos')}:dramatiq",
    }
    on_committed_changes(record_changes)
    # Hooks of the two blueprints only (Flask runs them for those requests alone): the
    # rest of the API pays nothing per request.
    app.before_request_funcs.setdefault(HOOKS_BLUEPRINT, []).append(_start_timer)
    app.after_request_funcs.setdefault(HOOKS_BLUEPRINT, []).append(_observe_webhook)
    app.after_request_funcs.setdefault(EVENTS_BLUEPRINT, []).append(_count_stream)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])


atexit.register(_forget_this_process)
