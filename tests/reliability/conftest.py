"""Fixtures of the fault tests: real gunicorn + dramatiq processes in production mode on
backends of the test's own. Those run in the PostgreSQL + Redis pass only."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.http_server import server, start_server  # noqa: F401  (fixtures)

from .backends import OwnPostgres, OwnRedis, clear_redis_namespace, drop_database, recreate_database, \
    sibling_database_url
from .stack import AppStack

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
ON_SERVICES = bool(DATABASE_URL and REDIS_URL)
SKIP_REASON = "needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL): fault tests run real gunicorn + dramatiq processes"
_migrated: set[str] = set()  # databases already migrated in this session


@pytest.fixture
def services_only() -> None:
    """Tests that start the production processes need PostgreSQL and Redis."""
    if not ON_SERVICES:
        pytest.skip(SKIP_REASON)


@pytest.fixture(autouse=True)
def clean_state() -> None:
    """Overrides the suite's cleanup of its in-process app: these tests use their own backends."""


@pytest.fixture(scope="session")
def reliability_database() -> Iterator[str]:
    """A database of our own beside the suite's (``<its name>_reliability``), migrated once."""
    if not ON_SERVICES:
        pytest.skip(SKIP_REASON)
    url = sibling_database_url(DATABASE_URL, "_reliability")
    recreate_database(url)
    yield url
    drop_database(url)


@pytest.fixture
def namespace() -> Iterator[str]:
    """A Redis key prefix of this test's own, cleared afterwards."""
    name = f"automateos-rel-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    yield name
    try:
        clear_redis_namespace(REDIS_URL, name)
    except Exception:  # the test may have used a Redis of its own instead
        pass


@pytest.fixture
def make_stack(services_only: None, tmp_path: Path) -> Iterator[Callable[..., AppStack]]:
    """Factory: migrate and start gunicorn + dramatiq; both stopped after the test."""
    stacks: list[AppStack] = []

    def make(database_url: str, redis_url: str, namespace: str, **kwargs) -> AppStack:
        log_dir = tmp_path / f"stack{len(stacks)}"
        log_dir.mkdir()
        stack = AppStack(log_dir, database_url, redis_url, namespace, **kwargs)
        stacks.append(stack)
        if database_url not in _migrated:
            stack.migrate()
            _migrated.add(database_url)
        return stack.start()

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture
def stack_on_services(make_stack: Callable[..., AppStack], reliability_database: str,
                      namespace: str) -> AppStack:
    """The platform on our database of the shared PostgreSQL and our namespace of the shared Redis."""
    return make_stack(reliability_database, REDIS_URL, namespace)


@pytest.fixture
def own_redis(services_only: None, tmp_path: Path) -> Iterator[OwnRedis]:
    """A redis-server of this test's own (never the shared one), started."""
    instance = OwnRedis(tmp_path)
    instance.start()
    yield instance
    instance.close()


@pytest.fixture
def own_postgres(services_only: None) -> Iterator[OwnPostgres]:
    """A throwaway PostgreSQL cluster of this test's own (never the shared one), started."""
    instance = OwnPostgres()
    try:
        instance.init()
        yield instance
    finally:
        instance.close()
