"""The Dramatiq broker of an app: built from its config, its actors run in its context.

Each app owns a broker (``app.extensions``): a RedisBroker when ``REDIS_URL`` is set, else
a StubBroker that an embedded Worker consumes in-process. Actors are declared once, at
import, on :data:`current_broker`, which forwards every send to the broker of the current
app; ``init_broker`` declares them again on the app's own broker, the one its workers
consume. So the app factory touches no process-wide Dramatiq state, and several apps in one
process (the test suite builds a few) each keep their own queue and worker.
``worker.py`` hands its app's broker to Dramatiq (``dramatiq.set_broker``) for the CLI.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

import click
import dramatiq
import redis
from dramatiq import Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from flask.ctx import AppContext
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..extensions import db
from ..logging_setup import request_id_var

logger = logging.getLogger(__name__)

QUEUE = "automateos"
BROKER_EXTENSION = "automateos.broker"
WORKER_EXTENSION = "automateos.worker"
# A Redis that hangs (paused, partitioned) must not hang the web request that enqueues:
# the run is already committed, so a send that times out is logged and the reconciler
# resends it. The consumer polls (no blocking reads), so a short read timeout is safe.
REDIS_CONNECT_TIMEOUT_SECONDS = 2
REDIS_SOCKET_TIMEOUT_SECONDS = 2


def build_broker(url: str | None, namespace: str = "automateos") -> dramatiq.Broker:
    """A RedisBroker on ``url`` (with bounded waits) under ``namespace``, or a StubBroker
    when there is no URL."""
    if url:
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
                                      socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 1),
                                      health_check_interval=30)
        return RedisBroker(client=client, namespace=f"{namespace}:dramatiq")
    return StubBroker()


class CurrentAppBroker(StubBroker):
    """Where the actors are declared at import: a send goes to the current app's broker.

    It never holds a message itself; outside an app context a send is an error, not a
    message silently queued nowhere. (A StubBroker underneath only so that declaring
    an actor validates its options against Dramatiq's default middleware.)
    """

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        if not has_app_context():
            raise RuntimeError(f"cannot send {message.actor_name}: no app context (the broker is the app's)")
        return get_broker().enqueue(message, delay=delay)


current_broker = CurrentAppBroker()


class AppContextMiddleware(Middleware):
    """Run every message inside ``app``'s context, and release its DB session after.

    Parameters:
        app: the app whose broker this middleware belongs to.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.state = threading.local()  # each worker thread has its own message in hand

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        context = self.app.app_context()
        context.push()
        self.state.context = context

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        context: AppContext | None = getattr(self.state, "context", None)
        if context is None:  # a middleware before ours skipped the message
            return
        self.state.context = None
        try:
            db.session.remove()
        finally:
            context.pop(exception)

    after_skip_message = after_process_message


class RequestIdMiddleware(Middleware):
    """Carry the request id from the sender into the worker's log lines.

    A message enqueued while a request id is set (a web request, or a message that
    itself carries one) gets it in ``message.options["request_id"]``; the worker sets it
    again while it processes that message, so every line logged meanwhile carries it.
    """

    def __init__(self) -> None:
        self.state = threading.local()

    def before_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int | None) -> None:
        request_id = request_id_var.get()
        if request_id and "request_id" not in message.options:
            message.options["request_id"] = request_id

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        self.state.token = request_id_var.set(message.options.get("request_id"))
        logger.debug("processing %s%r (message %s)", message.actor_name, tuple(message.args), message.message_id)

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result: Any = None, exception: BaseException | None = None) -> None:
        token = getattr(self.state, "token", None)
        if token is not None:
            self.state.token = None
            request_id_var.reset(token)

    after_skip_message = after_process_message


def init_broker(app: Flask, *actors: dramatiq.Actor) -> dramatiq.Broker:
    """Build ``app``'s broker from its config and declare ``actors`` on it."""
    broker = build_broker(app.config["REDIS_URL"], app.config["REDIS_NAMESPACE"])
    broker.add_middleware(AppContextMiddleware(app))
    broker.add_middleware(RequestIdMiddleware())
    app.extensions[BROKER_EXTENSION] = broker
    declare_actors(app, *actors)
    return broker


def declare_actors(app: Flask, *actors: dramatiq.Actor) -> None:
    """Declare ``actors`` (declared at import on :data:`current_broker`) on ``app``'s
    broker, so its workers find them by name. Each package declares its own."""
    broker = get_broker(app)
    for actor in actors:
        broker.declare_actor(actor)


def get_broker(app: Flask | None = None) -> dramatiq.Broker:
    """The broker of ``app`` (default: the current app)."""
    return (app or current_app).extensions[BROKER_EXTENSION]


def start_worker(app: Flask, threads: int) -> Worker:
    """Start (once per app) a Worker that consumes ``app``'s broker in threads of this
    process: the embedded mode's only worker, and the tests' real Worker on Redis."""
    worker: Worker | None = app.extensions.get(WORKER_EXTENSION)
    if worker is None:
        broker = get_broker(app)
        broker.emit_after("process_boot")
        worker = app.extensions[WORKER_EXTENSION] = Worker(broker, worker_threads=threads, worker_timeout=50)
        worker.start()
    return worker


def get_worker(app: Flask | None = None) -> Worker | None:
    """The in-process Worker of ``app`` (default: the current app), if one was started."""
    return (app or current_app).extensions.get(WORKER_EXTENSION)


@dataclass(frozen=True)
class WorkerSeen:
    """One Dramatiq worker process as its Redis heartbeats show it."""

    worker_id: str
    last_seen_seconds: float  # since its last heartbeat
    alive: bool  # heard from within the broker's heartbeat timeout
    in_flight: int  # messages it holds unacknowledged


def workers_seen(app: Flask) -> list[WorkerSeen]:
    """The worker processes of ``app``'s Redis broker, from ``<namespace>:__heartbeats__``
    (a sorted set: broker id -> last heartbeat, ms) and their ``__acks__`` sets. Every
    process consuming the queues heartbeats on every poll; one silent for longer than the
    heartbeat timeout is dead (its messages go back to the queue)."""
    broker = get_broker(app)
    if not isinstance(broker, RedisBroker):
        return []
    client = broker.client
    now_ms = time.time() * 1000
    seen = []
    for worker_id, score in client.zrange(f"{broker.namespace}:__heartbeats__", 0, -1, withscores=True):
        worker_id = worker_id.decode() if isinstance(worker_id, bytes) else worker_id
        in_flight = sum(client.scard(key) for key in client.scan_iter(f"{broker.namespace}:__acks__.{worker_id}.*"))
        age_ms = max(0.0, now_ms - score)
        seen.append(WorkerSeen(worker_id, round(age_ms / 1000, 1), age_ms < broker.heartbeat_timeout, in_flight))
    return sorted(seen, key=lambda w: w.last_seen_seconds)


workers_cli = AppGroup("workers", help="Dramatiq worker processes, seen through their Redis heartbeats.")


@workers_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def workers_status_command(as_json: bool) -> None:
    """List worker processes: last heartbeat, alive or dead, messages in hand."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: the embedded worker runs inside `serve`")
    try:
        seen = workers_seen(app)
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis unreachable: {type(exc).__name__}: {exc}") from None
    if as_json:
        click.echo(json.dumps([asdict(w) for w in seen], indent=2))
        return
    if not seen:
        click.echo("no worker has sent a heartbeat (is `dramatiq worker` running?)")
        return
    alive = sum(w.alive for w in seen)
    click.echo(f"{alive} alive, {len(seen) - alive} dead")
    for w in seen:
        click.echo(f"{w.worker_id}  {'alive' if w.alive else 'DEAD '}  last seen {w.last_seen_seconds:>7.1f}s ago"
                   f"  in flight {w.in_flight}")


def stop_worker(app: Flask) -> None:
    """Stop ``app``'s in-process Worker, letting running steps finish."""
    worker: Worker | None = app.extensions.pop(WORKER_EXTENSION, None)
    if worker is not None:
        worker.stop(timeout=5000)
